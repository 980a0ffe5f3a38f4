package stack

import (
	"context"
	"errors"
	"fmt"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// persistentLabel marks the containers and network of a stack started WithPersistent.
const persistentLabel = "io.sparkwire.persistent"

// Running reports whether a persistent stack (see [WithPersistent]) has running containers.
// [Alive] asks about one stack.
func Running(ctx context.Context, opts ...Option) bool {
	cli, err := dockerClient(newConfig(opts).logger)
	if err != nil {
		return false
	}
	defer cli.Close()
	res, err := cli.ContainerList(ctx, client.ContainerListOptions{Filters: client.Filters{}.Add("label", persistentLabel+"=true")})
	return err == nil && len(res.Items) >= 2
}

// ID identifies the stack on its Docker host: the name of its network, which labels its
// containers too. A program that records it (the CLI's 'sparkwire up') finds the stack again
// with [Alive] and removes it with [Remove]. It is "" for a stack from [FromEnv].
func (s *Stack) ID() string {
	if s.network == nil {
		return ""
	}
	return s.network.Name
}

// Alive reports how many containers of the stack with the given [Stack.ID] are running, and
// how many it has in all (running or not).
func Alive(ctx context.Context, id string, opts ...Option) (running, total int, err error) {
	if id == "" {
		return 0, 0, errors.New("stack: no stack id")
	}
	cli, err := dockerClient(newConfig(opts).logger)
	if err != nil {
		return 0, 0, err
	}
	defer cli.Close()
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("label", stackLabel+"="+id)})
	if err != nil {
		return 0, 0, fmt.Errorf("list containers: %w", err)
	}
	for _, c := range cs.Items {
		if c.State == "running" {
			running++
		}
	}
	return running, len(cs.Items), nil
}

// Remove removes the containers and the network of the stack with the given [Stack.ID],
// whichever process started it, and reports how many containers it removed. Other stacks on
// the Docker host are left alone. A stack that no longer exists is not an error (0 removed).
func Remove(ctx context.Context, id string, opts ...Option) (int, error) {
	if id == "" {
		return 0, errors.New("stack: no stack id")
	}
	cli, err := dockerClient(newConfig(opts).logger)
	if err != nil {
		return 0, err
	}
	defer cli.Close()
	return removeLabeled(ctx, cli, client.Filters{}.Add("label", stackLabel+"="+id), client.Filters{}.Add("name", id).Add("label", stackLabel), id)
}

// RemoveAll removes the containers and network of every persistent stack (every stack that
// 'sparkwire up' started on the Docker host); [Remove] removes one.
func RemoveAll(ctx context.Context, opts ...Option) error {
	cli, err := dockerClient(newConfig(opts).logger)
	if err != nil {
		return err
	}
	defer cli.Close()
	filter := client.Filters{}.Add("label", persistentLabel+"=true")
	_, err = removeLabeled(ctx, cli, filter, filter, "")
	return err
}

// removeLabeled removes the containers and the networks that match the filters, and of the
// networks only the one named name when name is not "" (Docker matches names partially).
func removeLabeled(ctx context.Context, cli client.APIClient, containers, networks client.Filters, name string) (int, error) {
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: containers})
	if err != nil {
		return 0, fmt.Errorf("list containers: %w", err)
	}
	var errs []error
	removed := 0
	for _, c := range cs.Items {
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove container %s: %w", shortID(c.ID), err))
			continue
		}
		removed++
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: networks})
	if err != nil {
		return removed, errors.Join(append(errs, fmt.Errorf("list networks: %w", err))...)
	}
	for _, n := range ns.Items {
		if name != "" && n.Name != name {
			continue
		}
		if _, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil {
			errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
		}
	}
	return removed, errors.Join(errs...)
}

// dockerClient returns a client of the Docker engine that testcontainers-go selects, with
// testcontainers-go's messages sent to logger. The caller closes it.
func dockerClient(logger Logger) (client.APIClient, error) {
	applyEnvDefaults()
	p, err := testcontainers.NewDockerProvider(testcontainers.WithLogger(logger))
	if err != nil {
		return nil, fmt.Errorf("docker: %w", err)
	}
	return p.Client(), nil
}
