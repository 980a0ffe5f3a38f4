package tests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
	"github.com/sparkwire/sparkwire/connect/types"
	"github.com/sparkwire/sparkwire/tests/internal/testkit"
)

// pageView is the event the streaming tests produce.
type pageView struct {
	ID   int64     `json:"id"`
	User string    `json:"user"`
	Page string    `json:"page"`
	TS   time.Time `json:"ts"`
}

const pageViewDDL = "id BIGINT, user STRING, page STRING, ts TIMESTAMP"

// produceJSON writes values as JSON records to a topic and waits for the acks.
func produceJSON[T any](t *testing.T, ctx context.Context, topic string, key func(T) string, values ...T) {
	t.Helper()
	cl := kafkaClient(t, kgo.DefaultProduceTopic(topic))
	recs := make([]*kgo.Record, len(values))
	for i, v := range values {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		recs[i] = &kgo.Record{Key: []byte(key(v)), Value: b}
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce to %s: %v", topic, err)
	}
}

// kafkaStream is a streaming read of a topic from its beginning, parsed with a DDL schema.
func kafkaStream(s *connect.Session, topic, ddl string) *connect.DataFrame {
	return s.ReadStream().Format("kafka").
		Option("kafka.bootstrap.servers", env.SparkBrokers()).
		Option("subscribe", topic).
		Option("startingOffsets", "earliest").
		Load().
		Select(F.FromJSON(connect.Col("value").Cast("string"), ddl).Alias("e")).
		Select(connect.Col("e.*"))
}

// uniqueName returns a name for queries, tables and paths that no other test uses.
func uniqueName(prefix string) string { return testkit.UniqueName(prefix) }

type windowKey struct {
	Start time.Time
	Page  string
}

// Windowed counts with a watermark: the memory sink and the Kafka sink both end with the
// counts the test computes, and the events that arrive behind the watermark are dropped.
func TestStreamingWindowedCountsWithWatermark(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	in := newTopic(t, ctx, 2)
	out := newTopic(t, ctx, 1)
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	pages := []string{"/", "/cart", "/checkout", "/search"}
	var id int64
	event := func(at time.Time) pageView {
		id++
		return pageView{ID: id, User: fmt.Sprintf("u%d", rng.IntN(50)), Page: pages[rng.IntN(len(pages))], TS: at}
	}
	want := map[windowKey]int64{}
	count := func(evs []pageView) {
		for _, e := range evs {
			want[windowKey{e.TS.Truncate(time.Minute), e.Page}]++
		}
	}
	// Phase 1: 2,000 events spread over ten minutes, in random order.
	var phase1 []pageView
	for i := 0; i < 2000; i++ {
		phase1 = append(phase1, event(base.Add(time.Duration(rng.Int64N(int64(10*time.Minute))))))
	}
	count(phase1)
	maxTS := base
	for _, e := range phase1 {
		if e.TS.After(maxTS) {
			maxTS = e.TS
		}
	}
	watermark := maxTS.Add(-2 * time.Minute) // after phase 1, events before it are late
	produceJSON(t, ctx, in, func(p pageView) string { return p.Page }, phase1...)

	views := kafkaStream(s, in, pageViewDDL).WithWatermark("ts", "2 minutes")
	counts := views.GroupBy(F.Window(connect.Col("ts"), "1 minute").Alias("w"), connect.Col("page")).
		Agg(F.Count(connect.Lit(1)).Alias("n"))
	memName := uniqueName("pageview_counts")
	memQ, err := counts.WriteStream().Format("memory").QueryName(memName).OutputMode(connect.Update).Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = memQ.Stop(context.Background()) })
	kafkaQ, err := counts.Select(
		connect.Col("page").Alias("key"),
		F.ToJSON(F.Struct(connect.Col("w.start").Alias("start"), connect.Col("page"), connect.Col("n"))).Alias("value"),
	).WriteStream().Format("kafka").OutputMode(connect.Update).
		Option("kafka.bootstrap.servers", env.SparkBrokers()).
		Option("topic", out).
		Option("checkpointLocation", "/tmp/sparkwire-checkpoints/"+uniqueName("counts")).
		Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kafkaQ.Stop(context.Background()) })
	for _, q := range []*connect.StreamingQuery{memQ, kafkaQ} {
		if err := q.ProcessAllAvailable(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// Phase 2: 300 on-time events (windows starting at or after the watermark) and 100 late
	// ones whose whole window ended before it: Spark must drop exactly those.
	var onTime, late []pageView
	firstOnTime := watermark.Truncate(time.Minute).Add(time.Minute)
	for i := 0; i < 300; i++ {
		onTime = append(onTime, event(firstOnTime.Add(time.Duration(rng.Int64N(int64(3*time.Minute))))))
	}
	lastLateEnd := watermark.Truncate(time.Minute) // window end <= watermark
	for i := 0; i < 100; i++ {
		late = append(late, event(lastLateEnd.Add(-time.Minute-time.Duration(rng.Int64N(int64(5*time.Minute))))))
	}
	count(onTime)
	mixed := append(append([]pageView{}, onTime...), late...)
	rng.Shuffle(len(mixed), func(i, j int) { mixed[i], mixed[j] = mixed[j], mixed[i] })
	produceJSON(t, ctx, in, func(p pageView) string { return p.Page }, mixed...)
	for _, q := range []*connect.StreamingQuery{memQ, kafkaQ} {
		if err := q.ProcessAllAvailable(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// The memory sink holds every update; the latest (largest) count per window is final.
	rows, err := s.Table(memName).
		GroupBy(connect.Col("w.start").Alias("start"), connect.Col("page")).
		Agg(F.Max(connect.Col("n")).Alias("n")).Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[windowKey]int64{}
	for _, r := range rows {
		got[windowKey{r.Value(0).(time.Time), r.Value(1).(string)}] = r.Value(2).(int64)
	}
	assertCounts(t, "memory sink", got, want)

	// The Kafka sink: the last record per window wins.
	fromKafka := map[windowKey]int64{}
	for _, rec := range consumeAll(t, ctx, out) {
		var v struct {
			Start time.Time `json:"start"`
			Page  string    `json:"page"`
			N     int64     `json:"n"`
		}
		if err := json.Unmarshal(rec.Value, &v); err != nil {
			t.Fatalf("output record %s: %v", rec.Value, err)
		}
		fromKafka[windowKey{v.Start.UTC(), v.Page}] = v.N
	}
	assertCounts(t, "kafka sink", fromKafka, want)

	// Spark's own metric agrees on what the watermark dropped. Spark aggregates partially
	// before the stateful operator, per input partition, so the metric counts late
	// (window, page) groups, not late events; each page's events share one Kafka partition
	// (the page is the record key), so that is the number of distinct late groups.
	lateGroups := map[windowKey]bool{}
	for _, e := range late {
		lateGroups[windowKey{e.TS.Truncate(time.Minute), e.Page}] = true
	}
	progress, err := memQ.RecentProgress(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var dropped int64
	for _, p := range progress {
		for _, op := range p.StateOperators {
			dropped += op.NumRowsDroppedByWatermark
		}
	}
	if dropped != int64(len(lateGroups)) {
		t.Errorf("numRowsDroppedByWatermark = %d, want %d (late groups of %d late events)", dropped, len(lateGroups), len(late))
	}
}

func assertCounts(t *testing.T, what string, got, want map[windowKey]int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d windows, want %d", what, len(got), len(want))
	}
	bad := 0
	for k, w := range want {
		if got[k] != w {
			if bad++; bad <= 5 {
				t.Errorf("%s: window %s %s: count %d, want %d", what, k.Start.Format(time.TimeOnly), k.Page, got[k], w)
			}
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected window %s %s", what, k.Start.Format(time.TimeOnly), k.Page)
		}
	}
}

// consumeAll reads a topic from the start up to its current end.
func consumeAll(t *testing.T, ctx context.Context, topic string) []*kgo.Record {
	t.Helper()
	cl := kafkaClient(t, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ends, err := kadmEnds(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, e := range ends {
		total += e
	}
	var recs []*kgo.Record
	for int64(len(recs)) < total {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatalf("consume %s: %v (%d of %d records)", topic, err, len(recs), total)
		}
		fs.EachRecord(func(r *kgo.Record) { recs = append(recs, r) })
	}
	sort.SliceStable(recs, func(i, j int) bool {
		if recs[i].Partition != recs[j].Partition {
			return recs[i].Partition < recs[j].Partition
		}
		return recs[i].Offset < recs[j].Offset
	})
	return recs
}

// A stream joined with a small table built in Go, a stream-stream join of two topics with
// watermarks, and deduplication within the watermark.
func TestStreamingJoinsAndDedup(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	base := time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC)

	// Stream-static: page views enriched with the page's section from a Go table.
	views := newTopic(t, ctx, 1)
	var pv []pageView
	for i := int64(0); i < 500; i++ {
		pv = append(pv, pageView{ID: i, User: fmt.Sprintf("u%d", i%7), Page: []string{"/", "/cart", "/help"}[i%3], TS: base.Add(time.Duration(i) * time.Second)})
	}
	produceJSON(t, ctx, views, func(p pageView) string { return p.User }, pv...)
	sections := s.CreateDataFrameFromRows(types.Struct(types.Field("page", types.String), types.Field("section", types.String)),
		[][]any{{"/", "home"}, {"/cart", "shop"}}) // "/help" has no section: the inner join drops it
	enriched := kafkaStream(s, views, pageViewDDL).JoinUsing(sections, []string{"page"}, connect.InnerJoin).
		GroupBy(connect.Col("section")).Count()
	rows := runToMemory(t, ctx, enriched, connect.Complete)
	got := map[string]int64{}
	for _, r := range rows {
		got[r.Value(0).(string)] = r.Value(1).(int64)
	}
	if want := map[string]int64{"home": 167, "shop": 167}; !equalMaps(got, want) {
		t.Errorf("stream-static join: %v, want %v", got, want)
	}

	// Stream-stream: orders joined with their payments within 10 minutes.
	type order struct {
		OrderID int64     `json:"order_id"`
		Amount  float64   `json:"amount"`
		OTS     time.Time `json:"ots"`
	}
	type payment struct {
		PayOrder int64     `json:"pay_order"`
		PTS      time.Time `json:"pts"`
	}
	ordersTopic, paysTopic := newTopic(t, ctx, 1), newTopic(t, ctx, 1)
	var orders []order
	var pays []payment
	wantPaid := map[int64]bool{}
	for i := int64(0); i < 200; i++ {
		o := order{OrderID: i, Amount: float64(i) + 0.5, OTS: base.Add(time.Duration(i) * 10 * time.Second)}
		orders = append(orders, o)
		switch {
		case i%4 == 0: // never paid
		case i%4 == 1: // paid too late: outside the 10-minute bound
			pays = append(pays, payment{PayOrder: i, PTS: o.OTS.Add(15 * time.Minute)})
		default:
			pays = append(pays, payment{PayOrder: i, PTS: o.OTS.Add(time.Duration(i%9) * time.Minute)})
			wantPaid[i] = true
		}
	}
	produceJSON(t, ctx, ordersTopic, func(o order) string { return fmt.Sprint(o.OrderID) }, orders...)
	produceJSON(t, ctx, paysTopic, func(p payment) string { return fmt.Sprint(p.PayOrder) }, pays...)
	o := kafkaStream(s, ordersTopic, "order_id BIGINT, amount DOUBLE, ots TIMESTAMP").WithWatermark("ots", "1 hour")
	p := kafkaStream(s, paysTopic, "pay_order BIGINT, pts TIMESTAMP").WithWatermark("pts", "1 hour")
	joined := o.Join(p, connect.Expr("order_id = pay_order AND pts >= ots AND pts <= ots + interval 10 minutes"), connect.InnerJoin).
		Select(connect.Col("order_id"))
	rows = runToMemory(t, ctx, joined, connect.Append)
	gotPaid := map[int64]bool{}
	for _, r := range rows {
		id := r.Value(0).(int64)
		if gotPaid[id] {
			t.Errorf("stream-stream join: order %d twice", id)
		}
		gotPaid[id] = true
	}
	if !equalMaps(gotPaid, wantPaid) {
		t.Errorf("stream-stream join: %d paid orders, want %d", len(gotPaid), len(wantPaid))
	}

	// Deduplication within the watermark: every event sent two or three times.
	dupTopic := newTopic(t, ctx, 2)
	var dups []pageView
	for i := int64(0); i < 300; i++ {
		e := pageView{ID: i, User: "u", Page: "/", TS: base.Add(time.Duration(i) * time.Second)}
		for c := int64(0); c < 2+i%2; c++ {
			dups = append(dups, e)
		}
	}
	produceJSON(t, ctx, dupTopic, func(p pageView) string { return fmt.Sprint(p.ID) }, dups...)
	deduped := kafkaStream(s, dupTopic, pageViewDDL).WithWatermark("ts", "10 minutes").
		DropDuplicatesWithinWatermark("id")
	rows = runToMemory(t, ctx, deduped.Select(connect.Col("id")), connect.Append)
	seen := map[int64]bool{}
	for _, r := range rows {
		id := r.Value(0).(int64)
		if seen[id] {
			t.Fatalf("dedup: id %d twice", id)
		}
		seen[id] = true
	}
	if len(seen) != 300 {
		t.Errorf("dedup: %d distinct ids, want 300 (from %d records)", len(seen), len(dups))
	}
}

// runToMemory runs a streaming DataFrame into a memory sink over everything available and
// returns the sink's rows.
func runToMemory(t *testing.T, ctx context.Context, df *connect.DataFrame, mode connect.OutputMode) []connect.Row {
	t.Helper()
	name := uniqueName("mem")
	q, err := df.WriteStream().Format("memory").QueryName(name).OutputMode(mode).Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := q.Stop(ctx); err != nil {
			t.Errorf("stop %s: %v", name, err)
		}
	}()
	if err := q.ProcessAllAvailable(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := df.Session().Table(name).Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func equalMaps[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

// A query's life: start, status, listener events, the manager, stop, await; and a failing
// query's typed error.
func TestStreamingQueryLifecycle(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	sub, err := s.Streams().Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := sub.Close(ctx); err != nil {
			t.Errorf("unsubscribe: %v", err)
		}
	}()
	name := uniqueName("rate")
	q, err := s.ReadStream().Format("rate").Option("rowsPerSecond", "50").Load().
		WriteStream().Format("memory").QueryName(name).Trigger(connect.ProcessingTime(500 * time.Millisecond)).Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if q.ID() == "" || q.RunID() == "" || q.Name() != name {
		t.Errorf("query identity: %q %q %q", q.ID(), q.RunID(), q.Name())
	}
	st, err := q.Status(ctx)
	if err != nil || !st.IsActive {
		t.Fatalf("status %+v %v", st, err)
	}
	active, err := s.Streams().Active(ctx)
	if err != nil || len(active) != 1 || active[0].ID() != q.ID() {
		t.Fatalf("active: %v %v", active, err)
	}
	if got, err := s.Streams().Get(ctx, q.ID()); err != nil || got.RunID() != q.RunID() {
		t.Fatalf("get: %v %v", got, err)
	}
	if _, err := s.Streams().Get(ctx, "00000000-0000-0000-0000-000000000000"); !errors.Is(err, connect.ErrQueryNotFound) {
		t.Errorf("get of an unknown id: %v", err)
	}

	events := map[string]int{}
	var lastBatch int64 = -1
	collect := func(until func() bool) {
		deadline := time.After(60 * time.Second)
		for !until() {
			select {
			case ev, ok := <-sub.Events():
				if !ok {
					t.Fatalf("events closed: %v", sub.Err())
				}
				if ev.QueryID() != q.ID() {
					continue
				}
				switch e := ev.(type) {
				case *connect.QueryStartedEvent:
					events["started"]++
				case *connect.QueryProgressEvent:
					events["progress"]++
					if e.Progress.BatchID <= lastBatch {
						t.Errorf("progress went back from batch %d to %d", lastBatch, e.Progress.BatchID)
					}
					lastBatch = e.Progress.BatchID
				case *connect.QueryTerminatedEvent:
					events["terminated"]++
					if e.Exception != nil {
						t.Errorf("stopped query reports exception %s", *e.Exception)
					}
				}
			case <-deadline:
				t.Fatalf("events so far: %v", events)
			}
		}
	}
	// Progress keeps coming for longer than the server's 5-second stream limit of the test
	// stack (see TestMain): the listener stream was ended by the server and reattached.
	subscribed, before := time.Now(), s.Stats().Reattaches
	limit := streamLimit(t, ctx, s)
	collect(func() bool {
		return events["started"] == 1 && events["progress"] >= 3 && time.Since(subscribed) > limit+2*time.Second
	})
	if s.Stats().Reattaches == before {
		t.Errorf("progress came for %s, past the server's %s stream limit, but the session never reattached", time.Since(subscribed).Round(time.Second), limit)
	}
	lp, err := q.LastProgress(ctx)
	if err != nil || lp == nil || lp.BatchID < 2 || lp.Sources[0].NumInputRows < 0 || lp.Sink.Description == "" {
		t.Fatalf("last progress %+v %v", lp, err)
	}
	if err := q.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	actx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := q.AwaitTermination(actx); err != nil {
		t.Fatalf("await termination of a stopped query: %v", err)
	}
	collect(func() bool { return events["terminated"] == 1 })
	if active, err := q.IsActive(ctx); err != nil || active {
		t.Errorf("after stop: active=%v %v", active, err)
	}

	// A query whose cast throws under ANSI mode fails with a typed error.
	if err := s.Conf().Set(ctx, "spark.sql.ansi.enabled", "true"); err != nil {
		t.Fatal(err)
	}
	bad, err := s.ReadStream().Format("rate").Load().
		Select(connect.Lit("not a number").Cast("int").Alias("x")).
		WriteStream().Format("memory").QueryName(uniqueName("bad")).Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bctx, bcancel := context.WithTimeout(ctx, 60*time.Second)
	defer bcancel()
	err = bad.AwaitTermination(bctx)
	var qe *connect.StreamingQueryError
	if !errors.As(err, &qe) {
		t.Fatalf("failed query: got %T %v, want *connect.StreamingQueryError", err, err)
	}
	if qe.QueryID != bad.ID() || qe.StackTrace == "" || !strings.Contains(qe.Message, "CAST_INVALID_INPUT") {
		t.Errorf("query error: id %s class %q message %.200q", qe.QueryID, qe.ErrorClass, qe.Message)
	}
	if ex, err := bad.Exception(ctx); err != nil || ex == nil {
		t.Errorf("exception: %v %v", ex, err)
	}
	// Awaiting a running query past the deadline returns the context's error.
	running, err := s.ReadStream().Format("rate").Load().WriteStream().Format("memory").QueryName(uniqueName("r")).Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	short, scancel := context.WithTimeout(ctx, 2*time.Second)
	defer scancel()
	if err := running.AwaitTermination(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("await past deadline: %v", err)
	}
	if err := running.Stop(ctx); err != nil {
		t.Error(err)
	}
}

// Triggers: AvailableNow stops by itself; ProcessingTime runs batches on the interval; a
// restart from the checkpoint continues from the committed offsets.
func TestStreamingTriggersAndCheckpoints(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	topic := newTopic(t, ctx, 2)
	mk := func(from, n int64) []pageView {
		var evs []pageView
		for i := from; i < from+n; i++ {
			evs = append(evs, pageView{ID: i, User: "u", Page: "/", TS: time.Unix(1_700_000_000+i, 0).UTC()})
		}
		return evs
	}
	produceJSON(t, ctx, topic, func(p pageView) string { return fmt.Sprint(p.ID) }, mk(0, 700)...)
	dir := "/tmp/sparkwire-out/" + uniqueName("views")
	checkpoint := "/tmp/sparkwire-checkpoints/" + uniqueName("views")
	runAvailableNow := func() {
		t.Helper()
		q, err := kafkaStream(s, topic, pageViewDDL).WriteStream().Format("parquet").
			Option("checkpointLocation", checkpoint).Trigger(connect.AvailableNow()).Start(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		actx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		if err := q.AwaitTermination(actx); err != nil {
			t.Fatalf("available-now query did not end by itself: %v", err)
		}
	}
	runAvailableNow()
	produceJSON(t, ctx, topic, func(p pageView) string { return fmt.Sprint(p.ID) }, mk(700, 300)...)
	runAvailableNow() // restarts from the checkpoint: only the 300 new events
	rows, err := s.Read().Format("parquet").Load(dir).
		GroupBy().Agg(F.Count(connect.Lit(1)).Alias("n"), F.CountDistinct(connect.Col("id")).Alias("d"),
		F.Min(connect.Col("id")), F.Max(connect.Col("id"))).Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r := rows[0]; r.Value(0) != int64(1000) || r.Value(1) != int64(1000) || r.Value(2) != int64(0) || r.Value(3) != int64(999) {
		t.Errorf("file sink after restart: count, distinct, min, max = %v (want 1000, 1000, 0, 999)", r)
	}

	// ProcessingTime: micro-batches start on multiples of the interval. The check reads the
	// start times the server reports in its progress (the trigger's own clock), so it holds
	// on a loaded machine too, where a batch may wake late: a wake-up is never early, only
	// late, so every batch after the first must start in the first half of its own 3 s slot,
	// one slot or more after the batch before (never two in a slot, never none), and most
	// of them (the median) within 700 ms of their boundary. A trigger that waited 3 s from
	// the end or the start of the previous batch instead would drift through the slots.
	const interval = 3 * time.Second
	q, err := s.ReadStream().Format("rate").Option("rowsPerSecond", "10").Load().
		WriteStream().Format("memory").QueryName(uniqueName("pt")).Trigger(connect.ProcessingTime(interval)).Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Stop(ctx)
	var progress []connect.QueryProgress
	if err := waitFor(ctx, 90*time.Second, func() (bool, error) {
		var err error
		progress, err = q.RecentProgress(ctx)
		return len(progress) >= 6, err
	}); err != nil {
		t.Fatal(err)
	}
	var offsets []time.Duration
	for i, p := range progress[1:] {
		slot := p.Timestamp.UnixMilli() / interval.Milliseconds()
		off := time.Duration(p.Timestamp.UnixMilli()%interval.Milliseconds()) * time.Millisecond
		offsets = append(offsets, off)
		if off >= interval/2 {
			t.Errorf("batch %d started at %s, %s past a 3 s boundary", p.BatchID, p.Timestamp.Format(time.StampMilli), off)
		}
		if i > 0 {
			if prev := progress[i].Timestamp.UnixMilli() / interval.Milliseconds(); slot <= prev {
				t.Errorf("batch %d started at %s, in the same 3 s slot as batch %d (%s)", p.BatchID,
					p.Timestamp.Format(time.StampMilli), progress[i].BatchID, progress[i].Timestamp.Format(time.StampMilli))
			}
		}
	}
	sorted := slices.Clone(offsets)
	slices.Sort(sorted)
	if med := sorted[len(sorted)/2]; med > 700*time.Millisecond {
		t.Errorf("batches started a median %s past their 3 s boundary (offsets %v)", med, offsets)
	}
	t.Logf("batch starts past their 3 s boundary: %v", offsets)
}
