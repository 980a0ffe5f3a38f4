package producers

import (
	"context"
	"math"
	"testing"
	"time"
)

func TestRateDue(t *testing.T) {
	for _, c := range []struct {
		rate Rate
		at   time.Duration
		due  float64
	}{
		{Steady(1000), 10 * time.Second, 10_000},
		{Steady(0.5), time.Minute, 30},
		{Ramp(0, 2000, 10*time.Second), 10 * time.Second, 10_000},
		{Ramp(0, 2000, 10*time.Second), 5 * time.Second, 2_500},
		{Ramp(1000, 3000, 10*time.Second), 20 * time.Second, 20_000 + 30_000},
		{Bursts(100, 10_000, 10*time.Second, time.Second), 10 * time.Second, 10_000 + 900},
		{Bursts(100, 10_000, 10*time.Second, time.Second), 25 * time.Second, 2*10_900 + 10_000 + 400},
		{Bursts(0, 10_000, 10*time.Second, time.Second), 500 * time.Millisecond, 5_000},
	} {
		if got := c.rate.Due(c.at); math.Abs(got-c.due) > 1e-6 {
			t.Errorf("%s: due at %s = %v, want %v", c.rate, c.at, got, c.due)
		}
	}
	if !math.IsInf(Rate{}.Due(time.Second), 1) || !(Rate{}).Unlimited() {
		t.Error("zero rate is not unlimited")
	}
	if got := Bursts(1, 9, time.Second, 100*time.Millisecond).At(1050 * time.Millisecond); got != 9 {
		t.Errorf("burst rate %v", got)
	}
}

func TestRateValidation(t *testing.T) {
	for _, r := range []Rate{Steady(0), Steady(-1), Steady(math.Inf(1)), Ramp(0, 0, time.Second), Ramp(1, 2, 0),
		Bursts(1, 10, time.Second, 2*time.Second), Bursts(-1, 10, time.Second, time.Millisecond)} {
		if r.validate() == nil {
			t.Errorf("%s validates", r)
		}
	}
}

// The limiter on its own, at chosen instants: no clock at all.
func TestLimiterTake(t *testing.T) {
	l := limiter{rate: Steady(100)}
	if n, _ := l.take(0, 1000); n != 1 {
		t.Fatalf("at 0: %d events, want 1 (the first goes at once)", n)
	}
	n, wait := l.take(5*time.Millisecond, 1000)
	if n != 0 || wait != 5*time.Millisecond {
		t.Fatalf("at 5ms: %d events, wait %s; want 0, 5ms", n, wait)
	}
	if n, _ := l.take(time.Second, 1000); n != 100 {
		t.Fatalf("at 1s: %d events, want 100", n)
	}
	if n, _ := l.take(2*time.Second, 30); n != 30 {
		t.Fatalf("capped at 30: %d", n)
	}
	if n, _ := l.take(2*time.Second, 1000); n != 70 {
		t.Fatalf("rest at 2s: %d, want 70", n)
	}
	if l.issued != 201 {
		t.Fatalf("issued %d", l.issued)
	}
	if _, wait := (&limiter{rate: Bursts(0, 10, time.Hour, time.Second), issued: 11}).take(2*time.Second, 10); wait != maxWait {
		t.Errorf("wait with no rate: %s, want %s", wait, maxWait)
	}
}

// Whole runs on the fake clock and fake broker: the rate is met to within an event, and
// no event is sent before it is due.
func TestRunRateAccuracy(t *testing.T) {
	for _, c := range []struct {
		rate     Rate
		duration time.Duration
		want     int64
	}{
		{Steady(1000), 10 * time.Second, 10_000},
		{Steady(7.5), time.Minute, 450},
		{Steady(100_000), time.Second, 100_000},
		{Ramp(0, 2000, 10*time.Second), 10 * time.Second, 10_000},
		{Ramp(500, 1500, 4*time.Second), 6 * time.Second, 4000 + 3000},
		{Bursts(100, 5000, 5*time.Second, time.Second), 20 * time.Second, 4 * (5000 + 400)},
	} {
		t.Run(c.rate.String(), func(t *testing.T) {
			p, fk, fc, err := newFakeProducer(3, WithRate(c.rate), WithDuration(c.duration))
			if err != nil {
				t.Fatal(err)
			}
			start := fc.Now()
			m, err := p.Run(context.Background(), newTestStream(t, "iot"))
			if err != nil {
				t.Fatal(err)
			}
			if m.Stopped != "duration" {
				t.Errorf("stopped by %q", m.Stopped)
			}
			if d := m.Acked - c.want; d < -1 || d > 1 {
				t.Errorf("sent %d events in %s, want %d±1", m.Acked, c.duration, c.want)
			}
			for i, at := range fk.sendTime {
				el := at.Sub(start)
				if el > c.duration {
					t.Fatalf("event %d sent at %s, after the duration", i, el)
				}
				due := c.rate.Due(el)
				if float64(i) > due+1e-6 {
					t.Fatalf("event %d sent at %s, when only %.3f were due", i, el, due)
				}
				// Not late either: sent within a wait quantum of when it became due.
				if later := c.rate.Due(el - minWait - time.Microsecond); i > 0 && float64(i) < later-1 {
					t.Fatalf("event %d sent at %s, %.1f events behind", i, el, later-float64(i))
				}
			}
		})
	}
}

func TestRunCountLimit(t *testing.T) {
	p, _, fc, err := newFakeProducer(1, WithRate(Steady(100)), WithCount(250))
	if err != nil {
		t.Fatal(err)
	}
	start := fc.Now()
	m, err := p.Run(context.Background(), newTestStream(t, "iot"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Acked != 250 || m.Stopped != "count" {
		t.Errorf("acked %d, stopped %q", m.Acked, m.Stopped)
	}
	// Event 249 is due at 2.49s.
	if el := fc.Now().Sub(start); el < 2490*time.Millisecond || el > 2500*time.Millisecond {
		t.Errorf("took %s of fake time", el)
	}
	if st := p.Stats(); st.Target != 250 || st.Lag() != 0 {
		t.Errorf("stats %+v", st)
	}
}
