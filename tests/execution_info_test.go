package tests

import (
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
)

// The plan metrics of range + filter + aggregate: the tree has the expected nodes, linked
// child to parent, and the row counts of the Range, Filter and final HashAggregate nodes
// equal those computed here; the same through OperationTrace.Finished for Count, and the
// observations of an observed DataFrame come with them.
func TestExecutionInfo(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)

	const n = 1000
	var kept int64
	groups := map[int64]int64{}
	for id := int64(0); id < n; id++ {
		if id%7 == 3 {
			kept++
			groups[id%4]++
		}
	}
	df := s.Range(0, n, 1).Where("id % 7 = 3").
		GroupBy(connect.Expr("id % 4 AS k")).Agg(F.Count(connect.Lit(1)).Alias("n"))

	rr, err := df.Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	if _, ok := rr.ExecutionInfo(); ok {
		t.Fatal("ExecutionInfo reported before the result was read")
	}
	var rows int64
	for rr.Next() {
		rows += rr.RecordBatch().NumRows()
	}
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	if rows != int64(len(groups)) {
		t.Fatalf("got %d groups, want %d", rows, len(groups))
	}
	info, ok := rr.ExecutionInfo()
	if !ok {
		t.Fatal("no ExecutionInfo after the end of the result")
	}
	if info.OperationID != rr.OperationID() {
		t.Errorf("OperationID %q, want %q", info.OperationID, rr.OperationID())
	}
	checkRangeFilterAgg(t, info, n, kept, int64(len(groups)))

	// Count through the trace: the filter node counts the rows Count returns.
	var traced []connect.ExecutionInfo
	tctx := connect.WithOperationTrace(ctx, &connect.OperationTrace{Finished: func(i connect.ExecutionInfo) { traced = append(traced, i) }})
	got, err := s.Range(0, n, 1).Where("id % 7 = 3").Count(tctx)
	if err != nil {
		t.Fatal(err)
	}
	if got != kept {
		t.Fatalf("Count = %d, want %d", got, kept)
	}
	if len(traced) != 1 {
		t.Fatalf("Finished called %d times, want 1", len(traced))
	}
	checkRangeFilterAgg(t, traced[0], n, kept, 1)

	// An observed DataFrame: the observation's values come with the plan metrics.
	traced = nil
	var sum int64
	for id := int64(0); id < n; id++ {
		if id%7 == 3 {
			sum += id
		}
	}
	obsRows, err := s.Range(0, n, 1).Where("id % 7 = 3").
		Observe("ei_obs", F.Count(connect.Lit(1)).Alias("rows"), F.Sum(connect.Col("id")).Alias("sum_id")).Rows(tctx)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(obsRows)) != kept || len(traced) != 1 {
		t.Fatalf("got %d rows and %d Finished calls, want %d and 1", len(obsRows), len(traced), kept)
	}
	o := traced[0].Observations["ei_obs"]
	if o["rows"] != kept || o["sum_id"] != sum {
		t.Errorf("observations %v, want rows=%d sum_id=%d", traced[0].Observations, kept, sum)
	}
	if len(traced[0].Nodes("Filter")) != 1 {
		t.Errorf("observed query: no Filter node in %v", names(traced[0]))
	}
}

// checkRangeFilterAgg checks the metrics tree of range(0, n) + filter + aggregate.
func checkRangeFilterAgg(t *testing.T, info connect.ExecutionInfo, n, kept, groups int64) {
	t.Helper()
	for _, want := range []string{"Range", "Filter", "HashAggregate", "Exchange"} {
		if len(info.Nodes(want)) == 0 {
			t.Errorf("no %s node in %v", want, names(info))
		}
	}
	rowsOf := func(node connect.PlanMetrics) int64 {
		t.Helper()
		v, ok := node.Metric("number of output rows")
		if !ok {
			t.Fatalf("%s node has no output rows: %+v", node.Name, node)
		}
		if v.Key != "numOutputRows" || v.Type != "sum" {
			t.Errorf("%s output rows metric = %+v", node.Name, v)
		}
		return v.Value
	}
	ranges, filters := info.Nodes("Range"), info.Nodes("Filter")
	if len(ranges) != 1 || len(filters) != 1 {
		t.Fatalf("want one Range and one Filter node, got %v", names(info))
	}
	if got := rowsOf(ranges[0]); got != n {
		t.Errorf("Range output rows = %d, want %d", got, n)
	}
	if got := rowsOf(filters[0]); got != kept {
		t.Errorf("Filter output rows = %d, want %d", got, kept)
	}
	// The Range is the Filter's child, and the tree reaches the root from the filter.
	if ranges[0].Parent != filters[0].PlanID {
		t.Errorf("Range's parent %d is not the Filter %d", ranges[0].Parent, filters[0].PlanID)
	}
	if kids := info.Children(filters[0].PlanID); len(kids) != 1 || kids[0].Name != "Range" {
		t.Errorf("Filter's children %+v, want the Range", kids)
	}
	byID := map[int64]connect.PlanMetrics{}
	for _, m := range info.Metrics {
		byID[m.PlanID] = m
	}
	node, steps := filters[0], 0
	for node.Parent != node.PlanID {
		p, ok := byID[node.Parent]
		if !ok || steps > len(info.Metrics) {
			t.Fatalf("node %s: parent %d not in the tree", node.Name, node.Parent)
		}
		node, steps = p, steps+1
	}
	if node.PlanID != info.Metrics[0].PlanID {
		t.Errorf("the Filter leads to root %s, want the first node %s", node.Name, info.Metrics[0].Name)
	}
	// The last aggregate (the nearest to the root) outputs one row per group.
	aggs := info.Nodes("HashAggregate")
	if got := rowsOf(aggs[0]); got != groups {
		t.Errorf("final HashAggregate output rows = %d, want %d", got, groups)
	}
}

func names(info connect.ExecutionInfo) []string {
	out := make([]string, len(info.Metrics))
	for i, m := range info.Metrics {
		out[i] = m.Name
	}
	return out
}
