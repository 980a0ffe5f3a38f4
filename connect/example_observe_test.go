package connect_test

import (
	"context"
	"fmt"
	"log"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/connecttest"
	F "github.com/sparkwire/sparkwire/connect/functions"
)

// Observe metrics of a batch query while an action runs it, and read them from the
// Observation once the action has finished. Here the in-memory server stands in for Spark
// and reports the values Spark would compute for range(0, 1000).
func ExampleDataFrame_ObserveWith() {
	ctx := context.Background()
	srv := connecttest.NewServer()
	defer srv.Close()
	if err := srv.SetObservedMetrics("ids", map[string]any{"rows": int64(1000), "max_id": int64(999)}); err != nil {
		log.Fatal(err)
	}
	s, err := srv.Dial(ctx) // with Spark: connect.Dial(ctx, "sc://localhost:15002")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)

	obs := connect.NewObservation("ids")
	df := s.Range(0, 1000, 1).ObserveWith(obs,
		F.Count(connect.Lit(1)).Alias("rows"),
		F.Max(connect.Col("id")).Alias("max_id"))
	if _, err := df.Where("id % 2 = 0").Rows(ctx); err != nil { // the action
		log.Fatal(err)
	}
	metrics, err := obs.Get(ctx) // waits for an action when none has finished yet
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(metrics["rows"], metrics["max_id"])
	// Output: 1000 999
}

// Observe a streaming query: each micro-batch's metrics come with its progress report.
func ExampleQueryProgress_ObservedMetrics() {
	ctx := context.Background()
	s, err := connect.Dial(ctx, "sc://localhost:15002")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	events := s.ReadStream().Format("rate").Option("rowsPerSecond", "100").Load().
		Observe("rates", F.Count(connect.Lit(1)).Alias("rows"), F.Max(connect.Col("value")).Alias("last"))
	q, err := events.WriteStream().Format("memory").QueryName("rates").Start(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer q.Stop(ctx)
	if err := q.ProcessAllAvailable(ctx); err != nil {
		log.Fatal(err)
	}
	p, err := q.LastProgress(ctx)
	if err != nil || p == nil {
		log.Fatal("no progress yet: ", err)
	}
	metrics, err := p.ObservedMetrics()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.BatchID, metrics["rates"]["rows"], metrics["rates"]["last"])
}
