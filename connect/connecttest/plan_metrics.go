package connecttest

import (
	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// SetPlanMetrics sets the plan metrics that the server reports at the end of every query's
// result, as Spark reports the metrics of the physical plan it executed (the server
// computes nothing): actions then see them in connect.ExecutionInfo. Nodes keep their
// order; a MetricValue's Key names it, and its Name defaults to the Key. No nodes stop the
// reports.
func (s *Server) SetPlanMetrics(nodes ...connect.PlanMetrics) {
	if len(nodes) == 0 {
		s.fake.SetPlanMetrics(nil)
		return
	}
	m := &sparkpb.ExecutePlanResponse_Metrics{}
	for _, n := range nodes {
		o := &sparkpb.ExecutePlanResponse_Metrics_MetricObject{Name: n.Name, PlanId: n.PlanID, Parent: n.Parent}
		if len(n.Values) > 0 {
			o.ExecutionMetrics = make(map[string]*sparkpb.ExecutePlanResponse_Metrics_MetricValue, len(n.Values))
		}
		for _, v := range n.Values {
			name := v.Name
			if name == "" {
				name = v.Key
			}
			o.ExecutionMetrics[v.Key] = &sparkpb.ExecutePlanResponse_Metrics_MetricValue{Name: name, Value: v.Value, MetricType: v.Type}
		}
		m.Metrics = append(m.Metrics, o)
	}
	s.fake.SetPlanMetrics(func(*sparkpb.Plan) *sparkpb.ExecutePlanResponse_Metrics { return m })
}
