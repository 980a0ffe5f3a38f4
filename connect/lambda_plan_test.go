package connect

import (
	"errors"
	"strings"
	"testing"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func lambdaVar(name string) *sparkpb.Expression {
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedNamedLambdaVariable_{
		UnresolvedNamedLambdaVariable: &sparkpb.Expression_UnresolvedNamedLambdaVariable{NameParts: []string{name}}}}
}

func lambdaExpr(body *sparkpb.Expression, names ...string) *sparkpb.Expression {
	fn := &sparkpb.Expression_LambdaFunction{Function: body}
	for _, n := range names {
		fn.Arguments = append(fn.Arguments, lambdaVar(n).GetUnresolvedNamedLambdaVariable())
	}
	return &sparkpb.Expression{ExprType: &sparkpb.Expression_LambdaFunction_{LambdaFunction: fn}}
}

func TestLambdaPlans(t *testing.T) {
	srv, s := dialGolden(t)
	xs := attrExpr("xs")
	x0, y0, z0 := lambdaVar("x_0"), lambdaVar("y_0"), lambdaVar("z_0")
	cases := []struct {
		name string
		col  Column
		want *sparkpb.Expression
	}{
		{"transform", CallFunction("transform", Col("xs"), Lambda(func(x Column) Column { return x.Multiply(2) })),
			callExpr("transform", xs, lambdaExpr(callExpr("*", x0, litLong(2)), "x_0"))},
		{"aggregate", CallFunction("aggregate", Col("xs"), Lit(0), Lambda2(func(acc, x Column) Column { return acc.Plus(x) })),
			callExpr("aggregate", xs, litLong(0), lambdaExpr(callExpr("+", x0, y0), "x_0", "y_0"))},
		{"map_zip_with", CallFunction("map_zip_with", Col("a"), Col("b"), Lambda3(func(k, v1, v2 Column) Column { return v1.Plus(v2) })),
			callExpr("map_zip_with", attrExpr("a"), attrExpr("b"), lambdaExpr(callExpr("+", y0, z0), "x_0", "y_0", "z_0"))},
		{"constant body", Lambda(func(Column) Column { return Lit(1) }), lambdaExpr(litLong(1), "x_0")},
		{"nested", CallFunction("transform", Col("xs"), Lambda(func(a Column) Column {
			return CallFunction("transform", a, Lambda(func(x Column) Column { return x.Plus(CallFunction("size", a)) }))
		})), callExpr("transform", xs, lambdaExpr(callExpr("transform", lambdaVar("x_1"),
			lambdaExpr(callExpr("+", x0, callExpr("size", lambdaVar("x_1"))), "x_0")), "x_1"))},
		{"three levels and siblings", Lambda(func(a Column) Column {
			inner := Lambda(func(b Column) Column {
				return CallFunction("filter", b, Lambda(func(c Column) Column { return c.Gt(a) }))
			})
			sibling := Lambda(func(d Column) Column { return d })
			return CallFunction("f", inner, sibling)
		}), lambdaExpr(callExpr("f",
			lambdaExpr(callExpr("filter", lambdaVar("x_1"), lambdaExpr(callExpr(">", x0, lambdaVar("x_2")), "x_0")), "x_1"),
			lambdaExpr(x0, "x_0")), "x_2")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.col.Err(); err != nil {
				t.Fatalf("Err() = %v", err)
			}
			checkPlan(t, srv, s.Range(0, 10, 1).Select(tc.col), selected(tc.want))
		})
	}
}

func TestLambdaErrors(t *testing.T) {
	bad := errors.New("bad")
	calls := 0
	flaky := func(x Column) Column {
		calls++
		if calls > 1 {
			return InvalidColumn(bad)
		}
		return CallFunction("f", Lambda(func(y Column) Column { return y }))
	}
	cases := []struct {
		name string
		col  Column
		want string
	}{
		{"nil", Lambda(nil), "the func is nil"},
		{"nil 2", Lambda2(nil), "the func is nil"},
		{"nil 3", Lambda3(nil), "the func is nil"},
		{"invalid body", Lambda(func(Column) Column { return InvalidColumn(bad) }), "lambda body: bad"},
		{"zero body", Lambda2(func(Column, Column) Column { return Column{} }), "lambda body: the zero Column"},
		{"second build fails", Lambda(flaky), "lambda body: bad"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.col.Err(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Err() = %v, want %q", err, tc.want)
			}
		})
	}
	// Names that are not ours do not count as levels.
	odd := lambdaExpr(attrExpr("a"), "v", "w_x")
	odd.GetLambdaFunction().Arguments = append(odd.GetLambdaFunction().Arguments,
		&sparkpb.Expression_UnresolvedNamedLambdaVariable{NameParts: []string{"a", "b"}})
	if n := nestedLevel(odd.ProtoReflect()); n != 0 {
		t.Errorf("nestedLevel = %d", n)
	}
}
