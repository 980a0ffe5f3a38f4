package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// A query that fails while submit watches it is reported with the server's message (exit
// 1), the job's other queries are stopped, and status lists all three as terminated, the
// failed one with its error, until the job is submitted again.
func TestSubmitReportsEarlyFailure(t *testing.T) {
	c := newTestCLI(t)
	t.Setenv("SPARKWIRE_CONNECT_URL", c.srv.URL())
	t.Setenv("SPARKWIRE_SPARK_KAFKA_BROKERS", "kafka:9092")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out syncBuffer
	done := make(chan result, 1)
	go func() { done <- c.runTo(ctx, &out, "submit", "pageviews", "--name", "pv", "--settle", "10s") }()
	for len(c.srv.ActiveQueries()) < 3 {
		select {
		case r := <-done:
			t.Fatalf("submit ended before its queries started: %s", r)
		case <-time.After(5 * time.Millisecond):
		}
	}
	ids := c.srv.ActiveQueries()
	const msg = "[UNKNOWN_TOPIC_OR_PARTITION] Topic clickstream does not exist.\n\tat org.apache.kafka..."
	if !c.srv.FailQuery(ids[0], "", msg) {
		t.Fatal("no such query")
	}
	start := time.Now()
	r := <-done
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("submit took %v to notice the failure", took)
	}
	wantErr := "sparkwire: query pv_kafka failed: [UNKNOWN_TOPIC_OR_PARTITION] Topic clickstream does not exist.\n"
	if r.code != 1 || r.stderr != wantErr {
		t.Fatalf("want exit 1 and stderr %q; got %s", wantErr, r)
	}
	for _, want := range []string{"started pv_kafka ", "started pv ", "started pv_quarantine ", "stopped pv (", "stopped pv_quarantine ("} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "stopped pv_kafka") {
		t.Errorf("stopped the failed query:\n%s", r.stdout)
	}
	if n := len(c.srv.ActiveQueries()); n != 0 {
		t.Fatalf("%d queries still active", n)
	}

	r = c.run("status")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.code != 0 || len(lines) != 6 || lines[0] != "no active queries" || lines[1] != "" ||
		strings.Join(strings.Fields(lines[2]), " ") != "TERMINATED QUERY ENDED STARTED ERROR ID" {
		t.Fatalf("status: %s", r)
	}
	got := map[string]string{}
	for _, l := range lines[3:] {
		f := strings.Fields(l)
		got[f[0]] = f[1] + " " + strings.Join(f[4:len(f)-1], " ")
	}
	want := map[string]string{
		"pv_kafka":      "failed [UNKNOWN_TOPIC_OR_PARTITION] Topic clickstream does not exist.",
		"pv":            "stopped -",
		"pv_quarantine": "stopped -",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("status of %s: %q, want %q\n%s", k, got[k], v, r.stdout)
		}
	}
	if r := c.run("status", "pv_kafka"); r.code != 0 || !strings.Contains(r.stdout, "pv_kafka") || strings.Contains(r.stdout, "pv_quarantine") {
		t.Errorf("status of one query: %s", r)
	}

	// Submitted again, the job's queries replace the terminated ones in status.
	if r := c.run("submit", "pageviews", "--name", "pv", "--settle", "0s"); r.code != 0 {
		t.Fatalf("submit again: %s", r)
	}
	r = c.run("status", "pv")
	if r.code != 0 || strings.Contains(r.stdout, "TERMINATED") || strings.Count(r.stdout, "\n") != 4 {
		t.Fatalf("status after a new submit: %s", r)
	}
	if r := c.run("stop", "pv"); r.code != 0 {
		t.Fatalf("stop: %s", r)
	}
	if r := c.run("status"); r.code != 0 || r.stdout != "no active queries\n" {
		t.Fatalf("status after stop, want the stopped queries forgotten: %s", r)
	}
}

// Queries that keep running through the settle time are not reported.
func TestSubmitSettles(t *testing.T) {
	c := newTestCLI(t)
	t.Setenv("SPARKWIRE_CONNECT_URL", c.srv.URL())
	t.Setenv("SPARKWIRE_SPARK_KAFKA_BROKERS", "kafka:9092")
	start := time.Now()
	r := c.run("submit", "pageviews", "--settle", "300ms")
	if r.code != 0 || r.stderr != "" || strings.Count(r.stdout, "started ") != 3 {
		t.Fatalf("got %s", r)
	}
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Errorf("returned after %v, within the settle time", took)
	}
	if n := len(c.srv.ActiveQueries()); n != 3 {
		t.Errorf("%d active queries, want 3", n)
	}
}
