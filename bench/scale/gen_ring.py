#!/usr/bin/python3
"""gen_ring.py - a synthetic ring-buffer capture set for bench/scale: FILES
pcap files (Ethernet, IPv4) that together hold about FRAMES frames of many
short TCP connections to web servers (handshake, a request, a response in
a few segments, one in 40 requests sent again, FIN) and DNS queries over UDP
with their answers, one file after the other in time, as `tcpdump -G`
writes them.

    gen_ring.py OUTDIR [--frames N] [--files K]
"""
import argparse
import os
import struct


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, proto, l4):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + l4


def tcp(sp, dp, seq, ack, flags, data=b""):
    return struct.pack("!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50, flags, 65535, 0, 0) + data


def udp(sp, dp, data):
    return struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data


def conversations(n_frames):
    """(time in µs, frame bytes) in time order."""
    t = 1_700_000_000 * 1_000_000
    i = 0
    out = 0
    while out < n_frames:
        i += 1
        cli = struct.pack("!BBBB", 10, 1 + (i >> 16) % 200, (i >> 8) & 255, i & 255)
        if i % 5 == 0:  # DNS over UDP
            srv = bytes([10, 0, 53, 1 + i % 4])
            q = struct.pack("!HHHHHH", i & 0xFFFF, 0x0100, 1, 0, 0, 0) + b"\x03www\x07example\x03com\x00\x00\x01\x00\x01"
            a = struct.pack("!HHHHHH", i & 0xFFFF, 0x8180, 1, 1, 0, 0) + q[12:] + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x5d\xb8\xd8\x22"
            sp = 1024 + i % 60000
            yield t, frame(cli, srv, 17, udp(sp, 53, q))
            yield t + 300 + i % 5000, frame(srv, cli, 17, udp(53, sp, a))
            out += 2
            t += 97
            continue
        srv = bytes([10, 0, i % 16, 1])
        sp, c, s = 1024 + i % 60000, 1000 * i, 5000 * i
        req = b"GET /item/%d HTTP/1.1\r\nHost: shop.example\r\n\r\n" % i
        body = b"x" * (600 + i % 900)
        resp = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
        pk = [(0, cli, srv, tcp(sp, 80, c, 0, 0x02)), (150, srv, cli, tcp(80, sp, s, c + 1, 0x12)),
              (300, cli, srv, tcp(sp, 80, c + 1, s + 1, 0x10)), (310, cli, srv, tcp(sp, 80, c + 1, s + 1, 0x18, req))]
        if i % 40 == 0:
            pk.append((900, cli, srv, tcp(sp, 80, c + 1, s + 1, 0x18, req)))
        off, at = 0, 2000 + i % 7000
        while off < len(resp):
            seg = resp[off:off + 1400]
            pk.append((at, srv, cli, tcp(80, sp, s + 1 + off, c + 1 + len(req), 0x18, seg)))
            off += len(seg)
            at += 40
        pk += [(at + 100, cli, srv, tcp(sp, 80, c + 1 + len(req), s + 1 + len(resp), 0x11)),
               (at + 250, srv, cli, tcp(80, sp, s + 1 + len(resp), c + 2 + len(req), 0x11)),
               (at + 400, cli, srv, tcp(sp, 80, c + 2 + len(req), s + 2 + len(resp), 0x10))]
        for dt, a, b, l4 in pk:
            yield t + dt, frame(a, b, 6, l4)
        out += len(pk)
        t += 211


def main():
    p = argparse.ArgumentParser()
    p.add_argument("outdir")
    p.add_argument("--frames", type=int, default=1_000_000)
    p.add_argument("--files", type=int, default=8)
    a = p.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    frames = sorted(conversations(a.frames), key=lambda x: x[0])
    per = (len(frames) + a.files - 1) // a.files
    for k in range(a.files):
        with open(os.path.join(a.outdir, "ring_%03d.pcap" % (k + 1)), "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for ts, b in frames[k * per:(k + 1) * per]:
                f.write(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(b), len(b)) + b)
    print("%d frames in %d files under %s" % (len(frames), a.files, a.outdir))


if __name__ == "__main__":
    main()
