package connect

import (
	"testing"
	"time"
)

func TestQueryProgressJSON(t *testing.T) {
	// As the query commands return it: no top-level row counts, an unknown field.
	js := `{"id":"q","runId":"r","name":"n","timestamp":"2026-11-23T21:44:37.914Z","batchId":1,"batchDuration":491,
		"durationMs":{"triggerExecution":490},"eventTime":{"watermark":"2026-11-23T21:40:00.000Z"},
		"stateOperators":[{"operatorName":"stateStoreSave","numRowsTotal":7,"numRowsDroppedByWatermark":2}],
		"sources":[{"description":"a","startOffset":"0","endOffset":{"t":{"0":5}},"numInputRows":100,"inputRowsPerSecond":10.5,"processedRowsPerSecond":20},
		           {"description":"b","numInputRows":1,"inputRowsPerSecond":0.5,"processedRowsPerSecond":1}],
		"sink":{"description":"MemorySink","numOutputRows":100},"futureField":{"x":1}}`
	var p QueryProgress
	if err := p.UnmarshalJSON([]byte(js)); err != nil {
		t.Fatal(err)
	}
	if p.NumInputRows != 101 || p.InputRowsPerSecond != 11 || p.ProcessedRowsPerSecond != 21 {
		t.Errorf("sums over sources: %d %v %v", p.NumInputRows, p.InputRowsPerSecond, p.ProcessedRowsPerSecond)
	}
	if wm, ok := p.Watermark(); !ok || !wm.Equal(time.Date(2026, 11, 23, 21, 40, 0, 0, time.UTC)) {
		t.Errorf("watermark %v %v", wm, ok)
	}
	if p.StateOperators[0].NumRowsDroppedByWatermark != 2 || string(p.Sources[0].EndOffset) != `{"t":{"0":5}}` {
		t.Errorf("state operators or offsets: %+v", p)
	}
	if string(p.Extra["futureField"]) != `{"x":1}` || len(p.Raw) != len(js) {
		t.Errorf("unknown fields not kept: %v", p.Extra)
	}
	// A listener event's report has the counts: they are taken as they are.
	var q QueryProgress
	if err := q.UnmarshalJSON([]byte(`{"numInputRows":3,"inputRowsPerSecond":1,"processedRowsPerSecond":2,"sources":[{"numInputRows":9}]}`)); err != nil {
		t.Fatal(err)
	}
	if q.NumInputRows != 3 || q.InputRowsPerSecond != 1 || q.ProcessedRowsPerSecond != 2 {
		t.Errorf("top-level counts overridden: %+v", q)
	}
}
