package wire

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
)

func TestRetryDelaysGrowToTheCap(t *testing.T) {
	p := RetryPolicy{MaxRetries: 10, InitialBackoff: 50 * time.Millisecond, MaxBackoff: time.Second, Multiplier: 4}
	want := []time.Duration{50 * time.Millisecond, 200 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second}
	for i, w := range want {
		if got := p.delay(i); got != w {
			t.Errorf("delay(%d) = %v, want %v", i, got, w)
		}
	}
	// A multiplier below 1 does not shrink the delay; a huge attempt does not overflow.
	p.Multiplier = 0.5
	if got := p.delay(3); got != 50*time.Millisecond {
		t.Errorf("multiplier 0.5: %v", got)
	}
	p = RetryPolicy{InitialBackoff: time.Second, Multiplier: 10}
	if got := p.delay(1000); got <= 0 {
		t.Errorf("delay overflowed: %v", got)
	}
}

// recordedSleeps returns a retrier whose sleeps are recorded instead of slept.
func recordedSleeps(p RetryPolicy) (*retrier, *[]time.Duration) {
	var slept []time.Duration
	r := newRetrier(p)
	r.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	return r, &slept
}

func TestRetrierJitterAndMaxRetries(t *testing.T) {
	p := RetryPolicy{MaxRetries: 4, InitialBackoff: 10 * time.Millisecond, MaxBackoff: time.Second, Multiplier: 2, Jitter: 5 * time.Millisecond}
	r, slept := recordedSleeps(p)
	for i := range 4 {
		ok, err := r.wait(context.Background())
		if !ok || err != nil {
			t.Fatalf("retry %d refused: %v", i, err)
		}
	}
	if ok, _ := r.wait(context.Background()); ok {
		t.Fatal("a fifth retry was allowed")
	}
	for i, d := range *slept {
		base := p.delay(i)
		if d < base || d >= base+p.Jitter {
			t.Errorf("sleep %d = %v, want [%v, %v)", i, d, base, base+p.Jitter)
		}
	}
	r.reset()
	if ok, _ := r.wait(context.Background()); !ok {
		t.Fatal("no retry after reset")
	}
}

func TestRetrierBudget(t *testing.T) {
	p := RetryPolicy{MaxRetries: 100, InitialBackoff: time.Hour, Multiplier: 1, Budget: 20 * time.Millisecond}
	r, slept := recordedSleeps(p)
	if ok, _ := r.wait(context.Background()); !ok {
		t.Fatal("first retry refused")
	}
	if (*slept)[0] > p.Budget {
		t.Fatalf("slept %v, beyond the budget %v", (*slept)[0], p.Budget)
	}
	r.since = time.Now().Add(-time.Second) // the budget is spent
	if ok, _ := r.wait(context.Background()); ok {
		t.Fatal("a retry beyond the budget")
	}
}

func TestRetrierStopsWithTheContext(t *testing.T) {
	r := newRetrier(RetryPolicy{MaxRetries: 3, InitialBackoff: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if ok, err := r.wait(ctx); ok || !errors.Is(err, context.Canceled) {
		t.Fatalf("wait = %v, %v", ok, err)
	}
}

func TestErrorClassification(t *testing.T) {
	server := fakeserver.SparkError(codes.Unavailable, "C", "XX000", "m", "")
	cases := []struct {
		err                                      error
		transient, serverErr, cursor, opNotFound bool
	}{
		{status.Error(codes.Unavailable, "connection refused"), true, false, false, false},
		{server, false, true, false, false},
		{status.Error(codes.Internal, "INVALID_CURSOR.DISCONNECTED"), false, false, true, false},
		{status.Error(codes.Internal, "[INVALID_HANDLE.OPERATION_NOT_FOUND] x"), false, false, false, true},
		{status.Error(codes.InvalidArgument, "bad"), false, false, false, false},
		{errors.New("plain"), false, false, false, false},
	}
	for _, c := range cases {
		if isTransient(c.err) != c.transient || IsServerError(c.err) != c.serverErr ||
			isCursorDisconnected(c.err) != c.cursor || isOperationNotFound(c.err) != c.opNotFound {
			t.Errorf("%v: classified wrongly", c.err)
		}
	}
}

func TestDefaultRetryPolicyWaitsAboutAMinute(t *testing.T) {
	p := DefaultRetryPolicy()
	var total time.Duration
	for i := range p.MaxRetries {
		total += p.delay(i)
	}
	if p.Budget != time.Minute || total < p.Budget {
		t.Fatalf("budget %v, delays add up to %v", p.Budget, total)
	}
}
