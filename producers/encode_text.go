package producers

import (
	"math/bits"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// The text of values in JSON records, written straight into the record's buffer without
// allocating: decimal integers, JSON strings, and timestamps (with a cache for the
// second they share). The generic encoder (encode.go) and the clickstream's fast path
// (clickstream_json.go) both write through these, which is part of why their records
// are equal byte for byte.

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
