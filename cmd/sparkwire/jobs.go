package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/internal/brokerlist"
	"github.com/sparkwire/sparkwire/jobs"
)

func newJobsCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "jobs", Short: "The named streaming jobs sparkwire can submit"}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the jobs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, "JOB\tINPUT\tMODE\tDESCRIPTION")
			for _, j := range jobs.Builtin().List() {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", j.Name, j.Input.Name, j.Mode, j.Description)
			}
			listBatchJobs(w)
			return w.Flush()
		},
	})
	return cmd
}

// sparkBrokers returns Kafka's address as the Spark server sees it.
func (g *globals) sparkBrokers() (string, error) {
	if g.sparkKafka != "" {
		list, err := brokerlist.Parse(g.sparkKafka)
		if err != nil {
			return "", usagef("--spark-brokers: %w", err)
		}
		if len(list) > 0 {
			return strings.Join(list, ","), nil
		}
	}
	brokers, err := g.brokerList()
	if err != nil {
		return "", err
	}
	st, err := loadState()
	local := err == nil && (g.connectURL == "" || g.connectURL == st.ConnectURL)
	switch {
	case local && (len(brokers) == 0 || slices.Equal(brokers, st.Brokers)):
		// The local stack: Spark reaches Kafka by its name on the stack's network.
		return st.SparkBrokers, nil
	case len(brokers) > 0:
		return strings.Join(brokers, ","), nil
	}
	return "", usagef("no Kafka brokers given: pass --brokers (or --spark-brokers if Spark reaches Kafka at another address), or run 'sparkwire up' first")
}

// parseTrigger reads --trigger: a duration (processing time), available-now or once.
func parseTrigger(s string) (*connect.Trigger, error) {
	var t connect.Trigger
	switch s {
	case "":
		return nil, nil
	case "available-now":
		t = connect.AvailableNow()
	case "once":
		t = connect.Once()
	default:
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return nil, usagef("--trigger must be a duration such as 5s, available-now or once, not %q", s)
		}
		t = connect.ProcessingTime(d)
	}
	return &t, nil
}

func newSubmitCommand(g *globals) *cobra.Command {
	var (
		jf       jobRunFlags
		wait     bool
		security kafkaSecurityFlags
	)
	cmd := &cobra.Command{
		Use:   "submit JOB",
		Short: "Start a streaming job, or run a batch job, on the Spark Connect server",
		Long: `Starts the job's queries (results to Kafka and a memory table, malformed events to a
quarantine topic) in the CLI's session on the server and returns; the queries keep running.
Follow them with 'sparkwire status', 'sparkwire watch' and 'sparkwire results'.
A batch job (MODE batch in 'sparkwire jobs list') runs once and returns when its table is
written: it reads the input topic between --starting-offsets and --ending-offsets.`,
		Example: `  sparkwire submit pageviews --trigger 5s
  sparkwire submit pageviews --trigger available-now --wait
  sparkwire submit pageviews_daily --table lake.analytics.pageviews_daily`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("submit takes one job name (see 'sparkwire jobs list')")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			sec, err := security.jobSecurity()
			if err != nil {
				return err
			}
			if bj, err := jobs.BuiltinBatch().Get(args[0]); err == nil {
				return g.submitBatch(cmd, bj, jf.input, jf.starting, jf.params, sec)
			}
			if err := noBatchFlags(cmd); err != nil {
				return err
			}
			job, c, err := jf.job(args[0])
			if err != nil {
				return err
			}
			if c.Brokers, err = g.sparkBrokers(); err != nil {
				return err
			}
			c.Security = sec
			return g.inJobSession(cmd, func(ctx context.Context, s *connect.Session) error {
				// The job's operations carry its tag, for stop (and cancel) to interrupt.
				ctx = connect.WithOperationTags(ctx, jobTag(cmp.Or(jf.name, job.Name)))
				return submit(ctx, s, cmd.OutOrStdout(), job, c, wait)
			})
		},
	}
	f := cmd.Flags()
	jf.add(f)
	f.BoolVar(&wait, "wait", false, "wait until the queries end (with --trigger available-now or once)")
	addBatchFlags(f)
	security.addFlags(f)
	return cmd
}

func submit(ctx context.Context, s *connect.Session, out io.Writer, job *jobs.Job, c jobs.Config, wait bool) error {
	run, err := job.Start(ctx, s, c)
	if err != nil {
		return err
	}
	for _, q := range run.Queries() {
		fmt.Fprintf(out, "started %-32s id %s\n", q.Name(), q.ID())
	}
	if !wait {
		return nil
	}
	err = run.AwaitTermination(ctx)
	if errors.Is(err, connect.ErrInterrupted) {
		// sparkwire stop (or cancel) interrupted the wait: the job was stopped.
		fmt.Fprintln(out, "interrupted: the job was stopped")
		return nil
	}
	return err
}

func newStatusCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "status [QUERY|JOB]",
		Short: "Show the active streaming queries: rates, latest batch, watermark, malformed and late events",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.inJobSession(cmd, func(ctx context.Context, s *connect.Session) error {
				return status(ctx, s, cmd.OutOrStdout(), args)
			})
		},
	}
}

func status(ctx context.Context, s *connect.Session, out io.Writer, args []string) error {
	var qs []*connect.StreamingQuery
	var err error
	if len(args) == 1 {
		qs, err = jobs.FindQueries(ctx, s, args[0])
	} else {
		qs, err = s.Streams().Active(ctx)
	}
	if err != nil {
		return err
	}
	if len(qs) == 0 {
		fmt.Fprintln(out, "no active queries")
		return nil
	}
	w := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "QUERY\tSTATUS\tBATCH\tINPUT ROWS/S\tPROCESSED ROWS/S\tBATCH MS\tSTATE ROWS\tWATERMARK\tMALFORMED\tLATE\tID")
	for _, q := range qs {
		st, err := q.Status(ctx)
		if err != nil {
			return err
		}
		p, err := q.LastProgress(ctx)
		if err != nil {
			return err
		}
		batch, in, proc, dur, state, wm := "-", "-", "-", "-", "-", "-"
		malformed, late := qualityCells(p)
		if p != nil {
			batch = strconv.FormatInt(p.BatchID, 10)
			in, proc = fmt.Sprintf("%.1f", p.InputRowsPerSecond), fmt.Sprintf("%.1f", p.ProcessedRowsPerSecond)
			dur = strconv.FormatInt(p.BatchDuration, 10)
			var rows int64
			for _, op := range p.StateOperators {
				rows += op.NumRowsTotal
			}
			state = strconv.FormatInt(rows, 10)
			if t, ok := p.Watermark(); ok && t.Unix() > 0 {
				wm = t.Format(time.DateTime)
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", q.Name(), st.Message, batch, in, proc, dur, state, wm, malformed, late, q.ID())
	}
	return w.Flush()
}

func newStopCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "stop QUERY|JOB",
		Short: "Stop a streaming query, or all queries of a job",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("stop takes one query name, query id or job name")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.inJobSession(cmd, func(ctx context.Context, s *connect.Session) error {
				return stop(ctx, s, cmd.OutOrStdout(), args[0])
			})
		},
	}
}

// stop stops the active queries that ref names, then interrupts the operations still
// running for it (those that submit tagged with the job's name: a submit --wait, a batch
// step); either one found is enough.
func stop(ctx context.Context, s *connect.Session, out io.Writer, ref string) error {
	qs, findErr := jobs.FindQueries(ctx, s, ref)
	for _, q := range qs {
		if err := q.Stop(ctx); err != nil {
			return err
		}
		fmt.Fprintf(out, "stopped %s (%s)\n", q.Name(), q.ID())
	}
	var ids []string
	if connect.ValidateTag(jobTag(ref)) == nil {
		var err error
		if ids, err = s.InterruptTag(ctx, jobTag(ref)); err != nil {
			return err
		}
	}
	for _, id := range ids {
		fmt.Fprintf(out, "interrupted operation %s\n", id)
	}
	if len(qs) == 0 && len(ids) == 0 {
		return findErr
	}
	return nil
}

func newResultsCommand(g *globals) *cobra.Command {
	var (
		format, progress string
		limit            int
	)
	cmd := &cobra.Command{
		Use:   "results JOB|QUERY",
		Short: "Print a job's or memory-sink query's results",
		Long: `Reads the memory table of a job (named like the job) or of a memory-sink query from the
CLI's session on the server, as Arrow, and prints it as a table, JSON lines, CSV, or an Arrow
IPC stream (--format arrow, to a pipe or file).`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("results takes one job or query name")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "table", "json", "csv", "arrow":
			default:
				return usagef("--format must be table, json, csv or arrow, not %q", format)
			}
			if err := checkProgressMode(progress); err != nil {
				return err
			}
			bar := newProgressBar(g.stderr(), progress)
			defer bar.stop()
			return g.inJobSession(cmd, func(ctx context.Context, s *connect.Session) error {
				err := printDataFrame(bar.trace(ctx), bar.guard(cmd.OutOrStdout()), s.Table(args[0]), format, limit)
				bar.stop() // before an error is reported
				return err
			})
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "table, json, csv or arrow")
	cmd.Flags().StringVar(&progress, "progress", "auto", "show the read's progress on stderr: auto (when stderr is a terminal), always or never")
	cmd.Flags().IntVarP(&limit, "limit", "n", 20, "at most this many rows (table, json, csv)")
	return cmd
}

// parseParams reads --param values, each name=number, into a job's parameters.
func parseParams(params []string) (jobs.Params, error) {
	p := jobs.Params{}
	for _, kv := range params {
		k, v, ok := strings.Cut(kv, "=")
		f, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil || k == "" {
			return nil, usagef("--param %q: want name=number", kv)
		}
		p[k] = f
	}
	return p, nil
}

// jobRunFlags are the flags that say how a streaming job runs, shared by submit and run.
type jobRunFlags struct {
	trigger, checkpoint, name, input, output, starting string
	params                                             []string
}

func (jf *jobRunFlags) add(f *pflag.FlagSet) {
	f.StringVar(&jf.trigger, "trigger", "", "when micro-batches run: a duration (5s), available-now or once (default: as fast as possible)")
	f.StringVar(&jf.checkpoint, "checkpoint", "", "checkpoint directory on the Spark server (default /tmp/sparkwire/checkpoints/NAME)")
	f.StringVar(&jf.name, "name", "", "query name, also the memory table of the results (default: the job's name)")
	f.StringVar(&jf.input, "input", "", "input topic (default: the job's input domain, e.g. clickstream)")
	f.StringVar(&jf.output, "output", "", "output topic (default NAME_out)")
	f.StringVar(&jf.starting, "starting-offsets", "", "earliest (default) or latest")
	f.StringArrayVar(&jf.params, "param", nil, "job parameter name=value (repeatable)")
}

// job returns the built-in streaming job of that name and its Config from the flags; the
// caller sets the brokers (and security).
func (jf *jobRunFlags) job(name string) (*jobs.Job, jobs.Config, error) {
	job, err := jobs.Builtin().Get(name)
	if err != nil {
		return nil, jobs.Config{}, usageError{err}
	}
	trig, err := parseTrigger(jf.trigger)
	if err != nil {
		return nil, jobs.Config{}, err
	}
	p, err := parseParams(jf.params)
	if err != nil {
		return nil, jobs.Config{}, err
	}
	return job, jobs.Config{
		InputTopic: jf.input, OutputTopic: jf.output, Name: jf.name, Trigger: trig,
		CheckpointDir: jf.checkpoint, StartingOffsets: jf.starting, Params: p,
	}, nil
}
