package main

import (
	"context"
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

// kafkaSentinel is the SASL password of these tests: nothing the CLI prints may hold it.
const kafkaSentinel = "cli-S3NTINEL-kafka-password"

// writeCA writes a self-signed CA certificate in PEM to a file and returns its path.
func writeCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func assertNoSentinel(t *testing.T, what string, r result) {
	t.Helper()
	if strings.Contains(r.stdout+r.stderr+errString(r.err), kafkaSentinel) {
		t.Errorf("%s shows the password:\n%s", what, r)
	}
}

// --help lists the security flags and never shows the password from the environment.
func TestKafkaSecurityHelp(t *testing.T) {
	c := newTestCLI(t)
	t.Setenv(kafkaPasswordEnv, kafkaSentinel)
	for _, cmd := range []string{"produce", "submit", "run"} {
		r := c.run(cmd, "--help")
		if r.code != 0 {
			t.Fatalf("%s --help: %s", cmd, r)
		}
		for _, flag := range []string{"--kafka-tls-ca", "--kafka-sasl-mechanism", "--kafka-sasl-user", "--kafka-sasl-password-file", kafkaPasswordEnv} {
			if !strings.Contains(r.stdout, flag) {
				t.Errorf("%s --help does not mention %s", cmd, flag)
			}
		}
		assertNoSentinel(t, cmd+" --help", r)
	}
}

func TestKafkaSecurityUsageErrors(t *testing.T) {
	c := newTestCLI(t)
	ca := writeCA(t)
	for _, tc := range []struct {
		env  string
		args []string
		want string
	}{
		{"", []string{"--kafka-sasl-mechanism", "SCRAM-SHA-256", "--kafka-sasl-user", "alice"}, "has no password: set " + kafkaPasswordEnv},
		{kafkaSentinel, []string{"--kafka-sasl-mechanism", "SCRAM-SHA-256"}, "needs --kafka-sasl-user"},
		{kafkaSentinel, []string{"--kafka-sasl-mechanism", "GSSAPI", "--kafka-sasl-user", "alice"}, "must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"},
		{kafkaSentinel, []string{"--kafka-sasl-user", "alice"}, "need --kafka-sasl-mechanism"},
		{kafkaSentinel, []string{"--kafka-tls-ca", filepath.Join(t.TempDir(), "missing.pem")}, "--kafka-tls-ca"},
		{kafkaSentinel, []string{"--kafka-tls-ca", ca, "--kafka-sasl-mechanism", "PLAIN", "--kafka-sasl-user", "a",
			"--kafka-sasl-password-file", filepath.Join(t.TempDir(), "nope")}, "--kafka-sasl-password-file"},
	} {
		t.Setenv(kafkaPasswordEnv, tc.env)
		for _, cmd := range [][]string{
			{"produce", "--brokers", "127.0.0.1:1", "--count", "1"},
			{"submit", "pageviews", "--spark-brokers", "kafka:9097"},
			{"run", "pageviews", "--spark-brokers", "kafka:9097"},
		} {
			r := c.run(append(cmd, tc.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr+errString(r.err), tc.want) {
				t.Errorf("%v %v: want usage error mentioning %q, got %s", cmd, tc.args, tc.want, r)
			}
			assertNoSentinel(t, strings.Join(cmd, " "), r)
		}
	}
}

// submit sends the security options with the job's plans (Spark needs the password) and
// prints nothing that holds it; the password file's trailing newline is not part of it.
func TestSubmitWithSASL(t *testing.T) {
	c := newTestCLI(t)
	ca := writeCA(t)
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte(kafkaSentinel+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.run("submit", "pageviews", "--connect", "sc://localhost:15002", "--spark-brokers", "kafka:9097",
		"--kafka-tls-ca", ca, "--kafka-sasl-mechanism", "scram-sha-512", "--kafka-sasl-user", "alice",
		"--kafka-sasl-password-file", pwFile, "--settle", "0s")
	if r.code != 0 {
		t.Fatalf("submit: %s", r)
	}
	assertNoSentinel(t, "submit", r)
	plans := c.plansJSON()
	for _, want := range []string{`"kafka.security.protocol": "SASL_SSL"`, `"kafka.sasl.mechanism": "SCRAM-SHA-512"`,
		`ScramLoginModule required username=\"alice\" password=\"` + kafkaSentinel + `\";`, `"kafka.ssl.truststore.type": "PEM"`} {
		if !strings.Contains(plans, want) {
			t.Errorf("plans lack %s", want)
		}
	}
}

// run sends the security options with the job's plans, as submit does, and prints nothing
// that holds the password.
func TestRunWithSASL(t *testing.T) {
	c := newTestCLI(t)
	t.Setenv("SPARKWIRE_CONNECT_URL", c.srv.URL())
	t.Setenv(kafkaPasswordEnv, kafkaSentinel)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out syncBuffer
	done := make(chan result, 1)
	go func() {
		done <- c.runTo(ctx, &out, "run", "pageviews", "--spark-brokers", "kafka:9097", "--poll", "10ms",
			"--kafka-tls-ca", writeCA(t), "--kafka-sasl-mechanism", "PLAIN", "--kafka-sasl-user", "alice")
	}()
	waitUntil(t, "the queries' start", func() bool { return strings.Count(out.String(), "started ") == 3 })
	cancel()
	r := <-done
	if r.code != 0 {
		t.Fatalf("run: %s", r)
	}
	assertNoSentinel(t, "run", r)
	plans := c.plansJSON()
	for _, want := range []string{`"kafka.security.protocol": "SASL_SSL"`, `"kafka.sasl.mechanism": "PLAIN"`,
		`PlainLoginModule required username=\"alice\" password=\"` + kafkaSentinel + `\";`, `"kafka.ssl.truststore.type": "PEM"`} {
		if !strings.Contains(plans, want) {
			t.Errorf("plans lack %s", want)
		}
	}
}

// A failing secured produce reports the failure without the password.
func TestProduceSASLFailureRedacted(t *testing.T) {
	c := newTestCLI(t)
	t.Setenv(kafkaPasswordEnv, kafkaSentinel)
	r := c.run("produce", "--brokers", "127.0.0.1:1", "--count", "1", "--timeout", "3s",
		"--kafka-tls-ca", writeCA(t), "--kafka-sasl-mechanism", "PLAIN", "--kafka-sasl-user", "alice", "-v")
	if r.code != 1 || !strings.Contains(r.stderr, "127.0.0.1:1") {
		t.Fatalf("want a failure naming the broker: %s", r)
	}
	assertNoSentinel(t, "produce", r)
}
