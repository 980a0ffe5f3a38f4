package connect

import (
	"math"
	"strings"
	"testing"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func TestLayoutPlans(t *testing.T) {
	srv, s := dialGolden(t)
	base := rangeRel(10)
	repart := func(n int32, shuffle bool) *sparkpb.Relation {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Repartition{Repartition: &sparkpb.Repartition{
			Input: base, NumPartitions: n, Shuffle: &shuffle,
		}}}
	}
	byExpr := func(n *int32, ex ...*sparkpb.Expression) *sparkpb.Relation {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_RepartitionByExpression{RepartitionByExpression: &sparkpb.RepartitionByExpression{
			Input: base, PartitionExprs: ex, NumPartitions: n,
		}}}
	}
	sorted := func(global bool, order ...*sparkpb.Expression_SortOrder) *sparkpb.Relation {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Sort{Sort: &sparkpb.Sort{Input: base, Order: order, IsGlobal: &global}}}
	}
	for _, tc := range []struct {
		name string
		df   func(df *DataFrame) *DataFrame
		want *sparkpb.Relation
	}{
		{"Repartition n", func(df *DataFrame) *DataFrame { return df.Repartition(4) }, repart(4, true)},
		{"Repartition max", func(df *DataFrame) *DataFrame { return df.Repartition(math.MaxInt32) }, repart(math.MaxInt32, true)},
		{"Repartition n cols", func(df *DataFrame) *DataFrame { return df.Repartition(3, Col("a"), Expr("b % 2")) },
			byExpr(refOf(int32(3)), attrExpr("a"), exprString("b % 2"))},
		{"Repartition cols", func(df *DataFrame) *DataFrame { return df.Repartition(0, Col("a")) }, byExpr(nil, attrExpr("a"))},
		{"RepartitionByRange", func(df *DataFrame) *DataFrame { return df.RepartitionByRange(2, Col("a"), Col("b").Desc()) },
			byExpr(refOf(int32(2)), sortExpr(attrExpr("a"), false, false), sortExpr(attrExpr("b"), true, true))},
		{"RepartitionByRange default n", func(df *DataFrame) *DataFrame { return df.RepartitionByRange(0, Col("a").AscNullsLast()) },
			byExpr(nil, sortExpr(attrExpr("a"), false, true))},
		{"Coalesce", func(df *DataFrame) *DataFrame { return df.Coalesce(1) }, repart(1, false)},
		{"Sort", func(df *DataFrame) *DataFrame { return df.Sort(Col("a"), Col("b").Desc()) },
			sorted(true, sortOrder(attrExpr("a"), false, false), sortOrder(attrExpr("b"), true, true))},
		{"SortWithinPartitions", func(df *DataFrame) *DataFrame { return df.SortWithinPartitions(Col("a"), Col("b").DescNullsFirst()) },
			sorted(false, sortOrder(attrExpr("a"), false, false), sortOrder(attrExpr("b"), true, false))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkPlan(t, srv, tc.df(s.Range(0, 10, 1)), tc.want)
		})
	}
}

func TestLayoutErrors(t *testing.T) {
	srv, s := dialGolden(t)
	base := s.Range(0, 10, 1)
	bad := InvalidColumn(errBadColumn)
	before := sentRequests(srv)
	for _, tc := range []struct {
		name string
		df   *DataFrame
		want string
	}{
		{"Repartition 0", base.Repartition(0), "must be positive, not 0"},
		{"Repartition negative", base.Repartition(-2), "must be positive, not -2"},
		{"Repartition negative cols", base.Repartition(-1, Col("a")), "must be positive"},
		{"Repartition too many", base.Repartition(math.MaxInt32 + 1), "more than Spark's largest"},
		{"Repartition bad column", base.Repartition(2, bad), "bad column"},
		{"RepartitionByRange no cols", base.RepartitionByRange(2), "at least one column"},
		{"RepartitionByRange bad column", base.RepartitionByRange(2, Col("a"), bad), "bad column"},
		{"Coalesce 0", base.Coalesce(0), "must be positive"},
		{"SortWithinPartitions none", base.SortWithinPartitions(), "at least one column"},
		{"SortWithinPartitions bad", base.SortWithinPartitions(bad), "bad column"},
		{"SortWithinPartitions zero column", base.SortWithinPartitions(Column{}), "zero Column"},
		{"nil DataFrame", (*DataFrame)(nil).Repartition(2), "nil DataFrame"},
		{"zero DataFrame", (&DataFrame{}).Coalesce(2), "zero DataFrame"},
	} {
		if err := tc.df.Err(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if _, err := tc.df.Rows(goldenCtx(t)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Rows: %v, want %q", tc.name, err, tc.want)
		}
	}
	if n := sentRequests(srv) - before; n != 0 {
		t.Errorf("%d requests sent for invalid DataFrames", n)
	}
	if err := (&DataFrame{}).Err(); err == nil || !strings.Contains(err.Error(), "zero DataFrame") {
		t.Errorf("Err of the zero DataFrame: %v", err)
	}
}
