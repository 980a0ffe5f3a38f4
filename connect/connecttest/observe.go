package connecttest

import (
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// observations are the metrics the server reports for observed DataFrames, by name.
type observations struct {
	mu     sync.Mutex
	byName map[string]*sparkpb.ExecutePlanResponse_ObservedMetrics
}

// SetObservedMetrics sets the metrics that the server reports, after the result of every
// query whose plan observes a DataFrame under name (DataFrame.Observe or ObserveWith), as
// Spark reports what it computed: the server computes nothing. Values may be nil, bool,
// int32, int64, int, float64, string or time.Time (a timestamp); a value of another type
// is an error. nil metrics stop reporting name.
func (s *Server) SetObservedMetrics(name string, metrics map[string]any) error {
	var m *sparkpb.ExecutePlanResponse_ObservedMetrics
	if metrics != nil {
		m = &sparkpb.ExecutePlanResponse_ObservedMetrics{Name: name}
		keys := make([]string, 0, len(metrics))
		for k := range metrics {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			l, err := metricLiteral(k, metrics[k])
			if err != nil {
				return err
			}
			m.Keys = append(m.Keys, k)
			m.Values = append(m.Values, l)
		}
	}
	s.obs.mu.Lock()
	defer s.obs.mu.Unlock()
	if s.obs.byName == nil {
		s.obs.byName = map[string]*sparkpb.ExecutePlanResponse_ObservedMetrics{}
		s.fake.SetObservedMetrics(s.observed)
	}
	if m == nil {
		delete(s.obs.byName, name)
		return nil
	}
	s.obs.byName[name] = m
	return nil
}

// observed returns the metrics of the observations in plan that SetObservedMetrics set.
func (s *Server) observed(plan *sparkpb.Plan) []*sparkpb.ExecutePlanResponse_ObservedMetrics {
	names := fakeserver.CollectMetricsNames(plan)
	s.obs.mu.Lock()
	defer s.obs.mu.Unlock()
	var out []*sparkpb.ExecutePlanResponse_ObservedMetrics
	for _, n := range slices.Compact(slices.Sorted(slices.Values(names))) {
		if m, ok := s.obs.byName[n]; ok {
			out = append(out, m)
		}
	}
	return out
}

func metricLiteral(key string, v any) (*sparkpb.Expression_Literal, error) {
	l := &sparkpb.Expression_Literal{}
	switch v := v.(type) {
	case nil:
		l.LiteralType = &sparkpb.Expression_Literal_Null{Null: &sparkpb.DataType{Kind: &sparkpb.DataType_Null{Null: &sparkpb.DataType_NULL{}}}}
	case bool:
		l.LiteralType = &sparkpb.Expression_Literal_Boolean{Boolean: v}
	case int32:
		l.LiteralType = &sparkpb.Expression_Literal_Integer{Integer: v}
	case int64:
		l.LiteralType = &sparkpb.Expression_Literal_Long{Long: v}
	case int:
		l.LiteralType = &sparkpb.Expression_Literal_Long{Long: int64(v)}
	case float64:
		l.LiteralType = &sparkpb.Expression_Literal_Double{Double: v}
	case string:
		l.LiteralType = &sparkpb.Expression_Literal_String_{String_: v}
	case time.Time:
		l.LiteralType = &sparkpb.Expression_Literal_Timestamp{Timestamp: v.UnixMicro()}
	default:
		return nil, fmt.Errorf("connecttest: observed metric %q: unsupported value type %T", key, v)
	}
	return l, nil
}
