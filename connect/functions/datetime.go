package functions

import "github.com/sparkwire/sparkwire/connect"

// ToTimestamp parses a string column as a timestamp, with an optional Spark datetime
// pattern ("yyyy-MM-dd HH:mm:ss"). At most one pattern is used; further arguments are
// ignored.
func ToTimestamp(c connect.Column, format ...string) connect.Column {
	if len(format) > 0 {
		return Call("to_timestamp", c, connect.Lit(format[0]))
	}
	return Call("to_timestamp", c)
}
