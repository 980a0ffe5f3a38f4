package connect_test

import (
	"context"
	"fmt"
	"log"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/connecttest"
)

// Read the plan metrics of a query once its result is read to the end: here the rows that
// its filter let through. (The in-memory server reports the metrics it is given; Spark
// reports those of the physical plan it ran.)
func ExampleRecordReader_ExecutionInfo() {
	ctx := context.Background()
	srv := connecttest.NewServer()
	defer srv.Close()
	rows := func(n int64) []connect.MetricValue {
		return []connect.MetricValue{{Key: "numOutputRows", Name: "number of output rows", Value: n, Type: "sum"}}
	}
	srv.SetPlanMetrics(
		connect.PlanMetrics{Name: "Filter", PlanID: 2, Parent: 2, Values: rows(143)},
		connect.PlanMetrics{Name: "Range", PlanID: 1, Parent: 2, Values: rows(1000)},
	)
	s, err := srv.Dial(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)

	rr, err := s.Range(0, 1000, 1).Where("id % 7 = 3").Collect(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer rr.Release()
	for rr.Next() {
		// use rr.RecordBatch()
	}
	if err := rr.Err(); err != nil {
		log.Fatal(err)
	}
	info, ok := rr.ExecutionInfo()
	if !ok {
		log.Fatal("no execution info")
	}
	for _, node := range info.Metrics {
		v, _ := node.Metric("number of output rows")
		fmt.Println(node.Name, v.Value)
	}
	// Output:
	// Filter 143
	// Range 1000
}

// Actions that return values report their execution info to the trace's Finished.
func ExampleOperationTrace_finished() {
	ctx := context.Background()
	srv := connecttest.NewServer()
	defer srv.Close()
	srv.SetPlanMetrics(connect.PlanMetrics{Name: "Range", PlanID: 1, Parent: 1,
		Values: []connect.MetricValue{{Key: "numOutputRows", Value: 10, Type: "sum"}}})
	s, err := srv.Dial(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	var info connect.ExecutionInfo
	ctx = connect.WithOperationTrace(ctx, &connect.OperationTrace{
		Finished: func(i connect.ExecutionInfo) { info = i },
	})
	if _, err := s.Range(0, 10, 1).Rows(ctx); err != nil {
		log.Fatal(err)
	}
	v, _ := info.Nodes("Range")[0].Metric("numOutputRows")
	fmt.Println(v.Value)
	// Output: 10
}
