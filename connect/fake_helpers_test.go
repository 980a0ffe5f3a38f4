package connect

// Helpers for the golden-plan tests: they run a DataFrame against the in-memory fake
// server and compare the plan the server received with one written by hand.

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// dialGolden starts a fake server and a session on it; both close at the end of the test.
func dialGolden(t *testing.T) (*fakeserver.Server, *Session) {
	t.Helper()
	srv := fakeserver.New()
	t.Cleanup(srv.Close)
	s, err := Dial(goldenCtx(t), srv.URL(), WithDialOptions(srv.DialOptions()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return srv, s
}

func goldenCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// planOf runs df.Collect against srv, reads the result to its end and returns the root
// relation of the plan the server received.
func planOf(t *testing.T, srv *fakeserver.Server, df *DataFrame) *sparkpb.Relation {
	t.Helper()
	before := len(srv.Plans())
	r, err := df.Collect(goldenCtx(t))
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	for r.Next() {
	}
	err = r.Err()
	r.Release()
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	plans := srv.Plans()
	if len(plans) != before+1 {
		t.Fatalf("%d plans sent, want 1", len(plans)-before)
	}
	root := plans[len(plans)-1].GetRoot()
	if root == nil {
		t.Fatalf("plan without root: %v", plans[len(plans)-1])
	}
	return root
}

// lastCommand returns the command of the last ExecutePlan request srv received.
func lastCommand(t *testing.T, srv *fakeserver.Server) *sparkpb.Command {
	t.Helper()
	plans := srv.Plans()
	if len(plans) == 0 {
		t.Fatal("no plan sent")
	}
	cmd := plans[len(plans)-1].GetCommand()
	if cmd == nil {
		t.Fatalf("last plan is not a command: %v", plans[len(plans)-1])
	}
	return cmd
}

// noIDs returns a copy of m without the plan ids of its relations (relation common
// fields left empty are dropped). Plan ids in column references are kept.
func noIDs[T proto.Message](m T) T {
	c := proto.Clone(m).(T)
	stripIDs(c.ProtoReflect())
	return c
}

func stripIDs(m protoreflect.Message) {
	if r, ok := m.Interface().(*sparkpb.Relation); ok && r.Common != nil {
		r.Common.PlanId = nil
		if proto.Size(r.Common) == 0 {
			r.Common = nil
		}
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			for i := 0; i < v.List().Len(); i++ {
				stripIDs(v.List().Get(i).Message())
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				stripIDs(mv.Message())
				return true
			})
		case fd.Message() != nil && !fd.IsList() && !fd.IsMap():
			stripIDs(v.Message())
		}
		return true
	})
}

// checkProto fails the test when got and want differ, printing both.
func checkProto(t *testing.T, what string, got, want proto.Message) {
	t.Helper()
	if !proto.Equal(got, want) {
		t.Errorf("%s:\n got: %s\nwant: %s", what, prototext.Format(got), prototext.Format(want))
	}
}

// checkPlan compares the relation received for df, without relation plan ids, with want.
func checkPlan(t *testing.T, srv *fakeserver.Server, df *DataFrame, want *sparkpb.Relation) {
	t.Helper()
	checkProto(t, "plan", noIDs(planOf(t, srv, df)), want)
}

// Hand-written expressions and relations for the expected plans.

func attrExpr(name string) *sparkpb.Expression {
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedAttribute_{
		UnresolvedAttribute: &sparkpb.Expression_UnresolvedAttribute{UnparsedIdentifier: name},
	}}
}

func attrExprOf(name string, planID int64) *sparkpb.Expression {
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedAttribute_{
		UnresolvedAttribute: &sparkpb.Expression_UnresolvedAttribute{UnparsedIdentifier: name, PlanId: &planID},
	}}
}

func exprString(sql string) *sparkpb.Expression {
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_ExpressionString_{
		ExpressionString: &sparkpb.Expression_ExpressionString{Expression: sql},
	}}
}

func callExpr(name string, args ...*sparkpb.Expression) *sparkpb.Expression {
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedFunction_{
		UnresolvedFunction: &sparkpb.Expression_UnresolvedFunction{FunctionName: name, Arguments: args},
	}}
}

func distinctFn(name string, args ...*sparkpb.Expression) *sparkpb.Expression {
	e := callExpr(name, args...)
	e.GetUnresolvedFunction().IsDistinct = true
	return e
}

func aliasExpr(e *sparkpb.Expression, name string) *sparkpb.Expression {
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_Alias_{
		Alias: &sparkpb.Expression_Alias{Expr: e, Name: []string{name}},
	}}
}

func litExpr(l *sparkpb.Expression_Literal) *sparkpb.Expression {
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_Literal_{Literal: l}}
}

func litLong(v int64) *sparkpb.Expression {
	return litExpr(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Long{Long: v}})
}

func litInt(v int32) *sparkpb.Expression {
	return litExpr(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Integer{Integer: v}})
}

func litString(v string) *sparkpb.Expression {
	return litExpr(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_String_{String_: v}})
}

func sortOrder(e *sparkpb.Expression, desc, nullsLast bool) *sparkpb.Expression_SortOrder {
	so := &sparkpb.Expression_SortOrder{Child: e,
		Direction:    sparkpb.Expression_SortOrder_SORT_DIRECTION_ASCENDING,
		NullOrdering: sparkpb.Expression_SortOrder_SORT_NULLS_FIRST}
	if desc {
		so.Direction = sparkpb.Expression_SortOrder_SORT_DIRECTION_DESCENDING
	}
	if nullsLast {
		so.NullOrdering = sparkpb.Expression_SortOrder_SORT_NULLS_LAST
	}
	return so
}

func sortExpr(e *sparkpb.Expression, desc, nullsLast bool) *sparkpb.Expression {
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_SortOrder_{SortOrder: sortOrder(e, desc, nullsLast)}}
}

// rangeRel is the relation of Session.Range(0, end, 1).
func rangeRel(end int64) *sparkpb.Relation {
	start := int64(0)
	return &sparkpb.Relation{RelType: &sparkpb.Relation_Range{Range: &sparkpb.Range{Start: &start, End: end, Step: 1}}}
}

func tableRel(name string) *sparkpb.Relation {
	return &sparkpb.Relation{RelType: &sparkpb.Relation_Read{Read: &sparkpb.Read{
		ReadType: &sparkpb.Read_NamedTable_{NamedTable: &sparkpb.Read_NamedTable{UnparsedIdentifier: name}},
	}}}
}

func projectRel(in *sparkpb.Relation, ex ...*sparkpb.Expression) *sparkpb.Relation {
	return &sparkpb.Relation{RelType: &sparkpb.Relation_Project{Project: &sparkpb.Project{Input: in, Expressions: ex}}}
}

func limitRel(in *sparkpb.Relation, n int32) *sparkpb.Relation {
	return &sparkpb.Relation{RelType: &sparkpb.Relation_Limit{Limit: &sparkpb.Limit{Input: in, Limit: n}}}
}

func refOf[T any](v T) *T { return &v }

// int64Batch is a batch with one bigint column holding vals.
func int64Batch(name string, vals ...int64) arrow.RecordBatch {
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(vals, nil)
	col := b.NewArray()
	defer col.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: name, Type: arrow.PrimitiveTypes.Int64}}, nil)
	return array.NewRecordBatch(schema, []arrow.Array{col}, int64(len(vals)))
}

// stringBatch is a batch with one string column holding vals.
func stringBatch(name string, vals ...string) arrow.RecordBatch {
	b := array.NewStringBuilder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(vals, nil)
	col := b.NewArray()
	defer col.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: name, Type: arrow.BinaryTypes.String}}, nil)
	return array.NewRecordBatch(schema, []arrow.Array{col}, int64(len(vals)))
}

// answerWith makes srv's queries return rec (which the test keeps and releases).
func answerWith(t *testing.T, srv *fakeserver.Server, rec arrow.RecordBatch) {
	t.Cleanup(rec.Release)
	srv.SetResult(func(*sparkpb.Plan) ([]arrow.RecordBatch, error) {
		rec.Retain()
		return []arrow.RecordBatch{rec}, nil
	})
}

// sentRequests counts the requests srv received that carry a plan, a command or a config
// operation (not the releases a client sends in the background).
func sentRequests(srv *fakeserver.Server) int {
	return len(srv.ExecuteRequests()) + len(srv.AnalyzeRequests()) + len(srv.ConfigRequests())
}

// fakeSession dials a new in-memory Spark Connect server; both end with the test (the
// session first).
func fakeSession(t *testing.T, opts ...Option) (*fakeserver.Server, *Session) {
	t.Helper()
	srv := fakeserver.New()
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Dial(ctx, srv.URL(), append([]Option{WithDialOptions(srv.DialOptions()...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return srv, s
}

// fakeCtx is a context for one test, ended with it.
func fakeCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls cond until it holds, or fails the test after a while.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
