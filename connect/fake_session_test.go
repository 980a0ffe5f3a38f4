package connect

import (
	"context"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
)

// fakeSession dials a new in-memory Spark Connect server; both end with the test (the
// session first).
func fakeSession(t *testing.T, opts ...Option) (*fakeserver.Server, *Session) {
	t.Helper()
	srv := fakeserver.New()
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Dial(ctx, srv.URL(), append([]Option{WithDialOptions(srv.DialOptions()...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return srv, s
}

// fakeCtx is a context for one test, ended with it.
func fakeCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls cond until it holds, or fails the test after a while.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
