#!/usr/bin/env bash
# Runs sparkwire's benchmarks against the local stack (started if needed) and prints the
# results; BENCHMARKS.md records them. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash docker/scripts/images.sh
go build -o .build/sparkwire ./cmd/sparkwire
.build/sparkwire up >/dev/null
eval "$(.build/sparkwire up | grep '^export ')"
# The peer: PySpark's Spark Connect client, in a virtualenv of its own.
if [ ! -x .build/pyvenv/bin/python ]; then
  python3 -m venv .build/pyvenv
  .build/pyvenv/bin/pip install -q 'pyspark-client==4.1.*' pyarrow pandas grpcio grpcio-status
fi
echo "== connect: collect 10M rows (sparkwire, then pyspark-client, same server)"
go test -run '^$' -bench BenchmarkCollect -benchtime "${BENCHTIME:-3x}" -count "${COUNT:-1}" ./connect/
.build/pyvenv/bin/python bench/pyspark_collect.py "$SPARKWIRE_CONNECT_URL" 3
echo "== connect: client CPU per row, Collect vs pyspark-client toArrow (same server, alternating)"
PYTHON=.build/pyvenv/bin/python bash bench/collect_cpu.sh -reps "${CPU_REPS:-5}"
echo "== connect: client CPU per row against the fake server (Collect, minimal gRPC client, transport; base vs head)"
bash bench/client_cpu.sh -reps "${CPU_REPS:-5}" ${CPU_BASE:+-base "$CPU_BASE"}
echo "== producers: generate + encode"
go test -run '^$' -bench . -benchmem ./producers/ "$@"
echo "== producers: sparkwire vs kafka-producer-perf-test (same broker)"
bash bench/producer.sh -count "${PRODUCER_COUNT:-2000000}" -reps "${PRODUCER_REPS:-3}" -profile-reps "${PRODUCER_REPS:-3}"
echo "== pipeline: pageviews at rising rates, sparkwire vs pyspark-client (same server, alternating)"
bash bench/pipeline.sh compare
