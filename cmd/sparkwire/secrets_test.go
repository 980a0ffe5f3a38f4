package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sentinel stands for a secret: it must never appear in what the CLI prints or writes.
const sentinel = "SENTINEL-tok-3c9e1f"

// leaks lists where the sentinel shows in a run's output and in the files under dir.
func leaks(t *testing.T, r result, dir string) []string {
	t.Helper()
	var where []string
	if strings.Contains(r.stdout, sentinel) {
		where = append(where, "stdout")
	}
	if strings.Contains(r.stderr, sentinel) {
		where = append(where, "stderr")
	}
	if r.err != nil && strings.Contains(r.err.Error(), sentinel) {
		where = append(where, "error")
	}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), sentinel) {
			where = append(where, p)
		}
		return nil
	})
	return where
}

// A token (and a credential header) given every way the CLI takes one never shows in its
// output, its errors (with -v too) or its files, whichever path the run takes: help,
// malformed connection strings, refused TLS, failing dials, server errors, and success.
// Before, --help printed the token and the URL given by environment, a malformed URL's
// error printed it whole, and sessions.json keyed the session by the URL with its token.
func TestSecretsNeverPrinted(t *testing.T) {
	type run struct {
		name string
		env  map[string]string
		args []string
		// failNext makes the server fail the next call after the dial.
		failNext bool
	}
	good := "sc://localhost:15002/;token=" + sentinel + ";x-api-key=" + sentinel
	envs := map[string]string{"SPARKWIRE_TOKEN": sentinel, "SPARKWIRE_CONNECT_URL": good}
	runs := []run{
		{name: "help", env: envs, args: []string{"--help"}},
		{name: "sql help", env: envs, args: []string{"sql", "--help"}},
		{name: "submit help", env: envs, args: []string{"submit", "--help"}},
		{name: "unknown flag", env: envs, args: []string{"sql", "--nosuch"}},
		{name: "sql", env: envs, args: []string{"sql", "select 1"}},
		{name: "status", env: envs, args: []string{"status"}},
		{name: "server error", env: envs, args: []string{"sql", "select 1"}, failNext: true},
		{name: "token flag", args: []string{"--connect", "sc://localhost:15002", "--token", sentinel, "sql", "select 1"}},
		{name: "bad port", args: []string{"--connect", "sc://localhost:port/;token=" + sentinel, "sql", "select 1"}},
		{name: "bad param", args: []string{"--connect", "sc://localhost/;token=" + sentinel + ";" + sentinel, "sql", "select 1"}},
		{name: "bad use_ssl", args: []string{"--connect", "sc://localhost/;x-api-key=" + sentinel + ";use_ssl=maybe", "status"}},
		{name: "bad scheme", args: []string{"--connect", "http://localhost/;token=" + sentinel, "sql", "select 1"}},
		{name: "bad header", args: []string{"--connect", "sc://localhost/;authorization=" + sentinel + "\x01", "sql", "select 1"}},
		{name: "remote host, TLS fails", args: []string{"--connect", "sc://spark.example.com/;token=" + sentinel + ";x-api-key=" + sentinel, "status"}},
		{name: "missing CA file", env: envs, args: []string{"--ca-file", "/nonexistent/ca.pem", "status"}},
		{name: "jobs", env: envs, args: []string{"jobs"}},
	}
	total := 0
	for _, verbose := range []bool{false, true} {
		for _, tc := range runs {
			c := newTestCLI(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			if tc.failNext {
				c.afterDial = func() { c.srv.FailNext("INTERNAL_ERROR", "XX000", "boom") }
			}
			args := tc.args
			if verbose {
				args = append([]string{"-v"}, args...)
			}
			r := c.run(args...)
			if w := leaks(t, r, filepath.Dir(c.cacheDir)); len(w) > 0 {
				total += len(w)
				t.Errorf("%s (verbose %v): the secret shows in %v\n%s", tc.name, verbose, w, r)
			}
		}
	}
	t.Logf("secret found in %d places", total)
}
