package functions

import "github.com/sparkwire/sparkwire/connect"

// FromAvro decodes a binary column holding Avro records in the binary encoding (no
// container file, no schema-registry prefix) into a struct column, given the writer's
// schema as Avro JSON (producers.Schema.AvroSchema gives it for sparkwire's domains).
// Options are from_avro's options as key, value pairs, for example "mode", "PERMISSIVE"
// (a record that does not decode becomes null; the default, FAILFAST, fails the query).
//
// from_avro lives in Spark's spark-avro module, which must be on the server's classpath;
// the sparkwire Spark image includes it.
func FromAvro(c connect.Column, jsonSchema string, options ...string) connect.Column {
	args := []connect.Column{c, connect.Lit(jsonSchema)}
	if len(options) > 0 {
		args = append(args, optionsMap(options))
	}
	return Call("from_avro", args...)
}

// ToAvro encodes a column as Avro binary (no header), with the given Avro JSON schema, or
// with a schema derived from the column's type when none is given. At most one schema
// is used; further arguments are ignored.
func ToAvro(c connect.Column, jsonSchema ...string) connect.Column {
	if len(jsonSchema) > 0 {
		return Call("to_avro", c, connect.Lit(jsonSchema[0]))
	}
	return Call("to_avro", c)
}
