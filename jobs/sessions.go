package jobs

import (
	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
	"github.com/sparkwire/sparkwire/events"
)

// Sessions groups each user's clickstream events into sessions of activity: session windows
// of event time that close after 30 seconds without an event of the user, with a 2-minute
// watermark, in append mode. A session runs from its first event to 30 seconds after its
// last; a later event within those 30 seconds (inclusive) extends it.
//
// Spark does not allow update mode for session windows (a session's bounds change as it
// grows, so its updates cannot be upserted by key): a session is written once, final, when
// the watermark passes its end.
//
// Result columns: user_id (string), session_start, session_end (timestamps: the session
// window's bounds), events (bigint: the session's events), pages (bigint: its page_view
// events), duration_ms (bigint: from its first to its last event, in milliseconds); the
// Kafka key is the user_id.
func Sessions() *Job {
	return &Job{
		Name:           "sessions",
		Description:    "Sessions per user, closed after a 30-second gap: events, page views, duration (2-minute watermark, append mode).",
		Input:          events.Clickstream(),
		WatermarkDelay: DefaultWatermarkDelay,
		Mode:           connect.Append,
		Key:            "user_id,session_start",
		Transform: func(_ *connect.Session, events *connect.DataFrame, _ Params) (*connect.DataFrame, error) {
			isPage := connect.When(connect.Col("event_type").Eq("page_view"), 1).Otherwise(0)
			return events.
				WithWatermark("event_time", DefaultWatermarkDelay).
				GroupBy(F.SessionWindow(connect.Col("event_time"), "30 seconds").Alias("s"), connect.Col("user_id")).
				Agg(F.Count(connect.Lit(1)).Alias("events"),
					F.Sum(isPage).Alias("pages"),
					F.UnixMillis(F.Max(connect.Col("event_time"))).Minus(F.UnixMillis(F.Min(connect.Col("event_time")))).Alias("duration_ms")).
				Select(connect.Col("user_id"),
					connect.Col("s.start").Alias("session_start"), connect.Col("s.end").Alias("session_end"),
					connect.Col("events"), connect.Col("pages"), connect.Col("duration_ms")), nil
		},
	}
}
