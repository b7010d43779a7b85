#!/usr/bin/env bash
# test_exports.sh - every function netmon.h declares for experts (NMAPI) is
# exported by libnmapi.so, and nothing but the NetMon API and the nmx_
# embedding API is: an expert that calls any SDK function must load.  Every
# exported nmx_ function is declared in the public embedding header or the
# headers beside it that it includes (no internal function leaks through the
# library's boundary).
# Usage: test_exports.sh NETMON_H LIBNMAPI HOST_H
set -euo pipefail
header=$1
lib=$2
host_h=${3:-}
declared=$(grep -oE 'NMAPI [A-Za-z0-9_ *]+ WINAPIV? [A-Za-z0-9_]+\(' "$header" | sed -E 's/.* ([A-Za-z0-9_]+)\($/\1/' | sort -u)
exported=$(nm -D --defined-only "$lib" | awk '$2 == "T" || $2 == "W" {print $3}' | sort -u)
missing=$(comm -23 <(echo "$declared") <(echo "$exported"))
if [ -n "$missing" ]; then
  echo "declared in netmon.h but not exported by libnmapi.so:"; echo "$missing"; exit 1
fi
extra=$(comm -13 <(echo "$declared") <(echo "$exported") | grep -v '^nmx_' || true)
if [ -n "$extra" ]; then
  echo "exported by libnmapi.so but neither NetMon API nor nmx_ API:"; echo "$extra"; exit 1
fi
if [ -n "$host_h" ]; then
  public=$(grep -ohE 'NMX_EXPORT [^(]*[^A-Za-z0-9_](nmx_[A-Za-z0-9_]+)\(' "$(dirname "$host_h")"/*.h | sed -E 's/.*[^A-Za-z0-9_](nmx_[A-Za-z0-9_]+)\($/\1/' | sort -u)
  hidden=$(comm -13 <(echo "$public") <(echo "$exported" | grep '^nmx_') || true)
  if [ -n "$hidden" ]; then
    echo "exported by libnmapi.so but not declared in $(dirname "$host_h")/*.h:"; echo "$hidden"; exit 1
  fi
fi
echo "$(echo "$declared" | wc -l) NetMon functions exported, no stray symbols"
