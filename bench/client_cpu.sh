#!/usr/bin/env bash
# Client cost per row of a large Collect (connect.BenchmarkClientCPU), before and after:
# builds the connect test binary of a base commit (with this tree's benchmark files) and of
# the work tree, runs them alternately, and prints medians and ranges of client CPU ns/row,
# bytes allocated per row and rows/s, for Collect, a minimal gRPC client that reads and
# discards the same responses, and gRPC's transport alone, plus the per-run ratios.
# The server is the in-memory fake in a child process (no Docker, no Spark).
#
#   bash bench/client_cpu.sh [-base <commit>] [-reps 5] [-benchtime 3x] [-rows 10000000] [-batch-rows 10000]
#
# -base defaults to the merge base with main (none: the work tree alone); -rows and -batch-rows set SPARKWIRE_BENCH_ROWS
# and SPARKWIRE_BENCH_BATCH_ROWS (Spark's batches are 10,000 rows).
set -euo pipefail
cd "$(dirname "$0")/.."
base="" reps=5 benchtime=3x rows=10000000 batchrows=10000
while [ $# -gt 0 ]; do
  case "$1" in
    -base) base="$2"; shift 2 ;;
    -reps) reps="$2"; shift 2 ;;
    -benchtime) benchtime="$2"; shift 2 ;;
    -rows) rows="$2"; shift 2 ;;
    -batch-rows) batchrows="$2"; shift 2 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done
[ -n "$base" ] || base="$(git merge-base HEAD main)"
out=.build/client-cpu
source bench/connect_builds.sh
build_connect_tests "$out" "$base" connect/bench_test.go connect/bench_client_cpu_test.go connect/bench_cpu_unix_test.go connect/bench_cpu_other_test.go
echo "base $base, head $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (modified)'), $rows rows in batches of $batchrows, $reps repetitions of -benchtime $benchtime"
: >"$out/results.txt"
for rep in $(seq "$reps"); do
  for build in $builds; do
    SPARKWIRE_BENCH_ROWS="$rows" SPARKWIRE_BENCH_BATCH_ROWS="$batchrows" nice -n 10 "$out/$build.test" -test.run '^$' -test.bench 'ClientCPU' -test.benchtime "$benchtime" |
      awk -v build="$build" -v rep="$rep" '/^BenchmarkClientCPU\// {
        split($1, name, "/"); sub(/-[0-9]+$/, "", name[2])
        for (i = 3; i < NF; i++) v[$(i+1)] = $i
        printf "%s %s %s %s %s %s\n", build, rep, name[2], v["cpu-ns/row"], v["B/row"], v["rows/s"]
      }' | tee -a "$out/results.txt"
  done
done
# Medians and ranges of each column, and of the per-repetition ratios.
awk '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
    lo = a[1]; hi = a[n]
    return (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
  }
  function show(label, list, fmt,   m) { m = median(list); printf "  %-34s " fmt " (" fmt "–" fmt ")\n", label, m, lo, hi }
  { key = $1 " " $3; cpu[key] = cpu[key] " " $4; b[key] = b[key] " " $5; r[key] = r[key] " " $6; c[$1, $2, $3] = $4; builds[$1] = 1; reps[$2] = 1; names[$3] = 1 }
  END {
    nb = split("base head", bl, " "); nn = split("collect minimal transport", nl, " ")
    print "\nclient CPU ns/row, median (range):"
    for (i = 1; i <= nb; i++) for (j = 1; j <= nn; j++) { k = bl[i] " " nl[j]; if (k in cpu) show(k, cpu[k], "%.1f") }
    print "\nbytes allocated per row:"
    for (i = 1; i <= nb; i++) for (j = 1; j <= nn; j++) { k = bl[i] " " nl[j]; if (k in b) show(k, b[k], "%.2f") }
    print "\nrows/s:"
    for (i = 1; i <= nb; i++) for (j = 1; j <= nn; j++) { k = bl[i] " " nl[j]; if (k in r) show(k, r[k], "%.0f") }
    print "\nratios of client CPU per row, per repetition, median (range):"
    for (rp in reps) {
      if (("base", rp, "collect") in c) {
        hb = hb " " c["head", rp, "collect"] / c["base", rp, "collect"]
        bm = bm " " c["base", rp, "collect"] / c["base", rp, "minimal"]
      }
      hm = hm " " c["head", rp, "collect"] / c["head", rp, "minimal"]
      ht = ht " " c["head", rp, "collect"] / c["head", rp, "transport"]
    }
    if (hb != "") show("head collect / base collect", hb, "%.2f")
    show("head collect / minimal client", hm, "%.2f")
    show("head collect / transport alone", ht, "%.2f")
    if (bm != "") show("base collect / minimal client", bm, "%.2f")
  }' "$out/results.txt"
