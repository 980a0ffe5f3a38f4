package connect

import (
	"context"
	"iter"
)

// All runs the query when the loop starts and yields its rows as Go values (see [Row]), one
// Arrow batch at a time: it holds the batch being read and its rows' values, not the
// result, so memory stays at one batch (10,000 rows as Spark sends them) whatever the
// result's size. A yielded row stays valid after the loop moves on; keeping it keeps its
// batch's values. The first error ends the sequence, yielded with a zero Row. Breaking out
// of the loop releases the result and ends the operation on the server.
//
//	for row, err := range df.All(ctx) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(row.Value(0))
//	}
//
// [RowsAs] does the same with rows decoded into Go structs.
func (df *DataFrame) All(ctx context.Context) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		rr, err := df.Collect(ctx)
		if err != nil {
			yield(Row{}, err)
			return
		}
		defer rr.Release()
		for rr.Next() {
			set := rowSetOf(rr.RecordBatch())
			for i := range set.rows {
				if !yield(Row{set: set, i: i}, nil) {
					return
				}
			}
		}
		if err := rr.Err(); err != nil {
			yield(Row{}, err)
		}
	}
}
