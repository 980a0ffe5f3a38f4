package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/docker/stack"
	"github.com/sparkwire/sparkwire/tests/internal/testkit"
)

// A batch job and a streaming query run on a Spark standalone cluster of one master and two
// workers, which the Connect server submits to: the driver's REST API shows tasks of each on
// more than one executor.
//
// Timing: building the images is not part of the cluster's start (startClusterStack builds
// what is missing first, unmeasured). The cluster (master, two workers and the Connect
// server, four JVMs) must then be up within startBound on a loaded two-core machine. The
// rest (executors registering, the two jobs) has 3 minutes.
func TestStandaloneCluster(t *testing.T) {
	started := time.Now()
	st, startTook := startClusterStack(t, stack.WithStandaloneCluster(2), stack.WithoutKafka(), stack.WithDriverMemory("1g"))
	ctx := testkit.Ctx(t, 3*time.Minute)
	if st.MasterUIURL() == "" {
		t.Error("MasterUIURL is empty")
	}
	t.Logf("cluster stack up in %s (bound %s, image build excluded): %s, master UI %s", startTook.Round(100*time.Millisecond), startBound, st.ConnectURL(), st.MasterUIURL())

	ui := sparkREST{base: st.SparkUIURL()}
	// The executors register with the driver asynchronously, after Start.
	var execs map[string]executorSummary
	if err := testkit.WaitFor(ctx, 90*time.Second, func() (bool, error) {
		var err error
		execs, err = ui.executors(ctx)
		return len(execs) >= 2, err
	}); err != nil {
		t.Fatalf("two executors never registered (have %v): %v", execs, err)
	}
	t.Logf("executors up %s after start", time.Since(started).Round(100*time.Millisecond))

	s, _ := testkit.CheckedSession(t, ctx, st.ConnectURL())

	// A batch job over eight partitions.
	df, err := s.SQL(ctx, "SELECT count(*) AS n, sum(id) AS total FROM range(0, 2000000, 1, 8)")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := df.Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Value(0) != int64(2_000_000) || rows[0].Value(1) != int64(1_999_999_000_000) {
		t.Fatalf("batch job: got %v", rows)
	}
	before, err := ui.executors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if busy := busyExecutors(nil, before); len(busy) < 2 {
		t.Errorf("batch job: tasks ran on executors %v, want at least two (%v)", busy, before)
	}

	// A streaming query: a rate source of four partitions into a memory sink. It is stateless
	// on purpose: the state of a stateful query lives under its checkpoint location, which
	// executors in other containers would need to share with the driver (the batch job above
	// already moved shuffle blocks between executors).
	name := testkit.UniqueName("cluster")
	rate := s.ReadStream().Format("rate").Option("rowsPerSecond", "100").Option("numPartitions", "4").Load().
		SelectExpr("value", "value % 10 AS k")
	q, err := rate.WriteStream().Format("memory").QueryName(name).OutputMode(connect.Append).
		Trigger(connect.ProcessingTime(time.Second)).Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = q.Stop(cctx)
	})
	var last *connect.QueryProgress
	if err := testkit.WaitFor(ctx, 90*time.Second, func() (bool, error) {
		var err error
		last, err = q.LastProgress(ctx)
		return last != nil && last.BatchID >= 3, err
	}); err != nil {
		if last != nil {
			t.Logf("last progress: %s", last.Raw)
		}
		t.Fatalf("streaming query: no fourth micro-batch: %v", err)
	}
	if err := q.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := s.Table(name).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Errorf("streaming query: the memory sink is empty after batch %d", last.BatchID)
	}
	after, err := ui.executors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if busy := busyExecutors(before, after); len(busy) < 2 {
		t.Errorf("streaming query: tasks ran on executors %v, want at least two (%v)", busy, after)
	}
	t.Logf("executors after both jobs: %v; test took %s", after, time.Since(started).Round(100*time.Millisecond))
}
