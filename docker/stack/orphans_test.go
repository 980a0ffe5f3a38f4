package stack

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/network"
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

// TestRemoveOneStack runs against the Docker engine: Remove takes away the stack with the
// given id, its containers and network, and leaves another persistent stack alone; Alive
// counts a stack's containers.
func TestRemoveOneStack(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a Docker engine; the e2e tier runs it")
	}
	ctx := context.Background()
	cfg := newConfig([]Option{WithPersistent(), WithLogger(tclog.TestLogger(t))})
	start := func() (id string, c *testcontainers.DockerContainer) {
		t.Helper()
		nw, err := network.New(ctx, network.WithLabels(cfg.labels("true")))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = nw.Remove(context.Background()) })
		c, err = testcontainers.Run(ctx, Image("spark"),
			testcontainers.WithEntrypoint("sleep"), testcontainers.WithCmd("300"),
			network.WithNetwork([]string{"x"}, nw),
			testcontainers.WithLabels(cfg.labels(nw.Name)),
			testcontainers.WithLogger(tclog.TestLogger(t)))
		if c != nil {
			t.Cleanup(func() { _ = c.Terminate(context.Background()) })
		}
		if err != nil {
			t.Fatalf("start container: %v", err)
		}
		return nw.Name, c
	}
	idA, a := start()
	idB, b := start()
	if running, total, err := Alive(ctx, idA); running != 1 || total != 1 || err != nil {
		t.Fatalf("Alive(A) = %d, %d, %v; want 1, 1", running, total, err)
	}
	n, err := Remove(ctx, idA)
	if err != nil || n != 1 {
		t.Fatalf("Remove(A) = %d, %v; want 1 container", n, err)
	}
	if _, err := a.State(ctx); err == nil {
		t.Error("stack A's container still exists")
	}
	if running, total, err := Alive(ctx, idA); running != 0 || total != 0 || err != nil {
		t.Errorf("Alive(A) after Remove = %d, %d, %v", running, total, err)
	}
	if st, err := b.State(ctx); err != nil || !st.Running {
		t.Errorf("stack B was touched: %+v, %v", st, err)
	}
	if running, _, err := Alive(ctx, idB); running != 1 || err != nil {
		t.Errorf("Alive(B) = %d, %v", running, err)
	}
	// Removing it again is not an error; an empty id is.
	if n, err := Remove(ctx, idA); n != 0 || err != nil {
		t.Errorf("Remove(A) again = %d, %v", n, err)
	}
	if _, err := Remove(ctx, ""); err == nil {
		t.Error("Remove(\"\") succeeded")
	}
}

// TestRequireImages runs against the Docker engine: a missing image is named in a
// MissingImagesError, present ones are not.
func TestRequireImages(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a Docker engine; the e2e tier runs it")
	}
	cli, err := dockerClient(tclog.TestLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx := context.Background()
	if err := requireImages(ctx, cli, []string{Image("spark"), Image("kafka")}); err != nil {
		t.Fatalf("the stack's images: %v", err)
	}
	err = requireImages(ctx, cli, []string{Image("spark"), "sparkwire/no-such-image:0"})
	var missing *MissingImagesError
	if !errors.As(err, &missing) || len(missing.Images) != 1 || missing.Images[0] != "sparkwire/no-such-image:0" {
		t.Fatalf("err = %v; want a MissingImagesError naming the missing image only", err)
	}
}
