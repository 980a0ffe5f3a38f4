package producers

import (
	"encoding/binary"
	"math"
	"slices"
	"time"
)

// Value is one field value of a generated event. Make one with [String], [Long],
// [Double], [Bool] or [Timestamp]; the zero Value is invalid.
type Value struct {
	typ   Type
	form  strForm // how a string is spelled: s alone, or s followed by n in digits
	plain bool    // the string needs no escaping in JSON (see text)
	s     string
	n     int64 // long, bool (0 or 1), timestamp (Unix ms), double (IEEE 754 bits), a string's number
}

// strForm is how a string Value is spelled. The built-in generators make their
// identifiers ("e-" and 16 hex digits, "m-12345") as a prefix and a number, written out
// only when the event is encoded, so that making them allocates nothing.
type strForm uint8

const (
	formPlain strForm = iota // s
	formHex16                // s, then n as 16 lower-case hex digits
	formDec                  // s, then n in decimal
)

// String returns a string value.
func String(s string) Value { return Value{typ: TypeString, s: s} }

// text returns the string value s, checked once for characters that JSON must escape.
// The built-in generators keep such values in their tables and state, so that encoding
// an event copies their strings as they are.
func text(s string) Value {
	return Value{typ: TypeString, s: s, plain: jsonPlainString(s)}
}

// texts returns text(s) for each of ss.
func texts(ss ...string) []Value {
	return textsOf(len(ss), func(i int) string { return ss[i] })
}

// textsOf returns text(str(i)) for i from 0 to n-1: the values of a table's strings.
func textsOf(n int, str func(i int) string) []Value {
	v := make([]Value, n)
	for i := range v {
		v[i] = text(str(i))
	}
	return v
}

// withHex returns the string v (see text) followed by x in 16 hex digits.
func (v Value) withHex(x uint64) Value {
	v.form, v.n = formHex16, int64(x)
	return v
}

// withDec returns the string v (see text) followed by n in decimal.
func (v Value) withDec(n int64) Value {
	v.form, v.n = formDec, n
	return v
}

// Long returns a long value.
func Long(n int64) Value { return Value{typ: TypeLong, n: n} }

// Double returns a double value. NaN and infinities cannot be encoded in JSON; the
// encoder writes them as null, which downstream parsers treat as malformed.
func Double(f float64) Value { return Value{typ: TypeDouble, n: int64(math.Float64bits(f))} }

// Bool returns a boolean value.
func Bool(b bool) Value {
	if b {
		return Value{typ: TypeBool, n: 1}
	}
	return Value{typ: TypeBool}
}

// Timestamp returns a timestamp value, truncated to the millisecond.
func Timestamp(t time.Time) Value { return Value{typ: TypeTimestamp, n: t.UnixMilli()} }

// Type returns the value's type (0 for the zero Value).
func (v Value) Type() Type { return v.typ }

// Any returns the value as a Go value: string, int64, float64, bool or time.Time (UTC).
func (v Value) Any() any {
	switch v.typ {
	case TypeString:
		return string(v.appendStr(nil))
	case TypeLong:
		return v.n
	case TypeDouble:
		return v.float()
	case TypeBool:
		return v.n != 0
	case TypeTimestamp:
		return time.UnixMilli(v.n).UTC()
	}
	return nil
}

// float returns a double value's number.
func (v *Value) float() float64 { return math.Float64frombits(uint64(v.n)) }

// appendStr appends a string value's bytes.
func (v *Value) appendStr(dst []byte) []byte {
	return v.appendNumber(append(dst, v.s...))
}

// appendNumber appends the number that follows a string value's prefix, if its form
// has one.
func (v *Value) appendNumber(dst []byte) []byte {
	switch v.form {
	case formHex16:
		return appendHex16(dst, uint64(v.n))
	case formDec:
		return appendInt(dst, v.n)
	}
	return dst
}

// appendHex16 appends x as 16 lower-case hex digits.
func appendHex16(dst []byte, x uint64) []byte {
	n := len(dst)
	dst = slices.Grow(dst, 16)[:n+16]
	binary.BigEndian.PutUint64(dst[n:], hex8(uint32(x>>32)))
	binary.BigEndian.PutUint64(dst[n+8:], hex8(uint32(x)))
	return dst
}

// hex8 returns the 8 hex digits of x as the bytes of a big-endian uint64, computed for
// all digits at once: each nibble is spread into a byte of its own, then turned into
// '0'-'9' or 'a'-'f'.
func hex8(x uint32) uint64 {
	v := uint64(x)
	v = (v | v<<16) & 0x0000ffff0000ffff
	v = (v | v<<8) & 0x00ff00ff00ff00ff
	v = (v | v<<4) & 0x0f0f0f0f0f0f0f0f
	letters := (v + 0x0606060606060606) >> 4 & 0x0101010101010101 // 1 for nibbles 10 to 15
	return v + 0x3030303030303030 + letters*('a'-'0'-10)
}

// appendKey appends the value as a Kafka key: a string as is, a long as decimal text.
func (v *Value) appendKey(dst []byte) []byte {
	if v.typ == TypeLong {
		return appendInt(dst, v.n)
	}
	return v.appendStr(dst)
}

// roundTo rounds f to the given number of decimal places; generators use it so that
// amounts and readings print as short decimals.
func roundTo(f float64, places int) float64 {
	p := math.Pow10(places)
	return math.Round(f*p) / p
}
