package producers

import (
	"fmt"
	"math"
	"time"
)

// Rate is a target send rate over time, in events per second. The zero Rate is
// unlimited: send as fast as the broker accepts. Make others with [Steady], [Ramp] and
// [Bursts].
type Rate struct {
	kind   rateKind
	a, b   float64       // steady: a; ramp: from a to b; bursts: base a, peak b
	d1, d2 time.Duration // ramp: over d1; bursts: every d1, for d2
}

type rateKind uint8

const (
	rateUnlimited rateKind = iota
	rateSteady
	rateRamp
	rateBursts
)

// Steady returns a constant rate of perSecond events per second.
func Steady(perSecond float64) Rate { return Rate{kind: rateSteady, a: perSecond} }

// Ramp returns a rate that changes linearly from from to to events per second over the
// given time, then stays at to.
func Ramp(from, to float64, over time.Duration) Rate {
	return Rate{kind: rateRamp, a: from, b: to, d1: over}
}

// Bursts returns a rate that is peak events per second for the first length of every
// period (every), and base the rest of the time. base may be 0.
func Bursts(base, peak float64, every, length time.Duration) Rate {
	return Rate{kind: rateBursts, a: base, b: peak, d1: every, d2: length}
}

// Unlimited reports whether the rate is unlimited (the zero Rate).
func (r Rate) Unlimited() bool { return r.kind == rateUnlimited }

// String describes the rate, for example "steady 5000/s".
func (r Rate) String() string {
	switch r.kind {
	case rateSteady:
		return fmt.Sprintf("steady %g/s", r.a)
	case rateRamp:
		return fmt.Sprintf("ramp %g/s to %g/s over %s", r.a, r.b, r.d1)
	case rateBursts:
		return fmt.Sprintf("bursts %g/s for %s every %s, else %g/s", r.b, r.d2, r.d1, r.a)
	}
	return "unlimited"
}

func (r Rate) validate() error {
	bad := false
	switch r.kind {
	case rateSteady:
		bad = !(r.a > 0) || math.IsInf(r.a, 0)
	case rateRamp:
		bad = !(r.a >= 0 && r.b > 0) || math.IsInf(r.a, 0) || math.IsInf(r.b, 0) || r.d1 <= 0
	case rateBursts:
		bad = !(r.a >= 0 && r.b > 0) || math.IsInf(r.a, 0) || math.IsInf(r.b, 0) || r.d1 <= 0 || r.d2 <= 0 || r.d2 > r.d1
	}
	if bad {
		return fmt.Errorf("%w: rate %s", ErrInvalidOption, r)
	}
	return nil
}

// At returns the target rate, in events per second, at the given time since the start;
// +Inf when unlimited.
func (r Rate) At(elapsed time.Duration) float64 {
	t := elapsed.Seconds()
	switch r.kind {
	case rateSteady:
		return r.a
	case rateRamp:
		if T := r.d1.Seconds(); t < T {
			return r.a + (r.b-r.a)*t/T
		}
		return r.b
	case rateBursts:
		if time.Duration(elapsed%r.d1) < r.d2 {
			return r.b
		}
		return r.a
	}
	return math.Inf(1)
}

// Due returns how many events the rate calls for from the start until elapsed: the
// integral of At. +Inf when unlimited.
func (r Rate) Due(elapsed time.Duration) float64 {
	t := elapsed.Seconds()
	switch r.kind {
	case rateSteady:
		return r.a * t
	case rateRamp:
		T := r.d1.Seconds()
		if t < T {
			return r.a*t + (r.b-r.a)*t*t/(2*T)
		}
		return (r.a+r.b)*T/2 + r.b*(t-T)
	case rateBursts:
		P, L := r.d1.Seconds(), r.d2.Seconds()
		periods := math.Floor(t / P)
		rem := t - periods*P
		due := periods * (r.b*L + r.a*(P-L))
		if rem < L {
			return due + r.b*rem
		}
		return due + r.b*L + r.a*(rem-L)
	}
	return math.Inf(1)
}

// limiter paces sends to a rate. Event n (from 0) is due once Due(elapsed) >= n: the
// first event goes at once. It is a pure function of elapsed time, so tests drive it
// with any clock.
type limiter struct {
	rate   Rate
	issued int64
}

const (
	minWait = 50 * time.Microsecond
	maxWait = 100 * time.Millisecond
)

// take returns how many events (at most limit) may be sent at elapsed, counting them as
// issued; when none may, it returns how long to wait before asking again.
func (l *limiter) take(elapsed time.Duration, limit int64) (n int64, wait time.Duration) {
	if l.rate.Unlimited() {
		l.issued += limit
		return limit, 0
	}
	due := l.due(elapsed)
	if n = min(due-l.issued, limit); n > 0 {
		l.issued += n
		return n, 0
	}
	// Time until event number l.issued is due, estimated from the current rate.
	missing := float64(l.issued) - l.rate.Due(elapsed)
	rate := l.rate.At(elapsed)
	wait = maxWait
	if rate > 0 {
		wait = time.Duration(math.Ceil(missing / rate * 1e9))
	}
	return 0, min(max(wait, minWait), maxWait)
}

// due returns the number of events due by elapsed.
func (l *limiter) due(elapsed time.Duration) int64 {
	d := l.rate.Due(elapsed)
	if d > math.MaxInt64/2 {
		return math.MaxInt64 / 2
	}
	return int64(math.Floor(d+1e-9)) + 1
}

// clock is the time source of a Producer; tests replace it.
type clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
