package connect_test

import (
	"context"
	"fmt"
	"iter"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/sparkwire/sparkwire/connect"
)

// benchRow is BenchmarkRowsMemory's row as a Go struct: 56 bytes, and the string's bytes.
type benchRow struct {
	ID int64     `spark:"id"`
	X  float64   `spark:"x"`
	S  string    `spark:"s"`
	TS time.Time `spark:"ts"`
}

// rowIterator is the shape of an iterator over a DataFrame's rows as Row values; the
// benchmark finds it at run time so that it compiles against builds without one.
type rowIterator interface {
	All(ctx context.Context) iter.Seq2[connect.Row, error]
}

// BenchmarkRowsMemory measures the memory of a result as Go values: 2 million rows of
// (bigint, double, string, timestamp), in batches of 10,000, from the fake server in
// another process (as BenchmarkClientCPU does), read as
//
//   - rows: DataFrame.Rows, every row held;
//   - collectas: CollectAs into benchRow, every struct held;
//   - rowsas: RowsAs into benchRow, one struct at a time, nothing held;
//   - all: DataFrame.All, one Row at a time, nothing held (skipped in builds without it).
//
// It reports held-B/row, the live heap per row after a garbage collection with the
// result still held (0 for the iterators, which hold nothing at the end), peak-B/row,
// the highest heap in use per row (live and garbage not yet collected, sampled every
// millisecond during the read, minus the live heap before it), B/row allocated in
// total, and ns/row. collectas also reports go-B/row, the size of its Go values:
// unsafe.Sizeof(benchRow) plus the mean length of the strings. SPARKWIRE_BENCH_ROWS and
// SPARKWIRE_BENCH_BATCH_ROWS change the rows and the rows per batch; bench/rows_memory.sh
// compares builds with it.
func BenchmarkRowsMemory(b *testing.B) {
	rows, err := envInt(benchRowsEnv, 2_000_000)
	if err != nil {
		b.Fatal(err)
	}
	addr := startBenchServer(b, rows, benchTimestampEnv+"=1")
	ctx := benchContext(b)
	s, err := connect.Dial(ctx, "sc://"+addr)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close(ctx) })
	df, err := s.SQL(ctx, benchQuery)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("rows", func(b *testing.B) {
		measureHeld(b, rows, func() (any, int, error) {
			out, err := df.Rows(ctx)
			if err == nil && len(out) > 0 {
				err = checkBenchRow(out[len(out)-1].Values(), rows)
			}
			return out, len(out), err
		})
	})
	b.Run("collectas", func(b *testing.B) {
		var strBytes int
		measureHeld(b, rows, func() (any, int, error) {
			out, err := connect.CollectAs[benchRow](ctx, df)
			strBytes = 0
			for i := range out {
				strBytes += len(out[i].S)
			}
			if err == nil && len(out) > 0 {
				last := out[len(out)-1]
				err = checkBenchRow([]any{last.ID, last.X, last.S, last.TS}, rows)
			}
			return out, len(out), err
		})
		b.ReportMetric(float64(unsafe.Sizeof(benchRow{}))+float64(strBytes)/float64(rows), "go-B/row")
	})
	b.Run("rowsas", func(b *testing.B) {
		measureHeld(b, rows, func() (any, int, error) {
			n := 0
			for v, err := range connect.RowsAs[benchRow](ctx, df) {
				if err != nil {
					return nil, n, err
				}
				n++
				if n == rows {
					if err := checkBenchRow([]any{v.ID, v.X, v.S, v.TS}, rows); err != nil {
						return nil, n, err
					}
				}
			}
			return nil, n, nil
		})
	})
	b.Run("all", func(b *testing.B) {
		it, ok := any(df).(rowIterator)
		if !ok {
			b.Skip("no DataFrame.All in this build")
		}
		measureHeld(b, rows, func() (any, int, error) {
			n := 0
			for r, err := range it.All(ctx) {
				if err != nil {
					return nil, n, err
				}
				n++
				if n == rows {
					if err := checkBenchRow(r.Values(), rows); err != nil {
						return nil, n, err
					}
				}
			}
			return nil, n, nil
		})
	})
}

// checkBenchRow checks the values of the last row of a result of rows rows.
func checkBenchRow(got []any, rows int) error {
	batchRows, err := envInt(benchBatchRowsEnv, 10_000)
	if err != nil {
		return err
	}
	// The server sends ten distinct batches in turn.
	id := int64((rows-1)%(10*batchRows)) % int64(min(rows, 10*batchRows))
	want := []any{id, float64(id) * 1.5, fmt.Sprintf("row-%d", id), benchEpoch.Add(time.Duration(id) * time.Second)}
	if len(got) != len(want) {
		return fmt.Errorf("last row %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			return fmt.Errorf("last row %v, want %v", got, want)
		}
	}
	return nil
}

// measureHeld runs read b.N times, checks that each read all rows, and reports the heap
// it holds and peaks at per row (see BenchmarkRowsMemory), bytes allocated per row and
// ns/row. read returns what it holds, which stays alive until the heap is measured.
func measureHeld(b *testing.B, rows int, read func() (held any, n int, err error)) {
	b.Helper()
	var heldSum, peakSum, allocSum float64
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		runtime.GC()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		stop := samplePeakHeap()
		b.StartTimer()
		start := time.Now()
		held, n, err := read()
		elapsed += time.Since(start)
		b.StopTimer()
		top := stop()
		if err != nil {
			b.Fatal(err)
		}
		if n != rows {
			b.Fatalf("read %d rows, want %d", n, rows)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(held)
		held = nil
		heldSum += float64(int64(after.HeapAlloc) - int64(before.HeapAlloc))
		peakSum += float64(int64(top) - int64(before.HeapAlloc))
		allocSum += float64(after.TotalAlloc - before.TotalAlloc)
		b.StartTimer()
	}
	total := float64(rows) * float64(b.N)
	b.ReportMetric(heldSum/total, "held-B/row")
	b.ReportMetric(peakSum/total, "peak-B/row")
	b.ReportMetric(allocSum/total, "B/row")
	b.ReportMetric(float64(elapsed.Nanoseconds())/total, "ns/row")
}

// samplePeakHeap samples the bytes of heap objects (live, and dead ones not yet swept)
// every millisecond until stop is called; stop returns the highest sample.
func samplePeakHeap() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var top uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			top = max(top, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		metrics.Read(sample)
		top = max(top, sample[0].Value.Uint64())
		return top
	}
}
