package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
)

// qualityProgress is a progress report of a job's query as Spark 4.1 returns it from the
// query's progress commands (observations as values with their schema).
func qualityProgress(id, runID string, batch, malformed, late int64) string {
	b, _ := json.Marshal(map[string]any{
		"id": id, "runId": runID, "batchId": batch, "timestamp": "2026-01-01T00:00:00.000Z", "batchDuration": 80,
		"sources": []map[string]any{{"description": "kafka", "numInputRows": 100, "inputRowsPerSecond": 10.0, "processedRowsPerSecond": 20.0}},
		"observedMetrics": map[string]any{"quality": map[string]any{
			"values": []int64{100, malformed, late},
			"schema": map[string]any{"type": "struct", "fields": []map[string]any{
				{"name": "records", "type": "long"}, {"name": "malformed", "type": "long"}, {"name": "late", "type": "integer"}}},
		}},
	})
	return string(b)
}

// status shows each query's malformed and late events of its latest batch, from the
// quality observation of the jobs; other queries show "-".
func TestStatusQuality(t *testing.T) {
	c := newTestCLI(t)
	t.Setenv("SPARKWIRE_CONNECT_URL", c.srv.URL())
	t.Setenv("SPARKWIRE_SPARK_KAFKA_BROKERS", "kafka:9092")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := c.srv.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	job, err := s.ReadStream().Format("rate").Load().WriteStream().Format("memory").QueryName("pv_quarantine").Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.ReadStream().Format("rate").Load().WriteStream().Format("memory").QueryName("plain").Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.srv.SetQueryProgress(job.ID(), qualityProgress(job.ID(), job.RunID(), 3, 9, 9), qualityProgress(job.ID(), job.RunID(), 4, 7, 2))
	c.srv.SetQueryProgress(other.ID(), `{"id":"`+other.ID()+`","batchId":1,"timestamp":"2026-01-01T00:00:00.000Z"}`)

	r := c.run("status")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.code != 0 || len(lines) != 3 {
		t.Fatalf("status: %s", r)
	}
	header := strings.Fields(lines[0])
	col := func(name string) int {
		for i, h := range header {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s in %q", name, lines[0])
		return -1
	}
	rows := map[string][]string{}
	for _, l := range lines[1:] {
		// Multi-word headers (INPUT ROWS/S) take two fields: compare from the right.
		f := strings.Fields(l)
		rows[f[0]] = f
	}
	fromRight := func(row []string, name string) string {
		return row[len(row)-(len(header)-col(name))]
	}
	for name, want := range map[string][2]string{"pv_quarantine": {"7", "2"}, "plain": {"-", "-"}} {
		row, ok := rows[name]
		if !ok {
			t.Fatalf("no row for %s:\n%s", name, r.stdout)
		}
		if got := [2]string{fromRight(row, "MALFORMED"), fromRight(row, "LATE")}; got != want {
			t.Errorf("%s: malformed, late = %v, want %v\n%s", name, got, want, r.stdout)
		}
	}
}

// watch shows each batch's quality from the listener's progress events (observations as
// metric name → value), and other observations by name.
func TestWatchQuality(t *testing.T) {
	c := newTestCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := c.srv.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	q, err := s.ReadStream().Format("rate").Load().WriteStream().Format("memory").QueryName("pv_kafka").Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background())

	var out syncBuffer
	done := make(chan result, 1)
	go func() { done <- c.runTo(ctx, &out, "watch", "pv_kafka", "--connect", c.srv.URL()) }()
	const want = "batch 5: 42 rows, in 4.2/s, processed 8.4/s, 120 ms, state rows 0, watermark -, malformed 3, late 1, extra{max_ts=2026-01-01 00:00:49 ratio=0.25}\n"
	for !strings.Contains(out.String(), want) {
		c.srv.PublishProgress(`{"id":"` + q.ID() + `","runId":"` + q.RunID() + `","batchId":5,"numInputRows":42,` +
			`"inputRowsPerSecond":4.2,"processedRowsPerSecond":8.4,"batchDuration":120,"timestamp":"2025-01-01T00:00:00.000Z",` +
			`"observedMetrics":{"quality":{"records":42,"malformed":3,"late":1},"extra":{"ratio":0.25,"max_ts":"2026-01-01 00:00:49"}}}`)
		select {
		case r := <-done:
			t.Fatalf("watch ended early: %s", r)
		case <-ctx.Done():
			t.Fatalf("no batch with its quality shown:\n%s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	c.srv.PublishTerminated(q.ID(), q.RunID(), "", "")
	if r := <-done; r.code != 0 {
		t.Fatalf("watch: %s", r)
	}
}

func TestObservedText(t *testing.T) {
	var p connect.QueryProgress
	if err := json.Unmarshal([]byte(`{"observedMetrics":{"b":{"n":null},"a":{"values":[1767225649000],"schema":{"type":"struct","fields":[{"name":"t","type":"timestamp"}]}}}}`), &p); err != nil {
		t.Fatal(err)
	}
	if got, want := observedText(p), "a{t=2026-01-01 00:00:49}, b{n=null}"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := observedText(connect.QueryProgress{}); got != "" {
		t.Errorf("no observations: %q", got)
	}
	if got := observedText(connect.QueryProgress{ObservedMetric: map[string]json.RawMessage{"x": json.RawMessage(`[1]`)}}); !strings.Contains(got, "unreadable") {
		t.Errorf("broken observation: %q", got)
	}
}
