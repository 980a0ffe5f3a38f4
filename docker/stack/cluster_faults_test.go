package stack

import (
	"context"
	"strings"
	"testing"

	"github.com/testcontainers/testcontainers-go"
)

// KillWorker refuses, without a Docker call, workers a stack does not have.
func TestKillWorkerWithoutWorkers(t *testing.T) {
	ctx := context.Background()
	var s Stack
	for _, n := range []int{-1, 0, 1} {
		if err := s.KillWorker(ctx, n); err == nil || !strings.Contains(err.Error(), "has 0 workers") {
			t.Errorf("KillWorker(%d) on a stack without workers = %v", n, err)
		}
	}
	if err := s.Terminate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.KillWorker(ctx, 1); err == nil || !strings.Contains(err.Error(), "terminated") {
		t.Errorf("KillWorker after Terminate = %v", err)
	}
}

// KillKafkaBroker and StartKafkaBroker refuse, without a Docker call, brokers a stack does
// not have: none without Kafka, only node 1 of a single broker, 1 to n of a cluster of n, none
// whose container was never created, and none once the stack is terminated.
func TestKafkaBrokerFaultsRefused(t *testing.T) {
	ctx := context.Background()
	never := &testcontainers.DockerContainer{} // no container id: never created
	for _, tc := range []struct {
		name  string
		s     *Stack
		n     int
		error string
	}{
		{"no kafka", &Stack{}, 1, "kafka broker 1: the stack has 0 kafka brokers"},
		{"zero", &Stack{kafka: never}, 0, "kafka broker 0: the stack has 1 kafka brokers"},
		{"single broker, second", &Stack{kafka: never}, 2, "kafka broker 2: the stack has 1 kafka brokers"},
		{"single broker, never created", &Stack{kafka: never}, 1, "kafka broker 1: its container was never created"},
		{"cluster, fourth", &Stack{kafkaNodes: []*testcontainers.DockerContainer{never, never, never}}, 4, "kafka broker 4: the stack has 3 kafka brokers"},
		{"cluster, negative", &Stack{kafkaNodes: []*testcontainers.DockerContainer{never, never, never}}, -1, "the stack has 3 kafka brokers"},
		{"cluster, not started", &Stack{kafkaNodes: []*testcontainers.DockerContainer{never, nil, never}}, 2, "kafka broker 2: its container was never created"},
		{"terminated", &Stack{kafkaNodes: []*testcontainers.DockerContainer{never}, terminated: true}, 1, "the stack is terminated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.s.KillKafkaBroker(ctx, tc.n); err == nil || !strings.Contains(err.Error(), tc.error) || !strings.HasPrefix(err.Error(), "kill kafka broker") {
				t.Errorf("KillKafkaBroker(%d) = %v, want an error containing %q", tc.n, err, tc.error)
			}
			if err := tc.s.StartKafkaBroker(ctx, tc.n); err == nil || !strings.Contains(err.Error(), tc.error) || !strings.HasPrefix(err.Error(), "start kafka broker") {
				t.Errorf("StartKafkaBroker(%d) = %v, want an error containing %q", tc.n, err, tc.error)
			}
		})
	}
}
