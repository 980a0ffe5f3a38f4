// Package fakeserver is an in-memory Spark Connect server for the client's unit tests: no
// JVM, no Docker, no network. It serves sparkpb.SparkConnectServiceServer over a bufconn
// listener, answers the way a Spark 4.1 server does closely enough for a client's tests,
// records every request, and lets a test script replies and inject faults.
//
// A Server is safe for concurrent use. Close it when done (t.Cleanup(s.Close)); Close ends
// every stream and operation and waits for them.
package fakeserver

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// SparkVersion is the version the server reports.
const SparkVersion = "4.1.2"

// bufSize is the buffer of the in-memory listener, per direction and connection.
const bufSize = 1 << 20

// ErrUseDefault, returned by a hook, makes the server handle the call as it would without
// the hook. An execute hook must return it before it sends a response.
var ErrUseDefault = errors.New("fakeserver: use the default handling")

// Server is an in-memory Spark Connect server. Create it with New.
type Server struct {
	sparkpb.UnimplementedSparkConnectServiceServer

	lis    *bufconn.Listener
	gs     *grpc.Server
	ctx    context.Context // ends at Close; every operation's context derives from it
	cancel context.CancelFunc
	ops    sync.WaitGroup // running operation goroutines
	served chan struct{}

	mu            sync.Mutex
	closed        bool
	serverSideID  string
	requests      []proto.Message
	operations    map[opKey]*Operation
	buses         map[*bus]struct{}
	conf          map[string]map[string]string // session id -> key -> value
	queries       map[string]*query            // streaming queries by id
	queryOrder    []string
	errorDetails  map[string]*sparkpb.FetchErrorDetailsResponse
	result        func(*sparkpb.Plan) ([]arrow.RecordBatch, error)
	cuts          []cut
	failures      []error
	catalog       *catalogState                                    // made at first use; see catalog.go
	progress      []*sparkpb.ExecutePlanResponse_ExecutionProgress // see SetProgress
	hold          chan struct{}                                    // see HoldQueries
	art           *artifactState                                   // created on first use (artifacts.go)
	observed      func(*sparkpb.Plan) []*sparkpb.ExecutePlanResponse_ObservedMetrics
	queryProgress map[string][]string // streaming progress reports by query id; see SetQueryProgress
	unavailable   bool

	onExecute        func(context.Context, *sparkpb.ExecutePlanRequest, *Operation) error
	onAnalyze        func(context.Context, *sparkpb.AnalyzePlanRequest) (*sparkpb.AnalyzePlanResponse, error)
	onConfig         func(context.Context, *sparkpb.ConfigRequest) (*sparkpb.ConfigResponse, error)
	onReleaseExecute func(context.Context, *sparkpb.ReleaseExecuteRequest) (*sparkpb.ReleaseExecuteResponse, error)
	onInterrupt      func(context.Context, *sparkpb.InterruptRequest) (*sparkpb.InterruptResponse, error)
	onFetchError     func(context.Context, *sparkpb.FetchErrorDetailsRequest) (*sparkpb.FetchErrorDetailsResponse, error)
	onReleaseSession func(context.Context, *sparkpb.ReleaseSessionRequest) (*sparkpb.ReleaseSessionResponse, error)
	onReattach       func(context.Context, *sparkpb.ReattachExecuteRequest, func(*sparkpb.ExecutePlanResponse) error) error
	onCloneSession   func(context.Context, *sparkpb.CloneSessionRequest) (*sparkpb.CloneSessionResponse, error)
}

type opKey struct{ session, op string }

// cut is a scripted end of a response stream.
type cut struct {
	after int
	err   error
}

// query is a streaming query started through write_stream_operation_start.
type query struct {
	id, runID, name string
	active          bool
	// exceptionClass and exception are the error that ended a failed query (FailQuery).
	exceptionClass, exception string
}

var _ sparkpb.SparkConnectServiceServer = (*Server)(nil)

// New starts a server on an in-memory listener. Reach it with DialOptions; Close it when
// done.
func New() *Server {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		lis:          bufconn.Listen(bufSize),
		ctx:          ctx,
		cancel:       cancel,
		served:       make(chan struct{}),
		serverSideID: newUUID(),
		operations:   map[opKey]*Operation{},
		buses:        map[*bus]struct{}{},
		conf:         map[string]map[string]string{},
		queries:      map[string]*query{},
		errorDetails: map[string]*sparkpb.FetchErrorDetailsResponse{},
	}
	s.gs = grpc.NewServer(grpc.WaitForHandlers(true))
	sparkpb.RegisterSparkConnectServiceServer(s.gs, s)
	go func() {
		defer close(s.served)
		_ = s.gs.Serve(s.lis) // returns at Stop
	}()
	return s
}

// Close stops the server: it ends every stream and operation, waits for their goroutines,
// and closes the listener. Safe to call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.gs.Stop()
	<-s.served
	s.ops.Wait()
}

// URL returns a connection string for the server, "sc://localhost:15002". Any host works
// with DialOptions, which ignore it; a loopback name keeps the sparkwire client in
// plaintext when a test sets a token.
func (s *Server) URL() string { return "sc://localhost:15002" }

// DialOptions returns the options that route a gRPC client to the server's in-memory
// listener, whatever the target: a resolver for the "dns" scheme (the default) that
// resolves every name without a lookup, and a dialer to the listener. They carry no
// transport credentials; add insecure ones (the sparkwire client does so itself).
func (s *Server) DialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithResolvers(anyName{}),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return s.lis.DialContext(ctx)
		}),
	}
}

// anyName resolves every target of the "dns" scheme to one placeholder address, which the
// dialer of DialOptions ignores: no name is looked up.
type anyName struct{}

func (anyName) Build(_ resolver.Target, cc resolver.ClientConn, _ resolver.BuildOptions) (resolver.Resolver, error) {
	if err := cc.UpdateState(resolver.State{Addresses: []resolver.Address{{Addr: "bufconn"}}}); err != nil {
		return nil, err
	}
	return anyName{}, nil
}

func (anyName) Scheme() string                        { return "dns" }
func (anyName) ResolveNow(resolver.ResolveNowOptions) {}
func (anyName) Close()                                {}

// ServerSideSessionID returns the id the server sends as server_side_session_id.
func (s *Server) ServerSideSessionID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serverSideID
}

// RestartSession simulates a server restart: the server-side session id changes, and the
// configuration and streaming queries of every session are forgotten. Requests that carry
// the old id as client_observed_server_side_session_id then fail with
// INVALID_HANDLE.SESSION_CHANGED, as on Spark. Running operations are not affected.
func (s *Server) RestartSession() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.serverSideID = newUUID()
	s.conf = map[string]map[string]string{}
	s.queries = map[string]*query{}
	s.queryOrder = nil
}

// SetUnavailable makes every call fail with codes.Unavailable, as a server that is down or
// restarting does (on), or answer again (off). Calls are still recorded.
func (s *Server) SetUnavailable(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unavailable = on
}

// FailQuery ends the active streaming query with the given id as failed, with an error of
// the given class and message (class may be empty); it reports whether the server knew the
// query.
func (s *Server) FailQuery(id, errorClass, message string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queries[id]
	if q == nil {
		return false
	}
	q.active, q.exceptionClass, q.exception = false, errorClass, message
	return true
}

// SetResult sets what a query (a root plan) returns, for ExecutePlan and for the schema of
// AnalyzePlan. The server releases the batches the function returns once it has encoded
// them, so a function that hands out batches it keeps must Retain them for each call.
// nil restores the default, an empty result with no columns.
func (s *Server) SetResult(f func(plan *sparkpb.Plan) ([]arrow.RecordBatch, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.result = f
}

// CutStreams makes the next n ExecutePlan or ReattachExecute response streams end after
// afterResponses responses with err. With a nil err the stream ends cleanly without
// ResultComplete, which makes a client reattach; a status error with codes.Unavailable
// looks like a transport failure. The operation itself goes on, so a reattach continues it.
func (s *Server) CutStreams(n, afterResponses int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.cuts = append(s.cuts, cut{after: afterResponses, err: err})
	}
}

// FailNext makes the next ExecutePlan or AnalyzePlan request, whichever comes first, fail
// with err (see SparkError). Several calls queue their errors.
func (s *Server) FailNext(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, err)
}

// RegisterErrorDetails sets the answer of FetchErrorDetails for an error id.
func (s *Server) RegisterErrorDetails(errorID string, resp *sparkpb.FetchErrorDetailsResponse) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errorDetails[errorID] = proto.Clone(resp).(*sparkpb.FetchErrorDetailsResponse)
}

func (s *Server) takeCut() *cut {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cuts) == 0 {
		return nil
	}
	c := s.cuts[0]
	s.cuts = s.cuts[1:]
	return &c
}

func (s *Server) takeFailure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) == 0 {
		return nil
	}
	err := s.failures[0]
	s.failures = s.failures[1:]
	return err
}

// record keeps a copy of a request and checks the session it names.
func (s *Server) record(req proto.Message, observed *string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, proto.Clone(req))
	if s.unavailable {
		return status.Error(codes.Unavailable, "fakeserver: the server is unavailable")
	}
	if observed != nil && *observed != s.serverSideID {
		return SparkError(internalCode, "INVALID_HANDLE.SESSION_CHANGED", "HY000",
			fmt.Sprintf("The existing Spark server driver instance has restarted. Please reconnect. (server-side session %s, client observed %s)", s.serverSideID, *observed), "")
	}
	return nil
}

// Requests returns every request received, in arrival order (copies).
func (s *Server) Requests() []proto.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]proto.Message, len(s.requests))
	for i, r := range s.requests {
		out[i] = proto.Clone(r)
	}
	return out
}

func requestsOf[T proto.Message](s *Server) []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []T
	for _, r := range s.requests {
		if t, ok := r.(T); ok {
			out = append(out, proto.Clone(t).(T))
		}
	}
	return out
}

// ExecuteRequests returns the ExecutePlan requests received, in arrival order (copies).
func (s *Server) ExecuteRequests() []*sparkpb.ExecutePlanRequest {
	return requestsOf[*sparkpb.ExecutePlanRequest](s)
}

// ReattachRequests returns the ReattachExecute requests received, in arrival order (copies).
func (s *Server) ReattachRequests() []*sparkpb.ReattachExecuteRequest {
	return requestsOf[*sparkpb.ReattachExecuteRequest](s)
}

// ReleaseExecuteRequests returns the ReleaseExecute requests received, in arrival order
// (copies).
func (s *Server) ReleaseExecuteRequests() []*sparkpb.ReleaseExecuteRequest {
	return requestsOf[*sparkpb.ReleaseExecuteRequest](s)
}

// InterruptRequests returns the Interrupt requests received, in arrival order (copies).
func (s *Server) InterruptRequests() []*sparkpb.InterruptRequest {
	return requestsOf[*sparkpb.InterruptRequest](s)
}

// AnalyzeRequests returns the AnalyzePlan requests received, in arrival order (copies).
func (s *Server) AnalyzeRequests() []*sparkpb.AnalyzePlanRequest {
	return requestsOf[*sparkpb.AnalyzePlanRequest](s)
}

// ConfigRequests returns the Config requests received, in arrival order (copies).
func (s *Server) ConfigRequests() []*sparkpb.ConfigRequest {
	return requestsOf[*sparkpb.ConfigRequest](s)
}

// FetchErrorDetailsRequests returns the FetchErrorDetails requests received, in arrival
// order (copies).
func (s *Server) FetchErrorDetailsRequests() []*sparkpb.FetchErrorDetailsRequest {
	return requestsOf[*sparkpb.FetchErrorDetailsRequest](s)
}

// ReleaseSessionRequests returns the ReleaseSession requests received, in arrival order
// (copies).
func (s *Server) ReleaseSessionRequests() []*sparkpb.ReleaseSessionRequest {
	return requestsOf[*sparkpb.ReleaseSessionRequest](s)
}

// Plans returns the plans of the ExecutePlan requests received (not reattaches), in
// arrival order (copies). A request the client sent again appears again.
func (s *Server) Plans() []*sparkpb.Plan {
	reqs := s.ExecuteRequests()
	out := make([]*sparkpb.Plan, len(reqs))
	for i, r := range reqs {
		out[i] = r.GetPlan()
	}
	return out
}

// Hooks replace the default handling of one RPC; a hook returns ErrUseDefault to fall
// back to it for one call. The server records the request before it calls the hook. A
// hook runs without the server's lock, so it may call the server's methods; it must
// return once its ctx ends, or Close waits for it.

// OnExecute replaces the default handling of ExecutePlan; nil restores it. The hook runs
// as the operation, in a goroutine of its own that outlives the request's stream: it sends
// responses with op.Send (which buffers them for ReattachExecute) and ends with
// op.Complete, or returns an error that the client receives after the responses sent. A
// hook that returns nil without completing gets ResultComplete sent for it. ctx ends when
// the operation is interrupted or released (release_all, ReleaseSession), when the stream
// of an operation that is not reattachable ends, or when the server closes: a reattachable
// operation whose client went away without releasing it runs until Close, as Spark keeps
// it for a while for the client to reattach.
func (s *Server) OnExecute(f func(ctx context.Context, req *sparkpb.ExecutePlanRequest, op *Operation) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onExecute = f
}

// OnAnalyze replaces the default handling of AnalyzePlan; nil restores it. The server
// fills session_id and server_side_session_id of the response when they are empty.
func (s *Server) OnAnalyze(f func(ctx context.Context, req *sparkpb.AnalyzePlanRequest) (*sparkpb.AnalyzePlanResponse, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onAnalyze = f
}

// OnConfig replaces the default handling of Config; nil restores it.
func (s *Server) OnConfig(f func(ctx context.Context, req *sparkpb.ConfigRequest) (*sparkpb.ConfigResponse, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onConfig = f
}

// OnReleaseExecute replaces the default handling of ReleaseExecute; nil restores it.
func (s *Server) OnReleaseExecute(f func(ctx context.Context, req *sparkpb.ReleaseExecuteRequest) (*sparkpb.ReleaseExecuteResponse, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onReleaseExecute = f
}

// OnInterrupt replaces the default handling of Interrupt; nil restores it.
func (s *Server) OnInterrupt(f func(ctx context.Context, req *sparkpb.InterruptRequest) (*sparkpb.InterruptResponse, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onInterrupt = f
}

// OnFetchErrorDetails replaces the default handling of FetchErrorDetails; nil restores it.
func (s *Server) OnFetchErrorDetails(f func(ctx context.Context, req *sparkpb.FetchErrorDetailsRequest) (*sparkpb.FetchErrorDetailsResponse, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onFetchError = f
}

// OnReleaseSession replaces the default handling of ReleaseSession; nil restores it.
func (s *Server) OnReleaseSession(f func(ctx context.Context, req *sparkpb.ReleaseSessionRequest) (*sparkpb.ReleaseSessionResponse, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onReleaseSession = f
}

// OnReattach replaces the default handling of ReattachExecute; nil restores it. The hook
// sends responses on the stream with send, sent as given (no fields are filled in), and
// its error ends the stream.
func (s *Server) OnReattach(f func(ctx context.Context, req *sparkpb.ReattachExecuteRequest, send func(*sparkpb.ExecutePlanResponse) error) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onReattach = f
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
