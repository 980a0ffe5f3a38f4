package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sparkwire/sparkwire/docker/stack"
)

// stackState is what 'sparkwire up' records for later commands.
type stackState struct {
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

func newUpCommand(g *globals) *cobra.Command {
	var cluster int
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Start the local stack (Kafka + Spark Connect in Docker) and print its endpoints",
		Long: `Starts a single-node Kafka and a Spark Connect server in Docker, building the images first
when they are missing, and leaves them running. Later commands find the endpoints on their own;
'sparkwire down' removes the containers.

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
			if st, err := loadState(); err == nil && stack.Running(ctx) {
				if st.Workers != cluster {
					return usagef("%s is running: 'sparkwire down' first", describeStack(st.Workers))
				}
				printState(cmd, st)
				return nil
			}
			s, err := stack.Start(ctx, opts...)
			if err != nil {
				if s != nil {
					_ = s.Terminate(context.WithoutCancel(ctx))
				}
				g.report(err)
				return err
			}
			st := &stackState{ConnectURL: s.ConnectURL(), Brokers: s.Brokers(), SparkBrokers: s.SparkBrokers(), SparkUI: s.SparkUIURL(),
				Workers: cluster, MasterUI: s.MasterUIURL(), HDFSURI: s.HDFSURI()}
			p, err := statePath()
			if err == nil {
				err = os.MkdirAll(filepath.Dir(p), 0o700)
			}
			if err == nil {
				b, _ := json.MarshalIndent(st, "", "  ")
				err = writeFileAtomic(p, b)
			}
			if err != nil {
				g.report(fmt.Errorf("record the stack's endpoints: %w", err))
				return err
			}
			printState(cmd, st)
			return nil
		},
	}
	cmd.Flags().IntVar(&cluster, "cluster", 0, "run a Spark standalone cluster of this many workers, with HDFS, instead of local mode")
	return cmd
}

func printState(cmd *cobra.Command, st *stackState) {
	fmt.Fprintf(cmd.OutOrStdout(), "Spark Connect  %s\nKafka          %s (from Spark: %s)\nSpark UI       %s\n",
		st.ConnectURL, strings.Join(st.Brokers, ","), st.SparkBrokers, st.SparkUI)
	printClusterState(cmd, st)
	fmt.Fprintf(cmd.OutOrStdout(), "\nexport SPARKWIRE_CONNECT_URL=%s SPARKWIRE_KAFKA_BROKERS=%s\n",
		st.ConnectURL, strings.Join(st.Brokers, ","))
}

func newDownCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "down",
		Short: "Remove the local stack started by 'sparkwire up'",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), g.timeout)
			defer cancel()
			if err := stack.RemoveAll(ctx); err != nil {
				g.report(err)
				return err
			}
			if p, err := statePath(); err == nil {
				if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
					g.report(err)
					return err
				}
			}
			fmt.Fprintln(cmd.OutOrStdout(), "local stack removed")
			return nil
		},
	}
}
