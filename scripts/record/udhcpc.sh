#!/bin/sh
# udhcpc.sh - event script for busybox udhcpc, used by scripts/record-traffic.sh.
#
#   busybox udhcpc -i eth0 -s scripts/record/udhcpc.sh ...
#
# Puts the leased IPv4 address on the interface and takes it off again when
# the lease ends.  It leaves resolv.conf alone: the recorder gives each
# namespace its own.
# udhcpc passes the lease in the environment.
# shellcheck disable=SC2154
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ;;
  bound|renew)
    ip addr replace "$ip/${mask:-24}" broadcast "${broadcast:-+}" dev "$interface"
    ;;
esac
exit 0
