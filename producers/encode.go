package producers

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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

// pow10[i] is 10 to the i.
var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// digitPairs holds "00" to "99".
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// appendInt appends n in decimal, as strconv.AppendInt does, two digits at a time and
// straight into dst for the small non-negative numbers events are full of (durations,
// counters, ids).
func appendInt(dst []byte, n int64) []byte {
	if n < 0 || n >= 1e8 {
		return strconv.AppendInt(dst, n, 10)
	}
	// The number of digits: an estimate from the number of bits, less one if below the
	// estimate's power of ten.
	width := bits.Len64(uint64(n)) * 1233 >> 12 // about log10(2) * bits
	if n >= pow10[width] {
		width++
	}
	width = max(width, 1)
	i := len(dst) + width
	dst = slices.Grow(dst, width)[:i]
	for n >= 100 {
		d := n % 100 * 2
		n /= 100
		i -= 2
		dst[i], dst[i+1] = digitPairs[d], digitPairs[d+1]
	}
	if n >= 10 {
		dst[i-2], dst[i-1] = digitPairs[n*2], digitPairs[n*2+1]
	} else {
		dst[i-1] = byte('0' + n)
	}
	return dst
}

// timeLayout is how timestamps are written in JSON: RFC 3339, UTC, milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

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

// jsonPlain marks the bytes a JSON string holds as they are: printable ASCII other than
// the quote and the backslash.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendJSONText(dst, s)
	return append(dst, '"')
}

// jsonPlainString reports whether s can be written inside a JSON string as it is.
func jsonPlainString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !jsonPlain[s[i]] {
			return false
		}
	}
	return true
}

// appendJSONText appends s as the inside of a JSON string, escaped as needed; invalid
// UTF-8 becomes U+FFFD.
func appendJSONText(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	i := 0
	// Eight bytes at a time while none is below 0x20, a quote, a backslash or non-ASCII
	// (the has-less-than and has-zero-byte bit tricks), then byte by byte.
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(s); i += 8 {
		_ = s[i+7]
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		q, b := x^('"'*ones), x^('\\'*ones)
		if (x|(x-0x20*ones)&^x|(q-ones)&^q|(b-ones)&^b)&highs != 0 {
			break
		}
	}
	for i < len(s) && jsonPlain[s[i]] {
		i++
	}
	if i == len(s) { // the common case: nothing to escape
		return append(dst, s...)
	}
	safe := 0 // s[safe:i] needs no escaping and is appended in one go
	for i < len(s) {
		c := s[i]
		if jsonPlain[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
		}
		dst = append(dst, s[safe:i]...)
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default: // invalid UTF-8
			dst = append(dst, `\ufffd`...)
		}
		i++
		safe = i
	}
	return append(dst, s[safe:]...)
}

// msPerDay is the number of milliseconds in a day.
const msPerDay = 24 * 60 * 60 * 1000

// appendTimestamp appends Unix milliseconds as 2006-01-02T15:04:05.000Z, in UTC; years
// outside 0 to 9999 fall back to the time package. The calendar date is computed with
// integer arithmetic (H. Hinnant's days-to-civil algorithm), cheaper than time.Time's.
func appendTimestamp(dst []byte, ms int64) []byte {
	days, msOfDay := ms/msPerDay, ms%msPerDay
	if msOfDay < 0 {
		days, msOfDay = days-1, msOfDay+msPerDay
	}
	z := days + 719468 // days since 0000-03-01
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097                                  // day of the 400-year era, [0, 146096]
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // year of the era, [0, 399]
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // day of the year from March 1st
	mp := (5*doy + 2) / 153                                // month from March, [0, 11]
	day := doy - (153*mp+2)/5 + 1
	month := mp + 3
	if mp >= 10 {
		month = mp - 9
	}
	year := yoe + era*400
	if month <= 2 {
		year++
	}
	if year < 0 || year > 9999 {
		return time.UnixMilli(ms).UTC().AppendFormat(dst, timeLayout)
	}
	d := func(b []byte, v int64, width int) []byte {
		for p := width - 1; p >= 0; p-- {
			b[p] = byte('0' + v%10)
			v /= 10
		}
		return b[width:]
	}
	var buf [24]byte
	b := d(buf[:], year, 4)
	b[0] = '-'
	b = d(b[1:], month, 2)
	b[0] = '-'
	b = d(b[1:], day, 2)
	b[0] = 'T'
	b = d(b[1:], msOfDay/3_600_000, 2)
	b[0] = ':'
	b = d(b[1:], msOfDay/60_000%60, 2)
	b[0] = ':'
	b = d(b[1:], msOfDay/1000%60, 2)
	b[0] = '.'
	b = d(b[1:], msOfDay%1000, 3)
	b[0] = 'Z'
	return append(dst, buf[:]...)
}

// timestampCache writes timestamps as appendTimestamp does, after a fixed prefix (the
// text before the timestamp in a record, or nothing), reusing the text of the prefix,
// date and time up to the second while consecutive timestamps share their second, as
// they mostly do in a stream.
type timestampCache struct {
	sec    int64             // Unix second whose text is in text, if ok
	text   [tsCacheText]byte // the prefix, then "2006-01-02T15:04:05."
	n      int               // length of the text in text
	prefix string            // the prefix, if it fits in text
	long   string            // else the prefix, written before the text
	ok     bool
}

// tsCacheText is the size of a timestampCache's text: it is copied whole, as a
// constant-size copy is cheaper than a call to copy a variable length.
const tsCacheText = 48

// newTimestampCache returns a cache that writes prefix before each timestamp.
func newTimestampCache(prefix string) timestampCache {
	if len(prefix) > tsCacheText-20 {
		return timestampCache{long: prefix}
	}
	return timestampCache{prefix: prefix}
}

func (c *timestampCache) append(dst []byte, ms int64) []byte {
	sec, frac := ms/1000, ms%1000
	if frac < 0 {
		sec, frac = sec-1, frac+1000
	}
	if !c.ok || sec != c.sec {
		var buf [32]byte
		b := appendTimestamp(buf[:0], ms)
		if len(b) != 24 { // a year outside 0 to 9999
			return append(append(append(dst, c.long...), c.prefix...), b...)
		}
		c.n = copy(c.text[:], c.prefix)
		c.n += copy(c.text[c.n:], b[:20])
		c.sec, c.ok = sec, true
	}
	dst = append(dst, c.long...)
	n := len(dst)
	dst = slices.Grow(dst, tsCacheText+4)
	*(*[tsCacheText]byte)(dst[n : n+tsCacheText]) = c.text // within dst's capacity, past its end
	end := n + c.n + 4
	dst = dst[:end]
	dst[end-4], dst[end-3], dst[end-2], dst[end-1] = byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10), 'Z'
	return dst
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
