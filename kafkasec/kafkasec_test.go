package kafkasec

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// The settings never print their secrets, with any verb or encoding.
func TestSecretsNeverPrint(t *testing.T) {
	const pw = "hunter2-sentinel"
	s := SASL{Mechanism: SASLScramSHA256, User: "alice", Password: pw}
	tl := TLS{ClientCert: []byte("cert"), ClientKey: pw}
	j, err := json.Marshal(struct{ P Secret }{pw})
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%+v %#v %q %s", s, s, s, s), fmt.Sprintf("%v %+v %#v", tl, tl, tl),
		fmt.Sprintf("%v %s %q %x %#v", Secret(pw), Secret(pw), Secret(pw), Secret(pw), Secret(pw)), string(j),
	} {
		if strings.Contains(out, pw) {
			t.Errorf("secret in %q", out)
		}
	}
	if got := s.String(); got != `SASL SCRAM-SHA-256 user "alice", password [REDACTED]` {
		t.Errorf("String() = %q", got)
	}
	if Secret("").String() != "" {
		t.Error("an empty secret prints as something")
	}
}

func TestValidateAndConfig(t *testing.T) {
	for _, tc := range []struct {
		s    SASL
		want string
	}{
		{SASL{Mechanism: "GSSAPI", User: "a", Password: "p"}, `SASL mechanism "GSSAPI"`},
		{SASL{Mechanism: SASLPlain, Password: "p"}, "needs a user"},
		{SASL{Mechanism: SASLPlain, User: "a"}, "has no password"},
	} {
		if err := tc.s.Validate(); !errors.Is(err, ErrInvalidOption) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.s, err, tc.want)
		}
	}
	if err := (SASL{Mechanism: SASLScramSHA512, User: "a", Password: "p"}).Validate(); err != nil {
		t.Errorf("valid SASL: %v", err)
	}
	if m, err := ParseSASLMechanism(" scram-sha-512 "); m != SASLScramSHA512 || err != nil {
		t.Errorf("ParseSASLMechanism: %q, %v", m, err)
	}
	if _, err := (TLS{CA: []byte("not pem")}).Config(); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("bad CA: %v", err)
	}
	if _, err := (TLS{ClientCert: []byte("c")}).Config(); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("certificate without key: %v", err)
	}
	if c, err := (TLS{ServerName: "b"}).Config(); err != nil || c.ServerName != "b" || c.MinVersion == 0 {
		t.Errorf("zero TLS: %+v, %v", c, err)
	}
}
