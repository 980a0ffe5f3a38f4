#!/usr/bin/env bash
# `make soak` (not in CI): runs sparkwire's pipeline for SOAK_DURATION (default 30m) at a
# steady SOAK_RATE (default 300 events/s) and records the memory of every process in it
# over time (bench/soak/main.go says what and how). Uses the stack named by
# SPARKWIRE_CONNECT_URL, SPARKWIRE_KAFKA_BROKERS and SPARKWIRE_SPARK_KAFKA_BROKERS, or else
# the local stack of 'sparkwire up' (started if needed, ports on 127.0.0.1 only); with
# SOAK_OWN_STACK=1, a stack of its own that serves the soak alone and is removed at the end.
# Results go to SOAK_OUT (default bench/results/soak): samples.csv, memory.svg, summary.md,
# manifest.json, producer.log. Extra arguments go to the soak driver, e.g.
#   SOAK_DURATION=3m SOAK_OUT=.build/soak bash bench/soak.sh -interval 10s
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
mkdir -p .build
go build -o .build/sparkwire ./cmd/sparkwire
go build -o .build/soak ./bench/soak
if [ "${SOAK_OWN_STACK:-}" = 1 ]; then
  exec .build/soak -sparkwire .build/sparkwire -own-stack "$@"
fi
if [ -z "${SPARKWIRE_CONNECT_URL:-}" ] || [ -z "${SPARKWIRE_KAFKA_BROKERS:-}" ]; then
  bash docker/scripts/images.sh
  up=$(.build/sparkwire up)
  eval "$(grep '^export ' <<<"$up")"
  # 'sparkwire up' prints "Kafka  host:port (from Spark: kafka:9093)".
  spark_brokers=$(sed -n 's/.*(from Spark: \([^)]*\)).*/\1/p' <<<"$up")
  export SPARKWIRE_SPARK_KAFKA_BROKERS=${SPARKWIRE_SPARK_KAFKA_BROKERS:-$spark_brokers}
fi
exec .build/soak -sparkwire .build/sparkwire "$@"
