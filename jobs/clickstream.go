package jobs

import (
	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
	"github.com/sparkwire/sparkwire/events"
)

// PageViews counts page views per page in 1-minute tumbling windows of event time, with a
// 2-minute watermark, in update mode.
//
// Result columns: window_start, window_end (timestamps), page (string), views (bigint);
// the Kafka key is "window_start|page" (a window's later count replaces its earlier one).
func PageViews() *Job {
	return &Job{
		Name:           "pageviews",
		Description:    "Page views per page per 1-minute window (2-minute watermark, update mode).",
		Input:          events.Clickstream(),
		WatermarkDelay: DefaultWatermarkDelay,
		Mode:           connect.Update,
		Key:            "window_start,page",
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
