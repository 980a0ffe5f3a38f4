package fakeserver_test

// These tests run sparkwire's own client against the fake server: they check that the
// two agree on the protocol (reattach, release, interrupt, the listener bus), so that
// the client's tests can trust the fake.

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

func dialClient(t *testing.T) (*fakeserver.Server, *connect.Session) {
	t.Helper()
	srv := fakeserver.New()
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := connect.Dial(ctx, srv.URL(), connect.WithDialOptions(srv.DialOptions()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return srv, s
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func ints(vals ...int64) arrow.RecordBatch {
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(vals, nil)
	col := b.NewArray()
	defer col.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	return array.NewRecordBatch(schema, []arrow.Array{col}, int64(len(vals)))
}

func result(srv *fakeserver.Server, recs ...arrow.RecordBatch) {
	srv.SetResult(func(*sparkpb.Plan) ([]arrow.RecordBatch, error) {
		for _, r := range recs {
			r.Retain()
		}
		return recs, nil
	})
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

func TestClientReattaches(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"clean end", nil},
		{"transport error", status.Error(codes.Unavailable, "connection reset")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, s := dialClient(t)
			recs := []arrow.RecordBatch{ints(1, 2), ints(3), ints(4, 5, 6)}
			for _, r := range recs {
				defer r.Release()
			}
			result(srv, recs...)
			srv.CutStreams(2, 2, tc.err)
			rows, err := s.Range(0, 6, 1).Rows(testCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 6 || rows[5].Value(0) != int64(6) {
				t.Fatalf("rows %v", rows)
			}
			reattaches := srv.ReattachRequests()
			if len(reattaches) != 2 || reattaches[0].LastResponseId == nil {
				t.Fatalf("reattaches %v", reattaches)
			}
			if n := len(srv.ExecuteRequests()); n != 1 {
				t.Fatalf("%d execute requests, want 1", n)
			}
			waitFor(t, "release_all", func() bool {
				for _, r := range srv.ReleaseExecuteRequests() {
					if r.GetReleaseAll() != nil {
						return true
					}
				}
				return false
			})
		})
	}
}

func TestClientInterruptsAbandonedQuery(t *testing.T) {
	srv, s := dialClient(t)
	started := make(chan string, 1)
	srv.OnExecute(func(ctx context.Context, req *sparkpb.ExecutePlanRequest, op *fakeserver.Operation) error {
		if req.GetPlan().GetRoot() == nil {
			return fakeserver.ErrUseDefault
		}
		rec := ints(1)
		defer rec.Release()
		resp, err := fakeserver.ArrowBatch(rec)
		if err != nil {
			return err
		}
		if err := op.Send(resp); err != nil {
			return err
		}
		started <- op.ID()
		<-ctx.Done() // a query that never ends
		return ctx.Err()
	})
	rr, err := s.Range(0, 1, 1).Collect(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !rr.Next() {
		t.Fatalf("no batch: %v", rr.Err())
	}
	id := <-started
	rr.Release() // returns at once: the interrupt is sent in the background
	waitFor(t, "the interrupt", func() bool { return len(srv.InterruptRequests()) > 0 })
	ints := srv.InterruptRequests()
	if len(ints) != 1 || ints[0].GetOperationId() != id {
		t.Fatalf("interrupts %v", ints)
	}
}

func TestClientListenerBus(t *testing.T) {
	srv, s := dialClient(t)
	ctx := testCtx(t)
	sub, err := s.Streams().Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.ListenerStreams(); n != 1 {
		t.Fatalf("%d listener streams", n)
	}
	srv.PublishEvent(sparkpb.StreamingQueryEventType_QUERY_IDLE_EVENT, `{"id":"q1","runId":"r1","timestamp":"2026-01-01T00:00:00.000Z"}`)
	srv.PublishEvent(sparkpb.StreamingQueryEventType_QUERY_TERMINATED_EVENT, `{"id":"q1","runId":"r1","exception":null}`)
	for _, want := range []string{"*connect.QueryIdleEvent", "*connect.QueryTerminatedEvent"} {
		select {
		case ev := <-sub.Events():
			if got := fmt.Sprintf("%T", ev); got != want || ev.QueryID() != "q1" {
				t.Fatalf("event %s %#v, want %s", got, ev, want)
			}
		case <-ctx.Done():
			t.Fatalf("no %s", want)
		}
	}
	if err := sub.Close(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the bus stream to end", func() bool { return srv.ListenerStreams() == 0 })
}

func TestClientSeesRestart(t *testing.T) {
	srv, s := dialClient(t)
	ctx := testCtx(t)
	if _, err := s.Range(0, 1, 1).Rows(ctx); err != nil {
		t.Fatal(err)
	}
	srv.RestartSession()
	_, err := s.Range(0, 1, 1).Schema(ctx)
	var se *connect.SparkError
	if !errors.As(err, &se) || se.ErrorClass != "INVALID_HANDLE.SESSION_CHANGED" {
		t.Fatalf("err = %v", err)
	}
}

func TestClientErrorDetails(t *testing.T) {
	srv := fakeserver.New()
	t.Cleanup(srv.Close)
	ctx := testCtx(t)
	s, err := connect.Dial(ctx, srv.URL(), connect.WithDialOptions(srv.DialOptions()...), connect.WithErrorStackTraces())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	details := fakeserver.ErrorDetails("DIVIDE_BY_ZERO", "22012", "Division by zero.")
	details.Errors[0].StackTrace = []*sparkpb.FetchErrorDetailsResponse_StackTraceElement{{
		DeclaringClass: "org.apache.spark.sql.errors.QueryExecutionErrors", MethodName: "divideByZeroError",
	}}
	srv.RegisterErrorDetails("e-1", details)
	srv.FailNext(fakeserver.SparkError(codes.Internal, "DIVIDE_BY_ZERO", "22012", "Division by zero.", "e-1"))
	_, err = s.Range(0, 1, 1).Rows(ctx)
	var se *connect.SparkError
	if !errors.As(err, &se) || se.ErrorClass != "DIVIDE_BY_ZERO" || len(se.StackTrace) != 1 {
		t.Fatalf("err = %#v", err)
	}
}
