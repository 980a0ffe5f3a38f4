package stack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The Kafka cluster of [WithKafkaBrokers]: node aliases and settings.
const (
	kafkaNodeAlias = "kafka-" // + 1, 2, ...
	kafkaNodeHeap  = "-Xms256m -Xmx512m"
	// maxKafkaBrokers bounds WithKafkaBrokers: every node is also a KRaft controller, and a
	// quorum of more than five voters only slows elections.
	maxKafkaBrokers = 5
)

// WithKafkaBrokers makes [Start] run Kafka as a cluster of n KRaft nodes, each a broker and a
// controller ("kafka-1", "kafka-2", ... on the stack's network, the quorum made of all of
// them), instead of one broker. Topics default to min(n, 3) replicas with
// min.insync.replicas one less (at least 1), internal topics alike, so that a cluster of
// three keeps accepting writes with acks=all when one broker is down. [Stack.Brokers] lists
// every node's address on the host, [Stack.SparkBrokers] the nodes as Spark reaches them
// ("kafka-1:9093,kafka-2:9093,kafka-3:9093"). Start returns once every node is listed by the
// cluster's metadata with its advertised address. n of 1 or less keeps the single broker
// (alias "kafka"); n above five is refused by Start, as is n above 1 with
// [WithKafkaSASLSSL].
func WithKafkaBrokers(n int) Option {
	return func(c *config) { c.kafkaBrokers = n }
}

// kafkaClusterSize returns the number of Kafka nodes of a cluster, 0 for a single broker, or
// an error for a size Start does not run.
func (c *config) kafkaClusterSize() (int, error) {
	switch {
	case c.kafkaBrokers <= 1 || c.withoutKafka:
		return 0, nil
	case c.kafkaBrokers > maxKafkaBrokers:
		return 0, fmt.Errorf("kafka brokers: %d, at most %d", c.kafkaBrokers, maxKafkaBrokers)
	case c.kafkaSASLSSL != nil:
		return 0, errors.New("kafka brokers: SASL_SSL listeners (WithKafkaSASLSSL) need the single broker")
	}
	return c.kafkaBrokers, nil
}

// kafkaNodeEnv returns the environment of node i (from 1) of a Kafka cluster of n nodes, for
// docker/kafka/entrypoint.sh.
func kafkaNodeEnv(i, n int) map[string]string {
	alias := kafkaNodeAlias + strconv.Itoa(i)
	voters := make([]string, n)
	for j := range n {
		voters[j] = fmt.Sprintf("%d@%s%d:9094", j+1, kafkaNodeAlias, j+1)
	}
	replicas := min(n, 3)
	isr := strconv.Itoa(max(replicas-1, 1))
	rf := strconv.Itoa(replicas)
	return map[string]string{
		"ADVERTISED_FILE":                                            advertisedFile,
		"INTERNAL_HOST_PORT":                                         alias + ":9093",
		"KAFKA_NODE_ID":                                              strconv.Itoa(i),
		"KAFKA_NODE_HOST":                                            alias,
		"KAFKA_CONTROLLER_QUORUM_VOTERS":                             strings.Join(voters, ","),
		"KAFKA_HEAP_OPTS":                                            kafkaNodeHeap,
		"KAFKA_CFG_DEFAULT_REPLICATION_FACTOR":                       rf,
		"KAFKA_CFG_MIN_INSYNC_REPLICAS":                              isr,
		"KAFKA_CFG_OFFSETS_TOPIC_REPLICATION_FACTOR":                 rf,
		"KAFKA_CFG_TRANSACTION_STATE_LOG_REPLICATION_FACTOR":         rf,
		"KAFKA_CFG_TRANSACTION_STATE_LOG_MIN_ISR":                    isr,
		"KAFKA_CFG_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR": rf,
		"KAFKA_CFG_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR":            isr,
	}
}

// startKafkaCluster starts the n nodes of a Kafka cluster in parallel (the controllers elect a
// leader only once a majority runs) and returns when the cluster's metadata lists every node
// at the address it advertises to the host.
func (s *Stack) startKafkaCluster(ctx context.Context, cfg *config, nw *testcontainers.DockerNetwork, loopback bool, n int) error {
	nodes, startErr := runNodes(ctx, cfg, nw, "kafka", n,
		func(i int) string { return kafkaNodeAlias + strconv.Itoa(i+1) },
		func(i int) []testcontainers.ContainerCustomizer {
			return []testcontainers.ContainerCustomizer{
				testcontainers.WithExposedPorts(kafkaExternalPort),
				publishOnLoopback(loopback, kafkaExternalPort),
				testcontainers.WithEnv(kafkaNodeEnv(i+1, n)),
				// The host port is known only now: hand it to the entrypoint, which waits for it.
				testcontainers.WithLifecycleHooks(testcontainers.ContainerLifecycleHooks{
					PostStarts: []testcontainers.ContainerHook{advertiseHostPort},
				}),
				testcontainers.WithWaitStrategyAndDeadline(readyTimeout, wait.ForLog("Kafka Server started").WithStartupTimeout(readyTimeout)),
			}
		})
	s.mu.Lock()
	s.kafkaNodes = nodes
	s.mu.Unlock()
	if startErr != nil {
		return startErr
	}
	brokers := make([]string, n)
	spark := make([]string, n)
	for i, c := range nodes {
		ep, err := c.PortEndpoint(ctx, kafkaExternalPort, "")
		if err != nil {
			return fmt.Errorf("%s%d endpoint: %w", kafkaNodeAlias, i+1, err)
		}
		brokers[i] = ep
		spark[i] = kafkaNodeAlias + strconv.Itoa(i+1) + ":9093"
	}
	s.brokers, s.sparkBrokers = brokers, strings.Join(spark, ",")
	return waitKafka(ctx, brokers)
}

// advertiseHostPort writes the container's published Kafka port, as host:port, where the
// Kafka image's entrypoint waits for the address to advertise (see startKafka).
func advertiseHostPort(ctx context.Context, c testcontainers.Container) error {
	if err := wait.ForMappedPort(kafkaExternalPort).WaitUntilReady(ctx, c); err != nil {
		return fmt.Errorf("wait for mapped port: %w", err)
	}
	ep, err := c.PortEndpoint(ctx, kafkaExternalPort, "")
	if err != nil {
		return fmt.Errorf("kafka endpoint: %w", err)
	}
	if err := c.CopyToContainer(ctx, []byte(ep+"\n"), advertisedFile, 0o644); err != nil {
		return fmt.Errorf("copy advertised address: %w", err)
	}
	return nil
}

// waitKafka waits until Kafka's metadata, asked through the addresses of brokers, lists
// exactly the brokers at those addresses: each broker answers and advertises the address
// that clients on the host use, for one broker as for a cluster.
func waitKafka(ctx context.Context, brokers []string) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	want := slices.Sorted(slices.Values(brokers))
	var last error
	for {
		bs, err := adm.ListBrokers(ctx)
		if err == nil {
			var have []string
			for _, b := range bs {
				have = append(have, net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port))))
			}
			slices.Sort(have)
			if slices.Equal(have, want) {
				return nil
			}
			err = fmt.Errorf("the cluster lists brokers %v, want %v", have, want)
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("kafka at %s not ready: %w", strings.Join(brokers, ","), errors.Join(last, ctx.Err()))
		case <-time.After(200 * time.Millisecond):
		}
	}
}
