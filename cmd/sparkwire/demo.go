package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
	sparkdemo "github.com/sparkwire/sparkwire/demo"
	"github.com/sparkwire/sparkwire/docker/stack"
	"github.com/sparkwire/sparkwire/jobs"
	"github.com/sparkwire/sparkwire/producers"
)

type demoOptions struct {
	duration time.Duration
	rate     float64
	seed     uint64
	keep     bool
}

func newDemoCommand(g *globals) *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "The main job end to end: produce clickstream events, run the pageviews job, verify its output",
		Long: `Starts the local stack unless --connect and --brokers name one, creates topics, produces
clickstream events (with late and malformed ones) for --duration while the pageviews job counts
page views per page and minute, shows progress and results live, then checks every window
against the counts computed from the events that were sent, prints a summary, and cleans up.
Exits with 1 if the job's output differs from the ground truth.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.duration <= 0 || o.rate <= 0 {
				return usagef("--duration and --rate must be positive")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), o.duration+g.timeout)
			defer cancel()
			err := demo(ctx, g, cmd.OutOrStdout(), o)
			if err != nil {
				g.report(err)
			}
			return err
		},
	}
	cmd.Flags().DurationVar(&o.duration, "duration", 30*time.Second, "how long to produce events")
	cmd.Flags().Float64Var(&o.rate, "rate", 2000, "events per second")
	cmd.Flags().Uint64Var(&o.seed, "seed", 1, "seed of the event stream")
	cmd.Flags().BoolVar(&o.keep, "keep", false, "leave the topics, queries and a stack it started in place")
	return cmd
}

func demo(ctx context.Context, g *globals, out io.Writer, o demoOptions) (err error) {
	say := func(format string, args ...any) { fmt.Fprintf(out, "demo: "+format+"\n", args...) }

	// Endpoints: given, or a stack of our own.
	connectURL, hostBrokers := g.connectURL, g.brokerList()
	var sparkBrokers string
	if connectURL != "" && len(hostBrokers) > 0 {
		if sparkBrokers, err = g.sparkBrokers(); err != nil {
			return err
		}
	} else {
		say("starting the local stack (Kafka + Spark Connect in Docker)...")
		st, serr := stack.Start(ctx, stack.WithLogger(quietLogger{}))
		if st != nil && !o.keep {
			defer func() { _ = st.Terminate(context.WithoutCancel(ctx)) }()
		}
		if serr != nil {
			return serr
		}
		connectURL, hostBrokers, sparkBrokers = st.ConnectURL(), st.Brokers(), st.SparkBrokers()
		say("Spark Connect at %s, Kafka at %s", connectURL, strings.Join(hostBrokers, ","))
	}
	s, err := g.dial(ctx, connectURL)
	if err != nil {
		return err
	}
	defer s.Close(context.WithoutCancel(ctx))

	// Topics.
	suffix := time.Now().UTC().Format("20060102_150405")
	input := "demo_clickstream_" + suffix
	cfg := jobs.Config{
		Brokers: sparkBrokers, InputTopic: input, Name: "demo_pageviews_" + suffix,
		CheckpointDir: "/tmp/sparkwire/checkpoints/demo_" + suffix,
	}
	cfg.OutputTopic, cfg.QuarantineTopic = cfg.Name+"_out", cfg.Name+"_quarantine"
	trigger := connect.ProcessingTime(2 * time.Second)
	cfg.Trigger = &trigger
	kcl, err := kgo.NewClient(kgo.SeedBrokers(hostBrokers...))
	if err != nil {
		return err
	}
	defer kcl.Close()
	adm := kadm.NewClient(kcl)
	topics := []string{input, cfg.OutputTopic, cfg.QuarantineTopic}
	if _, err := adm.CreateTopics(ctx, 3, 1, nil, topics...); err != nil {
		return fmt.Errorf("create topics: %w", err)
	}
	if !o.keep {
		defer func() { _, _ = adm.DeleteTopics(context.WithoutCancel(ctx), topics...) }()
	}
	say("topics %s", strings.Join(topics, ", "))

	// The job, then the producer.
	run, err := jobs.PageViews().Start(ctx, s, cfg)
	if err != nil {
		return err
	}
	if !o.keep {
		defer func() { _ = run.Stop(context.WithoutCancel(ctx)) }()
	}
	say("submitted job pageviews: queries %s, %s, %s", run.Results.Name(), run.Memory.Name(), run.Quarantine.Name())

	streamOpts := []producers.StreamOption{
		producers.WithSeed(o.seed), producers.WithStart(time.Now().UTC().Truncate(time.Millisecond)),
		producers.WithInterval(time.Duration(float64(time.Second) / o.rate)),
		producers.WithLateness(0.05, 30*time.Second), producers.WithMalformed(0.01),
	}
	newStream := func() (*producers.Stream, error) {
		return producers.NewStream(producers.NewClickstream(500), streamOpts...)
	}
	stream, err := newStream()
	if err != nil {
		return err
	}
	p, err := producers.NewProducer(hostBrokers, input, producers.WithRate(producers.Steady(o.rate)), producers.WithDuration(o.duration))
	if err != nil {
		return err
	}
	defer p.Close()
	say("producing clickstream events at %.0f/s for %s (5%% late by up to 30s, 1%% malformed)", o.rate, o.duration)
	type result struct {
		m   *producers.Manifest
		err error
	}
	done := make(chan result, 1)
	go func() {
		m, err := p.Run(ctx, stream)
		done <- result{m, err}
	}()

	// Live progress while producing.
	tick := time.NewTicker(3 * time.Second)
	defer tick.Stop()
	var res result
live:
	for {
		select {
		case res = <-done:
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
	if res.err != nil {
		return fmt.Errorf("produce: %w", res.err)
	}
	m := res.m
	say("sent %d events (%d late, %d malformed), all acknowledged: %v", m.Acked, m.Late, m.Malformed, m.Failed == 0)

	// Let the job catch up, then verify against the events that were sent.
	if err := run.ProcessAllAvailable(ctx); err != nil {
		return err
	}
	top, err := s.Table(cfg.Name).
		GroupBy(connect.Col("window_start"), connect.Col("page")).Agg(F.Max(connect.Col("views")).Alias("views")).
		OrderBy(connect.Col("views").Desc()).ShowString(ctx, 10, connect.ShowOptions{Truncate: 30})
	if err == nil {
		say("busiest pages and minutes:\n%s", strings.TrimRight(top, "\n"))
	}
	truth, err := newStream()
	if err != nil {
		return err
	}
	events := make([]producers.Event, m.Produced)
	for i := range events {
		if events[i], err = truth.Next(); err != nil {
			return err
		}
	}
	want, err := sparkdemo.ExpectedPageViews(events)
	if err != nil {
		return err
	}
	got, err := sparkdemo.PageViewsFromTable(ctx, s, cfg.Name)
	if err != nil {
		return err
	}
	wrong := 0
	for k, w := range want {
		if got[k] != w {
			if wrong++; wrong <= 5 {
				say("MISMATCH window %s page %s: job says %d, events say %d", k.WindowStart.Format(time.TimeOnly), k.Page, got[k], w)
			}
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			wrong++
		}
	}
	quarantined, err := countRecords(ctx, adm, cfg.QuarantineTopic)
	if err != nil {
		return err
	}
	say("summary: %d events in %s; %d (window, page) counts checked against the events sent: %d wrong; %d malformed events quarantined of %d sent",
		m.Acked, m.FinishedAt.Sub(m.StartedAt).Round(time.Second), len(want), wrong, quarantined, m.Malformed)
	if wrong > 0 || m.Failed > 0 || quarantined != m.Malformed {
		return errors.New("demo: the job's output does not match the events sent")
	}
	say("OK: the streaming job's output equals the ground truth, window by window")
	return nil
}

func countRecords(ctx context.Context, adm *kadm.Client, topic string) (int64, error) {
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return 0, err
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) { n += o.Offset })
	return n, nil
}

// quietLogger drops testcontainers' progress messages.
type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}
