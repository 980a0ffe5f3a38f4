package connect

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// StreamingQuery is a handle on a streaming query running on the server. Its methods ask
// the server; the handle itself holds only the query's identity.
type StreamingQuery struct {
	s     *Session
	id    string
	runID string
	name  string
}

// ID returns the query's id, which stays the same across restarts from a checkpoint.
func (q *StreamingQuery) ID() string { return q.id }

// RunID returns the id of this run of the query.
func (q *StreamingQuery) RunID() string { return q.runID }

// Name returns the query's name, empty if it has none.
func (q *StreamingQuery) Name() string { return q.name }

// QueryStatus is what a streaming query is doing now.
type QueryStatus struct {
	Message         string
	IsDataAvailable bool
	IsTriggerActive bool
	IsActive        bool
}

// StreamingQueryError is the exception that ended a streaming query.
type StreamingQueryError struct {
	QueryID    string
	Message    string
	ErrorClass string
	// StackTrace is the server's stack trace as the JVM printed it.
	StackTrace string
}

// Error returns the query's failure message.
func (e *StreamingQueryError) Error() string {
	msg := e.Message
	if e.ErrorClass != "" && !strings.Contains(msg, "["+e.ErrorClass+"]") {
		msg = "[" + e.ErrorClass + "] " + msg
	}
	return fmt.Sprintf("streaming query %s failed: %s", e.QueryID, msg)
}

func (q *StreamingQuery) command(ctx context.Context, set func(*sparkpb.StreamingQueryCommand)) (*sparkpb.StreamingQueryCommandResult, error) {
	cmd := &sparkpb.StreamingQueryCommand{QueryId: &sparkpb.StreamingQueryInstanceId{Id: q.id, RunId: q.runID}}
	set(cmd)
	resps, err := q.s.executeCommand(ctx, &sparkpb.Command{CommandType: &sparkpb.Command_StreamingQueryCommand{
		StreamingQueryCommand: cmd,
	}})
	if err != nil {
		return nil, err
	}
	for _, r := range resps {
		if res := r.GetStreamingQueryCommandResult(); res != nil {
			return res, nil
		}
	}
	return &sparkpb.StreamingQueryCommandResult{}, nil
}

// Status returns the query's current status.
func (q *StreamingQuery) Status(ctx context.Context) (QueryStatus, error) {
	res, err := q.command(ctx, func(c *sparkpb.StreamingQueryCommand) {
		c.Command = &sparkpb.StreamingQueryCommand_Status{Status: true}
	})
	if err != nil {
		return QueryStatus{}, err
	}
	st := res.GetStatus()
	return QueryStatus{Message: st.GetStatusMessage(), IsDataAvailable: st.GetIsDataAvailable(),
		IsTriggerActive: st.GetIsTriggerActive(), IsActive: st.GetIsActive()}, nil
}

// IsActive reports whether the query is still running.
func (q *StreamingQuery) IsActive(ctx context.Context) (bool, error) {
	st, err := q.Status(ctx)
	return st.IsActive, err
}

// LastProgress returns the progress of the last micro-batch, or nil before the first.
func (q *StreamingQuery) LastProgress(ctx context.Context) (*QueryProgress, error) {
	res, err := q.command(ctx, func(c *sparkpb.StreamingQueryCommand) {
		c.Command = &sparkpb.StreamingQueryCommand_LastProgress{LastProgress: true}
	})
	if err != nil {
		return nil, err
	}
	ps, err := decodeProgresses(res.GetRecentProgress().GetRecentProgressJson())
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	return &ps[len(ps)-1], nil
}

// RecentProgress returns the progress of the recent micro-batches, oldest first (Spark
// keeps spark.sql.streaming.numRecentProgressUpdates of them, 100 by default).
func (q *StreamingQuery) RecentProgress(ctx context.Context) ([]QueryProgress, error) {
	res, err := q.command(ctx, func(c *sparkpb.StreamingQueryCommand) {
		c.Command = &sparkpb.StreamingQueryCommand_RecentProgress{RecentProgress: true}
	})
	if err != nil {
		return nil, err
	}
	return decodeProgresses(res.GetRecentProgress().GetRecentProgressJson())
}

func decodeProgresses(js []string) ([]QueryProgress, error) {
	out := make([]QueryProgress, 0, len(js))
	for _, j := range js {
		var p QueryProgress
		if err := p.UnmarshalJSON([]byte(j)); err != nil {
			return nil, fmt.Errorf("decode query progress: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}

// ProcessAllAvailable blocks until all data available in the sources when it was called
// has been processed and committed to the sink (for tests and bounded inputs).
func (q *StreamingQuery) ProcessAllAvailable(ctx context.Context) error {
	_, err := q.command(ctx, func(c *sparkpb.StreamingQueryCommand) {
		c.Command = &sparkpb.StreamingQueryCommand_ProcessAllAvailable{ProcessAllAvailable: true}
	})
	return q.orQueryError(ctx, err)
}

// Stop stops the query and waits until it has stopped.
func (q *StreamingQuery) Stop(ctx context.Context) error {
	_, err := q.command(ctx, func(c *sparkpb.StreamingQueryCommand) {
		c.Command = &sparkpb.StreamingQueryCommand_Stop{Stop: true}
	})
	return err
}

// Explain returns the query's plan.
func (q *StreamingQuery) Explain(ctx context.Context, extended bool) (string, error) {
	res, err := q.command(ctx, func(c *sparkpb.StreamingQueryCommand) {
		c.Command = &sparkpb.StreamingQueryCommand_Explain{Explain: &sparkpb.StreamingQueryCommand_ExplainCommand{Extended: extended}}
	})
	if err != nil {
		return "", err
	}
	return res.GetExplain().GetResult(), nil
}

// Exception returns the error that ended the query, or nil if it has not failed.
func (q *StreamingQuery) Exception(ctx context.Context) (*StreamingQueryError, error) {
	res, err := q.command(ctx, func(c *sparkpb.StreamingQueryCommand) {
		c.Command = &sparkpb.StreamingQueryCommand_Exception{Exception: true}
	})
	if err != nil {
		return nil, err
	}
	ex := res.GetException()
	if ex == nil || ex.ExceptionMessage == nil {
		return nil, nil
	}
	return &StreamingQueryError{QueryID: q.id, Message: ex.GetExceptionMessage(), ErrorClass: ex.GetErrorClass(),
		StackTrace: ex.GetStackTrace()}, nil
}

// AwaitTermination waits until the query terminates. It returns nil if the query stopped,
// the query's *StreamingQueryError if it failed, and the context's error (wrapped) if the
// context ended first; the context's deadline is passed to the server as the timeout.
func (q *StreamingQuery) AwaitTermination(ctx context.Context) error {
	for {
		cmd := &sparkpb.StreamingQueryCommand_AwaitTerminationCommand{}
		if dl, ok := ctx.Deadline(); ok {
			ms := max(time.Until(dl).Milliseconds(), 1)
			cmd.TimeoutMs = &ms
		}
		res, err := q.command(ctx, func(c *sparkpb.StreamingQueryCommand) {
			c.Command = &sparkpb.StreamingQueryCommand_AwaitTermination{AwaitTermination: cmd}
		})
		if err != nil {
			return q.orQueryError(ctx, err)
		}
		if res.GetAwaitTermination().GetTerminated() {
			return q.failure(ctx)
		}
		if cmd.TimeoutMs != nil {
			// The server waited out the deadline: let the context report it.
			<-ctx.Done()
			return fmt.Errorf("await termination of query %s: %w", q.id, ctx.Err())
		}
	}
}

// failure returns the query's error after it terminated, nil if it stopped cleanly.
func (q *StreamingQuery) failure(ctx context.Context) error {
	ex, err := q.Exception(ctx)
	if err != nil {
		return err
	}
	if ex != nil {
		return ex
	}
	return nil
}

// orQueryError replaces the server's error for a command on a failed query by the query's
// own exception, which says why it failed.
func (q *StreamingQuery) orQueryError(ctx context.Context, err error) error {
	var se *SparkError
	if err == nil || !errors.As(err, &se) || ctx.Err() != nil {
		return err
	}
	if ex, qerr := q.Exception(ctx); qerr == nil && ex != nil {
		return ex
	}
	return err
}
