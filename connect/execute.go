package connect

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// Tuning of reattachable execution. The server ends a response stream on purpose after
// spark.connect.execute.reattachable.senderMaxStreamDuration (2 minutes by default); such
// an end, and transport errors, are answered with ReattachExecute from the last response.
const (
	maxReattachRetries = 8
	firstRetryDelay    = 50 * time.Millisecond
	maxRetryDelay      = 5 * time.Second
	// cleanupTimeout bounds the calls that release or interrupt an operation on the server
	// after the caller's context has ended.
	cleanupTimeout = 5 * time.Second
)

// execution is one reattachable ExecutePlan operation. Recv hides reattachment; Close
// interrupts the operation if it has not completed and releases its responses on the server.
// It is used by one goroutine at a time.
type execution struct {
	s       *Session
	ctx     context.Context
	cancel  context.CancelFunc
	req     *sparkpb.ExecutePlanRequest
	stream  grpc.ServerStreamingClient[sparkpb.ExecutePlanResponse]
	lastID  string
	retries int

	complete  bool
	finished  bool
	releaseCh chan string
	released  sync.WaitGroup
}

// execute starts plan as a reattachable operation with a client-chosen operation id.
func (s *Session) execute(ctx context.Context, plan *sparkpb.Plan, tags ...string) (*execution, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	opID := newUUID()
	req := &sparkpb.ExecutePlanRequest{
		SessionId: s.id, UserContext: s.user, ClientType: &s.clientType,
		ClientObservedServerSideSessionId: s.observedID(),
		OperationId:                       &opID,
		Plan:                              plan,
		Tags:                              tags,
		RequestOptions: []*sparkpb.ExecutePlanRequest_RequestOption{{
			RequestOption: &sparkpb.ExecutePlanRequest_RequestOption_ReattachOptions{
				ReattachOptions: &sparkpb.ReattachOptions{Reattachable: true},
			},
		}},
	}
	sctx, cancel := context.WithCancel(ctx)
	e := &execution{s: s, ctx: sctx, cancel: cancel, req: req, releaseCh: make(chan string, 1)}
	stream, err := s.rpc.ExecutePlan(s.outgoing(sctx), req)
	if err != nil {
		cancel()
		return nil, s.convert(ctx, "execute", err)
	}
	e.stream = stream
	e.released.Add(1)
	go e.releaser()
	return e, nil
}

// OperationID returns the operation id the client chose.
func (e *execution) OperationID() string { return e.req.GetOperationId() }

// Recv returns the next response, or io.EOF after the server's ResultComplete.
func (e *execution) Recv() (*sparkpb.ExecutePlanResponse, error) {
	for {
		if e.complete {
			return nil, io.EOF
		}
		if e.finished {
			return nil, errors.New("spark connect: operation already closed")
		}
		if e.stream == nil {
			if err := e.reattach(); err != nil {
				return nil, e.fail(err)
			}
		}
		resp, err := e.stream.Recv()
		if err == nil {
			e.retries = 0
			if oerr := e.s.observe(resp.GetServerSideSessionId()); oerr != nil {
				return nil, e.fail(oerr)
			}
			if id := resp.GetResponseId(); id != "" {
				e.lastID = id
				e.signalRelease(id)
			}
			if resp.GetResultComplete() != nil {
				e.complete = true
				e.finish(false)
				return nil, io.EOF
			}
			return resp, nil
		}
		if errors.Is(err, io.EOF) {
			// The server ended the stream without ResultComplete, on purpose: reattach.
			e.stream = nil
			continue
		}
		if e.ctx.Err() != nil {
			return nil, e.fail(fromRPC(e.ctx, "execute", err))
		}
		if isOperationNotFound(err) && e.lastID == "" {
			// The first ExecutePlan never reached the server: send it again.
			if e.retries++; e.retries > maxReattachRetries {
				return nil, e.fail(e.s.convert(e.ctx, "execute", err))
			}
			stream, rerr := e.s.rpc.ExecutePlan(e.s.outgoing(e.ctx), e.req)
			if rerr != nil {
				return nil, e.fail(e.s.convert(e.ctx, "execute", rerr))
			}
			e.stream = stream
			continue
		}
		if isRetryable(err) && e.retries < maxReattachRetries {
			if werr := sleepCtx(e.ctx, backoff(e.retries)); werr != nil {
				return nil, e.fail(fromRPC(e.ctx, "execute", werr))
			}
			e.retries++
			e.stream = nil
			continue
		}
		return nil, e.fail(e.s.convert(e.ctx, "execute", err))
	}
}

func (e *execution) reattach() error {
	req := &sparkpb.ReattachExecuteRequest{
		SessionId: e.s.id, UserContext: e.s.user, ClientType: &e.s.clientType,
		ClientObservedServerSideSessionId: e.s.observedID(),
		OperationId:                       e.req.GetOperationId(),
	}
	if e.lastID != "" {
		req.LastResponseId = &e.lastID
	}
	stream, err := e.s.rpc.ReattachExecute(e.s.outgoing(e.ctx), req)
	if err != nil {
		return e.s.convert(e.ctx, "reattach", err)
	}
	e.stream = stream
	return nil
}

// fail ends the operation after an error: interrupted on the server if the caller's context
// ended, released in any case.
func (e *execution) fail(err error) error {
	e.finish(e.ctx.Err() != nil)
	return err
}

// Close abandons the operation: if it has not completed it is interrupted on the server.
// Close is safe to call more than once and after completion.
func (e *execution) Close() {
	e.finish(!e.complete)
	e.released.Wait()
}

func (e *execution) finish(interrupt bool) {
	if e.finished {
		return
	}
	e.finished = true
	e.cancel()
	if interrupt {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		opID := e.req.GetOperationId()
		// Best effort: the operation may have ended already; release_all below also stops it.
		_, _ = e.s.rpc.Interrupt(e.s.outgoing(ctx), &sparkpb.InterruptRequest{
			SessionId: e.s.id, UserContext: e.s.user, ClientType: &e.s.clientType,
			InterruptType: sparkpb.InterruptRequest_INTERRUPT_TYPE_OPERATION_ID,
			Interrupt:     &sparkpb.InterruptRequest_OperationId{OperationId: opID},
		})
	}
	close(e.releaseCh)
}

func (e *execution) signalRelease(id string) {
	select {
	case e.releaseCh <- id:
	default:
		// A release is pending; replace it with the newer id.
		select {
		case <-e.releaseCh:
		default:
		}
		select {
		case e.releaseCh <- id:
		default:
		}
	}
}

// releaser tells the server, off the hot path, which responses the client has consumed, and
// releases the whole operation at the end.
func (e *execution) releaser() {
	defer e.released.Done()
	send := func(r *sparkpb.ReleaseExecuteRequest) {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		r.SessionId, r.UserContext, r.ClientType = e.s.id, e.s.user, &e.s.clientType
		r.OperationId = e.req.GetOperationId()
		_, _ = e.s.rpc.ReleaseExecute(e.s.outgoing(ctx), r) // best effort, as in Spark's clients
	}
	for id := range e.releaseCh {
		send(&sparkpb.ReleaseExecuteRequest{Release: &sparkpb.ReleaseExecuteRequest_ReleaseUntil_{
			ReleaseUntil: &sparkpb.ReleaseExecuteRequest_ReleaseUntil{ResponseId: id},
		}})
	}
	send(&sparkpb.ReleaseExecuteRequest{Release: &sparkpb.ReleaseExecuteRequest_ReleaseAll_{
		ReleaseAll: &sparkpb.ReleaseExecuteRequest_ReleaseAll{},
	}})
}

func isRetryable(err error) bool {
	st, ok := status.FromError(err)
	if !ok {
		return false
	}
	switch st.Code() {
	case codes.Unavailable:
		return true
	case codes.Internal:
		return strings.Contains(st.Message(), "INVALID_CURSOR.DISCONNECTED")
	}
	return false
}

func isOperationNotFound(err error) bool {
	st, ok := status.FromError(err)
	return ok && strings.Contains(st.Message(), "INVALID_HANDLE.OPERATION_NOT_FOUND")
}

func backoff(attempt int) time.Duration {
	d := firstRetryDelay << attempt
	if d > maxRetryDelay || d <= 0 {
		d = maxRetryDelay
	}
	return d
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// executeCommand runs a command to completion and returns its non-data responses.
func (s *Session) executeCommand(ctx context.Context, cmd *sparkpb.Command) ([]*sparkpb.ExecutePlanResponse, error) {
	e, err := s.execute(ctx, &sparkpb.Plan{OpType: &sparkpb.Plan_Command{Command: cmd}})
	if err != nil {
		return nil, err
	}
	defer e.Close()
	var out []*sparkpb.ExecutePlanResponse
	for {
		resp, err := e.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, resp)
	}
}
