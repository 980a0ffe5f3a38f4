package main

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/spf13/cobra"
)

// report prints one line per error (each joined error on its own), and a hint only under
// usage errors: the error's own, else the command's usage line.
func TestReport(t *testing.T) {
	cmd := &cobra.Command{Use: "thing ARG"}
	cmd.Flags().Bool("x", false, "")
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"failure", errors.New("boom\ndetails"), "sparkwire: boom\n"},
		{"joined", errors.Join(errors.New("query a failed: x\n\tat"), errors.New("query b failed: y")), "sparkwire: query a failed: x\nsparkwire: query b failed: y\n"},
		{"usage", usagef("bad %s", "arg"), "sparkwire: bad arg\nusage: thing ARG [flags] (see 'thing --help')\n"},
		{"hint", usageHint(errors.New("unknown thing"), "known: a, b"), "sparkwire: unknown thing\nknown: a, b\n"},
		{"wrapped usage", fmt.Errorf("context: %w", usagef("bad")), "sparkwire: context: bad\nusage: thing ARG [flags] (see 'thing --help')\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			report(&b, cmd, tc.err, false)
			if b.String() != tc.want {
				t.Fatalf("got %q, want %q", b.String(), tc.want)
			}
		})
	}
}

// Help and success print nothing on stderr.
func TestExecuteQuiet(t *testing.T) {
	for _, args := range [][]string{{}, {"--help"}, {"jobs"}, {"jobs", "list"}} {
		c := newTestCLI(t)
		r := c.run(args...)
		if r.code != 0 || r.stderr != "" || r.stdout == "" {
			t.Errorf("%v: %s", args, r)
		}
	}
}
