package wire

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// ErrExecutionClosed is returned by Recv after Close.
var ErrExecutionClosed = errors.New("spark connect: operation already closed")

// Execution is one reattachable ExecutePlan operation. Recv hides reattachment and retries;
// the responses the client has consumed are released on the server in the background, and
// Close abandons the operation without waiting for the server. Recv and Close are called
// by one goroutine at a time.
type Execution struct {
	c      *Client
	ctx    context.Context
	cancel context.CancelFunc
	req    *sparkpb.ExecutePlanRequest
	stream grpc.ServerStreamingClient[sparkpb.ExecutePlanResponse]
	sent   bool // the ExecutePlan request reached a stream (reattach rather than resend)
	lastID string
	retry  *retrier
	// emptyEnds counts the streams in a row that ended cleanly, without a response, soon
	// after they opened; opened is when the current stream opened.
	emptyEnds int
	opened    time.Time
	// reattaches counts the ReattachExecute streams opened.
	reattaches int

	complete bool
	finished bool
	rel      *releaser
	// progress receives the execution progress reports; see OnProgress.
	progress ProgressHandler
	// codec decodes the responses of the operation's streams; lastResp is the response
	// Recv returned last and lastBuf the pooled buffer its Arrow data lies in (see
	// DecodeBatch).
	codec    *executeCodec
	lastResp *sparkpb.ExecutePlanResponse
	lastBuf  *msgBuf
	// aborted is the error Client.Abort ended the operation with, from another goroutine.
	aborted atomic.Pointer[error]
}

// ProgressHandler receives the execution progress reports of an operation (see
// Execution.OnProgress).
type ProgressHandler interface {
	// Progress is called with each report, on the goroutine that called Recv; it must not
	// block.
	Progress(*sparkpb.ExecutePlanResponse_ExecutionProgress)
	// Finished is called once, when the operation ends: completed, failed or closed.
	Finished()
}

// OnProgress hands the operation's execution progress reports to h. Call it before the
// first Recv. Recv never returns progress reports, with a handler or without.
func (e *Execution) OnProgress(h ProgressHandler) { e.progress = h }

// Execute starts plan as a reattachable operation with a client-chosen operation id. The
// operation runs until Recv reports its end or an error, or Close abandons it; ctx bounds it
// (its end interrupts the operation on the server).
func (c *Client) Execute(ctx context.Context, plan *sparkpb.Plan, tags ...string) (*Execution, error) {
	if err := c.checkOpen(); err != nil {
		return nil, err
	}
	opID := NewUUID()
	req := &sparkpb.ExecutePlanRequest{
		SessionId: c.cfg.SessionID, UserContext: c.user, ClientType: &c.cfg.ClientType,
		ClientObservedServerSideSessionId: c.observedID(),
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
	e := &Execution{c: c, ctx: sctx, cancel: cancel, req: req, retry: c.newRetrier(), codec: &executeCodec{pool: &c.msgs}}
	c.inFlight.Add(1)
	for {
		err := e.open()
		if err == nil {
			break
		}
		// The request could not be sent (the server unreachable): send it again under the
		// retry policy, as Recv would.
		if sctx.Err() == nil && isTransient(err) {
			ok, werr := e.retry.wait(sctx)
			if werr == nil && ok {
				continue
			}
			if werr != nil {
				err = werr
			}
		}
		c.inFlight.Add(-1)
		cancel()
		return nil, c.cfg.Convert(ctx, "execute", err)
	}
	e.rel = newReleaser(c, opID)
	c.execs.Store(opID, e)
	return e, nil
}

// Abort ends the client's open operation opID with err, from any goroutine: its Recv returns
// err at once, without waiting for the server, and the operation is released there. It is
// for an operation the server ended without ending its result stream: one interrupted
// before it started running, which Spark 4.1 leaves without an answer until the stream's
// time limit. Abort reports whether the client had the operation open.
func (c *Client) Abort(opID string, err error) bool {
	v, ok := c.execs.Load(opID)
	if !ok || err == nil {
		return false
	}
	e := v.(*Execution)
	e.aborted.Store(&err)
	e.cancel()
	return true
}

// OperationID returns the operation id the client chose.
func (e *Execution) OperationID() string { return e.req.GetOperationId() }

// open sends the ExecutePlan request, or reattaches once it was sent.
func (e *Execution) open() error {
	if !e.sent {
		stream, err := e.c.rpc.ExecutePlan(e.c.outgoing(e.ctx), e.req, grpc.ForceCodecV2(e.codec))
		if err != nil {
			return err
		}
		e.stream, e.sent, e.opened = stream, true, time.Now()
		return nil
	}
	req := &sparkpb.ReattachExecuteRequest{
		SessionId: e.c.cfg.SessionID, UserContext: e.c.user, ClientType: &e.c.cfg.ClientType,
		ClientObservedServerSideSessionId: e.c.observedID(),
		OperationId:                       e.req.GetOperationId(),
	}
	if e.lastID != "" {
		req.LastResponseId = &e.lastID
	}
	e.reattaches++
	e.c.stats.reattaches.Add(1)
	stream, err := e.c.rpc.ReattachExecute(e.c.outgoing(e.ctx), req, grpc.ForceCodecV2(e.codec))
	if err != nil {
		return err
	}
	e.stream, e.opened = stream, time.Now()
	return nil
}

// Reattaches returns how many ReattachExecute streams the operation opened so far.
func (e *Execution) Reattaches() int { return e.reattaches }

// maxEmptyEnds bounds how often in a row a stream may end cleanly without a single
// response before the operation is given up (a server that never makes progress).
const maxEmptyEnds = 8

// Recv returns the next response, or io.EOF after the server's ResultComplete.
func (e *Execution) Recv() (*sparkpb.ExecutePlanResponse, error) {
	for {
		if e.complete {
			return nil, io.EOF
		}
		if e.finished {
			return nil, ErrExecutionClosed
		}
		var err error
		if e.stream == nil {
			err = e.open()
		}
		if err == nil {
			var resp *sparkpb.ExecutePlanResponse
			resp, err = e.stream.Recv()
			// The buffer of the previous response, if DecodeBatch did not take it, is left
			// to the garbage collector: the caller may still hold that response.
			e.lastResp, e.lastBuf = resp, e.codec.take()
			if err == nil {
				resp, err = e.received(resp)
				if resp != nil && resp.GetExecutionProgress() != nil {
					if e.progress != nil {
						e.progress.Progress(resp.GetExecutionProgress())
					}
					continue
				}
				return resp, err
			}
			e.stream = nil
			if errors.Is(err, io.EOF) {
				// The server ended the stream without ResultComplete, on purpose (its stream
				// duration or size limit): reattach at once. A stream that stayed open a
				// while before it ended empty is a quiet operation (a listener bus waiting
				// for events) meeting the duration limit, not a server that makes no
				// progress: only quick empty ends count.
				if time.Since(e.opened) >= e.c.quietStream {
					e.emptyEnds = 0
					continue
				}
				if e.emptyEnds++; e.emptyEnds <= maxEmptyEnds {
					continue
				}
				return nil, e.fail(errors.New("spark connect: the server ended the result stream repeatedly without sending anything"))
			}
		}
		e.stream = nil
		if aborted := e.aborted.Load(); aborted != nil {
			e.finish(false) // the server has ended it: release it there
			return nil, *aborted
		}
		if e.ctx.Err() != nil {
			return nil, e.failWith(err)
		}
		retryable := isTransient(err) || isCursorDisconnected(err)
		if isOperationNotFound(err) && e.lastID == "" {
			// The first ExecutePlan never reached the server: send it again.
			e.sent, retryable = false, true
		}
		if retryable {
			ok, werr := e.retry.wait(e.ctx)
			if werr != nil {
				return nil, e.failWith(werr)
			}
			if ok {
				continue
			}
		}
		return nil, e.failWith(err)
	}
}

// DecodeBatch decodes the ArrowBatch of resp, the response Recv returned last, as the
// package's DecodeBatch does, and returns nil batches for a response without one. When the
// batches point into the response's bytes (the Go allocator) and those bytes lie in a
// buffer the client recycles, the batches hold that buffer, which is recycled once the last
// of them is released: a caller who keeps a batch, or any of its arrays, retains it.
// DecodeBatch takes the response's bytes: resp's ArrowBatch.Data is nil afterwards.
func (e *Execution) DecodeBatch(resp *sparkpb.ExecutePlanResponse, mem memory.Allocator) (*arrow.Schema, []arrow.RecordBatch, error) {
	ab := resp.GetArrowBatch()
	if ab == nil {
		return nil, nil, nil
	}
	var owner *msgBuf
	if resp == e.lastResp {
		owner, e.lastBuf = e.lastBuf, nil
	}
	data := ab.GetData()
	ab.Data = nil
	schema, recs, err := decodeBatch(data, mem, owner)
	if owner != nil {
		owner.release() // the response's reference; the batches hold theirs
	}
	return schema, recs, err
}

// failWith ends the operation after the error err of a call and returns it converted
// (before the operation's context ends, so that a server error is not taken for the end of
// the caller's context).
func (e *Execution) failWith(err error) error {
	converted := e.c.cfg.Convert(e.ctx, "execute", err)
	e.finish(!IsServerError(err))
	return converted
}

func (e *Execution) received(resp *sparkpb.ExecutePlanResponse) (*sparkpb.ExecutePlanResponse, error) {
	e.c.heard()
	e.retry.reset()
	e.emptyEnds = 0
	if err := e.c.observe(resp.GetServerSideSessionId()); err != nil {
		return nil, e.fail(err)
	}
	if id := resp.GetResponseId(); id != "" {
		e.lastID = id
		e.rel.consumed(id)
	}
	if resp.GetResultComplete() != nil {
		e.complete = true
		e.finish(false)
		return nil, io.EOF
	}
	return resp, nil
}

// fail ends the operation after an error. The operation is interrupted on the server if it
// may still run there: unless the server itself reported the error.
func (e *Execution) fail(err error) error {
	e.finish(!IsServerError(err))
	return err
}

// Close abandons the operation: if it has not completed it is interrupted on the server.
// Close does not wait for the server: the interrupt and release run in the background
// (the session's Close waits for them). Safe to call more than once and after completion.
func (e *Execution) Close() { e.finish(!e.complete) }

func (e *Execution) finish(interrupt bool) {
	if e.finished {
		return
	}
	e.finished = true
	e.c.execs.Delete(e.OperationID())
	e.c.inFlight.Add(-1)
	e.cancel()
	e.rel.finish(interrupt)
	if e.progress != nil {
		e.progress.Finished()
	}
}

// releaser tells the server, off the caller's path, which responses the client has
// consumed (release_until), and at the end interrupts the operation if it may still run and
// releases it whole (release_all). One goroutine per operation, started at its first
// release; the client's Close waits for it.
type releaser struct {
	c    *Client
	opID string

	mu      sync.Mutex
	pending string // the newest consumed response id not yet released
	done    bool
	running bool
}

func newReleaser(c *Client, opID string) *releaser { return &releaser{c: c, opID: opID} }

// consumed records that the client has consumed the responses up to id.
func (r *releaser) consumed(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	r.pending = id
	r.startLocked()
}

// finish records the end of the operation; interrupt asks for an interrupt first.
func (r *releaser) finish(interrupt bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	r.done = true
	if interrupt {
		// At once, on its own: not behind a release that the server is slow to answer.
		r.c.background(r.sendInterrupt)
	}
	r.startLocked()
}

func (r *releaser) sendInterrupt(bg context.Context) {
	r.c.cleanupCall(bg, "interrupt", func(ctx context.Context) error {
		_, err := r.c.rpc.Interrupt(r.c.outgoing(ctx), &sparkpb.InterruptRequest{
			SessionId: r.c.cfg.SessionID, UserContext: r.c.user, ClientType: &r.c.cfg.ClientType,
			InterruptType: sparkpb.InterruptRequest_INTERRUPT_TYPE_OPERATION_ID,
			Interrupt:     &sparkpb.InterruptRequest_OperationId{OperationId: r.opID},
		})
		return err
	})
}

func (r *releaser) startLocked() {
	if r.running {
		return
	}
	r.running = true
	r.c.background(r.run)
}

func (r *releaser) run(bg context.Context) {
	for {
		r.mu.Lock()
		pending, done := r.pending, r.done
		r.pending = ""
		if !done && pending == "" {
			r.running = false
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
		if done {
			// The end supersedes partial releases: release all (which also ends the
			// operation on the server if it still runs).
			r.release(bg, &sparkpb.ReleaseExecuteRequest{Release: &sparkpb.ReleaseExecuteRequest_ReleaseAll_{
				ReleaseAll: &sparkpb.ReleaseExecuteRequest_ReleaseAll{},
			}})
			return
		}
		r.release(bg, &sparkpb.ReleaseExecuteRequest{Release: &sparkpb.ReleaseExecuteRequest_ReleaseUntil_{
			ReleaseUntil: &sparkpb.ReleaseExecuteRequest_ReleaseUntil{ResponseId: pending},
		}})
	}
}

func (r *releaser) release(bg context.Context, req *sparkpb.ReleaseExecuteRequest) {
	req.SessionId, req.UserContext, req.ClientType = r.c.cfg.SessionID, r.c.user, &r.c.cfg.ClientType
	req.OperationId = r.opID
	r.c.cleanupCall(bg, "release", func(ctx context.Context) error {
		_, err := r.c.rpc.ReleaseExecute(r.c.outgoing(ctx), req)
		return err
	})
}

// Command runs a command to completion and returns its responses.
func (c *Client) Command(ctx context.Context, cmd *sparkpb.Command) ([]*sparkpb.ExecutePlanResponse, error) {
	e, err := c.Execute(ctx, &sparkpb.Plan{OpType: &sparkpb.Plan_Command{Command: cmd}})
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

// NewUUID returns a random (version 4) UUID.
func NewUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
