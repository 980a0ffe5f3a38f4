package functions

import "github.com/sparkwire/sparkwire/connect"

// These wrappers mirror PySpark's sort functions, which are not Spark SQL functions but
// sort orders of a column (the same as the Column methods).

// Asc sorts by c ascending, nulls first.
func Asc(c connect.Column) connect.Column { return c.Asc() }

// AscNullsFirst sorts by c ascending, nulls first (the same as Asc).
func AscNullsFirst(c connect.Column) connect.Column { return c.Asc() }

// AscNullsLast sorts by c ascending, nulls last.
func AscNullsLast(c connect.Column) connect.Column { return c.AscNullsLast() }

// Desc sorts by c descending, nulls last.
func Desc(c connect.Column) connect.Column { return c.Desc() }

// DescNullsFirst sorts by c descending, nulls first.
func DescNullsFirst(c connect.Column) connect.Column { return c.DescNullsFirst() }

// DescNullsLast sorts by c descending, nulls last (the same as Desc).
func DescNullsLast(c connect.Column) connect.Column { return c.Desc() }

// When starts a CASE WHEN expression (the same as connect.When): When(cond,
// value).When(cond2, value2).Otherwise(value3). A value is a Column or a Go value.
func When(cond connect.Column, value any) connect.Column { return connect.When(cond, value) }
