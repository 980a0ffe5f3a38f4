package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/sparkwire/sparkwire/bench/internal/svgchart"
)

// unknown marks a sampled value that could not be read (a process that has ended, a
// metrics endpoint that did not answer).
const unknown = -1

// sample is one observation of the soak: memory of every process and the job's progress
// since the previous sample. Sizes are bytes; unknown values are [unknown].
type sample struct {
	At      time.Time
	Elapsed time.Duration // since the soak started producing
	Phase   string        // "produce" or "catch-up"

	SoakRSS, ProducerRSS              int64 // the Go processes: this driver, `sparkwire produce`
	SparkRSS, SparkHeap, SparkOffHeap int64 // the Spark driver JVM

	InputEnd int64 // records in the input topic (sum of its partitions' end offsets)
	Lag      int64 // records of the input topic not yet read by the results query

	// The results query's micro-batches since the previous sample.
	Batches             int
	InputRows           int64
	InputRate           float64 // mean of the batches' inputRowsPerSecond
	ProcessedRate       float64 // mean of the batches' processedRowsPerSecond
	MeanBatch, MaxBatch time.Duration
	Watermark           string

	Load1 float64 // the machine's one-minute load average
}

var csvHeader = []string{
	"time", "elapsed_s", "phase",
	"soak_rss_bytes", "producer_rss_bytes", "spark_rss_bytes", "spark_heap_used_bytes", "spark_offheap_used_bytes",
	"input_records", "lag_records",
	"batches", "input_rows", "input_rows_per_s", "processed_rows_per_s", "mean_batch_ms", "max_batch_ms", "watermark",
	"load1",
}

// writeCSV writes the samples as CSV with a header line; unknown values are empty.
func writeCSV(w io.Writer, samples []sample) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	num := func(v int64) string {
		if v == unknown {
			return ""
		}
		return strconv.FormatInt(v, 10)
	}
	for _, s := range samples {
		rec := []string{
			s.At.UTC().Format(time.RFC3339), strconv.FormatFloat(s.Elapsed.Seconds(), 'f', 1, 64), s.Phase,
			num(s.SoakRSS), num(s.ProducerRSS), num(s.SparkRSS), num(s.SparkHeap), num(s.SparkOffHeap),
			num(s.InputEnd), num(s.Lag),
			strconv.Itoa(s.Batches), strconv.FormatInt(s.InputRows, 10),
			strconv.FormatFloat(s.InputRate, 'f', 1, 64), strconv.FormatFloat(s.ProcessedRate, 'f', 1, 64),
			strconv.FormatInt(s.MeanBatch.Milliseconds(), 10), strconv.FormatInt(s.MaxBatch.Milliseconds(), 10), s.Watermark,
			strconv.FormatFloat(s.Load1, 'f', 2, 64),
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// point is one value of a series: x in minutes since the start, y in MiB.
type point = svgchart.Point

// series is one line of the chart.
type series = svgchart.Series

const mib = 1 << 20

// memorySeries returns, from the samples, the series of one memory column in MiB, leaving
// out unknown values.
func memorySeries(name string, samples []sample, value func(sample) int64) series {
	s := series{Name: name}
	for _, smp := range samples {
		if v := value(smp); v != unknown {
			s.Points = append(s.Points, point{X: smp.Elapsed.Minutes(), Y: float64(v) / mib})
		}
	}
	return s
}

// stats summarises a series: first, last and largest value, and the least-squares slope
// per 10 minutes over the whole series and over its second half (after warm-up).
type stats struct {
	Name                   string
	N                      int
	Start, End, Max        float64
	Slope, SlopeSecondHalf float64 // MiB per 10 minutes; NaN with fewer than two points
}

func summarise(s series) stats {
	st := stats{Name: s.Name, N: len(s.Points), Slope: math.NaN(), SlopeSecondHalf: math.NaN()}
	if len(s.Points) == 0 {
		st.Start, st.End, st.Max = math.NaN(), math.NaN(), math.NaN()
		return st
	}
	st.Start, st.End = s.Points[0].Y, s.Points[len(s.Points)-1].Y
	st.Max = slices.MaxFunc(s.Points, func(a, b point) int { return cmpFloat(a.Y, b.Y) }).Y
	st.Slope = 10 * slope(s.Points)
	if len(s.Points) >= 2 {
		mid := (s.Points[0].X + s.Points[len(s.Points)-1].X) / 2
		i, _ := slices.BinarySearchFunc(s.Points, mid, func(p point, x float64) int { return cmpFloat(p.X, x) })
		st.SlopeSecondHalf = 10 * slope(s.Points[i:])
	}
	return st
}

// slope is the least-squares slope of y over x; NaN for fewer than two distinct x.
func slope(ps []point) float64 {
	if len(ps) < 2 {
		return math.NaN()
	}
	var mx, my float64
	for _, p := range ps {
		mx += p.X
		my += p.Y
	}
	n := float64(len(ps))
	mx, my = mx/n, my/n
	var sxy, sxx float64
	for _, p := range ps {
		sxy += (p.X - mx) * (p.Y - my)
		sxx += (p.X - mx) * (p.X - mx)
	}
	if sxx == 0 {
		return math.NaN()
	}
	return sxy / sxx
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// percentile returns the p-th percentile (0..100, nearest rank) of ds; 0 for none.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}

// fmtMiB formats a size in MiB for the tables; "–" for NaN.
func fmtMiB(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.1f", v)
}

// fmtSlope formats a slope in MiB per 10 minutes with its sign.
func fmtSlope(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%+.1f", v)
}
