package connect

import (
	"errors"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect/types"
)

// Hand-made variant encodings for the tests.

// vmeta builds metadata with the given dictionary and offset size (1 to 4 bytes).
func vmeta(offSize int, keys ...string) []byte {
	put := func(b []byte, v int) []byte {
		for i := 0; i < offSize; i++ {
			b = append(b, byte(v>>(8*i)))
		}
		return b
	}
	b := []byte{byte(1 | (offSize-1)<<6)}
	b = put(b, len(keys))
	off := 0
	b = put(b, 0)
	for _, k := range keys {
		off += len(k)
		b = put(b, off)
	}
	for _, k := range keys {
		b = append(b, k...)
	}
	return b
}

func vprim(typ byte, payload ...byte) []byte { return append([]byte{typ << 2}, payload...) }

func vshort(s string) []byte { return append([]byte{byte(len(s))<<2 | 1}, s...) }

func le(v uint64, n int) []byte {
	b := make([]byte, n)
	for i := range n {
		b[i] = byte(v >> (8 * i))
	}
	return b
}

// vobj builds an object of fields (ids in the given order) with offsets of offSize bytes,
// ids of idSize bytes, and a 4-byte size when large.
func vobj(large bool, idSize, offSize int, ids []int, vals ...[]byte) []byte {
	info := (idSize-1)<<2 | (offSize - 1)
	if large {
		info |= 1 << 4
	}
	b := []byte{byte(info<<2 | 2)}
	if large {
		b = append(b, le(uint64(len(ids)), 4)...)
	} else {
		b = append(b, byte(len(ids)))
	}
	for _, id := range ids {
		b = append(b, le(uint64(id), idSize)...)
	}
	off := 0
	var data []byte
	for _, v := range vals {
		b = append(b, le(uint64(off), offSize)...)
		off += len(v)
		data = append(data, v...)
	}
	b = append(b, le(uint64(off), offSize)...)
	return append(b, data...)
}

func varr(large bool, offSize int, vals ...[]byte) []byte {
	info := offSize - 1
	if large {
		info |= 1 << 2
	}
	b := []byte{byte(info<<2 | 3)}
	if large {
		b = append(b, le(uint64(len(vals)), 4)...)
	} else {
		b = append(b, byte(len(vals)))
	}
	off := 0
	var data []byte
	for _, v := range vals {
		b = append(b, le(uint64(off), offSize)...)
		off += len(v)
		data = append(data, v...)
	}
	b = append(b, le(uint64(off), offSize)...)
	return append(b, data...)
}

func TestVariantScalars(t *testing.T) {
	ts := time.Date(2024, 1, 31, 12, 34, 56, 789_000_000, time.UTC)
	f64 := func(f float64) []byte { return vprim(7, le(math.Float64bits(f), 8)...) }
	f32 := func(f float32) []byte { return vprim(14, le(uint64(math.Float32bits(f)), 4)...) }
	uuid := []byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}
	big16 := new(big.Int).Neg(new(big.Int).Exp(big.NewInt(10), big.NewInt(30), nil)) // -1e30
	two := new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 128), big16)             // two's complement
	dec16 := append([]byte{2}, le(0, 16)...)
	copy(dec16[1:], reverse(two.Bytes()))
	cases := []struct {
		name  string
		value []byte
		json  string
		go_   any
	}{
		{"null", vprim(0), "null", nil},
		{"true", vprim(1), "true", true},
		{"false", vprim(2), "false", false},
		{"int8", vprim(3, 0xfe), "-2", int64(-2)},
		{"int16", vprim(4, le(uint64(0x1234), 2)...), "4660", int64(4660)},
		{"int32", vprim(5, le(uint64(math.MaxUint32-4), 4)...), "-5", int64(-5)},
		{"int64", vprim(6, le(1<<62, 8)...), "4611686018427387904", int64(1 << 62)},
		{"double", f64(1.5), "1.5", 1.5},
		{"double whole", f64(3), "3.0", 3.0},
		{"double big", f64(1e20), "1.0E20", 1e20},
		{"double small", f64(1.25e-5), "1.25E-5", 1.25e-5},
		{"double 1e7", f64(1e7), "1.0E7", 1e7},
		{"double 0.001", f64(0.001), "0.001", 0.001},
		{"double neg zero", f64(math.Copysign(0, -1)), "-0.0", math.Copysign(0, -1)},
		{"double infinity", f64(math.Inf(1)), "Infinity", math.Inf(1)},
		{"float", f32(0.1), "0.1", float32(0.1)},
		{"float big", f32(3e10), "3.0E10", float32(3e10)},
		{"decimal4", vprim(8, append([]byte{2}, le(uint64(12300), 4)...)...), "123",
			types.Decimal{Unscaled: big.NewInt(12300), Scale: 2}},
		{"decimal4 neg", vprim(8, append([]byte{3}, le(uint64(math.MaxUint32-1233), 4)...)...), "-1.234",
			types.Decimal{Unscaled: big.NewInt(-1234), Scale: 3}},
		{"decimal8", vprim(9, append([]byte{4}, le(123456789012340, 8)...)...), "12345678901.234",
			types.Decimal{Unscaled: big.NewInt(123456789012340), Scale: 4}},
		{"decimal16", vprim(10, dec16...), "-10000000000000000000000000000",
			types.Decimal{Unscaled: big16, Scale: 2}},
		{"date", vprim(11, le(uint64(19753), 4)...), `"2024-01-31"`, time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)},
		{"date before epoch", vprim(11, le(uint64(math.MaxUint32), 4)...), `"1969-12-31"`,
			time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)},
		{"timestamp", vprim(12, le(uint64(ts.UnixMicro()), 8)...), `"2024-01-31 12:34:56.789+00:00"`, ts},
		{"timestamp_ntz", vprim(13, le(uint64(ts.UnixMicro()), 8)...), `"2024-01-31 12:34:56.789"`, ts},
		{"timestamp whole", vprim(12, le(uint64(ts.Truncate(time.Second).UnixMicro()), 8)...),
			`"2024-01-31 12:34:56+00:00"`, ts.Truncate(time.Second)},
		{"binary", vprim(15, append(le(3, 4), 1, 2, 250)...), `"AQL6"`, []byte{1, 2, 250}},
		{"long string", vprim(16, append(le(5, 4), "héllo"[:5]...)...), `"héll"`, "héll"},
		{"short string", vshort("a\"b\\c\n\t\x01/<é"), `"a\"b\\c\n\t\u0001/<é"`, "a\"b\\c\n\t\x01/<é"},
		{"empty string", vshort(""), `""`, ""},
		{"time", vprim(17, le(uint64((12*3600+34*60+56)*1e6+789000), 8)...), `"12:34:56.789"`,
			types.Time{Hour: 12, Minute: 34, Second: 56, Nanosecond: 789_000_000}},
		{"timestamp nanos", vprim(18, le(uint64(ts.UnixNano()+1), 8)...), `"2024-01-31 12:34:56.789000001+00:00"`,
			ts.Add(1)},
		{"timestamp_ntz nanos", vprim(19, le(uint64(ts.UnixNano()+1), 8)...), `"2024-01-31 12:34:56.789000001"`,
			ts.Add(1)},
		{"uuid", vprim(20, uuid...), `"12345678-9abc-def0-0123-456789abcdef"`, [16]byte(uuid)},
	}
	meta := vmeta(1)
	for _, c := range cases {
		v := NewVariant(c.value, meta)
		got, err := v.JSON()
		if err != nil || got != c.json {
			t.Errorf("%s: JSON() = %q, %v; want %q", c.name, got, err, c.json)
		}
		if v.String() != c.json {
			t.Errorf("%s: String() = %q", c.name, v.String())
		}
		val, err := v.Value()
		if err != nil {
			t.Errorf("%s: Value(): %v", c.name, err)
			continue
		}
		if d, ok := c.go_.(types.Decimal); ok {
			if g, ok := val.(types.Decimal); !ok || g.Unscaled.Cmp(d.Unscaled) != 0 || g.Scale != d.Scale {
				t.Errorf("%s: Value() = %#v, want %v", c.name, val, d)
			}
			continue
		}
		if !reflect.DeepEqual(val, c.go_) {
			t.Errorf("%s: Value() = %#v (%T), want %#v (%T)", c.name, val, val, c.go_, c.go_)
		}
	}
}

func reverse(b []byte) []byte {
	out := make([]byte, len(b))
	for i := range b {
		out[len(b)-1-i] = b[i]
	}
	return out
}

func TestVariantNested(t *testing.T) {
	// {"a":1,"b":[true,null,"x"]}: keys stored in the dictionary out of order, ids sorted by
	// name, values stored in reverse order.
	meta := vmeta(1, "b", "a")
	arr := varr(false, 1, vprim(1), vprim(0), vshort("x"))
	one := vprim(3, 1)
	// Build the object by hand: fields a (id 1) then b (id 0); data = arr then one.
	o := []byte{0<<2 | 2, 2, 1, 0, byte(len(arr)), 0, byte(len(arr) + len(one))}
	o = append(append(o, arr...), one...)
	v := NewVariant(o, meta)
	if got, err := v.JSON(); err != nil || got != `{"a":1,"b":[true,null,"x"]}` {
		t.Errorf("JSON() = %q, %v", got, err)
	}
	got, err := v.Value()
	want := map[string]any{"a": int64(1), "b": []any{true, nil, "x"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Value() = %#v, %v", got, err)
	}

	// Wide encodings: 2-byte dictionary offsets, 4-byte sizes, 2-byte ids, 3-byte offsets.
	keys := []string{"k\"ey", "z"}
	meta2 := vmeta(2, keys...)
	inner := varr(true, 3, vshort("deep"), vobj(false, 1, 1, nil))
	o2 := vobj(true, 2, 3, []int{0, 1}, inner, vprim(6, le(7, 8)...))
	v2 := NewVariant(o2, meta2)
	if got, err := v2.JSON(); err != nil || got != `{"k\"ey":["deep",{}],"z":7}` {
		t.Errorf("wide JSON() = %q, %v", got, err)
	}
	val, err := v2.Value()
	want2 := map[string]any{"k\"ey": []any{"deep", map[string]any{}}, "z": int64(7)}
	if err != nil || !reflect.DeepEqual(val, want2) {
		t.Errorf("wide Value() = %#v, %v", val, err)
	}

	// 4-byte dictionary offsets and ids; an empty array.
	meta4 := vmeta(4, "x")
	o4 := vobj(false, 4, 4, []int{0}, varr(false, 1))
	if got, err := NewVariant(o4, meta4).JSON(); err != nil || got != `{"x":[]}` {
		t.Errorf("4-byte JSON() = %q, %v", got, err)
	}
}

func TestVariantTimeZone(t *testing.T) {
	ts := time.Date(2024, 7, 1, 12, 0, 0, 500_000_000, time.UTC)
	v := NewVariant(vprim(12, le(uint64(ts.UnixMicro()), 8)...), vmeta(1))
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Skip(err)
	}
	if got, err := v.JSONIn(la); err != nil || got != `"2024-07-01 05:00:00.5-07:00"` {
		t.Errorf("JSONIn(LA) = %q, %v", got, err)
	}
	kolkata := time.FixedZone("IST", 5*3600+30*60)
	if got, err := v.JSONIn(kolkata); err != nil || got != `"2024-07-01 17:30:00.5+05:30"` {
		t.Errorf("JSONIn(+05:30) = %q, %v", got, err)
	}
	if got, err := v.JSONIn(nil); err != nil || got != `"2024-07-01 12:00:00.5+00:00"` {
		t.Errorf("JSONIn(nil) = %q, %v", got, err)
	}
	// Dates far from today render as Java's LocalDate does.
	for _, c := range []struct {
		days int64
		want string
	}{
		{time.Date(99, 1, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400, `"0099-01-01"`},
		{time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400, `"-0001-01-01"`},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400, `"+10000-01-01"`},
		{time.Date(-12345, 1, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400, `"-12345-01-01"`},
	} {
		v := NewVariant(vprim(11, le(uint64(c.days), 4)...), vmeta(1))
		if got, err := v.JSON(); err != nil || got != c.want {
			t.Errorf("date %d: %q, %v; want %s", c.days, got, err, c.want)
		}
	}
}

func TestVariantMalformed(t *testing.T) {
	meta := vmeta(1, "a")
	cases := []struct {
		name        string
		value, meta []byte
	}{
		{"zero", nil, nil},
		{"no value", nil, meta},
		{"bad version", vprim(0), []byte{2, 0, 0}},
		{"short metadata", vprim(0), []byte{1, 5}},
		{"dictionary overrun", vprim(0), []byte{1, 9, 0}},
		{"truncated int64", vprim(6, 1, 2), meta},
		{"truncated short string", []byte{5<<2 | 1, 'a'}, meta},
		{"long string overrun", vprim(16, le(100, 4)...), meta},
		{"truncated string size", vprim(16, 1), meta},
		{"unknown type", vprim(40), meta},
		{"decimal scale", vprim(8, append([]byte{20}, le(1, 4)...)...), meta},
		{"decimal digits", vprim(8, append([]byte{0}, le(2_000_000_000, 4)...)...), meta},
		{"truncated decimal", vprim(9, 1, 2), meta},
		{"time out of range", vprim(17, le(86_400_000_000, 8)...), meta},
		{"field id outside dictionary", vobj(false, 1, 1, []int{3}, vprim(0)), meta},
		{"object overrun", []byte{2, 200}, meta},
		{"array overrun", []byte{3, 5, 0}, meta},
		{"element offset past end", []byte{3, 1, 9, 9}, meta},
		{"truncated container size", []byte{1<<4<<2 | 2, 1}, meta},
		{"nested bad value", varr(false, 1, vprim(6, 1)), meta},
		{"nested bad field", vobj(false, 1, 1, []int{0}, vprim(6)), meta},
		{"bad dictionary offsets", vobj(false, 1, 1, []int{0}, vprim(0)), []byte{1, 1, 2, 1, 'a', 'b'}},
		{"dictionary string overrun", vobj(false, 1, 1, []int{0}, vprim(0)), []byte{1, 1, 0, 9, 'a'}},
		{"truncated float", vprim(14, 1), meta},
		{"truncated double", vprim(7, 1), meta},
		{"truncated uuid", vprim(20, 1), meta},
		{"truncated int8", vprim(3), meta},
		{"truncated int16", vprim(4, 1), meta},
		{"truncated int32", vprim(5, 1), meta},
		{"truncated id", []byte{3<<2<<2 | 2, 1, 0}, meta},
		{"truncated binary", vprim(15, le(2, 4)...), meta},
	}
	for _, c := range cases {
		v := NewVariant(c.value, c.meta)
		if s, err := v.JSON(); !errors.Is(err, ErrMalformedVariant) {
			t.Errorf("%s: JSON() = %q, %v; want a malformed-variant error", c.name, s, err)
		}
		if x, err := v.Value(); !errors.Is(err, ErrMalformedVariant) {
			t.Errorf("%s: Value() = %#v, %v; want a malformed-variant error", c.name, x, err)
		}
		if s := v.String(); !strings.HasPrefix(s, "<spark connect: malformed variant") {
			t.Errorf("%s: String() = %q", c.name, s)
		}
	}
	val, meta2 := NewVariant([]byte{1}, []byte{2}).Bytes()
	if !reflect.DeepEqual(val, []byte{1}) || !reflect.DeepEqual(meta2, []byte{2}) {
		t.Errorf("Bytes() = %v, %v", val, meta2)
	}
}

func TestJavaFloat(t *testing.T) {
	cases := []struct {
		f    float64
		bits int
		want string
	}{
		{0, 64, "0.0"},
		{100, 64, "100.0"},
		{9999999, 64, "9999999.0"},
		{12345678, 64, "1.2345678E7"},
		{0.0001, 64, "1.0E-4"},
		{-2.5e-10, 64, "-2.5E-10"},
		{math.NaN(), 64, "NaN"},
		{math.Inf(-1), 64, "-Infinity"},
		{math.MaxFloat64, 64, "1.7976931348623157E308"},
		{float64(float32(1.1)), 32, "1.1"},
		{float64(float32(16777216)), 32, "1.6777216E7"},
	}
	for _, c := range cases {
		if got := javaFloat(c.f, c.bits); got != c.want {
			t.Errorf("javaFloat(%v, %d) = %q, want %q", c.f, c.bits, got, c.want)
		}
	}
	var b strings.Builder
	writeJSONString(&b, "\b\f\r\x1f\x7f\xff")
	if got := b.String(); got != "\"\\b\\f\\r\\u001F\x7f\uFFFD\"" {
		t.Errorf("writeJSONString = %q", got)
	}
}

// The decoder's bounds checks on dictionary offsets, ids and element offsets.
func TestVariantBounds(t *testing.T) {
	// A dictionary whose offsets run past the metadata.
	if _, err := NewVariant(vprim(0), []byte{1, 1, 0}).decoder(); !errors.Is(err, ErrMalformedVariant) {
		t.Errorf("decoder of a short dictionary: %v", err)
	}
	d, err := NewVariant(vprim(0), vmeta(1, "a")).decoder()
	if err != nil {
		t.Fatal(err)
	}
	c := container{size: 1, idSize: 4, offSize: 4, idStart: 100, offStart: 100, dataStart: 100}
	if _, _, err := d.field(c, 0); !errors.Is(err, ErrMalformedVariant) {
		t.Errorf("field past the end: %v", err)
	}
	if _, err := d.element(c, 0); !errors.Is(err, ErrMalformedVariant) {
		t.Errorf("element past the end: %v", err)
	}
	c = container{size: 1, idSize: 1, offSize: 1, idStart: 0, offStart: 0, dataStart: 0}
	d.value = []byte{5} // id 5, outside the dictionary
	if _, _, err := d.field(c, 0); !errors.Is(err, ErrMalformedVariant) {
		t.Errorf("field of a bad id: %v", err)
	}
	if _, err := d.decode(5); !errors.Is(err, ErrMalformedVariant) {
		t.Errorf("decode past the end: %v", err)
	}
	var b strings.Builder
	if err := d.json(&b, 5, time.UTC); !errors.Is(err, ErrMalformedVariant) {
		t.Errorf("json past the end: %v", err)
	}
	if _, err := readUnsigned([]byte{1}, -1, 1); err == nil {
		t.Error("readUnsigned at -1")
	}
	if _, err := bytesAt([]byte{1}, 0, -1); err == nil {
		t.Error("bytesAt of -1 bytes")
	}
}
