package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
)

func TestCancelUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"cancel"},
		{"cancel", "--tag", "a", "--all"},
		{"cancel", "--tag", "a", "--operation", "b"},
		{"cancel", "--tag", "a,b"},
		{"cancel", "--all", "extra"},
		{"sql", "--tag", "a,b", "SELECT 1"},
		{"sql", "--tag", "", "SELECT 1"},
		{"sql", "--progress", "sometimes", "SELECT 1"},
		{"results", "pv", "--progress", "sometimes"},
		{"cancel", "--all", "--session", "not-a-uuid"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			c := newTestCLI(t)
			r := c.run(append(args, "--connect", c.srv.URL())...)
			if args[len(args)-1] == "extra" {
				if r.code == 0 {
					t.Fatalf("got %s", r)
				}
				return
			}
			if r.code != 2 || r.stdout != "" {
				t.Fatalf("want a usage error, got %s", r)
			}
			if len(c.srv.Plans()) != 0 {
				t.Errorf("a usage error ran plans:\n%s", c.plansJSON())
			}
		})
	}
}

// heldSQL runs `sparkwire sql` with args in the background against a server that holds
// every query; the returned channel yields its result.
func heldSQL(c *testCLI, args ...string) <-chan result {
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		done <- c.runContext(ctx, append([]string{"sql", "--connect", c.srv.URL()}, args...)...)
	}()
	return done
}

// cancelUntil runs cancel with args until it interrupts something (the query may not have
// reached the server yet) and returns its result.
func cancelUntil(t *testing.T, c *testCLI, args ...string) result {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := c.run(append([]string{"cancel", "--connect", c.srv.URL()}, args...)...)
		if r.code != 0 {
			t.Fatalf("cancel: %s", r)
		}
		if r.stdout != "" {
			return r
		}
		if r.stderr != "sparkwire: no running operation matched\n" {
			t.Fatalf("cancel without ids: %s", r)
		}
		if time.Now().After(deadline) {
			t.Fatal("cancel found no operation")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func checkCancelled(t *testing.T, done <-chan result, id string) {
	t.Helper()
	select {
	case r := <-done:
		if r.code != 1 || !strings.Contains(r.stderr, "OPERATION_CANCELED") || r.stdout != "" {
			t.Fatalf("the cancelled sql: %s", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the cancelled sql did not return")
	}
	if !isUUIDLike(id) {
		t.Errorf("cancel printed %q, want an operation id", id)
	}
}

func isUUIDLike(s string) bool { return len(s) == 36 && strings.Count(s, "-") == 4 }

// sparkwire sql --tag in a named session, cancelled from another invocation by tag, by
// operation id, and all at once.
func TestCancel(t *testing.T) {
	for _, how := range []string{"tag", "operation", "all"} {
		t.Run(how, func(t *testing.T) {
			c := newTestCLI(t)
			defer c.srv.HoldQueries()()
			id := connect.NewSessionID()
			done := heldSQL(c, "--session", id, "--tag", "ctl_nightly", "--tag", "other", "SELECT 1")
			var r result
			switch how {
			case "tag":
				r = cancelUntil(t, c, "--session", id, "--tag", "ctl_nightly")
			case "all":
				r = cancelUntil(t, c, "--session", id, "--all")
			case "operation":
				// A wrong id interrupts nothing; the query's own id is learned from a tag
				// cancel in another session, which finds nothing either.
				if r := c.run("cancel", "--connect", c.srv.URL(), "--session", id, "--operation", connect.NewSessionID()); r.code != 0 || r.stdout != "" {
					t.Fatalf("cancel of an unknown operation: %s", r)
				}
				if r := c.run("cancel", "--connect", c.srv.URL(), "--session", connect.NewSessionID(), "--tag", "ctl_nightly"); r.code != 0 || r.stdout != "" {
					t.Fatalf("cancel in another session: %s", r)
				}
				opID := waitOperation(t, c, "ctl_nightly")
				r = cancelUntil(t, c, "--session", id, "--operation", opID)
				if strings.TrimSpace(r.stdout) != opID {
					t.Fatalf("cancel --operation %s printed %q", opID, r.stdout)
				}
			}
			checkCancelled(t, done, strings.TrimSpace(r.stdout))
		})
	}
}

// waitOperation returns the id of the first query the server received with tag.
func waitOperation(t *testing.T, c *testCLI, tag string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, p := range c.srv.Operations() {
			for _, pt := range p.Tags {
				if pt == tag && !p.Command {
					return p.ID
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no operation tagged %s", tag)
	return ""
}

// stop interrupts the operations tagged with the job's name, even with no query left.
func TestStopInterruptsJobOperations(t *testing.T) {
	c := newTestCLI(t)
	defer c.srv.HoldQueries()()
	id := connect.NewSessionID()
	done := heldSQL(c, "--session", id, "--tag", jobTag("ctl_rollup"), "SELECT 1")
	waitOperation(t, c, jobTag("ctl_rollup"))
	r := c.run("stop", "ctl_rollup", "--connect", c.srv.URL(), "--session", id)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "interrupted operation ") {
		t.Fatalf("stop: %s", r)
	}
	checkCancelled(t, done, strings.TrimPrefix(strings.TrimSpace(r.stdout), "interrupted operation "))
}

// submit tags the job's operations with the job's name.
func TestSubmitTagsOperations(t *testing.T) {
	c := newTestCLI(t)
	t.Setenv("SPARKWIRE_CONNECT_URL", c.srv.URL())
	t.Setenv("SPARKWIRE_SPARK_KAFKA_BROKERS", "kafka:9092")
	if r := c.run("submit", "pageviews", "--name", "ctl_pv", "--settle", "0s"); r.code != 0 {
		t.Fatalf("submit: %s", r)
	}
	ops := c.srv.Operations()
	n := 0
	for _, op := range ops {
		if len(op.Tags) == 1 && op.Tags[0] == "sparkwire-job-ctl_pv" {
			n++
		}
	}
	if n < 3 {
		t.Fatalf("%d of %d operations tagged: %+v", n, len(ops), ops)
	}
	if r := c.run("stop", "ctl_pv"); r.code != 0 || strings.Count(r.stdout, "stopped ctl_pv") != 3 {
		t.Fatalf("stop: %s", r)
	}
}

// --progress always shows the reports on stderr, a line per change; stdout holds the
// result alone. Off a terminal, auto shows nothing.
func TestSQLProgress(t *testing.T) {
	c := newTestCLI(t)
	c.setResult(people(t))
	c.srv.SetProgress(
		connect.ExecutionProgress{},
		connect.ExecutionProgress{Stages: []connect.StageProgress{{ID: 1, Tasks: 4, CompletedTasks: 1, InputBytesRead: 1500}}},
		connect.ExecutionProgress{Stages: []connect.StageProgress{{ID: 1, Tasks: 4, CompletedTasks: 1, InputBytesRead: 1500}}},
		connect.ExecutionProgress{Stages: []connect.StageProgress{{ID: 1, Tasks: 4, CompletedTasks: 4, InputBytesRead: 6000, Done: true}, {ID: 2, Tasks: 2, CompletedTasks: 2, Done: true}}},
	)
	r := c.run("sql", "--connect", c.srv.URL(), "--format", "csv", "--progress", "always", "SELECT * FROM t")
	if r.code != 0 || r.stdout != "id,name\n1,ada\n2,\n" {
		t.Fatalf("sql: %s", r)
	}
	// Coalescing may skip the middle reports, never the last.
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	last := "[========================] 100%  6/6 tasks  2 stages  6.0 kB read"
	if len(lines) == 0 || len(lines) > 2 || lines[len(lines)-1] != last {
		t.Fatalf("stderr %q, want at most 2 lines ending with %q", r.stderr, last)
	}
	if len(lines) == 2 && lines[0] != "[======>                 ]  25%  1/4 tasks  1 stage  1.5 kB read" {
		t.Fatalf("first line %q", lines[0])
	}
	for _, mode := range []string{"auto", "never"} {
		r := c.run("sql", "--connect", c.srv.URL(), "--format", "csv", "--progress", mode, "SELECT * FROM t")
		if r.code != 0 || r.stderr != "" || r.stdout != "id,name\n1,ada\n2,\n" {
			t.Fatalf("--progress %s: %s", mode, r)
		}
	}
	t.Setenv("SPARKWIRE_CONNECT_URL", c.srv.URL())
	r = c.run("results", "pv", "--format", "csv", "--progress", "always")
	if r.code != 0 || r.stdout != "id,name\n1,ada\n2,\n" || !strings.HasSuffix(r.stderr, last+"\n") {
		t.Fatalf("results: %s", r)
	}
}

// On a terminal the bar waits a moment, redraws one line in place, and erases it before
// the result is written.
func TestProgressBarTerminal(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(0, 0)
	b := &progressBar{w: &buf, tty: true, delay: time.Second, now: func() time.Time { return now }, start: now}
	report := func(done int64) connect.ExecutionProgress {
		return connect.ExecutionProgress{Stages: []connect.StageProgress{{Tasks: 10, CompletedTasks: done}}}
	}
	b.update(report(1))
	if buf.Len() != 0 {
		t.Fatalf("drawn before the delay: %q", buf.String())
	}
	now = now.Add(1500 * time.Millisecond)
	b.update(report(5))
	first := "\r[============>           ]  50%  5/10 tasks  1 stage  2s"
	if buf.String() != first {
		t.Fatalf("got %q, want %q", buf.String(), first)
	}
	b.update(connect.ExecutionProgress{}) // no stages: nothing to show
	now = now.Add(10 * time.Second)
	b.update(report(10))
	second := "\r[========================] 100%  10/10 tasks  1 stage  12s"
	if buf.String() != first+second {
		t.Fatalf("got %q", buf.String())
	}
	out := &bytes.Buffer{}
	w := b.guard(out)
	io.WriteString(w, "result\n")
	io.WriteString(w, "more\n")
	erase := "\r" + strings.Repeat(" ", len(second)-1) + "\r"
	if buf.String() != first+second+erase || out.String() != "result\nmore\n" {
		t.Fatalf("stderr %q, stdout %q", buf.String(), out.String())
	}
	b.update(report(10))
	b.stop()
	if buf.String() != first+second+erase {
		t.Fatalf("drawn after stop: %q", buf.String())
	}
	var nilBar *progressBar
	nilBar.update(report(1))
	nilBar.stop()
	if nilBar.guard(out) != out || nilBar.trace(context.Background()) != context.Background() {
		t.Fatal("a nil bar changed something")
	}
}
