package wire

import (
	"errors"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// The buffer of a large response is recycled only after the last batch decoded from it is
// released: DecodeBatch hands the response's reference over to the batches' bodies, the
// batches' release drops them, and a response that is not decoded keeps its buffer.
func TestExecutionBufferLifecycle(t *testing.T) {
	srv, c := newClient(t, RetryPolicy{})
	const n, rows = 6, 20_000 // 160 KB per response: from the pool
	srv.SetResult(func(*sparkpb.Plan) ([]arrow.RecordBatch, error) {
		out := make([]arrow.RecordBatch, n)
		for k := range out {
			vals := make([]int64, rows)
			for i := range vals {
				vals[i] = int64(k*rows + i)
			}
			out[k] = ints(vals...)
		}
		return out, nil
	})
	e, err := c.Execute(testCtx(t), rootPlan())
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var kept []arrow.RecordBatch
	var bufs []*msgBuf
	batches := 0
	for {
		resp, err := e.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetArrowBatch() == nil {
			continue
		}
		batches++
		mb := e.lastBuf
		if batches == 3 {
			// Not decoded through the Execution: the buffer stays the response's.
			if mb == nil {
				t.Fatal("a large response's bytes are not from the pool")
			}
			data := resp.GetArrowBatch().GetData()
			_ = decodeInts(t, data)
			if got := mb.refs.Load(); got != 1 {
				t.Fatalf("undecoded response: %d references, want 1", got)
			}
			continue
		}
		if mb == nil {
			t.Fatalf("response %d: bytes not from the pool", batches)
		}
		_, recs, err := e.DecodeBatch(resp, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetArrowBatch().GetData() != nil {
			t.Error("DecodeBatch left the data in the response")
		}
		if len(recs) != 1 {
			t.Fatalf("%d batches", len(recs))
		}
		if got := mb.refs.Load(); got != 1 {
			t.Fatalf("response %d: %d references after decoding, want 1 (the batch's body)", batches, got)
		}
		if batches%2 == 0 {
			recs[0].Release()
			if got := mb.refs.Load(); got != 0 {
				t.Fatalf("response %d: %d references after release, want 0", batches, got)
			}
			continue
		}
		kept = append(kept, recs[0])
		bufs = append(bufs, mb)
	}
	if batches != n {
		t.Fatalf("%d batches, want %d", batches, n)
	}
	// The kept batches are intact although buffers were recycled after them.
	for _, rec := range kept {
		vals := rec.Column(0).(*array.Int64).Int64Values()
		first := vals[0]
		for i, v := range vals {
			if v != first+int64(i) || first%rows != 0 {
				t.Fatalf("kept batch from %d: value %d is %d", first, i, v)
			}
		}
	}
	for i, rec := range kept {
		rec.Release()
		if got := bufs[i].refs.Load(); got != 0 {
			t.Fatalf("kept batch %d: %d references after release, want 0", i, got)
		}
	}
}
