package stack

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

// KillWorker kills the container of standalone worker n ("spark-worker-n", from 1) with
// SIGKILL, as a machine that fails would lose it: the worker and its executor die at once,
// without a chance to deregister, and the driver and the master learn of it from the broken
// connections. The container is not started again; [Stack.Terminate] still removes it. It
// returns when Docker reports the container stopped. Only a stack from [Start] with
// [WithStandaloneCluster] has workers to kill.
func (s *Stack) KillWorker(ctx context.Context, n int) error {
	c, err := s.member("kill worker", "workers", n, func() []*testcontainers.DockerContainer { return s.workers })
	if err != nil {
		return err
	}
	return killContainer(ctx, "kill worker "+strconv.Itoa(n), c.GetContainerID())
}

// KillKafkaBroker kills the container of Kafka broker n (from 1: "kafka-n" of
// [WithKafkaBrokers], or 1 for the single broker) with SIGKILL, as a machine that fails
// would lose it: the broker stops answering at once, with no controlled shutdown that would
// move its partition leaders first. The cluster's controllers fence it once its session
// times out (broker.session.timeout.ms, 9 s by default) and elect new leaders among the
// in-sync replicas; until then clients retry. It returns when Docker reports the container
// stopped. [Stack.StartKafkaBroker] starts it again; [Stack.Terminate] removes it either
// way. Only a stack from [Start] has brokers to kill.
func (s *Stack) KillKafkaBroker(ctx context.Context, n int) error {
	c, err := s.member("kill kafka broker", "kafka brokers", n, s.kafkaContainers)
	if err != nil {
		return err
	}
	return killContainer(ctx, "kill kafka broker "+strconv.Itoa(n), c.GetContainerID())
}

// StartKafkaBroker starts the container of Kafka broker n (see [Stack.KillKafkaBroker])
// again, as an operator restarting a failed machine would: the broker recovers its log
// directory, rejoins the cluster and catches up its replicas. Docker publishes its client
// port anew, on another host port, which the broker then advertises; [Stack.Brokers]
// returns the new address afterwards. It returns when the cluster's metadata lists every
// broker at its address on the host; the restarted broker's replicas rejoin the in-sync
// sets asynchronously, once they have caught up. The broker must be stopped.
func (s *Stack) StartKafkaBroker(ctx context.Context, n int) error {
	what := "start kafka broker " + strconv.Itoa(n)
	c, err := s.member("start kafka broker", "kafka brokers", n, s.kafkaContainers)
	if err != nil {
		return err
	}
	cli, err := dockerClient(tclog.Default())
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer cli.Close()
	if running, err := containerRunning(ctx, cli, c.GetContainerID()); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	} else if running {
		return fmt.Errorf("%s: it is running", what)
	}
	// The entrypoint advertises the address it finds in advertisedFile, which still holds
	// the host port of the last start. Emptied, it makes the entrypoint wait for the
	// container's PostStarts hook, which Start runs again, to write the new one.
	if err := c.CopyToContainer(ctx, nil, advertisedFile, 0o644); err != nil {
		return fmt.Errorf("%s: reset the advertised address: %w", what, err)
	}
	if err := c.Start(ctx); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	ep, err := c.PortEndpoint(ctx, kafkaExternalPort, "")
	if err != nil {
		return fmt.Errorf("%s: endpoint: %w", what, err)
	}
	s.mu.Lock()
	if n > len(s.brokers) {
		s.mu.Unlock()
		return fmt.Errorf("%s: the stack knows %d broker addresses", what, len(s.brokers))
	}
	s.brokers[n-1] = ep
	brokers := slices.Clone(s.brokers)
	s.mu.Unlock()
	if err := waitKafka(ctx, brokers); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// kafkaContainers returns the Kafka brokers' containers, in node order; s.mu is held.
func (s *Stack) kafkaContainers() []*testcontainers.DockerContainer {
	if len(s.kafkaNodes) > 0 {
		return s.kafkaNodes
	}
	if s.kafka != nil {
		return []*testcontainers.DockerContainer{s.kafka}
	}
	return nil
}

// member returns container n (from 1) of the group that list returns (called with s.mu
// held), or an error that begins with what and names the group (plural) when the stack has
// no such container or is terminated.
func (s *Stack) member(what, group string, n int, list func() []*testcontainers.DockerContainer) (*testcontainers.DockerContainer, error) {
	s.mu.Lock()
	terminated := s.terminated
	cs := list()
	s.mu.Unlock()
	switch {
	case terminated:
		return nil, fmt.Errorf("%s: the stack is terminated", what)
	case n < 1 || n > len(cs):
		return nil, fmt.Errorf("%s %d: the stack has %d %s", what, n, len(cs), group)
	case cs[n-1] == nil || cs[n-1].GetContainerID() == "":
		return nil, fmt.Errorf("%s %d: its container was never created", what, n)
	}
	return cs[n-1], nil
}

// killContainer sends SIGKILL to container id and returns when Docker reports it stopped;
// errors begin with what.
func killContainer(ctx context.Context, what, id string) error {
	cli, err := dockerClient(tclog.Default())
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer cli.Close()
	if _, err := cli.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: "KILL"}); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	for {
		running, err := containerRunning(ctx, cli, id)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if !running {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: still running: %w", what, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// containerRunning reports whether Docker says container id runs.
func containerRunning(ctx context.Context, cli client.APIClient, id string) (bool, error) {
	res, err := cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return false, fmt.Errorf("inspect: %w", err)
	}
	st := res.Container.State
	return st != nil && st.Running, nil
}
