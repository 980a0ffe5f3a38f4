package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

func TestAttributeExact(t *testing.T) {
	a := pvKey{Window: t0.UnixMilli(), Page: "/a"}
	b := pvKey{Window: t0.UnixMilli(), Page: "/b"}
	evs := []inEvent{
		// Partition 0: offsets 0..3; partition 1: offsets 0..1.
		{Partition: 0, Offset: 0, Sent: at(0), Counted: true, Key: a},
		{Partition: 0, Offset: 1, Sent: at(100), Counted: false},
		{Partition: 0, Offset: 2, Sent: at(1200), Counted: true, Key: a},
		{Partition: 0, Offset: 3, Sent: at(2100), Counted: true, Key: b},
		{Partition: 1, Offset: 0, Sent: at(50), Counted: true, Key: a},
		{Partition: 1, Offset: 1, Sent: at(1900), Counted: true, Key: a},
	}
	batches := []batchEnd{
		{BatchID: 1, End: map[int32]int64{0: 2, 1: 1}}, // reads p0 0,1 and p1 0: a=2
		{BatchID: 2, End: map[int32]int64{0: 3, 1: 1}}, // reads p0 2: a=3
		{BatchID: 3, End: map[int32]int64{0: 4, 1: 2}}, // reads p0 3 (b=1), p1 1: a=4
	}
	out := []outRecord{
		{Key: a, Views: 2, Appended: at(1500), Received: at(1510)},
		{Key: a, Views: 2, Appended: at(1600), Received: at(1610)}, // a replayed batch: later, same count
		{Key: a, Views: 3, Appended: at(2500), Received: at(2520)},
		{Key: b, Views: 1, Appended: at(3400), Received: at(3401)},
		{Key: a, Views: 4, Appended: at(3500), Received: at(3530)},
	}
	got := attribute(evs, batches, out)
	want := []time.Duration{1510 * time.Millisecond, 2520*time.Millisecond - 1200*time.Millisecond,
		3401*time.Millisecond - 2100*time.Millisecond, 1460 * time.Millisecond, 3530*time.Millisecond - 1900*time.Millisecond}
	if len(got.Latency) != len(want) {
		t.Fatalf("latencies %v, want %v", got.Latency, want)
	}
	for i := range want {
		if got.Latency[i] != want[i] {
			t.Errorf("event %d: latency %v, want %v", i, got.Latency[i], want[i])
		}
	}
	if got.ByAppend[0] != 1500*time.Millisecond {
		t.Errorf("append latency %v, want 1.5s", got.ByAppend[0])
	}
	if got.Unread != 0 || got.Unmatched != 0 {
		t.Errorf("unread %d, unmatched %d, want 0", got.Unread, got.Unmatched)
	}
}

func TestAttributeUnreadAndUnmatched(t *testing.T) {
	a := pvKey{Window: 0, Page: "/a"}
	evs := []inEvent{
		{Partition: 0, Offset: 0, Sent: at(0), Counted: true, Key: a},
		{Partition: 0, Offset: 1, Sent: at(10), Counted: true, Key: a},
		{Partition: 0, Offset: 2, Sent: at(20), Counted: true, Key: a},
	}
	batches := []batchEnd{{BatchID: 0, End: map[int32]int64{0: 1}}, {BatchID: 1, End: map[int32]int64{0: 2}}}
	// Batch 1 wrote a=2, but the consumer did not get it.
	out := []outRecord{{Key: a, Views: 1, Received: at(900), Appended: at(900)}}
	got := attribute(evs, batches, out)
	if got.Latency[0] != 900*time.Millisecond || got.Latency[1] != -1 || got.Latency[2] != -1 {
		t.Errorf("latencies %v, want [900ms -1 -1]", got.Latency)
	}
	if got.Unmatched != 1 || got.Unread != 1 {
		t.Errorf("unmatched %d, unread %d; want 1 and 1", got.Unmatched, got.Unread)
	}
}

func TestBatchEnds(t *testing.T) {
	mk := func(id, rows int64, end string) progressReport {
		return connect.QueryProgress{BatchID: id, NumInputRows: rows, Sources: []connect.SourceProgress{{EndOffset: json.RawMessage(end)}}}
	}
	ps := []progressReport{
		mk(2, 5, `{"t":{"0":9,"1":4}}`),
		mk(1, 3, `"{\"t\":{\"0\":3,\"1\":2}}"`), // offsets as a JSON string, as Spark Connect sends them
		mk(2, 5, `{"t":{"0":9,"1":4}}`),         // the same report again
		mk(3, 0, `{"t":{"0":9,"1":4}}`),         // an empty batch
	}
	got, err := batchEnds(ps)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].BatchID != 1 || got[1].BatchID != 2 || got[0].End[1] != 2 || got[1].End[0] != 9 {
		t.Errorf("batch ends %+v", got)
	}
	// A missing report: batch 5 starts where no batch before it ended.
	gap := mk(5, 2, `{"t":{"0":12,"1":4}}`)
	gap.Sources[0].StartOffset = json.RawMessage(`{"t":{"0":10,"1":4}}`)
	if _, err := batchEnds(append(ps, gap)); err == nil || !strings.Contains(err.Error(), "miss a batch") {
		t.Errorf("a missing batch: error %v", err)
	}
	ok := mk(5, 2, `{"t":{"0":12,"1":4}}`)
	ok.Sources[0].StartOffset = json.RawMessage(`{"t":{"0":9,"1":4}}`)
	if _, err := batchEnds(append(ps, ok)); err != nil {
		t.Errorf("consecutive batches: %v", err)
	}
	if _, err := kafkaOffsets(json.RawMessage(`{"a":{"0":1},"b":{"0":1}}`)); err == nil {
		t.Error("two topics: no error")
	}
	if _, err := kafkaOffsets(json.RawMessage(`{"a":{"x":1}}`)); err == nil {
		t.Error("partition x: no error")
	}
}

func TestQuantile(t *testing.T) {
	v := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct {
		q    float64
		want int
	}{{0, 1}, {0.5, 5}, {0.99, 10}, {1, 10}, {0.1, 1}, {0.11, 2}} {
		if got := quantile(v, c.q); got != c.want {
			t.Errorf("quantile(%v) = %d, want %d", c.q, got, c.want)
		}
	}
	if got := quantile([]int(nil), 0.5); got != 0 {
		t.Errorf("quantile of none = %d", got)
	}
}

func TestParseVariantAndFlags(t *testing.T) {
	v, err := parseVariant("p4 rocks:spark.sql.shuffle.partitions=4,maxOffsetsPerTrigger=5000")
	if err != nil {
		t.Fatal(err)
	}
	if v.label != "p4 rocks" || v.maxOffsets != 5000 || len(v.confs) != 1 || v.confs[0] != "spark.sql.shuffle.partitions=4" {
		t.Errorf("variant %+v", v)
	}
	for _, bad := range []string{"nolabel", ":a=b", "x:a", "x:maxOffsetsPerTrigger=-1"} {
		if _, err := parseVariant(bad); err == nil {
			t.Errorf("parseVariant(%q): no error", bad)
		}
	}
	t.Setenv("SPARKWIRE_CONNECT_URL", "sc://localhost:1")
	t.Setenv("SPARKWIRE_KAFKA_BROKERS", "localhost:2")
	t.Setenv("SPARKWIRE_SPARK_KAFKA_BROKERS", "")
	o, err := parseFlags([]string{"-smoke"})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.rates) != 1 || o.reps != 1 || len(o.clients) != 1 || o.clients[0] != "sparkwire" || o.out != ".build/pipeline-smoke" || o.sparkBrokers != "localhost:2" {
		t.Errorf("smoke options %+v", o)
	}
	if len(o.variants) != 1 || o.variants[0].label != "defaults" {
		t.Errorf("variants %+v", o.variants)
	}
	for _, args := range [][]string{
		{"-rates", "0"}, {"-rates", "x"}, {"-clients", "scala"}, {"-warmup", "2m"}, {"-reps", "0"},
		{"-conf", "novalue"}, {"-settings", "a:x=1", "-conf", "y=2"},
	} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q): no error", args)
		}
	}
}

func TestSummaryAndChart(t *testing.T) {
	o := options{rates: []float64{1000, 2000}, clients: []string{"sparkwire", "pyspark"}, reps: 2,
		variants: []variant{{label: "defaults"}}, trigger: time.Second, step: time.Minute, warmup: 10 * time.Second, partitions: 3}
	var rs []stepResult
	for rep := 1; rep <= 2; rep++ {
		for _, c := range o.clients {
			rs = append(rs, stepResult{Label: "defaults", Client: c, Rate: 1000, Rep: rep, KeptUp: true, SentRate: 1000, ProcessedRate: 1000, Batches: 50,
				BatchP50: 400 * time.Millisecond, P50: 900 * time.Millisecond, P99: 1800 * time.Millisecond})
		}
	}
	// At 2000 events/s PySpark's second repetition has no p99 (events never read).
	rs = append(rs, stepResult{Label: "defaults", Client: "sparkwire", Rate: 2000, Rep: 1, Batches: 20, BatchP50: time.Second, P50: 2 * time.Second, P99: 4 * time.Second},
		stepResult{Label: "defaults", Client: "pyspark", Rate: 2000, Rep: 1, BatchP50: time.Second, P50: 2 * time.Second, P99: -1})
	s := summary(o, rs)
	for _, want := range []string{"| 1000 | sparkwire | 2 of 2 | 1.00 | 400 |", "| 2000 | pyspark | 0 of 1 | 0.00 | ∞ | ∞ | 2.00 | ∞ |", "| pyspark / sparkwire (defaults) | 1000 | 1.00 | 1.00 | 1.00 |"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	c := chart(o, rs)
	if !c.XLog || len(c.Panels) != 2 || len(c.Panels[0].Series) != 4 {
		t.Fatalf("chart %+v", c)
	}
	// PySpark's p99 at 2000/s is infinite: left out of the line.
	if n := len(c.Panels[0].Series[3].Points); n != 1 {
		t.Errorf("pyspark p99 has %d points, want 1", n)
	}
}
