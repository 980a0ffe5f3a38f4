// Package tests holds sparkwire's end-to-end tests. They run against real Kafka and Spark
// Connect containers that TestMain starts once with testcontainers-go (building the images
// first when they are missing or stale, with stack.BuildImages), or against an existing cluster named by SPARKWIRE_CONNECT_URL and
// SPARKWIRE_KAFKA_BROKERS. Nothing is mocked, and nothing skips: a missing dependency fails.
package tests

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sparkwire/sparkwire/docker/stack"
)

// env is the stack every test of the package shares.
var env *stack.Stack

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// go test -list runs TestMain too: listing needs no containers.
	flag.Parse()
	if f := flag.Lookup("test.list"); f != nil && f.Value.String() != "" {
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	st, fromEnv, err := stack.FromEnv()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	if !fromEnv {
		// Stacks of earlier test binaries that were killed mid-run (no reaper runs here).
		if n, err := stack.RemoveOrphans(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: remove stale containers: %v\n", err)
		} else if n > 0 {
			fmt.Fprintf(os.Stderr, "e2e: removed %d containers of earlier interrupted test runs\n", n)
		}
		// Building the images is the caller's choice, not a side effect of Start: the suite
		// builds what is missing or stale (in seconds when nothing is), then starts.
		start := time.Now()
		if err := stack.BuildImages(ctx, stack.WithLogger(stderrLogger{})); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: images: %v\n", err)
			return 1
		}
		if took := time.Since(start); took > 10*time.Second {
			fmt.Fprintf(os.Stderr, "e2e: images built in %s\n", took.Round(time.Second))
		}
		start = time.Now()
		// The server ends every response stream after 5 s instead of 2 minutes, so that the
		// long results and listener streams of the suite exercise reattachment for real.
		// The suite caches tables, uploads large local relations and reads millions of rows
		// from one server: 4 GiB of driver heap keeps it clear of the 2 GiB default's limits.
		st, err = stack.Start(ctx, stack.WithDriverMemory("4g"),
			stack.WithSparkConf("spark.connect.execute.reattachable.senderMaxStreamDuration", "5s"))
		if err != nil {
			fmt.Fprintf(os.Stderr, "e2e: start stack: %v\n", err)
			if st != nil {
				if logs, lerr := st.Logs(context.Background()); lerr == nil {
					fmt.Fprintln(os.Stderr, logs)
				}
				_ = st.Terminate(context.Background())
			}
			return 1
		}
		fmt.Fprintf(os.Stderr, "e2e: stack up in %s: %s, kafka %v\n", time.Since(start).Round(time.Second), st.ConnectURL(), st.Brokers())
	}
	env = st
	code := m.Run()
	if code != 0 && !fromEnv {
		if logs, err := st.Logs(context.Background()); err == nil {
			fmt.Fprintln(os.Stderr, "e2e: container logs after failure:\n"+logs)
		}
	}
	tctx, tcancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer tcancel()
	if err := st.Terminate(tctx); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: terminate stack: %v\n", err)
	}
	return code
}

// stderrLogger prints the stack's progress messages (image builds, testcontainers-go's
// container lifecycle) on standard error, prefixed like the suite's own lines.
type stderrLogger struct{}

func (stderrLogger) Printf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "e2e: "+strings.TrimSuffix(format, "\n")+"\n", args...)
}
