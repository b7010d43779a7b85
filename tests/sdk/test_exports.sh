#!/usr/bin/env bash
# test_exports.sh - every function netmon.h declares for experts (NMAPI) is
# exported by libnmapi.so, and nothing but the NetMon API and the nmx_
# embedding API is: an expert that calls any SDK function must load.
# Usage: test_exports.sh NETMON_H LIBNMAPI
set -euo pipefail
header=$1
lib=$2
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
echo "$(echo "$declared" | wc -l) NetMon functions exported, no stray symbols"
