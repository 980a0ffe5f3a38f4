package tests

import (
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// With the default allocator a session decodes large results into response buffers it
// recycles once their batches are released. Batches a caller keeps must survive later
// results that recycle the other buffers, in the same session, read in turn and at the
// same time: every kept value is checked against what the query computes.
func TestCollectKeptBatchesSurviveRecycling(t *testing.T) {
	ctx := testCtx(t, 4*time.Minute)
	s := dial(t, ctx, env.ConnectURL()) // the default allocator
	const rows = 1_000_000
	query := func(tag string) string {
		return "SELECT id, id * 3 AS t, concat('" + tag + "-', id) AS s FROM range(" + strconv.Itoa(rows) + ")"
	}
	collect := func(tag string, keep bool) ([]arrow.RecordBatch, int64) {
		df, err := s.SQL(ctx, query(tag))
		if err != nil {
			t.Error(err)
			return nil, 0
		}
		rr, err := df.Collect(ctx)
		if err != nil {
			t.Error(err)
			return nil, 0
		}
		defer rr.Release()
		var kept []arrow.RecordBatch
		var n int64
		for rr.Next() {
			rec := rr.RecordBatch()
			n += rec.NumRows()
			if keep {
				rec.Retain()
				kept = append(kept, rec)
			}
		}
		if err := rr.Err(); err != nil {
			t.Error(err)
		}
		return kept, n
	}
	check := func(tag string, kept []arrow.RecordBatch) {
		t.Helper()
		var next int64
		for _, rec := range kept {
			ids, ts, ss := rec.Column(0).(*array.Int64), rec.Column(1).(*array.Int64), rec.Column(2).(*array.String)
			for i := range int(rec.NumRows()) {
				if ids.Value(i) != next || ts.Value(i) != 3*next || ss.Value(i) != tag+"-"+strconv.FormatInt(next, 10) {
					t.Fatalf("%s row %d: got (%d, %d, %q)", tag, next, ids.Value(i), ts.Value(i), ss.Value(i))
				}
				next++
			}
		}
		if next != rows {
			t.Fatalf("%s: %d rows kept, want %d", tag, next, rows)
		}
	}
	release := func(recs []arrow.RecordBatch) {
		for _, r := range recs {
			r.Release()
		}
	}

	kept, _ := collect("a", true)
	defer release(kept)
	if len(kept) < 2 {
		t.Fatalf("%d batches: too few to recycle buffers between them", len(kept))
	}
	// Two more results whose batches are released as soon as the reader moves on: their
	// buffers are recycled, from one batch to the next and from one result to the other.
	for _, tag := range []string{"b", "c"} {
		if _, n := collect(tag, false); n != rows {
			t.Fatalf("%s: %d rows", tag, n)
		}
	}
	check("a", kept)

	// Two results read at the same time on the session, one kept, one not.
	done := make(chan int64)
	go func() {
		_, n := collect("d", false)
		done <- n
	}()
	keptE, _ := collect("e", true)
	defer release(keptE)
	if n := <-done; n != rows {
		t.Fatalf("d: %d rows", n)
	}
	check("a", kept)
	check("e", keptE)
}
