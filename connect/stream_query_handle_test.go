package connect

import (
	"errors"
	"testing"
)

// A handle made from a query's ids reaches it after it failed, when the manager no longer
// lists it as active.
func TestStreamingQueryManagerQuery(t *testing.T) {
	srv, s := fakeSession(t)
	ctx := fakeCtx(t)
	q, err := s.ReadStream().Format("rate").Load().WriteStream().Format("memory").QueryName("rates").Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !srv.FailQuery(q.ID(), "STREAM_FAILED", "topic missing") {
		t.Fatal("the server does not know the query")
	}
	if _, err := s.Streams().Get(ctx, q.ID()); !errors.Is(err, ErrQueryNotFound) {
		t.Fatalf("Get of a failed query: %v, want ErrQueryNotFound", err)
	}
	h := s.Streams().Query(q.ID(), q.RunID())
	if h.ID() != q.ID() || h.RunID() != q.RunID() || h.Name() != "" {
		t.Fatalf("handle %s/%s %q", h.ID(), h.RunID(), h.Name())
	}
	st, err := h.Status(ctx)
	if err != nil || st.IsActive {
		t.Fatalf("status %+v, %v; want inactive", st, err)
	}
	ex, err := h.Exception(ctx)
	if err != nil || ex == nil || ex.ErrorClass != "STREAM_FAILED" || ex.Message != "topic missing" {
		t.Fatalf("exception %+v, %v", ex, err)
	}
	var nilManager *StreamingQueryManager
	if _, err := nilManager.Query("a", "b").Status(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("nil manager's handle: %v, want ErrClosed", err)
	}
}
