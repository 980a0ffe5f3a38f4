// Package kafkasec holds the settings with which a Kafka client reaches a secured listener
// (TLS alone, or SASL over TLS) and the Secret type that keeps passwords and keys out of
// output. It imports only the standard library, so that both the producer (package
// producers, which hands them to franz-go) and the jobs (package jobs, which hand them to
// Spark's Kafka source and sink) read the same settings without jobs depending on the
// producer.
package kafkasec

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrInvalidOption reports a setting that cannot be used; package producers reports it as
// its own ErrInvalidOption (the same error value).
var ErrInvalidOption = errors.New("producers: invalid option")

// Secret is a string that never prints: fmt shows it as "[REDACTED]" (or "" when empty)
// with every verb, and so do JSON and text encodings. Convert it with string(s) where the
// value itself is needed.
type Secret string

const redacted = "[REDACTED]"

// String returns "[REDACTED]", or "" for an empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString returns the redacted form, quoted.
func (s Secret) GoString() string { return fmt.Sprintf("%q", s.String()) }

// Format writes the redacted form for every verb (%s, %v, %+v, %#v, %q, %x...).
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", s.String())
	case 'v':
		if f.Flag('#') {
			io.WriteString(f, s.GoString())
			return
		}
		io.WriteString(f, s.String())
	default:
		io.WriteString(f, s.String())
	}
}

// MarshalText writes the redacted form, so that JSON, YAML and the like never hold the
// secret.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// SASLMechanism names a SASL mechanism Kafka brokers offer (sasl.enabled.mechanisms).
type SASLMechanism string

// The SASL mechanisms sparkwire supports.
const (
	SASLPlain       SASLMechanism = "PLAIN"
	SASLScramSHA256 SASLMechanism = "SCRAM-SHA-256"
	SASLScramSHA512 SASLMechanism = "SCRAM-SHA-512"
)

// ParseSASLMechanism reads a mechanism name, case-insensitively: PLAIN, SCRAM-SHA-256 or
// SCRAM-SHA-512.
func ParseSASLMechanism(s string) (SASLMechanism, error) {
	switch m := SASLMechanism(strings.ToUpper(strings.TrimSpace(s))); m {
	case SASLPlain, SASLScramSHA256, SASLScramSHA512:
		return m, nil
	}
	return "", fmt.Errorf("%w: SASL mechanism %q (want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)", ErrInvalidOption, s)
}

// SASL holds the credentials for a broker's SASL_SSL listener. Printing it with fmt shows
// the mechanism and user, never the password.
type SASL struct {
	// Mechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (broker: sasl.enabled.mechanisms).
	Mechanism SASLMechanism
	// User is the SASL user name (PLAIN: the authentication identity).
	User string
	// Password is the user's password.
	Password Secret
}

// String describes the credentials without the password.
func (s SASL) String() string {
	pw := "no password"
	if s.Password != "" {
		pw = "password " + redacted
	}
	return fmt.Sprintf("SASL %s user %q, %s", s.Mechanism, s.User, pw)
}

// Format prints [SASL.String] for every verb, so that %+v and %#v do not reveal the
// password either.
func (s SASL) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// Validate reports a missing or unknown mechanism, user or password.
func (s SASL) Validate() error {
	if _, err := ParseSASLMechanism(string(s.Mechanism)); err != nil {
		return err
	}
	switch {
	case s.User == "":
		return fmt.Errorf("%w: SASL %s needs a user", ErrInvalidOption, s.Mechanism)
	case s.Password == "":
		return fmt.Errorf("%w: SASL %s user %q has no password", ErrInvalidOption, s.Mechanism, s.User)
	}
	return nil
}

// TLS says how to reach a broker's SSL or SASL_SSL listener. The zero value trusts the
// system's certificate authorities and presents no client certificate.
type TLS struct {
	// CA holds the PEM certificates of the authorities that sign the brokers' certificates
	// (client: ssl.truststore.certificates). Empty: the system's roots.
	CA []byte
	// ClientCert and ClientKey (PEM) are a client certificate and its private key, for
	// listeners with ssl.client.auth=required. Both or neither.
	ClientCert []byte
	ClientKey  Secret
	// ServerName is the name the brokers' certificates must carry; empty: the host of
	// the address dialled, the Kafka clients' default (ssl.endpoint.identification.algorithm=https).
	ServerName string
}

// String describes the settings without the client key.
func (t TLS) String() string {
	ca := "system CAs"
	if len(t.CA) > 0 {
		ca = fmt.Sprintf("CA PEM (%d bytes)", len(t.CA))
	}
	s := "TLS with " + ca
	if len(t.ClientCert) > 0 {
		s += ", client certificate, key " + t.ClientKey.String()
	}
	if t.ServerName != "" {
		s += ", server name " + t.ServerName
	}
	return s
}

// Format prints [TLS.String] for every verb.
func (t TLS) Format(f fmt.State, _ rune) { io.WriteString(f, t.String()) }

// Config returns the crypto/tls configuration: TLS 1.2 or later, the CA pool, the client
// certificate. Errors never quote the key.
func (t TLS) Config() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	if len(t.CA) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(t.CA) {
			return nil, fmt.Errorf("%w: TLS CA: no PEM certificate found", ErrInvalidOption)
		}
		cfg.RootCAs = pool
	}
	switch {
	case len(t.ClientCert) > 0 && t.ClientKey != "":
		cert, err := tls.X509KeyPair(t.ClientCert, []byte(t.ClientKey))
		if err != nil {
			// crypto/tls's errors name what is wrong, never the key's bytes.
			return nil, fmt.Errorf("%w: TLS client certificate: %w", ErrInvalidOption, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	case len(t.ClientCert) > 0 || t.ClientKey != "":
		return nil, fmt.Errorf("%w: TLS client certificate and key go together", ErrInvalidOption)
	}
	return cfg, nil
}
