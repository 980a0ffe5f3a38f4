package connect_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
)

// Regression benchmarks against a real server (SPARKWIRE_CONNECT_URL; bench/run.sh and
// bench/latency.sh set it), each with a PySpark peer in bench/pyspark_latency.py that does
// the same: round trips (BenchmarkRoundTrip), a result read as Go rows (BenchmarkRows) and
// a streaming query started and stopped (BenchmarkStreamStartStop). Latencies are reported
// as the median and 99th percentile (nearest rank) of the b.N operations, in milliseconds.

// benchRowsRowsEnv sets the rows of BenchmarkRows (default 2 million).
const benchRowsRowsEnv = "SPARKWIRE_BENCH_GO_ROWS"

// benchSession dials the server of SPARKWIRE_CONNECT_URL, or skips the benchmark without one.
func benchSession(b *testing.B) (*connect.Session, context.Context) {
	b.Helper()
	url := os.Getenv("SPARKWIRE_CONNECT_URL")
	if url == "" {
		b.Skip("set SPARKWIRE_CONNECT_URL (bench/run.sh does)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	b.Cleanup(cancel)
	s, err := connect.Dial(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close(context.Background()) })
	return s, ctx
}

// reportLatencies reports the median and the 99th percentile of lat under the given names.
func reportLatencies(b *testing.B, lat []time.Duration, p50, p99 string) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	rank := func(p float64) time.Duration {
		i := int(float64(len(lat))*p/100+0.999999) - 1
		return lat[min(max(i, 0), len(lat)-1)]
	}
	b.ReportMetric(float64(rank(50))/1e6, p50)
	b.ReportMetric(float64(rank(99))/1e6, p99)
}

// BenchmarkRoundTrip measures operations that cost one or two round trips and little
// server work: SELECT 1 read as rows (the statement and its result), the schema of a new
// DataFrame (an AnalyzePlan) and a configuration read (a Config call). One untimed
// operation first.
func BenchmarkRoundTrip(b *testing.B) {
	s, ctx := benchSession(b)
	for _, bc := range []struct {
		name string
		op   func() error
	}{
		{"select1", func() error {
			df, err := s.SQL(ctx, "SELECT 1 AS one")
			if err != nil {
				return err
			}
			rows, err := df.Rows(ctx)
			if err == nil && (len(rows) != 1 || fmt.Sprint(rows[0].Values()...) != "1") {
				err = fmt.Errorf("SELECT 1 returned %v", rows)
			}
			return err
		}},
		{"schema", func() error {
			st, err := s.Range(0, 10, 1).Schema(ctx)
			if err == nil && (len(st.Fields) != 1 || st.Fields[0].Name != "id") {
				err = fmt.Errorf("schema of range: %v", st)
			}
			return err
		}},
		{"config", func() error {
			v, ok, err := s.Conf().Get(ctx, "spark.sql.shuffle.partitions")
			if err == nil && (!ok || v == "") {
				err = fmt.Errorf("spark.sql.shuffle.partitions: %q, %v", v, ok)
			}
			return err
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if err := bc.op(); err != nil {
				b.Fatal(err)
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				if err := bc.op(); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			reportLatencies(b, lat, "p50-ms", "p99-ms")
		})
	}
}

// BenchmarkRows reads a result of (bigint, double, string, timestamp) as Go rows
// (DataFrame.Rows) and reports rows/s, the process's CPU time per row and bytes allocated
// per row; the peer is PySpark's DataFrame.collect().
func BenchmarkRows(b *testing.B) {
	s, ctx := benchSession(b)
	n, err := envInt(benchRowsRowsEnv, 2_000_000)
	if err != nil {
		b.Fatal(err)
	}
	df, err := s.SQL(ctx, fmt.Sprintf("SELECT id, cast(id AS double) * 1.5 AS x, concat('row-', id) AS s, timestamp_seconds(id) AS t FROM range(%d)", n))
	if err != nil {
		b.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := processCPU()
	b.ResetTimer()
	for range b.N {
		rows, err := df.Rows(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(rows) != n {
			b.Fatalf("got %d rows, want %d", len(rows), n)
		}
		if last := rows[n-1].Values(); fmt.Sprint(last[0]) != fmt.Sprint(n-1) || last[2] != fmt.Sprintf("row-%d", n-1) {
			b.Fatalf("last row %v", last)
		}
	}
	b.StopTimer()
	cpu := processCPU() - cpu0
	runtime.ReadMemStats(&after)
	total := float64(n) * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds(), "rows/s")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/total, "cpu-ns/row")
	}
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/total, "B/row")
}

// BenchmarkStreamStartStop starts a streaming query (the rate source into the memory sink,
// a new query name each time) and stops it, and reports the latency of each step.
func BenchmarkStreamStartStop(b *testing.B) {
	s, ctx := benchSession(b)
	prefix := fmt.Sprintf("bench_startstop_%d", time.Now().UnixNano())
	var starts, stops []time.Duration
	for i := -1; i < b.N; i++ { // i == -1: one untimed start and stop first
		if i == 0 {
			b.ResetTimer()
		}
		t0 := time.Now()
		q, err := s.ReadStream().Format("rate").Option("rowsPerSecond", "10").Load().
			WriteStream().Format("memory").QueryName(fmt.Sprintf("%s_%d", prefix, i+1)).Start(ctx)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := q.Stop(ctx); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if i >= 0 {
			starts, stops = append(starts, t1.Sub(t0)), append(stops, t2.Sub(t1))
		}
	}
	b.StopTimer()
	reportLatencies(b, starts, "start-p50-ms", "start-p99-ms")
	reportLatencies(b, stops, "stop-p50-ms", "stop-p99-ms")
}
