#!/usr/bin/env bash
# Does the Spark driver's heap hold repeated large collects? Samples the memory of the
# Spark Connect server's JVM (the container's process: VmRSS and VmHWM from /proc, and the
# driver's JVMHeapMemory gauge from the web UI's /metrics/json/) every -interval seconds
# while a command runs, then prints the peaks. By default the command is
# bench/collect_cpu.sh: 10-million-row collections by sparkwire and by PySpark's toArrow(),
# alternately, -reps of each.
#
#   bash bench/driver_memory.sh -container NAME [-reps 5] [-interval 2] [-out DIR] [-- command ...]
#
# NAME is the Spark Connect container (docker ps; a 'sparkwire up --driver-memory 4g' stack
# names its heap in the container's SPARK_DRIVER_MEMORY). The container's port 15002 gives
# SPARKWIRE_CONNECT_URL, its port 4040 the web UI. Needs root or the container's user to
# read /proc of its process. Writes DIR/samples.tsv (default .build/driver-memory).
set -euo pipefail
cd "$(dirname "$0")/.."
container="" reps=5 interval=2 out=.build/driver-memory
while [ $# -gt 0 ]; do
  case "$1" in
    -container) container="$2"; shift 2 ;;
    -reps) reps="$2"; shift 2 ;;
    -interval) interval="$2"; shift 2 ;;
    -out) out="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done
[ -n "$container" ] || { echo "give -container NAME (the Spark Connect container)" >&2; exit 2; }
pid=$(docker inspect "$container" --format '{{.State.Pid}}')
heap=$(docker inspect "$container" --format '{{range .Config.Env}}{{println .}}{{end}}' | sed -n 's/^SPARK_DRIVER_MEMORY=//p')
ui=$(docker port "$container" 4040/tcp | head -1)
connect=$(docker port "$container" 15002/tcp | head -1)
export SPARKWIRE_CONNECT_URL="sc://${connect/0.0.0.0/localhost}"
ui="http://${ui/0.0.0.0/localhost}/metrics/json/"
mkdir -p "$out"
echo "driver: container $container, pid $pid, heap (-Xmx) ${heap:-2g (image default)}, $SPARKWIRE_CONNECT_URL"
printf 'unix_s\trss_kib\thwm_kib\theap_bytes\n' >"$out/samples.tsv"
sample() {
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    # The gauge is missing until the driver's first heartbeat: an empty column then.
    h=$(curl -s --max-time 2 "$ui" | tr ',' '\n' | grep -A1 'driver.ExecutorMetrics.JVMHeapMemory"' | sed -n 's/.*"value" *: *\([0-9]*\).*/\1/p' | head -1 || true)
    printf '%s\t%s\t%s\t%s\n' "$(date +%s)" "$rss" "$hwm" "${h:-}" >>"$out/samples.tsv"
    sleep "$interval"
  done
}
sample &
sampler=$!
trap 'kill $sampler 2>/dev/null || true' EXIT
status=0
if [ $# -gt 0 ]; then
  "$@" || status=$?
else
  bash bench/collect_cpu.sh -reps "$reps" || status=$?
fi
kill "$sampler" 2>/dev/null || true
alive=yes; kill -0 "$pid" 2>/dev/null || alive=no
awk -F'\t' -v alive="$alive" -v status="$status" 'NR > 1 {
    if ($2 > rss) rss = $2; if ($3 > hwm) hwm = $3; if ($4 != "" && $4 > heap) heap = $4; n++ }
  END { printf "driver memory over %d samples: peak RSS %.0f MiB (VmHWM %.0f MiB), peak JVMHeapMemory gauge %.0f MiB; driver alive: %s; command exit status: %s\n",
    n, rss / 1024, hwm / 1024, heap / 1048576, alive, status }' "$out/samples.tsv"
# With SPARK_JAVA_OPTS=-Xlog:gc the driver logs every collection: the largest heap left
# after one is the most the driver really held.
docker logs "$container" 2>&1 | awk '/Pause (Young|Full)/ { for (i = 1; i <= NF; i++) if ($i ~ /->/) { split($i, a, "->"); sub(/M.*/, "", a[2]); n++; if (a[2] + 0 > m) m = a[2] + 0
    if ($0 ~ /Pause Full/) { full++; if (a[2] + 0 > fm) fm = a[2] + 0 } } }
  END { if (n) printf "GC log: %d collections, largest heap after one %d MiB; %d full collections, largest heap after one %d MiB\n", n, m, full, fm }'
if docker logs "$container" 2>&1 | grep -q 'OutOfMemoryError'; then
  echo "the driver's log has an OutOfMemoryError:"; docker logs "$container" 2>&1 | grep -m3 'OutOfMemoryError'
  status=1
fi
exit "$status"
