package tests

import (
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
)

// The reader's format shortcuts (CSV, JSON, ORC, Parquet, Text, XML) read back what the
// writer's shortcuts wrote, value by value.
func TestBatchReaderFormats(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	in := wrInput(t, ctx, s)
	dir := "/tmp/" + wrName("sq_readers")
	write := map[string]func(string) error{
		"parquet": func(p string) error { return in.Write().Parquet(ctx, p) },
		"orc":     func(p string) error { return in.Write().ORC(ctx, p) },
		"json":    func(p string) error { return in.Write().JSON(ctx, p) },
		"csv":     func(p string) error { return in.Write().Option("header", "true").CSV(ctx, p) },
		"xml":     func(p string) error { return in.Write().Option("rowTag", "r").XML(ctx, p) },
		"text": func(p string) error {
			return in.Where("name IS NOT NULL").Select(connect.Col("name")).Write().Text(ctx, p)
		},
	}
	read := map[string]func(string) *connect.DataFrame{
		"parquet": func(p string) *connect.DataFrame { return s.Read().Parquet(p) },
		"orc":     func(p string) *connect.DataFrame { return s.Read().ORC(p) },
		"json":    func(p string) *connect.DataFrame { return s.Read().Schema(wrSchema).JSON(p) },
		"csv":     func(p string) *connect.DataFrame { return s.Read().Schema(wrSchema).Option("header", "true").CSV(p) },
		"xml":     func(p string) *connect.DataFrame { return s.Read().Schema(wrSchema).Option("rowTag", "r").XML(p) },
		"text":    func(p string) *connect.DataFrame { return s.Read().Text(p) },
	}
	for format, w := range write {
		t.Run(format, func(t *testing.T) {
			path := dir + "/" + format
			if err := w(path); err != nil {
				t.Fatalf("write: %v", err)
			}
			want := wrRows
			if format == "text" {
				want = [][]any{{"alpha"}, {"béta, \"quoted\""}, {"gamma"}}
			}
			wrCheck(t, ctx, format, read[format](path), want)
		})
	}
}

// RepartitionByID puts each row in the partition its id column names, modulo the number
// of partitions.
func TestBatchRepartitionByID(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)
	const n = 4
	df := s.Range(0, 20, 1).
		RepartitionByID(n, connect.Col("id").Multiply(int64(7)).Minus(int64(30)).Cast("int")).
		Select(connect.Col("id"), F.SparkPartitionID().Alias("p"))
	rows, err := df.Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 20 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		id := r.Value(0).(int64)
		want := int32(((id*7-30)%n + n) % n)
		if got := r.Value(1).(int32); got != want {
			t.Errorf("id %d in partition %d, want %d", id, got, want)
		}
	}
}
