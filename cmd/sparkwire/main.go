// Command sparkwire runs Spark Structured Streaming from Go against a Spark Connect
// server and Kafka. Its commands:
//
//   - up, down: start the local Kafka and Spark Connect stack in Docker (and record it, so
//     that the other commands find it), and remove it; images: build its images;
//   - produce: send a generated event stream (clickstream, iot or payments) to a topic;
//   - jobs list, submit: list the named jobs, and submit one (streaming, or a batch job);
//   - status, watch, results, stop: show a job's queries and their progress, follow them
//     live, print a job's results (table, JSON, CSV or Arrow), and stop them;
//   - sql: run SQL and print the result; cancel: interrupt running operations;
//   - demo: the main job end to end, checked against the events it sent (package demo).
//
// The commands parse flags and wire packages together; the logic lives in the packages
// (connect, producers, jobs, demo, docker/stack).
//
// Exit codes: 0 success, 1 runtime failure, 2 usage error.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCommand(defaultDeps()).ExecuteContext(ctx)
	stop()
	os.Exit(exitCode(err))
}

// usageError marks errors in how the command was called.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}
