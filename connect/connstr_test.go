package connect

import (
	"errors"
	"strings"
	"testing"
)

func TestParseConnectionString(t *testing.T) {
	tests := []struct {
		in   string
		want ConnectionString
	}{
		{"sc://localhost", ConnectionString{Host: "localhost", Port: 15002}},
		{"sc://localhost/", ConnectionString{Host: "localhost", Port: 15002}},
		{"sc://spark.example.com:443/;use_ssl=true;token=abc", ConnectionString{Host: "spark.example.com", Port: 443, UseSSL: true, Token: "abc"}},
		{"sc://h:1/;user_id=ana;user_agent=etl;x-trace=7", ConnectionString{Host: "h", Port: 1, UserID: "ana", UserAgent: "etl", Headers: map[string]string{"x-trace": "7"}}},
		{"sc://[::1]:15003", ConnectionString{Host: "::1", Port: 15003}},
		{"sc://h/;session_id=0B7B4C6E-1D2A-4F3B-9C8D-7E6F5A4B3C2D", ConnectionString{Host: "h", Port: 15002, SessionID: "0b7b4c6e-1d2a-4f3b-9c8d-7e6f5a4b3c2d"}},
		{"sc://h/;grpc_max_message_size=1024", ConnectionString{Host: "h", Port: 15002, MaxMessageSize: 1024}},
	}
	for _, tt := range tests {
		got, err := ParseConnectionString(tt.in)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if tt.want.MaxMessageSize == 0 {
			tt.want.MaxMessageSize = DefaultMaxMessageSize
		}
		if got.Host != tt.want.Host || got.Port != tt.want.Port || got.Token != tt.want.Token ||
			got.UseSSL != tt.want.UseSSL || got.UserID != tt.want.UserID || got.UserAgent != tt.want.UserAgent ||
			got.SessionID != tt.want.SessionID || got.MaxMessageSize != tt.want.MaxMessageSize ||
			len(got.Headers) != len(tt.want.Headers) {
			t.Errorf("%q: got %+v, want %+v", tt.in, *got, tt.want)
		}
		for k, v := range tt.want.Headers {
			if got.Headers[k] != v {
				t.Errorf("%q: header %s = %q, want %q", tt.in, k, got.Headers[k], v)
			}
		}
	}
}

func TestParseConnectionStringErrors(t *testing.T) {
	tests := []struct{ in, mention string }{
		{"localhost:15002", "sc://"},
		{"http://localhost", "sc://"},
		{"sc://", "missing host"},
		{"sc://:15002", "missing host"},
		{"sc://h:port", `port "port"`},
		{"sc://h:0", "port"},
		{"sc://h:70000", "port"},
		{"sc://h:", "empty port"},
		{"sc://h/;session_id=1234", "not a UUID"},
		{"sc://h/;use_ssl=maybe", "use_ssl"},
		{"sc://h/;token", "not key=value"},
		{"sc://h/;token=", "token is empty"},
		{"sc://h/token=a", "/;"},
		{"sc://::1:15002", "brackets"},
		{"sc://[::1", "unclosed"},
		{"sc://h/;grpc_max_message_size=-1", "grpc_max_message_size"},
	}
	for _, tt := range tests {
		_, err := ParseConnectionString(tt.in)
		if err == nil {
			t.Errorf("%q: no error", tt.in)
			continue
		}
		if !errors.Is(err, ErrConnectionString) {
			t.Errorf("%q: %v does not wrap ErrConnectionString", tt.in, err)
		}
		if !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("%q: error %q does not mention %q", tt.in, err, tt.mention)
		}
	}
}

func TestConnectionStringRoundTrip(t *testing.T) {
	in := "sc://h:1/;use_ssl=true;user_id=u;user_agent=a;session_id=0b7b4c6e-1d2a-4f3b-9c8d-7e6f5a4b3c2d;b=2;a=1"
	cs, err := ParseConnectionString(in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseConnectionString(cs.String())
	if err != nil {
		t.Fatalf("String() gave %q: %v", cs.String(), err)
	}
	if again.String() != cs.String() {
		t.Errorf("round trip: %q != %q", again.String(), cs.String())
	}
	tok, _ := ParseConnectionString("sc://h/;token=secret")
	if strings.Contains(tok.String(), "secret") {
		t.Errorf("String() leaks the token: %s", tok)
	}
}

func TestLoopbackDecidesTLS(t *testing.T) {
	for host, want := range map[string]bool{"localhost": true, "127.0.0.1": true, "[::1]": true, "spark.example.com": false, "10.0.0.1": false} {
		cs, err := ParseConnectionString("sc://" + host)
		if err != nil {
			t.Fatal(err)
		}
		if cs.isLoopback() != want {
			t.Errorf("%s: loopback = %v, want %v", host, !want, want)
		}
	}
}

func FuzzParseConnectionString(f *testing.F) {
	for _, s := range []string{"sc://localhost", "sc://h:15002/;token=t;use_ssl=true", "sc://[::1]:1/;session_id=0b7b4c6e-1d2a-4f3b-9c8d-7e6f5a4b3c2d", "sc://h/;a=b;c", "sc://:/;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := ParseConnectionString(s)
		if err != nil {
			if !errors.Is(err, ErrConnectionString) {
				t.Fatalf("%q: error %v does not wrap ErrConnectionString", s, err)
			}
			return
		}
		if cs.Host == "" || cs.Port < 1 || cs.Port > 65535 {
			t.Fatalf("%q: accepted with host %q port %d", s, cs.Host, cs.Port)
		}
		if cs.SessionID != "" && !isUUID(cs.SessionID) {
			t.Fatalf("%q: accepted session id %q", s, cs.SessionID)
		}
		// What String renders parses again to the same settings (tokens are masked).
		if cs.Token == "" {
			again, err := ParseConnectionString(cs.String())
			if err != nil {
				t.Fatalf("%q: String() = %q does not parse: %v", s, cs.String(), err)
			}
			if again.String() != cs.String() {
				t.Fatalf("%q: %q != %q", s, again.String(), cs.String())
			}
		}
	})
}

// No error of a malformed connection string shows its secrets.
func TestConnectionStringErrorsHideSecrets(t *testing.T) {
	const secret = "sentinel-s3cret"
	for _, url := range []string{
		"sc://localhost:notaport/;token=" + secret,
		"sc://localhost/;token=" + secret + ";use_ssl=maybe",
		"sc://localhost/;token=" + secret + ";session_id=nope",
		"sc://localhost/;x-api-key=" + secret + ";bad key=1",
		"sc://localhost/;authorization=Bearer " + secret + "\x01",
		"sc://localhost/;" + secret,
		"http://localhost/;token=" + secret,
	} {
		_, err := ParseConnectionString(url)
		if err == nil {
			t.Errorf("%q accepted", url)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error shows the secret: %v", err)
		}
	}
}
