package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sparkwire/sparkwire/docker/stack"
)

// The shape of 'up --cluster': one HDFS DataNode (files with one replica) keeps the stack
// within a laptop's memory; three Kafka brokers (topics of three replicas, two in sync) let
// it lose one.
const (
	clusterDataNodes    = 1
	clusterKafkaBrokers = 3
)

// upOptions returns the stack options of 'sparkwire up --cluster workers': local mode for 0;
// for more, a standalone master and that many workers, with HDFS as the Connect server's
// default file system, so that stateful queries and file sinks are correct on the cluster,
// and a three-broker Kafka.
func upOptions(workers int) ([]stack.Option, error) {
	if workers < 0 {
		return nil, usagef("--cluster %d: want a number of workers, 1 or more (0: local mode)", workers)
	}
	opts := []stack.Option{stack.WithPersistent()}
	if workers > 0 {
		opts = append(opts, stack.WithStandaloneCluster(workers), stack.WithHDFS(clusterDataNodes),
			stack.WithKafkaBrokers(clusterKafkaBrokers))
	}
	return opts, nil
}

// describeStack names a stack by its number of workers.
func describeStack(workers int) string {
	if workers == 0 {
		return "a local stack (Spark in local mode)"
	}
	return fmt.Sprintf("a cluster stack of %d workers", workers)
}

// printClusterState prints the endpoints that only a cluster stack has.
func printClusterState(cmd *cobra.Command, st *stackState) {
	if st.MasterUI != "" {
		fmt.Fprintf(cmd.OutOrStdout(), "Spark master   %s (%d workers)\n", st.MasterUI, st.Workers)
	}
	if st.HDFSURI != "" {
		fmt.Fprintf(cmd.OutOrStdout(), "HDFS           %s (from Spark; its default file system)\n", st.HDFSURI)
	}
}
