#!/usr/bin/env python3
"""test_parsers.py - NetMon parser DLLs loaded with --parser (docs/writing-a-parser.md).

The capture is built here, byte by byte: Ethernet/IPv4/UDP frames carrying
the example parser's HBEAT heartbeats (UDP 48879), a datagram on that port
that is not a heartbeat, the fixture parsers' TPROBE (UDP 48880) and other
UDP.  Checked: protdist counts the parser's protocol under its name in lower
case; propdist finds its properties by label (GetProtocolFromName,
GetProperty) and by field name, and -Y filters on them; a parser that
crashes or hangs in AttachProperties is named in the report, the run exits
1 and the experts that did not need its properties complete; garbage passed
to AttachPropertyInstance(Ex) and FormatPropertyInstance is refused, never a
crash; a parser that crashes, hangs or registers nonsense while it is probed
is an error (exit 2) naming it; --isolation none refuses parsers.
"""
import json
import os
import shutil
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nmxtest import T  # noqa: E402

t = T("nmx-parsers-")
EXAMPLES = os.environ["EXAMPLES"]
PARSERS = os.environ["PARSERS"]
HBEAT = os.path.join(EXAMPLES, "hbeat.so")
FRAMESIZE = os.path.join(EXAMPLES, "framesize.so")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_frame(sport, dport, payload, src=(10, 0, 0, 1), dst=(10, 0, 0, 2)):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4B4B", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, *src, *dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = bytes.fromhex("020000000002" "020000000001") + b"\x08\x00"
    return eth + ip + udp


def hbeat(flags, state, interval, seq, node):
    return b"HB\x01" + bytes([flags, state]) + struct.pack("!HI", interval, seq) + node


FRAMES = [
    udp_frame(40000, 48879, hbeat(0x00, 1, 30, 1, b"alpha")),
    udp_frame(48879, 40000, hbeat(0x01, 0, 30, 1, b"beta"), src=(10, 0, 0, 2), dst=(10, 0, 0, 1)),
    udp_frame(40000, 48879, hbeat(0x02, 3, 3600, 2, b"alpha")),
    udp_frame(40001, 48879, b"not a heartbeat"),
    udp_frame(40002, 48880, b"TP\x07\x00\x00\x00\x2a"),
    udp_frame(40003, 9999, b"other"),
    # TPROBE kind 9: a DNS query follows (the fixture's hand-off table)
    udp_frame(40004, 48880, b"TP\x09\x00\x00\x00\x01" + struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
              + b"\x07example\x03com\x00" + struct.pack("!HH", 1, 1)),
]


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)))
            f.write(fr)


CAP = t.path("parsers.pcap")
write_pcap(CAP, FRAMES)
EXPERTS = ["--experts-dir", t.experts]


def run_json(*args, timeout=120):
    rc, out, err = t.run("run", CAP, *EXPERTS, "--no-progress", "--format", "json", *args, timeout=timeout)
    try:
        doc = json.loads(out)
    except ValueError:
        doc = None
    return rc, doc, err


def expert(doc, module):
    for e in (doc or {}).get("experts", []):
        if e["module"] == module:
            return e
    return None


def protocols(e):
    return {ev["values"]["Protocol"]: ev["values"]["Frames"] for ev in (e or {}).get("events", [])
            if "Protocol" in ev["values"]}


def values(e):
    return {str(ev["values"]["Value"]): ev["values"]["Count"] for ev in (e or {}).get("events", [])
            if ev["ident"] != 1 and "Value" in ev["values"]}


# ---- probing: failures are errors that name the parser ---------------------
for name, words in (("crash_load", "crashed while loading"), ("loop_load", "did not finish loading"),
                    ("bad_name", "CreateProtocol refused"), ("taken_name", "already taken")):
    path = os.path.join(PARSERS, "px_%s.so" % name)
    rc, out, err = t.run("run", CAP, *EXPERTS, "-e", "protdist", "--no-progress", "--parser", path, timeout=60)
    t.check("probe %s: exit 2 with a message naming it" % name,
            rc == 2 and path in err and words in err, (rc, err))
rc, out, err = t.run("run", CAP, *EXPERTS, "-e", "protdist", "--parser", t.path("nosuch.so"))
t.check("a missing parser is an error", rc == 2 and "nosuch.so" in err, (rc, err))

rc, doc, err = run_json("-e", "protdist", "--parser", HBEAT)

# ---- the example parser ------------------------------------------------------
pd = expert(doc, "protdist")
t.check("protdist with --parser hbeat.so completes", rc == 0 and pd and pd["outcome"] == "completed", (rc, err))
got = protocols(pd)
t.check("protdist counts hbeat (lower case) in the three heartbeats", got.get("hbeat") == 3, got)
t.check("the datagram that is not a heartbeat is udp only", got.get("udp") == len(FRAMES) and got.get("hbeat") == 3, got)
t.check("without the parser there is no hbeat", "hbeat" not in protocols(expert(run_json("-e", "protdist")[1], "protdist")))

for prop, want in (("hbeat.sequence", {"1": 2, "2": 1}), ("HBEAT.Sequence", {"1": 2, "2": 1}),
                   ("hbeat.node", {"alpha": 2, "beta": 1}), ("HBEAT.Interval", {"30": 2, "3600": 1}),
                   ("hbeat.state", {"0": 1, "1": 1, "3": 1})):
    rc, doc, err = run_json("-e", "propdist", "--set", "propdist.property=" + prop, "--parser", HBEAT)
    e = expert(doc, "propdist")
    t.check("propdist %s" % prop, rc == 0 and e and e["outcome"] == "completed" and values(e) == want,
            (rc, err, e and e["message"], values(e)))

user = os.path.join(t.fixtures, "fx_parser_user.so")
rc, doc, err = run_json("-e", user, "--parser", HBEAT)
e = expert(doc, "fx_parser_user")
cols = e["events"][0]["values"] if e and e["events"] else {}
t.check("an expert finds HBEAT.Sequence by GetProtocolFromName/GetProperty/FindPropertyInstance",
        rc == 0 and cols.get("Label") == "Sequence" and cols.get("Type") == 0x0C and cols.get("Frames") == 3
        and cols.get("Sum") == 4 and cols.get("Protocol Id", 0) > 0, (rc, err, e and e["message"], cols))
rc, doc, err = run_json("-e", "propdist", "--set", "propdist.property=hbeat.sequence", "-Y", "hbeat.state == 3",
                        "--parser", HBEAT)
t.check("-Y on a parser's field", rc == 0 and values(expert(doc, "propdist")) == {"2": 1}, (rc, err))
rc, doc, err = run_json("-e", "protdist", "-Y", "hbeat", "--parser", HBEAT)
t.check("-Y on a parser's protocol", rc == 0 and protocols(expert(doc, "protdist")).get("hbeat") == 3, (rc, err))

pdir = t.path("parsers.d")
os.mkdir(pdir)
shutil.copy(HBEAT, os.path.join(pdir, "hbeat.so"))
rc, doc, err = run_json("-e", "protdist", "--parsers-dir", pdir)
t.check("--parsers-dir loads every parser in it", rc == 0 and protocols(expert(doc, "protdist")).get("hbeat") == 3,
        (rc, err))

rc, out, err = t.run("run", CAP, *EXPERTS, "-e", "protdist", "--isolation", "none", "--parser", HBEAT)
t.check("--isolation none refuses parsers", rc == 2 and "isolation" in err, (rc, err))

# ---- hostile parsers inside AttachProperties --------------------------------
good_args = ["-e", "protdist", "-e", "propdist", "--set", "propdist.property=tprobe.value", "-e", FRAMESIZE]
rc, doc, err = run_json(*good_args, "--parser", os.path.join(PARSERS, "px_good.so"))
t.check("the good fixture parser: all complete, tprobe.value 42 and 1",
        rc == 0 and values(expert(doc, "propdist")) == {"42": 1, "1": 1}, (rc, err, doc and [e["outcome"] for e in doc["experts"]]))
rc, doc2, err = run_json("-e", "propdist", "--set", "propdist.property=tprobe.summary", "--parser",
                         os.path.join(PARSERS, "px_good.so"))
t.check("a property's text is what the parser's FormatProperties writes",
        rc == 0 and values(expert(doc2, "propdist")) == {"probe of kind 7": 1, "probe of kind 9": 1}, (rc, err, doc2 and values(expert(doc2, "propdist"))))
got = protocols(expert(doc, "protdist"))
t.check("PROTOCOL_STATUS_NEXT_PROTOCOL from a hand-off table: DNS after TPROBE kind 9",
        got.get("tprobe") == 2 and got.get("dns") == 1, got)

for name, extra, outcome in (("crash_attach", [], "crashed"), ("loop_attach", ["--timeout", "3", "--grace", "1"], "timed_out")):
    path = os.path.join(PARSERS, "px_%s.so" % name)
    rc, doc, err = run_json(*good_args, *extra, "--parser", path, timeout=120)
    pd, pp, fs = expert(doc, "protdist"), expert(doc, "propdist"), expert(doc, "framesize")
    t.check("%s: the run exits 1" % name, rc == 1, (rc, err))
    t.check("%s: propdist %s, and the report names the parser" % (name, outcome),
            pp is not None and pp["outcome"] == outcome and path in pp["message"], pp and (pp["outcome"], pp["message"]))
    t.check("%s: protdist (no properties) completes and counts tprobe" % name,
            pd is not None and pd["outcome"] == "completed" and protocols(pd).get("tprobe") == 2, pd and pd["outcome"])
    t.check("%s: framesize (no parsing) completes" % name, fs is not None and fs["outcome"] == "completed",
            fs and fs["outcome"])

rc, doc, err = run_json("-e", "propdist", "--set", "propdist.property=tprobe.value", "--parser",
                        os.path.join(PARSERS, "px_garbage.so"))
line = [l for l in err.splitlines() if l.startswith("garbage:")]
ok = False
if line:
    calls, refused, accepted = [int(w) for w in line[0].replace(",", "").split() if w.isdigit()]
    ok = calls > 1000 and calls == refused + accepted and refused > accepted
t.check("garbage to AttachPropertyInstance(Ex)/FormatPropertyInstance is refused, not a crash",
        rc == 0 and ok and values(expert(doc, "propdist")) == {"42": 1, "1": 1}, (rc, line, err[-400:]))

sys.exit(t.done())
