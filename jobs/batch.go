package jobs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/events"
)

// BatchJob is a named batch job: a run reads the events a Kafka topic holds between two
// offsets (Spark's Kafka batch source), builds a result from the well-formed ones, and
// writes it to a table through the catalog (v2) writer, creating the table on the first
// run. The write replaces the table's partitions that the result has rows for and keeps
// the others (a dynamic partition overwrite), so a rerun over the same events leaves the
// same table, and a run over later events adds their partitions. Each run must therefore
// read every event of the partitions it writes (the default offsets, earliest to latest,
// read the whole topic).
//
// Batch jobs live in a [BatchRegistry]; [BuiltinBatch] has the built-in ones.
type BatchJob struct {
	// Name identifies the job: lower case, digits and underscores.
	Name string
	// Description says in one sentence what the job computes.
	Description string
	// Input is the schema of the events the job reads (a domain's schema from package
	// events, such as events.Clickstream()).
	Input events.Schema
	// Table is the default table written, qualified by catalog and database, e.g.
	// "lake.sparkwire.pageviews_daily". The catalog must hold v2 tables that support
	// dynamic partition overwrites (Apache Iceberg, Delta Lake).
	Table string
	// PartitionedBy are the result columns the table is partitioned by: the unit a run
	// replaces. Without any, every run replaces the whole table.
	PartitionedBy []string
	// Defaults are the job's parameters and their default values.
	Defaults Params
	// Transform builds the result from the well-formed events.
	Transform func(s *connect.Session, events *connect.DataFrame, p Params) (*connect.DataFrame, error)
}

// BatchConfig says where a batch job reads and writes. Zero fields take defaults.
type BatchConfig struct {
	// Brokers are Kafka's bootstrap servers as the Spark server reaches them. Required.
	Brokers string
	// InputTopic is the topic of events (default: the input domain's name).
	InputTopic string
	// StartingOffsets and EndingOffsets bound the records read, in the Kafka source's
	// terms: "earliest" (the default start), "latest" (the default end), or JSON with an
	// offset per partition ({"clickstream":{"0":1200,"1":1180}}).
	StartingOffsets, EndingOffsets string
	// Table is the table written (default: the job's Table).
	Table string
	// Params override the job's defaults.
	Params Params
	// Security is how Spark's Kafka source reaches a secured listener; nil: plaintext.
	Security *KafkaSecurity
}

// TablePropertyJob is the table property that names the batch job that created a table.
const TablePropertyJob = "sparkwire.job"

// BatchRun is what a batch job's run did.
type BatchRun struct {
	Job    *BatchJob
	Config BatchConfig
	// Created is true when the run created the table, false when it replaced partitions
	// of an existing one.
	Created bool
}

func (j *BatchJob) withDefaults(c BatchConfig) (BatchConfig, Params, error) {
	if j == nil || j.Transform == nil {
		return c, nil, errors.New("batch job: nil job or no Transform")
	}
	if c.Brokers == "" {
		return c, nil, errors.New("batch job config: Brokers is required")
	}
	if err := c.Security.Validate(); err != nil {
		return c, nil, fmt.Errorf("batch job config: %w", err)
	}
	if c.InputTopic == "" {
		c.InputTopic = j.Input.Name
	}
	if c.StartingOffsets == "" {
		c.StartingOffsets = "earliest"
	}
	if c.EndingOffsets == "" {
		c.EndingOffsets = "latest"
	}
	if c.Table == "" {
		c.Table = j.Table
	}
	if c.Table == "" {
		return c, nil, fmt.Errorf("batch job %s: no table to write (set Config.Table)", j.Name)
	}
	p := maps.Clone(j.Defaults)
	if p == nil {
		p = Params{}
	}
	for k, v := range c.Params {
		if _, ok := j.Defaults[k]; !ok {
			return c, nil, fmt.Errorf("job %s has no parameter %q", j.Name, k)
		}
		p[k] = v
	}
	return c, p, nil
}

// Result returns the DataFrame the job writes: its result over the events that c's topic
// holds between c's offsets. Nothing runs until an action on it.
func (j *BatchJob) Result(s *connect.Session, c BatchConfig) (*connect.DataFrame, error) {
	c, p, err := j.withDefaults(c)
	if err != nil {
		return nil, err
	}
	return j.result(s, c, p)
}

func (j *BatchJob) result(s *connect.Session, c BatchConfig, p Params) (*connect.DataFrame, error) {
	records := s.Read().Format("kafka").
		Option("kafka.bootstrap.servers", c.Brokers).
		Option("subscribe", c.InputTopic).
		Option("startingOffsets", c.StartingOffsets).
		Option("endingOffsets", c.EndingOffsets).
		Option("failOnDataLoss", "false").
		Options(c.Security.sparkOptions()).
		Load()
	events := parseEvents(records, j.Input).Where("reason IS NULL").Drop("raw", "reason")
	result, err := j.Transform(s, events, p)
	if err == nil && result == nil {
		err = errors.New("Transform returned no DataFrame")
	}
	if err == nil {
		err = result.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("job %s: %w", j.Name, err)
	}
	return result, nil
}

// Run runs the job once and returns when its result is in the table: it replaces the
// table's partitions that the result has rows for, or creates the table (partitioned by
// PartitionedBy, with the table property sparkwire.job naming the job) when it does not
// exist yet.
func (j *BatchJob) Run(ctx context.Context, s *connect.Session, c BatchConfig) (*BatchRun, error) {
	c, p, err := j.withDefaults(c)
	if err != nil {
		return nil, err
	}
	if c.Security != nil {
		if err := RedactSecrets(ctx, s); err != nil {
			return nil, fmt.Errorf("batch job %s: %w", j.Name, err)
		}
	}
	result, err := j.result(s, c, p)
	if err != nil {
		return nil, err
	}
	run := &BatchRun{Job: j, Config: c}
	err = result.WriteTo(c.Table).OverwritePartitions(ctx)
	var se *connect.SparkError
	if errors.As(err, &se) && se.ErrorClass == "TABLE_OR_VIEW_NOT_FOUND" {
		parts := make([]connect.Column, len(j.PartitionedBy))
		for i, name := range j.PartitionedBy {
			parts[i] = connect.Col(name)
		}
		err = result.WriteTo(c.Table).PartitionedBy(parts...).TableProperty(TablePropertyJob, j.Name).Create(ctx)
		run.Created = err == nil
	}
	if err != nil {
		return nil, fmt.Errorf("job %s: write %s: %w", j.Name, c.Table, err)
	}
	return run, nil
}

// BatchRegistry lists batch jobs by name.
type BatchRegistry struct {
	jobs []*BatchJob
}

// NewBatchRegistry returns a registry of the given batch jobs; names must be unique and
// valid, and each job needs a Transform.
func NewBatchRegistry(jobs ...*BatchJob) (*BatchRegistry, error) {
	seen := map[string]bool{}
	for _, j := range jobs {
		switch {
		case j == nil:
			return nil, errors.New("a nil batch job")
		case !validName(j.Name):
			return nil, fmt.Errorf("batch job name %q: use lower case letters, digits and underscores", j.Name)
		case seen[j.Name]:
			return nil, fmt.Errorf("batch job %q registered twice", j.Name)
		case j.Transform == nil:
			return nil, fmt.Errorf("batch job %q has no Transform", j.Name)
		}
		for _, col := range j.PartitionedBy {
			if col == "" {
				return nil, fmt.Errorf("batch job %q: an empty partition column", j.Name)
			}
		}
		seen[j.Name] = true
	}
	return &BatchRegistry{jobs: slices.Clone(jobs)}, nil
}

// Get returns the batch job with the given name, or an error wrapping ErrUnknownJob.
func (r *BatchRegistry) Get(name string) (*BatchJob, error) {
	return byName(r.jobs, func(j *BatchJob) string { return j.Name }, name, "known batch jobs")
}

// List returns the batch jobs in registration order.
func (r *BatchRegistry) List() []*BatchJob { return slices.Clone(r.jobs) }

// BuiltinBatch returns a registry of the built-in batch jobs.
func BuiltinBatch() *BatchRegistry {
	r, err := NewBatchRegistry(PageViewsDaily())
	if err != nil {
		panic(err) // the built-in jobs are valid by construction
	}
	return r
}
