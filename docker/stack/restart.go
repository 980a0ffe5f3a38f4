package stack

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// RestartSpark stops the Spark Connect server's container (SIGTERM, then SIGKILL after
// grace) and starts it again, as an operator's restart or a crash and restart of the server
// would: sessions, running queries and everything in the driver's memory are gone, while
// files in the container (checkpoints, the warehouse, file sinks' output) stay. It returns
// when the server answers again. The published ports may change: [Stack.ConnectURL] and
// [Stack.SparkUIURL] return the new addresses afterwards. Only a stack from [Start] (not
// [FromEnv]) can be restarted, and only one RestartSpark may run at a time.
func (s *Stack) RestartSpark(ctx context.Context, grace time.Duration) error {
	s.mu.Lock()
	c, terminated := s.spark, s.terminated
	s.mu.Unlock()
	if c == nil || terminated {
		return errors.New("restart spark: the stack has no running Spark container of its own")
	}
	if err := c.Stop(ctx, &grace); err != nil {
		return fmt.Errorf("restart spark: stop: %w", err)
	}
	if err := c.Start(ctx); err != nil {
		return fmt.Errorf("restart spark: start: %w", err)
	}
	connect, err := c.PortEndpoint(ctx, connectPort, "sc")
	if err != nil {
		return fmt.Errorf("restart spark: connect endpoint: %w", err)
	}
	ui, err := c.PortEndpoint(ctx, uiPort, "http")
	if err != nil {
		return fmt.Errorf("restart spark: ui endpoint: %w", err)
	}
	s.mu.Lock()
	s.connectURL, s.uiURL = connect, ui
	s.mu.Unlock()
	if err := waitConnect(ctx, connect); err != nil {
		return fmt.Errorf("restart spark: %w", err)
	}
	return nil
}
