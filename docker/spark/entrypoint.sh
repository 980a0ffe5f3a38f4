#!/usr/bin/env bash
# Runs, in the foreground, one of (the mode: $SPARK_MODE, or a first argument of "connect",
# "master" or "worker", which is then removed from the arguments):
#   connect  the Spark Connect server (the default), in local mode unless SPARK_MASTER names a
#            cluster
#   master   a Spark standalone master: cluster port 7077, web UI 8080 (JSON at /json/)
#   worker   a Spark standalone worker registering with the master $SPARK_MASTER; web UI 8081.
#            It launches executors from this same image's jars.
#
# Environment of the Connect server:
#   SPARK_MASTER           master URL (default local[*]), e.g. spark://spark-master:7077
#   SPARK_DRIVER_HOST      the name executors reach the driver at, set as spark.driver.host
#                          (with spark.driver.bindAddress=0.0.0.0); on a Docker network the
#                          container's alias, e.g. "spark". Unset: Spark's default (the IP)
#   SPARK_DRIVER_MEMORY    JVM heap, the -Xmx value (default 2g); in local mode the driver runs
#                          every task, so this is the memory of the whole Spark "cluster"
#   SPARK_CONNECT_CONF     extra Spark properties, whitespace-separated key=value pairs, each
#                          passed as --conf (values cannot contain spaces; use arguments then)
#   SPARK_CONNECT_AUTHENTICATE_TOKEN
#                          when set, Spark itself requires clients to send this bearer token
# Arguments are passed to spark-submit after the defaults, so "--conf k=v" arguments override.
#
# Environment of the master and the worker:
#   SPARK_MASTER_HOST      master: the host name it binds to and advertises (default: the
#                          container's host name); give the name the workers resolve
#   SPARK_MASTER           worker: the master URL (default spark://spark-master:7077)
#   SPARK_WORKER_CORES     worker: cores offered to executors (default 1)
#   SPARK_WORKER_MEMORY    worker: memory offered to executors (default 1g; an executor takes
#                          spark.executor.memory, 1g unless the Connect server sets it)
#   SPARK_DAEMON_MEMORY    master and worker JVM heap (default 512m)
# Arguments are passed to the Master or Worker class after the defaults.
#
# Every mode:
#   SPARK_JAVA_OPTS        extra JVM options
#   SPARK_LOG_LEVEL        root log level (default WARN; INFO for the master and the worker)
set -euo pipefail

SPARK_HOME=${SPARK_HOME:-/opt/spark}

# What Spark's launcher (spark-submit, spark-class) adds to the JVM command on Java 17+, from
# org.apache.spark.launcher.JavaModuleOptions of Spark 4.1.2. Starting java directly skips the
# launcher, so they are listed here; without them Arrow (java.nio) and Netty fail at run time.
module_opts=(
  -XX:+IgnoreUnrecognizedVMOptions
  --add-modules=jdk.incubator.vector
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  -Djdk.reflect.useDirectMethodHandle=false
  -Dio.netty.tryReflectionSetAccessible=true
  -Dio.netty.allocator.type=pooled
  -Dio.netty.handler.ssl.defaultEndpointVerificationAlgorithm=NONE
  --enable-native-access=ALL-UNNAMED
)

mode=${SPARK_MODE:-connect}
case "${1:-}" in
  connect | master | worker) mode=$1; shift ;;
esac
read -r -a java_opts <<<"${SPARK_JAVA_OPTS:-}"
mkdir -p "$SPARK_HOME/work"

if [[ $mode == master || $mode == worker ]]; then
  # The daemons log little at INFO, and that little (workers joining, executors launched and
  # lost) is what one looks for in their logs.
  export SPARK_LOG_LEVEL=${SPARK_LOG_LEVEL:-INFO}
fi
case "$mode" in
  connect) ;;
  master)
    host=${SPARK_MASTER_HOST:-$HOSTNAME}
    echo "entrypoint: Spark standalone master spark://$host:7077, heap ${SPARK_DAEMON_MEMORY:-512m}" >&2
    exec java "-Xmx${SPARK_DAEMON_MEMORY:-512m}" "${module_opts[@]}" "${java_opts[@]}" \
      -Dlog4j2.configurationFile="$SPARK_HOME/conf/log4j2.properties" \
      -cp "$SPARK_HOME/conf:$SPARK_HOME/jars/*" \
      org.apache.spark.deploy.master.Master --host "$host" --port 7077 --webui-port 8080 "$@"
    ;;
  worker)
    master=${SPARK_MASTER:-spark://spark-master:7077}
    cores=${SPARK_WORKER_CORES:-1} memory=${SPARK_WORKER_MEMORY:-1g}
    # The launcher library the Worker builds executor commands with wants the Scala version of
    # a source build or this variable.
    export SPARK_SCALA_VERSION=${SPARK_SCALA_VERSION:-2.13}
    echo "entrypoint: Spark standalone worker ($cores cores, $memory) for $master, heap ${SPARK_DAEMON_MEMORY:-512m}" >&2
    exec java "-Xmx${SPARK_DAEMON_MEMORY:-512m}" "${module_opts[@]}" "${java_opts[@]}" \
      -Dlog4j2.configurationFile="$SPARK_HOME/conf/log4j2.properties" \
      -cp "$SPARK_HOME/conf:$SPARK_HOME/jars/*" \
      org.apache.spark.deploy.worker.Worker --cores "$cores" --memory "$memory" --webui-port 8081 \
      "$@" "$master"
    ;;
  *)
    echo "entrypoint: unknown mode \"$mode\" (want connect, master or worker)" >&2
    exit 2
    ;;
esac

confs=(
  --conf spark.connect.grpc.binding.port=15002
  --conf spark.ui.port=4040
  # A one-node stack: the default of 200 shuffle partitions makes every streaming micro-batch
  # with an aggregation schedule 200 tiny tasks on a couple of cores; 4 keeps batches fast.
  --conf spark.sql.shuffle.partitions=4
  --conf "spark.sql.warehouse.dir=$SPARK_HOME/work/spark-warehouse"
  # Reliable checkpoints (DataFrame.Checkpoint) write here.
  --conf "spark.checkpoint.dir=$SPARK_HOME/work/checkpoints"
  # "lake": an Apache Iceberg catalog of v2 tables on a warehouse directory (the v2 writer's
  # every verb, MERGE INTO); Iceberg's session extensions add its SQL (MERGE, CALL ...).
  --conf spark.sql.extensions=org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions
  --conf spark.sql.catalog.lake=org.apache.iceberg.spark.SparkCatalog
  --conf spark.sql.catalog.lake.type=hadoop
  --conf "spark.sql.catalog.lake.warehouse=$SPARK_HOME/work/lakehouse"
)
if [[ -n "${SPARK_DRIVER_HOST:-}" ]]; then
  # Executors in other containers connect back to the driver by this name.
  confs+=(--conf "spark.driver.host=$SPARK_DRIVER_HOST" --conf spark.driver.bindAddress=0.0.0.0)
fi
read -r -a extra_confs <<<"${SPARK_CONNECT_CONF:-}"
for kv in "${extra_confs[@]}"; do
  confs+=(--conf "$kv")
done

echo "entrypoint: Spark Connect server, master ${SPARK_MASTER:-local[*]}, heap ${SPARK_DRIVER_MEMORY:-2g}" >&2
exec java "-Xmx${SPARK_DRIVER_MEMORY:-2g}" "${module_opts[@]}" "${java_opts[@]}" \
  -Dlog4j2.configurationFile="$SPARK_HOME/conf/log4j2.properties" \
  -cp "$SPARK_HOME/conf:$SPARK_HOME/jars/*" \
  org.apache.spark.deploy.SparkSubmit \
  --master "${SPARK_MASTER:-local[*]}" \
  --class org.apache.spark.sql.connect.service.SparkConnectServer \
  --name sparkwire \
  "${confs[@]}" "$@" \
  spark-internal
