package connect

import (
	"context"
	"errors"
	"io"
	"regexp"
	"slices"
	"strings"

	"google.golang.org/grpc/codes"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/internal/wire"
)

// ErrInterrupted matches, with errors.Is, the error of an action whose operation was
// interrupted on the server: by [Session.InterruptAll], [Session.InterruptTag] or
// [Session.InterruptOperation], from this process or another one. Spark reports it as a
// *SparkError of class OPERATION_CANCELED (SQLSTATE HY008). An action whose own context
// ended returns the context's error instead.
var ErrInterrupted = errors.New("spark connect: operation interrupted")

// isInterrupted reports whether a Spark error class is the one of an interrupted operation.
func isInterrupted(errorClass string) bool { return errorClass == "OPERATION_CANCELED" }

// InterruptAll interrupts every running operation of the session, whichever goroutine or
// process started it, and returns the ids of the operations interrupted. The actions
// waiting for them fail with an error matching [ErrInterrupted]. The session's listener
// stream for streaming query events ([StreamingQueryManager.Subscribe]) is an operation
// too, and ends with it.
//
// The interrupts also stop operations that the server has registered but not yet started
// running. Spark 4.1 cancels such an operation but answers the interrupt with an error (an
// IllegalStateException about the operation's status, Pending or Started) and, for a tag or all
// operations, stops there. The client recognises that answer: it counts the operation as
// interrupted, asks again for the others, and ends the operation's action, if this session
// started it, with an error matching [ErrInterrupted], where the server would leave the
// action waiting for minutes.
func (s *Session) InterruptAll(ctx context.Context) ([]string, error) {
	return s.interrupt(ctx, &sparkpb.InterruptRequest{InterruptType: sparkpb.InterruptRequest_INTERRUPT_TYPE_ALL})
}

// InterruptTag interrupts the running operations of the session that carry tag (see
// [Session.AddTag] and [WithOperationTags]) and returns their ids. An invalid tag gives an
// error wrapping [ErrInvalidTag].
func (s *Session) InterruptTag(ctx context.Context, tag string) ([]string, error) {
	if err := ValidateTag(tag); err != nil {
		return nil, err
	}
	return s.interrupt(ctx, &sparkpb.InterruptRequest{
		InterruptType: sparkpb.InterruptRequest_INTERRUPT_TYPE_TAG,
		Interrupt:     &sparkpb.InterruptRequest_OperationTag{OperationTag: tag},
	})
}

// InterruptOperation interrupts the operation with the given id, if it runs in the session,
// and returns the ids interrupted: that one, or none if it had ended or is unknown. Learn
// an operation's id from [RecordReader.OperationID] or [OperationTrace.Started].
func (s *Session) InterruptOperation(ctx context.Context, operationID string) ([]string, error) {
	if operationID == "" {
		return nil, errors.New("spark connect: interrupt: empty operation id")
	}
	return s.interrupt(ctx, &sparkpb.InterruptRequest{
		InterruptType: sparkpb.InterruptRequest_INTERRUPT_TYPE_OPERATION_ID,
		Interrupt:     &sparkpb.InterruptRequest_OperationId{OperationId: operationID},
	})
}

func (s *Session) interrupt(ctx context.Context, req *sparkpb.InterruptRequest) ([]string, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	var ids []string
	for attempt := 0; ; attempt++ {
		resp, err := s.wire.Interrupt(ctx, req)
		if err == nil {
			for _, id := range resp.GetInterruptedIds() {
				if !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
			return ids, nil
		}
		id, ok := interruptedBeforeStart(err)
		if !ok || attempt == maxPendingInterrupts {
			return nil, err
		}
		ids = append(ids, id)
		// Spark never answers the operation's result stream: end the action here, when it
		// is this session's, as Spark would have.
		s.wire.Abort(id, &SparkError{
			ErrorClass: "OPERATION_CANCELED", SQLState: "HY008", Code: codes.Canceled,
			Message: "[OPERATION_CANCELED] Operation has been canceled (interrupted before it started running). SQLSTATE: HY008",
		})
		if req.GetInterruptType() == sparkpb.InterruptRequest_INTERRUPT_TYPE_OPERATION_ID {
			return ids, nil
		}
		// The server stopped at that operation: ask again for the others that match.
	}
}

// maxPendingInterrupts bounds the repeats of one interrupt request, each of which follows
// an operation interrupted before it started (interruptedBeforeStart).
const maxPendingInterrupts = 64

// pendingInterruptError matches the error Spark 4.1 answers an Interrupt with when it
// interrupted an operation that had not started running yet: the operation is cancelled and
// can no longer start, but the server then fails to record its end (an
// IllegalStateException for the Closed event), never answers the operation's result stream,
// and, for a tag or all operations, stops before the other operations that match.
var pendingInterruptError = regexp.MustCompile(`operationId: (\S+) with status \w+\s+is not within statuses .* for event Closed`)

// interruptedBeforeStart reports whether err is the server's error for an operation that it
// interrupted before the operation started, and returns the operation's id.
func interruptedBeforeStart(err error) (string, bool) {
	var se *SparkError
	if !errors.As(err, &se) || !strings.HasSuffix(se.Exception, "IllegalStateException") {
		return "", false
	}
	m := pendingInterruptError.FindStringSubmatch(se.Message)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// OperationID returns the id of the operation whose result the reader streams, for
// [Session.InterruptOperation] ("" for a nil reader).
func (r *RecordReader) OperationID() string {
	if r == nil || r.exec == nil {
		return ""
	}
	return r.exec.OperationID()
}

// OperationTrace holds callbacks for the operations that actions start with a context,
// the way net/http/httptrace's ClientTrace does for requests. Attach one with
// [WithOperationTrace]; nil fields are not called.
type OperationTrace struct {
	// Started is called with the id of each operation the action starts, once the request
	// is on its way to the server and before the action waits for results: the id to give
	// [Session.InterruptOperation]. It is called on the action's goroutine and must not
	// block. (An interrupt that overtakes the request on its way interrupts nothing.)
	Started func(operationID string)
	// Progress is called with the execution progress reports that Spark sends while an
	// operation runs (about every spark.connect.progress.reportInterval, 2 s by default, which
	// a session may set lower with Conf().Set). It is called on a goroutine of its own, one call at a time,
	// so that a slow callback never holds up the reading of results: when it falls behind,
	// the reports it missed are skipped and it gets the latest. The last call returns
	// before the action does (for Collect, before the reader reports the end, an error, or
	// its release returns), so it must not wait for the action. Queries that take less
	// than the report interval may get no report at all.
	Progress func(ExecutionProgress)
	// Finished is called once for each operation that completes, with the plan metrics and
	// observed metrics the server sent with its result (see [ExecutionInfo]): for Collect,
	// when the reader reaches the end of the result; for actions that return values (Count,
	// Rows, Show, writes, SQL statements), before they return. It is called on the action's
	// goroutine and must not block. Operations that fail, or whose result is not read to
	// the end, do not call it.
	Finished func(ExecutionInfo)
}

// traceKey is the context key of WithOperationTrace.
type traceKey struct{}

// WithOperationTrace returns a context whose actions call trace's callbacks for the
// operations they start. A trace of an enclosing context is called too, after this one.
func WithOperationTrace(ctx context.Context, trace *OperationTrace) context.Context {
	if trace == nil {
		return ctx
	}
	if outer, _ := ctx.Value(traceKey{}).(*OperationTrace); outer != nil {
		inner := trace
		trace = &OperationTrace{}
		if inner.Started != nil || outer.Started != nil {
			trace.Started = func(id string) {
				if inner.Started != nil {
					inner.Started(id)
				}
				if outer.Started != nil {
					outer.Started(id)
				}
			}
		}
		if inner.Progress != nil || outer.Progress != nil {
			trace.Progress = func(p ExecutionProgress) {
				if inner.Progress != nil {
					inner.Progress(p)
				}
				if outer.Progress != nil {
					outer.Progress(p)
				}
			}
		}
		if inner.Finished != nil || outer.Finished != nil {
			trace.Finished = func(info ExecutionInfo) {
				if inner.Finished != nil {
					mine := info
					if outer.Finished != nil {
						mine = info.clone() // each callback owns its copy
					}
					inner.Finished(mine)
				}
				if outer.Finished != nil {
					outer.Finished(info)
				}
			}
		}
	}
	return context.WithValue(ctx, traceKey{}, trace)
}

// untaggedKey marks the context of an operation that is the session's own machinery (the
// listener stream), which does not carry the session's tags.
type untaggedKey struct{}

// withoutSessionTags returns a context whose operations do not carry the session's tags.
func withoutSessionTags(ctx context.Context) context.Context {
	return context.WithValue(ctx, untaggedKey{}, true)
}

// startOperation sends plan as a new operation with its tags (explicit ones, the
// session's, the context's) and attaches the context's trace to it.
func (s *Session) startOperation(ctx context.Context, plan *sparkpb.Plan, explicit []string) (*wire.Execution, error) {
	var tags []string
	var err error
	if untagged, _ := ctx.Value(untaggedKey{}).(bool); untagged {
		tags = explicit
	} else if tags, err = s.operationTags(ctx, explicit); err != nil {
		return nil, err
	}
	e, err := s.wire.Execute(ctx, plan, tags...)
	if err != nil {
		return nil, err
	}
	if trace := traceOf(ctx); trace != nil {
		if trace.Progress != nil {
			e.OnProgress(newProgressPump(e.OperationID(), trace.Progress))
		}
		if trace.Started != nil {
			trace.Started(e.OperationID())
		}
	}
	return e, nil
}

// runCommand runs a command to completion and returns its responses (progress reports go
// to the context's trace).
func (s *Session) runCommand(ctx context.Context, cmd *sparkpb.Command) ([]*sparkpb.ExecutePlanResponse, error) {
	e, err := s.startOperation(ctx, &sparkpb.Plan{OpType: &sparkpb.Plan_Command{Command: cmd}}, nil)
	if err != nil {
		return nil, err
	}
	defer e.Close()
	info := newExecInfo(e.OperationID(), traceFinished(traceOf(ctx)))
	var out []*sparkpb.ExecutePlanResponse
	for {
		resp, err := e.Recv()
		if errors.Is(err, io.EOF) {
			info.complete()
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		info.receive(resp)
		out = append(out, resp)
	}
}

// traceOf returns the context's operation trace, or nil.
func traceOf(ctx context.Context) *OperationTrace {
	t, _ := ctx.Value(traceKey{}).(*OperationTrace)
	return t
}
