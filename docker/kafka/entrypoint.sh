#!/usr/bin/env bash
# Starts a single-node Apache Kafka (KRaft, combined broker + controller) in the foreground.
#
# Listeners:
#   EXTERNAL   0.0.0.0:9092   clients outside the container, through the published host port;
#                             advertised as $ADVERTISED_HOST_PORT (default localhost:9092)
#   INTERNAL   0.0.0.0:9093   containers on the same Docker network; advertised as
#                             $INTERNAL_HOST_PORT (default kafka:9093, the network alias)
#   BROKER     localhost:9095 inter-broker traffic and tools run inside this container
#   CONTROLLER localhost:9094 KRaft controller quorum
#
# A node of a multi-node cluster (each node broker + controller, e.g. docker/compose.yaml's
# "cluster" profile) sets:
#   KAFKA_NODE_ID                   node.id (default 1)
#   KAFKA_NODE_HOST                 the name the other nodes reach this one by (its network
#                                   alias); BROKER and CONTROLLER then listen on 0.0.0.0 and
#                                   BROKER is advertised as $KAFKA_NODE_HOST:9095
#   KAFKA_CONTROLLER_QUORUM_VOTERS  controller.quorum.voters, e.g.
#                                   1@kafka-1:9094,2@kafka-2:9094,3@kafka-3:9094
#                                   (default $KAFKA_NODE_ID@localhost:9094)
# plus KAFKA_CFG_* replication settings (the defaults suit one broker). The image's data
# directory is formatted as node 1; another node id reformats it at start.
#
# The host port a client must use is known only once the container has started (ports
# published as "0" are chosen by Docker). Then set ADVERTISED_FILE to a path: the entrypoint
# waits (up to $ADVERTISED_WAIT_SECONDS, default 120) until that file exists and holds the
# host:port to advertise. Whoever starts the container writes it after reading the mapped port
# (docker/stack does this from a testcontainers PostStarts hook).
#
# Any environment variable KAFKA_CFG_<NAME> sets the broker property <name> with underscores
# turned into dots, e.g. KAFKA_CFG_NUM_PARTITIONS=3 sets num.partitions=3.
# KAFKA_HEAP_OPTS (default -Xms256m -Xmx1g) and KAFKA_OPTS are passed to the JVM.
# CLUSTER_ID (22 characters of URL-safe base64, 16 bytes) names the cluster when the storage
# directory is formatted; the default is fixed, which is fine for a one-node throwaway cluster.
# The image's data directory is formatted at build time ("entrypoint.sh --format-only"), which
# saves starting a JVM for the format on every container start. A data directory formatted
# with another cluster id keeps it: give a non-default CLUSTER_ID an empty KAFKA_DATA_DIR.
set -euo pipefail

KAFKA_HOME=${KAFKA_HOME:-/opt/kafka}
DATA_DIR=${KAFKA_DATA_DIR:-/var/lib/kafka/data}
CLUSTER_ID=${CLUSTER_ID:-c3BhcmtXaXJlS2Fma2ExMQ}
INTERNAL_HOST_PORT=${INTERNAL_HOST_PORT:-kafka:9093}
NODE_ID=${KAFKA_NODE_ID:-1}
QUORUM_VOTERS=${KAFKA_CONTROLLER_QUORUM_VOTERS:-$NODE_ID@localhost:9094}
if [[ -n "${KAFKA_NODE_HOST:-}" ]]; then
  node_listeners="BROKER://0.0.0.0:9095,CONTROLLER://0.0.0.0:9094"
  broker_advertised="BROKER://$KAFKA_NODE_HOST:9095"
else
  node_listeners="BROKER://localhost:9095,CONTROLLER://localhost:9094"
  broker_advertised="BROKER://localhost:9095"
fi

format_only=false
if [[ "${1:-}" == "--format-only" ]]; then
  format_only=true
  shift
fi

if [[ $format_only == false && -n "${ADVERTISED_FILE:-}" && -z "${ADVERTISED_HOST_PORT:-}" ]]; then
  echo "entrypoint: waiting for $ADVERTISED_FILE"
  deadline=$((SECONDS + ${ADVERTISED_WAIT_SECONDS:-120}))
  while [[ ! -s "$ADVERTISED_FILE" ]]; do
    if (( SECONDS >= deadline )); then
      echo "entrypoint: $ADVERTISED_FILE did not appear" >&2
      exit 1
    fi
    sleep 0.05
  done
  ADVERTISED_HOST_PORT=$(tr -d ' \r\n' <"$ADVERTISED_FILE")
fi
ADVERTISED_HOST_PORT=${ADVERTISED_HOST_PORT:-localhost:9092}

mkdir -p "$DATA_DIR"
config=$(dirname "$DATA_DIR")/server.properties
{
  cat "$KAFKA_HOME/config/server.properties"
  echo
  echo "# Written by entrypoint.sh"
  echo "log.dirs=$DATA_DIR"
  echo "node.id=$NODE_ID"
  echo "controller.quorum.voters=$QUORUM_VOTERS"
  echo "listeners=EXTERNAL://0.0.0.0:9092,INTERNAL://0.0.0.0:9093,$node_listeners"
  echo "advertised.listeners=EXTERNAL://$ADVERTISED_HOST_PORT,INTERNAL://$INTERNAL_HOST_PORT,$broker_advertised"
  while IFS='=' read -r name value; do
    key=${name#KAFKA_CFG_}
    key=${key,,}
    echo "${key//_/.}=$value"
  done < <(env | grep '^KAFKA_CFG_' || true)
} >"$config"

classpath="$KAFKA_HOME/jars/*"
jvm_opts=(-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
  -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true)
read -r -a heap <<<"${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"
read -r -a extra <<<"${KAFKA_OPTS:-}"

# The build-time format (node 1) of a node with another id: start from an empty directory.
if [[ $format_only == false && -f "$DATA_DIR/meta.properties" ]] \
    && ! grep -qx "node.id=$NODE_ID" "$DATA_DIR/meta.properties" \
    && [[ -z "$(ls -A "$DATA_DIR" | grep -vx -e meta.properties -e bootstrap.checkpoint)" ]]; then
  rm -f "$DATA_DIR/meta.properties" "$DATA_DIR/bootstrap.checkpoint"
fi
if [[ $format_only == true ]] || ! grep -qx "cluster.id=$CLUSTER_ID" "$DATA_DIR/meta.properties" 2>/dev/null \
    || ! grep -qx "node.id=$NODE_ID" "$DATA_DIR/meta.properties"; then
  echo "entrypoint: formatting $DATA_DIR (cluster $CLUSTER_ID)"
  java -Xmx256m -cp "$classpath" -Dlog4j2.configurationFile="$KAFKA_HOME/config/tools-log4j2.properties" \
    kafka.tools.StorageTool format --ignore-formatted -t "$CLUSTER_ID" -c "$config" >/dev/null
fi
if [[ $format_only == true ]]; then
  exit 0
fi

echo "entrypoint: node $NODE_ID advertising EXTERNAL://$ADVERTISED_HOST_PORT INTERNAL://$INTERNAL_HOST_PORT"

exec java "${heap[@]}" "${jvm_opts[@]}" "${extra[@]}" -cp "$classpath" \
  -Dlog4j2.configurationFile="$KAFKA_HOME/config/log4j2.properties" \
  kafka.Kafka "$config" "$@"
