package fakeserver

import (
	"google.golang.org/protobuf/proto"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// SetPlanMetrics sets the plan metrics that a query (a root plan handled by default)
// reports after its result and observed metrics, just before it completes, as Spark
// reports the metrics of the executed physical plan: f returns them for a plan, and nil
// sends no metrics response. nil f restores the default, no metrics.
func (s *Server) SetPlanMetrics(f func(plan *sparkpb.Plan) *sparkpb.ExecutePlanResponse_Metrics) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.planMetrics = f
}

// planMetricsResponse returns the response with the plan metrics of plan, or nil.
func (s *Server) planMetricsResponse(plan *sparkpb.Plan) *sparkpb.ExecutePlanResponse {
	s.mu.Lock()
	f := s.planMetrics
	s.mu.Unlock()
	if f == nil {
		return nil
	}
	m := f(plan)
	if m == nil {
		return nil
	}
	return &sparkpb.ExecutePlanResponse{Metrics: proto.Clone(m).(*sparkpb.ExecutePlanResponse_Metrics)}
}
