package main

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sampleOutput = `goos: linux
goarch: amd64
pkg: github.com/sparkwire/sparkwire/connect
BenchmarkClientCPU/collect-2         	       1	 271000000 ns/op	        27.10 cpu-ns/row	         1.000 B/row	  36900000 rows/s
BenchmarkClientCPU/minimal-2         	       1	 451000000 ns/op	        45.20 cpu-ns/row	        33.00 B/row	  22100000 rows/s
BenchmarkRowsMemory/rows-2           	       1	 255000000 ns/op	        53.70 held-B/row	        55.20 peak-B/row	        60.00 B/row	       255.0 ns/row
BenchmarkRowsMemory/collectas-2      	       1	 553000000 ns/op	        64.90 go-B/row	        71.20 held-B/row	       129.5 peak-B/row	       200.0 B/row	       553.0 ns/row
PASS
ok  	github.com/sparkwire/sparkwire/connect	3.2s
`

func TestParseBench(t *testing.T) {
	res, err := parseBench(strings.NewReader(sampleOutput), 1000)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[key]float64{
		{"BenchmarkClientCPU/collect", "cpu-ns/row", 1000}:    27.1,
		{"BenchmarkClientCPU/minimal", "B/row", 1000}:         33,
		{"BenchmarkRowsMemory/rows", "held-B/row", 1000}:      53.7,
		{"BenchmarkRowsMemory/collectas", "go-B/row", 1000}:   64.9,
		{"BenchmarkRowsMemory/collectas", "peak-B/row", 1000}: 129.5,
	} {
		if got, ok := res[k]; !ok || got != want {
			t.Errorf("%v = %v (%v), want %v", k, got, ok, want)
		}
	}
	if _, err := parseBench(strings.NewReader("PASS\n"), 1); err == nil {
		t.Error("no results, no error")
	}
	if _, err := parseBench(strings.NewReader("BenchmarkX-2 1 12x ns/op\n"), 1); err == nil {
		t.Error("a figure that is no number, no error")
	}
}

func TestMediansAndOutputs(t *testing.T) {
	k := key{"BenchmarkClientCPU/collect", "cpu-ns/row", 10}
	m := medians(map[key][]float64{k: {30, 10, 20}, {"b", "u", 1}: {4, 1, 2, 3}})
	if m[k] != 20 || m[key{"b", "u", 1}] != 2.5 {
		t.Fatalf("medians %v", m)
	}
	points := map[key]float64{}
	for _, n := range []int{1000, 10000} {
		res, err := parseBench(strings.NewReader(sampleOutput), n)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range res {
			points[k] = v
		}
	}
	dir := t.TempDir()
	if err := writeCSV(filepath.Join(dir, "curves.csv"), points); err != nil {
		t.Fatal(err)
	}
	csv, _ := os.ReadFile(filepath.Join(dir, "curves.csv"))
	if !strings.Contains(string(csv), "BenchmarkClientCPU/collect,cpu-ns/row,10000,27.1\n") {
		t.Errorf("csv:\n%s", csv)
	}
	back, err := readCSV(filepath.Join(dir, "curves.csv"))
	if err != nil || len(back) != len(points) || back[key{"BenchmarkRowsMemory/rows", "held-B/row", 1000}] != 53.7 {
		t.Fatalf("read back %d of %d points: %v", len(back), len(points), err)
	}
	if err := writeCharts(dir, points, options{reps: 3, batchRows: 10000}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"client-cpu.svg", "memory.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := xml.Unmarshal(b, new(struct{})); err != nil {
			t.Errorf("%s is not well-formed: %v", name, err)
		}
		if n := bytes.Count(b, []byte("<polyline")); n < 2 {
			t.Errorf("%s has %d lines", name, n)
		}
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-rows", "3000, 1000,1000", "-reps", "2"})
	if err != nil || len(o.rows) != 2 || o.rows[0] != 1000 || o.reps != 2 {
		t.Fatalf("%+v, %v", o, err)
	}
	for _, args := range [][]string{{"-rows", "0"}, {"-rows", "x"}, {"-reps", "0"}, {"extra"}} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
