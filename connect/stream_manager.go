package connect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// ErrQueryNotFound is returned by [StreamingQueryManager.Get] for an id that names no
// active query of the session.
var ErrQueryNotFound = errors.New("spark connect: streaming query not found")

// StreamingQueryManager manages the streaming queries of a session.
type StreamingQueryManager struct{ s *Session }

// Streams returns the session's streaming query manager.
func (s *Session) Streams() *StreamingQueryManager { return &StreamingQueryManager{s: s} }

// usable reports ErrClosed for a manager without a session.
func (m *StreamingQueryManager) usable() error {
	if m == nil {
		return ErrClosed
	}
	return m.s.usable()
}

func (m *StreamingQueryManager) command(ctx context.Context, cmd *sparkpb.StreamingQueryManagerCommand) (*sparkpb.StreamingQueryManagerCommandResult, error) {
	resps, err := m.s.executeCommand(ctx, &sparkpb.Command{CommandType: &sparkpb.Command_StreamingQueryManagerCommand{
		StreamingQueryManagerCommand: cmd,
	}})
	if err != nil {
		return nil, err
	}
	for _, r := range resps {
		if res := r.GetStreamingQueryManagerCommandResult(); res != nil {
			return res, nil
		}
	}
	return &sparkpb.StreamingQueryManagerCommandResult{}, nil
}

func (m *StreamingQueryManager) query(inst *sparkpb.StreamingQueryManagerCommandResult_StreamingQueryInstance) *StreamingQuery {
	return &StreamingQuery{s: m.s, id: inst.GetId().GetId(), runID: inst.GetId().GetRunId(), name: inst.GetName()}
}

// Active returns the session's active streaming queries.
func (m *StreamingQueryManager) Active(ctx context.Context) ([]*StreamingQuery, error) {
	res, err := m.command(ctx, &sparkpb.StreamingQueryManagerCommand{
		Command: &sparkpb.StreamingQueryManagerCommand_Active{Active: true},
	})
	if err != nil {
		return nil, err
	}
	var out []*StreamingQuery
	for _, inst := range res.GetActive().GetActiveQueries() {
		out = append(out, m.query(inst))
	}
	return out, nil
}

// Get returns the active query with the given id, or ErrQueryNotFound.
func (m *StreamingQueryManager) Get(ctx context.Context, id string) (*StreamingQuery, error) {
	res, err := m.command(ctx, &sparkpb.StreamingQueryManagerCommand{
		Command: &sparkpb.StreamingQueryManagerCommand_GetQuery{GetQuery: id},
	})
	if err != nil {
		return nil, err
	}
	inst := res.GetQuery()
	if inst == nil || inst.GetId().GetId() == "" {
		return nil, fmt.Errorf("%w: %s", ErrQueryNotFound, id)
	}
	return m.query(inst), nil
}

// AwaitAnyTermination waits until any query of the session terminates (since the last
// ResetTerminated). The context's deadline is the server-side timeout; when it passes the
// context's error is returned, wrapped.
func (m *StreamingQueryManager) AwaitAnyTermination(ctx context.Context) error {
	for {
		cmd := &sparkpb.StreamingQueryManagerCommand_AwaitAnyTerminationCommand{}
		if dl, ok := ctx.Deadline(); ok {
			ms := max(time.Until(dl).Milliseconds(), 1)
			cmd.TimeoutMs = &ms
		}
		res, err := m.command(ctx, &sparkpb.StreamingQueryManagerCommand{
			Command: &sparkpb.StreamingQueryManagerCommand_AwaitAnyTermination{AwaitAnyTermination: cmd},
		})
		if err != nil {
			return err
		}
		if res.GetAwaitAnyTermination().GetTerminated() {
			return nil
		}
		if cmd.TimeoutMs != nil {
			<-ctx.Done()
			return fmt.Errorf("await any termination: %w", ctx.Err())
		}
	}
}

// ResetTerminated forgets terminated queries, so AwaitAnyTermination waits for a new one.
func (m *StreamingQueryManager) ResetTerminated(ctx context.Context) error {
	_, err := m.command(ctx, &sparkpb.StreamingQueryManagerCommand{
		Command: &sparkpb.StreamingQueryManagerCommand_ResetTerminated{ResetTerminated: true},
	})
	return err
}
