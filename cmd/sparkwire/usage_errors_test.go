package main

import (
	"strings"
	"testing"
)

// Every usage error exits with 2 before anything is dialed or produced, and is printed once
// on stderr: "sparkwire: " and the message, then one line of hint (the usage line, the known
// jobs, the commands).
func TestUsageErrors(t *testing.T) {
	usage := func(cmd, line string) string {
		return "usage: " + line + " (see 'sparkwire " + cmd + " --help')\n"
	}
	sqlUsage := usage("sql", "sparkwire sql [STATEMENT | -] [flags]")
	submitUsage := usage("submit", "sparkwire submit JOB [flags]")
	produceUsage := usage("produce", "sparkwire produce [flags]")
	demoUsage := usage("demo", "sparkwire demo [flags]")
	rootUsage := "usage: sparkwire COMMAND [flags] (see 'sparkwire --help')\n"
	knownJobs := "known jobs: pageviews, sessions, iot_alerts, payments_fraud; batch: pageviews_daily (see 'sparkwire jobs list')\n"
	for _, tc := range []struct {
		args []string
		want string // stderr
	}{
		{[]string{"sql"}, "sql needs a statement: an argument (quote it), -f FILE, or - to read standard input\n" + sqlUsage},
		{[]string{"sql", "SELECT 1", "SELECT 2"}, "sql takes one statement (quote it), not 2 arguments\n" + sqlUsage},
		{[]string{"sql", "-f", "q.sql", "SELECT 1"}, "sql takes the statement as an argument or from -f, not both\n" + sqlUsage},
		{[]string{"sql", "-f", "/nonexistent/q.sql"}, "-f: open /nonexistent/q.sql: no such file or directory\n" + sqlUsage},
		{[]string{"sql", "   "}, "the statement is empty (read from the argument)\n" + sqlUsage},
		{[]string{"sql", "--format", "xml", "SELECT 1"}, `--format must be table, json, csv or arrow, not "xml"` + "\n" + sqlUsage},
		{[]string{"sql", "--limit", "-1", "SELECT 1"}, "--limit must be 0 or more, not -1\n" + sqlUsage},
		{[]string{"sql", "--progress", "sometimes", "SELECT 1"}, `--progress must be auto, always or never, not "sometimes"` + "\n" + sqlUsage},
		{[]string{"sql", "--limit", "many", "SELECT 1"}, `invalid argument "many" for "-n, --limit" flag: strconv.ParseInt: parsing "many": invalid syntax` + "\n" + sqlUsage},
		{[]string{"sql", "--timeout", "soon", "SELECT 1"}, `invalid argument "soon" for "--timeout" flag: time: invalid duration "soon"` + "\n" + sqlUsage},
		{[]string{"sql", "--timeout", "0s", "SELECT 1"}, "--timeout must be a duration above 0 (such as 5s), not 0s\n" + sqlUsage},
		{[]string{"sql", "--no-such-flag", "SELECT 1"}, "unknown flag: --no-such-flag\n" + sqlUsage},
		{[]string{"sql", "SELECT 1"}, "no Spark Connect server given: pass --connect sc://host:port, set SPARKWIRE_CONNECT_URL, or run 'sparkwire up' first\n" + sqlUsage},
		{[]string{"sql", "--connect", "sc://localhost:notaport", "SELECT 1"}, `invalid Spark Connect connection string "sc://localhost:notaport": port "notaport" is not a number between 1 and 65535` + "\n" + sqlUsage},
		{[]string{"--bogus"}, "unknown flag: --bogus\n" + rootUsage},
		{[]string{"no-such-command"}, `unknown command "no-such-command" for "sparkwire"` + "\ncommands: cancel, completion, demo, down, images, jobs, produce, results, run, sql, status, stop, submit, up, watch (see 'sparkwire --help')\n"},
		{[]string{"sq", "SELECT 1"}, `unknown command "sq" for "sparkwire"` + "\ndid you mean sql? (see 'sparkwire --help')\n"},
		{[]string{"jobs", "lst"}, `unknown command "lst" for "sparkwire jobs"` + "\ncommands: list (see 'sparkwire jobs --help')\n"},
		{[]string{"jobs", "list", "extra"}, `unknown command "extra" for "sparkwire jobs list"` + "\n" + usage("jobs list", "sparkwire jobs list [flags]")},
		{[]string{"status", "a", "b"}, "accepts at most 1 arg(s), received 2\n" + usage("status", "sparkwire status [QUERY|JOB] [flags]")},
		{[]string{"up", "extra"}, `unknown command "extra" for "sparkwire up"` + "\n" + usage("up", "sparkwire up [flags]")},
		{[]string{"results"}, "results takes one job or query name\n" + usage("results", "sparkwire results JOB|QUERY [flags]")},
		{[]string{"results", "pageviews", "--format", "yaml"}, `--format must be table, json, csv or arrow, not "yaml"` + "\n" + usage("results", "sparkwire results JOB|QUERY [flags]")},
		{[]string{"submit"}, "submit takes one job name (see 'sparkwire jobs list')\n" + submitUsage},
		{[]string{"submit", "nosuchjob"}, `unknown job "nosuchjob"` + "\n" + knownJobs},
		{[]string{"run", "nosuchjob"}, `unknown job "nosuchjob"` + "\n" + knownJobs},
		{[]string{"run", "pageviews_daily"}, "pageviews_daily is a batch job: it runs once, it does not keep running\nrun it with 'sparkwire submit pageviews_daily'\n"},
		{[]string{"submit", "pageviews", "--trigger", "soon"}, `--trigger must be a duration such as 5s, available-now or once, not "soon"` + "\n" + submitUsage},
		{[]string{"submit", "pageviews", "--trigger", "-5s"}, `--trigger must be a duration such as 5s, available-now or once, not "-5s"` + "\n" + submitUsage},
		{[]string{"submit", "pageviews", "--param", "threshold"}, `--param "threshold": want name=number` + "\n" + submitUsage},
		{[]string{"submit", "pageviews", "--param", "threshold=high"}, `--param "threshold=high": want name=number` + "\n" + submitUsage},
		{[]string{"submit", "pageviews", "--param", "threshold=2"}, "--param threshold: job pageviews has no parameters\n" + submitUsage},
		{[]string{"submit", "payments_fraud", "--param", "x=2"}, "--param x: job payments_fraud has no such parameter; its parameters: max_transactions, spike_amount\n" + submitUsage},
		{[]string{"submit", "pageviews", "--starting-offsets", "newest"}, `--starting-offsets must be earliest, latest or JSON offsets per partition, not "newest"` + "\n" + submitUsage},
		{[]string{"submit", "pageviews", "--shuffle-partitions", "-2"}, "--shuffle-partitions must be a count, 0 for the default or -1 for the server's setting, not -2\n" + submitUsage},
		{[]string{"submit", "pageviews", "--max-offsets-per-trigger", "-5"}, "--max-offsets-per-trigger must not be negative, not -5\n" + submitUsage},
		{[]string{"submit", "pageviews", "--settle", "-1s"}, "--settle must be a duration of 0 or more (such as 5s), not -1s\n" + submitUsage},
		{[]string{"submit", "pageviews"}, "no Kafka brokers given: pass --brokers (or --spark-brokers if Spark reaches Kafka at another address), or run 'sparkwire up' first\n" + submitUsage},
		{[]string{"stop"}, "stop takes one query name, query id or job name\n" + usage("stop", "sparkwire stop QUERY|JOB [flags]")},
		{[]string{"watch"}, "watch takes one query name, query id or job name\n" + usage("watch", "sparkwire watch QUERY|JOB [flags]")},
		{[]string{"watch", "--history", "0", "q"}, "--history must be 1 or more, not 0\n" + usage("watch", "sparkwire watch QUERY|JOB [flags]")},
		{[]string{"produce", "--domain", "weather", "--dry-run"}, `--domain: producers: unknown domain "weather" (known: clickstream, iot, payments)` + "\n" + produceUsage},
		{[]string{"produce", "--encoding", "xml", "--dry-run"}, `--encoding: producers: invalid option: encoding "xml" (want json or avro)` + "\n" + produceUsage},
		{[]string{"produce", "--interval", "-1s", "--dry-run"}, "--interval must be a duration of 0 or more (such as 5s), not -1s\n" + produceUsage},
		{[]string{"produce", "--window", "0s", "--dry-run"}, "--window must be a duration above 0 (such as 5s), not 0s\n" + produceUsage},
		{[]string{"produce", "--replication", "0", "--dry-run"}, "--replication must be 1 or more, or -1 for the brokers' default, not 0\n" + produceUsage},
		{[]string{"produce", "--count", "-5", "--dry-run"}, "--count must be 0 or more, not -5\n" + produceUsage},
		{[]string{"produce", "--partitions", "0", "--dry-run"}, "--partitions must be 1 or more, not 0\n" + produceUsage},
		{[]string{"produce", "--start", "yesterday", "--dry-run"}, `--start: want RFC 3339 (2025-01-01T00:00:00Z) or now, not "yesterday"` + "\n" + produceUsage},
		{[]string{"produce", "--late-share", "2", "--dry-run"}, "--late-share must be between 0 and 1, not 2\n" + produceUsage},
		{[]string{"produce", "--malformed-share", "-0.5", "--dry-run"}, "--malformed-share must be between 0 and 1, not -0.5\n" + produceUsage},
		{[]string{"produce", "--rate", "NaN", "--dry-run"}, "--rate must be a finite number of events per second, 0 or more, not NaN\n" + produceUsage},
		{[]string{"produce"}, "no Kafka brokers given: pass --brokers host:port, set SPARKWIRE_KAFKA_BROKERS, or run 'sparkwire up' first (or use --dry-run)\n" + produceUsage},
		{[]string{"produce", "--brokers", "localhost:1", "--acks", "some"}, `--acks must be all or leader, not "some"` + "\n" + produceUsage},
		{[]string{"produce", "--brokers", "localhost:1", "--rate", "-1"}, "--rate must be a finite number of events per second, 0 or more, not -1\n" + produceUsage},
		{[]string{"produce", "--brokers", "localhost:1", "--ramp-to", "10", "--burst-rate", "20"}, "--ramp-to and --burst-rate cannot be combined\n" + produceUsage},
		{[]string{"produce", "--brokers", "localhost:1", "--compression", "brotli"}, `--compression: producers: invalid option: compression "brotli" (want one of none, gzip, snappy, lz4, zstd)` + "\n" + produceUsage},
		{[]string{"demo", "--duration", "0s"}, "--duration must be a duration above 0 (such as 5s), not 0s\n" + demoUsage},
		{[]string{"demo", "--rate", "-1"}, "--rate must be a finite number of events per second above 0, not -1\n" + demoUsage},
		{[]string{"demo", "--rate", "NaN"}, "--rate must be a finite number of events per second above 0, not NaN\n" + demoUsage},
		{[]string{"cancel"}, "cancel takes exactly one of --tag, --operation or --all\n" + usage("cancel", "sparkwire cancel (--tag TAG | --operation ID | --all) [flags]")},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			c := newTestCLI(t)
			r := c.run(tc.args...)
			if r.code != 2 || r.stderr != "sparkwire: "+tc.want {
				t.Errorf("want exit 2 and stderr\n%s\ngot %s", "sparkwire: "+tc.want, r)
			}
			if r.stdout != "" {
				t.Errorf("stdout: %q", r.stdout)
			}
			if len(c.srv.Plans()) != 0 {
				t.Errorf("a usage error ran plans:\n%s", c.plansJSON())
			}
		})
	}
}
