#!/usr/bin/env bash
# The README's demo command (`make demo`): runs `sparkwire demo`, which first sets up the Docker
# engine and builds the images when needed (docker/scripts/images.sh, its steps and elapsed
# time shown), then runs a local Kafka + Spark Connect stack, clickstream events produced
# from Go, the pageviews streaming job, live progress, and a check of the job's output against
# the events that were sent. Extra arguments go to `sparkwire demo` (e.g. --duration 60s).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

go build -o .build/sparkwire ./cmd/sparkwire
exec .build/sparkwire demo "$@"
