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
		settle   time.Duration
		security kafkaSecurityFlags
	)
	cmd := &cobra.Command{
		Use:   "submit JOB",
		Short: "Start a streaming job, or run a batch job, on the Spark Connect server",
		Long: `Starts the job's queries (results to Kafka and a memory table, malformed events to a
quarantine topic) in the CLI's session on the server, watches them until each has run its
first trigger (at most --settle), and returns; the queries keep running. A query that fails
meanwhile (its input topic missing, say) is reported with the server's message, the job's
other queries are stopped, and submit exits with 1. Follow the queries with 'sparkwire status', 'sparkwire watch' and 'sparkwire results'.
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
				if cmd.Flags().Changed("settle") {
					return usagef("--settle applies to streaming jobs only; %s is a batch job", bj.Name)
				}
				return g.submitBatch(cmd, bj, jf.input, jf.starting, jf.params, sec)
			}
			if err := noBatchFlags(cmd); err != nil {
				return err
			}
			job, c, err := jf.job(args[0])
			if err != nil {
				return err
			}
			if err := checkDurations(durationFlag{"--settle", settle, false}); err != nil {
				return err
			}
			if c.Brokers, err = g.sparkBrokers(); err != nil {
				return err
			}
			c.Security = sec
			url, err := g.url()
			if err != nil {
				return err
			}
			return g.inJobSession(cmd, func(ctx context.Context, s *connect.Session) error {
				// The job's operations carry its tag, for stop (and cancel) to interrupt.
				ctx = connect.WithOperationTags(ctx, jobTag(cmp.Or(jf.name, job.Name)))
				return submit(ctx, s, url, cmd.OutOrStdout(), job, c, submitOptions{wait: wait, settle: settle})
			})
		},
	}
	f := cmd.Flags()
	jf.add(f)
	f.BoolVar(&wait, "wait", false, "wait until the queries end (with --trigger available-now or once)")
	f.DurationVar(&settle, "settle", time.Minute, "watch the started queries until each has run a trigger, at most this long, and fail if one fails (0: return at once)")
	addBatchFlags(f)
	security.addFlags(f)
	return cmd
}

// submitOptions say what submit waits for after starting the queries.
type submitOptions struct {
	wait   bool          // until the queries end
	settle time.Duration // watching for failures
}

// settlePoll is how often submit checks the queries while they settle.
const settlePoll = 250 * time.Millisecond

func submit(ctx context.Context, s *connect.Session, url string, out io.Writer, job *jobs.Job, c jobs.Config, o submitOptions) error {
	run, err := job.Start(ctx, s, c)
	if err != nil {
		return err
	}
	for _, q := range run.Queries() {
		fmt.Fprintf(out, "started %-32s id %s\n", q.Name(), q.ID())
	}
	// Recorded for status, which lists the queries that terminated.
	if err := recordQueries(url, s, run.Queries()); err != nil {
		return fmt.Errorf("record the started queries: %w", err)
	}
	if o.settle > 0 {
		if err := run.Settle(ctx, s, o.settle, settlePoll); err != nil {
			var failed *jobs.QueryFailedError
			if errors.As(err, &failed) {
				// A job missing a query is broken: stop the others, so that it can be
				// submitted again under the same names.
				if serr := stopActive(ctx, s, out, run.Queries()); serr != nil {
					return errors.Join(err, serr)
				}
			}
			return err
		}
	}
	if !o.wait {
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

// stopActive stops those of qs that are still active, and says so.
func stopActive(ctx context.Context, s *connect.Session, out io.Writer, qs []*connect.StreamingQuery) error {
	active, err := s.Streams().Active(ctx)
	if err != nil {
		return err
	}
	for _, q := range qs {
		if !slices.ContainsFunc(active, func(a *connect.StreamingQuery) bool { return a.ID() == q.ID() }) {
			continue
		}
		if err := q.Stop(ctx); err != nil {
			return fmt.Errorf("stop %s: %w", q.Name(), err)
		}
		fmt.Fprintf(out, "stopped %s (%s)\n", q.Name(), q.ID())
	}
	return nil
}

func newStatusCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "status [QUERY|JOB]",
		Short: "Show the streaming queries (rates, latest batch, watermark, malformed and late events) and those that ended",
		Long: `Lists the active streaming queries of the CLI's session with their latest batch, then the
queries that submit started there and that have terminated since (failed, with the server's
message, or stopped by themselves), as long as the server remembers them (Spark Connect keeps a
terminated query for an hour after its last use). 'sparkwire stop' forgets the queries it stops.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			url, err := g.url()
			if err != nil {
				return err
			}
			return g.inJobSession(cmd, func(ctx context.Context, s *connect.Session) error {
				return status(ctx, s, url, cmd.OutOrStdout(), args)
			})
		},
	}
}

// terminatedQuery is a recorded query that is no longer active, and how it ended.
type terminatedQuery struct {
	rec queryRecord
	err *connect.StreamingQueryError // nil: stopped
}

func status(ctx context.Context, s *connect.Session, url string, out io.Writer, args []string) error {
	match := func(name, id string) bool { return len(args) == 0 || id == args[0] || jobs.IsRunQuery(args[0], name) }
	active, err := s.Streams().Active(ctx)
	if err != nil {
		return err
	}
	var qs []*connect.StreamingQuery
	for _, q := range active {
		if match(q.Name(), q.ID()) {
			qs = append(qs, q)
		}
	}
	ended, err := terminatedQueries(ctx, s, url, active, match)
	if err != nil {
		return err
	}
	if len(args) == 1 && len(qs) == 0 && len(ended) == 0 {
		return &jobs.NoQueryError{Ref: args[0]}
	}
	if len(qs) == 0 {
		fmt.Fprintln(out, "no active queries")
	} else if err := activeTable(ctx, out, qs); err != nil {
		return err
	}
	if len(ended) == 0 {
		return nil
	}
	fmt.Fprintln(out)
	w := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "TERMINATED QUERY\tENDED\tSTARTED\tERROR\tID")
	for _, e := range ended {
		how, msg := "stopped", "-"
		if e.err != nil {
			how = "failed"
			msg, _, _ = strings.Cut(strings.TrimPrefix(e.err.Error(), "streaming query "+e.rec.ID+" failed: "), "\n")
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", e.rec.Name, how, e.rec.Started.Local().Format(time.DateTime), msg, e.rec.ID)
	}
	return w.Flush()
}

// terminatedQueries returns the recorded queries of the session that match and are not
// active, with their errors. Those the server no longer knows are forgotten.
func terminatedQueries(ctx context.Context, s *connect.Session, url string, active []*connect.StreamingQuery, match func(name, id string) bool) ([]terminatedQuery, error) {
	recs, err := recordedQueries(url, s)
	if err != nil {
		return nil, err
	}
	var out []terminatedQuery
	var gone []string
	for _, r := range recs {
		if !match(r.Name, r.ID) || slices.ContainsFunc(active, func(q *connect.StreamingQuery) bool { return q.ID() == r.ID }) {
			continue
		}
		h := s.Streams().Query(r.ID, r.RunID)
		ex, err := h.Exception(ctx)
		var se *connect.SparkError
		switch {
		case errors.As(err, &se):
			gone = append(gone, r.ID) // the server forgot it
			continue
		case err != nil:
			return nil, err
		}
		out = append(out, terminatedQuery{rec: r, err: ex})
	}
	if err := forgetQueries(gone...); err != nil {
		return nil, err
	}
	return out, nil
}

// activeTable prints the active queries with their latest batch.
func activeTable(ctx context.Context, out io.Writer, qs []*connect.StreamingQuery) error {
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
		// Stopped as asked: status need not list it among the terminated queries.
		if err := forgetQueries(q.ID()); err != nil {
			return err
		}
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
	var out outputFlags
	cmd := &cobra.Command{
		Use:   "results JOB|QUERY",
		Short: "Print a job's or memory-sink query's results",
		Long: `Reads the memory table of a job (named like the job) or of a memory-sink query from the
CLI's session on the server, as Arrow, and prints it as a table, JSON lines, CSV, or an Arrow
IPC stream (--format arrow, to a pipe or file), as sql does.`,
		Example: `  sparkwire results pageviews
  sparkwire results pageviews --format json -n 100`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("results takes one job or query name")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.check(); err != nil {
				return err
			}
			return g.inJobSession(cmd, func(ctx context.Context, s *connect.Session) error {
				return out.print(ctx, g.stderr(), cmd.OutOrStdout(), s.Table(args[0]))
			})
		},
	}
	out.add(cmd.Flags())
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
	shufflePartitions                                  int
	maxOffsetsPerTrigger                               int64
}

func (jf *jobRunFlags) add(f *pflag.FlagSet) {
	f.StringVar(&jf.trigger, "trigger", "", "when micro-batches run: a duration (5s), available-now or once (default: as fast as possible)")
	f.StringVar(&jf.checkpoint, "checkpoint", "", "checkpoint directory on the Spark server (default /tmp/sparkwire/checkpoints/NAME)")
	f.StringVar(&jf.name, "name", "", "query name, also the memory table of the results (default: the job's name)")
	f.StringVar(&jf.input, "input", "", "input topic (default: the job's input domain, e.g. clickstream)")
	f.StringVar(&jf.output, "output", "", "output topic (default NAME_out)")
	f.StringVar(&jf.starting, "starting-offsets", "", "earliest (default) or latest")
	f.StringArrayVar(&jf.params, "param", nil, "job parameter name=value (repeatable)")
	f.IntVar(&jf.shufflePartitions, "shuffle-partitions", 0, fmt.Sprintf("spark.sql.shuffle.partitions of a new query (its state store instances; a checkpoint keeps its own): 0 for the jobs' default, %d; -1 for the server's", jobs.DefaultShufflePartitions))
	f.Int64Var(&jf.maxOffsetsPerTrigger, "max-offsets-per-trigger", 0, "most Kafka records a micro-batch reads (0: no limit)")
}

// job returns the built-in streaming job of that name and its Config from the flags; the
// caller sets the brokers (and security).
func (jf *jobRunFlags) job(name string) (*jobs.Job, jobs.Config, error) {
	job, err := jobs.Builtin().Get(name)
	if err != nil {
		if _, berr := jobs.BuiltinBatch().Get(name); berr == nil {
			return nil, jobs.Config{}, usageHint(fmt.Errorf("%s is a batch job: it runs once, it does not keep running", name),
				fmt.Sprintf("run it with 'sparkwire submit %s'", name))
		}
		return nil, jobs.Config{}, unknownJob(name)
	}
	trig, err := parseTrigger(jf.trigger)
	if err != nil {
		return nil, jobs.Config{}, err
	}
	p, err := parseParams(jf.params)
	if err != nil {
		return nil, jobs.Config{}, err
	}
	if err := checkParams(job, p); err != nil {
		return nil, jobs.Config{}, err
	}
	if err := checkStartingOffsets(jf.starting); err != nil {
		return nil, jobs.Config{}, err
	}
	if jf.shufflePartitions < -1 {
		return nil, jobs.Config{}, usagef("--shuffle-partitions must be a count, 0 for the default or -1 for the server's setting, not %d", jf.shufflePartitions)
	}
	if jf.maxOffsetsPerTrigger < 0 {
		return nil, jobs.Config{}, usagef("--max-offsets-per-trigger must not be negative, not %d", jf.maxOffsetsPerTrigger)
	}
	return job, jobs.Config{
		InputTopic: jf.input, OutputTopic: jf.output, Name: jf.name, Trigger: trig,
		CheckpointDir: jf.checkpoint, StartingOffsets: jf.starting, Params: p,
		ShufflePartitions: jf.shufflePartitions, MaxOffsetsPerTrigger: jf.maxOffsetsPerTrigger,
	}, nil
}

// checkParams refuses parameters that the job does not have, naming those it has.
func checkParams(job *jobs.Job, p jobs.Params) error {
	for k := range p {
		if _, ok := job.Defaults[k]; ok {
			continue
		}
		var names []string
		for name := range job.Defaults {
			names = append(names, name)
		}
		slices.Sort(names)
		if len(names) == 0 {
			return usagef("--param %s: job %s has no parameters", k, job.Name)
		}
		return usagef("--param %s: job %s has no such parameter; its parameters: %s", k, job.Name, strings.Join(names, ", "))
	}
	return nil
}

// checkStartingOffsets checks --starting-offsets: earliest, latest or JSON offsets.
func checkStartingOffsets(s string) error {
	switch {
	case s == "", s == "earliest", s == "latest", strings.HasPrefix(strings.TrimSpace(s), "{"):
		return nil
	}
	return usagef("--starting-offsets must be earliest, latest or JSON offsets per partition, not %q", s)
}
