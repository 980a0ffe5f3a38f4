package stack

import (
	"context"
	"strings"
	"testing"
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
