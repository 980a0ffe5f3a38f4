package tests

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
)

// silentAction runs an action that keeps the server silent for d (one task sleeping, so no
// progress either) in s and checks its one-row result.
func silentAction(t *testing.T, s *connect.Session, d time.Duration) {
	t.Helper()
	ctx := testCtx(t, d+2*time.Minute)
	df, err := s.SQL(ctx, fmt.Sprintf("SELECT reflect('java.lang.Thread', 'sleep', %dL) AS slept, 42 AS answer", d.Milliseconds()))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := df.Rows(ctx)
	if err != nil {
		t.Fatalf("silent action of %s: %v", d, err)
	}
	if len(rows) != 1 || rows[0].Value(1) != int32(42) {
		t.Fatalf("silent action of %s: rows %v", d, rows)
	}
}

// Keepalive with the default settings (pings after 10 s of silence) never upsets Spark's
// server, whose gRPC server (grpc-java's defaults: permitKeepAliveTime 5 minutes, no pings
// without calls) sends a client that pings more often away with GOAWAY too_many_pings and
// closes the connection. Three sessions, each through a proxy of its own, run at once: an
// idle session sends no pings; a listener-bus stream, on which the server says nothing while
// no query runs, stays open for 70 s (without the session's probe the server sent a 10 s
// keepalive away after 20 s); and an action during which one task sleeps for 40 s runs
// through. Each session keeps its one connection through its proxy all along and never
// retries.
func TestKeepaliveDefaultsAcceptedByServer(t *testing.T) {
	k := connect.DefaultKeepalive()
	// open dials a session through a proxy of its own, with the default keepalive, checks
	// it with a count, and returns a check that it kept its connection without retries.
	open := func(t *testing.T, ctx context.Context) (*connect.Session, func(what string) connect.SessionStats) {
		p, url := proxied(t)
		s := dial(t, ctx, url) // DefaultKeepalive
		if n, err := s.Range(0, 10, 1).Count(ctx); err != nil || n != 10 {
			t.Fatalf("count: %d, %v", n, err)
		}
		return s, func(what string) connect.SessionStats {
			if n, err := s.Range(0, 10, 1).Count(ctx); err != nil || n != 10 {
				t.Fatalf("count after %s: %d, %v", what, n, err)
			}
			st := s.Stats()
			// Reattaches may happen on their own (the server ends long streams on purpose,
			// every 5 s on the suite's own stack); a GOAWAY would show as a retry and a
			// second connection.
			if st.Retries != 0 || p.Accepted() != 1 {
				t.Errorf("%s: %d retries, %d connections (want 0 and 1): the server sent the client away",
					what, st.Retries, p.Accepted())
			}
			t.Logf("%s: %d connection(s), %+v", what, p.Accepted(), st)
			return st
		}
	}
	t.Run("idle session", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t, 3*time.Minute)
		_, check := open(t, ctx)
		idle := 2*k.Time + k.Timeout
		time.Sleep(idle)
		check(fmt.Sprintf("idle %s", idle))
	})
	t.Run("silent listener stream", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t, 3*time.Minute)
		s, check := open(t, ctx)
		sub, err := s.Streams().Subscribe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		const listen = 70 * time.Second
		time.Sleep(listen)
		if err := sub.Err(); err != nil {
			t.Errorf("listener stream after %s: %v", listen, err)
		}
		if err := sub.Close(ctx); err != nil {
			t.Errorf("close the subscription: %v", err)
		}
		if st := check(fmt.Sprintf("listener stream %s", listen)); st.Probes == 0 {
			t.Errorf("no probe answered during %s of a silent listener stream", listen)
		}
	})
	t.Run("silent action", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t, 3*time.Minute)
		s, check := open(t, ctx)
		silentAction(t, s, 40*time.Second)
		check("silent action of 40 s")
	})
}
