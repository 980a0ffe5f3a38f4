package connect

import (
	"maps"
	"slices"
	"strings"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// ExecutionInfo describes how Spark ran an operation, as the server reports it at the end
// of the operation's result: the metrics of the physical plan's nodes and the metrics of
// the plan's observations. It is the counterpart of PySpark's DataFrame.executionInfo. Get
// it from [RecordReader.ExecutionInfo] once a result is read to the end, or from
// [OperationTrace.Finished] for actions that return values (Count, Rows, Show, writes).
type ExecutionInfo struct {
	// OperationID is the operation the information is about.
	OperationID string
	// Metrics are the nodes of the executed physical plan with their metrics, in the order
	// Spark sends them (a node before its children). Parent links them into a tree. Spark
	// sends plan metrics for queries; commands (writes, SQL statements) may have none.
	Metrics []PlanMetrics
	// Observations are the metrics of the plan's observations ([DataFrame.Observe] and
	// [DataFrame.ObserveWith]): observation name → metric name → value, with the Go types
	// of [Observation.Get]. Nil when the plan observes nothing.
	Observations map[string]map[string]any
}

// PlanMetrics is one node of an executed physical plan with its metrics.
type PlanMetrics struct {
	// Name is the node's name, such as "Filter", "HashAggregate" or "Range".
	Name string
	// PlanID is Spark's id of the node, unique within the plan.
	PlanID int64
	// Parent is the PlanID of the node's parent; the root's is its own or one no node has.
	Parent int64
	// Values are the node's metrics, sorted by Key.
	Values []MetricValue
}

// MetricValue is one metric of a plan node.
type MetricValue struct {
	// Key is Spark's short name of the metric, such as "numOutputRows".
	Key string
	// Name is its display name, such as "number of output rows".
	Name string
	// Value is its value: a count, a size in bytes, or a time in milliseconds or
	// nanoseconds, as Type says.
	Value int64
	// Type is Spark's kind of metric: "sum", "size", "timing", "nsTiming", "average".
	Type string
}

// Metric returns the node's metric whose Key or display Name is name.
func (p PlanMetrics) Metric(name string) (MetricValue, bool) {
	for _, v := range p.Values {
		if v.Key == name || v.Name == name {
			return v, true
		}
	}
	return MetricValue{}, false
}

// Nodes returns the plan nodes named name, in order. A name that ends in a space-separated
// suffix matches too ("WholeStageCodegen" matches "WholeStageCodegen (1)").
func (e ExecutionInfo) Nodes(name string) []PlanMetrics {
	var out []PlanMetrics
	for _, n := range e.Metrics {
		if n.Name == name || strings.HasPrefix(n.Name, name+" ") {
			out = append(out, n)
		}
	}
	return out
}

// Children returns the nodes whose parent is the node with the given PlanID (a node is not
// its own child).
func (e ExecutionInfo) Children(planID int64) []PlanMetrics {
	var out []PlanMetrics
	for _, n := range e.Metrics {
		if n.Parent == planID && n.PlanID != planID {
			out = append(out, n)
		}
	}
	return out
}

// planMetricsOf converts the plan metrics of one response.
func planMetricsOf(m *sparkpb.ExecutePlanResponse_Metrics) []PlanMetrics {
	out := make([]PlanMetrics, 0, len(m.GetMetrics()))
	for _, o := range m.GetMetrics() {
		n := PlanMetrics{Name: o.GetName(), PlanID: o.GetPlanId(), Parent: o.GetParent()}
		for key, v := range o.GetExecutionMetrics() {
			name := v.GetName()
			if name == "" {
				name = key
			}
			n.Values = append(n.Values, MetricValue{Key: key, Name: name, Value: v.GetValue(), Type: v.GetMetricType()})
		}
		slices.SortFunc(n.Values, func(a, b MetricValue) int { return strings.Compare(a.Key, b.Key) })
		out = append(out, n)
	}
	return out
}

// execInfo gathers the execution information of one operation from its responses.
type execInfo struct {
	info     ExecutionInfo
	finished func(ExecutionInfo) // the trace's Finished, or nil
	ended    bool
}

func newExecInfo(opID string, finished func(ExecutionInfo)) *execInfo {
	return &execInfo{info: ExecutionInfo{OperationID: opID}, finished: finished}
}

// receive records the metrics that a response carries.
func (x *execInfo) receive(resp *sparkpb.ExecutePlanResponse) {
	if x == nil || resp == nil {
		return
	}
	if m := resp.GetMetrics(); m != nil {
		x.info.Metrics = append(x.info.Metrics, planMetricsOf(m)...)
	}
	for _, o := range resp.GetObservedMetrics() {
		if x.info.Observations == nil {
			x.info.Observations = map[string]map[string]any{}
		}
		x.info.Observations[o.GetName()] = observedValues(o)
	}
}

// complete marks the operation as completed and calls the trace's Finished once.
func (x *execInfo) complete() {
	if x == nil || x.ended {
		return
	}
	x.ended = true
	if x.finished != nil {
		x.finished(x.get())
	}
}

// get returns a copy of the information, which the caller may keep and change.
func (x *execInfo) get() ExecutionInfo { return x.info.clone() }

// clone returns a deep copy of e.
func (e ExecutionInfo) clone() ExecutionInfo {
	out := e
	out.Metrics = slices.Clone(e.Metrics)
	for i := range out.Metrics {
		out.Metrics[i].Values = slices.Clone(out.Metrics[i].Values)
	}
	if e.Observations != nil {
		out.Observations = make(map[string]map[string]any, len(e.Observations))
		for k, v := range e.Observations {
			out.Observations[k] = maps.Clone(v)
		}
	}
	return out
}

// ExecutionInfo returns the plan metrics and observed metrics that the server sent with
// the result. They come at the end of the result, so ok is false until Next has returned
// false at a clean end (Err is nil); after an error, or before the end, ExecutionInfo
// returns the zero value and false. A nil reader returns false.
func (r *RecordReader) ExecutionInfo() (info ExecutionInfo, ok bool) {
	if r == nil || r.info == nil || !r.done {
		return ExecutionInfo{}, false
	}
	return r.info.get(), true
}

// traceFinished returns the context trace's Finished callback, or nil.
func traceFinished(t *OperationTrace) func(ExecutionInfo) {
	if t == nil {
		return nil
	}
	return t.Finished
}
