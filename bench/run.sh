#!/usr/bin/env bash
# Runs sparkwire's benchmarks against the local stack (started if needed) and prints the
# results; BENCHMARKS.md records them. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f /.dockerenv ]; then
  export TESTCONTAINERS_HOST_OVERRIDE=${TESTCONTAINERS_HOST_OVERRIDE:-localhost}
fi
export TESTCONTAINERS_RYUK_DISABLED=${TESTCONTAINERS_RYUK_DISABLED:-true}
bash docker/scripts/images.sh
go build -o .build/sparkwire ./cmd/sparkwire
.build/sparkwire up >/dev/null
eval "$(.build/sparkwire up | grep '^export ')"
go test -run '^$' -bench . -benchtime "${BENCHTIME:-3x}" -count "${COUNT:-1}" ./connect/ ./producers/... "$@"
