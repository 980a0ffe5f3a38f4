package tests

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
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
		table, err := jobs.PageViewsFromTable(ctx, s, p.run.Config.Name)
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
	fromKafka := latest(topicRows(t, ctx, p.run.Config.OutputTopic, func(v view) string { return v.Page }),
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

// sortedKeys returns a map's keys sorted by less.
func sortedKeys[K comparable, V any](m map[K]V, less func(a, b K) int) []K {
	ks := slices.Collect(maps.Keys(m))
	slices.SortFunc(ks, less)
	return ks
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
	fromKafka := topicRows(t, ctx, p.run.Config.OutputTopic, func(v phasedSession) string { return v.UserID })
	compareKeyed(t, "output topic", unique(t, "output topic", fromKafka, k), emitted, eq)
	all := in.allRecords()
	checkQuarantine(t, ctx, p.run, all)
	t.Logf("%d events in %d phases (%d too late for the watermark), watermarks %v: %d sessions (%d spanning phases), %d late rows",
		len(all), len(in.Phases), tooLateCount(events, jobDelay), in.Marks, len(emitted), spanning, dropped)
}
