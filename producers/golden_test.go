package producers

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"testing"
	"time"
)

// goldenStreams are the SHA-256 of the first 20,000 events (sequence, key, value, event
// time, lateness, malformation) of every domain and encoding, with late and malformed
// events. They pin the output for a seed across versions: a change that alters it must
// be deliberate, and must update these values and say so in the changelog.
var goldenStreams = map[string]string{
	"clickstream/json": "72d3937e006e571ee41021a3c86bcaff53dad78e393db4f5e327f6e012215d95",
	"clickstream/avro": "1632e1309d3f0d03aa797b92ae5099c0bd39852ecfa37490703362d61219bb44",
	"iot/json":         "45975617004bd72b3c25e2d00204588e8cf63cb8c89b4dd748472e7bd9a3db3f",
	"iot/avro":         "1a299541048eaf4b27c677896b9c8d52f62958786820612cceab4ac8376ae7c4",
	"payments/json":    "f1269f7d9ee283b46d67f44a3d941e55232c51aa0381180125a52ba8f47e1210",
	"payments/avro":    "2fece2e55e164fd4f7d80b7cc5a72ae82e573903f96fe565718215a81b237d01",
}

func TestGoldenStreams(t *testing.T) {
	for _, domain := range Domains() {
		for _, enc := range []Encoding{EncodingJSON, EncodingAvro} {
			name := domain + "/" + enc.String()
			t.Run(name, func(t *testing.T) {
				s := newTestStream(t, domain, WithSeed(42), WithEncoding(enc),
					WithLateness(0.1, 30*time.Second), WithMalformed(0.02), WithInterval(7*time.Millisecond))
				got := streamHash(t, s, 20_000)
				if want := goldenStreams[name]; got != want {
					t.Errorf("hash of the first 20,000 events = %s, want %s", got, want)
				}
			})
		}
	}
}

func streamHash(t testing.TB, s *Stream, n int) string {
	h := sha256.New()
	var buf []byte
	for range n {
		ev, err := s.Next()
		if err != nil {
			t.Fatal(err)
		}
		buf = binary.AppendVarint(buf[:0], ev.Seq)
		buf = binary.AppendUvarint(buf, uint64(len(ev.Key)))
		buf = append(buf, ev.Key...)
		buf = binary.AppendUvarint(buf, uint64(len(ev.Value)))
		buf = append(buf, ev.Value...)
		buf = binary.AppendVarint(buf, ev.EventTime.UnixMilli())
		buf = binary.AppendVarint(buf, int64(ev.Lateness))
		buf = append(buf, byte(ev.Malformed))
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil))
}
