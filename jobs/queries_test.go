package jobs

import (
	"errors"
	"slices"
	"testing"
)

func TestIsRunQuery(t *testing.T) {
	for _, tc := range []struct {
		run, query string
		want       bool
	}{
		{"pv", "pv", true},
		{"pv", ResultsQueryName("pv"), true},
		{"pv", QuarantineQueryName("pv"), true},
		{"pv", OutputQueryName("pv", "spikes"), true},
		{"pv", ResultsQueryName(OutputQueryName("pv", "spikes")), true},
		{"pv", "pvx", false},
		{"pv", "xpv_kafka", false},
		{"", "pv", false},
		{"", "_kafka", false},
	} {
		if got := IsRunQuery(tc.run, tc.query); got != tc.want {
			t.Errorf("IsRunQuery(%q, %q) = %v", tc.run, tc.query, got)
		}
	}
}

// FindQueries finds every query that Start named for a run, by the run's name, and one
// query by its name or id; nothing else.
func TestFindQueries(t *testing.T) {
	_, s := serve(t)
	ctx := testCtx(t)
	run, err := PaymentsFraud().Start(ctx, s, Config{Brokers: "kafka:9092", Name: "pf"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := PageViews().Start(ctx, s, Config{Brokers: "kafka:9092", Name: "pfx"}); err != nil {
		t.Fatal(err)
	}
	names := func(ref string) []string {
		t.Helper()
		qs, err := FindQueries(ctx, s, ref)
		if err != nil {
			t.Fatalf("FindQueries(%q): %v", ref, err)
		}
		var out []string
		for _, q := range qs {
			out = append(out, q.Name())
		}
		slices.Sort(out)
		return out
	}
	var want []string
	for _, q := range run.Queries() {
		want = append(want, q.Name())
	}
	slices.Sort(want)
	if got := names("pf"); !slices.Equal(got, want) || len(got) != 5 {
		t.Errorf("run pf: %v, want %v", got, want)
	}
	if got := names("pf_spikes"); !slices.Equal(got, []string{"pf_spikes", "pf_spikes_kafka"}) {
		t.Errorf("output pf_spikes: %v", got)
	}
	q := run.Quarantine
	if got := names(q.ID()); !slices.Equal(got, []string{"pf_quarantine"}) {
		t.Errorf("by id: %v", got)
	}
	_, err = FindQueries(ctx, s, "nope")
	var nq *NoQueryError
	if !errors.As(err, &nq) || nq.Ref != "nope" || err.Error() != `no active query or job named "nope"` {
		t.Errorf("err = %v", err)
	}
}
