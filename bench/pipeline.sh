#!/usr/bin/env bash
# The pipeline benchmark (bench/pipeline/main.go says what and how): the pageviews job at a
# 1 s processing-time trigger, fed by `sparkwire produce` at rising rates, submitted by
# sparkwire and by PySpark (bench/pyspark_pageviews.py) alternately on the same server;
# whether the job keeps up and the end-to-end latency p50/p99 from an event's send to its
# window's updated row in the output topic. Not part of CI (but see smoke).
#
#   bash bench/pipeline.sh [compare]  sparkwire vs PySpark at PIPELINE_RATES (default
#                                     1000,2000,5000,10000,20000,50000), PIPELINE_STEP (60s)
#                                     per step, PIPELINE_REPS (5) repetitions, into
#                                     bench/results/pipeline
#   bash bench/pipeline.sh tuning     sparkwire only, one rate (TUNE_RATE, 2000), TUNE_REPS (3)
#                                     repetitions of TUNE_STEP (30s): the effect of
#                                     spark.sql.shuffle.partitions and the RocksDB state store on
#                                     batch duration and latency (tuning/partitions), and of
#                                     maxOffsetsPerTrigger on a start with a 30 s backlog
#                                     (tuning/backlog), into TUNE_OUT (default
#                                     bench/results/pipeline/tuning)
#   bash bench/pipeline.sh smoke      one 8 s step at 200 events/s, sparkwire only, into
#                                     .build/pipeline-smoke; exits non-zero if an event got no
#                                     latency (about 30 s; for CI, so that the code cannot rot)
#
# Uses the stack named by SPARKWIRE_CONNECT_URL, SPARKWIRE_KAFKA_BROKERS and
# SPARKWIRE_SPARK_KAFKA_BROKERS, or else the local stack of 'sparkwire up' (started if
# needed). Extra arguments go to the driver, e.g. bash bench/pipeline.sh compare -rates 1000.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
mode=compare
case "${1:-}" in
  compare|tuning|smoke) mode=$1; shift ;;
esac
mkdir -p .build
go build -o .build/sparkwire ./cmd/sparkwire
go build -o .build/pipeline ./bench/pipeline
if [ -z "${SPARKWIRE_CONNECT_URL:-}" ] || [ -z "${SPARKWIRE_KAFKA_BROKERS:-}" ]; then
  bash docker/scripts/images.sh
  up=$(.build/sparkwire up)
  eval "$(grep '^export ' <<<"$up")"
  # 'sparkwire up' prints "Kafka  host:port (from Spark: kafka:9093)".
  spark_brokers=$(sed -n 's/.*(from Spark: \([^)]*\)).*/\1/p' <<<"$up")
  export SPARKWIRE_SPARK_KAFKA_BROKERS=${SPARKWIRE_SPARK_KAFKA_BROKERS:-$spark_brokers}
fi
if [ "$mode" = smoke ]; then
  exec .build/pipeline -sparkwire .build/sparkwire -smoke "$@"
fi
rocksdb=org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider
if [ "$mode" = tuning ]; then
  rate=${TUNE_RATE:-2000}
  tune_out=${TUNE_OUT:-bench/results/pipeline/tuning}
  common=(-sparkwire .build/sparkwire -clients sparkwire -rates "$rate" -step "${TUNE_STEP:-30s}"
    -reps "${TUNE_REPS:-3}" -catch-up 30s -keep-going)
  # Shuffle partitions and the state store, in steady state.
  .build/pipeline "${common[@]}" -out "$tune_out/partitions" \
    -settings "partitions=200:spark.sql.shuffle.partitions=200;partitions=8:spark.sql.shuffle.partitions=8;partitions=4:spark.sql.shuffle.partitions=4;partitions=2:spark.sql.shuffle.partitions=2;partitions=4 RocksDB:spark.sql.shuffle.partitions=4,spark.sql.streaming.stateStore.providerClass=$rocksdb" \
    "$@"
  # maxOffsetsPerTrigger matters when the job starts with a backlog (after a stop): 30 s of
  # input waiting, then the live stream; latency counted from the job's start.
  exec .build/pipeline "${common[@]}" -backlog 30s -warmup 0s -out "$tune_out/backlog" \
    -settings "no limit:spark.sql.shuffle.partitions=4;maxOffsetsPerTrigger=$((rate * 5)):spark.sql.shuffle.partitions=4,maxOffsetsPerTrigger=$((rate * 5))" \
    "$@"
fi
# The peer: PySpark's Spark Connect client, in a virtualenv of its own (as bench/run.sh).
if [ ! -x .build/pyvenv/bin/python ]; then
  python3 -m venv .build/pyvenv
  .build/pyvenv/bin/pip install -q 'pyspark-client==4.1.*' pyarrow pandas grpcio grpcio-status
fi
exec .build/pipeline -sparkwire .build/sparkwire -python .build/pyvenv/bin/python \
  -rates "${PIPELINE_RATES:-1000,2000,5000,10000,20000,50000}" -step "${PIPELINE_STEP:-60s}" \
  -reps "${PIPELINE_REPS:-5}" -out bench/results/pipeline "$@"
