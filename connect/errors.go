package connect

import (
	"context"
	"encoding/json"

	"fmt"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/internal/wire"
)

// ErrClosed is returned by calls on a [Session] after [Session.Close].
var ErrClosed = wire.ErrClosed

// ErrInvalidArrow is wrapped by the error of a read ([RecordReader.Err], Rows, Collect...)
// whose Arrow data from the server is malformed, inconsistent, or of a kind Spark never
// sends (dictionaries, unions, views). Such data is refused before it is decoded, so a
// broken or hostile server cannot make the client panic or exhaust its memory.
var ErrInvalidArrow = wire.ErrInvalidArrow

// SparkError is an error that the Spark Connect server reported: an analysis error, a SQL
// syntax error, a failed job. Callers branch on ErrorClass (Spark's error condition, such as
// "TABLE_OR_VIEW_NOT_FOUND") or SQLState, and find it with errors.As:
//
//	var se *connect.SparkError
//	if errors.As(err, &se) && se.ErrorClass == "TABLE_OR_VIEW_NOT_FOUND" { ... }
type SparkError struct {
	// ErrorClass is Spark's error class ("error condition"), empty for errors without one.
	ErrorClass string
	// SQLState is the five-character SQLSTATE, empty when Spark gives none.
	SQLState string
	// Message is Spark's message, without the gRPC framing.
	Message string
	// Exception is the JVM class of the exception, e.g. org.apache.spark.sql.AnalysisException.
	Exception string
	// MessageParameters are the values substituted into the error class's message template.
	MessageParameters map[string]string
	// ErrorID identifies the error on the server, for [Session.ErrorDetails].
	ErrorID string
	// StackTrace is the server's stack trace, present after [Session.ErrorDetails] or with
	// [WithErrorStackTraces].
	StackTrace []StackFrame
	// Cause is the exception that caused this one on the server, if known.
	Cause *SparkError
	// Code is the gRPC status code the server answered with.
	Code codes.Code
}

// StackFrame is one frame of a server-side stack trace.
type StackFrame struct {
	Class  string
	Method string
	File   string
	Line   int32
}

// String renders the frame the way the JVM prints it.
func (f StackFrame) String() string {
	if f.File == "" {
		return fmt.Sprintf("%s.%s", f.Class, f.Method)
	}
	return fmt.Sprintf("%s.%s(%s:%d)", f.Class, f.Method, f.File, f.Line)
}

// Error returns "spark: [ERROR_CLASS] message".
func (e *SparkError) Error() string {
	msg := strings.TrimSpace(e.Message)
	if e.ErrorClass != "" && !strings.HasPrefix(msg, "["+e.ErrorClass+"]") {
		msg = "[" + e.ErrorClass + "] " + msg
	}
	return "spark: " + msg
}

// GRPCStatus lets status.Code and status.FromError see the original gRPC code.
func (e *SparkError) GRPCStatus() *status.Status { return status.New(e.Code, e.Message) }

// Is lets errors.Is(err, ErrSessionChanged) hold for the server's own report of a changed
// session (INVALID_HANDLE.SESSION_CHANGED), as it does when the client notices the change,
// errors.Is(err, ErrNotFound) for a missing table, view, database, catalog or function, and
// errors.Is(err, ErrInterrupted) for an interrupted operation (OPERATION_CANCELED).
func (e *SparkError) Is(target error) bool {
	switch target {
	case ErrSessionChanged:
		return strings.HasPrefix(e.ErrorClass, "INVALID_HANDLE.SESSION_CHANGED")
	case ErrInterrupted:
		return isInterrupted(e.ErrorClass)
	case ErrNotFound:
		return isNotFound(e.ErrorClass)
	}
	return false
}

// Unwrap returns the cause, if any, so errors.As can walk the server-side chain.
func (e *SparkError) Unwrap() error {
	if e.Cause == nil {
		return nil
	}
	return e.Cause
}

// StackTraceString renders the stack trace, one frame per line.
func (e *SparkError) StackTraceString() string {
	var b strings.Builder
	for _, f := range e.StackTrace {
		b.WriteString("\tat ")
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// fromRPC turns an error from a gRPC call into the error callers see: a *SparkError for
// errors the server reported, the context's error (wrapped) when the context ended, or the
// transport error wrapped with what was being attempted.
func fromRPC(ctx context.Context, what string, err error) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s: %w", what, ctxErr)
	}
	st, ok := status.FromError(err)
	if !ok {
		return fmt.Errorf("%s: %w", what, err)
	}
	switch st.Code() {
	case codes.DeadlineExceeded:
		return fmt.Errorf("%s: %w (%s)", what, context.DeadlineExceeded, st.Message())
	case codes.Canceled:
		return fmt.Errorf("%s: %w (%s)", what, context.Canceled, st.Message())
	}
	var info *errdetails.ErrorInfo
	for _, d := range st.Details() {
		if ei, ok := d.(*errdetails.ErrorInfo); ok {
			info = ei
			break
		}
	}
	if info == nil {
		if err := sizeError(what, st); err != nil {
			return err
		}
		if st.Code() == codes.Unknown && strings.TrimSpace(st.Message()) == "" {
			return fmt.Errorf("%s: %w", what, emptyServerError(st))
		}
		if st.Code() == codes.Unavailable {
			return fmt.Errorf("%s: server unavailable: %s: %w", what, st.Message(), err)
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	se := &SparkError{
		Message:    st.Message(),
		Exception:  info.GetReason(),
		ErrorClass: info.GetMetadata()["errorClass"],
		SQLState:   info.GetMetadata()["sqlState"],
		ErrorID:    info.GetMetadata()["errorId"],
		Code:       st.Code(),
	}
	if p := info.GetMetadata()["messageParameters"]; p != "" {
		_ = json.Unmarshal([]byte(p), &se.MessageParameters) // best effort: the message is complete anyway
	}
	return se
}

// errorFromDetails builds the error chain from a FetchErrorDetails response.
func errorFromDetails(resp *sparkpb.FetchErrorDetailsResponse, code codes.Code) *SparkError {
	errs := resp.GetErrors()
	var build func(i int32, depth int) *SparkError
	build = func(i int32, depth int) *SparkError {
		if i < 0 || int(i) >= len(errs) || depth > len(errs) {
			return nil
		}
		e := errs[i]
		se := &SparkError{Message: e.GetMessage(), Code: code}
		if h := e.GetErrorTypeHierarchy(); len(h) > 0 {
			se.Exception = h[0]
		}
		if t := e.GetSparkThrowable(); t != nil {
			se.ErrorClass = t.GetErrorClass()
			se.SQLState = t.GetSqlState()
			se.MessageParameters = t.GetMessageParameters()
		}
		for _, f := range e.GetStackTrace() {
			se.StackTrace = append(se.StackTrace, StackFrame{
				Class: f.GetDeclaringClass(), Method: f.GetMethodName(), File: f.GetFileName(), Line: f.GetLineNumber(),
			})
		}
		if e.CauseIdx != nil {
			se.Cause = build(e.GetCauseIdx(), depth+1)
		}
		return se
	}
	return build(resp.GetRootErrorIdx(), 0)
}
