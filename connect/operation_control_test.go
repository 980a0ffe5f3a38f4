package connect

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func TestTagsValidated(t *testing.T) {
	_, s := fakeSession(t)
	for _, bad := range []string{"", "a,b", ","} {
		if err := s.AddTag(bad); !errors.Is(err, ErrInvalidTag) {
			t.Errorf("AddTag(%q) = %v, want ErrInvalidTag", bad, err)
		}
		if err := s.RemoveTag(bad); !errors.Is(err, ErrInvalidTag) {
			t.Errorf("RemoveTag(%q) = %v, want ErrInvalidTag", bad, err)
		}
		if _, err := s.InterruptTag(fakeCtx(t), bad); !errors.Is(err, ErrInvalidTag) {
			t.Errorf("InterruptTag(%q) = %v, want ErrInvalidTag", bad, err)
		}
	}
	for _, tag := range []string{"b", "a", "b", "with space", "ünï"} {
		if err := s.AddTag(tag); err != nil {
			t.Fatal(err)
		}
	}
	got := s.Tags()
	if want := []string{"b", "a", "with space", "ünï"}; !slices.Equal(got, want) {
		t.Fatalf("Tags = %q, want %q", got, want)
	}
	got[0] = "changed"
	if s.Tags()[0] != "b" {
		t.Fatal("Tags returned the session's own slice")
	}
	if err := s.RemoveTag("a"); err != nil || !slices.Equal(s.Tags(), []string{"b", "with space", "ünï"}) {
		t.Fatalf("after RemoveTag: %q, %v", s.Tags(), err)
	}
	if err := s.RemoveTag("absent"); err != nil {
		t.Fatal(err)
	}
	s.ClearTags()
	if s.Tags() != nil {
		t.Fatalf("after ClearTags: %q", s.Tags())
	}

	var nilSession *Session
	if err := nilSession.AddTag("x"); !errors.Is(err, ErrClosed) {
		t.Errorf("nil AddTag: %v", err)
	}
	if err := nilSession.RemoveTag("x"); !errors.Is(err, ErrClosed) {
		t.Errorf("nil RemoveTag: %v", err)
	}
	nilSession.ClearTags()
	if nilSession.Tags() != nil {
		t.Error("nil Tags")
	}
	if _, err := nilSession.InterruptAll(fakeCtx(t)); !errors.Is(err, ErrClosed) {
		t.Errorf("nil InterruptAll: %v", err)
	}
	if _, err := (&Session{}).InterruptOperation(fakeCtx(t), "x"); !errors.Is(err, ErrClosed) {
		t.Errorf("zero InterruptOperation: %v", err)
	}
	if (*RecordReader)(nil).OperationID() != "" {
		t.Error("nil reader has an operation id")
	}
}

// Every ExecutePlan request carries the session's tags and the context's: queries,
// commands, writes; the listener stream carries none.
func TestTagsOnEveryRequest(t *testing.T) {
	srv, s := fakeSession(t)
	answerWith(t, srv, int64Batch("count(1)", 3))
	ctx := fakeCtx(t)
	if err := s.AddTag("session-tag"); err != nil {
		t.Fatal(err)
	}
	tagged := WithOperationTags(WithOperationTags(ctx, "outer", "session-tag"), "inner")
	before := len(srv.ExecuteRequests())
	if _, err := s.Range(0, 3, 1).Count(tagged); err != nil {
		t.Fatal(err)
	}
	rr, err := s.Range(0, 3, 1).Collect(tagged)
	if err != nil {
		t.Fatal(err)
	}
	for rr.Next() {
	}
	rr.Release()
	if _, err := s.SQL(tagged, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Range(0, 3, 1).CreateOrReplaceTempView(tagged, "v"); err != nil {
		t.Fatal(err)
	}
	if err := s.Range(0, 3, 1).Write().Format("parquet").Save(tagged, "/tmp/x"); err != nil {
		t.Fatal(err)
	}
	reqs := srv.ExecuteRequests()[before:]
	if len(reqs) != 5 {
		t.Fatalf("%d requests", len(reqs))
	}
	for i, r := range reqs {
		if want := []string{"session-tag", "outer", "inner"}; !slices.Equal(r.GetTags(), want) {
			t.Errorf("request %d (%T) tags %q, want %q", i, r.GetPlan().GetOpType(), r.GetTags(), want)
		}
	}
	// Without the tagged context: the session's tag only.
	if _, err := s.Range(0, 3, 1).Count(ctx); err != nil {
		t.Fatal(err)
	}
	reqs = srv.ExecuteRequests()
	if got := reqs[len(reqs)-1].GetTags(); !slices.Equal(got, []string{"session-tag"}) {
		t.Errorf("untagged context: %q", got)
	}
	// The listener stream is the session's machinery: no tags.
	sub, err := s.Streams().Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close(ctx)
	for _, r := range srv.ExecuteRequests() {
		if r.GetPlan().GetCommand().GetStreamingQueryListenerBusCommand() != nil && len(r.GetTags()) != 0 {
			t.Errorf("listener stream tagged %q", r.GetTags())
		}
	}
}

// An invalid tag in the context fails the action before anything is sent.
func TestInvalidContextTag(t *testing.T) {
	srv, s := fakeSession(t)
	before := len(srv.ExecuteRequests())
	ctx := WithOperationTags(fakeCtx(t), "ok", "a,b")
	if _, err := s.Range(0, 3, 1).Rows(ctx); !errors.Is(err, ErrInvalidTag) {
		t.Fatalf("Rows: %v, want ErrInvalidTag", err)
	}
	if err := s.Range(0, 3, 1).CreateTempView(ctx, "v"); !errors.Is(err, ErrInvalidTag) {
		t.Fatalf("CreateTempView: %v, want ErrInvalidTag", err)
	}
	if n := len(srv.ExecuteRequests()) - before; n != 0 {
		t.Fatalf("%d requests sent", n)
	}
	if got := WithOperationTags(fakeCtx(t)); got.Value(tagsKey{}) != nil {
		t.Fatal("no tags made a tagged context")
	}
}

// heldQuery starts Rows of a query that the server holds, in a goroutine, and returns its
// operation id (from the trace) and a channel with the action's error.
func heldQuery(t *testing.T, s *Session, ctx context.Context) (string, <-chan error) {
	t.Helper()
	ids := make(chan string, 1)
	ctx = WithOperationTrace(ctx, &OperationTrace{Started: func(id string) { ids <- id }})
	errc := make(chan error, 1)
	go func() {
		_, err := s.Range(0, 3, 1).Rows(ctx)
		errc <- err
	}()
	select {
	case id := <-ids:
		return id, errc
	case err := <-errc:
		t.Fatalf("the held query returned: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("no operation started")
	}
	return "", nil
}

// waitRunning waits until the server runs the operation id.
func waitRunning(t *testing.T, srv *fakeserver.Server, id string) {
	t.Helper()
	eventually(t, "the operation on the server", func() bool {
		for _, r := range srv.ExecuteRequests() {
			if r.GetOperationId() == id {
				return true
			}
		}
		return false
	})
}

func checkInterrupted(t *testing.T, errc <-chan error) {
	t.Helper()
	select {
	case err := <-errc:
		var se *SparkError
		if !errors.Is(err, ErrInterrupted) || !errors.As(err, &se) || se.ErrorClass != "OPERATION_CANCELED" {
			t.Fatalf("action error %v, want ErrInterrupted", err)
		}
		if errors.Is(err, context.Canceled) {
			t.Fatalf("an interrupt is not the caller's cancellation: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the interrupted action did not return")
	}
}

// InterruptTag, InterruptOperation and InterruptAll send the right request, interrupt the
// running operation, return its id, and the action fails with ErrInterrupted.
func TestInterrupts(t *testing.T) {
	for _, tc := range []struct {
		name string
		call func(ctx context.Context, s *Session, id string) ([]string, error)
		want func(id string) *sparkpb.InterruptRequest
	}{
		{"tag", func(ctx context.Context, s *Session, _ string) ([]string, error) { return s.InterruptTag(ctx, "job-1") },
			func(string) *sparkpb.InterruptRequest {
				return &sparkpb.InterruptRequest{InterruptType: sparkpb.InterruptRequest_INTERRUPT_TYPE_TAG,
					Interrupt: &sparkpb.InterruptRequest_OperationTag{OperationTag: "job-1"}}
			}},
		{"operation", func(ctx context.Context, s *Session, id string) ([]string, error) {
			return s.InterruptOperation(ctx, id)
		},
			func(id string) *sparkpb.InterruptRequest {
				return &sparkpb.InterruptRequest{InterruptType: sparkpb.InterruptRequest_INTERRUPT_TYPE_OPERATION_ID,
					Interrupt: &sparkpb.InterruptRequest_OperationId{OperationId: id}}
			}},
		{"all", func(ctx context.Context, s *Session, _ string) ([]string, error) { return s.InterruptAll(ctx) },
			func(string) *sparkpb.InterruptRequest {
				return &sparkpb.InterruptRequest{InterruptType: sparkpb.InterruptRequest_INTERRUPT_TYPE_ALL}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, s := fakeSession(t)
			release := srv.HoldQueries()
			defer release()
			ctx := fakeCtx(t)
			id, errc := heldQuery(t, s, WithOperationTags(ctx, "job-1"))
			waitRunning(t, srv, id)
			// A tag no operation has interrupts nothing.
			if ids, err := s.InterruptTag(ctx, "other"); err != nil || len(ids) != 0 {
				t.Fatalf("other tag: %q, %v", ids, err)
			}
			ids, err := tc.call(ctx, s, id)
			if err != nil || !slices.Equal(ids, []string{id}) {
				t.Fatalf("interrupted %q, %v; want [%s]", ids, err, id)
			}
			checkInterrupted(t, errc)
			reqs := srv.InterruptRequests()
			got := reqs[len(reqs)-1]
			want := tc.want(id)
			want.SessionId, want.UserContext, want.ClientType = s.ID(), got.GetUserContext(), got.ClientType
			want.ClientObservedServerSideSessionId = got.ClientObservedServerSideSessionId
			checkProto(t, "interrupt request", got, want)
			if got.GetClientType() == "" || got.GetClientObservedServerSideSessionId() != srv.ServerSideSessionID() {
				t.Errorf("interrupt without the session's fields: %v", got)
			}
			// The operation has ended: interrupting it again finds nothing.
			if ids, err := s.InterruptOperation(ctx, id); err != nil || len(ids) != 0 {
				t.Errorf("second interrupt: %q, %v", ids, err)
			}
		})
	}
}

// RecordReader.OperationID names the operation that InterruptOperation interrupts.
func TestRecordReaderOperationID(t *testing.T) {
	srv, s := fakeSession(t)
	release := srv.HoldQueries()
	defer release()
	ctx := fakeCtx(t)
	rr, err := s.Range(0, 3, 1).Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	id := rr.OperationID()
	if !isUUID(id) {
		t.Fatalf("operation id %q", id)
	}
	waitRunning(t, srv, id)
	ids, err := s.InterruptOperation(ctx, id)
	if err != nil || !slices.Equal(ids, []string{id}) {
		t.Fatalf("interrupted %q, %v", ids, err)
	}
	if rr.Next() {
		t.Fatal("a batch after the interrupt")
	}
	if !errors.Is(rr.Err(), ErrInterrupted) {
		t.Fatalf("reader error %v", rr.Err())
	}
	if _, err := s.InterruptOperation(ctx, ""); err == nil {
		t.Fatal("empty operation id accepted")
	}
}

// Tags change while actions run on other goroutines: no race, and each request carries a
// valid set.
func TestTagsConcurrent(t *testing.T) {
	srv, s := fakeSession(t)
	answerWith(t, srv, int64Batch("count(1)", 1))
	ctx := fakeCtx(t)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tag := string(rune('a' + i))
			for range 10 {
				if err := s.AddTag(tag); err != nil {
					t.Error(err)
				}
				if _, err := s.Range(0, 1, 1).Count(ctx); err != nil {
					t.Error(err)
				}
				_ = s.Tags()
				if err := s.RemoveTag(tag); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	for _, r := range srv.ExecuteRequests() {
		for _, tag := range r.GetTags() {
			if len(tag) != 1 {
				t.Errorf("tag %q", tag)
			}
		}
	}
	if len(s.Tags()) != 0 {
		t.Errorf("tags left: %q", s.Tags())
	}
}

func progressReports() []*sparkpb.ExecutePlanResponse_ExecutionProgress {
	stage := func(id, tasks, done int64, finished bool) *sparkpb.ExecutePlanResponse_ExecutionProgress_StageInfo {
		return &sparkpb.ExecutePlanResponse_ExecutionProgress_StageInfo{StageId: id, NumTasks: tasks, NumCompletedTasks: done,
			InputBytesRead: 100 * done, Done: finished}
	}
	return []*sparkpb.ExecutePlanResponse_ExecutionProgress{
		{},
		{Stages: []*sparkpb.ExecutePlanResponse_ExecutionProgress_StageInfo{stage(3, 4, 1, false)}, NumInflightTasks: 2},
		{Stages: []*sparkpb.ExecutePlanResponse_ExecutionProgress_StageInfo{stage(3, 4, 4, true), stage(4, 2, 1, false)}, NumInflightTasks: 1},
		{Stages: []*sparkpb.ExecutePlanResponse_ExecutionProgress_StageInfo{stage(3, 4, 4, true), stage(4, 2, 2, true)}},
	}
}

// Progress reports reach the trace, in order, with the operation's id; the last one before
// the action returns; the result is intact.
func TestProgressCallback(t *testing.T) {
	srv, s := fakeSession(t)
	srv.SetProgress(progressReports()...)
	fakeStrings(srv, memory.DefaultAllocator, "a", "b")
	var (
		mu      sync.Mutex
		got     []ExecutionProgress
		started string
	)
	ctx := WithOperationTrace(fakeCtx(t), &OperationTrace{
		Started: func(id string) { started = id },
		Progress: func(p ExecutionProgress) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, p)
		},
	})
	rows, err := s.Range(0, 2, 1).Rows(ctx)
	if err != nil || len(rows) != 2 || rows[1].Value(0) != "b" {
		t.Fatalf("rows %v, %v", rows, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) == 0 {
		t.Fatal("no progress report")
	}
	last := got[len(got)-1]
	want := ExecutionProgress{OperationID: started, Stages: []StageProgress{
		{ID: 3, Tasks: 4, CompletedTasks: 4, InputBytesRead: 400, Done: true},
		{ID: 4, Tasks: 2, CompletedTasks: 2, InputBytesRead: 200, Done: true},
	}}
	if !progressEqual(last, want) {
		t.Fatalf("last report %+v, want %+v", last, want)
	}
	if last.Tasks() != 6 || last.CompletedTasks() != 6 || last.InputBytesRead() != 600 {
		t.Errorf("sums: %d %d %d", last.Tasks(), last.CompletedTasks(), last.InputBytesRead())
	}
	for i := 1; i < len(got); i++ {
		if got[i].CompletedTasks() < got[i-1].CompletedTasks() {
			t.Errorf("reports out of order: %+v", got)
		}
	}
}

func progressEqual(a, b ExecutionProgress) bool {
	return a.OperationID == b.OperationID && a.InflightTasks == b.InflightTasks && slices.Equal(a.Stages, b.Stages)
}

// A slow progress callback does not hold up the results: batches are read while it
// blocks, and reports that arrive meanwhile are coalesced into the latest.
func TestProgressDoesNotBlockResults(t *testing.T) {
	srv, s := fakeSession(t)
	srv.SetProgress(progressReports()...)
	fakeStrings(srv, memory.DefaultAllocator, "a", "b")
	unblock := make(chan struct{})
	var (
		mu    sync.Mutex
		calls []int64
	)
	ctx := WithOperationTrace(fakeCtx(t), &OperationTrace{Progress: func(p ExecutionProgress) {
		<-unblock
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, p.CompletedTasks())
	}})
	rr, err := s.Range(0, 2, 1).Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	within(t, 3*time.Second, "the first batch while the callback blocks", func() {
		if !rr.Next() || rr.RecordBatch().NumRows() != 1 {
			t.Errorf("no batch: %v", rr.Err())
		}
	})
	close(unblock)
	for rr.Next() {
	}
	rr.Release()
	if rr.Err() != nil {
		t.Fatal(rr.Err())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) == 0 || len(calls) > len(progressReports()) || calls[len(calls)-1] != 6 {
		t.Fatalf("callback calls %v: want the latest report (6 tasks) last", calls)
	}
}

// Commands deliver progress too (a write, a view), and the responses they return hold no
// progress reports.
func TestProgressOfCommands(t *testing.T) {
	srv, s := fakeSession(t)
	srv.OnExecute(func(ctx context.Context, req *sparkpb.ExecutePlanRequest, op *fakeserver.Operation) error {
		if req.GetPlan().GetCommand() == nil {
			return fakeserver.ErrUseDefault
		}
		for _, r := range progressReports() {
			if err := op.Send(&sparkpb.ExecutePlanResponse{ResponseType: &sparkpb.ExecutePlanResponse_ExecutionProgress_{ExecutionProgress: r}}); err != nil {
				return err
			}
		}
		return op.Complete()
	})
	var n int
	var last ExecutionProgress
	ctx := WithOperationTrace(fakeCtx(t), &OperationTrace{Progress: func(p ExecutionProgress) { n++; last = p }})
	if err := s.Range(0, 3, 1).Write().Format("parquet").Save(ctx, "/tmp/x"); err != nil {
		t.Fatal(err)
	}
	if n == 0 || last.CompletedTasks() != 6 {
		t.Fatalf("%d reports, last %+v", n, last)
	}
	resps, err := s.executeCommand(fakeCtx(t), &sparkpb.Command{CommandType: &sparkpb.Command_SqlCommand{SqlCommand: &sparkpb.SqlCommand{}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resps {
		if r.GetExecutionProgress() != nil {
			t.Fatalf("a progress report among the responses: %v", r)
		}
	}
}

// Traces of nested contexts are all called, the inner one first.
func TestNestedTraces(t *testing.T) {
	srv, s := fakeSession(t)
	srv.SetProgress(progressReports()...)
	answerWith(t, srv, int64Batch("count(1)", 1))
	var mu sync.Mutex
	var order []string
	rec := func(what string) { mu.Lock(); order = append(order, what); mu.Unlock() }
	ctx := WithOperationTrace(fakeCtx(t), &OperationTrace{Started: func(string) { rec("outer started") }})
	ctx = WithOperationTrace(ctx, nil)
	ctx = WithOperationTrace(ctx, &OperationTrace{Started: func(string) { rec("inner started") }, Progress: func(ExecutionProgress) {}})
	if _, err := s.Range(0, 1, 1).Count(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(order, []string{"inner started", "outer started"}) {
		t.Fatalf("order %q", order)
	}
}

// pendingStatusError is Spark 4.1's answer to an interrupt that found operation id
// registered but not yet running (as seen on the real server), where
// status is the operation's event status: Pending, or Started when the interrupt follows
// the start event but precedes the execution thread.
func pendingStatusError(id, status string) error {
	return fakeserver.ExceptionError(codes.Unknown, "java.lang.IllegalStateException",
		"\n        operationId: "+id+" with status "+status+"\n        is not within statuses List(Finished, Failed, Canceled) for event Closed\n        ")
}

// An interrupt that reaches an operation before it starts running: Spark cancels it, but
// answers the interrupt with an IllegalStateException, stops before the other operations of
// the tag, and never answers the operation's result stream. The client counts the
// operation, asks again for the others, and ends the waiting action with ErrInterrupted.
func TestInterruptBeforeStart(t *testing.T) {
	for i, how := range []string{"tag", "all", "operation", "tag", "all", "operation"} {
		status := []string{"Pending", "Started"}[i/3]
		t.Run(how+"/"+status, func(t *testing.T) {
			srv, s := fakeSession(t)
			release := srv.HoldQueries()
			defer release()
			ctx := fakeCtx(t)
			pending, pendingErr := heldQuery(t, s, WithOperationTags(ctx, "job-1"))
			running, runningErr := heldQuery(t, s, WithOperationTags(ctx, "job-1"))
			waitRunning(t, srv, pending)
			waitRunning(t, srv, running)
			calls := 0
			srv.OnInterrupt(func(context.Context, *sparkpb.InterruptRequest) (*sparkpb.InterruptResponse, error) {
				if calls++; calls == 1 {
					return nil, pendingStatusError(pending, status)
				}
				return nil, fakeserver.ErrUseDefault
			})
			var ids []string
			var err error
			switch how {
			case "tag":
				ids, err = s.InterruptTag(ctx, "job-1")
			case "all":
				ids, err = s.InterruptAll(ctx)
			case "operation":
				ids, err = s.InterruptOperation(ctx, pending)
			}
			want := []string{pending, running}
			if how == "operation" {
				want = want[:1]
			}
			if err != nil || !slices.Equal(ids, want) {
				t.Fatalf("interrupted %q, %v; want %q", ids, err, want)
			}
			if n := len(srv.InterruptRequests()); n != len(want) {
				t.Errorf("%d interrupt requests, want %d", n, len(want))
			}
			// The server never answers the pending operation: the client ends its action.
			checkInterrupted(t, pendingErr)
			if how == "operation" {
				select {
				case err := <-runningErr:
					t.Fatalf("the other operation ended: %v", err)
				default:
				}
				return
			}
			checkInterrupted(t, runningErr)
		})
	}
}

// Only Spark's answer for an operation that had not started is taken for an interrupt;
// other errors reach the caller, and an operation of another client is not touched.
func TestInterruptErrorsPassThrough(t *testing.T) {
	srv, s := fakeSession(t)
	ctx := fakeCtx(t)
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"other exception", fakeserver.ExceptionError(codes.Unknown, "java.lang.NullPointerException",
			"operationId: x with status Pending is not within statuses List(Finished) for event Closed")},
		{"other event", fakeserver.ExceptionError(codes.Unknown, "java.lang.IllegalStateException",
			"operationId: x with status Pending is not within statuses List(Started) for event Analyzed")},
		{"spark error", fakeserver.SparkError(codes.InvalidArgument, "INVALID_HANDLE.OPERATION_NOT_FOUND", "", "no op", "")},
	} {
		srv.OnInterrupt(func(context.Context, *sparkpb.InterruptRequest) (*sparkpb.InterruptResponse, error) {
			return nil, tc.err
		})
		if ids, err := s.InterruptTag(ctx, "t"); err == nil || ids != nil {
			t.Errorf("%s: interrupted %q, %v; want the error", tc.name, ids, err)
		}
	}
	// An operation the session does not have: counted, nothing else to end.
	srv.OnInterrupt(func(context.Context, *sparkpb.InterruptRequest) (*sparkpb.InterruptResponse, error) {
		return nil, pendingStatusError("elsewhere", "Pending")
	})
	if ids, err := s.InterruptOperation(ctx, "elsewhere"); err != nil || !slices.Equal(ids, []string{"elsewhere"}) {
		t.Errorf("interrupted %q, %v", ids, err)
	}
	// A server that keeps answering so gives up after a bound, with its error.
	if ids, err := s.InterruptAll(ctx); err == nil || ids != nil {
		t.Errorf("endless pending answers: %q, %v", ids, err)
	}
	if n := len(srv.InterruptRequests()); n != 3+1+maxPendingInterrupts+1 {
		t.Errorf("%d interrupt requests", n)
	}
}
