#!/usr/bin/env python3
"""test_tcpretrans.py - the TCP Retransmit expert against tshark and tcptrace.

For every capture checked:

1. The expert's events (EventIdent 1 per retransmitted frame, 2 per
   connection) must equal exactly what the definition gives when it is
   applied, here in Python, to tshark's own dissection of the capture
   (tshark -T fields: addresses, ports, tcp.seq_raw, tcp.len, flags, window,
   frame times).  The definition (experts/tcpretrans/README.md): a segment
   is a retransmission when sequence space it occupies (its data, a SYN or
   a FIN) was already sent in that direction of that connection; keep-alives
   and zero-window probes, as tshark defines them, are not; RST segments are
   ignored; a SYN without ACK with a new ISN starts a new connection.
2. tshark's tcp.analysis.retransmission (which includes fast_ and
   spurious_retransmission): every frame both flag is agreement; every frame
   only tshark flags must be one whose sequence space was never seen before
   in the capture (tshark compares with the highest sequence number seen, so
   it also flags segments that fill a hole left by a segment the capture
   missed); every frame only the expert flags must be one tshark calls
   tcp.analysis.out_of_order (a resend that came less than an RTT after the
   highest segment).  The counts of each class are printed, and pinned for
   the project's captures.
3. tcptrace -l "rexmt data pkts", per connection and direction, must equal
   the expert's data retransmissions (SYN/FIN ones excluded) once tcptrace's
   own rules are applied: it checks no segment sent while the peer's last
   advertised window is 0 (it calls them window probes), it counts 1-byte
   keep-alives that repeat a byte, and it counts nothing before the sender's
   first ACK.

Expected values never come from the expert itself.  The project's captures
(tests/data, data/sample.pcap) are always checked; the shared captures when
$NMX_SHARED_CAPTURES or $SHARED_CAPTURES (default ../shared/captures next to
the source tree) exists (a representative subset, SHARED_SET below, unless
NMX_EXPERTS_ALL_SHARED=1) - otherwise that part is skipped with a message, as
is everything when tshark or tcptrace is missing.  Settings errors are
checked too.  Exit status: 0 passed, 77 passed but skipped a part (a tool or the shared
captures missing), 1 failed.
"""
import bisect
import csv
import io
import json
import os
import shutil
import struct
import subprocess
import sys
from decimal import Decimal

import cli_checks
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from nmxtest import with_columns, write_pcap  # noqa: E402  (the report's events as typed cells)

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
NMEXPERT = os.environ.get("NMEXPERT", "nmexpert")
EXPERTS = os.environ.get("EXPERTS", "")
SHARED = os.environ.get("NMX_SHARED_CAPTURES") or os.environ.get("SHARED_CAPTURES") or os.path.join(
    SRC, "..", "shared", "captures")

# check() and skip() count into the lists cli_checks shares with the other expert tests.
from cli_checks import SKIP_STATUS, check, failures, skip, skips  # noqa: E402,F401


def run_expert(cap, *sets):
    """Runs the expert; returns (result dict, events)."""
    args = [NMEXPERT, "run", cap, "--experts-dir", EXPERTS, "-e", "tcpretrans", "--format", "json", "--no-progress"]
    args += cli_checks.config_args("tcpretrans", sets)
    p = subprocess.run(args, capture_output=True, text=True, timeout=600)
    try:
        res = with_columns(json.loads(p.stdout))["experts"][0]
    except (ValueError, KeyError, IndexError):
        raise RuntimeError("nmexpert failed (%d): %s" % (p.returncode, p.stderr))
    events = []
    for e in res["events"]:
        events.append((e["ident"], {c["name"]: c["value"] for c in e["columns"]}))
    return res, events


# ---- tshark's dissection ----------------------------------------------------------

FIELDS = ["frame.number", "frame.time_epoch", "frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw", "tcp.len", "tcp.flags",
          "tcp.window_size_value", "tcp.window_size",
          "ip.flags.mf", "ip.frag_offset", "tcp.analysis.retransmission", "tcp.analysis.fast_retransmission",
          "tcp.analysis.spurious_retransmission", "tcp.analysis.out_of_order", "tcp.analysis.keep_alive"]


def tshark_segments(cap):
    """One dict per TCP segment the expert can see (no ICMP-quoted headers, no IP fragments)."""
    args = ["tshark", "-n", "-r", cap, "-Y", "tcp", "-T", "fields", "-E", "occurrence=l"]
    for f in FIELDS:
        args += ["-e", f]
    out = subprocess.run(args, capture_output=True, text=True, timeout=600).stdout
    segs = []
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        protos = v["frame.protocols"].split(":")
        if ("icmp" in protos or "icmpv6" in protos or "tcp" not in protos or v["tcp.len"] == "" or
                v["tcp.seq_raw"] == "" or v["tcp.flags"] == ""):
            continue
        before = protos[:protos.index("tcp")]
        l3 = [p for p in before if p in ("ip", "ipv6")]
        if not l3:
            continue
        fam = 4 if l3[-1] == "ip" else 6
        if fam == 4 and (v["ip.flags.mf"] in ("1", "True") or v["ip.frag_offset"] not in ("", "0")):
            continue
        fl = int(v["tcp.flags"], 16)
        segs.append({
            "frame": int(v["frame.number"]), "time": Decimal(v["frame.time_epoch"]), "fam": fam,
            "src": v["ip.src"] if fam == 4 else v["ipv6.src"], "dst": v["ip.dst"] if fam == 4 else v["ipv6.dst"],
            "sport": int(v["tcp.srcport"]), "dport": int(v["tcp.dstport"]), "seq": int(v["tcp.seq_raw"]),
            "len": int(v["tcp.len"]), "syn": bool(fl & 2), "fin": bool(fl & 1), "rst": bool(fl & 4),
            "ack": bool(fl & 16), "win": int(v["tcp.window_size_value"] or 0),
            "win_scaled": int(v["tcp.window_size"] or v["tcp.window_size_value"] or 0),
            "ack_raw": int(v["tcp.ack_raw"] or 0),
            "ts_retrans": v["tcp.analysis.retransmission"] != "", "ts_ooo": v["tcp.analysis.out_of_order"] != "",
            "ts_fast": v["tcp.analysis.fast_retransmission"] != "",
            "ts_spurious": v["tcp.analysis.spurious_retransmission"] != "",
            "ts_keep": v["tcp.analysis.keep_alive"] != ""})
    return segs


# ---- the definition, applied to tshark's dissection ---------------------------------

class Dir:
    def __init__(self):
        self.spans = []        # sorted, disjoint [start, end, frame, time]
        self.seen = False
        self.sent = False
        self.hi = 0
        self.syn_seq = None
        self.win = None


def unwrap(ref, seq):
    d = (seq - ref) & 0xFFFFFFFF
    if d >= 1 << 31:
        d -= 1 << 32
    return ref + d


def _first(spans, a):
    """Index of the first span that ends after a (spans: sorted, disjoint)."""
    i = bisect.bisect_right(spans, a, key=lambda x: x[0]) - 1
    if i < 0 or spans[i][1] <= a:
        i += 1
    return i


def covered(spans, a, b):
    """(numbers of [a, b) in spans, the span holding the lowest of them)."""
    n = 0
    first = None
    i = _first(spans, a)
    while i < len(spans) and spans[i][0] < b:
        lo, hi = max(spans[i][0], a), min(spans[i][1], b)
        if hi > lo:
            n += hi - lo
            if first is None:
                first = spans[i]
        i += 1
    return n, first


def add_spans(spans, a, b, frame, t):
    """Records the numbers of [a, b) not in spans yet."""
    pos = a
    gaps = []
    i = _first(spans, a)
    while i < len(spans) and spans[i][0] < b:
        if spans[i][0] > pos:
            gaps.append([pos, spans[i][0], frame, t])
        pos = max(pos, spans[i][1])
        i += 1
    if pos < b:
        gaps.append([pos, b, frame, t])
    for g in gaps:
        bisect.insort(spans, g, key=lambda x: x[0])


def seq_lt(a, b):
    """tcptrace's SEQ_LESSTHAN as built on 64-bit Linux: (long)a - (long)b < 0
    on 32-bit values, so not modulo 2^32."""
    return a < b


class TT:
    """What tcptrace keeps per direction of a connection (tcb)."""
    def __init__(self):
        self.quads = {}        # quadrant (seq >> 30) -> recorded [start, end) of raw numbers
        self.win_last = None   # last window (RST segments do not update it)
        self.windowend = 0     # ack + window of the last segment with ACK
        self.packets = 0
        self.syn = 0
        self.syn_count = 0
        self.fin_count = 0
        self.reset_count = 0


def tt_touch(t, seq):
    """tcptrace's whichquad(): using quadrant q forgets quadrant q + 2."""
    t.quads.pop(((seq >> 30) + 2) & 3, None)


def tt_rexmit(t, seq, n):
    """tcptrace's rexmit(): repeated numbers among [seq, seq + n), recording the rest."""
    tt_touch(t, seq)
    rep = 0
    while n > 0:
        q = seq >> 30
        qend = (q + 1) << 30
        piece = min(n, qend - seq)
        spans = t.quads.setdefault(q, [])
        k, _ = covered(spans, seq, seq + piece)
        rep += k
        add_spans(spans, seq, seq + piece, 0, 0)
        seq = (seq + piece) & 0xFFFFFFFF
        n -= piece
    return rep


def tcptrace_segment(c, side, g, pos, end, counts):
    """tcptrace's rules (trace.c, rexmit.c of tcptrace 6.6.7): a new connection
    on a SYN after 4 idle minutes, or after a FIN or RST when the SYN's
    number is beyond the peer's window or below this side's last SYN, or a
    second SYN with another number; every segment with sequence space
    (SYN and FIN count one) is checked against what was recorded, except
    while the peer's last window is 0 (a "window probe": neither checked nor
    recorded); a repeat counts as one "rexmt data pkt"."""
    tt = c.get("tt")
    seq = g["seq"]
    if tt is not None:
        th, ot = tt["d"][side], tt["d"][1 - side]
        if (g["time"] - tt["last"] > 240 or
                (g["syn"] and (th.fin_count or ot.fin_count or th.reset_count or ot.reset_count) and
                 (seq_lt(ot.windowend, seq) or seq_lt(seq, th.syn))) or
                (g["syn"] and th.syn_count > 1 and th.syn != seq)):
            tt = None
    if tt is None:
        tt = c["tt"] = {"d": [TT(), TT()]}
    tt["last"] = g["time"]
    th, ot = tt["d"][side], tt["d"][1 - side]
    th.packets += 1
    if g["syn"]:
        th.syn_count += 1
        th.syn = seq
    if g["rst"]:
        th.reset_count += 1
    if g["fin"]:
        th.fin_count += 1
    if end > pos and not (ot.packets > 0 and ot.win_last == 0):
        if tt_rexmit(th, seq, end - pos):
            counts[(c["key"], side)] = counts.get((c["key"], side), 0) + 1
    if g["ack"]:
        tt_touch(ot, g["ack_raw"])
        th.windowend = (g["ack_raw"] + g["win_scaled"]) & 0xFFFFFFFF
    if g["rst"]:
        return
    th.win_last = g["win_scaled"]


def oracle(segs, synfin=True, keepalive=True):
    """Returns (retrans: frame -> info, conns: list, reason: frame -> why it is not one,
    tcptrace: {(tuple key, side addr:port): count}, keep: frame -> keep-alive probe info)."""
    keep = {}
    conns = {}
    allconns = []
    retrans = {}
    reason = {}
    tcptrace = {}
    for g in segs:
        a, b = (g["src"], g["sport"]), (g["dst"], g["dport"])
        key = (g["fam"],) + tuple(sorted([a, b]))
        side = 0 if a == key[1] else 1
        c = conns.get(key)
        if c is None or (g["syn"] and not g["ack"] and c["d"][side].seen and c["d"][side].syn_seq != g["seq"]):
            c = {"key": key, "d": [Dir(), Dir()], "first": g["frame"], "client": side, "by_syn": False,
                 "frames": 0}
            conns[key] = c
            allconns.append(c)
        c["frames"] += 1
        d, r = c["d"][side], c["d"][1 - side]
        if g["syn"] and not c["by_syn"]:
            c["client"] = 1 - side if g["ack"] else side
            c["by_syn"] = True
        if g["syn"] and g["ack"] and d.syn_seq is not None and d.syn_seq != g["seq"]:
            d.spans, d.sent, d.seen = [], False, False
        if not d.seen:
            d.seen = True
            d.hi = (1 << 32) + g["seq"]
        if g["syn"] and d.syn_seq is None:
            d.syn_seq = g["seq"]
        peer_zero = r.win is not None and r.win == 0
        d.win = g["win"]
        f = g["frame"]
        syn, fin, ln = int(g["syn"]), int(g["fin"]), g["len"]
        pos = unwrap(d.hi, g["seq"])
        end = pos + syn + ln + fin
        tcptrace_segment(c, side, g, pos, end, tcptrace)
        if g["rst"]:
            reason[f] = "rst"
            continue
        if not syn and not fin and d.sent and ln <= 1 and pos + 1 == d.hi:
            reason[f] = "keep-alive"
            _, first = covered(d.spans, pos, pos + 1)
            if first is not None and keepalive:
                keep[f] = {"orig": first[2], "delay": g["time"] - first[3], "seg": g}
            continue
        if end == pos:
            reason[f] = "bare ack"
            continue
        if not syn and not fin and d.sent:
            if ln == 1 and pos == d.hi and peer_zero:
                reason[f] = "zero-window probe"
                continue
        ov, first = covered(d.spans, pos, end)
        if ov:
            dov, _ = covered(d.spans, pos + syn, pos + syn + ln) if ln else (0, None)
            if dov or synfin:
                retrans[f] = {"orig": first[2], "delay": g["time"] - first[3], "seg": g, "bytes": dov,
                              "synfin": dov == 0, "conn": c, "side": side,
                              "type": "data" if dov else "SYN" if syn else "FIN"}
            else:
                reason[f] = "SYN/FIN (synfin=no)"
        else:
            reason[f] = "new sequence space"
        if ov < end - pos:
            add_spans(d.spans, pos, end, f, g["time"])
        if end > d.hi or not d.sent:
            d.hi = end
        d.sent = True
    return retrans, allconns, reason, tcptrace, keep


# ---- tcptrace --------------------------------------------------------------------------

def tcptrace_counts(cap):
    """{(fam, endpoint, endpoint) sorted: {endpoint: rexmt data pkts sent by it}}."""
    p = subprocess.run(["tcptrace", "-l", "-n", "--csv", cap], capture_output=True, text=True, timeout=600)
    if "PCAP error" in p.stdout + p.stderr:
        return None
    lines = [l for l in p.stdout.splitlines() if l and not l.startswith("#")]
    out = {}
    for row in csv.DictReader(io.StringIO("\n".join(lines))):
        ha, hb = row["host_a"].strip(), row["host_b"].strip()
        pa, pb = int(row["port_a"]), int(row["port_b"])
        fam = 6 if ":" in ha else 4
        ha, hb = norm_addr(fam, ha), norm_addr(fam, hb)
        key = (fam,) + tuple(sorted([(ha, pa), (hb, pb)]))
        per = out.setdefault(key, {})
        per[(ha, pa)] = per.get((ha, pa), 0) + int(row["rexmt_data_pkts_a2b"])
        per[(hb, pb)] = per.get((hb, pb), 0) + int(row["rexmt_data_pkts_b2a"])
    return out


def norm_addr(fam, a):
    if fam == 4:
        return a
    import ipaddress
    return str(ipaddress.IPv6Address(a))


# ---- the checks --------------------------------------------------------------------------

def manifest_counts():
    """{relative path: tcp_retransmissions} from the shared set's MANIFEST.tsv."""
    path = os.path.join(SHARED, "MANIFEST.tsv")
    if not os.path.isfile(path):
        return {}
    with open(path) as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return {r["file"]: int(r["tcp_retransmissions"]) for r in rows if r.get("tcp_retransmissions", "").isdigit()}


def check_capture(cap, label, expect=None, tcptrace_ok=True, fuzzed=False, manifest=None):
    """Runs every comparison on one capture; `expect` pins (ours, tshark, agree, tshark_only, ours_only, tcptrace)."""
    res, events = run_expert(cap)
    if not check("%s: outcome completed" % label, res["outcome"] == "completed", res.get("message")):
        return
    segs = tshark_segments(cap)
    want, conns, reason, tt_expect, keep = oracle(segs)
    got = {c["Frame"]: c for i, c in events if i == 1 and c.get("Type") != "keep-alive"}
    got_keep = {c["Frame"]: c for i, c in events if i == 1 and c.get("Type") == "keep-alive"}
    summaries = [c for i, c in events if i == 2]
    names = {(e["ident"], e["name"], {c["name"]: c["value"] for c in e["columns"]}.get("Type"))
             for e in res["events"]}
    check("%s: event names are honest: 'Retransmission' (data, SYN, FIN), 'Keep-alive probe'" % label,
          names <= {(1, "Retransmission", "data"), (1, "Retransmission", "SYN"), (1, "Retransmission", "FIN"),
                    (1, "Keep-alive probe", "keep-alive"), (2, "Connection summary", None)}, names)

    # 1. per-frame events equal the definition on tshark's dissection
    miss = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    check("%s: retransmitted frames = definition (%d)" % (label, len(want)), not miss and not extra,
          "missing %s extra %s" % (miss[:20], extra[:20]))
    bad = []
    for f in sorted(set(want) & set(got)):
        w, c = want[f], got[f]
        g = w["seg"]
        exp = {"Original Frame": w["orig"], "Source": norm_addr(g["fam"], g["src"]),
               "Destination": norm_addr(g["fam"], g["dst"]), "Source Port": g["sport"],
               "Destination Port": g["dport"], "Sequence": g["seq"], "Length": g["len"], "Type": w["type"]}
        for k, v in exp.items():
            if c.get(k) != v:
                bad.append((f, k, c.get(k), v))
        if abs(Decimal(str(c["Delay (s)"])) - w["delay"]) > Decimal("0.000002"):
            bad.append((f, "Delay (s)", c["Delay (s)"], w["delay"]))
    check("%s: columns of every retransmission event" % label, not bad, bad[:10])
    bad = []
    for f in sorted(set(keep) | set(got_keep)):
        w, c = keep.get(f), got_keep.get(f)
        if w is None or c is None:
            bad.append((f, "missing" if c is None else "extra"))
            continue
        g = w["seg"]
        exp = {"Original Frame": w["orig"], "Source": norm_addr(g["fam"], g["src"]), "Sequence": g["seq"],
               "Length": g["len"]}
        for k, v in exp.items():
            if c.get(k) != v:
                bad.append((f, k, c.get(k), v))
        if abs(Decimal(str(c["Delay (s)"])) - w["delay"]) > Decimal("0.000002"):
            bad.append((f, "Delay (s)", c["Delay (s)"], w["delay"]))
    check("%s: keep-alive probes = definition (%d)" % (label, len(keep)), not bad, bad[:10])

    # per-connection summaries
    exp_sum = []
    for c in conns:
        d = c["d"]
        n = [sum(1 for w in want.values() if w["conn"] is c and w["side"] == s) for s in (0, 1)]
        if n[0] + n[1] == 0:
            continue
        cl = c["client"]
        ep = [c["key"][1], c["key"][2]]
        fam = c["key"][0]
        exp_sum.append({
            "Client": norm_addr(fam, ep[cl][0]), "Client Port": ep[cl][1],
            "Server": norm_addr(fam, ep[1 - cl][0]), "Server Port": ep[1 - cl][1],
            "Frames": c["frames"], "Retransmissions": n[0] + n[1],
            "Client Retransmissions": n[cl], "Server Retransmissions": n[1 - cl],
            "SYN/FIN Retransmissions": sum(1 for w in want.values() if w["conn"] is c and w["synfin"]),
            "Bytes Retransmitted": sum(w["bytes"] for w in want.values() if w["conn"] is c),
            "First Frame": c["first"]})
    bad_delay = []
    for s_, c in zip(summaries, [c for c in conns if any(w["conn"] is c for w in want.values())]):
        md = max(w["delay"] for w in want.values() if w["conn"] is c)
        if abs(Decimal(str(s_.get("Max Delay (s)"))) - md) > Decimal("0.000002"):
            bad_delay.append((s_.get("First Frame"), s_.get("Max Delay (s)"), md))
    check("%s: Max Delay (s) of every summary" % label, not bad_delay, bad_delay[:5])
    got_sum = [{k: v for k, v in s.items() if k != "Max Delay (s)"} for s in summaries]
    check("%s: connection summaries (%d)" % (label, len(exp_sum)), got_sum == exp_sum,
          "got %s\nwant %s" % (got_sum[:3], exp_sum[:3]))

    if fuzzed:
        print("     %s: fuzzed packet bytes: compared with the definition only" % label)
        return
    # 2. tshark
    ts = {g["frame"] for g in segs if g["ts_retrans"]}
    ooo = {g["frame"] for g in segs if g["ts_ooo"]}
    ours = set(got)
    agree = ours & ts
    t_only = ts - ours
    o_only = ours - ts
    unexplained_t = [f for f in sorted(t_only) if reason.get(f) not in ("new sequence space", "rst")]
    unexplained_o = [f for f in sorted(o_only) if f not in ooo]
    check("%s: tshark-only frames are all new sequence space (%d)" % (label, len(t_only)),
          not unexplained_t, [(f, reason.get(f)) for f in unexplained_t[:10]])
    check("%s: expert-only frames are all tshark out-of-order (%d)" % (label, len(o_only)),
          not unexplained_o, unexplained_o[:10])
    ts_keep = {g["frame"] for g in segs if g["ts_keep"]}
    check("%s: keep-alive probes = tshark's tcp.analysis.keep_alive (%d)" % (label, len(ts_keep)),
          set(got_keep) == ts_keep, (sorted(set(got_keep) - ts_keep)[:10], sorted(ts_keep - set(got_keep))[:10]))

    # 3. tcptrace (which reads pcap and pcapng, not NetMon files)
    tt = None
    with open(cap, "rb") as fh:
        netmon = fh.read(4) in (b"GMBU", b"RTSS")
    if tcptrace_ok and not netmon:
        tt = tcptrace_counts(cap)
        if tt is None:
            print("SKIP %s: tcptrace cannot read this file (libpcap refuses it)" % label)
    if tt is not None:
        exp_tt = {}
        for (key, side), n in tt_expect.items():
            ep = (norm_addr(key[0], key[1 + side][0]), key[1 + side][1])
            key = (key[0],) + tuple(sorted((norm_addr(key[0], a), p) for a, p in key[1:]))
            per = exp_tt.setdefault(key, {})
            per[ep] = per.get(ep, 0) + n
        diffs = []
        for key in set(tt) | set(exp_tt):
            a = {k: v for k, v in tt.get(key, {}).items() if v}
            b = {k: v for k, v in exp_tt.get(key, {}).items() if v}
            if a != b:
                diffs.append((key, a, b))
        check("%s: tcptrace rexmt data pkts per connection and direction (%d)" % (
            label, sum(sum(v.values()) for v in tt.values())), not diffs, diffs[:5])
    if manifest is not None:
        check("%s: tshark's count = the MANIFEST's tcp_retransmissions (%s)" % (label, manifest),
              len(ts) == manifest, len(ts))
    counts = (len(ours), len(ts), len(agree), len(t_only), len(o_only),
              sum(sum(v.values()) for v in tt.values()) if tt is not None else None)
    print("     %s: expert %d, tshark %d (fast %d, spurious %d), both %d, tshark only %d, expert only %d, "
          "tcptrace %s" % (label, counts[0], counts[1], sum(1 for g in segs if g["ts_fast"]),
                           sum(1 for g in segs if g["ts_spurious"]), counts[2], counts[3], counts[4], counts[5]))
    if expect is not None:
        check("%s: pinned counts %s" % (label, expect), counts == expect, counts)


def check_settings(cap):
    res, ev = run_expert(cap, "synfin=no", "details=no")
    ids = {i for i, _ in ev}
    check("details=no: summaries only", res["outcome"] == "completed" and ids == {2}, ids)
    res, ev = run_expert(cap, "keepalive=no")
    check("keepalive=no: no keep-alive probe rows", res["outcome"] == "completed"
          and not any(c.get("Type") == "keep-alive" for _, c in ev), ev[:2])
    res, ev = run_expert(cap, "port=1")
    check("port=1: nothing reported", res["outcome"] == "completed" and ev == [], ev[:2])
    for s, word in (("colour=red", "colour"), ("port=70000", "port"), ("details=maybe", "details"),
                    ("keepalive=perhaps", "keepalive")):
        res, ev = run_expert(cap, s)
        check("setting %s -> failed, naming the key" % s,
              res["outcome"] == "failed" and res["status"] == "problem" and word in res["message"],
              (res["outcome"], res["message"]))



def check_text(cap):
    """The text report: the per-frame table is titled for what it holds and
    has a Type column."""
    p = subprocess.run([NMEXPERT, "run", cap, "--experts-dir", EXPERTS, "-e", "tcpretrans", "--no-progress"],
                       capture_output=True, text=True, timeout=600)
    lines = p.stdout.splitlines()
    titles = [l for l in lines if l.startswith("-- ")]
    check("text: tables titled 'Retransmission (event 1)' and 'Connection summary (event 2)'",
          titles == ["-- Retransmission (event 1) --", "-- Connection summary (event 2) --"], titles)
    head = lines[lines.index(titles[0]) + 1].split() if titles else []
    check("text: the per-frame table has a Type column", "Type" in head, head)
    mixed = os.path.join(SHARED, "pcapng", "ndpi_sites_22idb.pcapng")
    if os.path.exists(mixed):
        p = subprocess.run([NMEXPERT, "run", mixed, "--experts-dir", EXPERTS, "-e", "tcpretrans", "--no-progress"],
                           capture_output=True, text=True, timeout=600)
        titles = [l for l in p.stdout.splitlines() if l.startswith("-- ")]
        check("text: a table of retransmissions and keep-alive probes is titled for both",
              titles[:1] == ["-- Retransmission / Keep-alive probe (event 1) --"], titles)


def check_termination():
    cap = os.path.join(cli_checks.temp_dir("nmx-tcpretrans-big-"), "big.pcap")
    cli_checks.repeated_sample(cap, os.path.join(SRC, "data", "sample.pcap"), 300)
    cli_checks.check_timeout_stops(check, NMEXPERT, EXPERTS, "tcpretrans", cap)
    os.remove(cap)

def long_connection(path, segments, resend):
    """One connection: a SYN, then `segments` 100-byte data segments from the
    client in order (frames 2..), then one resend of segment k for each k of
    `resend` (0-based).  Only the client sends; the expert needs no ACKs."""
    def frame(seq, flags, payload):
        tcp = struct.pack(">HHIIBBHHH", 40000, 80, seq, 0, 5 << 4, flags, 65535, 0, 0)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0, 64, 6, 0,
                         bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
        return bytes(6) + bytes([2, 0, 0, 0, 0, 1]) + b"\x08\x00" + ip + tcp + payload
    isn = 1000
    pkts = [frame(isn, 0x02, b"")]
    pkts += [frame(isn + 1 + 100 * k, 0x10, bytes(100)) for k in range(segments)]
    pkts += [frame(isn + 1 + 100 * k, 0x10, bytes(100)) for k in resend]
    write_pcap(path, pkts)


def check_long_connection():
    """Memory stays bounded on a long connection (README.md: older ranges
    are merged once a direction holds 8,192): 40,000 segments in one
    direction.  A resend of recent data names its original frame exactly;
    a resend of data 39,990 segments old is still a retransmission, with
    the first frame of the merged run (the SYN, frame 1) as its original."""
    cap = os.path.join(cli_checks.temp_dir("nmx-tcpretrans-long-"), "long.pcap")
    n = 40000
    long_connection(cap, n, [n - 100, 10])
    res, events = run_expert(cap)
    rows = [(c["Frame"], c["Original Frame"]) for ident, c in events if ident == 1]
    # Frames are numbered from 1: the SYN is 1, segment k is k + 2.
    want = [(n + 2, n - 100 + 2), (n + 3, 1)]
    check("long connection: recent resend exact, old resend counted", rows == want, (rows, want))
    peak = res["memory"]["peak_bytes"]
    # Unbounded, the ranges alone would be 40,001 x 24 bytes (960 kB).
    check("long connection: the expert's memory stays under 600 kB (%d bytes)" % peak, peak < 600_000, peak)


def check_configure():
    cli_checks.check_configure(check, NMEXPERT, EXPERTS, "tcpretrans", ["details=NO", "port=80"],
                               "details=no\nsynfin=yes\nkeepalive=yes\nport=80", "bogus=1")

def main():
    only = sys.argv[1:]
    if only:
        os.environ["XDG_CONFIG_HOME"] = cli_checks.temp_dir("nmx-tcpretrans-")
        for f in only:
            check_capture(f, os.path.basename(f))
        return 1 if failures else 0
    for tool in ("tshark", "tcptrace"):
        if shutil.which(tool) is None:
            return skip("%s is not installed: nothing to compare with" % tool)
    os.environ["XDG_CONFIG_HOME"] = cli_checks.temp_dir("nmx-tcpretrans-")
    data = os.path.join(SRC, "tests", "data")
    # Project captures, pinned: (expert, tshark, both, tshark only, expert only, tcptrace).
    check_capture(os.path.join(data, "retrans.pcap"), "retrans.pcap", (5, 5, 5, 0, 0, 5))
    check_capture(os.path.join(SRC, "data", "sample.pcap"), "sample.pcap", (6, 5, 5, 0, 1, 6))
    for f in ("http.pcap", "smb.pcap", "ipv6.pcap", "dns.pcap", "mixed.pcapng"):
        check_capture(os.path.join(data, f), f)
    check_settings(os.path.join(data, "retrans.pcap"))
    check_text(os.path.join(data, "retrans.pcap"))
    check_termination()
    check_configure()
    check_long_connection()

    if not os.path.isdir(SHARED):
        skip("shared captures not found at %s (set NMX_SHARED_CAPTURES)" % SHARED)
    else:
        caps = SHARED_SET
        manifest = manifest_counts()
        if os.environ.get("NMX_EXPERTS_ALL_SHARED") == "1":
            caps = sorted(os.path.relpath(os.path.join(dp, f), SHARED)
                          for d in ("real", "netmon", "pcapng", "linktypes", "edge")
                          for dp, _, fs in os.walk(os.path.join(SHARED, d)) for f in fs)
        for f in caps:
            path = os.path.join(SHARED, f)
            if os.path.exists(path):
                check_capture(path, f, fuzzed=f in FUZZED, manifest=manifest.get(f))
            else:
                skip("%s is missing" % path)
    print("%d failure(s)" % len(failures))
    return 1 if failures else SKIP_STATUS if skips else 0


# Files whose packet bytes were corrupted on purpose: tshark and tcptrace
# make what they can of the broken headers, each its own way.
FUZZED = {"edge/made_editcap-E0.02-seed5_suspicious-time.pcap"}

# The shared captures checked by default (NMX_EXPERTS_ALL_SHARED=1: every
# readable one): the files with the most retransmissions, across link types
# (Ethernet, VLAN, SLL, raw IP, BSD loopback) and formats (pcap, pcapng,
# NetMon 2), and the zero-window and stray-ACK cases.
SHARED_SET = [
    "real/ppa_ftp-crack.pcap",
    "real/evilfingers_xscan_smb_dcerpc.pcap",
    "real/suricata_tls-subjectaltname.pcap",
    "real/zeek_http_206_example_b.pcap",
    "real/suricata_syn-retransmit-vlan-mixed.pcap",
    "real/ndpi_1kxun.pcap",
    "real/ndpi_reddit_ipv6.pcap",
    "real/suricata_smb2-peter.pcap",
    "real/chrissanders_tcp_zerowindowrecovery.pcapng",
    "netmon/ms_ADOD_Ex2_18_ManageAccessControl.cap",
    "netmon/ms_RMSOD_Ex4_ipv6.cap",
    "pcapng/ndpi_sites_22idb.pcapng",
    "linktypes/ndpi_KakaoTalk_sll.pcap",
    "linktypes/ndpi_ocs_rawip.pcap",
    "linktypes/suricata_http-range-multiflows_null.pcap",
]

if __name__ == "__main__":
    sys.exit(main())
