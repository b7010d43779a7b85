#!/bin/sh
# run.sh - the experts benchmark (bench/experts/bench_experts.py) on
# bench/out/bulk.pcap, from a build with -DNMX_BENCH=ON.
#
#   bench/experts/run.sh [BUILD_DIR] [bench_experts.py options]
#
# BUILD_DIR defaults to build-ex1.  The capture is recorded first when it is
# missing (scripts/record-traffic.sh bulk, which needs root); tshark must be
# installed.  The report goes to stdout as Markdown tables.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-ex1}
[ $# -gt 0 ] && shift
capture=$root/bench/out/bulk.pcap
if [ ! -f "$capture" ]; then
    echo "recording $capture (scripts/record-traffic.sh bulk)" >&2
    "$root/scripts/record-traffic.sh" bulk "$capture"
fi
if [ ! -x "$build/bench/experts/bench_pcap_loop" ]; then
    cmake -S "$root" -B "$build" -DNMX_BENCH=ON >/dev/null
    cmake --build "$build" -j2 --target bench_pcap_loop nmexpert protdist topuser propdist >/dev/null
fi
exec python3 "$root/bench/experts/bench_experts.py" --nmexpert "$build/nmexpert" \
    --experts "$build/experts" --loop "$build/bench/experts/bench_pcap_loop" "$@" "$capture"
