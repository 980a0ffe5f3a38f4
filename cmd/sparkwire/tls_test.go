package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCert writes a self-signed certificate and its key as PEM files in dir.
func writeCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// The TLS flags build the configuration they describe, and bad files are usage errors that
// name the flag.
func TestTLSFlags(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir)
	if cfg, err := (&tlsFiles{}).config(); cfg != nil || err != nil {
		t.Fatalf("no flags: %v, %v", cfg, err)
	}
	cfg, err := (&tlsFiles{ca: cert, cert: cert, key: key, serverName: "spark.internal"}).config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RootCAs == nil || len(cfg.Certificates) != 1 || cfg.ServerName != "spark.internal" {
		t.Fatalf("config %+v", cfg)
	}

	c := newTestCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--ca-file", filepath.Join(dir, "missing.pem")}, "--ca-file"},
		{[]string{"--ca-file", key}, "no PEM certificate"},
		{[]string{"--cert-file", cert}, "go together"},
		{[]string{"--cert-file", cert, "--key-file", cert}, "--cert-file/--key-file"},
	} {
		r := c.run(append(append([]string{"--connect", c.srv.URL()}, tc.args...), "sql", "select 1")...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: %s", tc.args, r)
		}
	}
}
