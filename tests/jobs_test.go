package tests

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/jobs"
	"github.com/sparkwire/sparkwire/producers"
)

// jobInput produces n events of a domain with a seed, late and malformed shares, and
// returns the events as generated (the ground truth) with the producer's manifest.
// Generators keep state, so newGen makes a fresh one for each pass over the stream.
func jobInput(t *testing.T, ctx context.Context, topic string, newGen func() producers.Generator, n int64, opts ...producers.StreamOption) ([]producers.Event, *producers.Manifest) {
	t.Helper()
	stream := func() *producers.Stream {
		s, err := producers.NewStream(newGen(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	p, err := producers.NewProducer(env.Brokers(), topic, producers.WithCount(n))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	m, err := p.Run(ctx, stream())
	if err != nil {
		t.Fatalf("produce: %v", err)
	}
	if m.Acked != n || m.Failed != 0 {
		t.Fatalf("manifest: acked %d, failed %d, want %d acked", m.Acked, m.Failed, n)
	}
	// The same seed gives the same events: regenerate them for the ground truth.
	s := stream()
	events := make([]producers.Event, n)
	for i := range events {
		if events[i], err = s.Next(); err != nil {
			t.Fatal(err)
		}
	}
	return events, m
}

// runJob starts a job on the test topics and waits until it has processed all input.
func runJob(t *testing.T, ctx context.Context, s *connect.Session, job *jobs.Job, input string) *jobs.Run {
	t.Helper()
	name := uniqueName(job.Name)
	run, err := job.Start(ctx, s, jobs.Config{
		Brokers:         env.SparkBrokers(),
		InputTopic:      input,
		OutputTopic:     newTopic(t, ctx, 1),
		QuarantineTopic: newTopic(t, ctx, 1),
		Name:            name,
		CheckpointDir:   "/tmp/sparkwire-checkpoints/" + name,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopRun(run) })
	if err := run.ProcessAllAvailable(ctx); err != nil {
		t.Fatal(err)
	}
	return run
}

// checkQuarantine checks the quarantine topic as a multiset: each malformed event is there
// exactly once (by its raw value), keyed by the job's name, with the reason for its kind of
// malformation: a record cut short (syntax) or with a field of the wrong type (wrong_type)
// does not parse, and one without a field (missing_field) names that field. The input must
// hold every kind.
func checkQuarantine(t *testing.T, ctx context.Context, run *jobs.Run, events []producers.Event) {
	t.Helper()
	const unparsable = "unparsable JSON or a field of the wrong type"
	want := map[string]int{}
	reasons := map[string]string{}
	kinds := map[producers.Malformation]int{}
	for _, e := range events {
		if e.Malformed == producers.MalformedNone {
			continue
		}
		raw := string(e.Value)
		want[raw]++
		kinds[e.Malformed]++
		switch e.Malformed {
		case producers.MalformedSyntax, producers.MalformedWrongType:
			reasons[raw] = unparsable
		case producers.MalformedMissingField:
			var m map[string]any
			if err := json.Unmarshal(e.Value, &m); err != nil {
				t.Fatalf("event %d, missing a field, is not JSON: %v", e.Seq, err)
			}
			var missing []string
			for _, f := range run.Job.Input.Fields {
				if _, ok := m[f.Name]; !ok {
					missing = append(missing, f.Name)
				}
			}
			if len(missing) != 1 {
				t.Fatalf("event %d should miss one field, misses %v: %s", e.Seq, missing, raw)
			}
			reasons[raw] = "missing field " + missing[0]
		default:
			t.Fatalf("event %d: unknown malformation %v", e.Seq, e.Malformed)
		}
	}
	for _, k := range []producers.Malformation{producers.MalformedSyntax, producers.MalformedWrongType, producers.MalformedMissingField} {
		if kinds[k] == 0 {
			t.Errorf("the input has no malformed event of kind %s", k)
		}
	}
	got := map[string]int{}
	bad := 0
	for _, rec := range consumeAll(t, ctx, run.Config.QuarantineTopic) {
		var q struct{ Reason, Raw string }
		if err := json.Unmarshal(rec.Value, &q); err != nil {
			t.Fatalf("quarantine record %s: %v", rec.Value, err)
		}
		got[q.Raw]++
		switch r, ok := reasons[q.Raw]; {
		case !ok:
			if bad++; bad <= 5 {
				t.Errorf("quarantined %q (reason %q): not one of the malformed events", q.Raw, q.Reason)
			}
		case q.Reason != r || string(rec.Key) != run.Job.Name:
			if bad++; bad <= 5 {
				t.Errorf("quarantined %q with key %q and reason %q, want key %q and reason %q", q.Raw, rec.Key, q.Reason, run.Job.Name, r)
			}
		}
	}
	for raw, n := range want {
		if got[raw] != n {
			if bad++; bad <= 5 {
				t.Errorf("malformed event %q is in the quarantine %d times, want %d", raw, got[raw], n)
			}
		}
	}
	if bad > 5 {
		t.Errorf("... %d quarantine errors in all", bad)
	}
	t.Logf("quarantine: %d records, kinds %v", len(want), kinds)
}

// The page views job: counts per page and minute equal those computed from the events,
// window by window, in the memory table and in the output topic; malformed events are
// quarantined, none lost.
func TestJobPageViews(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	input := newTopic(t, ctx, 3)
	events, m := jobInput(t, ctx, input, func() producers.Generator { return producers.NewClickstream(200) }, 6000,
		producers.WithSeed(42), producers.WithInterval(50*time.Millisecond),
		producers.WithLateness(0.05, time.Minute), producers.WithMalformed(0.02))
	if m.Malformed == 0 || m.Late == 0 {
		t.Fatalf("the input should have malformed and late events: %+v", m)
	}

	// Ground truth: every well-formed page view counts (all input is in the first batch, so
	// the watermark drops nothing).
	expected, err := ExpectedPageViews(events)
	if err != nil {
		t.Fatal(err)
	}
	want := map[windowKey]int64{}
	for k, v := range expected {
		want[windowKey{k.WindowStart, k.Page}] = v
	}

	run := runJob(t, ctx, s, jobs.PageViews(), input)
	table, err := PageViewsFromTable(ctx, s, run.Config.Name)
	if err != nil {
		t.Fatal(err)
	}
	got := map[windowKey]int64{}
	for k, v := range table {
		got[windowKey{k.WindowStart, k.Page}] = v
	}
	assertCounts(t, "memory table", got, want)

	fromKafka := map[windowKey]int64{}
	for _, rec := range consumeAll(t, ctx, run.Config.OutputTopic) {
		var v struct {
			WindowStart time.Time `json:"window_start"`
			Page        string
			Views       int64
		}
		if err := json.Unmarshal(rec.Value, &v); err != nil {
			t.Fatal(err)
		}
		if want := sparkTime(v.WindowStart) + "|" + v.Page; string(rec.Key) != want {
			t.Errorf("output key %q, want %q", rec.Key, want)
		}
		k := windowKey{v.WindowStart.UTC(), v.Page}
		fromKafka[k] = max(fromKafka[k], v.Views)
	}
	assertCounts(t, "output topic", fromKafka, want)
	checkQuarantine(t, ctx, run, events)
	t.Logf("%d events (%d late, %d malformed) -> %d windows", len(events), m.Late, m.Malformed, len(want))
}
