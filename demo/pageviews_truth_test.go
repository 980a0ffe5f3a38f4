package demo

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/connecttest"
	"github.com/sparkwire/sparkwire/producers"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func serve(t *testing.T) (*connecttest.Server, *connect.Session) {
	t.Helper()
	srv := connecttest.NewServer()
	t.Cleanup(srv.Close)
	s, err := srv.Dial(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return srv, s
}

func TestExpectedPageViews(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	ev := func(seq int64, at time.Duration, value string, m producers.Malformation) producers.Event {
		return producers.Event{Seq: seq, EventTime: t0.Add(at), Value: []byte(value), Malformed: m}
	}
	got, err := ExpectedPageViews([]producers.Event{
		ev(0, 0, `{"event_type":"page_view","page":"/"}`, producers.MalformedNone),
		ev(1, 59*time.Second, `{"event_type":"page_view","page":"/"}`, producers.MalformedNone),
		ev(2, 60*time.Second, `{"event_type":"page_view","page":"/"}`, producers.MalformedNone),
		ev(3, 10*time.Second, `{"event_type":"page_view","page":"/cart"}`, producers.MalformedNone),
		ev(4, 10*time.Second, `{"event_type":"click","page":"/"}`, producers.MalformedNone),
		ev(5, 10*time.Second, `{"event_type":"page_vi`, producers.MalformedSyntax), // skipped
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[PageViewKey]int64{{t0, "/"}: 2, {t0.Add(time.Minute), "/"}: 1, {t0, "/cart"}: 1}
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// A record marked well-formed that is not JSON is an error.
	if _, err := ExpectedPageViews([]producers.Event{ev(7, 0, `{`, producers.MalformedNone)}); err == nil || !strings.Contains(err.Error(), "event 7") {
		t.Errorf("err = %v", err)
	}
}

func TestPageViewsFromTable(t *testing.T) {
	srv, s := serve(t)
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "window_start", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "page", Type: arrow.BinaryTypes.String},
		{Name: "max(views)", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	b.Field(0).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(t0.UnixMicro()), arrow.Timestamp(t0.Add(time.Minute).UnixMicro())}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"/", "/cart"}, nil)
	b.Field(2).(*array.Int64Builder).AppendValues([]int64{5, 2}, nil)
	rec := b.NewRecordBatch()
	b.Release()
	srv.SetResult(rec)
	rec.Release()

	got, err := PageViewsFromTable(testCtx(t), s, "pv")
	if err != nil {
		t.Fatal(err)
	}
	want := map[PageViewKey]int64{{t0, "/"}: 5, {t0.Add(time.Minute), "/cart"}: 2}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		found := false
		for gk, gv := range got {
			if gk.WindowStart.Equal(k.WindowStart) && gk.Page == k.Page && gv == v {
				found = true
			}
		}
		if !found {
			t.Errorf("got %v, want %v", got, want)
		}
	}
	plans := srv.Plans()
	if len(plans) != 1 || !strings.Contains(plans[0].String(), `"pv"`) || !strings.Contains(plans[0].String(), `"max"`) {
		t.Errorf("plans %v", plans)
	}

	// A table of another shape is an error.
	b = array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.BinaryTypes.String}, {Name: "b", Type: arrow.BinaryTypes.String}, {Name: "c", Type: arrow.BinaryTypes.String},
	}, nil))
	for i := range 3 {
		b.Field(i).(*array.StringBuilder).Append("x")
	}
	rec = b.NewRecordBatch()
	b.Release()
	srv.SetResult(rec)
	rec.Release()
	if _, err := PageViewsFromTable(testCtx(t), s, "pv"); err == nil || !strings.Contains(err.Error(), "unexpected row") {
		t.Errorf("err = %v", err)
	}
	// And so is a failing query.
	srv.FailNext("TABLE_OR_VIEW_NOT_FOUND", "42P01", "no pv")
	if _, err := PageViewsFromTable(testCtx(t), s, "pv"); err == nil {
		t.Error("no error for a missing table")
	}
}
