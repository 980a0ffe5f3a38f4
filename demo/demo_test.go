package demo

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/producers"
)

// Run checks its configuration before it touches Kafka or Spark.
func TestRunValidates(t *testing.T) {
	ok := Config{Brokers: []string{"localhost:1"}, SparkBrokers: "kafka:9093", Duration: time.Second, Rate: 10}
	for _, tc := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.Brokers = nil }, "Brokers and SparkBrokers are required"},
		{func(c *Config) { c.SparkBrokers = "" }, "Brokers and SparkBrokers are required"},
		{func(c *Config) { c.Duration = 0 }, "duration and rate must be positive (got 0s and 10)"},
		{func(c *Config) { c.Rate = -1 }, "duration and rate must be positive (got 1s and -1)"},
		{func(c *Config) { c.ProgressEvery = -time.Second }, "negative progress interval"},
	} {
		c := ok
		tc.change(&c)
		// A nil session: validation must fail before it is used.
		res, err := Run(context.Background(), nil, c)
		if err == nil || !strings.Contains(err.Error(), tc.want) || res != nil {
			t.Errorf("%+v: %v, %v; want %q", c, res, err, tc.want)
		}
	}
}

func TestCompare(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	k := func(min int, page string) PageViewKey {
		return PageViewKey{t0.Add(time.Duration(min) * time.Minute), page}
	}
	want := map[PageViewKey]int64{k(0, "/"): 3, k(0, "/cart"): 1, k(1, "/"): 2, k(2, "/"): 5}
	if got := compare(want, map[PageViewKey]int64{k(0, "/"): 3, k(0, "/cart"): 1, k(1, "/"): 2, k(2, "/"): 5}); len(got) != 0 {
		t.Errorf("equal maps: %v", got)
	}
	got := compare(want, map[PageViewKey]int64{k(0, "/"): 3, k(1, "/"): 1, k(2, "/"): 5, k(9, "/x"): 4})
	wantM := []mismatch{{k(0, "/cart"), 0, 1, true}, {k(1, "/"), 1, 2, true}, {k(9, "/x"), 4, 0, false}}
	if len(got) != len(wantM) {
		t.Fatalf("got %v, want %v", got, wantM)
	}
	for i := range got {
		if got[i] != wantM[i] {
			t.Errorf("mismatch %d: %+v, want %+v", i, got[i], wantM[i])
		}
	}
}

func TestResultOK(t *testing.T) {
	m := &producers.Manifest{Malformed: 3}
	for _, tc := range []struct {
		r    Result
		want bool
	}{
		{Result{Manifest: m, Quarantined: 3}, true},
		{Result{Manifest: m, Quarantined: 2}, false},
		{Result{Manifest: m, Quarantined: 3, Wrong: 1}, false},
		{Result{Manifest: &producers.Manifest{Malformed: 3, Failed: 1}, Quarantined: 3}, false},
		{Result{}, false},
	} {
		if got := tc.r.OK(); got != tc.want {
			t.Errorf("%+v: OK = %v", tc.r, got)
		}
	}
}
