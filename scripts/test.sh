#!/usr/bin/env bash
# The README's test command (`make test`): sets up what the suite needs (Docker engine, JRE
# base image, Spark and Kafka images; each step idempotent), checks formatting and vet, then
# runs every test, unit and end-to-end against real Kafka and Spark Connect containers.
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

echo "== go test"
go test -count=1 -v -timeout 60m ./... "$@"
