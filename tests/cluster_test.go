package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/docker/stack"
)

// A batch job and a streaming query run on a Spark standalone cluster of one master and two
// workers, which the Connect server submits to: the driver's REST API shows tasks of each on
// more than one executor. The test starts its own stack beside the package's shared one.
//
// Timing: building the images is not part of the cluster's start (TestMain builds them for
// the suite, or they come with the stack the suite runs against), so the test makes sure
// of them first, unmeasured. The cluster (master, two workers and the Connect server, four
// JVMs) must then be up within 4 minutes on a loaded two-core machine: Start gets a
// context of exactly that. The rest (executors registering, the two jobs) has 3 minutes.
func TestStandaloneCluster(t *testing.T) {
	if err := stack.BuildImages(testCtx(t, 20*time.Minute), stack.WithLogger(testLogger{t})); err != nil {
		t.Fatalf("images: %v", err)
	}
	const startBound = 4 * time.Minute
	started := time.Now()
	sctx, cancel := context.WithTimeout(context.Background(), startBound)
	st, err := stack.Start(sctx, stack.WithStandaloneCluster(2), stack.WithoutKafka(),
		stack.WithDriverMemory("1g"), stack.WithLogger(testLogger{t}))
	cancel()
	startTook := time.Since(started)
	ctx := testCtx(t, 3*time.Minute)
	if st != nil {
		t.Cleanup(func() {
			if t.Failed() {
				logs, _ := st.Logs(context.Background())
				t.Logf("container logs of the cluster stack:\n%s", logs)
			}
			tctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if err := st.Terminate(tctx); err != nil {
				t.Errorf("terminate cluster stack: %v", err)
			}
		})
	}
	if err != nil {
		t.Fatalf("start cluster stack (bound %s, images excluded; took %s): %v", startBound, startTook.Round(time.Second), err)
	}
	if startTook > startBound {
		t.Errorf("the cluster stack took %s to start, more than %s", startTook.Round(time.Second), startBound)
	}
	if st.MasterUIURL() == "" {
		t.Error("MasterUIURL is empty")
	}
	t.Logf("cluster stack up in %s (bound %s, image build excluded): %s, master UI %s", startTook.Round(100*time.Millisecond), startBound, st.ConnectURL(), st.MasterUIURL())

	ui := sparkREST{base: st.SparkUIURL()}
	// The executors register with the driver asynchronously, after Start.
	var execs map[string]executorSummary
	if err := waitFor(ctx, 90*time.Second, func() (bool, error) {
		execs, err = ui.executors(ctx)
		return len(execs) >= 2, err
	}); err != nil {
		t.Fatalf("two executors never registered (have %v): %v", execs, err)
	}
	t.Logf("executors up %s after start", time.Since(started).Round(100*time.Millisecond))

	s, _ := sessionAt(t, ctx, st.ConnectURL())

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
	name := uniqueName("cluster")
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
	if err := waitFor(ctx, 90*time.Second, func() (bool, error) {
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

// executorSummary is the part of an entry of Spark's /applications/<id>/executors that the
// test reads.
type executorSummary struct {
	ID         string `json:"id"`
	HostPort   string `json:"hostPort"`
	IsActive   bool   `json:"isActive"`
	TotalTasks int    `json:"totalTasks"`
}

func (e executorSummary) String() string {
	return fmt.Sprintf("%s@%s: %d tasks", e.ID, e.HostPort, e.TotalTasks)
}

// busyExecutors returns the executors of now that ran tasks since then (nil: ever).
func busyExecutors(then, now map[string]executorSummary) []string {
	var busy []string
	for id, e := range now {
		if e.TotalTasks > then[id].TotalTasks {
			busy = append(busy, id)
		}
	}
	slices.Sort(busy)
	return busy
}

// sparkREST reads the REST API of a Spark UI.
type sparkREST struct{ base string }

func (r sparkREST) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+"/api/v1"+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", req.URL, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// executors returns the active executors of the UI's application, by id, without the driver.
func (r sparkREST) executors(ctx context.Context) (map[string]executorSummary, error) {
	var apps []struct{ ID string }
	if err := r.get(ctx, "/applications", &apps); err != nil {
		return nil, err
	}
	if len(apps) != 1 {
		return nil, fmt.Errorf("%d applications, want 1", len(apps))
	}
	var all []executorSummary
	if err := r.get(ctx, "/applications/"+apps[0].ID+"/executors", &all); err != nil {
		return nil, err
	}
	out := map[string]executorSummary{}
	for _, e := range all {
		if e.ID != "driver" && e.IsActive {
			out[e.ID] = e
		}
	}
	return out, nil
}

// testLogger sends the stack's progress messages to the test log.
type testLogger struct{ t *testing.T }

func (l testLogger) Printf(format string, args ...any) {
	l.t.Helper()
	l.t.Logf("%s", strings.TrimRight(fmt.Sprintf(format, args...), "\n"))
}
