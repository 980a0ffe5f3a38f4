package main

import (
	"regexp"

	"github.com/sparkwire/sparkwire/docker/stack"
)

// jvmSize is a JVM memory size as -Xmx takes it: a number of bytes, or of k, m, g or t.
var jvmSize = regexp.MustCompile(`^[1-9][0-9]*[kKmMgGtT]?$`)

// driverMemoryOption returns the stack option of 'up --driver-memory' (nil for "", the
// stack's default), or a usage error for a size the JVM would not take.
func driverMemoryOption(size string) (stack.Option, error) {
	if size == "" {
		return nil, nil
	}
	if !jvmSize.MatchString(size) {
		return nil, usagef("--driver-memory %q: want a JVM heap size such as 4g or 3072m", size)
	}
	return stack.WithDriverMemory(size), nil
}
