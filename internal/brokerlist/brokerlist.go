// Package brokerlist parses Kafka bootstrap lists such as "localhost:9092, kafka:9093": the
// one parser behind the CLI's --brokers, the SPARKWIRE_KAFKA_BROKERS variables of
// docker/stack and the benchmark's -brokers flag.
package brokerlist

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// ErrInvalid is wrapped by every error [Parse] returns.
var ErrInvalid = errors.New("invalid Kafka broker list")

// Parse splits a comma-separated list of host:port addresses. Spaces around items are
// trimmed and empty items (",," or a trailing comma) dropped; a blank list gives nil and no
// error, so that callers can fall back to another source. Every item needs a host and a
// port from 1 to 65535 (IPv6 hosts in brackets, "[::1]:9092"): Kafka's Java client, which
// Spark's Kafka source and sink use, refuses an address without a port. Errors wrap
// [ErrInvalid] and name the item.
func Parse(s string) ([]string, error) {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if err := check(item); err != nil {
			return nil, fmt.Errorf("%w: %q: %s", ErrInvalid, item, err)
		}
		out = append(out, item)
	}
	return out, nil
}

// check validates one host:port address.
func check(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		if strings.Contains(err.Error(), "missing port") {
			return errors.New("want host:port, the port is missing")
		}
		return errors.New("want host:port")
	}
	if host == "" {
		return errors.New("want host:port, the host is missing")
	}
	if strings.ContainsAny(host, " \t/") {
		return errors.New("the host has spaces or slashes")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return nil
}
