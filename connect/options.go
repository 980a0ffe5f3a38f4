package connect

import (
	"crypto/tls"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"

	"github.com/sparkwire/sparkwire/connect/internal/wire"
)

// An Option configures a [Session] at [Dial]. Options override the connection string.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config holds every setting of a session; defaults are set in one place, newConfig.
type config struct {
	conn        ConnectionString
	tlsConfig   *tls.Config
	mem         memory.Allocator
	dialOptions []grpc.DialOption
	stackTraces bool
	retry       RetryPolicy
	keepalive   Keepalive
}

func newConfig(cs *ConnectionString, opts []Option) *config {
	c := &config{conn: *cs, mem: memory.DefaultAllocator, retry: DefaultRetryPolicy(), keepalive: DefaultKeepalive()}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	return c
}

// WithToken sets the bearer token sent as "authorization: Bearer <token>" with every call
// (connection string key "token"; server setting spark.connect.authenticate.token).
// A token turns TLS on unless the host is a loopback address.
func WithToken(token string) Option {
	return optionFunc(func(c *config) { c.conn.Token = token })
}

// WithUserID sets the user id sent in the UserContext of every request (key "user_id").
func WithUserID(id string) Option {
	return optionFunc(func(c *config) { c.conn.UserID = id })
}

// WithUserAgent prepends a name to the client type sent with every request (key "user_agent").
func WithUserAgent(ua string) Option {
	return optionFunc(func(c *config) { c.conn.UserAgent = ua })
}

// WithSessionID reuses a session id (a UUID) instead of a new random one (key "session_id").
// Dial fails if id is not a UUID.
func WithSessionID(id string) Option {
	return optionFunc(func(c *config) { c.conn.SessionID = id })
}

// WithHeader adds a gRPC metadata entry sent with every call, as unknown connection string
// keys are. A key that names a credential (authorization, x-api-key, or containing token,
// secret, password, key, credential, cookie) is treated like the token: it turns TLS on to a
// non-loopback host, is never sent without transport security there, and is masked in
// messages.
func WithHeader(key, value string) Option {
	return optionFunc(func(c *config) {
		if c.conn.Headers == nil {
			c.conn.Headers = map[string]string{}
		}
		c.conn.Headers[key] = value
	})
}

// WithTLSConfig turns TLS on with the given configuration: RootCAs for a private CA,
// Certificates for mutual TLS (default: off, unless use_ssl=true, or a token or credential
// header to a non-loopback host, asks for it, then the system roots).
func WithTLSConfig(cfg *tls.Config) Option {
	return optionFunc(func(c *config) { c.tlsConfig = cfg; c.conn.UseSSL = true })
}

// WithAllocator sets the Arrow allocator that result batches are decoded into. Tests pass
// a memory.CheckedAllocator to find leaks. With a memory.GoAllocator, such as the default
// memory.DefaultAllocator, results are not copied after they arrive: a batch's arrays point
// into the bytes of the server's response, which the session recycles for later responses
// once the last batch decoded from them is released (a batch never released leaves them to
// the garbage collector). With any other allocator every buffer is a copy allocated from it.
func WithAllocator(mem memory.Allocator) Option {
	return optionFunc(func(c *config) { c.mem = mem })
}

// WithErrorStackTraces makes every server error carry the server's stack trace, fetched
// with an extra FetchErrorDetails call (default off; see [Session.ErrorDetails] to fetch it
// for one error).
func WithErrorStackTraces() Option {
	return optionFunc(func(c *config) { c.stackTraces = true })
}

// WithDialOptions passes extra options to grpc.NewClient, after sparkwire's own.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return optionFunc(func(c *config) { c.dialOptions = append(c.dialOptions, opts...) })
}

// RetryPolicy says how calls that failed for a transient reason (the server unreachable, a
// connection refused or reset) are tried again: after a pause that grows from
// InitialBackoff by Multiplier up to MaxBackoff, plus a random jitter of up to Jitter, at most
// MaxRetries times and for at most Budget in total since the first failure of a call. It
// applies to every call: plan execution (which reattaches where the result stream broke),
// analysis, configuration, error details, release and interrupt. Errors that the server
// reported (a *SparkError) are never retried. The caller's context bounds it all.
type RetryPolicy struct {
	// MaxRetries is the most retries of one call (default 15); 0 turns retries off.
	MaxRetries int
	// InitialBackoff is the pause before the first retry (default 50 ms).
	InitialBackoff time.Duration
	// MaxBackoff caps each pause (default 10 s).
	MaxBackoff time.Duration
	// Multiplier grows the pause after each retry (default 4).
	Multiplier float64
	// Jitter is the most random time added to each pause (default 500 ms).
	Jitter time.Duration
	// Budget bounds the time spent retrying one call, from its first failure (default 1
	// minute, about what Spark's Python client waits); 0 means no bound but MaxRetries.
	Budget time.Duration
}

// DefaultRetryPolicy returns the policy a session uses unless WithRetryPolicy sets another.
func DefaultRetryPolicy() RetryPolicy { return RetryPolicy(wire.DefaultRetryPolicy()) }

// WithRetryPolicy sets how transient failures are retried (default [DefaultRetryPolicy]);
// RetryPolicy{} turns retries off.
func WithRetryPolicy(p RetryPolicy) Option {
	return optionFunc(func(c *config) { c.retry = p })
}
