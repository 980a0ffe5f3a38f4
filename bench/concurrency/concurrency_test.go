package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect/connecttest"
)

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-url", "sc://localhost:15002", "-workload", "collect", "-levels", "1, 4,64"})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.levels) != 3 || o.levels[2] != 64 || o.opsPerWorker != 1 || o.minOps != 4 {
		t.Fatalf("options %+v", o)
	}
	// At 64 at once a collect shrinks to the in-flight budget; at 1 it has the full rows.
	if ops, rows := o.plan(64); ops != 64 || rows != 100_000 {
		t.Errorf("plan(64) = %d ops of %d rows", ops, rows)
	}
	if ops, rows := o.plan(1); ops != 4 || rows != 400_000 {
		t.Errorf("plan(1) = %d ops of %d rows", ops, rows)
	}
	sel, err := parseFlags([]string{"-url", "sc://x:1"})
	if err != nil {
		t.Fatal(err)
	}
	if ops, rows := sel.plan(64); ops != 128 || rows != 1 || sel.query(rows) != "SELECT 1" {
		t.Errorf("select plan(64) = %d ops of %d rows, %q", ops, rows, sel.query(rows))
	}
	for _, bad := range [][]string{
		{"-url", "sc://x:1", "-workload", "insert"},
		{"-url", "sc://x:1", "-sessions", "some"},
		{"-url", "sc://x:1", "-levels", "1,0"},
		{"-url", "sc://x:1", "-levels", "4,x"},
		{"-url", "sc://x:1", "-rows", "-5"},
		{"-url", ""},
		{"-url", "sc://x:1", "extra"},
	} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q): no error", bad)
		}
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	if p := percentile(d, 50); p != 50*time.Millisecond {
		t.Errorf("p50 = %v", p)
	}
	if p := percentile(d, 99); p != 99*time.Millisecond {
		t.Errorf("p99 = %v", p)
	}
	if p := percentile(d[:4], 99); p != 4*time.Millisecond {
		t.Errorf("p99 of 4 = %v, want the largest", p)
	}
	if p := percentile(nil, 50); p != 0 {
		t.Errorf("p50 of none = %v", p)
	}
}

// The driver runs every level against the in-memory server, on one session and on
// separate ones, and prints a line per level that the report reads back.
func TestRunAgainstFakeServer(t *testing.T) {
	srv := connecttest.NewServer()
	t.Cleanup(srv.Close)
	b := array.NewInt32Builder(memory.NewGoAllocator())
	b.Append(1)
	one := b.NewArray()
	b.Release()
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "1", Type: arrow.PrimitiveTypes.Int32}}, nil), []arrow.Array{one}, 1)
	one.Release()
	srv.SetResult(rec) // what SELECT 1 returns
	rec.Release()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	for _, sessions := range []string{"shared", "separate"} {
		o, err := parseFlags([]string{"-url", srv.URL(), "-sessions", sessions, "-levels", "1,3", "-min-ops", "5"})
		if err != nil {
			t.Fatal(err)
		}
		o.dial = srv.Options()
		if err := run(ctx, o, &out); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines:\n%s", len(lines), out.String())
	}
	var in bytes.Buffer
	for i, l := range lines {
		if !strings.Contains(l, "errors=0") || !strings.Contains(l, "client=sparkwire workload=select") {
			t.Errorf("line %d: %s", i, l)
		}
		in.WriteString("rep=1 " + l + "\n")
		in.WriteString("rep=1 " + strings.Replace(l, "client=sparkwire", "client=pyspark", 1) + "\n")
	}
	samples, err := parseSamples(bytes.NewReader(in.Bytes()))
	if err != nil || len(samples) != 8 {
		t.Fatalf("%d samples, %v", len(samples), err)
	}
	if samples[1].conc != 3 && samples[2].conc != 3 {
		t.Errorf("levels: %+v", samples)
	}
	var table bytes.Buffer
	writeTable(&table, samples)
	// Both clients have the same figures here: every throughput ratio is 1.
	if got := strings.Count(table.String(), "| 1.00 (1.00–1.00) |"); got != 8 {
		t.Errorf("%d ratios of 1.00 in\n%s", got, table.String())
	}
	svg := filepath.Join(t.TempDir(), "c.svg")
	res := filepath.Join(t.TempDir(), "r.txt")
	if err := os.WriteFile(res, in.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var rep bytes.Buffer
	if err := report([]string{"-in", res, "-svg", svg}, &rep); err != nil {
		t.Fatal(err)
	}
	chart, err := os.ReadFile(svg)
	if err != nil || !bytes.Contains(chart, []byte("<svg")) || !bytes.Contains(chart, []byte("PySpark, separate session")) {
		t.Errorf("chart: %v\n%.300s", err, chart)
	}
}
