#!/usr/bin/env python3
"""End-to-end tests of the ways a capture reaches nmexpert (docs/capture.md,
"Inputs"): a file named as an argument or with -r, standard input ("-"),
gzip-, zstd- and lz4-compressed files (recognised by content, decoded with
zlib, libzstd and liblz4), and several files merged in time order as
mergecap merges them.

The same capture read every way gives the same report, apart from the
names of the inputs and the run's timings.  Bad inputs of each kind (corrupt
or truncated compressed data, a decompression past the limit, stdin named
twice, an empty stdin) are a message and exit status 2.  tshark's
"-o PREF:VALUE" habit is a usage error, not a report file of that name.

Run by ctest with NMEXPERT, EXPERTS and DATA in the environment.
"""
import gzip
import json
import os
import re
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nmxtest import T  # noqa: E402

t = T("nmx-inputs-")
EXP = ["--experts-dir", t.experts, "--no-progress"]
# Default experts plus the two that need a setting to report anything.
RUN = EXP + ["-e", "protdist", "-e", "topuser", "-e", "tcpretrans", "-e", "resptime"]


def pcap_records(path):
    """(global header, [record bytes]) of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    recs, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        recs.append(data[off:off + 16 + incl])
        off += 16 + incl
    return data[:24], recs


def write_pcap(path, header, recs):
    with open(path, "wb") as f:
        f.write(header)
        for r in recs:
            f.write(r)
    return path


def normalised(report_json):
    """The report without what names the inputs or measures the run."""
    d = json.loads(report_json)
    d["run"].pop("captures", None)
    for k in ("path", "files", "compression", "format_detail"):
        d["capture"].pop(k, None)
    for e in d["experts"]:
        for k in ("elapsed_ms", "peak_rss_bytes"):
            e.pop(k, None)
        for ev in e["events"]:
            ev.pop("frame_files", None)  # the input names of frames, in merged captures
    return d


def report(*inputs, stdin=None, fmt="json"):
    rc, out, err = t.run("run", *inputs, *RUN, "--format", fmt, stdin=stdin)
    return rc, out, err


src = os.path.join(t.data, "retrans.pcap")
header, recs = pcap_records(src)
t.check("the sample capture has frames to split", len(recs) >= 30, len(recs))
raw = open(src, "rb").read()

# ---- every way of reading the same capture gives the same report --------------
rc, base_out, err = report(src)
t.check("the file itself: exit 0", rc == 0, err)
base = normalised(base_out)

plain = shutil.copy(src, t.path("c.pcap"))
gz = t.path("c.pcap.gz")
with gzip.open(gz, "wb") as f:
    f.write(raw)
zst = t.path("c.pcap.zst")
lz4 = t.path("c.pcap.lz4")
tools_ok = True
for cmd in (["zstd", "-q", "-f", plain, "-o", zst], ["lz4", "-q", "-f", plain, lz4]):
    try:
        subprocess.run(cmd, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        tools_ok = t.check("compress with %s" % cmd[0], False, e)
# Named to hide what they are: compression is recognised by content.
disguised = shutil.copy(gz, t.path("gzip-named.pcap"))
third = len(recs) // 3
parts = [write_pcap(t.path("part%d.pcap" % k), header, recs[a:b])
         for k, (a, b) in enumerate([(0, third), (third, 2 * third), (2 * third, len(recs))])]
# Rotated files in their natural order, and named in the wrong order.
ways = {
    "-r FILE": (["-r", plain], None),
    "stdin": (["-"], raw),
    "gzip": ([gz], None),
    "gzip named .pcap": ([disguised], None),
    "gzip on stdin": (["-"], open(gz, "rb").read()),
    "zstd": ([zst], None),
    "lz4": ([lz4], None),
    "three files": (parts, None),
    "three files named out of order": ([parts[2], parts[0], parts[1]], None),
    "three files with -r": (["-r", parts[0], "-r", parts[1], "-r", parts[2]], None),
}
for name, (inputs, stdin) in ways.items():
    if not tools_ok and name in ("zstd", "lz4"):
        continue
    rc, out, err = report(*inputs, stdin=stdin)
    ok = rc == 0
    got = normalised(out) if ok else None
    t.check("%s: the same report as the file" % name, ok and got == base,
            err if not ok else "reports differ")

# The text report too, apart from the capture line(s) and the timings.
def text_body(out):
    lines = [ln for ln in out.splitlines() if not ln.startswith(("Capture", "  file "))]
    # Frames named with their file ("29 (part1.pcap:15)") in merged captures,
    # which widens those columns.
    return [" ".join(re.sub(r" \([^()]*:\d+\)", "", re.sub(r" - \d+ ms,", " - ms,", ln)).split())
            for ln in lines]


rc1, a, _ = report(src, fmt="text")
rc2, b, err = report(*parts, fmt="text")
t.check("three files: the same text report", rc1 == 0 and rc2 == 0 and text_body(a) == text_body(b), err)
t.check("three files: the text report names them", all(os.path.basename(p) in b for p in parts)
        and "merged in time order" in b, b[:400])
rc, out, err = report(*parts)
files = json.loads(out)["capture"]["files"] if rc == 0 else []
t.check("three files: the JSON report lists each with its frames",
        [f["frames"] for f in files] == [third, third, len(recs) - 2 * third], files)
rc, out, err = report(gz)
t.check("gzip: the JSON report says so", rc == 0 and json.loads(out)["capture"]["compression"] == "gzip", err)

# Frames dealt round-robin over three files come back in time order.
times = [struct.unpack("<II", r[:8]) for r in recs]
if all(times[i] < times[i + 1] for i in range(len(times) - 1)):
    rr = [write_pcap(t.path("rr%d.pcap" % k), header, recs[k::3]) for k in range(3)]
    rc, out, err = report(*rr)
    t.check("interleaved files: merged in time order", rc == 0 and normalised(out) == base, err)
else:
    t.check("sample has strictly increasing times (for the interleaving check)", False)

# Reports name the file of each frame they name: frame N of the merged
# capture is frame k of file f, as the round-robin split put it.
if all(times[i] < times[i + 1] for i in range(len(times) - 1)):
    rc, out, err = t.run("run", *rr, *EXP, "-e", "tcpretrans", "--format", "json")
    evs = json.loads(out)["experts"][0]["events"] if rc == 0 else []
    named = [(ev["values"]["Frame"], ev.get("frame_files", {}).get("Frame")) for ev in evs if "Frame" in ev["values"]]
    want = [(n, "%s:%d" % (rr[(n - 1) % 3], (n - 1) // 3 + 1)) for n, _ in named]
    t.check("merged: each frame a report names carries its file and number there",
            named and named == want, (named[:3], want[:3]))
    rc, text, err = t.run("run", *rr, *EXP, "-e", "tcpretrans")
    t.check("merged: the text report names them too", rc == 0 and named and
            ("%d (%s)" % (named[0][0], named[0][1])) in text, text[:600])
    saved = t.path("merged.json")
    with open(saved, "w") as f:
        f.write(out)
    rc2, again, err = t.run("report", saved)
    t.check("merged: report FILE.json keeps the frames' files",
            rc2 == 0 and re.sub(r"\d+ ms", "", again) == re.sub(r"\d+ ms", "", text), err)

# ---- info: each file on its own, as capinfos -------------------------------------
rc, out, err = t.run("info", "--format", "json", *parts, zst if tools_ok else gz)
caps = json.loads(out).get("captures", []) if rc == 0 else []
t.check("info: several files, one object each", rc == 0 and len(caps) == 4
        and sum(c["frames"] for c in caps[:3]) == len(recs), err)
rc, out, err = t.run("info", parts[0], t.path("missing.pcap"), parts[1])
t.check("info: a missing file is reported and the others described",
        rc == 2 and "missing.pcap" in err and out.count("File:") == 2, (rc, err))
rc, out, err = t.run("info", "-", stdin=open(gz, "rb").read())
t.check("info: gzip on standard input", rc == 0 and "(standard input)" in out and "gzip" in out, err)

# ---- bad input: a message and exit 2 ------------------------------------------------
gzdata = open(gz, "rb").read()
bad = {
    "truncated gzip": gzdata[:len(gzdata) // 2],
    "corrupt gzip": gzdata[:20] + bytes(200) + gzdata[220:],
    "zstd magic then garbage": b"\x28\xb5\x2f\xfd" + bytes(range(256)) * 4,
    "lz4 magic then garbage": b"\x04\x22\x4d\x18" + b"\xff" * 64,
}
if tools_ok:
    z = open(zst, "rb").read()
    bad["truncated zstd"] = z[:len(z) // 2]
    l4 = open(lz4, "rb").read()
    bad["truncated lz4"] = l4[:len(l4) // 2]
for name, data in bad.items():
    p = t.path(name.replace(" ", "_"))
    with open(p, "wb") as f:
        f.write(data)
    rc, out, err = t.run("run", p, *EXP)
    t.check("%s: exit 2 with a message naming the file" % name,
            rc == 2 and p in err and out == "", (rc, err))
rc, out, err = t.run("run", gz, *EXP, env={"NMEXPERT_DECOMPRESS_LIMIT": "8K"})
t.check("decompression past NMEXPERT_DECOMPRESS_LIMIT: refused, naming the variable",
        rc == 2 and "NMEXPERT_DECOMPRESS_LIMIT" in err, (rc, err))
rc, out, err = t.run("run", "-", *EXP, stdin=raw, env={"NMEXPERT_DECOMPRESS_LIMIT": "8K"})
t.check("standard input past the limit: refused", rc == 2 and "NMEXPERT_DECOMPRESS_LIMIT" in err, (rc, err))
rc, out, err = t.run("run", "-", "-", *EXP, stdin=raw)
t.check("standard input named twice: exit 2", rc == 2 and "only once" in err, (rc, err))
rc, out, err = t.run("run", "-", *EXP, stdin=b"")
t.check("empty standard input: exit 2, 'empty'", rc == 2 and "empty" in err, (rc, err))
rc, out, err = t.run("run", plain, t.path("nope.pcap"), *EXP)
t.check("one of several files missing: exit 2 naming it", rc == 2 and "nope.pcap" in err, (rc, err))
rc, out, err = t.run("run", "-r", *EXP)
t.check("-r without a file: usage error", rc == 2, (rc, err))

# ---- tshark's -o PREF:VALUE is not a report file name ------------------------------
cwd = os.getcwd()
os.chdir(t.tmp)
rc, out, err = t.run("run", plain, *EXP, "-o", "topuser.count:5")
t.check("-o topuser.count:5: usage error pointing at --set", rc == 2 and "--set topuser.count=5" in err,
        (rc, err))
t.check("-o topuser.count:5: no file of that name written", not os.path.exists("topuser.count:5"))
os.chdir(cwd)

sys.exit(t.done())
