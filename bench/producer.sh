#!/usr/bin/env bash
# Compares sparkwire's producer with Kafka's kafka-producer-perf-test on one broker, in one
# run, interleaved (bench/producer.go), then splits the CPU profile of a sparkwire run into
# generation + encoding, manifest bookkeeping, franz-go (client, compression, network) and
# the Go runtime. Uses the broker in SPARKWIRE_KAFKA_BROKERS (bench/run.sh sets it), else
# starts a stack of its own. Needs java (17+) on the host: both clients run on the host
# and reach the broker through its published port. Flags go to bench/producer.go, e.g.
#   bash bench/producer.sh -count 2000000 -reps 5 -compression none,lz4
# Results: BENCHMARKS.md, section Producers.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f /.dockerenv ]; then
  export TESTCONTAINERS_HOST_OVERRIDE=${TESTCONTAINERS_HOST_OVERRIDE:-localhost}
fi
export TESTCONTAINERS_RYUK_DISABLED=${TESTCONTAINERS_RYUK_DISABLED:-true}
# images.sh also fills docker/kafka/target/jars. A smoke run (BENCH_SMOKE=1, bench/run.sh)
# builds nothing: it uses the jars and the stack that are there.
if [ -z "${BENCH_SMOKE:-}" ] || [ "${BENCH_SMOKE}" = 0 ]; then
  bash docker/scripts/images.sh >/dev/null
fi
command -v java >/dev/null || { echo "producer.sh: java (17+) is needed for kafka-producer-perf-test" >&2; exit 1; }
prof=.build/producer-profile
rm -rf "$prof"
go build -o .build/producer-bench ./bench
.build/producer-bench -profile "$prof" "$@"

# share PROFILE FOCUS [IGNORE]: percentage of the profile's samples whose stack matches
# FOCUS (and not IGNORE).
share() {
  local args=(-top -nodecount=1000000 -focus="$2")
  [ -n "${3:-}" ] && args+=(-ignore="$3")
  go tool pprof "${args[@]}" "$1" 2>/dev/null |
    sed -n 's/^Showing nodes accounting for [^,]*, \([0-9.]*\)% of .*/\1/p'
}
promise='producers\.\(\*Producer\)\.produce\.func1$'
next='producers\.\(\*Stream\)\.[nN]ext$'
echo
echo "| profile | CPU samples | generator (\`Clickstream.draw\`) | encoding | stream (event time, lateness, malformation) | generation + encoding (\`Stream.next\`) | manifest (ack callback) | franz-go | Go runtime, other |"
echo "|---|---|---|---|---|---|---|---|---|"
rows=()
for p in "$prof"/producer-*.pprof; do
  # "Total samples = 6520ms" or "= 12.13s", at 100 samples per second
  samples=$(go tool pprof -top -nodecount=1 "$p" 2>/dev/null | sed -n 's/.*Total samples = \([0-9.]*\)\(m*s\).*/\1 \2/p' |
    awk '{ printf "%d", ($2 == "ms" ? $1 / 10 : $1 * 100) }')
  all=$(share "$p" "$next")
  # The clickstream's choices (draw), and its JSON records written around them
  # (appendNextJSON) or through Values and the encoder.
  gen=$(share "$p" 'producers\.\(\*Clickstream\)\.draw$')
  enc=$(share "$p" 'producers\.\(\*Clickstream\)\.appendNextJSON$|producers\.\(\*encoder\)\.appendRecord$|producers\.\(\*Value\)\.appendKey$' 'producers\.\(\*Clickstream\)\.draw$')
  man=$(share "$p" "$promise")
  kgo=$(share "$p" 'franz-go|pierrec' "$promise|$next")
  # A difference of shares rounded to 0.1 (never "-0.0").
  stream=$(awk -v a="${all:-0}" -v b="${gen:-0}" -v c="${enc:-0}" 'BEGIN { x = a - b - c; printf "%.1f", (x > -0.05 && x < 0.05) ? 0 : x }')
  rest=$(awk -v a="${all:-0}" -v b="${man:-0}" -v c="${kgo:-0}" 'BEGIN { printf "%.1f", 100 - a - b - c }')
  name=$(basename "$p" .pprof)
  echo "| $name | $samples | ${gen:-0}% | ${enc:-0}% | $stream% | **${all:-0}%** | ${man:-0}% | ${kgo:-0}% | $rest% |"
  codec=${name#producer-}
  rows+=("${codec%-*} $samples ${gen:-0} ${enc:-0} $stream ${all:-0} ${man:-0} ${kgo:-0} $rest")
done
# The median of each column over a codec's profiles.
for codec in $(printf '%s\n' "${rows[@]}" | cut -d' ' -f1 | sort -u); do
  line="| **median, $codec** ($(printf '%s\n' "${rows[@]}" | grep -c "^$codec ") runs)"
  for col in 2 3 4 5 6 7 8 9; do
    m=$(printf '%s\n' "${rows[@]}" | awk -v c="$codec" -v k="$col" '$1 == c { print $k }' | sort -g |
      awk '{ v[NR] = $1 } END { printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    if [ "$col" = 2 ]; then line+=" | $m"; elif [ "$col" = 6 ]; then line+=" | **$m%**"; else line+=" | $m%"; fi
  done
  echo "$line |"
done
