#!/usr/bin/env bash
# The README's demo command (`make demo`): sets up the Docker engine and images when needed,
# starts the local stack (Kafka + Spark Connect) and runs a query through the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f /.dockerenv ]; then
  export TESTCONTAINERS_HOST_OVERRIDE=${TESTCONTAINERS_HOST_OVERRIDE:-localhost}
fi
export TESTCONTAINERS_RYUK_DISABLED=${TESTCONTAINERS_RYUK_DISABLED:-true}

bash docker/scripts/images.sh
go build -o .build/sparkwire ./cmd/sparkwire
.build/sparkwire up
.build/sparkwire sql "SELECT id, id * id AS square, date_add(current_date(), cast(id AS int)) AS day, sha2(cast(id AS string), 256) AS hash FROM range(10)"
