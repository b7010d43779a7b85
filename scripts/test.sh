#!/usr/bin/env bash
# test.sh - sets up a fresh Debian 12 machine and runs the whole test suite.
#
#   scripts/test.sh           build in build/ and run every test
#   scripts/test.sh --asan    the same suite under ASan+UBSan, in build-asan/
#
# Installs its own dependencies (scripts/deps.sh test).  Tests that compare
# with the shared capture set read ../shared/captures and say "skipped" when
# it is not there.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=build
opts=(-DNMX_WERROR=ON -DNMX_TESTS=ON)
labels=()
if [ "${1:-}" = "--asan" ]; then
  dir=build-asan
  opts+=(-DNMX_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
  labels=(-LE valgrind)   # valgrind cannot run ASan binaries
fi

scripts/deps.sh test
cmake -S . -B "$dir" "${opts[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)"
ctest --test-dir "$dir" --output-on-failure -j"$(nproc)" "${labels[@]}"
