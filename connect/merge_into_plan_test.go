package connect

import (
	"context"
	"errors"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// mergeCommand returns the MergeIntoTableCommand of the last command srv received.
func mergeCommand(t *testing.T, srv *fakeserver.Server) *sparkpb.MergeIntoTableCommand {
	t.Helper()
	cmd := lastCommand(t, srv).GetMergeIntoTableCommand()
	if cmd == nil {
		t.Fatal("last command is not merge_into_table_command")
	}
	return cmd
}

// mergeAction is the expected expression of one clause.
func mergeAction(typ sparkpb.MergeAction_ActionType, cond *sparkpb.Expression, kv ...*sparkpb.Expression) *sparkpb.Expression {
	a := &sparkpb.MergeAction{ActionType: typ, Condition: cond}
	for i := 0; i+1 < len(kv); i += 2 {
		a.Assignments = append(a.Assignments, &sparkpb.MergeAction_Assignment{Key: kv[i], Value: kv[i+1]})
	}
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_MergeAction{MergeAction: a}}
}

func TestMergeIntoPlans(t *testing.T) {
	srv, s := dialGolden(t)
	src := s.Range(0, 5, 1)
	on := Col("t.id").Eq(Col("s.id"))
	onExpr := callExpr("==", attrExpr("t.id"), attrExpr("s.id"))
	merge := src.MergeInto("lake.db.t", on)
	want := func(f func(*sparkpb.MergeIntoTableCommand)) *sparkpb.MergeIntoTableCommand {
		c := &sparkpb.MergeIntoTableCommand{TargetTableName: "lake.db.t", SourceTablePlan: rangeRel(5), MergeCondition: onExpr}
		f(c)
		return c
	}
	const (
		del        = sparkpb.MergeAction_ACTION_TYPE_DELETE
		ins        = sparkpb.MergeAction_ACTION_TYPE_INSERT
		insStar    = sparkpb.MergeAction_ACTION_TYPE_INSERT_STAR
		upd        = sparkpb.MergeAction_ACTION_TYPE_UPDATE
		updStar    = sparkpb.MergeAction_ACTION_TYPE_UPDATE_STAR
		deletedCol = "s.deleted"
	)
	cases := []struct {
		name string
		w    *MergeIntoWriter
		want *sparkpb.MergeIntoTableCommand
	}{
		{"matched update all", merge.WhenMatched().UpdateAll(), want(func(c *sparkpb.MergeIntoTableCommand) {
			c.MatchActions = []*sparkpb.Expression{mergeAction(updStar, nil)}
		})},
		{"matched update with condition", merge.WhenMatched(Col("s.v").Gt(Col("t.v"))).
			Update(map[string]Column{"v": Col("s.v"), "n": Col("t.n").Plus(1), "meta.at": Expr("now()")}),
			want(func(c *sparkpb.MergeIntoTableCommand) {
				c.MatchActions = []*sparkpb.Expression{mergeAction(upd, callExpr(">", attrExpr("s.v"), attrExpr("t.v")),
					// in key order
					attrExpr("meta.at"), exprString("now()"),
					attrExpr("n"), callExpr("+", attrExpr("t.n"), litLong(1)),
					attrExpr("v"), attrExpr("s.v"))}
			})},
		{"matched delete", merge.WhenMatched().Delete(), want(func(c *sparkpb.MergeIntoTableCommand) {
			c.MatchActions = []*sparkpb.Expression{mergeAction(del, nil)}
		})},
		{"matched delete with two conditions", merge.WhenMatched(Col(deletedCol), Col("t.v").Lt(0)).Delete(), want(func(c *sparkpb.MergeIntoTableCommand) {
			c.MatchActions = []*sparkpb.Expression{mergeAction(del, callExpr("and", attrExpr(deletedCol), callExpr("<", attrExpr("t.v"), litLong(0))))}
		})},
		{"not matched insert all", merge.WhenNotMatched().InsertAll(), want(func(c *sparkpb.MergeIntoTableCommand) {
			c.NotMatchedActions = []*sparkpb.Expression{mergeAction(insStar, nil)}
		})},
		{"not matched insert with condition", merge.WhenNotMatched(Col("s.v").IsNotNull()).
			Insert(map[string]Column{"id": Col("s.id"), "v": Lit("new")}), want(func(c *sparkpb.MergeIntoTableCommand) {
			c.NotMatchedActions = []*sparkpb.Expression{mergeAction(ins, callExpr("isNotNull", attrExpr("s.v")),
				attrExpr("id"), attrExpr("s.id"), attrExpr("v"), litString("new"))}
		})},
		{"not matched by source update", merge.WhenNotMatchedBySource().Update(map[string]Column{"active": Lit(false)}),
			want(func(c *sparkpb.MergeIntoTableCommand) {
				c.NotMatchedBySourceActions = []*sparkpb.Expression{mergeAction(upd, nil, attrExpr("active"), litExpr(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Boolean{Boolean: false}}))}
			})},
		{"not matched by source delete with condition", merge.WhenNotMatchedBySource(Col("t.v").Lt(10)).Delete(),
			want(func(c *sparkpb.MergeIntoTableCommand) {
				c.NotMatchedBySourceActions = []*sparkpb.Expression{mergeAction(del, callExpr("<", attrExpr("t.v"), litLong(10)))}
			})},
		{"every kind in order, schema evolution", merge.
			WhenMatched(Col(deletedCol)).Delete().
			WhenNotMatched().InsertAll().
			WhenMatched().UpdateAll().
			WhenNotMatchedBySource(Col("t.v").Lt(10)).Delete().
			WhenNotMatchedBySource().Update(map[string]Column{"v": Lit(0)}).
			WithSchemaEvolution(),
			want(func(c *sparkpb.MergeIntoTableCommand) {
				c.MatchActions = []*sparkpb.Expression{mergeAction(del, attrExpr(deletedCol)), mergeAction(updStar, nil)}
				c.NotMatchedActions = []*sparkpb.Expression{mergeAction(insStar, nil)}
				c.NotMatchedBySourceActions = []*sparkpb.Expression{
					mergeAction(del, callExpr("<", attrExpr("t.v"), litLong(10))),
					mergeAction(upd, nil, attrExpr("v"), litLong(0)),
				}
				c.WithSchemaEvolution = true
			})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.w.Merge(goldenCtx(t)); err != nil {
				t.Fatal(err)
			}
			checkProto(t, "merge_into_table_command", noIDs(mergeCommand(t, srv)), tc.want)
		})
	}

	// The source's plan goes as it is: an aliased, filtered DataFrame.
	if err := src.Where("id > 1").Alias("s").MergeInto("t", on).WhenMatched().Delete().Merge(goldenCtx(t)); err != nil {
		t.Fatal(err)
	}
	got := noIDs(mergeCommand(t, srv))
	if got.GetSourceTablePlan().GetSubqueryAlias().GetAlias() != "s" || got.GetSourceTablePlan().GetSubqueryAlias().GetInput().GetFilter() == nil {
		t.Errorf("source plan: %v", got.GetSourceTablePlan())
	}
}

// The writer is a template: clauses added to a derived writer do not reach the base, and
// two writers derived from one base do not share clauses.
func TestMergeIntoTemplate(t *testing.T) {
	srv, s := dialGolden(t)
	base := s.Range(0, 1, 1).MergeInto("t", Col("t.id").Eq(Col("id"))).WhenMatched(Col("x")).Delete()
	a := base.WhenNotMatched().InsertAll().WithSchemaEvolution()
	b := base.WhenMatched().UpdateAll()
	for _, tc := range []struct {
		name                string
		w                   *MergeIntoWriter
		matched, notMatched int
		schemaEvolution     bool
	}{
		{"base", base, 1, 0, false},
		{"a", a, 1, 1, true},
		{"b", b, 2, 0, false},
	} {
		if err := tc.w.Merge(goldenCtx(t)); err != nil {
			t.Fatal(err)
		}
		got := mergeCommand(t, srv)
		if len(got.GetMatchActions()) != tc.matched || len(got.GetNotMatchedActions()) != tc.notMatched || got.GetWithSchemaEvolution() != tc.schemaEvolution {
			t.Errorf("%s: %d matched, %d not matched clauses, schema evolution %v; want %d, %d, %v", tc.name,
				len(got.GetMatchActions()), len(got.GetNotMatchedActions()), got.GetWithSchemaEvolution(), tc.matched, tc.notMatched, tc.schemaEvolution)
		}
	}
}

func TestMergeIntoErrors(t *testing.T) {
	srv, s := dialGolden(t)
	df := s.Range(0, 1, 1)
	on := Col("t.id").Eq(Col("id"))
	var nilWriter *MergeIntoWriter
	var nilDF *DataFrame
	bad := InvalidColumn(errors.New("bad col"))
	cases := []struct {
		name string
		w    *MergeIntoWriter
		want string
	}{
		{"no clause", df.MergeInto("t", on), "merge into t: no clause"},
		{"no table", df.MergeInto("", on).WhenMatched().Delete(), "no target table"},
		{"zero condition", df.MergeInto("t", Column{}).WhenMatched().Delete(), "merge into t: merge condition: the zero Column"},
		{"invalid condition", df.MergeInto("t", bad).WhenMatched().Delete(), "bad col"},
		{"zero clause condition", df.MergeInto("t", on).WhenMatched(Col("a"), Column{}).Delete(), "merge into t: when matched delete: condition 2: the zero Column"},
		{"invalid clause condition", df.MergeInto("t", on).WhenNotMatched(bad).InsertAll(), "merge into t: when not matched insert all: condition 1: bad col"},
		{"empty update", df.MergeInto("t", on).WhenMatched().Update(nil), "merge into t: when matched update: no assignments"},
		{"empty insert", df.MergeInto("t", on).WhenNotMatched().Insert(map[string]Column{}), "when not matched insert: no assignments"},
		{"empty key", df.MergeInto("t", on).WhenNotMatchedBySource().Update(map[string]Column{"": Lit(1)}), "empty column name"},
		{"invalid value", df.MergeInto("t", on).WhenNotMatched().Insert(map[string]Column{"a": Lit(1), "b": bad}), "when not matched insert: column b: bad col"},
		{"zero value", df.MergeInto("t", on).WhenMatched().Update(map[string]Column{"a": {}}), "column a: the zero Column"},
		{"first error wins", df.MergeInto("t", on).WhenMatched(bad).Delete().WhenMatched().Update(nil), "when matched delete: condition 1: bad col"},
		{"matched clause without condition before another", df.MergeInto("t", on).WhenMatched().Delete().WhenMatched(Col("x")).UpdateAll(),
			"merge into t: when matched clause 1 of 2 has no condition"},
		{"not matched clause without condition before another", df.MergeInto("t", on).WhenNotMatched(Col("a")).InsertAll().
			WhenNotMatched().InsertAll().WhenNotMatched().InsertAll(), "when not matched clause 2 of 3 has no condition"},
		{"by-source clause without condition before another", df.MergeInto("t", on).WhenNotMatchedBySource().Delete().
			WhenNotMatchedBySource().Delete(), "when not matched by source clause 1 of 2 has no condition"},
		{"bad DataFrame", df.Limit(-1).MergeInto("t", on).WhenMatched().Delete(), "negative"},
		{"nil DataFrame", nilDF.MergeInto("t", on).WhenMatched().Delete(), ErrNilDataFrame.Error()},
		{"zero DataFrame", (&DataFrame{}).MergeInto("t", on).WhenMatched().Delete(), "zero DataFrame"},
		{"nil writer", nilWriter, ErrNilDataFrame.Error()},
		{"nil writer with clauses", nilWriter.WhenMatched().UpdateAll().WhenNotMatched().InsertAll().
			WhenNotMatchedBySource().Delete().WithSchemaEvolution(), ErrNilDataFrame.Error()},
		{"zero writer", &MergeIntoWriter{}, ErrNilDataFrame.Error()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := sentRequests(srv)
			err := tc.w.Merge(goldenCtx(t))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want error %q", err, tc.want)
			}
			if sentRequests(srv) != before {
				t.Error("a request was sent")
			}
		})
	}

	srv.FailNext(fakeserver.SparkError(codes.Internal, "TABLE_OR_VIEW_NOT_FOUND", "42P01", "no table t", ""))
	var se *SparkError
	err := df.MergeInto("t", on).WhenMatched().Delete().Merge(goldenCtx(t))
	if !errors.As(err, &se) || se.ErrorClass != "TABLE_OR_VIEW_NOT_FOUND" {
		t.Errorf("merge with a server error: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := df.MergeInto("t", on).WhenMatched().Delete().Merge(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("merge with a canceled context: %v", err)
	}
}
