package connect

import (
	"encoding/json"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The reports below are Spark 4.1.2's, captured from a query over Kafka that observed
// Observe("obs_pages", count(1) AS rows, count_if(page = '/p0') AS p0, sum(id) AS sum_id,
// max(ts) AS last_ts, avg(id) AS avg_id): batch 1 as RecentProgress returns it, and the
// same batch as the listener's progress event carries it.
func TestQueryProgressObservedMetrics(t *testing.T) {
	read := func(name string) QueryProgress {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		var p QueryProgress
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	last := time.Date(2026, 1, 1, 0, 0, 49, 0, time.UTC)

	p := read("progress_observed_spark41.json")
	got, err := p.ObservedMetrics()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]any{"obs_pages": {
		"rows": int64(25), "p0": int64(6), "sum_id": int64(925), "last_ts": last, "avg_id": 37.0,
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("progress: %#v\nwant %#v", got, want)
	}
	if names := p.ObservedNames(); !reflect.DeepEqual(names, []string{"obs_pages"}) {
		t.Errorf("names %v", names)
	}

	e := read("progress_observed_event_spark41.json")
	got, err = e.ObservedMetrics()
	if err != nil {
		t.Fatal(err)
	}
	want["obs_pages"]["last_ts"] = "2026-01-01 00:00:49" // no types in the event's form
	if !reflect.DeepEqual(got, want) {
		t.Errorf("event: %#v\nwant %#v", got, want)
	}
}

func TestQueryProgressObservedForms(t *testing.T) {
	cases := []struct {
		name, js string
		want     map[string]map[string]any
		err      string
	}{
		{"none", `{}`, map[string]map[string]any{}, ""},
		{"typed", `{"observedMetrics":{"q":{"values":[1,2,null,19000,"NaN",[1,2],{"a":1}],"schema":{"type":"struct","fields":[
			{"name":"n","type":"long"},{"name":"d","type":"double"},{"name":"z","type":"string"},{"name":"day","type":"date"},
			{"name":"nan","type":"double"},{"name":"xs","type":{"type":"array","elementType":"long"}},{"name":"s","type":{"type":"struct","fields":[]}}]}}}}`,
			map[string]map[string]any{"q": {"n": int64(1), "d": 2.0, "z": nil, "day": time.Date(2022, 1, 8, 0, 0, 0, 0, time.UTC),
				"xs": []any{int64(1), int64(2)}, "s": map[string]any{"a": int64(1)}}}, ""},
		{"untyped", `{"observedMetrics":{"q":{"n":1,"x":1.5,"s":"v","values":[1]}}}`,
			map[string]map[string]any{"q": {"n": int64(1), "x": 1.5, "s": "v", "values": []any{int64(1)}}}, ""},
		{"null", `{"observedMetrics":{"q":null}}`, map[string]map[string]any{}, ""},
		{"not an object", `{"observedMetrics":{"q":[1]}}`, nil, "not a JSON object"},
		{"short values", `{"observedMetrics":{"q":{"values":[1],"schema":{"type":"struct","fields":[]}}}}`, nil, "1 values for 0 fields"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p QueryProgress
			if err := json.Unmarshal([]byte(tc.js), &p); err != nil {
				t.Fatal(err)
			}
			got, err := p.ObservedMetrics()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if nan, ok := got["q"]["nan"].(float64); ok && !math.IsNaN(nan) {
				t.Errorf("NaN decoded as %v", nan)
			}
			delete(got["q"], "nan")
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v\nwant %#v", got, tc.want)
			}
		})
	}
}
