package connect

import (
	"errors"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// scriptedMetrics is a plan-metrics response of three nodes, as Spark sends it: the root is
// its own parent, and a metric's display name differs from its key.
func scriptedMetrics() *sparkpb.ExecutePlanResponse_Metrics {
	rows := func(n int64) map[string]*sparkpb.ExecutePlanResponse_Metrics_MetricValue {
		return map[string]*sparkpb.ExecutePlanResponse_Metrics_MetricValue{
			"numOutputRows": {Name: "number of output rows", Value: n, MetricType: "sum"},
		}
	}
	agg := rows(1)
	agg["peakMemory"] = &sparkpb.ExecutePlanResponse_Metrics_MetricValue{Name: "peak memory", Value: 4096, MetricType: "size"}
	agg["aggTime"] = &sparkpb.ExecutePlanResponse_Metrics_MetricValue{Value: 7, MetricType: "timing"} // no display name
	return &sparkpb.ExecutePlanResponse_Metrics{Metrics: []*sparkpb.ExecutePlanResponse_Metrics_MetricObject{
		{Name: "HashAggregate", PlanId: 12, Parent: 12, ExecutionMetrics: agg},
		{Name: "Filter", PlanId: 11, Parent: 12, ExecutionMetrics: rows(143)},
		{Name: "Range", PlanId: 10, Parent: 11, ExecutionMetrics: rows(1000)},
	}}
}

func wantScriptedInfo(opID string) ExecutionInfo {
	rows := func(n int64) MetricValue {
		return MetricValue{Key: "numOutputRows", Name: "number of output rows", Value: n, Type: "sum"}
	}
	return ExecutionInfo{OperationID: opID, Metrics: []PlanMetrics{
		{Name: "HashAggregate", PlanID: 12, Parent: 12, Values: []MetricValue{
			{Key: "aggTime", Name: "aggTime", Value: 7, Type: "timing"},
			rows(1),
			{Key: "peakMemory", Name: "peak memory", Value: 4096, Type: "size"},
		}},
		{Name: "Filter", PlanID: 11, Parent: 12, Values: []MetricValue{rows(143)}},
		{Name: "Range", PlanID: 10, Parent: 11, Values: []MetricValue{rows(1000)}},
	}}
}

func metricsServer(t *testing.T) (*fakeserver.Server, *Session) {
	t.Helper()
	srv, s := fakeSession(t)
	srv.SetResult(func(*sparkpb.Plan) ([]arrow.RecordBatch, error) {
		return []arrow.RecordBatch{int64Batch("n", 1, 2, 3)}, nil
	})
	srv.SetPlanMetrics(func(*sparkpb.Plan) *sparkpb.ExecutePlanResponse_Metrics { return scriptedMetrics() })
	return srv, s
}

// The reader reports the plan metrics and the observations once the result is read to the
// end, and not before; the copy it returns is the caller's.
func TestRecordReaderExecutionInfo(t *testing.T) {
	srv, s := metricsServer(t)
	srv.SetObservedMetrics(func(*sparkpb.Plan) []*sparkpb.ExecutePlanResponse_ObservedMetrics {
		one, _ := literal(int64(3))
		return []*sparkpb.ExecutePlanResponse_ObservedMetrics{{Name: "obs", Keys: []string{"rows"}, Values: []*sparkpb.Expression_Literal{one}}}
	})
	ctx := fakeCtx(t)
	rr, err := s.Range(0, 3, 1).Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	if _, ok := rr.ExecutionInfo(); ok {
		t.Fatal("ExecutionInfo before the first batch")
	}
	if !rr.Next() {
		t.Fatal(rr.Err())
	}
	if _, ok := rr.ExecutionInfo(); ok {
		t.Fatal("ExecutionInfo before the end")
	}
	for rr.Next() {
	}
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	info, ok := rr.ExecutionInfo()
	if !ok {
		t.Fatal("no ExecutionInfo at the end")
	}
	want := wantScriptedInfo(rr.OperationID())
	want.Observations = map[string]map[string]any{"obs": {"rows": int64(3)}}
	if !reflect.DeepEqual(want, info) {
		t.Fatalf("ExecutionInfo\n got %+v\nwant %+v", info, want)
	}
	info.Metrics[0].Values[0].Value = -1
	info.Observations["obs"]["rows"] = 0
	if again, _ := rr.ExecutionInfo(); !reflect.DeepEqual(want, again) {
		t.Fatalf("changing a returned ExecutionInfo changed the reader's: %+v", again)
	}

	f := func(name string) PlanMetrics {
		ns := info.Nodes(name)
		if len(ns) != 1 {
			t.Fatalf("Nodes(%q) = %+v", name, ns)
		}
		return ns[0]
	}
	if v, ok := f("Filter").Metric("number of output rows"); !ok || v.Value != 143 {
		t.Errorf("Filter rows by display name = %+v, %v", v, ok)
	}
	if v, ok := f("Range").Metric("numOutputRows"); !ok || v.Value != 1000 {
		t.Errorf("Range rows by key = %+v, %v", v, ok)
	}
	if _, ok := f("Range").Metric("peakMemory"); ok {
		t.Error("Range has no peakMemory")
	}
	if kids := info.Children(12); len(kids) != 1 || kids[0].Name != "Filter" {
		t.Errorf("Children(12) = %+v, want the Filter (the root is not its own child)", kids)
	}
	if got := (ExecutionInfo{Metrics: []PlanMetrics{{Name: "WholeStageCodegen (1)"}, {Name: "WholeStageCodegenX"}}}).Nodes("WholeStageCodegen"); len(got) != 1 || got[0].Name != "WholeStageCodegen (1)" {
		t.Errorf("Nodes with a numbered name = %+v", got)
	}
}

// A stream cut after the metrics and resumed by reattach still gives the metrics once.
func TestExecutionInfoAcrossReattach(t *testing.T) {
	srv, s := metricsServer(t)
	srv.CutStreams(1, 3, nil) // schema, batch, metrics: cut before ResultComplete
	rr, err := s.Range(0, 3, 1).Collect(fakeCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	for rr.Next() {
	}
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	if len(srv.ReattachRequests()) == 0 {
		t.Fatal("the stream was not cut")
	}
	info, ok := rr.ExecutionInfo()
	if want := wantScriptedInfo(rr.OperationID()); !ok || !reflect.DeepEqual(want, info) {
		t.Fatalf("ExecutionInfo ok=%v\n got %+v\nwant %+v", ok, info, want)
	}
}

// OperationTrace.Finished: called once per completed operation with its metrics, by the
// actions that return values and by Collect at the end, for the inner and the outer trace;
// not for a failed operation nor for a result released before its end.
func TestOperationTraceFinished(t *testing.T) {
	srv, s := metricsServer(t)
	var inner, outer []ExecutionInfo
	var started []string
	ctx := WithOperationTrace(fakeCtx(t), &OperationTrace{Finished: func(i ExecutionInfo) { outer = append(outer, i) }})
	ctx = WithOperationTrace(ctx, &OperationTrace{
		Started: func(id string) { started = append(started, id) },
		Finished: func(i ExecutionInfo) {
			if len(i.Metrics) > 0 {
				i.Metrics[0].Name = "changed" // the outer trace's copy stays as it was
			}
			inner = append(inner, i)
		},
	})

	rows, err := s.Range(0, 3, 1).Rows(ctx)
	if err != nil || len(rows) != 3 {
		t.Fatalf("Rows = %v, %v", rows, err)
	}
	if len(inner) != 1 || len(outer) != 1 {
		t.Fatalf("Finished called %d and %d times, want 1 and 1", len(inner), len(outer))
	}
	if want := wantScriptedInfo(started[0]); !reflect.DeepEqual(want, outer[0]) {
		t.Fatalf("outer trace's ExecutionInfo\n got %+v\nwant %+v", outer[0], want)
	}

	// A command completes with no plan metrics (Spark sends none for commands).
	if err := s.Range(0, 3, 1).CreateOrReplaceTempView(ctx, "v"); err != nil {
		t.Fatal(err)
	}
	if len(inner) != 2 || len(inner[1].Metrics) != 0 || inner[1].OperationID != started[1] {
		t.Fatalf("command: Finished calls %+v, started %v", inner, started)
	}

	// Collect: at the end of the result, not before.
	rr, err := s.Range(0, 3, 1).Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rr.Next()
	if len(inner) != 2 {
		t.Fatal("Finished called before the end of the result")
	}
	for rr.Next() {
	}
	rr.Release()
	if len(inner) != 3 || inner[2].OperationID != rr.OperationID() {
		t.Fatalf("Finished after Collect: %+v", inner)
	}

	// Released before the end: no call.
	rr, err = s.Range(0, 3, 1).Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rr.Next()
	rr.Release()
	// A failed query: no call, and the reader has no ExecutionInfo.
	srv.SetResult(func(*sparkpb.Plan) ([]arrow.RecordBatch, error) { return nil, errors.New("boom") })
	rr, err = s.Range(0, 3, 1).Collect(ctx)
	if err == nil {
		for rr.Next() {
		}
		if rr.Err() == nil {
			t.Fatal("the failing query succeeded")
		}
		if _, ok := rr.ExecutionInfo(); ok {
			t.Error("ExecutionInfo after an error")
		}
		rr.Release()
	}
	if len(inner) != 3 || len(outer) != 3 {
		t.Fatalf("Finished called %d and %d times, want 3 and 3", len(inner), len(outer))
	}
	var nilReader *RecordReader
	if _, ok := nilReader.ExecutionInfo(); ok {
		t.Error("a nil reader has ExecutionInfo")
	}
}
