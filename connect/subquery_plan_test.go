package connect

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func subqueryExpr(planID int64, kind sparkpb.SubqueryExpression_SubqueryType) *sparkpb.Expression {
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_SubqueryExpression{SubqueryExpression: &sparkpb.SubqueryExpression{
		PlanId: planID, SubqueryType: kind,
	}}}
}

func withRelationsRel(root *sparkpb.Relation, refs ...*sparkpb.Relation) *sparkpb.Relation {
	return &sparkpb.Relation{RelType: &sparkpb.Relation_WithRelations{WithRelations: &sparkpb.WithRelations{Root: root, References: refs}}}
}

func filterRel(in *sparkpb.Relation, cond *sparkpb.Expression) *sparkpb.Relation {
	return &sparkpb.Relation{RelType: &sparkpb.Relation_Filter{Filter: &sparkpb.Filter{Input: in, Condition: cond}}}
}

func planID(df *DataFrame) int64 { return df.rel.GetCommon().GetPlanId() }

// checkReferences checks that the plan is a WithRelations whose references carry, in
// order, the plan ids the subquery expressions name.
func checkReferences(t *testing.T, got *sparkpb.Relation, ids ...int64) {
	t.Helper()
	refs := got.GetWithRelations().GetReferences()
	if len(refs) != len(ids) {
		t.Fatalf("%d references, want %d", len(refs), len(ids))
	}
	for i, r := range refs {
		if r.GetCommon().GetPlanId() != ids[i] {
			t.Errorf("reference %d has plan id %d, want %d", i, r.GetCommon().GetPlanId(), ids[i])
		}
	}
	root := got.GetWithRelations().GetRoot()
	if root.GetCommon().PlanId == nil || root.GetCommon().GetPlanId() == got.GetCommon().GetPlanId() {
		t.Errorf("root plan id %v, wrapper %d: want both, and different", root.GetCommon().PlanId, got.GetCommon().GetPlanId())
	}
}

func TestScalarSubqueryPlan(t *testing.T) {
	srv, s := dialGolden(t)
	sub := s.Range(0, 5, 1).Select(CallFunction("max", Col("id")))
	df := s.Range(0, 3, 1).Select(Col("id"), sub.Scalar().Alias("m"))
	id := planID(sub)
	got := planOf(t, srv, df)
	checkProto(t, "plan", noIDs(got), withRelationsRel(
		projectRel(rangeRel(3), attrExpr("id"), aliasExpr(subqueryExpr(id, sparkpb.SubqueryExpression_SUBQUERY_TYPE_SCALAR), "m")),
		projectRel(rangeRel(5), callExpr("max", attrExpr("id"))),
	))
	checkReferences(t, got, id)
}

func TestExistsSubqueryPlan(t *testing.T) {
	srv, s := dialGolden(t)
	outer := s.Table("l")
	inner := s.Table("r")
	sub := inner.Filter(inner.Col("c").Eq(outer.Col("a").Outer()))
	df := outer.Filter(sub.Exists().Not())
	id := planID(sub)
	got := planOf(t, srv, df)
	checkProto(t, "plan", noIDs(got), withRelationsRel(
		filterRel(tableRel("l"), callExpr("not", subqueryExpr(id, sparkpb.SubqueryExpression_SUBQUERY_TYPE_EXISTS))),
		filterRel(tableRel("r"), callExpr("==", attrExprOf("c", planID(inner)), attrExprOf("a", planID(outer)))),
	))
	checkReferences(t, got, id)
}

func TestInSubqueryPlan(t *testing.T) {
	srv, s := dialGolden(t)
	sub := s.Table("r").Select(Col("c"))
	df := s.Table("l").Filter(Col("a").IsIn(sub))
	want := subqueryExpr(planID(sub), sparkpb.SubqueryExpression_SUBQUERY_TYPE_IN)
	want.GetSubqueryExpression().InSubqueryValues = []*sparkpb.Expression{attrExpr("a")}
	got := planOf(t, srv, df)
	checkProto(t, "plan", noIDs(got), withRelationsRel(filterRel(tableRel("l"), want), projectRel(tableRel("r"), attrExpr("c"))))
	checkReferences(t, got, planID(sub))
}

// Two subqueries in one node, one used twice, and a subquery in the input: each node
// carries the references of its own expressions, once each, in order of appearance.
func TestSubqueryReferencesPerNode(t *testing.T) {
	srv, s := dialGolden(t)
	a := s.Range(0, 1, 1)
	b := s.Range(0, 2, 1)
	first := s.Range(0, 3, 1).Filter(a.Exists())
	df := first.Select(b.Scalar(), a.Scalar(), b.Scalar().Plus(1))
	scalar := sparkpb.SubqueryExpression_SUBQUERY_TYPE_SCALAR
	got := planOf(t, srv, df)
	checkProto(t, "plan", noIDs(got), withRelationsRel(
		projectRel(
			withRelationsRel(filterRel(rangeRel(3), subqueryExpr(planID(a), sparkpb.SubqueryExpression_SUBQUERY_TYPE_EXISTS)), rangeRel(1)),
			subqueryExpr(planID(b), scalar), subqueryExpr(planID(a), scalar), callExpr("+", subqueryExpr(planID(b), scalar), litLong(1))),
		rangeRel(2), rangeRel(1),
	))
	checkReferences(t, got, planID(b), planID(a))
	checkReferences(t, got.GetWithRelations().GetRoot().GetProject().GetInput(), planID(a))
	// The DataFrame's plan id is the wrapper's: columns taken with df.Col resolve against it.
	if df.rel.GetWithRelations() == nil || planID(df) != df.rel.GetCommon().GetPlanId() {
		t.Errorf("DataFrame relation is %v", df.rel)
	}
}

func TestTableArgPlan(t *testing.T) {
	srv, s := dialGolden(t)
	tbl := s.Table("t")
	id := planID(tbl)
	tableArg := func(o *sparkpb.SubqueryExpression_TableArgOptions) *sparkpb.Expression {
		e := subqueryExpr(id, sparkpb.SubqueryExpression_SUBQUERY_TYPE_TABLE_ARG)
		e.GetSubqueryExpression().TableArgOptions = o
		return e
	}
	single := true
	cases := []struct {
		name string
		arg  TableArg
		want *sparkpb.Expression
	}{
		{"plain", tbl.AsTable(), tableArg(nil)},
		{"partition and order", tbl.AsTable().PartitionBy(Col("k")).OrderBy(Col("v").Desc(), Col("w")),
			tableArg(&sparkpb.SubqueryExpression_TableArgOptions{
				PartitionSpec: []*sparkpb.Expression{attrExpr("k")},
				OrderSpec:     []*sparkpb.Expression_SortOrder{sortOrder(attrExpr("v"), true, true), sortOrder(attrExpr("w"), false, false)},
			})},
		{"single partition", tbl.AsTable().WithSinglePartition().OrderBy(Col("v")),
			tableArg(&sparkpb.SubqueryExpression_TableArgOptions{
				WithSinglePartition: &single,
				OrderSpec:           []*sparkpb.Expression_SortOrder{sortOrder(attrExpr("v"), false, false)},
			})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.arg.Err(); err != nil {
				t.Fatal(err)
			}
			df := s.Range(0, 1, 1).Select(CallFunction("stack", Lit(1), tc.arg.Column()))
			got := planOf(t, srv, df)
			checkProto(t, "plan", noIDs(got), withRelationsRel(
				projectRel(rangeRel(1), callExpr("stack", litLong(1), tc.want)), tableRel("t")))
			checkReferences(t, got, id)
		})
	}
}

func TestTableArgErrors(t *testing.T) {
	_, s := dialGolden(t)
	tbl := s.Table("t")
	var nilDF *DataFrame
	cases := []struct {
		name string
		arg  TableArg
		want string
	}{
		{"order without partition", tbl.AsTable().OrderBy(Col("a")), "needs PartitionBy"},
		{"partition and single", tbl.AsTable().PartitionBy(Col("a")).WithSinglePartition(), "cannot be combined"},
		{"single and partition", tbl.AsTable().WithSinglePartition().PartitionBy(Col("a")), "cannot be combined"},
		{"no partition columns", tbl.AsTable().PartitionBy(), "no columns"},
		{"bad partition column", tbl.AsTable().PartitionBy(Column{}), "zero Column"},
		{"bad order column", tbl.AsTable().PartitionBy(Col("a")).OrderBy(InvalidColumn(errors.New("boom"))), "boom"},
		{"bad DataFrame", tbl.Limit(-1).AsTable(), "negative"},
		{"nil DataFrame", nilDF.AsTable(), "nil DataFrame"},
		{"zero TableArg", TableArg{}, "nil DataFrame"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.arg.Err(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Err() = %v, want %q", err, tc.want)
			}
			if err := tc.arg.Column().Err(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Column().Err() = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestSubqueryErrors(t *testing.T) {
	srv, s := dialGolden(t)
	_, other := dialGolden(t)
	var nilDF *DataFrame
	bad := s.Range(0, 1, 1).Limit(-1)
	for name, c := range map[string]Column{
		"nil scalar":  nilDF.Scalar(),
		"zero exists": (&DataFrame{}).Exists(),
		"bad scalar":  bad.Scalar(),
		"bad exists":  bad.Exists(),
		"bad in":      Col("a").IsIn(bad),
		"bad in col":  Column{}.IsIn(s.Range(0, 1, 1)),
	} {
		if c.Err() == nil {
			t.Errorf("%s: no error", name)
		}
		if df := s.Range(0, 1, 1).Select(c); df.Err() == nil {
			t.Errorf("%s: DataFrame has no error", name)
		}
	}
	// A subquery of another session cannot be sent with this one.
	before := sentRequests(srv)
	df := s.Range(0, 1, 1).Select(other.Range(0, 1, 1).Scalar())
	if !errors.Is(df.Err(), ErrForeignSubquery) {
		t.Errorf("foreign subquery: %v", df.Err())
	}
	if _, err := df.Collect(goldenCtx(t)); !errors.Is(err, ErrForeignSubquery) {
		t.Errorf("foreign subquery collect: %v", err)
	}
	if sentRequests(srv) != before {
		t.Error("a request was sent")
	}
}

// The session forgets a subquery's relation once no Column refers to it any more.
func TestSubqueryRefsReleased(t *testing.T) {
	_, s := dialGolden(t)
	sub := s.Range(0, 1, 1)
	id := planID(sub)
	c := sub.Scalar()
	c2 := sub.Scalar()
	if _, ok := s.subqueries.get(id); !ok {
		t.Fatal("relation not kept while the column lives")
	}
	df := s.Range(0, 1, 1).Select(c, c2)
	runtime.KeepAlive(c)
	runtime.KeepAlive(c2)
	if df.Err() != nil {
		t.Fatal(df.Err())
	}
	eventually(t, "the subquery relation to be released", func() bool {
		runtime.GC()
		_, ok := s.subqueries.get(id)
		return !ok
	})
}

func TestColumnTransform(t *testing.T) {
	srv, s := dialGolden(t)
	double := func(c Column) Column { return c.Multiply(2) }
	df := s.Range(0, 3, 1).Select(Col("id").Transform(double).Transform(func(c Column) Column { return c.Alias("d") }))
	checkPlan(t, srv, df, projectRel(rangeRel(3), aliasExpr(callExpr("*", attrExpr("id"), litLong(2)), "d")))
	if err := Col("id").Transform(nil).Err(); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Errorf("nil func: %v", err)
	}
	called := false
	if err := (Column{}).Transform(func(c Column) Column { called = true; return c }).Err(); !errors.Is(err, errZeroColumn) || called {
		t.Errorf("zero column: %v (func called: %v)", err, called)
	}
}

// Subqueries in an aggregate and in a join condition are carried by those nodes.
func TestSubqueryInAggregateAndJoin(t *testing.T) {
	srv, s := dialGolden(t)
	sub := s.Range(0, 2, 1)
	scalar := sparkpb.SubqueryExpression_SUBQUERY_TYPE_SCALAR
	agg := s.Range(0, 3, 1).GroupBy(Col("id")).Agg(CallFunction("sum", Col("id")).Plus(sub.Scalar()))
	got := planOf(t, srv, agg)
	checkProto(t, "aggregate", noIDs(got), withRelationsRel(
		&sparkpb.Relation{RelType: &sparkpb.Relation_Aggregate{Aggregate: &sparkpb.Aggregate{
			Input: rangeRel(3), GroupType: sparkpb.Aggregate_GROUP_TYPE_GROUPBY,
			GroupingExpressions:  []*sparkpb.Expression{attrExpr("id")},
			AggregateExpressions: []*sparkpb.Expression{callExpr("+", callExpr("sum", attrExpr("id")), subqueryExpr(planID(sub), scalar))},
		}}},
		rangeRel(2)))
	checkReferences(t, got, planID(sub))

	l, r := s.Table("l"), s.Table("r")
	join := l.Join(r, l.Col("a").Eq(r.Col("c")).And(sub.Exists()), InnerJoin)
	got = planOf(t, srv, join)
	checkProto(t, "join", noIDs(got), withRelationsRel(
		&sparkpb.Relation{RelType: &sparkpb.Relation_Join{Join: &sparkpb.Join{
			Left: tableRel("l"), Right: tableRel("r"), JoinType: sparkpb.Join_JOIN_TYPE_INNER,
			JoinCondition: callExpr("and", callExpr("==", attrExprOf("a", planID(l)), attrExprOf("c", planID(r))),
				subqueryExpr(planID(sub), sparkpb.SubqueryExpression_SUBQUERY_TYPE_EXISTS)),
		}}},
		rangeRel(2)))
	checkReferences(t, got, planID(sub))
}
