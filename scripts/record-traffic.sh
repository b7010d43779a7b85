#!/usr/bin/env bash
# record-traffic.sh - records real programs' traffic on a private virtual LAN
# and writes it as a capture file.  This is how the project makes every
# capture it carries (docs/recording.md, data/README.md).
#
#   scripts/record-traffic.sh [--pcapng] sample [FILE]  rich, small capture for `nmexpert demo`
#                                                       (default data/sample.pcap)
#   scripts/record-traffic.sh [--pcapng] tests [DIR]    small captures for the tests
#                                                       (default tests/data)
#   scripts/record-traffic.sh [--pcapng] bulk [FILE]    >= 240,000 frames for benchmarks
#                                                       (default bench/out/bulk.pcap; set
#                                                       NMX_BULK_FRAMES to change the target)
#
# NMX_RECORD_KEEP=1 keeps the programs' logs (in /tmp/nmx-record.*) for a look.
#
# Needs root (network namespaces).  Installs its packages from Debian's archive
# with `scripts/deps.sh record`.
#
# The LAN: one namespace holds a Linux bridge with MAC learning switched off,
# so it floods every frame to every port like a hub; five namespaces are the
# hosts, each joined to the bridge by a veth pair with fixed MAC addresses and
# software checksums and segmentation, so frames on the wire look like a real
# NIC's:
#   srv  192.0.2.10   2001:db8:4e4d::10   dnsmasq (DNS, DHCP), httpd.py (HTTP, HTTPS)
#   fs   192.0.2.20   2001:db8:4e4d::20   Samba smbd + nmbd (SMB1/2/3, NetBIOS)
#   ws1  DHCP (.101)  2001:db8:4e4d::101  client: udhcpc, ping, dig, curl, smbclient
#   ws2  192.0.2.102  2001:db8:4e4d::102  client, resolving over IPv6
#   mon  no address, ARP and IPv6 off     the sniffer: tcpdump (or dumpcap) on its port
# Addresses are from the documentation ranges and live only in these
# namespaces.  Packet loss: an nftables rule in each client namespace drops a
# share of the HTTP server's data segments after they crossed the hub, so the
# sniffer sees the original segment and the server's kernel retransmits it.
#
# Everything started is stopped, and the namespaces removed, on every exit
# path (normal end, error, Ctrl-C, SIGTERM).  Prints one summary line per file.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
prog="record-traffic"

usage() {  # usage STATUS: the synopsis, on stdout for --help, else on stderr
  if [ "$1" -eq 0 ]; then
    sed -n '6,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  else
    sed -n '6,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  fi
  exit "$1"
}

say() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# ---- arguments --------------------------------------------------------------
format=pcap
profile=""
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --pcapng) format=pcapng ;;
    --pcap) format=pcap ;;
    -h|--help) usage 0 ;;
    -*) say "unknown option $1"; usage 2 ;;
    *)
      if [ -z "$profile" ]; then profile="$1"
      elif [ -z "$out" ]; then out="$1"
      else usage 2
      fi ;;
  esac
  shift
done
case "$profile" in
  sample) out="${out:-$root/data/sample.$format}" ;;
  tests) out="${out:-$root/tests/data}" ;;
  bulk) out="${out:-$root/bench/out/bulk.$format}" ;;
  *) usage 2 ;;
esac
bulk_target="${NMX_BULK_FRAMES:-250000}"
case "$bulk_target" in ''|*[!0-9]*) die "NMX_BULK_FRAMES must be a number" ;; esac

[ "$(id -u)" -eq 0 ] || die "needs root for network namespaces"
"$root/scripts/deps.sh" record

python=/usr/bin/python3
[ -x "$python" ] || python="$(command -v python3)"

# ---- state, and the clean-up that undoes it ---------------------------------
tag="nmxrec$$"
hosts=(srv fs ws1 ws2 mon)
made_ns=()          # namespaces created so far
bg_pids=()          # background programs started so far
cap_pid=""          # the running capture, if any
work=""             # scratch folder: configuration, logs, the capture being written
made_etc_netns=0    # whether /etc/netns is ours to remove

declare -A hostname=([srv]=srv [fs]=files [ws1]=ws1 [ws2]=ws2 [mon]=mon)

ns() { printf '%s-%s' "$tag" "$1"; }

# inns HOST CMD...: run CMD as host HOST: in its network namespace, with its
# /etc/hosts and resolv.conf (ip netns exec binds /etc/netns/NS/*), and with
# its own host name, so that programs asking for theirs do not see ours.
# Each step execs the next: CMD keeps the process id of the call.
# shellcheck disable=SC2016  # $0 and $@ are for the inner shell
inns() {
  local h="$1"
  shift
  ip netns exec "$(ns "$h")" unshare --uts /bin/sh -c 'hostname "$0" && exec "$@"' "${hostname[$h]}" "$@"
}

cleanup() {
  local rc=$? pid n
  trap - EXIT INT TERM HUP
  set +e
  if [ -n "$cap_pid" ]; then
    kill -TERM "$cap_pid" 2>/dev/null
    wait "$cap_pid" 2>/dev/null
  fi
  for pid in "${bg_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${bg_pids[@]}"; do wait "$pid" 2>/dev/null; done
  # Children the programs forked (smbd sessions, for instance) live in our
  # namespaces too: end exactly those, by process id.
  for n in "${made_ns[@]}"; do
    for pid in $(ip netns pids "$n" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null; done
  done
  sleep 0.2
  for n in "${made_ns[@]}"; do
    for pid in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$n" 2>/dev/null
    rm -rf "/etc/netns/$n"
  done
  [ "$made_etc_netns" = 1 ] && rmdir /etc/netns 2>/dev/null
  if [ -n "$work" ] && [ -d "$work" ]; then
    if [ "${NMX_RECORD_KEEP:-0}" = 1 ]; then say "logs kept in $work"; else rm -rf "$work"; fi
  fi
  [ "$rc" -eq 0 ] || say "stopped (status $rc); namespaces and programs cleaned up"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

[ -d /etc/netns ] || made_etc_netns=1
work="$(mktemp -d /tmp/nmx-record.XXXXXX)"
chmod 755 "$work"   # Samba's guest user reads the share below it

# start_bg HOST LOGNAME CMD...: run CMD in HOST's namespace in the background,
# in a session of its own: some daemons signal their whole process group when
# they stop, which must not reach this script or its caller.
# shellcheck disable=SC2016  # as in inns
start_bg() {
  local h="$1" name="$2"
  shift 2
  setsid ip netns exec "$(ns "$h")" unshare --uts /bin/sh -c 'hostname "$0" && exec "$@"' \
    "${hostname[$h]}" "$@" >"$work/$name.log" 2>&1 </dev/null &
  bg_pids+=("$!")
}

# wait_for WHAT SECONDS CMD...: poll CMD until it succeeds.
wait_for() {
  local what="$1" limit="$2" i
  shift 2
  for ((i = 0; i < limit * 10; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "timed out waiting for $what"
}

listening() {  # listening HOST tcp|udp PORT
  local opt=-Hltn
  [ "$2" = udp ] && opt=-Hlun
  [ -n "$(inns "$1" ss "$opt" "sport = :$3")" ]
}

# ---- the LAN ----------------------------------------------------------------
declare -A mac=(
  [srv]=02:4e:4d:00:00:10 [fs]=02:4e:4d:00:00:20
  [ws1]=02:4e:4d:00:01:01 [ws2]=02:4e:4d:00:01:02 [mon]=02:4e:4d:00:00:fe
)
declare -A ip4=([srv]=192.0.2.10 [fs]=192.0.2.20 [ws2]=192.0.2.102)
declare -A ip6=([srv]=2001:db8:4e4d::10 [fs]=2001:db8:4e4d::20
                [ws1]=2001:db8:4e4d::101 [ws2]=2001:db8:4e4d::102)
ws1_ip4=192.0.2.101   # what dnsmasq leases to ws1
bcast4=192.0.2.255

# Real NICs compute checksums and cut segments themselves: make veth do it in
# software, so the sniffer sees MTU-sized frames with correct checksums.
no_offload() {
  local n="$1" dev="$2"
  ip netns exec "$n" ethtool -K "$dev" tx off tso off gso off gro off >/dev/null
}

make_lan() {
  local h n lan
  lan="$(ns lan)"
  ip netns add "$lan"
  made_ns+=("$lan")
  ip netns exec "$lan" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  # ageing_time 0: no MAC learning, every frame goes to every port.
  ip -n "$lan" link add br0 type bridge ageing_time 0 stp_state 0 mcast_snooping 0
  ip -n "$lan" link set br0 up
  for h in "${hosts[@]}"; do
    n="$(ns "$h")"
    ip netns add "$n"
    made_ns+=("$n")
    if [ "$h" = mon ]; then
      ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    else
      # No router on this LAN: ask for one (a real host does) but do not wait.
      ip netns exec "$n" sysctl -qw net.ipv6.conf.default.router_solicitations=2 \
        net.ipv6.conf.default.router_solicitation_interval=2
    fi
    ip -n "$lan" link add "p-$h" type veth peer name eth0 netns "$n"
    ip -n "$n" link set eth0 address "${mac[$h]}"
    ip -n "$lan" link set "p-$h" address "02:4e:4d:ff:00:${mac[$h]##*:}"
    no_offload "$lan" "p-$h"
    no_offload "$n" eth0
    ip -n "$lan" link set "p-$h" master br0 up
    ip -n "$n" link set lo up
    mkdir -p "/etc/netns/$n"
    printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s.nmx.test %s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
      "${hostname[$h]}" "${hostname[$h]}" >"/etc/netns/$n/hosts"
    printf 'search nmx.test\nnameserver %s\n' "${ip4[srv]}" >"/etc/netns/$n/resolv.conf"
  done
  # ws2 asks the DNS server over IPv6.
  printf 'search nmx.test\nnameserver %s\n' "${ip6[srv]}" >"/etc/netns/$(ns ws2)/resolv.conf"
  # The sniffer stays silent.
  ip -n "$(ns mon)" link set eth0 arp off up
}

# host_up HOST: bring the host's NIC up with its static addresses.
host_up() {
  local h="$1"
  ip -n "$(ns "$h")" link set eth0 up
  [ -n "${ip4[$h]:-}" ] && ip -n "$(ns "$h")" addr add "${ip4[$h]}/24" broadcast "$bcast4" dev eth0
  [ -n "${ip6[$h]:-}" ] && ip -n "$(ns "$h")" addr add "${ip6[$h]}/64" dev eth0 nodad
  return 0
}

# ---- packet loss ------------------------------------------------------------
# set_loss HOST RULE: drop, in HOST's namespace, the server's data segments
# that RULE selects (an nftables expression ending in a comparison), e.g.
# "numgen inc mod 30 == 0" (every 30th) or "numgen random mod 1000 < 8".
set_loss() {
  local h="$1" rule="$2"
  inns "$h" nft -f - <<EOF
table inet nmxloss
delete table inet nmxloss
table inet nmxloss {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp sport 80 meta length > 200 $rule counter drop
  }
}
EOF
}

clear_loss() { inns "$1" nft delete table inet nmxloss 2>/dev/null || true; }

lost() {  # lost HOST: how many segments the loss rule dropped
  inns "$1" nft list table inet nmxloss 2>/dev/null |
    sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | head -n1
}

# ---- servers ----------------------------------------------------------------
start_dns_dhcp() {
  start_bg srv dnsmasq dnsmasq --keep-in-foreground --conf-file=/dev/null \
    --no-hosts --no-resolv --user=root --group=root \
    --pid-file="$work/dnsmasq.pid" --log-facility="$work/dnsmasq.events" --log-queries --log-dhcp \
    --domain=nmx.test --local=/nmx.test/ --local=/2.0.192.in-addr.arpa/ \
    --local=/d.4.e.4.8.b.d.0.1.0.0.2.ip6.arpa/ \
    --host-record=srv.nmx.test,"${ip4[srv]}","${ip6[srv]}" \
    --host-record=www.nmx.test,"${ip4[srv]}","${ip6[srv]}" \
    --host-record=files.nmx.test,"${ip4[fs]}","${ip6[fs]}" \
    --host-record=ws2.nmx.test,"${ip4[ws2]}","${ip6[ws2]}" \
    --host-record=ws1.nmx.test,"${ip6[ws1]}" \
    --cname=secure.nmx.test,www.nmx.test \
    --mx-host=nmx.test,srv.nmx.test,10 \
    --srv-host=_http._tcp.nmx.test,www.nmx.test,80,0,10 \
    --txt-record=nmx.test,"v=spf1 -all" \
    --dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,1h \
    --dhcp-host="${mac[ws1]},ws1,$ws1_ip4" \
    --dhcp-option=option:router --dhcp-option=option:dns-server,"${ip4[srv]}" \
    --dhcp-option=option:domain-search,nmx.test \
    --dhcp-leasefile="$work/dnsmasq.leases" --dhcp-authoritative
  wait_for "dnsmasq" 10 listening srv udp 53
}

start_web() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -subj "/O=nmexpert test/CN=www.nmx.test" \
    -addext "subjectAltName=DNS:www.nmx.test,DNS:secure.nmx.test" \
    -keyout "$work/tls.key" -out "$work/tls.crt" >/dev/null 2>&1
  start_bg srv httpd "$python" "$here/record/httpd.py" --port 80 --port 443 \
    --tls "$work/tls.crt" "$work/tls.key" --log "$work/httpd.access"
  wait_for "httpd" 10 listening srv tcp 443
}

start_samba() {
  local d="$work/samba"
  mkdir -p "$d"/{private,lock,state,cache,pid,ncalrpc} "$work/share"
  chmod 1777 "$work/share"
  # The share holds content from the same generator as the web server.
  PYTHONPATH="$here/record" "$python" -c '
import sys, httpd
files = {
    "notes.txt": httpd.text_body(9000),
    "inventory.csv": b"".join(b"%d,host-%d,192.0.2.%d\n" % (i, i, i) for i in range(1, 120)),
    "firmware.bin": httpd.binary_body(40000),
}
for name, body in files.items():
    with open(sys.argv[1] + "/" + name, "wb") as f:
        f.write(body)
' "$work/share"
  chmod 644 "$work/share"/*
  cat >"$d/smb.conf" <<EOF
[global]
  workgroup = NMXLAB
  netbios name = FILES
  server string = nmexpert file server
  server role = standalone server
  security = user
  map to guest = Bad User
  guest account = nobody
  server min protocol = NT1
  interfaces = eth0
  bind interfaces only = yes
  smb ports = 445 139
  private dir = $d/private
  lock directory = $d/lock
  state directory = $d/state
  cache directory = $d/cache
  pid directory = $d/pid
  ncalrpc dir = $d/ncalrpc
  log file = $d/log.%m
  max log size = 1000
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
  dns proxy = no
  wins support = no
[public]
  path = $work/share
  comment = public files
  guest ok = yes
  read only = no
  browseable = yes
EOF
  cat >"$d/client.conf" <<EOF
[global]
  workgroup = NMXLAB
  client min protocol = NT1
  name resolve order = bcast host
  lock directory = $d/client
  state directory = $d/client
  cache directory = $d/client
  private dir = $d/client
EOF
  mkdir -p "$d/client"
  start_bg fs nmbd nmbd -F --no-process-group -s "$d/smb.conf" --debug-stdout
  start_bg fs smbd smbd -F --no-process-group -s "$d/smb.conf" --debug-stdout
  wait_for "smbd" 20 listening fs tcp 445
}

# ---- the sniffer ------------------------------------------------------------
# Counts every frame that reaches the sniffer's port, as a check on the capture.
count_frames_setup() {
  inns mon nft -f - <<'EOF'
table netdev nmxcount {
  chain in {
    type filter hook ingress device "eth0" priority 0; policy accept;
    counter
  }
}
EOF
}

seen() {  # frames that reached the sniffer's port so far
  inns mon nft list chain netdev nmxcount in | sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | head -n1
}

# capture_start FILE FORMAT [BPF-FILTER]: start the sniffer, wait until it listens.
cap_filter=""
cap_seen0=0
capture_start() {
  local file="$1" fmt="$2" filter="${3:-}" args
  : >"$work/capture.log"
  cap_filter="$filter"
  if [ "$fmt" = pcapng ]; then
    args=(dumpcap -i eth0 -s 262144 -B 64 -w "$file")   # -B in MiB
    [ -n "$filter" ] && args+=(-f "$filter")
  else
    args=(tcpdump -Z root -i eth0 -s 262144 -B 65536 --immediate-mode -U -w "$file")   # -B in KiB
    [ -n "$filter" ] && args+=("$filter")
  fi
  # A simple command, not a function, so that $! is the sniffer itself.
  ip netns exec "$(ns mon)" "${args[@]}" 2>"$work/capture.log" &
  cap_pid=$!
  wait_for "the sniffer" 10 grep -q -e 'listening on' -e 'Capturing on' "$work/capture.log"
  cap_seen0="$(seen)"
  sleep 0.2
}

# capture_stop FILE: stop the sniffer, and check that FILE holds every frame
# that reached the sniffer's port while it ran (unless it had a filter).
capture_stop() {
  local file="$1" dropped frames want
  sleep 1   # the last frames of the last exchange
  kill -TERM "$cap_pid"
  wait "$cap_pid" || true
  cap_pid=""
  if [ -z "$cap_filter" ]; then
    frames="$(capinfos -T -r -M -c "$file" | cut -f2)"
    want=$(($(seen) - cap_seen0))
    [ "$frames" -ge "$want" ] ||
      say "warning: $want frames reached the sniffer's port, the capture holds only $frames"
  fi
  dropped="$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$work/capture.log")"
  if [ -n "$dropped" ] && [ "$dropped" != 0 ]; then
    say "warning: the sniffer lost $dropped frames"
  fi
  if grep -q 'Packets received/dropped' "$work/capture.log"; then
    dropped="$(sed -n 's/.*Packets received\/dropped on interface.*: [0-9]*\/\([0-9]*\).*/\1/p' "$work/capture.log")"
    if [ -n "$dropped" ] && [ "$dropped" != 0 ]; then
      say "warning: the sniffer lost $dropped frames"
    fi
  fi
}

# finish TMPFILE DEST: move a finished capture into place and print its summary.
finish() {
  local src="$1" dest="$2" frames data size
  mkdir -p "$(dirname "$dest")"
  mv -f "$src" "$dest"
  chmod 644 "$dest"
  read -r _ frames size data < <(capinfos -T -r -M -c -s -d "$dest" | tr '\t' ' ')
  printf '%s: %s frames, %s bytes on the wire, %s bytes in the file\n' \
    "${dest#"$root"/}" "$frames" "$data" "$size"
}

# ---- clients ----------------------------------------------------------------
# attempt HOST CMD...: a client program in HOST's namespace, output to the log.
attempt() {
  local h="$1"
  shift
  printf '+ [%s] %s\n' "$h" "$*" >>"$work/clients.log"
  inns "$h" "$@" >>"$work/clients.log" 2>&1
}

# run HOST CMD...: the same, for a program that has to succeed.
run() {
  local rc=0
  attempt "$@" || rc=$?
  if [ "$rc" -ne 0 ]; then
    say "[$1] $2 failed (status $rc); its last words:"
    tail -n 5 "$work/clients.log" >&2
  fi
  return "$rc"
}

# fetch HOST CURL-OPTION... -- URL...: one curl run, every URL on the same
# connection where the server allows it (HTTP/1.1 keep-alive).
fetch() {
  local h="$1" args=(curl -sS --max-time 60 -w '%{http_code} %{size_download} %{url_effective}\n')
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  while [ $# -gt 0 ]; do args+=(-o /dev/null "$1"); shift; done
  run "$h" "${args[@]}"
}

has_addr() { inns "$1" ip -4 -o addr show dev eth0 | grep -q "inet $2/"; }

udhcpc_pid=""
dhcp_lease() {
  start_bg ws1 udhcpc busybox udhcpc -f -R -i eth0 -s "$here/record/udhcpc.sh" \
    -x hostname:ws1 -t 5 -T 2 -A 2
  udhcpc_pid="${bg_pids[-1]}"
  wait_for "a DHCP lease for ws1" 20 has_addr ws1 "$ws1_ip4"
}

dhcp_release() {
  kill -USR2 "$udhcpc_pid"
  sleep 0.3
}

nbt_lookup() {  # nbt_lookup HOST: NetBIOS name query by broadcast, retried as nmbd registers
  local i
  for i in 1 2 3 4 5 6; do
    attempt "$1" nmblookup -s "$work/samba/client.conf" -B "$bcast4" FILES && return 0
    sleep 1
  done
  say "warning: nmbd did not answer the NetBIOS name query"
}

smb() {  # smb HOST SMBCLIENT-ARGS...
  local h="$1"
  shift
  run "$h" smbclient -s "$work/samba/client.conf" -N -I "${ip4[fs]}" "$@"
}

# lan_up: every host's NIC up (ws1 gets its IPv4 address later, by DHCP),
# and the servers started.
lan_up() {
  local h
  for h in srv fs ws1 ws2; do host_up "$h"; done
  start_dns_dhcp
  start_web
  start_samba
}

u="http://www.nmx.test"

# ---- profiles ---------------------------------------------------------------
# Servers and clients for the sample: a few minutes of an office LAN squeezed
# into seconds, every protocol the experts look at, some loss on HTTP.
profile_sample() {
  local cap="$work/capture.$format"
  capture_start "$cap" "$format"
  lan_up
  set_loss ws1 "numgen inc mod 20 == 0"
  set_loss ws2 "numgen inc mod 15 == 0"
  head -c 12000 "$work/share/notes.txt" >"$work/upload.txt"

  dhcp_lease
  run ws1 ping -c 3 -i 0.2 "${ip4[srv]}"
  run ws1 ping -6 -c 2 -i 0.2 "${ip6[srv]}"
  run ws1 dig www.nmx.test A
  run ws1 dig www.nmx.test AAAA
  run ws1 dig -x "${ip4[srv]}"
  run ws1 dig -x "${ip6[fs]}"
  run ws1 dig nosuch.nmx.test A
  run ws1 dig nmx.test MX
  run ws1 dig nmx.test TXT
  run ws1 dig _http._tcp.nmx.test SRV
  run ws1 dig +tcp files.nmx.test A
  # One connection, five requests: Content-Length, chunked, a slow answer, a 404.
  fetch ws1 -4 -- "$u/" "$u/files/64k.txt" "$u/chunked/32k?chunk=3000" "$u/slow/120" "$u/missing.html"
  fetch ws1 -4 -H 'Connection: close' -- "$u/slow/40"
  # ws2 speaks IPv6 to the same server, and uploads.
  fetch ws2 -6 -- "$u/files/24k.bin" "$u/slow/60"
  run ws2 curl -sS --fail -6 -o /dev/null --data-binary @"$work/upload.txt" \
    -H 'Content-Type: text/plain' "$u/upload"
  run ws2 curl -sS --fail -6 -I "$u/files/1m.bin"
  # TLS: 1.3 through a CNAME, and 1.2 (certificate in the clear).
  fetch ws1 --cacert "$work/tls.crt" -- "https://secure.nmx.test/" "https://secure.nmx.test/files/4k.txt"
  fetch ws2 -4 --cacert "$work/tls.crt" --tlsv1.2 --tls-max 1.2 -- "https://www.nmx.test/slow/30"
  # Unreachable: no DNS server on the file server.
  attempt ws2 dig @"${ip4[fs]}" +tries=1 +time=1 www.nmx.test || true
  run ws2 ping -4 -c 2 -i 0.2 ws1.nmx.test
  # NetBIOS and SMB: SMB3 on 445, SMB1 over NetBIOS session service on 139.
  nbt_lookup ws1
  run ws1 nmblookup -s "$work/samba/client.conf" -A "${ip4[fs]}"
  smb ws1 -L //FILES
  smb ws1 //FILES/public -c 'ls; get notes.txt /dev/null'
  smb ws2 //FILES/public -p 139 -m NT1 -c "ls; get inventory.csv /dev/null; put $work/upload.txt upload.txt"
  dhcp_release
  capture_stop "$cap"
  say "loss rule dropped $(lost ws1) segments on ws1, $(lost ws2) on ws2"
  finish "$cap" "$out"
}

# Small captures for the tests, one topic each; a capture filter keeps other
# traffic out of the files that cover one protocol.
profile_tests() {
  local cap
  lan_up
  head -c 4000 "$work/share/notes.txt" >"$work/upload.txt"
  mkdir -p "$work/tests"

  # dhcp: DHCP lease and release, ARP and ping.
  cap="$work/tests/dhcp.$format"
  capture_start "$cap" "$format" "arp or icmp or udp port 67 or udp port 68"
  dhcp_lease
  run ws1 ping -c 2 -i 0.2 "${ip4[srv]}"
  run ws1 ping -c 2 -i 0.2 "${ip4[ws2]}"
  dhcp_release
  capture_stop "$cap"
  finish "$cap" "$out/dhcp.$format"
  kill -TERM "$udhcpc_pid"
  dhcp_lease

  # dns: queries of many types over UDP and TCP, IPv4 and IPv6.
  cap="$work/tests/dns.$format"
  capture_start "$cap" "$format" "port 53"
  run ws1 dig www.nmx.test A
  run ws1 dig www.nmx.test AAAA
  run ws1 dig secure.nmx.test A
  run ws1 dig -x "${ip4[fs]}"
  run ws1 dig -x "${ip6[srv]}"
  run ws1 dig nosuch.nmx.test A
  run ws1 dig nmx.test MX
  run ws1 dig nmx.test TXT
  run ws1 dig _http._tcp.nmx.test SRV
  run ws1 dig +tcp files.nmx.test AAAA
  run ws2 dig files.nmx.test A
  run ws2 dig ws1.nmx.test A
  run ws2 dig -x 192.0.2.77
  capture_stop "$cap"
  finish "$cap" "$out/dns.$format"

  # http: two connections, keep-alive, Content-Length and chunked, POST, HEAD, 404.
  cap="$work/tests/http.$format"
  capture_start "$cap" "$format" "tcp port 80"
  fetch ws1 -4 -- "$u/" "$u/files/16k.txt" "$u/chunked/12k?chunk=1000" "$u/slow/50" "$u/missing.html"
  run ws1 curl -sS --fail -4 -o /dev/null --data-binary @"$work/upload.txt" \
    -H 'Content-Type: text/plain' "$u/upload"
  run ws1 curl -sS --fail -4 -I "$u/files/8k.bin"
  capture_stop "$cap"
  finish "$cap" "$out/http.$format"

  # retrans: HTTP with one data segment in twelve lost on the way to the client.
  cap="$work/tests/retrans.$format"
  set_loss ws1 "numgen inc mod 12 == 0"
  capture_start "$cap" "$format" "tcp port 80"
  fetch ws1 -4 -- "$u/files/48k.bin" "$u/chunked/16k?chunk=4000"
  capture_stop "$cap"
  say "loss rule dropped $(lost ws1) segments"
  clear_loss ws1
  finish "$cap" "$out/retrans.$format"

  # ipv6: neighbour discovery, ping, DNS, HTTP and HTTPS, all over IPv6.
  cap="$work/tests/ipv6.$format"
  inns ws2 ip -6 neigh flush dev eth0
  inns srv ip -6 neigh flush dev eth0
  capture_start "$cap" "$format" "ip6"
  run ws2 ping -6 -c 2 -i 0.2 "${ip6[srv]}"
  fetch ws2 -6 -- "$u/" "$u/files/8k.txt"
  fetch ws2 -6 --cacert "$work/tls.crt" -- "https://secure.nmx.test/"
  capture_stop "$cap"
  finish "$cap" "$out/ipv6.$format"

  # smb: NetBIOS name service, SMB3 on 445, SMB1 over NetBIOS on 139.
  cap="$work/tests/smb.$format"
  capture_start "$cap" "$format" "port 137 or port 138 or port 139 or port 445"
  nbt_lookup ws1
  smb ws1 //FILES/public -c 'ls; get notes.txt /dev/null'
  smb ws2 //FILES/public -p 139 -m NT1 -c "ls; get inventory.csv /dev/null; put $work/upload.txt upload.txt"
  capture_stop "$cap"
  finish "$cap" "$out/smb.$format"

  # mixed.pcapng: always pcapng, written by dumpcap, no filter.
  cap="$work/tests/mixed.pcapng"
  capture_start "$cap" pcapng
  run ws1 ping -c 1 "${ip4[fs]}"
  run ws2 dig www.nmx.test A
  fetch ws2 -4 -- "$u/files/2k.txt"
  fetch ws1 -6 --cacert "$work/tls.crt" -- "https://www.nmx.test/"
  capture_stop "$cap"
  finish "$cap" "$out/mixed.pcapng"
}

# Bulk: rounds of the sample's traffic, several clients at once, 1% loss on
# HTTP, until the sniffer has seen the target number of frames.
profile_bulk() {
  local cap="$work/capture.$format" round=0 n start pids i
  local urls4=() urls6=()
  lan_up
  set_loss ws1 "numgen random mod 1000 < 10"
  set_loss ws2 "numgen random mod 1000 < 10"
  for i in $(seq 1 40); do
    printf 'www.nmx.test A\nwww.nmx.test AAAA\nfiles.nmx.test A\n-x %s\nhost-%d.nmx.test A\nnmx.test MX\n' \
      "${ip4[srv]}" "$i"
  done >"$work/queries.txt"
  for i in 1k 2k 4k 8k 16k 32k 64k 128k 3k 24k; do
    urls4+=("$u/files/$i.txt" "$u/files/$i.bin" "$u/chunked/$i")
  done
  urls6=("$u/" "$u/files/256k.bin" "$u/files/512k.txt" "$u/chunked/96k?chunk=8192" "$u/slow/5" "$u/missing")
  capture_start "$cap" "$format"
  start="$(date +%s)"
  dhcp_lease
  while :; do
    n="$(seen)"
    [ "$n" -ge "$bulk_target" ] && break
    round=$((round + 1))
    [ $((round % 10)) -eq 1 ] && say "round $round: $n frames so far"
    [ "$round" -le 2000 ] || die "no progress after $round rounds ($n frames)"
    pids=()
    fetch ws1 -4 -- "${urls4[@]}" & pids+=("$!")
    fetch ws1 -4 -H 'Connection: close' -- "$u/files/4k.txt" "$u/slow/2" & pids+=("$!")
    fetch ws2 -6 -- "${urls6[@]}" & pids+=("$!")
    fetch ws2 -4 --cacert "$work/tls.crt" -- "https://secure.nmx.test/files/64k.bin" "https://secure.nmx.test/" & pids+=("$!")
    run ws1 dig +tries=2 +time=1 -f "$work/queries.txt" & pids+=("$!")
    run ws2 ping -c 10 -i 0.02 "${ip4[fs]}" & pids+=("$!")
    if [ $((round % 5)) -eq 0 ]; then
      smb ws2 //FILES/public -c 'get firmware.bin /dev/null' & pids+=("$!")
    fi
    if [ $((round % 5)) -eq 2 ]; then
      smb ws1 //FILES/public -p 139 -m NT1 -c 'ls; get notes.txt /dev/null' & pids+=("$!")
    fi
    for i in "${pids[@]}"; do wait "$i"; done
  done
  dhcp_release
  capture_stop "$cap"
  say "$round rounds in $(($(date +%s) - start)) s; loss rule dropped $(lost ws1) + $(lost ws2) segments"
  finish "$cap" "$out"
}

# ---- main -------------------------------------------------------------------
make_lan
count_frames_setup
case "$profile" in
  sample) profile_sample ;;
  tests) profile_tests ;;
  bulk) profile_bulk ;;
esac
