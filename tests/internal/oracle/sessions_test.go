package oracle

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/producers"
)

// click returns a well-formed clickstream-like event of user at t.
func click(seq int64, user string, t time.Time, typ string) producers.Event {
	v := fmt.Sprintf(`{"event_time":%q,"user_id":%q,"event_type":%q}`, t.Format(time.RFC3339Nano), user, typ)
	return producers.Event{Seq: seq, Key: []byte(user), Value: []byte(v), EventTime: t}
}

// Sessions by Spark's rules: an event exactly the gap after the last one extends the
// session, a millisecond more starts another; sessions ending at or before the watermark
// are closed, the others open; malformed events do not count.
func TestExpectedSessions(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	events := []producers.Event{
		click(0, "a", t0, "page_view"),
		click(1, "a", t0.Add(SessionGap), "click"),      // extends a's session
		click(2, "b", t0.Add(time.Second), "page_view"), // b: one event
		{Seq: 3, Value: []byte(`{"user_id":`), Malformed: producers.MalformedSyntax},
		click(4, "b", t0.Add(time.Second+SessionGap+time.Millisecond), "page_view"), // b: a second session
		click(5, "c", t0.Add(10*time.Minute), "page_view"),                          // moves the watermark; open
	}
	got, err := ExpectedSessions(events)
	if err != nil {
		t.Fatal(err)
	}
	want := map[SessionKey]Session{
		{"a", t0}:                  {UserID: "a", SessionStart: t0, SessionEnd: t0.Add(2 * SessionGap), Events: 2, Pages: 1, DurationMS: SessionGap.Milliseconds()},
		{"b", t0.Add(time.Second)}: {UserID: "b", SessionStart: t0.Add(time.Second), SessionEnd: t0.Add(time.Second + SessionGap), Events: 1, Pages: 1},
		{"b", t0.Add(time.Second + SessionGap + time.Millisecond)}: {UserID: "b", SessionStart: t0.Add(time.Second + SessionGap + time.Millisecond),
			SessionEnd: t0.Add(time.Second + 2*SessionGap + time.Millisecond), Events: 1, Pages: 1},
	}
	if wrong := Diff(got.Closed, want, Session.Equal); len(wrong) != 0 {
		t.Errorf("closed sessions: %q", wrong)
	}
	if got.Open != 1 || got.Users != 3 || got.ExactGaps != 1 || !got.Watermark.Equal(t0.Add(8*time.Minute)) {
		t.Errorf("open %d, users %d, exact gaps %d, watermark %s; want 1, 3, 1, %s", got.Open, got.Users, got.ExactGaps, got.Watermark, t0.Add(8*time.Minute))
	}

	// An event at the watermark of the events before it, which a session it joins might
	// already have left, is refused; a millisecond later it is not.
	late := append(events[:len(events):len(events)], click(6, "a", t0.Add(10*time.Minute-WatermarkDelay), "click"))
	if _, err := ExpectedSessions(late); err == nil || !strings.Contains(err.Error(), "event 6") {
		t.Errorf("an event at the watermark: %v", err)
	}
	late[len(late)-1] = click(6, "a", t0.Add(10*time.Minute-WatermarkDelay+time.Millisecond), "click")
	if _, err := ExpectedSessions(late); err != nil {
		t.Errorf("an event a millisecond after the watermark: %v", err)
	}
}
