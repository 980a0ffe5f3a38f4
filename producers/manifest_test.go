package producers

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
)

// TestRecorderHandComputed feeds the recorder a small run whose manifest was worked out by
// hand: every expected number below is written out, not computed by the code under test.
func TestRecorderHandComputed(t *testing.T) {
	r := newRecorder(time.Minute, 0)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	ms := func(offset time.Duration) int64 { return base + offset.Milliseconds() }
	// key, value size, partition, offset, event time, lateness, malformation
	r.acked([]byte("u1"), 10, 0, 5, sent{eventTime: ms(10 * time.Second)})
	r.acked([]byte("u2"), 20, 1, 0, sent{eventTime: ms(70 * time.Second)})
	// 65 s behind the newest (70 s): late, and in the first window.
	r.acked([]byte("u1"), 30, 0, 6, sent{eventTime: ms(5 * time.Second), lateness: 65_000})
	// Malformed and late: counted as both, but in no window.
	r.acked([]byte("u3"), 40, 0, 7, sent{eventTime: ms(1 * time.Second), lateness: 69_000, malformed: MalformedSyntax})
	r.acked([]byte("u2"), 50, 1, 1, sent{eventTime: ms(130 * time.Second), malformed: MalformedMissingField})
	// Exactly on a window boundary: the window that starts there.
	r.acked([]byte("u1"), 60, 2, 0, sent{eventTime: ms(2 * time.Minute)})
	// Before the epoch-aligned window of base: the window of 23:59.
	r.acked([]byte("u4"), 70, 2, 1, sent{eventTime: ms(-1 * time.Millisecond), lateness: 120_001})
	r.failed(kerr.MessageTooLarge)
	r.failed(errors.New("broker down\nsecond line"))
	r.failed(kerr.MessageTooLarge)

	got, firstErr := r.snapshot()
	if !errors.Is(firstErr, kerr.MessageTooLarge) {
		t.Errorf("first error %v, want MESSAGE_TOO_LARGE", firstErr)
	}
	want := &Manifest{
		Version:           1,
		WindowMillis:      60_000,
		Acked:             7,
		Failed:            3,
		AckedBytes:        280,
		Malformed:         2,
		MalformedKinds:    map[string]int64{"syntax": 1, "missing_field": 1},
		Late:              3,
		MaxLatenessMillis: 120_001,
		MinEventTime:      time.Date(2024, 12, 31, 23, 59, 59, 999_000_000, time.UTC),
		MaxEventTime:      time.Date(2025, 1, 1, 0, 2, 10, 0, time.UTC),
		Keys:              map[string]int64{"u1": 3, "u2": 2, "u3": 1, "u4": 1},
		Windows: map[string]WindowCount{
			"2024-12-31T23:59:00Z": {Events: 1, Late: 1},
			"2025-01-01T00:00:00Z": {Events: 2, Late: 1},
			"2025-01-01T00:01:00Z": {Events: 1},
			"2025-01-01T00:02:00Z": {Events: 1},
		},
		Partitions: map[int32]PartitionRange{
			0: {Records: 3, FirstOffset: 5, LastOffset: 7},
			1: {Records: 2, FirstOffset: 0, LastOffset: 1},
			2: {Records: 2, FirstOffset: 0, LastOffset: 1},
		},
		Errors: map[string]int64{"MESSAGE_TOO_LARGE": 2, "broker down": 1},
	}
	if got.MalformedKinds["syntax"] != 1 || len(got.MalformedKinds) != 2 {
		t.Errorf("malformed kinds %v", got.MalformedKinds)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("manifest\n got %+v\nwant %+v", *got, *want)
	}
}

// TestRecorderTooLate: with a watermark delay of one minute, records late by more than a
// minute are counted in TooLate, overall (malformed ones included) and per window.
func TestRecorderTooLate(t *testing.T) {
	r := newRecorder(time.Minute, time.Minute)
	base := time.Date(2025, 1, 1, 0, 10, 0, 0, time.UTC).UnixMilli()
	r.acked([]byte("k"), 1, 0, 0, sent{eventTime: base})
	r.acked([]byte("k"), 1, 0, 1, sent{eventTime: base - 60_000, lateness: 60_000}) // exactly the delay: not too late
	r.acked([]byte("k"), 1, 0, 2, sent{eventTime: base - 60_001, lateness: 60_001})
	r.acked([]byte("k"), 1, 0, 3, sent{eventTime: base - 90_000, lateness: 90_000, malformed: MalformedWrongType})
	r.acked([]byte("k"), 1, 0, 4, sent{eventTime: base - 1, lateness: 1})
	m, _ := r.snapshot()
	if m.Late != 4 || m.TooLate != 2 || m.WatermarkDelayMillis != 60_000 {
		t.Errorf("late %d, too late %d, delay %d; want 4, 2, 60000", m.Late, m.TooLate, m.WatermarkDelayMillis)
	}
	want := map[string]WindowCount{
		"2025-01-01T00:10:00Z": {Events: 1},
		"2025-01-01T00:09:00Z": {Events: 2, Late: 2},             // 60 s and 1 ms late
		"2025-01-01T00:08:00Z": {Events: 1, Late: 1, TooLate: 1}, // 08:59.999; the malformed one is in no window
	}
	if !reflect.DeepEqual(m.Windows, want) {
		t.Errorf("windows %v, want %v", m.Windows, want)
	}
}
