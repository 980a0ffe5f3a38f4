package fakeserver

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// SetObservedMetrics sets the observed metrics that a query (a root plan) reports after its
// result, and a command other than the streaming ones (a write) before it completes, as
// Spark does for the CollectMetrics relations of the plan: f returns them for a plan, and
// an empty answer sends no observed-metrics response. The server fills plan_id
// with the plan's root id when it is zero. nil restores the default, no metrics.
func (s *Server) SetObservedMetrics(f func(plan *sparkpb.Plan) []*sparkpb.ExecutePlanResponse_ObservedMetrics) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observed = f
}

// observedMetrics returns the response with the observed metrics of plan, or nil.
func (s *Server) observedMetrics(plan *sparkpb.Plan) *sparkpb.ExecutePlanResponse {
	s.mu.Lock()
	f := s.observed
	s.mu.Unlock()
	if f == nil {
		return nil
	}
	ms := f(plan)
	if len(ms) == 0 {
		return nil
	}
	resp := &sparkpb.ExecutePlanResponse{}
	for _, m := range ms {
		m = proto.Clone(m).(*sparkpb.ExecutePlanResponse_ObservedMetrics)
		if m.PlanId == 0 {
			m.PlanId = plan.GetRoot().GetCommon().GetPlanId()
		}
		resp.ObservedMetrics = append(resp.ObservedMetrics, m)
	}
	return resp
}

// SetQueryProgress sets the progress reports (Spark's StreamingQueryProgress JSON, oldest first)
// that the recent_progress and last_progress commands return for the query with the given
// id; last_progress returns the last one. No reports (the default) answers with none.
func (s *Server) SetQueryProgress(queryID string, progressJSON ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queryProgress == nil {
		s.queryProgress = map[string][]string{}
	}
	s.queryProgress[queryID] = append([]string(nil), progressJSON...)
}

// progressOfLocked returns the reports a progress command answers with; s.mu is held.
func (s *Server) progressOfLocked(queryID string, last bool) []string {
	reports := s.queryProgress[queryID]
	if last && len(reports) > 1 {
		reports = reports[len(reports)-1:]
	}
	return append([]string(nil), reports...)
}

// CollectMetricsNames returns the names of the CollectMetrics relations in plan, at any
// depth: the observations a Spark server reports metrics for.
func CollectMetricsNames(plan *sparkpb.Plan) []string {
	var names []string
	var walk func(m protoreflect.Message)
	walk = func(m protoreflect.Message) {
		if cm, ok := m.Interface().(*sparkpb.CollectMetrics); ok {
			names = append(names, cm.GetName())
		}
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.IsList() && fd.Message() != nil:
				for i := 0; i < v.List().Len(); i++ {
					walk(v.List().Get(i).Message())
				}
			case fd.IsMap():
			case fd.Message() != nil:
				walk(v.Message())
			}
			return true
		})
	}
	if plan != nil {
		walk(plan.ProtoReflect())
	}
	return names
}
