package connect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect/internal/wire"
	"github.com/sparkwire/sparkwire/connect/types"
)

// RecordReader streams a query's result as Arrow record batches, decoding each batch as it
// arrives from the server. It implements arrow-go's array.RecordReader, so a result can flow
// into cdata, Flight or any other arrow-go consumer; Schema answers before the first batch
// is read.
//
// The reader owns the current batch: it stays valid until the next call to Next or until
// the reader is released. A caller who keeps a batch longer calls its Retain (and later
// Release). The same holds for what the batch's arrays return: a string or []byte value
// points into the batch's memory, which the session reuses for later results once the
// batch is released; copy values (strings.Clone, bytes.Clone) to keep them longer, as
// [RowsOf] does. The reader is reference counted as arrow-go's readers are: it starts with one
// reference; Retain adds one, Release drops one, and the last Release frees the batches and
// ends the operation on the server, interrupting it if the result was not read to the end.
// Release never waits for the server: the interrupt and release run in the background, and
// [Session.Close] waits for them. A RecordReader is not safe for concurrent use.
type RecordReader struct {
	exec   *wire.Execution
	mem    memory.Allocator
	schema *arrow.Schema
	spark  *types.StructType
	cur    arrow.RecordBatch
	queue  []arrow.RecordBatch
	err    error
	done   bool
	rows   int64
	refs   atomic.Int64
	// sent is the Arrow schema of the first batch, which every later batch must repeat.
	sent *arrow.Schema
	// marked reports that schema carries variant marks the batches lack, so each batch is
	// rewrapped with it.
	marked bool
	// observed routes the observed metrics of the result to Observations (nil if none).
	observed *resultObservations
	// info gathers the execution information sent with the result (see ExecutionInfo).
	info *execInfo
}

var _ array.RecordReader = (*RecordReader)(nil)

func newRecordReader(e *wire.Execution, mem memory.Allocator) *RecordReader {
	r := &RecordReader{exec: e, mem: mem}
	r.refs.Store(1)
	return r
}

// Next advances to the next batch and reports whether there is one. At the end of the
// result, or on error, it returns false; Err tells which.
func (r *RecordReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	for len(r.queue) == 0 {
		if r.done || r.err != nil || r.refs.Load() <= 0 {
			return false
		}
		r.fill()
	}
	r.cur = r.queue[0]
	r.queue[0] = nil
	r.queue = r.queue[1:]
	r.rows += r.cur.NumRows()
	return true
}

// fill receives one response and queues the batches it carries.
func (r *RecordReader) fill() {
	resp, err := r.exec.Recv()
	if errors.Is(err, io.EOF) {
		r.done = true
		r.exec.Close()
		r.observed.end(nil)
		r.info.complete()
		return
	}
	if err != nil {
		r.err = err
		r.exec.Close()
		r.observed.end(err)
		return
	}
	if m := resp.GetObservedMetrics(); len(m) > 0 {
		r.observed.receive(m)
	}
	r.info.receive(resp)
	if s := resp.GetSchema(); s != nil && r.spark == nil {
		if st, ok := dataType(s).(*types.StructType); ok {
			r.spark = st
		}
	}
	if resp.GetArrowBatch() == nil {
		return
	}
	schema, recs, err := r.exec.DecodeBatch(resp, r.mem)
	if err != nil {
		r.err = fmt.Errorf("spark connect: decode arrow batch: %w", err)
		r.exec.Close()
		return
	}
	if r.schema == nil {
		r.sent = schema
		r.schema = markVariants(schema, r.spark)
		r.marked = r.schema != schema
	} else if !schema.Equal(r.sent) {
		for _, rec := range recs {
			rec.Release()
		}
		r.err = fmt.Errorf("spark connect: decode arrow batch: %w: the schema changed within the result (%s, then %s)", wire.ErrInvalidArrow, r.sent, schema)
		r.exec.Close()
		return
	}
	for _, rec := range recs {
		if r.marked && r.schema.NumFields() == int(rec.NumCols()) {
			// The same columns, described by the reader's schema (with Spark's variant marks).
			marked := array.NewRecordBatch(r.schema, rec.Columns(), rec.NumRows())
			rec.Release()
			rec = marked
		}
		r.queue = append(r.queue, rec)
	}
}

// RecordBatch returns the current batch, valid until the next call to Next or Release.
func (r *RecordReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record returns the current batch.
//
// Deprecated: use RecordBatch; Record is there for array.RecordReader.
func (r *RecordReader) Record() arrow.RecordBatch { return r.cur }

// Schema returns the Arrow schema of the result. Called before the first batch, it waits for
// the server to send the schema (with the first batch of the result, which it keeps for
// Next). If the result fails first, Schema describes it from Spark's schema when the server
// sent one, else returns an empty schema, and Err reports the error; Schema never returns nil.
func (r *RecordReader) Schema() *arrow.Schema {
	for r.schema == nil && !r.done && r.err == nil && r.refs.Load() > 0 {
		r.fill()
	}
	if r.schema == nil {
		return arrowSchemaOf(r.spark)
	}
	return r.schema
}

// SparkSchema returns the result's schema in Spark's types, when the server sent it.
func (r *RecordReader) SparkSchema() *types.StructType { return r.spark }

// Rows returns the number of rows delivered so far.
func (r *RecordReader) Rows() int64 { return r.rows }

// Err returns the error that ended the stream, or nil at a clean end.
func (r *RecordReader) Err() error { return r.err }

// Retain adds a reference to the reader.
func (r *RecordReader) Retain() { r.refs.Add(1) }

// Release drops a reference. The last one frees the current and queued batches and ends the
// operation on the server, interrupting it if the result was not read to the end; it does
// not wait for the server. Releasing more often than retaining does nothing more.
func (r *RecordReader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	for _, rec := range r.queue {
		rec.Release()
	}
	r.queue = nil
	r.exec.Close()
}

// markVariants marks the top-level fields whose Spark type is variant as Spark's own Arrow
// schema would (metadata variant=true), so that rows decode them: Spark 4.1 sends a variant
// as a plain struct of two binaries, and says it is a variant only in the Spark schema.
func markVariants(schema *arrow.Schema, spark *types.StructType) *arrow.Schema {
	if spark == nil || len(spark.Fields) != schema.NumFields() {
		return schema
	}
	fields := schema.Fields()
	changed := false
	for i, f := range fields {
		if spark.Fields[i].Type != types.Variant || isVariantField(f) {
			continue
		}
		if _, ok := f.Type.(*arrow.StructType); !ok {
			continue
		}
		keys, vals := append(f.Metadata.Keys(), "variant"), append(f.Metadata.Values(), "true")
		fields[i].Metadata = arrow.NewMetadata(keys, vals)
		changed = true
	}
	if !changed {
		return schema
	}
	meta := schema.Metadata()
	return arrow.NewSchema(fields, &meta)
}

// arrowSchemaOf describes a Spark schema in Arrow types, for a result that carried no Arrow
// batch; fields of types without an Arrow mapping here become nulls. A nil schema gives an
// empty one.
func arrowSchemaOf(st *types.StructType) *arrow.Schema {
	if st == nil {
		return arrow.NewSchema(nil, nil)
	}
	fields := make([]arrow.Field, len(st.Fields))
	for i, f := range st.Fields {
		at, err := arrowType(f.Type)
		if err != nil {
			at = arrow.Null
		}
		fields[i] = arrow.Field{Name: f.Name, Type: at, Nullable: f.Nullable}
	}
	return arrow.NewSchema(fields, nil)
}

// Rows runs the query and returns all rows as Go values; see [Row] for the type mapping.
// The rows own their values: nothing in them refers to Arrow memory. Each batch's values
// are converted once, into columns its rows share, as it arrives; the slice of rows is
// made at the end, at its exact length. Use [DataFrame.All] to hold one batch at a time,
// and Collect for large results.
func (df *DataFrame) Rows(ctx context.Context) ([]Row, error) {
	rr, err := df.Collect(ctx)
	if err != nil {
		return nil, err
	}
	defer rr.Release()
	var (
		sets []*rowSet
		n    int
	)
	for rr.Next() {
		if set := rowSetOf(rr.RecordBatch()); set.rows > 0 {
			sets = append(sets, set)
			n += set.rows
		}
	}
	if err := rr.Err(); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	out := make([]Row, 0, n)
	for _, set := range sets {
		for i := range set.rows {
			out = append(out, Row{set: set, i: i})
		}
	}
	return out, nil
}
