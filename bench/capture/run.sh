#!/usr/bin/env bash
# run.sh - builds and runs the capture benchmark (bench/capture/bench_capture.c).
#
#   bench/capture/run.sh [bench_capture options]     e.g. --frames 200000 --reps 15
#
# Builds in build-bench/ (Release, -DNMX_BENCH=ON), writes the generated
# captures to bench/out/ (not in git) and prints the table that
# docs/PERFORMANCE.md records.  The frames are replicated from the shared
# set's real/ppa_ftp-crack.pcap when ../shared/captures is there.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DNMX_BENCH=ON -DNMX_TESTS=OFF >/dev/null
cmake --build build-bench -j2 --target bench_capture >/dev/null
mkdir -p bench/out
export NMX_SHARED_CAPTURES="${NMX_SHARED_CAPTURES:-$PWD/../shared/captures}"
echo "machine: $(uname -srm), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores"
echo "libpcap: $(pkg-config --modversion libpcap), compiler: $(cc --version | head -1)"
exec build-bench/bench/capture/bench_capture "$@" bench/out
