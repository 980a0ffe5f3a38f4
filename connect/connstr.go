package connect

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
)

// DefaultPort is the port Spark Connect servers listen on unless told otherwise.
const DefaultPort = 15002

// DefaultMaxMessageSize is the largest gRPC message accepted unless grpc_max_message_size
// says otherwise (128 MiB, as in Spark's clients).
const DefaultMaxMessageSize = 128 << 20

// ErrConnectionString is wrapped by every error that [ParseConnectionString] returns.
var ErrConnectionString = errors.New("invalid Spark Connect connection string")

// ConnectionString is a parsed Spark Connect connection string:
//
//	sc://host[:port]/;token=...;use_ssl=true;user_id=...;user_agent=...;session_id=<uuid>
//
// Keys are case-sensitive, as in Spark's client-connection-string specification. Keys that
// sparkwire does not know are kept in Headers and sent as gRPC metadata with every call.
type ConnectionString struct {
	Host string
	Port int
	// Token is sent as "authorization: Bearer <token>".
	Token string
	// UseSSL turns TLS on. A token turns it on too, except to a loopback host.
	UseSSL bool
	// UserID goes into the UserContext of every request.
	UserID string
	// UserAgent is prepended to the client type sent with every request.
	UserAgent string
	// SessionID is the client-chosen session id (a UUID); empty means a new random one.
	SessionID string
	// MaxMessageSize is the largest gRPC message accepted, in bytes.
	MaxMessageSize int
	// Headers are the parameters with keys that are not part of the specification.
	Headers map[string]string
}

// ParseConnectionString parses a Spark Connect connection string. The error names the part
// that is wrong and wraps [ErrConnectionString].
func ParseConnectionString(s string) (*ConnectionString, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %q: %s", ErrConnectionString, redactConnectionString(s), fmt.Sprintf(format, args...))
	}
	rest, ok := strings.CutPrefix(s, "sc://")
	if !ok {
		return nil, bad("must start with sc://")
	}
	hostport, params, _ := strings.Cut(rest, "/")
	if hostport == "" {
		return nil, bad("missing host")
	}
	cs := &ConnectionString{Port: DefaultPort, MaxMessageSize: DefaultMaxMessageSize}
	host, port, err := splitHostPort(hostport)
	if err != nil {
		return nil, bad("%v", err)
	}
	cs.Host = host
	if port != "" {
		p, err := strconv.Atoi(port)
		if err != nil || p < 1 || p > 65535 {
			return nil, bad("port %q is not a number between 1 and 65535", port)
		}
		cs.Port = p
	}
	if params != "" {
		if !strings.HasPrefix(params, ";") {
			return nil, bad("parameters must follow \"/;\", found %q", "/"+params)
		}
		for _, kv := range strings.Split(params[1:], ";") {
			if kv == "" {
				continue
			}
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return nil, bad("parameter %q is not key=value", redactParam(kv))
			}
			switch k {
			case "token":
				if v == "" {
					return nil, bad("token is empty")
				}
				cs.Token = v
			case "use_ssl":
				b, err := strconv.ParseBool(v)
				if err != nil {
					return nil, bad("use_ssl=%q is not true or false", v)
				}
				cs.UseSSL = b
			case "user_id":
				cs.UserID = v
			case "user_agent":
				cs.UserAgent = v
			case "session_id":
				if !isUUID(v) {
					return nil, bad("session_id %q is not a UUID", v)
				}
				cs.SessionID = strings.ToLower(v)
			case "grpc_max_message_size":
				n, err := strconv.Atoi(v)
				if err != nil || n <= 0 {
					return nil, bad("grpc_max_message_size=%q is not a positive number of bytes", v)
				}
				cs.MaxMessageSize = n
			default:
				if !validHeader(k, v) {
					return nil, bad("parameter %q cannot be sent as gRPC metadata (keys: letters, digits, '-', '_', '.'; values: printable ASCII)", redactParam(kv))
				}
				if cs.Headers == nil {
					cs.Headers = map[string]string{}
				}
				cs.Headers[k] = v
			}
		}
	}
	return cs, nil
}

// secretKey reports whether a connection string key names a secret: the token, or a header
// that carries credentials.
func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range []string{"token", "auth", "secret", "password", "passwd", "key", "credential", "cookie"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// redactParam masks the value of a key=value parameter whose key names a secret, and the
// whole parameter when it has no "=" (it may be a secret given without its key).
func redactParam(kv string) string {
	k, _, ok := strings.Cut(kv, "=")
	if !ok {
		return "***"
	}
	if secretKey(k) {
		return k + "=***"
	}
	return kv
}

// redactConnectionString masks the secrets of a connection string, for error messages.
func redactConnectionString(s string) string {
	head, params, ok := strings.Cut(s, ";")
	if !ok {
		return s
	}
	parts := strings.Split(params, ";")
	for i, kv := range parts {
		if kv != "" {
			parts[i] = redactParam(kv)
		}
	}
	return head + ";" + strings.Join(parts, ";")
}

// Address returns host:port, bracketing IPv6 hosts.
func (c *ConnectionString) Address() string {
	return net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
}

// String renders the connection string with the token and credential-like parameters
// (see [ConnectionString.SecretHeaders]) masked.
func (c *ConnectionString) String() string {
	var b strings.Builder
	b.WriteString("sc://")
	b.WriteString(c.Address())
	b.WriteString("/")
	add := func(k, v string) { b.WriteString(";" + k + "=" + v) }
	if c.Token != "" {
		add("token", "***")
	}
	if c.UseSSL {
		add("use_ssl", "true")
	}
	if c.UserID != "" {
		add("user_id", c.UserID)
	}
	if c.UserAgent != "" {
		add("user_agent", c.UserAgent)
	}
	if c.SessionID != "" {
		add("session_id", c.SessionID)
	}
	if c.MaxMessageSize != DefaultMaxMessageSize && c.MaxMessageSize != 0 {
		add("grpc_max_message_size", strconv.Itoa(c.MaxMessageSize))
	}
	keys := make([]string, 0, len(c.Headers))
	for k := range c.Headers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if secretKey(k) {
			add(k, "***")
		} else {
			add(k, c.Headers[k])
		}
	}
	return b.String()
}

// isLoopback reports whether the host is localhost or a loopback address.
func (c *ConnectionString) isLoopback() bool {
	if strings.EqualFold(c.Host, "localhost") {
		return true
	}
	ip := net.ParseIP(c.Host)
	return ip != nil && ip.IsLoopback()
}

func splitHostPort(hp string) (host, port string, err error) {
	if strings.HasPrefix(hp, "[") {
		end := strings.Index(hp, "]")
		if end < 0 {
			return "", "", errors.New("unclosed [ in IPv6 host")
		}
		host, rest := hp[1:end], hp[end+1:]
		if ip := net.ParseIP(host); ip == nil || !strings.Contains(host, ":") {
			return "", "", fmt.Errorf("%q in brackets is not an IPv6 address", host)
		}
		if rest == "" {
			return host, "", nil
		}
		if !strings.HasPrefix(rest, ":") {
			return "", "", fmt.Errorf("unexpected %q after IPv6 host", rest)
		}
		return host, rest[1:], nil
	}
	host, port, hasPort := strings.Cut(hp, ":")
	if strings.Contains(port, ":") {
		return "", "", errors.New("IPv6 hosts must be written in brackets, e.g. sc://[::1]:15002")
	}
	if host == "" {
		return "", "", errors.New("missing host")
	}
	for _, r := range host {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return "", "", fmt.Errorf("host %q contains %q", host, r)
		}
	}
	if hasPort && port == "" {
		return "", "", errors.New("empty port after ':'")
	}
	return host, port, nil
}

// validHeader reports whether key and value can travel as gRPC ASCII metadata.
func validHeader(k, v string) bool {
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	if strings.HasPrefix(strings.ToLower(k), "grpc-") || strings.HasSuffix(strings.ToLower(k), "-bin") {
		return false
	}
	for _, r := range v {
		if r < 0x20 || r > 0x7e {
			return false
		}
	}
	return true
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
				return false
			}
		}
	}
	return true
}
