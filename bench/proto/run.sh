#!/bin/sh
# bench/proto/run.sh - builds and runs the parser benchmark (docs/PERFORMANCE.md,
# "Parsers").  Usage: bench/proto/run.sh [REPS]
# The 200k-frame input is made once in bench/out/ (not in git) by replicating
# the frames of the shared capture real/suricata_lan-mix-ftp-data.pcap.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build-bench}
shared=${NMX_SHARED_CAPTURES:-$root/../shared/captures}
src=$shared/real/suricata_lan-mix-ftp-data.pcap
out=$root/bench/out/proto_lanmix_200k.pcap
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DNMX_BENCH=ON >/dev/null
cmake --build "$build" --target bench_proto -j2 >/dev/null
mkdir -p "$root/bench/out"
if [ ! -f "$out" ]; then
  [ -f "$src" ] || { echo "missing $src" >&2; exit 1; }
  "$build/bench/proto/bench_proto" make "$src" "$out" 200000
fi
cat "$out" > /dev/null   # warm the page cache
echo "machine: $(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "command: bench/proto/run.sh ${1:-5}   input: $out"
"$build/bench/proto/bench_proto" run "$out" "${1:-5}"
