#!/usr/bin/env python3
"""End-to-end tests of the trust boundary (docs/runtime.md, "Trust model"):
hostile fixture experts run next to the good one through the nmexpert
command, in both isolation modes where they apply and in both ways of
containing processes.  In every case the command survives, the good expert's
results are intact and right, the hostile expert's outcome is the truth, no
process it started outlives the run, and the report is valid.

Run by ctest with NMEXPERT, FIXTURES and DATA in the environment, like
test_cli.py.  Each check prints one line; any failure makes the exit status 1.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nmxtest import on_pty, screen_lines, with_columns, write_pcap  # noqa: E402  (typed cells, terminals)

NMEXPERT = os.environ["NMEXPERT"]
FIXTURES = os.environ["FIXTURES"]
DATA = os.environ["DATA"]
CAP = os.path.join(DATA, "http.pcap")
failures = []
tmp = tempfile.mkdtemp(prefix="nmx-trust-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(tmp, "config")


def fx(name):
    return os.path.join(FIXTURES, "fx_%s.so" % name)


def run(*args, env=None, timeout=120, stdout=None):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([NMEXPERT, *args], stdout=stdout or subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout, env=e)
    return p.returncode, p.stdout, p.stderr


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  -- " + str(detail)[:600]))
    if not cond:
        failures.append(name)


def tagged(tag):
    """Processes named nmxfx-<tag> (the fixtures' sleepers)."""
    n = 0
    for pid in os.listdir("/proc"):
        try:
            with open("/proc/%s/comm" % pid) as f:
                if f.read().strip() == "nmxfx-" + tag:
                    n += 1
        except OSError:
            pass
    return n


def experts(report):
    return {e["module"]: e for e in report["experts"]}


def good_intact(report):
    g = experts(report).get("fx_good")
    if g is None or g["outcome"] != "completed":
        return False
    values = {ev["columns"][0]["name"]: ev["columns"][0]["value"] for ev in g["events"]}
    return values.get("Frames") == GOOD["Frames"] and values.get("Bytes") == GOOD["Bytes"]


# What the good expert reports when it runs alone: the reference.
_rc, _out, _err = run("run", CAP, "-e", fx("good"), "--format", "json")
GOOD = {ev["columns"][0]["name"]: ev["columns"][0]["value"]
        for ev in with_columns(json.loads(_out))["experts"][0]["events"]}
check("reference run of the good expert", _rc == 0 and GOOD.get("Frames", 0) > 0, _err)

MODES = [("process", {}), ("process", {"NMEXPERT_CONTAINMENT": "subreaper"}), ("none", {})]

# ---- item 1: an expert that writes over its control page -----------------------
for iso, env in MODES:
    name = "%s%s" % (iso, "/subreaper" if env else "")
    jobs = "1" if iso == "none" else "2"
    rc, out, err = run("run", CAP, "-e", fx("scribble"), "-e", fx("good"), "--format", "json",
                       "--isolation", iso, "--jobs", jobs, env=env)
    try:
        rep = with_columns(json.loads(out))
        ok = experts(rep)["fx_scribble"]["outcome"] == "completed" and good_intact(rep)
    except (ValueError, KeyError) as ex:
        ok, rep = False, ex
    check("control page scribbled (%s): host survives, good intact, report valid" % name,
          rc == 0 and ok, (rc, err, out[:400]))

# ---- item 2: forged success, then abort --------------------------------------------
for iso, env in MODES[:2]:
    name = "%s%s" % (iso, "/subreaper" if env else "")
    out_path = os.path.join(tmp, "forge.json")
    rc, out, err = run("run", CAP, "-e", fx("forge"), "-e", fx("good"), "--format", "json",
                       "-o", out_path, env=env)
    try:
        rep = with_columns(json.load(open(out_path)))
        f = experts(rep)["fx_forge"]
        ok = f["outcome"] == "crashed" and "signal 6" in f["message"] and good_intact(rep)
    except (OSError, ValueError, KeyError) as ex:
        ok, f = False, ex
    check("forged result then abort (%s): reported crashed, exit 1" % name, rc == 1 and ok, (rc, err, f))

# ---- item 3: children and a daemon; the report through a pipe ends ---------------
for iso, env in MODES:
    name = "%s%s" % (iso, "/subreaper" if env else "")
    tag = "e%d%s" % (os.getpid() % 10000, len(failures))
    tag = (tag + iso[0] + ("s" if env else ""))[:9]
    e = dict(os.environ)
    e.update(env)
    # `nmexpert run ... | cat`: cat ends only when nobody holds the pipe.
    p1 = subprocess.Popen([NMEXPERT, "run", CAP, "-e", fx("fork"), "-e", fx("good"), "--set",
                           "fx_fork.tag=" + tag, "--isolation", iso, "--format", "json"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=e)
    try:
        data, _ = p1.communicate(timeout=60)
        ended = True
    except subprocess.TimeoutExpired:
        p1.kill()
        data, _ = p1.communicate()
        ended = False
    try:
        rep = with_columns(json.loads(data))
        ok = experts(rep)["fx_fork"]["outcome"] == "completed" and good_intact(rep)
    except (ValueError, KeyError):
        ok = False
    left = tagged(tag)
    check("children and a daemon (%s): output pipe closes, none left (%d)" % (name, left),
          ended and ok and left == 0 and p1.returncode == 0, (p1.returncode, data[:300]))

# Discovery loads every module of a directory: a constructor that forks.
tag = "l%d" % (os.getpid() % 100000)
rc, out, err = run("list", "--experts-dir", FIXTURES, env={"NMX_FIXTURE_TAG": tag})
check("list: a module forking in its constructor leaves nothing", rc in (0, 1) and tagged(tag) == 0,
      (rc, tagged(tag)))
# fx_register_hang starts a process, then never returns from Register: the
# probe gives up after its time limit (10 s), says so, and ends both.
hung = [l for l in out.splitlines() if l.startswith("fx_register_hang")]
check("list: a Register that never returns is reported, the rest listed",
      len(hung) == 1 and "did not finish loading and registering within 10 s" in hung[0] and
      "Fixture good" in out, (hung, out[-400:]))
check("list: the module's name is said once, not 'cannot load: cannot load:'",
      "cannot load: cannot load" not in out and "(cannot load: " in out, out[-600:])

# ---- item 4: the report's descriptor is out of the experts' reach --------------
for how in ("-o", "stdout"):
    out_path = os.path.join(tmp, "fds.json")
    if how == "-o":
        rc, out, err = run("run", CAP, "-e", fx("write_fds"), "-e", fx("good"), "--format", "json",
                           "-o", out_path)
    else:
        with open(out_path, "w") as f:
            rc, _, err = run("run", CAP, "-e", fx("write_fds"), "-e", fx("good"), "--format", "json",
                             stdout=f)
    try:
        rep = with_columns(json.load(open(out_path)))
        w = experts(rep)["fx_write_fds"]
        ok = w["outcome"] == "completed" and w["events"][0]["columns"][0]["value"] == 0 and good_intact(rep)
    except (OSError, ValueError, KeyError, IndexError) as ex:
        ok = False
        err = str(ex) + err
    check("descriptors (report to %s): report valid, nothing above stderr written" % how, rc == 0 and ok,
          (rc, err))

# ---- item 5: --mem-limit bounds malloc too --------------------------------------
for iso, env in MODES[:2]:
    name = "%s%s" % (iso, "/subreaper" if env else "")
    # Under ASan, a refused malloc must return NULL there too, not abort.
    asan = (os.environ.get("ASAN_OPTIONS", "") + ":allocator_may_return_null=1").lstrip(":")
    rc, out, err = run("run", CAP, "-e", fx("malloc_big"), "-e", fx("good"), "--mem-limit", "16M",
                       "--format", "json", env=dict(env, ASAN_OPTIONS=asan))
    try:
        rep = with_columns(json.loads(out))
        m = experts(rep)["fx_malloc_big"]
        ok = m["outcome"] == "failed" and "malloc of 2 GiB failed" in m["message"] and good_intact(rep)
    except (ValueError, KeyError) as ex:
        ok, m = False, ex
    check("malloc of 2 GiB under --mem-limit 16M (%s): refused, exit 1" % name, rc == 1 and ok, (rc, m))

# ---- a stuck expert delays nobody's results -----------------------------------------
# fx_stuck takes the first frame and never returns from Run (nor looks at the
# termination flag).  With one job, fx_good waits behind it: the stuck expert
# lends its slot once it has read nothing for 2 s, so fx_good's results are
# complete while fx_stuck still runs (seen on the terminal's progress bars),
# and the time limit ends fx_stuck with the event it sent kept.
for iso, env in MODES:
    name = "%s%s" % (iso, "/subreaper" if env else "")
    path = os.path.join(tmp, "stuck.json")
    rc, screen = on_pty(NMEXPERT, ["run", CAP, "-e", fx("stuck"), "-e", fx("good"), "--jobs", "1",
                                   "--isolation", iso, "--timeout", "6", "--grace", "1", "--format", "json",
                                   "-o", path], 120, env=env)
    lines = [l.strip() for l in screen_lines(screen) if l.strip()]
    overlap = any(re.match(r"fx_stuck .*%  (running|idle)", a) and re.match(r"fx_good .*%  completed", b)
                  for a, b in zip(lines, lines[1:]))
    try:
        rep = with_columns(json.load(open(path)))
        st = experts(rep)["fx_stuck"]
        ok = (st["outcome"] == "timed_out" and good_intact(rep)
              and [ev["columns"][0]["value"] for ev in st["events"]] == [0])
    except (OSError, ValueError, KeyError) as ex:
        ok, rep = False, ex
    check("stuck expert holding a frame (%s, --jobs 1): the other's results complete while it runs" % name,
          rc == 1 and ok and overlap, (rc, ok, overlap, [l for l in lines if l.startswith("fx_")][-6:]))

# The bars of a running expert show its rate and the time left; an expert
# with nothing new for 2 s says "idle" instead.
rc, screen = on_pty(NMEXPERT, ["run", CAP, "-e", fx("slow_walk"), "-e", fx("stuck"), "--timeout", "6",
                               "--grace", "1", "-o", os.path.join(tmp, "slow.txt")], 120)
lines = [l.strip() for l in screen_lines(screen) if l.strip()]
rate = [l for l in lines if re.match(r"fx_slow_walk .*%  running  \d+ frames/s  ETA \d+ s$", l)]
idle = [l for l in lines if re.match(r"fx_stuck .*%  idle$", l)]
check("progress bars: frames/s and ETA while walking, 'idle' when stuck", rc == 1 and rate and idle,
      (rc, [l for l in lines if l.startswith("fx_")][-6:]))

# ---- the shared frame index cannot be written -------------------------------------
# A capture of 40,000 frames has its index in a sealed memory file that every
# expert process maps read-only (src/capture/index_store.c).  fx_index_writer
# tries to write it in every way it can; each attempt must fail, and fx_good,
# which runs after it (--jobs 1), must still read every frame right.
def many_frames(path, n=40000):
    write_pcap(path, (bytes.fromhex("ffffffffffff020000000001") + b"\x08\x06" + bytes(28 + i % 40)
                      for i in range(n)))
    return n, n * (12 + 2 + 28) + sum(i % 40 for i in range(n))


MANY = os.path.join(tmp, "many.pcap")
many_n, many_bytes = many_frames(MANY)
ATTEMPTS = ["Mprotect", "ProcMem", "FileWrite", "FileTruncate", "FilePunch", "MadvRemove"]
for iso, env in MODES:
    name = "%s%s" % (iso, "/subreaper" if env else "")
    rc, out, err = run("run", MANY, "-e", fx("index_writer"), "-e", fx("good"), "--jobs", "1",
                       "--isolation", iso, "--format", "json", env=env)
    try:
        rep = with_columns(json.loads(out))
        w = {ev["columns"][0]["name"]: ev["columns"][0]["value"] for ev in experts(rep)["fx_index_writer"]["events"]}
        g = {ev["columns"][0]["name"]: ev["columns"][0]["value"] for ev in experts(rep)["fx_good"]["events"]}
        worked = [a for a in ATTEMPTS if w.get(a, 0) == 0]
        ok = w.get("Found") == 1 and not worked and g == {"Frames": many_n, "Bytes": many_bytes}
    except (ValueError, KeyError) as ex:
        ok, w, g, worked = False, ex, None, None
    check("shared frame index (%s): every write refused, the next expert reads it intact" % name,
          rc == 0 and ok, (rc, err, w, g, worked))

shutil.rmtree(tmp, ignore_errors=True)
print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
