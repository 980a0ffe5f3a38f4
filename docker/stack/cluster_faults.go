package stack

import (
	"context"
	"errors"
	"fmt"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"time"

	"github.com/moby/moby/client"
)

// KillWorker kills the container of standalone worker n ("spark-worker-n", from 1) with
// SIGKILL, as a machine that fails would lose it: the worker and its executor die at once,
// without a chance to deregister, and the driver and the master learn of it from the broken
// connections. The container is not started again; [Stack.Terminate] still removes it. It
// returns when Docker reports the container stopped. Only a stack from [Start] with
// [WithStandaloneCluster] has workers to kill.
func (s *Stack) KillWorker(ctx context.Context, n int) error {
	s.mu.Lock()
	terminated := s.terminated
	var id string
	if n >= 1 && n <= len(s.workers) && s.workers[n-1] != nil {
		id = s.workers[n-1].GetContainerID()
	}
	workers := len(s.workers)
	s.mu.Unlock()
	switch {
	case terminated:
		return errors.New("kill worker: the stack is terminated")
	case id == "":
		return fmt.Errorf("kill worker %d: the stack has %d workers", n, workers)
	}
	cli, err := dockerClient(tclog.Default())
	if err != nil {
		return fmt.Errorf("kill worker %d: %w", n, err)
	}
	if _, err := cli.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: "KILL"}); err != nil {
		return fmt.Errorf("kill worker %d: %w", n, err)
	}
	for {
		res, err := cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
		if err != nil {
			return fmt.Errorf("kill worker %d: inspect: %w", n, err)
		}
		if st := res.Container.State; st == nil || !st.Running {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kill worker %d: still running: %w", n, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
