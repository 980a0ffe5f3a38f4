package wire

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// fastRetries retries quickly, so that tests of retries take milliseconds.
var fastRetries = RetryPolicy{MaxRetries: 5, InitialBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond, Multiplier: 2}

// newClient starts a fake server and a client of it with the given retry policy.
func newClient(t *testing.T, p RetryPolicy) (*fakeserver.Server, *Client) {
	t.Helper()
	srv := fakeserver.New()
	conn, err := grpc.NewClient("localhost:15002",
		append(srv.DialOptions(), grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		t.Fatal(err)
	}
	c := New(conn, Config{SessionID: NewUUID(), UserID: "tester", ClientType: "wire-test", Retry: p,
		Headers: map[string]string{"x-test": "1"}})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Close(ctx, false)
		conn.Close()
		srv.Close()
	})
	return srv, c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// waitFor polls cond until it holds, or fails the test after a while.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// ints returns a batch of one bigint column.
func ints(vals ...int64) arrow.RecordBatch {
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(vals, nil)
	col := b.NewArray()
	defer col.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	return array.NewRecordBatch(schema, []arrow.Array{col}, int64(len(vals)))
}

// results makes every query of srv return n batches of one row each: 0, 1, ..., n-1.
func results(srv *fakeserver.Server, n int) {
	srv.SetResult(func(*sparkpb.Plan) ([]arrow.RecordBatch, error) {
		out := make([]arrow.RecordBatch, n)
		for i := range out {
			out[i] = ints(int64(i))
		}
		return out, nil
	})
}

func rootPlan() *sparkpb.Plan {
	return &sparkpb.Plan{OpType: &sparkpb.Plan_Root{Root: &sparkpb.Relation{RelType: &sparkpb.Relation_Range{
		Range: &sparkpb.Range{End: 10, Step: 1},
	}}}}
}

// drain reads an execution to its end and returns the row values of its Arrow batches.
func drain(t *testing.T, e *Execution) ([]int64, error) {
	t.Helper()
	var got []int64
	for {
		resp, err := e.Recv()
		if errors.Is(err, io.EOF) {
			return got, nil
		}
		if err != nil {
			return got, err
		}
		if b := resp.GetArrowBatch(); b != nil {
			got = append(got, decodeInts(t, b.GetData())...)
		}
	}
}

func decodeInts(t *testing.T, data []byte) []int64 {
	t.Helper()
	rd, err := ipcReader(data)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Release()
	var out []int64
	for rd.Next() {
		rec := rd.RecordBatch()
		if rec.NumCols() == 0 {
			continue
		}
		out = append(out, rec.Column(0).(*array.Int64).Int64Values()...)
	}
	return out
}

func wantSeq(t *testing.T, got []int64, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("got %d values %v, want 0..%d", len(got), got, n-1)
	}
	for i, v := range got {
		if v != int64(i) {
			t.Fatalf("value %d is %d: %v", i, v, got)
		}
	}
}

func TestExecuteReadsToCompletionAndReleasesAll(t *testing.T) {
	srv, c := newClient(t, fastRetries)
	results(srv, 3)
	e, err := c.Execute(testCtx(t), rootPlan(), "tag-a")
	if err != nil {
		t.Fatal(err)
	}
	got, err := drain(t, e)
	if err != nil {
		t.Fatal(err)
	}
	wantSeq(t, got, 3)
	if _, err := e.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("Recv after the end: %v, want io.EOF", err)
	}
	e.Close() // after completion: no interrupt
	waitFor(t, "release_all", func() bool { return hasReleaseAll(srv, e.OperationID()) })
	if n := len(srv.InterruptRequests()); n != 0 {
		t.Fatalf("%d interrupts of a completed operation", n)
	}
	req := srv.ExecuteRequests()[0]
	if req.GetOperationId() != e.OperationID() || len(req.GetTags()) != 1 || req.GetTags()[0] != "tag-a" ||
		req.GetUserContext().GetUserId() != "tester" || req.GetClientType() != "wire-test" ||
		!req.GetRequestOptions()[0].GetReattachOptions().GetReattachable() {
		t.Fatalf("request %v", req)
	}
}

func hasReleaseAll(srv *fakeserver.Server, opID string) bool {
	for _, r := range srv.ReleaseExecuteRequests() {
		if r.GetOperationId() == opID && r.GetReleaseAll() != nil {
			return true
		}
	}
	return false
}

func TestReattachAfterCleanEndOfStream(t *testing.T) {
	srv, c := newClient(t, fastRetries)
	results(srv, 6)
	// The server ends two streams on purpose (as after senderMaxStreamDuration).
	srv.CutStreams(2, 2, nil)
	e, err := c.Execute(testCtx(t), rootPlan())
	if err != nil {
		t.Fatal(err)
	}
	got, err := drain(t, e)
	if err != nil {
		t.Fatal(err)
	}
	wantSeq(t, got, 6)
	re := srv.ReattachRequests()
	if len(re) != 2 {
		t.Fatalf("%d reattaches, want 2", len(re))
	}
	for _, r := range re {
		if r.GetOperationId() != e.OperationID() || r.LastResponseId == nil {
			t.Fatalf("reattach %v", r)
		}
	}
}

func TestReattachAfterTransportFailure(t *testing.T) {
	srv, c := newClient(t, fastRetries)
	results(srv, 5)
	srv.CutStreams(3, 1, status.Error(codes.Unavailable, "connection reset"))
	e, err := c.Execute(testCtx(t), rootPlan())
	if err != nil {
		t.Fatal(err)
	}
	got, err := drain(t, e)
	if err != nil {
		t.Fatal(err)
	}
	wantSeq(t, got, 5) // every row once: nothing lost, nothing repeated
}

// A reattach that fails while the server is unreachable is retried with backoff rather than
// returned (it used to be returned before the retry loop ran).
func TestFailedReattachIsRetried(t *testing.T) {
	srv, c := newClient(t, fastRetries)
	results(srv, 4)
	srv.CutStreams(1, 1, status.Error(codes.Unavailable, "connection reset"))
	var mu sync.Mutex
	refused := 0
	srv.OnReattach(func(context.Context, *sparkpb.ReattachExecuteRequest, func(*sparkpb.ExecutePlanResponse) error) error {
		mu.Lock()
		defer mu.Unlock()
		if refused < 3 {
			refused++
			return status.Error(codes.Unavailable, "connection refused")
		}
		return fakeserver.ErrUseDefault
	})
	e, err := c.Execute(testCtx(t), rootPlan())
	if err != nil {
		t.Fatal(err)
	}
	got, err := drain(t, e)
	if err != nil {
		t.Fatal(err)
	}
	wantSeq(t, got, 4)
	if n := len(srv.ReattachRequests()); n != 4 {
		t.Fatalf("%d reattaches, want 4 (3 refused)", n)
	}
}

func TestRetriesEndAfterMaxRetries(t *testing.T) {
	srv, c := newClient(t, fastRetries)
	results(srv, 4)
	srv.CutStreams(1, 1, status.Error(codes.Unavailable, "connection reset"))
	srv.OnReattach(func(context.Context, *sparkpb.ReattachExecuteRequest, func(*sparkpb.ExecutePlanResponse) error) error {
		return status.Error(codes.Unavailable, "connection refused")
	})
	e, err := c.Execute(testCtx(t), rootPlan())
	if err != nil {
		t.Fatal(err)
	}
	_, err = drain(t, e)
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("err = %v, want the server's unavailability", err)
	}
	if n := len(srv.ReattachRequests()); n != fastRetries.MaxRetries {
		t.Fatalf("%d reattaches, want %d", n, fastRetries.MaxRetries)
	}
	// Given up on the client, the operation is interrupted and released on the server.
	waitFor(t, "interrupt", func() bool { return len(srv.InterruptRequests()) == 1 })
	waitFor(t, "release_all", func() bool { return hasReleaseAll(srv, e.OperationID()) })
}

// lostExecute loses the first ExecutePlan on its way: its stream fails with the server's
// INVALID_HANDLE.OPERATION_NOT_FOUND, as a reattach does when the request never arrived.
type lostExecute struct {
	sparkpb.SparkConnectServiceClient
	mu   sync.Mutex
	lost bool
}

func (l *lostExecute) ExecutePlan(ctx context.Context, in *sparkpb.ExecutePlanRequest, opts ...grpc.CallOption) (grpc.ServerStreamingClient[sparkpb.ExecutePlanResponse], error) {
	l.mu.Lock()
	lose := !l.lost
	l.lost = true
	l.mu.Unlock()
	if lose {
		return failedStream{err: fakeserver.SparkError(codes.Internal, "INVALID_HANDLE.OPERATION_NOT_FOUND", "HY000",
			"[INVALID_HANDLE.OPERATION_NOT_FOUND] The handle "+in.GetOperationId()+" is invalid.", "")}, nil
	}
	return l.SparkConnectServiceClient.ExecutePlan(ctx, in, opts...)
}

type failedStream struct {
	grpc.ClientStream
	err error
}

func (f failedStream) Recv() (*sparkpb.ExecutePlanResponse, error) { return nil, f.err }

// INVALID_HANDLE.OPERATION_NOT_FOUND before any response means the ExecutePlan never reached
// the server: it is sent again, with the same operation id.
func TestOperationNotFoundBeforeFirstResponseResends(t *testing.T) {
	srv, c := newClient(t, fastRetries)
	results(srv, 2)
	c.rpc = &lostExecute{SparkConnectServiceClient: c.rpc}
	e, err := c.Execute(testCtx(t), rootPlan())
	if err != nil {
		t.Fatal(err)
	}
	got, err := drain(t, e)
	if err != nil {
		t.Fatal(err)
	}
	wantSeq(t, got, 2)
	reqs := srv.ExecuteRequests()
	if len(reqs) != 1 || reqs[0].GetOperationId() != e.OperationID() {
		t.Fatalf("execute requests that arrived: %v", reqs)
	}
}

// Errors the server reported are never retried.
func TestServerErrorsAreNotRetried(t *testing.T) {
	srv, c := newClient(t, fastRetries)
	srv.FailNext(fakeserver.SparkError(codes.Unavailable, "SOME_CLASS", "XX000", "unavailable, but said by Spark", "e1"))
	e, err := c.Execute(testCtx(t), rootPlan())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := drain(t, e); !IsServerError(err) {
		t.Fatalf("err = %v, want the server's error", err)
	}
	if n := len(srv.ExecuteRequests()) + len(srv.ReattachRequests()); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
	// A server error ends the operation there: release it, but no interrupt.
	waitFor(t, "release_all", func() bool { return hasReleaseAll(srv, e.OperationID()) })
	if n := len(srv.InterruptRequests()); n != 0 {
		t.Fatalf("%d interrupts after a server error", n)
	}

	srv.FailNext(fakeserver.SparkError(codes.InvalidArgument, "PARSE_SYNTAX_ERROR", "42601", "syntax", "e2"))
	_, err = c.Analyze(testCtx(t), &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_SparkVersion_{}})
	if !IsServerError(err) {
		t.Fatalf("analyze err = %v", err)
	}
	if n := len(srv.AnalyzeRequests()); n != 1 {
		t.Fatalf("%d analyze requests, want 1", n)
	}
}

// Every unary call is retried on transient failures: analyze, config, error details,
// interrupt, release.
func TestUnaryCallsAreRetried(t *testing.T) {
	srv, c := newClient(t, fastRetries)
	var mu sync.Mutex
	fails := map[string]int{}
	flaky := func(name string) error {
		mu.Lock()
		defer mu.Unlock()
		if fails[name] < 2 {
			fails[name]++
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
	srv.OnFetchErrorDetails(func(context.Context, *sparkpb.FetchErrorDetailsRequest) (*sparkpb.FetchErrorDetailsResponse, error) {
		return nil, flaky("details")
	})
	srv.OnInterrupt(func(context.Context, *sparkpb.InterruptRequest) (*sparkpb.InterruptResponse, error) {
		return nil, flaky("interrupt")
	})
	ctx := testCtx(t)
	resp, err := c.Analyze(ctx, &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_SparkVersion_{
		SparkVersion: &sparkpb.AnalyzePlanRequest_SparkVersion{}}})
	if err != nil || resp.GetSparkVersion().GetVersion() != fakeserver.SparkVersion {
		t.Fatalf("analyze: %v %v", resp, err)
	}
	v := "x"
	if _, err := c.Config(ctx, &sparkpb.ConfigRequest_Operation{OpType: &sparkpb.ConfigRequest_Operation_Set{
		Set: &sparkpb.ConfigRequest_Set{Pairs: []*sparkpb.KeyValue{{Key: "k", Value: &v}}}}}); err != nil {
		t.Fatalf("config: %v", err)
	}
	if _, err := c.FetchErrorDetails(ctx, "id"); err != nil {
		t.Fatalf("error details: %v", err)
	}
	if _, err := c.Interrupt(ctx, &sparkpb.InterruptRequest{InterruptType: sparkpb.InterruptRequest_INTERRUPT_TYPE_ALL}); err != nil {
		t.Fatalf("interrupt: %v", err)
	}
	if a, cf, d, i := len(srv.AnalyzeRequests()), len(srv.ConfigRequests()), len(srv.FetchErrorDetailsRequests()), len(srv.InterruptRequests()); a != 3 || cf != 3 || d != 3 || i != 3 {
		t.Fatalf("requests: analyze %d, config %d, details %d, interrupt %d; want 3 each", a, cf, d, i)
	}
}

func TestRetriesOffWithZeroPolicy(t *testing.T) {
	srv, c := newClient(t, RetryPolicy{})
	srv.OnAnalyze(func(context.Context, *sparkpb.AnalyzePlanRequest) (*sparkpb.AnalyzePlanResponse, error) {
		return nil, status.Error(codes.Unavailable, "connection refused")
	})
	_, err := c.Analyze(testCtx(t), &sparkpb.AnalyzePlanRequest{})
	if status.Code(err) != codes.Unavailable || len(srv.AnalyzeRequests()) != 1 {
		t.Fatalf("err %v after %d requests", err, len(srv.AnalyzeRequests()))
	}
}

// The caller's context ending interrupts the operation on the server and releases it.
func TestCancelInterruptsOperation(t *testing.T) {
	srv, c := newClient(t, fastRetries)
	started := make(chan struct{})
	srv.OnExecute(func(ctx context.Context, _ *sparkpb.ExecutePlanRequest, op *fakeserver.Operation) error {
		close(started)
		<-ctx.Done() // runs until interrupted
		return ctx.Err()
	})
	ctx, cancel := context.WithCancel(testCtx(t))
	e, err := c.Execute(ctx, rootPlan())
	if err != nil {
		t.Fatal(err)
	}
	<-started
	go cancel()
	_, err = e.Recv()
	if !errors.Is(err, context.Canceled) && status.Code(err) != codes.Canceled {
		t.Fatalf("err = %v, want cancellation", err)
	}
	waitFor(t, "interrupt", func() bool { return len(srv.InterruptRequests()) == 1 })
	in := srv.InterruptRequests()[0]
	if in.GetOperationId() != e.OperationID() || in.GetInterruptType() != sparkpb.InterruptRequest_INTERRUPT_TYPE_OPERATION_ID {
		t.Fatalf("interrupt %v", in)
	}
	waitFor(t, "release_all", func() bool { return hasReleaseAll(srv, e.OperationID()) })
	if _, err := e.Recv(); !errors.Is(err, ErrExecutionClosed) {
		t.Fatalf("Recv after failure: %v", err)
	}
}

// A slow ReleaseExecute delays nothing: actions return, Close of an execution returns, and
// the client's Close returns by its context's deadline.
func TestSlowReleaseIsOffTheCriticalPath(t *testing.T) {
	srv, c := newClient(t, fastRetries)
	results(srv, 3)
	unblock := make(chan struct{})
	srv.OnReleaseExecute(func(ctx context.Context, _ *sparkpb.ReleaseExecuteRequest) (*sparkpb.ReleaseExecuteResponse, error) {
		select {
		case <-unblock:
		case <-ctx.Done():
		}
		return nil, fakeserver.ErrUseDefault
	})
	defer close(unblock)
	for range 3 {
		e, err := c.Execute(testCtx(t), rootPlan())
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			got, err := drain(t, e)
			if err == nil && len(got) != 3 {
				err = errors.New("wrong rows")
			}
			e.Close()
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(3 * time.Second):
			t.Fatal("an execution waited for ReleaseExecute")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Close(ctx, false) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("Close waited for ReleaseExecute beyond its context")
	}
}

// The client's Close waits for the background releases of finished operations, so that a
// session released right after an action leaves nothing behind on the server.
func TestCloseWaitsForPendingReleases(t *testing.T) {
	srv, c := newClient(t, fastRetries)
	results(srv, 1)
	release := make(chan struct{})
	srv.OnReleaseExecute(func(ctx context.Context, _ *sparkpb.ReleaseExecuteRequest) (*sparkpb.ReleaseExecuteResponse, error) {
		<-release
		return nil, fakeserver.ErrUseDefault
	})
	e, err := c.Execute(testCtx(t), rootPlan())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := drain(t, e); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- c.Close(testCtx(t), true) }()
	select {
	case <-closed:
		t.Fatal("Close returned before the pending release")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if !hasReleaseAll(srv, e.OperationID()) || len(srv.ReleaseSessionRequests()) != 1 {
		t.Fatal("the release or the session release is missing")
	}
	if _, err := c.Execute(testCtx(t), rootPlan()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Execute after Close: %v", err)
	}
	if _, err := c.Analyze(testCtx(t), &sparkpb.AnalyzePlanRequest{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Analyze after Close: %v", err)
	}
	if err := c.Close(testCtx(t), true); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestSessionChangeIsReported(t *testing.T) {
	srv, c := newClient(t, fastRetries)
	ctx := testCtx(t)
	version := func() *sparkpb.AnalyzePlanRequest {
		return &sparkpb.AnalyzePlanRequest{Analyze: &sparkpb.AnalyzePlanRequest_SparkVersion_{
			SparkVersion: &sparkpb.AnalyzePlanRequest_SparkVersion{}}}
	}
	if _, err := c.Analyze(ctx, version()); err != nil {
		t.Fatal(err)
	}
	srv.RestartSession()
	// The fake, as Spark does, refuses a request that observed the old server-side session.
	_, err := c.Analyze(ctx, version())
	if err == nil {
		t.Fatal("no error after a restart")
	}
	// A response from another server-side session is reported as ErrSessionChanged.
	c2 := &Client{cfg: c.cfg}
	if err := c2.observe("a"); err != nil {
		t.Fatal(err)
	}
	if err := c2.observe("b"); !errors.Is(err, ErrSessionChanged) {
		t.Fatalf("err = %v, want ErrSessionChanged", err)
	}
}

// A server that keeps ending the result stream without sending anything is given up.
func TestEndlessEmptyStreamsFail(t *testing.T) {
	srv, c := newClient(t, fastRetries)
	srv.CutStreams(maxEmptyEnds+5, 0, nil)
	e, err := c.Execute(testCtx(t), rootPlan())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := drain(t, e); err == nil {
		t.Fatal("no error from a server that never sends anything")
	}
}

func TestCommandCollectsResponses(t *testing.T) {
	_, c := newClient(t, fastRetries)
	resps, err := c.Command(testCtx(t), &sparkpb.Command{CommandType: &sparkpb.Command_WriteStreamOperationStart{
		WriteStreamOperationStart: &sparkpb.WriteStreamOperationStart{Format: "memory", QueryName: "q"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resps) != 1 || resps[0].GetWriteStreamOperationStartResult().GetName() != "q" {
		t.Fatalf("responses %v", resps)
	}
}

func ipcReader(data []byte) (*ipc.Reader, error) {
	return ipc.NewReaderFromMessageReader(NewMessageReader(data, memory.DefaultAllocator))
}

// An action returns at its deadline: the interrupt and release that follow run in the
// background, even when the server is slow to answer them (they used to add their own
// cleanup timeouts, about 10 s, to the caller's deadline).
func TestDeadlineIsHonouredWithSlowCleanup(t *testing.T) {
	srv, c := newClient(t, fastRetries)
	stuck := make(chan struct{})
	defer close(stuck)
	srv.OnExecute(func(ctx context.Context, _ *sparkpb.ExecutePlanRequest, _ *fakeserver.Operation) error {
		<-ctx.Done()
		return ctx.Err()
	})
	srv.OnInterrupt(func(context.Context, *sparkpb.InterruptRequest) (*sparkpb.InterruptResponse, error) {
		<-stuck
		return nil, fakeserver.ErrUseDefault
	})
	srv.OnReleaseExecute(func(context.Context, *sparkpb.ReleaseExecuteRequest) (*sparkpb.ReleaseExecuteResponse, error) {
		<-stuck
		return nil, fakeserver.ErrUseDefault
	})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	e, err := c.Execute(ctx, rootPlan())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := e.Recv(); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) && status.Code(err) != codes.DeadlineExceeded {
			t.Fatalf("err = %v, want the deadline", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Recv did not return at its deadline")
	}
	waitFor(t, "the interrupt", func() bool { return len(srv.InterruptRequests()) == 1 })
}

// Abort ends an open operation that the server holds without an answer: Recv returns the
// given error at once, the operation is released (not interrupted: the server has ended
// it), and it is no longer open. Unknown operations, a nil error and a finished operation
// are not aborted.
func TestAbortEndsAWaitingOperation(t *testing.T) {
	srv, c := newClient(t, fastRetries)
	release := srv.HoldQueries()
	defer release()
	e, err := c.Execute(testCtx(t), rootPlan())
	if err != nil {
		t.Fatal(err)
	}
	if c.Abort("unknown", errors.New("x")) || c.Abort(e.OperationID(), nil) {
		t.Fatal("aborted an unknown operation or with a nil error")
	}
	want := errors.New("ended by the test")
	errc := make(chan error, 1)
	go func() {
		for {
			if _, err := e.Recv(); err != nil {
				errc <- err
				return
			}
		}
	}()
	waitFor(t, "the operation on the server", func() bool { return len(srv.ExecuteRequests()) == 1 })
	if !c.Abort(e.OperationID(), want) {
		t.Fatal("Abort did not find the open operation")
	}
	select {
	case err := <-errc:
		if err != want {
			t.Fatalf("Recv after Abort: %v, want %v", err, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Recv did not return after Abort")
	}
	waitFor(t, "release_all", func() bool { return hasReleaseAll(srv, e.OperationID()) })
	if n := len(srv.InterruptRequests()); n != 0 {
		t.Errorf("%d interrupts of an aborted operation", n)
	}
	if c.Abort(e.OperationID(), want) {
		t.Error("aborted a finished operation")
	}
}
