#!/usr/bin/env python3
"""End-to-end tests of the nmexpert command: every subcommand, every exit
status, every output format, Ctrl-C, and bad input of each kind.

Run by ctest with NMEXPERT (the program), FIXTURES (the fixture experts),
EXPERTS (the built-in experts) and DATA (the project's captures) in the
environment.  Each check prints one line; any failure makes the exit status 1.
"""
import atexit
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nmxtest import with_columns  # noqa: E402  (the report's events as typed cells)

NMEXPERT = os.environ["NMEXPERT"]
FIXTURES = os.environ["FIXTURES"]
DATA = os.environ["DATA"]
failures = []


def run(*args, timeout=120, env=None):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([NMEXPERT, *args], capture_output=True, text=True, timeout=timeout, env=e)
    return p.returncode, p.stdout, p.stderr


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  -- " + detail))
    if not cond:
        failures.append(name)


def fx(name):
    return os.path.join(FIXTURES, "fx_%s.so" % name)


CAP = os.path.join(DATA, "http.pcap")
tmp = tempfile.mkdtemp(prefix="nmx-e2e-")
atexit.register(shutil.rmtree, tmp, True)  # however the test ends
os.environ["XDG_CONFIG_HOME"] = os.path.join(tmp, "config")

# ---- usage errors: exit 2 with a message ------------------------------------
rc, out, err = run()
check("no arguments -> 2", rc == 2 and "usage" in err, err)
rc, out, err = run("frobnicate")
check("unknown command -> 2", rc == 2 and "unknown command" in err, err)
rc, out, err = run("run")
check("run without capture -> 2", rc == 2 and "capture" in err, err)
rc, out, err = run("run", "/nonexistent/x.pcap", "-e", fx("good"))
check("missing capture -> 2 naming it", rc == 2 and "/nonexistent/x.pcap" in err, err)
rc, out, err = run("run", CAP, "--format", "xml")
check("bad --format -> 2", rc == 2 and "--format" in err, err)
rc, out, err = run("run", CAP, "--jobs", "0")
check("bad --jobs -> 2", rc == 2 and "--jobs" in err, err)
rc, out, err = run("run", CAP, "--mem-limit", "lots")
check("bad --mem-limit -> 2", rc == 2 and "--mem-limit" in err, err)
rc, out, err = run("run", CAP, "--timeout", "-1")
check("bad --timeout -> 2", rc == 2 and "--timeout" in err, err)
rc, out, err = run("run", CAP, "--isolation", "thread")
check("bad --isolation -> 2", rc == 2 and "--isolation" in err, err)
rc, out, err = run("run", CAP, "--bogus")
check("unknown option -> 2", rc == 2 and "--bogus" in err, err)
rc, out, err = run("run", CAP, "-e")
check("option without value -> 2", rc == 2 and "needs a value" in err, err)
rc, out, err = run("run", CAP, "-e", "no-such-expert")
check("unknown expert name -> 2", rc == 2 and "no-such-expert" in err, err)
rc, out, err = run("run", CAP, "-e", fx("good"), "--set", "other.k=v")
check("--set for an expert not in the run -> 2", rc == 2 and "other" in err, err)
rc, out, err = run("run", CAP, "-e", fx("good"), "--set", "fx_good")
check("malformed --set -> 2", rc == 2 and "NAME.KEY=VALUE" in err, err)
rc, out, err = run("run", CAP, "-e", fx("good"), "--config", "fx_good=/nonexistent/cfg")
check("unreadable --config file -> 2", rc == 2 and "/nonexistent/cfg" in err, err)
rc, out, err = run("run", CAP, "-e", fx("good"), "-Y", "tcp.port ==")
check("bad display filter -> 2", rc == 2 and "filter" in err, err)
rc, out, err = run("run", CAP, "-e", fx("good"), "-Y", "(" * 40000 + "tcp" + ")" * 40000)
check("40,000 nested '(' -> 2 with the column, no crash", rc == 2 and "column 257:" in err
      and "nested" in err, "rc %d: %s" % (rc, err[-300:]))
rc, out, err = run("run", CAP, "extra-arg", "-e", fx("good"))
check("extra argument -> 2", rc == 2, err)

# ---- a clean run: exit 0 in every format ------------------------------------
rc, out, err = run("run", CAP, "-e", fx("good"))
check("text run -> 0", rc == 0, err)
check("text header names expert and outcome", "Fixture good (fx_good) - completed" in out, out)
check("text table has the column heading", "Frames" in out, out)

rc, out, err = run("run", CAP, "-e", fx("good"), "--format", "json")
check("json run -> 0", rc == 0, err)
try:
    doc = with_columns(json.loads(out))
    cap = doc["capture"]
    for key in ("path", "format", "frames", "bytes", "link_types", "first_time", "last_time"):
        check("json capture has " + key, key in cap)
    e = doc["experts"][0]
    for key in ("name", "module", "version", "outcome", "status", "substatus", "message",
                "elapsed_ms", "memory", "events"):
        check("json expert has " + key, key in e)
    for key in ("allocations", "frees", "peak_bytes", "live_bytes_at_end", "reclaimed_bytes",
                "reclaimed_blocks", "limit_bytes"):
        check("json memory has " + key, key in e["memory"])
    check("json outcome completed", e["outcome"] == "completed" and e["status"] == "done", str(e))
    frames = [ev for ev in e["events"] if ev["ident"] == 1][0]["columns"][0]
    check("json column typed", frames["name"] == "Frames" and frames["type"] == "uint32"
          and frames["value"] == cap["frames"], str(frames))
except (ValueError, KeyError, IndexError) as ex:
    check("json parses", False, repr(ex))

rc, out, err = run("run", CAP, "-e", fx("good"), "--format", "csv")
check("csv run -> 0", rc == 0, err)
rows = list(csv.reader(io.StringIO(out)))
check("csv has a header and rows", len(rows) >= 2 and rows[0][:4] == ["Expert", "Module", "Outcome", "Event"],
      str(rows[:2]))

outfile = os.path.join(tmp, "report.json")
rc, out, err = run("run", CAP, "-e", fx("good"), "--format", "json", "-o", outfile)
check("-o writes the file, stdout empty", rc == 0 and out == "" and json.load(open(outfile))["experts"],
      err)
rc, out, err = run("run", CAP, "-e", fx("good"), "-o", "/nonexistent/dir/report.txt")
check("-o to an unwritable place -> 2", rc == 2 and "/nonexistent/dir" in err, err)

# ---- settings ------------------------------------------------------------------
rc, out, err = run("run", CAP, "-e", fx("good"), "--set", "fx_good.mode=fast", "--format", "json")
ev = [x for x in with_columns(json.loads(out))["experts"][0]["events"] if x["ident"] == 3]
check("--set reaches Run as KEY=VALUE text", rc == 0 and ev and ev[0]["columns"][0]["value"] == "mode=fast\n",
      out[:400])
cfgfile = os.path.join(tmp, "raw.cfg")
open(cfgfile, "w").write("a=1\nb=2\n")
rc, out, err = run("run", CAP, "-e", fx("good"), "--config", "fx_good=" + cfgfile, "--set", "fx_good.b=3",
                   "--format", "json")
ev = [x for x in with_columns(json.loads(out))["experts"][0]["events"] if x["ident"] == 3]
check("--config then --set override", rc == 0 and ev and ev[0]["columns"][0]["value"] == "a=1\nb=3\n",
      out[:400])

rc, out, err = run("run", CAP, "-e", fx("bad_events"), "--format", "json")
try:
    ev = [e for e in with_columns(json.loads(out))["experts"][0]["events"] if e["ident"] == 7]
    check("text that is not UTF-8 keeps its value in JSON",
          rc == 0 and ev and ev[0]["columns"][0]["value"] == "caf\ufffd \ufffd", out[-400:])
except ValueError as ex:
    check("text that is not UTF-8 keeps its value in JSON", False, repr(ex))

# ---- startup information of a right-click start (spec 1.3, 4.3) --------------
def startup(*opts):
    rc, out, err = run("run", CAP, "-e", fx("startup"), "--format", "json", *opts)
    if rc != 0:
        return rc, err
    return rc, {e["columns"][0]["name"]: e["columns"][0]["value"] for e in with_columns(json.loads(out))["experts"][0]["events"]}
rc, v = startup()
check("no focus: frame INVALID, no protocol, no property, flag clear",
      rc == 0 and v["Frame"] == 4294967295 and v["ProtocolID"] == 65535 and v["HasProperty"] == 0
      and v["OverConfig"] == 0, str(v))
syn = subprocess.run(["tshark", "-r", CAP, "-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 0", "-T", "fields",
                      "-e", "frame.number"], capture_output=True, text=True).stdout.split() \
    if shutil.which("tshark") else []
if syn:
    rc, v = startup("--frame", syn[0], "--property", "tcp.flags", "--bit", "1")
    check("--frame/--property/--bit: instance, bit on, flag set", rc == 0 and v["Frame"] == int(syn[0]) - 1
          and v["ProtocolID"] == v["TcpID"] and v["HasProperty"] == 1 and v["BitNumber"] == 1 and v["BitOn"] == 1
          and v["OverConfig"] == 1 and v["Flags"] == 1, str(v))
    rc, v = startup("--frame", syn[0], "--property", "tcp.flags", "--bit", "4")
    check("--bit of a clear flag (ACK on a SYN) is off", rc == 0 and v["BitOn"] == 0, str(v))
rc, v = startup("--frame", "1", "--property", "dns.qry.name")
check("--property the frame lacks -> 2", rc == 2 and "has none" in v, str(v))
rc, v = startup("--frame", "999999")
check("--frame beyond the capture -> 2", rc == 2 and "frames" in v, str(v))
rc, v = startup("--protocol", "nosuchproto")
check("--protocol unknown -> 2", rc == 2 and "no such protocol" in v, str(v))

# ---- experts that do not complete: exit 1, others intact ---------------------
rc, out, err = run("run", CAP, "-e", fx("crash"), "-e", fx("unresolved"), "-e", fx("good"),
                   "--format", "json")
doc = with_columns(json.loads(out))
outcomes = [e["outcome"] for e in doc["experts"]]
check("crash and load failure -> exit 1", rc == 1, err)
check("outcomes crashed/load_failed/completed", outcomes == ["crashed", "load_failed", "completed"],
      str(outcomes))
check("load_failed carries the dlerror text", "undefined symbol" in doc["experts"][1]["message"],
      doc["experts"][1]["message"])

rc, out, err = run("run", CAP, "-e", fx("silent"), "-e", fx("good"), "--timeout", "0.3", "--grace", "0.3",
                   "--format", "json", "--jobs", "2")
doc = with_columns(json.loads(out))
check("timeout -> timed_out, exit 1", rc == 1 and doc["experts"][0]["outcome"] == "timed_out"
      and doc["experts"][1]["outcome"] == "completed", out[:300])

rc, out, err = run("run", CAP, "-e", fx("quota"), "--mem-limit", "256K", "--format", "json")
doc = with_columns(json.loads(out))
check("--mem-limit -> out_of_memory", rc == 1 and doc["experts"][0]["outcome"] == "out_of_memory"
      and doc["experts"][0]["memory"]["limit_bytes"] == 262144, out[:300])

rc, out, err = run("run", CAP, "-e", fx("leak"), "--format", "json", "--isolation", "none")
m = with_columns(json.loads(out))["experts"][0]["memory"]
check("in-process leak reclaimed", rc == 0 and m["reclaimed_bytes"] == 10000 and m["reclaimed_blocks"] == 10,
      str(m))

# ---- Ctrl-C: polite termination, partial results, exit 130 -------------------
p = subprocess.Popen([NMEXPERT, "run", CAP, "-e", fx("good"), "-e", fx("polite"), "--format", "json"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
time.sleep(1.0)
p.send_signal(signal.SIGINT)
try:
    out, err = p.communicate(timeout=30)
    doc = with_columns(json.loads(out))
    check("Ctrl-C -> exit 130", p.returncode == 130, str(p.returncode) + err)
    check("Ctrl-C keeps finished results and terminates the rest",
          [e["outcome"] for e in doc["experts"]] == ["completed", "terminated"], out[:300])
except subprocess.TimeoutExpired:
    p.kill()
    check("Ctrl-C ends the run", False, "still running after 30 s")

# ---- damaged capture: results for the good frames, exit 2 -------------------
damaged = os.path.join(tmp, "damaged.pcap")
raw = open(CAP, "rb").read()
open(damaged, "wb").write(raw[: len(raw) // 2 + 7])
rc, out, err = run("run", damaged, "-e", fx("good"), "--format", "json")
check("damaged capture -> 2 with a message naming the file", rc == 2 and damaged in err, err)
try:
    doc = with_columns(json.loads(out))
    check("damaged capture still reported", doc["experts"][0]["outcome"] == "completed"
          and doc["capture"]["damage"] is not None, out[:300])
except ValueError:
    check("damaged capture still reported", False, out[:300])
empty = os.path.join(tmp, "empty.pcap")
open(empty, "wb").close()
rc, out, err = run("run", empty, "-e", fx("good"))
check("zero-byte file -> 2", rc == 2 and empty in err, err)

# ---- the -Y display filter: experts that defer to it see what tshark -Y shows --
sample = os.path.normpath(os.path.join(DATA, "..", "..", "data", "sample.pcap"))
if shutil.which("tshark") and os.path.exists(sample):
    for expr in ["tcp.srcport == 80", "dns", "ip.src == 192.0.2.10 and tcp", "not arp",
                 "http.request.method == \"GET\"", "udp && !dns", "tcp.flags.syn == 1"]:
        rc, out, err = run("run", sample, "-e", fx("good"), "-Y", expr, "--format", "json")
        got = [e for e in with_columns(json.loads(out))["experts"][0]["events"] if e["ident"] == 1][0]["columns"][0]["value"] \
            if rc == 0 else None
        t = subprocess.run(["tshark", "-n", "-r", sample, "-Y", expr], capture_output=True, text=True)
        want = len(t.stdout.splitlines())
        check("-Y '%s' passes the frames tshark shows (%d)" % (expr, want), got == want, "got %s" % got)
else:
    print("skipped: -Y comparison (tshark or data/sample.pcap missing)")

# ---- list ------------------------------------------------------------------------
rc, out, err = run("list", "--experts-dir", FIXTURES, "--format", "json")
doc = with_columns(json.loads(out))
mods = {e["module"]: e for e in doc["experts"]}
check("list finds the fixtures", "fx_good" in mods and mods["fx_good"]["name"] == "Fixture good", out[:300])
check("list reports a broken module, exit 1", rc == 1 and mods["fx_unresolved"]["load_error"], out[:300])
for cmd in (["list"], ["configure", "fx_config"], ["run", CAP]):
    rc, out, err = run(*cmd, "--experts-dir", "/nonexistent/experts")
    check("%s --experts-dir of a missing directory -> 2, naming it" % cmd[0],
          rc == 2 and "experts directory /nonexistent/experts: No such file or directory" in err, (rc, err))
rc, out, err = run("list", "--experts-dir", FIXTURES)
check("list text", "fx_good" in out and "cannot load" in out, out[:300])

# ---- configure -------------------------------------------------------------------
rc, out, err = run("configure", "fx_config", "--experts-dir", FIXTURES, "--set", "x=1")
check("configure stores what Configure returns", rc == 0, err)
rc, out, err = run("configure", "fx_config", "--experts-dir", FIXTURES, "--show")
check("configure --show", rc == 0 and "x=1" in out, out + err)
rc, out, err = run("run", CAP, "--experts-dir", FIXTURES, "-e", "fx_config", "--format", "json")
ev = [x for x in with_columns(json.loads(out))["experts"][0]["events"] if x["ident"] == 3]
check("stored configuration reaches Run", rc == 0 and ev and ev[0]["columns"][0]["value"].startswith("x=1"),
      out[:300])
rc, out, err = run("configure", "fx_config", "--experts-dir", FIXTURES, "--reset")
check("configure --reset", rc == 0, err)
cfgdir = os.path.join(os.environ["XDG_CONFIG_HOME"], "nmexpert", "experts")
os.makedirs(cfgdir, exist_ok=True)
open(os.path.join(cfgdir, "fx_good.cfg"), "wb").write(b"\x40\x00\x00\x00short")
rc, out, err = run("run", CAP, "-e", fx("good"))
check("corrupt stored configuration: warned (naming the file), defaults used",
      rc == 0 and "fx_good.cfg: cannot read the stored configuration: corrupt" in err, err)
rc, out, err = run("configure", "fx_good", "--experts-dir", FIXTURES, "--show")
check("configure --show of a corrupt configuration -> 2",
      rc == 2 and "fx_good.cfg: cannot read the stored configuration: corrupt" in err, err)
open(os.path.join(cfgdir, "fx_config.cfg"), "wb").write(b"\x40\x00\x00\x00short")
rc, out, err = run("configure", "fx_config", "--experts-dir", FIXTURES, "--set", "x=2")
check("configure --set over a corrupt stored configuration -> 2, naming the file and --reset",
      rc == 2 and "fx_config.cfg: cannot read the stored configuration: corrupt" in err and "--reset" in err, err)
rc, out, err = run("configure", "fx_config", "--experts-dir", FIXTURES, "--reset")
check("configure --reset forgets a corrupt stored configuration", rc == 0, err)
os.remove(os.path.join(cfgdir, "fx_good.cfg"))
rc, out, err = run("configure", "fx_good", "--experts-dir", FIXTURES, "--set", "x=1")
check("configure a non-configurable expert -> 2", rc == 2 and "not configurable" in err, err)
rc, out, err = run("configure", "nobody", "--experts-dir", FIXTURES)
check("configure an unknown expert -> 2", rc == 2, err)

print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
