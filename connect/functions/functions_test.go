package functions_test

// These tests run every wrapper of package functions against the in-memory Spark Connect
// server and compare the expression the server received with one written by hand: the
// function's name, its arguments in order, and is_distinct.

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

// Expected expressions, built by hand from the protocol's types.

func attr(name string) *sparkpb.Expression {
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedAttribute_{
		UnresolvedAttribute: &sparkpb.Expression_UnresolvedAttribute{UnparsedIdentifier: name},
	}}
}

func star(target *string) *sparkpb.Expression {
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedStar_{
		UnresolvedStar: &sparkpb.Expression_UnresolvedStar{UnparsedTarget: target},
	}}
}

func sql(s string) *sparkpb.Expression {
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_ExpressionString_{
		ExpressionString: &sparkpb.Expression_ExpressionString{Expression: s},
	}}
}

func literal(l *sparkpb.Expression_Literal) *sparkpb.Expression {
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_Literal_{Literal: l}}
}

func str(s string) *sparkpb.Expression {
	return literal(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_String_{String_: s}})
}

func i32(v int32) *sparkpb.Expression {
	return literal(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Integer{Integer: v}})
}

func i64(v int64) *sparkpb.Expression {
	return literal(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Long{Long: v}})
}

func f64(v float64) *sparkpb.Expression {
	return literal(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Double{Double: v}})
}

func fn(name string, args ...*sparkpb.Expression) *sparkpb.Expression {
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedFunction_{
		UnresolvedFunction: &sparkpb.Expression_UnresolvedFunction{FunctionName: name, Arguments: args},
	}}
}

func distinct(name string, args ...*sparkpb.Expression) *sparkpb.Expression {
	e := fn(name, args...)
	e.GetUnresolvedFunction().IsDistinct = true
	return e
}

// options is the map(...) call that carries options as key, value string pairs.
func options(kv ...string) *sparkpb.Expression {
	args := make([]*sparkpb.Expression, len(kv))
	for i, s := range kv {
		args[i] = str(s)
	}
	return fn("map", args...)
}

type exprCase struct {
	name string
	col  connect.Column
	want *sparkpb.Expression
}

// session dials a session on a new fake server.
func session(t *testing.T) (*fakeserver.Server, *connect.Session, context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	srv := fakeserver.New()
	t.Cleanup(srv.Close)
	s, err := connect.Dial(ctx, srv.URL(), connect.WithDialOptions(srv.DialOptions()...))
	if err != nil {
		t.Fatal(err)
	}
	// Registered after srv.Close, so it runs first: sessions close before their server.
	t.Cleanup(func() { s.Close(context.Background()) })
	return srv, s, ctx
}

// sent runs SELECT col FROM t and returns the expression of the projection the server
// received.
func sent(t *testing.T, srv *fakeserver.Server, s *connect.Session, ctx context.Context, col connect.Column) *sparkpb.Expression {
	t.Helper()
	before := len(srv.ExecuteRequests())
	if _, err := s.Table("t").Select(col).Rows(ctx); err != nil {
		t.Fatalf("action: %v", err)
	}
	plans := srv.Plans()
	if len(plans) != before+1 {
		t.Fatalf("%d ExecutePlan requests, want %d", len(plans), before+1)
	}
	project := plans[len(plans)-1].GetRoot().GetProject()
	if project == nil || project.GetInput().GetRead().GetNamedTable().GetUnparsedIdentifier() != "t" {
		t.Fatalf("plan is not a projection of table t: %s", protojson.Format(plans[len(plans)-1]))
	}
	if n := len(project.GetExpressions()); n != 1 {
		t.Fatalf("projection of %d expressions, want 1", n)
	}
	return project.GetExpressions()[0]
}

func runCases(t *testing.T, cases []exprCase) {
	t.Helper()
	srv, s, ctx := session(t)
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("case %q twice", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.col.Err(); err != nil {
				t.Fatalf("column error: %v", err)
			}
			got := sent(t, srv, s, ctx, tc.col)
			if !proto.Equal(got, tc.want) {
				t.Errorf("server received\n%s\nwant\n%s", protojson.Format(got), protojson.Format(tc.want))
			}
		})
	}
}

func TestBasics(t *testing.T) {
	pkg := "p.*"
	runCases(t, []exprCase{
		{"Col", F.Col("page"), attr("page")},
		{"Col nested", F.Col("user.id"), attr("user.id")},
		{"Col star", F.Col("*"), star(nil)},
		{"Col struct star", F.Col("p.*"), star(&pkg)},
		{"Lit string", F.Lit("x"), str("x")},
		{"Lit int", F.Lit(7), i64(7)},
		{"Lit int32", F.Lit(int32(7)), i32(7)},
		{"Lit float64", F.Lit(0.5), f64(0.5)},
		{"Lit bool", F.Lit(true), literal(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Boolean{Boolean: true}})},
		{"Lit nil", F.Lit(nil), literal(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Null{
			Null: &sparkpb.DataType{Kind: &sparkpb.DataType_Null{Null: &sparkpb.DataType_NULL{}}},
		}})},
		{"Expr", F.Expr("amount * 100 > 5"), sql("amount * 100 > 5")},
		{"Call no args", F.Call("pi"), fn("pi")},
		{"Call", F.Call("sha2", F.Col("card"), F.Lit(int32(256))), fn("sha2", attr("card"), i32(256))},
		{"Call nested", F.Call("upper", F.Call("trim", F.Col("s"))), fn("upper", fn("trim", attr("s")))},
	})
}

func TestAggregates(t *testing.T) {
	x := F.Col("x")
	runCases(t, []exprCase{
		{"Count", F.Count(F.Lit(1)), fn("count", i64(1))},
		{"CountDistinct one", F.CountDistinct(x), distinct("count", attr("x"))},
		{"CountDistinct two", F.CountDistinct(x, F.Col("y")), distinct("count", attr("x"), attr("y"))},
		{"ApproxCountDistinct", F.ApproxCountDistinct(x), fn("approx_count_distinct", attr("x"))},
		{"Sum", F.Sum(x), fn("sum", attr("x"))},
		{"Avg", F.Avg(x), fn("avg", attr("x"))},
		{"Min", F.Min(x), fn("min", attr("x"))},
		{"Max", F.Max(x), fn("max", attr("x"))},
		{"First", F.First(x), fn("first", attr("x"))},
		{"Last", F.Last(x), fn("last", attr("x"))},
		{"CollectList", F.CollectList(x), fn("collect_list", attr("x"))},
		{"CollectSet", F.CollectSet(x), fn("collect_set", attr("x"))},
		{"PercentileApprox", F.PercentileApprox(x, 0.95), fn("percentile_approx", attr("x"), f64(0.95))},
	})
}

func TestCollections(t *testing.T) {
	a, b := F.Col("a"), F.Col("b")
	runCases(t, []exprCase{
		{"Struct", F.Struct(a, b.Alias("bee")), fn("struct", attr("a"), &sparkpb.Expression{ExprType: &sparkpb.Expression_Alias_{
			Alias: &sparkpb.Expression_Alias{Expr: attr("b"), Name: []string{"bee"}},
		}})},
		{"Struct star", F.Struct(F.Col("*")), fn("struct", star(nil))},
		{"Coalesce", F.Coalesce(a, b, F.Lit(0)), fn("coalesce", attr("a"), attr("b"), i64(0))},
		{"Abs", F.Abs(a), fn("abs", attr("a"))},
		{"Round", F.Round(a, 2), fn("round", attr("a"), i32(2))},
		{"Explode", F.Explode(a), fn("explode", attr("a"))},
		{"Size", F.Size(a), fn("size", attr("a"))},
		{"Greatest", F.Greatest(a, b), fn("greatest", attr("a"), attr("b"))},
		{"Least", F.Least(a, b), fn("least", attr("a"), attr("b"))},
	})
}

func TestDatetime(t *testing.T) {
	ts := F.Col("ts")
	runCases(t, []exprCase{
		{"CurrentTimestamp", F.CurrentTimestamp(), fn("current_timestamp")},
		{"ToTimestamp", F.ToTimestamp(ts), fn("to_timestamp", attr("ts"))},
		{"ToTimestamp format", F.ToTimestamp(ts, "yyyy-MM-dd HH:mm:ss"), fn("to_timestamp", attr("ts"), str("yyyy-MM-dd HH:mm:ss"))},
		// Only the first format counts.
		{"ToTimestamp two formats", F.ToTimestamp(ts, "yyyy", "MM"), fn("to_timestamp", attr("ts"), str("yyyy"))},
		{"TimestampMillis", F.TimestampMillis(ts), fn("timestamp_millis", attr("ts"))},
		{"DateFormat", F.DateFormat(ts, "HH:mm"), fn("date_format", attr("ts"), str("HH:mm"))},
		{"UnixTimestamp", F.UnixTimestamp(ts), fn("unix_timestamp", attr("ts"))},
		{"UnixMillis", F.UnixMillis(ts), fn("unix_millis", attr("ts"))},
	})
}

func TestStrings(t *testing.T) {
	s := F.Col("s")
	runCases(t, []exprCase{
		{"Concat", F.Concat(s, F.Lit("-"), F.Col("t")), fn("concat", attr("s"), str("-"), attr("t"))},
		{"Split", F.Split(s, `\s+`), fn("split", attr("s"), str(`\s+`))},
		{"Lower", F.Lower(s), fn("lower", attr("s"))},
		{"Upper", F.Upper(s), fn("upper", attr("s"))},
		{"RegexpExtract", F.RegexpExtract(s, `(\d+)-(\d+)`, 2), fn("regexp_extract", attr("s"), str(`(\d+)-(\d+)`), i32(2))},
		{"Length", F.Length(s), fn("length", attr("s"))},
	})
}

func TestWindows(t *testing.T) {
	ts := F.Col("event_time")
	runCases(t, []exprCase{
		{"Window", F.Window(ts, "1 minute"), fn("window", attr("event_time"), str("1 minute"))},
		{"SlidingWindow", F.SlidingWindow(ts, "5 minutes", "1 minute"),
			fn("window", attr("event_time"), str("5 minutes"), str("1 minute"))},
		{"WindowWithOffset", F.WindowWithOffset(ts, "1 hour", "1 hour", "15 minutes"),
			fn("window", attr("event_time"), str("1 hour"), str("1 hour"), str("15 minutes"))},
		{"SessionWindow", F.SessionWindow(ts, "30 seconds"), fn("session_window", attr("event_time"), str("30 seconds"))},
		{"SessionWindowDynamic", F.SessionWindowDynamic(ts, F.Expr("CASE WHEN vip THEN '5 minutes' ELSE '30 seconds' END")),
			fn("session_window", attr("event_time"), sql("CASE WHEN vip THEN '5 minutes' ELSE '30 seconds' END"))},
		{"WindowTime", F.WindowTime(F.Col("w")), fn("window_time", attr("w"))},
	})
}

func TestJSON(t *testing.T) {
	raw := F.Col("raw")
	schema := types.Struct(
		types.Field("page", types.String),
		types.StructField{Name: "ts", Type: types.Timestamp},
	)
	ddl := schema.FieldDDL()
	if ddl != "page string, ts timestamp NOT NULL" {
		t.Fatalf("FieldDDL %q", ddl) // the expectation below depends on it
	}
	runCases(t, []exprCase{
		{"FromJSON", F.FromJSON(raw, "page STRING"), fn("from_json", attr("raw"), str("page STRING"))},
		{"FromJSON options", F.FromJSON(raw, "page STRING", "mode", "PERMISSIVE", "columnNameOfCorruptRecord", "_bad"),
			fn("from_json", attr("raw"), str("page STRING"), options("mode", "PERMISSIVE", "columnNameOfCorruptRecord", "_bad"))},
		{"FromJSONSchema", F.FromJSONSchema(raw, schema), fn("from_json", attr("raw"), str(ddl))},
		{"FromJSONSchema options", F.FromJSONSchema(raw, schema, "mode", "FAILFAST"),
			fn("from_json", attr("raw"), str(ddl), options("mode", "FAILFAST"))},
		{"ToJSON", F.ToJSON(F.Struct(F.Col("*"))), fn("to_json", fn("struct", star(nil)))},
	})
}

const avroSchema = `{"type":"record","name":"Click","fields":[{"name":"page","type":"string"}]}`

func TestAvro(t *testing.T) {
	v := F.Col("value")
	runCases(t, []exprCase{
		{"FromAvro", F.FromAvro(v, avroSchema), fn("from_avro", attr("value"), str(avroSchema))},
		{"FromAvro options", F.FromAvro(v, avroSchema, "mode", "PERMISSIVE"),
			fn("from_avro", attr("value"), str(avroSchema), options("mode", "PERMISSIVE"))},
		{"ToAvro", F.ToAvro(v), fn("to_avro", attr("value"))},
		{"ToAvro schema", F.ToAvro(v, avroSchema), fn("to_avro", attr("value"), str(avroSchema))},
		// At most one schema is used.
		{"ToAvro two schemas", F.ToAvro(v, avroSchema, `"string"`), fn("to_avro", attr("value"), str(avroSchema))},
	})
}

// TestInvalidColumns checks that an invalid argument makes the action fail before the
// plan is sent: the server receives no ExecutePlan request.
func TestInvalidColumns(t *testing.T) {
	srv, s, ctx := session(t)
	for _, tc := range []struct {
		name    string
		col     connect.Column
		wantErr string
	}{
		{"FromJSON one option", F.FromJSON(F.Col("raw"), "a INT", "mode"), "options: 1 arguments"},
		{"FromJSON three options", F.FromJSON(F.Col("raw"), "a INT", "mode", "PERMISSIVE", "dateFormat"), "options: 3 arguments"},
		{"FromJSONSchema odd options", F.FromJSONSchema(F.Col("raw"), types.Struct(types.Field("a", types.Integer)), "mode"), "options: 1 arguments"},
		{"FromAvro one option", F.FromAvro(F.Col("value"), avroSchema, "mode"), "options: 1 arguments"},
		{"FromAvro three options", F.FromAvro(F.Col("value"), avroSchema, "mode", "PERMISSIVE", "x"), "options: 3 arguments"},
		{"Lit unsupported", F.Lit(make(chan int)), "no Spark literal"},
		{"Call invalid argument", F.Call("upper", F.Lit(func() {})), "no Spark literal"},
		{"Sum invalid argument", F.Sum(F.Lit([]chan int{nil})), "no Spark literal"},
		{"CountDistinct invalid argument", F.CountDistinct(F.Col("a"), F.Lit(make(chan int))), "no Spark literal"},
		{"Struct of invalid", F.Struct(F.FromAvro(F.Col("v"), avroSchema, "mode")), "key, value pairs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.col.Err(); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("column error %v, want one containing %q", err, tc.wantErr)
			}
			before := len(srv.ExecuteRequests())
			df := s.Table("t").Select(tc.col)
			_, err := df.Rows(ctx)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("action error %v, want one containing %q", err, tc.wantErr)
			}
			if _, err := df.Count(ctx); err == nil {
				t.Fatal("Count of an invalid DataFrame succeeded")
			}
			if n := len(srv.ExecuteRequests()); n != before {
				t.Fatalf("%d ExecutePlan requests sent for an invalid plan", n-before)
			}
		})
	}
}
