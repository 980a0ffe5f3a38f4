#!/usr/bin/env bash
# Runs sparkwire's benchmarks (`make bench`) against the stack named by
# SPARKWIRE_CONNECT_URL and SPARKWIRE_KAFKA_BROKERS, or else the local stack of 'sparkwire up'
# (started if needed), and prints the results; BENCHMARKS.md records them. Not part of CI.
#
# BENCH_SMOKE=1 runs every benchmark once with tiny sizes (one repetition, thousands of rows,
# a few operations), to show that the benchmark code still works; its figures mean nothing.
# It needs a running stack (the environment above) and PySpark in .build/pyvenv (made here
# when missing), and builds nothing but Go binaries:
#
#   BENCH_SMOKE=1 bash bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
smoke="${BENCH_SMOKE:-}"
[ "$smoke" = 0 ] && smoke=""
mkdir -p .build
if [ -z "${SPARKWIRE_CONNECT_URL:-}" ] || [ -z "${SPARKWIRE_KAFKA_BROKERS:-}" ]; then
  if [ -n "$smoke" ]; then
    echo "BENCH_SMOKE: set SPARKWIRE_CONNECT_URL and SPARKWIRE_KAFKA_BROKERS to a running stack" >&2
    exit 2
  fi
  bash docker/scripts/images.sh
  go build -o .build/sparkwire ./cmd/sparkwire
  .build/sparkwire up >/dev/null
  eval "$(.build/sparkwire up | grep '^export ')"
fi
# The peer: PySpark's Spark Connect client, in a virtualenv of its own.
if [ ! -x .build/pyvenv/bin/python ]; then
  python3 -m venv .build/pyvenv
  .build/pyvenv/bin/pip install -q 'pyspark-client==4.1.*' pyarrow pandas grpcio grpcio-status
fi
export PYTHON=.build/pyvenv/bin/python
if [ -n "$smoke" ]; then
  export SPARKWIRE_BENCH_ROWS=20000
  cpu_reps=1
  latency=(-reps 1 -n 2 -rows 10000 -stream-n 1)
  concurrency=(-reps 1 -levels 2 -rows 10000 -min-ops 2 -workloads collect -out .build/bench-smoke/concurrency)
  client_cpu=(-reps 1 -rows 20000 -benchtime 1x -base none)
  producer_micro=(-benchtime 100x)
  producer=(-count 20000 -reps 1 -profile-count 20000 -profile-reps 1 -compression none -payloads 0 -warmup=false)
else
  collect_runs=3 cpu_reps="${CPU_REPS:-5}" benchtime="${BENCHTIME:-3x}"
  latency=(-reps "${LATENCY_REPS:-5}")
  concurrency=(-reps "${CONCURRENCY_REPS:-5}" -svg bench/results/concurrency/throughput.svg)
  client_cpu=(-reps "$cpu_reps" ${CPU_BASE:+-base "$CPU_BASE"})
  producer_micro=()
  producer=(-count "${PRODUCER_COUNT:-2000000}" -reps "${PRODUCER_REPS:-3}" -profile-reps "${PRODUCER_REPS:-3}")
  mkdir -p bench/results/concurrency
fi
section() { echo "== [${SECONDS}s] $*"; }
rows="${SPARKWIRE_BENCH_ROWS:-10000000}"
if [ -z "$smoke" ]; then # the smoke run has both programs in collect_cpu.sh below
  section "connect: collect $rows rows (sparkwire, then pyspark-client, same server)"
  go test -run '^$' -bench BenchmarkCollect -benchtime "$benchtime" -count "${COUNT:-1}" ./connect/
  "$PYTHON" bench/pyspark_collect.py "$SPARKWIRE_CONNECT_URL" "$collect_runs" "$rows"
fi
section "connect: client CPU per row, Collect vs pyspark-client toArrow (same server, alternating)"
bash bench/collect_cpu.sh -reps "$cpu_reps"
section "connect: client CPU per row against the fake server (Collect, minimal gRPC client, transport; base vs head)"
bash bench/client_cpu.sh "${client_cpu[@]}"
section "connect: memory of a result as Go values against the fake server (Rows, CollectAs, RowsAs, All; base vs head)"
if [ -n "$smoke" ]; then
  bash bench/rows_memory.sh -base none -reps 1 -rows 20000
else
  bash bench/rows_memory.sh -reps "${MEM_REPS:-5}" ${CPU_BASE:+-base "$CPU_BASE"}
fi
section "connect: round trips, Rows vs collect(), streaming start/stop (sparkwire vs pyspark-client, alternating)"
bash bench/latency.sh "${latency[@]}"
section "connect: concurrent operations in one process (sparkwire goroutines vs pyspark-client threads)"
bash bench/concurrency.sh "${concurrency[@]}"
section "producers: generate + encode"
go test -run '^$' -bench . -benchmem "${producer_micro[@]}" ./producers/ "$@"
section "producers: sparkwire vs kafka-producer-perf-test (same broker)"
bash bench/producer.sh "${producer[@]}"
if [ -n "$smoke" ]; then
  section "pipeline: pageviews, one short step at 200 events/s (sparkwire alone)"
  bash bench/pipeline.sh smoke
else
  section "pipeline: pageviews at rising rates, sparkwire vs pyspark-client (same server, alternating)"
  bash bench/pipeline.sh compare
fi
section "client cost per row against the fake server, over result sizes (charts)"
go run ./bench/curves ${smoke:+-rows 10000,20000 -reps 1 -out .build/bench-smoke/curves}
section "done${smoke:+ (smoke run: tiny sizes, the figures mean nothing)}"
