#!/usr/bin/env bash
# Memory of a result as Go values (connect.BenchmarkRowsMemory), before and after: builds
# the connect test binary of a base commit (with this tree's benchmark files) and of the
# work tree, runs them alternately, and prints medians and ranges of the heap held per row
# with the result kept, the peak heap per row during the read, bytes allocated per row and
# ns per row, for DataFrame.Rows, CollectAs, RowsAs and DataFrame.All (the last in builds
# that have it), plus CollectAs's Go struct size per row and the per-run ratios.
# The server is the in-memory fake in a child process (no Docker, no Spark).
#
#   bash bench/rows_memory.sh [-base <commit>] [-reps 5] [-benchtime 1x] [-rows 2000000] [-batch-rows 10000]
#
# -base defaults to the merge base with main (none: the work tree alone); -rows and -batch-rows set SPARKWIRE_BENCH_ROWS
# and SPARKWIRE_BENCH_BATCH_ROWS (Spark's batches are 10,000 rows).
set -euo pipefail
cd "$(dirname "$0")/.."
base="" reps=5 benchtime=1x rows=2000000 batchrows=10000
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
out=.build/rows-memory
source bench/connect_builds.sh
build_connect_tests "$out" "$base" connect/bench_test.go connect/bench_client_cpu_test.go connect/bench_cpu_unix_test.go connect/bench_cpu_other_test.go \
  connect/bench_rows_memory_test.go
echo "base $base, head $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (modified)'), $rows rows in batches of $batchrows, $reps repetitions of -benchtime $benchtime"
: >"$out/results.txt"
for rep in $(seq "$reps"); do
  for build in $builds; do
    SPARKWIRE_BENCH_ROWS="$rows" SPARKWIRE_BENCH_BATCH_ROWS="$batchrows" nice -n 10 "$out/$build.test" -test.run '^$' -test.bench 'RowsMemory' -test.benchtime "$benchtime" |
      awk -v build="$build" -v rep="$rep" '/^BenchmarkRowsMemory\// {
        split($1, name, "/"); sub(/-[0-9]+$/, "", name[2])
        v["go-B/row"] = "-"
        for (i = 3; i < NF; i++) v[$(i+1)] = $i
        printf "%s %s %s %s %s %s %s %s\n", build, rep, name[2], v["held-B/row"], v["peak-B/row"], v["B/row"], v["ns/row"], v["go-B/row"]
      }' | tee -a "$out/results.txt"
  done
done
# Medians and ranges of each column, and of the per-repetition ratios head / base.
awk '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
    lo = a[1]; hi = a[n]
    return (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
  }
  function show(label, list, fmt,   m) { m = median(list); printf "  %-28s " fmt " (" fmt "–" fmt ")\n", label, m, lo, hi }
  {
    key = $1 " " $3
    held[key] = held[key] " " $4; peak[key] = peak[key] " " $5; alloc[key] = alloc[key] " " $6; ns[key] = ns[key] " " $7
    if ($8 != "-") gob[key] = gob[key] " " $8
    h[$1, $2, $3] = $4; p[$1, $2, $3] = $5; t[$1, $2, $3] = $7; reps[$2] = 1
  }
  END {
    nb = split("base head", bl, " "); nn = split("rows collectas rowsas all", nl, " ")
    print "\nheld heap per row, result kept (held-B/row), median (range):"
    for (i = 1; i <= nb; i++) for (j = 1; j <= nn; j++) { k = bl[i] " " nl[j]; if (k in held) show(k, held[k], "%.1f") }
    print "\npeak heap per row during the read (peak-B/row):"
    for (i = 1; i <= nb; i++) for (j = 1; j <= nn; j++) { k = bl[i] " " nl[j]; if (k in peak) show(k, peak[k], "%.1f") }
    print "\nbytes allocated per row (B/row):"
    for (i = 1; i <= nb; i++) for (j = 1; j <= nn; j++) { k = bl[i] " " nl[j]; if (k in alloc) show(k, alloc[k], "%.1f") }
    print "\nns per row:"
    for (i = 1; i <= nb; i++) for (j = 1; j <= nn; j++) { k = bl[i] " " nl[j]; if (k in ns) show(k, ns[k], "%.0f") }
    print "\nGo struct size per row of CollectAs (unsafe.Sizeof + string bytes):"
    for (i = 1; i <= nb; i++) { k = bl[i] " collectas"; if (k in gob) show(k, gob[k], "%.1f") }
    print "\nratios head / base, per repetition, median (range):"
    for (j = 1; j <= 3; j++) {
      n = nl[j]; rh = ""; rp = ""; rt = ""
      for (r in reps) {
        if (h["base", r, n] > 0) rh = rh " " h["head", r, n] / h["base", r, n]
        if (p["base", r, n] > 0) rp = rp " " p["head", r, n] / p["base", r, n]
        if (t["base", r, n] > 0) rt = rt " " t["head", r, n] / t["base", r, n]
      }
      if (rh != "") show(n " held", rh, "%.2f")
      if (rp != "") show(n " peak", rp, "%.2f")
      if (rt != "") show(n " time", rt, "%.2f")
    }
  }' "$out/results.txt"
