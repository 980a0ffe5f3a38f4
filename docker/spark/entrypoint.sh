#!/usr/bin/env bash
# Runs the Spark Connect server in the foreground, in local mode.
#
# Environment:
#   SPARK_MASTER           master URL (default local[*])
#   SPARK_DRIVER_MEMORY    JVM heap, the -Xmx value (default 2g); in local mode the driver runs
#                          every task, so this is the memory of the whole Spark "cluster"
#   SPARK_CONNECT_CONF     extra Spark properties, whitespace-separated key=value pairs, each
#                          passed as --conf (values cannot contain spaces; use arguments then)
#   SPARK_JAVA_OPTS        extra JVM options
#   SPARK_LOG_LEVEL        root log level (default WARN)
#   SPARK_CONNECT_AUTHENTICATE_TOKEN
#                          when set, Spark itself requires clients to send this bearer token
# Arguments are passed to spark-submit after the defaults, so "--conf k=v" arguments override.
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

confs=(
  --conf spark.connect.grpc.binding.port=15002
  --conf spark.ui.port=4040
  # A one-node stack: the default of 200 shuffle partitions makes every streaming micro-batch
  # with an aggregation schedule 200 tiny tasks on a couple of cores; 4 keeps batches fast.
  --conf spark.sql.shuffle.partitions=4
  --conf "spark.sql.warehouse.dir=$SPARK_HOME/work/spark-warehouse"
)
read -r -a extra_confs <<<"${SPARK_CONNECT_CONF:-}"
for kv in "${extra_confs[@]}"; do
  confs+=(--conf "$kv")
done
read -r -a java_opts <<<"${SPARK_JAVA_OPTS:-}"

mkdir -p "$SPARK_HOME/work"
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
