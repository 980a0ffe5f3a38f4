package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// 'sparkwire run' starts the job's queries and keeps them running: a failed query makes it
// log a restart and start them again in a new session; an interrupt stops them and exits 0.
func TestRunRestartsFailedJob(t *testing.T) {
	c := newTestCLI(t)
	t.Setenv("SPARKWIRE_CONNECT_URL", c.srv.URL())
	t.Setenv("SPARKWIRE_SPARK_KAFKA_BROKERS", "kafka:9092")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out syncBuffer
	done := make(chan result, 1)
	go func() {
		done <- c.runTo(ctx, &out, "run", "pageviews", "--name", "pv", "--poll", "10ms", "--backoff", "10ms")
	}()
	started := regexp.MustCompile(`started (\S+) +id (\S+) \(session (\S+)\)`)
	waitUntil(t, "the first start", func() bool { return len(started.FindAllString(out.String(), -1)) == 3 })
	first := started.FindStringSubmatch(out.String())
	if !c.srv.FailQuery(first[2], "STREAM_FAILED", "boom") {
		t.Fatalf("the server does not know query %s", first[2])
	}
	waitUntil(t, "the restart", func() bool { return len(started.FindAllString(out.String(), -1)) == 6 })
	all := started.FindAllStringSubmatch(out.String(), -1)
	if all[0][3] == all[3][3] {
		t.Errorf("the restart used the same session %s", all[0][3])
	}
	cancel()
	r := <-done
	if r.code != 0 || !strings.HasSuffix(r.stdout, "stopped\n") {
		t.Fatalf("run: %s", r)
	}
	if !strings.Contains(r.stderr, "supervisor: restarting") || !strings.Contains(r.stderr, "boom") {
		t.Errorf("no restart logged: %s", r.stderr)
	}
	if act := c.srv.ActiveQueries(); len(act) != 0 {
		t.Errorf("queries still active after run ended: %v", act)
	}
}

func TestRunUsage(t *testing.T) {
	c := newTestCLI(t)
	for _, args := range [][]string{
		{"run"},
		{"run", "nosuch"},
		{"run", "pageviews", "--backoff", "0s"},
		{"run", "pageviews", "--backoff", "2s", "--max-backoff", "1s"},
		{"run", "pageviews", "--max-restarts", "-1"},
		{"run", "pageviews", "--param", "x"},
	} {
		if r := c.run(args...); r.code != 2 {
			t.Errorf("%v: %s", args, r)
		}
	}
}

// waitUntil polls cond for up to 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
