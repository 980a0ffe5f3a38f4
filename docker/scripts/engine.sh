#!/usr/bin/env bash
# Makes a Docker engine available. Idempotent: does nothing when `docker info` answers.
# Otherwise installs Debian's docker.io when dockerd is missing, starts dockerd in the
# background (there is no systemd here; it outlives this script) and waits up to
# $ENGINE_WAIT_SECONDS (default 60) for it to answer.
set -euo pipefail
if docker info >/dev/null 2>&1; then
  exit 0
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "engine: installing docker.io"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi
# A dockerd that is still starting has written its pid file: wait for it instead.
if ! { [[ -f /var/run/docker.pid ]] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; }; then
  echo "engine: starting dockerd (log: /var/log/dockerd.log)"
  nohup setsid dockerd >/var/log/dockerd.log 2>&1 </dev/null &
fi
deadline=$((SECONDS + ${ENGINE_WAIT_SECONDS:-60}))
until docker info >/dev/null 2>&1; do
  if (( SECONDS >= deadline )); then
    echo "engine: dockerd did not answer within ${ENGINE_WAIT_SECONDS:-60}s; last log lines:" >&2
    tail -n 20 /var/log/dockerd.log >&2 || true
    exit 1
  fi
  sleep 0.5
done
echo "engine: docker is up"
