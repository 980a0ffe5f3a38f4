package connect

import (
	"errors"
	"fmt"
	"strings"

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
// quote names that contain dots. "*" selects all columns and "s.*" all fields of struct s.
func Col(name string) Column {
	if name == "*" || strings.HasSuffix(name, ".*") {
		star := &sparkpb.Expression_UnresolvedStar{}
		if name != "*" {
			star.UnparsedTarget = &name
		}
		return Column{expr: &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedStar_{UnresolvedStar: star}}}
	}
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
//	time.Duration           interval day to second (microseconds)
//	types.YearMonthInterval interval year to month
//	types.CalendarInterval  interval
//	types.Time              time(6)
//	slices, arrays          array (typed from the Go element type; see TypedLit)
//	maps                    map (sent in key order)
//	structs                 struct (fields named by a `spark:"name"` tag or the Go name)
//	pointers                the value pointed to, or a typed NULL when nil
//
// Any other type makes the column invalid; the error surfaces at the action. For arrays,
// maps and structs, see [TypedLit].
func Lit(v any) Column {
	l, err := literal(v)
	if err != nil {
		return Column{err: err}
	}
	return Column{expr: &sparkpb.Expression{ExprType: &sparkpb.Expression_Literal_{Literal: l}}}
}

// TypedLit is a literal of a Go value, as Lit, that also takes collections and structs
// (as Scala's typedLit does):
//
//	[]T, [n]T     array<T>
//	map[K]V       map<K,V> (entries sent in key order)
//	struct        struct<...> of its exported fields, each named by its `spark:"name"`
//	              tag or else its Go name; `spark:"-"` leaves a field out
//	*T            T, or a NULL of type T when nil
//
// The Spark type comes from the Go type, so an empty []string is an empty array<string>;
// elements of an interface type ([]any) take the type of their values, which must all be
// the same (nil elements become NULLs). Decimals and the other types of package types are
// not supported inside collections and structs. TypedLit(v) equals Lit(v) for every v
// that Lit takes.
func TypedLit(v any) Column {
	l, err := literal(v)
	if err != nil {
		if l, err = collectionLiteral(v); err != nil {
			return Column{err: err}
		}
	}
	return Column{expr: &sparkpb.Expression{ExprType: &sparkpb.Expression_Literal_{Literal: l}}}
}

// Alias names the column: SELECT expr AS name.
func (c Column) Alias(name string) Column {
	if err := c.Err(); err != nil {
		return Column{err: err}
	}
	return Column{expr: &sparkpb.Expression{ExprType: &sparkpb.Expression_Alias_{
		Alias: &sparkpb.Expression_Alias{Expr: c.expr, Name: []string{name}},
	}}}
}

func exprs(cols []Column) ([]*sparkpb.Expression, error) {
	out := make([]*sparkpb.Expression, len(cols))
	for i, c := range cols {
		if err := c.Err(); err != nil {
			return nil, err
		}
		out[i] = c.expr
	}
	return out, nil
}

// CallFunction calls a Spark function by name, e.g. CallFunction("upper", Col("page")).
// Spark resolves the name on the server, so every builtin (and every registered function)
// is reachable; package functions wraps the common ones with typed signatures.
func CallFunction(name string, args ...Column) Column {
	return callFn(name, false, args)
}

// CallDistinctFunction calls an aggregate function over distinct values, as
// count(DISTINCT x).
func CallDistinctFunction(name string, args ...Column) Column {
	return callFn(name, true, args)
}

func callFn(name string, distinct bool, args []Column) Column {
	ex, err := exprs(args)
	if err != nil {
		return Column{err: err}
	}
	return Column{expr: &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedFunction_{
		UnresolvedFunction: &sparkpb.Expression_UnresolvedFunction{FunctionName: name, Arguments: ex, IsDistinct: distinct},
	}}}
}

// InvalidColumn returns a column that carries err: every DataFrame built from it carries
// the error, and the action that would run it returns the error. Function wrappers use it
// for arguments they reject.
func InvalidColumn(err error) Column {
	if err == nil {
		err = errors.New("invalid column")
	}
	return Column{err: err}
}

// Err returns the error recorded while building the column (for example a Go value with no
// Spark literal), or nil. The zero Column is no expression: its Err is not nil.
func (c Column) Err() error {
	if c.err == nil && c.expr == nil {
		return errZeroColumn
	}
	return c.err
}

var errZeroColumn = errors.New("the zero Column is no expression; build columns with Col, Lit, Expr or a function")

func (c Column) op(name string, other any) Column {
	o, ok := other.(Column)
	if !ok {
		o = Lit(other)
	}
	return CallFunction(name, c, o)
}

// Plus returns c + other; other is a Column or a Go value.
func (c Column) Plus(other any) Column { return c.op("+", other) }

// Minus returns c - other.
func (c Column) Minus(other any) Column { return c.op("-", other) }

// Multiply returns c * other.
func (c Column) Multiply(other any) Column { return c.op("*", other) }

// Divide returns c / other.
func (c Column) Divide(other any) Column { return c.op("/", other) }

// Mod returns c % other.
func (c Column) Mod(other any) Column { return c.op("%", other) }

// Negate returns -c.
func (c Column) Negate() Column { return CallFunction("negative", c) }

// Eq returns c = other.
func (c Column) Eq(other any) Column { return c.op("==", other) }

// NotEq returns c != other, sent as not(c == other) as Spark has no function named "!=" (SQL's
// != and <> parse to the same negated equality).
func (c Column) NotEq(other any) Column { return c.Eq(other).Not() }

// Gt returns c > other.
func (c Column) Gt(other any) Column { return c.op(">", other) }

// Ge returns c >= other.
func (c Column) Ge(other any) Column { return c.op(">=", other) }

// Lt returns c < other.
func (c Column) Lt(other any) Column { return c.op("<", other) }

// Le returns c <= other.
func (c Column) Le(other any) Column { return c.op("<=", other) }

// EqNullSafe returns c <=> other: true when both are NULL.
func (c Column) EqNullSafe(other any) Column { return c.op("<=>", other) }

// And returns c AND other.
func (c Column) And(other Column) Column { return CallFunction("and", c, other) }

// Or returns c OR other.
func (c Column) Or(other Column) Column { return CallFunction("or", c, other) }

// Not returns NOT c.
func (c Column) Not() Column { return CallFunction("not", c) }

// IsNull is true where c is NULL.
func (c Column) IsNull() Column { return CallFunction("isNull", c) }

// IsNotNull is true where c is not NULL.
func (c Column) IsNotNull() Column { return CallFunction("isNotNull", c) }

// IsIn is true where c equals one of the values (Columns or Go values). With a single
// *DataFrame of one column, it is SQL's c IN (subquery); see DataFrame.Scalar for how a
// subquery refers to the outer query.
func (c Column) IsIn(values ...any) Column {
	if len(values) == 1 {
		if df, ok := values[0].(*DataFrame); ok {
			return df.inSubquery(c)
		}
	}
	args := []Column{c}
	for _, v := range values {
		o, ok := v.(Column)
		if !ok {
			o = Lit(v)
		}
		args = append(args, o)
	}
	return CallFunction("in", args...)
}

// Like matches a SQL LIKE pattern.
func (c Column) Like(pattern string) Column { return CallFunction("like", c, Lit(pattern)) }

// Cast converts c to a type given in DDL ("bigint", "decimal(10,2)", "array<string>"),
// or as a types.DataType's DDL().
func (c Column) Cast(ddl string) Column {
	if err := c.Err(); err != nil {
		return Column{err: err}
	}
	return Column{expr: &sparkpb.Expression{ExprType: &sparkpb.Expression_Cast_{Cast: &sparkpb.Expression_Cast{
		Expr: c.expr, CastToType: &sparkpb.Expression_Cast_TypeStr{TypeStr: ddl},
	}}}}
}

// GetField extracts a field of a struct column.
func (c Column) GetField(name string) Column { return c.extract(Lit(name)) }

// GetItem extracts an element of an array (by index from 0) or a map (by key).
func (c Column) GetItem(key any) Column {
	k, ok := key.(Column)
	if !ok {
		k = Lit(key)
	}
	return c.extract(k)
}

func (c Column) extract(key Column) Column {
	if err := c.Err(); err != nil {
		return Column{err: err}
	}
	if err := key.Err(); err != nil {
		return Column{err: err}
	}
	return Column{expr: &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedExtractValue_{
		UnresolvedExtractValue: &sparkpb.Expression_UnresolvedExtractValue{Child: c.expr, Extraction: key.expr},
	}}}
}

// When starts a CASE WHEN expression: When(cond, value).When(...).Otherwise(value).
func When(cond Column, value any) Column {
	v, ok := value.(Column)
	if !ok {
		v = Lit(value)
	}
	return CallFunction("when", cond, v)
}

// When adds a branch to a CASE WHEN expression started with the package-level When.
func (c Column) When(cond Column, value any) Column { return c.appendCase(cond, value) }

// Otherwise sets the ELSE value of a CASE WHEN expression.
func (c Column) Otherwise(value any) Column { return c.appendCase(value) }

func (c Column) appendCase(parts ...any) Column {
	if err := c.Err(); err != nil {
		return Column{err: err}
	}
	fn := c.expr.GetUnresolvedFunction()
	if fn == nil || fn.GetFunctionName() != "when" {
		return Column{err: errWhen}
	}
	args := append([]*sparkpb.Expression(nil), fn.GetArguments()...)
	if len(args)%2 == 1 {
		return Column{err: errWhen} // Otherwise was already set
	}
	for _, p := range parts {
		pc, ok := p.(Column)
		if !ok {
			pc = Lit(p)
		}
		if err := pc.Err(); err != nil {
			return Column{err: err}
		}
		args = append(args, pc.expr)
	}
	return Column{expr: &sparkpb.Expression{ExprType: &sparkpb.Expression_UnresolvedFunction_{
		UnresolvedFunction: &sparkpb.Expression_UnresolvedFunction{FunctionName: "when", Arguments: args},
	}}}
}

var errWhen = errors.New("When/Otherwise: a branch can only follow connect.When(...), and nothing can follow Otherwise")

// Asc sorts ascending, nulls first (Spark's default).
func (c Column) Asc() Column {
	return c.sort(sparkpb.Expression_SortOrder_SORT_DIRECTION_ASCENDING, sparkpb.Expression_SortOrder_SORT_NULLS_FIRST)
}

// Desc sorts descending, nulls last (Spark's default).
func (c Column) Desc() Column {
	return c.sort(sparkpb.Expression_SortOrder_SORT_DIRECTION_DESCENDING, sparkpb.Expression_SortOrder_SORT_NULLS_LAST)
}

// AscNullsLast sorts ascending with nulls last.
func (c Column) AscNullsLast() Column {
	return c.sort(sparkpb.Expression_SortOrder_SORT_DIRECTION_ASCENDING, sparkpb.Expression_SortOrder_SORT_NULLS_LAST)
}

// DescNullsFirst sorts descending with nulls first.
func (c Column) DescNullsFirst() Column {
	return c.sort(sparkpb.Expression_SortOrder_SORT_DIRECTION_DESCENDING, sparkpb.Expression_SortOrder_SORT_NULLS_FIRST)
}

func (c Column) sort(dir sparkpb.Expression_SortOrder_SortDirection, nulls sparkpb.Expression_SortOrder_NullOrdering) Column {
	if err := c.Err(); err != nil {
		return Column{err: err}
	}
	if c.expr.GetSortOrder() != nil {
		c = Column{expr: c.expr.GetSortOrder().GetChild()}
	}
	return Column{expr: &sparkpb.Expression{ExprType: &sparkpb.Expression_SortOrder_{SortOrder: &sparkpb.Expression_SortOrder{
		Child: c.expr, Direction: dir, NullOrdering: nulls,
	}}}}
}

// operand turns a Go value into a literal Column; Columns pass through.
func operand(v any) Column {
	if c, ok := v.(Column); ok {
		return c
	}
	return Lit(v)
}

// Between is true where lower <= c <= upper (bounds included); the bounds are Columns or
// Go values.
func (c Column) Between(lower, upper any) Column { return c.Ge(lower).And(c.Le(upper)) }

// Contains is true where the string c contains other (a Column or a Go value).
func (c Column) Contains(other any) Column { return c.op("contains", other) }

// StartsWith is true where the string c starts with other.
func (c Column) StartsWith(other any) Column { return c.op("startsWith", other) }

// EndsWith is true where the string c ends with other.
func (c Column) EndsWith(other any) Column { return c.op("endsWith", other) }

// RLike matches a Java regular expression anywhere in c (SQL's RLIKE).
func (c Column) RLike(regexp string) Column { return CallFunction("rlike", c, Lit(regexp)) }

// ILike matches a SQL LIKE pattern, ignoring case.
func (c Column) ILike(pattern string) Column { return CallFunction("ilike", c, Lit(pattern)) }

// Substr returns length characters (bytes for binary) of c starting at position start,
// counted from 1. start and length are both ints or both Columns.
func (c Column) Substr(start, length any) Column {
	_, sc := start.(Column)
	_, lc := length.(Column)
	if sc != lc {
		return Column{err: errors.New("substr: start and length must both be Columns or both be ints")}
	}
	if !sc {
		if !isGoInt(start) || !isGoInt(length) {
			return Column{err: fmt.Errorf("substr: start and length must be ints or Columns, not %T and %T", start, length)}
		}
	}
	return CallFunction("substr", c, operand(start), operand(length))
}

func isGoInt(v any) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64:
		return true
	}
	return false
}

// IsNaN is true where c is a floating-point NaN.
func (c Column) IsNaN() Column { return CallFunction("isNaN", c) }

// TryCast converts c to a type given in DDL as Cast does, but gives NULL where the value
// does not convert, instead of failing the query (in ANSI mode).
func (c Column) TryCast(ddl string) Column {
	cast := c.Cast(ddl)
	if cast.err == nil {
		cast.expr.GetCast().EvalMode = sparkpb.Expression_Cast_EVAL_MODE_TRY
	}
	return cast
}

// WithField adds or replaces the field name of the struct column c; name may be a dotted
// path into nested structs ("a.b").
func (c Column) WithField(name string, value Column) Column {
	if err := c.Err(); err != nil {
		return Column{err: err}
	}
	if err := value.Err(); err != nil {
		return Column{err: err}
	}
	return Column{expr: &sparkpb.Expression{ExprType: &sparkpb.Expression_UpdateFields_{UpdateFields: &sparkpb.Expression_UpdateFields{
		StructExpression: c.expr, FieldName: name, ValueExpression: value.expr,
	}}}}
}

// DropFields removes fields of the struct column c by name (dotted paths reach nested
// fields). Dropping a field that does not exist does nothing; dropping every field is an
// error at the action.
func (c Column) DropFields(names ...string) Column {
	if err := c.Err(); err != nil {
		return Column{err: err}
	}
	e := c.expr
	for _, n := range names {
		e = &sparkpb.Expression{ExprType: &sparkpb.Expression_UpdateFields_{UpdateFields: &sparkpb.Expression_UpdateFields{
			StructExpression: e, FieldName: n,
		}}}
	}
	return Column{expr: e}
}

// BitwiseAND returns c & other.
func (c Column) BitwiseAND(other any) Column { return c.op("&", other) }

// BitwiseOR returns c | other.
func (c Column) BitwiseOR(other any) Column { return c.op("|", other) }

// BitwiseXOR returns c ^ other.
func (c Column) BitwiseXOR(other any) Column { return c.op("^", other) }

// Pow returns c raised to the power other, as a double.
func (c Column) Pow(other any) Column { return c.op("power", other) }

// Outer marks c as a reference to a column of the outer query, inside the right side of
// a LateralJoin or a subquery (DataFrame.Scalar, Exists, Column.IsIn with a DataFrame).
// Spark Connect resolves such references on the server, so the expression is sent as it
// is; Outer documents the intent, as PySpark's outer() does. In a subquery, name the outer
// column with Col: Spark 4.1 does not resolve DataFrame-qualified outer references there.
func (c Column) Outer() Column { return c }
