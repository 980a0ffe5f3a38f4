package jobs

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/sparkwire/sparkwire/connect"
	"github.com/sparkwire/sparkwire/kafkasec"
)

// KafkaSecurity says how Spark's Kafka source and sink reach a secured listener: TLS alone
// (security.protocol SSL) or SASL over TLS (SASL_SSL). The settings travel to the Spark
// server as "kafka."-prefixed options of the source and sink, certificates inline in PEM,
// so nothing has to be installed on the server.
//
// Printing a KafkaSecurity shows no password or key. The options sent to Spark do hold the
// password (in kafka.sasl.jaas.config), as Spark's Kafka client needs it: Spark's own
// redaction (spark.redaction.regex matches "password") hides it in its UI and plans.
type KafkaSecurity struct {
	// TLS is required. TLS.CA becomes the truststore (kafka.ssl.truststore.type=PEM,
	// kafka.ssl.truststore.certificates); empty: the Spark JVM's default truststore.
	// TLS.ClientCert and ClientKey become a PEM keystore. TLS.ServerName is not
	// supported: Kafka's Java client checks the certificate against the broker's
	// advertised host name.
	TLS *kafkasec.TLS
	// SASL, when set, selects SASL_SSL with the mechanism's JAAS login module
	// (PlainLoginModule or ScramLoginModule).
	SASL *kafkasec.SASL
}

// String describes the settings without secrets.
func (k *KafkaSecurity) String() string {
	if k == nil {
		return "plaintext"
	}
	var parts []string
	if k.SASL != nil {
		parts = append(parts, k.SASL.String())
	}
	if k.TLS != nil {
		parts = append(parts, k.TLS.String())
	}
	return strings.Join(parts, " over ")
}

// Validate reports settings Spark's Kafka client cannot use: SASL without TLS (sparkwire
// sends no password in the clear), a server name, a CA or client certificate that is not
// PEM, a client certificate without key.
func (k *KafkaSecurity) Validate() error {
	if k == nil {
		return nil
	}
	if k.TLS == nil {
		if k.SASL != nil {
			return fmt.Errorf("kafka security: SASL %s without TLS would send the password in the clear: set TLS", k.SASL.Mechanism)
		}
		return errors.New("kafka security: set TLS (and SASL for a SASL_SSL listener)")
	}
	if k.SASL != nil {
		if err := k.SASL.Validate(); err != nil {
			return fmt.Errorf("kafka security: %w", err)
		}
		if strings.ContainsAny(k.SASL.User, "\r\n") || strings.ContainsAny(string(k.SASL.Password), "\r\n") {
			return errors.New("kafka security: SASL user and password must be on one line")
		}
	}
	if k.TLS.ServerName != "" {
		return fmt.Errorf("kafka security: TLS server name %q: Spark's Kafka client checks the broker's advertised host name and cannot be given another", k.TLS.ServerName)
	}
	if len(k.TLS.CA) > 0 && !x509.NewCertPool().AppendCertsFromPEM(k.TLS.CA) {
		return errors.New("kafka security: TLS CA: no PEM certificate found")
	}
	if (len(k.TLS.ClientCert) > 0) != (k.TLS.ClientKey != "") {
		return errors.New("kafka security: TLS client certificate and key go together")
	}
	if k.TLS.ClientKey != "" {
		if b, _ := pem.Decode([]byte(k.TLS.ClientKey)); b == nil || b.Type != "PRIVATE KEY" {
			// Never quote the key: say what is wrong with it.
			return errors.New("kafka security: TLS client key: Kafka's PEM keystore wants an unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----)")
		}
	}
	return nil
}

// sparkOptions returns the Kafka source and sink options for k; none for nil.
func (k *KafkaSecurity) sparkOptions() map[string]string {
	if k == nil || k.TLS == nil {
		return nil
	}
	o := map[string]string{"kafka.security.protocol": "SSL"}
	if len(k.TLS.CA) > 0 {
		o["kafka.ssl.truststore.type"] = "PEM"
		o["kafka.ssl.truststore.certificates"] = string(k.TLS.CA)
	}
	if len(k.TLS.ClientCert) > 0 {
		o["kafka.ssl.keystore.type"] = "PEM"
		o["kafka.ssl.keystore.certificate.chain"] = string(k.TLS.ClientCert)
		o["kafka.ssl.keystore.key"] = string(k.TLS.ClientKey)
	}
	if s := k.SASL; s != nil {
		o["kafka.security.protocol"] = "SASL_SSL"
		o["kafka.sasl.mechanism"] = string(s.Mechanism)
		module := "org.apache.kafka.common.security.scram.ScramLoginModule"
		if s.Mechanism == kafkasec.SASLPlain {
			module = "org.apache.kafka.common.security.plain.PlainLoginModule"
		}
		o["kafka.sasl.jaas.config"] = fmt.Sprintf(`%s required username="%s" password="%s";`,
			module, jaasEscape(s.User), jaasEscape(string(s.Password)))
	}
	return o
}

// jaasEscape escapes a value for a double-quoted JAAS option (Kafka's JaasConfig reads it
// with Java's StreamTokenizer, which takes backslash escapes).
func jaasEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// SecretRedactionRegex matches the secrets a [KafkaSecurity] puts in Spark's options: the
// quoted password of a JAAS configuration and a PEM private key. It is in Java's regex
// syntax.
const SecretRedactionRegex = `password="(?:[^"\\]|\\.)*"|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----`

// redactionConf is the session setting with which Spark redacts parts of the strings it
// produces, such as explain output.
const redactionConf = "spark.sql.redaction.string.regex"

// RedactSecrets makes Spark redact the Kafka secrets (see [SecretRedactionRegex]) in the
// plan strings it produces for the session, by adding the pattern to the session's
// spark.sql.redaction.string.regex (kept, if set). Spark redacts a Kafka source's options
// where it prints them as options, but extended explain output also shows the source's
// DataSource description with the options in full (seen with Spark 4.1.2). Job.Start and
// BatchJob.Run call it when their Config has Security.
func RedactSecrets(ctx context.Context, s *connect.Session) error {
	old, ok, err := s.Conf().Get(ctx, redactionConf)
	if err != nil {
		return fmt.Errorf("read %s: %w", redactionConf, err)
	}
	if ok && strings.Contains(old, SecretRedactionRegex) {
		return nil
	}
	v := SecretRedactionRegex
	if ok && old != "" {
		v = "(?:" + old + ")|" + v
	}
	if err := s.Conf().Set(ctx, redactionConf, v); err != nil {
		return fmt.Errorf("set %s: %w", redactionConf, err)
	}
	return nil
}
