package connect

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sparkwire/sparkwire/connect/types"
)

// Variant is a value of Spark's variant type: semi-structured data (objects, arrays and
// typed scalars) in Spark's binary variant encoding, a value and a metadata binary.
// Results carry variants as these two binaries, which Variant decodes on demand: JSON
// renders the text Spark prints for the value, Value converts it to Go values.
//
// The zero Variant holds no data; its methods report it as malformed.
type Variant struct {
	value    []byte
	metadata []byte
}

// ErrMalformedVariant reports a variant whose binaries do not follow Spark's encoding.
var ErrMalformedVariant = errors.New("spark connect: malformed variant")

// NewVariant returns the variant of the given value and metadata binaries, which the
// variant keeps (the caller must not modify them afterwards).
func NewVariant(value, metadata []byte) Variant { return Variant{value: value, metadata: metadata} }

// Bytes returns the variant's value and metadata binaries. They belong to the variant.
func (v Variant) Bytes() (value, metadata []byte) { return v.value, v.metadata }

// String renders the variant as JSON, as JSON does, or a description of the error when the
// variant is malformed.
func (v Variant) String() string {
	s, err := v.JSON()
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return s
}

// JSON renders the variant as the JSON text that Spark's to_json (and a cast to string of
// an object or array) produces: object fields in their stored order (sorted by key),
// strings escaped as Spark escapes them, numbers as Java prints them (1.0E20), decimals
// without trailing zeros, dates as "2024-01-31", timestamps as "2024-01-31
// 12:00:00.5+00:00" in UTC, timestamps without time zone as "2024-01-31 12:00:00.5",
// binaries in base64 and UUIDs in their canonical form. Spark renders timestamps in the
// session time zone; use JSONIn to match a session that is not in UTC.
func (v Variant) JSON() (string, error) { return v.JSONIn(time.UTC) }

// JSONIn is JSON with timestamps (those with a time zone) rendered in loc, as Spark
// renders them in its session time zone. A nil loc means UTC.
func (v Variant) JSONIn(loc *time.Location) (string, error) {
	if loc == nil {
		loc = time.UTC
	}
	d, err := v.decoder()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := d.json(&b, 0, loc); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Value converts the variant to Go values:
//
//	object                       map[string]any
//	array                        []any
//	null                         nil
//	boolean                      bool
//	int8, int16, int32, int64    int64
//	double                       float64
//	float                        float32
//	decimal                      types.Decimal, with the scale it was stored with
//	string                       string
//	binary                       []byte
//	date                         time.Time, midnight UTC
//	timestamp                    time.Time in UTC (the instant)
//	timestamp_ntz                time.Time in UTC (the wall-clock time as written)
//	time                         types.Time
//	uuid                         [16]byte
func (v Variant) Value() (any, error) {
	d, err := v.decoder()
	if err != nil {
		return nil, err
	}
	return d.decode(0)
}

// The parts of the variant encoding; see common/variant/README.md in Apache Spark and the
// Parquet variant specification.
const (
	variantPrimitive = 0
	variantShortStr  = 1
	variantObject    = 2
	variantArray     = 3

	vNull           = 0
	vTrue           = 1
	vFalse          = 2
	vInt8           = 3
	vInt16          = 4
	vInt32          = 5
	vInt64          = 6
	vDouble         = 7
	vDecimal4       = 8
	vDecimal8       = 9
	vDecimal16      = 10
	vDate           = 11
	vTimestamp      = 12
	vTimestampNTZ   = 13
	vFloat          = 14
	vBinary         = 15
	vString         = 16
	vTime           = 17
	vTimestampNs    = 18
	vTimestampNTZNs = 19
	vUUID           = 20
)

// variantDecoder reads one variant; positions are offsets into value.
type variantDecoder struct {
	value    []byte
	meta     []byte
	offSize  int // bytes per dictionary size and offset
	dictSize int
	strStart int // where the dictionary's string bytes start
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformedVariant, fmt.Sprintf(format, args...))
}

func (v Variant) decoder() (*variantDecoder, error) {
	if len(v.metadata) == 0 {
		return nil, malformed("empty metadata")
	}
	if len(v.value) == 0 {
		return nil, malformed("empty value")
	}
	h := v.metadata[0]
	if h&0x0F != 1 {
		return nil, malformed("metadata version %d", h&0x0F)
	}
	d := &variantDecoder{value: v.value, meta: v.metadata, offSize: int(h>>6) + 1}
	n, err := readUnsigned(v.metadata, 1, d.offSize)
	if err != nil {
		return nil, err
	}
	d.dictSize = n
	start := 1 + (int64(n)+2)*int64(d.offSize)
	if start > int64(len(v.metadata)) {
		return nil, malformed("dictionary of %d strings in %d bytes of metadata", n, len(v.metadata))
	}
	d.strStart = int(start)
	return d, nil
}

// readUnsigned reads a little-endian unsigned integer of n (1 to 4) bytes at pos.
func readUnsigned(b []byte, pos, n int) (int, error) {
	if pos < 0 || pos+n > len(b) {
		return 0, malformed("read of %d bytes at %d past the end (%d)", n, pos, len(b))
	}
	v := 0
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | int(b[pos+i])
	}
	return v, nil
}

// bytesAt returns b[pos:pos+n] or an error when that is out of range.
func bytesAt(b []byte, pos, n int) ([]byte, error) {
	if pos < 0 || n < 0 || int64(pos)+int64(n) > int64(len(b)) {
		return nil, malformed("read of %d bytes at %d past the end (%d)", n, pos, len(b))
	}
	return b[pos : pos+n], nil
}

// key returns the dictionary string with the given id.
func (d *variantDecoder) key(id int) (string, error) {
	if id < 0 || id >= d.dictSize {
		return "", malformed("field id %d outside a dictionary of %d", id, d.dictSize)
	}
	start, err := readUnsigned(d.meta, 1+(id+1)*d.offSize, d.offSize)
	if err != nil {
		return "", err
	}
	end, err := readUnsigned(d.meta, 1+(id+2)*d.offSize, d.offSize)
	if err != nil {
		return "", err
	}
	if end < start {
		return "", malformed("dictionary offsets %d > %d", start, end)
	}
	b, err := bytesAt(d.meta, d.strStart+start, end-start)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// container describes an object or array at some position.
type container struct {
	size      int
	idSize    int // objects only
	offSize   int
	idStart   int
	offStart  int
	dataStart int
}

func (d *variantDecoder) container(pos int, object bool) (container, error) {
	info := int(d.value[pos] >> 2)
	var c container
	large := info>>2&1 == 1
	if object {
		large = info>>4&1 == 1
		c.idSize = (info>>2)&3 + 1
	}
	c.offSize = info&3 + 1
	sizeBytes := 1
	if large {
		sizeBytes = 4
	}
	n, err := readUnsigned(d.value, pos+1, sizeBytes)
	if err != nil {
		return c, err
	}
	c.size = n
	c.idStart = pos + 1 + sizeBytes
	c.offStart = c.idStart + n*c.idSize
	end := int64(c.offStart) + (int64(n)+1)*int64(c.offSize)
	if end > int64(len(d.value)) {
		return c, malformed("container of %d elements overruns the value", n)
	}
	c.dataStart = int(end)
	return c, nil
}

// element returns the position of element i of a container.
func (d *variantDecoder) element(c container, i int) (int, error) {
	off, err := readUnsigned(d.value, c.offStart+i*c.offSize, c.offSize)
	if err != nil {
		return 0, err
	}
	p := c.dataStart + off
	if p >= len(d.value) {
		return 0, malformed("element offset %d past the end", off)
	}
	return p, nil
}

// field returns the key and position of field i of an object.
func (d *variantDecoder) field(c container, i int) (string, int, error) {
	id, err := readUnsigned(d.value, c.idStart+i*c.idSize, c.idSize)
	if err != nil {
		return "", 0, err
	}
	k, err := d.key(id)
	if err != nil {
		return "", 0, err
	}
	p, err := d.element(c, i)
	return k, p, err
}

// scalar is a decoded primitive or string value.
func (d *variantDecoder) scalar(pos int) (any, error) {
	h := d.value[pos]
	info := int(h >> 2)
	if h&3 == variantShortStr {
		b, err := bytesAt(d.value, pos+1, info)
		return string(b), err
	}
	fixed := func(n int) ([]byte, error) { return bytesAt(d.value, pos+1, n) }
	switch info {
	case vNull:
		return nil, nil
	case vTrue:
		return true, nil
	case vFalse:
		return false, nil
	case vInt8:
		b, err := fixed(1)
		if err != nil {
			return nil, err
		}
		return int64(int8(b[0])), nil
	case vInt16:
		b, err := fixed(2)
		if err != nil {
			return nil, err
		}
		return int64(int16(binary.LittleEndian.Uint16(b))), nil
	case vInt32, vDate:
		b, err := fixed(4)
		if err != nil {
			return nil, err
		}
		n := int64(int32(binary.LittleEndian.Uint32(b)))
		if info == vDate {
			return time.Unix(n*86400, 0).UTC(), nil
		}
		return n, nil
	case vInt64, vTimestamp, vTimestampNTZ, vTimestampNs, vTimestampNTZNs, vTime:
		b, err := fixed(8)
		if err != nil {
			return nil, err
		}
		n := int64(binary.LittleEndian.Uint64(b))
		switch info {
		case vTimestamp, vTimestampNTZ:
			return time.UnixMicro(n).UTC(), nil
		case vTimestampNs, vTimestampNTZNs:
			return time.Unix(0, n).UTC(), nil
		case vTime:
			if n < 0 || n >= 86_400_000_000 {
				return nil, malformed("time of %d microseconds", n)
			}
			return types.TimeOfDay(n * 1000), nil
		}
		return n, nil
	case vDouble:
		b, err := fixed(8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
	case vFloat:
		b, err := fixed(4)
		if err != nil {
			return nil, err
		}
		return math.Float32frombits(binary.LittleEndian.Uint32(b)), nil
	case vDecimal4, vDecimal8, vDecimal16:
		return d.decimal(pos, info)
	case vBinary, vString:
		n, err := readUnsigned(d.value, pos+1, 4)
		if err != nil {
			return nil, err
		}
		b, err := bytesAt(d.value, pos+5, n)
		if err != nil {
			return nil, err
		}
		if info == vString {
			return string(b), nil
		}
		return append([]byte(nil), b...), nil
	case vUUID:
		b, err := fixed(16)
		if err != nil {
			return nil, err
		}
		return [16]byte(b), nil
	}
	return nil, malformed("unknown primitive type %d", info)
}

func (d *variantDecoder) decimal(pos, info int) (any, error) {
	width, maxDigits := 4, 9
	switch info {
	case vDecimal8:
		width, maxDigits = 8, 18
	case vDecimal16:
		width, maxDigits = 16, 38
	}
	b, err := bytesAt(d.value, pos+1, 1+width)
	if err != nil {
		return nil, err
	}
	scale := int32(b[0])
	// Little-endian two's complement to big.Int.
	be := make([]byte, width)
	for i := range width {
		be[i] = b[width-i]
	}
	u := new(big.Int).SetBytes(be)
	if be[0]&0x80 != 0 {
		u.Sub(u, new(big.Int).Lsh(big.NewInt(1), uint(8*width)))
	}
	if scale > int32(maxDigits) || len(new(big.Int).Abs(u).String()) > maxDigits {
		return nil, malformed("decimal %s with scale %d does not fit %d digits", u, scale, maxDigits)
	}
	return types.Decimal{Unscaled: u, Scale: scale}, nil
}

func (d *variantDecoder) decode(pos int) (any, error) {
	if pos >= len(d.value) {
		return nil, malformed("value position %d past the end", pos)
	}
	switch d.value[pos] & 3 {
	case variantObject:
		c, err := d.container(pos, true)
		if err != nil {
			return nil, err
		}
		m := make(map[string]any, c.size)
		for i := range c.size {
			k, p, err := d.field(c, i)
			if err != nil {
				return nil, err
			}
			if m[k], err = d.decode(p); err != nil {
				return nil, err
			}
		}
		return m, nil
	case variantArray:
		c, err := d.container(pos, false)
		if err != nil {
			return nil, err
		}
		out := make([]any, c.size)
		for i := range c.size {
			p, err := d.element(c, i)
			if err != nil {
				return nil, err
			}
			if out[i], err = d.decode(p); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return d.scalar(pos)
}

func (d *variantDecoder) json(b *strings.Builder, pos int, loc *time.Location) error {
	if pos >= len(d.value) {
		return malformed("value position %d past the end", pos)
	}
	switch d.value[pos] & 3 {
	case variantObject:
		c, err := d.container(pos, true)
		if err != nil {
			return err
		}
		b.WriteByte('{')
		for i := range c.size {
			k, p, err := d.field(c, i)
			if err != nil {
				return err
			}
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, k)
			b.WriteByte(':')
			if err := d.json(b, p, loc); err != nil {
				return err
			}
		}
		b.WriteByte('}')
		return nil
	case variantArray:
		c, err := d.container(pos, false)
		if err != nil {
			return err
		}
		b.WriteByte('[')
		for i := range c.size {
			p, err := d.element(c, i)
			if err != nil {
				return err
			}
			if i > 0 {
				b.WriteByte(',')
			}
			if err := d.json(b, p, loc); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	}
	v, err := d.scalar(pos)
	if err != nil {
		return err
	}
	info := int(d.value[pos] >> 2)
	if d.value[pos]&3 == variantShortStr {
		info = vString
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(javaFloat(x, 64))
	case float32:
		b.WriteString(javaFloat(float64(x), 32))
	case types.Decimal:
		b.WriteString(x.Trimmed().String())
	case string:
		writeJSONString(b, x)
	case []byte:
		b.WriteByte('"')
		b.WriteString(base64.StdEncoding.EncodeToString(x))
		b.WriteByte('"')
	case types.Time:
		b.WriteString(`"` + x.String() + `"`)
	case [16]byte:
		fmt.Fprintf(b, `"%x-%x-%x-%x-%x"`, x[0:4], x[4:6], x[6:8], x[8:10], x[10:16])
	case time.Time:
		b.WriteByte('"')
		switch info {
		case vDate:
			b.WriteString(isoDate(x))
		case vTimestampNTZ, vTimestampNTZNs:
			b.WriteString(isoDateTime(x))
		default:
			x = x.In(loc)
			b.WriteString(isoDateTime(x))
			_, off := x.Zone()
			sign := byte('+')
			if off < 0 {
				sign, off = '-', -off
			}
			fmt.Fprintf(b, "%c%02d:%02d", sign, off/3600, off/60%60)
		}
		b.WriteByte('"')
	}
	return nil
}

// isoDate renders the date of t as Java's LocalDate does: 2024-01-31, 0099-01-01,
// -0001-01-01, +10000-01-01.
func isoDate(t time.Time) string {
	y := t.Year()
	var ys string
	switch {
	case y < 0 && y > -1000:
		ys = fmt.Sprintf("-%04d", -y)
	case y >= 0 && y < 1000:
		ys = fmt.Sprintf("%04d", y)
	case y > 9999:
		ys = "+" + strconv.Itoa(y)
	default:
		ys = strconv.Itoa(y)
	}
	return fmt.Sprintf("%s-%02d-%02d", ys, int(t.Month()), t.Day())
}

// isoDateTime renders t's wall clock as Java's ISO local date, a space, and ISO local time
// (seconds always, the fraction without trailing zeros when not zero).
func isoDateTime(t time.Time) string {
	return isoDate(t) + " " + types.Time{Hour: t.Hour(), Minute: t.Minute(), Second: t.Second(),
		Nanosecond: t.Nanosecond()}.String()
}

// javaFloat renders f as Java's Double.toString (bits 64) or Float.toString (bits 32) do,
// with the shortest digits that identify the value: 1.0, 0.001, 1.0E7, 1.0E-4, NaN.
func javaFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	if a := math.Abs(f); a == 0 || a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, bits)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, bits)
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// writeJSONString writes s quoted and escaped as Spark (with Jackson) escapes JSON strings:
// quote, backslash and control characters only, with \b \t \n \f \r where they exist and
// \u00XX (upper-case hex) for the others. Invalid UTF-8 becomes U+FFFD.
func writeJSONString(b *strings.Builder, s string) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	const hex = "0123456789ABCDEF"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
