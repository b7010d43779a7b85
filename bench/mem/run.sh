#!/usr/bin/env bash
# run.sh - builds the memory benchmark in its own build directory and runs
# it: the Expert API against glibc, a mimalloc heap, jemalloc and talloc,
# side by side, printed as one table with the DESIGN.md targets.
#
#   bench/mem/run.sh                     all workloads, 5 repetitions
#   bench/mem/run.sh --reps 9 --only w1  options are passed to bench_mem
#   bench/mem/run.sh --callgrind         instructions per w1 operation,
#                                        counted by valgrind (noise-free)
#
# Installs the peers if they are missing (scripts/deps.sh bench; needs root
# then).  Build directory: build-bench/ (override with BENCH_BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=${BENCH_BUILD_DIR:-build-bench}
jobs=${JOBS:-2}

scripts/deps.sh bench
cmake -S . -B "$dir" -DNMX_BENCH=ON -DNMX_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$dir" --target bench_mem -j"$jobs" >/dev/null
bin="$dir/bench/mem"

if [ "${1:-}" != "--callgrind" ]; then
  exec "$bin/bench_mem" "$@"
fi

# Instruction counts: w1 with 1 M operations minus w1 with none, divided by
# 1 M (one operation = one free and one zeroed allocation).  The heap's
# valgrind annotations are switched off (NMX_MEM_VALGRIND=0): they are for
# memcheck, and would be counted here.
command -v valgrind >/dev/null || { echo "run.sh: valgrind is not installed" >&2; exit 1; }
count() { # program allocator ops -> instructions
  NMX_MEM_VALGRIND=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    "$1" "$2" w1 "$3" 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
printf '%-12s %s\n' allocator "instructions per w1 operation (free + zeroed alloc + loop)"
for spec in nmx:bench_mem_std glibc:bench_mem_std talloc:bench_mem_std \
            mimalloc:bench_mem_mimalloc jemalloc:bench_mem_jemalloc; do
  a=${spec%%:*}
  prog="$bin/${spec#*:}"
  [ -x "$prog" ] || { printf '%-12s %s\n' "$a" "not built"; continue; }
  full=$(count "$prog" "$a" 1000000)
  base=$(count "$prog" "$a" 0)
  printf '%-12s %d\n' "$a" $(( (full - base) / 1000000 ))
done
