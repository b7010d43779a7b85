#!/usr/bin/python3
"""gen-ports.py - regenerates src/proto/ports.c from the installed tshark.

Wireshark tries a TCP or UDP payload on the dissector of the lower port,
then of the higher one, then on the heuristic dissectors.  A port dissector
may turn a payload down (most newer ones check their format); then tshark
goes on.  For the ports whose protocol nmexpert does not parse, ports.c must
say which dissectors take anything: those end the hand-off, the others are
as good as no dissector.

This script asks tshark itself.  For every port that `tshark -G decodes`
gives a dissector, it builds a capture in which that port carries payloads
of protocols nmexpert recognises by heuristic or by port (an HTTP request
and a TLS record on TCP; a DNS query and an NBNS query on UDP) with both
ports equal, runs tshark over it, and keeps the port when its dissector
took every probe.  The ports nmexpert registers itself (NMX_HANDOFFS in
src/proto/dis_*.c) are left out: our own dissector decides there, and
handoff.c never looks such a port up in ports.c.  Usage:

    scripts/gen-ports.py > src/proto/ports.c
"""
import glob
import os
import re
import struct
import subprocess
import sys
import tempfile

HTTP = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
TLS = bytes.fromhex("160301002d010000290303") + bytes(32) + bytes.fromhex("00000201000100")
DNS = bytes.fromhex("123401000001000000000000") + b"\x01a\x00\x00\x01\x00\x01"
NBNS = bytes.fromhex("81c001100001000000000000") + b"\x20" + b"CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" + b"\x00\x00\x20\x00\x01"
PROBES = {"tcp": [HTTP, TLS], "udp": [DNS, NBNS]}


def reference_options():
    """tshark's reference options (no reassembly), from the one file that
    holds them for every comparison: tests/tshark-reference.opts."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "tshark-reference.opts")
    with open(path, encoding="utf-8") as f:
        return [a for line in f if line.strip() and not line.startswith("#") for a in line.split()]


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(proto, port, payload, n):
    """Frame n: its own source address, so that no two share a stream."""
    if proto == "tcp":
        l4 = struct.pack("!HHIIBBHHH", port, port, 1, 0, 5 << 4, 0x18, 65535, 0, 0) + payload
        ipproto = 6
    else:
        l4 = struct.pack("!HHHH", port, port, 8 + len(payload), 0) + payload
        ipproto = 17
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, ipproto, 0,
                     bytes([10, n >> 16 & 255, n >> 8 & 255, n & 255]), bytes([192, 0, 2, 1]))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = bytes(6) + bytes([2, 0, 0, 0, 0, 1]) + b"\x08\x00"
    return eth + ip + l4


def our_ports(proto):
    """The ports our dissectors register for proto ("tcp" or "udp")."""
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "proto")
    table = "NMX_HO_%s_PORT" % proto.upper()
    ports = set()
    for path in glob.glob(os.path.join(src, "dis_*.c")):
        with open(path) as f:
            ports.update(int(v) for v in re.findall(r"\{\s*%s\s*,\s*(\d+)\s*\}" % table, f.read()))
    return ports


def decoded_ports(proto):
    out = subprocess.run(["tshark", "-G", "decodes"], capture_output=True, text=True, check=True).stdout
    ports = {}
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) >= 3 and f[0] == proto + ".port" and f[1].isdigit():
            ports[int(f[1])] = f[2]
    for p in our_ports(proto):
        ports.pop(p, None)
    return ports


def greedy_ports(proto):
    ports = decoded_ports(proto)
    order = sorted(ports)
    frames = [frame(proto, p, pl, i) for i, (p, pl) in enumerate((p, pl) for p in order for pl in PROBES[proto])]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "probe.pcap")
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for i, fr in enumerate(frames):
                f.write(struct.pack("<IIII", i, 0, len(fr), len(fr)) + fr)
        out = subprocess.run(["tshark", "-r", path, *reference_options(), "-T", "fields", "-e",
                              "frame.protocols"], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()
    if len(rows) != len(frames):
        sys.exit("gen-ports: tshark printed %d rows for %d frames" % (len(rows), len(frames)))
    taken = []
    n = len(PROBES[proto])
    for i, port in enumerate(order):
        mask = 0
        for k, row in enumerate(rows[i * n:(i + 1) * n]):
            layers = row.split(":")
            after = layers[layers.index(proto) + 1:] if proto in layers else []
            # Taken by the port's dissector: something follows the transport
            # and it is not what the probe would be by heuristic or as data.
            if after and after[0] not in ("data", "http", "tls", "dns", "nbns"):
                mask |= 1 << k
        if mask:
            taken.append((port, mask))
    return taken, len(order)


def emit(name, ports, total):
    print("/* %d of the %d ports with a dissector: {port, the probes it takes} */" % (len(ports), total))
    print("const nmx_ws_port_t %s[] = {" % name)
    line = "   "
    for p, mask in ports:
        item = " {%d, %d}," % (p, mask)
        if len(line) + len(item) > 96:
            print(line)
            line = "   "
        line += item
    print(line)
    print("};")
    print("const size_t %s_count = sizeof(%s) / sizeof(%s[0]);" % (name, name, name))


def main():
    version = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    print("""/*
 * ports.c - the TCP and UDP ports with a Wireshark dissector that takes
 * payloads of the kinds nmexpert recognises (NMX_PROBE_*), for the ports
 * nmexpert does not register itself.  Such a port ends the hand-off of
 * a payload of a kind it takes, as it does in tshark (handoff.c); for the
 * other kinds, and on a port whose dissector takes none of them (left
 * out), it is as if the port had no dissector: the other port and the
 * heuristics still get the payload.
 *
 * Generated by scripts/gen-ports.py from %s, which probes
 * every port of `tshark -G decodes` with an HTTP request and a TLS record
 * (TCP) or a DNS and an NBNS query (UDP).  Regenerate with the tshark the
 * tests compare with.
 */
#include <stddef.h>
#include <stdint.h>

#include "proto/proto_int.h"
""" % version)
    for i, (proto, name) in enumerate((("tcp", "nmx__tcp_ws_ports"), ("udp", "nmx__udp_ws_ports"))):
        ports, total = greedy_ports(proto)
        if i:
            print()
        emit(name, ports, total)



if __name__ == "__main__":
    main()
