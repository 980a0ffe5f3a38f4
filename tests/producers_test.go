package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sparkwire/sparkwire/producers"
)

// 20,000 clickstream events, 5% late and 1% malformed, go to a 3-partition topic; read
// back, the topic holds exactly what the manifest says: every record once, byte for byte
// the seeded stream, with the counts per key, partition, window and offsets it reports.
func TestProducerManifestMatchesTopic(t *testing.T) {
	const n = 20_000
	ctx := testCtx(t, 5*time.Minute)
	topic := newTopic(t, ctx, 3)
	streamOpts := []producers.StreamOption{
		producers.WithSeed(42),
		producers.WithLateness(0.05, 5*time.Minute),
		producers.WithMalformed(0.01),
		producers.WithInterval(10 * time.Millisecond),
	}
	stream, err := producers.NewStream(producers.NewClickstream(0), streamOpts...)
	if err != nil {
		t.Fatal(err)
	}
	p, err := producers.NewProducer(env.Brokers(), topic, producers.WithCount(n), producers.WithCompression(producers.CompressionLZ4))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	m, err := p.Run(ctx, stream)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if m.Produced != n || m.Acked != n || m.Failed != 0 || m.Stopped != "count" {
		t.Fatalf("produced %d, acked %d, failed %d, stopped %q", m.Produced, m.Acked, m.Failed, m.Stopped)
	}

	// What the topic should hold: the same seed replayed, as a multiset of values.
	replay, err := producers.NewStream(producers.NewClickstream(0), streamOpts...)
	if err != nil {
		t.Fatal(err)
	}
	type meta struct {
		event producers.Event
		count int
	}
	want := make(map[string]*meta, n)
	for range n {
		ev, err := replay.Next()
		if err != nil {
			t.Fatal(err)
		}
		if w := want[string(ev.Value)]; w != nil {
			w.count++
		} else {
			want[string(ev.Value)] = &meta{ev, 1}
		}
	}

	cl := kafkaClient(t, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	keys := map[string]int64{}
	keyPartition := map[string]int32{}
	parts := map[int32]producers.PartitionRange{}
	windows := map[string]producers.WindowCount{}
	var got, malformed, late, parsedBad int64
	window := time.Duration(m.WindowMillis) * time.Millisecond
	for got < n {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records: %v", got, n, err)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s[%d]: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			got++
			w := want[string(r.Value)]
			if w == nil || w.count == 0 {
				t.Fatalf("record %d@%d: not in the stream, or a duplicate: %q", r.Partition, r.Offset, r.Value)
			}
			w.count--
			ev := w.event
			if !bytes.Equal(r.Key, ev.Key) {
				t.Fatalf("record %d@%d: key %q, want %q", r.Partition, r.Offset, r.Key, ev.Key)
			}
			keys[string(r.Key)]++
			if kp, ok := keyPartition[string(r.Key)]; ok && kp != r.Partition {
				t.Fatalf("key %s in partitions %d and %d", r.Key, kp, r.Partition)
			}
			keyPartition[string(r.Key)] = r.Partition
			pr, ok := parts[r.Partition]
			if !ok {
				pr.FirstOffset = r.Offset
			}
			pr.Records++
			pr.FirstOffset = min(pr.FirstOffset, r.Offset)
			pr.LastOffset = max(pr.LastOffset, r.Offset)
			parts[r.Partition] = pr
			if ev.Late() {
				late++
			}
			if !wellFormedClick(r.Value) {
				parsedBad++
			}
			if ev.Malformed != producers.MalformedNone {
				malformed++
				return
			}
			k := ev.EventTime.Truncate(window).UTC().Format(time.RFC3339)
			wc := windows[k]
			wc.Events++
			if ev.Late() {
				wc.Late++
			}
			windows[k] = wc
		})
	}

	// Nothing beyond what was consumed: the end offsets match the manifest.
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err != nil || ends.Error() != nil {
		t.Fatalf("end offsets: %v %v", err, ends.Error())
	}
	ends.Each(func(o kadm.ListedOffset) {
		if pr := m.Partitions[o.Partition]; o.Offset != pr.LastOffset+1 && !(o.Offset == 0 && pr.Records == 0) {
			t.Errorf("partition %d ends at %d, manifest's last offset is %d", o.Partition, o.Offset, pr.LastOffset)
		}
	})

	check := func(name string, gotV, wantV any) {
		t.Helper()
		if fmt.Sprint(gotV) != fmt.Sprint(wantV) {
			t.Errorf("%s: topic has %v, manifest says %v", name, gotV, wantV)
		}
	}
	check("records", got, m.Acked)
	check("keys", keys, m.Keys)
	check("partitions", parts, m.Partitions)
	check("windows", windows, m.Windows)
	check("malformed", malformed, m.Malformed)
	check("malformed (parsed)", parsedBad, m.Malformed)
	check("late", late, m.Late)
	if len(parts) != 3 {
		t.Errorf("records in %d partitions, want 3", len(parts))
	}
	for part, pr := range m.Partitions {
		if pr.LastOffset-pr.FirstOffset+1 != pr.Records {
			t.Errorf("partition %d: %d records between offsets %d and %d", part, pr.Records, pr.FirstOffset, pr.LastOffset)
		}
	}
	if m.Malformed < n/200 || m.Malformed > n*2/100 || m.Late < n*4/100 || m.Late > n*6/100 {
		t.Errorf("malformed %d, late %d of %d", m.Malformed, m.Late, n)
	}
	t.Logf("%d records, %d keys, %d late, %d malformed %v, %d windows", got, len(keys), m.Late, m.Malformed, m.MalformedKinds, len(m.Windows))
}

// wellFormedClick reports whether a value is a complete, well-typed clickstream record,
// parsed on its own, without the producer's bookkeeping.
func wellFormedClick(v []byte) bool {
	var rec map[string]json.RawMessage
	if json.Unmarshal(v, &rec) != nil || len(rec) != 11 {
		return false
	}
	for _, name := range []string{"event_id", "user_id", "session_id", "event_type", "page", "referrer", "element", "device", "country"} {
		var s string
		if json.Unmarshal(rec[name], &s) != nil {
			return false
		}
	}
	var dwell int64
	var ts time.Time
	return json.Unmarshal(rec["dwell_ms"], &dwell) == nil && json.Unmarshal(rec["event_time"], &ts) == nil
}

// Records the broker rejects are counted in the manifest and reported, never dropped in
// silence: a topic that takes messages of at most 1,000 bytes refuses the producer's
// batches of clickstream records.
func TestProducerRejectedRecordsCounted(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	topic := newTopic(t, ctx, 1)
	limit := "1000"
	resp, err := kadm.NewClient(kafkaClient(t)).AlterTopicConfigs(ctx,
		[]kadm.AlterConfig{{Op: kadm.SetConfig, Name: "max.message.bytes", Value: &limit}}, topic)
	if err == nil {
		_, err = resp.On(topic, nil)
	}
	if err != nil {
		t.Fatalf("alter topic config: %v", err)
	}
	stream, err := producers.NewStream(producers.NewClickstream(0))
	if err != nil {
		t.Fatal(err)
	}
	p, err := producers.NewProducer(env.Brokers(), topic, producers.WithCount(2000), producers.WithLinger(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	m, err := p.Run(ctx, stream)
	var de *producers.DeliveryError
	if !errors.As(err, &de) || !errors.Is(err, producers.ErrDelivery) {
		t.Fatalf("got %v, want a *producers.DeliveryError", err)
	}
	if m == nil || m.Failed == 0 || m.Acked+m.Failed != 2000 || de.Failed != m.Failed {
		t.Fatalf("manifest %+v, error %v", m, err)
	}
	if m.Errors["MESSAGE_TOO_LARGE"] != m.Failed {
		t.Errorf("errors %v, failed %d", m.Errors, m.Failed)
	}
	var inTopic int64
	for _, pr := range m.Partitions {
		inTopic += pr.Records
	}
	if inTopic != m.Acked {
		t.Errorf("partitions hold %d records, acked %d", inTopic, m.Acked)
	}
	t.Logf("%v; acked %d, failed %d", err, m.Acked, m.Failed)
}

// A closed port and a listener that never answers both fail within the connect timeout,
// with an error that names the broker.
func TestProducerUnreachableBroker(t *testing.T) {
	closed, silent := deadAddrs(t)
	for _, addr := range []string{closed, silent} {
		const timeout = 3 * time.Second
		p, err := producers.NewProducer([]string{addr}, "nowhere", producers.WithConnectTimeout(timeout), producers.WithCount(10))
		if err != nil {
			t.Fatal(err)
		}
		stream, err := producers.NewStream(producers.NewIoT(0))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		start := time.Now()
		m, err := p.Run(ctx, stream)
		elapsed := time.Since(start)
		cancel()
		p.Close()
		if !errors.Is(err, producers.ErrBrokerUnreachable) || m != nil {
			t.Fatalf("%s: got %v, want ErrBrokerUnreachable", addr, err)
		}
		if !strings.Contains(err.Error(), addr) {
			t.Errorf("%s: error does not name the broker: %v", addr, err)
		}
		if elapsed > timeout+2*time.Second {
			t.Errorf("%s: failed after %s, timeout %s", addr, elapsed, timeout)
		}
		t.Logf("%s: %v after %s", addr, err, elapsed.Round(time.Millisecond))
	}
}
