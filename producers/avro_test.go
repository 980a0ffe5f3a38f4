package producers

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"reflect"
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
