package functions

import "github.com/sparkwire/sparkwire/connect"

// Window assigns each row to tumbling windows of the given duration ("1 minute") over the
// timestamp column; the result is a struct<start,end> column to group by.
func Window(timeCol connect.Column, duration string) connect.Column {
	return Call("window", timeCol, connect.Lit(duration))
}

// SlidingWindow assigns each row to the overlapping windows of the given duration that
// start every slide ("5 minutes", "1 minute").
func SlidingWindow(timeCol connect.Column, duration, slide string) connect.Column {
	return Call("window", timeCol, connect.Lit(duration), connect.Lit(slide))
}

// WindowWithOffset is a sliding window whose starts are shifted by startTime
// ("1 hour", "1 hour", "15 minutes" gives hourly windows starting at :15).
func WindowWithOffset(timeCol connect.Column, duration, slide, startTime string) connect.Column {
	return Call("window", timeCol, connect.Lit(duration), connect.Lit(slide), connect.Lit(startTime))
}

// SessionWindow groups rows into sessions that close after gap ("30 seconds") without
// events; gap may also be a column for dynamic gaps (use SessionWindowDynamic).
func SessionWindow(timeCol connect.Column, gap string) connect.Column {
	return Call("session_window", timeCol, connect.Lit(gap))
}

// SessionWindowDynamic is a session window whose gap is computed per row.
func SessionWindowDynamic(timeCol, gap connect.Column) connect.Column {
	return Call("session_window", timeCol, gap)
}
