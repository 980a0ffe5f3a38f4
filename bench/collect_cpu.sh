#!/usr/bin/env bash
# Client CPU per row of a 10-million-row collection from the real Spark Connect server:
# sparkwire's DataFrame.Collect (connect.BenchmarkCollect/direct) and PySpark's toArrow()
# (bench/pyspark_collect.py), one collection each per repetition, alternately, then the
# medians and ranges and the per-repetition ratio. Needs a server: SPARKWIRE_CONNECT_URL (a
# `sparkwire up` stack prints it), and PySpark in a virtualenv (PYTHON, default
# .build/pyvenv/bin/python, which bench/run.sh creates).
#
#   bash bench/collect_cpu.sh [-reps 5]
set -euo pipefail
cd "$(dirname "$0")/.."
reps=5
while [ $# -gt 0 ]; do
  case "$1" in
    -reps) reps="$2"; shift 2 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done
: "${SPARKWIRE_CONNECT_URL:?set SPARKWIRE_CONNECT_URL (sparkwire up prints it)}"
python="${PYTHON:-.build/pyvenv/bin/python}"
[ -x "$python" ] || { echo "no PySpark virtualenv at $python (bench/run.sh creates one; or set PYTHON)" >&2; exit 1; }
out=.build/collect-cpu
mkdir -p "$out"
nice -n 10 go test -c -o "$out/connect.test" ./connect/
: >"$out/results.txt"
for rep in $(seq "$reps"); do
  "$out/connect.test" -test.run '^$' -test.bench 'BenchmarkCollect/direct' -test.benchtime 1x |
    awk -v rep="$rep" '/^BenchmarkCollect\/direct/ { for (i = 3; i < NF; i++) v[$(i+1)] = $i
      printf "sparkwire %s %s %s\n", rep, v["cpu-ns/row"], v["rows/s"] }' | tee -a "$out/results.txt"
  "$python" bench/pyspark_collect.py "$SPARKWIRE_CONNECT_URL" 1 |
    awk -v rep="$rep" '{ for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^cpu-ns\/row/) cpu = $i; if ($(i+1) ~ /^rows\/s/) rs = $i }
      printf "pyspark %s %s %s\n", rep, cpu, rs }' | tee -a "$out/results.txt"
done
awk '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
    lo = a[1]; hi = a[n]
    return (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
  }
  function show(label, list, fmt,   m) { m = median(list); printf "  %-28s " fmt " (" fmt "–" fmt ")\n", label, m, lo, hi }
  { cpu[$1] = cpu[$1] " " $3; rs[$1] = rs[$1] " " $4; c[$1, $2] = $3; reps[$2] = 1 }
  END {
    print "\nclient CPU ns/row, median (range):"; show("sparkwire Collect", cpu["sparkwire"], "%.1f"); show("pyspark toArrow", cpu["pyspark"], "%.1f")
    print "rows/s:"; show("sparkwire Collect", rs["sparkwire"], "%.0f"); show("pyspark toArrow", rs["pyspark"], "%.0f")
    for (r in reps) ratio = ratio " " c["sparkwire", r] / c["pyspark", r]
    print "ratio of client CPU per row, per repetition:"; show("sparkwire / pyspark", ratio, "%.2f")
  }' "$out/results.txt"
