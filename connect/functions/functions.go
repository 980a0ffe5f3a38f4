// Package functions holds Spark's built-in functions as typed Go constructors of
// connect.Column values: aggregates, windows for streaming, JSON, strings, dates.
//
// Spark resolves functions by name on the server, so [Call] reaches every builtin that has
// no wrapper here: Call("sha2", connect.Col("card"), connect.Lit(int32(256))).
package functions

import (
	"github.com/sparkwire/sparkwire/connect"
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
