#!/usr/bin/env bash
# build_with_clang.sh - the libFuzzer build as fuzz/CMakeLists.txt documents
# it: `CC=clang cmake -DNMX_FUZZ=ON`, every fuzz_<name> target built (the
# settings target links libnmapi.so, which such a build once failed to
# link), then each run once over its seed corpus.
#
# Usage: build_with_clang.sh SOURCE_DIR BUILD_DIR
# Exits 77 (skipped) when clang or its libFuzzer runtime is not installed.
set -euo pipefail
src=$1
build=$2

command -v clang >/dev/null || { echo "skipped: clang is not installed (scripts/deps.sh test)"; exit 77; }
probe=$(mktemp -d "${TMPDIR:-/tmp}/nmx-fuzzprobe-XXXXXX")
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; return (int)n & 0; }\n' \
  >"$probe/t.c"
clang -fsanitize=fuzzer "$probe/t.c" -o "$probe/t" 2>/dev/null \
  || { echo "skipped: clang has no libFuzzer runtime (libclang-rt-14-dev)"; exit 77; }

CC=clang cmake -S "$src" -B "$build" -DNMX_FUZZ=ON -DNMX_TESTS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=$(cd "$src/fuzz/corpus" && ls)
cmake --build "$build" -j2 --target $(for t in $targets; do printf 'fuzz_%s ' "$t"; done) >/dev/null
for t in $targets; do
  exe="$build/fuzz/fuzz_$t"
  [ -x "$exe" ] || { echo "FAIL: fuzz_$t was not built"; exit 1; }
  # Files as arguments: libFuzzer runs each once and writes nothing.
  "$exe" -max_len=1000000 "$src/fuzz/corpus/$t"/* >"$probe/$t.log" 2>&1 \
    || { cat "$probe/$t.log"; echo "FAIL: fuzz_$t over its corpus"; exit 1; }
  echo "ok   fuzz_$t: $(ls "$src/fuzz/corpus/$t" | wc -l) inputs"
done
