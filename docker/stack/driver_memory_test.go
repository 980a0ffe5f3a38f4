package stack

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// The Connect servers of compose.yaml get the heap that Start gives by default, and a stack
// started without WithDriverMemory passes it to the container.
func TestDefaultDriverMemory(t *testing.T) {
	if got := newConfig(nil).driverMemory; got != DefaultDriverMemory {
		t.Errorf("default driver memory %q, want %q", got, DefaultDriverMemory)
	}
	if got := newConfig([]Option{WithDriverMemory("6g")}).driverMemory; got != "6g" {
		t.Errorf("WithDriverMemory(6g): %q", got)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := findRepoRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	compose, err := os.ReadFile(filepath.Join(root, "docker", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sizes := regexp.MustCompile(`(?m)^\s*SPARK_DRIVER_MEMORY:\s*(\S+)\s*$`).FindAllStringSubmatch(string(compose), -1)
	if len(sizes) < 2 {
		t.Fatalf("compose.yaml sets SPARK_DRIVER_MEMORY %d times, want both Connect servers", len(sizes))
	}
	for _, m := range sizes {
		if m[1] != DefaultDriverMemory {
			t.Errorf("compose.yaml: SPARK_DRIVER_MEMORY: %s, want %s as in stack.DefaultDriverMemory", m[1], DefaultDriverMemory)
		}
	}
}
