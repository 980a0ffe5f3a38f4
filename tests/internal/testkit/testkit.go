// Package testkit holds the small helpers that the end-to-end test packages (tests and
// tests/cluster) share: bounded contexts, unique names, polling, sessions closed with the
// test, and a logger for the stack's messages.
package testkit

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect"
)

// Ctx returns a context that ends with the test or after d.
func Ctx(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// UniqueName returns prefix with a suffix that no other run shares, for topics, tables and
// queries on a shared server.
func UniqueName(prefix string) string {
	return fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano())
}

// WaitFor polls cond every 250 ms until it holds without an error, for at most d; the error
// says the last error cond returned.
func WaitFor(ctx context.Context, d time.Duration, cond func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var last error
	for {
		ok, err := cond()
		if ok && err == nil {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), last)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Dial dials the Spark Connect server at url with opts; the session is closed with the
// test, and a failed close fails it.
func Dial(t testing.TB, ctx context.Context, url string, opts ...connect.Option) *connect.Session {
	t.Helper()
	s, err := connect.Dial(ctx, url, opts...)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Close(cctx); err != nil {
			t.Errorf("close session: %v", err)
		}
	})
	return s
}

// CheckedSession is Dial with a checked Arrow allocator: the test fails if any Arrow memory
// is still allocated when it ends, after the session is closed.
func CheckedSession(t testing.TB, ctx context.Context, url string) (*connect.Session, *memory.CheckedAllocator) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) }) // cleanups run last first: after the close
	return Dial(t, ctx, url, connect.WithAllocator(mem)), mem
}

// Logger sends the stack's progress messages to the test log (stack.WithLogger).
type Logger struct{ T testing.TB }

// Printf logs one message, without its trailing newlines.
func (l Logger) Printf(format string, args ...any) {
	l.T.Helper()
	l.T.Logf("%s", strings.TrimRight(fmt.Sprintf(format, args...), "\n"))
}
