package functions

import (
	"fmt"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/types"
)

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

// optionsMap turns key, value pairs into a map column; an odd count is an error, since a
// key without its value is a mistake that padding would hide.
func optionsMap(kv []string) connect.Column {
	if len(kv)%2 == 1 {
		return connect.InvalidColumn(fmt.Errorf("options: %d arguments; options come as key, value pairs", len(kv)))
	}
	args := make([]connect.Column, 0, len(kv))
	for _, s := range kv {
		args = append(args, connect.Lit(s))
	}
	return Call("map", args...)
}
