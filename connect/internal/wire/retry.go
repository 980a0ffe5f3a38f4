package wire

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// RetryPolicy says how calls that failed for a transient reason (the server unreachable, a
// connection reset) are tried again: after a delay that grows from InitialBackoff by
// Multiplier up to MaxBackoff, plus a random jitter of up to Jitter, for at most MaxRetries
// tries and at most Budget in total since the first failure. Errors that the server reported
// (a Spark error) are never retried. The caller's context bounds everything.
type RetryPolicy struct {
	MaxRetries     int
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	Multiplier     float64
	Jitter         time.Duration
	Budget         time.Duration
}

// DefaultRetryPolicy is the policy of a session that sets none: about a minute of retries in
// all, as in Spark's Python client.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxRetries:     15,
		InitialBackoff: 50 * time.Millisecond,
		MaxBackoff:     10 * time.Second,
		Multiplier:     4,
		Jitter:         500 * time.Millisecond,
		Budget:         time.Minute,
	}
}

// delay returns the pause before retry number attempt (0 for the first retry), without jitter.
func (p RetryPolicy) delay(attempt int) time.Duration {
	d := float64(p.InitialBackoff) * math.Pow(max(p.Multiplier, 1), float64(attempt))
	if p.MaxBackoff > 0 && d > float64(p.MaxBackoff) {
		d = float64(p.MaxBackoff)
	}
	if d > math.MaxInt64/2 {
		d = math.MaxInt64 / 2
	}
	return time.Duration(d)
}

// retrier counts the retries of one logical call (an RPC, or the responses of one execution
// between two responses that made progress).
type retrier struct {
	p       RetryPolicy
	attempt int
	since   time.Time // the first failure since the last success; zero if none
	// sleep waits for d or until ctx ends; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
	// onRetry, if set, is called before each retry (after the pause).
	onRetry func()
}

func newRetrier(p RetryPolicy) *retrier { return &retrier{p: p, sleep: sleepCtx} }

// reset forgets past failures after a call made progress.
func (r *retrier) reset() { r.attempt, r.since = 0, time.Time{} }

// wait pauses before the next retry. It reports false, without waiting, when the policy's
// retries or budget are used up, and returns ctx's error if ctx ends while it waits.
func (r *retrier) wait(ctx context.Context) (bool, error) {
	now := time.Now()
	if r.since.IsZero() {
		r.since = now
	}
	if r.attempt >= r.p.MaxRetries {
		return false, nil
	}
	d := r.p.delay(r.attempt)
	if r.p.Jitter > 0 {
		d += rand.N(r.p.Jitter)
	}
	if r.p.Budget > 0 {
		left := r.p.Budget - now.Sub(r.since)
		if left <= 0 {
			return false, nil
		}
		d = min(d, left)
	}
	r.attempt++
	if err := r.sleep(ctx, d); err != nil {
		return false, err
	}
	if r.onRetry != nil {
		r.onRetry()
	}
	return true, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// IsServerError reports whether err carries Spark's error details (an ErrorInfo): the server
// ran the request and reported an error, which trying again would not change.
func IsServerError(err error) bool {
	st, ok := status.FromError(err)
	if !ok {
		return false
	}
	for _, d := range st.Details() {
		if _, ok := d.(*errdetails.ErrorInfo); ok {
			return true
		}
	}
	return false
}

// isTransient reports whether err is a failure to reach the server, worth a retry: the
// connection was refused, reset or lost before the server answered. A TLS handshake that
// failed on a certificate or protocol error (an unknown authority, a plaintext server) is
// not: it fails the same way every time.
func isTransient(err error) bool {
	st, ok := status.FromError(err)
	if !ok {
		return false
	}
	return st.Code() == codes.Unavailable && !IsServerError(err) && !isTLSFailure(st.Message())
}

// isTLSFailure reports whether a gRPC error message is a TLS handshake's refusal.
func isTLSFailure(msg string) bool {
	return strings.Contains(msg, "authentication handshake failed") &&
		(strings.Contains(msg, "x509:") || strings.Contains(msg, "tls:"))
}

// isCursorDisconnected reports the server's INVALID_CURSOR.DISCONNECTED: a reattachable
// execution's stream was taken over or lost on the server, and reattaching resumes it.
func isCursorDisconnected(err error) bool {
	st, ok := status.FromError(err)
	return ok && st.Code() == codes.Internal && strings.Contains(st.Message(), "INVALID_CURSOR.DISCONNECTED")
}

// isOperationNotFound reports INVALID_HANDLE.OPERATION_NOT_FOUND: the server does not know the
// operation (the ExecutePlan that started it never arrived, or it was released).
func isOperationNotFound(err error) bool {
	st, ok := status.FromError(err)
	return ok && strings.Contains(st.Message(), "INVALID_HANDLE.OPERATION_NOT_FOUND")
}
