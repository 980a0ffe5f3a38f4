package connect

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// fakeStrings makes every query of srv return one string column "s" with the given values,
// one batch each, allocated from mem.
func fakeStrings(srv *fakeserver.Server, mem memory.Allocator, vals ...string) {
	srv.SetResult(func(*sparkpb.Plan) ([]arrow.RecordBatch, error) {
		schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
		out := make([]arrow.RecordBatch, len(vals))
		for i, v := range vals {
			b := array.NewRecordBuilder(mem, schema)
			b.Field(0).(*array.StringBuilder).Append(v)
			out[i] = b.NewRecordBatch()
			b.Release()
		}
		return out, nil
	})
}

// blockReleases makes every ReleaseExecute of srv wait until the returned function is
// called (or the call's context ends).
func blockReleases(srv *fakeserver.Server) (unblock func()) {
	ch := make(chan struct{})
	srv.OnReleaseExecute(func(ctx context.Context, _ *sparkpb.ReleaseExecuteRequest) (*sparkpb.ReleaseExecuteResponse, error) {
		select {
		case <-ch:
		case <-ctx.Done():
		}
		return nil, fakeserver.ErrUseDefault
	})
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }
}

// within runs f and fails the test if it does not return within d (a hang, not a speed
// target: d is generous).
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
	}
}

// Actions used to wait for each ReleaseExecute in turn before returning (a slow release
// added its latency up to three times). They return while the releases are still pending.
func TestActionsDoNotWaitForRelease(t *testing.T) {
	srv, s := fakeSession(t)
	fakeStrings(srv, memory.DefaultAllocator, "a", "b", "c")
	unblock := blockReleases(srv)
	defer unblock()
	ctx := fakeCtx(t)
	within(t, 3*time.Second, "Rows with ReleaseExecute blocked", func() {
		rows, err := s.Range(0, 3, 1).Rows(ctx)
		if err != nil || len(rows) != 3 {
			t.Errorf("rows %v, %v", rows, err)
		}
	})
	within(t, 3*time.Second, "RecordReader.Release with ReleaseExecute blocked", func() {
		rr, err := s.Range(0, 3, 1).Collect(ctx)
		if err != nil {
			t.Error(err)
			return
		}
		rr.Next()
		rr.Release() // before the end: interrupt and release run in the background
	})
	eventually(t, "the interrupt of the abandoned result", func() bool { return len(srv.InterruptRequests()) == 1 })
}

// Session.Close honours its context: with releases stuck on the server, it returns by the
// deadline instead of blocking for the cleanup timeouts.
func TestCloseHonoursItsContext(t *testing.T) {
	srv := fakeserver.New()
	defer srv.Close()
	ctx := fakeCtx(t)
	s, err := Dial(ctx, srv.URL(), WithDialOptions(srv.DialOptions()...))
	if err != nil {
		t.Fatal(err)
	}
	fakeStrings(srv, memory.DefaultAllocator, "a")
	unblock := blockReleases(srv)
	defer unblock()
	if _, err := s.Range(0, 1, 1).Rows(ctx); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	within(t, 3*time.Second, "Close with a 50 ms deadline", func() {
		if err := s.Close(short); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Close = %v, want the deadline", err)
		}
	})
	if err := s.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.Range(0, 1, 1).Rows(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("Rows after Close: %v", err)
	}
}

// Config, analysis and error-detail calls are retried on transient failures, as plan
// execution is; errors the server reported are not.
func TestEveryCallIsRetried(t *testing.T) {
	srv, s := fakeSession(t, WithRetryPolicy(RetryPolicy{MaxRetries: 4, InitialBackoff: time.Millisecond, Multiplier: 2}))
	var mu sync.Mutex
	failures := map[string]int{}
	flaky := func(what string) error {
		mu.Lock()
		defer mu.Unlock()
		if failures[what] < 2 {
			failures[what]++
			return status.Error(codes.Unavailable, "connection refused")
		}
		return fakeserver.ErrUseDefault
	}
	srv.OnAnalyze(func(context.Context, *sparkpb.AnalyzePlanRequest) (*sparkpb.AnalyzePlanResponse, error) {
		return nil, flaky("analyze")
	})
	srv.OnConfig(func(context.Context, *sparkpb.ConfigRequest) (*sparkpb.ConfigResponse, error) {
		return nil, flaky("config")
	})
	ctx := fakeCtx(t)
	if _, err := s.Range(0, 1, 1).Schema(ctx); err != nil {
		t.Fatalf("schema: %v", err)
	}
	if err := s.Conf().Set(ctx, "spark.sql.shuffle.partitions", "4"); err != nil {
		t.Fatalf("config: %v", err)
	}
	if v, ok, err := s.Conf().Get(ctx, "spark.sql.shuffle.partitions"); err != nil || !ok || v != "4" {
		t.Fatalf("get: %q %t %v", v, ok, err)
	}
	if a, c := len(srv.AnalyzeRequests()), len(srv.ConfigRequests()); a != 1+3 || c != 3+1 {
		t.Fatalf("%d analyze and %d config requests, want 4 and 4", a, c)
	}
	srv.FailNext(fakeserver.SparkError(codes.InvalidArgument, "PARSE_SYNTAX_ERROR", "42601", "[PARSE_SYNTAX_ERROR] Syntax error", "err-1"))
	_, err := s.Range(0, 1, 1).Schema(ctx)
	var se *SparkError
	if !errors.As(err, &se) || se.ErrorClass != "PARSE_SYNTAX_ERROR" || se.SQLState != "42601" || se.ErrorID != "err-1" {
		t.Fatalf("err = %v, want the server's SparkError", err)
	}
	if a := len(srv.AnalyzeRequests()); a != 5 {
		t.Fatalf("a server error was retried: %d analyze requests", a)
	}
}

// A restarted server (a new server-side session) is reported as ErrSessionChanged, which
// callers can test for, whether the client or the server notices it.
func TestSessionChangeIsTyped(t *testing.T) {
	srv, s := fakeSession(t)
	ctx := fakeCtx(t)
	srv.RestartSession()
	_, err := s.Range(0, 1, 1).Schema(ctx)
	if !errors.Is(err, ErrSessionChanged) {
		t.Fatalf("err = %v, want ErrSessionChanged", err)
	}
	// The client notices it too when a response carries another server-side session.
	srv2 := fakeserver.New()
	defer srv2.Close()
	s2, err := Dial(ctx, srv2.URL(), WithDialOptions(srv2.DialOptions()...))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close(ctx)
	srv2.OnAnalyze(func(context.Context, *sparkpb.AnalyzePlanRequest) (*sparkpb.AnalyzePlanResponse, error) {
		return &sparkpb.AnalyzePlanResponse{ServerSideSessionId: "another", Result: &sparkpb.AnalyzePlanResponse_Schema_{
			Schema: &sparkpb.AnalyzePlanResponse_Schema{Schema: &sparkpb.DataType{Kind: &sparkpb.DataType_Struct_{Struct: &sparkpb.DataType_Struct{}}}}}}, nil
	})
	if _, err := s2.Range(0, 1, 1).Schema(ctx); !errors.Is(err, ErrSessionChanged) {
		t.Fatalf("err = %v, want ErrSessionChanged", err)
	}
}

// Rows own their values: with an allocator that reuses memory, values read earlier do not
// change when later results reuse it.
func TestRowsOwnTheirValues(t *testing.T) {
	mem := memory.NewCheckedAllocator(&scribbleAllocator{})
	srv, s := fakeSession(t, WithAllocator(mem))
	ctx := fakeCtx(t)
	fakeStrings(srv, memory.DefaultAllocator, "first value", "second value")
	rows, err := s.Range(0, 2, 1).Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fakeStrings(srv, memory.DefaultAllocator, "XXXXXXXXXXXXXXXXXXXXXXXX", "YYYYYYYYYYYYYYYYYYYYYYYY")
	if _, err := s.Range(0, 2, 1).Rows(ctx); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Value(0) != "first value" || rows[1].Value(0) != "second value" {
		t.Fatalf("rows changed after their memory was reused: %v", rows)
	}
	mem.AssertSize(t, 0)
}

// The zero Session, a nil one, and a closed one give ErrClosed, never a panic.
func TestZeroAndNilSessions(t *testing.T) {
	ctx := fakeCtx(t)
	for name, s := range map[string]*Session{"nil": nil, "zero": {}} {
		if err := s.Close(ctx); !errors.Is(err, ErrClosed) {
			t.Errorf("%s: Close = %v", name, err)
		}
		if err := s.Detach(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s: Detach = %v", name, err)
		}
		if _, err := s.Streams().Subscribe(ctx); !errors.Is(err, ErrClosed) {
			t.Errorf("%s: Subscribe = %v", name, err)
		}
	}
}

// Detach leaves the session on the server (no ReleaseSession) and closes the connection.
func TestDetachKeepsTheServerSession(t *testing.T) {
	srv := fakeserver.New()
	defer srv.Close()
	ctx := fakeCtx(t)
	s, err := Dial(ctx, srv.URL(), WithDialOptions(srv.DialOptions()...))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Detach(); err != nil {
		t.Fatal(err)
	}
	if err := s.Detach(); err != nil {
		t.Fatalf("second Detach: %v", err)
	}
	if n := len(srv.ReleaseSessionRequests()); n != 0 {
		t.Fatalf("%d session releases after Detach", n)
	}
	s2, err := Dial(ctx, srv.URL(), WithDialOptions(srv.DialOptions()...), WithSessionID(s.ID()))
	if err != nil {
		t.Fatal(err)
	}
	if s2.ID() != s.ID() {
		t.Fatalf("session id %s, want %s", s2.ID(), s.ID())
	}
	if err := s2.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.ReleaseSessionRequests()); n != 1 {
		t.Fatalf("%d session releases after Close", n)
	}
}
