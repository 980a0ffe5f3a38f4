package connect

import (
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
)

// Keepalive says how a session notices a dead connection to the server. A network that
// goes silent (a cable pulled, a firewall or proxy dropping packets, a host gone) sends no
// reset, so without keepalive a call waits until the network returns. With keepalive, while
// a call is in flight and nothing has come from the server for Time, the client sends an
// HTTP/2 ping; if no answer comes within Timeout it closes the connection, and the call goes
// to the retry policy (a result resumes where it broke off, on a new connection). A dead
// peer is noticed about Time+Timeout after its last word: 20 s with the defaults.
//
// Spark's server does not allow frequent pings: its gRPC server (grpc-java, whose
// permitKeepAliveTime of 5 minutes and permitKeepAliveWithoutCalls=false Spark 4.1 keeps
// and does not expose) counts a ping that comes sooner than 5 minutes after the last one as
// a strike unless it wrote something in between, and at the third strike sends the client
// away (GOAWAY ENHANCE_YOUR_CALM "too_many_pings"), failing every call on the connection. So
// the session pings only while a call is in flight (never on an idle session), and keeps the
// server talking instead: whenever calls are in flight and the server has said nothing for
// Time/2, the session asks it for its version (a small AnalyzePlan call), whose answer both
// resets the server's count and shows the client that the connection lives, so that pings
// go out only when the server stops answering. Results and actions rarely need it (Spark
// sends a progress message every 2 s while a plan runs); a listener-bus stream waiting for
// query events does (without the probe, a 10 s keepalive was sent away after 20 s of
// silence). The cost is one small call per Time/2 while such a call is open. Against a
// server that permits frequent pings (or behind a proxy that answers them) the probe is
// harmless.
//
// The other side of quick detection: a server that answers nothing for longer than Timeout
// (a JVM stuck in garbage collection under memory pressure) is taken for dead too; its calls
// then retry under the retry policy, and fail if it stays unresponsive beyond the policy's
// budget, where without keepalive they would have waited for it. Raise Timeout for servers
// known to stall.
type Keepalive struct {
	// Time is the silence on a connection with a call in flight after which the client
	// probes (Time/2) and pings (Time) the server (default 10 s; gRPC raises pings below
	// 10 s to 10 s). 0 turns keepalive and the probe off.
	Time time.Duration
	// Timeout is how long the client waits for a ping's answer (or any other bytes) before
	// it closes the connection (default 10 s).
	Timeout time.Duration
}

// DefaultKeepalive returns the keepalive of a session that sets none: Time 10 s, Timeout
// 10 s, so a silent network is noticed within about 20 s of the last bytes from the server.
func DefaultKeepalive() Keepalive {
	return Keepalive{Time: 10 * time.Second, Timeout: 10 * time.Second}
}

// WithKeepalive sets how the session notices a dead connection (default
// [DefaultKeepalive]); Keepalive{} turns pings and probes off. A zero Timeout with a Time
// takes the default Timeout.
func WithKeepalive(k Keepalive) Option {
	return optionFunc(func(c *config) { c.keepalive = k })
}

// dialOption returns the gRPC dial option of k, nil when k turns keepalive off.
func (k Keepalive) dialOption() grpc.DialOption {
	if k.Time <= 0 {
		return nil
	}
	if k.Timeout <= 0 {
		k.Timeout = DefaultKeepalive().Timeout
	}
	return grpc.WithKeepaliveParams(keepalive.ClientParameters{
		Time:                k.Time,
		Timeout:             k.Timeout,
		PermitWithoutStream: false,
	})
}

// probe returns the silence after which the session probes the server, 0 for none.
func (k Keepalive) probe() time.Duration {
	if k.Time <= 0 {
		return 0
	}
	return k.Time / 2
}
