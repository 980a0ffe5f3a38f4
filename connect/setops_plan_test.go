package connect

import (
	"errors"
	"testing"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func TestSetOperationPlans(t *testing.T) {
	srv, s := dialGolden(t)
	setOp := func(op sparkpb.SetOperation_SetOpType, all bool) *sparkpb.Relation {
		return &sparkpb.Relation{RelType: &sparkpb.Relation_SetOp{SetOp: &sparkpb.SetOperation{
			LeftInput: rangeRel(10), RightInput: tableRel("t"), SetOpType: op, IsAll: &all,
		}}}
	}
	f, tr := false, true
	union := &sparkpb.Relation{RelType: &sparkpb.Relation_SetOp{SetOp: &sparkpb.SetOperation{
		LeftInput: rangeRel(10), RightInput: tableRel("t"), SetOpType: sparkpb.SetOperation_SET_OP_TYPE_UNION,
		IsAll: &tr, ByName: &f, AllowMissingColumns: &f,
	}}}
	for _, tc := range []struct {
		name string
		df   func(a, b *DataFrame) *DataFrame
		want *sparkpb.Relation
	}{
		{"Intersect", (*DataFrame).Intersect, setOp(sparkpb.SetOperation_SET_OP_TYPE_INTERSECT, false)},
		{"IntersectAll", (*DataFrame).IntersectAll, setOp(sparkpb.SetOperation_SET_OP_TYPE_INTERSECT, true)},
		{"Subtract", (*DataFrame).Subtract, setOp(sparkpb.SetOperation_SET_OP_TYPE_EXCEPT, false)},
		{"Except", (*DataFrame).Except, setOp(sparkpb.SetOperation_SET_OP_TYPE_EXCEPT, false)},
		{"ExceptAll", (*DataFrame).ExceptAll, setOp(sparkpb.SetOperation_SET_OP_TYPE_EXCEPT, true)},
		{"UnionAll", (*DataFrame).UnionAll, union},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkPlan(t, srv, tc.df(s.Range(0, 10, 1), s.Table("t")), tc.want)
		})
	}
}

// A nil, zero or invalid DataFrame on either side makes the result invalid, without a
// panic and without a request.
func TestSetOperationBadInputs(t *testing.T) {
	srv, s := dialGolden(t)
	bad := s.Range(0, 1, 0)
	ops := map[string]func(a, b *DataFrame) *DataFrame{
		"Intersect": (*DataFrame).Intersect, "IntersectAll": (*DataFrame).IntersectAll,
		"Subtract": (*DataFrame).Subtract, "ExceptAll": (*DataFrame).ExceptAll,
	}
	before := sentRequests(srv)
	for name, op := range ops {
		for what, pair := range map[string][2]*DataFrame{
			"nil other": {s.Range(0, 1, 1), nil}, "zero other": {s.Range(0, 1, 1), {}},
			"bad other": {s.Range(0, 1, 1), bad}, "nil self": {nil, s.Range(0, 1, 1)},
			"zero self": {{}, s.Range(0, 1, 1)}, "bad self": {bad, s.Range(0, 1, 1)},
		} {
			df := op(pair[0], pair[1])
			if df.Err() == nil {
				t.Errorf("%s with %s: no error", name, what)
			}
			if _, err := df.Count(goldenCtx(t)); err == nil {
				t.Errorf("%s with %s: Count worked", name, what)
			}
		}
	}
	if n := sentRequests(srv) - before; n != 0 {
		t.Errorf("%d requests sent for invalid DataFrames", n)
	}
}

// errBadColumn is the error of an invalid column in the tests of DataFrame methods.
var errBadColumn = errors.New("bad column")
