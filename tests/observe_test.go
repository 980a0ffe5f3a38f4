package tests

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
	"github.com/sparkwire/sparkwire/connect/types"
	"github.com/sparkwire/sparkwire/jobs"
	"github.com/sparkwire/sparkwire/producers"
)

// A batch DataFrame observed with count, sum and max: the Observation's values equal those
// computed here from the same data, and the action's own result is untouched.
func TestObserveBatch(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	s, _ := session(t, ctx)

	type row struct {
		ID     int64
		Amount float64
		Ok     bool
	}
	var data []row
	for i := range int64(500) {
		data = append(data, row{ID: i, Amount: float64(i%37) * 1.25, Ok: i%5 != 0})
	}
	var wantRows, wantSum, wantOk int64
	wantMax := math.Inf(-1)
	for _, r := range data {
		if r.ID%3 == 0 {
			continue // filtered out before the observation
		}
		wantRows++
		wantSum += r.ID
		wantMax = math.Max(wantMax, r.Amount)
		if r.Ok {
			wantOk++
		}
	}
	rows := make([][]any, len(data))
	for i, r := range data {
		rows[i] = []any{r.ID, r.Amount, r.Ok}
	}
	df := s.CreateDataFrameFromRows(types.Struct(types.Field("id", types.Long),
		types.Field("amount", types.Double), types.Field("ok", types.Boolean)), rows)

	obs := connect.NewObservation("obs_batch")
	observed := df.Where("id % 3 != 0").ObserveWith(obs,
		F.Count(connect.Lit(1)).Alias("rows"),
		F.Sum(connect.Col("id")).Alias("sum_id"),
		F.Max(connect.Col("amount")).Alias("max_amount"),
		F.CountIf(connect.Col("ok")).Alias("ok_rows"))

	// Before any action, Get waits for one: here until its deadline.
	early, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if m, err := obs.Get(early); err == nil {
		t.Fatalf("Get before an action returned %v", m)
	}

	// The action reads only ok rows; the observation sits below that filter and sees all.
	n, err := observed.Where("ok").Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != wantOk {
		t.Errorf("count %d, want %d", n, wantOk)
	}
	got, err := obs.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"rows": wantRows, "sum_id": wantSum, "max_amount": wantMax, "ok_rows": wantOk}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("observed %v, want %v", got, want)
	}
	for k, v := range want {
		if fmt.Sprintf("%T", got[k]) != fmt.Sprintf("%T", v) {
			t.Errorf("%s is a %T, want %T", k, got[k], v)
		}
	}

	// A write delivers the metrics too; reading the files back gives the rows observed.
	wobs := connect.NewObservation("obs_write")
	path := "/tmp/" + uniqueName("obs_write")
	err = df.Where("ok").ObserveWith(wobs, F.Count(connect.Lit(1)).Alias("rows"), F.Sum(connect.Col("id")).Alias("sum_id")).
		Write().Format("parquet").Save(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var okSum int64
	for _, r := range data {
		if r.Ok {
			okSum += r.ID
		}
	}
	got, err = wobs.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got["rows"] != int64(len(data)-100) || got["sum_id"] != okSum {
		t.Errorf("write observed %v, want rows %d, sum_id %d", got, len(data)-100, okSum)
	}
	back, err := s.Read().Format("parquet").Load(path).Count(ctx)
	if err != nil || back != got["rows"] {
		t.Errorf("read back %d rows (%v), observed %v", back, err, got["rows"])
	}
}

// A streaming query over Kafka observes each micro-batch: its progress reports (and the
// listener's progress events) carry counts that equal those computed from the records of
// the batch's offset range.
func TestObserveStreaming(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	s, _ := session(t, ctx)
	topic := newTopic(t, ctx, 1)
	var views []pageView
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range int64(120) {
		views = append(views, pageView{ID: i, User: fmt.Sprintf("u%d", i%7), Page: fmt.Sprintf("/p%d", i%4), TS: base.Add(time.Duration(i) * time.Second)})
	}
	produceJSON(t, ctx, topic, func(v pageView) string { return v.User }, views...)

	sub, err := s.Streams().Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close(context.WithoutCancel(ctx))

	name := uniqueName("obs_stream")
	df := s.ReadStream().Format("kafka").
		Option("kafka.bootstrap.servers", env.SparkBrokers()).
		Option("subscribe", topic).
		Option("startingOffsets", "earliest").
		Option("maxOffsetsPerTrigger", "25").
		Load().
		Select(F.FromJSON(connect.Col("value").Cast("string"), pageViewDDL).Alias("e")).
		Select(connect.Col("e.*")).
		Observe("obs_pages",
			F.Count(connect.Lit(1)).Alias("rows"),
			F.CountIf(connect.Col("page").Eq("/p0")).Alias("p0"),
			F.Sum(connect.Col("id")).Alias("sum_id"),
			F.Max(connect.Col("ts")).Alias("last_ts"),
			F.Avg(connect.Col("id")).Alias("avg_id"))
	q, err := df.WriteStream().Format("memory").QueryName(name).Trigger(connect.AvailableNow()).Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.WithoutCancel(ctx))
	if err := q.AwaitTermination(ctx); err != nil {
		t.Fatal(err)
	}
	progress, err := q.RecentProgress(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var batches int
	var total int64
	for _, p := range progress {
		if p.NumInputRows == 0 {
			continue
		}
		batches++
		from, to := kafkaOffset(t, p.Sources[0].StartOffset, topic), kafkaOffset(t, p.Sources[0].EndOffset, topic)
		var rows, p0, sum int64
		var last time.Time
		for _, v := range views[from:to] {
			rows++
			sum += v.ID
			if v.Page == "/p0" {
				p0++
			}
			if v.TS.After(last) {
				last = v.TS
			}
		}
		all, err := p.ObservedMetrics()
		if err != nil {
			t.Fatal(err)
		}
		got := all["obs_pages"]
		want := map[string]any{"rows": rows, "p0": p0, "sum_id": sum, "last_ts": last, "avg_id": float64(sum) / float64(rows)}
		if fmt.Sprint(got) != fmt.Sprint(want) || got["rows"] != rows || got["avg_id"] != want["avg_id"] || got["last_ts"] != last {
			t.Errorf("batch %d (offsets %d-%d): observed %v, want %v", p.BatchID, from, to, got, want)
		}
		if p.NumInputRows != rows {
			t.Errorf("batch %d: %d input rows, offsets say %d", p.BatchID, p.NumInputRows, rows)
		}
		total += rows
	}
	if batches < 2 || total != int64(len(views)) {
		t.Errorf("%d batches with %d rows, want several batches with %d", batches, total, len(views))
	}

	// The listener bus delivers the same metrics with each progress event, untyped: the
	// timestamp as Spark's text (the server's session time zone is UTC).
	fromEvents := map[int64]map[string]any{}
	deadline := time.After(30 * time.Second)
	for len(fromEvents) < batches {
		select {
		case ev := <-sub.Events():
			pe, ok := ev.(*connect.QueryProgressEvent)
			if !ok || pe.QueryID() != q.ID() || pe.Progress.NumInputRows == 0 {
				continue
			}
			all, err := pe.Progress.ObservedMetrics()
			if err != nil {
				t.Fatal(err)
			}
			fromEvents[pe.Progress.BatchID] = all["obs_pages"]
		case <-deadline:
			t.Fatalf("progress events for %d of %d batches", len(fromEvents), batches)
		}
	}
	for _, p := range progress {
		if p.NumInputRows == 0 {
			continue
		}
		all, _ := p.ObservedMetrics()
		want := all["obs_pages"]
		want["last_ts"] = want["last_ts"].(time.Time).Format(time.DateTime)
		if fmt.Sprint(fromEvents[p.BatchID]) != fmt.Sprint(want) {
			t.Errorf("batch %d: event has %v, progress %v", p.BatchID, fromEvents[p.BatchID], all["obs_pages"])
		}
	}
}

// A job run in two rounds of input (so in several micro-batches): the malformed counts
// that each query observes, summed over its batches, equal the producers' manifests, and
// the late counts equal those computed from the events of each batch's offset range.
func TestObserveJobQuality(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	input := newTopic(t, ctx, 1)
	gen := func() producers.Generator { return producers.NewClickstream(50) }
	opts := func(seed uint64) []producers.StreamOption {
		return []producers.StreamOption{producers.WithSeed(seed), producers.WithInterval(50 * time.Millisecond),
			producers.WithLateness(0.1, 5*time.Minute), producers.WithMalformed(0.05)}
	}
	events1, m1 := jobInput(t, ctx, input, gen, 800, opts(7)...)
	run := runJob(t, ctx, s, jobs.PageViews(), input)
	events2, m2 := jobInput(t, ctx, input, gen, 600, opts(8)...)
	if err := run.ProcessAllAvailable(ctx); err != nil {
		t.Fatal(err)
	}
	events := append(events1, events2...)
	malformed := m1.Malformed + m2.Malformed
	if malformed == 0 || m1.Late == 0 {
		t.Fatalf("the input should have malformed and late events: %+v %+v", m1, m2)
	}

	// wantLate counts the well-formed events of a batch more than the watermark delay
	// behind the newest well-formed event time of the same batch.
	delay := 2 * time.Minute
	wantLate := func(batch []producers.Event) int64 {
		var newest time.Time
		for _, e := range batch {
			if e.Malformed == producers.MalformedNone && e.EventTime.After(newest) {
				newest = e.EventTime
			}
		}
		var n int64
		for _, e := range batch {
			if e.Malformed == producers.MalformedNone && e.EventTime.Before(newest.Add(-delay)) {
				n++
			}
		}
		return n
	}
	for _, q := range []*connect.StreamingQuery{run.Quarantine, run.Results} {
		progress, err := q.RecentProgress(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var sum jobs.Quality
		var batches int
		for _, p := range progress {
			if p.NumInputRows == 0 {
				continue
			}
			batches++
			quality, ok := jobs.QualityOf(&p)
			if !ok {
				t.Fatalf("%s batch %d: no quality metrics in %s", q.Name(), p.BatchID, p.Raw)
			}
			from, to := kafkaOffset(t, p.Sources[0].StartOffset, input), kafkaOffset(t, p.Sources[0].EndOffset, input)
			if quality.Records != to-from || quality.Records != p.NumInputRows {
				t.Errorf("%s batch %d: %d records observed, offsets %d-%d, %d input rows", q.Name(), p.BatchID, quality.Records, from, to, p.NumInputRows)
			}
			if want := wantLate(events[from:to]); quality.Late != want {
				t.Errorf("%s batch %d: %d late, want %d", q.Name(), p.BatchID, quality.Late, want)
			}
			sum.Records += quality.Records
			sum.Malformed += quality.Malformed
			sum.Late += quality.Late
		}
		if batches < 2 {
			t.Errorf("%s: %d batches with input, want 2 or more", q.Name(), batches)
		}
		if sum.Malformed != malformed || sum.Records != int64(len(events)) {
			t.Errorf("%s: observed %d malformed of %d records, the manifests say %d of %d", q.Name(), sum.Malformed, sum.Records, malformed, len(events))
		}
		t.Logf("%s: %d batches, %+v", q.Name(), batches, sum)
	}
}
