package main

import (
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/sparkwire/sparkwire/jobs"
	"github.com/sparkwire/sparkwire/producers"
)

// kafkaPasswordEnv holds the SASL password; it is read when a command runs, never shown as
// a flag default.
const kafkaPasswordEnv = "SPARKWIRE_KAFKA_SASL_PASSWORD"

// kafkaSecurityFlags are the flags for a TLS or SASL_SSL Kafka listener, shared by
// 'produce', 'submit' and 'run'.
type kafkaSecurityFlags struct {
	tls                                   bool
	caFile, certFile, keyFile, serverName string
	mechanism, user, passwordFile         string
}

func (k *kafkaSecurityFlags) addFlags(fl *pflag.FlagSet) {
	fl.BoolVar(&k.tls, "kafka-tls", false, "talk TLS to Kafka, trusting the system's CAs (implied by --kafka-tls-ca and --kafka-sasl-mechanism)")
	fl.StringVar(&k.caFile, "kafka-tls-ca", "", "PEM file of the CA certificates that sign Kafka's broker certificates")
	fl.StringVar(&k.certFile, "kafka-tls-cert", "", "PEM file of a client certificate, for listeners that require one (with --kafka-tls-key)")
	fl.StringVar(&k.keyFile, "kafka-tls-key", "", "PEM file of the client certificate's private key (unencrypted PKCS#8 for Spark)")
	fl.StringVar(&k.serverName, "kafka-tls-server-name", "", "name the broker certificates must carry, if not the broker's host (producer only)")
	fl.StringVar(&k.mechanism, "kafka-sasl-mechanism", "", "SASL mechanism over TLS: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
	fl.StringVar(&k.user, "kafka-sasl-user", "", "SASL user name")
	fl.StringVar(&k.passwordFile, "kafka-sasl-password-file", "", "file holding the SASL password (default: env "+kafkaPasswordEnv+")")
}

// load reads the certificate files and the password. Both results are nil for plaintext.
func (k *kafkaSecurityFlags) load() (*producers.TLS, *producers.SASL, error) {
	if k.mechanism == "" && (k.user != "" || k.passwordFile != "") {
		return nil, nil, usagef("--kafka-sasl-user and --kafka-sasl-password-file need --kafka-sasl-mechanism")
	}
	if !k.tls && k.caFile == "" && k.certFile == "" && k.keyFile == "" && k.serverName == "" && k.mechanism == "" {
		return nil, nil, nil
	}
	t := &producers.TLS{ServerName: k.serverName}
	var err error
	read := func(flag, path string) []byte {
		if path == "" || err != nil {
			return nil
		}
		var b []byte
		if b, err = os.ReadFile(path); err != nil {
			err = usagef("--%s: %v", flag, err)
		}
		return b
	}
	t.CA = read("kafka-tls-ca", k.caFile)
	t.ClientCert = read("kafka-tls-cert", k.certFile)
	t.ClientKey = producers.Secret(read("kafka-tls-key", k.keyFile))
	if err != nil {
		return nil, nil, err
	}
	if k.mechanism == "" {
		return t, nil, nil
	}
	mech, err := producers.ParseSASLMechanism(k.mechanism)
	if err != nil {
		return nil, nil, usagef("--kafka-sasl-mechanism must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, not %q", k.mechanism)
	}
	if k.user == "" {
		return nil, nil, usagef("--kafka-sasl-mechanism %s needs --kafka-sasl-user", mech)
	}
	password := os.Getenv(kafkaPasswordEnv)
	if k.passwordFile != "" {
		b, err := os.ReadFile(k.passwordFile)
		if err != nil {
			return nil, nil, usagef("--kafka-sasl-password-file: %v", err)
		}
		password = strings.TrimRight(string(b), "\r\n")
	}
	if password == "" {
		return nil, nil, usagef("SASL user %q has no password: set %s or pass --kafka-sasl-password-file", k.user, kafkaPasswordEnv)
	}
	return t, &producers.SASL{Mechanism: mech, User: k.user, Password: producers.Secret(password)}, nil
}

// producerOptions returns the producer's TLS and SASL options.
func (k *kafkaSecurityFlags) producerOptions() ([]producers.Option, error) {
	t, s, err := k.load()
	if err != nil || t == nil {
		return nil, err
	}
	opts := []producers.Option{producers.WithTLS(*t)}
	if s != nil {
		opts = append(opts, producers.WithSASL(*s))
	}
	return opts, nil
}

// jobSecurity returns the jobs' Kafka security settings, nil for plaintext.
func (k *kafkaSecurityFlags) jobSecurity() (*jobs.KafkaSecurity, error) {
	t, s, err := k.load()
	if err != nil || t == nil {
		return nil, err
	}
	sec := &jobs.KafkaSecurity{TLS: t, SASL: s}
	if err := sec.Validate(); err != nil {
		return nil, usageError{err}
	}
	return sec, nil
}
