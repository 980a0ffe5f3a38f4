package jobs

import (
	"os/exec"
	"strings"
	"testing"
)

// Jobs read the shape of the events (package events), not the producer: neither package
// producers nor franz-go is among the dependencies of package jobs.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps listed %d packages: %s", len(deps), out)
	}
	for _, d := range deps {
		if strings.HasSuffix(d, "/producers") || strings.Contains(d, "/producers/") || strings.Contains(d, "franz-go") {
			t.Errorf("jobs depends on %s", d)
		}
	}
}
