#!/usr/bin/env python3
"""big_capture.py - what a user sees on a capture larger than a few GB:
when the first progress line appears, how long the default run takes, and
each expert's peak resident memory (issue targets: first line within 1 s,
every expert under 64 MiB).

nmexpert runs on a pseudo-terminal, as in an analyst's shell, with its
default options (process isolation, one job per CPU, the default experts);
the report goes to a JSON file read afterwards for the peak RSS figures.

usage: big_capture.py --nmexpert PATH --experts DIR CAPTURE [-- RUN OPTIONS...]

The capture is not in git: bench/experts/README.md says how to make one
(mergecap -a of bench/out/bulk.pcap nineteen times: 4.4 GB, 4.76 M frames).
"""
import argparse
import json
import os
import pty
import select
import subprocess
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nmexpert", required=True)
    ap.add_argument("--experts", required=True)
    ap.add_argument("capture")
    ap.add_argument("run_options", nargs="*")
    a = ap.parse_args()
    out = tempfile.NamedTemporaryFile(suffix=".json", delete=False)
    out.close()
    argv = [a.nmexpert, "run", a.capture, "--experts-dir", a.experts, "--format", "json", "-o", out.name,
            *a.run_options]
    master, slave = pty.openpty()
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    first = None
    first_line = ""
    data = b""
    while True:
        r, _, _ = select.select([master], [], [], 0.05)
        if not r:
            if p.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
        if first is None and b"[" in data:
            first = time.monotonic() - t0
            first_line = data.decode(errors="replace").replace("\r", "\n").strip().split("\n")[0]
    rc = p.wait()
    wall = time.monotonic() - t0
    os.close(master)
    rep = json.load(open(out.name))
    os.unlink(out.name)
    size = os.path.getsize(a.capture)
    print("capture: %s (%.2f GB, %d frames)" % (a.capture, size / 1e9, rep["capture"]["frames"]))
    print("exit status %d, wall %.1f s, first progress line after %s s: %s" % (
        rc, wall, "%.2f" % first if first is not None else "never", first_line[:100]))
    print("| expert | outcome | wall s | peak RSS MiB |")
    print("|---|---|---:|---:|")
    for e in rep["experts"]:
        print("| %s | %s | %.1f | %.1f |" % (e["module"], e["outcome"], e["elapsed_ms"] / 1000.0,
                                           e.get("peak_rss_bytes", 0) / 1048576.0))
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
