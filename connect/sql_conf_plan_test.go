package connect

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

func sqlRel(query string, pos []*sparkpb.Expression, named map[string]*sparkpb.Expression) *sparkpb.Relation {
	return &sparkpb.Relation{RelType: &sparkpb.Relation_Sql{Sql: &sparkpb.SQL{
		Query: query, PosArguments: pos, NamedArguments: named,
	}}}
}

func TestSQLPlans(t *testing.T) {
	srv, s := dialGolden(t)
	cases := []struct {
		name  string
		query string
		args  []any
		want  *sparkpb.Relation
	}{
		{"no args", "SELECT 1", nil, sqlRel("SELECT 1", nil, nil)},
		{"positional", "SELECT ? + ?", []any{1, "x"}, sqlRel("SELECT ? + ?", []*sparkpb.Expression{litLong(1), litString("x")}, nil)},
		{"positional column", "SELECT ?", []any{Col("a").Plus(int32(1))},
			sqlRel("SELECT ?", []*sparkpb.Expression{callExpr("+", attrExpr("a"), litInt(1))}, nil)},
		{"named", "SELECT :a, :b", []any{Named("a", int32(7)), Named("b", Expr("current_date()"))},
			sqlRel("SELECT :a, :b", nil, map[string]*sparkpb.Expression{"a": litInt(7), "b": exprString("current_date()")})},
		{"named repeated", "SELECT :a", []any{Named("a", 1), Named("a", 2)},
			sqlRel("SELECT :a", nil, map[string]*sparkpb.Expression{"a": litLong(2)})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := goldenCtx(t)
			df, err := s.SQL(ctx, tc.query, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			// The statement goes out as a sql command ...
			cmd := &sparkpb.Command{CommandType: &sparkpb.Command_SqlCommand{SqlCommand: &sparkpb.SqlCommand{Input: tc.want}}}
			checkProto(t, "sql command", noIDs(lastCommand(t, srv)), cmd)
			// ... and the DataFrame runs the relation the server answered with, under a new plan id.
			got := planOf(t, srv, df)
			checkProto(t, "sql relation", noIDs(got), tc.want)
			if got.GetCommon().GetPlanId() != df.rel.GetCommon().GetPlanId() {
				t.Errorf("plan id %d, want %d", got.GetCommon().GetPlanId(), df.rel.GetCommon().GetPlanId())
			}
		})
	}
}

func TestSQLErrors(t *testing.T) {
	srv, s := dialGolden(t)
	bad := errors.New("bad")
	cases := []struct {
		name string
		args []any
		want string
	}{
		{"mixed", []any{1, Named("a", 2)}, "positional and named parameters cannot be mixed"},
		{"bad positional", []any{1, struct{}{}}, "sql parameter 2: spark connect: no Spark literal"},
		{"bad named", []any{Named("x", struct{}{})}, "sql parameter :x:"},
		{"invalid column", []any{InvalidColumn(bad)}, "sql parameter 1: bad"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := sentRequests(srv)
			df, err := s.SQL(goldenCtx(t), "SELECT 1", tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) || df != nil {
				t.Errorf("got %v, %v; want error %q", df, err, tc.want)
			}
			if sentRequests(srv) != before {
				t.Error("a request was sent")
			}
		})
	}
	// A server error, and an answer without a relation.
	srv.FailNext(fakeserver.SparkError(codes.Internal, "PARSE_SYNTAX_ERROR", "42601", "syntax error", ""))
	var se *SparkError
	if _, err := s.SQL(goldenCtx(t), "SELEC 1"); !errors.As(err, &se) || se.ErrorClass != "PARSE_SYNTAX_ERROR" {
		t.Errorf("server error: %v", err)
	}
	srv.OnExecute(func(ctx context.Context, req *sparkpb.ExecutePlanRequest, op *fakeserver.Operation) error {
		return op.Complete()
	})
	if _, err := s.SQL(goldenCtx(t), "SET x=1"); err == nil || !strings.Contains(err.Error(), "no result relation") {
		t.Errorf("no relation: %v", err)
	}
}

func TestRangeAndTablePlans(t *testing.T) {
	srv, s := dialGolden(t)
	checkPlan(t, srv, s.Range(-5, 100, 7), &sparkpb.Relation{RelType: &sparkpb.Relation_Range{Range: &sparkpb.Range{
		Start: refOf(int64(-5)), End: 100, Step: 7}}})
	checkPlan(t, srv, s.Range(10, 0, -2), &sparkpb.Relation{RelType: &sparkpb.Relation_Range{Range: &sparkpb.Range{
		Start: refOf(int64(10)), End: 0, Step: -2}}})
	checkPlan(t, srv, s.Range(0, 0, 1), &sparkpb.Relation{RelType: &sparkpb.Relation_Range{Range: &sparkpb.Range{
		Start: refOf(int64(0)), End: 0, Step: 1}}})
	checkPlan(t, srv, s.Table("cat.db.`t.x`"), tableRel("cat.db.`t.x`"))
	df := s.Range(0, 10, 0)
	if err := df.Err(); err == nil || !strings.Contains(err.Error(), "step must not be 0") {
		t.Errorf("Range step 0: %v", err)
	}
	if df.Session() != s {
		t.Error("Session() is not the session")
	}
}

// localBatches decodes the Arrow IPC stream of a local relation.
func localBatches(t *testing.T, rel *sparkpb.Relation) []arrow.RecordBatch {
	t.Helper()
	lr := rel.GetLocalRelation()
	if lr == nil {
		t.Fatalf("not a local relation: %v", rel)
	}
	if lr.Schema != nil {
		t.Errorf("local relation has a schema string %q", lr.GetSchema())
	}
	r, err := ipc.NewReader(bytes.NewReader(lr.GetData()), ipc.WithAllocator(memory.DefaultAllocator))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	var out []arrow.RecordBatch
	for r.Next() {
		rec := r.RecordBatch()
		rec.Retain()
		t.Cleanup(rec.Release)
		out = append(out, rec)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCreateDataFramePlans(t *testing.T) {
	srv, s := dialGolden(t)
	a, b := int64Batch("id", 1, 2, 3), int64Batch("id", 4)
	defer a.Release()
	defer b.Release()
	got := localBatches(t, planOf(t, srv, s.CreateDataFrame(a, b)))
	if len(got) != 2 || !array.RecordEqual(got[0], a) || !array.RecordEqual(got[1], b) {
		t.Errorf("local relation holds %v, want %v and %v", got, a, b)
	}

	// Batches of different schemas are an error at the action.
	c := stringBatch("s", "x")
	defer c.Release()
	before := sentRequests(srv)
	if _, err := s.CreateDataFrame(a, c).Rows(goldenCtx(t)); err == nil || !strings.Contains(err.Error(), "create dataframe") {
		t.Errorf("mixed schemas: %v", err)
	}
	if sentRequests(srv) != before {
		t.Error("a request was sent")
	}

	schema := types.Struct(types.Field("id", types.Long), types.Field("s", types.String))
	got = localBatches(t, planOf(t, srv, s.CreateDataFrameFromRows(schema, [][]any{{int64(1), "a"}, {2, nil}})))
	if len(got) != 1 {
		t.Fatalf("%d batches", len(got))
	}
	rows := RowsOf(got[0])
	if len(rows) != 2 || rows[0].String() != (rowOf([]string{"id", "s"}, []any{int64(1), "a"})).String() ||
		rows[1].Value(0) != int64(2) || rows[1].Value(1) != nil {
		t.Errorf("rows %v", rows)
	}
	if f := got[0].Schema().Field(0); f.Name != "id" || f.Type.ID() != arrow.INT64 || !f.Nullable {
		t.Errorf("field %v", f)
	}
	if _, err := s.CreateDataFrameFromRows(schema, [][]any{{"not a number", "a"}}).Rows(goldenCtx(t)); err == nil ||
		!strings.Contains(err.Error(), "create dataframe") {
		t.Errorf("bad row: %v", err)
	}
}

func TestConf(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	conf := s.Conf()
	op := func() *sparkpb.ConfigRequest_Operation {
		reqs := srv.ConfigRequests()
		return reqs[len(reqs)-1].GetOperation()
	}
	if err := conf.Set(ctx, "spark.sql.shuffle.partitions", "4"); err != nil {
		t.Fatal(err)
	}
	checkProto(t, "Set", op(), &sparkpb.ConfigRequest_Operation{OpType: &sparkpb.ConfigRequest_Operation_Set{
		Set: &sparkpb.ConfigRequest_Set{Pairs: []*sparkpb.KeyValue{{Key: "spark.sql.shuffle.partitions", Value: refOf("4")}}}}})
	if err := conf.Set(ctx, "spark.sql.other", ""); err != nil {
		t.Fatal(err)
	}
	if err := conf.Set(ctx, "spark.app.x", "y"); err != nil {
		t.Fatal(err)
	}

	v, ok, err := conf.Get(ctx, "spark.sql.shuffle.partitions")
	if err != nil || !ok || v != "4" {
		t.Errorf("Get = %q, %v, %v", v, ok, err)
	}
	checkProto(t, "Get", op(), &sparkpb.ConfigRequest_Operation{OpType: &sparkpb.ConfigRequest_Operation_GetOption{
		GetOption: &sparkpb.ConfigRequest_GetOption{Keys: []string{"spark.sql.shuffle.partitions"}}}})
	if v, ok, err := conf.Get(ctx, "spark.sql.other"); err != nil || !ok || v != "" {
		t.Errorf("Get empty value = %q, %v, %v", v, ok, err)
	}
	if v, ok, err := conf.Get(ctx, "spark.sql.unset"); err != nil || ok || v != "" {
		t.Errorf("Get unset = %q, %v, %v", v, ok, err)
	}

	all, err := conf.GetAll(ctx, "spark.sql.")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all["spark.sql.shuffle.partitions"] != "4" || all["spark.sql.other"] != "" {
		t.Errorf("GetAll(spark.sql.) = %v", all)
	}
	checkProto(t, "GetAll", op(), &sparkpb.ConfigRequest_Operation{OpType: &sparkpb.ConfigRequest_Operation_GetAll{
		GetAll: &sparkpb.ConfigRequest_GetAll{Prefix: refOf("spark.sql.")}}})
	all, err = conf.GetAll(ctx, "")
	if err != nil || len(all) != 3 || all["spark.app.x"] != "y" {
		t.Errorf("GetAll() = %v, %v", all, err)
	}
	checkProto(t, "GetAll no prefix", op(), &sparkpb.ConfigRequest_Operation{OpType: &sparkpb.ConfigRequest_Operation_GetAll{
		GetAll: &sparkpb.ConfigRequest_GetAll{}}})

	if err := conf.Unset(ctx, "spark.sql.shuffle.partitions"); err != nil {
		t.Fatal(err)
	}
	checkProto(t, "Unset", op(), &sparkpb.ConfigRequest_Operation{OpType: &sparkpb.ConfigRequest_Operation_Unset{
		Unset: &sparkpb.ConfigRequest_Unset{Keys: []string{"spark.sql.shuffle.partitions"}}}})
	if _, ok, err := conf.Get(ctx, "spark.sql.shuffle.partitions"); err != nil || ok {
		t.Errorf("Get after Unset: %v, %v", ok, err)
	}

	// Server errors reach the caller of every method.
	srv.OnConfig(func(context.Context, *sparkpb.ConfigRequest) (*sparkpb.ConfigResponse, error) {
		return nil, fakeserver.SparkError(codes.Internal, "CANNOT_MODIFY_CONFIG", "46110", "no", "")
	})
	if err := conf.Set(ctx, "k", "v"); err == nil {
		t.Error("Set succeeded")
	}
	if _, _, err := conf.Get(ctx, "k"); err == nil {
		t.Error("Get succeeded")
	}
	if _, err := conf.GetAll(ctx, ""); err == nil {
		t.Error("GetAll succeeded")
	}
	if err := conf.Unset(ctx, "k"); err == nil {
		t.Error("Unset succeeded")
	}
}
