package connect

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// zeroCopyBatches returns n batches of rows rows each of (id bigint, x double, s string),
// the row with id i holding i, i*1.5 and "row-i" (s null for every 97th), for checking
// every value with checkZeroCopyRows.
func zeroCopyBatches(n, rows int) []arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	out := make([]arrow.RecordBatch, n)
	for k := range out {
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for i := range rows {
			id := int64(k*rows + i)
			b.Field(0).(*array.Int64Builder).Append(id)
			b.Field(1).(*array.Float64Builder).Append(float64(id) * 1.5)
			if id%97 == 0 {
				b.Field(2).AppendNull()
			} else {
				b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("row-%d", id))
			}
		}
		out[k] = b.NewRecordBatch()
		b.Release()
	}
	return out
}

// checkZeroCopyRows checks every value of batches, which must hold the rows of
// zeroCopyBatches in order, total of them.
func checkZeroCopyRows(t *testing.T, batches []arrow.RecordBatch, total int) {
	t.Helper()
	var id int64
	for _, rec := range batches {
		ids := rec.Column(0).(*array.Int64)
		xs := rec.Column(1).(*array.Float64)
		ss := rec.Column(2).(*array.String)
		for i := range int(rec.NumRows()) {
			if ids.Value(i) != id || xs.Value(i) != float64(id)*1.5 {
				t.Fatalf("row %d: id %d, x %v", id, ids.Value(i), xs.Value(i))
			}
			if id%97 == 0 {
				if !ss.IsNull(i) {
					t.Fatalf("row %d: s %q, want null", id, ss.Value(i))
				}
			} else if want := fmt.Sprintf("row-%d", id); ss.IsNull(i) || ss.Value(i) != want {
				t.Fatalf("row %d: s %q (null %v), want %q", id, ss.Value(i), ss.IsNull(i), want)
			}
			id++
		}
	}
	if id != int64(total) {
		t.Fatalf("%d rows, want %d", id, total)
	}
}

// The batches of a result point into the responses they came in (executeCodec): each must
// stay intact while later responses arrive and after the reader moved on, for as long as
// the caller keeps it, across reattaches too.
func TestCollectBatchesStayIntact(t *testing.T) {
	const n, rows = 40, 3000 // ~100 KB per response: several HTTP/2 frames each
	for _, tc := range []struct {
		name       string
		cuts       int
		err        error
		reattaches int
	}{
		{"one stream", 0, nil, 0},
		{"streams ended early", 3, nil, 3},
		{"streams broken", 2, status.Error(codes.Unavailable, "connection reset"), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, s := fakeSession(t)
			recs := zeroCopyBatches(n, rows)
			srv.SetResult(func(*sparkpb.Plan) ([]arrow.RecordBatch, error) {
				for _, r := range recs {
					r.Retain()
				}
				return recs, nil
			})
			t.Cleanup(func() {
				for _, r := range recs {
					r.Release()
				}
			})
			df, err := s.SQL(fakeCtx(t), "SELECT * FROM t")
			if err != nil {
				t.Fatal(err)
			}
			if tc.cuts > 0 {
				srv.CutStreams(tc.cuts, 7, tc.err)
			}
			rr, err := df.Collect(fakeCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			var kept []arrow.RecordBatch
			for rr.Next() {
				rec := rr.RecordBatch()
				rec.Retain()
				kept = append(kept, rec)
			}
			if err := rr.Err(); err != nil {
				t.Fatal(err)
			}
			if got := rr.Reattaches(); got != tc.reattaches {
				t.Errorf("%d reattaches, want %d", got, tc.reattaches)
			}
			rr.Release()
			// Every response has arrived and the reader is gone: check every value.
			checkZeroCopyRows(t, kept, n*rows)
			for _, rec := range kept {
				rec.Release()
			}
		})
	}
}
