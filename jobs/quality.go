package jobs

import (
	"fmt"

	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
)

// QualityObservation is the name of the observation (see [connect.DataFrame.Observe]) that
// every query of a run makes on its input, micro-batch by micro-batch. Its metrics appear
// in each batch's progress report (QueryProgress.ObservedMetrics()[QualityObservation]),
// in the listener's progress events, and in 'sparkwire status' and 'watch':
//
//   - [MetricRecords]: records read from the input topic in the batch.
//   - [MetricMalformed]: records that the job sets aside as malformed (they do not parse,
//     a field has the wrong type, or a field is missing): the records the quarantine query
//     writes.
//   - [MetricLate]: well-formed events whose event time is more than the job's watermark
//     delay ([Job.WatermarkDelay]) behind the newest event time in the same batch: the
//     events that a watermark set by this batch alone would drop.
//
// Late is what one batch can measure, and it measures out-of-order arrival well while a
// batch spans less event time than the delay (a live stream); a batch that reads a backlog
// spanning more than that counts in-order events as late too. Spark's own watermark is
// set by the newest event time of the batches before (so an event can be behind it without
// being late in its own batch, and the other way round), and an observation cannot see
// it; the events that a stateful operator dropped behind the real watermark are in the
// progress report's StateOperators[i].NumRowsDroppedByWatermark. Counting late events
// keeps the batch's event times in memory (8 bytes an event) while the batch runs.
const QualityObservation = "quality"

// The metrics of [QualityObservation].
const (
	MetricRecords   = "records"
	MetricMalformed = "malformed"
	MetricLate      = "late"
)

// DefaultWatermarkDelay is the watermark delay of the built-in jobs, and the delay that
// counts events as late for a job that sets no [Job.WatermarkDelay].
const DefaultWatermarkDelay = "2 minutes"

// observeQuality adds the quality observation to a job's parsed input (see Parsed): rows
// with a reason are malformed, and the others carry the event-time field of the input.
func (j *Job) observeQuality(parsed *connect.DataFrame) *connect.DataFrame {
	delay := j.WatermarkDelay
	if delay == "" {
		delay = DefaultWatermarkDelay
	}
	metrics := []connect.Column{
		F.Count(connect.Lit(1)).Alias(MetricRecords),
		F.CountIf(connect.Col("reason").IsNotNull()).Alias(MetricMalformed),
	}
	if j.Input.EventTime != "" {
		eventTime := connect.When(connect.Col("reason").IsNull(), connect.Col(j.Input.EventTime))
		newest := F.Max(eventTime)
		late := F.Size(connect.CallFunction("filter", F.CollectList(eventTime),
			connect.Lambda(func(t connect.Column) connect.Column {
				return t.Lt(newest.Minus(connect.Expr(fmt.Sprintf("INTERVAL %s", delay))))
			})))
		metrics = append(metrics, late.Alias(MetricLate))
	}
	return parsed.Observe(QualityObservation, metrics...)
}

// Quality is one batch's [QualityObservation], read from its progress report.
type Quality struct {
	Records, Malformed, Late int64
}

// QualityOf returns the quality metrics of a batch, and false if its progress report has
// none (the query is not a job's, or the batch read nothing).
func QualityOf(p *connect.QueryProgress) (Quality, bool) {
	if p == nil {
		return Quality{}, false
	}
	all, err := p.ObservedMetrics()
	if err != nil {
		return Quality{}, false
	}
	m, ok := all[QualityObservation]
	if !ok {
		return Quality{}, false
	}
	n := func(k string) int64 {
		v, _ := m[k].(int64)
		return v
	}
	return Quality{Records: n(MetricRecords), Malformed: n(MetricMalformed), Late: n(MetricLate)}, true
}
