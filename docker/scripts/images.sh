#!/usr/bin/env bash
# Builds the sparkwire images (named in docker/stack/images.env) from a fresh clone, and does
# nothing (in seconds) when they are up to date:
#   1. makes a Docker engine available (engine.sh);
#   2. builds the Java base image when BASE_IMAGE is the local one and it is missing
#      (jre-base.sh);
#   3. for every <NAME>_IMAGE of images.env with a docker/<name>/Dockerfile, in file order:
#      resolves the jars of docker/<name>/pom.xml with Maven into docker/<name>/target/jars,
#      only when they are missing or the pom changed, and builds the image only when it is
#      missing, or its label io.sparkwire.inputs (a sha256 over the files of docker/<name>,
#      target/ excluded) or io.sparkwire.base (the base image) differs.
# This script is the one place that decides whether an image is up to date: the Go package
# docker/stack only checks that the images exist, and runs this script in stack.BuildImages.
#
# Progress: the work is planned first, then every step starts with a line
#   images: [i/n] <what>
# and long steps report as they go ("images: spark: 120 files downloaded", "images: spark:
# build step 5/13: COPY ..."); stack.BuildImages parses these lines for the CLI's display.
# Environment: BASE_IMAGE (default $JRE_IMAGE, e.g. eclipse-temurin:17-jre where a registry is
# reachable), MVN (default mvn), FORCE=1 to rebuild the images regardless.
set -euo pipefail

scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
docker_dir=$(dirname "$scripts")
images_env=$docker_dir/stack/images.env
# shellcheck source=../stack/images.env
source "$images_env"
BASE_IMAGE=${BASE_IMAGE:-$JRE_IMAGE}
MVN=${MVN:-mvn}

"$scripts/engine.sh"
# Test packages run in parallel and each may call this script: one build at a time.
if command -v flock >/dev/null 2>&1; then
  exec 9>"${TMPDIR:-/tmp}/sparkwire-images.lock"
  flock 9
fi

# inputs_hash DIR: sha256 over `sha256sum` lines of every file under DIR except target/,
# sorted by path: the image's io.sparkwire.inputs label.
inputs_hash() {
  (cd "$1" && find . -path ./target -prune -o -type f -print | sed 's#^\./##' | LC_ALL=C sort \
    | while IFS= read -r f; do sha256sum "$f"; done) | sha256sum | cut -d' ' -f1
}

# pom_version DIR PROPERTY: the value of <PROPERTY> in DIR/pom.xml, empty when it has none.
pom_version() {
  [[ -f "$1/pom.xml" ]] || return 0
  sed -n "s#.*<$2>\(.*\)</$2>.*#\1#p" "$1/pom.xml" | head -n1
}

# jars_current NAME: whether docker/NAME/target/jars was resolved from the current pom (or the
# image has no pom).
jars_current() {
  local dir=$docker_dir/$1 stamp=$docker_dir/$1/target/jars.pom.sha256
  [[ -f "$dir/pom.xml" ]] || return 0
  [[ -d "$dir/target/jars" && -f "$stamp" && "$(cat "$stamp")" == "$(sha256sum "$dir/pom.xml" | cut -d' ' -f1)" ]]
}

# image_current NAME IMAGE: whether IMAGE exists, built from the current files and base.
image_current() {
  local have base
  [[ "${FORCE:-}" != 1 ]] || return 1
  have=$(docker image inspect -f '{{ index .Config.Labels "io.sparkwire.inputs" }}' "$2" 2>/dev/null || true)
  base=$(docker image inspect -f '{{ index .Config.Labels "io.sparkwire.base" }}' "$2" 2>/dev/null || true)
  [[ -n "$have" && "$have" == "$(inputs_hash "$docker_dir/$1")" && "$base" == "$BASE_IMAGE" ]]
}

# count_lines PATTERN LABEL EVERY: passes nothing through; prints "images: LABEL: N" after
# every EVERY input lines containing PATTERN, and the final count.
count_lines() {
  local n=0 line
  while IFS= read -r line; do
    if [[ "$line" == *"$1"* ]]; then
      n=$((n + 1))
      if (( n % $3 == 0 )); then echo "images: $2: $n"; fi
    fi
  done
  if (( n % $3 != 0 )); then echo "images: $2: $n"; fi
}

# build_steps NAME: prints "images: NAME: build step i/n: INSTRUCTION" for each step of a
# docker build log read from stdin (the legacy builder's "Step i/n : ..." and BuildKit's
# plain "#k [i/n] ..." lines).
build_steps() {
  local line step what
  while IFS= read -r line; do
    if [[ "$line" =~ ^Step\ ([0-9]+/[0-9]+)\ :\ (.*)$ ]] \
        || [[ "$line" =~ ^#[0-9]+\ \[[^]]*\ ?([0-9]+/[0-9]+)\]\ (.*)$ ]]; then
      step=${BASH_REMATCH[1]} what=${BASH_REMATCH[2]}
      echo "images: $1: build step $step: ${what:0:60}"
    fi
  done
}

# jars NAME: resolves docker/NAME/target/jars with Maven.
jars() {
  local dir=$docker_dir/$1 stamp=$docker_dir/$1/target/jars.pom.sha256
  rm -rf "$dir/target/jars" "$stamp"
  mkdir -p "$dir/target"
  if ! (cd "$dir" && "$MVN" -B -Dstyle.color=never -s "$docker_dir/maven-settings.xml" \
      dependency:copy-dependencies -DoutputDirectory=target/jars -DincludeScope=runtime) 2>&1 \
      | tee "$dir/target/mvn.log" | count_lines "Downloaded from" "$1: files downloaded" 50; then
    tail -n 30 "$dir/target/mvn.log" >&2
    echo "images: Maven failed for $1" >&2
    exit 1
  fi
  echo "images: $1: $(find "$dir/target/jars" -name '*.jar' | wc -l) jars resolved"
  sha256sum "$dir/pom.xml" | cut -d' ' -f1 >"$stamp"
}

# build NAME IMAGE: builds IMAGE from docker/NAME.
build() {
  local name=$1 img=$2 dir=$docker_dir/$1 want start=$SECONDS old
  want=$(inputs_hash "$dir")
  mkdir -p "$dir/target"
  old=$(docker image inspect -f '{{ .Id }}' "$img" 2>/dev/null || true)
  if ! docker build --build-arg "BASE_IMAGE=$BASE_IMAGE" \
      --label "io.sparkwire.inputs=$want" --label "io.sparkwire.base=$BASE_IMAGE" \
      -t "$img" "$dir" 2>&1 | tee "$dir/target/build.log" | build_steps "$name"; then
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

# The plan: every step still to do, as "kind name image".
plan=()
if [[ "$BASE_IMAGE" == "$JRE_IMAGE" ]] && ! docker image inspect "$JRE_IMAGE" >/dev/null 2>&1; then
  plan+=("base jre $JRE_IMAGE")
fi
while IFS='=' read -r var img; do
  name=$(tr '[:upper:]' '[:lower:]' <<<"${var%_IMAGE}")
  dir=$docker_dir/$name
  [[ -f "$dir/Dockerfile" ]] || continue
  # The tag names the release the pom pins: refuse to build when they disagree.
  pinned=$(pom_version "$dir" "$name.version")
  if [[ -n "$pinned" && "$pinned" != "${img##*:}" ]]; then
    echo "images: docker/$name/pom.xml pins $name.version $pinned, images.env tags $img" >&2
    exit 1
  fi
  if image_current "$name" "$img"; then
    echo "images: $img up to date"
    continue
  fi
  jars_current "$name" || plan+=("jars $name $img")
  plan+=("build $name $img")
done < <(grep -E '^[A-Z0-9_]+_IMAGE=' "$images_env")

started=$SECONDS
i=0
for step in ${plan[@]+"${plan[@]}"}; do
  i=$((i + 1))
  read -r kind name img <<<"$step"
  case $kind in
    base)
      echo "images: [$i/${#plan[@]}] building the Java base image $img from Debian packages (minutes)"
      "$scripts/jre-base.sh" "$img" ;;
    jars)
      echo "images: [$i/${#plan[@]}] $name: resolving jars with Maven (log: docker/$name/target/mvn.log)"
      jars "$name" ;;
    build)
      echo "images: [$i/${#plan[@]}] $name: building $img from $BASE_IMAGE (log: docker/$name/target/build.log)"
      build "$name" "$img" ;;
  esac
done
if (( ${#plan[@]} > 0 )); then
  echo "images: done in $((SECONDS - started))s"
fi
