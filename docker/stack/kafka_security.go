package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Ports and listener names of the SASL_SSL listeners (WithKafkaSASLSSL). Listener names
// have no underscore: the image's KAFKA_CFG_* variables turn underscores into dots.
const (
	kafkaSecurePort       = "9096/tcp" // SASLHOST: clients on the host, through the published port
	kafkaSecureInternal   = kafkaAlias + ":9097"
	secureListenerHost    = "SASLHOST"
	secureListenerNetwork = "SASLNET"

	secureKeystorePath = "/run/sparkwire/kafka-server.pem"
	secureJAASPath     = "/run/sparkwire/kafka-server-jaas.conf"
)

// KafkaSASLSSL configures two extra SASL_SSL listeners of the stack's Kafka broker, beside
// its plaintext ones: one for clients on the host ([Stack.SecureBrokers]) and one for the
// Spark server ([Stack.SparkSecureBrokers], "kafka:9097"). Both accept SASL/PLAIN,
// SCRAM-SHA-256 and SCRAM-SHA-512. The image is not changed: the listeners, the PEM
// keystore and a JAAS file reach the broker through its KAFKA_CFG_* variables, KAFKA_OPTS
// and files copied into the container.
type KafkaSASLSSL struct {
	// CertPEM is the broker's certificate chain (PEM), valid for the names "kafka" (Spark's
	// address) and "localhost" (the host's); KeyPEM its private key, unencrypted PKCS#8
	// ("BEGIN PRIVATE KEY"), as Kafka's PEM keystore wants it.
	CertPEM, KeyPEM []byte
	// PlainUsers are the SASL/PLAIN users and their passwords (in the broker's JAAS file).
	PlainUsers map[string]string
	// ScramUsers are the SCRAM users, created through the Admin API once the broker runs.
	// A user name appears once.
	ScramUsers []ScramUser
}

// ScramUser is a SCRAM credential of [KafkaSASLSSL].
type ScramUser struct {
	// Mechanism is "SCRAM-SHA-256" or "SCRAM-SHA-512".
	Mechanism string
	User      string
	Password  string
}

// String names the user and mechanism, never the password.
func (u ScramUser) String() string { return u.Mechanism + " user " + u.User }

// WithKafkaSASLSSL adds SASL_SSL listeners to the stack's broker (see [KafkaSASLSSL]).
func WithKafkaSASLSSL(c KafkaSASLSSL) Option {
	return func(cfg *config) { cfg.kafkaSASLSSL = &c }
}

func (c *KafkaSASLSSL) validate() error {
	if len(c.CertPEM) == 0 || !bytes.Contains(c.KeyPEM, []byte("BEGIN PRIVATE KEY")) {
		return errors.New("kafka SASL_SSL: a certificate and an unencrypted PKCS#8 key (PEM) are required")
	}
	if len(c.PlainUsers) == 0 && len(c.ScramUsers) == 0 {
		return errors.New("kafka SASL_SSL: no users")
	}
	seen := map[string]bool{}
	for _, u := range c.ScramUsers {
		if _, err := scramMechanism(u.Mechanism); err != nil {
			return err
		}
		if u.User == "" || u.Password == "" || seen[u.User] {
			return fmt.Errorf("kafka SASL_SSL: SCRAM user %q: a unique user name and a password are required", u.User)
		}
		seen[u.User] = true
	}
	for u, p := range c.PlainUsers {
		if u == "" || strings.ContainsAny(u, "\" \t\r\n=;\\") || strings.ContainsAny(p, "\"\r\n\\") {
			return fmt.Errorf("kafka SASL_SSL: PLAIN user %q: user names without spaces, quotes, '=' or ';', passwords without quotes, backslashes or line breaks", u)
		}
	}
	return nil
}

func scramMechanism(m string) (kadm.ScramMechanism, error) {
	switch m {
	case "SCRAM-SHA-256":
		return kadm.ScramSha256, nil
	case "SCRAM-SHA-512":
		return kadm.ScramSha512, nil
	}
	return 0, fmt.Errorf("kafka SASL_SSL: SCRAM mechanism %q (want SCRAM-SHA-256 or SCRAM-SHA-512)", m)
}

// jaas returns the broker's JAAS file: the PLAIN users, and SCRAM (whose credentials live
// in the cluster metadata).
func (c *KafkaSASLSSL) jaas() string {
	var b strings.Builder
	b.WriteString("KafkaServer {\n  org.apache.kafka.common.security.plain.PlainLoginModule required")
	users := make([]string, 0, len(c.PlainUsers))
	for u := range c.PlainUsers {
		users = append(users, u)
	}
	slices.Sort(users)
	for _, u := range users {
		fmt.Fprintf(&b, "\n    user_%s=%q", u, c.PlainUsers[u])
	}
	b.WriteString(";\n  org.apache.kafka.common.security.scram.ScramLoginModule required;\n};\n")
	return b.String()
}

// option returns the container settings of the secure listeners; none for nil.
func (c *KafkaSASLSSL) option(loopback bool) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		if c == nil {
			return nil
		}
		if err := c.validate(); err != nil {
			return err
		}
		for _, o := range c.customizers(loopback) {
			if err := o.Customize(req); err != nil {
				return err
			}
		}
		return nil
	}
}

// customizers returns the container settings of the secure listeners.
func (c *KafkaSASLSSL) customizers(loopback bool) []testcontainers.ContainerCustomizer {
	keystore := append(append(slices.Clone(c.KeyPEM), '\n'), c.CertPEM...)
	return []testcontainers.ContainerCustomizer{
		testcontainers.WithExposedPorts(kafkaSecurePort),
		publishOnLoopback(loopback, kafkaSecurePort),
		testcontainers.WithFiles(
			testcontainers.ContainerFile{Reader: bytes.NewReader(keystore), ContainerFilePath: secureKeystorePath, FileMode: 0o644},
			testcontainers.ContainerFile{Reader: strings.NewReader(c.jaas()), ContainerFilePath: secureJAASPath, FileMode: 0o644},
		),
		testcontainers.WithEnv(map[string]string{
			// These replace the entrypoint's listeners (a later line of the same property wins).
			"KAFKA_CFG_LISTENERS": "EXTERNAL://0.0.0.0:9092,INTERNAL://0.0.0.0:9093,BROKER://localhost:9095,CONTROLLER://localhost:9094," +
				secureListenerHost + "://0.0.0.0:9096," + secureListenerNetwork + "://0.0.0.0:9097",
			"KAFKA_CFG_LISTENER_SECURITY_PROTOCOL_MAP": "EXTERNAL:PLAINTEXT,INTERNAL:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT," +
				secureListenerHost + ":SASL_SSL," + secureListenerNetwork + ":SASL_SSL",
			"KAFKA_CFG_SASL_ENABLED_MECHANISMS": "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
			"KAFKA_CFG_SSL_KEYSTORE_TYPE":       "PEM",
			"KAFKA_CFG_SSL_KEYSTORE_LOCATION":   secureKeystorePath,
			"KAFKA_OPTS":                        "-Djava.security.auth.login.config=" + secureJAASPath,
		}),
	}
}

// advertisedSecure returns what follows the EXTERNAL address in the advertised listeners:
// the entrypoint writes advertised.listeners=EXTERNAL://<the advertised file>,INTERNAL://...,
// so the file's ",NAME://host:port" entries advertise the secure listeners too.
func advertisedSecure(ctx context.Context, c testcontainers.Container) (string, error) {
	ep, err := c.PortEndpoint(ctx, kafkaSecurePort, "")
	if err != nil {
		return "", fmt.Errorf("kafka SASL_SSL endpoint: %w", err)
	}
	return "," + secureListenerHost + "://" + ep + "," + secureListenerNetwork + "://" + kafkaSecureInternal, nil
}

// secureEndpoints records the secure listeners' addresses and creates the SCRAM users
// through the plaintext listener, waiting until the broker lists them.
func (s *Stack) secureEndpoints(ctx context.Context, c *KafkaSASLSSL) error {
	ep, err := s.kafka.PortEndpoint(ctx, kafkaSecurePort, "")
	if err != nil {
		return fmt.Errorf("kafka SASL_SSL endpoint: %w", err)
	}
	s.secureBrokers, s.sparkSecureBrokers = []string{ep}, kafkaSecureInternal
	if len(c.ScramUsers) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.brokers...))
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	var ups []kadm.UpsertSCRAM
	for _, u := range c.ScramUsers {
		m, _ := scramMechanism(u.Mechanism)
		ups = append(ups, kadm.UpsertSCRAM{User: u.User, Mechanism: m, Iterations: 4096, Password: u.Password})
	}
	res, err := adm.AlterUserSCRAMs(ctx, nil, ups)
	if err != nil {
		return fmt.Errorf("create SCRAM users: %w", err)
	}
	for _, r := range res.Sorted() {
		if r.Err != nil {
			return fmt.Errorf("create SCRAM user %s: %w (%s)", r.User, r.Err, r.ErrMessage)
		}
	}
	for {
		described, err := adm.DescribeUserSCRAMs(ctx)
		if err == nil && len(described) >= len(c.ScramUsers) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("SCRAM users not listed: %w", errors.Join(err, ctx.Err()))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// SecureBrokers returns the bootstrap address of the SASL_SSL listener for clients on the
// host (see [WithKafkaSASLSSL]), such as ["localhost:32775"]; empty without that option.
func (s *Stack) SecureBrokers() []string { return slices.Clone(s.secureBrokers) }

// SparkSecureBrokers returns the SASL_SSL listener's address as the Spark server reaches it,
// "kafka:9097", or "" without [WithKafkaSASLSSL].
func (s *Stack) SparkSecureBrokers() string { return s.sparkSecureBrokers }
