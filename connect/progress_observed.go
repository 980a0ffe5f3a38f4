package connect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// ObservedMetrics returns the metrics that the query's [DataFrame.Observe] calls computed
// over this micro-batch: observation name → metric name → value. Spark reports them as
// JSON, so values come back as JSON types: whole numbers as int64 (counts, sums of
// integers), other numbers as float64, strings (also timestamps and dates, in Spark's JSON
// form) as string, structs as map[string]any, arrays as []any, and NULL as nil. A batch
// without observations gives an empty map, and an observation whose values Spark did not
// write as a JSON object gives an error.
func (p *QueryProgress) ObservedMetrics() (map[string]map[string]any, error) {
	out := make(map[string]map[string]any, len(p.ObservedMetric))
	for name, raw := range p.ObservedMetric {
		v, err := decodeJSONValue(raw)
		if err != nil {
			return nil, fmt.Errorf("spark connect: observed metrics %q: %w", name, err)
		}
		m, ok := v.(map[string]any)
		if !ok {
			if v == nil {
				continue
			}
			return nil, fmt.Errorf("spark connect: observed metrics %q are %T, not an object", name, v)
		}
		out[name] = m
	}
	return out, nil
}

// ObservedNames returns the names of the batch's observations, sorted.
func (p *QueryProgress) ObservedNames() []string {
	names := make([]string, 0, len(p.ObservedMetric))
	for n := range p.ObservedMetric {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// decodeJSONValue decodes JSON with whole numbers as int64 and other numbers as float64.
func decodeJSONValue(raw json.RawMessage) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return numbersOf(v), nil
}

func numbersOf(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	case map[string]any:
		for k, e := range x {
			x[k] = numbersOf(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbersOf(e)
		}
	}
	return v
}
