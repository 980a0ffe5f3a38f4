package connect_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect"
)

// BenchmarkCollect reads 10 million rows (SPARKWIRE_BENCH_ROWS sets another number) of (bigint, double, string) from the server as
// Arrow batches and reports rows/s, the process's CPU time per row (cpu-ns/row) and bytes
// allocated per row, with the default
// allocator (batches point into the server's responses) and with a checked allocator
// (batches are copies). It needs a server: bench/run.sh starts the local stack
// and sets SPARKWIRE_CONNECT_URL.
func BenchmarkCollect(b *testing.B) {
	url := os.Getenv("SPARKWIRE_CONNECT_URL")
	if url == "" {
		b.Skip("set SPARKWIRE_CONNECT_URL (bench/run.sh does)")
	}
	for _, bc := range []struct {
		name string
		opts []connect.Option
	}{
		{"direct", nil},
		{"copied", []connect.Option{connect.WithAllocator(memory.NewCheckedAllocator(memory.NewGoAllocator()))}},
	} {
		b.Run(bc.name, func(b *testing.B) { benchCollect(b, url, bc.opts...) })
	}
}

func benchCollect(b *testing.B, url string, opts ...connect.Option) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	s, err := connect.Dial(ctx, url, opts...)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(ctx)
	rows, err := envInt(benchRowsEnv, 10_000_000)
	if err != nil {
		b.Fatal(err)
	}
	df, err := s.SQL(ctx, fmt.Sprintf("SELECT id, cast(id AS double) * 1.5 AS x, concat('row-', id) AS s FROM range(%d)", rows))
	if err != nil {
		b.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rr, err := df.Collect(ctx)
		if err != nil {
			b.Fatal(err)
		}
		var n int64
		for rr.Next() {
			n += rr.RecordBatch().NumRows()
		}
		rr.Release()
		if err := rr.Err(); err != nil {
			b.Fatal(err)
		}
		if n != int64(rows) {
			b.Fatalf("got %d rows", n)
		}
	}
	b.StopTimer()
	cpu := processCPU() - cpu0
	runtime.ReadMemStats(&after)
	total := float64(rows) * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds(), "rows/s")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/total, "cpu-ns/row")
	}
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/total, "B/row")
}
