package fakeserver

import (
	"context"
	"errors"
	"slices"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// internalCode is the gRPC code Spark answers its own errors with.
const internalCode = codes.Internal

// Operation is one ExecutePlan operation. Its responses are buffered until the client
// releases them, so that ReattachExecute can replay them. It is safe for concurrent use.
type Operation struct {
	srv       *Server
	id        string
	session   string
	serverID  string
	tags      []string
	reattach  bool
	ctx       context.Context
	cancel    context.CancelFunc
	responses sendBuffer
}

// sendBuffer holds an operation's responses not yet released, and its state.
type sendBuffer struct {
	mu          sync.Mutex
	changed     chan struct{} // closed and replaced at every change
	buf         []*sparkpb.ExecutePlanResponse
	base        int            // position of buf[0] in the operation's response sequence
	ids         map[string]int // response id -> position, for every response sent
	completed   bool           // ResultComplete was sent
	finished    bool           // the handler returned
	err         error          // the handler's error
	released    bool           // release_all arrived
	interrupted bool           // Interrupt arrived while running
	attached    int            // counts the streams attached; only the latest sends
}

// ID returns the operation id.
func (op *Operation) ID() string { return op.id }

// SessionID returns the id of the client session that started the operation.
func (op *Operation) SessionID() string { return op.session }

// Tags returns the operation's tags (ExecutePlanRequest.tags).
func (op *Operation) Tags() []string { return slices.Clone(op.tags) }

// Context returns the operation's context, which ends when the operation is interrupted or
// released, or the server closes.
func (op *Operation) Context() context.Context { return op.ctx }

// Send buffers a response for the client. It fills response_id (a new UUID),
// operation_id, session_id and server_side_session_id, on a copy. It fails once the
// operation has completed, been interrupted or released.
func (op *Operation) Send(resp *sparkpb.ExecutePlanResponse) error {
	r := cloneResponse(resp)
	r.ResponseId = newUUID()
	r.OperationId = op.id
	r.SessionId = op.session
	r.ServerSideSessionId = op.serverID
	b := &op.responses
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.completed:
		return errors.New("fakeserver: operation already complete")
	case b.released || b.interrupted || b.finished:
		return errors.New("fakeserver: operation ended")
	}
	if b.ids == nil {
		b.ids = map[string]int{}
	}
	b.ids[r.ResponseId] = b.base + len(b.buf)
	b.buf = append(b.buf, r)
	if r.GetResultComplete() != nil {
		b.completed = true
	}
	b.changedLocked()
	return nil
}

// Complete sends ResultComplete, the last response of the operation.
func (op *Operation) Complete() error {
	return op.Send(&sparkpb.ExecutePlanResponse{ResponseType: &sparkpb.ExecutePlanResponse_ResultComplete_{
		ResultComplete: &sparkpb.ExecutePlanResponse_ResultComplete{},
	}})
}

func (b *sendBuffer) changedLocked() {
	if b.changed != nil {
		close(b.changed)
	}
	b.changed = make(chan struct{})
}

// wake returns the channel closed at the next change. Called with the lock held.
func (b *sendBuffer) wakeLocked() <-chan struct{} {
	if b.changed == nil {
		b.changed = make(chan struct{})
	}
	return b.changed
}

// finish records the end of the handler: ResultComplete is sent for a handler that
// returned nil without it.
func (op *Operation) finish(err error) {
	if err == nil {
		_ = op.Complete() // fails harmlessly if complete, released or interrupted
	}
	b := &op.responses
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	b.finished = true
	switch {
	case b.completed:
		err = nil
	case b.interrupted || b.released:
		err = canceledError()
	case err == nil:
		err = canceledError()
	}
	b.err = err
	b.changedLocked()
}

// stop ends the operation from outside: interrupted, or released with release_all.
// It reports whether the operation was still running.
func (op *Operation) stop(release bool) bool {
	b := &op.responses
	b.mu.Lock()
	running := !b.finished && !b.completed
	if release {
		b.released = true
		b.base += len(b.buf)
		b.buf = nil
	} else if running {
		b.interrupted = true
	}
	b.changedLocked()
	b.mu.Unlock()
	op.cancel()
	return running
}

// releaseUntil drops the responses up to and including id.
func (op *Operation) releaseUntil(id string) {
	b := &op.responses
	b.mu.Lock()
	defer b.mu.Unlock()
	pos, ok := b.ids[id]
	if !ok || pos < b.base {
		return
	}
	n := pos - b.base + 1
	b.buf = slices.Delete(b.buf, 0, n)
	b.base = pos + 1
}

func canceledError() error {
	return SparkError(internalCode, "OPERATION_CANCELED", "HY008", "Operation has been cancelled.", "")
}

func operationNotFound(id string) error {
	return SparkError(internalCode, "INVALID_HANDLE.OPERATION_NOT_FOUND", "HY000",
		"The handle "+id+" is invalid. Operation not found.", "")
}

// start registers an operation and runs it in a goroutine.
func (s *Server) start(req *sparkpb.ExecutePlanRequest, run func(context.Context, *sparkpb.ExecutePlanRequest, *Operation) error) (*Operation, error) {
	id := req.GetOperationId()
	if id == "" {
		id = newUUID()
	}
	reattachable := false
	for _, o := range req.GetRequestOptions() {
		if o.GetReattachOptions().GetReattachable() {
			reattachable = true
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, status.Error(codes.Unavailable, "fakeserver: closed")
	}
	key := opKey{req.GetSessionId(), id}
	if _, ok := s.operations[key]; ok {
		return nil, SparkError(internalCode, "INVALID_HANDLE.OPERATION_ALREADY_EXISTS", "HY000",
			"The handle "+id+" is invalid. Operation already exists.", "")
	}
	ctx, cancel := context.WithCancel(s.ctx)
	op := &Operation{srv: s, id: id, session: req.GetSessionId(), serverID: s.serverSideID,
		tags: slices.Clone(req.GetTags()), reattach: reattachable, ctx: ctx, cancel: cancel}
	s.operations[key] = op
	s.ops.Add(1)
	go func() {
		defer s.ops.Done()
		defer cancel()
		op.finish(run(ctx, req, op))
	}()
	return op, nil
}

// pump sends the operation's responses from position next on, until ResultComplete, the
// operation's error, the end of ctx or a scripted cut.
//
// A stream that attaches to an operation detaches the one before it, which ends with
// INVALID_CURSOR.DISCONNECTED, as on Spark.
func (s *Server) pump(ctx context.Context, op *Operation, next int, send func(*sparkpb.ExecutePlanResponse) error) error {
	c := s.takeCut()
	sent := 0
	b := &op.responses
	b.mu.Lock()
	b.attached++
	me := b.attached
	b.changedLocked()
	b.mu.Unlock()
	for {
		b.mu.Lock()
		if b.released {
			b.mu.Unlock()
			return canceledError()
		}
		if b.attached != me {
			b.mu.Unlock()
			return SparkError(internalCode, "INVALID_CURSOR.DISCONNECTED", "HY000",
				"The cursor was disconnected by the server: another stream reattached to the operation.", "")
		}
		if next < b.base {
			b.mu.Unlock()
			return SparkError(internalCode, "INVALID_CURSOR.POSITION_NOT_AVAILABLE", "HY000",
				"The cursor position is not available: its responses were released.", "")
		}
		if i := next - b.base; i < len(b.buf) {
			resp := b.buf[i]
			b.mu.Unlock()
			if c != nil && sent == c.after {
				return c.err
			}
			if err := send(resp); err != nil {
				return err
			}
			sent++
			next++
			if resp.GetResultComplete() != nil {
				return nil
			}
			continue
		}
		if b.finished {
			err := b.err
			b.mu.Unlock()
			return err
		}
		wake := b.wakeLocked()
		b.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		}
	}
}

// ExecutePlan implements sparkpb.SparkConnectServiceServer.
func (s *Server) ExecutePlan(req *sparkpb.ExecutePlanRequest, stream grpc.ServerStreamingServer[sparkpb.ExecutePlanResponse]) error {
	if err := s.record(req, req.ClientObservedServerSideSessionId); err != nil {
		return err
	}
	run := s.defaultExecute
	if ferr := s.takeFailure(); ferr != nil {
		run = func(context.Context, *sparkpb.ExecutePlanRequest, *Operation) error { return ferr }
	} else {
		s.mu.Lock()
		hook := s.onExecute
		s.mu.Unlock()
		if hook != nil {
			run = func(ctx context.Context, req *sparkpb.ExecutePlanRequest, op *Operation) error {
				err := hook(ctx, req, op)
				if errors.Is(err, ErrUseDefault) {
					return s.defaultExecute(ctx, req, op)
				}
				return err
			}
		}
	}
	op, err := s.start(req, run)
	if err != nil {
		return err
	}
	err = s.pump(stream.Context(), op, 0, stream.Send)
	if !op.reattach {
		// A client cannot come back for an operation that is not reattachable: it ends
		// with its stream, as on Spark.
		s.removeOperation(op, true)
	}
	return err
}

// ReattachExecute implements sparkpb.SparkConnectServiceServer.
func (s *Server) ReattachExecute(req *sparkpb.ReattachExecuteRequest, stream grpc.ServerStreamingServer[sparkpb.ExecutePlanResponse]) error {
	if err := s.record(req, req.ClientObservedServerSideSessionId); err != nil {
		return err
	}
	s.mu.Lock()
	hook := s.onReattach
	op := s.operations[opKey{req.GetSessionId(), req.GetOperationId()}]
	s.mu.Unlock()
	if hook != nil {
		err := hook(stream.Context(), req, stream.Send)
		if !errors.Is(err, ErrUseDefault) {
			return err
		}
	}
	if op == nil {
		return operationNotFound(req.GetOperationId())
	}
	if !op.reattach {
		return SparkError(internalCode, "INVALID_CURSOR.NOT_REATTACHABLE", "HY000",
			"The operation "+op.id+" is not reattachable.", "")
	}
	b := &op.responses
	b.mu.Lock()
	next := b.base
	if req.LastResponseId != nil {
		pos, ok := b.ids[req.GetLastResponseId()]
		if !ok {
			b.mu.Unlock()
			return SparkError(internalCode, "INVALID_CURSOR.POSITION_NOT_FOUND", "HY000",
				"The cursor position id "+req.GetLastResponseId()+" is not found.", "")
		}
		next = pos + 1
	}
	b.mu.Unlock()
	return s.pump(stream.Context(), op, next, stream.Send)
}

// removeOperation forgets an operation and ends it if it is running.
func (s *Server) removeOperation(op *Operation, release bool) {
	s.mu.Lock()
	if s.operations[opKey{op.session, op.id}] == op {
		delete(s.operations, opKey{op.session, op.id})
	}
	s.mu.Unlock()
	op.stop(release)
}

// ReleaseExecute implements sparkpb.SparkConnectServiceServer.
func (s *Server) ReleaseExecute(ctx context.Context, req *sparkpb.ReleaseExecuteRequest) (*sparkpb.ReleaseExecuteResponse, error) {
	if err := s.record(req, req.ClientObservedServerSideSessionId); err != nil {
		return nil, err
	}
	s.mu.Lock()
	hook := s.onReleaseExecute
	op := s.operations[opKey{req.GetSessionId(), req.GetOperationId()}]
	s.mu.Unlock()
	if hook != nil {
		resp, err := hook(ctx, req)
		if !errors.Is(err, ErrUseDefault) {
			return resp, err
		}
	}
	if op != nil {
		switch r := req.GetRelease().(type) {
		case *sparkpb.ReleaseExecuteRequest_ReleaseAll_:
			s.removeOperation(op, true)
		case *sparkpb.ReleaseExecuteRequest_ReleaseUntil_:
			op.releaseUntil(r.ReleaseUntil.GetResponseId())
		}
	}
	id := req.GetOperationId()
	return &sparkpb.ReleaseExecuteResponse{SessionId: req.GetSessionId(), ServerSideSessionId: s.ServerSideSessionID(), OperationId: &id}, nil
}

// Interrupt implements sparkpb.SparkConnectServiceServer.
func (s *Server) Interrupt(ctx context.Context, req *sparkpb.InterruptRequest) (*sparkpb.InterruptResponse, error) {
	if err := s.record(req, req.ClientObservedServerSideSessionId); err != nil {
		return nil, err
	}
	s.mu.Lock()
	hook := s.onInterrupt
	var targets []*Operation
	for k, op := range s.operations {
		if k.session != req.GetSessionId() {
			continue
		}
		switch req.GetInterruptType() {
		case sparkpb.InterruptRequest_INTERRUPT_TYPE_ALL:
			targets = append(targets, op)
		case sparkpb.InterruptRequest_INTERRUPT_TYPE_TAG:
			if slices.Contains(op.tags, req.GetOperationTag()) {
				targets = append(targets, op)
			}
		case sparkpb.InterruptRequest_INTERRUPT_TYPE_OPERATION_ID:
			if op.id == req.GetOperationId() {
				targets = append(targets, op)
			}
		}
	}
	s.mu.Unlock()
	if hook != nil {
		resp, err := hook(ctx, req)
		if !errors.Is(err, ErrUseDefault) {
			return resp, err
		}
	}
	resp := &sparkpb.InterruptResponse{SessionId: req.GetSessionId(), ServerSideSessionId: s.ServerSideSessionID()}
	for _, op := range targets {
		if op.stop(false) {
			resp.InterruptedIds = append(resp.InterruptedIds, op.id)
		}
	}
	slices.Sort(resp.InterruptedIds)
	return resp, nil
}
