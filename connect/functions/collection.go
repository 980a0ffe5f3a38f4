package functions

import "github.com/sparkwire/sparkwire/connect"

// Struct builds a struct column from columns (named by their names or aliases).
func Struct(cols ...connect.Column) connect.Column { return Call("struct", cols...) }

// Coalesce is the first non-null of the columns.
func Coalesce(cols ...connect.Column) connect.Column { return Call("coalesce", cols...) }

// Abs is the absolute value.
func Abs(c connect.Column) connect.Column { return Call("abs", c) }

// Round rounds to scale decimal places (HALF_UP).
func Round(c connect.Column, scale int32) connect.Column {
	return Call("round", c, connect.Lit(scale))
}

// Explode returns one row per element of an array (or entry of a map).
func Explode(c connect.Column) connect.Column { return Call("explode", c) }

// Size is the number of elements of an array or map.
func Size(c connect.Column) connect.Column { return Call("size", c) }

// Greatest returns the greatest of the values of the columns, skipping nulls (null only if
// all are null).
func Greatest(cols ...connect.Column) connect.Column { return Call("greatest", cols...) }

// Least returns the least of the values of the columns, skipping nulls (null only if all
// are null).
func Least(cols ...connect.Column) connect.Column { return Call("least", cols...) }
