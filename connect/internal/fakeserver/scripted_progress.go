package fakeserver

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// SetProgress makes every query (a root plan handled by default) send these execution
// progress reports, in order, after its schema and before its result, as Spark sends
// them while a query runs. None restores the default: no reports.
func (s *Server) SetProgress(reports ...*sparkpb.ExecutePlanResponse_ExecutionProgress) {
	cp := make([]*sparkpb.ExecutePlanResponse_ExecutionProgress, len(reports))
	for i, r := range reports {
		cp[i] = proto.Clone(r).(*sparkpb.ExecutePlanResponse_ExecutionProgress)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.progress = cp
}

// HoldQueries makes every query (a root plan handled by default) wait, after its progress
// reports and before its result, until the returned function is called or the operation
// ends (interrupted, released, or the server closed): a long-running query to interrupt.
// Calling the function again does nothing.
func (s *Server) HoldQueries() (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.hold = ch
	s.mu.Unlock()
	var done bool
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !done {
			done = true
			close(ch)
		}
		if s.hold == ch {
			s.hold = nil
		}
	}
}

// beforeResult sends the scripted progress reports and waits while queries are held.
func (s *Server) beforeResult(ctx context.Context, op *Operation) error {
	s.mu.Lock()
	reports, hold := s.progress, s.hold
	s.mu.Unlock()
	for _, r := range reports {
		err := op.Send(&sparkpb.ExecutePlanResponse{ResponseType: &sparkpb.ExecutePlanResponse_ExecutionProgress_{ExecutionProgress: r}})
		if err != nil {
			return err
		}
	}
	if hold == nil {
		return nil
	}
	select {
	case <-hold:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
