package functions

import "github.com/sparkwire/sparkwire/connect"

// Count counts non-null values of c; Count(Lit(1)) counts rows.
func Count(c connect.Column) connect.Column { return Call("count", c) }

// CountDistinct counts distinct non-null combinations of the columns.
func CountDistinct(cols ...connect.Column) connect.Column {
	return connect.CallDistinctFunction("count", cols...)
}

// ApproxCountDistinct estimates the number of distinct values (HyperLogLog++), the
// distinct count that streaming aggregations support.
func ApproxCountDistinct(c connect.Column) connect.Column { return Call("approx_count_distinct", c) }

// Sum sums c.
func Sum(c connect.Column) connect.Column { return Call("sum", c) }

// Avg averages c.
func Avg(c connect.Column) connect.Column { return Call("avg", c) }

// Min is the minimum of c.
func Min(c connect.Column) connect.Column { return Call("min", c) }

// Max is the maximum of c.
func Max(c connect.Column) connect.Column { return Call("max", c) }

// First is the first value of c in the group (non-deterministic without an order).
func First(c connect.Column) connect.Column { return Call("first", c) }

// Last is the last value of c in the group (non-deterministic without an order).
func Last(c connect.Column) connect.Column { return Call("last", c) }

// CollectList gathers the values of c in the group into an array.
func CollectList(c connect.Column) connect.Column { return Call("collect_list", c) }

// CollectSet gathers the distinct values of c in the group into an array.
func CollectSet(c connect.Column) connect.Column { return Call("collect_set", c) }

// PercentileApprox estimates the percentile (0..1) of c.
func PercentileApprox(c connect.Column, percentile float64) connect.Column {
	return Call("percentile_approx", c, connect.Lit(percentile))
}
