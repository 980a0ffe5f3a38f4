#!/usr/bin/env bash
# Builds the sparkwire images (names in docker/images.env) from a fresh clone, and does nothing
# (in seconds) when they are up to date:
#   1. makes a Docker engine available (engine.sh);
#   2. builds the Java base image when BASE_IMAGE is the local one (jre-base.sh);
#   3. for spark, kafka and hdfs: resolves the jars of docker/<name>/pom.xml with Maven into
#      docker/<name>/target/jars, only when they are missing or the pom changed, and builds the
#      image only when it is missing, or its label io.sparkwire.inputs (a sha256 over the files
#      of docker/<name>, target/ excluded) or io.sparkwire.base (the base image) differs.
# Environment: BASE_IMAGE (default $JRE_IMAGE, e.g. eclipse-temurin:17-jre where a registry is
# reachable), MVN (default mvn), FORCE=1 to rebuild the images regardless.
set -euo pipefail

scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
docker_dir=$(dirname "$scripts")
# shellcheck source=../images.env
source "$docker_dir/images.env"
BASE_IMAGE=${BASE_IMAGE:-$JRE_IMAGE}
MVN=${MVN:-mvn}

"$scripts/engine.sh"
# Test packages run in parallel and each may call this script: one build at a time.
if command -v flock >/dev/null 2>&1; then
  exec 9>"${TMPDIR:-/tmp}/sparkwire-images.lock"
  flock 9
fi
if [[ "$BASE_IMAGE" == "$JRE_IMAGE" ]]; then
  "$scripts/jre-base.sh" "$JRE_IMAGE"
fi

# inputs_hash DIR: sha256 over `sha256sum` lines of every file under DIR except target/,
# sorted by path. docker/stack computes the same value (inputsHash) to spot stale images.
inputs_hash() {
  (cd "$1" && find . -path ./target -prune -o -type f -print | sed 's#^\./##' | LC_ALL=C sort \
    | while IFS= read -r f; do sha256sum "$f"; done) | sha256sum | cut -d' ' -f1
}

# pom_version DIR PROPERTY: the value of <PROPERTY> in DIR/pom.xml.
pom_version() {
  sed -n "s#.*<$2>\(.*\)</$2>.*#\1#p" "$1/pom.xml" | head -n1
}

# jars NAME: resolves docker/NAME/target/jars when missing or resolved from another pom.
jars() {
  local dir=$docker_dir/$1 stamp=$docker_dir/$1/target/jars.pom.sha256 want
  want=$(sha256sum "$dir/pom.xml" | cut -d' ' -f1)
  if [[ -d "$dir/target/jars" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  echo "images: resolving $1 jars with Maven (log: $dir/target/mvn.log)"
  rm -rf "$dir/target/jars" "$stamp"
  mkdir -p "$dir/target"
  if ! (cd "$dir" && "$MVN" -B -Dstyle.color=never -s "$docker_dir/maven-settings.xml" \
      dependency:copy-dependencies -DoutputDirectory=target/jars -DincludeScope=runtime) \
      >"$dir/target/mvn.log" 2>&1; then
    tail -n 30 "$dir/target/mvn.log" >&2
    echo "images: Maven failed for $1" >&2
    exit 1
  fi
  echo "$want" >"$stamp"
}

# image NAME IMAGE: builds IMAGE from docker/NAME unless it is up to date.
image() {
  local name=$1 img=$2 dir=$docker_dir/$1 want have base
  want=$(inputs_hash "$dir")
  have=$(docker image inspect -f '{{ index .Config.Labels "io.sparkwire.inputs" }}' "$img" 2>/dev/null || true)
  base=$(docker image inspect -f '{{ index .Config.Labels "io.sparkwire.base" }}' "$img" 2>/dev/null || true)
  if [[ "${FORCE:-}" != 1 && "$have" == "$want" && "$base" == "$BASE_IMAGE" ]]; then
    echo "images: $img up to date"
    return 0
  fi
  jars "$name"
  echo "images: building $img from $BASE_IMAGE (log: $dir/target/build.log)"
  local start=$SECONDS old
  old=$(docker image inspect -f '{{ .Id }}' "$img" 2>/dev/null || true)
  if ! docker build --build-arg "BASE_IMAGE=$BASE_IMAGE" \
      --label "io.sparkwire.inputs=$want" --label "io.sparkwire.base=$BASE_IMAGE" \
      -t "$img" "$dir" >"$dir/target/build.log" 2>&1; then
    tail -n 30 "$dir/target/build.log" >&2
    echo "images: docker build failed for $img" >&2
    exit 1
  fi
  # The replaced image would linger untagged: remove it unless a container still uses it.
  if [[ -n "$old" && "$old" != "$(docker image inspect -f '{{ .Id }}' "$img")" ]]; then
    docker image rm "$old" >/dev/null 2>&1 || true
  fi
  echo "images: built $img in $((SECONDS - start))s"
}

# The tags name the versions the poms pin: refuse to build when they disagree.
[[ "$(pom_version "$docker_dir/spark" spark.version)" == "$SPARK_VERSION" ]] \
  || { echo "images: docker/spark/pom.xml spark.version is not $SPARK_VERSION (images.env)" >&2; exit 1; }
[[ "$(pom_version "$docker_dir/kafka" kafka.version)" == "$KAFKA_VERSION" ]] \
  || { echo "images: docker/kafka/pom.xml kafka.version is not $KAFKA_VERSION (images.env)" >&2; exit 1; }
[[ "$(pom_version "$docker_dir/hdfs" hadoop.version)" == "$HDFS_VERSION" ]] \
  || { echo "images: docker/hdfs/pom.xml hadoop.version is not $HDFS_VERSION (images.env)" >&2; exit 1; }

image spark "$SPARK_IMAGE"
image kafka "$KAFKA_IMAGE"
image hdfs "$HDFS_IMAGE"
