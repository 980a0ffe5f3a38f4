package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/pflag"
)

// tlsFiles are the flags that configure TLS to the Spark Connect server: a CA bundle to
// trust instead of the system's, and a client certificate for servers (or proxies in front
// of them) that require mutual TLS.
type tlsFiles struct {
	ca, cert, key, serverName string
}

func (t *tlsFiles) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&t.ca, "ca-file", os.Getenv("SPARKWIRE_CA_FILE"),
		"PEM file of the CAs that sign the Spark Connect server's certificate, instead of the system's; turns TLS on (env SPARKWIRE_CA_FILE)")
	fs.StringVar(&t.cert, "cert-file", os.Getenv("SPARKWIRE_CERT_FILE"),
		"PEM client certificate for mutual TLS, with --key-file; turns TLS on (env SPARKWIRE_CERT_FILE)")
	fs.StringVar(&t.key, "key-file", os.Getenv("SPARKWIRE_KEY_FILE"),
		"PEM private key of --cert-file (env SPARKWIRE_KEY_FILE)")
	fs.StringVar(&t.serverName, "tls-server-name", "",
		"name to verify the server's certificate against, if not the host of the URL")
}

// config returns the TLS configuration the flags ask for, or nil when they ask for none
// (TLS then follows the connection string: use_ssl, or a token or credential to a remote
// host, with the system's CAs).
func (t *tlsFiles) config() (*tls.Config, error) {
	if t.ca == "" && t.cert == "" && t.key == "" && t.serverName == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.serverName}
	if t.ca != "" {
		pem, err := os.ReadFile(t.ca)
		if err != nil {
			return nil, fmt.Errorf("--ca-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-file %s: no PEM certificate in it", t.ca)
		}
		cfg.RootCAs = pool
	}
	if (t.cert == "") != (t.key == "") {
		return nil, errors.New("--cert-file and --key-file go together")
	}
	if t.cert != "" {
		pair, err := tls.LoadX509KeyPair(t.cert, t.key)
		if err != nil {
			return nil, fmt.Errorf("--cert-file/--key-file: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}
