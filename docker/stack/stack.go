package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	mobynet "github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Network aliases and container ports of the stack.
const (
	kafkaAlias = "kafka"
	sparkAlias = "spark"

	kafkaExternalPort = "9092/tcp" // clients on the host, through the published port
	kafkaInternalAddr = kafkaAlias + ":9093"
	connectPort       = "15002/tcp"
	uiPort            = "4040/tcp"

	// advertisedFile is where the Kafka image's entrypoint waits for the host:port to advertise
	// to clients outside the container (see docker/kafka/entrypoint.sh).
	advertisedFile = "/run/sparkwire/advertised"

	// stackLabel marks the containers and the network of a stack.
	stackLabel = "io.sparkwire.stack"

	// readyTimeout bounds each wait for readiness when ctx has no earlier deadline.
	readyTimeout = 3 * time.Minute
	// stopTimeout is the grace period between SIGTERM and SIGKILL in Terminate: the stack
	// holds nothing worth a clean shutdown.
	stopTimeout = 2 * time.Second
)

// Stack is a Kafka broker and a Spark Connect server, either started by [Start] or described by
// the environment ([FromEnv]). Its methods are safe for concurrent use.
type Stack struct {
	connectURL   string
	uiURL        string
	brokers      []string
	sparkBrokers string
	authToken    string
	masterUIURL  string
	// WithKafkaSASLSSL
	secureBrokers      []string
	sparkSecureBrokers string

	mu         sync.Mutex
	network    *testcontainers.DockerNetwork
	kafka      *testcontainers.DockerContainer
	kafkaNodes []*testcontainers.DockerContainer // WithKafkaBrokers
	spark      *testcontainers.DockerContainer
	master     *testcontainers.DockerContainer   // WithStandaloneCluster
	workers    []*testcontainers.DockerContainer // WithStandaloneCluster
	namenode   *testcontainers.DockerContainer   // WithHDFS
	datanodes  []*testcontainers.DockerContainer // WithHDFS
	hdfsURI    string                            // WithHDFS
	hdfsUIURL  string                            // WithHDFS
	terminated bool
}

// Start creates a Docker network and starts Kafka (network alias "kafka") and the Spark
// Connect server (alias "spark") on it, in parallel. It returns when Kafka answers a metadata
// request from the host, advertising the address [Stack.Brokers] returns, and Spark Connect
// answers a gRPC request from the host. With [WithStandaloneCluster] it first starts the
// standalone master, then the workers beside the Connect server, and also waits until the
// master counts every worker alive. With [WithHDFS] it starts HDFS beside Kafka and the
// master, and the Connect server once HDFS is ready. Published ports are bound to the
// loopback interface when the Docker host is local.
//
// Start builds no images: when one it needs is missing, it returns a [*MissingImagesError]
// (wrapping [ErrImagesMissing]) that names the command to build them; call [BuildImages]
// first to build what is missing or stale. It gives up when ctx ends, and waits at most three
// minutes for either service. When it fails after creating anything, it returns the Stack
// along with the error: call [Stack.Logs] for diagnosis and [Stack.Terminate] to remove what
// was created.
func Start(ctx context.Context, opts ...Option) (*Stack, error) {
	cfg := newConfig(opts)
	applyEnvDefaults()
	kafkaNodes, err := cfg.kafkaClusterSize()
	if err != nil {
		return nil, err
	}
	cli, err := dockerClient(cfg.logger)
	if err != nil {
		return nil, err
	}
	err = requireImages(ctx, cli, cfg.stackImages())
	cli.Close()
	if err != nil {
		return nil, err
	}
	loopback, err := localDockerHost(ctx, cfg.logger)
	if err != nil {
		return nil, err
	}

	nw, err := network.New(ctx, network.WithLabels(cfg.labels("true")))
	if err != nil {
		return nil, fmt.Errorf("create network: %w", err)
	}
	s := &Stack{network: nw, authToken: cfg.authToken}

	started := time.Now()
	var kafkaErr, sparkErr, hdfsErr error
	var wg sync.WaitGroup
	// The Connect server makes HDFS its default file system, which it writes to as it starts.
	hdfsDone := make(chan struct{})
	if cfg.datanodes > 0 {
		wg.Go(func() {
			defer close(hdfsDone)
			hdfsErr = s.startHDFS(ctx, cfg, nw, loopback)
		})
	} else {
		close(hdfsDone)
	}
	if kafkaNodes > 0 {
		wg.Go(func() { kafkaErr = s.startKafkaCluster(ctx, cfg, nw, loopback, kafkaNodes) })
	} else if !cfg.withoutKafka {
		wg.Go(func() {
			s.kafka, kafkaErr = startKafka(ctx, cfg, nw, loopback)
			if kafkaErr == nil {
				kafkaErr = s.kafkaEndpoints(ctx)
			}
			if kafkaErr == nil {
				kafkaErr = waitKafka(ctx, s.brokers)
			}
			if kafkaErr == nil && cfg.kafkaSASLSSL != nil {
				kafkaErr = s.secureEndpoints(ctx, cfg.kafkaSASLSSL)
			}
		})
	}
	wg.Go(func() {
		var workersErr error
		var workers sync.WaitGroup
		if cfg.workers > 0 {
			if sparkErr = s.startMaster(ctx, cfg, nw, loopback); sparkErr != nil {
				return
			}
			workers.Go(func() { workersErr = s.startWorkers(ctx, cfg, nw) })
		}
		if <-hdfsDone; hdfsErr != nil {
			sparkErr = errors.New("spark connect not started: hdfs failed")
		}
		if sparkErr == nil {
			s.spark, sparkErr = startSpark(ctx, cfg, nw, loopback)
		}
		if sparkErr == nil {
			sparkErr = s.sparkEndpoints(ctx)
		}
		if sparkErr == nil {
			sparkErr = waitConnect(ctx, s.connectURL)
		}
		if cfg.workers > 0 {
			workers.Wait()
			if sparkErr == nil && workersErr == nil {
				workersErr = waitWorkers(ctx, s.masterUIURL, cfg.workers)
			}
			sparkErr = errors.Join(sparkErr, workersErr)
		}
	})
	wg.Wait()
	if err := errors.Join(kafkaErr, hdfsErr, sparkErr); err != nil {
		return s, err
	}
	cfg.logger.Printf("stack: Spark Connect at %s, Kafka at %s, ready in %s",
		s.connectURL, strings.Join(s.brokers, ","), time.Since(started).Round(100*time.Millisecond))
	return s, nil
}

// runNode starts a container of the image named name (Image(name)) on the stack's network
// under alias, with the stack's logger and labels, customised further by opts.
func runNode(ctx context.Context, cfg *config, nw *testcontainers.DockerNetwork, name, alias string, opts ...testcontainers.ContainerCustomizer) (*testcontainers.DockerContainer, error) {
	return testcontainers.Run(ctx, Image(name), append([]testcontainers.ContainerCustomizer{
		testcontainers.WithLogger(cfg.logger),
		network.WithNetwork([]string{alias}, nw),
		testcontainers.WithLabels(cfg.labels(nw.Name)),
	}, opts...)...)
}

// runNodes starts n containers in parallel, the i-th by runNode with alias aliasOf(i) and
// the options of optsOf(i), and waits for all of them. It returns every container, nil
// where a start failed (a container that failed its wait strategy is returned, to be
// terminated with the stack), and the failures joined, each naming its alias.
func runNodes(ctx context.Context, cfg *config, nw *testcontainers.DockerNetwork, name string, n int,
	aliasOf func(i int) string, optsOf func(i int) []testcontainers.ContainerCustomizer) ([]*testcontainers.DockerContainer, error) {
	nodes := make([]*testcontainers.DockerContainer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			alias := aliasOf(i)
			c, err := runNode(ctx, cfg, nw, name, alias, optsOf(i)...)
			nodes[i] = c
			if err != nil {
				errs[i] = fmt.Errorf("start %s: %w", alias, err)
			}
		})
	}
	wg.Wait()
	return nodes, errors.Join(errs...)
}

func startKafka(ctx context.Context, cfg *config, nw *testcontainers.DockerNetwork, loopback bool) (*testcontainers.DockerContainer, error) {
	c, err := runNode(ctx, cfg, nw, "kafka", kafkaAlias,
		testcontainers.WithExposedPorts(kafkaExternalPort),
		publishOnLoopback(loopback, kafkaExternalPort),
		cfg.kafkaSASLSSL.option(loopback), // WithKafkaSASLSSL; nothing without it
		testcontainers.WithEnv(map[string]string{
			"ADVERTISED_FILE":    advertisedFile,
			"INTERNAL_HOST_PORT": kafkaInternalAddr,
		}),
		// The host port is known only now: hand it to the entrypoint, which waits for it.
		testcontainers.WithLifecycleHooks(testcontainers.ContainerLifecycleHooks{
			PostStarts: []testcontainers.ContainerHook{
				func(ctx context.Context, c testcontainers.Container) error {
					if err := wait.ForMappedPort(kafkaExternalPort).WaitUntilReady(ctx, c); err != nil {
						return fmt.Errorf("wait for mapped port: %w", err)
					}
					ep, err := c.PortEndpoint(ctx, kafkaExternalPort, "")
					if err != nil {
						return fmt.Errorf("kafka endpoint: %w", err)
					}
					if cfg.kafkaSASLSSL != nil {
						extra, err := advertisedSecure(ctx, c)
						if err != nil {
							return err
						}
						ep += extra
					}
					if err := c.CopyToContainer(ctx, []byte(ep+"\n"), advertisedFile, 0o644); err != nil {
						return fmt.Errorf("copy advertised address: %w", err)
					}
					return nil
				},
			},
		}),
		testcontainers.WithWaitStrategyAndDeadline(readyTimeout, wait.ForLog("Kafka Server started").WithStartupTimeout(readyTimeout)),
	)
	if err != nil {
		return c, fmt.Errorf("start kafka: %w", err)
	}
	return c, nil
}

func startSpark(ctx context.Context, cfg *config, nw *testcontainers.DockerNetwork, loopback bool) (*testcontainers.DockerContainer, error) {
	env := map[string]string{"SPARK_DRIVER_MEMORY": cfg.driverMemory}
	if cfg.authToken != "" {
		env["SPARK_CONNECT_AUTHENTICATE_TOKEN"] = cfg.authToken
	}
	if cfg.workers > 0 {
		env["SPARK_MASTER"] = masterURL
		env["SPARK_DRIVER_HOST"] = sparkAlias
	}
	var args []string
	for _, kv := range append(cfg.hdfsSparkConfs(), cfg.sparkConfs...) {
		args = append(args, "--conf", kv[0]+"="+kv[1])
	}
	opts := []testcontainers.ContainerCustomizer{
		testcontainers.WithExposedPorts(connectPort, uiPort),
		publishOnLoopback(loopback, connectPort, uiPort),
		testcontainers.WithEnv(env),
		testcontainers.WithWaitStrategyAndDeadline(readyTimeout, wait.ForLog("Spark Connect server started").WithStartupTimeout(readyTimeout)),
	}
	if len(args) > 0 {
		opts = append(opts, testcontainers.WithCmd(args...))
	}
	c, err := runNode(ctx, cfg, nw, "spark", sparkAlias, opts...)
	if err != nil {
		return c, fmt.Errorf("start spark: %w", err)
	}
	return c, nil
}

// publishOnLoopback publishes ports on 127.0.0.1 only, when loopback is set; Docker's default
// is every interface.
func publishOnLoopback(loopback bool, ports ...string) testcontainers.CustomizeRequestOption {
	return testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
		if !loopback {
			return
		}
		if hc.PortBindings == nil {
			hc.PortBindings = mobynet.PortMap{}
		}
		for _, p := range ports {
			hc.PortBindings[mobynet.MustParsePort(p)] = []mobynet.PortBinding{
				{HostIP: netip.AddrFrom4([4]byte{127, 0, 0, 1}), HostPort: "0"},
			}
		}
	})
}

// localDockerHost reports whether published ports are reached on this machine's loopback
// interface, as testcontainers-go sees the Docker host.
func localDockerHost(ctx context.Context, logger Logger) (bool, error) {
	p, err := testcontainers.NewDockerProvider(testcontainers.WithLogger(logger))
	if err != nil {
		return false, fmt.Errorf("docker provider: %w", err)
	}
	defer p.Close()
	host, err := p.DaemonHost(ctx)
	if err != nil {
		return false, fmt.Errorf("docker host: %w", err)
	}
	if host == "localhost" {
		return true, nil
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.IsLoopback(), nil
}

func (s *Stack) kafkaEndpoints(ctx context.Context) error {
	ep, err := s.kafka.PortEndpoint(ctx, kafkaExternalPort, "")
	if err != nil {
		return fmt.Errorf("kafka endpoint: %w", err)
	}
	s.brokers = []string{ep}
	s.sparkBrokers = kafkaInternalAddr
	return nil
}

func (s *Stack) sparkEndpoints(ctx context.Context) error {
	connect, err := s.spark.PortEndpoint(ctx, connectPort, "sc")
	if err != nil {
		return fmt.Errorf("spark connect endpoint: %w", err)
	}
	ui, err := s.spark.PortEndpoint(ctx, uiPort, "http")
	if err != nil {
		return fmt.Errorf("spark ui endpoint: %w", err)
	}
	s.connectURL, s.uiURL = connect, ui
	return nil
}

// waitConnect waits until the Spark Connect server answers a gRPC request at url
// ("sc://host:port"). The request, an empty ConfigRequest, is invalid: any answer but
// "unavailable" shows the server is up. A real session is left to the Spark Connect client.
func waitConnect(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	addr := strings.TrimPrefix(url, "sc://")
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("spark connect client: %w", err)
	}
	defer conn.Close()
	var last error
	for {
		callCtx, callCancel := context.WithTimeout(ctx, 5*time.Second)
		err := conn.Invoke(callCtx, "/spark.connect.SparkConnectService/Config", &emptypb.Empty{}, &emptypb.Empty{})
		callCancel()
		switch status.Code(err) {
		case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled:
			last = err
		default:
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("spark connect at %s not ready: %w", addr, errors.Join(last, ctx.Err()))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// ConnectURL returns the Spark Connect address for clients on the host, such as
// "sc://localhost:32771". It carries no token: see [Stack.AuthToken].
func (s *Stack) ConnectURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connectURL
}

// AuthToken returns the token the Spark Connect server requires (see [WithAuthToken]), or ""
// when it requires none.
func (s *Stack) AuthToken() string { return s.authToken }

// SparkUIURL returns the address of the Spark web UI for browsers on the host, such as
// "http://localhost:32773", or "" when unknown.
func (s *Stack) SparkUIURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uiURL
}

// Brokers returns the Kafka bootstrap addresses for clients on the host, such as
// ["localhost:32772"], one per broker in node order. It is empty when the stack runs
// without Kafka. A broker started again ([Stack.StartKafkaBroker]) has a new address.
func (s *Stack) Brokers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.brokers)
}

// SparkBrokers returns the Kafka bootstrap servers as the Spark Connect server reaches them,
// for the kafka.bootstrap.servers option of Spark's Kafka source and sink: "kafka:9093" inside
// the stack's Docker network.
func (s *Stack) SparkBrokers() string { return s.sparkBrokers }

// Logs returns the output of the stack's containers so far, each under a "==> name <=="
// header. Call it before [Stack.Terminate]. For a stack from [FromEnv] it returns "".
func (s *Stack) Logs(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	var errs []error
	type named struct {
		name string
		c    *testcontainers.DockerContainer
	}
	cs := []named{{"kafka", s.kafka}}
	for i, k := range s.kafkaNodes {
		cs = append(cs, named{kafkaNodeAlias + strconv.Itoa(i+1), k})
	}
	cs = append(cs, named{masterAlias, s.master})
	for i, w := range s.workers {
		cs = append(cs, named{"spark-worker-" + strconv.Itoa(i+1), w})
	}
	cs = append(cs, named{namenodeAlias, s.namenode})
	for i, d := range s.datanodes {
		cs = append(cs, named{datanodeAlias + strconv.Itoa(i+1), d})
	}
	for _, c := range append(cs, named{"spark", s.spark}) {
		if c.c == nil {
			continue
		}
		fmt.Fprintf(&b, "==> %s (%s) <==\n", c.name, shortID(c.c.GetContainerID()))
		rc, err := c.c.Logs(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s logs: %w", c.name, err))
			continue
		}
		_, err = io.Copy(&b, rc)
		rc.Close()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s logs: %w", c.name, err))
		}
	}
	return b.String(), errors.Join(errs...)
}

// Terminate removes the stack's containers and network. It is safe to call more than once and
// does nothing for a stack from [FromEnv].
func (s *Stack) Terminate(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.terminated {
		return nil
	}
	s.terminated = true
	var errs []error
	cs := append([]*testcontainers.DockerContainer{s.spark}, s.workers...)
	cs = append(cs, s.datanodes...)
	cs = append(cs, s.kafkaNodes...)
	for _, c := range append(cs, s.namenode, s.master, s.kafka) {
		if c == nil {
			continue
		}
		if err := c.Terminate(ctx, testcontainers.StopTimeout(stopTimeout)); err != nil {
			errs = append(errs, fmt.Errorf("terminate %s: %w", c.Image, err))
		}
	}
	if s.network != nil {
		if err := s.network.Remove(ctx); err != nil {
			errs = append(errs, fmt.Errorf("remove network %s: %w", s.network.Name, err))
		}
	}
	return errors.Join(errs...)
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// applyEnvDefaults sets testcontainers-go's host override and disables Ryuk when they are unset
// and the Docker engine runs inside this very container (see the package documentation).
func applyEnvDefaults() {
	if !exists("/.dockerenv") || !exists("/var/run/docker.pid") {
		return
	}
	if h := os.Getenv("DOCKER_HOST"); h != "" && !strings.HasPrefix(h, "unix://") {
		return
	}
	for k, v := range map[string]string{
		"TESTCONTAINERS_HOST_OVERRIDE": "localhost",
		"TESTCONTAINERS_RYUK_DISABLED": "true",
	} {
		if _, ok := os.LookupEnv(k); !ok {
			os.Setenv(k, v)
		}
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
