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
func Running(ctx context.Context) bool {
	cli, err := dockerClient()
	if err != nil {
		return false
	}
	res, err := cli.ContainerList(ctx, client.ContainerListOptions{Filters: client.Filters{}.Add("label", persistentLabel+"=true")})
	return err == nil && len(res.Items) >= 2
}

// RemoveAll removes the containers and network of every persistent stack.
func RemoveAll(ctx context.Context) error {
	cli, err := dockerClient()
	if err != nil {
		return err
	}
	filter := client.Filters{}.Add("label", persistentLabel+"=true")
	cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: filter})
	if err != nil {
		return fmt.Errorf("list containers: %w", err)
	}
	var errs []error
	for _, c := range cs.Items {
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove container %s: %w", shortID(c.ID), err))
		}
	}
	ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: filter})
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("list networks: %w", err))...)
	}
	for _, n := range ns.Items {
		if _, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil {
			errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
		}
	}
	return errors.Join(errs...)
}

func dockerClient() (client.APIClient, error) {
	applyEnvDefaults()
	p, err := testcontainers.NewDockerProvider()
	if err != nil {
		return nil, fmt.Errorf("docker: %w", err)
	}
	return p.Client(), nil
}
