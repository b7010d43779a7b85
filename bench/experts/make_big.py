#!/usr/bin/env python3
"""make_big.py - a capture of several GB from a recorded one, as real traffic
would look: COUNT copies of the input, one after the other in time, each with
its own addresses, so each copy's connections are new connections (a plain
`mergecap -a` of one file repeats the same connections with the same
sequence numbers, and every frame after the first copy is then a
retransmission).

Copy k moves every unicast IPv4 and IPv6 address by k in its first 16-bit word
(IPv6: its third), one way for the hosts on one side of each conversation
and the other way for their peers.  A ones'-complement sum is then unchanged,
so the IP, TCP, UDP and ICMPv6 checksums stay right without recomputing them.
That needs the hosts to fall in two sides (no conversation inside a side),
which the script checks.  Frames to or from a broadcast, multicast,
link-local or unspecified address (DHCP, neighbour discovery) are copied as
they are.  Times move by the input's span plus one second per
copy.

usage: make_big.py INPUT.pcap COUNT OUTPUT.pcap   (Ethernet pcap, either time resolution)
"""
import struct
import sys


def frames(path):
    with open(path, "rb") as f:
        head = f.read(24)
        magic = struct.unpack("<I", head[:4])[0]
        if magic not in (0xA1B2C3D4, 0xA1B23C4D) or struct.unpack("<I", head[20:24])[0] != 1:
            sys.exit("make_big.py: %s is not a little-endian Ethernet pcap" % path)
        yield head
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            yield rec + f.read(struct.unpack("<I", rec[8:12])[0])


def special(a):
    """Unspecified, broadcast, multicast or link-local: kept as they are."""
    if len(a) == 4:
        return a in (b"\0\0\0\0", b"\xff\xff\xff\xff") or 224 <= a[0] <= 239 or a[:2] == b"\xa9\xfe"
    return a == bytes(16) or a[0] == 0xFF or a[:2] == b"\xfe\x80"


def addrs(rec):
    """(offset of the source, offset of the destination, length) of a frame
    between two ordinary unicast hosts, or None."""
    eth = rec[16 + 12:16 + 14]
    if eth == b"\x08\x00" and len(rec) >= 16 + 34:
        a = 16 + 26, 16 + 30, 4
    elif eth == b"\x86\xdd" and len(rec) >= 16 + 54:
        a = 16 + 22, 16 + 38, 16
    else:
        return None
    if special(rec[a[0]:a[0] + a[2]]) or special(rec[a[1]:a[1] + a[2]]):
        return None
    return a


def sides(path):
    """Each address's side, 0 or 1, from the conversations of the input, and
    the seconds the input spans (its first to its last frame, plus one)."""
    peers = {}
    first = last = None
    it = frames(path)
    next(it)
    for rec in it:
        last = struct.unpack("<I", rec[:4])[0]
        first = last if first is None else first
        a = addrs(rec)
        if a:
            s, d = rec[a[0]:a[0] + a[2]], rec[a[1]:a[1] + a[2]]
            peers.setdefault(s, set()).add(d)
            peers.setdefault(d, set()).add(s)
    side = {}
    for start in peers:
        if start in side:
            continue
        side[start], todo = 0, [start]
        while todo:
            h = todo.pop()
            for p in peers[h]:
                if p not in side:
                    side[p] = 1 - side[h]
                    todo.append(p)
                elif side[p] == side[h]:
                    sys.exit("make_big.py: hosts talk inside one side; checksums cannot be kept")
    return side, (last - first + 1) if first is not None else 1


def oc_add(a, b):
    s = a + b
    return (s & 0xFFFF) + (s >> 16)


def moved(addr, word, delta):
    w = struct.unpack(">H", addr[word:word + 2])[0]
    return addr[:word] + struct.pack(">H", oc_add(w, delta) & 0xFFFF) + addr[word + 2:]


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    src, count, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    side, span = sides(src)
    head = next(frames(src))
    with open(dst, "wb") as out:
        out.write(head)
        for k in range(count):
            cache = {}
            it = frames(src)
            next(it)
            for rec in it:
                rec = bytearray(rec)
                struct.pack_into("<I", rec, 0, struct.unpack("<I", rec[:4])[0] + k * span)
                a = addrs(rec) if k else None
                if a:
                    word = 0 if a[2] == 4 else 4
                    for off in a[:2]:
                        old = bytes(rec[off:off + a[2]])
                        new = cache.get(old)
                        if new is None:
                            delta = k << 4 if side[old] == 0 else (~(k << 4)) & 0xFFFF
                            new = cache[old] = moved(old, word, delta)
                        rec[off:off + a[2]] = new
                out.write(rec)


if __name__ == "__main__":
    main()
