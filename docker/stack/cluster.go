package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// The standalone cluster of [WithStandaloneCluster]: network aliases, ports and settings.
const (
	masterAlias  = "spark-master"
	masterURL    = "spark://" + masterAlias + ":7077"
	masterUIPort = "8080/tcp"

	// workerCores and workerMemory are what each worker offers: one executor of Spark's
	// default spark.executor.memory (1g) with one core.
	workerCores  = "1"
	workerMemory = "1g"
)

// WithStandaloneCluster makes [Start] run a Spark standalone cluster on the stack's network —
// a master (network alias "spark-master", cluster port 7077) and the given number of workers
// ("spark-worker-1", ...), each offering one core and 1 GiB to one executor — and start the
// Spark Connect server as a client of that master instead of in local mode. The driver stays
// in the Connect server's container, which executors reach by its alias "spark". Start
// returns once the master counts every worker alive; the executors of the Connect server's
// application register with the driver a few seconds later, asynchronously (the Spark UI's
// /api/v1/applications/<id>/executors lists them). [Stack.MasterUIURL] gives the master's web
// UI. Spark properties that ask for more than a worker offers (spark.executor.memory above
// 1g, spark.executor.cores above 1) leave the application without executors.
//
// workers below 1 keeps local mode, the default.
func WithStandaloneCluster(workers int) Option {
	return func(c *config) { c.workers = max(workers, 0) }
}

// MasterUIURL returns the address of the standalone master's web UI for browsers on the host,
// such as "http://localhost:32775" (its JSON status is at /json/), or "" when the stack runs
// Spark in local mode.
func (s *Stack) MasterUIURL() string { return s.masterUIURL }

// startMaster starts the standalone master and returns when it leads the cluster.
func (s *Stack) startMaster(ctx context.Context, cfg *config, nw *testcontainers.DockerNetwork, loopback bool) error {
	c, err := runNode(ctx, cfg, nw, "spark", masterAlias,
		testcontainers.WithExposedPorts(masterUIPort),
		publishOnLoopback(loopback, masterUIPort),
		testcontainers.WithEnv(map[string]string{"SPARK_MASTER_HOST": masterAlias}),
		testcontainers.WithCmd("master"),
		testcontainers.WithWaitStrategyAndDeadline(readyTimeout, wait.ForLog("I have been elected leader").WithStartupTimeout(readyTimeout)),
	)
	s.master = c
	if err != nil {
		return fmt.Errorf("start spark master: %w", err)
	}
	ui, err := c.PortEndpoint(ctx, masterUIPort, "http")
	if err != nil {
		return fmt.Errorf("spark master ui endpoint: %w", err)
	}
	s.masterUIURL = ui
	return nil
}

// startWorkers starts cfg.workers workers in parallel; they register with the master on their
// own (see waitWorkers).
func (s *Stack) startWorkers(ctx context.Context, cfg *config, nw *testcontainers.DockerNetwork) error {
	var err error
	s.workers, err = runNodes(ctx, cfg, nw, "spark", cfg.workers,
		func(i int) string { return "spark-worker-" + strconv.Itoa(i+1) },
		func(int) []testcontainers.ContainerCustomizer {
			return []testcontainers.ContainerCustomizer{
				testcontainers.WithEnv(map[string]string{
					"SPARK_MASTER":        masterURL,
					"SPARK_WORKER_CORES":  workerCores,
					"SPARK_WORKER_MEMORY": workerMemory,
				}),
				testcontainers.WithCmd("worker"),
			}
		})
	return err
}

// waitWorkers waits until the master's JSON status at uiURL counts n alive workers.
func waitWorkers(ctx context.Context, uiURL string, n int) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	var last error
	for {
		alive, err := aliveWorkers(ctx, uiURL)
		if err == nil {
			if alive >= n {
				return nil
			}
			err = fmt.Errorf("%d of %d workers alive", alive, n)
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("spark standalone cluster at %s not ready: %w", uiURL, errors.Join(last, ctx.Err()))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// aliveWorkers returns the "aliveworkers" count of the master's JSON status.
func aliveWorkers(ctx context.Context, uiURL string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uiURL+"/json/", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", req.URL, resp.Status)
	}
	var st struct {
		AliveWorkers int `json:"aliveworkers"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return 0, fmt.Errorf("GET %s: %w", req.URL, err)
	}
	return st.AliveWorkers, nil
}
