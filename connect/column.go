package connect

import (
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// Column is an expression over the columns of a DataFrame: a column reference, a literal,
// a SQL expression or a function call. Columns are immutable values; building one never
// fails, an invalid expression surfaces as an error at the action that runs it.
type Column struct {
	expr *sparkpb.Expression
	err  error
}

// Col refers to a column by name; dots address nested fields ("user.id") and backticks
// quote names that contain dots.
func Col(name string) Column {
	return Column{expr: &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedAttribute_{
		UnresolvedAttribute: &sparkpb.Expression_UnresolvedAttribute{UnparsedIdentifier: name},
	}}}
}

// Expr parses a SQL expression on the server, e.g. Expr("amount * 100 > 5").
func Expr(sql string) Column {
	return Column{expr: &sparkpb.Expression{ExprType: &sparkpb.Expression_ExpressionString_{
		ExpressionString: &sparkpb.Expression_ExpressionString{Expression: sql},
	}}}
}

// Lit is a literal Go value. Go types map to Spark types as follows:
//
//	nil                     NULL
//	bool                    boolean
//	int8, int16, int32      tinyint, smallint, int
//	int, int64              bigint
//	float32, float64        float, double
//	string                  string
//	[]byte                  binary
//	time.Time               timestamp (the instant)
//	types.Decimal           decimal
//	Date                    date
//	TimestampNTZ            timestamp_ntz
//
// Any other type makes the column invalid; the error surfaces at the action.
func Lit(v any) Column {
	l, err := literal(v)
	if err != nil {
		return Column{err: err}
	}
	return Column{expr: &sparkpb.Expression{ExprType: &sparkpb.Expression_Literal_{Literal: l}}}
}

// Alias names the column: SELECT expr AS name.
func (c Column) Alias(name string) Column {
	if c.err != nil {
		return c
	}
	return Column{expr: &sparkpb.Expression{ExprType: &sparkpb.Expression_Alias_{
		Alias: &sparkpb.Expression_Alias{Expr: c.expr, Name: []string{name}},
	}}}
}

func exprs(cols []Column) ([]*sparkpb.Expression, error) {
	out := make([]*sparkpb.Expression, len(cols))
	for i, c := range cols {
		if c.err != nil {
			return nil, c.err
		}
		out[i] = c.expr
	}
	return out, nil
}
