#!/bin/sh
# bench_coalesce.sh - Protocol Coalesce, TCP Retransmit and Average Server
# Response Time against the equivalent tshark passes, on bench/out/bulk.pcap.
#
#   bench/experts/bench_coalesce.sh [BUILD_DIR] [RUNS]
#
# BUILD_DIR defaults to build-ex2, RUNS (hyperfine runs per command, after one
# warm-up) to 5.  For each pair: hyperfine's median and mean wall times, the
# ratio, peak RSS from /usr/bin/time -v (one extra run each), and what each
# side produced, so that "complete output" can be checked:
#
#   coalesce     nmexpert run F -e coalesce --set coalesce.output=OUT.pcap
#                tshark -r F -U "OSI layer 4" -w OUT.pcapng          (default)
#                tshark -r F -o http.desegment_body:FALSE -U "OSI layer 4" -w OUT.pcapng
#   tcpretrans   nmexpert run F -e tcpretrans
#                tshark -r F -Y tcp.analysis.retransmission
#   resptime     nmexpert run F -e resptime
#                tshark -r F -o tcp.desegment_tcp_streams:FALSE
#                       -Y "http.time or dns.time or smb.time or smb2.time"
#                       -T fields -e http.time -e dns.time -e smb.time -e smb2.time
#
# The capture is recorded first when it is missing (scripts/record-traffic.sh
# bulk, which needs root).  Output: Markdown tables on stdout.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-ex2}
runs=${2:-5}
cap=$root/bench/out/bulk.pcap
tmp=$(mktemp -d /tmp/nmx-bench-coalesce.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
export XDG_CONFIG_HOME="$tmp/config"

if [ ! -f "$cap" ]; then
    echo "recording $cap (scripts/record-traffic.sh bulk)" >&2
    "$root/scripts/record-traffic.sh" bulk "$cap"
fi
if [ ! -x "$build/nmexpert" ] || [ ! -f "$build/experts/coalesce.so" ]; then
    cmake -S "$root" -B "$build" >/dev/null
    cmake --build "$build" -j2 --target nmexpert coalesce tcpretrans resptime >/dev/null
fi
for tool in hyperfine tshark capinfos; do
    command -v $tool >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done

nmx="$build/nmexpert run $cap --experts-dir $build/experts --no-progress"

# median and mean (s) of a hyperfine JSON export
stats() {
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.3f %.3f" % (r["median"], r["mean"]))' "$1"
}
# peak RSS (MiB) of one run of a command
rss() {
    /usr/bin/time -v sh -c "$1" 2>&1 >/dev/null | awk -F: '/Maximum resident/ {printf "%.0f", $2 / 1024}'
}
# one benchmark pair: NAME OURS THEIRS
pair() {
    hyperfine --warmup 1 --runs "$runs" --export-json "$tmp/a.json" "$2" >/dev/null
    hyperfine --warmup 1 --runs "$runs" --export-json "$tmp/b.json" "$3" >/dev/null
    set -- "$1" "$2" "$3" $(stats "$tmp/a.json") $(stats "$tmp/b.json")
    ra=$(rss "$2")
    rb=$(rss "$3")
    ratio=$(python3 -c "print('%.1f' % ($6 / $4))")
    echo "| $1 | $4 s (mean $5) | $6 s (mean $7) | ${ratio}x | $ra MiB | $rb MiB |"
}

echo "Capture: $cap ($(capinfos -c -M "$cap" | awk -F: '/Number of packets/ {print $2+0}') frames)"
echo "Machine: $(nproc) CPU(s), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr)"
echo "Runs: $runs per command after one warm-up (hyperfine); RSS: /usr/bin/time -v, one run"
echo
echo "| pair | nmexpert median | tshark median | tshark / nmexpert | nmexpert peak RSS | tshark peak RSS |"
echo "|---|---:|---:|---:|---:|---:|"
pair "coalesce vs PDU export (default)" \
    "$nmx -e coalesce --set coalesce.output=$tmp/co.pcap" \
    "tshark -r $cap -U 'OSI layer 4' -w $tmp/pdu.pcapng"
pair "coalesce vs PDU export (http.desegment_body:FALSE)" \
    "$nmx -e coalesce --set coalesce.output=$tmp/co.pcap" \
    "tshark -r $cap -o http.desegment_body:FALSE -U 'OSI layer 4' -w $tmp/pdu2.pcapng"
pair "tcpretrans vs -Y tcp.analysis.retransmission" \
    "$nmx -e tcpretrans" \
    "tshark -r $cap -Y tcp.analysis.retransmission"
pair "resptime vs -T fields http/dns/smb/smb2.time" \
    "$nmx -e resptime" \
    "tshark -r $cap -o tcp.desegment_tcp_streams:FALSE -Y 'http.time or dns.time or smb.time or smb2.time' -T fields -e http.time -e dns.time -e smb.time -e smb2.time"

echo
echo "What each produced:"
$nmx -e coalesce --set coalesce.output="$tmp/co.pcap" --format csv | tail -1 | cut -d, -f5-
echo "  coalesce output: $(capinfos -c -M "$tmp/co.pcap" | awk -F: '/Number of packets/ {print $2+0}') frames; tshark reading it: $(tshark -r "$tmp/co.pcap" -q 2>&1 | grep -vc 'Running as user') problem line(s)"
err=$(tshark -r "$cap" -U 'OSI layer 4' -w "$tmp/pdu.pcapng" 2>&1 | grep -v 'Running as user' || true)
echo "  tshark PDU export (default): $(capinfos -c -M "$tmp/pdu.pcapng" | awk -F: '/Number of packets/ {print $2+0}') PDUs; stderr: ${err:-none}"
echo "  tshark PDU export (http.desegment_body:FALSE): $(capinfos -c -M "$tmp/pdu2.pcapng" | awk -F: '/Number of packets/ {print $2+0}') PDUs"
echo "  tcpretrans: $($nmx -e tcpretrans --format csv | grep -c ',completed,1,') retransmitted frames; tshark: $(tshark -r "$cap" -Y tcp.analysis.retransmission 2>/dev/null | wc -l)"
echo "  resptime: $($nmx -e resptime --format csv | awk -F, 'NR > 1 {n += $8} END {print n}') requests timed; tshark: $(tshark -r "$cap" -o tcp.desegment_tcp_streams:FALSE -Y 'http.time or dns.time or smb.time or smb2.time' -T fields -e frame.number 2>/dev/null | wc -l) responses with a time"
