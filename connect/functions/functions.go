// Package functions holds Spark's built-in functions as typed Go constructors of
// connect.Column values: aggregates, windows, math, strings, dates and times, arrays and
// maps, JSON, CSV and XML, hashes, sketches and partition transforms.
//
// Most wrappers are generated from spec/functions.spec (go generate); the spec lists
// each function's Spark name, its Go variants and their parameters, and Builtins returns
// it as data; FUNCTIONS.md, generated too, puts each PySpark name beside its Go wrappers
// and gives the reason for the names left out. Where PySpark takes an optional
// parameter, the Go wrapper comes in variants (Split and SplitN, First and
// FirstIgnoreNulls). A parameter of type any takes
// a Column or a Go value, which is sent as a literal (see connect.Lit; a Go int that fits
// in 32 bits is sent as an int, as PySpark does).
//
// Spark resolves functions by name on the server, so [Call] reaches every builtin,
// including those without a wrapper here: Call("sha2", connect.Col("card"),
// connect.Lit(int32(256))).
package functions

//go:generate go run ./internal/gen

import (
	"math"

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

// Builtin describes one Spark function in the spec of this package.
type Builtin struct {
	// SQLName is the name sent to Spark.
	SQLName string
	// PySparkName is the name in pyspark.sql.functions.
	PySparkName string
	// Group is the spec's group, which names the generated file.
	Group string
	// Generated are the generated Go wrappers of the function.
	Generated []string
	// Signatures are the arguments each of Generated sends, in the same order.
	Signatures []Signature
	// HandWritten are the Go wrappers written by hand.
	HandWritten []string
}

// Signature tells what a generated wrapper sends to Spark.
type Signature struct {
	// Args is the number of arguments always sent.
	Args int
	// Variadic is the kind of the arguments that follow, in any number: "column",
	// "string" or "any" (a Column or a Go value), or "options" (at most one map of
	// options); "" when none follow.
	Variadic string
	// Distinct is true when the aggregate runs over distinct values.
	Distinct bool
}

// valueColumn is v when it is a Column, else the literal v. As in PySpark, a Go int that
// fits in 32 bits becomes an int literal, since Spark's int parameters do not take a
// bigint under ANSI rules; a larger one stays a bigint.
func valueColumn(v any) connect.Column {
	switch v := v.(type) {
	case connect.Column:
		return v
	case int:
		if v >= math.MinInt32 && v <= math.MaxInt32 {
			return connect.Lit(int32(v))
		}
	}
	return connect.Lit(v)
}

// floatArray is an array column of the values.
func floatArray(values []float64) connect.Column {
	args := make([]connect.Column, len(values))
	for i, v := range values {
		args[i] = connect.Lit(v)
	}
	return connect.CallFunction("array", args...)
}
