package tests

import (
	"cmp"
	"context"
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/jobs"
	"github.com/sparkwire/sparkwire/producers"
	"github.com/sparkwire/sparkwire/tests/internal/oracle"
)

// startJob starts a job on the test topics (a fresh topic for each further output), with
// parameters, and waits until it has processed all input.
func startJob(t *testing.T, ctx context.Context, s *connect.Session, job *jobs.Job, input string, params jobs.Params) *jobs.Run {
	t.Helper()
	name := uniqueName(job.Name)
	topics := map[string]string{}
	for _, o := range job.Outputs {
		topics[o.Name] = newTopic(t, ctx, 1)
	}
	run, err := job.Start(ctx, s, jobs.Config{
		Brokers:         env.SparkBrokers(),
		InputTopic:      input,
		OutputTopic:     newTopic(t, ctx, 1),
		QuarantineTopic: newTopic(t, ctx, 1),
		OutputTopics:    topics,
		Name:            name,
		CheckpointDir:   "/tmp/sparkwire-checkpoints/" + name,
		Params:          params,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopRun(run) })
	if want := 3 + 2*len(job.Outputs); len(run.Queries()) != want {
		t.Fatalf("%d queries, want %d", len(run.Queries()), want)
	}
	if err := run.ProcessAllAvailable(ctx); err != nil {
		t.Fatal(err)
	}
	return run
}

// wellFormed decodes the JSON of every well-formed event into a T.
func wellFormed[T any](t *testing.T, events []producers.Event) []T {
	t.Helper()
	var out []T
	for _, e := range events {
		if e.Malformed != producers.MalformedNone {
			continue
		}
		var v T
		if err := json.Unmarshal(e.Value, &v); err != nil {
			t.Fatalf("event %d: %v", e.Seq, err)
		}
		out = append(out, v)
	}
	return out
}

// memoryRows reads a memory table into values of type T, matching columns to T's JSON
// field names.
func memoryRows[T any](t *testing.T, ctx context.Context, s *connect.Session, table string) []T {
	t.Helper()
	rows, err := s.Table(table).Rows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]T, len(rows))
	for i, r := range rows {
		m := map[string]any{}
		for j, name := range r.Names() {
			m[name] = r.Value(j)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &out[i]); err != nil {
			t.Fatalf("table %s row %s: %v", table, r, err)
		}
	}
	return out
}

// sparkTime formats a timestamp as Spark casts it to a string in the server's session time
// zone (UTC in the stack): seconds, then a fraction without trailing zeros, if any. The jobs'
// Kafka keys hold timestamps so.
func sparkTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.999999") }

// topicRows decodes the JSON records of a topic into values of type T and checks that each
// record's key is key(value).
func topicRows[T any](t *testing.T, ctx context.Context, topic string, key func(T) string) []T {
	t.Helper()
	var out []T
	for _, rec := range consumeAll(t, ctx, topic) {
		var v T
		if err := json.Unmarshal(rec.Value, &v); err != nil {
			t.Fatalf("topic %s record %s: %v", topic, rec.Value, err)
		}
		if k := key(v); string(rec.Key) != k {
			t.Errorf("topic %s: key %q for a record of %q", topic, rec.Key, k)
		}
		out = append(out, v)
	}
	return out
}

// compareKeyed checks that got and want hold the same keys with equal values.
func compareKeyed[K comparable, V any](t *testing.T, what string, got, want map[K]V, eq func(a, b V) bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d", what, len(got), len(want))
	}
	bad := 0
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			if bad++; bad <= 5 {
				t.Errorf("%s: missing %v: want %+v", what, k, w)
			}
		case !eq(g, w):
			if bad++; bad <= 5 {
				t.Errorf("%s: %v: got %+v, want %+v", what, k, g, w)
			}
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			if bad++; bad <= 5 {
				t.Errorf("%s: unexpected %v: %+v", what, k, g)
			}
		}
	}
}

// latest keeps, for every key, the value that is greatest by order: the last update of a row
// that an update-mode query wrote several times.
func latest[K comparable, V any](vals []V, key func(V) K, order func(a, b V) int) map[K]V {
	m := map[K]V{}
	for _, v := range vals {
		k := key(v)
		if old, ok := m[k]; !ok || order(v, old) > 0 {
			m[k] = v
		}
	}
	return m
}

// unique maps values by key and fails on a key seen twice (rows of append-mode queries are
// written once).
func unique[K comparable, V any](t *testing.T, what string, vals []V, key func(V) K) map[K]V {
	t.Helper()
	m := map[K]V{}
	for _, v := range vals {
		k := key(v)
		if _, ok := m[k]; ok {
			t.Errorf("%s: %v written twice", what, k)
		}
		m[k] = v
	}
	return m
}

// near reports whether two sums of the same numbers, added in different orders, agree.
func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// The sessions job: every session of every user, computed in Go from the events with
// Spark's rule (an event within the gap of the session's last event, inclusive, extends
// it), matches the job's output exactly: the sessions that the watermark has closed are
// written once each, to the memory table and to the output topic, and those still open are
// not written.
func TestJobSessions(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	input := newTopic(t, ctx, 3)
	events, m := jobInput(t, ctx, input, func() producers.Generator { return producers.NewClickstream(200) }, 6000,
		producers.WithSeed(7), producers.WithInterval(100*time.Millisecond),
		producers.WithLateness(0.05, time.Minute), producers.WithMalformed(0.02))
	if m.Malformed == 0 || m.Late == 0 {
		t.Fatalf("the input should have malformed and late events: %+v", m)
	}

	// Ground truth: all input is in the first batch, so every well-formed event counts; the
	// watermark then closes the sessions that end by the newest event time minus 2 minutes.
	truth, err := oracle.ExpectedSessions(events)
	if err != nil {
		t.Fatal(err)
	}
	want := truth.Closed
	if len(want) < 100 || truth.Open == 0 {
		t.Fatalf("the input should close many sessions and leave some open: %d closed, %d open", len(want), truth.Open)
	}

	run := startJob(t, ctx, s, jobs.Sessions(), input, nil)
	k := oracle.Session.Key
	eq := oracle.Session.Equal
	compareKeyed(t, "memory table", unique(t, "memory table", memoryRows[oracle.Session](t, ctx, s, run.Config.Name), k), want, eq)
	fromKafka := topicRows(t, ctx, run.Config.OutputTopic, func(v oracle.Session) string { return v.UserID + "|" + sparkTime(v.SessionStart) })
	compareKeyed(t, "output topic", unique(t, "output topic", fromKafka, k), want, eq)
	checkQuarantine(t, ctx, run, events)
	t.Logf("%d events (%d late, %d malformed) of %d users -> %d closed sessions, %d still open, %d gaps of exactly 30s",
		len(events), m.Late, m.Malformed, truth.Users, len(want), truth.Open, truth.ExactGaps)
}

// The IoT job: the readings and mean reading of every device in every 5-minute window
// sliding by 1 minute, and the alerts for readings above their sensor type's threshold, match
// those computed in Go from the events, window by window and alert by alert, in the memory
// tables and in the output topics.
func TestJobIoTAlerts(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	input := newTopic(t, ctx, 3)
	gen := func() producers.Generator {
		g := producers.NewIoT(40)
		g.AnomalyRate = 0.01 // enough anomalies in a short stream
		return g
	}
	events, m := jobInput(t, ctx, input, gen, 12000,
		producers.WithSeed(11), producers.WithInterval(25*time.Millisecond),
		producers.WithLateness(0.05, time.Minute), producers.WithMalformed(0.02))
	if m.Malformed == 0 || m.Late == 0 {
		t.Fatalf("the input should have malformed and late events: %+v", m)
	}

	type window struct {
		WindowStart time.Time `json:"window_start"`
		WindowEnd   time.Time `json:"window_end"`
		DeviceID    string    `json:"device_id"`
		SensorType  string    `json:"sensor_type"`
		Unit        string    `json:"unit"`
		Readings    int64     `json:"readings"`
		AvgReading  float64   `json:"avg_reading"`
	}
	type alert struct {
		iotReading
		Threshold float64 `json:"threshold"`
	}
	type wkey struct {
		Start  time.Time
		Device string
	}
	type akey struct {
		Device string
		Seq    int64
	}
	rs := wellFormed[iotReading](t, events)

	// Thresholds at the 99th percentile of each sensor type's readings (a reading equal to
	// its threshold raises no alert), to get alerts from a short, young fleet.
	byType := map[string][]float64{}
	for _, r := range rs {
		byType[r.SensorType] = append(byType[r.SensorType], r.Reading)
	}
	params := jobs.Params{}
	thresholds := map[string]float64{}
	for typ, vs := range byType {
		sort.Float64s(vs)
		thresholds[typ] = vs[len(vs)*99/100]
		params["max_"+typ] = thresholds[typ]
	}
	if len(params) != 4 {
		t.Fatalf("sensor types %v, want 4", params)
	}

	// Ground truth: every well-formed reading is in the windows that contain it.
	sums := map[wkey]*window{}
	sumOf := map[wkey]float64{}
	wantAlerts := map[akey]alert{}
	for _, r := range rs {
		for k := range 5 {
			start := r.EventTime.Truncate(time.Minute).Add(-time.Duration(k) * time.Minute)
			wk := wkey{start, r.DeviceID}
			w := sums[wk]
			if w == nil {
				w = &window{WindowStart: start, WindowEnd: start.Add(5 * time.Minute), DeviceID: r.DeviceID, SensorType: r.SensorType, Unit: r.Unit}
				sums[wk] = w
			}
			w.Readings++
			sumOf[wk] += r.Reading
		}
		if r.Reading > thresholds[r.SensorType] {
			wantAlerts[akey{r.DeviceID, r.Seq}] = alert{r, thresholds[r.SensorType]}
		}
	}
	want := map[wkey]window{}
	for k, w := range sums {
		w.AvgReading = sumOf[k] / float64(w.Readings)
		want[k] = *w
	}
	anomalies := 0
	for _, a := range wantAlerts {
		if a.Anomaly {
			anomalies++
		}
	}
	if len(wantAlerts) == 0 || anomalies == 0 {
		t.Fatalf("the thresholds should raise alerts, some for anomalies: %d alerts, %d for anomalies", len(wantAlerts), anomalies)
	}

	run := startJob(t, ctx, s, jobs.IoTAlerts(), input, params)
	wk := func(v window) wkey { return wkey{v.WindowStart.UTC(), v.DeviceID} }
	byReadings := func(a, b window) int { return cmp.Compare(a.Readings, b.Readings) }
	weq := func(a, b window) bool {
		return a.WindowEnd.Equal(b.WindowEnd) && a.SensorType == b.SensorType && a.Unit == b.Unit &&
			a.Readings == b.Readings && near(a.AvgReading, b.AvgReading)
	}
	compareKeyed(t, "memory table", latest(memoryRows[window](t, ctx, s, run.Config.Name), wk, byReadings), want, weq)
	fromKafka := topicRows(t, ctx, run.Config.OutputTopic, func(v window) string { return sparkTime(v.WindowStart) + "|" + v.DeviceID + "|" + v.SensorType })
	compareKeyed(t, "output topic", latest(fromKafka, wk, byReadings), want, weq)

	ak := func(a alert) akey { return akey{a.DeviceID, a.Seq} }
	aeq := func(a, b alert) bool { return a.Threshold == b.Threshold && a.iotReading.equal(b.iotReading) }
	out := run.Outputs["alerts"]
	if out == nil || out.Table == "" || out.Topic != run.Config.OutputTopics["alerts"] {
		t.Fatalf("alerts output: %+v, topics %v", out, run.Config.OutputTopics)
	}
	compareKeyed(t, "alerts table", unique(t, "alerts table", memoryRows[alert](t, ctx, s, out.Table), ak), wantAlerts, aeq)
	alertsFromKafka := topicRows(t, ctx, out.Topic, func(a alert) string { return a.DeviceID + "|" + strconv.FormatInt(a.Seq, 10) })
	compareKeyed(t, "alerts topic", unique(t, "alerts topic", alertsFromKafka, ak), wantAlerts, aeq)
	checkQuarantine(t, ctx, run, events)
	t.Logf("%d events (%d late, %d malformed) -> %d device windows, %d alerts (%d for labelled anomalies); thresholds %v",
		len(events), m.Late, m.Malformed, len(want), len(wantAlerts), anomalies, params)
}

// iotReading is an event of the IoT domain.
type iotReading struct {
	DeviceID   string    `json:"device_id"`
	EventTime  time.Time `json:"event_time"`
	Seq        int64     `json:"seq"`
	Site       string    `json:"site"`
	SensorType string    `json:"sensor_type"`
	Reading    float64   `json:"reading"`
	Unit       string    `json:"unit"`
	Anomaly    bool      `json:"anomaly"`
}

// equal compares two readings field by field, event time as an instant.
func (a iotReading) equal(b iotReading) bool {
	a.EventTime, b.EventTime = a.EventTime.UTC(), b.EventTime.UTC()
	return a == b
}

// The payments job: the velocity alerts (cards with more than 4 transactions in a 5-minute
// window) and the spike alerts (transactions above 1500), both thresholds given as
// parameters, with the merchant category's code
// and risk from the reference table, match those computed in Go from the events, window by
// window and transaction by transaction, in the memory tables and in the output topics.
func TestJobPaymentsFraud(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	input := newTopic(t, ctx, 3)
	events, m := jobInput(t, ctx, input, func() producers.Generator { return producers.NewPayments(5000) }, 20000,
		producers.WithSeed(3), producers.WithInterval(20*time.Millisecond),
		producers.WithLateness(0.05, time.Minute), producers.WithMalformed(0.02))
	if m.Malformed == 0 || m.Late == 0 {
		t.Fatalf("the input should have malformed and late events: %+v", m)
	}

	type tx struct {
		TransactionID    string    `json:"transaction_id"`
		EventTime        time.Time `json:"event_time"`
		CardID           string    `json:"card_id"`
		MerchantID       string    `json:"merchant_id"`
		MerchantCategory string    `json:"merchant_category"`
		MCC              int64     `json:"mcc"`
		Risk             string    `json:"risk"`
		Amount           float64   `json:"amount"`
		Currency         string    `json:"currency"`
		Country          string    `json:"country"`
		Channel          string    `json:"channel"`
		IsFraud          bool      `json:"is_fraud"`
	}
	type velocity struct {
		WindowStart  time.Time `json:"window_start"`
		WindowEnd    time.Time `json:"window_end"`
		CardID       string    `json:"card_id"`
		Transactions int64     `json:"transactions"`
		Amount       float64   `json:"amount"`
		HighRisk     int64     `json:"high_risk"`
	}
	type vkey struct {
		Start time.Time
		Card  string
	}
	// The test's own rules, passed to the job as parameters (not its defaults), and its own
	// copy of the reference table: what the job promises, written down independently.
	const (
		maxTx = 4
		spike = 1500.0
	)

	// Ground truth from every well-formed transaction.
	windows := map[vkey]*velocity{}
	wantSpikes := map[string]tx{}
	fraudWindows := map[vkey]int64{}
	for _, x := range wellFormed[tx](t, events) {
		c, ok := paymentCategories[x.MerchantCategory]
		if !ok {
			t.Fatalf("category %q missing from the reference table", x.MerchantCategory)
		}
		x.MCC, x.Risk = c.MCC, c.Risk
		start := x.EventTime.Truncate(5 * time.Minute)
		k := vkey{start, x.CardID}
		w := windows[k]
		if w == nil {
			w = &velocity{WindowStart: start, WindowEnd: start.Add(5 * time.Minute), CardID: x.CardID}
			windows[k] = w
		}
		w.Transactions++
		w.Amount += x.Amount
		if c.Risk == "high" {
			w.HighRisk++
		}
		if x.IsFraud {
			fraudWindows[k]++
		}
		if x.Amount > spike {
			wantSpikes[x.TransactionID] = x
		}
	}
	want := map[vkey]velocity{}
	bursts := 0
	for k, w := range windows {
		if w.Transactions > maxTx {
			want[k] = *w
		}
		if fraudWindows[k] > maxTx {
			bursts++
		}
	}
	if len(want) == 0 || len(want) == len(windows) || len(wantSpikes) == 0 {
		t.Fatalf("the input should flag some card windows and spikes: %d of %d windows, %d spikes", len(want), len(windows), len(wantSpikes))
	}

	run := startJob(t, ctx, s, jobs.PaymentsFraud(), input, jobs.Params{"max_transactions": maxTx, "spike_amount": spike})
	vk := func(v velocity) vkey { return vkey{v.WindowStart.UTC(), v.CardID} }
	byCount := func(a, b velocity) int { return cmp.Compare(a.Transactions, b.Transactions) }
	veq := func(a, b velocity) bool {
		return a.WindowEnd.Equal(b.WindowEnd) && a.Transactions == b.Transactions && a.HighRisk == b.HighRisk && near(a.Amount, b.Amount)
	}
	compareKeyed(t, "memory table", latest(memoryRows[velocity](t, ctx, s, run.Config.Name), vk, byCount), want, veq)
	fromKafka := topicRows(t, ctx, run.Config.OutputTopic, func(v velocity) string { return sparkTime(v.WindowStart) + "|" + v.CardID })
	compareKeyed(t, "output topic", latest(fromKafka, vk, byCount), want, veq)

	sk := func(x tx) string { return x.TransactionID }
	seq := func(a, b tx) bool {
		a.EventTime, b.EventTime = a.EventTime.UTC(), b.EventTime.UTC()
		return a == b
	}
	out := run.Outputs["spikes"]
	compareKeyed(t, "spikes table", unique(t, "spikes table", memoryRows[tx](t, ctx, s, out.Table), sk), wantSpikes, seq)
	spikesFromKafka := topicRows(t, ctx, out.Topic, func(x tx) string { return x.TransactionID })
	compareKeyed(t, "spikes topic", unique(t, "spikes topic", spikesFromKafka, sk), wantSpikes, seq)
	checkQuarantine(t, ctx, run, events)

	fraudSpikes := 0
	for _, x := range wantSpikes {
		if x.IsFraud {
			fraudSpikes++
		}
	}
	t.Logf("%d events (%d late, %d malformed) -> %d of %d card windows flagged (%d windows hold a burst of more than max_transactions fraudulent ones), %d spikes (%d fraudulent)",
		len(events), m.Late, m.Malformed, len(want), len(windows), bursts, len(wantSpikes), fraudSpikes)
}

// paymentCategory is the test's own copy of a row of the payments job's reference table.
type paymentCategory struct {
	MCC  int64
	Risk string
}

// paymentCategories is the test's own copy of the payments job's reference table: what
// the job promises, written down independently of jobs.MerchantCategories.
var paymentCategories = map[string]paymentCategory{
	"grocery":         {5411, "low"},
	"restaurant":      {5812, "low"},
	"fuel":            {5541, "medium"},
	"retail":          {5311, "medium"},
	"online_services": {4816, "high"},
	"travel":          {4722, "high"},
	"electronics":     {5732, "high"},
	"jewelry":         {5944, "high"},
}
