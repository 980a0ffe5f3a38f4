package tests

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/jobs"
	"github.com/sparkwire/sparkwire/producers"
)

// jobDelay is the watermark delay that the jobs promise (2 minutes); the phased tests model
// the watermark with it, so a job with another delay, or none, fails them.
const jobDelay = 2 * time.Minute

// phaseStart is the event time of the phased tests' first events.
var phaseStart = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// updateModel models a windowed aggregation in update mode, phase by phase: a record's
// contribution to a key whose window ends at or before the phase's watermark is dropped;
// the others update the key's state. Snapshots after each phase are what the memory table
// holds then, taking the latest row per key.
type updateModel[K comparable, V any] struct {
	state     map[K]V
	first     map[K]int
	rewritten map[K]bool
	dropped   int64
}

func newUpdateModel[K comparable, V any]() *updateModel[K, V] {
	return &updateModel[K, V]{state: map[K]V{}, first: map[K]int{}, rewritten: map[K]bool{}}
}

// add applies one record's contribution to key (its window ending at end) in phase k with
// watermark wm, and returns the late key's name if the watermark drops it.
func (m *updateModel[K, V]) add(k int, wm time.Time, key K, end time.Time, update func(*V)) (late string, dropped bool) {
	if !end.After(wm) {
		return fmt.Sprint(key), true
	}
	v := m.state[key]
	update(&v)
	m.state[key] = v
	if f, ok := m.first[key]; !ok {
		m.first[key] = k
	} else if f < k {
		m.rewritten[key] = true
	}
	return "", false
}

// endPhase counts the distinct late keys of the phase's records.
func (m *updateModel[K, V]) endPhase(recs []phaseRecord) map[K]V {
	late := map[string]bool{}
	for _, r := range recs {
		for _, k := range r.Late {
			late[k] = true
		}
	}
	m.dropped += int64(len(late))
	return maps.Clone(m.state)
}

// The page views job over three phases of input written while it runs, with events late
// within the watermark (they rewrite windows of the phase before) and beyond it (dropped):
// after each phase the memory table holds the counts the model of the watermark gives,
// and at the end so does the output topic; each query's numRowsDroppedByWatermark equals
// the late (window, page) groups of each batch. Crafted events pin the rules: an event at
// exactly the watermark counts, one a millisecond earlier (its window ends at the
// watermark) is dropped, and events at a window's start and a millisecond before fall in
// different windows.
func TestJobPageViewsPhased(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	events := genEvents(t, producers.NewClickstream(100), 3600,
		producers.WithSeed(21), producers.WithStart(phaseStart), producers.WithInterval(100*time.Millisecond),
		producers.WithLateness(0.05, time.Minute), producers.WithTooLate(0.06, jobDelay, 4*time.Minute),
		producers.WithMalformed(0.03))
	tmpl := firstWellFormed(t, events, func(m map[string]any) bool { return m["event_type"] == "page_view" })
	craft := func(at time.Time, page string) phaseRecord {
		return phaseRecord{Key: tmpl.Key, Value: withTime(t, tmpl.Value, at, map[string]any{"page": page}), Time: at}
	}
	in := cutPhases(t, events, 3, jobDelay, time.Minute,
		func(k int, at time.Time) phaseRecord { return craft(at, fmt.Sprintf("/rt/marker-%d", k)) },
		func(k int, marks []time.Time) []phaseRecord {
			if k != 1 {
				return nil
			}
			w := marks[0]
			return []phaseRecord{
				craft(w, "/rt/at-watermark"),                                   // window [w, w+1m): counts
				craft(w.Add(-time.Millisecond), "/rt/window-end-at-watermark"), // window [w-1m, w): dropped
				craft(w.Add(time.Minute), "/rt/window-start"),                  // window [w+1m, w+2m)
				craft(w.Add(time.Minute-time.Millisecond), "/rt/window-start"), // window [w, w+1m)
			}
		})

	type click struct {
		EventTime time.Time `json:"event_time"`
		EventType string    `json:"event_type"`
		Page      string    `json:"page"`
	}
	model := newUpdateModel[windowKey, int64]()
	var snaps []map[windowKey]int64
	for k, ph := range in.Phases {
		wm := in.watermarkBefore(k)
		for i := range ph {
			r := &ph[i]
			if r.Malformed != producers.MalformedNone {
				continue
			}
			c := wellFormedIn[click](t, ph[i:i+1])[0]
			if c.EventType != "page_view" {
				continue
			}
			start := c.EventTime.Truncate(time.Minute)
			if late, ok := model.add(k, wm, windowKey{start, c.Page}, start.Add(time.Minute), func(v *int64) { *v++ }); ok {
				r.Late = append(r.Late, late)
			}
		}
		snaps = append(snaps, model.endPhase(ph))
	}
	w := in.Marks[0]
	final := snaps[len(snaps)-1]
	for _, c := range []struct {
		key  windowKey
		want int64
	}{
		{windowKey{w, "/rt/at-watermark"}, 1},
		{windowKey{w.Add(-time.Minute), "/rt/window-end-at-watermark"}, 0},
		{windowKey{w.Add(time.Minute), "/rt/window-start"}, 1},
		{windowKey{w, "/rt/window-start"}, 1},
	} {
		if final[c.key] != c.want {
			t.Fatalf("model: crafted %v counts %d, want %d", c.key, final[c.key], c.want)
		}
	}
	if model.dropped < 10 || len(model.rewritten) < 10 {
		t.Fatalf("the input should drop groups and rewrite windows across phases: %d dropped, %d rewritten", model.dropped, len(model.rewritten))
	}

	p := startPhased(t, ctx, s, jobs.PageViews(), nil)
	for k, ph := range in.Phases {
		p.produce(ctx, ph, in.Marks[k])
		table, err := PageViewsFromTable(ctx, s, p.run.Config.Name)
		if err != nil {
			t.Fatal(err)
		}
		got := map[windowKey]int64{}
		for k, v := range table {
			got[windowKey{k.WindowStart, k.Page}] = v
		}
		assertCounts(t, fmt.Sprintf("memory table after phase %d", k+1), got, snaps[k])
	}
	p.checkDropped(ctx, "end", model.dropped)

	type view struct {
		WindowStart time.Time `json:"window_start"`
		Page        string    `json:"page"`
		Views       int64     `json:"views"`
	}
	fromKafka := latest(topicRows(t, ctx, p.run.Config.OutputTopic, func(v view) string { return sparkTime(v.WindowStart) + "|" + v.Page }),
		func(v view) windowKey { return windowKey{v.WindowStart.UTC(), v.Page} },
		func(a, b view) int { return cmp.Compare(a.Views, b.Views) })
	got := map[windowKey]int64{}
	for k, v := range fromKafka {
		got[k] = v.Views
	}
	assertCounts(t, "output topic", got, final)
	all := in.allRecords()
	checkQuarantine(t, ctx, p.run, all)
	t.Logf("%d events in %d phases (%d too late for the watermark), watermarks %v: %d windows, %d rewritten across phases, %d late groups",
		len(all), len(in.Phases), tooLateCount(events, jobDelay), in.Marks, len(final), len(model.rewritten), model.dropped)
}

// phasedSession is a row of the sessions job.
type phasedSession struct {
	UserID       string    `json:"user_id"`
	SessionStart time.Time `json:"session_start"`
	SessionEnd   time.Time `json:"session_end"`
	Events       int64     `json:"events"`
	Pages        int64     `json:"pages"`
	DurationMS   int64     `json:"duration_ms"`
}

type sessionKey struct {
	User  string
	Start time.Time
}

// The sessions job over three phases written while it runs and a last one that closes
// every session: sessions carried in state from one phase to the next, events dropped by
// the watermark, and after each phase exactly the sessions that the watermark has closed
// are in the memory table, each once; at the end the output topic holds them too. The
// numRowsDroppedByWatermark of each batch equals the distinct late (user, event time) rows
// it read. Crafted users pin the rules: two events exactly the gap (30 s) apart make one
// session, a millisecond more makes two, a millisecond less one; an event at exactly the
// watermark is kept, one whose session would end exactly at the watermark is dropped, one
// a millisecond later is kept.
func TestJobSessionsPhased(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	const gap = 30 * time.Second
	events := genEvents(t, producers.NewClickstream(100), 3600,
		producers.WithSeed(23), producers.WithStart(phaseStart), producers.WithInterval(100*time.Millisecond),
		producers.WithLateness(0.05, time.Minute), producers.WithTooLate(0.06, jobDelay, 3*time.Minute),
		producers.WithMalformed(0.03))
	tmpl := firstWellFormed(t, events, func(m map[string]any) bool { return m["event_type"] == "page_view" })
	craft := func(at time.Time, user string) phaseRecord {
		return phaseRecord{Key: []byte(user), Value: withTime(t, tmpl.Value, at, map[string]any{"user_id": user}), Time: at}
	}
	marker := func(k int, at time.Time) phaseRecord { return craft(at, fmt.Sprintf("rt-marker-%d", k)) }
	in := cutPhases(t, events, 3, jobDelay, time.Minute, marker,
		func(k int, marks []time.Time) []phaseRecord {
			if k != 1 {
				return nil
			}
			w := marks[0]
			a := w.Add(10 * time.Second)
			return []phaseRecord{
				craft(a, "rt-gap-at"), craft(a.Add(gap), "rt-gap-at"), // one session
				craft(a, "rt-gap-above"), craft(a.Add(gap+time.Millisecond), "rt-gap-above"), // two sessions
				craft(a, "rt-gap-below"), craft(a.Add(gap-time.Millisecond), "rt-gap-below"), // one session
				craft(w, "rt-wm-at"),                                   // kept
				craft(w.Add(-gap), "rt-wm-end-at"),                     // session end = watermark: dropped
				craft(w.Add(-gap+time.Millisecond), "rt-wm-end-after"), // kept
			}
		})
	// A last phase, a marker 10 minutes on, closes every session but its own.
	last := in.Marks[len(in.Marks)-1].Add(jobDelay + 10*time.Minute)
	in.Phases = append(in.Phases, []phaseRecord{marker(len(in.Phases), last)})
	in.Marks = append(in.Marks, last.Add(-jobDelay))

	// The model: per user, the open sessions; a phase's rows whose session [t, t+gap] ends
	// at or before the watermark are dropped, the others merge with the open sessions (an
	// event within the gap of a session, inclusive, joins it); then the sessions that end
	// at or before the new watermark are written, once, and leave the state.
	type open struct {
		start, last   time.Time
		events, pages int64
		phases        map[int]bool
	}
	type click struct {
		EventTime time.Time `json:"event_time"`
		UserID    string    `json:"user_id"`
		EventType string    `json:"event_type"`
	}
	state := map[string][]open{}
	emitted := map[sessionKey]phasedSession{}
	var snaps []map[sessionKey]phasedSession
	var dropped int64
	spanning := 0
	for k, ph := range in.Phases {
		wm := in.watermarkBefore(k)
		late := map[string]bool{}
		for i := range ph {
			r := &ph[i]
			if r.Malformed != producers.MalformedNone {
				continue
			}
			c := wellFormedIn[click](t, ph[i:i+1])[0]
			if !c.EventTime.Add(gap).After(wm) {
				key := fmt.Sprintf("%s@%s", c.UserID, c.EventTime.Format(time.RFC3339Nano))
				r.Late = append(r.Late, key)
				late[key] = true
				continue
			}
			o := open{start: c.EventTime, last: c.EventTime, events: 1, phases: map[int]bool{k: true}}
			if c.EventType == "page_view" {
				o.pages = 1
			}
			state[c.UserID] = append(state[c.UserID], o)
		}
		dropped += int64(len(late))
		for user, ss := range state {
			slices.SortStableFunc(ss, func(a, b open) int { return a.start.Compare(b.start) })
			var merged []open
			for _, o := range ss {
				if n := len(merged); n > 0 && !o.start.After(merged[n-1].last.Add(gap)) {
					m := &merged[n-1]
					if o.last.After(m.last) {
						m.last = o.last
					}
					m.events += o.events
					m.pages += o.pages
					for p := range o.phases {
						m.phases[p] = true
					}
					continue
				}
				merged = append(merged, o)
			}
			var still []open
			for _, o := range merged {
				if end := o.last.Add(gap); !end.After(in.Marks[k]) {
					emitted[sessionKey{user, o.start}] = phasedSession{UserID: user, SessionStart: o.start, SessionEnd: end,
						Events: o.events, Pages: o.pages, DurationMS: o.last.Sub(o.start).Milliseconds()}
					if len(o.phases) > 1 {
						spanning++
					}
				} else {
					still = append(still, o)
				}
			}
			state[user] = still
		}
		snaps = append(snaps, maps.Clone(emitted))
	}
	w := in.Marks[0]
	a := w.Add(10 * time.Second)
	for _, c := range []struct {
		key    sessionKey
		events int64 // 0: no such session
	}{
		{sessionKey{"rt-gap-at", a}, 2},
		{sessionKey{"rt-gap-above", a}, 1},
		{sessionKey{"rt-gap-above", a.Add(gap + time.Millisecond)}, 1},
		{sessionKey{"rt-gap-below", a}, 2},
		{sessionKey{"rt-wm-at", w}, 1},
		{sessionKey{"rt-wm-end-at", w.Add(-gap)}, 0},
		{sessionKey{"rt-wm-end-after", w.Add(-gap + time.Millisecond)}, 1},
	} {
		if got := emitted[c.key].Events; got != c.events {
			t.Fatalf("model: crafted session %v has %d events, want %d", c.key, got, c.events)
		}
	}
	if dropped < 10 || spanning < 10 || len(snaps[0]) == 0 || len(snaps[1]) <= len(snaps[0]) {
		t.Fatalf("the input should drop rows, carry sessions across phases and close sessions in each phase: %d dropped, %d sessions across phases, %d and %d closed after phases 1 and 2",
			dropped, spanning, len(snaps[0]), len(snaps[1]))
	}

	p := startPhased(t, ctx, s, jobs.Sessions(), nil)
	k := func(v phasedSession) sessionKey { return sessionKey{v.UserID, v.SessionStart.UTC()} }
	eq := func(a, b phasedSession) bool {
		return a.SessionEnd.Equal(b.SessionEnd) && a.Events == b.Events && a.Pages == b.Pages && a.DurationMS == b.DurationMS
	}
	for i, ph := range in.Phases {
		p.produce(ctx, ph, in.Marks[i])
		what := fmt.Sprintf("memory table after phase %d", i+1)
		compareKeyed(t, what, unique(t, what, memoryRows[phasedSession](t, ctx, s, p.run.Config.Name), k), snaps[i], eq)
	}
	p.checkDropped(ctx, "end", dropped)
	fromKafka := topicRows(t, ctx, p.run.Config.OutputTopic, func(v phasedSession) string { return v.UserID + "|" + sparkTime(v.SessionStart) })
	compareKeyed(t, "output topic", unique(t, "output topic", fromKafka, k), emitted, eq)
	all := in.allRecords()
	checkQuarantine(t, ctx, p.run, all)
	t.Logf("%d events in %d phases (%d too late for the watermark), watermarks %v: %d sessions (%d spanning phases), %d late rows",
		len(all), len(in.Phases), tooLateCount(events, jobDelay), in.Marks, len(emitted), spanning, dropped)
}

// phasedWindow is a row of the IoT job's main result.
type phasedWindow struct {
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	DeviceID    string    `json:"device_id"`
	SensorType  string    `json:"sensor_type"`
	Unit        string    `json:"unit"`
	Readings    int64     `json:"readings"`
	AvgReading  float64   `json:"avg_reading"`
	sum         float64
}

type deviceWindow struct {
	Start  time.Time
	Device string
}

// The IoT job over three phases written while it runs: each reading falls in five sliding
// windows, of which the watermark may drop some and keep others; after each phase the
// memory table holds the readings and mean of every device window as the model gives them
// (windows rewritten across phases included), and at the end so does the output topic;
// numRowsDroppedByWatermark of each batch equals its late (window, device) groups. The
// alerts, which have no watermark, include the readings that came too late for the
// windows. Crafted readings pin the rules: one at exactly the watermark is in all five of
// its windows, one a millisecond earlier loses the window that ends at the watermark.
func TestJobIoTAlertsPhased(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	g := producers.NewIoT(20)
	g.AnomalyRate = 0.01
	events := genEvents(t, g, 3600,
		producers.WithSeed(29), producers.WithStart(phaseStart), producers.WithInterval(150*time.Millisecond),
		producers.WithLateness(0.05, time.Minute), producers.WithTooLate(0.06, jobDelay, 6*time.Minute),
		producers.WithMalformed(0.03))
	tmpl := firstWellFormed(t, events, func(m map[string]any) bool { return m["sensor_type"] == "temperature" })
	craft := func(at time.Time, device string) phaseRecord {
		return phaseRecord{Key: []byte(device), Value: withTime(t, tmpl.Value, at, map[string]any{"device_id": device}), Time: at}
	}
	in := cutPhases(t, events, 3, jobDelay, time.Minute,
		func(k int, at time.Time) phaseRecord { return craft(at, fmt.Sprintf("rt-marker-%d", k)) },
		func(k int, marks []time.Time) []phaseRecord {
			if k != 1 {
				return nil
			}
			// Above every threshold: the alerts hold them, whatever the windows dropped.
			at, before := craft(marks[0], "rt-dev-at"), craft(marks[0].Add(-time.Millisecond), "rt-dev-before")
			at.Value = withTime(t, at.Value, at.Time, map[string]any{"reading": 999.5})
			before.Value = withTime(t, before.Value, before.Time, map[string]any{"reading": 999.5})
			return []phaseRecord{at, before}
		})

	// Thresholds at the 99th percentile of each sensor type's readings.
	var all []iotReading
	for _, ph := range in.Phases {
		all = append(all, wellFormedIn[iotReading](t, ph)...)
	}
	byType := map[string][]float64{}
	for _, r := range all {
		byType[r.SensorType] = append(byType[r.SensorType], r.Reading)
	}
	params := jobs.Params{}
	thresholds := map[string]float64{}
	for typ, vs := range byType {
		slices.Sort(vs)
		thresholds[typ] = vs[len(vs)*99/100]
		params["max_"+typ] = thresholds[typ]
	}
	if len(params) != 4 {
		t.Fatalf("sensor types %v, want 4", params)
	}
	type alert struct {
		iotReading
		Threshold float64 `json:"threshold"`
	}
	type akey struct {
		Device string
		Seq    int64
	}
	wantAlerts := map[akey]alert{}
	lateAlerts := 0

	model := newUpdateModel[deviceWindow, phasedWindow]()
	var snaps []map[deviceWindow]phasedWindow
	for k, ph := range in.Phases {
		wm := in.watermarkBefore(k)
		for i := range ph {
			r := &ph[i]
			if r.Malformed != producers.MalformedNone {
				continue
			}
			x := wellFormedIn[iotReading](t, ph[i:i+1])[0]
			dropped := false
			for j := range 5 {
				start := x.EventTime.Truncate(time.Minute).Add(-time.Duration(j) * time.Minute)
				late, ok := model.add(k, wm, deviceWindow{start, x.DeviceID}, start.Add(5*time.Minute), func(w *phasedWindow) {
					*w = phasedWindow{WindowStart: start, WindowEnd: start.Add(5 * time.Minute), DeviceID: x.DeviceID,
						SensorType: x.SensorType, Unit: x.Unit, Readings: w.Readings + 1, sum: w.sum + x.Reading}
					w.AvgReading = w.sum / float64(w.Readings)
				})
				if ok {
					r.Late = append(r.Late, late)
					dropped = true
				}
			}
			if x.Reading > thresholds[x.SensorType] {
				wantAlerts[akey{x.DeviceID, x.Seq}] = alert{x, thresholds[x.SensorType]}
				if dropped {
					lateAlerts++
				}
			}
		}
		snaps = append(snaps, model.endPhase(ph))
	}
	w := in.Marks[0]
	final := snaps[len(snaps)-1]
	for j := range 5 {
		at := deviceWindow{w.Add(-time.Duration(j) * time.Minute), "rt-dev-at"}
		before := deviceWindow{w.Add(-time.Duration(j+1) * time.Minute), "rt-dev-before"}
		if final[at].Readings != 1 || (final[before].Readings == 1) != (j < 4) {
			t.Fatalf("model: crafted windows %v: %d readings, %v: %d readings", at, final[at].Readings, before, final[before].Readings)
		}
	}
	if model.dropped < 10 || len(model.rewritten) < 10 || len(wantAlerts) == 0 || lateAlerts == 0 {
		t.Fatalf("the input should drop groups, rewrite windows across phases and raise alerts, some for late readings: %d dropped, %d rewritten, %d alerts, %d late",
			model.dropped, len(model.rewritten), len(wantAlerts), lateAlerts)
	}

	p := startPhased(t, ctx, s, jobs.IoTAlerts(), params)
	wk := func(v phasedWindow) deviceWindow { return deviceWindow{v.WindowStart.UTC(), v.DeviceID} }
	byReadings := func(a, b phasedWindow) int { return cmp.Compare(a.Readings, b.Readings) }
	weq := func(a, b phasedWindow) bool {
		return a.WindowEnd.Equal(b.WindowEnd) && a.SensorType == b.SensorType && a.Unit == b.Unit &&
			a.Readings == b.Readings && near(a.AvgReading, b.AvgReading)
	}
	for k, ph := range in.Phases {
		p.produce(ctx, ph, in.Marks[k])
		compareKeyed(t, fmt.Sprintf("memory table after phase %d", k+1),
			latest(memoryRows[phasedWindow](t, ctx, s, p.run.Config.Name), wk, byReadings), snaps[k], weq)
	}
	p.checkDropped(ctx, "end", model.dropped)
	fromKafka := topicRows(t, ctx, p.run.Config.OutputTopic, func(v phasedWindow) string { return sparkTime(v.WindowStart) + "|" + v.DeviceID + "|" + v.SensorType })
	compareKeyed(t, "output topic", latest(fromKafka, wk, byReadings), final, weq)

	out := p.run.Outputs["alerts"]
	ak := func(a alert) akey { return akey{a.DeviceID, a.Seq} }
	aeq := func(a, b alert) bool { return a.Threshold == b.Threshold && a.iotReading.equal(b.iotReading) }
	compareKeyed(t, "alerts table", unique(t, "alerts table", memoryRows[alert](t, ctx, s, out.Table), ak), wantAlerts, aeq)
	compareKeyed(t, "alerts topic", unique(t, "alerts topic", topicRows(t, ctx, out.Topic, func(a alert) string { return a.DeviceID + "|" + strconv.FormatInt(a.Seq, 10) }), ak), wantAlerts, aeq)
	recs := in.allRecords()
	checkQuarantine(t, ctx, p.run, recs)
	t.Logf("%d events in %d phases (%d too late for the watermark), watermarks %v: %d device windows, %d rewritten across phases, %d late groups; %d alerts (%d of readings the windows dropped)",
		len(recs), len(in.Phases), tooLateCount(events, jobDelay), in.Marks, len(final), len(model.rewritten), model.dropped, len(wantAlerts), lateAlerts)
}

// phasedTx is a transaction of the payments domain, with the reference table's columns.
type phasedTx struct {
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

// phasedVelocity is a row of the payments job's main result.
type phasedVelocity struct {
	WindowStart  time.Time `json:"window_start"`
	WindowEnd    time.Time `json:"window_end"`
	CardID       string    `json:"card_id"`
	Transactions int64     `json:"transactions"`
	Amount       float64   `json:"amount"`
	HighRisk     int64     `json:"high_risk"`
}

type cardWindow struct {
	Start time.Time
	Card  string
}

// The payments job over three phases written while it runs: card windows of 5 minutes
// fill up across phases, cross the velocity threshold in a later phase than their first
// transaction, and lose transactions that come too late. After each phase the memory table
// holds, for every card window above the threshold so far, the count, amount and high-risk
// count the model gives; at the end so does the output topic; numRowsDroppedByWatermark of
// each batch equals its late (window, card) groups, flagged or not. The spikes, which have
// no watermark, include late transactions. Crafted cards pin the window boundary at the
// watermark: transactions at exactly the watermark (a window's start) count, a millisecond
// earlier (the window ending at the watermark) they are dropped.
func TestJobPaymentsFraudPhased(t *testing.T) {
	ctx := testCtx(t, 5*time.Minute)
	s, _ := session(t, ctx)
	const (
		maxTx = 3
		spike = 1500.0
	)
	// 1,500 transactions of 276 ms per phase: 6 min 54 s, so that the watermark after the
	// first phase falls on a 5-minute boundary (checked below).
	events := genEvents(t, producers.NewPayments(300), 4500,
		producers.WithSeed(31), producers.WithStart(phaseStart), producers.WithInterval(276*time.Millisecond),
		producers.WithLateness(0.05, time.Minute), producers.WithTooLate(0.06, jobDelay, 6*time.Minute),
		producers.WithMalformed(0.03))
	tmpl := firstWellFormed(t, events, func(m map[string]any) bool {
		a, _ := m["amount"].(float64)
		return a < 100
	})
	n := 0
	craft := func(at time.Time, card string) phaseRecord {
		n++
		return phaseRecord{Key: []byte(card), Time: at,
			Value: withTime(t, tmpl.Value, at, map[string]any{"card_id": card, "transaction_id": fmt.Sprintf("rt-tx-%d", n)})}
	}
	in := cutPhases(t, events, 3, jobDelay, time.Minute,
		func(k int, at time.Time) phaseRecord { return craft(at, fmt.Sprintf("rt-marker-%d", k)) },
		func(k int, marks []time.Time) []phaseRecord {
			if k != 1 {
				return nil
			}
			var recs []phaseRecord
			for range maxTx + 1 {
				// Those of rt-card-before are spikes too: the spikes hold them, though the
				// window drops them.
				before := craft(marks[0].Add(-time.Millisecond), "rt-card-before")
				before.Value = withTime(t, before.Value, before.Time, map[string]any{"amount": 1600.25})
				recs = append(recs, craft(marks[0], "rt-card-at"), before)
			}
			return recs
		})
	w := in.Marks[0]
	if !w.Truncate(5 * time.Minute).Equal(w) {
		t.Fatalf("the watermark after the first phase, %s, should be on a 5-minute boundary", w)
	}

	model := newUpdateModel[cardWindow, phasedVelocity]()
	flagged := func(m map[cardWindow]phasedVelocity) map[cardWindow]phasedVelocity {
		out := map[cardWindow]phasedVelocity{}
		for k, v := range m {
			if v.Transactions > maxTx {
				out[k] = v
			}
		}
		return out
	}
	var snaps []map[cardWindow]phasedVelocity
	wantSpikes := map[string]phasedTx{}
	lateSpikes := 0
	for k, ph := range in.Phases {
		wm := in.watermarkBefore(k)
		for i := range ph {
			r := &ph[i]
			if r.Malformed != producers.MalformedNone {
				continue
			}
			x := wellFormedIn[phasedTx](t, ph[i:i+1])[0]
			c, ok := paymentCategories[x.MerchantCategory]
			if !ok {
				t.Fatalf("category %q missing from the reference table", x.MerchantCategory)
			}
			x.MCC, x.Risk = c.MCC, c.Risk
			start := x.EventTime.Truncate(5 * time.Minute)
			if late, ok := model.add(k, wm, cardWindow{start, x.CardID}, start.Add(5*time.Minute), func(v *phasedVelocity) {
				v.WindowStart, v.WindowEnd, v.CardID = start, start.Add(5*time.Minute), x.CardID
				v.Transactions++
				v.Amount += x.Amount
				if c.Risk == "high" {
					v.HighRisk++
				}
			}); ok {
				r.Late = append(r.Late, late)
				if x.Amount > spike {
					lateSpikes++
				}
			}
			if x.Amount > spike {
				wantSpikes[x.TransactionID] = x
			}
		}
		snaps = append(snaps, flagged(model.endPhase(ph)))
	}
	final := snaps[len(snaps)-1]
	if final[cardWindow{w, "rt-card-at"}].Transactions != maxTx+1 || model.state[cardWindow{w.Add(-5 * time.Minute), "rt-card-before"}].Transactions != 0 {
		t.Fatalf("model: crafted cards %+v, %+v", final[cardWindow{w, "rt-card-at"}], model.state[cardWindow{w.Add(-5 * time.Minute), "rt-card-before"}])
	}
	crossed := 0 // flagged windows that were below the threshold after an earlier phase
	for key := range final {
		for _, snap := range snaps[:len(snaps)-1] {
			if _, ok := snap[key]; !ok && model.first[key] < len(snaps)-1 && model.rewritten[key] {
				crossed++
				break
			}
		}
	}
	if model.dropped < 10 || len(model.rewritten) < 10 || crossed == 0 || len(wantSpikes) == 0 || lateSpikes == 0 {
		t.Fatalf("the input should drop groups, rewrite windows across phases, flag windows in a later phase and have spikes, some late: %d dropped, %d rewritten, %d crossed, %d spikes, %d late",
			model.dropped, len(model.rewritten), crossed, len(wantSpikes), lateSpikes)
	}

	p := startPhased(t, ctx, s, jobs.PaymentsFraud(), jobs.Params{"max_transactions": maxTx, "spike_amount": spike})
	vk := func(v phasedVelocity) cardWindow { return cardWindow{v.WindowStart.UTC(), v.CardID} }
	byCount := func(a, b phasedVelocity) int { return cmp.Compare(a.Transactions, b.Transactions) }
	veq := func(a, b phasedVelocity) bool {
		return a.WindowEnd.Equal(b.WindowEnd) && a.Transactions == b.Transactions && a.HighRisk == b.HighRisk && near(a.Amount, b.Amount)
	}
	for k, ph := range in.Phases {
		p.produce(ctx, ph, in.Marks[k])
		compareKeyed(t, fmt.Sprintf("memory table after phase %d", k+1),
			latest(memoryRows[phasedVelocity](t, ctx, s, p.run.Config.Name), vk, byCount), snaps[k], veq)
	}
	p.checkDropped(ctx, "end", model.dropped)
	fromKafka := topicRows(t, ctx, p.run.Config.OutputTopic, func(v phasedVelocity) string { return sparkTime(v.WindowStart) + "|" + v.CardID })
	compareKeyed(t, "output topic", latest(fromKafka, vk, byCount), final, veq)

	out := p.run.Outputs["spikes"]
	sk := func(x phasedTx) string { return x.TransactionID }
	seq := func(a, b phasedTx) bool {
		a.EventTime, b.EventTime = a.EventTime.UTC(), b.EventTime.UTC()
		return a == b
	}
	compareKeyed(t, "spikes table", unique(t, "spikes table", memoryRows[phasedTx](t, ctx, s, out.Table), sk), wantSpikes, seq)
	compareKeyed(t, "spikes topic", unique(t, "spikes topic", topicRows(t, ctx, out.Topic, func(x phasedTx) string { return x.TransactionID }), sk), wantSpikes, seq)
	recs := in.allRecords()
	checkQuarantine(t, ctx, p.run, recs)
	t.Logf("%d events in %d phases (%d too late for the watermark), watermarks %v: %d flagged card windows (%d flagged only in a later phase), %d rewritten across phases, %d late groups; %d spikes (%d of transactions the windows dropped)",
		len(recs), len(in.Phases), tooLateCount(events, jobDelay), in.Marks, len(final), crossed, len(model.rewritten), model.dropped, len(wantSpikes), lateSpikes)
}
