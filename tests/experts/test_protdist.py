#!/usr/bin/env python3
"""test_protdist.py - the Protocol Distribution expert against tshark -z io,phs.

For every protocol the parsers know, protdist's Frames and Bytes must equal
tshark's io,phs figures summed per protocol name (a protocol nested twice,
as in QinQ or a tunnel, counts twice), with reassembly off.  Compared on the
project's captures always, and on every readable shared capture when they
are present.  Also checked: the columns and their types, the order of the rows,
the percentages, the settings and their errors, Configure, an empty capture,
and process isolation.  Differences are allowed only where EXCEPTIONS says
why (README.md explains each kind).
"""
import json
import os
import struct
import tempfile

import tshark_ref as T

# The protocols compared: every one the parsers know, by Wireshark name, as
# `nmexpert fields` lists them (frame aside: it is no layer).  Protocols
# tshark shows that we do not parse (data, json, dcom, tcp.segments,
# _ws.malformed...) are not compared.
def parsed_protocols():
    rc, out, err = T.nmexpert("fields", "--format", "json")
    if rc != 0:
        T.check("nmexpert fields --format json lists the protocols", False, err)
        T.finish()
    names = [p["name"] for p in json.loads(out)["protocols"] if p["name"] != "frame"]
    T.check("nmexpert fields lists the protocols to compare (%d)" % len(names), len(names) > 40, names)
    return names


COMPARED = parsed_protocols()
# Link, network and transport protocols: tshark's TCP sequence analysis does
# not change their counts.
LOWER = set("eth llc vlan sll null raw radiotap wlan fddi arp ip ipv6 icmp icmpv6 igmp tcp udp".split())

# Known differences: (capture name part, protocol, why).  Each is a
# difference of the parser layer's per-frame recognition from tshark's
# stateful dissection (README.md, "Comparison with tshark").
EXCEPTIONS = [
    ("pcapng/ndpi_doq_dsb", "dns", "DNS inside QUIC, decrypted by tshark with the file's secrets"),
]
used_exceptions = set()


def excepted(capture, proto):
    for i, (cap, p, _) in enumerate(EXCEPTIONS):
        if T.matches(capture, cap) and p in (proto, "*"):
            used_exceptions.add(i)
            return True
    return False


def ours(expert):
    """{protocol: (frames, bytes)} from protdist's events, by the name as
    tshark spells it: a NetMon protocol name holds 15 characters (16 with
    its NUL), so protdist shows isystemactivator as isystemactivato."""
    rows = {T.columns(e)["Protocol"]: (T.columns(e)["Frames"], T.columns(e)["Bytes"]) for e in expert["events"]}
    return {p: rows[p[:15]] for p in COMPARED if p[:15] in rows}


def compare(capture, expert, strict):
    """Agreement with io,phs: exact for every compared protocol (outside the
    exceptions), with tshark's sequence analysis off; with `strict`, also
    with exactly the options of issue 6: exact for LOWER, and never below
    tshark above it (tshark does not dissect the payload of segments it
    finds retransmitted)."""
    mine = ours(expert)
    ref = T.reference(capture)["phs"]
    bad = []
    for p in COMPARED:
        got = mine.get(p, (0, 0))
        want = tuple(ref.get(p, (0, 0)))
        if got != want and not excepted(capture, p):
            bad.append("%s: ours %s, tshark %s" % (p, got, want))
    T.check("protdist = io,phs on %s" % T.rel(capture), not bad, "; ".join(bad))
    if not strict:
        return
    strict = T.tshark_phs(capture, T.TSHARK_OPTS)
    bad = []
    for p in COMPARED:
        got = mine.get(p, (0, 0))
        want = tuple(strict.get(p, (0, 0)))
        wrong = (p in LOWER and got != want) or (p not in LOWER and (got[0] < want[0] or got[1] < want[1]))
        if wrong and not excepted(capture, p):
            bad.append("%s: ours %s, tshark %s" % (p, got, want))
    T.check("protdist vs io,phs with sequence analysis on %s" % T.rel(capture), not bad, "; ".join(bad))


def check_shape(capture, expert):
    """Columns, types, order and percentages of one report."""
    ev = expert["events"]
    want_types = [("Protocol", "string"), ("Frames", "uint64"), ("% Frames", "float64"), ("Bytes", "uint64"),
                  ("% Bytes", "float64")]
    T.check("columns and types on %s" % T.rel(capture), all(T.column_types(e) == want_types for e in ev),
            ev[:1] and T.column_types(ev[0]))
    T.check("events are EventIdent 1 from 'Protocol Distribution'",
            all(e["ident"] == 1 and e["source"] == "Protocol Distribution" for e in ev))
    rows = [T.columns(e) for e in ev]
    keys = [(-r["Frames"], -r["Bytes"], r["Protocol"]) for r in rows]
    T.check("sorted by frames, then bytes, then name, on %s" % T.rel(capture), keys == sorted(keys))
    total = T.capinfos_frames(capture)
    total_bytes = T.reference(capture)["phs"]["eth"][1]
    ok = all(abs(r["% Frames"] - 100.0 * r["Frames"] / total) < 1e-9 and
             abs(r["% Bytes"] - 100.0 * r["Bytes"] / total_bytes) < 1e-9 for r in rows)
    T.check("percentages of %d frames and %d bytes" % (total, total_bytes), ok)
    T.check("one row per protocol", len(set(r["Protocol"] for r in rows)) == len(rows))


def check_settings():
    cap = T.SAMPLE
    by_bytes = [T.columns(e) for e in T.run_expert(cap, "protdist", {"sort": "bytes"})["events"]]
    keys = [(-r["Bytes"], -r["Frames"], r["Protocol"]) for r in by_bytes]
    T.check("sort=bytes orders by bytes", keys == sorted(keys) and len(keys) > 3)
    by_name = [T.columns(e)["Protocol"] for e in T.run_expert(cap, "protdist", {"sort": "name"})["events"]]
    T.check("sort=name orders by name", by_name == sorted(by_name) and len(by_name) > 3)
    e = T.run_expert(cap, "protdist", {"sort": "sideways"})
    T.check("bad value -> failed, naming the key and value",
            e["outcome"] == "failed" and e["status"] == "problem" and "sort" in e["message"] and
            "sideways" in e["message"] and not e["events"], e)
    e = T.run_expert(cap, "protdist", {"colour": "blue"})
    T.check("unknown key -> failed, naming it", e["outcome"] == "failed" and "colour" in e["message"], e)
    rc, out, err = T.nmexpert("configure", "protdist", "--experts-dir", T.EXPERTS, "--set", "sort=BYTES")
    rc2, out2, _ = T.nmexpert("configure", "protdist", "--experts-dir", T.EXPERTS, "--show")
    T.check("configure accepts sort=BYTES and stores it normalised", rc == 0 and T.shown_config(out2).strip() == "sort=bytes",
            (rc, err, out2))
    e = T.run_expert(cap, "protdist", stored="sort=bytes\n")
    T.check("a run uses the stored configuration", [T.columns(x) for x in e["events"]] == by_bytes)
    rc, out, err = T.nmexpert("configure", "protdist", "--experts-dir", T.EXPERTS, "--set", "colour=blue")
    rc2, out2, _ = T.nmexpert("configure", "protdist", "--experts-dir", T.EXPERTS, "--show")
    T.check("configure refuses an unknown key and keeps the stored one",
            rc != 0 and "colour" in err and T.shown_config(out2).strip() == "sort=bytes", (rc, err, out2))
    T.nmexpert("configure", "protdist", "--experts-dir", T.EXPERTS, "--reset")


def check_display_filter():
    """-Y: only the frames that pass the UI filter (FLAGS_DEFER_TO_UI_FILTER)
    count, as tshark -z io,phs,FILTER counts them."""
    rc, _, err = T.nmexpert("run", T.SAMPLE, "--experts-dir", T.EXPERTS, "-e", "protdist", "-Y", "dns",
                            "--format", "json")
    if rc == 2 and "filter" in err:
        T.skipped("this build has no display filters: %s" % err.strip())
        return
    # The frame fields and stream numbers come from the runtime's frame
    # context (session.c): frame ranges, times, conversations.
    for flt in ("dns", "tcp.port == 445", "ip.ttl == 64 && udp",
                "frame.number >= 100 and frame.number <= 300", "frame.time_relative > 2.5",
                "frame.time >= \"2026-11-25 12:25:12\" and frame.time_delta < 0.001",
                "tcp.stream in {1, 3..5} or udp.stream == 2", "dns.qry.name matches \"^files\\\\.\"",
                "tcp.flags & 0x02 or eth.dst[0:3] == 01:00:5e"):
        mine = ours(T.run_expert(T.SAMPLE, "protdist", extra=["-Y", flt]))
        ref = T.tshark_phs(T.SAMPLE, T.TSHARK_OPTS + T.NO_SEQ_ANALYSIS, flt)
        want = {p: tuple(v) for p, v in ref.items() if p in COMPARED and not excepted(T.SAMPLE, p)}
        T.check("-Y '%s' = io,phs,%s" % (flt, flt), mine == want and mine, (mine, want))


def check_empty():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "empty.pcap")
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        e = T.run_expert(path, "protdist")
        T.check("an empty capture: completed, no events", e["outcome"] == "completed" and not e["events"], e)


def main():
    if not T.have_tshark():
        T.skipped("tshark is not installed: no comparison with io,phs")
        check_settings()
        check_empty()
        T.check_stops("protdist")
        T.finish()
    for cap in T.project_captures():
        e = T.run_expert(cap, "protdist")
        T.check("completed on %s" % T.rel(cap), e["outcome"] == "completed", e["message"])
        compare(cap, e, True)
    check_shape(T.SAMPLE, T.run_expert(T.SAMPLE, "protdist"))
    e = T.run_expert(T.SAMPLE, "protdist", isolation="process")
    T.check("process isolation gives the same report",
            [T.columns(x) for x in e["events"]] == [T.columns(x) for x in T.run_expert(T.SAMPLE, "protdist")["events"]])
    check_settings()
    check_empty()
    check_display_filter()
    T.check_stops("protdist")
    # Every readable shared capture, not a subset: protdist is quick, and
    # each protocol's count must equal io,phs on all of them.
    shared = T.shared_captures(every=True)
    if not shared:
        T.skipped("no shared captures at %s" % T.SHARED)
    for cap in shared:
        e = T.run_expert(cap, "protdist")
        if not T.check("completed on %s" % T.rel(cap), e["outcome"] == "completed", e["message"]):
            continue
        compare(cap, e, False)
    compared = T.project_captures() + shared
    for i, (cap, p, why) in enumerate(EXCEPTIONS):
        if i not in used_exceptions and any(T.matches(c, cap) for c in compared):
            T.note("exception %s/%s (%s) was not needed" % (cap, p, why))
    T.finish()


if __name__ == "__main__":
    main()
