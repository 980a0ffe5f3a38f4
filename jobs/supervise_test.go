package jobs

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/connecttest"
)

// superviseHarness runs a Supervisor against the in-memory server, with a Starter that
// starts one memory-sink query, and records its starts and restarts.
type superviseHarness struct {
	srv      *connecttest.Server
	sv       *Supervisor
	starts   chan []*connect.StreamingQuery
	restarts chan Restart
	mu       sync.Mutex
	sessions []*connect.Session
}

func newSuperviseHarness(t *testing.T) *superviseHarness {
	t.Helper()
	srv := connecttest.NewServer()
	t.Cleanup(srv.Close)
	h := &superviseHarness{srv: srv, starts: make(chan []*connect.StreamingQuery, 16), restarts: make(chan Restart, 16)}
	fast := connect.RetryPolicy{MaxRetries: 1, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond}
	h.sv = &Supervisor{
		Dial: func(ctx context.Context) (*connect.Session, error) {
			s, err := srv.Dial(ctx, connect.WithRetryPolicy(fast))
			if err == nil {
				h.mu.Lock()
				h.sessions = append(h.sessions, s)
				h.mu.Unlock()
			}
			return s, err
		},
		Start: func(ctx context.Context, s *connect.Session) ([]*connect.StreamingQuery, error) {
			q, err := s.ReadStream().Format("rate").Load().WriteStream().Format("memory").
				QueryName("sup").Option("checkpointLocation", "/cp/sup").Start(ctx)
			if err != nil {
				return nil, err
			}
			return []*connect.StreamingQuery{q}, nil
		},
		PollInterval:   5 * time.Millisecond,
		InitialBackoff: 10 * time.Millisecond,
		MaxBackoff:     40 * time.Millisecond,
		OnStart:        func(_ *connect.Session, qs []*connect.StreamingQuery) { h.starts <- qs },
		OnRestart:      func(r Restart) { h.restarts <- r },
	}
	return h
}

// run starts the supervisor; the returned function cancels it and returns Run's error.
func (h *superviseHarness) run(t *testing.T) func() error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.sv.Run(ctx) }()
	var once sync.Once
	var err error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return 10 s after its context ended")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

func (h *superviseHarness) nextStart(t *testing.T) []*connect.StreamingQuery {
	t.Helper()
	select {
	case qs := <-h.starts:
		return qs
	case <-time.After(10 * time.Second):
		t.Fatal("no start within 10 s")
		return nil
	}
}

func (h *superviseHarness) nextRestart(t *testing.T) Restart {
	t.Helper()
	select {
	case r := <-h.restarts:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no restart within 10 s")
		return Restart{}
	}
}

// A failed query is restarted in a new session after the initial backoff, and the restart
// says why; when the context ends, Run stops the queries and returns the context's error.
func TestSuperviseRestartsFailedQuery(t *testing.T) {
	h := newSuperviseHarness(t)
	stop := h.run(t)
	first := h.nextStart(t)
	if !h.srv.FailQuery(first[0].ID(), "STREAM_FAILED", "the Kafka source's metrics were null") {
		t.Fatal("the server does not know the query")
	}
	r := h.nextRestart(t)
	var qe *connect.StreamingQueryError
	if !errors.As(r.Reason, &qe) || !strings.Contains(qe.Error(), "metrics were null") || r.Attempt != 1 || r.Delay != 10*time.Millisecond {
		t.Fatalf("restart %+v", r)
	}
	second := h.nextStart(t)
	if second[0].ID() == first[0].ID() {
		t.Error("the restart reused the failed query")
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	if act := h.srv.ActiveQueries(); len(act) != 0 {
		t.Errorf("queries still active after Run returned: %v", act)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.sessions) != 2 || h.sessions[0].ID() == h.sessions[1].ID() {
		t.Errorf("want two sessions with different ids, got %d", len(h.sessions))
	}
}

// A restarted server (INVALID_HANDLE.SESSION_CHANGED on the next check) gets the queries
// restarted in a new session.
func TestSuperviseRestartsAfterServerRestart(t *testing.T) {
	h := newSuperviseHarness(t)
	h.run(t)
	h.nextStart(t)
	h.srv.Restart()
	r := h.nextRestart(t)
	if !errors.Is(r.Reason, connect.ErrSessionChanged) {
		t.Fatalf("restart reason %v, want ErrSessionChanged", r.Reason)
	}
	qs := h.nextStart(t)
	if act := h.srv.ActiveQueries(); len(act) != 1 || act[0] != qs[0].ID() {
		t.Errorf("active queries %v, want the restarted %s", act, qs[0].ID())
	}
}

// A server that stays unreachable makes the supervisor restart with a pause that doubles up
// to MaxBackoff (dials fail meanwhile), and the job comes back when the server does.
func TestSuperviseBacksOffWhileUnavailable(t *testing.T) {
	h := newSuperviseHarness(t)
	h.run(t)
	h.nextStart(t)
	h.srv.SetUnavailable(true)
	var delays []time.Duration
	for range 5 {
		r := h.nextRestart(t)
		if !transient(r.Reason) {
			t.Errorf("restart reason %v is not a transient failure", r.Reason)
		}
		delays = append(delays, r.Delay)
	}
	want := []time.Duration{10, 20, 40, 40, 40}
	for i := range want {
		if delays[i] != want[i]*time.Millisecond {
			t.Fatalf("delays %v, want %v ms", delays, want)
		}
	}
	h.srv.SetUnavailable(false)
	h.nextStart(t)
}

// MaxRestarts restarts in a row without a healthy run make Run give up with the last reason.
func TestSuperviseGivesUp(t *testing.T) {
	h := newSuperviseHarness(t)
	h.sv.MaxRestarts = 2
	calls := 0
	h.sv.Start = func(ctx context.Context, s *connect.Session) ([]*connect.StreamingQuery, error) {
		calls++
		if calls == 1 {
			return nil, nil // a run with no queries ends at once, cleanly
		}
		return nil, errors.New("unreachable")
	}
	if err := h.sv.Run(context.Background()); err != nil {
		t.Fatalf("a run whose queries all stopped: Run = %v, want nil", err)
	}
	// The first start worked; later ones fail with the server's error.
	calls = 0
	h.sv.Start = func(ctx context.Context, s *connect.Session) ([]*connect.StreamingQuery, error) {
		calls++
		if calls == 1 {
			q, err := s.ReadStream().Format("rate").Load().WriteStream().Format("memory").QueryName("g").Start(ctx)
			if err != nil {
				return nil, err
			}
			h.srv.FailQuery(q.ID(), "", "boom")
			return []*connect.StreamingQuery{q}, nil
		}
		return nil, &connect.SparkError{ErrorClass: "NULL_POINTER", Message: "metrics"}
	}
	err := h.sv.Run(context.Background())
	var se *connect.SparkError
	if !errors.Is(err, ErrGaveUp) || !errors.As(err, &se) || calls != 3 {
		t.Fatalf("Run = %v after %d starts, want ErrGaveUp with the SparkError after 3", err, calls)
	}
}

// A first start that the server rejects is returned at once: a job that never ran is
// misconfigured, and restarting would not help.
func TestSuperviseFirstStartRejected(t *testing.T) {
	h := newSuperviseHarness(t)
	h.sv.Start = func(ctx context.Context, s *connect.Session) ([]*connect.StreamingQuery, error) {
		return nil, &connect.SparkError{ErrorClass: "UNRESOLVED_COLUMN", Message: "no such column"}
	}
	err := h.sv.Run(context.Background())
	var se *connect.SparkError
	if !errors.As(err, &se) || se.ErrorClass != "UNRESOLVED_COLUMN" || len(h.restarts) != 0 {
		t.Fatalf("Run = %v with %d restarts", err, len(h.restarts))
	}
}

// The context ending during a restart's pause returns at once.
func TestSuperviseContextEndsDuringBackoff(t *testing.T) {
	h := newSuperviseHarness(t)
	h.sv.InitialBackoff, h.sv.MaxBackoff = time.Hour, time.Hour
	stop := h.run(t)
	h.nextStart(t)
	h.srv.Restart()
	if r := h.nextRestart(t); r.Delay != time.Hour {
		t.Fatalf("restart %+v", r)
	}
	start := time.Now()
	if err := stop(); !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Fatalf("Run = %v after %s", err, time.Since(start))
	}
}

func TestSuperviseBadConfig(t *testing.T) {
	if err := (&Supervisor{}).Run(context.Background()); err == nil {
		t.Error("a Supervisor without Dial and Start ran")
	}
	var nilSV *Supervisor
	if err := nilSV.Run(context.Background()); err == nil {
		t.Error("a nil Supervisor ran")
	}
	sv := (&Supervisor{}).withDefaults()
	if sv.PollInterval != 5*time.Second || sv.InitialBackoff != time.Second || sv.MaxBackoff != time.Minute || sv.ResetAfter != 2*time.Minute {
		t.Errorf("defaults %+v", sv)
	}
	if got := sv.backoff(100); got != time.Minute {
		t.Errorf("backoff(100) = %s", got)
	}
}

// With RestartOnStop a query that stopped cleanly is restarted, with ErrQueryStopped as the
// reason; without it, a run whose queries all stopped ends Run with nil.
func TestSuperviseRestartOnStop(t *testing.T) {
	h := newSuperviseHarness(t)
	h.sv.RestartOnStop = true
	h.run(t)
	qs := h.nextStart(t)
	if err := qs[0].Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := h.nextRestart(t); !errors.Is(r.Reason, ErrQueryStopped) {
		t.Fatalf("restart reason %v", r.Reason)
	}
	h.nextStart(t)

	h2 := newSuperviseHarness(t)
	h2.sv.OnStart = func(_ *connect.Session, qs []*connect.StreamingQuery) { _ = qs[0].Stop(context.Background()) }
	if err := h2.sv.Run(context.Background()); err != nil {
		t.Fatalf("Run = %v, want nil after a clean stop", err)
	}
}
