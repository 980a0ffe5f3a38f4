package connect

import (
	"encoding/json"
	"time"
)

// QueryProgress is the progress report of one micro-batch of a streaming query, decoded
// from Spark's StreamingQueryProgress JSON. Fields that this version does not know are kept
// in Extra, and the whole report in Raw.
type QueryProgress struct {
	ID                     string           `json:"id"`
	RunID                  string           `json:"runId"`
	Name                   string           `json:"name"`
	Timestamp              time.Time        `json:"timestamp"`
	BatchID                int64            `json:"batchId"`
	BatchDuration          int64            `json:"batchDuration"`
	NumInputRows           int64            `json:"numInputRows"`
	InputRowsPerSecond     float64          `json:"inputRowsPerSecond"`
	ProcessedRowsPerSecond float64          `json:"processedRowsPerSecond"`
	DurationMs             map[string]int64 `json:"durationMs"`
	// EventTime has the watermark and the min/avg/max event time of the batch, as ISO-8601
	// strings keyed "watermark", "min", "avg", "max".
	EventTime      map[string]string          `json:"eventTime"`
	StateOperators []StateOperatorProgress    `json:"stateOperators"`
	Sources        []SourceProgress           `json:"sources"`
	Sink           SinkProgress               `json:"sink"`
	ObservedMetric map[string]json.RawMessage `json:"observedMetrics,omitempty"`

	// Extra holds top-level fields this version does not decode.
	Extra map[string]json.RawMessage `json:"-"`
	// Raw is the report as Spark sent it.
	Raw json.RawMessage `json:"-"`
}

// Watermark returns the event-time watermark after the batch, and false if there is none.
func (p *QueryProgress) Watermark() (time.Time, bool) {
	s, ok := p.EventTime["watermark"]
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// StateOperatorProgress describes a stateful operator (aggregation, join, deduplication).
type StateOperatorProgress struct {
	OperatorName              string           `json:"operatorName"`
	NumRowsTotal              int64            `json:"numRowsTotal"`
	NumRowsUpdated            int64            `json:"numRowsUpdated"`
	NumRowsRemoved            int64            `json:"numRowsRemoved"`
	NumRowsDroppedByWatermark int64            `json:"numRowsDroppedByWatermark"`
	AllUpdatesTimeMs          int64            `json:"allUpdatesTimeMs"`
	AllRemovalsTimeMs         int64            `json:"allRemovalsTimeMs"`
	CommitTimeMs              int64            `json:"commitTimeMs"`
	MemoryUsedBytes           int64            `json:"memoryUsedBytes"`
	NumShufflePartitions      int64            `json:"numShufflePartitions"`
	NumStateStoreInstances    int64            `json:"numStateStoreInstances"`
	CustomMetrics             map[string]int64 `json:"customMetrics"`
}

// SourceProgress describes one source in a micro-batch. Offsets are source-specific JSON
// (for Kafka: topic → partition → offset).
type SourceProgress struct {
	Description            string            `json:"description"`
	StartOffset            json.RawMessage   `json:"startOffset"`
	EndOffset              json.RawMessage   `json:"endOffset"`
	LatestOffset           json.RawMessage   `json:"latestOffset"`
	NumInputRows           int64             `json:"numInputRows"`
	InputRowsPerSecond     float64           `json:"inputRowsPerSecond"`
	ProcessedRowsPerSecond float64           `json:"processedRowsPerSecond"`
	Metrics                map[string]string `json:"metrics"`
}

// SinkProgress describes the sink in a micro-batch.
type SinkProgress struct {
	Description   string            `json:"description"`
	NumOutputRows int64             `json:"numOutputRows"`
	Metrics       map[string]string `json:"metrics"`
}

var progressFields = []string{"id", "runId", "name", "timestamp", "batchId", "batchDuration", "numInputRows",
	"inputRowsPerSecond", "processedRowsPerSecond", "durationMs", "eventTime", "stateOperators", "sources",
	"sink", "observedMetrics"}

// UnmarshalJSON decodes Spark's progress JSON, keeping unknown fields in Extra.
func (p *QueryProgress) UnmarshalJSON(b []byte) error {
	type plain QueryProgress
	var v plain
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	// Spark defines the batch's row counts and rates as sums over its sources, and the
	// reports that the query commands return leave them out: fill them in from the sources.
	_, hasRows := all["numInputRows"]
	_, hasIn := all["inputRowsPerSecond"]
	_, hasProc := all["processedRowsPerSecond"]
	for _, src := range v.Sources {
		if !hasRows {
			v.NumInputRows += src.NumInputRows
		}
		if !hasIn {
			v.InputRowsPerSecond += src.InputRowsPerSecond
		}
		if !hasProc {
			v.ProcessedRowsPerSecond += src.ProcessedRowsPerSecond
		}
	}
	for _, k := range progressFields {
		delete(all, k)
	}
	if len(all) > 0 {
		v.Extra = all
	}
	v.Raw = append(json.RawMessage(nil), b...)
	*p = QueryProgress(v)
	return nil
}
