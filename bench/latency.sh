#!/usr/bin/env bash
# Round trips, Go rows and streaming start/stop, sparkwire against PySpark on the same
# server, alternately: connect's BenchmarkRoundTrip (SELECT 1 as rows, the schema of a new
# DataFrame, a config read), BenchmarkRows (a result of (bigint, double, string, timestamp)
# as Go rows, against PySpark's collect()) and BenchmarkStreamStartStop (rate source into
# the memory sink), and their peers in bench/pyspark_latency.py. Per repetition each client
# runs once (who goes first alternates); then the medians and ranges of every figure and of
# the per-repetition ratios sparkwire ÷ PySpark.
#
#   bash bench/latency.sh [-reps 5] [-n 50] [-rows 2000000] [-stream-n 5]
#
# -n is the operations per round-trip benchmark, -stream-n the starts and stops, -rows the
# rows of the Rows benchmark. Needs SPARKWIRE_CONNECT_URL and PySpark in PYTHON (default
# .build/pyvenv/bin/python, which bench/run.sh creates).
set -euo pipefail
cd "$(dirname "$0")/.."
reps=5 n=50 rows=2000000 streamn=5
while [ $# -gt 0 ]; do
  case "$1" in
    -reps) reps="$2"; shift 2 ;;
    -n) n="$2"; shift 2 ;;
    -rows) rows="$2"; shift 2 ;;
    -stream-n) streamn="$2"; shift 2 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done
: "${SPARKWIRE_CONNECT_URL:?set SPARKWIRE_CONNECT_URL (sparkwire up prints it)}"
python="${PYTHON:-.build/pyvenv/bin/python}"
[ -x "$python" ] || { echo "no PySpark virtualenv at $python (bench/run.sh creates one; or set PYTHON)" >&2; exit 1; }
out=.build/latency
mkdir -p "$out"
nice -n 10 go test -c -o "$out/connect.test" ./connect/
: >"$out/results.txt"
# go test -bench lines: "BenchmarkRoundTrip/select1-2  50  123 ns/op  12.3 p50-ms  20.1 p99-ms";
# out: "sparkwire REP select1 p50-ms 12.3".
go_run() {
  local rep=$1
  { "$out/connect.test" -test.run '^$' -test.bench '^BenchmarkRoundTrip$' -test.benchtime "${n}x"
    SPARKWIRE_BENCH_GO_ROWS=$rows "$out/connect.test" -test.run '^$' -test.bench '^BenchmarkRows$' -test.benchtime 1x
    "$out/connect.test" -test.run '^$' -test.bench '^BenchmarkStreamStartStop$' -test.benchtime "${streamn}x"
  } | awk -v rep="$rep" '/^Benchmark/ {
      name = $1; sub(/-[0-9]+$/, "", name); sub(/^BenchmarkRoundTrip\//, "", name)
      if (name == "BenchmarkRows") name = "rows"; if (name == "BenchmarkStreamStartStop") name = "startstop"
      for (i = 3; i < NF; i += 2) if ($(i+1) != "ns/op") printf "sparkwire %s %s %s %s\n", rep, name, $(i+1), $i }'
}
py_run() {
  local rep=$1
  "$python" bench/pyspark_latency.py "$SPARKWIRE_CONNECT_URL" "$n" "$rows" "$streamn" |
    awk -v rep="$rep" '$1 == "pyspark" { for (i = 3; i <= NF; i++) { split($i, kv, "="); printf "pyspark %s %s %s %s\n", rep, $2, kv[1], kv[2] } }'
}
for rep in $(seq "$reps"); do
  if [ $((rep % 2)) = 1 ]; then
    go_run "$rep" | tee -a "$out/results.txt"; py_run "$rep" | tee -a "$out/results.txt"
  else
    py_run "$rep" | tee -a "$out/results.txt"; go_run "$rep" | tee -a "$out/results.txt"
  fi
done
awk '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
    lo = a[1]; hi = a[n]
    return (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
  }
  { k = $3 " " $4; v[$1, k] = v[$1, k] " " $5; val[$1, $2, k] = $5; keys[k] = 1; reps[$2] = 1 }
  END {
    printf "%-28s %-30s %-30s %s\n", "benchmark metric", "sparkwire median (range)", "pyspark median (range)", "sparkwire / pyspark per rep, median (range)"
    for (k in keys) {
      m1 = median(v["sparkwire", k]); l1 = lo; h1 = hi
      m2 = median(v["pyspark", k]); l2 = lo; h2 = hi
      r = ""; for (rep in reps) if (("pyspark", rep, k) in val && val["pyspark", rep, k] > 0) r = r " " val["sparkwire", rep, k] / val["pyspark", rep, k]
      if (r == "") { rs = "–" } else { mr = median(r); rs = sprintf("%.2f (%.2f–%.2f)", mr, lo, hi) }
      p = (v["pyspark", k] == "") ? "–" : sprintf("%.2f (%.2f–%.2f)", m2, l2, h2)
      printf "%-28s %-30s %-30s %s\n", k, sprintf("%.2f (%.2f–%.2f)", m1, l1, h1), p, rs
    }
  }' "$out/results.txt" | { IFS= read -r header; echo; echo "$header"; sort; }
