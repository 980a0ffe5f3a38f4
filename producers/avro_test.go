package producers

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// decodeAvro decodes one record of the Avro binary encoding, written independently of
// the encoder from the Avro specification: long as zig-zag varint, double as 8 bytes
// little-endian, boolean as one byte, string as a long length and UTF-8 bytes.
func decodeAvro(fields []Field, b []byte) (map[string]any, error) {
	out := make(map[string]any, len(fields))
	long := func() (int64, error) {
		var u uint64
		for shift := 0; shift < 64; shift += 7 {
			if len(b) == 0 {
				return 0, errors.New("eof in long")
			}
			c := b[0]
			b = b[1:]
			u |= uint64(c&0x7f) << shift
			if c < 0x80 {
				return int64(u>>1) ^ -int64(u&1), nil
			}
		}
		return 0, errors.New("long too long")
	}
	for _, f := range fields {
		switch f.Type {
		case TypeString:
			n, err := long()
			if err != nil {
				return nil, err
			}
			if n < 0 || n > int64(len(b)) {
				return nil, errors.New("bad string length")
			}
			out[f.Name] = string(b[:n])
			b = b[n:]
		case TypeLong:
			n, err := long()
			if err != nil {
				return nil, err
			}
			out[f.Name] = float64(n) // as encoding/json decodes numbers
		case TypeTimestamp:
			n, err := long()
			if err != nil {
				return nil, err
			}
			out[f.Name] = time.UnixMilli(n).UTC().Format(timeLayout)
		case TypeDouble:
			if len(b) < 8 {
				return nil, errors.New("eof in double")
			}
			out[f.Name] = math.Float64frombits(binary.LittleEndian.Uint64(b))
			b = b[8:]
		case TypeBool:
			if len(b) < 1 || b[0] > 1 {
				return nil, errors.New("bad boolean")
			}
			out[f.Name] = b[0] == 1
			b = b[1:]
		}
	}
	if len(b) != 0 {
		return nil, errors.New("trailing bytes")
	}
	return out, nil
}

// Avro and JSON streams with the same seed carry the same values.
func TestAvroMatchesJSON(t *testing.T) {
	for _, domain := range Domains() {
		t.Run(domain, func(t *testing.T) {
			js := newTestStream(t, domain, WithSeed(11), WithMalformed(0.05))
			av := newTestStream(t, domain, WithSeed(11), WithMalformed(0.05), WithEncoding(EncodingAvro))
			fields := js.Schema().Fields
			failed := map[Malformation]int{}
			for i := range 6000 {
				j, err := js.Next()
				if err != nil {
					t.Fatal(err)
				}
				a, err := av.Next()
				if err != nil {
					t.Fatal(err)
				}
				if j.Malformed != a.Malformed || string(j.Key) != string(a.Key) {
					t.Fatalf("event %d: JSON %v %s, Avro %v %s", i, j.Malformed, j.Key, a.Malformed, a.Key)
				}
				got, err := decodeAvro(fields, a.Value)
				if a.Malformed != MalformedNone {
					if err != nil {
						failed[a.Malformed]++
					}
					continue
				}
				if err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
				var want map[string]any
				if err := json.Unmarshal(j.Value, &want); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("event %d:\navro %v\njson %v", i, got, want)
				}
			}
			// Truncated records never decode; most others fail too.
			t.Logf("malformed records that fail to decode: %v", failed)
			if failed[MalformedSyntax] == 0 || failed[MalformedWrongType] == 0 || failed[MalformedMissingField] == 0 {
				t.Errorf("malformed records decode: %v", failed)
			}
		})
	}
}

func TestAvroSchemaText(t *testing.T) {
	s := NewIoT(1).Schema()
	var got struct {
		Type, Name, Namespace string
		Fields                []struct {
			Name string
			Type any
		}
	}
	if err := json.Unmarshal([]byte(s.AvroSchema()), &got); err != nil {
		t.Fatal(err)
	}
	if got.Type != "record" || got.Name != "Iot" || got.Namespace != "sparkwire.producers" {
		t.Errorf("header %+v", got)
	}
	if ts, ok := got.Fields[1].Type.(map[string]any); !ok || ts["logicalType"] != "timestamp-millis" || ts["type"] != "long" {
		t.Errorf("event_time type %v", got.Fields[1].Type)
	}
	if got.Fields[5].Type != "double" || got.Fields[8].Type != "boolean" {
		t.Errorf("field types %v", got.Fields)
	}
}

func TestJSONString(t *testing.T) {
	for in, want := range map[string]string{
		"plain": `"plain"`, `q"b\`: `"q\"b\\"`, "a\nb\t\x01": `"a\nb\t\u0001"`, "°C": `"°C"`, "bad\xff": `"bad\ufffd"`,
	} {
		got := string(appendJSONString(nil, in))
		if got != want {
			t.Errorf("%q: got %s, want %s", in, got, want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
	for f, want := range map[float64]string{1.5: "1.5", 0: "0", 1e21: "1e+21", 1e-7: "1e-07", -2.25: "-2.25", math.NaN(): "null"} {
		var c encoder
		v := Double(f)
		if got := string(c.appendJSON(nil, &v)); got != want {
			t.Errorf("%v: got %s, want %s", f, got, want)
		}
	}
}

func TestAppendTimestamp(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999_000_000, time.UTC),
		time.Date(1900, 2, 28, 1, 2, 3, 4_000_000, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 29, 13, 14, 15, 16_000_000, time.FixedZone("x", 3600)),
	} {
		want := tm.UTC().Format(timeLayout)
		if got := string(appendTimestamp(nil, tm.UnixMilli())); got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
	// The cache gives the same text whether or not consecutive timestamps share their
	// second, before the epoch and outside years 0 to 9999 too.
	// With a prefix, too, and into buffers with and without room.
	for _, prefix := range []string{"", `","event_time":"`, `","a_name_longer_than_the_cache_holds":"`} {
		c := newTimestampCache(prefix)
		for i, ms := range []int64{0, 1, 999, 1000, 999, -1, -1000, -1001, -1, 253402300799999, 253402300800000, 253402300799998, 1735689600123, 1735689600999} {
			want := "x" + prefix + time.UnixMilli(ms).UTC().Format(timeLayout)
			dst := append(make([]byte, 0, i*8), 'x')
			if got := string(c.append(dst, ms)); got != want {
				t.Errorf("cache, %d ms: got %s, want %s", ms, got, want)
			}
		}
	}
}

func TestNumberedStrings(t *testing.T) {
	for _, tc := range []struct {
		v    Value
		want string
	}{
		{text("e-").withHex(0xfedcba9876543210), "e-fedcba9876543210"},
		{text("").withHex(1), "0000000000000001"},
		{text("m-").withDec(12345), "m-12345"},
		{text("/product/").withDec(0), "/product/0"},
		{text("x").withDec(-9), "x-9"},
		{text("").withDec(math.MinInt64), "-9223372036854775808"},
		{text("").withDec(math.MaxInt64), "9223372036854775807"},
	} {
		if got := tc.v.Any(); got != tc.want {
			t.Errorf("Any() = %v, want %s", got, tc.want)
		}
		var c encoder
		if got, want := string(c.appendJSON(nil, &tc.v)), `"`+tc.want+`"`; got != want {
			t.Errorf("JSON: got %s, want %s", got, want)
		}
		plain := String(tc.want)
		if got, want := appendAvro(nil, &tc.v), appendAvro(nil, &plain); string(got) != string(want) {
			t.Errorf("%s: Avro: got %x, want %x", tc.want, got, want)
		}
	}
}

func TestAppendInt(t *testing.T) {
	ns := []int64{-1, -100, math.MaxInt64, math.MinInt64}
	for p := int64(1); p <= 1e9; p *= 10 {
		ns = append(ns, p-1, p, p+1, 5*p)
	}
	for _, n := range ns {
		if got, want := string(appendInt([]byte("x"), n)), "x"+strconv.FormatInt(n, 10); got != want {
			t.Errorf("appendInt(%d) = %s, want %s", n, got, want)
		}
	}
}
