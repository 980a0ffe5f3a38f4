// Command sparkwire runs Spark Structured Streaming from Go against a Spark Connect
// server and Kafka. Its commands:
//
//   - up, down: start the local Kafka and Spark Connect stack in Docker (and record it, so
//     that the other commands find it), and remove it; images: build its images;
//   - produce: send a generated event stream (clickstream, iot or payments) to a topic;
//   - jobs list, submit, run: list the named jobs, submit one (streaming, or a batch job),
//     or run a streaming job in the foreground, restarted when it fails;
//   - status, watch, results, stop: show a job's queries and their progress, follow them
//     live, print a job's results (table, JSON, CSV or Arrow), and stop them;
//   - sql: run SQL and print the result; cancel: interrupt running operations;
//   - demo: the main job end to end, checked against the events it sent (package demo).
//
// The commands parse flags and wire packages together; the logic lives in the packages
// (connect, producers, jobs, demo, docker/stack).
//
// Commands return their errors; execute (report.go) prints each once, on stderr, with a
// hint under a usage error. Exit codes: 0 success, 1 runtime failure, 2 usage error.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := execute(ctx, newRootCommand(defaultDeps()))
	stop()
	os.Exit(exitCode(err))
}
