#!/usr/bin/env bash
# Concurrency: one process running 1, 4, 16 and 64 operations at once, sparkwire
# (bench/concurrency, goroutines) against PySpark (bench/pyspark_concurrency.py, threads),
# on one shared session and on a session per worker, for two workloads: SELECT 1 and large
# collects (rows per operation -rows, at most -max-inflight-rows in flight: at 64 at once
# each collects a quarter of the rows by default). Per repetition, workload and kind of
# sessions both clients run every level, who goes first alternating; the report gives
# medians and ranges of throughput and p50/p99 latency, the per-repetition ratios, and a
# chart (-svg).
#
#   bash bench/concurrency.sh [-reps 5] [-levels 1,4,16,64] [-rows 400000]
#        [-max-inflight-rows 6400000] [-workloads select,collect] [-ops-per-worker N]
#        [-min-ops N] [-out DIR] [-svg FILE]
#
# Operations per level: the larger of -min-ops and -ops-per-worker times the concurrency
# (defaults: SELECT 1 32 and 2, collects 4 and 1).
#
# Needs SPARKWIRE_CONNECT_URL and PySpark in PYTHON (default .build/pyvenv/bin/python,
# which bench/run.sh creates). Writes DIR/results.txt (default .build/concurrency-bench) and
# prints the Markdown table that BENCHMARKS.md records.
set -euo pipefail
cd "$(dirname "$0")/.."
reps=5 levels=1,4,16,64 rows=400000 inflight=6400000 workloads=select,collect out=.build/concurrency-bench svg=""
minops="" perworker=""
while [ $# -gt 0 ]; do
  case "$1" in
    -reps) reps="$2"; shift 2 ;;
    -levels) levels="$2"; shift 2 ;;
    -rows) rows="$2"; shift 2 ;;
    -max-inflight-rows) inflight="$2"; shift 2 ;;
    -workloads) workloads="$2"; shift 2 ;;
    -out) out="$2"; shift 2 ;;
    -svg) svg="$2"; shift 2 ;;
    -min-ops) minops="$2"; shift 2 ;;
    -ops-per-worker) perworker="$2"; shift 2 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done
: "${SPARKWIRE_CONNECT_URL:?set SPARKWIRE_CONNECT_URL (sparkwire up prints it)}"
python="${PYTHON:-.build/pyvenv/bin/python}"
[ -x "$python" ] || { echo "no PySpark virtualenv at $python (bench/run.sh creates one; or set PYTHON)" >&2; exit 1; }
mkdir -p "$out"
nice -n 10 go build -o "$out/concurrency" ./bench/concurrency
: >"$out/results.txt"
turn=0
for rep in $(seq "$reps"); do
  for workload in ${workloads//,/ }; do
    for sessions in shared separate; do
      turn=$((turn + 1))
      clients="sparkwire pyspark"; [ $((turn % 2)) = 0 ] && clients="pyspark sparkwire"
      # SELECT 1 defaults: 32 operations, 2 per worker (128 at 64 at once); collects: the drivers' own.
      mo="$minops" pw="$perworker"
      [ "$workload" = select ] && { mo="${mo:-32}"; pw="${pw:-2}"; }
      for client in $clients; do
        if [ "$client" = sparkwire ]; then
          "$out/concurrency" -workload "$workload" -sessions "$sessions" -levels "$levels" -rows "$rows" -max-inflight-rows "$inflight" -min-ops "${mo:-0}" -ops-per-worker "${pw:-0}"
        else
          "$python" bench/pyspark_concurrency.py "$SPARKWIRE_CONNECT_URL" "$workload" "$sessions" "$levels" "$rows" "$inflight" "${pw:-0}" "${mo:-0}"
        fi | sed "s/^/rep=$rep /" | tee -a "$out/results.txt"
      done
    done
  done
done
echo
"$out/concurrency" report -in "$out/results.txt" ${svg:+-svg "$svg"}
