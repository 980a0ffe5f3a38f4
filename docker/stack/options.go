package stack

import (
	"os"

	tclog "github.com/testcontainers/testcontainers-go/log"
)

// Logger receives progress messages: from this package, from testcontainers-go and from
// docker/scripts/images.sh. *log.Logger and testing.T-backed adapters satisfy it.
type Logger interface {
	Printf(format string, args ...any)
}

// Option configures [Start] and [BuildImages].
type Option func(*config)

type config struct {
	driverMemory string
	sparkConfs   [][2]string
	authToken    string
	withoutKafka bool
	workers      int // WithStandaloneCluster
	datanodes    int // WithHDFS
	kafkaBrokers int // WithKafkaBrokers
	root         string
	logger       Logger
	persistent   bool
	kafkaSASLSSL *KafkaSASLSSL // WithKafkaSASLSSL
	// WithBuildProgress
	buildProgress func(BuildProgress)
}

func newConfig(opts []Option) *config {
	cfg := &config{driverMemory: DefaultDriverMemory, logger: tclog.Default()}
	for _, o := range opts {
		o(cfg)
	}
	return cfg
}

// repoRoot returns the sparkwire checkout: the one given by WithRepoRoot, or the one around the
// working directory.
func (c *config) repoRoot() (string, error) {
	if c.root != "" {
		return c.root, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return findRepoRoot(wd)
}

// DefaultDriverMemory is the Spark driver's JVM heap of a stack unless [WithDriverMemory]
// says otherwise: 4 GiB. The image's own default, 2 GiB, ran out after a few collections of
// 10 million rows in a row (BENCHMARKS.md, "Driver heap"); 4 GiB held them, and leaves most
// of a 24 GiB machine to Kafka, a cluster's workers and the clients.
const DefaultDriverMemory = "4g"

// WithDriverMemory sets the Spark driver's JVM heap (-Xmx, the container's
// SPARK_DRIVER_MEMORY), in JVM notation such as "4g" or "3072m". In local mode the driver also
// runs every task. The default is [DefaultDriverMemory].
func WithDriverMemory(size string) Option {
	return func(c *config) { c.driverMemory = size }
}

// WithSparkConf sets a Spark property of the Connect server, as spark-submit --conf key=value
// would. Later settings of the same key win. The image already sets
// spark.sql.shuffle.partitions=4, which this can override.
func WithSparkConf(key, value string) Option {
	return func(c *config) { c.sparkConfs = append(c.sparkConfs, [2]string{key, value}) }
}

// WithAuthToken makes the Spark Connect server require token as a bearer token from every
// client (Spark's SPARK_CONNECT_AUTHENTICATE_TOKEN). [Stack.AuthToken] returns it.
func WithAuthToken(token string) Option {
	return func(c *config) { c.authToken = token }
}

// WithoutKafka starts Spark only. [Stack.Brokers] and [Stack.SparkBrokers] are then empty.
func WithoutKafka() Option {
	return func(c *config) { c.withoutKafka = true }
}

// WithRepoRoot names the sparkwire checkout whose docker/scripts/images.sh [BuildImages]
// runs, instead of looking for it above the working directory.
func WithRepoRoot(dir string) Option {
	return func(c *config) { c.root = dir }
}

// WithLogger sends progress messages to logger instead of testcontainers-go's default logger
// (standard error). Pass a no-op Logger to silence them.
func WithLogger(logger Logger) Option {
	return func(c *config) { c.logger = logger }
}

// WithPersistent marks the stack as one that outlives the process that started it (the
// CLI's 'sparkwire up'): [Running] finds it and [RemoveAll] removes it, while stacks of tests
// running beside it are left alone.
func WithPersistent() Option {
	return func(c *config) { c.persistent = true }
}

// labels returns the labels of the stack's containers and network.
func (c *config) labels(stack string) map[string]string {
	l := map[string]string{stackLabel: stack}
	if c.persistent {
		l[persistentLabel] = "true"
	} else {
		l[ownerLabel] = ownerID()
	}
	return l
}
