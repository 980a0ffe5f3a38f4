package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/jobs"
)

func newRunCommand(g *globals) *cobra.Command {
	var (
		jf                        jobRunFlags
		security                  kafkaSecurityFlags
		poll, backoff, maxBackoff time.Duration
		maxRestarts               int
	)
	cmd := &cobra.Command{
		Use:   "run JOB",
		Short: "Run a streaming job in the foreground and keep it running",
		Long: `Starts the job's queries in a session of its own and watches them until interrupted
(Ctrl-C stops the queries). When a query fails, or the Spark Connect server restarts or stays
unreachable, it starts them again in a new session, from their checkpoints, after a pause that
doubles from --backoff up to --max-backoff; each restart is logged to standard error.

Restarts keep file sinks and memory tables exactly once, but the Kafka output topics are
at-least-once: the micro-batch under way when the job stopped is written again. Records carry
the job's key (the result row's identity), so a consumer that keeps the last record per key
sees each result once.

The queries live in the run's own session, so 'sparkwire status' and 'stop' (which use the
CLI's session) do not see them; 'run' prints their names and ids as it starts them. It runs
until interrupted, or for --timeout if that flag is given.`,
		Example: `  sparkwire run pageviews --trigger 5s
  sparkwire run payments_fraud --max-restarts 10`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("run takes one job name (see 'sparkwire jobs list')")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			job, c, err := jf.job(args[0])
			if err != nil {
				return err
			}
			sec, err := security.jobSecurity()
			if err != nil {
				return err
			}
			if poll <= 0 || backoff <= 0 || maxBackoff < backoff || maxRestarts < 0 {
				return usagef("--poll and --backoff must be positive, --max-backoff at least --backoff, --max-restarts not negative")
			}
			if c.Brokers, err = g.sparkBrokers(); err != nil {
				return err
			}
			c.Security = sec
			url, err := g.url()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if cmd.Flags().Changed("timeout") {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, g.timeout)
				defer cancel()
			}
			out := cmd.OutOrStdout()
			sv := &jobs.Supervisor{
				Dial:           func(ctx context.Context) (*connect.Session, error) { return g.dial(ctx, url) },
				Start:          job.Starter(c),
				PollInterval:   poll,
				InitialBackoff: backoff,
				MaxBackoff:     maxBackoff,
				MaxRestarts:    maxRestarts,
				// Queries that run until stopped are restarted even when they stop cleanly
				// (a server shutting down may stop them so); AvailableNow and Once end.
				RestartOnStop: jf.trigger != "available-now" && jf.trigger != "once",
				Logger:        slog.New(slog.NewTextHandler(g.stderr(), nil)),
				OnStart: func(s *connect.Session, qs []*connect.StreamingQuery) {
					for _, q := range qs {
						fmt.Fprintf(out, "started %-32s id %s (session %s)\n", q.Name(), q.ID(), s.ID())
					}
				},
			}
			err = sv.Run(ctx)
			if errors.Is(err, context.Canceled) && cmd.Context().Err() != nil {
				// Interrupted: the queries are stopped, as asked.
				fmt.Fprintln(out, "stopped")
				return nil
			}
			return err
		},
	}
	f := cmd.Flags()
	jf.add(f)
	f.DurationVar(&poll, "poll", 5*time.Second, "how often the queries are checked")
	f.DurationVar(&backoff, "backoff", time.Second, "pause before the first restart in a row")
	f.DurationVar(&maxBackoff, "max-backoff", time.Minute, "longest pause between restarts")
	f.IntVar(&maxRestarts, "max-restarts", 0, "give up after this many restarts in a row without a healthy run (0: never)")
	security.addFlags(f)
	return cmd
}
