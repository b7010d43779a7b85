#!/usr/bin/env python3
"""SDK conformance as an independent expert author meets it (spec
shared/spec/expert-api.md): compiles tests/sdk/conform_expert.c (C17) and the
1998-style tests/sdk/netmon98_expert.c (as C and as C++, -Wall -Wextra
-Werror) with only the SDK headers, and runs them with nmexpert in both
isolation modes.

Environment: NMEXPERT (the program), SRC (the source tree), DATA (captures),
SANITIZE=1 when the build uses ASan (the conformance expert then too).
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from nmxtest import with_columns  # noqa: E402  (the report's events as typed cells)

NMEXPERT = os.environ["NMEXPERT"]
SRC = os.environ["SRC"]
DATA = os.environ["DATA"]
SANITIZE = os.environ.get("SANITIZE") == "1"
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  -- " + str(detail)[:2000]))
    if not cond:
        failures.append(name)


tmp = tempfile.mkdtemp(prefix="nmx-conform-", dir=os.environ.get("TMPDIR"))
os.environ["XDG_CONFIG_HOME"] = os.path.join(tmp, "config")
inc = ["-I", os.path.join(SRC, "include"), "-I", os.path.join(SRC, "include", "win32")]
warn = ["-Wall", "-Wextra", "-Werror"]


def compile_expert(cc, src, out, extra=()):
    p = subprocess.run([cc, "-shared", "-fPIC", *warn, *inc, *extra, src, "-o", out],
                       capture_output=True, text=True)
    return p.returncode == 0, p.stderr


def run(*args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([NMEXPERT, *args], capture_output=True, text=True, timeout=300, env=e)
    return p.returncode, p.stdout, p.stderr


def run_json(capture, experts, isolation, extra=()):
    args = ["run", capture, "--format", "json", "--no-progress", "--isolation", isolation, *extra]
    for x in experts:
        args += ["-e", x]
    rc, out, err = run(*args)
    try:
        return rc, with_columns(json.loads(out))["experts"], err
    except ValueError:
        return rc, [], err + out


def values(e):
    return {ev["ident"]: ev["columns"][1]["value"] for ev in e["events"] if len(ev["columns"]) == 2}


def netmon20_capture(path):
    """A NetMon 2.0 file whose first frame is 780 us after the header's start."""
    frame = bytes.fromhex("001122334455 66778899aabb 0800".replace(" ", "")) + \
        bytes([0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]) + bytes(26)
    offsets = [780, 1780]
    recs = b""
    table = []
    pos = 128
    for ts in offsets:
        rec = struct.pack("<qII", ts, len(frame), len(frame)) + frame
        table.append(pos)
        recs += rec
        pos += len(rec)
    systime = struct.pack("<8H", 2024, 1, 2, 2, 3, 4, 5, 678)
    hdr = b"GMBU" + bytes([0, 2]) + struct.pack("<H", 1) + systime
    hdr += struct.pack("<II", pos, 4 * len(table)) + bytes(128 - len(hdr) - 8)
    with open(path, "wb") as f:
        f.write(hdr + recs + b"".join(struct.pack("<I", o) for o in table))


try:
    # ---- compile ------------------------------------------------------------
    experts = os.path.join(tmp, "experts")
    os.makedirs(experts)
    conform = os.path.join(experts, "conform_expert.so")
    san = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer"] if SANITIZE else []
    ok, err = compile_expert("cc", os.path.join(SRC, "tests/sdk/conform_expert.c"), conform, ["-std=c17", *san])
    check("conform_expert.c compiles (C17, -Wall -Wextra -Werror)", ok, err)
    legacy = os.path.join(SRC, "tests/sdk/netmon98_expert.c")
    check("the 1998-style expert has at least 300 lines", sum(1 for _ in open(legacy)) >= 300)
    talkers_c = os.path.join(experts, "talkers98.so")
    talkers_cpp = os.path.join(experts, "talkers98cpp.so")
    ok_c, err = compile_expert("cc", legacy, talkers_c)
    check("1998-style expert compiles unchanged as C", ok_c, err)
    ok_cpp, err = compile_expert("c++", legacy, talkers_cpp, ["-x", "c++"])
    check("1998-style expert compiles unchanged as C++", ok_cpp, err)
    if failures:
        raise SystemExit

    http = os.path.join(DATA, "http.pcap")
    nm20 = os.path.join(tmp, "start780.cap")
    netmon20_capture(nm20)
    rawcfg = os.path.join(tmp, "cfg.bin")
    with open(rawcfg, "wb") as f:
        f.write(bytes(range(1, 37)))  # 36 bytes, the last one non-zero
    # .ini files next to the modules (GetModuleFileName + GetPrivateProfileString)
    for name in ("talkers98", "talkers98cpp"):
        with open(os.path.join(experts, name + ".ini"), "w") as f:
            f.write("; settings\n[Talkers]\nMinFrames = 45\nTitle=From the ini\n")

    for iso in ("process", "none"):
        # ---- the conformance expert ---------------------------------------------
        rc, res, err = run_json(http, [conform], iso, ["--config", "conform_expert=" + rawcfg])
        e = res[0] if res else {}
        v = values(e) if e else {}
        check("[%s] conformance expert completed" % iso, rc == 0 and e.get("outcome") == "completed", (rc, err))
        check("[%s] RawConfigLength exact (4 + 36)" % iso, v.get(1) == 40, v.get(1))
        check("[%s] address helpers never write past sizeof(ADDRESS)" % iso, v.get(2) == 1, v)
        check("[%s] addresses into ADDRESS found" % iso, v.get(3) == 6, v.get(3))
        check("[%s] IPv6 into an ADDRESS refused, not overrun" % iso, v.get(4) == 2, v.get(4))
        check("[%s] CompareFrameDestAddress/CompareAddresses/FindNextFrame take ADDRESS" % iso, v.get(5) == 1)
        check("[%s] wsprintf with Windows integer widths" % iso, v.get(20) == 1,
              [ev["columns"][0]["value"] for ev in e.get("events", []) if ev["ident"] == 20])
        check("[%s] a 300 KiB event string accepted" % iso, v.get(31) == 1)
        check("[%s] HeapAlloc/GlobalAlloc/LocalAlloc through the expert heap" % iso,
              v.get(40) == 1 and v.get(41) == 1)
        check("[%s] ... and reclaimed with the session" % iso,
              e.get("memory", {}).get("reclaimed_bytes", 0) >= 9000, e.get("memory"))
        check("[%s] GetLastError/SetLastError" % iso, v.get(42) == 1)
        check("[%s] GetModuleFileName names the expert" % iso, v.get(50) == 1)
        check("[%s] ModifyFrame gives a private copy" % iso, v.get(60) == 1)
        check("[%s] .ini profile functions" % iso, v.get(70) == 1)
        check("[%s] report: percent_done and frame" % iso,
              e.get("percent_done") == 100 and e.get("frame") == 0, (e.get("percent_done"), e.get("frame")))

        rc, res, err = run_json(os.path.join(DATA, "ipv6.pcap"), [conform], iso)
        v = values(res[0]) if res else {}
        check("[%s] IPv6 into ADDRESS2 (C11 _Generic form)" % iso, v.get(6) == 1 and v.get(2) == 1, v)

        rc, res, err = run_json(nm20, [conform], iso)
        v = values(res[0]) if res else {}
        check("[%s] NetMon 2.0: pFrame->TimeStamp is the record's 780 us" % iso, v.get(10) == 780, v.get(10))
        check("[%s] NetMon 2.0: GetCaptureTimeStamp is the header's start" % iso, v.get(11) == 678, v.get(11))
        check("[%s] NetMon 2.0: GetFrameTimeStamp agrees" % iso, v.get(12) == 1)

        # ---- the 1998-style expert, as C and as C++ ------------------------------
        rc, res, err = run_json(http, [talkers_c, talkers_cpp], iso)
        check("[%s] 1998-style expert runs (C and C++)" % iso,
              rc == 0 and len(res) == 2 and all(x["outcome"] == "completed" for x in res), (rc, err))
        for x in res:
            by = {}
            for ev in x["events"]:
                by.setdefault(ev["ident"], []).append(ev)
            stations = by.get(1, [])
            summary = by.get(2, [{}])[0]
            cols = {c["name"]: c["value"] for c in summary.get("columns", [])}
            setting = by.get(3, [{}])[0].get("columns", [{}])[0].get("value")
            check("[%s] %s: .ini settings read (MinFrames 45, Title)" % (iso, x["module"]),
                  setting == 45 and cols.get("Title") == "From the ini", (setting, cols))
            check("[%s] %s: 91 frames counted, stations >= 45 frames reported" % (iso, x["module"]),
                  cols.get("Frames") == 91 and len(stations) == 1 and stations[0]["columns"][1]["value"] == 49,
                  (cols, [s["columns"] for s in stations]))
            check("[%s] %s: HeapAlloc'd blocks freed, nothing reclaimed" % (iso, x["module"]),
                  x["memory"]["reclaimed_bytes"] == 0 and x["memory"]["allocations"] >= 2, x["memory"])

    # ---- configure: Configure gets NULL, then the stored configuration ----------
    cfg = ["configure", "conform_expert", "--experts-dir", experts]
    rc, out, err = run(*cfg)
    rc2, shown, _ = run(*cfg, "--show")
    check("configure with nothing stored calls Configure with NULL", rc == 0 and shown.strip() == "null",
          (rc, err, shown))
    rc, out, err = run(*cfg)
    rc2, shown, _ = run(*cfg, "--show")
    check("configure again gets the stored binary configuration (RawConfigLength 8)",
          rc == 0 and shown.strip() == "n=8", (rc, err, shown))
    rc, res, err = run_json(http, [conform], "process", ["--experts-dir", experts])
    check("the stored configuration reaches Run exactly (4 + 3)", res and values(res[0]).get(1) == 7,
          res and values(res[0]).get(1))

    # ---- no experts: NMERR_NO_DLLS_FOUND ---------------------------------------
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty)
    rc, out, err = run("list", "--experts-dir", empty, env={"NMEXPERT_EXPERTS_DIR": empty})
    check("list with no experts -> nonzero, NMERR_NO_DLLS_FOUND (121)", rc != 0 and "121" in err, (rc, out, err))
    # The installed experts directory is hidden too: a tree whose build was
    # also installed (scripts/demo.sh installs under ./_install) finds experts there.
    rc, out, err = run("run", http, "--experts-dir", empty, env={"NMEXPERT_EXPERTS_DIR": empty})
    check("run with no experts -> nonzero, NMERR_NO_DLLS_FOUND (121)", rc != 0 and "121" in err, (rc, err))
except SystemExit:
    pass
finally:
    shutil.rmtree(tmp, True)

print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
