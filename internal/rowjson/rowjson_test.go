package rowjson

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/connecttest"
)

// rows returns two rows, read through a session from the in-memory server, with a
// struct, a list, a map with integer keys, a timestamp and a null.
func rows(t *testing.T) []connect.Row {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv := connecttest.NewServer()
	t.Cleanup(srv.Close)
	s, err := srv.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())

	point := arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int64}, arrow.Field{Name: "label", Type: arrow.BinaryTypes.String})
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "point", Type: point},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String)},
		{Name: "counts", Type: arrow.MapOf(arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64)},
		{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "missing", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
	defer b.Release()
	at := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	for i := range 2 {
		sb := b.Field(0).(*array.StructBuilder)
		sb.Append(true)
		sb.FieldBuilder(0).(*array.Int64Builder).Append(int64(3 + i))
		sb.FieldBuilder(1).(*array.StringBuilder).Append("three")
		lb := b.Field(1).(*array.ListBuilder)
		lb.Append(true)
		lb.ValueBuilder().(*array.StringBuilder).AppendValues([]string{"a", "b"}, nil)
		mb := b.Field(2).(*array.MapBuilder)
		mb.Append(true)
		mb.KeyBuilder().(*array.Int32Builder).AppendValues([]int32{1, 2}, nil)
		mb.ItemBuilder().(*array.Int64Builder).AppendValues([]int64{10, 20}, nil)
		b.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(at.UnixMicro()))
		b.Field(4).(*array.Float64Builder).AppendNull()
	}
	rec := b.NewRecordBatch()
	srv.SetResult(rec)
	rec.Release()
	rs, err := s.Table("t").Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// Each row is a line holding one JSON object, with nested values as JSON and keys sorted.
func TestWriteLines(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteLines(&buf, rows(t)); err != nil {
		t.Fatal(err)
	}
	want := `{"at":"2025-01-02T03:04:05.000006Z","counts":{"1":10,"2":20},"missing":null,"point":{"label":"three","x":3},"tags":["a","b"]}
{"at":"2025-01-02T03:04:05.000006Z","counts":{"1":10,"2":20},"missing":null,"point":{"label":"three","x":4},"tags":["a","b"]}
`
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	buf.Reset()
	if err := WriteLines(&buf, nil); err != nil || buf.Len() != 0 {
		t.Errorf("no rows: %q, %v", buf.String(), err)
	}
}

type stringer struct{}

func (stringer) String() string { return "stringer" }

func TestValue(t *testing.T) {
	got, err := json.Marshal(Value([]any{map[any]any{int64(1): []any{stringer{}}}, nil, "s", time.Unix(0, 0).UTC(), 1.5}))
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"1":["stringer"]},null,"s","1970-01-01T00:00:00Z",1.5]`; string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
