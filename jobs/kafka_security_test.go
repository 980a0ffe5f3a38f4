package jobs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/kafkasec"
)

// sentinel is the SASL password of these tests: the options sent to Spark carry it, and
// nothing printed may.
const sentinel = `s3ntinel"pass\word`

// testCert returns a self-signed certificate and its PKCS#8 key in PEM.
func testCert(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kafka"},
		DNSNames: []string{"kafka"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
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

func TestKafkaSecurityValidate(t *testing.T) {
	ca, key := testCert(t)
	scram := &kafkasec.SASL{Mechanism: kafkasec.SASLScramSHA256, User: "alice", Password: sentinel}
	for name, tc := range map[string]struct {
		k    *KafkaSecurity
		want string // "" for valid
	}{
		"nil":               {nil, ""},
		"sasl over tls":     {&KafkaSecurity{TLS: &kafkasec.TLS{CA: ca}, SASL: scram}, ""},
		"tls with cert":     {&KafkaSecurity{TLS: &kafkasec.TLS{CA: ca, ClientCert: ca, ClientKey: kafkasec.Secret(key)}}, ""},
		"empty":             {&KafkaSecurity{}, "set TLS"},
		"sasl without tls":  {&KafkaSecurity{SASL: scram}, "in the clear"},
		"no password":       {&KafkaSecurity{TLS: &kafkasec.TLS{}, SASL: &kafkasec.SASL{Mechanism: kafkasec.SASLPlain, User: "a"}}, "no password"},
		"bad mechanism":     {&KafkaSecurity{TLS: &kafkasec.TLS{}, SASL: &kafkasec.SASL{Mechanism: "GSSAPI", User: "a", Password: sentinel}}, "mechanism"},
		"multi-line":        {&KafkaSecurity{TLS: &kafkasec.TLS{}, SASL: &kafkasec.SASL{Mechanism: kafkasec.SASLPlain, User: "a", Password: sentinel + "\n"}}, "one line"},
		"server name":       {&KafkaSecurity{TLS: &kafkasec.TLS{ServerName: "other"}}, "server name"},
		"bad ca":            {&KafkaSecurity{TLS: &kafkasec.TLS{CA: []byte("junk")}}, "no PEM"},
		"cert without key":  {&KafkaSecurity{TLS: &kafkasec.TLS{ClientCert: ca}}, "go together"},
		"key not pkcs8 pem": {&KafkaSecurity{TLS: &kafkasec.TLS{ClientCert: ca, ClientKey: sentinel}}, "PKCS#8"},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.k.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
			if strings.Contains(err.Error(), sentinel) {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

func TestKafkaSecuritySparkOptions(t *testing.T) {
	ca, key := testCert(t)
	for name, tc := range map[string]struct {
		k    *KafkaSecurity
		want map[string]string
	}{
		"plaintext": {nil, nil},
		"scram-sha-512": {&KafkaSecurity{TLS: &kafkasec.TLS{CA: ca}, SASL: &kafkasec.SASL{Mechanism: kafkasec.SASLScramSHA512, User: "alice", Password: sentinel}},
			map[string]string{
				"kafka.security.protocol":           "SASL_SSL",
				"kafka.sasl.mechanism":              "SCRAM-SHA-512",
				"kafka.sasl.jaas.config":            `org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="s3ntinel\"pass\\word";`,
				"kafka.ssl.truststore.type":         "PEM",
				"kafka.ssl.truststore.certificates": string(ca),
			}},
		"plain, system CAs": {&KafkaSecurity{TLS: &kafkasec.TLS{}, SASL: &kafkasec.SASL{Mechanism: kafkasec.SASLPlain, User: "bob", Password: "pw"}},
			map[string]string{
				"kafka.security.protocol": "SASL_SSL",
				"kafka.sasl.mechanism":    "PLAIN",
				"kafka.sasl.jaas.config":  `org.apache.kafka.common.security.plain.PlainLoginModule required username="bob" password="pw";`,
			}},
		"tls with client cert": {&KafkaSecurity{TLS: &kafkasec.TLS{CA: ca, ClientCert: ca, ClientKey: kafkasec.Secret(key)}},
			map[string]string{
				"kafka.security.protocol":              "SSL",
				"kafka.ssl.truststore.type":            "PEM",
				"kafka.ssl.truststore.certificates":    string(ca),
				"kafka.ssl.keystore.type":              "PEM",
				"kafka.ssl.keystore.certificate.chain": string(ca),
				"kafka.ssl.keystore.key":               string(key),
			}},
	} {
		t.Run(name, func(t *testing.T) {
			if got := tc.k.sparkOptions(); !maps.Equal(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// kafkaOptionMaps walks a plan's JSON and returns every "options" object that configures a
// Kafka source or sink (it holds kafka.bootstrap.servers).
func kafkaOptionMaps(v any) []map[string]any {
	var out []map[string]any
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if o, ok := e.(map[string]any); ok && k == "options" && o["kafka.bootstrap.servers"] != nil {
				out = append(out, o)
				continue
			}
			out = append(out, kafkaOptionMaps(e)...)
		}
	case []any:
		for _, e := range x {
			out = append(out, kafkaOptionMaps(e)...)
		}
	}
	return out
}

// The secured job sends the plain job's plans plus the security options on every Kafka
// source and sink; nothing printed from its config shows the password.
func TestSecuredJobPlans(t *testing.T) {
	ca, _ := testCert(t)
	sec := &KafkaSecurity{TLS: &kafkasec.TLS{CA: ca},
		SASL: &kafkasec.SASL{Mechanism: kafkasec.SASLScramSHA256, User: "alice", Password: sentinel}}
	wantOpts := sec.sparkOptions()
	for _, job := range Builtin().List() {
		t.Run(job.Name, func(t *testing.T) {
			plainSrv, plainSession := serve(t)
			if _, err := job.Start(testCtx(t), plainSession, Config{Brokers: "kafka:9092"}); err != nil {
				t.Fatal(err)
			}
			srv, s := serve(t)
			run, err := job.Start(testCtx(t), s, Config{Brokers: "kafka:9092", Security: sec})
			if err != nil {
				t.Fatal(err)
			}
			plain, secured := plainSrv.Plans(), srv.Plans()
			if len(plain) != len(secured) {
				t.Fatalf("%d plans secured, %d plain", len(secured), len(plain))
			}
			for i, p := range secured {
				var v any
				if err := json.Unmarshal(p.JSON(), &v); err != nil {
					t.Fatal(err)
				}
				maps := kafkaOptionMaps(v)
				if len(maps) == 0 {
					t.Fatalf("plan %d has no Kafka source or sink", i)
				}
				for _, o := range maps {
					for k, want := range wantOpts {
						if o[k] != want {
							t.Errorf("plan %d: option %s = %v, want %q", i, k, o[k], want)
						}
						delete(o, k) // what is left must be the plain plan
					}
				}
				stripped, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				if d, err := plain[i].Diff(stripped); err != nil || d != "" {
					t.Errorf("plan %d differs from the plain job's beyond the security options (%v):\n%s", i, err, d)
				}
			}
			for _, out := range []string{fmt.Sprintf("%v", run.Config), fmt.Sprintf("%+v", *run.Config.Security),
				fmt.Sprintf("%#v", run.Config.Security.SASL), run.Config.Security.String()} {
				if strings.Contains(out, sentinel) || strings.Contains(out, `s3ntinel`) {
					t.Errorf("printed config shows the password: %s", out)
				}
			}
			if v, ok, err := s.Conf().Get(testCtx(t), "spark.sql.redaction.string.regex"); err != nil || !ok || v != SecretRedactionRegex {
				t.Errorf("the session's string redaction is %q (%v, %v), want %q", v, ok, err, SecretRedactionRegex)
			}
			if got := run.Config.Security.String(); !strings.Contains(got, "SCRAM-SHA-256") || !strings.Contains(got, "[REDACTED]") {
				t.Errorf("Security prints %q", got)
			}
		})
	}
}

// The batch jobs' Kafka source gets the same options, and a bad setting fails before
// anything is sent.
func TestSecuredBatchJob(t *testing.T) {
	ca, _ := testCert(t)
	sec := &KafkaSecurity{TLS: &kafkasec.TLS{CA: ca},
		SASL: &kafkasec.SASL{Mechanism: kafkasec.SASLPlain, User: "alice", Password: sentinel}}
	job := BuiltinBatch().List()[0]
	srv, s := serve(t)
	if _, err := job.Run(testCtx(t), s, BatchConfig{Brokers: "kafka:9092", Security: sec}); err != nil {
		t.Fatal(err)
	}
	plans := srv.Plans()
	if len(plans) == 0 {
		t.Fatal("no plan sent")
	}
	var v any
	if err := json.Unmarshal(plans[len(plans)-1].JSON(), &v); err != nil {
		t.Fatal(err)
	}
	maps := kafkaOptionMaps(v)
	if len(maps) != 1 || maps[0]["kafka.sasl.jaas.config"] != sec.sparkOptions()["kafka.sasl.jaas.config"] ||
		maps[0]["kafka.security.protocol"] != "SASL_SSL" {
		t.Errorf("Kafka source options %v", maps)
	}

	bad := &KafkaSecurity{SASL: sec.SASL}
	_, err := job.Result(s, BatchConfig{Brokers: "kafka:9092", Security: bad})
	if err == nil || !strings.Contains(err.Error(), "without TLS") || strings.Contains(err.Error(), "s3ntinel") {
		t.Errorf("SASL without TLS: %v", err)
	}
}

// The redaction pattern covers the JAAS password (escaped quotes included) and a PEM key,
// and RedactSecrets keeps a pattern the session already has, once.
func TestRedactSecrets(t *testing.T) {
	ca, key := testCert(t)
	sec := &KafkaSecurity{TLS: &kafkasec.TLS{CA: ca, ClientCert: ca, ClientKey: kafkasec.Secret(key)},
		SASL: &kafkasec.SASL{Mechanism: kafkasec.SASLPlain, User: "alice", Password: sentinel}}
	re := regexp.MustCompile(SecretRedactionRegex) // Java's syntax, within what RE2 reads alike
	for k, v := range sec.sparkOptions() {
		red := re.ReplaceAllString(v, "*****")
		if strings.Contains(red, "s3ntinel") || strings.Contains(red, string(key[30:60])) {
			t.Errorf("%s not redacted: %s", k, red)
		}
		if k == "kafka.ssl.truststore.certificates" && red != v {
			t.Errorf("the CA certificate should stay: %s", red)
		}
	}
	_, s := serve(t)
	ctx := testCtx(t)
	if err := s.Conf().Set(ctx, "spark.sql.redaction.string.regex", "secret"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := RedactSecrets(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if v, _, err := s.Conf().Get(ctx, "spark.sql.redaction.string.regex"); err != nil || v != "(?:secret)|"+SecretRedactionRegex {
		t.Errorf("redaction pattern %q, %v", v, err)
	}
}
