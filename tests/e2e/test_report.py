#!/usr/bin/env python3
"""End-to-end tests of what the report says about a run (man nmexpert,
JSON OUTPUT): how many frames each expert read after -Y, compared with
the frames tshark selects with the same filter.

Run by ctest with NMEXPERT, EXPERTS and DATA in the environment.  Exit
status 77 (ctest: skipped) when tshark is not installed.
"""
import json
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
