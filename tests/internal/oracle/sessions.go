// Package oracle computes jobs' results from the events an end-to-end test produced: the
// ground truth by which the test packages under tests/ judge the jobs. It is written from
// what each job promises (its documentation), independently of the job's code.
package oracle

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/sparkwire/sparkwire/producers"
)

// The sessions job's promises: a session closes after SessionGap without an event of its
// user, and is written once the watermark, WatermarkDelay behind the newest event time, has
// passed its end.
const (
	SessionGap     = 30 * time.Second
	WatermarkDelay = 2 * time.Minute
)

// Session is one row of the sessions job's output.
type Session struct {
	UserID       string    `json:"user_id"`
	SessionStart time.Time `json:"session_start"`
	SessionEnd   time.Time `json:"session_end"`
	Events       int64     `json:"events"`
	Pages        int64     `json:"pages"`
	DurationMS   int64     `json:"duration_ms"`
}

// SessionKey identifies a session: its user and its start (UTC).
type SessionKey struct {
	User  string
	Start time.Time
}

// Key returns the session's key.
func (s Session) Key() SessionKey { return SessionKey{s.UserID, s.SessionStart.UTC()} }

// Equal reports whether two sessions have the same end, counts and duration (their keys are
// compared by whoever pairs them).
func (s Session) Equal(o Session) bool {
	return s.SessionEnd.Equal(o.SessionEnd) && s.Events == o.Events && s.Pages == o.Pages && s.DurationMS == o.DurationMS
}

// Sessions is the sessions job's output for a stream of events, as [ExpectedSessions]
// computes it.
type Sessions struct {
	// Closed are the sessions the watermark has closed: those the job has written.
	Closed map[SessionKey]Session
	// Open counts the sessions still open (not written yet).
	Open int
	// Users counts the users with well-formed events; ExactGaps the events exactly
	// SessionGap after their user's previous one (they extend the session).
	Users, ExactGaps int
	// Watermark is the job's watermark after reading the events: the newest well-formed
	// event time minus WatermarkDelay.
	Watermark time.Time
}

// ExpectedSessions computes the sessions job's output once it has read events (in stream
// order, malformed ones included: the job quarantines them) and the watermark has caught up
// with them, in any number of micro-batches: every session of every user with Spark's rule
// (an event within the gap of the session's last event, inclusive, extends it), of which
// those ending at or before the watermark are written. It holds for input in which every
// well-formed event is later than the watermark of the events before it (late by less than
// WatermarkDelay): then the watermark drops no event and closes no session that a later
// event would join, however the events are cut into micro-batches. It returns an error for
// any other input.
func ExpectedSessions(events []producers.Event) (Sessions, error) {
	type click struct {
		EventTime time.Time `json:"event_time"`
		UserID    string    `json:"user_id"`
		EventType string    `json:"event_type"`
	}
	byUser := map[string][]click{}
	var newest time.Time
	for _, e := range events {
		if e.Malformed != producers.MalformedNone {
			continue
		}
		var c click
		if err := json.Unmarshal(e.Value, &c); err != nil {
			return Sessions{}, fmt.Errorf("event %d: %w", e.Seq, err)
		}
		if !newest.IsZero() && !c.EventTime.After(newest.Add(-WatermarkDelay)) {
			return Sessions{}, fmt.Errorf("event %d at %s is too late for the oracle: the newest event before it is at %s",
				e.Seq, c.EventTime.Format(time.RFC3339Nano), newest.Format(time.RFC3339Nano))
		}
		byUser[c.UserID] = append(byUser[c.UserID], c)
		if c.EventTime.After(newest) {
			newest = c.EventTime
		}
	}
	out := Sessions{Closed: map[SessionKey]Session{}, Users: len(byUser), Watermark: newest.Add(-WatermarkDelay)}
	for user, cs := range byUser {
		slices.SortStableFunc(cs, func(a, b click) int { return a.EventTime.Compare(b.EventTime) })
		var cur *Session
		var last time.Time
		flush := func() {
			if cur == nil {
				return
			}
			cur.SessionEnd = last.Add(SessionGap)
			cur.DurationMS = last.Sub(cur.SessionStart).Milliseconds()
			if cur.SessionEnd.After(out.Watermark) {
				out.Open++
			} else {
				out.Closed[cur.Key()] = *cur
			}
		}
		for _, c := range cs {
			if cur != nil && c.EventTime.Sub(last) == SessionGap {
				out.ExactGaps++ // exactly the gap: Spark extends the session
			}
			if cur == nil || c.EventTime.After(last.Add(SessionGap)) {
				flush()
				cur = &Session{UserID: user, SessionStart: c.EventTime.UTC()}
			}
			cur.Events++
			if c.EventType == "page_view" {
				cur.Pages++
			}
			last = c.EventTime
		}
		flush()
	}
	return out, nil
}
