package connect

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// ReadStream returns a reader for streaming sources: "kafka", "rate", and file formats
// ("json", "csv", "parquet") reading a directory as new files arrive. The DataFrame it
// loads is a stream: write it with WriteStream.
func (s *Session) ReadStream() *DataFrameReader { return &DataFrameReader{s: s, streaming: true} }

// OutputMode says what a streaming query writes to its sink after each micro-batch.
type OutputMode string

// The output modes.
const (
	// Append writes only new rows; with aggregations, a window's row once the watermark
	// has passed its end.
	Append OutputMode = "append"
	// Update writes the rows that changed in the micro-batch.
	Update OutputMode = "update"
	// Complete writes the whole result table every time (aggregations only).
	Complete OutputMode = "complete"
)

// Trigger says when a streaming query runs its micro-batches. Use ProcessingTime,
// AvailableNow, Once or Continuous.
type Trigger struct {
	set func(*sparkpb.WriteStreamOperationStart)
	s   string
}

// String describes the trigger ("" for the zero Trigger, which is not a valid trigger).
func (t Trigger) String() string { return t.s }

// ProcessingTime runs a micro-batch every interval (as soon as possible if 0).
func ProcessingTime(interval time.Duration) Trigger {
	iv := sparkInterval(interval)
	return Trigger{s: "ProcessingTime(" + iv + ")", set: func(w *sparkpb.WriteStreamOperationStart) {
		w.Trigger = &sparkpb.WriteStreamOperationStart_ProcessingTimeInterval{ProcessingTimeInterval: iv}
	}}
}

// AvailableNow processes all data available when the query starts, in as many batches as
// the source limits allow, then stops the query.
func AvailableNow() Trigger {
	return Trigger{s: "AvailableNow", set: func(w *sparkpb.WriteStreamOperationStart) {
		w.Trigger = &sparkpb.WriteStreamOperationStart_AvailableNow{AvailableNow: true}
	}}
}

// Once processes all available data in one batch, then stops the query (deprecated in
// Spark in favour of AvailableNow).
func Once() Trigger {
	return Trigger{s: "Once", set: func(w *sparkpb.WriteStreamOperationStart) {
		w.Trigger = &sparkpb.WriteStreamOperationStart_Once{Once: true}
	}}
}

// Continuous runs the query in continuous processing mode, checkpointing every interval
// (experimental in Spark; map-like queries with Kafka or rate sources only).
func Continuous(checkpointInterval time.Duration) Trigger {
	iv := sparkInterval(checkpointInterval)
	return Trigger{s: "Continuous(" + iv + ")", set: func(w *sparkpb.WriteStreamOperationStart) {
		w.Trigger = &sparkpb.WriteStreamOperationStart_ContinuousCheckpointInterval{ContinuousCheckpointInterval: iv}
	}}
}

func sparkInterval(d time.Duration) string {
	return fmt.Sprintf("%d milliseconds", d.Milliseconds())
}

// DataStreamWriter starts a streaming query that writes a streaming DataFrame to a sink.
// Its methods return a modified copy.
//
// Sinks: "kafka" (a value column, optionally key and topic), "memory" (a table named by
// QueryName that the same session can read back with Table or SQL), "console", and files
// ("parquet", "json", "csv", with a path and a checkpointLocation option), or a table with
// ToTable. foreach and foreachBatch sinks run Python or JVM code on the server and cannot
// be written in Go; read a Kafka, memory or file sink back from Go instead.
type DataStreamWriter struct {
	df         *DataFrame
	format     string
	options    map[string]string
	mode       OutputMode
	trigger    *Trigger
	queryName  string
	partitions []string
	clusters   []string
	err        error
}

// WriteStream returns a writer for a streaming DataFrame.
func (df *DataFrame) WriteStream() *DataStreamWriter { return &DataStreamWriter{df: df} }

func (w *DataStreamWriter) with(f func(*DataStreamWriter)) *DataStreamWriter {
	c := *w
	c.options = maps.Clone(w.options)
	f(&c)
	return &c
}

// Format sets the sink format: "kafka", "memory", "console", "parquet", "json", ...
func (w *DataStreamWriter) Format(format string) *DataStreamWriter {
	return w.with(func(c *DataStreamWriter) { c.format = format })
}

// OutputMode sets the output mode (default Append).
func (w *DataStreamWriter) OutputMode(mode OutputMode) *DataStreamWriter {
	return w.with(func(c *DataStreamWriter) {
		switch mode {
		case Append, Update, Complete:
			c.mode = mode
		default:
			c.err = fmt.Errorf("write stream: unknown output mode %q", string(mode))
		}
	})
}

// Trigger sets when micro-batches run (default: as soon as the previous one finished).
// Only one trigger can be set.
func (w *DataStreamWriter) Trigger(t Trigger) *DataStreamWriter {
	return w.with(func(c *DataStreamWriter) {
		switch {
		case t.set == nil:
			c.err = errors.New("write stream: an empty Trigger; use ProcessingTime, AvailableNow, Once or Continuous")
		case c.trigger != nil:
			c.err = fmt.Errorf("write stream: trigger set twice (%s, then %s)", c.trigger, t)
		}
		c.trigger = &t
	})
}

// Option sets one sink option, e.g. "checkpointLocation" or "topic".
func (w *DataStreamWriter) Option(key, value string) *DataStreamWriter {
	return w.with(func(c *DataStreamWriter) {
		if c.options == nil {
			c.options = map[string]string{}
		}
		c.options[key] = value
	})
}

// Options sets several sink options.
func (w *DataStreamWriter) Options(opts map[string]string) *DataStreamWriter {
	return w.with(func(c *DataStreamWriter) {
		if c.options == nil {
			c.options = map[string]string{}
		}
		maps.Copy(c.options, opts)
	})
}

// QueryName names the query; for the memory sink it is also the table name.
func (w *DataStreamWriter) QueryName(name string) *DataStreamWriter {
	return w.with(func(c *DataStreamWriter) { c.queryName = name })
}

// PartitionBy partitions file sink output by the named columns.
func (w *DataStreamWriter) PartitionBy(cols ...string) *DataStreamWriter {
	return w.with(func(c *DataStreamWriter) { c.partitions = slices.Clone(cols) })
}

// ClusterBy clusters table sink output by the named columns.
func (w *DataStreamWriter) ClusterBy(cols ...string) *DataStreamWriter {
	return w.with(func(c *DataStreamWriter) { c.clusters = slices.Clone(cols) })
}

// Start starts the query and returns once the server has started it. For file sinks pass
// the output path.
func (w *DataStreamWriter) Start(ctx context.Context, path ...string) (*StreamingQuery, error) {
	if len(path) > 1 {
		return nil, errors.New("write stream: at most one path")
	}
	return w.start(ctx, func(op *sparkpb.WriteStreamOperationStart) {
		if len(path) == 1 {
			op.SinkDestination = &sparkpb.WriteStreamOperationStart_Path{Path: path[0]}
		}
	})
}

// ToTable starts the query writing to the named table.
func (w *DataStreamWriter) ToTable(ctx context.Context, table string) (*StreamingQuery, error) {
	return w.start(ctx, func(op *sparkpb.WriteStreamOperationStart) {
		op.SinkDestination = &sparkpb.WriteStreamOperationStart_TableName{TableName: table}
	})
}

func (w *DataStreamWriter) start(ctx context.Context, sink func(*sparkpb.WriteStreamOperationStart)) (*StreamingQuery, error) {
	if w.err != nil {
		return nil, w.err
	}
	if w.df.err != nil {
		return nil, w.df.err
	}
	op := &sparkpb.WriteStreamOperationStart{
		Input: w.df.rel, Format: w.format, Options: w.options, OutputMode: string(w.mode),
		QueryName: w.queryName, PartitioningColumnNames: w.partitions, ClusteringColumnNames: w.clusters,
	}
	if w.trigger != nil && w.trigger.set != nil {
		w.trigger.set(op)
	}
	sink(op)
	s := w.df.s
	resps, err := s.executeCommand(ctx, &sparkpb.Command{CommandType: &sparkpb.Command_WriteStreamOperationStart{
		WriteStreamOperationStart: op,
	}})
	if err != nil {
		return nil, err
	}
	for _, r := range resps {
		res := r.GetWriteStreamOperationStartResult()
		if res == nil {
			continue
		}
		q := &StreamingQuery{s: s, id: res.GetQueryId().GetId(), runID: res.GetQueryId().GetRunId(), name: res.GetName()}
		if js := res.GetQueryStartedEventJson(); js != "" {
			if ev, err := decodeEvent(eventStarted, []byte(js)); err == nil {
				s.bus.publish(ev)
			}
		}
		return q, nil
	}
	return nil, errors.New("spark connect: write stream: the server returned no query id")
}
