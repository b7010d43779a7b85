#!/usr/bin/env bash
# demo.sh - sets up a fresh Debian 12 machine, builds nmexpert, installs it
# under ./_install and runs `nmexpert demo`: every built-in expert over the
# bundled sample capture.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="$PWD/_install"

scripts/deps.sh build
cmake -S . -B build -DCMAKE_INSTALL_PREFIX="$prefix" -DNMX_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
cmake --install build >/dev/null
exec "$prefix/bin/nmexpert" demo "$@"
