#!/usr/bin/env python3
"""End-to-end tests of what the report says about a run (man nmexpert,
JSON OUTPUT):

- JSON report version 2: the nmexpert version, the captures, the display
  filter, the range and each expert's settings are stated; columns are
  declared once per event kind with a type that does not change with the
  values; each event's values are keyed by column name;
- how many frames each expert read after -Y and the range, compared with
  the frames tshark selects with the same bounds as a filter;
- `nmexpert report FILE.json` writes the same text, CSV and JSON as the
  run did, and refuses what is not a version 2 report.

Run by ctest with NMEXPERT, EXPERTS and DATA in the environment.  Exit
status 77 (ctest: skipped) when tshark is not installed.
"""
import json
import re
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nmxtest import T  # noqa: E402

t = T("nmx-report-")
X = ["--experts-dir", t.experts, "--no-progress", "--format", "json"]


def report(*args):
    rc, out, err = t.run("run", *args, *X)
    t.check("run %s: exit 0" % " ".join(args[1:]), rc == 0, err)
    return json.loads(out) if rc == 0 else {"capture": {}, "experts": []}


def tshark_count(cap, flt):
    p = subprocess.run(["tshark", "-r", cap, "-Y", flt, "-T", "fields", "-e", "frame.number"],
                       capture_output=True, text=True)
    return len(p.stdout.split())


# ---- JSON report version 2 --------------------------------------------------------
cap = os.path.join(t.data, "http.pcap")
rc, version, _ = t.run("version")
d = report(cap, "-e", "protdist", "-e", "topuser", "-e", "tcpretrans", "--set", "topuser.count=3",
           "-Y", "tcp or udp", "--frames", "2-")
t.check("report_version 2 and the nmexpert version", d.get("report_version") == 2 and
        version.split()[-1] == d.get("nmexpert_version"), (d.get("report_version"), d.get("nmexpert_version")))
t.check("run: captures, display filter and range stated",
        d.get("run") == {"captures": [cap], "display_filter": "tcp or udp",
                         "range": {"first_frame": 2, "last_frame": None, "start": None, "end": None}},
        d.get("run"))
by = {e["module"]: e for e in d["experts"]}
t.check("settings per expert: what it ran with", by.get("topuser", {}).get("settings") == {"count": "3"}
        and by.get("protdist", {}).get("settings") is None, [(m, e.get("settings")) for m, e in by.items()])
ok_kinds = True
for e in d["experts"]:
    kinds = {k["ident"]: k for k in e["event_kinds"]}
    for ev in e["events"]:
        kd = kinds.get(ev["ident"])
        names = [c["name"] for c in kd["columns"]] if kd else []
        if kd is None or not set(ev["values"]) <= set(names):
            ok_kinds = False
t.check("every event's values are keyed by the columns its kind declares", ok_kinds and d["experts"])
pd = by.get("protdist", {})
cols = {c["name"]: c for k in pd.get("event_kinds", []) for c in k["columns"]}
t.check("protdist declares its counts as integers (uint64), its shares as numbers",
        cols.get("Frames", {}).get("type") == "integer" and cols.get("Frames", {}).get("netmon_type") == "uint64"
        and cols.get("Bytes", {}).get("type") == "integer" and cols.get("% Frames", {}).get("type") == "number",
        cols)
tcp = [ev["values"] for ev in pd.get("events", []) if ev["values"].get("Protocol") == "tcp"]
t.check("a value by name: protdist's tcp frames are an integer", len(tcp) == 1 and isinstance(tcp[0]["Frames"], int)
        and tcp[0]["Frames"] > 0, tcp)

# ---- report FILE.json: the run's own renderings again -----------------------------------
saved = t.path("saved.json")
args = [cap, "-e", "protdist", "-e", "topuser", "-e", "tcpretrans", "--set", "topuser.count=3", "--no-progress",
        "--experts-dir", t.experts]
rc, _, err = t.run("run", *args, "--format", "json", "-o", saved)
t.check("run -o saved.json", rc == 0, err)
for fmt in ("text", "csv", "json"):
    rc1, direct, _ = t.run("run", *args, "--format", fmt)
    rc2, again, err = t.run("report", saved, "--format", fmt)
    if fmt == "json":
        a, b = json.loads(direct), json.loads(again) if rc2 == 0 else {}
        for doc in (a, b):
            for e in doc.get("experts", []):
                e.pop("elapsed_ms", None)
                e.pop("peak_rss_bytes", None)
        same = a == b
    else:
        strip = lambda text: re.sub(r"\b\d+ ms\b", "N ms", text)
        same = strip(direct) == strip(again)
    t.check("report saved.json --format %s: what run --format %s writes" % (fmt, fmt), rc2 == 0 and same,
            err if rc2 else "outputs differ")
rc, out, err = t.run("report", "-", "--format", "text", stdin=open(saved, "rb").read())
t.check("report - reads standard input", rc == 0 and "Protocol Distribution" in out, err)
bad = t.path("bad.json")
for name, text in (("not JSON", "{nope"), ("version 1", '{"capture": {}, "experts": []}'),
                   ("wrong member", '{"report_version": 2, "nmexpert_version": "x", "run": {"captures": ["a"], '
                                    '"display_filter": null, "range": null}, "capture": {}, "experts": 5}')):
    with open(bad, "w") as f:
        f.write(text)
    rc, out, err = t.run("report", bad)
    t.check("report of %s: exit 2 with the reason" % name, rc == 2 and "bad.json" in err and out == "", (rc, err))
rc, out, err = t.run("report", t.path("missing.json"))
t.check("report of a missing file: exit 2", rc == 2 and "missing.json" in err, (rc, err))

# ---- frames read ---------------------------------------------------------------------------
cap = os.path.join(t.data, "dns.pcap")
d = report(cap, "-e", "protdist", "-e", "topuser")
total = d["capture"].get("frames")
t.check("without -Y each expert reads every frame",
        d["experts"] and all(e["frames_read"] == total for e in d["experts"]), [e.get("frames_read") for e in d["experts"]])
if shutil.which("tshark") is None:
    print("tshark not installed: the comparison of -Y counts is skipped")
    sys.exit(77 if t.done() == 0 else 1)
for cap_name, flt in (("dns.pcap", "dns.flags.response == 1"), ("http.pcap", "tcp.len > 0"),
                      ("smb.pcap", "tcp.flags.syn == 1 or smb2")):
    cap = os.path.join(t.data, cap_name)
    d = report(cap, "-e", "protdist", "-e", "topuser", "-Y", flt)
    want = tshark_count(cap, flt)
    got = [e["frames_read"] for e in d["experts"]]
    t.check("%s -Y '%s': each expert read the %d frames tshark selects" % (cap_name, flt, want),
            got and all(g == want for g in got), got)

# --start, --end and --frames narrow what the experts read, as the same
# bounds written as a tshark filter do.
cap = os.path.join(t.data, "retrans.pcap")
first = subprocess.run(["tshark", "-r", cap, "-c", "1", "-T", "fields", "-e", "frame.time_epoch"],
                       capture_output=True, text=True).stdout.strip()
origin = float(first)
# The sample lasts 0.21 s: bounds inside it, and an ISO time 0.1 s in.
t_iso = origin + 0.1
iso_frac = "%s.%06dZ" % (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(t_iso))),
                         round((t_iso - int(t_iso)) * 1e6) % 1000000)
ranges = [
    (["--frames", "10-40"], "frame.number >= 10 and frame.number <= 40"),
    (["--frames", "50-"], "frame.number >= 50"),
    (["--frames", "-7"], "frame.number <= 7"),
    (["--start", "0.0025", "--end", "+0.2"], "frame.time_relative >= 0.0025 and frame.time_relative <= 0.2"),
    (["--start", iso_frac], "frame.time_relative >= 0.1"),
    (["--end", "@%.6f" % (origin + 0.0027)], "frame.time_relative <= 0.0027"),
    (["--frames", "5-60", "-Y", "tcp.len > 0"], "frame.number >= 5 and frame.number <= 60 and tcp.len > 0"),
]
for args, flt in ranges:
    d = report(cap, "-e", "protdist", *args)
    want = tshark_count(cap, flt)
    got = [e["frames_read"] for e in d["experts"]]
    t.check("%s: the %d frames of tshark -Y '%s'" % (" ".join(args), want, flt), got == [want] and want > 0, got)
for args, word in ((["--frames", "9-3"], "--frames"), (["--start", "yesterday"], "--start"),
                   (["--start", "2024-02-30T00:00:00"], "--start"), (["--end", "12:00"], "--end"),
                   (["--start", "5", "--end", "1"], "empty")):
    rc, out, err = t.run("run", cap, "--experts-dir", t.experts, *args)
    t.check("%s: exit 2, naming it" % " ".join(args), rc == 2 and word in err and out == "", (rc, err))
sys.exit(t.done())
