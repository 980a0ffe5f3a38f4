package connect_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/sparkwire/sparkwire/connect"
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
