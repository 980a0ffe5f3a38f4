// Package jobs holds sparkwire's named streaming jobs: Go values that read a producer
// domain's events from Kafka, build a pipeline with package connect, and write the results to
// a Kafka topic and a memory table, with malformed events set aside in a quarantine topic.
//
// A job is a [Job] value; a [Registry] lists jobs by name ([Builtin] has the built-in ones).
// Adding a job takes one file:
//
//	// CountryViews counts page views per country and minute.
//	func CountryViews() *jobs.Job {
//		return &jobs.Job{
//			Name:        "country_views",
//			Description: "Page views per country per minute.",
//			Input:       events.Clickstream(),
//			Mode:        connect.Update,
//			Key:         "country",
//			Transform: func(_ *connect.Session, events *connect.DataFrame, _ jobs.Params) (*connect.DataFrame, error) {
//				return events.WithWatermark("event_time", "2 minutes").
//					Where("event_type = 'page_view'").
//					GroupBy(functions.Window(connect.Col("event_time"), "1 minute").Alias("window"), connect.Col("country")).
//					Agg(functions.Count(connect.Lit(1)).Alias("views")), nil
//			},
//		}
//	}
//
// and a registry that includes it: jobs.NewRegistry(append(jobs.Builtin().List(), CountryViews())...).
//
// A job may have further results next to the main one, such as alerts: each [Output] in
// Job.Outputs is built from the same events and written to a topic and a memory table of
// its own (see [Output]).
package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
	"github.com/sparkwire/sparkwire/events"
)

// ErrUnknownJob is returned for a job name that the registry does not hold.
var ErrUnknownJob = errors.New("unknown job")

// Params are a job's tunable numbers, with defaults set by the job.
type Params map[string]float64

// Job is a named streaming job.
type Job struct {
	// Name identifies the job: lower case, digits and underscores.
	Name string
	// Description says in one sentence what the job computes.
	Description string
	// Input is the schema of the events the job reads (a domain's schema from package
	// events, such as events.Clickstream()); its fields become the columns of the events
	// DataFrame that Transform gets.
	Input events.Schema
	// Mode is the output mode of the result.
	Mode connect.OutputMode
	// Key names the result columns that identify a result row, separated by commas; the
	// Kafka output record's key is their values as strings, joined by "|" when there are
	// several. Choose them so that a later record with the same key replaces an earlier
	// one: the window and the group of an aggregate in update mode, the event's own id for
	// an output of events. The Kafka sink is at-least-once (a restarted query writes the
	// micro-batch under way again, see [Supervisor]), so consumers deduplicate or upsert by
	// this key.
	Key string
	// Defaults are the job's parameters and their default values.
	Defaults Params
	// WatermarkDelay is the delay of the watermark that Transform sets on the event time
	// (default DefaultWatermarkDelay); the run's quality metrics count events further
	// behind than this as late (see QualityObservation).
	WatermarkDelay string
	// Transform builds the result from the stream of well-formed events.
	Transform func(s *connect.Session, events *connect.DataFrame, p Params) (*connect.DataFrame, error)
	// Outputs are further results (optional), each written to a topic and a memory table of
	// its own.
	Outputs []Output
}

// Output is a further result of a job, next to the main one: for example alerts, raised
// from the same events. A run writes it to the topic <name>_<output> (see
// Config.OutputTopics) and to the memory table <name>_<output>, where <name> is the run's
// Config.Name.
type Output struct {
	// Name identifies the output within the job: lower case, digits and underscores; not
	// "out", "kafka" or "quarantine", which the job's own topics and queries use.
	Name string
	// Description says in one sentence what the output holds.
	Description string
	// Mode is the output mode (default Append).
	Mode connect.OutputMode
	// Key names the columns that identify an output row, as Job.Key does.
	Key string
	// Build builds the output from the stream of well-formed events (the same stream that
	// Transform gets).
	Build func(s *connect.Session, events *connect.DataFrame, p Params) (*connect.DataFrame, error)
}

// validName reports whether a job or output name uses lower case letters, digits and
// underscores only.
func validName(name string) bool {
	return name != "" && strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == ""
}

// Registry lists jobs by name.
type Registry struct {
	jobs []*Job
}

// NewRegistry returns a registry of the given jobs; names must be unique and valid.
func NewRegistry(jobs ...*Job) (*Registry, error) {
	seen := map[string]bool{}
	for _, j := range jobs {
		if j == nil {
			return nil, errors.New("a nil job")
		}
		if !validName(j.Name) {
			return nil, fmt.Errorf("job name %q: use lower case letters, digits and underscores", j.Name)
		}
		if seen[j.Name] {
			return nil, fmt.Errorf("job %q registered twice", j.Name)
		}
		if j.Transform == nil {
			return nil, fmt.Errorf("job %q has no Transform", j.Name)
		}
		outputs := map[string]bool{}
		for _, o := range j.Outputs {
			switch {
			case !validName(o.Name) || o.Name == "out" || o.Name == "kafka" || o.Name == "quarantine":
				return nil, fmt.Errorf("job %q, output name %q: use lower case letters, digits and underscores, not out, kafka or quarantine", j.Name, o.Name)
			case outputs[o.Name]:
				return nil, fmt.Errorf("job %q has two outputs named %q", j.Name, o.Name)
			case o.Build == nil || o.Key == "":
				return nil, fmt.Errorf("job %q, output %q needs a Build function and a Key", j.Name, o.Name)
			}
			outputs[o.Name] = true
		}
		seen[j.Name] = true
	}
	return &Registry{jobs: slices.Clone(jobs)}, nil
}

// Get returns the job with the given name, or an error wrapping ErrUnknownJob.
func (r *Registry) Get(name string) (*Job, error) {
	return byName(r.jobs, func(j *Job) string { return j.Name }, name, "known")
}

// byName returns the job of jobs whose name (by nameOf) is name, or an error wrapping
// ErrUnknownJob that lists the names it has: the lookup of [Registry] and [BatchRegistry].
func byName[J any](jobs []J, nameOf func(J) string, name, known string) (J, error) {
	names := make([]string, len(jobs))
	for i, j := range jobs {
		if names[i] = nameOf(j); names[i] == name {
			return j, nil
		}
	}
	var none J
	return none, fmt.Errorf("%w %q (%s: %s)", ErrUnknownJob, name, known, strings.Join(names, ", "))
}

// List returns the jobs in registration order.
func (r *Registry) List() []*Job { return slices.Clone(r.jobs) }

// Config says where a job reads and writes. Zero fields take defaults named after the job.
type Config struct {
	// Brokers are Kafka's bootstrap servers as the Spark server reaches them. Required.
	Brokers string
	// InputTopic is the topic of events (default: the input domain's name, e.g. "clickstream").
	InputTopic string
	// OutputTopic receives the results as JSON (default: <job>_out).
	OutputTopic string
	// QuarantineTopic receives malformed events with the reason (default: <job>_quarantine).
	QuarantineTopic string
	// OutputTopics are the topics of the job's further Outputs, by output name (default:
	// <name>_<output>, with Name below). A started Run's Config lists all of them.
	OutputTopics map[string]string
	// Name names the run's queries: <name> is also the memory table of the results
	// (default: the job's name).
	Name string
	// Trigger defaults to processing as fast as possible.
	Trigger *connect.Trigger
	// CheckpointDir is the directory, on the Spark server, under which each query keeps its
	// checkpoint (default /tmp/sparkwire/checkpoints/<name>). A restart with the same
	// directory continues from the committed offsets.
	CheckpointDir string
	// StartingOffsets is where a new query starts reading: "earliest" (default) or "latest".
	StartingOffsets string
	// ShufflePartitions is spark.sql.shuffle.partitions for the job's queries: the number of
	// partitions of their shuffles, and of state store instances of a stateful query, which
	// its checkpoint fixes for good (a query restarted from a checkpoint keeps the number it
	// started with). Spark's default, 200, makes every micro-batch of a stateful query run
	// 200 tasks, each loading and committing a state store: seconds per batch on a small
	// server (see BENCHMARKS.md, "The pipeline"). 0 (default): DefaultShufflePartitions;
	// -1: the session's own setting. Start sets it on the session while it starts the
	// queries and then restores the session's value (Spark copies a session's settings into
	// a query when it starts).
	ShufflePartitions int
	// MaxOffsetsPerTrigger caps the Kafka records a micro-batch reads (the Kafka source's
	// maxOffsetsPerTrigger); 0 (default): every record available at the trigger.
	MaxOffsetsPerTrigger int64
	// Params override the job's defaults.
	Params Params
	// NoMemorySink leaves out the memory table (its state lives on the server).
	NoMemorySink bool
	// Security is how Spark's Kafka source and sink reach a secured listener (TLS, SASL);
	// nil: plaintext.
	Security *KafkaSecurity
}

func (j *Job) withDefaults(c Config) (Config, Params, error) {
	if c.Brokers == "" {
		return c, nil, errors.New("job config: Brokers is required")
	}
	if err := c.Security.Validate(); err != nil {
		return c, nil, fmt.Errorf("job config: %w", err)
	}
	if c.InputTopic == "" {
		c.InputTopic = j.Input.Name
	}
	if c.Name == "" {
		c.Name = j.Name
	}
	if c.OutputTopic == "" {
		c.OutputTopic = c.Name + "_out"
	}
	if c.QuarantineTopic == "" {
		c.QuarantineTopic = c.Name + "_quarantine"
	}
	topics := map[string]string{}
	for k, v := range c.OutputTopics {
		if !slices.ContainsFunc(j.Outputs, func(o Output) bool { return o.Name == k }) {
			return c, nil, fmt.Errorf("job %s has no output %q", j.Name, k)
		}
		topics[k] = v
	}
	for _, o := range j.Outputs {
		if topics[o.Name] == "" {
			topics[o.Name] = c.Name + "_" + o.Name
		}
	}
	c.OutputTopics = topics
	if c.CheckpointDir == "" {
		c.CheckpointDir = "/tmp/sparkwire/checkpoints/" + c.Name
	}
	if c.StartingOffsets == "" {
		c.StartingOffsets = "earliest"
	}
	switch {
	case c.ShufflePartitions == 0:
		c.ShufflePartitions = DefaultShufflePartitions
	case c.ShufflePartitions < -1:
		return c, nil, fmt.Errorf("job config: ShufflePartitions %d: want a count, 0 for the default or -1 for the session's setting", c.ShufflePartitions)
	}
	if c.MaxOffsetsPerTrigger < 0 {
		return c, nil, fmt.Errorf("job config: MaxOffsetsPerTrigger %d is negative", c.MaxOffsetsPerTrigger)
	}
	p := Params{}
	for k, v := range j.Defaults {
		p[k] = v
	}
	for k, v := range c.Params {
		if _, ok := j.Defaults[k]; !ok {
			return c, nil, fmt.Errorf("job %s has no parameter %q", j.Name, k)
		}
		p[k] = v
	}
	return c, p, nil
}

// Run is a started job: its queries on the server.
type Run struct {
	Job    *Job
	Config Config
	// Results writes the results to the output topic; Memory to the memory table (nil with
	// NoMemorySink); Quarantine the malformed events to the quarantine topic.
	Results, Memory, Quarantine *connect.StreamingQuery
	// Outputs has the queries of the job's further outputs, by output name.
	Outputs map[string]*OutputRun
}

// OutputRun is the part of a run that writes one of the job's further outputs.
type OutputRun struct {
	// Topic is the output's Kafka topic; Table its memory table ("" with NoMemorySink).
	Topic, Table string
	// Results writes the output to Topic (query <name>_<output>_kafka); Memory to Table
	// (query <name>_<output>; nil with NoMemorySink).
	Results, Memory *connect.StreamingQuery
}

// Queries returns the run's queries: the results', the memory table's and the quarantine's,
// then those of the further outputs in the job's order.
func (r *Run) Queries() []*connect.StreamingQuery {
	all := []*connect.StreamingQuery{r.Results, r.Memory, r.Quarantine}
	for _, o := range r.Job.Outputs {
		if or := r.Outputs[o.Name]; or != nil {
			all = append(all, or.Results, or.Memory)
		}
	}
	var qs []*connect.StreamingQuery
	for _, q := range all {
		if q != nil {
			qs = append(qs, q)
		}
	}
	return qs
}

// ProcessAllAvailable waits until every query has processed all the input available now.
func (r *Run) ProcessAllAvailable(ctx context.Context) error {
	for _, q := range r.Queries() {
		if err := q.ProcessAllAvailable(ctx); err != nil {
			return fmt.Errorf("job %s, query %s: %w", r.Job.Name, q.Name(), err)
		}
	}
	return nil
}

// AwaitTermination waits until every query has terminated (with an AvailableNow or Once
// trigger they do so by themselves).
func (r *Run) AwaitTermination(ctx context.Context) error {
	for _, q := range r.Queries() {
		if err := q.AwaitTermination(ctx); err != nil {
			return fmt.Errorf("job %s, query %s: %w", r.Job.Name, q.Name(), err)
		}
	}
	return nil
}

// Stop stops every query of the run.
func (r *Run) Stop(ctx context.Context) error {
	var errs []error
	for _, q := range r.Queries() {
		if err := q.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", q.Name(), err))
		}
	}
	return errors.Join(errs...)
}

// corruptColumn receives the raw text of records that from_json cannot parse.
const corruptColumn = "_corrupt_record"

// Parsed returns the job's input stream parsed, with two extra columns: raw (the record's
// value as a string) and reason (why the event is malformed, NULL for a well-formed one).
func (j *Job) Parsed(s *connect.Session, c Config) *connect.DataFrame {
	r := s.ReadStream().Format("kafka").
		Option("kafka.bootstrap.servers", c.Brokers).
		Option("subscribe", c.InputTopic).
		Option("startingOffsets", c.StartingOffsets).
		Option("failOnDataLoss", "false")
	if c.MaxOffsetsPerTrigger > 0 {
		r = r.Option("maxOffsetsPerTrigger", strconv.FormatInt(c.MaxOffsetsPerTrigger, 10))
	}
	raw := r.Options(c.Security.sparkOptions()).Load()
	return parseEvents(raw, j.Input)
}

// Start starts the job's queries: results to Kafka and to the memory table, malformed events
// to the quarantine topic, and each further output to its topic and memory table.
func (j *Job) Start(ctx context.Context, s *connect.Session, c Config) (*Run, error) {
	c, p, err := j.withDefaults(c)
	if err != nil {
		return nil, err
	}
	parsed := j.observeQuality(j.Parsed(s, c))
	events := parsed.Where("reason IS NULL").Drop("raw", "reason")
	result, err := j.Transform(s, events, p)
	if err == nil {
		err = result.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("job %s: %w", j.Name, err)
	}
	// Build every output before starting any query, so that a failing Build leaves nothing
	// running.
	built := make([]*connect.DataFrame, len(j.Outputs))
	for i, o := range j.Outputs {
		if built[i], err = o.Build(s, events, p); err == nil {
			err = built[i].Err()
		}
		if err != nil {
			return nil, fmt.Errorf("job %s, output %s: %w", j.Name, o.Name, err)
		}
	}
	if c.Security != nil {
		if err := RedactSecrets(ctx, s); err != nil {
			return nil, fmt.Errorf("job %s: %w", j.Name, err)
		}
	}
	restore, err := setShufflePartitions(ctx, s, c.ShufflePartitions)
	if err != nil {
		return nil, fmt.Errorf("job %s: %w", j.Name, err)
	}
	defer restore()
	run := &Run{Job: j, Config: c}
	start := func(w *connect.DataStreamWriter, name string) (*connect.StreamingQuery, error) {
		if c.Trigger != nil {
			w = w.Trigger(*c.Trigger)
		}
		q, err := w.QueryName(name).Start(ctx)
		if err != nil {
			_ = run.Stop(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("job %s: start %s: %w", j.Name, name, err)
		}
		return q, nil
	}
	kafkaSink := func(df *connect.DataFrame, topic, name string, mode connect.OutputMode) (*connect.StreamingQuery, error) {
		return start(df.WriteStream().Format("kafka").OutputMode(mode).
			Option("kafka.bootstrap.servers", c.Brokers).
			Option("topic", topic).
			Option("checkpointLocation", c.CheckpointDir+"/"+name).
			Options(c.Security.sparkOptions()), name)
	}
	if run.Results, err = kafkaSink(kafkaRecords(result, j.Key), c.OutputTopic, ResultsQueryName(c.Name), j.Mode); err != nil {
		return nil, err
	}
	quarantine := parsed.Where("reason IS NOT NULL").Select(
		connect.Lit(j.Name).Alias("key"),
		F.ToJSON(F.Struct(connect.Col("reason"), connect.Col("raw"), F.CurrentTimestamp().Alias("quarantined_at"))).Alias("value"))
	if run.Quarantine, err = kafkaSink(quarantine, c.QuarantineTopic, QuarantineQueryName(c.Name), connect.Append); err != nil {
		return nil, err
	}
	if !c.NoMemorySink {
		if run.Memory, err = start(result.WriteStream().Format("memory").OutputMode(j.Mode), c.Name); err != nil {
			return nil, err
		}
	}
	for i, o := range j.Outputs {
		mode := o.Mode
		if mode == "" {
			mode = connect.Append
		}
		name := OutputQueryName(c.Name, o.Name)
		or := &OutputRun{Topic: c.OutputTopics[o.Name]}
		if run.Outputs == nil {
			run.Outputs = map[string]*OutputRun{}
		}
		run.Outputs[o.Name] = or
		if or.Results, err = kafkaSink(kafkaRecords(built[i], o.Key), or.Topic, ResultsQueryName(name), mode); err != nil {
			return nil, err
		}
		if !c.NoMemorySink {
			or.Table = name
			if or.Memory, err = start(built[i].WriteStream().Format("memory").OutputMode(mode), name); err != nil {
				return nil, err
			}
		}
	}
	return run, nil
}

// DefaultShufflePartitions is the jobs' spark.sql.shuffle.partitions (Config.ShufflePartitions)
// unless a Config says otherwise.
const DefaultShufflePartitions = 4

// shufflePartitionsKey is the Spark SQL setting of Config.ShufflePartitions.
const shufflePartitionsKey = "spark.sql.shuffle.partitions"

// setShufflePartitions sets spark.sql.shuffle.partitions to n on the session (nothing for
// n = -1); restore puts back the session's value, or unsets the setting when the session had
// none.
func setShufflePartitions(ctx context.Context, s *connect.Session, n int) (restore func(), err error) {
	if n <= 0 {
		return func() {}, nil
	}
	prev, had, err := s.Conf().Get(ctx, shufflePartitionsKey)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", shufflePartitionsKey, err)
	}
	if err := s.Conf().Set(ctx, shufflePartitionsKey, strconv.Itoa(n)); err != nil {
		return nil, fmt.Errorf("set %s: %w", shufflePartitionsKey, err)
	}
	return func() {
		// The queries have started with the job's value; the session gets its own back.
		// A failure leaves the job's value on the session, which changes no result.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if had {
			_ = s.Conf().Set(rctx, shufflePartitionsKey, prev)
		} else {
			_ = s.Conf().Unset(rctx, shufflePartitionsKey)
		}
	}, nil
}

// kafkaRecords turns a result into Kafka records: the key (see recordKey), and the whole
// row as a JSON object.
func kafkaRecords(df *connect.DataFrame, key string) *connect.DataFrame {
	return df.Select(recordKey(key).Alias("key"), F.ToJSON(F.Struct(connect.Col("*"))).Alias("value"))
}

// recordKey returns the Kafka record key of Job.Key's columns: one column's value as a
// string, or several columns' values joined by "|" (timestamps as Spark casts them to
// strings, "2006-01-02 15:04:05" in the session's time zone).
func recordKey(key string) connect.Column {
	names := strings.Split(key, ",")
	if len(names) == 1 {
		return connect.Col(strings.TrimSpace(key)).Cast("string")
	}
	cols := make([]connect.Column, len(names))
	for i, n := range names {
		cols[i] = connect.Col(strings.TrimSpace(n)).Cast("string")
	}
	return F.ConcatWs("|", cols...)
}
