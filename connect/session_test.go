package connect

import (
	"context"
	"errors"
	"strings"
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
		if s.ID() != "" || s.Version() != "" {
			t.Errorf("%s: id %q, version %q", name, s.ID(), s.Version())
		}
		for what, df := range map[string]*DataFrame{
			"Range": s.Range(0, 1, 1), "Table": s.Table("t"), "Read": s.Read().Load("p"),
			"ReadStream": s.ReadStream().Format("rate").Load(), "CreateDataFrame": s.CreateDataFrame(),
			"CreateDataFrameFromRows": s.CreateDataFrameFromRows(nil, nil),
		} {
			if _, err := df.Rows(ctx); !errors.Is(err, ErrClosed) {
				t.Errorf("%s: %s: %v", name, what, err)
			}
		}
		if _, err := s.SQL(ctx, "SELECT 1"); !errors.Is(err, ErrClosed) {
			t.Errorf("%s: SQL = %v", name, err)
		}
		if err := s.Conf().Set(ctx, "k", "v"); !errors.Is(err, ErrClosed) {
			t.Errorf("%s: Conf().Set = %v", name, err)
		}
		if _, err := s.ErrorDetails(ctx, &SparkError{ErrorID: "x"}); !errors.Is(err, ErrClosed) {
			t.Errorf("%s: ErrorDetails = %v", name, err)
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

// The options of Dial reach the requests the server receives.
func TestGoldenDialOptions(t *testing.T) {
	srv := fakeserver.New()
	t.Cleanup(srv.Close)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	id := NewSessionID()
	s, err := Dial(goldenCtx(t), srv.URL(), WithDialOptions(srv.DialOptions()...),
		WithToken("secret"), WithUserID("alice"), WithUserAgent("myjob/1"), WithSessionID(id),
		WithHeader("x-team", "data"), WithAllocator(mem), WithRetryPolicy(DefaultRetryPolicy()))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	if s.ID() != id || s.Version() != fakeserver.SparkVersion {
		t.Errorf("ID %q Version %q", s.ID(), s.Version())
	}
	rec := int64Batch("id", 1, 2, 3)
	answerWith(t, srv, rec)
	r, err := s.Range(0, 3, 1).Collect(goldenCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Schema().Equal(rec.Schema()) {
		t.Errorf("schema %v before the first batch", r.Schema())
	}
	if st := r.SparkSchema(); st == nil || len(st.Fields) != 1 || st.Fields[0].Name != "id" {
		t.Errorf("spark schema %v", st)
	}
	r.Retain()
	n := 0
	for r.Next() {
		n++
		if r.Record() != r.RecordBatch() || r.RecordBatch().NumRows() != 3 {
			t.Errorf("batch %v", r.RecordBatch())
		}
	}
	if n != 1 || r.Rows() != 3 || r.Err() != nil {
		t.Errorf("%d batches, %d rows, %v", n, r.Rows(), r.Err())
	}
	r.Release()
	r.Release()
	r.Release() // more releases than retains do nothing
	mem.AssertSize(t, 0)

	reqs := srv.ExecuteRequests()
	req := reqs[len(reqs)-1]
	if req.GetSessionId() != id || req.GetUserContext().GetUserId() != "alice" || !strings.HasPrefix(req.GetClientType(), "myjob/1 sparkwire/") {
		t.Errorf("request session %q user %q client type %q", req.GetSessionId(), req.GetUserContext().GetUserId(), req.GetClientType())
	}

	if _, err := Dial(goldenCtx(t), srv.URL(), WithDialOptions(srv.DialOptions()...), WithSessionID("not-a-uuid")); !errors.Is(err, ErrConnectionString) {
		t.Errorf("Dial with a bad session id: %v", err)
	}
}

// A result that fails before any batch still has a schema.
func TestGoldenRecordReaderSchemaOnError(t *testing.T) {
	srv, s := dialGolden(t)
	srv.OnExecute(func(ctx context.Context, req *sparkpb.ExecutePlanRequest, op *fakeserver.Operation) error {
		if err := op.Send(&sparkpb.ExecutePlanResponse{Schema: fakeserver.SchemaType(arrow.NewSchema(
			[]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil))}); err != nil {
			return err
		}
		return fakeserver.SparkError(codes.Internal, "DIVIDE_BY_ZERO", "22012", "division by zero", "")
	})
	r, err := s.Range(0, 1, 1).Collect(goldenCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	sc := r.Schema()
	if sc.NumFields() != 1 || sc.Field(0).Name != "n" || sc.Field(0).Type.ID() != arrow.INT64 {
		t.Errorf("schema %v", sc)
	}
	if r.Next() {
		t.Error("Next after an error")
	}
	var se *SparkError
	if !errors.As(r.Err(), &se) || se.ErrorClass != "DIVIDE_BY_ZERO" || status.Code(se) != codes.Internal {
		t.Errorf("Err() = %v", r.Err())
	}
}

func TestGoldenErrorDetails(t *testing.T) {
	srv := fakeserver.New()
	t.Cleanup(srv.Close)
	s, err := Dial(goldenCtx(t), srv.URL(), WithDialOptions(srv.DialOptions()...), WithErrorStackTraces())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	root, cause := int32(0), int32(1)
	file := "Foo.scala"
	srv.RegisterErrorDetails("err-1", &sparkpb.FetchErrorDetailsResponse{RootErrorIdx: &root, Errors: []*sparkpb.FetchErrorDetailsResponse_Error{
		{ErrorTypeHierarchy: []string{"org.apache.spark.sql.AnalysisException"}, Message: "table t not found", CauseIdx: &cause,
			SparkThrowable: &sparkpb.FetchErrorDetailsResponse_SparkThrowable{MessageParameters: map[string]string{"name": "t"}},
			StackTrace: []*sparkpb.FetchErrorDetailsResponse_StackTraceElement{
				{DeclaringClass: "a.Foo", MethodName: "bar", FileName: &file, LineNumber: 12},
				{DeclaringClass: "a.Baz", MethodName: "qux"},
			}},
		{ErrorTypeHierarchy: []string{"java.io.IOException"}, Message: "disk"},
	}})
	srv.FailNext(fakeserver.SparkError(codes.Internal, "TABLE_OR_VIEW_NOT_FOUND", "42P01", "table t not found", "err-1"))
	_, err = s.Table("t").Rows(goldenCtx(t))
	var se *SparkError
	if !errors.As(err, &se) {
		t.Fatalf("error %v", err)
	}
	if se.ErrorClass != "TABLE_OR_VIEW_NOT_FOUND" || se.SQLState != "42P01" || se.ErrorID != "err-1" ||
		se.Exception != "org.apache.spark.sql.AnalysisException" || se.MessageParameters["name"] != "t" {
		t.Errorf("error %+v", se)
	}
	if got := se.StackTraceString(); got != "\tat a.Foo.bar(Foo.scala:12)\n\tat a.Baz.qux\n" {
		t.Errorf("stack trace %q", got)
	}
	if se.Error() != "spark: [TABLE_OR_VIEW_NOT_FOUND] table t not found" {
		t.Errorf("Error() = %q", se.Error())
	}
	if se.Cause == nil || se.Cause.Message != "disk" || errors.Unwrap(se) != error(se.Cause) || se.Cause.Unwrap() != nil {
		t.Errorf("cause %+v", se.Cause)
	}
	if reqs := srv.FetchErrorDetailsRequests(); len(reqs) != 1 || reqs[0].GetErrorId() != "err-1" {
		t.Errorf("fetch error details requests %v", reqs)
	}
	// ErrorDetails of an error without id is the error itself.
	plain := &SparkError{Message: "x"}
	if got, err := s.ErrorDetails(goldenCtx(t), plain); got != plain || err != nil {
		t.Errorf("ErrorDetails without id = %v, %v", got, err)
	}
}

func TestGoldenDetach(t *testing.T) {
	srv := fakeserver.New()
	t.Cleanup(srv.Close)
	s, err := Dial(goldenCtx(t), srv.URL(), WithDialOptions(srv.DialOptions()...))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Detach(); err != nil {
		t.Fatal(err)
	}
	if err := s.Detach(); err != nil {
		t.Errorf("second Detach: %v", err)
	}
	if n := len(srv.ReleaseSessionRequests()); n != 0 {
		t.Errorf("Detach released the session (%d requests)", n)
	}
	before := sentRequests(srv)
	if _, err := s.Range(0, 1, 1).Rows(goldenCtx(t)); err == nil {
		t.Error("query on a detached session succeeded")
	}
	if err := s.Conf().Set(goldenCtx(t), "k", "v"); err == nil {
		t.Error("Conf.Set on a detached session succeeded")
	}
	if _, err := s.Streams().Active(goldenCtx(t)); err == nil {
		t.Error("Active on a detached session succeeded")
	}
	if sentRequests(srv) != before {
		t.Error("a detached session sent a request")
	}
}
