package connect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect/types"
)

// RecordReader streams a query's result as Arrow record batches, decoding each batch as it
// arrives from the server.
//
// The reader owns the current batch: it stays valid until the next call to Next or Release.
// A caller who keeps a batch longer calls its Retain (and later Release). Release the
// reader when done; releasing it before the end of the result interrupts the query on the
// server. A RecordReader is not safe for concurrent use.
type RecordReader struct {
	exec   *execution
	mem    memory.Allocator
	schema *arrow.Schema
	spark  *types.StructType
	cur    arrow.RecordBatch
	queue  []arrow.RecordBatch
	err    error
	done   bool
	rows   int64
}

func newRecordReader(e *execution, mem memory.Allocator) *RecordReader {
	return &RecordReader{exec: e, mem: mem}
}

// Next advances to the next batch and reports whether there is one. At the end of the
// result, or on error, it returns false; Err tells which.
func (r *RecordReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	for len(r.queue) == 0 {
		if r.done || r.err != nil {
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
		return
	}
	if err != nil {
		r.err = err
		r.exec.Close()
		return
	}
	if s := resp.GetSchema(); s != nil && r.spark == nil {
		if st, ok := dataType(s).(*types.StructType); ok {
			r.spark = st
		}
	}
	batch := resp.GetArrowBatch()
	if batch == nil {
		return
	}
	var rd *ipc.Reader
	if _, goHeap := r.mem.(*memory.GoAllocator); goHeap {
		// Buffers from the Go heap either way: let the arrays point into the response's
		// bytes (see byteMessages) rather than copy them.
		rd, err = ipc.NewReaderFromMessageReader(newByteMessages(batch.GetData(), r.mem), ipc.WithAllocator(r.mem))
	} else {
		// Any other allocator gets every buffer: decode into copies it allocated.
		rd, err = ipc.NewReader(bytes.NewReader(batch.GetData()), ipc.WithAllocator(r.mem))
	}
	if err != nil {
		r.err = fmt.Errorf("spark connect: decode arrow batch: %w", err)
		r.exec.Close()
		return
	}
	defer rd.Release()
	if r.schema == nil {
		r.schema = rd.Schema()
	}
	for rd.Next() {
		rec := rd.RecordBatch()
		if rec.NumRows() == 0 {
			continue
		}
		rec.Retain()
		r.queue = append(r.queue, rec)
	}
	if err := rd.Err(); err != nil {
		r.err = fmt.Errorf("spark connect: decode arrow batch: %w", err)
		r.exec.Close()
	}
}

// RecordBatch returns the current batch, valid until the next call to Next or Release.
func (r *RecordReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Schema returns the Arrow schema of the result, or nil before the first batch arrived.
func (r *RecordReader) Schema() *arrow.Schema { return r.schema }

// SparkSchema returns the result's schema in Spark's types, when the server sent it.
func (r *RecordReader) SparkSchema() *types.StructType { return r.spark }

// Rows returns the number of rows delivered so far.
func (r *RecordReader) Rows() int64 { return r.rows }

// Err returns the error that ended the stream, or nil at a clean end.
func (r *RecordReader) Err() error { return r.err }

// Release frees the current and queued batches and ends the operation on the server,
// interrupting it if the result was not read to the end. Safe to call more than once.
func (r *RecordReader) Release() {
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

// Rows runs the query and returns all rows as Go values; see [Row] for the type mapping.
// Use Collect for large results.
func (df *DataFrame) Rows(ctx context.Context) ([]Row, error) {
	rr, err := df.Collect(ctx)
	if err != nil {
		return nil, err
	}
	defer rr.Release()
	var out []Row
	for rr.Next() {
		out = append(out, RowsOf(rr.RecordBatch())...)
	}
	if err := rr.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
