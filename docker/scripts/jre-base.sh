#!/usr/bin/env bash
# Builds a Java 17 runtime base image from Debian packages, for machines that reach no
# container registry. Idempotent: does nothing when the image already exists.
#   usage: jre-base.sh [IMAGE]   (default sparkwire/jre:17)
set -euo pipefail
image=${1:-sparkwire/jre:17}
if docker image inspect "$image" >/dev/null 2>&1; then
  echo "jre-base: $image present"
  exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
# The mirror this machine's apt sources already name.
mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
  | awk '/^URIs:/ {print $2} /^deb / {for (i=2;i<=NF;i++) if ($i ~ /^https?:/) {print $i; break}}' \
  | grep -v security | head -n1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
echo "jre-base: debootstrap bookworm from $mirror"
debootstrap --variant=minbase --include=openjdk-17-jre-headless,procps bookworm "$rootfs" "$mirror" >/tmp/sparkwire-debootstrap.log 2>&1 \
  || { tail -n 30 /tmp/sparkwire-debootstrap.log; exit 1; }
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | docker import \
  -c 'ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64' \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$image" >/dev/null
echo "jre-base: built $image"
