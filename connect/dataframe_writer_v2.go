package connect

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// DataFrameWriterV2 writes a batch DataFrame to a table through Spark's catalog (data source
// V2) API, as DataFrame.writeTo does in Spark's other clients: the action says what
// happens to the table (Create, Replace, CreateOrReplace, Append, Overwrite,
// OverwritePartitions) instead of a save mode. Its methods return a modified copy; nothing
// runs until an action, which takes a context. Using, TableProperty, PartitionedBy and
// ClusterBy apply to the actions that create a table.
type DataFrameWriterV2 struct {
	df         *DataFrame
	table      string
	provider   string
	options    map[string]string
	properties map[string]string
	partitions []*sparkpb.Expression
	clusters   []string
	err        error
}

// WriteTo returns a writer to the named table (optionally qualified by catalog and
// database).
func (df *DataFrame) WriteTo(table string) *DataFrameWriterV2 {
	return &DataFrameWriterV2{df: df, table: table}
}

func (w *DataFrameWriterV2) with(f func(*DataFrameWriterV2)) *DataFrameWriterV2 {
	var c DataFrameWriterV2
	if w != nil {
		c = *w
		c.options = maps.Clone(w.options)
		c.properties = maps.Clone(w.properties)
	}
	f(&c)
	return &c
}

// Using sets the table's provider (its format), e.g. "parquet", "orc" or "delta", for
// the actions that create the table. Without it Spark uses spark.sql.sources.default.
func (w *DataFrameWriterV2) Using(provider string) *DataFrameWriterV2 {
	return w.with(func(c *DataFrameWriterV2) { c.provider = provider })
}

// Option sets one write option.
func (w *DataFrameWriterV2) Option(key, value string) *DataFrameWriterV2 {
	return w.with(func(c *DataFrameWriterV2) {
		if c.options == nil {
			c.options = map[string]string{}
		}
		c.options[key] = value
	})
}

// Options sets several write options.
func (w *DataFrameWriterV2) Options(opts map[string]string) *DataFrameWriterV2 {
	return w.with(func(c *DataFrameWriterV2) {
		if c.options == nil {
			c.options = map[string]string{}
		}
		maps.Copy(c.options, opts)
	})
}

// TableProperty sets a property of the table created (TBLPROPERTIES).
func (w *DataFrameWriterV2) TableProperty(key, value string) *DataFrameWriterV2 {
	return w.with(func(c *DataFrameWriterV2) {
		if c.properties == nil {
			c.properties = map[string]string{}
		}
		c.properties[key] = value
	})
}

// PartitionedBy partitions the table created by columns or partition transforms
// (CallFunction("years", Col("ts")), CallFunction("bucket", Lit(4), Col("id")), ...). It
// replaces the partitioning of an earlier call.
func (w *DataFrameWriterV2) PartitionedBy(cols ...Column) *DataFrameWriterV2 {
	return w.with(func(c *DataFrameWriterV2) {
		ex, err := exprs(cols)
		if err != nil {
			if c.err == nil {
				c.err = fmt.Errorf("write to %s: partitioned by: %w", c.table, err)
			}
			return
		}
		c.partitions = ex
	})
}

// ClusterBy clusters the table created by the named columns, for table formats that
// support clustering.
func (w *DataFrameWriterV2) ClusterBy(cols ...string) *DataFrameWriterV2 {
	return w.with(func(c *DataFrameWriterV2) { c.clusters = slices.Clone(cols) })
}

// Create creates the table with the DataFrame's rows; it fails if the table exists.
func (w *DataFrameWriterV2) Create(ctx context.Context) error {
	return w.run(ctx, sparkpb.WriteOperationV2_MODE_CREATE, nil)
}

// Replace replaces the table's definition and rows; it fails if the table does not exist.
func (w *DataFrameWriterV2) Replace(ctx context.Context) error {
	return w.run(ctx, sparkpb.WriteOperationV2_MODE_REPLACE, nil)
}

// CreateOrReplace creates the table, or replaces it if it exists.
func (w *DataFrameWriterV2) CreateOrReplace(ctx context.Context) error {
	return w.run(ctx, sparkpb.WriteOperationV2_MODE_CREATE_OR_REPLACE, nil)
}

// Append adds the rows to the existing table.
func (w *DataFrameWriterV2) Append(ctx context.Context) error {
	return w.run(ctx, sparkpb.WriteOperationV2_MODE_APPEND, nil)
}

// Overwrite deletes the table's rows that match condition and adds the DataFrame's rows.
// The table's format must support deleting by a filter (Spark's file tables do not). The
// condition cannot hold a subquery Column (see [ErrSubqueryInCommand]).
func (w *DataFrameWriterV2) Overwrite(ctx context.Context, condition Column) error {
	if err := condition.Err(); err != nil {
		return fmt.Errorf("write to %s: overwrite condition: %w", w.tableName(), err)
	}
	if err := checkNoSubquery(fmt.Sprintf("write to %s: overwrite condition", w.tableName()), condition.expr); err != nil {
		return err
	}
	return w.run(ctx, sparkpb.WriteOperationV2_MODE_OVERWRITE, condition.expr)
}

// OverwritePartitions replaces the partitions of the table that the DataFrame has rows
// for, leaving the others as they are (a dynamic partition overwrite).
func (w *DataFrameWriterV2) OverwritePartitions(ctx context.Context) error {
	return w.run(ctx, sparkpb.WriteOperationV2_MODE_OVERWRITE_PARTITIONS, nil)
}

func (w *DataFrameWriterV2) tableName() string {
	if w == nil {
		return ""
	}
	return w.table
}

func (w *DataFrameWriterV2) run(ctx context.Context, mode sparkpb.WriteOperationV2_Mode, cond *sparkpb.Expression) error {
	if w == nil || w.df == nil {
		return ErrNilDataFrame
	}
	if w.err != nil {
		return w.err
	}
	if err := w.df.err; err != nil {
		return err
	}
	op := &sparkpb.WriteOperationV2{
		Input: w.df.rel, TableName: w.table, Mode: mode, Options: w.options, TableProperties: w.properties,
		PartitioningColumns: w.partitions, ClusteringColumns: w.clusters, OverwriteCondition: cond,
	}
	if w.provider != "" {
		op.Provider = &w.provider
	}
	_, err := w.df.s.executeCommand(ctx, &sparkpb.Command{CommandType: &sparkpb.Command_WriteOperationV2{WriteOperationV2: op}})
	return err
}
