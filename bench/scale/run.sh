#!/usr/bin/env bash
# bench/scale/run.sh - nmexpert-dask's speed-up: the six built-in experts over
# a capture set, as one `nmexpert run` and through nmexpert-dask on a Dask
# cluster of 1 and of 2 workers (a dask-scheduler and dask-workers on
# loopback, started once, so that the times are those of a standing
# cluster), plus the fixed cost every shard pays (docs/scale.md), from which
# the throughput per added machine is projected.  Medians of --reps runs.
#
#   bench/scale/run.sh [--reps N] [--build DIR] [CAPTURE...]
#
# Default captures: every file of ../shared/captures/real.  Default build:
# build-bench (configured Release when missing).  Needs /usr/bin/python3 with
# python3-distributed.  Prints a table; docs/PERFORMANCE.md records it.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
reps=3
build="$here/build-bench"
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) break ;;
  esac
done
caps=("$@")
[ ${#caps[@]} -gt 0 ] || caps=("$here"/../shared/captures/real/*)
if [ ! -x "$build/nmexpert" ]; then
  cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j2 >/dev/null
fi
py=/usr/bin/python3
nmx="$build/nmexpert"
driver="$here/tools/nmexpert-dask"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nmx-bench-scale.XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 -- "-$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
opts=(--experts-dir "$build/experts" -e protdist -e topuser -e tcpretrans -e resptime
      -e propdist --set propdist.property=ip.ttl -e coalesce --set "coalesce.output=$tmp/co.pcap" --no-progress)

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timed() { # timed CMD... -> seconds (median of $reps)
  for _ in $(seq "$reps"); do
    local t0; t0=$(now); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    awk -v a="$(now)" -v b="$t0" 'BEGIN { print a - b }'
  done | median
}

start_cluster() { # start_cluster W -> scheduler file
  local w=$1 f="$tmp/sched-$1.json"
  setsid "$py" /usr/bin/dask-scheduler --host 127.0.0.1 --port 0 --no-dashboard --scheduler-file "$f" \
    >"$tmp/log-$w" 2>&1 & pids+=($!)
  for _ in $(seq 300); do [ -s "$f" ] && break; sleep 0.1; done
  for i in $(seq "$w"); do
    setsid "$py" /usr/bin/dask-worker --scheduler-file "$f" --nthreads 1 --no-dashboard --host 127.0.0.1 \
      --local-directory "$tmp/w$w-$i" >>"$tmp/log-$w" 2>&1 & pids+=($!)
  done
  "$py" -c "import distributed, sys; c = distributed.Client(scheduler_file=sys.argv[1]); c.wait_for_workers($w, timeout=60); c.close()" "$f"
  echo "$f"
}

t_one=$(timed "$nmx" run "${opts[@]}" "${caps[@]}" --format json -o "$tmp/one.json")
frames=$("$py" -c 'import json, sys; print(json.load(open(sys.argv[1]))["capture"]["frames"])' "$tmp/one.json")
# the experts' own work: the sum of their elapsed times in one run (each expert is one thread)
work=$("$py" -c 'import json, sys; print(sum(e["elapsed_ms"] for e in json.load(open(sys.argv[1]))["experts"]) / 1000)' "$tmp/one.json")
t_fixed=$(timed "$nmx" run "${opts[@]}" "${caps[@]}" --shard 1/1000 --format json -o "$tmp/fixed.json")
f1=$(start_cluster 1)
"$py" "$driver" --scheduler-file "$f1" --shards 2 --quiet --nmexpert "$nmx" "${opts[@]}" "${caps[@]}" -o "$tmp/warm.txt"
t_d1=$(timed "$py" "$driver" --scheduler-file "$f1" --shards 2 --quiet --nmexpert "$nmx" "${opts[@]}" "${caps[@]}" --format json -o "$tmp/d1.json")
f2=$(start_cluster 2)
"$py" "$driver" --scheduler-file "$f2" --shards 4 --quiet --nmexpert "$nmx" "${opts[@]}" "${caps[@]}" -o "$tmp/warm.txt"
t_d2=$(timed "$py" "$driver" --scheduler-file "$f2" --shards 4 --quiet --nmexpert "$nmx" "${opts[@]}" "${caps[@]}" --format json -o "$tmp/d2.json")

echo "capture set: ${#caps[@]} files, $frames frames; $(nproc) CPUs; medians of $reps runs"
printf '%-44s %8s %12s\n' "run" "seconds" "frames/s"
calc() { awk "BEGIN { print $1 }"; }
row() { printf '%-44s %8.2f %12.0f\n' "$1" "$2" "$(calc "$frames / $2")"; }
row "nmexpert run (one process)" "$t_one"
row "nmexpert-dask, 1 worker, 2 shards" "$t_d1"
row "nmexpert-dask, 2 workers, 4 shards" "$t_d2"
row "one shard's fixed cost (--shard 1/1000)" "$t_fixed"
printf 'speed-up 2 workers / 1 worker: %.2f\n' "$(calc "$t_d1 / $t_d2")"
printf 'speed-up 2 workers / one run:  %.2f\n' "$(calc "$t_one / $t_d2")"
# Every shard reads and recognizes the whole set (t_fixed, measured with a
# shard that gets almost no frames) and does 1/N of the experts' work
# (work: the sum of the experts' elapsed times in one run).  M machines of c
# cores run N = M*c shards at once: time = t_fixed + work / (M*c).
printf "experts' work in one run: %.2f s; projected, c = %d cores per machine, every shard reading the whole set:\n" "$work" "$(nproc)"
for m in 1 2 4 8 16 64; do
  t=$(calc "$t_fixed + $work / ($m * $(nproc))")
  printf '  %2d machine(s): %8.2f s, %12.0f frames/s\n' "$m" "$t" "$(calc "$frames / $t")"
done
printf '  limit (t_fixed): %12.0f frames/s for this set, whatever the number of machines\n' "$(calc "$frames / $t_fixed")"
