#!/usr/bin/env bash
# Client CPU per row of a 10-million-row collection (SPARKWIRE_BENCH_ROWS sets another size) from the real Spark Connect server:
# sparkwire's DataFrame.Collect (connect.BenchmarkCollect/direct) and PySpark's toArrow()
# (bench/pyspark_collect.py), one collection each per repetition, alternately, then the
# medians and ranges and the per-repetition ratio. Needs a server: SPARKWIRE_CONNECT_URL (a
# `sparkwire up` stack prints it), and PySpark in a virtualenv (PYTHON, default
# .build/pyvenv/bin/python, which bench/run.sh creates). With -base, sparkwire at that
# commit (with this tree's benchmark files) takes its turn too.
#
#   bash bench/collect_cpu.sh [-reps 5] [-base <commit>]
set -euo pipefail
cd "$(dirname "$0")/.."
reps=5 base=""
while [ $# -gt 0 ]; do
  case "$1" in
    -reps) reps="$2"; shift 2 ;;
    -base) base="$2"; shift 2 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done
: "${SPARKWIRE_CONNECT_URL:?set SPARKWIRE_CONNECT_URL (sparkwire up prints it)}"
python="${PYTHON:-.build/pyvenv/bin/python}"
[ -x "$python" ] || { echo "no PySpark virtualenv at $python (bench/run.sh creates one; or set PYTHON)" >&2; exit 1; }
out=.build/collect-cpu
mkdir -p "$out"
nice -n 10 go test -c -o "$out/connect.test" ./connect/
clients=sparkwire
if [ -n "$base" ]; then
  rm -rf "$out/base-src" && mkdir -p "$out/base-src"
  git archive "$base" | tar -x -C "$out/base-src"
  cp connect/bench_test.go connect/bench_client_cpu_test.go connect/bench_cpu_unix_test.go connect/bench_cpu_other_test.go "$out/base-src/connect/"
  (cd "$out/base-src" && nice -n 10 go test -c -o ../base.test ./connect/)
  rm -rf "$out/base-src"
  clients="base sparkwire"
fi
: >"$out/results.txt"
for rep in $(seq "$reps"); do
  for client in $clients; do
    bin="$out/connect.test"; [ "$client" = base ] && bin="$out/base.test"
    "$bin" -test.run '^$' -test.bench 'BenchmarkCollect/direct' -test.benchtime 1x |
      awk -v rep="$rep" -v client="$client" '/^BenchmarkCollect\/direct/ { for (i = 3; i < NF; i++) v[$(i+1)] = $i
        printf "%s %s %s %s\n", client, rep, v["cpu-ns/row"], v["rows/s"] }' | tee -a "$out/results.txt"
  done
  "$python" bench/pyspark_collect.py "$SPARKWIRE_CONNECT_URL" 1 "${SPARKWIRE_BENCH_ROWS:-10000000}" |
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
    if ("base" in cpu) show("sparkwire Collect at base", cpu["base"], "%.1f")
    print "rows/s:"; show("sparkwire Collect", rs["sparkwire"], "%.0f"); show("pyspark toArrow", rs["pyspark"], "%.0f")
    if ("base" in rs) show("sparkwire Collect at base", rs["base"], "%.0f")
    for (r in reps) { ratio = ratio " " c["sparkwire", r] / c["pyspark", r]; if ("base" in cpu) rb = rb " " c["sparkwire", r] / c["base", r] }
    print "ratios of client CPU per row, per repetition:"; show("sparkwire / pyspark", ratio, "%.2f")
    if ("base" in cpu) show("sparkwire / sparkwire at base", rb, "%.2f")
  }' "$out/results.txt"
