package producers

import (
	"testing"
	"time"
)

// BenchmarkGenerate measures generating and encoding one event as the producer does,
// into a reused buffer: ns/op is ns/event, and B/event the size of the encoded value
// (plus key). BenchmarkStreamNext measures the same through Stream.Next, which carves
// every event from fresh buffers.
func BenchmarkGenerate(b *testing.B) {
	for _, domain := range Domains() {
		for _, enc := range []Encoding{EncodingJSON, EncodingAvro} {
			b.Run(domain+"/"+enc.String(), func(b *testing.B) {
				s := newTestStream(b, domain, WithEncoding(enc), WithLateness(0.05, time.Minute), WithMalformed(0.01))
				b.ReportAllocs()
				var size int
				buf := make([]byte, 0, 64<<10)
				for b.Loop() {
					if len(buf) > 60<<10 {
						buf = buf[:0]
					}
					ev, next, err := s.next(buf)
					if err != nil {
						b.Fatal(err)
					}
					buf = next
					size += len(ev.Key) + len(ev.Value)
				}
				b.ReportMetric(float64(size)/float64(b.N), "B/event")
			})
		}
	}
}

func BenchmarkStreamNext(b *testing.B) {
	for _, domain := range Domains() {
		for _, enc := range []Encoding{EncodingJSON, EncodingAvro} {
			b.Run(domain+"/"+enc.String(), func(b *testing.B) {
				s := newTestStream(b, domain, WithEncoding(enc), WithLateness(0.05, time.Minute), WithMalformed(0.01))
				b.ReportAllocs()
				var size int
				for b.Loop() {
					ev, err := s.Next()
					if err != nil {
						b.Fatal(err)
					}
					size += len(ev.Key) + len(ev.Value)
				}
				b.ReportMetric(float64(size)/float64(b.N), "B/event")
			})
		}
	}
}
