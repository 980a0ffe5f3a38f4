package producers

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The manifest agrees exactly with what the (fake) broker stored, recomputed here from
// the stored records and a second stream with the same seed.
func TestManifestMatchesLog(t *testing.T) {
	const n = 20_000
	opts := []StreamOption{WithSeed(7), WithLateness(0.05, 5*time.Minute), WithMalformed(0.01), WithInterval(10 * time.Millisecond)}
	p, fk, _, err := newFakeProducer(3, WithCount(n), WithWindow(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	m, err := p.Run(context.Background(), newTestStream(t, "clickstream", opts...))
	if err != nil {
		t.Fatal(err)
	}
	if m.Produced != n || m.Acked != n || m.Failed != 0 || m.Stopped != "count" || len(fk.log) != n {
		t.Fatalf("produced %d, acked %d, failed %d, stopped %q, log %d", m.Produced, m.Acked, m.Failed, m.Stopped, len(fk.log))
	}
	// The expectation is computed here from the broker's log and the replayed events, by
	// code of its own: the recorder that built m is what this test checks.
	wantKeys := map[string]int64{}
	wantWindows := map[string]WindowCount{}
	wantParts := map[int32]PartitionRange{}
	wantKinds := map[string]int64{}
	var wantLate, wantMalformed, wantBytes, wantMaxLate int64
	var wantMin, wantMax time.Time
	replay := newTestStream(t, "clickstream", opts...)
	for i, r := range fk.log {
		ev, err := replay.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ev.Key, r.Key) || !bytes.Equal(ev.Value, r.Value) {
			t.Fatalf("record %d differs from the replayed stream", i)
		}
		wantKeys[string(r.Key)]++
		wantBytes += int64(len(r.Key) + len(r.Value))
		pr, seen := wantParts[r.Partition]
		if !seen || r.Offset < pr.FirstOffset {
			pr.FirstOffset = r.Offset
		}
		if !seen || r.Offset > pr.LastOffset {
			pr.LastOffset = r.Offset
		}
		pr.Records++
		wantParts[r.Partition] = pr
		et := ev.EventTime.UTC()
		if i == 0 || et.Before(wantMin) {
			wantMin = et
		}
		if i == 0 || et.After(wantMax) {
			wantMax = et
		}
		if ev.Lateness > 0 {
			wantLate++
			wantMaxLate = max(wantMaxLate, ev.Lateness.Milliseconds())
		}
		if ev.Malformed != MalformedNone {
			wantMalformed++
			wantKinds[ev.Malformed.String()]++
			continue
		}
		w := wantWindows[et.Truncate(time.Minute).Format(time.RFC3339)]
		w.Events++
		if ev.Lateness > 0 {
			w.Late++
		}
		wantWindows[et.Truncate(time.Minute).Format(time.RFC3339)] = w
	}
	for name, pair := range map[string][2]any{
		"keys": {m.Keys, wantKeys}, "windows": {m.Windows, wantWindows}, "partitions": {m.Partitions, wantParts},
		"malformed kinds": {m.MalformedKinds, wantKinds}, "late": {m.Late, wantLate}, "malformed": {m.Malformed, wantMalformed},
		"max lateness": {m.MaxLatenessMillis, wantMaxLate},
		"bytes":        {m.AckedBytes, wantBytes}, "min time": {m.MinEventTime, wantMin}, "max time": {m.MaxEventTime, wantMax},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("%s: manifest %v, log %v", name, pair[0], pair[1])
		}
	}
	var total, windowed int64
	for _, c := range m.Keys {
		total += c
	}
	for _, wc := range m.Windows {
		windowed += wc.Events
	}
	if total != n || windowed != n-m.Malformed {
		t.Errorf("keys sum to %d, windows to %d (malformed %d)", total, windowed, m.Malformed)
	}
	if m.Late < n*4/100 || m.Late > n*6/100 || m.Malformed < n/200 || m.Malformed > n*2/100 {
		t.Errorf("late %d, malformed %d", m.Late, m.Malformed)
	}
	if m.MaxLatenessMillis > 300_000 || m.MaxLatenessMillis < 250_000 {
		t.Errorf("max lateness %dms", m.MaxLatenessMillis)
	}
	for part, pr := range m.Partitions {
		if pr.FirstOffset != 0 || pr.LastOffset != pr.Records-1 {
			t.Errorf("partition %d: %+v", part, pr)
		}
	}
	if _, ok := m.Windows["2025-01-01T00:00:00Z"]; !ok || m.WindowMillis != 60_000 {
		t.Errorf("windows %v", m.Windows)
	}
	if m.Domain != "clickstream" || m.Seed != 7 || m.Encoding != "json" || m.Topic != "events" || m.Rate != "unlimited" {
		t.Errorf("header %+v", m)
	}

	// And it survives a trip through a file.
	path := filepath.Join(t.TempDir(), "m.json")
	if err := m.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	back, err := ReadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, m) {
		t.Errorf("manifest changed in a file:\n%+v\n%+v", back, m)
	}
}

// Rejected records are counted, by reason, and reported: never dropped in silence.
func TestRejectedRecordsCounted(t *testing.T) {
	p, fk, _, err := newFakeProducer(2, WithCount(5000))
	if err != nil {
		t.Fatal(err)
	}
	fk.reject = func(r *kgo.Record) error {
		if len(r.Value) > 262 {
			return kerr.MessageTooLarge
		}
		return nil
	}
	m, err := p.Run(context.Background(), newTestStream(t, "clickstream", WithEncoding(EncodingJSON)))
	var de *DeliveryError
	if !errors.As(err, &de) || !errors.Is(err, ErrDelivery) || !errors.Is(err, kerr.MessageTooLarge) {
		t.Fatalf("got %v, want a DeliveryError for MessageTooLarge", err)
	}
	if m == nil || m.Failed == 0 || m.Failed+m.Acked != 5000 || de.Failed != m.Failed || int64(len(fk.log)) != m.Acked {
		t.Fatalf("manifest %+v, error %+v", m, de)
	}
	if got := m.Errors["MESSAGE_TOO_LARGE"]; got != m.Failed {
		t.Errorf("errors %v, failed %d", m.Errors, m.Failed)
	}
	var keyed int64
	for _, c := range m.Keys {
		keyed += c
	}
	if keyed != m.Acked {
		t.Errorf("keys count %d, acked %d", keyed, m.Acked)
	}
	if st := p.Stats(); st.Failed != m.Failed || st.Acked != m.Acked || st.Produced != 5000 {
		t.Errorf("stats %+v", st)
	}
}

func TestUnreachableBroker(t *testing.T) {
	p, _, _, err := newFakeProducer(1, WithConnectTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	p.kafka.(*fakeKafka).pingErr = errors.New("dial tcp 127.0.0.1:1: connection refused")
	m, err := p.Run(context.Background(), newTestStream(t, "iot"))
	if !errors.Is(err, ErrBrokerUnreachable) || m != nil {
		t.Fatalf("got %v, %v; want ErrBrokerUnreachable", m, err)
	}
	if !strings.Contains(err.Error(), "fake:9092") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error does not name the broker and the cause: %v", err)
	}
}

// Cancelling stops generation; what was produced is flushed and reported, no error.
func TestCancelFlushesAndReports(t *testing.T) {
	p, fk, _, err := newFakeProducer(3)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fk.onProduce = func(n int) {
		if n == 1234 {
			cancel()
		}
	}
	m, err := p.Run(ctx, newTestStream(t, "payments"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Stopped != "canceled" || m.Produced < 1234 || m.Acked != m.Produced || int64(len(fk.log)) != m.Acked {
		t.Errorf("stopped %q, produced %d, acked %d, log %d", m.Stopped, m.Produced, m.Acked, len(fk.log))
	}
	// A run on a cancelled context does nothing.
	if _, err := p.Run(ctx, newTestStream(t, "payments")); !errors.Is(err, context.Canceled) {
		t.Errorf("run on a cancelled context: %v", err)
	}
}

func TestProgressCallback(t *testing.T) {
	var calls atomic.Int64
	var last atomic.Value
	p, _, _, err := newFakeProducer(1, WithCount(3000), WithProgress(time.Hour, func(s Stats) {
		calls.Add(1)
		last.Store(s)
	}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(context.Background(), newTestStream(t, "iot")); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 || last.Load().(Stats).Acked != 3000 {
		t.Errorf("%d calls, last %+v", calls.Load(), last.Load())
	}
}

func TestProducerOptionErrors(t *testing.T) {
	for _, opts := range [][]Option{
		{WithLinger(-1)},
		{WithMaxBatchBytes(10)},
		{WithCompression(Compression(42))},
		{WithCreateTopic(0, 1)},
		{WithCount(-1)},
		{WithDuration(-time.Second)},
		{WithWindow(0)},
		{WithRate(Steady(0))},
		{WithAcks(Acks(7))},
		{WithDeliveryTimeout(0)},
	} {
		if _, err := NewProducer([]string{"localhost:1"}, "t", opts...); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("got %v, want ErrInvalidOption", err)
		}
	}
	if _, err := NewProducer(nil, "t"); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("no brokers: %v", err)
	}
	if _, err := NewProducer([]string{"localhost:1"}, ""); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("no topic: %v", err)
	}
	for _, name := range []string{"none", "gzip", "snappy", "lz4", "ZSTD"} {
		c, err := ParseCompression(name)
		if err != nil || !strings.EqualFold(c.String(), name) {
			t.Errorf("%s: %v %v", name, c, err)
		}
	}
	if _, err := ParseCompression("brotli"); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("brotli: %v", err)
	}
	if e, err := ParseEncoding("AVRO"); err != nil || e != EncodingAvro {
		t.Errorf("avro: %v %v", e, err)
	}
}
