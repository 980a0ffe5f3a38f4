package stack

import (
	"slices"
	"strings"
	"testing"

	"github.com/testcontainers/testcontainers-go"
)

func TestKafkaSASLSSLValidate(t *testing.T) {
	key := []byte("-----BEGIN PRIVATE KEY-----\nMIG...\n-----END PRIVATE KEY-----\n")
	cert := []byte("-----BEGIN CERTIFICATE-----\nMII...\n-----END CERTIFICATE-----\n")
	good := KafkaSASLSSL{CertPEM: cert, KeyPEM: key, PlainUsers: map[string]string{"bob": "pw"},
		ScramUsers: []ScramUser{{"SCRAM-SHA-256", "alice", "pw"}, {"SCRAM-SHA-512", "carol", "pw"}}}
	if err := good.validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(c *KafkaSASLSSL){
		"no cert":       func(c *KafkaSASLSSL) { c.CertPEM = nil },
		"rsa key":       func(c *KafkaSASLSSL) { c.KeyPEM = []byte("-----BEGIN RSA PRIVATE KEY-----") },
		"no users":      func(c *KafkaSASLSSL) { c.PlainUsers, c.ScramUsers = nil, nil },
		"bad mechanism": func(c *KafkaSASLSSL) { c.ScramUsers = []ScramUser{{"SCRAM-SHA-1", "a", "p"}} },
		"twice": func(c *KafkaSASLSSL) {
			c.ScramUsers = []ScramUser{{"SCRAM-SHA-256", "a", "p"}, {"SCRAM-SHA-512", "a", "p"}}
		},
		"no password":       func(c *KafkaSASLSSL) { c.ScramUsers = []ScramUser{{"SCRAM-SHA-256", "a", ""}} },
		"quote in user":     func(c *KafkaSASLSSL) { c.PlainUsers = map[string]string{`a"b`: "p"} },
		"quote in password": func(c *KafkaSASLSSL) { c.PlainUsers = map[string]string{"a": `p"; x`} },
	} {
		c := good
		mod(&c)
		if err := c.validate(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	jaas := good.jaas()
	for _, want := range []string{"KafkaServer {", `PlainLoginModule required`, `user_bob="pw";`, "ScramLoginModule required;", "};"} {
		if !strings.Contains(jaas, want) {
			t.Errorf("JAAS file lacks %q:\n%s", want, jaas)
		}
	}
	if got := (ScramUser{"SCRAM-SHA-256", "alice", "secret"}).String(); strings.Contains(got, "secret") {
		t.Errorf("ScramUser prints %q", got)
	}
}

// Without the option the Kafka container request is unchanged; with it, the secure port,
// the files and the settings are added; a bad configuration fails the request.
func TestKafkaSASLSSLOption(t *testing.T) {
	var req testcontainers.GenericContainerRequest
	if err := (*KafkaSASLSSL)(nil).option(true)(&req); err != nil || len(req.ExposedPorts) != 0 || len(req.Env) != 0 || len(req.Files) != 0 {
		t.Fatalf("nil option changed the request: %v %+v", err, req)
	}
	c := &KafkaSASLSSL{CertPEM: []byte("cert"), KeyPEM: []byte("-----BEGIN PRIVATE KEY-----"), PlainUsers: map[string]string{"bob": "pw"}}
	if err := c.option(false)(&req); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(req.ExposedPorts, kafkaSecurePort) || len(req.Files) != 2 ||
		!strings.Contains(req.Env["KAFKA_CFG_LISTENER_SECURITY_PROTOCOL_MAP"], "SASLHOST:SASL_SSL") ||
		!strings.Contains(req.Env["KAFKA_OPTS"], secureJAASPath) {
		t.Errorf("request %+v", req)
	}
	if err := (&KafkaSASLSSL{}).option(false)(&testcontainers.GenericContainerRequest{}); err == nil {
		t.Error("an empty configuration should fail")
	}
}
