package stack

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

func TestOrphaned(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	// A process that has ended: its pid names no process until the kernel reuses it, which
	// within this test it will not, pids being handed out in rising order.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := cmd.ProcessState.Pid()
	cases := []struct {
		owner string
		want  bool
	}{
		{ownerID(), false}, // this process
		{host + "/" + strconv.Itoa(os.Getppid()), false},
		{host + "/" + strconv.Itoa(dead), true},
		{"another-host/" + strconv.Itoa(dead), false},
		{host + "/notapid", false},
		{host + "/0", false},
		{"", false},
		{"no-slash", false},
	}
	for _, c := range cases {
		if got := orphaned(c.owner); got != c.want {
			t.Errorf("orphaned(%q) = %v, want %v", c.owner, got, c.want)
		}
	}
}

func TestLabelsMarkOwnerOfTransientStacks(t *testing.T) {
	if got := newConfig(nil).labels("n")[ownerLabel]; got != ownerID() {
		t.Errorf("owner label of a transient stack = %q, want %q", got, ownerID())
	}
	l := newConfig([]Option{WithPersistent()}).labels("n")
	if _, ok := l[ownerLabel]; ok {
		t.Errorf("a persistent stack carries an owner label: %v", l)
	}
	if l[persistentLabel] != "true" {
		t.Errorf("persistent label missing: %v", l)
	}
}

// TestRemoveOrphans runs against the Docker engine: a container labelled as owned by a
// process that has ended is removed, one owned by this process stays.
func TestRemoveOrphans(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a Docker engine; the e2e tier runs it")
	}
	ctx := context.Background()
	host, _ := os.Hostname()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	start := func(owner string) *testcontainers.DockerContainer {
		t.Helper()
		c, err := testcontainers.Run(ctx, Image("spark"),
			testcontainers.WithEntrypoint("sleep"), testcontainers.WithCmd("300"),
			testcontainers.WithLabels(map[string]string{ownerLabel: owner}),
			testcontainers.WithLogger(tclog.TestLogger(t)))
		if c != nil {
			t.Cleanup(func() { _ = c.Terminate(context.Background()) })
		}
		if err != nil {
			t.Fatalf("start container: %v", err)
		}
		return c
	}
	orphan := start(host + "/" + strconv.Itoa(cmd.ProcessState.Pid()))
	ours := start(ownerID())

	n, err := RemoveOrphans(ctx)
	if err != nil {
		t.Fatalf("RemoveOrphans: %v", err)
	}
	if n < 1 {
		t.Errorf("RemoveOrphans removed %d containers, want at least the orphan", n)
	}
	if _, err := orphan.State(ctx); err == nil {
		t.Errorf("the orphaned container %s still exists", shortID(orphan.GetContainerID()))
	}
	st, err := ours.State(ctx)
	if err != nil || !st.Running {
		t.Errorf("the container of this process was touched: state %+v, err %v", st, err)
	}
}
