package connect

import (
	"testing"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// df.Col("*") and df.Col("s.*") are stars of that DataFrame, as in Spark's own clients
// (Column(name, planId) in Scala, df["*"] in PySpark), not attributes named "*".
func TestDataFrameColStar(t *testing.T) {
	srv, s := dialGolden(t)
	df := s.Range(0, 10, 1)
	id := df.rel.GetCommon().GetPlanId()
	star := func(target *string) *sparkpb.Expression {
		return &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedStar_{
			UnresolvedStar: &sparkpb.Expression_UnresolvedStar{UnparsedTarget: target, PlanId: &id}}}
	}
	for _, tc := range []struct {
		name string
		want *sparkpb.Expression
	}{
		{"*", star(nil)},
		{"s.*", star(refOf("s.*"))},
		{"a.b", attrExprOf("a.b", id)},
		{"id", attrExprOf("id", id)},
	} {
		checkPlan(t, srv, df.Select(df.Col(tc.name)), projectRel(rangeRel(10), tc.want))
	}
}
