package jobs

import (
	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
	"github.com/sparkwire/sparkwire/events"
)

// parseEvents parses the records that Kafka's source (streaming or batch) read, by the
// input schema, into columns raw (the record's value as a string), reason (why the event
// is malformed, NULL for a well-formed one) and one column per field of the schema. The
// streaming jobs and the batch jobs share it, so both set aside the same events.
func parseEvents(records *connect.DataFrame, input events.Schema) *connect.DataFrame {
	ddl := input.SparkDDL() + ", " + corruptColumn + " STRING"
	raw := records.Select(connect.Col("value").Cast("string").Alias("raw"))
	parsed := raw.Select(connect.Col("raw"),
		F.FromJSON(connect.Col("raw"), ddl, "mode", "PERMISSIVE", "columnNameOfCorruptRecord", corruptColumn).Alias("e"))
	// A record is malformed when it does not parse or a field has the wrong type (Spark puts
	// it in the corrupt-record column), or when a field is missing (NULL).
	reason := connect.When(connect.Col("e").IsNull().Or(connect.Col("e."+corruptColumn).IsNotNull()),
		"unparsable JSON or a field of the wrong type")
	for _, f := range input.Fields {
		reason = reason.When(connect.Col("e."+f.Name).IsNull(), "missing field "+f.Name)
	}
	cols := []connect.Column{connect.Col("raw"), reason.Otherwise(nil).Alias("reason")}
	for _, f := range input.Fields {
		cols = append(cols, connect.Col("e."+f.Name).Alias(f.Name))
	}
	return parsed.Select(cols...)
}
