package connect

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// Version is sparkwire's client version, sent in the client type of every request.
const Version = "0.1.0"

// Session is a connection to a Spark Connect server and one Spark session on it.
// It is safe for concurrent use. Close it to release the server-side session.
type Session struct {
	cfg        *config
	conn       *grpc.ClientConn
	rpc        sparkpb.SparkConnectServiceClient
	id         string
	clientType string
	user       *sparkpb.UserContext
	mem        memory.Allocator
	planIDs    atomic.Int64
	version    string
	bus        *listenerBus

	mu           sync.Mutex
	serverSideID string
	closed       bool
}

// Dial connects to the Spark Connect server named by a connection string
// ("sc://host:15002/;token=..."), and checks that it answers, within ctx's deadline.
// Options override settings of the connection string.
func Dial(ctx context.Context, url string, opts ...Option) (*Session, error) {
	cs, err := ParseConnectionString(url)
	if err != nil {
		return nil, err
	}
	cfg := newConfig(cs, opts)
	if cfg.conn.SessionID == "" {
		cfg.conn.SessionID = newUUID()
	} else if !isUUID(cfg.conn.SessionID) {
		return nil, fmt.Errorf("%w: session id %q is not a UUID", ErrConnectionString, cfg.conn.SessionID)
	}
	dialOpts := []grpc.DialOption{
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(cfg.conn.MaxMessageSize)),
	}
	useTLS := cfg.conn.UseSSL || (cfg.conn.Token != "" && !cfg.conn.isLoopback())
	if useTLS {
		tc := cfg.tlsConfig
		if tc == nil {
			tc = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		dialOpts = append(dialOpts, grpc.WithTransportCredentials(credentials.NewTLS(tc)))
	} else {
		dialOpts = append(dialOpts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	if cfg.conn.Token != "" {
		dialOpts = append(dialOpts, grpc.WithPerRPCCredentials(bearer{token: cfg.conn.Token, secure: useTLS}))
	}
	dialOpts = append(dialOpts, cfg.dialOptions...)
	conn, err := grpc.NewClient(cfg.conn.Address(), dialOpts...)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", cfg.conn.Address(), err)
	}
	clientType := fmt.Sprintf("sparkwire/%s go/%s os/%s", Version, runtime.Version(), runtime.GOOS)
	if cfg.conn.UserAgent != "" {
		clientType = cfg.conn.UserAgent + " " + clientType
	}
	s := &Session{
		cfg:        cfg,
		conn:       conn,
		rpc:        sparkpb.NewSparkConnectServiceClient(conn),
		id:         cfg.conn.SessionID,
		clientType: clientType,
		user:       &sparkpb.UserContext{UserId: cfg.conn.UserID, UserName: cfg.conn.UserID},
		mem:        cfg.mem,
	}
	s.bus = &listenerBus{s: s, subs: map[*Subscription]struct{}{}}
	v, err := s.fetchVersion(ctx)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("connect to %s: %w", cfg.conn.Address(), err)
	}
	s.version = v
	return s, nil
}

// ID returns the session id.
func (s *Session) ID() string { return s.id }

// Version returns the Spark version of the server, e.g. "4.1.2".
func (s *Session) Version() string { return s.version }

// Close releases the session on the server and closes the connection. Queries started by
// the session stop on the server when it releases the session. Close is safe to call twice;
// the context bounds the release call.
func (s *Session) Close(ctx context.Context) error {
	if !s.markClosed() {
		return nil
	}
	_, err := s.rpc.ReleaseSession(s.outgoing(ctx), &sparkpb.ReleaseSessionRequest{
		SessionId: s.id, UserContext: s.user, ClientType: &s.clientType,
	})
	cerr := s.conn.Close()
	if err != nil {
		return fromRPC(ctx, "release session", err)
	}
	return cerr
}

// Detach closes the connection but leaves the session, and the streaming queries it started,
// running on the server, where the server's idle timeout ends it
// (spark.connect.session.manager.defaultSessionTimeout). Dial again with WithSessionID (or
// session_id in the connection string) to reach it: its queries and memory tables are there.
func (s *Session) Detach() error {
	if !s.markClosed() {
		return nil
	}
	return s.conn.Close()
}

// markClosed marks the session closed and ends its listener stream; it reports false if
// the session was closed already.
func (s *Session) markClosed() bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	s.closed = true
	s.mu.Unlock()
	s.bus.close()
	return true
}

func (s *Session) fetchVersion(ctx context.Context) (string, error) {
	resp, err := s.analyze(ctx, &sparkpb.AnalyzePlanRequest{
		Analyze: &sparkpb.AnalyzePlanRequest_SparkVersion_{SparkVersion: &sparkpb.AnalyzePlanRequest_SparkVersion{}},
	})
	if err != nil {
		return "", err
	}
	return resp.GetSparkVersion().GetVersion(), nil
}

// outgoing adds the connection string's extra headers to the call's metadata.
func (s *Session) outgoing(ctx context.Context) context.Context {
	if len(s.cfg.conn.Headers) == 0 {
		return ctx
	}
	kv := make([]string, 0, 2*len(s.cfg.conn.Headers))
	for k, v := range s.cfg.conn.Headers {
		kv = append(kv, k, v)
	}
	return metadata.AppendToOutgoingContext(ctx, kv...)
}

func (s *Session) checkOpen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	return nil
}

// observe records the server-side session id and checks it stays the same: a change means
// the server restarted and lost the session's state.
func (s *Session) observe(serverSideID string) error {
	if serverSideID == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.serverSideID == "" {
		s.serverSideID = serverSideID
		return nil
	}
	if s.serverSideID != serverSideID {
		return fmt.Errorf("spark connect: server-side session changed (%s, was %s): the server restarted and the session's state is gone", serverSideID, s.serverSideID)
	}
	return nil
}

func (s *Session) observedID() *string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.serverSideID == "" {
		return nil
	}
	id := s.serverSideID
	return &id
}

func (s *Session) analyze(ctx context.Context, req *sparkpb.AnalyzePlanRequest) (*sparkpb.AnalyzePlanResponse, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	req.SessionId, req.UserContext, req.ClientType = s.id, s.user, &s.clientType
	req.ClientObservedServerSideSessionId = s.observedID()
	resp, err := s.rpc.AnalyzePlan(s.outgoing(ctx), req)
	if err != nil {
		return nil, s.convert(ctx, "analyze", err)
	}
	if err := s.observe(resp.GetServerSideSessionId()); err != nil {
		return nil, err
	}
	return resp, nil
}

func (s *Session) config(ctx context.Context, op *sparkpb.ConfigRequest_Operation) (*sparkpb.ConfigResponse, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	resp, err := s.rpc.Config(s.outgoing(ctx), &sparkpb.ConfigRequest{
		SessionId: s.id, UserContext: s.user, ClientType: &s.clientType,
		ClientObservedServerSideSessionId: s.observedID(), Operation: op,
	})
	if err != nil {
		return nil, s.convert(ctx, "config", err)
	}
	if err := s.observe(resp.GetServerSideSessionId()); err != nil {
		return nil, err
	}
	return resp, nil
}

// convert turns a gRPC error into a sparkwire error and, with WithErrorStackTraces, fetches
// the server's details for it.
func (s *Session) convert(ctx context.Context, what string, err error) error {
	err = fromRPC(ctx, what, err)
	if se, ok := err.(*SparkError); ok && s.cfg.stackTraces && se.ErrorID != "" {
		if full, ferr := s.ErrorDetails(ctx, se); ferr == nil {
			return full
		}
	}
	return err
}

// ErrorDetails asks the server for the full details of an error it reported: the chain of
// causes and the server's stack traces (FetchErrorDetails). The server keeps them for a
// while after the error; the error must come from this session.
func (s *Session) ErrorDetails(ctx context.Context, err *SparkError) (*SparkError, error) {
	if err.ErrorID == "" {
		return err, nil
	}
	resp, rerr := s.rpc.FetchErrorDetails(s.outgoing(ctx), &sparkpb.FetchErrorDetailsRequest{
		SessionId: s.id, UserContext: s.user, ClientType: &s.clientType,
		ClientObservedServerSideSessionId: s.observedID(), ErrorId: err.ErrorID,
	})
	if rerr != nil {
		return nil, fromRPC(ctx, "fetch error details", rerr)
	}
	full := errorFromDetails(resp, err.Code)
	if full == nil {
		return err, nil
	}
	full.ErrorID = err.ErrorID
	if full.ErrorClass == "" {
		full.ErrorClass = err.ErrorClass
	}
	if full.SQLState == "" {
		full.SQLState = err.SQLState
	}
	return full, nil
}

func (s *Session) nextPlanID() int64 { return s.planIDs.Add(1) - 1 }

// bearer sends the token as "authorization: Bearer <token>".
type bearer struct {
	token  string
	secure bool
}

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.token}, nil
}

func (b bearer) RequireTransportSecurity() bool { return b.secure }

// NewSessionID returns a new random session id (a version 4 UUID), for callers that keep a
// session id to reach the same session from several processes (see Session.Detach).
func NewSessionID() string { return newUUID() }

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
