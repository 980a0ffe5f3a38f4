package producers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
)

// Manifest is the ground truth of a run: what the broker acknowledged, counted in the
// produce callbacks, so tests and jobs can check their results exactly. A record counts
// as sent only once the broker acknowledged it; records that failed are counted in
// Failed and Errors, never silently dropped. Produced = Acked + Failed when Run returns.
//
// It is written as JSON with the field names in the struct tags; map keys are sorted.
type Manifest struct {
	// Version is the manifest format version, currently 1.
	Version int `json:"version"`
	// Topic is the Kafka topic written to.
	Topic string `json:"topic"`
	// Domain is the schema name of the generator, for example "clickstream".
	Domain string `json:"domain"`
	// Encoding is "json" or "avro".
	Encoding string `json:"encoding"`
	// Seed is the stream's seed.
	Seed uint64 `json:"seed"`
	// Rate describes the target rate, for example "steady 5000/s" or "unlimited".
	Rate string `json:"rate"`
	// StartedAt and FinishedAt bound the run in wall-clock time.
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Stopped says why the run ended: "count", "duration", "canceled" or "error".
	Stopped string `json:"stopped"`
	// WindowMillis is the size of the event-time windows in Windows, in milliseconds.
	WindowMillis int64 `json:"window_ms"`

	// Produced is the number of records handed to the Kafka client.
	Produced int64 `json:"produced"`
	// Acked is the number of records the broker acknowledged.
	Acked int64 `json:"acked"`
	// Failed is the number of records that were not acknowledged.
	Failed int64 `json:"failed"`
	// AckedBytes is the size of the acknowledged records' keys and values, in bytes.
	AckedBytes int64 `json:"acked_bytes"`
	// Malformed is the number of acknowledged malformed records, MalformedKinds the same
	// by kind ("syntax", "wrong_type", "missing_field").
	Malformed      int64            `json:"malformed"`
	MalformedKinds map[string]int64 `json:"malformed_kinds"`
	// Late is the number of acknowledged out-of-order records (well-formed or not), and
	// MaxLatenessMillis the largest lateness among them, in milliseconds.
	Late              int64 `json:"late"`
	MaxLatenessMillis int64 `json:"max_lateness_ms"`
	// TooLate is the number of acknowledged records (well-formed or not) late by more than
	// WatermarkDelayMillis, counted only when the producer was given a watermark delay
	// ([WithWatermarkDelay]).
	TooLate              int64 `json:"too_late,omitempty"`
	WatermarkDelayMillis int64 `json:"watermark_delay_ms,omitempty"`
	// MinEventTime and MaxEventTime bound the event times of the acknowledged records.
	MinEventTime time.Time `json:"min_event_time"`
	MaxEventTime time.Time `json:"max_event_time"`

	// Keys counts acknowledged records (malformed ones included) by record key.
	Keys map[string]int64 `json:"keys"`
	// Windows counts acknowledged well-formed records by tumbling event-time window,
	// keyed by the window's start in RFC 3339 (UTC). Windows are aligned to the Unix
	// epoch, as Spark's window() without an offset.
	Windows map[string]WindowCount `json:"windows"`
	// Partitions describes the acknowledged records of each partition.
	Partitions map[int32]PartitionRange `json:"partitions"`
	// Errors counts failed records by reason: the Kafka error code for errors from the
	// broker (for example MESSAGE_TOO_LARGE, UNKNOWN_TOPIC_OR_PARTITION), else the message.
	Errors map[string]int64 `json:"errors"`
}

// WindowCount counts the records of one event-time window.
type WindowCount struct {
	// Events is the number of well-formed records in the window.
	Events int64 `json:"events"`
	// Late is how many of them were out of order.
	Late int64 `json:"late"`
	// TooLate is how many of them were late by more than the manifest's watermark delay.
	TooLate int64 `json:"too_late,omitempty"`
}

// PartitionRange describes the acknowledged records of one partition.
type PartitionRange struct {
	// Records is the number of acknowledged records.
	Records int64 `json:"records"`
	// FirstOffset and LastOffset are the smallest and largest offsets acknowledged. With
	// an idempotent producer and no failures, LastOffset-FirstOffset+1 == Records.
	FirstOffset int64 `json:"first_offset"`
	LastOffset  int64 `json:"last_offset"`
}

// WriteJSON writes the manifest as indented JSON.
func (m *Manifest) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("producers: write manifest: %w", err)
	}
	return nil
}

// WriteFile writes the manifest as indented JSON to a file, replacing it.
func (m *Manifest) WriteFile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("producers: write manifest: %w", err)
	}
	if err := m.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("producers: write manifest: %w", err)
	}
	return nil
}

// ReadManifest reads a manifest written by WriteFile.
func ReadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("producers: read manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("producers: read manifest %s: %w", path, err)
	}
	return &m, nil
}

// recorder builds a Manifest from produce callbacks; it is safe for concurrent use. It
// runs once per acknowledged record, so it keeps event times and windows as Unix
// milliseconds and formats them only in snapshot.
type recorder struct {
	mu       sync.Mutex
	m        Manifest
	window   int64                 // ms
	delay    int64                 // ms, the watermark delay; 0: TooLate is not counted
	keys     map[string]*int64     // acknowledged records per key; counted in place, see acked
	windows  map[int64]WindowCount // by window start, Unix ms
	minTime  int64                 // Unix ms, valid if hasTimes
	maxTime  int64
	firstErr error
	hasTimes bool
}

// sent describes a record in flight, for its callback.
type sent struct {
	eventTime int64 // Unix ms
	lateness  int64 // ms
	malformed Malformation
}

func newRecorder(window, watermarkDelay time.Duration) *recorder {
	return &recorder{
		window:  window.Milliseconds(),
		delay:   watermarkDelay.Milliseconds(),
		keys:    map[string]*int64{},
		windows: map[int64]WindowCount{},
		// Keys and Windows are counted in keys and windows, and filled in by snapshot.
		m: Manifest{
			Version:              1,
			WindowMillis:         window.Milliseconds(),
			WatermarkDelayMillis: watermarkDelay.Milliseconds(),
			MalformedKinds:       map[string]int64{},
			Partitions:           map[int32]PartitionRange{},
			Errors:               map[string]int64{},
		},
	}
}

func (r *recorder) acked(key []byte, size int, partition int32, offset int64, s sent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := &r.m
	m.Acked++
	m.AckedBytes += int64(size)
	// Look the key up without converting it (no allocation) and count in place; the
	// key's bytes are copied only the first time it is seen, as the caller may reuse
	// them once this returns.
	if n := r.keys[string(key)]; n != nil {
		*n++
	} else {
		r.keys[string(key)] = new(int64(1))
	}
	p, ok := m.Partitions[partition]
	if !ok {
		p.FirstOffset, p.LastOffset = offset, offset
	}
	p.Records++
	p.FirstOffset = min(p.FirstOffset, offset)
	p.LastOffset = max(p.LastOffset, offset)
	m.Partitions[partition] = p
	tooLate := r.delay > 0 && s.lateness > r.delay
	if s.lateness > 0 {
		m.Late++
		m.MaxLatenessMillis = max(m.MaxLatenessMillis, s.lateness)
		if tooLate {
			m.TooLate++
		}
	}
	if !r.hasTimes || s.eventTime < r.minTime {
		r.minTime = s.eventTime
	}
	if !r.hasTimes || s.eventTime > r.maxTime {
		r.maxTime = s.eventTime
	}
	r.hasTimes = true
	if s.malformed != MalformedNone {
		m.Malformed++
		m.MalformedKinds[s.malformed.String()]++
		return
	}
	start := s.eventTime - ((s.eventTime%r.window)+r.window)%r.window
	w := r.windows[start]
	w.Events++
	if s.lateness > 0 {
		w.Late++
	}
	if tooLate {
		w.TooLate++
	}
	r.windows[start] = w
}

func (r *recorder) failed(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m.Failed++
	if r.firstErr == nil {
		r.firstErr = err
	}
	r.m.Errors[errorKey(err)]++
}

// errorKey names a failure for Manifest.Errors: the Kafka error code for broker errors
// (MESSAGE_TOO_LARGE), else the first line of the message, at most 200 bytes.
func errorKey(err error) string {
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return ke.Message
	}
	if isFirstReadEOF(err) {
		return eofReason
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return msg
}

// snapshot returns a copy of the manifest so far, maps included, and the first error.
func (r *recorder) snapshot() (*Manifest, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.m
	if r.hasTimes {
		m.MinEventTime = time.UnixMilli(r.minTime).UTC()
		m.MaxEventTime = time.UnixMilli(r.maxTime).UTC()
	}
	m.MalformedKinds = maps.Clone(r.m.MalformedKinds)
	m.Keys = make(map[string]int64, len(r.keys))
	for k, n := range r.keys {
		m.Keys[k] = *n
	}
	m.Windows = make(map[string]WindowCount, len(r.windows))
	for start, w := range r.windows {
		m.Windows[time.UnixMilli(start).UTC().Format(time.RFC3339)] = w
	}
	m.Partitions = maps.Clone(r.m.Partitions)
	m.Errors = maps.Clone(r.m.Errors)
	return &m, r.firstErr
}
