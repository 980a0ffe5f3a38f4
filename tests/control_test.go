package tests

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
)

// slowSQL runs for about twenty seconds on two cores, in 2,000 short tasks, and then ends
// by itself. An interrupt ends the action at once, but when it reaches the server before the
// statement's first job is submitted, Spark 4.1.2 can go on to run that job to the end (seen
// here: a job of an interrupted aggregate kept both cores for minutes), so the work is
// bounded and a later statement waits seconds, not minutes. sum(id % 7), not sum(id): the
// latter overflowed a long within seconds once the JIT had compiled the loop, ending the
// statement (ARITHMETIC_OVERFLOW) before the tests could interrupt it.
const slowSQL = "SELECT sum(id % 7) AS s FROM range(0, 4000000000, 1, 2000)"

// interruptUntil calls interrupt until it reports an operation interrupted (the request of
// the action may not have reached the server yet) and returns the ids.
func interruptUntil(t *testing.T, ctx context.Context, interrupt func() ([]string, error)) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ids, err := interrupt()
		if err != nil {
			t.Fatalf("interrupt: %v", err)
		}
		if len(ids) > 0 {
			return ids
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatal("the interrupt found no running operation")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// awaitInterrupted waits for an action's error and checks that it is the interrupt's,
// within a bound that a query running on for minutes would miss.
func awaitInterrupted(t *testing.T, errc <-chan error, since time.Time) {
	t.Helper()
	select {
	case err := <-errc:
		var se *connect.SparkError
		if !errors.Is(err, connect.ErrInterrupted) || !errors.As(err, &se) || se.ErrorClass != "OPERATION_CANCELED" {
			t.Fatalf("action returned %v, want an OPERATION_CANCELED error matching ErrInterrupted", err)
		}
		t.Logf("the action returned %v after the interrupt", time.Since(since).Round(time.Millisecond))
	case <-time.After(30 * time.Second):
		t.Fatal("the interrupted action did not return within 30 s")
	}
}

// A long query, started with tags, is interrupted from another goroutine by tag (of the
// context or of the session), by operation id, and all at once: the action returns
// ErrInterrupted promptly, the interrupt names its operation, and the session goes on.
func TestControlInterrupts(t *testing.T) {
	ctx := testCtx(t, 4*time.Minute)
	for _, how := range []string{"context tag", "session tag", "operation", "all"} {
		t.Run(how, func(t *testing.T) {
			s, _ := session(t, ctx)
			tag := uniqueName("ctl_tag")
			df, err := s.SQL(ctx, slowSQL)
			if err != nil {
				t.Fatal(err)
			}
			started := make(chan string, 2)
			actx := connect.WithOperationTrace(ctx, &connect.OperationTrace{Started: func(id string) { started <- id }})
			switch how {
			case "context tag":
				actx = connect.WithOperationTags(actx, tag)
			case "session tag":
				if err := s.AddTag(tag); err != nil {
					t.Fatal(err)
				}
			}
			errc := make(chan error, 2)
			queries := 1
			if how == "all" {
				queries = 2
			}
			for range queries {
				go func() {
					rr, err := df.Collect(actx)
					if err != nil {
						errc <- err
						return
					}
					defer rr.Release()
					for rr.Next() {
					}
					errc <- rr.Err()
				}()
			}
			var opIDs []string
			for range queries {
				opIDs = append(opIDs, <-started)
			}
			t0 := time.Now()
			var ids []string
			switch how {
			case "context tag", "session tag":
				ids = interruptUntil(t, ctx, func() ([]string, error) { return s.InterruptTag(ctx, tag) })
			case "operation":
				ids = interruptUntil(t, ctx, func() ([]string, error) { return s.InterruptOperation(ctx, opIDs[0]) })
			case "all":
				// Both queries must be running for one InterruptAll to stop both.
				var got []string
				for len(got) < 2 {
					more := interruptUntil(t, ctx, func() ([]string, error) { return s.InterruptAll(ctx) })
					got = append(got, more...)
				}
				ids = got
			}
			slices.Sort(ids)
			slices.Sort(opIDs)
			if !slices.Equal(ids, opIDs) {
				t.Fatalf("interrupted %q, want the action's operations %q", ids, opIDs)
			}
			for range queries {
				awaitInterrupted(t, errc, t0)
			}
			// The operation is gone; the session works on, tags and all.
			if ids, err := s.InterruptOperation(ctx, opIDs[0]); err != nil || len(ids) != 0 {
				t.Fatalf("interrupt of an ended operation: %q, %v", ids, err)
			}
			rows, err := s.Range(0, 5, 1).Rows(actx)
			if err != nil || len(rows) != 5 {
				t.Fatalf("after the interrupt: %v, %v", rows, err)
			}
			s.ClearTags()
		})
	}
}

// A multi-stage query reports its progress while it runs: reports for its operation, with
// completed tasks that never go back, more than one stage, and the right result.
func TestControlProgress(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	// Reports every 200 ms rather than every 2 s, for this session only.
	if err := s.Conf().Set(ctx, "spark.connect.progress.reportInterval", "200ms"); err != nil {
		t.Fatal(err)
	}
	const n = 20_000_000
	df, err := s.SQL(ctx, fmt.Sprintf("SELECT k, count(*) AS c FROM (SELECT id %% 7 AS k FROM range(0, %d, 1, 4)) GROUP BY k ORDER BY k", n))
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		reports []connect.ExecutionProgress
		opID    string
	)
	trace := &connect.OperationTrace{
		Started: func(id string) { opID = id },
		Progress: func(p connect.ExecutionProgress) {
			mu.Lock()
			defer mu.Unlock()
			reports = append(reports, p)
		},
	}
	t0 := time.Now()
	rows, err := df.Rows(connect.WithOperationTrace(ctx, trace))
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(t0)
	if len(rows) != 7 {
		t.Fatalf("%d rows", len(rows))
	}
	for k, r := range rows {
		want := int64(n / 7)
		if k < n%7 {
			want++
		}
		if r.Value(0) != int64(k) || r.Value(1) != want {
			t.Errorf("row %d: %v, want k=%d c=%d", k, r.Values(), k, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d reports in %v", len(reports), elapsed.Round(time.Millisecond))
	if len(reports) < 2 {
		t.Fatalf("%d progress reports for a query of %v", len(reports), elapsed)
	}
	maxStages, sawPartial, sawDone := 0, false, false
	for i, p := range reports {
		if p.OperationID != opID {
			t.Fatalf("report %d for operation %q, want %q", i, p.OperationID, opID)
		}
		if i > 0 && p.CompletedTasks() < reports[i-1].CompletedTasks() {
			t.Errorf("completed tasks went back from %d to %d", reports[i-1].CompletedTasks(), p.CompletedTasks())
		}
		maxStages = max(maxStages, len(p.Stages))
		if p.CompletedTasks() > 0 && p.CompletedTasks() < p.Tasks() {
			sawPartial = true
		}
		for _, st := range p.Stages {
			if st.Done && st.CompletedTasks == st.Tasks && st.Tasks > 0 {
				sawDone = true
			}
		}
	}
	last := reports[len(reports)-1]
	if maxStages < 2 || !sawDone || last.CompletedTasks() < 4 {
		t.Errorf("stages %d, a stage done %v, last report %+v", maxStages, sawDone, last)
	}
	t.Logf("partial report seen: %v; last: %d/%d tasks in %d stages", sawPartial, last.CompletedTasks(), last.Tasks(), len(last.Stages))

	// A command reports its progress too: a write (to Spark's noop sink) of the same query.
	var writeReports []connect.ExecutionProgress
	var writeOp string
	wctx := connect.WithOperationTrace(ctx, &connect.OperationTrace{
		Started:  func(id string) { writeOp = id },
		Progress: func(p connect.ExecutionProgress) { writeReports = append(writeReports, p) },
	})
	if err := df.Write().Format("noop").Mode(connect.SaveModeOverwrite).Save(wctx); err != nil {
		t.Fatal(err)
	}
	// How many reports a command gets depends on how long it runs against the report
	// interval (a loaded machine saw one); each must be the write's, with its tasks.
	if len(writeReports) == 0 {
		t.Fatal("no progress report for the write")
	}
	for i, p := range writeReports {
		if p.OperationID != writeOp || p.Tasks() == 0 || (i > 0 && p.CompletedTasks() < writeReports[i-1].CompletedTasks()) {
			t.Fatalf("write report %d of %+v (operation %s)", i, writeReports, writeOp)
		}
	}
}

// The CLI: a statement run with sparkwire sql --tag in a named session is cancelled from
// another invocation by tag; sql --progress always prints the progress on stderr and the
// result alone on stdout.
func TestControlCLI(t *testing.T) {
	ctx := testCtx(t, 4*time.Minute)
	run := sparkwireCLI(t)
	id := connect.NewSessionID()
	t.Cleanup(func() {
		// The named session outlives the commands: stop whatever a failed run left running
		// there (a killed CLI sends no interrupt), so that later tests get the server's
		// cores, then release it.
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if s, err := connect.Dial(cctx, env.ConnectURL(), connect.WithSessionID(id)); err == nil {
			_, _ = s.InterruptAll(cctx)
			_ = s.Close(cctx)
		}
	})
	tag := uniqueName("ctl_cli")
	type res struct {
		out, errOut string
		code        int
	}
	done := make(chan res, 1)
	go func() {
		out, errOut, code := run(ctx, "sql", "--session", id, "--tag", tag, slowSQL)
		done <- res{out, errOut, code}
	}()
	var cancelled string
	if err := waitFor(ctx, 60*time.Second, func() (bool, error) {
		out, errOut, code := run(ctx, "cancel", "--session", id, "--tag", tag)
		if code != 0 {
			return false, fmt.Errorf("cancel exited %d: %s %s", code, out, errOut)
		}
		cancelled = strings.TrimSpace(out)
		return cancelled != "", nil
	}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	select {
	case r := <-done:
		if r.code != 1 || !strings.Contains(r.errOut, "OPERATION_CANCELED") || r.out != "" {
			t.Fatalf("the cancelled sql exited %d:\n%s\n%s", r.code, r.out, r.errOut)
		}
		t.Logf("sql exited %v after cancel printed %s", time.Since(t0).Round(time.Millisecond), cancelled)
	case <-time.After(60 * time.Second):
		t.Fatal("the cancelled sql did not exit")
	}
	if len(cancelled) != 36 || strings.Count(cancelled, "\n") != 0 {
		t.Fatalf("cancel printed %q, want one operation id", cancelled)
	}
	if out, errOut, code := run(ctx, "cancel", "--session", id, "--all"); code != 0 || out != "" || !strings.Contains(errOut, "no running operation matched") {
		t.Fatalf("cancel with nothing running: %d %q %q", code, out, errOut)
	}

	// stop JOB interrupts the operations tagged with the job's name (a batch step of the
	// job, a submit --wait), even when the job has no streaming query left.
	job := uniqueName("ctl_job")
	go func() {
		out, errOut, code := run(ctx, "sql", "--session", id, "--tag", "sparkwire-job-"+job, slowSQL)
		done <- res{out, errOut, code}
	}()
	var stopped string
	if err := waitFor(ctx, 60*time.Second, func() (bool, error) {
		select {
		case r := <-done:
			return false, fmt.Errorf("the job's sql ended before stop found it: exit %d\n%s\n%s", r.code, r.out, r.errOut)
		default:
		}
		out, errOut, code := run(ctx, "stop", job, "--session", id)
		if code == 0 {
			stopped = out
			return true, nil
		}
		if !strings.Contains(errOut, "no active query or job named") {
			return false, fmt.Errorf("stop exited %d: %s %s", code, out, errOut)
		}
		return false, nil
	}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stopped, "interrupted operation ") || strings.Count(stopped, "\n") != 1 {
		t.Fatalf("stop printed %q", stopped)
	}
	select {
	case r := <-done:
		if r.code != 1 || !strings.Contains(r.errOut, "OPERATION_CANCELED") {
			t.Fatalf("the job's sql exited %d:\n%s\n%s", r.code, r.out, r.errOut)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the job's sql did not exit after stop")
	}

	// Progress: reports every 200 ms in the named session, then a multi-stage query.
	if out, errOut, code := run(ctx, "sql", "--session", id, "SET spark.connect.progress.reportInterval=200ms"); code != 0 {
		t.Fatalf("set: %d %s %s", code, out, errOut)
	}
	out, errOut, code := run(ctx, "sql", "--session", id, "--progress", "always", "--format", "csv",
		"SELECT k, count(*) AS c FROM (SELECT id % 3 AS k FROM range(0, 15000000, 1, 4)) GROUP BY k ORDER BY k")
	if code != 0 || out != "k,c\n0,5000000\n1,5000000\n2,5000000\n" {
		t.Fatalf("sql --progress always: %d\n%s\n%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if errOut == "" || !strings.Contains(lines[len(lines)-1], " tasks ") || !strings.HasPrefix(lines[0], "[") {
		t.Fatalf("progress on stderr: %q", errOut)
	}
	t.Logf("progress lines:\n%s", errOut)
}

// A command is interrupted as a query is: a long write, tagged through its context.
func TestControlInterruptWrite(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	df, err := s.SQL(ctx, "SELECT id FROM range(0, 400000000, 1, 2000)")
	if err != nil {
		t.Fatal(err)
	}
	tag := uniqueName("ctl_write")
	started := make(chan string, 1)
	wctx := connect.WithOperationTrace(connect.WithOperationTags(ctx, tag), &connect.OperationTrace{Started: func(id string) { started <- id }})
	errc := make(chan error, 1)
	go func() { errc <- df.Write().Format("noop").Mode(connect.SaveModeOverwrite).Save(wctx) }()
	opID := <-started
	t0 := time.Now()
	ids := interruptUntil(t, ctx, func() ([]string, error) { return s.InterruptTag(ctx, tag) })
	if !slices.Equal(ids, []string{opID}) {
		t.Fatalf("interrupted %q, want the write's operation %s", ids, opID)
	}
	awaitInterrupted(t, errc, t0)
}

// An interrupt sent the moment an action's request leaves finds the operation not yet
// registered, registered but not yet running (Spark 4.1 then cancels it but answers the
// interrupt with an error and never answers the action), or running. Whichever it finds,
// once it reports the operation the action must end promptly with ErrInterrupted. (Of 200
// actions in a trial run, 11 were found registered but not running.)
func TestControlInterruptAtStart(t *testing.T) {
	ctx := testCtx(t, 4*time.Minute)
	s, _ := session(t, ctx)
	df, err := s.SQL(ctx, "SELECT id FROM range(0, 400000000, 1, 2000)")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		started := make(chan string, 1)
		actx := connect.WithOperationTrace(ctx, &connect.OperationTrace{Started: func(id string) { started <- id }})
		errc := make(chan error, 1)
		go func() {
			if i%2 == 0 {
				errc <- df.Write().Format("noop").Mode(connect.SaveModeOverwrite).Save(actx)
				return
			}
			_, err := df.Count(actx)
			errc <- err
		}()
		id := <-started
		t0 := time.Now()
		// No pause between the attempts: the sooner one finds the operation, the likelier it
		// finds it not yet running.
		var ids []string
		attempts := 0
		for len(ids) == 0 && time.Since(t0) < 30*time.Second {
			attempts++
			if ids, err = s.InterruptOperation(ctx, id); err != nil {
				t.Fatalf("interrupt: %v", err)
			}
		}
		if !slices.Equal(ids, []string{id}) {
			t.Fatalf("interrupted %q, want %s", ids, id)
		}
		awaitInterrupted(t, errc, t0)
		t.Logf("action %d: interrupted after %d attempts", i, attempts)
	}
}
