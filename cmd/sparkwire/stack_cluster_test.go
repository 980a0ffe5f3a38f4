package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// up --cluster takes a number of workers; a negative one is a usage error, found before any
// Docker call.
func TestUpClusterFlag(t *testing.T) {
	if opts, err := upOptions(0); err != nil || len(opts) != 1 {
		t.Errorf("upOptions(0) = %d options, %v; want the persistent option alone", len(opts), err)
	}
	if opts, err := upOptions(2); err != nil || len(opts) != 4 {
		t.Errorf("upOptions(2) = %d options, %v; want persistent, cluster, HDFS and Kafka brokers", len(opts), err)
	}
	r := newTestCLI(t).run("up", "--cluster", "-1")
	if r.code != 2 || r.err == nil || !strings.Contains(r.err.Error(), "--cluster -1") {
		t.Fatalf("up --cluster -1: %s", r)
	}
	r = newTestCLI(t).run("up", "--cluster", "two")
	if r.code == 0 || r.err == nil {
		t.Fatalf("up --cluster two: %s", r)
	}
}

// A cluster stack's state prints its master UI and HDFS; a local stack's prints neither.
func TestPrintClusterState(t *testing.T) {
	var out bytes.Buffer
	cmd := &cobra.Command{}
	cmd.SetOut(&out)
	printState(cmd, &stackState{ConnectURL: "sc://localhost:15002", Brokers: []string{"localhost:9092"}, SparkBrokers: "kafka:9093",
		SparkUI: "http://localhost:4040", Workers: 2, MasterUI: "http://localhost:8080", HDFSURI: "hdfs://hdfs-namenode:8020"})
	want := "Spark Connect  sc://localhost:15002\nKafka          localhost:9092 (from Spark: kafka:9093)\nSpark UI       http://localhost:4040\n" +
		"Spark master   http://localhost:8080 (2 workers)\nHDFS           hdfs://hdfs-namenode:8020 (from Spark; its default file system)\n" +
		"\nexport SPARKWIRE_CONNECT_URL=sc://localhost:15002 SPARKWIRE_KAFKA_BROKERS=localhost:9092\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
	if got := describeStack(0); !strings.Contains(got, "local") {
		t.Errorf("describeStack(0) = %q", got)
	}
	if got := describeStack(3); !strings.Contains(got, "3 workers") {
		t.Errorf("describeStack(3) = %q", got)
	}
}

// submit --checkpoint takes an hdfs:// directory as it is: each query that writes to Kafka
// checkpoints under it (the memory sink's query keeps no checkpoint).
func TestSubmitHDFSCheckpoint(t *testing.T) {
	c := newTestCLI(t)
	t.Setenv("SPARKWIRE_CONNECT_URL", c.srv.URL())
	t.Setenv("SPARKWIRE_SPARK_KAFKA_BROKERS", "kafka:9093")
	const dir = "hdfs://hdfs-namenode:8020/checkpoints/pv"
	r := c.run("submit", "pageviews", "--name", "pv", "--checkpoint", dir, "--settle", "0s")
	if r.code != 0 || strings.Count(r.stdout, "started ") != 3 {
		t.Fatalf("submit: %s", r)
	}
	plans := c.plansJSON()
	if n := strings.Count(plans, `"checkpointLocation"`); n != 2 {
		t.Errorf("%d checkpoint locations in submit's plans, want 2", n)
	}
	for _, q := range []string{"pv_kafka", "pv_quarantine"} {
		if want := `"checkpointLocation": "` + dir + "/" + q + `"`; !strings.Contains(plans, want) {
			t.Errorf("submit's plans lack %s:\n%s", want, plans)
		}
	}
	if r := c.run("stop", "pv"); r.code != 0 {
		t.Fatalf("stop: %s", r)
	}
}
