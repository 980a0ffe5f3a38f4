package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sparkwire/sparkwire/connect"
)

// levelResult is what one level measured.
type levelResult struct {
	conc      int
	ops       int
	rowsPerOp int64
	elapsed   time.Duration
	latencies []time.Duration // of the operations that succeeded, sorted
	errors    int
	firstErr  error
	cpu       time.Duration
}

// run measures every level in turn and prints a line per level to out.
func run(ctx context.Context, o options, out io.Writer) error {
	if o.blockProfile != "" {
		runtime.SetBlockProfileRate(1)
		defer runtime.SetBlockProfileRate(0)
	}
	if o.mutexProfile != "" {
		runtime.SetMutexProfileFraction(1)
		defer runtime.SetMutexProfileFraction(0)
	}
	pool := &sessions{url: o.url, opts: o.dial}
	defer pool.close()
	// The first session warms the server up with one operation of the workload, untimed.
	if _, err := pool.get(ctx, 1); err != nil {
		return err
	}
	_, warmRows := o.plan(1)
	if _, err := runOp(ctx, pool.all[0], o.query(warmRows)); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	for _, conc := range o.levels {
		n := 1
		if o.sessions == "separate" {
			n = conc
		}
		ss, err := pool.get(ctx, n)
		if err != nil {
			return err
		}
		r := measure(ctx, o, conc, ss)
		if r.errors > 0 && r.errors == r.ops {
			return fmt.Errorf("concurrency %d: every operation failed, the first with: %w", conc, r.firstErr)
		}
		printLevel(out, "sparkwire", o, r)
		if r.firstErr != nil {
			fmt.Fprintf(os.Stderr, "concurrency %d: %d of %d operations failed, the first with: %v\n", conc, r.errors, r.ops, r.firstErr)
		}
	}
	if err := writeProfile("block", o.blockProfile); err != nil {
		return err
	}
	return writeProfile("mutex", o.mutexProfile)
}

// measure runs one level: conc goroutines take operations from a common count until the
// level's operations have started, on sessions ss (goroutine i uses ss[i % len(ss)]).
func measure(ctx context.Context, o options, conc int, ss []*connect.Session) levelResult {
	ops, rows := o.plan(conc)
	q := o.query(rows)
	r := levelResult{conc: conc, ops: ops, rowsPerOp: rows}
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	cpu0 := processCPU()
	start := time.Now()
	for i := range conc {
		s := ss[i%len(ss)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(ops) {
				t0 := time.Now()
				got, err := runOp(ctx, s, q)
				d := time.Since(t0)
				if err == nil && got != rows {
					err = fmt.Errorf("got %d rows, want %d", got, rows)
				}
				mu.Lock()
				if err != nil {
					r.errors++
					if r.firstErr == nil {
						r.firstErr = err
					}
				} else {
					r.latencies = append(r.latencies, d)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	r.cpu = processCPU() - cpu0
	slices.Sort(r.latencies)
	return r
}

// runOp runs one operation: the statement, then its result read to the end; it returns the
// rows read.
func runOp(ctx context.Context, s *connect.Session, query string) (int64, error) {
	df, err := s.SQL(ctx, query)
	if err != nil {
		return 0, err
	}
	rr, err := df.Collect(ctx)
	if err != nil {
		return 0, err
	}
	defer rr.Release()
	var n int64
	for rr.Next() {
		n += rr.RecordBatch().NumRows()
	}
	return n, rr.Err()
}

// percentile returns the nearest-rank p-th percentile of sorted durations (0 for none).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// printLevel prints a level's line (the format bench/pyspark_concurrency.py prints too).
func printLevel(out io.Writer, client string, o options, r levelResult) {
	ok := float64(len(r.latencies))
	sec := r.elapsed.Seconds()
	var maxLat time.Duration
	if len(r.latencies) > 0 {
		maxLat = r.latencies[len(r.latencies)-1]
	}
	fmt.Fprintf(out, "client=%s workload=%s sessions=%s conc=%d ops=%d rows_per_op=%d elapsed_s=%.3f ops_per_s=%.2f rows_per_s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d cpu_s=%.3f\n",
		client, o.workload, o.sessions, r.conc, r.ops, r.rowsPerOp, sec, ok/sec, ok*float64(r.rowsPerOp)/sec,
		ms(percentile(r.latencies, 50)), ms(percentile(r.latencies, 99)), ms(maxLat), r.errors, r.cpu.Seconds())
}

// sessions holds the sessions of a run: dialled as levels need more, closed at the end.
type sessions struct {
	url  string
	opts []connect.Option
	all  []*connect.Session
}

// get returns n sessions, dialling those that are missing; each new one answers a SELECT 1
// before it is used, so that no measured operation pays for a connection.
func (p *sessions) get(ctx context.Context, n int) ([]*connect.Session, error) {
	for len(p.all) < n {
		dctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		s, err := connect.Dial(dctx, p.url, p.opts...)
		if err == nil {
			_, err = runOp(dctx, s, "SELECT 1")
			if err != nil {
				s.Close(dctx)
			}
		}
		cancel()
		if err != nil {
			return nil, fmt.Errorf("session %d: %w", len(p.all)+1, err)
		}
		p.all = append(p.all, s)
	}
	return p.all[:n], nil
}

func (p *sessions) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for _, s := range p.all {
		wg.Add(1)
		go func() { defer wg.Done(); _ = s.Close(ctx) }()
	}
	wg.Wait()
}

func writeProfile(name, path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("%s profile: %w", name, err)
	}
	return f.Close()
}
