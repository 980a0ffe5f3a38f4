package jobs

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
	"github.com/sparkwire/sparkwire/producers"
)

// PageViewsDaily is the nightly rollup of the clickstream: page views and distinct
// viewers per page and UTC day, from the events the clickstream topic holds, written to
// the Iceberg table lake.sparkwire.pageviews_daily, partitioned by day. A rerun replaces
// the days it has events for, so it does not count anything twice.
//
// Result columns: day (date, the UTC day of event_time), page (string), views (bigint),
// users (bigint: distinct user_id).
func PageViewsDaily() *BatchJob {
	return &BatchJob{
		Name:          "pageviews_daily",
		Description:   "Nightly rollup: page views and distinct users per page and UTC day, into an Iceberg table by day.",
		Input:         producers.NewClickstream(0).Schema(),
		Table:         "lake.sparkwire.pageviews_daily",
		PartitionedBy: []string{"day"},
		Transform: func(_ *connect.Session, events *connect.DataFrame, _ Params) (*connect.DataFrame, error) {
			// The UTC day, whatever the session's time zone: whole days since the epoch.
			day := F.DateFromUnixDate(F.Floor(F.UnixSeconds(connect.Col("event_time")).Divide(86400)).Cast("int"))
			return events.
				Where("event_type = 'page_view'").
				GroupBy(day.Alias("day"), connect.Col("page")).
				Agg(F.Count(connect.Lit(1)).Alias("views"), F.CountDistinct(connect.Col("user_id")).Alias("users")), nil
		},
	}
}

// DailyPageKey identifies one row of PageViewsDaily's table.
type DailyPageKey struct {
	Day  time.Time // midnight UTC
	Page string
}

// DailyPageViews is one row's numbers in PageViewsDaily's table.
type DailyPageViews struct {
	Views, Users int64
}

// ExpectedPageViewsDaily computes PageViewsDaily's table from the events the topic holds:
// every well-formed page_view counts in its UTC day, late or not.
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
