package functions

import "github.com/sparkwire/sparkwire/connect"

// UnixMillis returns the number of milliseconds since 1970-01-01T00:00:00Z of a timestamp
// column (bigint), truncating finer precision.
func UnixMillis(c connect.Column) connect.Column { return Call("unix_millis", c) }

// Greatest returns the greatest of the values of the columns, skipping nulls (null only if
// all are null).
func Greatest(cols ...connect.Column) connect.Column { return Call("greatest", cols...) }

// Least returns the least of the values of the columns, skipping nulls (null only if all
// are null).
func Least(cols ...connect.Column) connect.Column { return Call("least", cols...) }
