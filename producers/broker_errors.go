package producers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// When a broker closes a connection before answering, franz-go guesses that TLS is
// misconfigured ("is TLS missing?"). The usual reason in practice is plainer: the broker is
// down or restarting and something (Docker's port forwarding, a load balancer) still
// accepts connections at its address and drops them. The producer tells the two apart by
// looking at the address itself (see probeBroker) and reports what it saw instead of the
// guess.

// eofReason is the manifest's reason for records that failed that way.
const eofReason = "broker closed the connection before answering (down, restarting, or expecting TLS/SASL)"

// isFirstReadEOF reports franz-go's "closed the connection at once" error.
func isFirstReadEOF(err error) bool {
	var eof *kgo.ErrFirstReadEOF
	return errors.As(err, &eof)
}

// explainedError replaces a guess in an error message by what the producer found, and
// still unwraps to the original error.
type explainedError struct {
	msg string
	err error
}

func (e *explainedError) Error() string { return e.msg }
func (e *explainedError) Unwrap() error { return e.err }

// explainBrokerError returns err unchanged unless it is franz-go's first-read EOF, which it
// replaces by what probing the brokers shows.
func explainBrokerError(ctx context.Context, brokers []string, err error) error {
	if err == nil || !isFirstReadEOF(err) {
		return err
	}
	reasons := make([]string, 0, len(brokers))
	for _, b := range brokers {
		reasons = append(reasons, probeBroker(ctx, b))
	}
	return &explainedError{msg: strings.Join(reasons, "; "), err: err}
}

// probeBroker connects to addr without sending anything and reports what happens: refused
// (nothing listens), closed at once (a forwarder with nothing behind it, i.e. the broker is
// down), or held open (a server that waits for a request: one that closed the producer's
// request likely expects other TLS or SASL settings).
func probeBroker(ctx context.Context, addr string) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Sprintf("broker %s is not reachable: %v", addr, err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	_, err = conn.Read(make([]byte, 1))
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Sprintf("broker %s accepts connections but closed the producer's at its first request: check that the producer's TLS and SASL settings match the listener's security protocol", addr)
	}
	return fmt.Sprintf("broker %s is down: its address accepts connections and closes them at once without reading (a port forwarder, such as Docker's, with no running broker behind it)", addr)
}
