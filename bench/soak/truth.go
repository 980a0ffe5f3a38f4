package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sparkwire/sparkwire/demo"
	"github.com/sparkwire/sparkwire/producers"
)

// streamSpec is what the producer child was told: with it the soak makes the same events
// again for the ground truth. Its flags are those of `sparkwire produce`.
type streamSpec struct {
	Seed        uint64
	Rate        float64
	Start       time.Time
	LateShare   float64
	MaxLateness time.Duration
	Malformed   float64
}

// produceArgs returns the `sparkwire produce` flags of the stream.
func (s streamSpec) produceArgs() []string {
	return []string{
		"--domain", "clickstream", "--encoding", "json",
		"--seed", fmt.Sprint(s.Seed), "--rate", fmt.Sprint(s.Rate),
		"--start", s.Start.UTC().Format(time.RFC3339Nano),
		"--late-share", fmt.Sprint(s.LateShare), "--max-lateness", s.MaxLateness.String(),
		"--malformed-share", fmt.Sprint(s.Malformed),
	}
}

// stream builds the event stream the way `sparkwire produce` does from produceArgs
// (cmd/sparkwire/produce.go: the domain's default keys, the interval 1s/rate).
func (s streamSpec) stream(ctx context.Context) (*producers.Stream, error) {
	gen, err := producers.NewGeneratorContext(ctx, "clickstream", 0)
	if err != nil {
		return nil, err
	}
	opts := []producers.StreamOption{
		producers.WithSeed(s.Seed),
		producers.WithEncoding(producers.EncodingJSON),
		producers.WithMalformed(s.Malformed),
		producers.WithInterval(max(time.Duration(float64(time.Second)/s.Rate), time.Nanosecond)),
		producers.WithStart(s.Start),
	}
	if s.LateShare > 0 {
		opts = append(opts, producers.WithLateness(s.LateShare, s.MaxLateness))
	}
	return producers.NewStream(gen, opts...)
}

// truth is the ground truth of a soak: the expected pageviews counts, computed from the
// events the producer made, and the check that the events made here are the ones it sent.
type truth struct {
	Want map[demo.PageViewKey]int64
	// Events is the number of events made again; WindowsAgree reports whether their
	// well-formed events per event-time window, and their malformed ones, equal the
	// producer's manifest (the events are the ones it sent).
	Events       int64
	WindowsAgree bool
	WindowDiffs  []string
}

// groundTruth makes the manifest's m.Produced events again, in chunks, and computes the
// pageviews job's expected counts with [demo.ExpectedPageViews].
func groundTruth(ctx context.Context, spec streamSpec, m *producers.Manifest) (*truth, error) {
	st, err := spec.stream(ctx)
	if err != nil {
		return nil, err
	}
	t := &truth{Want: map[demo.PageViewKey]int64{}}
	window := time.Duration(m.WindowMillis) * time.Millisecond
	if window <= 0 {
		window = time.Minute
	}
	perWindow := map[string]int64{}
	var malformed int64
	chunk := make([]producers.Event, 0, 10000)
	flush := func() error {
		want, err := demo.ExpectedPageViews(chunk)
		if err != nil {
			return err
		}
		for k, v := range want {
			t.Want[k] += v
		}
		chunk = chunk[:0]
		return nil
	}
	for t.Events < m.Produced {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e, err := st.Next()
		if err != nil {
			return nil, err
		}
		t.Events++
		if e.Malformed != producers.MalformedNone {
			malformed++
		} else {
			perWindow[e.EventTime.Truncate(window).UTC().Format(time.RFC3339)]++
		}
		// Next's slices stay valid: the stream carves every event from fresh buffers.
		if chunk = append(chunk, e); len(chunk) == cap(chunk) {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	for _, w := range slices.Sorted(maps.Keys(perWindow)) {
		if got := m.Windows[w].Events; got != perWindow[w] {
			t.WindowDiffs = append(t.WindowDiffs, fmt.Sprintf("window %s: %d events made again, manifest %d", w, perWindow[w], got))
		}
	}
	for w, c := range m.Windows {
		if _, ok := perWindow[w]; !ok && c.Events > 0 {
			t.WindowDiffs = append(t.WindowDiffs, fmt.Sprintf("window %s: no event made again, manifest %d", w, c.Events))
		}
	}
	if malformed != m.Malformed {
		t.WindowDiffs = append(t.WindowDiffs, fmt.Sprintf("malformed: %d made again, manifest %d", malformed, m.Malformed))
	}
	t.WindowsAgree = len(t.WindowDiffs) == 0
	return t, nil
}

// comparison is one source of the job's results checked against the ground truth.
type comparison struct {
	Source string
	// Checked is the number of (window, page) counts of the ground truth; Equal those the
	// source has right.
	Checked, Equal int
	// Missing: counts of the truth the source does not have (all their events lost);
	// Under and Over: counts lower and higher than the truth; Extra: counts the truth
	// does not have.
	Missing, Under, Over, Extra int
	// LostEvents and DuplicatedEvents sum the differences: page views missing from, or
	// counted more than once in, the source.
	LostEvents, DuplicatedEvents int64
}

// OK reports whether the source equals the ground truth.
func (c comparison) OK() bool {
	return c.Equal == c.Checked && c.Extra == 0 && c.Checked > 0
}

func compareCounts(source string, want, got map[demo.PageViewKey]int64) comparison {
	c := comparison{Source: source, Checked: len(want)}
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			c.Missing++
			c.LostEvents += w
		case g == w:
			c.Equal++
		case g < w:
			c.Under++
			c.LostEvents += w - g
		default:
			c.Over++
			c.DuplicatedEvents += g - w
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			c.Extra++
			c.DuplicatedEvents += g
		}
	}
	return c
}

// outputCounts reads the job's output topic from the start to its end now: the final count
// of a (window, page) is the largest count written for it (update mode writes a window
// again whenever its count grows; a replayed micro-batch writes the same counts again).
// It returns the counts and the number of records read.
func outputCounts(ctx context.Context, brokers []string, adm *kadm.Client, topic string) (map[demo.PageViewKey]int64, int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, 0, fmt.Errorf("output topic %s: %w", topic, err)
	}
	want := map[int32]int64{}
	parts := map[int32]kgo.Offset{}
	var total int64
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			want[o.Partition] = o.Offset
			parts[o.Partition] = kgo.NewOffset().AtStart()
			total += o.Offset
		}
	})
	got := map[demo.PageViewKey]int64{}
	if total == 0 {
		return got, 0, nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: parts}))
	if err != nil {
		return nil, 0, err
	}
	defer cl.Close()
	var read int64
	var decodeErr error
	for len(want) > 0 {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			return nil, read, fmt.Errorf("output topic %s: %w (%d of %d records read)", topic, err, read, total)
		}
		fs.EachRecord(func(r *kgo.Record) {
			end, ok := want[r.Partition]
			if !ok || r.Offset >= end {
				return
			}
			read++
			if r.Offset == end-1 {
				delete(want, r.Partition)
			}
			var v struct {
				WindowStart time.Time `json:"window_start"`
				Page        string    `json:"page"`
				Views       int64     `json:"views"`
			}
			if err := json.Unmarshal(r.Value, &v); err != nil {
				if decodeErr == nil {
					decodeErr = fmt.Errorf("output topic %s, partition %d offset %d: %w", topic, r.Partition, r.Offset, err)
				}
				return
			}
			k := demo.PageViewKey{WindowStart: v.WindowStart.UTC(), Page: v.Page}
			got[k] = max(got[k], v.Views)
		})
	}
	return got, read, decodeErr
}

// utcKeys returns the counts with their window starts in UTC, as the ground truth has them.
func utcKeys(m map[demo.PageViewKey]int64) map[demo.PageViewKey]int64 {
	out := make(map[demo.PageViewKey]int64, len(m))
	for k, v := range m {
		out[demo.PageViewKey{WindowStart: k.WindowStart.UTC(), Page: k.Page}] = v
	}
	return out
}
