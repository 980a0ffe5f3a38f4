package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sparkwire/sparkwire/docker/stack"
)

// stackState is what 'sparkwire up' records for later commands.
type stackState struct {
	// ID is the stack's id on the Docker host (stack.Stack.ID): what 'down' removes.
	ID           string   `json:"id,omitempty"`
	ConnectURL   string   `json:"connect_url"`
	Brokers      []string `json:"brokers"`
	SparkBrokers string   `json:"spark_brokers"`
	SparkUI      string   `json:"spark_ui"`
	// 'up --cluster N' (see stack_cluster.go).
	Workers  int    `json:"workers,omitempty"`
	MasterUI string `json:"master_ui,omitempty"`
	HDFSURI  string `json:"hdfs_uri,omitempty"`
}

func statePath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "sparkwire", "stack.json"), nil
}

func loadState() (*stackState, error) {
	p, err := statePath()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var st stackState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return &st, nil
}

// withStateLock runs fn holding the lock of the state file, which 'up' and 'down' take for
// their whole run: two of them at once neither start two stacks nor lose a record. Readers
// need no lock: the file is replaced atomically (writeFileAtomic).
func withStateLock(fn func(path string) error) error {
	p, err := statePath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	return withLock(p, func() error { return fn(p) })
}

// saveState records st at p, owner-only, atomically; the caller holds the state lock.
func saveState(p string, st *stackState) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(p, b)
}

// stackLogger is where the stack's progress messages and testcontainers-go's go: standard
// error under -v, nowhere otherwise, so that the CLI's output is its own.
func (g *globals) stackLogger() stack.Logger {
	if !g.verbose {
		return quietLogger{}
	}
	return writerLogger{g.stderr()}
}

// routeDockerLogs sends testcontainers-go's process-wide messages (its "Connected to docker"
// banner) to the stack logger, for the commands that use Docker.
func (g *globals) routeDockerLogs() {
	if g.setDockerLogger != nil {
		g.setDockerLogger(g.stackLogger())
	}
}

// removeStack removes the stack with the given id (stack.Remove, or the test's stand-in).
func (g *globals) removeStack(ctx context.Context, id string) (int, error) {
	if g.stackRemove != nil {
		return g.stackRemove(ctx, id)
	}
	return stack.Remove(ctx, id, stack.WithLogger(g.stackLogger()))
}

// removeAllStacks removes every stack of 'sparkwire up' (stack.RemoveAll, or the test's
// stand-in).
func (g *globals) removeAllStacks(ctx context.Context) error {
	if g.stackRemoveAll != nil {
		return g.stackRemoveAll(ctx)
	}
	return stack.RemoveAll(ctx, stack.WithLogger(g.stackLogger()))
}

// writerLogger prints each message as a line.
type writerLogger struct{ w io.Writer }

func (l writerLogger) Printf(format string, args ...any) {
	fmt.Fprintln(l.w, strings.TrimRight(fmt.Sprintf(format, args...), "\n"))
}

// quietLogger drops the stack's progress messages.
type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

func newUpCommand(g *globals) *cobra.Command {
	var cluster int
	var driverMemory string
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Start the local stack (Kafka + Spark Connect in Docker) and print its endpoints",
		Long: `Starts a single-node Kafka and a Spark Connect server in Docker, building the images first
when they are missing or stale (in a sparkwire checkout; the first build takes minutes and shows
its steps), and leaves them running. Later commands find the endpoints on their own;
'sparkwire down' removes the containers. When the stack 'up' recorded is running, it only
prints its endpoints.

With --cluster N the Connect server submits to a Spark standalone cluster (a master and N
workers of one core and 1 GiB each) and uses HDFS (a NameNode and one DataNode) as its default
file system: checkpoints and file sinks, e.g. submit --checkpoint
hdfs://hdfs-namenode:8020/checkpoints, are then shared by the driver and every executor. Kafka
is then three brokers (topics of three replicas, two in sync).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), g.timeout)
			defer cancel()
			opts, err := upOptions(cluster)
			if err != nil {
				return err
			}
			mem, err := driverMemoryOption(driverMemory)
			if err != nil {
				return err
			}
			if mem != nil {
				opts = append(opts, mem)
			}
			g.routeDockerLogs()
			err = withStateLock(func(p string) error {
				if st, err := loadState(); err == nil && st.ID != "" {
					running, total, err := stack.Alive(ctx, st.ID, stack.WithLogger(g.stackLogger()))
					if err != nil {
						return err
					}
					if running > 0 && running == total {
						if st.Workers != cluster {
							return usagef("%s is running: 'sparkwire down' first", describeStack(st.Workers))
						}
						printState(cmd, st)
						return nil
					}
					// Half a stack (a container stopped or removed): replace it.
					if _, err := stack.Remove(ctx, st.ID, stack.WithLogger(g.stackLogger())); err != nil {
						return err
					}
				}
				if err := g.buildImages(ctx); err != nil {
					return err
				}
				s, err := stack.Start(ctx, append(opts, stack.WithLogger(g.stackLogger()))...)
				if err != nil {
					if s != nil {
						_ = s.Terminate(context.WithoutCancel(ctx))
					}
					return err
				}
				st := &stackState{ID: s.ID(), ConnectURL: s.ConnectURL(), Brokers: s.Brokers(), SparkBrokers: s.SparkBrokers(), SparkUI: s.SparkUIURL(),
					Workers: cluster, MasterUI: s.MasterUIURL(), HDFSURI: s.HDFSURI()}
				if err := saveState(p, st); err != nil {
					_ = s.Terminate(context.WithoutCancel(ctx))
					return fmt.Errorf("record the stack's endpoints: %w", err)
				}
				printState(cmd, st)
				return nil
			})
			return err
		},
	}
	cmd.Flags().IntVar(&cluster, "cluster", 0, "run a Spark standalone cluster of this many workers, with HDFS, instead of local mode")
	cmd.Flags().StringVar(&driverMemory, "driver-memory", "", "the Spark driver's JVM heap (SPARK_DRIVER_MEMORY), such as 6g, for a stack that 'up' starts (default "+stack.DefaultDriverMemory+")")
	return cmd
}

func newImagesCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "images",
		Short: "Build the stack's Docker images when they are missing or stale, showing progress",
		Long: `Builds the Docker images of the local stack (names in docker/stack/images.env) with
docker/scripts/images.sh of the sparkwire checkout around the working directory, when they are
missing or were built from other files; 'up' and 'demo' do the same before they start a stack.
The first build takes minutes: its steps and their elapsed time are shown as it goes (-v shows
every line of the script). When every image is up to date it prints nothing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), g.timeout)
			defer cancel()
			g.routeDockerLogs()
			return g.buildImages(ctx)
		},
	}
}

func printState(cmd *cobra.Command, st *stackState) {
	fmt.Fprintf(cmd.OutOrStdout(), "Spark Connect  %s\nKafka          %s (from Spark: %s)\nSpark UI       %s\n",
		st.ConnectURL, strings.Join(st.Brokers, ","), st.SparkBrokers, st.SparkUI)
	printClusterState(cmd, st)
	fmt.Fprintf(cmd.OutOrStdout(), "\nexport SPARKWIRE_CONNECT_URL=%s SPARKWIRE_KAFKA_BROKERS=%s\n",
		st.ConnectURL, strings.Join(st.Brokers, ","))
}

func newDownCommand(g *globals) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Remove the local stack started by 'sparkwire up'",
		Long: `Removes the containers and network of the stack that 'sparkwire up' recorded, and the record.
Other stacks on the Docker host (another user's 'up', test runs) are left alone; --all removes
every stack that 'sparkwire up' started on the Docker host.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), g.timeout)
			defer cancel()
			g.routeDockerLogs()
			out := cmd.OutOrStdout()
			err := withStateLock(func(p string) error {
				st, err := loadState()
				if err != nil && !errors.Is(err, os.ErrNotExist) {
					if !all {
						return fmt.Errorf("%w (remove the file, or use 'sparkwire down --all')", err)
					}
					st = nil
				}
				switch {
				case all:
					if err := g.removeAllStacks(ctx); err != nil {
						return err
					}
					fmt.Fprintln(out, "every stack of 'sparkwire up' removed")
				case st == nil:
					fmt.Fprintln(out, "no stack recorded by 'sparkwire up': nothing removed ('sparkwire down --all' removes every stack 'sparkwire up' started on this Docker host)")
					return nil
				case st.ID == "":
					return usageHint(errors.New("the recorded stack has no id (an older sparkwire recorded it)"), "remove it with 'sparkwire down --all'")
				default:
					n, err := g.removeStack(ctx, st.ID)
					if err != nil {
						return err
					}
					fmt.Fprintf(out, "local stack %s removed (%d containers)\n", st.ID, n)
				}
				if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
					return err
				}
				return nil
			})
			return err
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "remove every stack that 'sparkwire up' started on the Docker host, not only the recorded one")
	return cmd
}
