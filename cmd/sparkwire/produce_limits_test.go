package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/producers"
)

// Rates and shares that are not finite numbers in range are usage errors naming the flag:
// NaN passes every comparison, and "--rate NaN" used to mean "as fast as possible".
func TestProduceRefusesBadNumbers(t *testing.T) {
	c := newTestCLI(t)
	for _, args := range [][]string{
		{"--rate", "NaN"}, {"--rate", "+Inf"}, {"--rate", "-5"},
		{"--ramp-to", "NaN"}, {"--burst-rate", "Inf"},
		{"--late-share", "NaN"}, {"--malformed-share", "1.5"},
	} {
		r := c.run(append([]string{"produce", "--dry-run", "--count", "1"}, args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, args[0]) {
			t.Errorf("%v: %s", args, r)
		}
	}
}

// --keys beyond what fits is refused with the limit; a large --keys ends with --timeout
// instead of running its set-up to the end.
func TestProduceKeysBounded(t *testing.T) {
	c := newTestCLI(t)
	r := c.run("produce", "--dry-run", "--count", "1", "--keys", "100000000")
	if r.code != 2 || !strings.Contains(r.stderr, strconv.Itoa(producers.MaxKeys)) {
		t.Errorf("100M keys: %s", r)
	}
	start := time.Now()
	r = c.run("produce", "--dry-run", "--count", "1", "--keys", "10000000", "--timeout", "50ms")
	if r.code != 1 || !strings.Contains(r.stderr, "deadline") || time.Since(start) > 3*time.Second {
		t.Errorf("10M keys with a 50ms timeout: after %s: %s", time.Since(start), r)
	}
	if r := c.run("produce", "--dry-run", "--count", "1", "--keys", "5"); r.code != 0 {
		t.Errorf("5 keys: %s", r)
	}
}
