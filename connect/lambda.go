package connect

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// Lambda builds a one-argument Spark lambda from a Go func of Columns, for higher-order
// functions: CallFunction("transform", Col("xs"), Lambda(func(x Column) Column {
// return x.Multiply(2) })) is SQL's transform(xs, x -> x * 2). f is called while the
// Column is built (possibly more than once) and must only build Columns.
func Lambda(f func(x Column) Column) Column {
	if f == nil {
		return Column{err: errNilLambda}
	}
	return lambda(1, func(v []Column) Column { return f(v[0]) })
}

// Lambda2 builds a two-argument Spark lambda, e.g. for aggregate (acc, x), zip_with
// (x, y), map_filter and transform_values (k, v), or an array_sort comparator.
func Lambda2(f func(x, y Column) Column) Column {
	if f == nil {
		return Column{err: errNilLambda}
	}
	return lambda(2, func(v []Column) Column { return f(v[0], v[1]) })
}

// Lambda3 builds a three-argument Spark lambda, e.g. for map_zip_with (k, v1, v2).
func Lambda3(f func(x, y, z Column) Column) Column {
	if f == nil {
		return Column{err: errNilLambda}
	}
	return lambda(3, func(v []Column) Column { return f(v[0], v[1], v[2]) })
}

var errNilLambda = errors.New("lambda: the func is nil")

// lambda names its variables x_n, y_n, z_n, with n one more than the largest level of the
// lambdas nested in its body, so that an inner lambda never shadows the variables of an
// outer one it refers to; siblings may share names. Deriving names from the body, instead
// of from a global counter, keeps plans deterministic and needs no shared state.
func lambda(arity int, f func([]Column) Column) Column {
	build := func(level int) (Column, []*sparkpb.Expression_UnresolvedNamedLambdaVariable) {
		vars := make([]Column, arity)
		args := make([]*sparkpb.Expression_UnresolvedNamedLambdaVariable, arity)
		for i := range vars {
			args[i] = &sparkpb.Expression_UnresolvedNamedLambdaVariable{NameParts: []string{fmt.Sprintf("%c_%d", "xyz"[i], level)}}
			vars[i] = Column{expr: &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedNamedLambdaVariable_{UnresolvedNamedLambdaVariable: args[i]}}}
		}
		return f(vars), args
	}
	body, args := build(0)
	if err := body.Err(); err != nil {
		return Column{err: fmt.Errorf("lambda body: %w", err)}
	}
	if level := nestedLevel(body.expr.ProtoReflect()); level > 0 {
		if body, args = build(level); body.Err() != nil {
			return Column{err: fmt.Errorf("lambda body: %w", body.Err())}
		}
	}
	return Column{expr: &sparkpb.Expression{ExprType: &sparkpb.Expression_LambdaFunction_{LambdaFunction: &sparkpb.Expression_LambdaFunction{
		Function: body.expr, Arguments: args,
	}}}}
}

// nestedLevel returns one more than the largest level of the lambdas in m, or 0.
func nestedLevel(m protoreflect.Message) int {
	level := 0
	if fn, ok := m.Interface().(*sparkpb.Expression_LambdaFunction); ok {
		for _, a := range fn.GetArguments() {
			parts := a.GetNameParts()
			if len(parts) != 1 {
				continue
			}
			if _, n, ok := strings.Cut(parts[0], "_"); ok {
				if i, err := strconv.Atoi(n); err == nil {
					level = max(level, i+1)
				}
			}
		}
	}
	eachChild(m, func(c protoreflect.Message) bool {
		level = max(level, nestedLevel(c))
		return true
	})
	return level
}
