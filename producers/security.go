package producers

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/sparkwire/sparkwire/kafkasec"
)

var (
	// ErrAuthentication reports that the broker refused the SASL credentials (wrong user
	// or password, or a mechanism the listener does not enable).
	ErrAuthentication = errors.New("producers: Kafka authentication failed")
	// ErrTLS reports a TLS failure with the broker: it does not speak TLS, it speaks TLS
	// and the producer does not, or its certificate is not trusted.
	ErrTLS = errors.New("producers: Kafka TLS failed")
)

// The security settings are defined in package kafkasec, which the jobs read too.
type (
	// Secret is a string that never prints; see [kafkasec.Secret].
	Secret = kafkasec.Secret
	// SASLMechanism names a SASL mechanism; see [kafkasec.SASLMechanism].
	SASLMechanism = kafkasec.SASLMechanism
	// SASL holds the credentials for a SASL_SSL listener; see [kafkasec.SASL].
	SASL = kafkasec.SASL
	// TLS says how to reach an SSL or SASL_SSL listener; see [kafkasec.TLS].
	TLS = kafkasec.TLS
)

// The SASL mechanisms sparkwire supports.
const (
	SASLPlain       = kafkasec.SASLPlain
	SASLScramSHA256 = kafkasec.SASLScramSHA256
	SASLScramSHA512 = kafkasec.SASLScramSHA512
)

// ParseSASLMechanism parses PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (any case); see
// [kafkasec.ParseSASLMechanism].
func ParseSASLMechanism(s string) (SASLMechanism, error) { return kafkasec.ParseSASLMechanism(s) }

// redacted replaces a secret in an error message, as a Secret prints.
const redacted = "[REDACTED]"

// saslMechanism returns franz-go's implementation of the mechanism.
func saslMechanism(s SASL) sasl.Mechanism {
	switch s.Mechanism {
	case SASLPlain:
		return plain.Auth{User: s.User, Pass: string(s.Password)}.AsMechanism()
	case SASLScramSHA512:
		return scram.Auth{User: s.User, Pass: string(s.Password)}.AsSha512Mechanism()
	default:
		return scram.Auth{User: s.User, Pass: string(s.Password)}.AsSha256Mechanism()
	}
}

// WithTLS makes the producer talk TLS to the brokers (their SSL or SASL_SSL listener).
// Default: plaintext.
func WithTLS(t TLS) Option {
	return optionFunc(func(c *config) { c.tls = &t })
}

// WithSASL makes the producer authenticate with SASL (PLAIN or SCRAM). It requires
// [WithTLS]: sparkwire sends no password over plaintext. Default: no authentication.
func WithSASL(s SASL) Option {
	return optionFunc(func(c *config) { c.sasl = &s })
}

// securityOpts validates the TLS and SASL settings and returns franz-go's options for them.
func (c *config) securityOpts() ([]kgo.Opt, error) {
	var opts []kgo.Opt
	if c.sasl != nil {
		if err := c.sasl.Validate(); err != nil {
			return nil, err
		}
		if c.tls == nil {
			return nil, fmt.Errorf("%w: SASL %s without TLS would send the password in the clear: add TLS (a SASL_SSL listener)", ErrInvalidOption, c.sasl.Mechanism)
		}
		opts = append(opts, kgo.SASL(saslMechanism(*c.sasl)))
	}
	if c.tls != nil {
		tc, err := c.tls.Config()
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	return opts, nil
}

// securityError explains a failed connection when TLS or SASL is the reason: wrong
// credentials, a broker that speaks TLS to a producer that does not (found by a TLS
// handshake probe), or the reverse, or an untrusted certificate. It returns nil when
// neither is the reason. The password never appears: franz-go's and the broker's messages
// do not hold it, and redactSecrets strips it anyway.
func (p *Producer) securityError(ctx context.Context, err error) error {
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recErr tls.RecordHeaderError
	switch {
	case errors.Is(err, kerr.SaslAuthenticationFailed):
		mech, user := "", ""
		if p.cfg.sasl != nil {
			mech, user = string(p.cfg.sasl.Mechanism), p.cfg.sasl.User
		}
		return fmt.Errorf("%w at %s: the broker rejected SASL %s for user %q (wrong user or password?): %w",
			ErrAuthentication, strings.Join(p.brokers, ","), mech, user, err)
	case errors.Is(err, kerr.UnsupportedSaslMechanism) || errors.Is(err, kerr.IllegalSaslState):
		return fmt.Errorf("%w at %s: the listener does not accept this SASL mechanism: %w", ErrAuthentication, strings.Join(p.brokers, ","), err)
	case errors.As(err, &certErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr):
		return fmt.Errorf("%w at %s: the broker's certificate is not trusted (check the CA and the server name): %w", ErrTLS, strings.Join(p.brokers, ","), err)
	case errors.As(err, &recErr) && p.cfg.tls != nil:
		return fmt.Errorf("%w at %s: the broker does not speak TLS (a PLAINTEXT listener?): %w", ErrTLS, strings.Join(p.brokers, ","), err)
	}
	// The connection was made and then failed: the broker closed it, or answered with
	// bytes that are not Kafka's (a TLS alert to plaintext). Ask the listener whether it
	// speaks TLS. A refused or silent broker is not probed: the cause is known.
	if connectedThenFailed(err) {
		for _, b := range p.brokers {
			reached, tlsOK := probeTLS(ctx, b, p.cfg.connectTimeout)
			switch {
			case reached && tlsOK && p.cfg.tls == nil:
				return fmt.Errorf("%w: the broker at %s expects TLS (an SSL or SASL_SSL listener) and the producer was not configured for it: add TLS (--kafka-tls-ca): %w", ErrTLS, b, err)
			case reached && !tlsOK && p.cfg.tls != nil:
				return fmt.Errorf("%w: the broker at %s does not speak TLS (a PLAINTEXT or SASL_PLAINTEXT listener?): %w", ErrTLS, b, err)
			}
		}
	}
	return nil
}

// connectedThenFailed reports an error of a connection that was made and then failed:
// closed or reset by the peer, or an answer that is not Kafka's (franz-go's "invalid large
// response size", which a TLS alert sent to a plaintext client causes). Refused
// connections, unknown hosts and timeouts are not.
func connectedThenFailed(err error) bool {
	var opErr *net.OpError
	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case errors.As(err, &opErr) && opErr.Op == "dial", errors.As(err, &dnsErr),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, context.Canceled), errors.As(err, &netErr) && netErr.Timeout():
		return false
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "EOF") ||
		strings.Contains(err.Error(), "invalid large response size")
}

// probeTLS reports whether addr accepts a TCP connection and whether a TLS handshake with
// it then succeeds. It only learns what the listener speaks: the connection carries no
// data and is closed at once, so the certificate is not checked here (the producer's own
// connections check it).
func probeTLS(ctx context.Context, addr string, timeout time.Duration) (reached, speaksTLS bool) {
	ctx, cancel := context.WithTimeout(ctx, min(timeout, 5*time.Second))
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false, false
	}
	defer conn.Close()
	host, _, _ := net.SplitHostPort(addr)
	tc := tls.Client(conn, &tls.Config{ServerName: host, InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}) //nolint:gosec // a probe: no data is sent
	err = tc.HandshakeContext(ctx)
	return true, err == nil
}

// redactSecrets returns err with every occurrence of the SASL password and client key in
// its message replaced by [REDACTED]; errors.Is and errors.As still see the chain.
func (c *config) redactSecrets(err error) error {
	if err == nil {
		return nil
	}
	var secrets []string
	if c.sasl != nil && c.sasl.Password != "" {
		secrets = append(secrets, string(c.sasl.Password))
	}
	if c.tls != nil && c.tls.ClientKey != "" {
		secrets = append(secrets, string(c.tls.ClientKey))
	}
	msg := err.Error()
	found := false
	for _, s := range secrets {
		if strings.Contains(msg, s) {
			msg, found = strings.ReplaceAll(msg, s, redacted), true
		}
	}
	if !found {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// redactedError is an error whose message had a secret taken out.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
