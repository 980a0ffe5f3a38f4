package connecttest

// SetQueryProgress sets the progress reports (Spark's StreamingQueryProgress JSON, oldest first)
// that StreamingQuery.RecentProgress returns for the query with the given id, and the last
// of which LastProgress returns. By default a query has none. Listener events are separate:
// send them with PublishProgress.
func (s *Server) SetQueryProgress(queryID string, progressJSON ...string) {
	s.fake.SetQueryProgress(queryID, progressJSON...)
}
