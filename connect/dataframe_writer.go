package connect

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// SaveMode says what a batch write does when its destination (a path or a table) already
// holds data. Mode matches it case-insensitively, as Spark does, so SaveMode("error") also
// works; any other value is an error at the action.
type SaveMode string

// The save modes of [DataFrameWriter.Mode].
const (
	// SaveModeAppend adds the rows to the existing data.
	SaveModeAppend SaveMode = "append"
	// SaveModeOverwrite replaces the existing data.
	SaveModeOverwrite SaveMode = "overwrite"
	// SaveModeErrorIfExists fails the write when data exists (Spark's default); "error" is
	// the same mode.
	SaveModeErrorIfExists SaveMode = "errorifexists"
	// SaveModeIgnore leaves existing data alone and writes nothing.
	SaveModeIgnore SaveMode = "ignore"
)

func (m SaveMode) proto() (sparkpb.WriteOperation_SaveMode, error) {
	switch strings.ToLower(string(m)) {
	case "append":
		return sparkpb.WriteOperation_SAVE_MODE_APPEND, nil
	case "overwrite":
		return sparkpb.WriteOperation_SAVE_MODE_OVERWRITE, nil
	case "errorifexists", "error":
		return sparkpb.WriteOperation_SAVE_MODE_ERROR_IF_EXISTS, nil
	case "ignore":
		return sparkpb.WriteOperation_SAVE_MODE_IGNORE, nil
	}
	return sparkpb.WriteOperation_SAVE_MODE_UNSPECIFIED,
		fmt.Errorf("write: unknown save mode %q (want append, overwrite, errorifexists or ignore)", string(m))
}

// DataFrameWriter writes a batch DataFrame to files, a table or another data source. Its
// methods return a modified copy, so a writer can be reused as a template; nothing runs
// until Save, SaveAsTable, InsertInto or one of the format shortcuts, which take a context.
// Settings that are invalid (an unknown save mode, a bucket count of 0) are reported by the
// action, before anything is sent.
type DataFrameWriter struct {
	df         *DataFrame
	format     string
	mode       sparkpb.WriteOperation_SaveMode
	options    map[string]string
	partitions []string
	buckets    *sparkpb.WriteOperation_BucketBy
	sorts      []string
	clusters   []string
	err        error
}

// Write returns a writer for a batch DataFrame. For a streaming DataFrame use WriteStream.
func (df *DataFrame) Write() *DataFrameWriter { return &DataFrameWriter{df: df} }

func (w *DataFrameWriter) with(f func(*DataFrameWriter)) *DataFrameWriter {
	var c DataFrameWriter
	if w != nil {
		c = *w
		c.options = maps.Clone(w.options)
	}
	f(&c)
	return &c
}

func (w *DataFrameWriter) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// Format sets the data source: "parquet" (Spark's default, spark.sql.sources.default),
// "json", "csv", "orc", "text", "xml", "jdbc", "noop", or a format installed on the server.
func (w *DataFrameWriter) Format(source string) *DataFrameWriter {
	return w.with(func(c *DataFrameWriter) { c.format = source })
}

// Mode sets what happens when the destination already holds data. Without Mode, Spark
// uses SaveModeErrorIfExists. InsertInto chooses its own mode.
func (w *DataFrameWriter) Mode(mode SaveMode) *DataFrameWriter {
	return w.with(func(c *DataFrameWriter) {
		m, err := mode.proto()
		if err != nil {
			c.fail(err)
			return
		}
		c.mode = m
	})
}

// Option sets one option of the data source, e.g. "compression" or "header".
func (w *DataFrameWriter) Option(key, value string) *DataFrameWriter {
	return w.with(func(c *DataFrameWriter) {
		if c.options == nil {
			c.options = map[string]string{}
		}
		c.options[key] = value
	})
}

// Options sets several options of the data source.
func (w *DataFrameWriter) Options(opts map[string]string) *DataFrameWriter {
	return w.with(func(c *DataFrameWriter) {
		if c.options == nil {
			c.options = map[string]string{}
		}
		maps.Copy(c.options, opts)
	})
}

// PartitionBy lays the output out in one directory per value of the named columns
// (col=value/...), Hive style. It replaces the columns of an earlier call.
func (w *DataFrameWriter) PartitionBy(cols ...string) *DataFrameWriter {
	return w.with(func(c *DataFrameWriter) { c.partitions = slices.Clone(cols) })
}

// BucketBy hashes the rows into n buckets by the named columns. Spark supports bucketing
// for SaveAsTable only; n must be positive and at least one column is needed.
func (w *DataFrameWriter) BucketBy(n int, cols ...string) *DataFrameWriter {
	return w.with(func(c *DataFrameWriter) {
		switch {
		case n <= 0 || n > math.MaxInt32:
			c.fail(fmt.Errorf("write: bucket count %d out of range (1 to %d)", n, math.MaxInt32))
		case len(cols) == 0:
			c.fail(errors.New("write: BucketBy needs at least one column"))
		default:
			c.buckets = &sparkpb.WriteOperation_BucketBy{NumBuckets: int32(n), BucketColumnNames: slices.Clone(cols)}
		}
	})
}

// SortBy sorts the rows within each bucket by the named columns (with BucketBy only).
func (w *DataFrameWriter) SortBy(cols ...string) *DataFrameWriter {
	return w.with(func(c *DataFrameWriter) { c.sorts = slices.Clone(cols) })
}

// ClusterBy clusters the table's data by the named columns, for table formats that
// support clustering.
func (w *DataFrameWriter) ClusterBy(cols ...string) *DataFrameWriter {
	return w.with(func(c *DataFrameWriter) { c.clusters = slices.Clone(cols) })
}

// Save writes the DataFrame to path with the writer's format. Without a path the data
// source takes its destination from its options (jdbc, noop, ...).
func (w *DataFrameWriter) Save(ctx context.Context, path ...string) error {
	if len(path) > 1 {
		return errors.New("write: at most one path")
	}
	return w.run(ctx, func(op *sparkpb.WriteOperation) {
		if len(path) == 1 {
			op.SaveType = &sparkpb.WriteOperation_Path{Path: path[0]}
		}
	})
}

// SaveAsTable writes the DataFrame to the named table, creating it (with the writer's
// format, partitioning and bucketing) if it does not exist. With an existing table the
// save mode decides: SaveModeAppend adds rows (matching columns by name),
// SaveModeOverwrite replaces the table, SaveModeIgnore does nothing and
// SaveModeErrorIfExists (the default) fails.
func (w *DataFrameWriter) SaveAsTable(ctx context.Context, table string) error {
	return w.run(ctx, func(op *sparkpb.WriteOperation) {
		op.SaveType = &sparkpb.WriteOperation_Table{Table: &sparkpb.WriteOperation_SaveTable{
			TableName: table, SaveMethod: sparkpb.WriteOperation_SaveTable_TABLE_SAVE_METHOD_SAVE_AS_TABLE,
		}}
	})
}

// InsertInto inserts the rows into an existing table, matching columns by position, not
// by name. With overwrite the table's rows (or, for a partitioned table, the partitions
// written to, depending on spark.sql.sources.partitionOverwriteMode) are replaced first.
// InsertInto ignores Mode; the table's own format and partitioning apply.
func (w *DataFrameWriter) InsertInto(ctx context.Context, table string, overwrite bool) error {
	mode := SaveModeAppend
	if overwrite {
		mode = SaveModeOverwrite
	}
	return w.Mode(mode).run(ctx, func(op *sparkpb.WriteOperation) {
		op.SaveType = &sparkpb.WriteOperation_Table{Table: &sparkpb.WriteOperation_SaveTable{
			TableName: table, SaveMethod: sparkpb.WriteOperation_SaveTable_TABLE_SAVE_METHOD_INSERT_INTO,
		}}
	})
}

// Parquet writes the DataFrame to path as Parquet files.
func (w *DataFrameWriter) Parquet(ctx context.Context, path string) error {
	return w.Format("parquet").Save(ctx, path)
}

// JSON writes the DataFrame to path as JSON lines.
func (w *DataFrameWriter) JSON(ctx context.Context, path string) error {
	return w.Format("json").Save(ctx, path)
}

// CSV writes the DataFrame to path as CSV files (without a header unless the "header"
// option is "true").
func (w *DataFrameWriter) CSV(ctx context.Context, path string) error {
	return w.Format("csv").Save(ctx, path)
}

// ORC writes the DataFrame to path as ORC files.
func (w *DataFrameWriter) ORC(ctx context.Context, path string) error {
	return w.Format("orc").Save(ctx, path)
}

// Text writes the DataFrame, which must have a single string column (plus partition
// columns), to path as text files with one line per row.
func (w *DataFrameWriter) Text(ctx context.Context, path string) error {
	return w.Format("text").Save(ctx, path)
}

// XML writes the DataFrame to path as XML files; the "rowTag" option names the element of
// a row (default "ROW") and "rootTag" the root element (default "ROWS").
func (w *DataFrameWriter) XML(ctx context.Context, path string) error {
	return w.Format("xml").Save(ctx, path)
}

// JDBC writes the DataFrame to table of the database at url. props are further JDBC
// options and connection properties ("user", "password", "driver", "batchsize", ...); the
// server needs the database's JDBC driver on its class path.
func (w *DataFrameWriter) JDBC(ctx context.Context, url, table string, props map[string]string) error {
	return w.Format("jdbc").Options(props).Options(map[string]string{"url": url, "dbtable": table}).Save(ctx)
}

// operation builds the WriteOperation of the writer, or returns the first error recorded.
func (w *DataFrameWriter) operation() (*sparkpb.WriteOperation, error) {
	if w == nil || w.df == nil {
		return nil, ErrNilDataFrame
	}
	if w.err != nil {
		return nil, w.err
	}
	if err := w.df.err; err != nil {
		return nil, err
	}
	op := &sparkpb.WriteOperation{
		Input: w.df.rel, Mode: w.mode, Options: w.options, PartitioningColumns: w.partitions,
		BucketBy: w.buckets, SortColumnNames: w.sorts, ClusteringColumns: w.clusters,
	}
	if w.format != "" {
		op.Source = &w.format
	}
	return op, nil
}

func (w *DataFrameWriter) run(ctx context.Context, dest func(*sparkpb.WriteOperation)) error {
	op, err := w.operation()
	if err != nil {
		return err
	}
	dest(op)
	_, err = w.df.s.executeCommand(ctx, &sparkpb.Command{CommandType: &sparkpb.Command_WriteOperation{WriteOperation: op}})
	return err
}
