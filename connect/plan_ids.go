package connect

import (
	"crypto/rand"
	"encoding/binary"
)

// Plan ids and sessions that others may use.
//
// Every relation a Session builds carries a plan id, counted from 0. The server caches
// analyzed plans per session keyed by the whole relation, plan ids included (Spark
// Connect's plan cache, spark.connect.session.planCache.*). Two clients of one server
// session that count from 0 build equal relations for equal calls, and for a relation that
// the server evaluates while analyzing it (ShowString renders its table then) the second
// client gets the first one's answer: a Show of a streaming job's memory table kept printing
// the table as it was at the first call, empty. A Session that joins an existing session
// (WithSessionID) therefore counts its plan ids from a random point instead, so that its
// relations differ from those of every other client of that session. A new session counts
// from 0, which keeps plans reproducible (the golden plans of the tests).

// joinedPlanIDBase returns the first plan id of a Session that joined an existing session:
// random, below 2^62 so that counting on cannot overflow.
func joinedPlanIDBase() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return int64(binary.BigEndian.Uint64(b[:]) >> 2)
}
