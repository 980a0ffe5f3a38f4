package jobs

import (
	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
	"github.com/sparkwire/sparkwire/events"
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
		Input:         events.Clickstream(),
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
