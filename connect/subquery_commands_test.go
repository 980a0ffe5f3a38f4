package connect

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// A subquery Column in a merge's condition, clause conditions or assignments, or in an
// overwrite condition, fails with ErrSubqueryInCommand before anything is sent, naming
// where it is.
func TestSubqueryInCommandRefused(t *testing.T) {
	srv, s := dialGolden(t)
	ctx := goldenCtx(t)
	src := s.Range(0, 5, 1).Alias("s")
	avg := s.Table("lake.db.t").Select(CallFunction("avg", Col("v")))
	on := Col("t.id").Eq(Col("s.id"))
	cases := []struct {
		name, where string
		run         func(context.Context) error
	}{
		{"merge condition scalar", "merge into lake.db.t: merge condition", func(ctx context.Context) error {
			return src.MergeInto("lake.db.t", on.And(Col("s.v").Gt(avg.Scalar()))).WhenMatched().Delete().Merge(ctx)
		}},
		{"merge condition in", "merge into lake.db.t: merge condition", func(ctx context.Context) error {
			return src.MergeInto("lake.db.t", Col("s.id").IsIn(s.Range(0, 2, 1))).WhenMatched().Delete().Merge(ctx)
		}},
		{"clause condition exists", "merge into lake.db.t: when matched clause 2", func(ctx context.Context) error {
			return src.MergeInto("lake.db.t", on).WhenMatched(Col("s.v").Lt(0)).Delete().
				WhenMatched(avg.Exists()).UpdateAll().Merge(ctx)
		}},
		{"update assignment", "merge into lake.db.t: when matched clause 1", func(ctx context.Context) error {
			return src.MergeInto("lake.db.t", on).WhenMatched().Update(map[string]Column{"v": avg.Scalar()}).Merge(ctx)
		}},
		{"insert assignment", "merge into lake.db.t: when not matched clause 1", func(ctx context.Context) error {
			return src.MergeInto("lake.db.t", on).WhenMatched().UpdateAll().
				WhenNotMatched().Insert(map[string]Column{"id": Col("s.id"), "v": avg.Scalar().Plus(1)}).Merge(ctx)
		}},
		{"by source", "merge into lake.db.t: when not matched by source clause 1", func(ctx context.Context) error {
			return src.MergeInto("lake.db.t", on).WhenNotMatchedBySource(Col("t.v").Gt(avg.Scalar())).Delete().Merge(ctx)
		}},
		{"overwrite in", "write to lake.db.t: overwrite condition", func(ctx context.Context) error {
			return src.WriteTo("lake.db.t").Overwrite(ctx, Col("id").IsIn(s.Range(0, 2, 1)))
		}},
		{"overwrite table arg", "write to lake.db.t: overwrite condition", func(ctx context.Context) error {
			return src.WriteTo("lake.db.t").Overwrite(ctx, CallFunction("f", s.Range(0, 2, 1).AsTable().Column()))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(srv.ExecuteRequests())
			err := tc.run(ctx)
			if !errors.Is(err, ErrSubqueryInCommand) || !strings.HasPrefix(err.Error(), tc.where+": ") {
				t.Fatalf("error %v, want %q wrapping ErrSubqueryInCommand", err, tc.where)
			}
			if n := len(srv.ExecuteRequests()); n != before {
				t.Errorf("%d requests sent", n-before)
			}
		})
	}
}

// The supported form: the subquery's value computed into a column of the merge source,
// whose plan carries the subquery in a WithRelations node; the merge condition compares
// with that column.
func TestMergeSourceWithSubqueryPlan(t *testing.T) {
	srv, s := dialGolden(t)
	avg := s.Table("lake.db.t").Select(CallFunction("avg", Col("v")))
	src := s.Range(0, 5, 1).WithColumn("avg_v", avg.Scalar()).Alias("s")
	if err := src.MergeInto("lake.db.t", Col("t.id").Eq(Col("s.id")).And(Col("s.id").Gt(Col("s.avg_v")))).
		WhenMatched().Delete().Merge(goldenCtx(t)); err != nil {
		t.Fatal(err)
	}
	cmd := mergeCommand(t, srv)
	withCol := &sparkpb.Relation{RelType: &sparkpb.Relation_WithColumns{WithColumns: &sparkpb.WithColumns{
		Input: rangeRel(5), Aliases: []*sparkpb.Expression_Alias{{
			Expr: subqueryExpr(planID(avg), sparkpb.SubqueryExpression_SUBQUERY_TYPE_SCALAR), Name: []string{"avg_v"}}},
	}}}
	wantSrc := &sparkpb.Relation{RelType: &sparkpb.Relation_SubqueryAlias{SubqueryAlias: &sparkpb.SubqueryAlias{
		Input: withRelationsRel(withCol, projectRel(tableRel("lake.db.t"), callExpr("avg", attrExpr("v")))), Alias: "s"}}}
	checkProto(t, "source", noIDs(cmd.GetSourceTablePlan()), wantSrc)
	checkReferences(t, cmd.GetSourceTablePlan().GetSubqueryAlias().GetInput(), planID(avg))
	checkProto(t, "condition", cmd.GetMergeCondition(), callExpr("and", callExpr("==", attrExpr("t.id"), attrExpr("s.id")),
		callExpr(">", attrExpr("s.id"), attrExpr("s.avg_v"))))
}
