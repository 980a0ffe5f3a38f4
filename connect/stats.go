package connect

// SessionStats counts how often a session recovered from a fault since [Dial]: a summary
// for logs and monitoring, and for tests that must know a fault was really met. The counts
// only grow.
type SessionStats struct {
	// Retries counts calls tried again after a transient failure (a connection refused,
	// reset or timed out by keepalive, a server unavailable), one per try, whatever the call:
	// plan execution, reattachment, analysis, configuration, release, interrupt.
	Retries int64
	// Reattaches counts the times a result stream was resumed where it broke off
	// (ReattachExecute), after a failure or after the server ended a long stream on purpose
	// (spark.connect.execute.reattachable.senderMaxStreamDuration, 2 minutes by default).
	Reattaches int64
	// Probes counts the server's answers to the probes that keep a connection with silent
	// calls from needing keepalive pings (see [Keepalive]).
	Probes int64
}

// Stats returns the session's counts so far. It is safe to call at any time, concurrently
// with anything; a nil or zero Session has zero counts.
func (s *Session) Stats() SessionStats {
	if s == nil || s.wire == nil {
		return SessionStats{}
	}
	st := s.wire.Stats()
	return SessionStats{Retries: st.Retries, Reattaches: st.Reattaches, Probes: st.Probes}
}

// Reattaches returns how many times the reader's result stream was resumed where it broke
// off (see [SessionStats.Reattaches]) so far.
func (r *RecordReader) Reattaches() int {
	if r == nil || r.exec == nil {
		return 0
	}
	return r.exec.Reattaches()
}
