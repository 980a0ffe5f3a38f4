// Package wire holds the mechanics of the Spark Connect protocol behind package connect:
// the calls of one session with their common fields, retries of transient failures,
// reattachable plan execution with asynchronous release and interrupt, the server-side
// session check, and decoding of Arrow messages without copies. It knows nothing of
// DataFrames; errors are passed through Config.Convert so that connect decides what callers
// see.
package wire

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
)

// ErrSessionChanged reports that the server-side session id changed: the server restarted
// (or the session expired) and the session's state (temporary views, running queries,
// settings) is gone.
var ErrSessionChanged = errors.New("spark connect: server-side session changed: the server restarted and the session's state is gone")

// ErrClosed is returned by calls on a closed client.
var ErrClosed = errors.New("spark connect: session closed")

// DefaultCleanupTimeout bounds each background call that releases or interrupts an operation.
const DefaultCleanupTimeout = 5 * time.Second

// Config is what a Client needs besides the connection.
type Config struct {
	SessionID  string
	UserID     string
	ClientType string
	// Headers are sent as gRPC metadata with every call.
	Headers map[string]string
	Retry   RetryPolicy
	// CleanupTimeout bounds each background release or interrupt (default 5 s).
	CleanupTimeout time.Duration
	// Convert turns the error of a call (op names it) into the error callers see. Nil keeps
	// errors as they are.
	Convert func(ctx context.Context, op string, err error) error
	// Probe, if positive, makes the client ask the server for its version (a cheap
	// AnalyzePlan) whenever calls are in flight and nothing came from the server for Probe.
	// The answer keeps a connection whose calls are silent (a listener-bus stream waiting
	// for events) from needing keepalive pings: grpc-java servers send away clients that
	// ping more often than their permitKeepAliveTime (5 minutes by default) unless the server
	// wrote something in between. Probes that fail are ignored; keepalive deals with a dead
	// connection.
	Probe time.Duration
}

// Client makes the calls of one Spark session over a gRPC connection. It is safe for
// concurrent use.
type Client struct {
	rpc  sparkpb.SparkConnectServiceClient
	cfg  Config
	user *sparkpb.UserContext

	// bg is the context of background cleanup calls; Close ends it.
	bg       context.Context
	bgCancel context.CancelFunc
	cleanups sync.WaitGroup

	mu           sync.Mutex
	serverSideID string
	closed       bool

	stats clientStats
	// inFlight counts the calls in flight (open executions included); lastHeard is when the
	// server last sent something (Unix nanoseconds), for the probe.
	inFlight  atomic.Int64
	lastHeard atomic.Int64
	// execs holds the open operations by id, for Abort.
	execs sync.Map
	// msgs recycles the buffers of large result responses (see executeCodec).
	msgs msgPool
	// quietStream is how long a result stream must have been open for its empty end to
	// count as a quiet operation's rather than a server's that makes no progress.
	quietStream time.Duration
}

// clientStats counts the recoveries of a client's calls.
type clientStats struct {
	retries    atomic.Int64
	reattaches atomic.Int64
	probes     atomic.Int64
}

// Stats are counts of a client's recoveries since it was made.
type Stats struct {
	// Retries counts calls tried again after a transient failure (a refused, reset or lost
	// connection), each try once: ExecutePlan resends and reattaches included.
	Retries int64
	// Reattaches counts ReattachExecute streams opened to resume a result: after a failure
	// or after the server ended a stream early on purpose.
	Reattaches int64
	// Probes counts the probes the server answered (Config.Probe).
	Probes int64
}

// Stats returns the client's counts so far.
func (c *Client) Stats() Stats {
	return Stats{Retries: c.stats.retries.Load(), Reattaches: c.stats.reattaches.Load(), Probes: c.stats.probes.Load()}
}

// New returns a client for the session described by cfg.
func New(conn grpc.ClientConnInterface, cfg Config) *Client {
	if cfg.CleanupTimeout <= 0 {
		cfg.CleanupTimeout = DefaultCleanupTimeout
	}
	if cfg.Convert == nil {
		cfg.Convert = func(_ context.Context, _ string, err error) error { return err }
	}
	bg, cancel := context.WithCancel(context.Background())
	c := &Client{
		rpc:      sparkpb.NewSparkConnectServiceClient(conn),
		cfg:      cfg,
		user:     &sparkpb.UserContext{UserId: cfg.UserID, UserName: cfg.UserID},
		bg:       bg,
		bgCancel: cancel,

		quietStream: time.Second,
	}
	c.heard()
	if cfg.Probe > 0 {
		go c.probeLoop()
	}
	return c
}

// heard records that the server sent something now.
func (c *Client) heard() { c.lastHeard.Store(time.Now().UnixNano()) }

// probeLoop sends a probe whenever calls are in flight and the server has been silent for
// the probe interval, until Close.
func (c *Client) probeLoop() {
	tick := time.NewTicker(max(c.cfg.Probe/4, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-c.bg.Done():
			return
		case <-tick.C:
		}
		silent := time.Since(time.Unix(0, c.lastHeard.Load()))
		if c.inFlight.Load() <= 0 || silent < c.cfg.Probe {
			continue
		}
		ctx, cancel := context.WithTimeout(c.bg, c.cfg.Probe)
		_, err := c.rpc.AnalyzePlan(c.outgoing(ctx), &sparkpb.AnalyzePlanRequest{
			SessionId: c.cfg.SessionID, UserContext: c.user, ClientType: &c.cfg.ClientType,
			Analyze: &sparkpb.AnalyzePlanRequest_SparkVersion_{SparkVersion: &sparkpb.AnalyzePlanRequest_SparkVersion{}},
		})
		cancel()
		if err == nil {
			c.stats.probes.Add(1)
			c.heard()
		}
	}
}

// SessionID returns the client-chosen session id.
func (c *Client) SessionID() string { return c.cfg.SessionID }

// outgoing adds the configured headers to the call's metadata.
func (c *Client) outgoing(ctx context.Context) context.Context {
	if len(c.cfg.Headers) == 0 {
		return ctx
	}
	kv := make([]string, 0, 2*len(c.cfg.Headers))
	for k, v := range c.cfg.Headers {
		kv = append(kv, k, v)
	}
	return metadata.AppendToOutgoingContext(ctx, kv...)
}

func (c *Client) checkOpen() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	return nil
}

// observe records the server-side session id and checks that it stays the same.
func (c *Client) observe(serverSideID string) error {
	if serverSideID == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.serverSideID == "" {
		c.serverSideID = serverSideID
		return nil
	}
	if c.serverSideID != serverSideID {
		return fmt.Errorf("%w (now %s, was %s)", ErrSessionChanged, serverSideID, c.serverSideID)
	}
	return nil
}

// observedID returns the server-side session id seen so far, nil before the first response.
func (c *Client) observedID() *string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.serverSideID == "" {
		return nil
	}
	id := c.serverSideID
	return &id
}

// unary runs one call with the retry policy; op names it in errors.
func unary[Resp any](ctx context.Context, c *Client, op string, call func(context.Context) (Resp, error)) (Resp, error) {
	var zero Resp
	r := c.newRetrier()
	c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	for {
		resp, err := call(c.outgoing(ctx))
		if err == nil {
			c.heard()
			return resp, nil
		}
		if ctx.Err() == nil && isTransient(err) {
			ok, werr := r.wait(ctx)
			if werr != nil {
				return zero, c.cfg.Convert(ctx, op, werr)
			}
			if ok {
				continue
			}
		}
		return zero, c.cfg.Convert(ctx, op, err)
	}
}

// newRetrier returns a retrier with the client's policy that counts its retries in the
// client's stats.
func (c *Client) newRetrier() *retrier {
	r := newRetrier(c.cfg.Retry)
	r.onRetry = func() { c.stats.retries.Add(1) }
	return r
}

// Analyze sends an AnalyzePlan request, with the session's fields filled in.
func (c *Client) Analyze(ctx context.Context, req *sparkpb.AnalyzePlanRequest) (*sparkpb.AnalyzePlanResponse, error) {
	if err := c.checkOpen(); err != nil {
		return nil, err
	}
	req.SessionId, req.UserContext, req.ClientType = c.cfg.SessionID, c.user, &c.cfg.ClientType
	req.ClientObservedServerSideSessionId = c.observedID()
	resp, err := unary(ctx, c, "analyze", func(ctx context.Context) (*sparkpb.AnalyzePlanResponse, error) {
		return c.rpc.AnalyzePlan(ctx, req)
	})
	if err != nil {
		return nil, err
	}
	if err := c.observe(resp.GetServerSideSessionId()); err != nil {
		return nil, err
	}
	return resp, nil
}

// Config sends a Config request with one operation.
func (c *Client) Config(ctx context.Context, op *sparkpb.ConfigRequest_Operation) (*sparkpb.ConfigResponse, error) {
	if err := c.checkOpen(); err != nil {
		return nil, err
	}
	req := &sparkpb.ConfigRequest{
		SessionId: c.cfg.SessionID, UserContext: c.user, ClientType: &c.cfg.ClientType,
		ClientObservedServerSideSessionId: c.observedID(), Operation: op,
	}
	resp, err := unary(ctx, c, "config", func(ctx context.Context) (*sparkpb.ConfigResponse, error) {
		return c.rpc.Config(ctx, req)
	})
	if err != nil {
		return nil, err
	}
	if err := c.observe(resp.GetServerSideSessionId()); err != nil {
		return nil, err
	}
	return resp, nil
}

// FetchErrorDetails asks for the details of the error with the given id.
func (c *Client) FetchErrorDetails(ctx context.Context, errorID string) (*sparkpb.FetchErrorDetailsResponse, error) {
	req := &sparkpb.FetchErrorDetailsRequest{
		SessionId: c.cfg.SessionID, UserContext: c.user, ClientType: &c.cfg.ClientType,
		ClientObservedServerSideSessionId: c.observedID(), ErrorId: errorID,
	}
	return unary(ctx, c, "fetch error details", func(ctx context.Context) (*sparkpb.FetchErrorDetailsResponse, error) {
		return c.rpc.FetchErrorDetails(ctx, req)
	})
}

// Interrupt interrupts operations of the session: all of them, those with a tag, or one by id.
func (c *Client) Interrupt(ctx context.Context, req *sparkpb.InterruptRequest) (*sparkpb.InterruptResponse, error) {
	if err := c.checkOpen(); err != nil {
		return nil, err
	}
	req.SessionId, req.UserContext, req.ClientType = c.cfg.SessionID, c.user, &c.cfg.ClientType
	req.ClientObservedServerSideSessionId = c.observedID()
	return unary(ctx, c, "interrupt", func(ctx context.Context) (*sparkpb.InterruptResponse, error) {
		return c.rpc.Interrupt(ctx, req)
	})
}

// Close ends the client: it waits, within ctx, for the background releases of finished
// operations, then releases the session on the server, also within ctx. With release false
// the session stays on the server (Detach). Close is safe to call twice; the second call does
// nothing and returns nil.
func (c *Client) Close(ctx context.Context, release bool) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	done := make(chan struct{})
	go func() { c.cleanups.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	c.bgCancel()
	if !release {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return c.cfg.Convert(ctx, "release session", err)
	}
	// A server that stays unreachable has lost the session anyway (or its idle timeout will
	// end it): retries stop after the cleanup timeout rather than the retry budget.
	ctx, cancel := context.WithTimeout(ctx, c.cfg.CleanupTimeout)
	defer cancel()
	_, err := unary(ctx, c, "release session", func(ctx context.Context) (*sparkpb.ReleaseSessionResponse, error) {
		return c.rpc.ReleaseSession(ctx, &sparkpb.ReleaseSessionRequest{
			SessionId: c.cfg.SessionID, UserContext: c.user, ClientType: &c.cfg.ClientType,
		})
	})
	return err
}

// background runs f on a goroutine that Close waits for, with a context bounded by the
// cleanup timeout and ended by Close.
func (c *Client) background(f func(ctx context.Context)) {
	// Added under the lock that Close sets closed with, so that no Add races with Close's
	// Wait. Once the client is closed the work is dropped: the session's release ends its
	// operations on the server.
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.cleanups.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.cleanups.Done()
		f(c.bg)
	}()
}

// cleanupCall runs one best-effort cleanup call within the cleanup timeout, with retries.
func (c *Client) cleanupCall(bg context.Context, op string, call func(context.Context) error) {
	ctx, cancel := context.WithTimeout(bg, c.cfg.CleanupTimeout)
	defer cancel()
	_, _ = unary(ctx, c, op, func(ctx context.Context) (struct{}, error) { return struct{}{}, call(ctx) })
}
