package connect_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/connecttest"
)

// Dial a Spark Connect server, run a query and print Spark's rendering of the result.
func ExampleDial() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := connect.Dial(ctx, "sc://localhost:15002/;user_id=etl")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	df, err := s.SQL(ctx, "SELECT id, id * 2 AS twice FROM range(?)", int64(3))
	if err != nil {
		log.Fatal(err)
	}
	table, err := df.Show(ctx, 20)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(table)
}

// Stream a large result as Arrow record batches: memory stays bounded by one batch.
func ExampleDataFrame_Collect() {
	ctx := context.Background()
	s, err := connect.Dial(ctx, "sc://localhost:15002")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	rr, err := s.Range(0, 10_000_000, 1).SelectExpr("id", "id % 7 AS bucket").Collect(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer rr.Release()
	var rows int64
	for rr.Next() {
		rows += rr.RecordBatch().NumRows() // the batch is valid until the next call to Next
	}
	if err := rr.Err(); err != nil {
		log.Fatal(err)
	}
	fmt.Println(rows)
}

// Read a Kafka topic in batch mode and parse its JSON values on the server.
func ExampleSession_Read() {
	ctx := context.Background()
	s, err := connect.Dial(ctx, "sc://localhost:15002")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	events := s.Read().Format("kafka").
		Option("kafka.bootstrap.servers", "kafka:9093").
		Option("subscribe", "events").
		Load().
		SelectExpr("from_json(cast(value AS string), 'page STRING, ts TIMESTAMP') AS e").
		SelectExpr("e.page", "e.ts")
	n, err := events.Count(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n)
}

// Branch on Spark's error class.
func ExampleSparkError() {
	ctx := context.Background()
	s, err := connect.Dial(ctx, "sc://localhost:15002")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	_, err = s.SQL(ctx, "SELECT * FROM missing_table")
	var se *connect.SparkError
	if errors.As(err, &se) && se.ErrorClass == "TABLE_OR_VIEW_NOT_FOUND" {
		fmt.Println("no such table")
	}
}

// Count page views per page and minute from a Kafka topic, with a watermark, into a memory
// table that the same session reads back.
func ExampleDataStreamWriter_Start() {
	ctx := context.Background()
	s, err := connect.Dial(ctx, "sc://localhost:15002")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	views := s.ReadStream().Format("kafka").
		Option("kafka.bootstrap.servers", "kafka:9093").
		Option("subscribe", "pageviews").
		Load().
		Select(connect.CallFunction("from_json", connect.Col("value").Cast("string"),
			connect.Lit("page STRING, ts TIMESTAMP")).Alias("e")).
		Select(connect.Col("e.*")).
		WithWatermark("ts", "2 minutes")
	counts := views.
		GroupBy(connect.CallFunction("window", connect.Col("ts"), connect.Lit("1 minute")), connect.Col("page")).
		Count()
	q, err := counts.WriteStream().Format("memory").QueryName("page_counts").
		OutputMode(connect.Update).Trigger(connect.ProcessingTime(5 * time.Second)).Start(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer q.Stop(ctx)
	if err := q.ProcessAllAvailable(ctx); err != nil {
		log.Fatal(err)
	}
	table, err := s.Table("page_counts").Show(ctx, 20)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(table)
}

// Follow the progress of the session's streaming queries as events on a channel.
func ExampleStreamingQueryManager_Subscribe() {
	ctx := context.Background()
	s, err := connect.Dial(ctx, "sc://localhost:15002")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	sub, err := s.Streams().Subscribe(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer sub.Close(ctx)
	for ev := range sub.Events() {
		switch e := ev.(type) {
		case *connect.QueryProgressEvent:
			fmt.Printf("batch %d: %d rows, %.0f rows/s\n", e.Progress.BatchID, e.Progress.NumInputRows, e.Progress.ProcessedRowsPerSecond)
		case *connect.QueryTerminatedEvent:
			fmt.Println("query", e.ID, "terminated")
			return
		}
	}
}

// Wait for a query with a deadline; a failed query comes back as *StreamingQueryError.
func ExampleStreamingQuery_AwaitTermination() {
	ctx := context.Background()
	s, err := connect.Dial(ctx, "sc://localhost:15002")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	q, err := s.ReadStream().Format("rate").Load().
		WriteStream().Format("console").Trigger(connect.AvailableNow()).Start(ctx)
	if err != nil {
		log.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var qe *connect.StreamingQueryError
	switch err := q.AwaitTermination(wctx); {
	case errors.As(err, &qe):
		fmt.Println("query failed:", qe.ErrorClass)
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Println("still running")
	case err != nil:
		log.Fatal(err)
	}
}

// A RecordReader is an arrow-go array.RecordReader: any arrow-go consumer reads it, and its
// schema is known before the first batch. (This example runs against connecttest's
// in-memory server, which answers every query with the batch it is given.)
func ExampleRecordReader() {
	ctx := context.Background()
	srv := connecttest.NewServer()
	defer srv.Close()
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{
		{Name: "page", Type: arrow.BinaryTypes.String}, {Name: "views", Type: arrow.PrimitiveTypes.Int64}}, nil))
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"/home", "/cart"}, nil)
	b.Field(1).(*array.Int64Builder).AppendValues([]int64{42, 7}, nil)
	rec := b.NewRecordBatch()
	b.Release()
	srv.SetResult(rec)
	rec.Release()

	s, err := srv.Dial(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	rr, err := s.Table("page_views").Collect(ctx)
	if err != nil {
		log.Fatal(err)
	}
	var reader array.RecordReader = rr
	defer reader.Release()
	fmt.Println(reader.Schema().Field(0).Name, reader.Schema().Field(1).Name)
	for batch, err := range array.IterFromReader(reader) {
		if err != nil {
			log.Fatal(err)
		}
		for _, row := range connect.RowsOf(batch) {
			fmt.Println(row)
		}
	}
	// Output:
	// page views
	// Row(page="/home", views=42)
	// Row(page="/cart", views=7)
}

// Decode rows into Go structs, matched by `spark` tags (or Go field names). (This example
// runs against connecttest's in-memory server, which answers every query with the batch it
// is given.)
func ExampleCollectAs() {
	ctx := context.Background()
	srv := connecttest.NewServer()
	defer srv.Close()
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{
		{Name: "page", Type: arrow.BinaryTypes.String}, {Name: "views", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil))
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"/home", "/cart"}, nil)
	b.Field(1).(*array.Int64Builder).AppendValues([]int64{42, 0}, []bool{true, false})
	rec := b.NewRecordBatch()
	b.Release()
	srv.SetResult(rec)
	rec.Release()

	s, err := srv.Dial(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	type pageViews struct {
		Page  string `spark:"page"`
		Views *int   `spark:"views"` // a pointer takes NULL
	}
	rows, err := connect.CollectAs[pageViews](ctx, s.Table("page_views"))
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rows {
		if r.Views == nil {
			fmt.Println(r.Page, "no views")
			continue
		}
		fmt.Println(r.Page, *r.Views)
	}
	// Output:
	// /home 42
	// /cart no views
}
