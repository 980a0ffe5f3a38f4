package producers

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Encoding is how event values are written to Kafka.
type Encoding uint8

const (
	// EncodingJSON writes one JSON object per event, fields in schema order; see Type for
	// how each type is written. It is the default.
	EncodingJSON Encoding = iota
	// EncodingAvro writes the Avro binary encoding of one record per event, without any
	// header: no container file, no schema-registry prefix, the form Spark's from_avro
	// reads given the schema from [Schema.AvroSchema].
	EncodingAvro
)

// ParseEncoding parses "json" or "avro".
func ParseEncoding(s string) (Encoding, error) {
	switch strings.ToLower(s) {
	case "json":
		return EncodingJSON, nil
	case "avro":
		return EncodingAvro, nil
	}
	return 0, fmt.Errorf("%w: encoding %q (want json or avro)", ErrInvalidOption, s)
}

// String returns "json" or "avro".
func (e Encoding) String() string {
	switch e {
	case EncodingJSON:
		return "json"
	case EncodingAvro:
		return "avro"
	}
	return "Encoding(" + strconv.Itoa(int(e)) + ")"
}

// Malformation is how a malformed record is broken, or MalformedNone.
type Malformation uint8

// The kinds of malformed record a [Stream] makes (see [WithMalformed]). Downstream, a
// JSON record of any kind fails to parse against the schema in Spark's from_json (the
// whole record, or the broken field, becomes null). For Avro, truncated records always
// fail to decode; wrong types and missing fields shift the bytes that follow, so they
// usually, but not always, fail: they may decode into wrong values, as corrupt data does.
const (
	// MalformedNone marks a well-formed record.
	MalformedNone Malformation = iota
	// MalformedSyntax is a record cut short: JSON that is not valid JSON, Avro bytes that
	// end in the middle of the record.
	MalformedSyntax
	// MalformedWrongType is a record with one non-string field written with the wrong
	// type: in JSON a timestamp as false, a long as "seven", a double as "n/a", a boolean
	// as "yes"; in Avro the field is written as a string.
	MalformedWrongType
	// MalformedMissingField is a record with one field left out.
	MalformedMissingField
)

// String returns the name used in manifests: "", "syntax", "wrong_type" or
// "missing_field".
func (m Malformation) String() string {
	switch m {
	case MalformedNone:
		return ""
	case MalformedSyntax:
		return "syntax"
	case MalformedWrongType:
		return "wrong_type"
	case MalformedMissingField:
		return "missing_field"
	}
	return "Malformation(" + strconv.Itoa(int(m)) + ")"
}

// The generic encoder. A stream turns every generator's events into records here: the
// generator's Next gives the event's Values, and the encoder writes them as JSON or Avro
// binary, and writes malformed records (a field left out or of the wrong type). The
// clickstream has a faster path for its well-formed JSON records (clickstream_json.go)
// that must write what this encoder writes; TestJSONFastPath keeps the two equal. The
// text of single values (numbers, strings, timestamps) is in encode_text.go.

// encoder writes records of one schema. It holds what a stream computes once rather
// than per record: the JSON text before each field's value, and the text of the last
// timestamp's second.
type encoder struct {
	enc Encoding
	// lead[i] is the text between field i-1's value and field i's in a JSON record with
	// every field and the schema's types: the closing quote of a string or timestamp,
	// the comma, the name, the colon and the opening quote. lead[len(fields)] ends the
	// record. Values are written without their quotes, see appendJSONBody.
	lead []string
	// names[i] is field i's name as a JSON string followed by a colon.
	names []string
	ts    timestampCache
}

// quoted reports whether values of type t are written as JSON strings.
func quoted(t Type) bool { return t == TypeString || t == TypeTimestamp }

func newEncoder(e Encoding, fields []Field) *encoder {
	c := &encoder{enc: e, names: make([]string, len(fields)), lead: make([]string, len(fields)+1)}
	for i, f := range fields {
		c.names[i] = string(append(appendJSONString(nil, f.Name), ':'))
	}
	for i := range c.lead {
		var b []byte
		switch {
		case i == 0:
			b = append(b, '{')
		case quoted(fields[i-1].Type):
			b = append(b, '"', ',')
		default:
			b = append(b, ',')
		}
		if i == len(fields) {
			b[len(b)-1] = '}' // in place of the comma
		} else {
			b = append(b, c.names[i]...)
			if quoted(fields[i].Type) {
				b = append(b, '"')
			}
		}
		c.lead[i] = string(b)
	}
	return c
}

// appendRecord appends the encoding of vals to dst. Field skip (if not -1) is left
// out; field wrong (if not -1) is written with a wrong type.
func (c *encoder) appendRecord(dst []byte, vals []Value, skip, wrong int) []byte {
	if c.enc == EncodingAvro {
		for i := range vals {
			switch i {
			case skip:
			case wrong:
				dst = appendAvroWrong(dst, &vals[i])
			default:
				dst = appendAvro(dst, &vals[i])
			}
		}
		return dst
	}
	if skip < 0 && wrong < 0 && len(vals) == len(c.lead)-1 { // the common case
		for i := range vals {
			dst = append(dst, c.lead[i]...)
			dst = c.appendJSONBody(dst, &vals[i])
		}
		return append(dst, c.lead[len(vals)]...)
	}
	dst = append(dst, '{')
	first := true
	for i := range vals {
		if i == skip {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, c.names[i]...)
		if i == wrong {
			dst = appendJSONWrong(dst, &vals[i])
		} else {
			dst = c.appendJSON(dst, &vals[i])
		}
	}
	return append(dst, '}')
}

// appendJSON appends v as a JSON value.
func (c *encoder) appendJSON(dst []byte, v *Value) []byte {
	if quoted(v.typ) {
		dst = append(dst, '"')
		dst = c.appendJSONBody(dst, v)
		return append(dst, '"')
	}
	return c.appendJSONBody(dst, v)
}

// appendJSONBody appends v as a JSON value, but strings and timestamps without their
// quotes.
func (c *encoder) appendJSONBody(dst []byte, v *Value) []byte {
	switch v.typ {
	case TypeString:
		if v.plain {
			return v.appendStr(dst)
		}
		return v.appendNumber(appendJSONText(dst, v.s))
	case TypeLong:
		return appendInt(dst, v.n)
	case TypeDouble:
		f := v.float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return append(dst, "null"...)
		}
		if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
			return strconv.AppendFloat(dst, f, 'e', -1, 64)
		}
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	case TypeBool:
		if v.n != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case TypeTimestamp:
		return c.ts.append(dst, v.n)
	}
	return append(dst, "null"...)
}

func appendJSONWrong(dst []byte, v *Value) []byte {
	switch v.typ {
	case TypeTimestamp:
		return append(dst, "false"...)
	case TypeLong:
		return append(dst, `"seven"`...)
	case TypeDouble:
		return append(dst, `"n/a"`...)
	case TypeBool:
		return append(dst, `"yes"`...)
	}
	return append(dst, "12345"...)
}

func appendAvro(dst []byte, v *Value) []byte {
	switch v.typ {
	case TypeString:
		if v.form == formPlain {
			dst = binary.AppendVarint(dst, int64(len(v.s)))
			return append(dst, v.s...)
		}
		// Spelled out first: Avro writes the length before the bytes.
		var buf [64]byte
		b := v.appendStr(buf[:0])
		dst = binary.AppendVarint(dst, int64(len(b)))
		return append(dst, b...)
	case TypeLong, TypeTimestamp:
		return binary.AppendVarint(dst, v.n) // zig-zag varint, as Avro's long
	case TypeDouble:
		return binary.LittleEndian.AppendUint64(dst, uint64(v.n)) // the IEEE 754 bits
	case TypeBool:
		return append(dst, byte(v.n))
	}
	return dst
}

func appendAvroWrong(dst []byte, v *Value) []byte {
	if v.typ == TypeString {
		// A negative length is invalid in Avro: decoders reject it.
		return binary.AppendVarint(dst, -7)
	}
	na := String("n/a")
	return appendAvro(dst, &na)
}
