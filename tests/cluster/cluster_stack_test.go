// Package cluster holds sparkwire's end-to-end tests on a Spark standalone cluster: each
// test starts a stack of its own (master, workers, Connect server, and as it needs HDFS and
// a Kafka cluster) with testcontainers-go, and removes it at its end. They start many JVMs,
// so they are a test group of their own, which scripts/test.sh runs after the main
// end-to-end step, never beside it. The images must exist: the tests build what is missing
// or stale first (stack.BuildImages), which takes seconds when nothing is.
package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/docker/stack"
	"github.com/sparkwire/sparkwire/tests/internal/testkit"
)

// startBound bounds the start of a cluster stack (images excluded): four to eight JVMs on a
// loaded two-core machine.
const startBound = 4 * time.Minute

// startClusterStack builds the images that are missing or stale (unmeasured), then starts a
// stack with opts, within startBound, and returns it with the time its start took. The stack
// is terminated when the test ends, after its containers' logs are written to the test log
// if the test failed.
func startClusterStack(t *testing.T, opts ...stack.Option) (*stack.Stack, time.Duration) {
	t.Helper()
	if err := stack.BuildImages(testkit.Ctx(t, 20*time.Minute), stack.WithLogger(testkit.Logger{T: t})); err != nil {
		t.Fatalf("images: %v", err)
	}
	started := time.Now()
	sctx, cancel := context.WithTimeout(context.Background(), startBound)
	st, err := stack.Start(sctx, append(opts, stack.WithLogger(testkit.Logger{T: t}))...)
	cancel()
	took := time.Since(started)
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
		t.Fatalf("start cluster stack (bound %s, images excluded; took %s): %v", startBound, took.Round(time.Second), err)
	}
	return st, took
}

// executorSummary is the part of an entry of Spark's /applications/<id>/executors that the
// tests read.
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
