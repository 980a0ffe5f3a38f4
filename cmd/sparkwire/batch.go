package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/jobs"
)

// Batch jobs through 'sparkwire submit': the flags that only they take, and the run.

// streamingOnlyFlags are submit's flags that mean nothing to a batch job.
var streamingOnlyFlags = []string{"trigger", "checkpoint", "name", "output", "wait"}

// batchOnlyFlags are submit's flags that mean nothing to a streaming job.
var batchOnlyFlags = []string{"table", "ending-offsets"}

func addBatchFlags(f *pflag.FlagSet) {
	f.String("table", "", "batch jobs: the table written (default: the job's, e.g. lake.sparkwire.pageviews_daily)")
	f.String("ending-offsets", "", "batch jobs: where reading stops: latest (default) or JSON offsets per partition")
}

// noBatchFlags refuses the batch jobs' flags for a streaming job.
func noBatchFlags(cmd *cobra.Command) error {
	for _, name := range batchOnlyFlags {
		if cmd.Flags().Changed(name) {
			return usagef("--%s applies to batch jobs only", name)
		}
	}
	return nil
}

// listBatchJobs adds the batch jobs to 'jobs list', with MODE batch.
func listBatchJobs(w io.Writer) {
	for _, j := range jobs.BuiltinBatch().List() {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", j.Name, j.Input.Name, "batch", j.Description)
	}
}

// submitBatch runs a batch job once in the CLI's session and reports the table written.
func (g *globals) submitBatch(cmd *cobra.Command, job *jobs.BatchJob, input, starting string, params []string, sec *jobs.KafkaSecurity) error {
	for _, name := range streamingOnlyFlags {
		if cmd.Flags().Changed(name) {
			return usagef("--%s applies to streaming jobs only; %s is a batch job", name, job.Name)
		}
	}
	p, err := parseParams(params)
	if err != nil {
		return err
	}
	table, _ := cmd.Flags().GetString("table")
	ending, _ := cmd.Flags().GetString("ending-offsets")
	brokers, err := g.sparkBrokers()
	if err != nil {
		return err
	}
	c := jobs.BatchConfig{Brokers: brokers, InputTopic: input, StartingOffsets: starting, EndingOffsets: ending, Table: table, Params: p, Security: sec}
	return g.inJobSession(cmd, func(ctx context.Context, s *connect.Session) error {
		start := time.Now()
		run, err := job.Run(ctx, s, c)
		if err != nil {
			return err
		}
		what := "replaced the partitions it has rows for in"
		if run.Created {
			what = "created"
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s %s %s (input %s, offsets %s to %s) in %s\n", job.Name, what, run.Config.Table,
			run.Config.InputTopic, run.Config.StartingOffsets, run.Config.EndingOffsets, time.Since(start).Round(time.Millisecond))
		return nil
	})
}
