package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sparkwire/sparkwire/bench/internal/svgchart"
)

// writeReport writes steps.csv, summary.md and latency.svg for the steps so far.
func writeReport(o options, results []stepResult) error {
	if err := writeCSV(filepath.Join(o.out, "steps.csv"), results); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(o.out, "summary.md"), []byte(summary(o, results)), 0o644); err != nil {
		return err
	}
	var b bytes.Buffer
	if err := svgchart.Write(&b, chart(o, results)); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(o.out, "latency.svg"), b.Bytes(), 0o644)
}

func ms(d time.Duration) string {
	if d < 0 {
		return ""
	}
	return strconv.FormatInt(d.Milliseconds(), 10)
}

func writeCSV(path string, results []stepResult) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"label", "client", "rate", "rep", "produced", "sent_rate", "processed_rate", "batches",
		"batch_p50_ms", "batch_p95_ms", "batch_max_ms", "catch_up_ms", "kept_up", "page_views",
		"latency_p50_ms", "latency_p99_ms", "latency_max_ms", "append_p50_ms", "append_p99_ms", "unread", "unmatched", "shuffle_partitions", "load1"})
	for _, r := range results {
		_ = w.Write([]string{r.Label, r.Client, fmt.Sprint(r.Rate), fmt.Sprint(r.Rep), fmt.Sprint(r.Produced),
			fmt.Sprintf("%.0f", r.SentRate), fmt.Sprintf("%.0f", r.ProcessedRate), fmt.Sprint(r.Batches),
			ms(r.BatchP50), ms(r.BatchP95), ms(r.BatchMax), ms(r.CatchUp), fmt.Sprint(r.KeptUp), fmt.Sprint(r.Counted),
			ms(r.P50), ms(r.P99), ms(r.Max), ms(r.AppendP50), ms(r.AppendP99), fmt.Sprint(r.Unread), fmt.Sprint(r.Unmatched),
			fmt.Sprint(r.ShufflePartitions), fmt.Sprintf("%.2f", r.Load)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// group is the steps of one rate, client and variant.
type group struct {
	rate  float64
	rn    runner
	steps []stepResult
}

func groups(o options, results []stepResult) []group {
	var gs []group
	for _, rate := range o.rates {
		for _, rn := range o.runners() {
			g := group{rate: rate, rn: rn}
			for _, r := range results {
				if r.Rate == rate && r.Client == rn.client && r.Label == rn.v.label {
					g.steps = append(g.steps, r)
				}
			}
			if len(g.steps) > 0 {
				gs = append(gs, g)
			}
		}
	}
	return gs
}

// name names a runner in tables and charts.
func (o *options) name(rn runner) string {
	if len(o.variants) == 1 {
		return rn.client
	}
	if len(o.clients) == 1 {
		return rn.v.label
	}
	return rn.client + ", " + rn.v.label
}

func (o *options) labels() string {
	ls := make([]string, len(o.variants))
	for i, v := range o.variants {
		ls[i] = v.label
	}
	return strings.Join(ls, "; ")
}

// stat is the median and range of some values; NaN for none. A -1 value (no latency)
// counts as infinite.
type stat struct{ med, lo, hi float64 }

func statOf(vs []float64) stat {
	if len(vs) == 0 {
		return stat{math.NaN(), math.NaN(), math.NaN()}
	}
	s := slices.Clone(vs)
	for i, v := range s {
		if v < 0 {
			s[i] = math.Inf(1)
		}
	}
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stat{med, s[0], s[len(s)-1]}
}

func (s stat) fmt(unit string, prec int) string {
	f := func(v float64) string {
		if math.IsInf(v, 1) {
			return "∞"
		}
		return strconv.FormatFloat(v, 'f', prec, 64)
	}
	if math.IsNaN(s.med) {
		return "–"
	}
	if s.lo == s.hi {
		return f(s.med) + unit
	}
	return fmt.Sprintf("%s%s (%s–%s)", f(s.med), unit, f(s.lo), f(s.hi))
}

func values(steps []stepResult, f func(stepResult) float64) []float64 {
	out := make([]float64, len(steps))
	for i, s := range steps {
		out[i] = f(s)
	}
	return out
}

// batchMs is a batch duration in milliseconds; -1 (shown as ∞) for a step in whose steady
// part no batch ran.
func batchMs(s stepResult, d time.Duration) float64 {
	if s.Batches == 0 {
		return -1
	}
	return float64(d.Milliseconds())
}

func secs(d time.Duration) float64 {
	if d < 0 {
		return -1
	}
	return d.Seconds()
}

func summary(o options, results []stepResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Settings: %s; trigger %s, %s per step (the first %s left out), input topic of %d partitions, %d repetitions.\n\n",
		o.labels(), o.trigger, o.step, o.warmup, o.partitions, o.reps)
	b.WriteString("| rate (events/s) | run | kept up | processed / sent | batch p50 (ms) | batch p95 (ms) | latency p50 (s) | latency p99 (s) | load (1 min) |\n")
	b.WriteString("|---:|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, g := range groups(o, results) {
		kept := 0
		for _, s := range g.steps {
			if s.KeptUp {
				kept++
			}
		}
		fmt.Fprintf(&b, "| %.0f | %s | %d of %d | %s | %s | %s | %s | %s | %s |\n", g.rate, o.name(g.rn), kept, len(g.steps),
			statOf(values(g.steps, func(s stepResult) float64 { return s.ProcessedRate / max(s.SentRate, 1) })).fmt("", 2),
			statOf(values(g.steps, func(s stepResult) float64 { return batchMs(s, s.BatchP50) })).fmt("", 0),
			statOf(values(g.steps, func(s stepResult) float64 { return batchMs(s, s.BatchP95) })).fmt("", 0),
			statOf(values(g.steps, func(s stepResult) float64 { return secs(s.P50) })).fmt("", 2),
			statOf(values(g.steps, func(s stepResult) float64 { return secs(s.P99) })).fmt("", 2),
			statOf(values(g.steps, func(s stepResult) float64 { return s.Load })).fmt("", 1))
	}
	// Ratios of paired steps (same rate and repetition): PySpark over sparkwire for each
	// variant, and each variant over the first for each client.
	type pair struct {
		title string
		a, b  runner
	}
	var pairs []pair
	for i := range o.variants {
		if len(o.clients) == 2 {
			pairs = append(pairs, pair{fmt.Sprintf("%s / %s (%s)", o.clients[1], o.clients[0], o.variants[i].label),
				runner{o.clients[0], &o.variants[i]}, runner{o.clients[1], &o.variants[i]}})
		}
	}
	for i := 1; i < len(o.variants); i++ {
		for _, c := range o.clients {
			pairs = append(pairs, pair{fmt.Sprintf("%s / %s (%s)", o.variants[i].label, o.variants[0].label, c),
				runner{c, &o.variants[0]}, runner{c, &o.variants[i]}})
		}
	}
	if len(pairs) > 0 {
		b.WriteString("\nRatios of paired steps (same rate and repetition; median and range over the repetitions):\n\n")
		b.WriteString("| ratio | rate (events/s) | batch p50 | latency p50 | latency p99 |\n|---|---:|---:|---:|---:|\n")
	}
	for _, pr := range pairs {
		for _, rate := range o.rates {
			var bp, p50, p99 []float64
			for rep := 1; rep <= o.reps; rep++ {
				a, okA := find(results, rate, pr.a, rep)
				c, okC := find(results, rate, pr.b, rep)
				if !okA || !okC {
					continue
				}
				if a.BatchP50 > 0 {
					bp = append(bp, float64(c.BatchP50)/float64(a.BatchP50))
				}
				if a.P50 > 0 && c.P50 > 0 {
					p50 = append(p50, float64(c.P50)/float64(a.P50))
				}
				if a.P99 > 0 && c.P99 > 0 {
					p99 = append(p99, float64(c.P99)/float64(a.P99))
				}
			}
			if len(bp)+len(p50) == 0 {
				continue
			}
			fmt.Fprintf(&b, "| %s | %.0f | %s | %s | %s |\n", pr.title, rate, statOf(bp).fmt("", 2), statOf(p50).fmt("", 2), statOf(p99).fmt("", 2))
		}
	}
	return b.String()
}

func find(results []stepResult, rate float64, rn runner, rep int) (stepResult, bool) {
	for _, r := range results {
		if r.Rate == rate && r.Client == rn.client && r.Label == rn.v.label && r.Rep == rep {
			return r, true
		}
	}
	return stepResult{}, false
}

// chart draws the medians over the repetitions against the input rate: latency p50 and p99,
// and the batch duration p50, per client.
func chart(o options, results []stepResult) svgchart.Chart {
	lat := svgchart.Panel{Title: "End-to-end latency, send → updated row received from the output topic (median of repetitions)", YLabel: "seconds"}
	batch := svgchart.Panel{Title: "Micro-batch duration p50 (median of repetitions); the trigger is " + o.trigger.String(), YLabel: "milliseconds"}
	for _, rn := range o.runners() {
		c := o.name(rn)
		var p50, p99, bd []svgchart.Point
		for _, g := range groups(o, results) {
			if g.rn != rn {
				continue
			}
			s50 := statOf(values(g.steps, func(s stepResult) float64 { return secs(s.P50) }))
			s99 := statOf(values(g.steps, func(s stepResult) float64 { return secs(s.P99) }))
			sb := statOf(values(g.steps, func(s stepResult) float64 { return float64(s.BatchP50.Milliseconds()) }))
			if !math.IsInf(s50.med, 0) {
				p50 = append(p50, svgchart.Point{X: g.rate, Y: s50.med})
			}
			if !math.IsInf(s99.med, 0) {
				p99 = append(p99, svgchart.Point{X: g.rate, Y: s99.med})
			}
			bd = append(bd, svgchart.Point{X: g.rate, Y: sb.med})
		}
		lat.Series = append(lat.Series, svgchart.Series{Name: c + " p50", Points: p50}, svgchart.Series{Name: c + " p99", Dashed: true, Points: p99})
		batch.Series = append(batch.Series, svgchart.Series{Name: c, Points: bd})
	}
	return svgchart.Chart{
		Title:  "pageviews job: latency and batch duration against the input rate (" + o.labels() + ")",
		XLabel: "input rate, events per second (log scale)",
		XLog:   true,
		Panels: []svgchart.Panel{lat, batch},
	}
}
