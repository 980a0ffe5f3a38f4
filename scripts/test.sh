#!/usr/bin/env bash
# The README's test command (`make test`): sets up what the suite needs (Docker engine, JRE
# base image, Spark and Kafka images; each step idempotent), checks formatting and vet, then
# runs the unit tier with -race and the end-to-end tests against real Kafka and Spark Connect
# containers.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/env.sh

bash docker/scripts/images.sh

echo "== gofmt, go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.build/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt: these files need formatting:"; echo "$unformatted"; exit 1
fi
go vet ./...

# The unit tier needs no containers: the client runs against an in-memory Spark Connect
# server. It runs first, with the race detector, so that a broken client fails in a minute.
unit_pkgs="./connect/... ./jobs/... ./cmd/... ./producers/... ./events/... ./demo/... ./internal/... ./kafkasec/... ./bench/... ./tests/internal/..."
echo "== go test -race (unit tier: $unit_pkgs)"
go test -race -short -count=1 -timeout 10m $unit_pkgs

echo "== go test (end to end, against the Kafka and Spark containers)"
e2e_pkgs=$(go list ./... | grep -v -E '/(connect|jobs|cmd|producers|events|demo|internal|kafkasec|bench)(/|$)' | grep -v -E '/tests/cluster$')
go test -count=1 -v -timeout 60m $e2e_pkgs "$@"

# The cluster group: each test starts a stack of its own (Spark master, two workers, the
# Connect server, HDFS, three Kafka brokers: up to ten JVMs), so it runs alone, after the
# main step, never beside it.
echo "== go test (end to end, cluster group: ./tests/cluster)"
cluster_start=$SECONDS
go test -count=1 -v -timeout 30m ./tests/cluster "$@"
echo "== cluster group took $((SECONDS - cluster_start)) s"
