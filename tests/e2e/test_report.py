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
sys.exit(t.done())
