package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sparkwire/sparkwire/bench/internal/svgchart"
)

// memoryColumns are the memory series of the report, in the order of its tables.
func memoryColumns(samples []sample) (goProcs, spark []series) {
	goProcs = []series{
		memorySeries("soak driver (Go: session, job, sampling)", samples, func(s sample) int64 { return s.SoakRSS }),
		memorySeries("sparkwire produce (Go)", samples, func(s sample) int64 { return s.ProducerRSS }),
	}
	spark = []series{
		memorySeries("Spark driver JVM, RSS", samples, func(s sample) int64 { return s.SparkRSS }),
		memorySeries("Spark driver JVM, heap used", samples, func(s sample) int64 { return s.SparkHeap }),
		memorySeries("Spark driver JVM, off-heap used", samples, func(s sample) int64 { return s.SparkOffHeap }),
	}
	spark[1].Dashed, spark[2].Dashed = true, true
	return goProcs, spark
}

// write writes samples.csv, memory.svg and summary.md to the output directory.
func (r *report) write() error {
	var csvBuf bytes.Buffer
	if err := writeCSV(&csvBuf, r.samples); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(r.opts.out, "samples.csv"), csvBuf.Bytes(), 0o644); err != nil {
		return err
	}
	goProcs, spark := memoryColumns(r.samples)
	var svg bytes.Buffer
	err := svgchart.Write(&svg, svgchart.Chart{
		Title: fmt.Sprintf("sparkwire soak, %s: %.0f events/s for %s, pageviews job (trigger %s)",
			r.started.UTC().Format("2006-01-02"), r.opts.rate, r.opts.duration, r.opts.trigger),
		XLabel: "minutes",
		Panels: []svgchart.Panel{
			{Title: "Go processes: resident memory (VmRSS)", YLabel: "MiB", Series: goProcs},
			{Title: "Spark Connect server (driver JVM, local mode): RSS and heap", YLabel: "MiB", Series: spark},
		},
		Markers: []svgchart.Marker{{X: r.productionMin, Label: "production ends"}},
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(r.opts.out, "memory.svg"), svg.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(r.opts.out, "summary.md"), r.summary(append(goProcs, spark...)), 0o644)
}

// summary renders the tables of the report as Markdown.
func (r *report) summary(all []series) []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	m := r.manifest
	p("Soak of %s (UTC): %.0f events/s for %s, samples every %s, the pageviews job with a %s trigger.\n\n",
		r.started.UTC().Format("2006-01-02 15:04"), r.opts.rate, r.opts.duration, r.opts.interval, r.opts.trigger)

	p("| process | samples | start MiB | end MiB | max MiB | slope, MiB per 10 min | slope, second half |\n|---|---|---|---|---|---|---|\n")
	for _, s := range all {
		st := summarise(s)
		p("| %s | %d | %s | %s | %s | %s | %s |\n", st.Name, st.N, fmtMiB(st.Start), fmtMiB(st.End), fmtMiB(st.Max), fmtSlope(st.Slope), fmtSlope(st.SlopeSecondHalf))
	}

	// Keep-up: rates, batch durations and lag during production.
	var batches int
	var inW, procW float64
	var maxLag, endLag int64 = unknown, unknown
	for _, s := range r.samples {
		if s.Phase != "produce" {
			continue
		}
		batches += s.Batches
		inW += s.InputRate * float64(s.Batches)
		procW += s.ProcessedRate * float64(s.Batches)
		if s.Lag != unknown {
			maxLag = max(maxLag, s.Lag)
			endLag = s.Lag
		}
	}
	p("\nKeep-up (the results query, while producing): %d micro-batches", batches)
	if batches > 0 {
		p(", mean input rate %.0f rows/s, mean processing rate %.0f rows/s", inW/float64(batches), procW/float64(batches))
	}
	p("; batch duration over the whole run (%d batches, %d rows) median %s, 95th percentile %s, max %s against the %s trigger; ",
		len(r.batches), r.batchRows, ms(percentile(r.batches, 50)), ms(percentile(r.batches, 95)), ms(percentile(r.batches, 100)), r.opts.trigger)
	if maxLag != unknown {
		p("lag behind the input topic (records the results query had not read) at most %d while producing, %d at the last sample before production ended; ", maxLag, endLag)
	}
	p("caught up %s after the producer exited.\n", r.catchUp.Round(time.Second))

	if m != nil {
		elapsed := m.FinishedAt.Sub(m.StartedAt)
		p("\nProduced (manifest): %d events acknowledged in %s (%.1f/s), %d failed, %d late (at most %d ms), %d malformed; %d windows.\n",
			m.Acked, elapsed.Round(time.Second), float64(m.Acked)/max(elapsed.Seconds(), 1e-9), m.Failed, m.Late, m.MaxLatenessMillis, m.Malformed, len(m.Windows))
	}
	if r.truth != nil {
		agree := "equal the manifest's, window by window"
		if !r.truth.WindowsAgree {
			agree = fmt.Sprintf("DIFFER from the manifest's (%d differences, first: %s)", len(r.truth.WindowDiffs), r.truth.WindowDiffs[0])
		}
		p("\nGround truth: the %d events made again from the producer's seed and flags %s; %d (window, page) counts expected.\n\n",
			r.truth.Events, agree, len(r.truth.Want))
	}
	p("| job output | counts checked | equal | missing | lower | higher | not expected | page views lost | page views duplicated |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range r.checks {
		p("| %s | %d | %d | %d | %d | %d | %d | %d | %d |\n", c.Source, c.Checked, c.Equal, c.Missing, c.Under, c.Over, c.Extra, c.LostEvents, c.DuplicatedEvents)
	}
	if m != nil {
		p("\nOutput topic: %d records read. Quarantine topic: %d records for %d malformed events sent.\n", r.outputRecs, r.quarantined, m.Malformed)
	}
	return b.Bytes()
}

func ms(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }
