package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/demo"
	"github.com/sparkwire/sparkwire/producers"
)

// The oracles of the jobs' end-to-end tests: each computes a job's result from the events
// the test produced (the ground truth), or reads the job's result in the same shape.

// PageViewKey identifies one result row of the pageviews job.
type PageViewKey = demo.PageViewKey

// ExpectedPageViews computes the final result of the pageviews job from the events it
// read, for input in which no event arrives behind the watermark; the demo checks the
// job against the same truth (see [demo.ExpectedPageViews]).
func ExpectedPageViews(events []producers.Event) (map[PageViewKey]int64, error) {
	return demo.ExpectedPageViews(events)
}

// PageViewsFromTable reads the final counts from a pageviews run's memory table (see
// [demo.PageViewsFromTable]).
func PageViewsFromTable(ctx context.Context, s *connect.Session, table string) (map[PageViewKey]int64, error) {
	return demo.PageViewsFromTable(ctx, s, table)
}

// DailyPageKey identifies one row of the pageviews_daily job's table.
type DailyPageKey struct {
	Day  time.Time // midnight UTC
	Page string
}

// DailyPageViews is one row's numbers in the pageviews_daily job's table.
type DailyPageViews struct {
	Views, Users int64
}

// ExpectedPageViewsDaily computes the pageviews_daily job's table from the events the
// topic holds: every well-formed page_view counts in its UTC day, late or not.
func ExpectedPageViewsDaily(events []producers.Event) (map[DailyPageKey]DailyPageViews, error) {
	users := map[DailyPageKey]map[string]bool{}
	views := map[DailyPageKey]int64{}
	for _, e := range events {
		if e.Malformed != producers.MalformedNone {
			continue
		}
		var v struct {
			EventType string `json:"event_type"`
			Page      string `json:"page"`
			UserID    string `json:"user_id"`
		}
		if err := json.Unmarshal(e.Value, &v); err != nil {
			return nil, fmt.Errorf("event %d: %w", e.Seq, err)
		}
		if v.EventType != "page_view" {
			continue
		}
		k := DailyPageKey{e.EventTime.UTC().Truncate(24 * time.Hour), v.Page}
		views[k]++
		if users[k] == nil {
			users[k] = map[string]bool{}
		}
		users[k][v.UserID] = true
	}
	out := make(map[DailyPageKey]DailyPageViews, len(views))
	for k, n := range views {
		out[k] = DailyPageViews{Views: n, Users: int64(len(users[k]))}
	}
	return out, nil
}
