package connect

// API.md lists PySpark's DataFrame API names beside sparkwire's; internal/apinames
// generates it from a committed list of PySpark's names and a reviewed mapping, checking
// every Go name against this package's source.
//go:generate go run ./internal/apinames internal/apinames
