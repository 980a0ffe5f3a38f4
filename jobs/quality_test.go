package jobs

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sparkwire/sparkwire/connect"
)

func TestQualityOf(t *testing.T) {
	cases := []struct {
		name, js string
		want     Quality
		ok       bool
	}{
		// As Spark 4.1.2 reported a batch of a pageviews run (the query's progress command).
		{"report", `{"observedMetrics":{"quality":{"values":[600,34,518],"schema":{"type":"struct","fields":[
			{"name":"records","type":"long","nullable":false,"metadata":{}},{"name":"malformed","type":"long","nullable":false,"metadata":{}},
			{"name":"late","type":"integer","nullable":false,"metadata":{}}]}}}}`, Quality{600, 34, 518}, true},
		// As the listener's progress event carries it.
		{"event", `{"observedMetrics":{"quality":{"records":10,"malformed":1,"late":0}}}`, Quality{10, 1, 0}, true},
		{"other observation", `{"observedMetrics":{"mine":{"records":1}}}`, Quality{}, false},
		{"none", `{}`, Quality{}, false},
		{"unreadable", `{"observedMetrics":{"quality":[1]}}`, Quality{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p connect.QueryProgress
			if err := json.Unmarshal([]byte(tc.js), &p); err != nil {
				t.Fatal(err)
			}
			got, ok := QualityOf(&p)
			if got != tc.want || ok != tc.ok {
				t.Errorf("got %+v %v, want %+v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
	if _, ok := QualityOf(nil); ok {
		t.Error("nil progress has quality")
	}
}

// Every query of a run carries the quality observation, with the job's watermark delay.
func TestQualityObservedByEveryQuery(t *testing.T) {
	srv, s := serve(t)
	job := PageViews()
	job.WatermarkDelay = "90 seconds"
	run, err := job.Start(testCtx(t), s, Config{Brokers: "kafka:9092"})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Stop(testCtx(t))
	var starts int
	for _, p := range srv.Plans() {
		js := string(p.JSON())
		if !strings.Contains(js, "writeStreamOperationStart") {
			continue
		}
		starts++
		if strings.Count(js, `"collectMetrics"`) != 1 || !strings.Contains(js, `"name": "quality"`) || !strings.Contains(js, "INTERVAL 90 seconds") {
			t.Errorf("query without the quality observation or its delay:\n%.400s", js)
		}
	}
	if starts != len(run.Queries()) || starts == 0 {
		t.Errorf("%d queries started, run has %d", starts, len(run.Queries()))
	}
}
