package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/connecttest"
	"github.com/sparkwire/sparkwire/jobs"
)

// A Supervisor keeps a streaming query running: here the in-memory server restarts after
// the first start, the supervisor starts the query again in a new session, and the example
// ends it by cancelling the context.
func ExampleSupervisor() {
	srv := connecttest.NewServer()
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	starts := 0
	sv := &jobs.Supervisor{
		Dial: func(ctx context.Context) (*connect.Session, error) { return srv.Dial(ctx) },
		Start: func(ctx context.Context, s *connect.Session) ([]*connect.StreamingQuery, error) {
			q, err := s.ReadStream().Format("rate").Load().
				WriteStream().Format("memory").QueryName("ticks").
				Option("checkpointLocation", "/checkpoints/ticks").Start(ctx)
			if err != nil {
				return nil, err
			}
			return []*connect.StreamingQuery{q}, nil
		},
		PollInterval: 10 * time.Millisecond,
		OnStart: func(_ *connect.Session, qs []*connect.StreamingQuery) {
			starts++
			fmt.Printf("start %d: %s\n", starts, qs[0].Name())
			if starts == 1 {
				srv.Restart() // the server restarts: the next check finds a new session
			} else {
				cancel()
			}
		},
		OnRestart: func(r jobs.Restart) {
			fmt.Println("restart:", errors.Is(r.Reason, connect.ErrSessionChanged))
		},
		InitialBackoff: time.Millisecond,
	}
	err := sv.Run(ctx)
	fmt.Println("run:", err)
	// Output:
	// start 1: ticks
	// restart: true
	// start 2: ticks
	// run: context canceled
}
