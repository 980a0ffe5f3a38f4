package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
	"github.com/sparkwire/sparkwire/producers"
)

// PageViews counts page views per page in 1-minute tumbling windows of event time, with a
// 2-minute watermark, in update mode.
//
// Result columns: window_start, window_end (timestamps), page (string), views (bigint);
// the Kafka key is the page.
func PageViews() *Job {
	return &Job{
		Name:           "pageviews",
		Description:    "Page views per page per 1-minute window (2-minute watermark, update mode).",
		Input:          producers.NewClickstream(0).Schema(),
		WatermarkDelay: DefaultWatermarkDelay,
		Mode:           connect.Update,
		Key:            "page",
		Transform: func(_ *connect.Session, events *connect.DataFrame, _ Params) (*connect.DataFrame, error) {
			return events.
				WithWatermark("event_time", DefaultWatermarkDelay).
				Where("event_type = 'page_view'").
				GroupBy(F.Window(connect.Col("event_time"), "1 minute").Alias("w"), connect.Col("page")).
				Agg(F.Count(connect.Lit(1)).Alias("views")).
				Select(connect.Col("w.start").Alias("window_start"), connect.Col("w.end").Alias("window_end"),
					connect.Col("page"), connect.Col("views")), nil
		},
	}
}

// Builtin returns a registry of the built-in jobs.
func Builtin() *Registry {
	r, err := NewRegistry(PageViews(), Sessions(), IoTAlerts(), PaymentsFraud())
	if err != nil {
		panic(err) // the built-in jobs are valid by construction
	}
	return r
}

// PageViewKey identifies one result row of PageViews.
type PageViewKey struct {
	WindowStart time.Time
	Page        string
}

// ExpectedPageViews computes the final result of PageViews from the events it read, for
// input in which no event arrives behind the watermark (lateness under 2 minutes, or all
// input in one micro-batch): every well-formed page_view counts in its minute.
func ExpectedPageViews(events []producers.Event) (map[PageViewKey]int64, error) {
	want := map[PageViewKey]int64{}
	for _, e := range events {
		if e.Malformed != producers.MalformedNone {
			continue
		}
		var v struct {
			EventType string `json:"event_type"`
			Page      string `json:"page"`
		}
		if err := json.Unmarshal(e.Value, &v); err != nil {
			return nil, fmt.Errorf("event %d: %w", e.Seq, err)
		}
		if v.EventType == "page_view" {
			want[PageViewKey{e.EventTime.Truncate(time.Minute), v.Page}]++
		}
	}
	return want, nil
}

// PageViewsFromTable reads the final counts from a PageViews run's memory table: update
// mode appends every change, and counts only grow, so the largest count per window wins.
func PageViewsFromTable(ctx context.Context, s *connect.Session, table string) (map[PageViewKey]int64, error) {
	rows, err := s.Table(table).
		GroupBy(connect.Col("window_start"), connect.Col("page")).
		Agg(F.Max(connect.Col("views"))).Rows(ctx)
	if err != nil {
		return nil, err
	}
	got := make(map[PageViewKey]int64, len(rows))
	for _, r := range rows {
		start, ok1 := r.Value(0).(time.Time)
		page, ok2 := r.Value(1).(string)
		views, ok3 := r.Value(2).(int64)
		if !ok1 || !ok2 || !ok3 {
			return nil, fmt.Errorf("pageviews table %s: unexpected row %v", table, r)
		}
		got[PageViewKey{start, page}] = views
	}
	return got, nil
}
