package tests

import (
	"reflect"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
)

// TestFunctionsHigherOrder evaluates every higher-order wrapper of package functions on
// the server and compares the results with values computed here.
func TestFunctionsHigherOrder(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	xs := []int32{3, -1, 4, 1, -5}
	ys := []int32{10, 20}
	df := s.Range(0, 1, 1).Select(
		connect.TypedLit(xs).Alias("xs"), connect.TypedLit(ys).Alias("ys"),
		connect.TypedLit(map[string]int32{"a": 1, "b": -2}).Alias("m"),
		connect.TypedLit(map[string]int32{"b": 5, "c": 7}).Alias("m2"))
	positive := func(x connect.Column) connect.Column { return x.Gt(int32(0)) }
	add := func(a, b connect.Column) connect.Column { return a.Plus(b) }

	var doubled, indexed, pos, odd []int32
	sum, allPos, anyPos := int32(0), true, false
	for i, x := range xs {
		doubled = append(doubled, 2*x)
		indexed = append(indexed, x+int32(i))
		if x > 0 {
			pos = append(pos, x)
			anyPos = true
		} else {
			allPos = false
		}
		if i%2 == 1 {
			odd = append(odd, x)
		}
		sum += x
	}
	var zipped []any
	for i := range max(len(xs), len(ys)) {
		if i < len(xs) && i < len(ys) {
			zipped = append(zipped, xs[i]+ys[i])
		} else {
			zipped = append(zipped, nil)
		}
	}
	cases := []struct {
		name string
		col  connect.Column
		want any
	}{
		{"Transform", F.Transform(connect.Col("xs"), func(x connect.Column) connect.Column { return x.Multiply(int32(2)) }), doubled},
		{"TransformWithIndex", F.TransformWithIndex(connect.Col("xs"), add), indexed},
		{"Filter", F.Filter(connect.Col("xs"), positive), pos},
		{"FilterWithIndex", F.FilterWithIndex(connect.Col("xs"), func(x, i connect.Column) connect.Column { return i.Mod(int32(2)).Eq(int32(1)) }), odd},
		{"Exists", F.Exists(connect.Col("xs"), positive), anyPos},
		{"Forall", F.Forall(connect.Col("xs"), positive), allPos},
		{"Aggregate", F.Aggregate(connect.Col("xs"), connect.Lit(int32(0)), add), sum},
		{"AggregateFinish", F.AggregateFinish(connect.Col("xs"), connect.Lit(int32(0)), add, func(a connect.Column) connect.Column { return a.Multiply(int32(10)) }), sum * 10},
		{"Reduce", F.Reduce(connect.Col("xs"), connect.Lit(int32(0)), add), sum},
		{"ReduceFinish", F.ReduceFinish(connect.Col("xs"), connect.Lit(int32(0)), add, func(a connect.Column) connect.Column { return a.Negate() }), -sum},
		{"ZipWith", F.ZipWith(connect.Col("xs"), connect.Col("ys"), add), zipped},
		{"TransformKeys", F.TransformKeys(connect.Col("m"), func(k, v connect.Column) connect.Column { return F.Upper(k) }), map[any]any{"A": int32(1), "B": int32(-2)}},
		{"TransformValues", F.TransformValues(connect.Col("m"), func(k, v connect.Column) connect.Column { return v.Multiply(int32(3)) }), map[any]any{"a": int32(3), "b": int32(-6)}},
		{"MapFilter", F.MapFilter(connect.Col("m"), func(k, v connect.Column) connect.Column { return v.Gt(int32(0)) }), map[any]any{"a": int32(1)}},
		{"MapZipWith", F.MapZipWith(connect.Col("m"), connect.Col("m2"), func(k, a, b connect.Column) connect.Column { return F.Coalesce(a, b) }),
			map[any]any{"a": int32(1), "b": int32(-2), "c": int32(7)}},
		{"ArraySortWith descending", F.ArraySortWith(connect.Col("xs"), func(l, r connect.Column) connect.Column { return r.Minus(l) }), []int32{4, 3, 1, -1, -5}},
	}
	cols := make([]connect.Column, len(cases))
	for i, tc := range cases {
		cols[i] = tc.col.Alias(tc.name)
	}
	rows, err := df.Select(cols...).Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	for i, tc := range cases {
		got := rows[0].Value(i)
		want := tc.want
		if w, ok := want.([]int32); ok {
			want = anySlice(w)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %#v, want %#v", tc.name, got, want)
		}
	}
}

func anySlice(v []int32) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = x
	}
	return out
}
