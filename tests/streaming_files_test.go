package tests

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
)

// Files as streaming sources (json, csv, parquet directories), the json file sink, the
// console sink with a Once trigger, and ToTable.
func TestStreamingFileSourcesAndSinks(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	base := "/tmp/sparkwire-files/" + uniqueName("f")
	const schema = "id BIGINT, name STRING"
	// The inputs: 100 rows written by Spark in each format (ids 0..99, sum 4950).
	for _, format := range []string{"json", "csv", "parquet"} {
		opts := ""
		if format == "csv" {
			opts = "OPTIONS (header 'true')"
		}
		if _, err := s.SQL(ctx, fmt.Sprintf("INSERT OVERWRITE DIRECTORY '%s/in_%s' USING %s %s SELECT id, concat('n', id) AS name FROM range(100)",
			base, format, format, opts)); err != nil {
			t.Fatalf("write %s input: %v", format, err)
		}
	}
	awaitDone := func(q *connect.StreamingQuery) {
		t.Helper()
		actx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		if err := q.AwaitTermination(actx); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string, df *connect.DataFrame) {
		t.Helper()
		rows, err := df.GroupBy().Agg(F.Count(connect.Lit(1)), F.Sum(connect.Col("id")), F.CountDistinct(connect.Col("name"))).Rows(ctx)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if r := rows[0]; r.Value(0) != int64(100) || r.Value(1) != int64(4950) || r.Value(2) != int64(100) {
			t.Errorf("%s: count, sum(id), distinct names = %v, want 100, 4950, 100", what, r)
		}
	}

	// json source → json file sink.
	q, err := s.ReadStream().Format("json").Schema(schema).Load(base+"/in_json").
		WriteStream().Format("json").Option("checkpointLocation", base+"/cp_json").
		Trigger(connect.AvailableNow()).Start(ctx, base+"/out_json")
	if err != nil {
		t.Fatal(err)
	}
	awaitDone(q)
	check("json source to json sink", s.Read().Format("json").Schema(schema).Load(base+"/out_json"))

	// csv and parquet sources → memory sink.
	for _, format := range []string{"csv", "parquet"} {
		r := s.ReadStream().Format(format).Schema(schema)
		if format == "csv" {
			r = r.Option("header", "true")
		}
		check(format+" source", runToMemoryDF(t, ctx, r.Load(base+"/in_"+format)))
	}

	// Console sink with a Once trigger: one batch, then the query stops by itself.
	q, err = s.ReadStream().Format("parquet").Schema(schema).Load(base+"/in_parquet").
		WriteStream().Format("console").Option("numRows", "3").Trigger(connect.Once()).Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	awaitDone(q)
	lp, err := q.LastProgress(ctx)
	if err != nil || lp == nil || lp.NumInputRows != 100 || !strings.Contains(lp.Sink.Description, "Console") {
		t.Errorf("console sink progress: %+v %v", lp, err)
	}

	// ToTable: a streaming write into a catalog table.
	table := uniqueName("stream_table")
	q, err = s.ReadStream().Format("json").Schema(schema).Load(base+"/in_json").
		WriteStream().Option("checkpointLocation", base+"/cp_table").Trigger(connect.AvailableNow()).ToTable(ctx, table)
	if err != nil {
		t.Fatal(err)
	}
	awaitDone(q)
	check("ToTable", s.Table(table))
}

// runToMemoryDF runs a streaming DataFrame into a memory sink over everything available
// and returns the sink's table.
func runToMemoryDF(t *testing.T, ctx context.Context, df *connect.DataFrame) *connect.DataFrame {
	t.Helper()
	name := uniqueName("mem")
	q, err := df.WriteStream().Format("memory").QueryName(name).Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Stop(context.Background()) })
	if err := q.ProcessAllAvailable(ctx); err != nil {
		t.Fatal(err)
	}
	return df.Session().Table(name)
}
