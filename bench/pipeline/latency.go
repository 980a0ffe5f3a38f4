package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"
)

// pvKey identifies a result row of the pageviews job: a 1-minute window (its start, in Unix
// milliseconds) and a page.
type pvKey struct {
	Window int64
	Page   string
}

// inEvent is one record of the input topic as the benchmark reads it back.
type inEvent struct {
	Partition int32
	Offset    int64
	// Sent is the record's timestamp: the producer's clock when it handed the record to
	// its Kafka client (franz-go stamps a record without a timestamp at Produce).
	Sent time.Time
	// Counted reports whether the job counts the event (a well-formed page_view); Key is
	// then its (window, page).
	Counted bool
	Key     pvKey
}

// outRecord is one record of the output topic: a (window, page) count as the job wrote it.
type outRecord struct {
	Key   pvKey
	Views int64
	// Appended is the broker's append time (the output topic has
	// message.timestamp.type=LogAppendTime); Received is when the benchmark's consumer got
	// the record.
	Appended, Received time.Time
}

// batchEnd is the end offsets (exclusive: the next offset to read) of one micro-batch's
// Kafka source, by partition.
type batchEnd struct {
	BatchID int64
	End     map[int32]int64
	start   map[int32]int64 // the batch's start offsets; nil if the report has none
}

// batchEnds returns the end offsets of the batches in the progress reports, in batch order,
// one per batch id: the reports of a query's source whose end offsets moved.
func batchEnds(progress []progressReport) ([]batchEnd, error) {
	seen := map[int64]bool{}
	var out []batchEnd
	for _, p := range progress {
		if seen[p.BatchID] || len(p.Sources) == 0 || p.NumInputRows == 0 {
			continue
		}
		end, err := kafkaOffsets(p.Sources[0].EndOffset)
		if err != nil {
			return nil, fmt.Errorf("batch %d: %w", p.BatchID, err)
		}
		var start map[int32]int64
		if len(p.Sources[0].StartOffset) > 0 && string(p.Sources[0].StartOffset) != "null" {
			if start, err = kafkaOffsets(p.Sources[0].StartOffset); err != nil {
				return nil, fmt.Errorf("batch %d: %w", p.BatchID, err)
			}
		}
		seen[p.BatchID] = true
		out = append(out, batchEnd{BatchID: p.BatchID, End: end, start: start})
	}
	slices.SortFunc(out, func(a, b batchEnd) int { return cmp.Compare(a.BatchID, b.BatchID) })
	// Every batch must start where the one before ended: a report missing in between
	// would put its events in a later batch.
	for i, b := range out {
		prev := map[int32]int64{}
		if i > 0 {
			prev = out[i-1].End
		}
		for part, o := range b.start {
			if o != prev[part] {
				return nil, fmt.Errorf("the progress reports miss a batch before batch %d (it starts at offset %d of partition %d, the batch before ended at %d)", b.BatchID, o, part, prev[part])
			}
		}
	}
	return out, nil
}

// kafkaOffsets decodes a Kafka source's offset JSON ({"topic": {"0": 12, "1": 30}}) into
// offsets by partition; the source reads one topic.
func kafkaOffsets(raw json.RawMessage) (map[int32]int64, error) {
	// Some reports carry the offsets as a JSON string holding the JSON.
	var inner string
	if json.Unmarshal(raw, &inner) == nil {
		raw = json.RawMessage(inner)
	}
	var offs map[string]map[string]int64
	if err := json.Unmarshal(raw, &offs); err != nil {
		return nil, fmt.Errorf("kafka offsets %s: %w", raw, err)
	}
	if len(offs) != 1 {
		return nil, fmt.Errorf("kafka offsets %s: want one topic", raw)
	}
	out := map[int32]int64{}
	for _, parts := range offs {
		for p, o := range parts {
			var n int32
			if _, err := fmt.Sscan(p, &n); err != nil {
				return nil, fmt.Errorf("kafka offsets: partition %q: %w", p, err)
			}
			out[n] = o
		}
	}
	return out, nil
}

// attribution is the result of [attribute].
type attribution struct {
	// Latency is, for each counted event in input order, the time from its send to the
	// arrival of the first output record whose count includes it (by the consumer's
	// receipt); -1 when none arrived.
	Latency []time.Duration
	// ByAppend is the same up to the broker's append time of that output record.
	ByAppend []time.Duration
	// Unread counts the counted events that no batch in the progress read; Unmatched those
	// a batch read but for which no output record with their count arrived.
	Unread, Unmatched int
}

// attribute finds, for every counted event, the output record that first includes it.
//
// A micro-batch of the Kafka source reads, in each partition, the records from the
// previous batch's end offset up to its own end offset (exclusive), so the events a batch
// reads are known exactly from its end offsets: event (p, o) is read by the first batch b
// with o < end_b[p]. After batch b the count of key k is C_b(k), the number of counted
// events of k read by batches up to b, and in update mode batch b writes (k, C_b(k)) for
// every key it changed. The output record that first includes an event of key k read by
// batch b is therefore the first record of k (in the order of the output topic's partition,
// which holds all of k's records) whose count is at least C_b(k): earlier batches wrote
// smaller counts, and a replayed batch writes the same count again later.
func attribute(events []inEvent, batches []batchEnd, out []outRecord) attribution {
	a := attribution{Latency: make([]time.Duration, 0, len(events)), ByAppend: make([]time.Duration, 0, len(events))}
	// The batch of each counted event, and the count of its key after that batch.
	type read struct {
		batch int // index in batches; -1: unread
		key   pvKey
	}
	reads := make([]read, 0, len(events))
	perBatch := make([]map[pvKey]int64, len(batches))
	for i := range perBatch {
		perBatch[i] = map[pvKey]int64{}
	}
	for _, e := range events {
		if !e.Counted {
			continue
		}
		b := sort.Search(len(batches), func(i int) bool { return e.Offset < batches[i].End[e.Partition] })
		if b == len(batches) {
			reads = append(reads, read{batch: -1, key: e.Key})
			continue
		}
		perBatch[b][e.Key]++
		reads = append(reads, read{batch: b, key: e.Key})
	}
	// C_b(k): cumulative counts, kept for the batches that changed k.
	type step struct {
		batch int
		count int64
	}
	cum := map[pvKey][]step{}
	running := map[pvKey]int64{}
	for b, m := range perBatch {
		for k, n := range m {
			running[k] += n
			cum[k] = append(cum[k], step{b, running[k]})
		}
	}
	// The output records of each key in arrival order (they share a partition, so offset
	// order; Received is monotone per partition).
	byKey := map[pvKey][]outRecord{}
	for _, r := range out {
		byKey[r.Key] = append(byKey[r.Key], r)
	}
	// For each (key, batch): the first record with a count of at least C_b(k).
	type kb struct {
		key   pvKey
		batch int
	}
	found := map[kb]*outRecord{}
	for k, steps := range cum {
		recs := byKey[k]
		i := 0
		for _, s := range steps {
			for i < len(recs) && recs[i].Views < s.count {
				i++
			}
			if i < len(recs) {
				found[kb{k, s.batch}] = &recs[i]
			}
		}
	}
	ei := 0
	for _, e := range events {
		if !e.Counted {
			continue
		}
		r := reads[ei]
		ei++
		if r.batch < 0 {
			a.Unread++
			a.Latency, a.ByAppend = append(a.Latency, -1), append(a.ByAppend, -1)
			continue
		}
		rec := found[kb{r.key, r.batch}]
		if rec == nil {
			a.Unmatched++
			a.Latency, a.ByAppend = append(a.Latency, -1), append(a.ByAppend, -1)
			continue
		}
		a.Latency = append(a.Latency, rec.Received.Sub(e.Sent))
		a.ByAppend = append(a.ByAppend, rec.Appended.Sub(e.Sent))
	}
	return a
}

// quantile returns the q-quantile (0 ≤ q ≤ 1) of sorted values by the nearest-rank method;
// 0 for none.
func quantile[T cmp.Ordered](sorted []T, q float64) T {
	var zero T
	if len(sorted) == 0 {
		return zero
	}
	i := int(q*float64(len(sorted))+0.999999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
