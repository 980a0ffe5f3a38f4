package connect

import (
	"context"
	"slices"
	"strings"
)

// Credentials in the parameters of a connection string (";authorization=...",
// ";x-api-key=...", any key naming a token, secret, password, key, credential or cookie)
// are treated as the token is: they turn TLS on to a host that is not a loopback address,
// travel as per-call credentials that gRPC refuses to send over a connection without
// transport security (so a dial option that forces plaintext makes the call fail rather than
// leak them), and are masked wherever sparkwire prints a connection string.

// SecretHeaders returns the sorted keys of the parameters that carry credentials and are
// treated like the token (see the package documentation on TLS).
func (c *ConnectionString) SecretHeaders() []string {
	if c == nil {
		return nil
	}
	var keys []string
	for k := range c.Headers {
		if secretKey(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// splitHeaders separates the credential headers from the others.
func (c *ConnectionString) splitHeaders() (secret, plain map[string]string) {
	for k, v := range c.Headers {
		m := &plain
		if secretKey(k) {
			m = &secret
		}
		if *m == nil {
			*m = map[string]string{}
		}
		(*m)[k] = v
	}
	return secret, plain
}

// headerCredentials sends credential headers with every call, and only over TLS when
// secure is set.
type headerCredentials struct {
	headers map[string]string
	secure  bool
}

func (h headerCredentials) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return h.headers, nil
}

func (h headerCredentials) RequireTransportSecurity() bool { return h.secure }

// credentialNames describes the credentials of the connection for an error message,
// without their values: "the token and the headers x-api-key, authorization".
func (c *ConnectionString) credentialNames() string {
	var parts []string
	if c.Token != "" {
		parts = append(parts, "the token")
	}
	if keys := c.SecretHeaders(); len(keys) > 0 {
		parts = append(parts, "the credential headers "+strings.Join(keys, ", "))
	}
	return strings.Join(parts, " and ")
}
