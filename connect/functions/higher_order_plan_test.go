package functions_test

import (
	"strings"
	"testing"

	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func lvar(name string) *sparkpb.Expression {
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedNamedLambdaVariable_{
		UnresolvedNamedLambdaVariable: &sparkpb.Expression_UnresolvedNamedLambdaVariable{NameParts: []string{name}}}}
}

func lfn(body *sparkpb.Expression, names ...string) *sparkpb.Expression {
	l := &sparkpb.Expression_LambdaFunction{Function: body}
	for _, n := range names {
		l.Arguments = append(l.Arguments, lvar(n).GetUnresolvedNamedLambdaVariable())
	}
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_LambdaFunction_{LambdaFunction: l}}
}

func TestHigherOrderGolden(t *testing.T) {
	xs, m, m2 := F.Col("xs"), F.Col("m"), F.Col("m2")
	x0, y0, z0 := lvar("x_0"), lvar("y_0"), lvar("z_0")
	double := func(x connect.Column) connect.Column { return x.Multiply(2) }
	positive := func(x connect.Column) connect.Column { return x.Gt(0) }
	add := func(a, b connect.Column) connect.Column { return a.Plus(b) }
	runCases(t, []exprCase{
		{"Transform", F.Transform(xs, double), fn("transform", attr("xs"), lfn(fn("*", x0, i64(2)), "x_0"))},
		{"TransformWithIndex", F.TransformWithIndex(xs, add), fn("transform", attr("xs"), lfn(fn("+", x0, y0), "x_0", "y_0"))},
		{"Filter", F.Filter(xs, positive), fn("filter", attr("xs"), lfn(fn(">", x0, i64(0)), "x_0"))},
		{"FilterWithIndex", F.FilterWithIndex(xs, func(x, i connect.Column) connect.Column { return i.Gt(0) }),
			fn("filter", attr("xs"), lfn(fn(">", y0, i64(0)), "x_0", "y_0"))},
		{"Exists", F.Exists(xs, positive), fn("exists", attr("xs"), lfn(fn(">", x0, i64(0)), "x_0"))},
		{"Forall", F.Forall(xs, positive), fn("forall", attr("xs"), lfn(fn(">", x0, i64(0)), "x_0"))},
		{"Aggregate", F.Aggregate(xs, F.Lit(0), add), fn("aggregate", attr("xs"), i64(0), lfn(fn("+", x0, y0), "x_0", "y_0"))},
		{"AggregateFinish", F.AggregateFinish(xs, F.Lit(0), add, double),
			fn("aggregate", attr("xs"), i64(0), lfn(fn("+", x0, y0), "x_0", "y_0"), lfn(fn("*", x0, i64(2)), "x_0"))},
		{"Reduce", F.Reduce(xs, F.Lit(0), add), fn("reduce", attr("xs"), i64(0), lfn(fn("+", x0, y0), "x_0", "y_0"))},
		{"ReduceFinish", F.ReduceFinish(xs, F.Lit(0), add, double),
			fn("reduce", attr("xs"), i64(0), lfn(fn("+", x0, y0), "x_0", "y_0"), lfn(fn("*", x0, i64(2)), "x_0"))},
		{"ZipWith", F.ZipWith(xs, F.Col("ys"), add), fn("zip_with", attr("xs"), attr("ys"), lfn(fn("+", x0, y0), "x_0", "y_0"))},
		{"TransformKeys", F.TransformKeys(m, func(k, v connect.Column) connect.Column { return F.Upper(k) }),
			fn("transform_keys", attr("m"), lfn(fn("upper", x0), "x_0", "y_0"))},
		{"TransformValues", F.TransformValues(m, add), fn("transform_values", attr("m"), lfn(fn("+", x0, y0), "x_0", "y_0"))},
		{"MapFilter", F.MapFilter(m, func(k, v connect.Column) connect.Column { return v.Gt(0) }),
			fn("map_filter", attr("m"), lfn(fn(">", y0, i64(0)), "x_0", "y_0"))},
		{"MapZipWith", F.MapZipWith(m, m2, func(k, a, b connect.Column) connect.Column { return F.Coalesce(a, b) }),
			fn("map_zip_with", attr("m"), attr("m2"), lfn(fn("coalesce", y0, z0), "x_0", "y_0", "z_0"))},
		{"ArraySortWith", F.ArraySortWith(xs, func(l, r connect.Column) connect.Column { return r.Minus(l) }),
			fn("array_sort", attr("xs"), lfn(fn("-", y0, x0), "x_0", "y_0"))},
		{"nested", F.Transform(xs, func(a connect.Column) connect.Column { return F.Filter(a, positive) }),
			fn("transform", attr("xs"), lfn(fn("filter", lvar("x_1"), lfn(fn(">", x0, i64(0)), "x_0")), "x_1"))},
	})
}

func TestHigherOrderNilFunc(t *testing.T) {
	xs := F.Col("xs")
	for name, c := range map[string]connect.Column{
		"Transform":     F.Transform(xs, nil),
		"Aggregate":     F.Aggregate(xs, F.Lit(0), nil),
		"AggregateNil2": F.AggregateFinish(xs, F.Lit(0), func(a, b connect.Column) connect.Column { return a }, nil),
		"MapZipWith":    F.MapZipWith(xs, xs, nil),
		"ArraySortWith": F.ArraySortWith(xs, nil),
	} {
		if err := c.Err(); err == nil || !strings.Contains(err.Error(), "nil") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
