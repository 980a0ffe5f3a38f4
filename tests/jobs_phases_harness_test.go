package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/jobs"
	"github.com/sparkwire/sparkwire/producers"
)

// The phased job tests run a job while its input arrives in phases, each one or more
// micro-batches, and model what Spark's watermark does between them.
//
// Spark's rule (Spark 4.1, PropagateWatermarkSimulator): batch N drops a row whose
// (window or session) end is at or before the watermark of batch N-1, and evicts state by
// the watermark of batch N; the watermark of a batch is the largest event time of all
// earlier batches minus the delay. After the data of a phase, Spark runs a batch without
// data to apply the new watermark; the test waits for it (the query's progress reports the
// watermark), so that every batch of the next phase drops by the watermark W of the end of
// the previous phase. Within a phase the records are written in event-time order, so no
// batch split of the phase can move the watermark past an event of the phase's own: a row
// of phase k is dropped exactly when its end is at or before W(k-1), whatever the batches.
// Each phase ends with a marker event of the test's own, later than every event so far
// and chosen so that W(k) = marker - delay falls on a boundary of the job's windows.

// phaseRecord is one record of a phased input.
type phaseRecord struct {
	Key, Value []byte
	// Time is the event time (for a malformed record, the generator's intended time).
	Time      time.Time
	Malformed producers.Malformation
	// Late are the keys of the state rows that the record makes and that the watermark
	// drops (filled in by the test's model of the job).
	Late []string
}

// phasedInput is a job's input cut into phases, with the watermark after each.
type phasedInput struct {
	Phases [][]phaseRecord
	// Marks[k] is the watermark after phase k (the watermark by which phase k+1 drops).
	Marks []time.Time
}

// genEvents generates n events of a domain: the stream's options say seed, interval,
// lateness (under the delay and beyond it, see producers.WithTooLate) and malformed share.
func genEvents(t *testing.T, g producers.Generator, n int, opts ...producers.StreamOption) []producers.Event {
	t.Helper()
	s, err := producers.NewStream(g, opts...)
	if err != nil {
		t.Fatal(err)
	}
	events := make([]producers.Event, n)
	for i := range events {
		if events[i], err = s.Next(); err != nil {
			t.Fatal(err)
		}
	}
	return events
}

// cutPhases cuts events into phases of equal length in stream order, sorts each phase by
// event time and appends the phase's marker: a copy of template at the time that puts the
// watermark after the phase on the next multiple of align past (latest event - delay).
// extra(k, marks) gives crafted records to add to phase k (sorted in with the others);
// marks holds the watermarks after the phases before k.
func cutPhases(t *testing.T, events []producers.Event, phases int, delay, align time.Duration,
	marker func(k int, at time.Time) phaseRecord, extra func(k int, marks []time.Time) []phaseRecord) *phasedInput {
	t.Helper()
	in := &phasedInput{}
	per := (len(events) + phases - 1) / phases
	var latest time.Time
	for k := range phases {
		var recs []phaseRecord
		for _, e := range events[min(k*per, len(events)):min((k+1)*per, len(events))] {
			recs = append(recs, phaseRecord{Key: e.Key, Value: e.Value, Time: e.EventTime, Malformed: e.Malformed})
		}
		if extra != nil {
			recs = append(recs, extra(k, in.Marks)...)
		}
		for _, r := range recs {
			if r.Time.After(latest) {
				latest = r.Time
			}
		}
		slices.SortStableFunc(recs, func(a, b phaseRecord) int { return a.Time.Compare(b.Time) })
		mark := latest.Add(-delay).Truncate(align).Add(align)
		at := mark.Add(delay)
		recs = append(recs, marker(k, at))
		latest = at
		in.Phases = append(in.Phases, recs)
		in.Marks = append(in.Marks, mark)
	}
	return in
}

// watermarkBefore returns the watermark by which phase k drops rows: that after phase k-1,
// or the epoch for the first phase.
func (in *phasedInput) watermarkBefore(k int) time.Time {
	if k == 0 {
		return time.Unix(0, 0).UTC()
	}
	return in.Marks[k-1]
}

// withTime returns a copy of a JSON event with event_time and the given fields replaced.
func withTime(t *testing.T, value []byte, at time.Time, fields map[string]any) []byte {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(value))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("template %s: %v", value, err)
	}
	m["event_time"] = at.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	for k, v := range fields {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// firstWellFormed returns the first well-formed event for which ok holds.
func firstWellFormed(t *testing.T, events []producers.Event, ok func(map[string]any) bool) producers.Event {
	t.Helper()
	for _, e := range events {
		if e.Malformed != producers.MalformedNone {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(e.Value, &m); err == nil && ok(m) {
			return e
		}
	}
	t.Fatal("no template event")
	return producers.Event{}
}

// phasedRun is a job running on an input topic of one partition that the test writes to.
type phasedRun struct {
	t     *testing.T
	input string
	run   *jobs.Run
	cl    *kgo.Client
	// written are the records written so far; the record at offset i is written[i].
	written []phaseRecord
}

// startPhased creates the job's topics (input of one partition, so the job reads the
// records in the order written) and starts the job on the empty input.
func startPhased(t *testing.T, ctx context.Context, s *connect.Session, job *jobs.Job, params jobs.Params) *phasedRun {
	t.Helper()
	input := newTopic(t, ctx, 1)
	name := uniqueName("rt_" + job.Name)
	topics := map[string]string{}
	for _, o := range job.Outputs {
		topics[o.Name] = newTopic(t, ctx, 1)
	}
	trigger := connect.ProcessingTime(500 * time.Millisecond)
	run, err := job.Start(ctx, s, jobs.Config{
		Brokers:         env.SparkBrokers(),
		InputTopic:      input,
		OutputTopic:     newTopic(t, ctx, 1),
		QuarantineTopic: newTopic(t, ctx, 1),
		OutputTopics:    topics,
		Name:            name,
		CheckpointDir:   "/tmp/sparkwire-checkpoints/" + name,
		Params:          params,
		Trigger:         &trigger,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopRun(run) })
	return &phasedRun{t: t, input: input, run: run, cl: kafkaClient(t, kgo.DefaultProduceTopic(input))}
}

// produce writes one phase, waits until every query of the job has processed it, and
// waits until the queries of the main result have run the batch that applies the
// watermark mark.
func (p *phasedRun) produce(ctx context.Context, recs []phaseRecord, mark time.Time) {
	t := p.t
	t.Helper()
	krecs := make([]*kgo.Record, len(recs))
	for i, r := range recs {
		krecs[i] = &kgo.Record{Key: r.Key, Value: r.Value, Partition: 0}
	}
	if err := p.cl.ProduceSync(ctx, krecs...).FirstErr(); err != nil {
		t.Fatalf("produce to %s: %v", p.input, err)
	}
	p.written = append(p.written, recs...)
	if err := p.run.ProcessAllAvailable(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range p.watermarked() {
		var last time.Time
		if err := waitFor(ctx, 60*time.Second, func() (bool, error) {
			lp, err := q.LastProgress(ctx)
			if err != nil || lp == nil {
				return false, err
			}
			last, _ = lp.Watermark()
			return last.Equal(mark), nil
		}); err != nil {
			t.Fatalf("query %s: watermark %s, want %s after the phase: %v", q.Name(), last, mark, err)
		}
	}
}

// watermarked returns the queries of the job's main result (Kafka and memory), the ones
// with a watermark.
func (p *phasedRun) watermarked() []*connect.StreamingQuery {
	return []*connect.StreamingQuery{p.run.Results, p.run.Memory}
}

// checkDropped checks each query of the main result against the model: the rows the
// watermark dropped (numRowsDroppedByWatermark of its state operators) in each batch are the
// distinct late state keys of the records the batch read (Spark aggregates a batch's rows by
// key before its state operator drops them); the batch's records come from the Kafka
// offsets its progress reports. want is the total if each phase is one batch; the total
// of a run must equal it unless a phase was split between batches (then logged).
func (p *phasedRun) checkDropped(ctx context.Context, when string, want int64) {
	t := p.t
	t.Helper()
	for _, q := range p.watermarked() {
		progress, err := q.RecentProgress(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(progress) == 0 || progress[0].BatchID != 0 {
			t.Fatalf("query %s: the recent progress does not reach back to batch 0 (%d reports)", q.Name(), len(progress))
		}
		type batch struct {
			from, to, dropped int64
			stateful          bool
		}
		batches := map[int64]batch{}
		for _, pr := range progress {
			if len(pr.Sources) != 1 {
				t.Fatalf("query %s batch %d: %d sources", q.Name(), pr.BatchID, len(pr.Sources))
			}
			b := batch{from: kafkaOffset(t, pr.Sources[0].StartOffset, p.input), to: kafkaOffset(t, pr.Sources[0].EndOffset, p.input)}
			for _, op := range pr.StateOperators {
				b.dropped += op.NumRowsDroppedByWatermark
				b.stateful = true
			}
			// An idle report may carry the id of a batch without its data: keep the report
			// that read the most.
			if old, ok := batches[pr.BatchID]; ok && (old.to-old.from > b.to-b.from || (old.to-old.from == b.to-b.from && old.dropped >= b.dropped)) {
				continue
			}
			batches[pr.BatchID] = b
		}
		var got, model int64
		for id, b := range batches {
			if !b.stateful {
				t.Errorf("query %s batch %d reports no state operator", q.Name(), id)
			}
			if b.to > int64(len(p.written)) || b.from > b.to {
				t.Fatalf("query %s batch %d read offsets %d to %d of %d written", q.Name(), id, b.from, b.to, len(p.written))
			}
			late := map[string]bool{}
			for _, r := range p.written[b.from:b.to] {
				for _, k := range r.Late {
					late[k] = true
				}
			}
			if b.dropped != int64(len(late)) {
				t.Errorf("%s: query %s batch %d (offsets %d to %d) dropped %d rows by the watermark, want %d (late keys %s)",
					when, q.Name(), id, b.from, b.to, b.dropped, len(late), keysOf(late))
			}
			got += b.dropped
			model += int64(len(late))
		}
		if model != want {
			t.Logf("%s: query %s split a phase between batches: %d late keys by batch, %d by phase", when, q.Name(), model, want)
		}
		if got != model {
			t.Errorf("%s: query %s dropped %d rows by the watermark over %d batches, want %d", when, q.Name(), got, len(batches), model)
		}
		t.Logf("%s: query %s: %d batches, %d rows dropped by the watermark", when, q.Name(), len(batches), got)
	}
}

// kafkaOffsets decodes a Kafka source's offset JSON; none (a new query's first batch) is nil.
func kafkaOffsets(t *testing.T, raw json.RawMessage) connect.KafkaOffsets {
	t.Helper()
	m, err := connect.ParseKafkaOffsets(raw)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// kafkaOffset reads the offset of partition 0 of topic from a Kafka source's offset JSON
// ({"topic":{"0":123}}); no offset (the first batch's start) is 0.
func kafkaOffset(t *testing.T, raw json.RawMessage, topic string) int64 {
	t.Helper()
	m := kafkaOffsets(t, raw)
	if m == nil {
		return 0
	}
	off, ok := m[topic][0]
	if !ok {
		t.Fatalf("kafka offsets %s: no partition 0 of %s", raw, topic)
	}
	return off
}

// wellFormedIn decodes the well-formed records of a phase into values of type T.
func wellFormedIn[T any](t *testing.T, recs []phaseRecord) []T {
	t.Helper()
	var out []T
	for _, r := range recs {
		if r.Malformed != producers.MalformedNone {
			continue
		}
		var v T
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatalf("record %s: %v", r.Value, err)
		}
		out = append(out, v)
	}
	return out
}

// allRecords returns the records of every phase as events, for checkQuarantine.
func (in *phasedInput) allRecords() []producers.Event {
	var out []producers.Event
	for _, ph := range in.Phases {
		for _, r := range ph {
			out = append(out, producers.Event{Key: r.Key, Value: r.Value, EventTime: r.Time, Malformed: r.Malformed})
		}
	}
	return out
}

// tooLateCount counts the events generated late by more than delay (WithTooLate's tail).
func tooLateCount(events []producers.Event, delay time.Duration) int {
	n := 0
	for _, e := range events {
		if e.Lateness > delay {
			n++
		}
	}
	return n
}

// keysOf formats a few keys of a set for a message.
func keysOf[K comparable](m map[K]bool) string {
	var s []string
	for k := range m {
		if len(s) == 3 {
			s = append(s, "...")
			break
		}
		s = append(s, fmt.Sprint(k))
	}
	return fmt.Sprint(s)
}

// stopRun stops a job's queries when its test ends, giving up after 30 s (a server that
// cannot stop them must not hang the test binary).
func stopRun(run *jobs.Run) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = run.Stop(ctx)
}
