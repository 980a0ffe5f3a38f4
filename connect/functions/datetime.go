package functions

import "github.com/sparkwire/sparkwire/connect"

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

// UnixTimestamp converts a timestamp to epoch seconds.
func UnixTimestamp(c connect.Column) connect.Column { return Call("unix_timestamp", c) }

// UnixMillis returns the number of milliseconds since 1970-01-01T00:00:00Z of a timestamp
// column (bigint), truncating finer precision.
func UnixMillis(c connect.Column) connect.Column { return Call("unix_millis", c) }
