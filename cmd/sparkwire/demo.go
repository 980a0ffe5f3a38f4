package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sparkwire/sparkwire/demo"
	"github.com/sparkwire/sparkwire/docker/stack"
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
			if err := checkDurations(durationFlag{"--duration", o.duration, true}); err != nil {
				return err
			}
			if err := checkRate("--rate", o.rate); err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), o.duration+g.timeout)
			defer cancel()
			return runDemo(ctx, g, cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().DurationVar(&o.duration, "duration", 30*time.Second, "how long to produce events")
	cmd.Flags().Float64Var(&o.rate, "rate", 2000, "events per second")
	cmd.Flags().Uint64Var(&o.seed, "seed", 1, "seed of the event stream")
	cmd.Flags().BoolVar(&o.keep, "keep", false, "leave the topics, queries and a stack it started in place")
	return cmd
}

// runDemo finds or starts the stack (the endpoints given, else the running stack that 'up'
// recorded, else a stack of its own that it removes at the end), then runs the demo scenario
// (package demo) on it.
func runDemo(ctx context.Context, g *globals, out io.Writer, o demoOptions) (err error) {
	say := func(format string, args ...any) { fmt.Fprintf(out, "demo: "+format+"\n", args...) }

	// Endpoints: given, or a stack of our own.
	hostBrokers, err := g.brokerList()
	if err != nil {
		return err
	}
	connectURL := g.connectURL
	var sparkBrokers string
	if connectURL != "" && len(hostBrokers) > 0 {
		if sparkBrokers, err = g.sparkBrokers(); err != nil {
			return err
		}
	} else if st := g.liveRecordedStack(ctx); connectURL == "" && len(hostBrokers) == 0 && st != nil {
		connectURL, hostBrokers, sparkBrokers = st.ConnectURL, st.Brokers, st.SparkBrokers
		say("using the stack 'sparkwire up' started: Spark Connect at %s, Kafka at %s", connectURL, strings.Join(hostBrokers, ","))
	} else {
		g.routeDockerLogs()
		if err := g.buildImages(ctx); err != nil {
			return err
		}
		say("starting the local stack (Kafka + Spark Connect in Docker)...")
		st, serr := stack.Start(ctx, stack.WithLogger(g.stackLogger()))
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
	_, err = demo.Run(ctx, s, demo.Config{
		Brokers: hostBrokers, SparkBrokers: sparkBrokers,
		Duration: o.duration, Rate: o.rate, Seed: o.seed, Keep: o.keep, Progress: out,
	})
	return err
}

// liveRecordedStack returns the stack that 'sparkwire up' recorded when all its containers
// are running, or nil.
func (g *globals) liveRecordedStack(ctx context.Context) *stackState {
	st, err := loadState()
	if err != nil || st.ID == "" || st.ConnectURL == "" || len(st.Brokers) == 0 {
		return nil
	}
	running, total, err := stack.Alive(ctx, st.ID, stack.WithLogger(g.stackLogger()))
	if err != nil || running == 0 || running != total {
		return nil
	}
	return st
}
