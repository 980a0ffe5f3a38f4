package connect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// ObservedMetrics returns the metrics that the query's [DataFrame.Observe] calls computed
// over this micro-batch: observation name → metric name → value. Spark reports a batch's
// observations in JSON in two forms, and both decode here:
//
//   - values with their schema, in the reports that [StreamingQuery.LastProgress] and
//     RecentProgress return (Spark 4.1). The schema gives the types: integral metrics
//     (counts, sums of integers, sizes) come back as int64, floating ones as float64,
//     timestamps as time.Time (UTC) and dates as time.Time at midnight UTC.
//   - an object of metric name → value, in the listener's [QueryProgressEvent]s. Without
//     types, whole numbers come back as int64 and other numbers as float64; timestamps and
//     dates stay text, as Spark writes them ("2026-01-01 00:00:49", in the server session's
//     time zone).
//
// In both, other values keep their JSON types (strings, structs as map[string]any, arrays
// as []any) and NULL is nil. A batch without observations gives an empty map, and an
// observation written in neither form gives an error.
func (p *QueryProgress) ObservedMetrics() (map[string]map[string]any, error) {
	out := make(map[string]map[string]any, len(p.ObservedMetric))
	for name, raw := range p.ObservedMetric {
		m, err := observedRow(raw)
		if err != nil {
			return nil, fmt.Errorf("spark connect: observed metrics %q: %w", name, err)
		}
		if m != nil {
			out[name] = m
		}
	}
	return out, nil
}

// observedRow decodes one observation of a progress report: {"values": [...], "schema":
// {"type": "struct", "fields": [...]}}, or {"metric": value, ...}; JSON null gives nil.
func observedRow(raw json.RawMessage) (map[string]any, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if obj == nil {
		return nil, nil
	}
	rawVals, hasVals := obj["values"]
	rawSchema, hasSchema := obj["schema"]
	if !hasVals || !hasSchema || len(obj) != 2 {
		out := make(map[string]any, len(obj))
		for k, v := range obj {
			val, err := decodeJSONValue(v)
			if err != nil {
				return nil, fmt.Errorf("metric %q: %w", k, err)
			}
			out[k] = val
		}
		return out, nil
	}
	var schema struct {
		Type   string `json:"type"`
		Fields []struct {
			Name string          `json:"name"`
			Type json.RawMessage `json:"type"`
		} `json:"fields"`
	}
	if err := json.Unmarshal(rawSchema, &schema); err != nil || schema.Type != "struct" {
		return nil, fmt.Errorf("schema %s is not a struct type", rawSchema)
	}
	var vals []json.RawMessage
	if err := json.Unmarshal(rawVals, &vals); err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	if len(vals) != len(schema.Fields) {
		return nil, fmt.Errorf("%d values for %d fields", len(vals), len(schema.Fields))
	}
	out := make(map[string]any, len(vals))
	for i, f := range schema.Fields {
		v, err := decodeJSONValue(vals[i])
		if err != nil {
			return nil, fmt.Errorf("metric %q: %w", f.Name, err)
		}
		var typ string
		_ = json.Unmarshal(f.Type, &typ) // a complex type is an object: no conversion
		out[f.Name] = typedJSONValue(v, typ)
	}
	return out, nil
}

// typedJSONValue converts a decoded JSON value to the Go type of a simple Spark type:
// Spark 4.1 writes timestamps in this form as Unix milliseconds and dates as days.
func typedJSONValue(v any, sparkType string) any {
	switch sparkType {
	case "float", "double":
		switch x := v.(type) {
		case int64:
			return float64(x)
		case string: // NaN and infinities
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return f
			}
		}
	case "timestamp", "timestamp_ntz":
		switch x := v.(type) {
		case int64:
			return time.UnixMilli(x).UTC()
		case string:
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
				if t, err := time.Parse(layout, x); err == nil {
					return t.UTC()
				}
			}
		}
	case "date":
		switch x := v.(type) {
		case int64:
			return time.Unix(x*86400, 0).UTC()
		case string:
			if t, err := time.Parse(time.DateOnly, x); err == nil {
				return t
			}
		}
	}
	return v
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
