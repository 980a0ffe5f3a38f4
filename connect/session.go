package connect

import (
	"context"
	"crypto/tls"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/internal/wire"
)

// Version is sparkwire's client version, sent in the client type of every request.
const Version = "0.1.0"

// Session is a connection to a Spark Connect server and one Spark session on it.
// It is safe for concurrent use. Close it to release the server-side session.
type Session struct {
	cfg     *config
	conn    *grpc.ClientConn
	wire    *wire.Client
	id      string
	mem     memory.Allocator
	planIDs atomic.Int64
	version string
	bus     *listenerBus
	closed  atomic.Bool
	tags    tagSet     // operation tags, see AddTag
	local   localCache // large local relations sent as cached artifacts (local_cache.go)
	// observed holds the Observations of DataFrames built on this session.
	observed observations
	// subqueries holds the relations that live subquery Columns refer to (subquery.go).
	subqueries subqueryRefs
}

// ErrSessionChanged is wrapped by the error of a call that found a different server-side
// session than the calls before it: the server restarted (or the session expired there) and
// the session's state (temporary views, streaming queries, settings) is gone. Dial a new
// session; streaming queries restart from their checkpoints.
var ErrSessionChanged = wire.ErrSessionChanged

// Dial connects to the Spark Connect server named by a connection string
// ("sc://host:15002/;token=..."), and checks that it answers, within ctx's deadline.
// Options override settings of the connection string.
func Dial(ctx context.Context, url string, opts ...Option) (*Session, error) {
	cs, err := ParseConnectionString(url)
	if err != nil {
		return nil, err
	}
	cfg := newConfig(cs, opts)
	joined := cfg.conn.SessionID != ""
	if !joined {
		cfg.conn.SessionID = newUUID()
	} else if !isUUID(cfg.conn.SessionID) {
		return nil, fmt.Errorf("%w: session id %q is not a UUID", ErrConnectionString, cfg.conn.SessionID)
	}
	s, err := dial(ctx, cfg)
	if err == nil && joined {
		s.planIDs.Store(joinedPlanIDBase()) // see plan_ids.go
	}
	return s, err
}

// dial opens a connection and a session with a complete configuration.
func dial(ctx context.Context, cfg *config) (*Session, error) {
	unaryLimit, streamLimit := sizeLimit(cfg.conn.MaxMessageSize)
	dialOpts := []grpc.DialOption{
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(cfg.conn.MaxMessageSize), grpc.MaxCallSendMsgSize(cfg.conn.MaxMessageSize)),
		grpc.WithChainUnaryInterceptor(unaryLimit),
		grpc.WithChainStreamInterceptor(streamLimit),
	}
	secretHeaders, plainHeaders := cfg.conn.splitHeaders()
	hasSecrets := cfg.conn.Token != "" || len(secretHeaders) > 0
	useTLS := cfg.conn.UseSSL || (hasSecrets && !cfg.conn.isLoopback())
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
	if ka := cfg.keepalive.dialOption(); ka != nil {
		dialOpts = append(dialOpts, ka)
	}
	if len(secretHeaders) > 0 {
		dialOpts = append(dialOpts, grpc.WithPerRPCCredentials(headerCredentials{headers: secretHeaders, secure: useTLS}))
	}
	dialOpts = append(dialOpts, cfg.dialOptions...)
	conn, err := grpc.NewClient(cfg.conn.Address(), dialOpts...)
	if err != nil {
		if useTLS && hasSecrets && strings.Contains(err.Error(), "transport level security") {
			return nil, fmt.Errorf("dial %s: refusing to send %s without TLS to a host that is not a loopback address (a dial option turned transport security off): %w",
				cfg.conn.Address(), cfg.conn.credentialNames(), err)
		}
		return nil, fmt.Errorf("dial %s: %w", cfg.conn.Address(), err)
	}
	clientType := fmt.Sprintf("sparkwire/%s go/%s os/%s", Version, runtime.Version(), runtime.GOOS)
	if cfg.conn.UserAgent != "" {
		clientType = cfg.conn.UserAgent + " " + clientType
	}
	s := &Session{
		cfg:  cfg,
		conn: conn,
		id:   cfg.conn.SessionID,
		mem:  cfg.mem,
	}
	s.wire = wire.New(conn, wire.Config{
		SessionID:  cfg.conn.SessionID,
		UserID:     cfg.conn.UserID,
		ClientType: clientType,
		Headers:    plainHeaders,
		Retry:      wire.RetryPolicy(cfg.retry),
		Probe:      cfg.keepalive.probe(),
		Convert:    s.convert,
	})
	s.bus = newListenerBus(s)
	v, err := s.fetchVersion(ctx)
	if err != nil {
		_ = s.wire.Close(ctx, false)
		conn.Close()
		return nil, fmt.Errorf("connect to %s: %w", cfg.conn.Address(), err)
	}
	s.version = v
	return s, nil
}

// ID returns the session id ("" for a nil Session).
func (s *Session) ID() string {
	if s == nil {
		return ""
	}
	return s.id
}

// Version returns the Spark version of the server, e.g. "4.1.2" ("" for a nil Session).
func (s *Session) Version() string {
	if s == nil {
		return ""
	}
	return s.version
}

// Close releases the session on the server and closes the connection. Queries started by
// the session stop on the server when it releases the session. Close first waits, within
// ctx, for the background release of finished operations; ctx bounds the whole call. Close
// is safe to call twice.
func (s *Session) Close(ctx context.Context) error {
	if s == nil || s.wire == nil {
		return ErrClosed
	}
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	s.bus.close()
	err := s.wire.Close(ctx, true)
	cerr := s.conn.Close()
	if err != nil {
		return err
	}
	return cerr
}

// Detach closes the connection but leaves the session, and the streaming queries it started,
// running on the server, where the server's idle timeout ends it
// (spark.connect.session.manager.defaultSessionTimeout). Dial again with WithSessionID (or
// session_id in the connection string) to reach it: its queries and memory tables are there.
func (s *Session) Detach() error {
	if s == nil || s.wire == nil {
		return ErrClosed
	}
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	s.bus.close()
	ctx, cancel := context.WithTimeout(context.Background(), wire.DefaultCleanupTimeout)
	defer cancel()
	_ = s.wire.Close(ctx, false)
	return s.conn.Close()
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

// usable reports ErrClosed for a nil or zero Session, which has no connection.
func (s *Session) usable() error {
	if s == nil || s.wire == nil {
		return ErrClosed
	}
	return nil
}

func (s *Session) analyze(ctx context.Context, req *sparkpb.AnalyzePlanRequest) (*sparkpb.AnalyzePlanResponse, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	req, err := cacheLocalRelations(ctx, s, req)
	if err != nil {
		return nil, err
	}
	if req, err = resolveNumericColumns(ctx, s, req); err != nil {
		return nil, err
	}
	return s.wire.Analyze(ctx, req)
}

func (s *Session) config(ctx context.Context, op *sparkpb.ConfigRequest_Operation) (*sparkpb.ConfigResponse, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	return s.wire.Config(ctx, op)
}

func (s *Session) execute(ctx context.Context, plan *sparkpb.Plan, tags ...string) (*wire.Execution, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	plan, err := cacheLocalRelations(ctx, s, plan)
	if err != nil {
		return nil, err
	}
	if plan, err = resolveNumericColumns(ctx, s, plan); err != nil {
		return nil, err
	}
	return s.startOperation(ctx, plan, tags)
}

// executeCommand runs a command to completion and returns its non-data responses.
func (s *Session) executeCommand(ctx context.Context, cmd *sparkpb.Command) ([]*sparkpb.ExecutePlanResponse, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	resolved, err := cacheLocalRelations(ctx, s, cmd)
	if err != nil {
		return nil, err
	}
	if resolved, err = resolveNumericColumns(ctx, s, resolved); err != nil {
		return nil, err
	}
	resps, err := s.runCommand(ctx, resolved)
	s.observedCommand(cmd, resps, err)
	return resps, err
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
	if err == nil || err.ErrorID == "" {
		return err, nil
	}
	if uerr := s.usable(); uerr != nil {
		return nil, uerr
	}
	resp, rerr := s.wire.FetchErrorDetails(ctx, err.ErrorID)
	if rerr != nil {
		return nil, rerr
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
func newUUID() string { return wire.NewUUID() }
