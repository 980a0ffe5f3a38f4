package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
	"github.com/sparkwire/sparkwire/producers"
)

// PageViewKey identifies one result row of the pageviews job (jobs.PageViews).
type PageViewKey struct {
	WindowStart time.Time
	Page        string
}

// ExpectedPageViews computes the final result of the pageviews job from the events it
// read, for input in which no event arrives behind the watermark (lateness under 2
// minutes, or all input in one micro-batch): every well-formed page_view counts in its
// minute. It is the ground truth the demo and the end-to-end tests check the job against.
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

// PageViewsFromTable reads the final counts from a pageviews run's memory table: update
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
