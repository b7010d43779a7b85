#!/usr/bin/env bash
# deps.sh - installs what nmexpert needs from Debian 12's archive.
#
#   scripts/deps.sh build   compiler, CMake, libpcap, jansson, zlib, zstd, lz4, PCRE2
#   scripts/deps.sh test    + cmocka, valgrind, clang runtime, tshark, capinfos, tcptrace, chromium
#                             and chromedriver (the HTML report's browser test),
#                             python3-jsonschema, the zstd and lz4 tools, python3-distributed and
#                             python3-dask (nmexpert-dask and its test)
#   scripts/deps.sh bench   + mimalloc, talloc, jemalloc, hyperfine (peers for bench/)
#   scripts/deps.sh record  + tcpdump, curl, dnsutils... (scripts/record-traffic.sh)
#
# Runs apt-get only for what is missing, so it is quick on a ready machine.
# Needs root (or sudo) when something has to be installed.
set -eu

build="build-essential cmake pkg-config libpcap-dev libjansson-dev zlib1g-dev libzstd-dev liblz4-dev libpcre2-dev"
test_pkgs="libcmocka-dev valgrind clang libclang-rt-14-dev tshark tcptrace python3 python3-jsonschema zstd lz4 chromium chromium-driver python3-distributed python3-dask"
bench="libmimalloc-dev libtalloc-dev libjemalloc-dev hyperfine linux-perf"
record="tcpdump iproute2 ethtool curl dnsutils dnsmasq python3 iputils-ping netcat-openbsd nftables openssl busybox samba smbclient tshark"

want=""
for what in "${@:-build}"; do
  case "$what" in
    build) want="$want $build" ;;
    test) want="$want $build $test_pkgs" ;;
    bench) want="$want $build $bench" ;;
    record) want="$want $record" ;;
    *) echo "deps.sh: unknown set '$what' (build, test, bench, record)" >&2; exit 2 ;;
  esac
done

missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; the answer does not matter here.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
echo "deps.sh: installing$missing" >&2
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
