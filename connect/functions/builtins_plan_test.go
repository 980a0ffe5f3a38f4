package functions_test

// Tests of the generated wrappers: expected expressions written by hand for a sample of
// every group and every kind of parameter, a call of every wrapper against the fake
// server, and checks of the spec's names.

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func boolean(v bool) *sparkpb.Expression {
	return literal(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Boolean{Boolean: v}})
}

// TestGeneratedGolden covers each group of the spec with expressions written by hand, and
// each kind of parameter: Column, string, int32, int64, float64, bool, []float64, any (a
// Column or a Go value), variadic Columns, variadic strings, options, fixed literals,
// reordered arguments, distinct aggregates and functions without arguments.
func TestGeneratedGolden(t *testing.T) {
	x, y := F.Col("x"), F.Col("y")
	runCases(t, []exprCase{
		// aggregate
		{"ApproxCountDistinctRSD float64", F.ApproxCountDistinctRSD(x, 0.01), fn("approx_count_distinct", attr("x"), f64(0.01))},
		{"FirstIgnoreNulls fixed literal", F.FirstIgnoreNulls(x), fn("first", attr("x"), boolean(true))},
		{"LastIgnoreNulls", F.LastIgnoreNulls(x), fn("last", attr("x"), boolean(true))},
		{"PercentilesApprox []float64 int32", F.PercentilesApprox(x, []float64{0.25, 0.75}, 100),
			fn("percentile_approx", attr("x"), fn("array", f64(0.25), f64(0.75)), i32(100))},
		{"PercentileApproxAccuracy", F.PercentileApproxAccuracy(x, 0.5, 500), fn("percentile_approx", attr("x"), f64(0.5), i32(500))},
		{"SumDistinct distinct", F.SumDistinct(x), distinct("sum", attr("x"))},
		{"ListaggDistinctSep any string", F.ListaggDistinctSep(x, ", "), distinct("listagg", attr("x"), str(", "))},
		{"PercentileFreq", F.PercentileFreq(x, 0.5, y), fn("percentile", attr("x"), f64(0.5), attr("y"))},
		{"CountMinSketch", F.CountMinSketch(x, 0.1, 0.9, 7), fn("count_min_sketch", attr("x"), f64(0.1), f64(0.9), i32(7))},
		// window
		{"RowNumber no arguments", F.RowNumber(), fn("row_number")},
		{"LagDefault any value", F.LagDefault(x, 2, "none"), fn("lag", attr("x"), i32(2), str("none"))},
		{"NthValueIgnoreNulls", F.NthValueIgnoreNulls(x, 3), fn("nth_value", attr("x"), i32(3), boolean(true))},
		// math
		{"Pow any values", F.Pow(x, 2.0), fn("power", attr("x"), f64(2))},
		{"Atan2 any columns", F.Atan2(y, x), fn("atan2", attr("y"), attr("x"))},
		{"LogBase", F.LogBase(10, x), fn("log", f64(10), attr("x"))},
		{"RandSeed int64", F.RandSeed(42), fn("rand", i64(42))},
		{"BitwiseNot", F.BitwiseNot(x), fn("~", attr("x"))},
		{"Round", F.Round(x, 2), fn("round", attr("x"), i32(2))},
		// string
		{"SplitN", F.SplitN(x, ",", 2), fn("split", attr("x"), str(","), i32(2))},
		{"ConcatWs string and variadic", F.ConcatWs("-", x, y), fn("concat_ws", str("-"), attr("x"), attr("y"))},
		{"LTrimChars reordered", F.LTrimChars(x, F.Lit("#")), fn("ltrim", str("#"), attr("x"))},
		{"Substring any", F.Substring(x, 2, F.Col("n")), fn("substring", attr("x"), i32(2), attr("n"))},
		{"LocateFrom", F.LocateFrom("b", x, int32(3)), fn("locate", str("b"), attr("x"), i32(3))},
		// datetime
		{"DateTrunc", F.DateTrunc("hour", x), fn("date_trunc", str("hour"), attr("x"))},
		{"MonthsBetweenRoundOff bool", F.MonthsBetweenRoundOff(x, y, false), fn("months_between", attr("x"), attr("y"), boolean(false))},
		{"TimestampDiff SQL name", F.TimestampDiff("DAY", x, y), fn("timestampdiff", str("DAY"), attr("x"), attr("y"))},
		{"CurrentDate", F.CurrentDate(), fn("current_date")},
		{"MakeTimestampFromDateTimeTZ", F.MakeTimestampFromDateTimeTZ(x, y, F.Lit("UTC")), fn("make_timestamp", attr("x"), attr("y"), str("UTC"))},
		// collection
		{"Array variadic", F.Array(x, y), fn("array", attr("x"), attr("y"))},
		{"Array empty", F.Array(), fn("array")},
		{"ArrayContains any", F.ArrayContains(x, int32(3)), fn("array_contains", attr("x"), i32(3))},
		{"SortArrayDesc", F.SortArrayDesc(x), fn("sort_array", attr("x"), boolean(false))},
		{"Slice", F.Slice(x, 1, 1<<40), fn("slice", attr("x"), i32(1), i64(1<<40))},
		// map
		{"CreateMap SQL name", F.CreateMap(F.Lit("k"), x), fn("map", str("k"), attr("x"))},
		{"StrToMapDelims", F.StrToMapDelims(x, F.Lit(";"), F.Lit("=")), fn("str_to_map", attr("x"), str(";"), str("="))},
		// struct
		{"NamedStruct", F.NamedStruct(F.Lit("a"), x), fn("named_struct", str("a"), attr("x"))},
		{"Struct", F.Struct(x, y), fn("struct", attr("x"), attr("y"))},
		// json, csv, xml, variant
		{"JSONTuple variadic strings", F.JSONTuple(x, "a", "b"), fn("json_tuple", attr("x"), str("a"), str("b"))},
		{"ToJSON options", F.ToJSON(x, "pretty", "true"), fn("to_json", attr("x"), options("pretty", "true"))},
		{"ToJSON", F.ToJSON(x), fn("to_json", attr("x"))},
		{"FromCSV options", F.FromCSV(x, "a INT", "sep", ";"), fn("from_csv", attr("x"), str("a INT"), options("sep", ";"))},
		{"SchemaOfJSON any", F.SchemaOfJSON(`{"a":1}`), fn("schema_of_json", str(`{"a":1}`))},
		{"VariantGet", F.VariantGet(x, "$.a", "int"), fn("variant_get", attr("x"), str("$.a"), str("int"))},
		// hash
		{"SHA2", F.SHA2(x, 256), fn("sha2", attr("x"), i32(256))},
		{"XXHash64 variadic", F.XXHash64(x, y), fn("xxhash64", attr("x"), attr("y"))},
		// misc
		{"Coalesce", F.Coalesce(x, F.Lit(0)), fn("coalesce", attr("x"), i64(0))},
		{"AssertTrueMsg", F.AssertTrueMsg(x, "bad"), fn("assert_true", attr("x"), str("bad"))},
		{"UUIDSeed", F.UUIDSeed(int64(5)), fn("uuid", i64(5))},
		// sketch
		{"HLLSketchAggK", F.HLLSketchAggK(x, int32(10)), fn("hll_sketch_agg", attr("x"), i32(10))},
		{"HLLUnionAllow bool", F.HLLUnionAllow(x, y, true), fn("hll_union", attr("x"), attr("y"), boolean(true))},
		// partition
		{"Years", F.Years(x), fn("years", attr("x"))},
		{"Bucket", F.Bucket(8, x), fn("bucket", i32(8), attr("x"))},
	})
}

func sortOrder(child *sparkpb.Expression, dir sparkpb.Expression_SortOrder_SortDirection, nulls sparkpb.Expression_SortOrder_NullOrdering) *sparkpb.Expression {
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_SortOrder_{SortOrder: &sparkpb.Expression_SortOrder{
		Child: child, Direction: dir, NullOrdering: nulls,
	}}}
}

// TestSortAndWhen covers the hand-written sort functions and When.
func TestSortAndWhen(t *testing.T) {
	const (
		asc        = sparkpb.Expression_SortOrder_SORT_DIRECTION_ASCENDING
		desc       = sparkpb.Expression_SortOrder_SORT_DIRECTION_DESCENDING
		nullsFirst = sparkpb.Expression_SortOrder_SORT_NULLS_FIRST
		nullsLast  = sparkpb.Expression_SortOrder_SORT_NULLS_LAST
	)
	x := F.Col("x")
	runCases(t, []exprCase{
		{"Asc", F.Asc(x), sortOrder(attr("x"), asc, nullsFirst)},
		{"AscNullsFirst", F.AscNullsFirst(x), sortOrder(attr("x"), asc, nullsFirst)},
		{"AscNullsLast", F.AscNullsLast(x), sortOrder(attr("x"), asc, nullsLast)},
		{"Desc", F.Desc(x), sortOrder(attr("x"), desc, nullsLast)},
		{"DescNullsFirst", F.DescNullsFirst(x), sortOrder(attr("x"), desc, nullsFirst)},
		{"DescNullsLast", F.DescNullsLast(x), sortOrder(attr("x"), desc, nullsLast)},
		{"When", F.When(x.Gt(1), "big").Otherwise("small"),
			fn("when", fn(">", attr("x"), i64(1)), str("big"), str("small"))},
	})
}

// generatedCall is one call of a generated wrapper with what the server should receive.
type generatedCall struct {
	goName, sqlName string
	distinct        bool
	args            int
	col             connect.Column
}

// TestGeneratedCalls calls every generated wrapper once (generated_calls_test.go) and
// checks the function name, the distinct flag and the number of arguments the fake
// server receives.
func TestGeneratedCalls(t *testing.T) {
	srv, s, ctx := session(t)
	calls := generatedCalls()
	if len(calls) < 400 {
		t.Fatalf("%d generated calls, want more than 400", len(calls))
	}
	cols := make([]connect.Column, len(calls))
	for i, c := range calls {
		if err := c.col.Err(); err != nil {
			t.Fatalf("%s: %v", c.goName, err)
		}
		cols[i] = c.col
	}
	// One projection of all the calls: one request.
	if _, err := s.Table("t").Select(cols...).Rows(ctx); err != nil {
		t.Fatalf("action: %v", err)
	}
	plans := srv.Plans()
	got := plans[len(plans)-1].GetRoot().GetProject().GetExpressions()
	if len(got) != len(calls) {
		t.Fatalf("server received %d expressions, want %d", len(got), len(calls))
	}
	sigs := map[string]F.Signature{}
	for _, b := range F.Builtins() {
		if len(b.Signatures) != len(b.Generated) {
			t.Fatalf("%s: %d signatures for %d wrappers", b.SQLName, len(b.Signatures), len(b.Generated))
		}
		for i, n := range b.Generated {
			sigs[n] = b.Signatures[i]
		}
	}
	if len(sigs) != len(calls) {
		t.Errorf("%d generated wrappers in Builtins, %d calls", len(sigs), len(calls))
	}
	for i, c := range calls {
		f := got[i].GetUnresolvedFunction()
		// The calls pass two values to a variadic parameter, and one pair of options.
		sig := sigs[c.goName]
		want := sig.Args
		switch sig.Variadic {
		case "":
		case "options":
			want++
		default:
			want += 2
		}
		if len(f.GetArguments()) != want || f.GetIsDistinct() != sig.Distinct {
			t.Errorf("%s: %d arguments (distinct %t) sent, its Signature says %d (distinct %t)", c.goName, len(f.GetArguments()), f.GetIsDistinct(), want, sig.Distinct)
		}
		if f.GetFunctionName() != c.sqlName || f.GetIsDistinct() != c.distinct || len(f.GetArguments()) != c.args {
			t.Errorf("%s: server received %s(distinct %t, %d arguments), want %s(distinct %t, %d arguments)",
				c.goName, f.GetFunctionName(), f.GetIsDistinct(), len(f.GetArguments()), c.sqlName, c.distinct, c.args)
		}
	}
}

// TestBuiltins checks the spec as Builtins returns it: each SQL name once, each Go name
// once, and each Go name an exported function of the package.
func TestBuiltins(t *testing.T) {
	funcs := packageFuncs(t)
	sqlNames, goNames := map[string]bool{}, map[string]bool{}
	groups := map[string]int{}
	for _, b := range F.Builtins() {
		if sqlNames[b.SQLName] {
			t.Errorf("SQL name %s twice", b.SQLName)
		}
		sqlNames[b.SQLName] = true
		groups[b.Group]++
		if len(b.Generated)+len(b.HandWritten) == 0 {
			t.Errorf("%s has no Go wrapper", b.SQLName)
		}
		for _, n := range append(append([]string(nil), b.Generated...), b.HandWritten...) {
			if goNames[n] {
				t.Errorf("Go name %s twice", n)
			}
			goNames[n] = true
			if !funcs[n] {
				t.Errorf("%s (%s) is no function of the package", n, b.SQLName)
			}
		}
	}
	for _, g := range []string{"aggregate", "window", "math", "string", "datetime", "collection", "map", "struct", "json", "hash", "misc", "sketch", "partition", "avro"} {
		if groups[g] == 0 {
			t.Errorf("group %s is empty", g)
		}
	}
	if len(sqlNames) < 450 {
		t.Errorf("%d functions in the spec, want at least 450", len(sqlNames))
	}
	// Builtins returns a new slice each time.
	a := F.Builtins()
	a[0].SQLName = "changed"
	if F.Builtins()[0].SQLName == "changed" {
		t.Error("Builtins shares its slice between calls")
	}
}

// packageFuncs is the set of exported functions declared in the package's files.
func packageFuncs(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.IsExported() {
				out[fd.Name.Name] = true
			}
		}
	}
	return out
}
