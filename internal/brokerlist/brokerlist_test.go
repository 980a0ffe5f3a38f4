package brokerlist

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  string // substring of the error; "" for none
	}{
		{in: "", want: nil},
		{in: "  ,, ", want: nil},
		{in: "localhost:9092", want: []string{"localhost:9092"}},
		{in: " a:1, b:2,,c:65535 ,", want: []string{"a:1", "b:2", "c:65535"}},
		{in: "10.0.0.1:9092,[::1]:9093", want: []string{"10.0.0.1:9092", "[::1]:9093"}},
		{in: "localhost", err: `"localhost": want host:port, the port is missing`},
		{in: "a:1,b", err: `"b": want host:port, the port is missing`},
		{in: ":9092", err: `":9092": want host:port, the host is missing`},
		{in: "a:0", err: `port "0" is not a number from 1 to 65535`},
		{in: "a:65536", err: `port "65536"`},
		{in: "a:http", err: `port "http"`},
		{in: "a:", err: `port ""`},
		{in: "a b:1", err: "spaces or slashes"},
		{in: "kafka://a:1", err: `"kafka://a:1": want host:port`},
		{in: "::1:9092", err: "want host:port"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrInvalid) {
				t.Errorf("Parse(%q) = %q, %v; want an ErrInvalid containing %q", tt.in, got, err, tt.err)
			}
			if got != nil {
				t.Errorf("Parse(%q) returned %q with its error", tt.in, got)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("Parse(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
