package events

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// Type is the type of a schema field.
type Type uint8

// The field types a domain may use. Each maps to one JSON, Avro and Spark SQL type.
const (
	// TypeString is a UTF-8 string: a JSON string, Avro string, Spark STRING.
	TypeString Type = iota + 1
	// TypeLong is a signed 64-bit integer: a JSON number, Avro long, Spark BIGINT.
	TypeLong
	// TypeDouble is a 64-bit float: a JSON number, Avro double, Spark DOUBLE.
	TypeDouble
	// TypeBool is a boolean: JSON true/false, Avro boolean, Spark BOOLEAN.
	TypeBool
	// TypeTimestamp is an instant with millisecond precision: in JSON an RFC 3339 string in
	// UTC with three fractional digits (2025-01-01T00:00:00.000Z), in Avro a long with
	// logical type timestamp-millis, in Spark TIMESTAMP.
	TypeTimestamp
)

// String returns the type's name: string, long, double, boolean or timestamp.
func (t Type) String() string {
	switch t {
	case TypeString:
		return "string"
	case TypeLong:
		return "long"
	case TypeDouble:
		return "double"
	case TypeBool:
		return "boolean"
	case TypeTimestamp:
		return "timestamp"
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// SparkType returns the Spark SQL DDL type name: STRING, BIGINT, DOUBLE, BOOLEAN or
// TIMESTAMP ("?" for an unknown type).
func (t Type) SparkType() string {
	switch t {
	case TypeString:
		return "STRING"
	case TypeLong:
		return "BIGINT"
	case TypeDouble:
		return "DOUBLE"
	case TypeBool:
		return "BOOLEAN"
	case TypeTimestamp:
		return "TIMESTAMP"
	}
	return "?"
}

// Field describes one field of a domain's events.
type Field struct {
	// Name is the field's name in JSON objects and Avro records: lower snake case.
	Name string
	// Type is the field's type.
	Type Type
	// Unit is the unit of a numeric field (for example "ms", "°C", "EUR"), empty if none.
	Unit string
	// Doc is a one-line description, copied into the Avro schema.
	Doc string
}

// Schema describes a domain's events: their fields in order, which field is the Kafka
// record key, and which is the event time. Every field is required (never null).
type Schema struct {
	// Name is the domain's name, for example "clickstream"; it is also the Avro record
	// name (with the first letter upper-cased).
	Name string
	// Doc describes the domain in a sentence or two.
	Doc string
	// Key names the field whose value is the Kafka record key. It must be a string or
	// long field; a long key is written as decimal text.
	Key string
	// EventTime names the timestamp field that holds the event time.
	EventTime string
	// Fields lists the fields in encoding order.
	Fields []Field
}

// Clone returns s with its own copy of the fields, so that changing one does not change
// the other.
func (s Schema) Clone() Schema {
	s.Fields = slices.Clone(s.Fields)
	return s
}

// SparkDDL returns the schema as a Spark SQL DDL string, for from_json and friends:
// "event_id STRING, event_time TIMESTAMP, ...".
func (s Schema) SparkDDL() string {
	var b strings.Builder
	for i, f := range s.Fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Name)
		b.WriteByte(' ')
		b.WriteString(f.Type.SparkType())
	}
	return b.String()
}

// AvroSchema returns the Avro schema of the domain's records as JSON, for Spark's
// from_avro or a schema registry. Records are in the namespace sparkwire.producers.
func (s Schema) AvroSchema() string {
	type avroField struct {
		Name string `json:"name"`
		Type any    `json:"type"`
		Doc  string `json:"doc,omitempty"`
	}
	type avroRecord struct {
		Type      string      `json:"type"`
		Name      string      `json:"name"`
		Namespace string      `json:"namespace"`
		Doc       string      `json:"doc,omitempty"`
		Fields    []avroField `json:"fields"`
	}
	rec := avroRecord{Type: "record", Name: avroName(s.Name), Namespace: "sparkwire.producers", Doc: s.Doc}
	for _, f := range s.Fields {
		af := avroField{Name: f.Name, Doc: f.Doc}
		if f.Unit != "" {
			af.Doc = strings.TrimSpace(af.Doc + " Unit: " + f.Unit + ".")
		}
		switch f.Type {
		case TypeTimestamp:
			af.Type = map[string]string{"type": "long", "logicalType": "timestamp-millis"}
		default:
			af.Type = f.Type.String()
		}
		rec.Fields = append(rec.Fields, af)
	}
	b, err := json.Marshal(rec)
	if err != nil { // cannot happen: only strings and maps of strings
		panic(err)
	}
	return string(b)
}

// avroName turns a domain name into an Avro record name: "iot-sensors" becomes "IotSensors".
func avroName(domain string) string {
	var b strings.Builder
	upper := true
	for _, r := range domain {
		switch {
		case r >= 'a' && r <= 'z':
			if upper {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			upper = false
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9' && b.Len() > 0:
			b.WriteRune(r)
			upper = false
		default:
			upper = true
		}
	}
	if b.Len() == 0 {
		return "Event"
	}
	return b.String()
}
