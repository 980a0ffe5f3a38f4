package connect

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/sparkwire/sparkwire/connect/internal/fakeserver"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "sparkwire test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// issue returns a certificate signed by the CA, for a server name or a client.
func (ca *testCA) issue(t *testing.T, name string, client bool) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{name},
	}
	if client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		tmpl.DNSNames = nil
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// seenHeaders records every metadata value that reached a server.
type seenHeaders struct {
	mu   sync.Mutex
	vals []string
}

func (s *seenHeaders) record(ctx context.Context) {
	md, _ := metadata.FromIncomingContext(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, vs := range md {
		for _, v := range vs {
			s.vals = append(s.vals, k+"="+v)
		}
	}
}

func (s *seenHeaders) contains(sub string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.vals {
		if strings.Contains(v, sub) {
			return true
		}
	}
	return false
}

// serveTCP serves a fake Spark Connect server on a loopback TCP port, with TLS when cfg is
// set, recording the metadata of every call; it returns the dial options that route any
// host name to it.
func serveTCP(t *testing.T, cfg *tls.Config) (*seenHeaders, []grpc.DialOption) {
	t.Helper()
	srv := fakeserver.New()
	t.Cleanup(srv.Close)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	seen := &seenHeaders{}
	opts := []grpc.ServerOption{
		grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			seen.record(ctx)
			return h(ctx, req)
		}),
		grpc.StreamInterceptor(func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			seen.record(ss.Context())
			return h(srv, ss)
		}),
	}
	if cfg != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(cfg)))
	}
	t.Cleanup(srv.Serve(lis, opts...))
	addr := lis.Addr().String()
	// The fake's resolver takes any name without a lookup; the dialer goes to the port.
	return seen, []grpc.DialOption{
		srv.DialOptions()[0],
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		}),
	}
}

const sentinelKey = "SENTINEL-api-key-5b1f"

// Credential headers of a connection string go to a remote host over TLS (with a CA the
// test made, and with mutual TLS), and are never sent in plaintext there: without a TLS
// configuration they turn TLS on (the handshake with a plaintext server fails), and a dial
// option that forces plaintext makes the calls fail before the header leaves. To a loopback
// host they go in plaintext, as the token does.
func TestCredentialHeadersNeedTLS(t *testing.T) {
	ca := newTestCA(t)
	const host = "spark.example.com"
	url := "sc://" + host + ":443/;x-api-key=" + sentinelKey + ";x-trace=plain"

	t.Run("TLS with the test's CA", func(t *testing.T) {
		seen, route := serveTCP(t, &tls.Config{Certificates: []tls.Certificate{ca.issue(t, host, false)}})
		s, err := Dial(fakeCtx(t), url, WithTLSConfig(&tls.Config{RootCAs: ca.pool}), WithDialOptions(route...))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close(fakeCtx(t))
		if !seen.contains(sentinelKey) || !seen.contains("x-trace=plain") {
			t.Errorf("the server did not get the headers: %v", seen.vals)
		}
	})

	t.Run("mutual TLS", func(t *testing.T) {
		seen, route := serveTCP(t, &tls.Config{
			Certificates: []tls.Certificate{ca.issue(t, host, false)},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    ca.pool,
		})
		ctx, cancel := context.WithTimeout(fakeCtx(t), 3*time.Second)
		defer cancel()
		if _, err := Dial(ctx, url, WithTLSConfig(&tls.Config{RootCAs: ca.pool}), WithDialOptions(route...), WithRetryPolicy(RetryPolicy{})); err == nil {
			t.Fatal("dialed without a client certificate")
		}
		if seen.contains(sentinelKey) {
			t.Fatal("the header reached the server without the handshake")
		}
		client := ca.issue(t, "client", true)
		s, err := Dial(fakeCtx(t), url, WithTLSConfig(&tls.Config{RootCAs: ca.pool, Certificates: []tls.Certificate{client}}), WithDialOptions(route...))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close(fakeCtx(t))
		if !seen.contains(sentinelKey) {
			t.Error("the server did not get the header")
		}
	})

	t.Run("no TLS configured", func(t *testing.T) {
		seen, route := serveTCP(t, nil)
		ctx, cancel := context.WithTimeout(fakeCtx(t), 3*time.Second)
		defer cancel()
		// The handshake's failure is not retried: it fails at once, not at the deadline.
		_, err := Dial(ctx, url, WithDialOptions(route...))
		if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "handshake") {
			t.Fatalf("err = %v (context %v), want the failed handshake before the deadline", err, ctx.Err())
		}
		if seen.contains(sentinelKey) {
			t.Fatal("the header was sent in plaintext")
		}
		if strings.Contains(err.Error(), sentinelKey) {
			t.Errorf("the error shows the secret: %v", err)
		}
	})

	t.Run("plaintext forced by a dial option", func(t *testing.T) {
		seen, route := serveTCP(t, nil)
		ctx, cancel := context.WithTimeout(fakeCtx(t), 3*time.Second)
		defer cancel()
		_, err := Dial(ctx, url, WithDialOptions(append(route, grpc.WithTransportCredentials(insecure.NewCredentials()))...), WithRetryPolicy(RetryPolicy{}))
		if err == nil || !strings.Contains(err.Error(), "x-api-key") || !strings.Contains(err.Error(), "TLS") {
			t.Fatalf("err = %v, want a refusal that names the header and TLS", err)
		}
		if seen.contains(sentinelKey) {
			t.Fatal("the header was sent in plaintext")
		}
	})

	t.Run("loopback", func(t *testing.T) {
		seen, route := serveTCP(t, nil)
		s, err := Dial(fakeCtx(t), "sc://localhost/;x-api-key="+sentinelKey, WithDialOptions(route...))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close(fakeCtx(t))
		if !seen.contains(sentinelKey) {
			t.Error("the server did not get the header")
		}
	})
}

// The connection string's rendering masks credential headers as it masks the token.
func TestConnectionStringMasksCredentialHeaders(t *testing.T) {
	cs, err := ParseConnectionString("sc://h/;token=" + sentinelKey + ";authorization=" + sentinelKey + ";x-api-key=" + sentinelKey + ";my_password=" + sentinelKey + ";x-trace=ok")
	if err != nil {
		t.Fatal(err)
	}
	s := cs.String()
	if strings.Contains(s, sentinelKey) || !strings.Contains(s, "x-api-key=***") || !strings.Contains(s, "x-trace=ok") {
		t.Errorf("String() = %s", s)
	}
	if got := strings.Join(cs.SecretHeaders(), ","); got != "authorization,my_password,x-api-key" {
		t.Errorf("SecretHeaders() = %s", got)
	}
}
