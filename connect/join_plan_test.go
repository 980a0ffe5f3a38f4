package connect

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func TestJoinPlans(t *testing.T) {
	srv, s := dialGolden(t)
	left, right := rangeRel(10), tableRel("t")
	a, b := attrExpr("a"), attrExpr("b")
	lateral := func(jt sparkpb.Join_JoinType, cond *sparkpb.Expression) *sparkpb.Relation {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_LateralJoin{LateralJoin: &sparkpb.LateralJoin{
			Left: left, Right: right, JoinType: jt, JoinCondition: cond}}}
	}
	asOf := func(f func(j *sparkpb.AsOfJoin)) *sparkpb.Relation {
		j := &sparkpb.AsOfJoin{Left: left, Right: right, LeftAsOf: a, RightAsOf: b, JoinType: "inner",
			AllowExactMatches: true, Direction: "backward"}
		f(j)
		return &sparkpb.Relation{RelType: &sparkpb.Relation_AsOfJoin{AsOfJoin: j}}
	}
	hint := func(name string, params ...*sparkpb.Expression) *sparkpb.Relation {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_Hint{Hint: &sparkpb.Hint{Input: left, Name: name, Parameters: params}}}
	}
	cases := []struct {
		name string
		df   func(l, r *DataFrame) *DataFrame
		want *sparkpb.Relation
	}{
		{"CrossJoin", func(l, r *DataFrame) *DataFrame { return l.CrossJoin(r) },
			&sparkpb.Relation{RelType: &sparkpb.Relation_Join{Join: &sparkpb.Join{Left: left, Right: right, JoinType: sparkpb.Join_JOIN_TYPE_CROSS}}}},
		{"LateralJoin", func(l, r *DataFrame) *DataFrame { return l.LateralJoin(r, "") }, lateral(sparkpb.Join_JOIN_TYPE_INNER, nil)},
		{"LateralJoin left on", func(l, r *DataFrame) *DataFrame { return l.LateralJoin(r, LeftJoin, Col("a").Outer().Eq(Col("b"))) },
			lateral(sparkpb.Join_JOIN_TYPE_LEFT_OUTER, callExpr("==", a, b))},
		{"LateralJoin cross two conditions", func(l, r *DataFrame) *DataFrame { return l.LateralJoin(r, CrossJoin, Col("a"), Col("b")) },
			lateral(sparkpb.Join_JOIN_TYPE_CROSS, callExpr("and", a, b))},
		{"Hint broadcast", func(l, _ *DataFrame) *DataFrame { return l.Hint("broadcast") }, hint("broadcast")},
		{"Hint params", func(l, _ *DataFrame) *DataFrame { return l.Hint("rebalance", int32(4), Col("a"), "b") },
			hint("rebalance", litInt(4), a, litString("b"))},
		{"Hint on join side", func(l, r *DataFrame) *DataFrame { return l.Join(r.Hint("broadcast"), Col("a").Eq(Col("b")), InnerJoin) },
			&sparkpb.Relation{RelType: &sparkpb.Relation_Join{Join: &sparkpb.Join{Left: left, JoinType: sparkpb.Join_JOIN_TYPE_INNER,
				Right:         &sparkpb.Relation{RelType: &sparkpb.Relation_Hint{Hint: &sparkpb.Hint{Input: right, Name: "broadcast"}}},
				JoinCondition: callExpr("==", a, b)}}}},
		{"AsOfJoin defaults", func(l, r *DataFrame) *DataFrame { return l.AsOfJoin(r, Col("a"), Col("b"), AsOfJoinOptions{}) },
			asOf(func(*sparkpb.AsOfJoin) {})},
		{"AsOfJoin every option", func(l, r *DataFrame) *DataFrame {
			return l.AsOfJoin(r, Col("a"), Col("b"), AsOfJoinOptions{On: Col("k"), How: LeftJoin, Tolerance: Lit(time.Second),
				ExcludeExactMatches: true, Direction: "Nearest"})
		}, asOf(func(j *sparkpb.AsOfJoin) {
			j.JoinExpr, j.JoinType, j.AllowExactMatches, j.Direction = attrExpr("k"), "left", false, "nearest"
			j.Tolerance = litExpr(&sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_DayTimeInterval{DayTimeInterval: 1e6}})
		})},
		{"AsOfJoin using forward", func(l, r *DataFrame) *DataFrame {
			return l.AsOfJoin(r, Col("a"), Col("b"), AsOfJoinOptions{Using: []string{"k"}, How: InnerJoin, Direction: Forward})
		}, asOf(func(j *sparkpb.AsOfJoin) { j.UsingColumns, j.Direction = []string{"k"}, "forward" })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkPlan(t, srv, tc.df(s.Range(0, 10, 1), s.Table("t")), tc.want)
		})
	}
}

func TestJoinErrors(t *testing.T) {
	_, s := dialGolden(t)
	bad := errors.New("bad column")
	base, other := s.Range(0, 10, 1), s.Table("t")
	badDF := s.Range(0, 1, 0)
	var nilDF *DataFrame
	cases := []struct {
		name string
		df   *DataFrame
		want string
	}{
		{"CrossJoin nil", base.CrossJoin(nilDF), "the other side: spark connect: nil DataFrame"},
		{"CrossJoin bad", base.CrossJoin(badDF), "step must not be 0"},
		{"CrossJoin zero other", base.CrossJoin(&DataFrame{}), "the other side: spark connect: the zero DataFrame"},
		{"CrossJoin nil receiver", nilDF.CrossJoin(base), "nil DataFrame"},
		{"CrossJoin zero receiver", (&DataFrame{}).CrossJoin(base), "the zero DataFrame"},
		{"LateralJoin nil receiver", nilDF.LateralJoin(base, InnerJoin), "nil DataFrame"},
		{"Hint nil receiver", nilDF.Hint("broadcast"), "nil DataFrame"},
		{"Hint zero receiver", (&DataFrame{}).Hint("broadcast"), "the zero DataFrame"},
		{"AsOfJoin nil receiver", nilDF.AsOfJoin(base, Col("a"), Col("b"), AsOfJoinOptions{}), "nil DataFrame"},
		{"Hint bad receiver", badDF.Hint("broadcast"), "step must not be 0"},
		{"LateralJoin nil", base.LateralJoin(nil, InnerJoin), "nil DataFrame"},
		{"LateralJoin type", base.LateralJoin(other, FullJoin), `join type "full" is not inner, left or cross`},
		{"LateralJoin unknown type", base.LateralJoin(other, "sideways"), `lateral join: unknown join type "sideways"`},
		{"LateralJoin condition", base.LateralJoin(other, InnerJoin, Col("a"), InvalidColumn(bad)), "lateral join condition: bad column"},
		{"Hint empty", base.Hint(""), "the name is empty"},
		{"Hint param", base.Hint("coalesce", struct{}{}), "hint coalesce: spark connect: no Spark literal"},
		{"AsOfJoin nil", base.AsOfJoin(nil, Col("a"), Col("b"), AsOfJoinOptions{}), "nil DataFrame"},
		{"AsOfJoin left", base.AsOfJoin(other, InvalidColumn(bad), Col("b"), AsOfJoinOptions{}), "left column: bad column"},
		{"AsOfJoin right", base.AsOfJoin(other, Col("a"), Column{}, AsOfJoinOptions{}), "right column: the zero Column"},
		{"AsOfJoin how", base.AsOfJoin(other, Col("a"), Col("b"), AsOfJoinOptions{How: RightJoin}), `join type "right" is not inner or left`},
		{"AsOfJoin unknown how", base.AsOfJoin(other, Col("a"), Col("b"), AsOfJoinOptions{How: "x"}), `as-of join: unknown join type "x"`},
		{"AsOfJoin direction", base.AsOfJoin(other, Col("a"), Col("b"), AsOfJoinOptions{Direction: "up"}), `unknown direction "up"`},
		{"AsOfJoin On and Using", base.AsOfJoin(other, Col("a"), Col("b"), AsOfJoinOptions{On: Col("k"), Using: []string{"k"}}), "exclusive"},
		{"AsOfJoin On", base.AsOfJoin(other, Col("a"), Col("b"), AsOfJoinOptions{On: InvalidColumn(bad)}), "condition: bad column"},
		{"AsOfJoin Tolerance", base.AsOfJoin(other, Col("a"), Col("b"), AsOfJoinOptions{Tolerance: Lit(make(chan int))}), "tolerance: spark connect: no Spark literal"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.df.Err()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Err() = %v, want %q", err, tc.want)
			}
		})
	}
}
