// Command sparkwire runs Spark Structured Streaming from Go: it starts a local Kafka and
// Spark Connect stack, runs SQL against any Spark Connect server, and (in later versions)
// produces events and submits streaming jobs.
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
