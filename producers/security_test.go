package producers

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
)

// sentinel is the password of these tests: it must never show up in output or errors.
const sentinel = "s3ntinel-PASSWORD-do-not-print"

// selfSigned returns a self-signed certificate for localhost and 127.0.0.1, and its key, in
// PEM.
func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "localhost"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}

func TestSecretsNeverPrint(t *testing.T) {
	certPEM, keyPEM := selfSigned(t)
	s := SASL{Mechanism: SASLScramSHA512, User: "alice", Password: sentinel}
	tl := TLS{CA: certPEM, ClientCert: certPEM, ClientKey: Secret(keyPEM), ServerName: "kafka"}
	type both struct {
		SASL SASL
		TLS  TLS
		Pw   Secret
	}
	v := both{s, tl, sentinel}
	secretKey := string(keyPEM[40:80]) // a piece of the key's base64
	for _, verb := range []string{"%s", "%v", "%+v", "%#v", "%q", "%x", "%d"} {
		for _, x := range []any{s, tl, v, &v, Secret(sentinel), &s} {
			out := fmt.Sprintf(verb, x)
			if strings.Contains(out, sentinel) || strings.Contains(out, secretKey) {
				t.Errorf("%s of %T shows a secret: %s", verb, x, out)
			}
		}
	}
	if got := fmt.Sprint(s); got != `SASL SCRAM-SHA-512 user "alice", password [REDACTED]` {
		t.Errorf("SASL prints %q", got)
	}
	if got := fmt.Sprint(Secret("")); got != "" {
		t.Errorf("empty secret prints %q", got)
	}
	js, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(js), sentinel) || strings.Contains(string(js), secretKey) {
		t.Errorf("JSON shows a secret: %s", js)
	}
	if !strings.Contains(string(js), `"Password":"[REDACTED]"`) {
		t.Errorf("JSON does not show the password as redacted: %s", js)
	}
}

func TestParseSASLMechanism(t *testing.T) {
	for in, want := range map[string]SASLMechanism{
		"plain": SASLPlain, "SCRAM-SHA-256": SASLScramSHA256, " scram-sha-512 ": SASLScramSHA512,
	} {
		if got, err := ParseSASLMechanism(in); err != nil || got != want {
			t.Errorf("ParseSASLMechanism(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "GSSAPI", "OAUTHBEARER", "SCRAM-SHA-1"} {
		if _, err := ParseSASLMechanism(in); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("ParseSASLMechanism(%q): %v, want ErrInvalidOption", in, err)
		}
	}
}

func TestSecurityOptionErrors(t *testing.T) {
	certPEM, keyPEM := selfSigned(t)
	good := SASL{Mechanism: SASLScramSHA256, User: "alice", Password: sentinel}
	for name, tc := range map[string]struct {
		opts []Option
		want string
	}{
		"sasl without tls": {[]Option{WithSASL(good)}, "without TLS"},
		"unknown mechanism": {[]Option{WithTLS(TLS{}), WithSASL(SASL{Mechanism: "GSSAPI", User: "a", Password: sentinel})},
			"SASL mechanism"},
		"no user":     {[]Option{WithTLS(TLS{}), WithSASL(SASL{Mechanism: SASLPlain, Password: sentinel})}, "needs a user"},
		"no password": {[]Option{WithTLS(TLS{}), WithSASL(SASL{Mechanism: SASLPlain, User: "alice"})}, "no password"},
		"bad ca":      {[]Option{WithTLS(TLS{CA: []byte("not a certificate")})}, "no PEM certificate"},
		"cert no key": {[]Option{WithTLS(TLS{ClientCert: certPEM})}, "go together"},
		"key no cert": {[]Option{WithTLS(TLS{ClientKey: Secret(keyPEM)})}, "go together"},
		"bad key": {[]Option{WithTLS(TLS{ClientCert: certPEM, ClientKey: sentinel})},
			"client certificate"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := NewProducer([]string{"localhost:1"}, "t", tc.opts...)
			if !errors.Is(err, ErrInvalidOption) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrInvalidOption mentioning %q", err, tc.want)
			}
			if strings.Contains(err.Error(), sentinel) {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
	for _, m := range []SASLMechanism{SASLPlain, SASLScramSHA256, SASLScramSHA512} {
		s := good
		s.Mechanism = m
		p, err := NewProducer([]string{"localhost:1"}, "t", WithTLS(TLS{CA: certPEM, ClientCert: certPEM, ClientKey: Secret(keyPEM)}), WithSASL(s))
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		p.Close()
	}
}

func TestRedactSecrets(t *testing.T) {
	c := config{sasl: &SASL{Mechanism: SASLPlain, User: "u", Password: sentinel}}
	base := fmt.Errorf("broker said %s twice: %s: %w", sentinel, sentinel, kerr.SaslAuthenticationFailed)
	err := c.redactSecrets(base)
	if strings.Contains(err.Error(), sentinel) || !strings.Contains(err.Error(), "[REDACTED]") {
		t.Errorf("not redacted: %v", err)
	}
	if !errors.Is(err, kerr.SaslAuthenticationFailed) {
		t.Errorf("redaction lost the error chain: %v", err)
	}
	if plain := errors.New("no secret here"); c.redactSecrets(plain) != plain || c.redactSecrets(nil) != nil {
		t.Error("an error without a secret should come back as it is")
	}
}

// serve accepts connections on a loopback listener and hands each to handle until the test
// ends; it returns the address.
func serve(t *testing.T, l net.Listener, handle func(net.Conn)) string {
	t.Helper()
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return l.Addr().String()
}

// A plaintext producer against a TLS listener fails with ErrTLS saying that the broker
// expects TLS, not with a timeout or a bare EOF.
func TestPlaintextProducerAgainstTLSListener(t *testing.T) {
	certPEM, keyPEM := selfSigned(t)
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, l, func(c net.Conn) {
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = io.Copy(io.Discard, c) // the handshake fails on Kafka's bytes; the server closes
	})
	p, err := NewProducer([]string{addr}, "t", WithConnectTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	_, err = p.Run(ctx, newTestStream(t, "iot"))
	if !errors.Is(err, ErrTLS) || !strings.Contains(err.Error(), "expects TLS") {
		t.Fatalf("got %v, want ErrTLS saying the broker expects TLS", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s: the failure should be reported at once, not at a timeout", d)
	}
}

// A TLS producer against a plaintext listener fails with ErrTLS saying that the broker does
// not speak TLS.
func TestTLSProducerAgainstPlaintextListener(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, l, func(c net.Conn) {
		// Like a Kafka broker: read a 4-byte size, find it absurd (a TLS record header), close.
		_, _ = io.ReadFull(c, make([]byte, 4))
	})
	p, err := NewProducer([]string{addr}, "t", WithConnectTimeout(5*time.Second), WithTLS(TLS{}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = p.Run(ctx, newTestStream(t, "iot"))
	if !errors.Is(err, ErrTLS) || !strings.Contains(err.Error(), "does not speak TLS") {
		t.Fatalf("got %v, want ErrTLS saying the broker does not speak TLS", err)
	}
}

// A TLS producer that does not trust the broker's certificate says so.
func TestUntrustedCertificate(t *testing.T) {
	certPEM, keyPEM := selfSigned(t)
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, l, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	otherCA, _ := selfSigned(t)
	p, err := NewProducer([]string{addr}, "t", WithConnectTimeout(5*time.Second), WithTLS(TLS{CA: otherCA}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = p.Run(ctx, newTestStream(t, "iot"))
	if !errors.Is(err, ErrTLS) || !strings.Contains(err.Error(), "not trusted") {
		t.Fatalf("got %v, want ErrTLS saying the certificate is not trusted", err)
	}
}

// A JVM broker answers a plaintext client on its TLS port with a TLS alert, which franz-go
// reads as an absurd response size: that too is reported as a broker expecting TLS.
func TestPlaintextProducerGetsTLSAlert(t *testing.T) {
	certPEM, keyPEM := selfSigned(t)
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, l, func(c net.Conn) {
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		first := make([]byte, 1)
		if _, err := io.ReadFull(c, first); err != nil {
			return
		}
		if first[0] == 0x16 { // a TLS handshake: the producer's probe
			_ = tls.Server(&prefixConn{Conn: c, prefix: first}, &tls.Config{Certificates: []tls.Certificate{cert}}).Handshake()
			return
		}
		// Kafka's bytes: answer as the JVM does, with a fatal TLS alert (unexpected_message).
		_, _ = c.Write([]byte{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x0a})
		_, _ = io.Copy(io.Discard, c)
	})
	p, err := NewProducer([]string{addr}, "t", WithConnectTimeout(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = p.Run(ctx, newTestStream(t, "iot"))
	if !errors.Is(err, ErrTLS) || !strings.Contains(err.Error(), "expects TLS") {
		t.Fatalf("got %v, want ErrTLS saying the broker expects TLS", err)
	}
}

// prefixConn is a connection whose first bytes were already read.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(b []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(b, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}
