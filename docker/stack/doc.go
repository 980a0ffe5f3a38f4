// Package stack starts the sparkwire test stack — a single-node Apache Kafka (KRaft) and a Spark
// Connect server in local mode — as Docker containers with testcontainers-go, or describes an
// existing cluster given by environment variables. [WithStandaloneCluster] adds a Spark
// standalone master and workers, which the Connect server then submits to; [WithHDFS] adds
// HDFS, the storage that the driver and the executors share (checkpoints, file sinks), as the
// Connect server's default file system; [WithKafkaBrokers] makes Kafka a cluster of several
// brokers. For fault tests, [Stack.KillWorker] and [Stack.KillKafkaBroker] kill a worker's or
// a broker's container (SIGKILL), [Stack.StartKafkaBroker] starts a killed broker again, and
// [Stack.RestartSpark] restarts the Connect server.
//
// The images are built locally from Maven Central jars by docker/scripts/images.sh (no
// container registry is needed); their names are in images.env beside this package ([Image],
// [Version]). Building is never a side effect: [Start] fails with [ErrImagesMissing] when an
// image is missing, and the caller builds them explicitly with [BuildImages] (which runs the
// script, reports its progress, and returns in seconds when everything is up to date).
// Typical use in a test binary's TestMain:
//
//	if err := stack.BuildImages(ctx); err != nil {
//		return err
//	}
//	s, err := stack.Start(ctx)
//	if s != nil {
//		t.Cleanup(func() { _ = s.Terminate(context.Background()) })
//	}
//	if err != nil {
//		logs, _ := s.Logs(context.Background())
//		t.Fatalf("start stack: %v\n%s", err, logs)
//	}
//	// s.ConnectURL() for the Spark Connect client, s.Brokers() for Kafka clients on the host,
//	// s.SparkBrokers() as "kafka.bootstrap.servers" of Spark's Kafka source and sink.
//
// # Environment
//
// testcontainers-go reads its settings from the environment. Two matter on machines that are
// themselves containers running their own Docker engine (CI here, dev containers):
// TESTCONTAINERS_HOST_OVERRIDE=localhost, because testcontainers-go would otherwise guess the
// docker0 gateway as the host of published ports, and TESTCONTAINERS_RYUK_DISABLED=true,
// because the Ryuk reaper image cannot be pulled without a registry. Scripts and CI should
// export both. For commands run by hand, [Start] and [BuildImages] set them in-process when
// they are unset and the Docker engine evidently runs inside this same container (/.dockerenv
// and /var/run/docker.pid both exist); elsewhere testcontainers-go's own defaults stay. With
// Ryuk disabled nothing removes containers left behind by a crashed process: always call
// [Stack.Terminate]. Containers and networks carry the label io.sparkwire.stack for manual
// cleanup (docker rm -f $(docker ps -aq --filter label=io.sparkwire.stack)), and those of
// stacks that are not persistent also name the process that started them
// (io.sparkwire.owner), so that [RemoveOrphans] can remove what a killed process left behind.
// [Stack.ID] names one stack for [Alive] and [Remove].
//
// # Logging
//
// Progress messages, testcontainers-go's container lifecycle lines among them, go to the
// logger of [WithLogger]. testcontainers-go also prints a "Connected to docker" banner, once
// per process, through its process-wide default logger, which this package leaves alone (a
// library does not change process-wide settings): a program that wants that banner elsewhere
// sets it with SetDefault of github.com/testcontainers/testcontainers-go/log, as the sparkwire
// CLI does.
package stack
