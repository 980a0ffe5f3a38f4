// Package functions holds Spark's built-in functions as typed Go constructors of
// connect.Column values: aggregates, windows for streaming, JSON, strings, dates.
//
// Spark resolves functions by name on the server, so [Call] reaches every builtin that has
// no wrapper here: Call("sha2", connect.Col("card"), connect.Lit(int32(256))).
package functions

import (
	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/types"
)

// Call calls any Spark function by name.
func Call(name string, args ...connect.Column) connect.Column {
	return connect.CallFunction(name, args...)
}

// Col refers to a column by name (the same as connect.Col).
func Col(name string) connect.Column { return connect.Col(name) }

// Lit is a literal Go value (the same as connect.Lit).
func Lit(v any) connect.Column { return connect.Lit(v) }

// Expr parses a SQL expression (the same as connect.Expr).
func Expr(sql string) connect.Column { return connect.Expr(sql) }

// Window assigns each row to tumbling windows of the given duration ("1 minute") over the
// timestamp column; the result is a struct<start,end> column to group by.
func Window(timeCol connect.Column, duration string) connect.Column {
	return Call("window", timeCol, connect.Lit(duration))
}

// SlidingWindow assigns each row to the overlapping windows of the given duration that
// start every slide ("5 minutes", "1 minute").
func SlidingWindow(timeCol connect.Column, duration, slide string) connect.Column {
	return Call("window", timeCol, connect.Lit(duration), connect.Lit(slide))
}

// WindowWithOffset is a sliding window whose starts are shifted by startTime
// ("1 hour", "1 hour", "15 minutes" gives hourly windows starting at :15).
func WindowWithOffset(timeCol connect.Column, duration, slide, startTime string) connect.Column {
	return Call("window", timeCol, connect.Lit(duration), connect.Lit(slide), connect.Lit(startTime))
}

// SessionWindow groups rows into sessions that close after gap ("30 seconds") without
// events; gap may also be a column for dynamic gaps (use SessionWindowDynamic).
func SessionWindow(timeCol connect.Column, gap string) connect.Column {
	return Call("session_window", timeCol, connect.Lit(gap))
}

// SessionWindowDynamic is a session window whose gap is computed per row.
func SessionWindowDynamic(timeCol, gap connect.Column) connect.Column {
	return Call("session_window", timeCol, gap)
}

// WindowTime returns the event time of a window column: its end minus one microsecond.
func WindowTime(window connect.Column) connect.Column { return Call("window_time", window) }

// FromJSON parses a JSON string column with a schema given as DDL ("page STRING, ts TIMESTAMP").
// Options are from_json's options as key, value pairs (e.g. "mode", "PERMISSIVE").
func FromJSON(c connect.Column, schemaDDL string, options ...string) connect.Column {
	args := []connect.Column{c, connect.Lit(schemaDDL)}
	if len(options) > 0 {
		args = append(args, optionsMap(options))
	}
	return Call("from_json", args...)
}

// FromJSONSchema parses a JSON string column with a schema built in Go.
func FromJSONSchema(c connect.Column, schema *types.StructType, options ...string) connect.Column {
	return FromJSON(c, schema.FieldDDL(), options...)
}

// ToJSON renders a struct, array or map column as a JSON string.
func ToJSON(c connect.Column) connect.Column { return Call("to_json", c) }

func optionsMap(kv []string) connect.Column {
	args := make([]connect.Column, 0, len(kv))
	for _, s := range kv {
		args = append(args, connect.Lit(s))
	}
	if len(args)%2 == 1 {
		args = append(args, connect.Lit(""))
	}
	return Call("map", args...)
}

// Struct builds a struct column from columns (named by their names or aliases).
func Struct(cols ...connect.Column) connect.Column { return Call("struct", cols...) }

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

// CurrentTimestamp is the time the query (or micro-batch) started.
func CurrentTimestamp() connect.Column { return Call("current_timestamp") }

// ToTimestamp parses a string column as a timestamp, with an optional Spark datetime
// pattern ("yyyy-MM-dd HH:mm:ss").
func ToTimestamp(c connect.Column, format ...string) connect.Column {
	if len(format) > 0 {
		return Call("to_timestamp", c, connect.Lit(format[0]))
	}
	return Call("to_timestamp", c)
}

// TimestampMillis converts epoch milliseconds to a timestamp.
func TimestampMillis(c connect.Column) connect.Column { return Call("timestamp_millis", c) }

// DateFormat renders a timestamp with a Spark datetime pattern.
func DateFormat(c connect.Column, format string) connect.Column {
	return Call("date_format", c, connect.Lit(format))
}

// Coalesce is the first non-null of the columns.
func Coalesce(cols ...connect.Column) connect.Column { return Call("coalesce", cols...) }

// Concat concatenates strings (or arrays).
func Concat(cols ...connect.Column) connect.Column { return Call("concat", cols...) }

// Split splits a string around matches of a regular expression.
func Split(c connect.Column, pattern string) connect.Column {
	return Call("split", c, connect.Lit(pattern))
}

// Lower lower-cases a string.
func Lower(c connect.Column) connect.Column { return Call("lower", c) }

// Upper upper-cases a string.
func Upper(c connect.Column) connect.Column { return Call("upper", c) }

// RegexpExtract extracts group idx of the first match of a regular expression.
func RegexpExtract(c connect.Column, pattern string, idx int32) connect.Column {
	return Call("regexp_extract", c, connect.Lit(pattern), connect.Lit(idx))
}

// Abs is the absolute value.
func Abs(c connect.Column) connect.Column { return Call("abs", c) }

// Round rounds to scale decimal places (HALF_UP).
func Round(c connect.Column, scale int32) connect.Column {
	return Call("round", c, connect.Lit(scale))
}

// Length is the length of a string in characters.
func Length(c connect.Column) connect.Column { return Call("length", c) }

// Explode returns one row per element of an array (or entry of a map).
func Explode(c connect.Column) connect.Column { return Call("explode", c) }

// Size is the number of elements of an array or map.
func Size(c connect.Column) connect.Column { return Call("size", c) }

// UnixTimestamp converts a timestamp to epoch seconds.
func UnixTimestamp(c connect.Column) connect.Column { return Call("unix_timestamp", c) }
