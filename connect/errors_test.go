package connect

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// fromRPC turns every kind of failure into the error callers branch on.
func TestErrorConversion(t *testing.T) {
	live := context.Background()
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	withInfo, err := status.New(codes.InvalidArgument, "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column `x` cannot be resolved.").
		WithDetails(&errdetails.ErrorInfo{Reason: "org.apache.spark.sql.AnalysisException", Metadata: map[string]string{
			"errorClass": "UNRESOLVED_COLUMN.WITH_SUGGESTION", "sqlState": "42703", "errorId": "e-7",
			"messageParameters": `{"objectName":"` + "`x`" + `","proposal":"` + "`id`" + `"}`,
		}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		ctx   context.Context
		err   error
		check func(error) bool
	}{
		{"nil", live, nil, func(e error) bool { return e == nil }},
		{"context ended", ended, status.Error(codes.Unavailable, "x"), func(e error) bool { return errors.Is(e, context.Canceled) }},
		{"deadline from the server", live, status.Error(codes.DeadlineExceeded, "late"), func(e error) bool { return errors.Is(e, context.DeadlineExceeded) }},
		{"cancelled by the server", live, status.Error(codes.Canceled, "gone"), func(e error) bool { return errors.Is(e, context.Canceled) }},
		{"unreachable", live, status.Error(codes.Unavailable, "connection refused"), func(e error) bool {
			return strings.Contains(e.Error(), "server unavailable") && status.Code(e) == codes.Unavailable
		}},
		{"not a status", live, io.ErrUnexpectedEOF, func(e error) bool { return errors.Is(e, io.ErrUnexpectedEOF) }},
		{"status without details", live, status.Error(codes.PermissionDenied, "no"), func(e error) bool {
			var se *SparkError
			return !errors.As(e, &se) && status.Code(e) == codes.PermissionDenied
		}},
		{"spark error", live, withInfo.Err(), func(e error) bool {
			var se *SparkError
			return errors.As(e, &se) && se.ErrorClass == "UNRESOLVED_COLUMN.WITH_SUGGESTION" && se.SQLState == "42703" &&
				se.ErrorID == "e-7" && se.Exception == "org.apache.spark.sql.AnalysisException" &&
				se.MessageParameters["proposal"] == "`id`" && se.Code == codes.InvalidArgument &&
				status.Code(e) == codes.InvalidArgument &&
				se.Error() == "spark: [UNRESOLVED_COLUMN.WITH_SUGGESTION] A column `x` cannot be resolved."
		}},
	}
	for _, c := range cases {
		if got := fromRPC(c.ctx, "execute", c.err); !c.check(got) {
			t.Errorf("%s: got %v", c.name, got)
		}
	}
}

// WithErrorStackTraces fetches the server's details of an error: its cause chain and stack.
func TestErrorStackTracesAreFetched(t *testing.T) {
	srv, s := fakeSession(t, WithErrorStackTraces())
	details := fakeserver.ErrorDetails("DIVIDE_BY_ZERO", "22012", "[DIVIDE_BY_ZERO] Division by zero.")
	cause := int32(1)
	details.Errors[0].CauseIdx = &cause
	details.Errors[0].StackTrace = []*sparkpb.FetchErrorDetailsResponse_StackTraceElement{
		{DeclaringClass: "org.apache.spark.sql.errors.QueryExecutionErrors$", MethodName: "divideByZeroError", FileName: frameFile("QueryExecutionErrors.scala"), LineNumber: 203},
	}
	details.Errors = append(details.Errors, &sparkpb.FetchErrorDetailsResponse_Error{
		ErrorTypeHierarchy: []string{"java.lang.ArithmeticException"}, Message: "/ by zero",
	})
	srv.RegisterErrorDetails("err-9", details)
	srv.FailNext(fakeserver.SparkError(codes.Internal, "DIVIDE_BY_ZERO", "22012", "[DIVIDE_BY_ZERO] Division by zero.", "err-9"))
	_, err := s.Range(0, 1, 1).SelectExpr("1/0").Rows(fakeCtx(t))
	var se *SparkError
	if !errors.As(err, &se) || se.ErrorClass != "DIVIDE_BY_ZERO" || len(se.StackTrace) != 1 || se.Cause == nil ||
		se.Cause.Exception != "java.lang.ArithmeticException" || se.ErrorID != "err-9" {
		t.Fatalf("err = %#v", err)
	}
	if got := se.StackTraceString(); got != "\tat org.apache.spark.sql.errors.QueryExecutionErrors$.divideByZeroError(QueryExecutionErrors.scala:203)\n" {
		t.Fatalf("stack %q", got)
	}
	if n := len(srv.FetchErrorDetailsRequests()); n != 1 {
		t.Fatalf("%d FetchErrorDetails calls", n)
	}
}

func frameFile(s string) *string { return &s }
