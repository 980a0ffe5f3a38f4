package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The statement comes from the argument, a file (-f), or standard input (- or -f -).
func TestSQLStatementSources(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "q.sql")
	if err := os.WriteFile(file, []byte("SELECT id, name\nFROM from_file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, stdin string
		args        []string
		want        string // in the plans
	}{
		{"argument", "", []string{"SELECT 1 AS from_argument"}, "from_argument"},
		{"file", "", []string{"-f", file}, "FROM from_file"},
		{"dash", "SELECT 2 AS from_stdin", []string{"-"}, "from_stdin"},
		{"file dash", "SELECT 3 AS from_stdin_f", []string{"-f", "-"}, "from_stdin_f"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestCLI(t)
			c.stdin = tc.stdin
			c.setResult(people(t))
			r := c.run(append([]string{"sql", "--connect", c.srv.URL(), "--format", "csv"}, tc.args...)...)
			if r.code != 0 || r.stdout != "id,name\n1,ada\n2,\n" {
				t.Fatalf("got %s", r)
			}
			if !strings.Contains(c.plansJSON(), tc.want) {
				t.Errorf("plans lack %q:\n%s", tc.want, c.plansJSON())
			}
		})
	}
	c := newTestCLI(t)
	c.stdin = "  \n"
	if r := c.run("sql", "--connect", c.srv.URL(), "-"); r.code != 2 || !strings.HasPrefix(r.stderr, "sparkwire: the statement is empty (read from standard input)\n") {
		t.Fatalf("empty stdin: %s", r)
	}
}

// sql runs in the session that submit started the job in (so it sees the job's memory
// table), or in the one --session names.
func TestSQLInJobSession(t *testing.T) {
	c := newTestCLI(t)
	t.Setenv("SPARKWIRE_CONNECT_URL", c.srv.URL())
	t.Setenv("SPARKWIRE_SPARK_KAFKA_BROKERS", "kafka:9092")
	if r := c.run("submit", "pageviews", "--settle", "0s"); r.code != 0 {
		t.Fatalf("submit: %s", r)
	}
	c.setResult(people(t))
	if r := c.run("sql", "--format", "csv", "SELECT * FROM pageviews"); r.code != 0 || r.stdout != "id,name\n1,ada\n2,\n" {
		t.Fatalf("sql: %s", r)
	}
	const other = "9b0a3f7e-2f47-4a43-9a52-0d1e8b1c2d3e"
	if r := c.run("sql", "--session", other, "--format", "csv", "SELECT 1"); r.code != 0 {
		t.Fatalf("sql --session: %s", r)
	}
	if len(c.sessions) != 3 || c.sessions[1] != c.sessions[0] || c.sessions[2] != other {
		t.Fatalf("sessions %v: want submit's twice, then %s", c.sessions, other)
	}
}

// results and sql print the same rows in every format, through one writer: the table is
// Spark's rendering of the rows, not empty.
func TestResultsAndSQLShareTheWriter(t *testing.T) {
	table := "+---+----+\n| id|name|\n+---+----+\n|  1| ada|\n|  2|NULL|\n+---+----+\n"
	for _, format := range []string{"table", "json", "csv"} {
		t.Run(format, func(t *testing.T) {
			c := newTestCLI(t)
			t.Setenv("SPARKWIRE_CONNECT_URL", c.srv.URL())
			var outs []string
			for _, args := range [][]string{{"results", "pv"}, {"sql", "SELECT * FROM pv"}} {
				if format == "table" {
					c.setResult(showString(table))
				} else {
					c.setResult(people(t))
				}
				r := c.run(append(args, "--format", format)...)
				if r.code != 0 || r.stdout == "" {
					t.Fatalf("%v: %s", args, r)
				}
				outs = append(outs, r.stdout)
			}
			if outs[0] != outs[1] {
				t.Fatalf("results printed\n%s\nsql printed\n%s", outs[0], outs[1])
			}
			if format == "table" && outs[0] != table {
				t.Fatalf("table %q, want %q", outs[0], table)
			}
		})
	}
}
