// Command curves draws how the client's cost per row changes with the size of a result:
// client CPU and allocation per row of a Collect (connect.BenchmarkClientCPU, beside a
// minimal gRPC client and gRPC's transport alone reading the same responses), and the heap
// a result holds and peaks at as Go values (connect.BenchmarkRowsMemory: Rows, CollectAs,
// RowsAs, DataFrame.All, and the size of the Go structs). The server is the in-memory fake
// in a child process, so the curves need no Docker and no Spark.
//
//	go run ./bench/curves [-rows 100000,300000,1000000,3000000,10000000] [-reps 3] [-out bench/results/curves]
//	go run ./bench/curves -redraw [-out bench/results/curves]
//
// It builds connect's test binary once, runs both benchmarks at every size in turn, reps
// times (sizes alternate within a repetition, so that load on the machine spreads over all
// of them), and writes the medians to OUT/curves.csv, and OUT/client-cpu.svg and
// OUT/memory.svg (log x axis); -redraw draws the charts again from OUT/curves.csv. bench/run.sh
// runs it; BENCHMARKS.md shows the charts.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sparkwire/sparkwire/bench/internal/svgchart"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "curves:", err)
		os.Exit(1)
	}
}

type options struct {
	rows      []int
	reps      int
	out       string
	batchRows int
	timeout   time.Duration
	redraw    bool
}

func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("curves", flag.ContinueOnError)
	rows := fs.String("rows", "100000,300000,1000000,3000000,10000000", "result sizes, in rows, comma-separated")
	o := options{}
	fs.IntVar(&o.reps, "reps", 3, "repetitions of every size")
	fs.StringVar(&o.out, "out", "bench/results/curves", "output directory")
	fs.IntVar(&o.batchRows, "batch-rows", 10000, "rows per Arrow batch (Spark sends 10,000)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Minute, "bound of the whole run")
	fs.BoolVar(&o.redraw, "redraw", false, "draw the charts again from OUT/curves.csv, running nothing")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, f := range strings.Split(*rows, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return o, fmt.Errorf("-rows: %q is not a positive number of rows", f)
		}
		o.rows = append(o.rows, n)
	}
	slices.Sort(o.rows)
	o.rows = slices.Compact(o.rows)
	if o.reps < 1 || o.batchRows < 1 || o.timeout <= 0 {
		return o, errors.New("-reps, -batch-rows and -timeout must be positive")
	}
	return o, nil
}

func run(args []string, stdout io.Writer) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	if o.redraw {
		points, err := readCSV(filepath.Join(o.out, "curves.csv"))
		if err != nil {
			return err
		}
		return writeCharts(o.out, points, o)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	bin, err := filepath.Abs(filepath.Join(o.out, "connect.test"))
	if err != nil {
		return err
	}
	build := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, "./connect/")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build connect's test binary: %w", err)
	}
	defer os.Remove(bin)

	samples := map[key][]float64{}
	for rep := 1; rep <= o.reps; rep++ {
		for _, n := range o.rows {
			fmt.Fprintf(stdout, "repetition %d/%d, %d rows\n", rep, o.reps, n)
			res, err := runBench(ctx, bin, n, o.batchRows)
			if err != nil {
				return err
			}
			for k, v := range res {
				samples[k] = append(samples[k], v)
			}
		}
	}
	points := medians(samples)
	if err := writeCSV(filepath.Join(o.out, "curves.csv"), points); err != nil {
		return err
	}
	if err := writeCharts(o.out, points, o); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s/curves.csv, client-cpu.svg and memory.svg\n", o.out)
	return nil
}

// key names one figure of one benchmark at one size: bench "BenchmarkClientCPU/collect",
// unit "cpu-ns/row".
type key struct {
	bench, unit string
	rows        int
}

// runBench runs both benchmarks once at n rows and returns their figures.
func runBench(ctx context.Context, bin string, n, batchRows int) (map[key]float64, error) {
	cmd := exec.CommandContext(ctx, bin, "-test.run", "^$", "-test.bench", "^(BenchmarkClientCPU|BenchmarkRowsMemory)$",
		"-test.benchtime", "1x", "-test.count", "1")
	cmd.Dir = filepath.Join(".", "connect")
	cmd.Env = append(os.Environ(), "SPARKWIRE_BENCH_ROWS="+strconv.Itoa(n), "SPARKWIRE_BENCH_BATCH_ROWS="+strconv.Itoa(batchRows))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("benchmarks at %d rows: %w\n%s", n, err, out.String())
	}
	res, err := parseBench(&out, n)
	if err != nil {
		return nil, fmt.Errorf("benchmarks at %d rows: %w\n%s", n, err, out.String())
	}
	return res, nil
}

// parseBench reads the figures of `go test -bench` output lines such as
// "BenchmarkClientCPU/collect-2  1  123 ns/op  27.1 cpu-ns/row  1.0 B/row".
func parseBench(r io.Reader, n int) (map[key]float64, error) {
	res := map[key]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("figure %q of %s: %w", f[i], name, err)
			}
			res[key{bench: name, unit: f[i+1], rows: n}] = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(res) == 0 {
		return nil, errors.New("no benchmark results")
	}
	return res, nil
}

// medians returns the median of every figure's samples.
func medians(samples map[key][]float64) map[key]float64 {
	out := make(map[key]float64, len(samples))
	for k, vs := range samples {
		s := slices.Clone(vs)
		slices.Sort(s)
		m := s[len(s)/2]
		if len(s)%2 == 0 {
			m = (s[len(s)/2-1] + s[len(s)/2]) / 2
		}
		out[k] = m
	}
	return out
}

func sortedKeys(points map[key]float64) []key {
	keys := make([]key, 0, len(points))
	for k := range points {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.bench, b.bench), cmp.Compare(a.unit, b.unit), cmp.Compare(a.rows, b.rows))
	})
	return keys
}

func writeCSV(path string, points map[key]float64) error {
	var b strings.Builder
	b.WriteString("benchmark,unit,rows,median\n")
	for _, k := range sortedKeys(points) {
		fmt.Fprintf(&b, "%s,%s,%d,%s\n", k.bench, k.unit, k.rows, strconv.FormatFloat(points[k], 'g', 6, 64))
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// readCSV reads the medians that writeCSV wrote.
func readCSV(path string) (map[key]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	points := map[key]float64{}
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		f := strings.Split(line, ",")
		if len(f) != 4 {
			return nil, fmt.Errorf("%s line %d: %q, want benchmark,unit,rows,median", path, i+2, line)
		}
		n, err1 := strconv.Atoi(f[2])
		v, err2 := strconv.ParseFloat(f[3], 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, i+2, err)
		}
		points[key{bench: f[0], unit: f[1], rows: n}] = v
	}
	return points, nil
}

// series returns the curve of one figure of one benchmark over the sizes, nil without points.
func series(points map[key]float64, name, bench, unit string, dashed bool) []svgchart.Series {
	s := svgchart.Series{Name: name, Dashed: dashed}
	for _, k := range sortedKeys(points) {
		if k.bench == bench && k.unit == unit {
			s.Points = append(s.Points, svgchart.Point{X: float64(k.rows), Y: points[k]})
		}
	}
	if len(s.Points) == 0 {
		return nil
	}
	return []svgchart.Series{s}
}

func writeCharts(dir string, p map[key]float64, o options) error {
	const cpu, mem = "BenchmarkClientCPU/", "BenchmarkRowsMemory/"
	date := time.Now().UTC().Format("2006-01-02")
	cpuChart := svgchart.Chart{
		Title:  fmt.Sprintf("sparkwire client cost per row of a Collect, %s (fake server, batches of %d rows, medians of %d)", date, o.batchRows, o.reps),
		XLabel: "rows in the result (log scale)",
		XLog:   true,
		Panels: []svgchart.Panel{
			{Title: "client CPU per row (user + system, every thread)", YLabel: "ns/row", Series: slices.Concat(
				series(p, "Collect (decoded Arrow batches)", cpu+"collect", "cpu-ns/row", false),
				series(p, "minimal gRPC client (protobuf, discards)", cpu+"minimal", "cpu-ns/row", true),
				series(p, "gRPC transport alone", cpu+"transport", "cpu-ns/row", true))},
			{Title: "allocated per row", YLabel: "B/row", Series: slices.Concat(
				series(p, "Collect", cpu+"collect", "B/row", false),
				series(p, "minimal gRPC client", cpu+"minimal", "B/row", true))},
		},
	}
	memChart := svgchart.Chart{
		Title:  fmt.Sprintf("sparkwire result as Go values: heap per row, %s (bigint, double, string, timestamp; medians of %d)", date, o.reps),
		XLabel: "rows in the result (log scale)",
		XLog:   true,
		Panels: []svgchart.Panel{
			{Title: "heap held with the result kept", YLabel: "B/row", Series: slices.Concat(
				series(p, "Rows", mem+"rows", "held-B/row", false),
				series(p, "CollectAs", mem+"collectas", "held-B/row", false),
				series(p, "Go structs (size + string bytes)", mem+"collectas", "go-B/row", true),
				series(p, "RowsAs (one value at a time)", mem+"rowsas", "held-B/row", false),
				series(p, "DataFrame.All (one batch at a time)", mem+"all", "held-B/row", false))},
			{Title: "peak heap during the read", YLabel: "B/row", Series: slices.Concat(
				series(p, "Rows", mem+"rows", "peak-B/row", false),
				series(p, "CollectAs", mem+"collectas", "peak-B/row", false),
				series(p, "RowsAs", mem+"rowsas", "peak-B/row", false),
				series(p, "DataFrame.All", mem+"all", "peak-B/row", false))},
		},
	}
	for name, c := range map[string]svgchart.Chart{"client-cpu.svg": cpuChart, "memory.svg": memChart} {
		var b bytes.Buffer
		if err := svgchart.Write(&b, c); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
