package main

import (
	"strings"
	"testing"
)

// up --driver-memory takes a JVM heap size; anything else is a usage error found before any
// Docker call, and no flag keeps the stack's default.
func TestUpDriverMemoryFlag(t *testing.T) {
	if opt, err := driverMemoryOption(""); opt != nil || err != nil {
		t.Errorf(`driverMemoryOption("") = %v, %v; want no option (the stack's default)`, opt != nil, err)
	}
	for _, ok := range []string{"4g", "6G", "3072m", "4194304k", "2147483648"} {
		if opt, err := driverMemoryOption(ok); opt == nil || err != nil {
			t.Errorf("driverMemoryOption(%q) = %v, %v; want an option", ok, opt != nil, err)
		}
	}
	for _, bad := range []string{"4x", "0g", "-1g", "4 g", "g", "4gb", "1.5g"} {
		r := newTestCLI(t).run("up", "--driver-memory", bad)
		if r.code != 2 || r.err == nil || !strings.Contains(r.err.Error(), "--driver-memory") {
			t.Errorf("up --driver-memory %q: %s", bad, r)
		}
	}
}
