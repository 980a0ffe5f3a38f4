package producers

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// acceptAndClose listens on a loopback port and ends every connection at once, as
// Docker's port forwarding does for a stopped broker; it returns the address.
func acceptAndClose(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lis.Close() })
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			// End the connection from this side at once (an EOF for the client, as the
			// forwarder gives), then drain and close it.
			_ = c.(*net.TCPConn).CloseWrite()
			go func() {
				_, _ = io.Copy(io.Discard, c)
				c.Close()
			}()
		}
	}()
	return lis.Addr().String()
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	return addr
}

// A broker that is down is reported as down, not with franz-go's guess that TLS is
// missing: behind a forwarder that drops connections (with the real franz-go client), and
// at a closed port. Before, the first case read "... is TLS missing?".
func TestBrokerDownReportedAsDown(t *testing.T) {
	for name, addr := range map[string]string{"forwarder": acceptAndClose(t), "closed port": closedPort(t)} {
		t.Run(name, func(t *testing.T) {
			p, err := NewProducer([]string{addr}, "events", WithConnectTimeout(3*time.Second), WithCount(10))
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			_, err = p.Run(context.Background(), newTestStream(t, "iot"))
			if !errors.Is(err, ErrBrokerUnreachable) {
				t.Fatalf("err = %v, want ErrBrokerUnreachable", err)
			}
			msg := err.Error()
			if strings.Contains(msg, "TLS missing") || strings.Contains(msg, "TLS misconfigured") {
				t.Errorf("the error still guesses TLS: %s", msg)
			}
			want := "is down"
			if name == "closed port" {
				want = "connection refused"
			}
			if !strings.Contains(msg, want) {
				t.Errorf("err = %s, want it to say %q", msg, want)
			}
		})
	}
}

// Records that fail because the broker dropped the connection are counted under a plain
// reason, and the delivery error says what probing the broker showed.
func TestDeliveryFailureExplained(t *testing.T) {
	p, fk, _, err := newFakeProducer(1, WithCount(100))
	if err != nil {
		t.Fatal(err)
	}
	p.brokers = []string{acceptAndClose(t)}
	fk.reject = func(*kgo.Record) error { return &kgo.ErrFirstReadEOF{} }
	m, err := p.Run(context.Background(), newTestStream(t, "iot"))
	var de *DeliveryError
	if !errors.As(err, &de) || m == nil || m.Failed != 100 {
		t.Fatalf("err = %v, manifest %+v", err, m)
	}
	var eof *kgo.ErrFirstReadEOF
	if !errors.As(err, &eof) {
		t.Error("the explained error no longer unwraps to franz-go's")
	}
	if msg := err.Error(); strings.Contains(msg, "TLS missing") || !strings.Contains(msg, "is down") {
		t.Errorf("err = %s", msg)
	}
	if m.Errors[eofReason] != 100 {
		t.Errorf("errors by reason: %v", m.Errors)
	}
}

// A server that holds the connection and drops it only on the producer's request looks
// like one that wants TLS or SASL, and is reported so.
func TestProbeBrokerHeldOpen(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			go func() {
				_, _ = c.Read(make([]byte, 1))
				c.Close()
			}()
		}
	}()
	if got := probeBroker(context.Background(), lis.Addr().String()); !strings.Contains(got, "TLS and SASL settings") {
		t.Errorf("probe: %s", got)
	}
}

// Generator set-up ends with its context, and more keys than fit is refused with the limit.
func TestGeneratorSetupBounded(t *testing.T) {
	for _, domain := range Domains() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		start := time.Now()
		_, err := NewGeneratorContext(ctx, domain, MaxKeys)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
			t.Errorf("%s: err %v after %s, want the deadline at once", domain, err, time.Since(start))
		}
		if _, err := NewGenerator(domain, MaxKeys+1); !errors.Is(err, ErrInvalidOption) || !strings.Contains(err.Error(), "10000000") {
			t.Errorf("%s: %d keys: %v", domain, MaxKeys+1, err)
		}
	}
}
