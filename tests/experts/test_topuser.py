#!/usr/bin/env python3
"""test_topuser.py - the Top Users expert against tshark -z endpoints.

With count=0 (every address), topuser's Frames/Bytes Sent/Received must equal
the Tx/Rx Packets/Bytes of tshark -z endpoints,eth (address=mac),
endpoints,ip (address=ip) and endpoints,ipv6 (address=ipv6): the same
addresses, the same four figures each.  Compared on the project's captures
always, and on the shared captures when they are present.  Also checked:
columns and types, count and sort, the settings and their errors,
Configure, and process isolation.
"""
import os
import struct
import tempfile

import tshark_ref as T

KINDS = (("mac", "eth", "macaddr"), ("ip", "ip", "ipaddr"), ("ipv6", "ipv6", "string"))

# Known differences: (capture name part, endpoints table, why).
EXCEPTIONS = [
    ("linktypes/tcpdump_ipv6_mobility", "ipv6",
     "tshark 4.0 adds no IPv6 endpoint for packets with a Mobility header"),
    ("edge/made_editcap-E0.02", "*", "randomly corrupted packet bytes"),
]
used_exceptions = set()


def excepted(capture, kind):
    for i, (cap, k, _) in enumerate(EXCEPTIONS):
        if T.matches(capture, cap) and k in (kind, "*"):
            used_exceptions.add(i)
            return True
    return False


def table(expert):
    """{address: (frames sent, bytes sent, frames received, bytes received)}."""
    rows = {}
    for e in expert["events"]:
        c = T.columns(e)
        rows[c["Address"]] = (c["Frames Sent"], c["Bytes Sent"], c["Frames Received"], c["Bytes Received"])
    return rows


def run_all_kinds(capture, clones, isolation="none"):
    """topuser with address=mac, ip and ipv6 and count=0, in one process."""
    specs = [(clones.path(i), {"address": a, "count": "0"}) for i, (a, _, _) in enumerate(KINDS)]
    return T.run_experts(capture, specs, isolation=isolation)


def compare(capture, experts):
    ref = T.reference(capture)["endpoints"]
    for (addr, kind, _), e in zip(KINDS, experts):
        if not T.check("address=%s completed on %s" % (addr, T.rel(capture)), e["outcome"] == "completed",
                       e["message"]):
            continue
        mine = table(e)
        want = {a: tuple(v) for a, v in ref.get(kind, {}).items()}
        if mine == want or not excepted(capture, kind):
            diff = sorted(set(mine) ^ set(want)) + sorted(a for a in set(mine) & set(want) if mine[a] != want[a])
            T.check("address=%s = endpoints,%s on %s (%d addresses)" % (addr, kind, T.rel(capture), len(want)),
                    mine == want, ["%s ours %s tshark %s" % (a, mine.get(a), want.get(a)) for a in diff[:5]])


def check_shape(clones):
    for (addr, kind, atype), e in zip(KINDS, run_all_kinds(T.SAMPLE, clones)):
        want = [("Address", atype), ("Frames Sent", "uint64"), ("Bytes Sent", "uint64"),
                ("Frames Received", "uint64"), ("Bytes Received", "uint64")]
        T.check("address=%s: columns and types" % addr, all(T.column_types(x) == want for x in e["events"]),
                e["events"][:1] and T.column_types(e["events"][0]))
        T.check("address=%s: EventIdent 1 from 'Top Users'" % addr,
                all(x["ident"] == 1 and x["source"] == "Top Users" for x in e["events"]))
        rows = [T.columns(x) for x in e["events"]]
        keys = [(-(r["Frames Sent"] + r["Frames Received"]), -(r["Bytes Sent"] + r["Bytes Received"]))
                for r in rows]
        T.check("address=%s: sorted by frames, then bytes" % addr, keys == sorted(keys))
    ref = T.reference(T.SAMPLE)["endpoints"]["ip"]
    by_frames = sorted(ref.items(), key=lambda kv: (-(kv[1][0] + kv[1][2]), -(kv[1][1] + kv[1][3])))
    e = T.run_expert(T.SAMPLE, "topuser", {"address": "ip", "count": "3"})
    T.check("count=3: the three busiest addresses by frames",
            [T.columns(x)["Address"] for x in e["events"]] == [a for a, _ in by_frames[:3]], e["events"])
    e = T.run_expert(T.SAMPLE, "topuser", {"address": "ip", "sort": "bytes", "count": "0"})
    rows = [T.columns(x) for x in e["events"]]
    keys = [(-(r["Bytes Sent"] + r["Bytes Received"]), -(r["Frames Sent"] + r["Frames Received"])) for r in rows]
    T.check("sort=bytes: sorted by bytes, then frames", keys == sorted(keys) and len(rows) == len(ref))
    e = T.run_expert(T.SAMPLE, "topuser")
    mac = T.reference(T.SAMPLE)["endpoints"]["eth"]
    T.check("defaults: address=mac, count=20",
            len(e["events"]) == min(20, len(mac)) and all(x["columns"][0]["type"] == "macaddr" for x in e["events"]))
    e = T.run_expert(T.SAMPLE, "topuser", {"address": "ip", "count": "0"}, isolation="process")
    T.check("process isolation gives the same report", table(e) == {a: tuple(v) for a, v in ref.items()})


def check_display_filter():
    """-Y: only the frames that pass the UI filter count, as in
    tshark -z endpoints,ip,FILTER."""
    rc, _, err = T.nmexpert("run", T.SAMPLE, "--experts-dir", T.EXPERTS, "-e", "topuser", "-Y", "dns",
                            "--format", "json")
    if rc == 2 and "filter" in err:
        T.skipped("this build has no display filters: %s" % err.strip())
        return
    for flt in ("dns", "tcp.port == 445"):
        e = T.run_expert(T.SAMPLE, "topuser", {"address": "ip", "count": "0"}, extra=["-Y", flt])
        out = T.tshark(T.SAMPLE, "-q", "-z", "endpoints,ip," + flt, *T.TSHARK_OPTS)
        want = {}
        for line in out.splitlines():
            f = line.split()
            if len(f) == 7 and all(x.isdigit() for x in f[1:]):
                want[f[0]] = (int(f[3]), int(f[4]), int(f[5]), int(f[6]))
        T.check("-Y '%s' = endpoints,ip,%s" % (flt, flt), table(e) == want and want, (table(e), want))


def rejected_headers_pcap(path):
    """Three IPv4/UDP frames: a good header, one whose header length (24)
    is beyond its Total Length (20), one whose header length is 16.  The
    parser rejects the last two before their addresses, as tshark does."""
    frames = []
    for ihl, tot, src in ((5, 28, 1), (6, 20, 2), (4, 28, 3)):
        ip = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tot, src, 0, 64, 17, 0,
                         bytes([10, 0, 0, src]), bytes([10, 0, 9, src]))
        body = ip + bytes(max(0, ihl * 4 - 20)) + struct.pack("!HHHH", 40000, 40001, 8, 0)
        frames.append(bytes(6) + bytes([2, 0, 0, 0, 0, src]) + b"\x08\x00" + body + bytes(8))
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", i, 0, len(fr), len(fr)) + fr)


def check_rejected_headers():
    """A header the parser rejects counts for no address: topuser takes the
    parser's ip.src / ip.dst properties, so it agrees with tshark's
    endpoints,ip and with propdist's ip.src."""
    with tempfile.TemporaryDirectory() as tmp:
        cap = os.path.join(tmp, "rejected.pcap")
        rejected_headers_pcap(cap)
        e = T.run_expert(cap, "topuser", {"address": "ip", "count": "0"})
        want = T.tshark_endpoints(cap, "ip")
        T.check("a rejected IPv4 header counts no address (= endpoints,ip)",
                table(e) == want and set(want) == {"10.0.0.1", "10.0.9.1"}, (table(e), want))
        p = T.run_expert(cap, "propdist", {"property": "ip.src"})
        srcs = {T.columns(ev).get("Value") for ev in p["events"]} - {None}
        T.check("propdist ip.src sees the same headers", srcs == {"10.0.0.1"}, srcs)


def check_settings():
    cap = T.SAMPLE
    for settings, word in (({"address": "ipx"}, "ipx"), ({"count": "-1"}, "count"), ({"count": "ten"}, "ten"),
                           ({"count": "99999999999"}, "count"), ({"sort": "size"}, "size"),
                           ({"colour": "blue"}, "colour")):
        e = T.run_expert(cap, "topuser", settings)
        T.check("%s -> failed, naming it" % settings,
                e["outcome"] == "failed" and e["status"] == "problem" and word in e["message"] and not e["events"],
                e)
    cfg = ["configure", "topuser", "--experts-dir", T.EXPERTS]
    rc, _, err = T.nmexpert(*cfg, "--set", "address=IP", "--set", "count=05", "--set", "sort=Bytes")
    rc2, out2, _ = T.nmexpert(*cfg, "--show")
    T.check("configure stores normalised settings", rc == 0 and T.shown_config(out2).split() == ["address=ip", "count=5", "sort=bytes"],
            (rc, err, out2))
    rc, _, err = T.nmexpert(*cfg, "--set", "address=ipx")
    rc2, out2, _ = T.nmexpert(*cfg, "--show")
    T.check("configure refuses a bad value and keeps the stored one",
            rc != 0 and T.shown_config(out2).split() == ["address=ip", "count=5", "sort=bytes"], (rc, err, out2))
    T.nmexpert(*cfg, "--reset")


def main():
    if not T.have_tshark():
        T.skipped("tshark is not installed: no comparison with -z endpoints")
        check_settings()
        T.check_stops("topuser")
        T.finish()
    clones = T.Clones("topuser")
    try:
        for cap in T.project_captures():
            compare(cap, run_all_kinds(cap, clones))
        check_shape(clones)
        check_settings()
        check_display_filter()
        check_rejected_headers()
        T.check_stops("topuser")
        shared = T.shared_captures()
        if not shared:
            T.skipped("no shared captures at %s" % T.SHARED)
        for cap in shared:
            compare(cap, run_all_kinds(cap, clones))
        compared = T.project_captures() + shared
        for i, (cap, kind, why) in enumerate(EXCEPTIONS):
            if i not in used_exceptions and any(T.matches(c, cap) for c in compared):
                T.note("exception %s/%s (%s) was not needed" % (cap, kind, why))
    finally:
        clones.close()
    T.finish()


if __name__ == "__main__":
    main()
