// Package connecttest runs an in-memory Spark Connect server for testing code built on
// sparkwire's connect package, with no JVM, Docker or network: the way franz-go's kfake
// stands in for Kafka.
//
// The server answers as a Spark 4.1 server does, closely enough for unit tests: every
// query returns the record batches given to SetResult, SQL statements are accepted
// (queries stay lazy), configuration is kept in memory, streaming queries start and stop,
// and listener events are published on demand. Session.Catalog calls are answered from a
// small in-memory catalog instead (one database, default; the tables made with
// Catalog.CreateTable; the temporary views; the cached tables; the builtin functions abs,
// lower and upper), and Session.CloneSession copies configuration and temporary views. It records the plans that sessions
// execute, so a test can compare them with golden files (see CheckGolden) instead of
// running them on Spark.
//
//	srv := connecttest.NewServer()
//	defer srv.Close()
//	s, err := srv.Dial(ctx)
//	...
//	connecttest.CheckGolden(t, "testdata/job.json", srv.Plans())
package connecttest

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"google.golang.org/grpc/codes"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// Server is an in-memory Spark Connect server. Create it with NewServer and Close it when
// done. It is safe for concurrent use.
type Server struct {
	fake *fakeserver.Server

	mu     sync.Mutex
	recs   []arrow.RecordBatch
	closed bool
	obs    observations
}

// NewServer starts a server.
func NewServer() *Server {
	s := &Server{fake: fakeserver.New()}
	s.fake.SetResult(s.result)
	return s
}

// Close stops the server, ending every session's calls, and releases the batches given to
// SetResult. Safe to call more than once.
func (s *Server) Close() {
	s.fake.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, r := range s.recs {
		r.Release()
	}
	s.recs = nil
}

// URL returns a connection string for the server. Only Dial reaches the server: the
// address in the URL is a placeholder.
func (s *Server) URL() string { return s.fake.URL() }

// Dial opens a session on the server, as connect.Dial does on a real one. Options apply
// after the server's own (which route the connection to it).
func (s *Server) Dial(ctx context.Context, opts ...connect.Option) (*connect.Session, error) {
	return connect.Dial(ctx, s.URL(), append(s.Options(), opts...)...)
}

// Options returns the options that route a session to the server, for code that calls
// connect.Dial itself with a URL of its own: connect.Dial(ctx, url, srv.Options()...)
// reaches the server whatever host and port the URL names, and the URL's other parameters
// (session id, user id, token) apply as usual. A token with a host other than localhost
// turns TLS on, which the server does not speak.
func (s *Server) Options() []connect.Option {
	return []connect.Option{connect.WithDialOptions(s.fake.DialOptions()...)}
}

// SetResult sets what every query returns from now on: the batches, in order, which must
// share one schema; with none, an empty result with no columns. The server evaluates
// nothing: DataFrame.Count, for one, gets these batches too and wants one bigint row. The server retains the
// batches (the caller keeps its own references) and releases them when they are replaced
// or the server closes. The first batch's schema is also what DataFrame.Schema returns.
func (s *Server) SetResult(recs ...arrow.RecordBatch) {
	for _, r := range recs {
		r.Retain()
	}
	s.mu.Lock()
	old := s.recs
	s.recs = recs
	if s.closed {
		old, s.recs = append(old, recs...), nil
	}
	s.mu.Unlock()
	for _, r := range old {
		r.Release()
	}
}

// result hands the current batches to the fake server, which releases them.
func (s *Server) result(*sparkpb.Plan) ([]arrow.RecordBatch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]arrow.RecordBatch, len(s.recs))
	for i, r := range s.recs {
		r.Retain()
		out[i] = r
	}
	return out, nil
}

// Plans returns the plans that sessions executed, queries and commands, in the order they
// arrived. A plan that a client sent again (after a lost connection) appears again.
func (s *Server) Plans() []Plan {
	ps := s.fake.Plans()
	out := make([]Plan, len(ps))
	for i, p := range ps {
		out[i] = Plan{p: p}
	}
	return out
}

// FailNext makes the next query or analysis (ExecutePlan or AnalyzePlan), whichever comes
// first, fail with a Spark error: the session's call returns a *connect.SparkError with
// that error class, SQL state and message. Session.ErrorDetails finds its details. Several
// calls queue their errors. Dial itself analyzes (it asks for the Spark version), so a
// failure queued before Dial fails Dial.
func (s *Server) FailNext(errorClass, sqlState, message string) {
	id := connect.NewSessionID() // any UUID
	s.fake.RegisterErrorDetails(id, fakeserver.ErrorDetails(errorClass, sqlState, message))
	s.fake.FailNext(fakeserver.SparkError(codes.Internal, errorClass, sqlState, message, id))
}

// PublishProgress sends a query progress event to the listener of every session that
// subscribed to streaming query events (StreamingQueryManager.Subscribe). progressJSON is
// one progress report as Spark writes it (StreamingQueryProgress.json: "id", "runId",
// "batchId", "numInputRows", ...); the event wraps it as {"progress": ...}, as Spark does.
func (s *Server) PublishProgress(progressJSON string) {
	ev, _ := json.Marshal(map[string]json.RawMessage{"progress": json.RawMessage(progressJSON)})
	if ev == nil { // not JSON: passed on as is, as a broken server would
		ev = []byte(progressJSON)
	}
	s.fake.PublishEvent(sparkpb.StreamingQueryEventType_QUERY_PROGRESS_EVENT, string(ev))
}

// PublishTerminated sends a query terminated event to the listener of every session that
// subscribed to streaming query events, as Spark does when a query stops (exception empty)
// or fails (exception the error, errorClass its class, if any). Stopping a query on this
// server sends no event by itself.
func (s *Server) PublishTerminated(queryID, runID, exception, errorClass string) {
	ev := map[string]any{"id": queryID, "runId": runID, "exception": nil, "errorClassOnException": nil}
	if exception != "" {
		ev["exception"] = exception
	}
	if errorClass != "" {
		ev["errorClassOnException"] = errorClass
	}
	js, _ := json.Marshal(ev) // cannot fail: strings only
	s.fake.PublishEvent(sparkpb.StreamingQueryEventType_QUERY_TERMINATED_EVENT, string(js))
}

// ActiveQueries returns the ids of the streaming queries that sessions started and did not
// stop, in start order: a test of a streaming job checks with it that the job stops what it
// starts.
func (s *Server) ActiveQueries() []string { return s.fake.ActiveQueries() }

// Restart simulates a restart of the server: every session's server-side state
// (configuration, streaming queries) is gone, and a session's next call fails with
// [connect.ErrSessionChanged], as on Spark after its driver restarted. A supervisor of
// streaming queries (package jobs) is tested with it.
func (s *Server) Restart() { s.fake.RestartSession() }

// SetUnavailable makes every call fail as a server that is down does (gRPC status
// Unavailable, which sessions retry within their retry policy), or answer again.
func (s *Server) SetUnavailable(on bool) { s.fake.SetUnavailable(on) }

// FailQuery ends the active streaming query with the given id as failed: its status says
// it is no longer active, and its Exception (and AwaitTermination) reports message with the
// error class (which may be empty). It reports whether the server knew the query.
func (s *Server) FailQuery(queryID, errorClass, message string) bool {
	return s.fake.FailQuery(queryID, errorClass, message)
}
