package main

import (
	"strings"
	"testing"
)

// submit runs a batch job once: its table is written through the v2 writer, and the
// command reports the table and the offsets read.
func TestSubmitBatchJob(t *testing.T) {
	c := newTestCLI(t)
	t.Setenv("SPARKWIRE_CONNECT_URL", c.srv.URL())
	t.Setenv("SPARKWIRE_SPARK_KAFKA_BROKERS", "kafka:9092")
	r := c.run("submit", "pageviews_daily", "--table", "lake.x.daily", "--input", "clicks",
		"--starting-offsets", `{"clicks":{"0":10}}`, "--ending-offsets", `{"clicks":{"0":20}}`)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("submit: %s", r)
	}
	if !strings.HasPrefix(r.stdout, "pageviews_daily replaced the partitions it has rows for in lake.x.daily (input clicks, offsets {\"clicks\":{\"0\":10}} to {\"clicks\":{\"0\":20}}) in ") {
		t.Errorf("submit printed %q", r.stdout)
	}
	plans := c.plansJSON()
	for _, want := range []string{`"tableName": "lake.x.daily"`, `"mode": "MODE_OVERWRITE_PARTITIONS"`, `"subscribe": "clicks"`,
		`"endingOffsets": "{\"clicks\":{\"0\":20}}"`, `"kafka.bootstrap.servers": "kafka:9092"`} {
		if !strings.Contains(plans, want) {
			t.Errorf("submit's plans lack %s:\n%s", want, plans)
		}
	}
	if n := len(c.srv.ActiveQueries()); n != 0 {
		t.Errorf("a batch job left %d queries running", n)
	}

	// The first run creates the table.
	c.afterDial = func() { c.srv.FailNext("TABLE_OR_VIEW_NOT_FOUND", "42P01", "no table") }
	r = c.run("submit", "pageviews_daily")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "pageviews_daily created lake.sparkwire.pageviews_daily (input clickstream, offsets earliest to latest)") {
		t.Fatalf("submit (create): %s", r)
	}
	// A server error is the command's.
	c.afterDial = func() { c.srv.FailNext("KAFKA_UNAVAILABLE", "XX000", "no brokers") }
	if r = c.run("submit", "pageviews_daily"); r.code != 1 || !strings.Contains(r.err.Error(), "KAFKA_UNAVAILABLE") {
		t.Fatalf("submit (server error): %s", r)
	}
}

// Flags of one kind of job are usage errors with the other.
func TestSubmitBatchFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"submit", "pageviews_daily", "--trigger", "5s"}, "--trigger applies to streaming jobs only; pageviews_daily is a batch job"},
		{[]string{"submit", "pageviews_daily", "--wait"}, "--wait applies to streaming jobs only"},
		{[]string{"submit", "pageviews_daily", "--name", "x"}, "--name applies to streaming jobs only"},
		{[]string{"submit", "pageviews", "--table", "lake.a.b"}, "--table applies to batch jobs only"},
		{[]string{"submit", "pageviews", "--ending-offsets", "latest"}, "--ending-offsets applies to batch jobs only"},
		{[]string{"submit", "pageviews_daily", "--param", "x"}, `--param "x": want name=number`},
		{[]string{"submit", "pageviews_daily", "--param", "x=1"}, "no Kafka brokers given"},
		{[]string{"submit", "pageviews_daily"}, "no Kafka brokers given"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			c := newTestCLI(t)
			r := c.run(tc.args...)
			if r.code != 2 || !strings.Contains(r.err.Error(), tc.want) {
				t.Fatalf("want exit 2 with %q; got %s", tc.want, r)
			}
			if len(c.srv.Plans()) != 0 {
				t.Errorf("a usage error ran plans:\n%s", c.plansJSON())
			}
		})
	}
}
