package functions

import "github.com/sparkwire/sparkwire/connect"

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

// Length is the length of a string in characters.
func Length(c connect.Column) connect.Column { return Call("length", c) }
