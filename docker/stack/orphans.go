package stack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/moby/moby/client"
)

// ownerLabel marks the containers and network of a stack that is not persistent with the
// process that started it, as "host/pid". Such a stack lives only as long as that process:
// a test binary killed mid-run (Ctrl-C, a closed pipe) leaves it behind, since the reaper is
// off where no registry serves its image, and [RemoveOrphans] finds it by this label.
const ownerLabel = "io.sparkwire.owner"

// ownerID identifies this process on this host.
func ownerID() string {
	host, _ := os.Hostname()
	return host + "/" + strconv.Itoa(os.Getpid())
}

// orphaned reports whether owner names a process on this host that no longer runs. Stacks of
// other hosts (a shared Docker engine) and of running processes are never orphans.
func orphaned(owner string) bool {
	host, pidText, ok := strings.Cut(owner, "/")
	if !ok {
		return false
	}
	if h, _ := os.Hostname(); h != host {
		return false
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return false
	}
	// Signal 0 checks that the process exists; EPERM means it exists under another user.
	err = syscall.Kill(pid, 0)
	return errors.Is(err, syscall.ESRCH)
}

// RemoveOrphans removes the containers and networks of stacks whose starting process, on
// this host, has ended without terminating them (see [Stack.Terminate]), and returns how
// many containers it removed. Persistent stacks ('sparkwire up'), stacks of running
// processes and stacks started on other hosts are left alone. Test binaries call it before
// starting their own stack, so that an interrupted earlier run does not hold memory and
// ports forever.
func RemoveOrphans(ctx context.Context, opts ...Option) (int, error) {
	cli, err := dockerClient(newConfig(opts).logger)
	if err != nil {
		return 0, err
	}
	defer cli.Close()
	filter := client.Filters{}.Add("label", ownerLabel)
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: filter})
	if err != nil {
		return 0, fmt.Errorf("list containers: %w", err)
	}
	var errs []error
	removed := 0
	for _, c := range cs.Items {
		if !orphaned(c.Labels[ownerLabel]) {
			continue
		}
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove container %s: %w", shortID(c.ID), err))
			continue
		}
		removed++
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: filter})
	if err != nil {
		return removed, errors.Join(append(errs, fmt.Errorf("list networks: %w", err))...)
	}
	for _, n := range ns.Items {
		if !orphaned(n.Labels[ownerLabel]) {
			continue
		}
		if _, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil {
			errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
		}
	}
	return removed, errors.Join(errs...)
}
