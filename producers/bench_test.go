package producers

import (
	"testing"
	"time"
)

// BenchmarkGenerate measures generating and encoding one event as the producer does,
// into a reused buffer: ns/op is ns/event, and B/event the size of the encoded value
// (plus key).
func BenchmarkGenerate(b *testing.B) {
	benchDomains(b, func(s *Stream) func() (Event, error) {
		buf := make([]byte, 0, 64<<10)
		return func() (Event, error) {
			if len(buf) > 60<<10 {
				buf = buf[:0]
			}
			var ev Event
			next, err := s.next(buf, &ev)
			buf = next
			return ev, err
		}
	})
}

// BenchmarkStreamNext is BenchmarkGenerate through Stream.Next, which carves every event
// from fresh buffers.
func BenchmarkStreamNext(b *testing.B) {
	benchDomains(b, func(s *Stream) func() (Event, error) { return s.Next })
}

// benchDomains runs a benchmark of every domain and encoding, with 5% late and 1%
// malformed events, over the events that next (made for the domain's stream) returns.
func benchDomains(b *testing.B, next func(*Stream) func() (Event, error)) {
	for _, domain := range Domains() {
		for _, enc := range []Encoding{EncodingJSON, EncodingAvro} {
			b.Run(domain+"/"+enc.String(), func(b *testing.B) {
				s := newTestStream(b, domain, WithEncoding(enc), WithLateness(0.05, time.Minute), WithMalformed(0.01))
				nextEvent := next(s)
				b.ReportAllocs()
				var size int
				for b.Loop() {
					ev, err := nextEvent()
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

// BenchmarkGenerateChunked is BenchmarkGenerate with the producer's memory pattern: events
// are written into 40 chunk buffers in turn, about as many as franz-go keeps in flight,
// so that the buffers are not in the CPU's nearest caches when written.
func BenchmarkGenerateChunked(b *testing.B) {
	s := newTestStream(b, "clickstream", WithLateness(0.05, time.Minute), WithMalformed(0.01))
	bufs := make([][]byte, 40)
	for i := range bufs {
		bufs[i] = make([]byte, 0, batch*320)
	}
	i, n := 0, 0
	var ev Event
	for b.Loop() {
		if n == batch {
			i, n = (i+1)%len(bufs), 0
			bufs[i] = bufs[i][:0]
		}
		buf, err := s.next(bufs[i], &ev)
		if err != nil {
			b.Fatal(err)
		}
		bufs[i] = buf
		n++
	}
}
