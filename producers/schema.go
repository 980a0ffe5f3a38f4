package producers

import (
	"fmt"

	"github.com/sparkwire/sparkwire/events"
)

// Type is the type of a schema field: the shared [events.Type].
type Type = events.Type

// The field types a generator may use. Each maps to one JSON, Avro and Spark SQL type;
// see package events.
const (
	TypeString    = events.TypeString
	TypeLong      = events.TypeLong
	TypeDouble    = events.TypeDouble
	TypeBool      = events.TypeBool
	TypeTimestamp = events.TypeTimestamp
)

// Field describes one field of a domain's events: the shared [events.Field].
type Field = events.Field

// Schema describes a domain's events: their fields in order, which field is the Kafka
// record key, and which is the event time. Every field is required (never null).
//
// It has the fields of [events.Schema], where the built-in domains' schemas are defined
// (so that jobs read them without depending on the producer); convert between the two
// with events.Schema(s) and Schema(e).
type Schema events.Schema

// validate checks that the schema is usable and returns the indexes of its key and
// event-time fields.
func (s *Schema) validate() (key, eventTime int, err error) {
	if s.Name == "" {
		return 0, 0, fmt.Errorf("%w: schema has no name", ErrInvalidSchema)
	}
	key, eventTime = -1, -1
	seen := make(map[string]bool, len(s.Fields))
	for i, f := range s.Fields {
		if f.Name == "" || seen[f.Name] {
			return 0, 0, fmt.Errorf("%w: %s: field %d has an empty or repeated name %q", ErrInvalidSchema, s.Name, i, f.Name)
		}
		seen[f.Name] = true
		if f.Type < TypeString || f.Type > TypeTimestamp {
			return 0, 0, fmt.Errorf("%w: %s: field %s has unknown type %d", ErrInvalidSchema, s.Name, f.Name, f.Type)
		}
		if f.Name == s.Key {
			key = i
		}
		if f.Name == s.EventTime {
			eventTime = i
		}
	}
	if key < 0 || (s.Fields[key].Type != TypeString && s.Fields[key].Type != TypeLong) {
		return 0, 0, fmt.Errorf("%w: %s: key %q must name a string or long field", ErrInvalidSchema, s.Name, s.Key)
	}
	if eventTime < 0 || s.Fields[eventTime].Type != TypeTimestamp {
		return 0, 0, fmt.Errorf("%w: %s: event time %q must name a timestamp field", ErrInvalidSchema, s.Name, s.EventTime)
	}
	return key, eventTime, nil
}

// SparkDDL returns the schema as a Spark SQL DDL string, for from_json and friends:
// "event_id STRING, event_time TIMESTAMP, ...".
func (s Schema) SparkDDL() string { return events.Schema(s).SparkDDL() }

// AvroSchema returns the Avro schema of the domain's records as JSON, for Spark's
// from_avro or a schema registry. Records are in the namespace sparkwire.producers.
func (s Schema) AvroSchema() string { return events.Schema(s).AvroSchema() }
