// Package demo is sparkwire's demonstration scenario, the one `sparkwire demo` runs: it
// produces clickstream events (with late and malformed ones) to Kafka while the pageviews
// job (jobs.PageViews) counts page views per page and minute, shows progress, then checks
// every window of the job's result against the counts computed from the events that were
// sent ([ExpectedPageViews]), the same ground truth the end-to-end tests check the job
// against.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
	"github.com/sparkwire/sparkwire/jobs"
	"github.com/sparkwire/sparkwire/producers"
)

// ErrMismatch is returned by [Run] when the job's output differs from the ground truth,
// a record was not delivered, or the quarantine does not hold every malformed event.
var ErrMismatch = errors.New("demo: the job's output does not match the events sent")

// Config says where the demo runs and what it produces.
type Config struct {
	// Brokers are the Kafka brokers as this process reaches them (for the producer and
	// the topics). Required.
	Brokers []string
	// SparkBrokers is the bootstrap list as the Spark server reaches Kafka. Required.
	SparkBrokers string
	// Duration is how long to produce events; it must be positive.
	Duration time.Duration
	// Rate is the number of events per second; it must be positive.
	Rate float64
	// Seed is the seed of the event stream.
	Seed uint64
	// Keep leaves the topics and the job's queries in place at the end.
	Keep bool
	// Suffix ends the names of the topics, the job's run and its checkpoints; the
	// default is the UTC time, 20060102_150405.
	Suffix string
	// Progress, if set, receives the demo's narration: what it does, live progress
	// every 3 seconds, the busiest pages and the summary.
	Progress io.Writer
	// ProgressEvery is the interval of live progress lines; default 3 seconds.
	ProgressEvery time.Duration
}

func (c *Config) validate() error {
	switch {
	case len(c.Brokers) == 0 || c.SparkBrokers == "":
		return errors.New("demo: Brokers and SparkBrokers are required")
	case c.Duration <= 0 || c.Rate <= 0:
		return fmt.Errorf("demo: duration and rate must be positive (got %v and %v)", c.Duration, c.Rate)
	case c.ProgressEvery < 0:
		return fmt.Errorf("demo: negative progress interval %v", c.ProgressEvery)
	}
	return nil
}

// Result is what a demo run sent and checked.
type Result struct {
	// Input, Output and Quarantine are the topics; Run is the job's run name (also its
	// memory table).
	Input, Output, Quarantine, Run string
	// Manifest is the producer's record of what the broker acknowledged.
	Manifest *producers.Manifest
	// Checked is the number of (window, page) counts of the ground truth; Wrong the
	// number of them the job got wrong, plus the windows the job has and the truth has
	// not.
	Checked, Wrong int
	// Quarantined is the number of records in the quarantine topic.
	Quarantined int64
}

// OK reports whether the job's output equals the ground truth: no wrong count, every
// record delivered, and every malformed event quarantined.
func (r *Result) OK() bool {
	return r.Wrong == 0 && r.Manifest != nil && r.Manifest.Failed == 0 && r.Quarantined == r.Manifest.Malformed
}

// Run runs the demo on the session s and the Kafka brokers of c: it creates the topics,
// starts the pageviews job, produces for c.Duration at c.Rate, waits for the job to
// process everything, and checks its result. It returns the result with [ErrMismatch]
// when the check fails. Unless c.Keep, it stops the job's queries and deletes the
// topics before it returns.
func Run(ctx context.Context, s *connect.Session, c Config) (res *Result, err error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	out := c.Progress
	if out == nil {
		out = io.Discard
	}
	every := c.ProgressEvery
	if every == 0 {
		every = 3 * time.Second
	}
	say := func(format string, args ...any) { fmt.Fprintf(out, "demo: "+format+"\n", args...) }
	suffix := c.Suffix
	if suffix == "" {
		suffix = time.Now().UTC().Format("20060102_150405")
	}

	// Topics.
	input := "demo_clickstream_" + suffix
	cfg := jobs.Config{
		Brokers: c.SparkBrokers, InputTopic: input, Name: "demo_pageviews_" + suffix,
		CheckpointDir: "/tmp/sparkwire/checkpoints/demo_" + suffix,
	}
	cfg.OutputTopic, cfg.QuarantineTopic = cfg.Name+"_out", cfg.Name+"_quarantine"
	trigger := connect.ProcessingTime(2 * time.Second)
	cfg.Trigger = &trigger
	res = &Result{Input: input, Output: cfg.OutputTopic, Quarantine: cfg.QuarantineTopic, Run: cfg.Name}
	kcl, err := kgo.NewClient(kgo.SeedBrokers(c.Brokers...))
	if err != nil {
		return nil, err
	}
	defer kcl.Close()
	adm := kadm.NewClient(kcl)
	topics := []string{input, cfg.OutputTopic, cfg.QuarantineTopic}
	specs := make([]producers.Topic, len(topics))
	for i, name := range topics {
		specs[i] = producers.Topic{Name: name, Partitions: 3, Replication: 1}
	}
	if err := producers.CreateTopics(ctx, c.Brokers, specs); err != nil {
		return nil, err
	}
	if !c.Keep {
		defer func() { _, _ = adm.DeleteTopics(context.WithoutCancel(ctx), topics...) }()
	}
	say("topics %s", strings.Join(topics, ", "))

	// The job, then the producer.
	run, err := jobs.PageViews().Start(ctx, s, cfg)
	if err != nil {
		return nil, err
	}
	if !c.Keep {
		defer func() { _ = run.Stop(context.WithoutCancel(ctx)) }()
	}
	say("submitted job pageviews: queries %s, %s, %s", run.Results.Name(), run.Memory.Name(), run.Quarantine.Name())

	streamOpts := []producers.StreamOption{
		producers.WithSeed(c.Seed), producers.WithStart(time.Now().UTC().Truncate(time.Millisecond)),
		producers.WithInterval(time.Duration(float64(time.Second) / c.Rate)),
		producers.WithLateness(0.05, 30*time.Second), producers.WithMalformed(0.01),
	}
	newStream := func() (*producers.Stream, error) {
		return producers.NewStream(producers.NewClickstream(500), streamOpts...)
	}
	stream, err := newStream()
	if err != nil {
		return nil, err
	}
	p, err := producers.NewProducer(c.Brokers, input, producers.WithRate(producers.Steady(c.Rate)), producers.WithDuration(c.Duration))
	if err != nil {
		return nil, err
	}
	defer p.Close()
	say("producing clickstream events at %.0f/s for %s (5%% late by up to 30s, 1%% malformed)", c.Rate, c.Duration)
	type produced struct {
		m   *producers.Manifest
		err error
	}
	done := make(chan produced, 1)
	go func() {
		m, err := p.Run(ctx, stream)
		done <- produced{m, err}
	}()

	// Live progress while producing.
	tick := time.NewTicker(every)
	defer tick.Stop()
	var pr produced
live:
	for {
		select {
		case pr = <-done:
			break live
		case <-tick.C:
			st := p.Stats()
			line := fmt.Sprintf("%5.0fs  sent %d (%.0f/s)", st.Elapsed.Seconds(), st.Acked, float64(st.Acked)/max(st.Elapsed.Seconds(), 0.001))
			if lp, err := run.Memory.LastProgress(ctx); err == nil && lp != nil {
				line += fmt.Sprintf("  |  batch %d: %d rows, %.0f rows/s processed, %d ms", lp.BatchID, lp.NumInputRows, lp.ProcessedRowsPerSecond, lp.BatchDuration)
			}
			fmt.Fprintln(out, line)
		}
	}
	if pr.err != nil {
		return nil, fmt.Errorf("produce: %w", pr.err)
	}
	m := pr.m
	res.Manifest = m
	say("sent %d events (%d late, %d malformed), all acknowledged: %v", m.Acked, m.Late, m.Malformed, m.Failed == 0)

	// Let the job catch up, then verify against the events that were sent.
	if err := run.ProcessAllAvailable(ctx); err != nil {
		return nil, err
	}
	top, err := s.Table(cfg.Name).
		GroupBy(connect.Col("window_start"), connect.Col("page")).Agg(F.Max(connect.Col("views")).Alias("views")).
		OrderBy(connect.Col("views").Desc()).ShowString(ctx, 10, connect.ShowOptions{Truncate: 30})
	if err == nil {
		say("busiest pages and minutes:\n%s", strings.TrimRight(top, "\n"))
	}
	truth, err := newStream()
	if err != nil {
		return nil, err
	}
	events := make([]producers.Event, m.Produced)
	for i := range events {
		if events[i], err = truth.Next(); err != nil {
			return nil, err
		}
	}
	want, err := ExpectedPageViews(events)
	if err != nil {
		return nil, err
	}
	got, err := PageViewsFromTable(ctx, s, cfg.Name)
	if err != nil {
		return nil, err
	}
	res.Checked = len(want)
	wrong := compare(want, got)
	res.Wrong = len(wrong)
	for i, w := range wrong {
		if i == 5 {
			break
		}
		if w.inTruth {
			say("MISMATCH window %s page %s: job says %d, events say %d", w.key.WindowStart.Format(time.TimeOnly), w.key.Page, w.got, w.want)
		}
	}
	if res.Quarantined, err = countRecords(ctx, adm, cfg.QuarantineTopic); err != nil {
		return nil, err
	}
	say("summary: %d events in %s; %d (window, page) counts checked against the events sent: %d wrong; %d malformed events quarantined of %d sent",
		m.Acked, m.FinishedAt.Sub(m.StartedAt).Round(time.Second), res.Checked, res.Wrong, res.Quarantined, m.Malformed)
	if !res.OK() {
		return res, ErrMismatch
	}
	say("OK: the streaming job's output equals the ground truth, window by window")
	return res, nil
}

// mismatch is a (window, page) count on which the job and the ground truth differ.
type mismatch struct {
	key       PageViewKey
	got, want int64
	inTruth   bool // the truth has the key (else only the job has it)
}

// compare returns the counts on which got differs from want: first those of want, in
// window then page order, then the keys only got has.
func compare(want, got map[PageViewKey]int64) []mismatch {
	var out []mismatch
	for k, w := range want {
		if got[k] != w {
			out = append(out, mismatch{k, got[k], w, true})
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			out = append(out, mismatch{k, g, 0, false})
		}
	}
	slices.SortFunc(out, func(a, b mismatch) int {
		if a.inTruth != b.inTruth {
			if a.inTruth {
				return -1
			}
			return 1
		}
		if c := a.key.WindowStart.Compare(b.key.WindowStart); c != 0 {
			return c
		}
		return strings.Compare(a.key.Page, b.key.Page)
	})
	return out
}

// countRecords returns the number of records in a topic: the sum of its partitions'
// end offsets (the demo's topics are new, so they start at 0).
func countRecords(ctx context.Context, adm *kadm.Client, topic string) (int64, error) {
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return 0, err
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) { n += o.Offset })
	return n, nil
}
