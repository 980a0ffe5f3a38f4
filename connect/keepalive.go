package connect

import (
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
)

// Keepalive says how a session notices a dead connection to the server: a network that
// went silent (a cable pulled, a firewall dropping packets, a host gone) sends no reset, so
// without pings a call waits until the network returns. While a call is in flight and the
// connection has been silent for Time, the client sends an HTTP/2 ping; if no answer comes
// within Timeout it closes the connection, and the call fails over to the retry policy
// (a result resumes where it broke off on a new connection). A dead peer is therefore
// noticed within about Time+Timeout of its last word.
//
// Pings go out only while a call is in flight (never on an idle session), because Spark's
// server (grpc-java's defaults: permitKeepAliveTime 5 minutes, permitKeepAliveWithoutCalls
// false; Spark 4.1 changes neither) answers pings on an idle connection with GOAWAY
// "too_many_pings". With a call in flight the server counts pings that come sooner than 5
// minutes after another as strikes, and closes the connection at the third, but it forgets
// the strikes each time it sends anything. So pings are only safe while the server talks at
// least every three pings: Spark sends result batches, progress messages every 2 s while a
// query's tasks finish, and ends every result stream after
// spark.connect.execute.reattachable.senderMaxStreamDuration (2 minutes), so the default
// Time of 30 s leaves at most three pings in any two minutes of silence. Lower Time only
// against a server that permits it (grpc-java's permitKeepAliveTime, which Spark 4.1 does
// not expose).
type Keepalive struct {
	// Time is the silence on a connection with a call in flight after which the client
	// pings (default 30 s; gRPC raises anything below 10 s to 10 s). 0 turns keepalive off.
	Time time.Duration
	// Timeout is how long the client waits for a ping's answer (or any other bytes) before
	// it closes the connection (default 10 s).
	Timeout time.Duration
}

// DefaultKeepalive returns the keepalive of a session that sets none: Time 30 s, Timeout
// 10 s, so a silent network is noticed within 40 s of the last bytes from the server.
func DefaultKeepalive() Keepalive {
	return Keepalive{Time: 30 * time.Second, Timeout: 10 * time.Second}
}

// WithKeepalive sets how the session notices a dead connection (default
// [DefaultKeepalive]); Keepalive{} turns pings off. A zero Timeout with a Time takes the
// default Timeout.
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
