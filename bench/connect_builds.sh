# Sourced by bench/client_cpu.sh and bench/rows_memory.sh, which compare builds of connect's
# test binary. build_connect_tests OUT BASE FILE... builds the work tree's (OUT/head.test)
# and, unless BASE is "none", the one of commit BASE with the given benchmark files of this
# tree copied in (OUT/base.test), so that both builds run the same benchmark code. It sets
# builds ("base head", or "head" alone) and base (the short hash, or none).
build_connect_tests() {
  local out="$1"
  base="$2"
  shift 2
  builds="base head"
  if [ "$base" = none ]; then
    builds=head
  else
    rm -rf "$out/base-src"
    mkdir -p "$out/base-src"
    git archive "$base" | tar -x -C "$out/base-src"
    cp "$@" "$out/base-src/connect/"
    (cd "$out/base-src" && nice -n 10 go test -c -o ../base.test ./connect/)
    rm -rf "$out/base-src"
    base=$(git rev-parse --short "$base")
  fi
  mkdir -p "$out"
  nice -n 10 go test -c -o "$out/head.test" ./connect/
}
