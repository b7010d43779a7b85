#!/usr/bin/env python3
"""test_resptime.py - the Average Server Response Time expert against tshark.

For every capture checked:

1. The expert's rows (Server, Port, Protocol, Requests, Average, Min,
   Median, P95, P99, Max; percentiles by nearest rank) must equal exactly what its definition gives when applied, here in
   Python, to tshark's dissection of the capture: tshark's addresses, ports,
   TCP sequence numbers, flags, lengths, frame times and the segments' bytes
   (tcp.payload, udp.payload), with tshark run without TCP reassembly.  The
   definition (experts/resptime/README.md): DNS paired by transaction id per
   client (a query repeated more than 5 s later is a new one), SMB by
   PID+MID and SMB2 by message id in NetBIOS session messages (the final
   response, not an interim STATUS_PENDING), other listed TCP ports by
   turns; times from the first frame of the request to the first frame of
   the response, new data only.
2. tshark's own per-request times (http.time, dns.time, smb.time, smb2.time
   with tcp.desegment_tcp_streams:FALSE; interim STATUS_PENDING responses
   left out): every one must be a pair of step 1 with the same response
   frame and the same time, except tshark's extra pairings of SMB responses
   to a request already answered (the later parts of a multi-part SMB
   transaction response); every pair of step 1 that tshark has no time for
   must be one tshark could not pair: a frame it flags malformed, or whose
   message it does not dissect at that frame (a header split across
   segments or following data that started in an earlier segment, which
   tshark without reassembly cannot place; non-HTTP data on an HTTP port).
   The counts of each class are printed and pinned for the project's
   captures.

Expected values never come from the expert.  The project's captures are
always checked; the shared captures when $NMX_SHARED_CAPTURES or
$SHARED_CAPTURES (default ../shared/captures next to the source tree)
exists, a representative subset unless NMX_EXPERTS_ALL_SHARED=1; settings
errors too.  Exit status 0 passed, 77 passed but skipped a part (no tshark, no
shared captures), 1 failed.
"""
import bisect
import json
import os
import shutil
import struct
import subprocess
import sys
from decimal import Decimal

import cli_checks
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from nmxtest import with_columns  # noqa: E402  (the report's events as typed cells)

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
NMEXPERT = os.environ.get("NMEXPERT", "nmexpert")
EXPERTS = os.environ.get("EXPERTS", "")
SHARED = os.environ.get("NMX_SHARED_CAPTURES") or os.environ.get("SHARED_CAPTURES") or os.path.join(
    SRC, "..", "shared", "captures")
DEFAULT_PORTS = [21, 53, 80, 139, 443, 445, 8080]
DNS_WINDOW = Decimal(5)

failures = []
# A test that passed but skipped part of its checks (a tool or the shared
# captures missing) exits with SKIP_STATUS: ctest reports it as skipped
# (SKIP_RETURN_CODE in CMakeLists.txt), not as passed.
SKIP_STATUS = 77
skips = []


def skip(text):
    """Says what is not checked; returns the exit status of a test that stops here."""
    print("SKIP: " + text, flush=True)
    skips.append(text)
    return SKIP_STATUS


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  -- " + str(detail)[:2000]), flush=True)
    if not cond:
        failures.append(name)
    return cond


def run_expert(cap, *sets):
    args = [NMEXPERT, "run", cap, "-e", "resptime", "--format", "json", "--no-progress"]
    if EXPERTS:
        args += ["--experts-dir", EXPERTS]
    args += cli_checks.config_args("resptime", sets)
    p = subprocess.run(args, capture_output=True, text=True, timeout=600)
    try:
        res = with_columns(json.loads(p.stdout))["experts"][0]
    except (ValueError, KeyError, IndexError):
        raise RuntimeError("nmexpert failed (%d): %s" % (p.returncode, p.stderr))
    rows = {}
    for e in res["events"]:
        c = {x["name"]: x["value"] for x in e["columns"]}
        rows[(c["Server"], c["Port"], c["Protocol"])] = c
    return res, rows


# ---- tshark's dissection ---------------------------------------------------------------

FIELDS = ["frame.number", "frame.time_epoch", "frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.len", "tcp.flags", "tcp.payload",
          "udp.srcport", "udp.dstport", "udp.payload", "ip.flags.mf", "ip.frag_offset", "_ws.malformed",
          "http.time", "http.request", "http.response", "http.request_in", "dns.time", "dns.length", "dns.id", "smb.time", "smb.mid", "smb2.time", "smb2.msg_id",
          "smb2.nt_status", "smb2.flags.async"]


def tshark_frames(cap, ports):
    flt = "tcp.port in {%s} or udp.port == 53" % ",".join(str(p) for p in ports)
    args = ["tshark", "-n", "-r", cap, "-o", "tcp.desegment_tcp_streams:FALSE", "-Y", flt, "-T", "fields",
            "-E", "occurrence=a", "-E", "aggregator=|"]
    for f in FIELDS:
        args += ["-e", f]
    out = subprocess.run(args, capture_output=True, text=True, timeout=600).stdout
    frames = []
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        protos = v["frame.protocols"].split(":")
        if "icmp" in protos or "icmpv6" in protos:
            continue
        l4 = "tcp" if "tcp" in protos else "udp" if "udp" in protos else None
        if l4 is None:
            continue
        l3 = [p for p in protos[:protos.index(l4)] if p in ("ip", "ipv6")]
        if not l3:
            continue
        fam = 4 if l3[-1] == "ip" else 6
        last = lambda k: v[k].split("|")[-1]
        if fam == 4 and ("1" in v["ip.flags.mf"].split("|")[-1:] or last("ip.frag_offset") not in ("", "0")):
            continue
        g = {"frame": int(v["frame.number"]), "time": Decimal(v["frame.time_epoch"]), "fam": fam, "l4": l4,
             "src": last("ip.src") if fam == 4 else last("ipv6.src"),
             "dst": last("ip.dst") if fam == 4 else last("ipv6.dst"),
             "malformed": v["_ws.malformed"] != "", "v": v}
        if l4 == "tcp":
            if v["tcp.seq_raw"] == "" or v["tcp.len"] == "" or v["tcp.flags"] == "":
                continue
            fl = int(v["tcp.flags"], 16)
            g.update(sport=int(last("tcp.srcport")), dport=int(last("tcp.dstport")), seq=int(v["tcp.seq_raw"]),
                     len=int(v["tcp.len"]), syn=bool(fl & 2), fin=bool(fl & 1), rst=bool(fl & 4), ack=bool(fl & 16),
                     payload=bytes.fromhex(v["tcp.payload"].replace(":", "")))
        else:
            if v["udp.srcport"] == "":
                continue
            g.update(sport=int(last("udp.srcport")), dport=int(last("udp.dstport")),
                     payload=bytes.fromhex(v["udp.payload"].replace(":", "")))
        frames.append(g)
    return frames


# ---- the definition, applied to tshark's dissection ---------------------------------------

def unwrap(ref, seq):
    d = (seq - ref) & 0xFFFFFFFF
    if d >= 1 << 31:
        d -= 1 << 32
    return ref + d


PORT_NAMES = {20: "FTP", 21: "FTP", 22: "SSH", 23: "Telnet", 25: "SMTP", 80: "HTTP", 3128: "HTTP", 8000: "HTTP",
              8080: "HTTP", 110: "POP3", 143: "IMAP", 389: "LDAP", 443: "HTTPS", 8443: "HTTPS", 1433: "TDS",
              3306: "MySQL"}


class Oracle:
    def __init__(self, ports):
        self.ports = set(ports)
        self.conns = {}
        self.pending = {}         # key -> (time, frame) or None when answered
        self.pairs = []           # (row key, request frame, response frame, dt, proto)
        self.answered = set()     # keys answered once
        self.repeats = set()      # (frame, protocol) of responses to a request already answered
        self.lone = set()         # frames of server data by turns with no request waiting

    # rows: (family, server, port, protocol)
    def sample(self, fam, server, port, proto, t0, f0, t, f):
        self.pairs.append({"row": (fam, server, port, proto), "req": f0, "resp": f, "dt": t - t0, "proto": proto})

    def request(self, key, t, f):
        cur = self.pending.get(key)
        if cur is None or (key[1] == "DNS" and t - cur[0] > DNS_WINDOW):
            self.pending[key] = (t, f)

    def response(self, key, frame=None):
        cur = self.pending.get(key)
        if cur is not None:
            self.pending[key] = None
            self.answered.add(key)
        elif key in self.answered and frame is not None:
            self.repeats.add((frame, key[1]))
        return cur

    # -- UDP DNS
    def udp(self, g):
        p = g["payload"]
        if len(p) < 4 or 53 not in (g["sport"], g["dport"]) or 53 not in self.ports:
            return
        query = not (p[2] & 0x80)
        ident = p[0] << 8 | p[1]
        if query and g["dport"] == 53:
            self.request(("udp", "DNS", g["fam"], g["src"], g["sport"], g["dst"], ident), g["time"], g["frame"])
        elif not query and g["sport"] == 53:
            r = self.response(("udp", "DNS", g["fam"], g["dst"], g["dport"], g["src"], ident))
            if r is not None:
                self.sample(g["fam"], g["src"], 53, "DNS", r[0], r[1], g["time"], g["frame"])

    # -- TCP
    def tcp(self, g):
        if g["sport"] not in self.ports and g["dport"] not in self.ports:
            return
        a, b = (g["src"], g["sport"]), (g["dst"], g["dport"])
        key = (g["fam"],) + tuple(sorted([a, b]))
        side = 0 if a == key[1] else 1
        c = self.conns.get(key)
        if c is not None:
            d = c["d"][side]
            if g["syn"] and not g["ack"] and d["seen"] and d["syn_seq"] != g["seq"]:
                c = None
        if c is None:
            c = self.new_conn(key, side, g)
        d = c["d"][side]
        if g["syn"] and g["ack"] and d["syn_seq"] is not None and d["syn_seq"] != g["seq"]:
            c["d"][side] = d = self.new_dir()
        if not d["seen"]:
            d["seen"] = True
            d["hi"] = (1 << 32) + g["seq"]
        pos = unwrap(d["hi"], g["seq"])
        if g["syn"] and d["syn_seq"] is None:
            d["syn_seq"] = g["seq"]
            d["syn_pos"] = pos
        if g["rst"]:
            return
        syn = int(g["syn"])
        data = pos + syn
        end = data + g["len"]
        hi_before = d["hi"] if d["sent"] else 0
        top = end + int(g["fin"])
        if top > pos and (not d["sent"] or top > d["hi"]):
            d["hi"] = top
            d["sent"] = True
        if g["len"] == 0 or end <= hi_before:
            return
        srv = c["server"]
        if c["kind"] == "turns":
            if side != srv:
                if c["turn"] != side:
                    c["req"] = (g["time"], g["frame"])
            elif c["turn"] == 1 - side and c["req"] is not None:
                self.sample(g["fam"], c["addr"][side], c["port"][side], PORT_NAMES.get(c["port"][side], "TCP"),
                            c["req"][0], c["req"][1], g["time"], g["frame"])
                c["req"] = None
            else:
                self.lone.add(g["frame"])
            c["turn"] = side
            return
        start = max(data, hi_before)
        off = start - data
        chunk = g["payload"][off:off + (end - start)]
        if d["synced"] and d["next"] != start:
            d["synced"] = False
        if not d["synced"]:
            if (d["syn_seq"] is not None and start == d["syn_pos"] + 1) or (
                    start == data and self.plausible(c, chunk)):
                d["synced"] = True
                d["buf"] = bytearray()
                d["base"] = start
                d["times"] = []
                d["cur"] = start
                d["msg_end"] = None
                d["hp"] = None
        if d["synced"]:
            d["buf"] += chunk
            d["times"].append((start, g["time"], g["frame"]))
            self.parse(c, side, d)
            if len(chunk) < end - start:
                d["synced"] = False
        d["next"] = end

    def plausible(self, c, p):
        if c["kind"] == "dns":
            return len(p) >= 6 and (p[0] << 8 | p[1]) >= 12
        if len(p) < 4 or not (p[0] == 0 or 0x81 <= p[0] <= 0x85):
            return False
        if p[0] != 0:
            return True
        return len(p) >= 8 and p[4] in (0xFF, 0xFE) and p[5:8] == b"SMB"

    def when(self, d, pos):
        i = bisect.bisect_right(d["times"], pos, key=lambda x: x[0]) - 1
        return d["times"][i][1], d["times"][i][2]

    def parse(self, c, side, d):
        """Walks the messages of the in-order bytes.  d["cur"]: where the
        current message starts; d["msg_end"]: where it ends (None: its
        length is not read yet); d["hp"]: the next header inside it to read
        (None: not started, -1: none left)."""
        dns = c["kind"] == "dns"
        p445 = c["port"][c["server"]] == 445
        hl = 2 if dns else 4
        at = lambda pos, n: bytes(d["buf"][pos - d["base"]:pos - d["base"] + n])
        while True:
            have_end = d["base"] + len(d["buf"])
            cur = d["cur"]
            if d["msg_end"] is None:
                if cur + hl > have_end:
                    break
                h = at(cur, hl)
                if dns:
                    length, kind = h[0] << 8 | h[1], 0
                else:
                    if not (h[0] == 0 or 0x81 <= h[0] <= 0x85):
                        d["synced"] = False
                        return
                    length = ((h[1] << 16) if p445 else ((h[1] & 1) << 16)) | h[2] << 8 | h[3]
                    kind = h[0]
                d["msg_end"] = cur + hl + length
                d["hp"] = cur + hl if length and (dns or kind == 0) else -1
            msg_end = d["msg_end"]
            hp = d["hp"]
            while hp != -1:
                if hp + 4 > msg_end:
                    hp = -1
                    break
                if hp + 4 > have_end:
                    break
                magic = at(hp, 4)
                need = 4 if dns else 32 if magic == b"\xffSMB" else 64 if magic == b"\xfeSMB" else 0
                if need == 0 or hp + need > msg_end:
                    hp = -1
                    break
                if hp + need > have_end:
                    break
                hdr = at(hp, need)
                t, f = self.when(d, cur if dns else hp)
                nxt = 0
                if dns:
                    self.dns_hdr(c, side, hdr, t, f)
                elif need == 32:
                    self.smb1_hdr(c, side, hdr, t, f)
                else:
                    self.smb2_hdr(c, side, hdr, t, f)
                    nxt = int.from_bytes(hdr[20:24], "little")
                hp = hp + nxt if nxt >= 64 and hp + nxt <= msg_end else -1
            d["hp"] = hp
            if hp != -1 or msg_end > have_end:
                break  # waiting for header bytes, or for the rest of the message
            d["cur"] = msg_end
            d["msg_end"] = None
        # keep only the bytes still needed
        keep_from = d["cur"] if d["msg_end"] is None else (d["hp"] if d["hp"] != -1 else d["base"] + len(d["buf"]))
        keep_from = min(max(keep_from, d["base"]), d["base"] + len(d["buf"]))
        del d["buf"][:keep_from - d["base"]]
        d["base"] = keep_from
        while len(d["times"]) > 1 and d["times"][1][0] <= max(d["base"], d["cur"]) and d["times"][1][0] <= d["base"]:
            d["times"].pop(0)

    def tkey(self, c, proto, ident):
        return ("tcp", proto, id(c), ident)

    def dns_hdr(self, c, side, h, t, f):
        ident = h[0] << 8 | h[1]
        query = not (h[2] & 0x80)
        k = self.tkey(c, "DNS", ident)
        if query and side != c["server"]:
            self.request(k, t, f)
        elif not query and side == c["server"]:
            r = self.response(k)
            if r is not None:
                s = c["server"]
                self.sample(c["fam"], c["addr"][s], c["port"][s], "DNS", r[0], r[1], t, f)

    def smb1_hdr(self, c, side, h, t, f):
        reply = bool(h[9] & 0x80)
        ident = int.from_bytes(h[26:28], "little") << 16 | int.from_bytes(h[30:32], "little")
        k = self.tkey(c, "SMB", ident)
        if not reply and side != c["server"]:
            if h[4] != 0xA4:
                self.request(k, t, f)
        elif reply and side == c["server"]:
            r = self.response(k, f)
            if r is not None:
                s = c["server"]
                self.sample(c["fam"], c["addr"][s], c["port"][s], "SMB", r[0], r[1], t, f)

    def smb2_hdr(self, c, side, h, t, f):
        status = int.from_bytes(h[8:12], "little")
        cmd = int.from_bytes(h[12:14], "little")
        flags = int.from_bytes(h[16:20], "little")
        ident = int.from_bytes(h[24:32], "little")
        if ident == (1 << 64) - 1:
            return
        k = self.tkey(c, "SMB2", ident)
        reply = bool(flags & 1)
        if not reply and side != c["server"]:
            if cmd != 0x0C:
                self.request(k, t, f)
        elif reply and side == c["server"]:
            if flags & 2 and status == 0x103:
                return
            r = self.response(k, f)
            if r is not None:
                s = c["server"]
                self.sample(c["fam"], c["addr"][s], c["port"][s], "SMB2", r[0], r[1], t, f)

    @staticmethod
    def new_dir():
        return {"seen": False, "sent": False, "hi": 0, "syn_seq": None, "syn_pos": None, "synced": False,
                "next": None}

    def new_conn(self, key, side, g):
        l0, l1 = key[1][1] in self.ports, key[2][1] in self.ports
        if l0 and not l1:
            srv = 0
        elif l1 and not l0:
            srv = 1
        elif g["syn"]:
            srv = side if g["ack"] else 1 - side
        else:
            srv = 0 if key[1][1] <= key[2][1] else 1
        sp = key[1 + srv][1]
        c = {"fam": key[0], "addr": [key[1][0], key[2][0]], "port": [key[1][1], key[2][1]], "server": srv,
             "kind": "dns" if sp == 53 else "nbss" if sp in (139, 445) else "turns", "turn": 2, "req": None,
             "d": [self.new_dir(), self.new_dir()]}
        self.conns[key] = c
        return c


def oracle(frames, ports):
    o = Oracle(ports)
    for g in frames:
        if g["l4"] == "udp":
            o.udp(g)
        else:
            o.tcp(g)
    return o


def norm_addr(fam, a):
    if fam == 4:
        return a
    import ipaddress
    return str(ipaddress.IPv6Address(a))


# ---- the checks ---------------------------------------------------------------------------

def tshark_times(frames):
    """tshark's own pairs: (response frame, protocol) -> [times]."""
    out = {}
    for g in frames:
        v = g["v"]
        for field, proto in (("http.time", "HTTP"), ("dns.time", "DNS"), ("smb.time", "SMB"),
                             ("smb2.time", "SMB2")):
            if not v[field]:
                continue
            times = v[field].split("|")
            if proto == "SMB2":
                st = v["smb2.nt_status"].split("|")
                asy = v["smb2.flags.async"].split("|")
                # one status per SMB2 header of the frame, one time per response header
                keep = []
                resp = [i for i in range(len(st))]
                for i, tm in enumerate(times):
                    j = resp[i] if i < len(resp) else i
                    if j < len(st) and st[j] == "0x00000103" and j < len(asy) and asy[j] in ("1", "True"):
                        continue
                    keep.append(tm)
                times = keep
            for tm in times:
                out.setdefault((g["frame"], proto), []).append(Decimal(tm))
    return out


def rank(values, p):
    """The p-th percentile by nearest rank: the smallest value with at least
    p% of the values at or below it (a value that was measured)."""
    v = sorted(values)
    k = -(-p * len(v) // 100)  # ceil(p * n / 100)
    return v[max(k, 1) - 1]


def check_capture(cap, label, ports=DEFAULT_PORTS, expect=None):
    sets = [] if ports == DEFAULT_PORTS else ["ports=" + ",".join(str(p) for p in ports)]
    res, rows = run_expert(cap, *sets)
    if not check("%s: outcome completed" % label, res["outcome"] == "completed", res.get("message")):
        return
    frames = tshark_frames(cap, ports)
    o = oracle(frames, ports)

    # 1. rows equal the definition on tshark's dissection
    want = {}
    for p in o.pairs:
        fam, server, port, proto = p["row"]
        want.setdefault((norm_addr(fam, server), port, proto), []).append(p["dt"])
    bad = []
    for k in sorted(set(want) | set(rows), key=str):
        w, r = want.get(k), rows.get(k)
        if w is None or r is None:
            bad.append((k, "expert" if r else "-", "definition" if w else "-"))
            continue
        exp = (len(w), sum(w) / len(w), min(w), max(w), rank(w, 50), rank(w, 95), rank(w, 99))
        got = (r["Requests"], Decimal(str(r["Average Response Time (s)"])), Decimal(str(r["Min (s)"])),
               Decimal(str(r["Max (s)"])), Decimal(str(r.get("Median (s)"))), Decimal(str(r.get("P95 (s)"))),
               Decimal(str(r.get("P99 (s)"))))
        if got[0] != exp[0] or any(abs(got[i] - exp[i]) > Decimal("0.000001") for i in range(1, 7)):
            bad.append((k, got, exp))
    check("%s: rows = definition (%d rows, %d requests)" % (label, len(want), len(o.pairs)), not bad, bad[:6])

    # 2. tshark's own times
    ts = tshark_times(frames)
    mine = {}
    for p in o.pairs:
        mine.setdefault((p["resp"], "HTTP" if p["proto"] == "HTTP" else p["proto"]), []).append(p["dt"])
    agree = t_only = o_only = 0
    unexplained = []
    fr = {g["frame"]: g for g in frames}
    pair_of = {}
    for p in o.pairs:
        pair_of.setdefault((p["resp"], p["proto"]), []).append(p)
    for k, vals in ts.items():
        ours = list(mine.get(k, []))
        for tv in vals:
            hit = next((x for x in ours if abs(x - tv) <= Decimal("0.000001")), None)
            if hit is not None:
                ours.remove(hit)
                agree += 1
                continue
            t_only += 1
            # tshark also pairs the later parts of an SMB response with the
            # request their first part answered; it pairs HTTP responses with
            # requests first in, first out, by turns pairs the first server
            # data after the latest client data
            g = fr[k[0]]
            tshark_req = g["v"]["http.request_in"].split("|")[0] if k[1] == "HTTP" else ""
            if k in o.repeats:
                continue
            if k[1] == "HTTP" and (k[0] in o.lone or any(
                    str(p["req"]) != tshark_req for p in pair_of.get(k, []))):
                continue
            unexplained.append(("tshark only", k, str(tv)))
    for k, vals in mine.items():
        tvals = list(ts.get(k, []))
        for p in pair_of.get(k, []):
            hit = next((x for x in tvals if abs(x - p["dt"]) <= Decimal("0.000001")), None)
            if hit is not None:
                tvals.remove(hit)
                continue
            o_only += 1
            q, r = fr[p["req"]], fr[p["resp"]]
            why = None
            if p["proto"] not in ("HTTP", "DNS", "SMB", "SMB2"):
                why = "tshark has no response time for this protocol"
            elif q["malformed"] or r["malformed"]:
                why = "tshark flags a frame malformed"
            elif p["proto"] == "HTTP" and not (q["v"]["http.request"] and r["v"]["http.response"]):
                why = "by turns: a frame that is not an HTTP message start for tshark"
            elif p["proto"] == "HTTP" and r["v"]["http.request_in"] and \
                    r["v"]["http.request_in"].split("|")[0] != str(p["req"]):
                why = "tshark paired the response with another request (first in, first out)"
            elif p["proto"] == "DNS" and q["l4"] == "tcp" and any(
                    g["v"]["dns.length"] and int(g["v"]["dns.length"].split("|")[0]) + 2 > g["len"] for g in (q, r)):
                why = "DNS over TCP: a message longer than its first segment"
            if why is None:
                unexplained.append(("expert only", k, str(p["dt"]), p["req"]))
    check("%s: differences with tshark explained (both %d, tshark only %d, expert only %d)" % (
        label, agree, t_only, o_only), not unexplained, unexplained[:8])
    counts = (len(o.pairs), agree, t_only, o_only)
    print("     %s: requests %d, agreeing with tshark %d, tshark only %d, expert only %d" % ((label,) + counts))
    if expect is not None:
        check("%s: pinned counts %s" % (label, expect), counts == expect, counts)


def check_settings(cap):
    res, rows = run_expert(cap, "ports=80")
    check("ports=80: only port 80 rows", res["outcome"] == "completed" and rows and
          all(k[1] == 80 for k in rows), list(rows))
    sample = os.path.join(SRC, "data", "sample.pcap")
    _, every = run_expert(sample)
    order = lambda rows, col: [r[col] for r in rows.values()]
    for key, col in (("requests", "Requests"), ("average", "Average Response Time (s)"),
                     ("median", "Median (s)"), ("p95", "P95 (s)"), ("p99", "P99 (s)"), ("max", "Max (s)")):
        res, rows = run_expert(sample, "sort=" + key)
        vals = order(rows, col)
        check("sort=%s: the same rows, by %s, largest first" % (key, col),
              res["outcome"] == "completed" and sorted(rows) == sorted(every) and vals == sorted(vals, reverse=True)
              and len(set(vals)) > 1, vals)
    res, rows = run_expert(sample, "sort=requests", "count=2")
    _, all_rows = run_expert(sample, "sort=requests")
    check("count=2: the first 2 rows of the order", res["outcome"] == "completed"
          and list(rows) == list(all_rows)[:2], list(rows))
    res, rows = run_expert(sample, "sort=server")
    check("sort=server (the default): by address family, address, port, protocol", list(rows) == list(every),
          list(rows))
    for s, word in (("colour=red", "colour"), ("ports=", "ports"), ("ports=80,x", "ports"),
                    ("ports=70000", "ports"), ("ports=0", "ports"), ("sort=slowest", "sort"),
                    ("count=-1", "count")):
        res, _ = run_expert(cap, s)
        check("setting %s -> failed, naming the key" % s,
              res["outcome"] == "failed" and res["status"] == "problem" and word in res["message"],
              (res["outcome"], res["message"]))


SHARED_SET = [
    "real/ndpi_1kxun.pcap",                    # HTTP, many servers; every client frame twice
    "real/honeynet_suspicious-time.pcap",      # HTTP, DNS
    "real/ppa_dns.cap",                        # DNS, HTTP (pcap named .cap)
    "real/suricata_smb2-peter.pcap",           # SMB2
    "real/ppa_printerproblem.pcap",            # SMB1 on 139 and 445
    "real/evilfingers_xscan_smb_dcerpc.pcap",  # SMB1, DNS over UDP and TCP, malformed DNS
    "real/suricata_smb1-vlan-filecontainer.pcap",  # SMB1 over VLAN, multi-part responses
    "netmon/ms_ADOD_Ex2_18_ManageAccessControl.cap",  # NetMon 2: SMB2, DNS retransmissions
    "pcapng/ms_ADOD_Ex1_3_2019_comments.pcapng",  # SMB2, DNS in pcapng with comments
    "real/ppa_ftp-crack.pcap",                 # FTP by turns (tshark has no FTP response time)
    "linktypes/suricata_http-range-multiflows_null.pcap",  # HTTP on 8000 over BSD loopback
]
SHARED_PORTS = {"linktypes/suricata_http-range-multiflows_null.pcap": [8000]}



def check_termination():
    cap = os.path.join(cli_checks.temp_dir("nmx-resptime-big-"), "big.pcap")
    cli_checks.repeated_sample(cap, os.path.join(SRC, "data", "sample.pcap"), 300)
    cli_checks.check_timeout_stops(check, NMEXPERT, EXPERTS, "resptime", cap)
    os.remove(cap)

def check_configure():
    cli_checks.check_configure(check, NMEXPERT, EXPERTS, "resptime", ["ports=8080, 80,80", "sort=P95"],
                               "ports=80,8080\nsort=p95\ncount=0", "ports=80,x")

def main():
    if shutil.which("tshark") is None:
        return skip("tshark is not installed: nothing to compare with")
    os.environ["XDG_CONFIG_HOME"] = cli_checks.temp_dir("nmx-resptime-")
    only = sys.argv[1:]
    if only:
        for f in only:
            check_capture(f, os.path.basename(f))
        return 1 if failures else 0
    data = os.path.join(SRC, "tests", "data")
    # Project captures, pinned: (requests, agreeing with tshark, tshark only, expert only).
    # HTTPS (443, timed by turns) has no tshark time: its requests are "expert only".
    check_capture(os.path.join(SRC, "data", "sample.pcap"), "sample.pcap", expect=(95, 88, 0, 7))
    for f, pin in (("http.pcap", (7, 7, 0, 0)), ("smb.pcap", (36, 36, 0, 0)), ("dns.pcap", (13, 13, 0, 0)),
                   ("ipv6.pcap", (8, 6, 0, 2)), ("retrans.pcap", (2, 2, 0, 0)), ("mixed.pcapng", (8, 5, 0, 3))):
        check_capture(os.path.join(data, f), f, expect=pin)
    check_settings(os.path.join(data, "http.pcap"))
    check_termination()
    check_configure()
    if not os.path.isdir(SHARED):
        skip("shared captures not found at %s (set NMX_SHARED_CAPTURES)" % SHARED)
    else:
        caps = SHARED_SET
        if os.environ.get("NMX_EXPERTS_ALL_SHARED") == "1":
            caps = sorted(os.path.relpath(os.path.join(dp, f), SHARED)
                          for d in ("real", "netmon", "pcapng", "linktypes", "edge")
                          for dp, _, fs in os.walk(os.path.join(SHARED, d)) for f in fs)
        for f in caps:
            path = os.path.join(SHARED, f)
            if os.path.exists(path):
                check_capture(path, f, ports=SHARED_PORTS.get(f, DEFAULT_PORTS))
            else:
                skip("%s is missing" % path)
    print("%d failure(s)" % len(failures))
    return 1 if failures else SKIP_STATUS if skips else 0


if __name__ == "__main__":
    sys.exit(main())
