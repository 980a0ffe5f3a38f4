package main

import (
	"bufio"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/sparkwire/sparkwire/bench/internal/svgchart"
)

// sample is one level's line of one client in one repetition.
type sample struct {
	rep                         int
	client, workload, sessions  string
	conc                        int
	rowsPerOp                   int64
	opsPerS, rowsPerS, p50, p99 float64
	errors                      int
}

// key identifies a measured point apart from client and repetition.
type key struct {
	workload, sessions string
	conc               int
}

// parseSamples reads lines "rep=N client=... conc=..." (other lines are skipped).
func parseSamples(r io.Reader) ([]sample, error) {
	var out []sample
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		f := map[string]string{}
		for _, kv := range strings.Fields(sc.Text()) {
			k, v, ok := strings.Cut(kv, "=")
			if ok {
				f[k] = v
			}
		}
		if f["client"] == "" || f["conc"] == "" {
			continue
		}
		var s sample
		var errs []error
		num := func(k string) float64 {
			v, err := strconv.ParseFloat(f[k], 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", k, err))
			}
			return v
		}
		s.rep = int(num("rep"))
		s.client, s.workload, s.sessions = f["client"], f["workload"], f["sessions"]
		s.conc = int(num("conc"))
		s.rowsPerOp = int64(num("rows_per_op"))
		s.opsPerS, s.rowsPerS, s.p50, s.p99 = num("ops_per_s"), num("rows_per_s"), num("p50_ms"), num("p99_ms")
		s.errors = int(num("errors"))
		if err := errors.Join(errs...); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

// stat is the median and range of values.
type stat struct{ med, lo, hi float64 }

func statOf(v []float64) stat {
	if len(v) == 0 {
		return stat{math.NaN(), math.NaN(), math.NaN()}
	}
	s := slices.Sorted(slices.Values(v))
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stat{m, s[0], s[len(s)-1]}
}

func (s stat) fmt(prec int) string {
	if math.IsNaN(s.med) {
		return "–"
	}
	return fmt.Sprintf("%s (%s–%s)", group(s.med, prec), group(s.lo, prec), group(s.hi, prec))
}

// group formats v with prec decimals and thousands separators.
func group(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if neg {
		out = "-" + out
	}
	if frac != "" {
		out += "." + frac
	}
	return out
}

// report aggregates the samples of bench/concurrency.sh.
func report(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	in := fs.String("in", "", "the samples, one line per level, client and repetition")
	svg := fs.String("svg", "", "write the chart here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" {
		return errors.New("report: -in is required")
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	samples, err := parseSamples(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	if len(samples) == 0 {
		return fmt.Errorf("%s: no samples", *in)
	}
	writeTable(out, samples)
	if *svg != "" {
		w, err := os.Create(*svg)
		if err != nil {
			return err
		}
		if err := svgchart.Write(w, chartOf(samples)); err != nil {
			w.Close()
			return err
		}
		return w.Close()
	}
	return nil
}

// series collects one client's values at a point over the repetitions.
func values(samples []sample, k key, client string, f func(sample) float64) (v []float64, byRep map[int]float64) {
	byRep = map[int]float64{}
	for _, s := range samples {
		if s.client == client && s.workload == k.workload && s.sessions == k.sessions && s.conc == k.conc {
			v = append(v, f(s))
			byRep[s.rep] = f(s)
		}
	}
	return v, byRep
}

// ratios divides a's value by b's in each repetition both have.
func ratios(a, b map[int]float64) []float64 {
	var r []float64
	for rep, x := range a {
		if y, ok := b[rep]; ok && y > 0 {
			r = append(r, x/y)
		}
	}
	return r
}

func keysOf(samples []sample) []key {
	var ks []key
	for _, s := range samples {
		k := key{s.workload, s.sessions, s.conc}
		if !slices.Contains(ks, k) {
			ks = append(ks, k)
		}
	}
	slices.SortFunc(ks, func(a, b key) int {
		return cmp.Or(cmp.Compare(b.workload, a.workload), cmp.Compare(b.sessions, a.sessions), cmp.Compare(a.conc, b.conc))
	})
	return ks
}

func writeTable(out io.Writer, samples []sample) {
	reps := map[int]bool{}
	errs := 0
	for _, s := range samples {
		reps[s.rep] = true
		errs += s.errors
	}
	fmt.Fprintf(out, "%d repetitions; medians (ranges); ratio = sparkwire ÷ PySpark within a repetition; failed operations: %d\n\n", len(reps), errs)
	fmt.Fprintln(out, "| workload | sessions | conc | rows/op | sparkwire ops/s | PySpark ops/s | throughput ratio | sparkwire p50 ms | PySpark p50 ms | sparkwire p99 ms | PySpark p99 ms | p99 ratio |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, k := range keysOf(samples) {
		var rows int64
		for _, s := range samples {
			if s.workload == k.workload && s.sessions == k.sessions && s.conc == k.conc {
				rows = s.rowsPerOp
			}
		}
		swOps, swOpsRep := values(samples, k, "sparkwire", func(s sample) float64 { return s.opsPerS })
		pyOps, pyOpsRep := values(samples, k, "pyspark", func(s sample) float64 { return s.opsPerS })
		sw50, _ := values(samples, k, "sparkwire", func(s sample) float64 { return s.p50 })
		py50, _ := values(samples, k, "pyspark", func(s sample) float64 { return s.p50 })
		sw99, sw99Rep := values(samples, k, "sparkwire", func(s sample) float64 { return s.p99 })
		py99, py99Rep := values(samples, k, "pyspark", func(s sample) float64 { return s.p99 })
		prec := 1
		if k.workload == "collect" {
			prec = 2
		}
		fmt.Fprintf(out, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", k.workload, k.sessions, k.conc, group(float64(rows), 0),
			statOf(swOps).fmt(prec), statOf(pyOps).fmt(prec), statOf(ratios(swOpsRep, pyOpsRep)).fmt(2),
			statOf(sw50).fmt(1), statOf(py50).fmt(1), statOf(sw99).fmt(1), statOf(py99).fmt(1), statOf(ratios(sw99Rep, py99Rep)).fmt(2))
	}
}

// chartOf draws throughput and p99 against log2 of the concurrency, one panel per workload
// and measure, a line per client and kind of sessions (medians over the repetitions).
func chartOf(samples []sample) svgchart.Chart {
	c := svgchart.Chart{
		Title:  "Concurrent operations in one process: sparkwire (Go) vs PySpark threads",
		XLabel: "log2 of concurrent operations (0 = 1, 2 = 4, 4 = 16, 6 = 64)",
	}
	for _, wl := range []string{"select", "collect"} {
		for _, measure := range []string{"throughput", "p99"} {
			p := svgchart.Panel{}
			switch {
			case wl == "select" && measure == "throughput":
				p.Title, p.YLabel = "SELECT 1: operations per second", "ops/s"
			case wl == "select":
				p.Title, p.YLabel = "SELECT 1: p99 latency", "ms"
			case measure == "throughput":
				p.Title, p.YLabel = "Large collects: rows per second (all operations)", "rows/s"
			default:
				p.Title, p.YLabel = "Large collects: p99 latency of one operation", "ms"
			}
			for _, client := range []string{"sparkwire", "pyspark"} {
				for _, sess := range []string{"shared", "separate"} {
					name := "sparkwire"
					if client == "pyspark" {
						name = "PySpark"
					}
					s := svgchart.Series{Name: name + ", " + sess + " session", Dashed: sess == "separate"}
					for _, k := range keysOf(samples) {
						if k.workload != wl || k.sessions != sess {
							continue
						}
						v, _ := values(samples, k, client, func(s sample) float64 {
							switch {
							case measure == "p99":
								return s.p99
							case wl == "collect":
								return s.rowsPerS
							default:
								return s.opsPerS
							}
						})
						if len(v) > 0 {
							s.Points = append(s.Points, svgchart.Point{X: math.Log2(float64(k.conc)), Y: statOf(v).med})
						}
					}
					if len(s.Points) > 0 {
						p.Series = append(p.Series, s)
					}
				}
			}
			if len(p.Series) > 0 {
				c.Panels = append(c.Panels, p)
			}
		}
	}
	return c
}
