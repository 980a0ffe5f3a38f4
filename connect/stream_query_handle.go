package connect

// Query returns a handle on the streaming query of this session with the given id and run
// id (as StreamingQuery.ID and RunID gave them, possibly in another process), whether it is
// still active or not. It asks the server nothing. Unlike Get, the handle reaches a query
// that has terminated: Spark Connect keeps a terminated query for a while (an hour after
// its last use), so Status, LastProgress and Exception say how it ended; after that, or on
// another session, the server answers its commands with an error. The handle has no name.
func (m *StreamingQueryManager) Query(id, runID string) *StreamingQuery {
	if m == nil {
		return &StreamingQuery{id: id, runID: runID}
	}
	return &StreamingQuery{s: m.s, id: id, runID: runID}
}
