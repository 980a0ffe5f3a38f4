package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeState records st as 'sparkwire up' would, in the harness's cache directory.
func writeState(t *testing.T, c *testCLI, st stackState) {
	t.Helper()
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(c.cacheDir, "sparkwire", "stack.json")
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// produce finds Kafka where 'sparkwire up' recorded it, unless --connect names another
// server.
func TestProduceBrokersFromState(t *testing.T) {
	c := newTestCLI(t)
	writeState(t, c, stackState{ConnectURL: "sc://localhost:15002", Brokers: []string{"localhost:1"}, SparkBrokers: "kafka:19092"})
	g := &globals{}
	if got, _ := g.hostBrokers(); strings.Join(got, ",") != "localhost:1" {
		t.Errorf("from the state: %q", got)
	}
	g = &globals{brokers: "elsewhere:9092"}
	if got, _ := g.hostBrokers(); strings.Join(got, ",") != "elsewhere:9092" {
		t.Errorf("flag: %q", got)
	}
	g = &globals{connectURL: "sc://spark.example:15002"}
	if got, err := g.hostBrokers(); got != nil || err != nil {
		t.Errorf("another server: %q", got)
	}
	// Through the command: with the recorded stack, produce no longer says no brokers.
	r := c.run("produce", "-n", "1", "--delivery-timeout", "1s", "--timeout", "3s")
	if strings.Contains(r.stderr, "no Kafka brokers given") || r.code == 2 {
		t.Fatalf("produce ignored the recorded stack: %s", r)
	}
}
