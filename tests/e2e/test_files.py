#!/usr/bin/env python3
"""End-to-end tests of the files nmexpert writes for the user (docs/runtime.md,
"Files the host writes"): no option or mistake destroys data.

- the report (-o) and Protocol Coalesce's output never replace the capture
  being read, whatever its spelling (./name, symlink, hard link), nor a FIFO;
- a planted symlink beside the output is never followed;
- outputs are written to a temporary file renamed into place: the previous
  report stays whole until the new one is complete, and after a second
  SIGTERM no half report and no temporary file is left;
- every write error, standard output included, is a message and exit 2;
- two `configure` runs of one expert at once both keep their change;
- the JSON report is streamed: its peak memory is that of the text report.

Run by ctest with NMEXPERT, FIXTURES, EXPERTS and DATA in the environment.
Each check prints one line; any failure makes the exit status 1.
"""
import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

NMEXPERT = os.environ["NMEXPERT"]
FIXTURES = os.environ["FIXTURES"]
EXPERTS = os.environ["EXPERTS"]
DATA = os.environ["DATA"]
failures = []
tmp = tempfile.mkdtemp(prefix="nmx-files-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(tmp, "config")


def run(*args, timeout=300, stdout=None, cwd=None):
    """(exit status, stdout, stderr); a command that hangs is killed and
    reported as status -1."""
    try:
        p = subprocess.run([NMEXPERT, *args], stdout=stdout or subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired:
        return -1, "", "hung for %d s" % timeout
    return p.returncode, p.stdout, p.stderr


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  -- " + str(detail)[:600]))
    if not cond:
        failures.append(name)


def loads(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def leftovers(d):
    """Temporary files of ours left in d (".NAME.XXXXXX")."""
    return [n for n in os.listdir(d) if n.startswith(".")]


def fx(name):
    return os.path.join(FIXTURES, "fx_%s.so" % name)


def capture_whole(name):
    """Checks the capture is unchanged, and puts it back if not (so that one
    failure does not cascade)."""
    ok = digest(cap) == orig
    check(name, ok)
    if not ok:
        os.unlink(cap)
        shutil.copy(os.path.join(DATA, "http.pcap"), cap)


work = os.path.join(tmp, "w")
os.makedirs(work)
cap = os.path.join(work, "in.pcap")
shutil.copy(os.path.join(DATA, "http.pcap"), cap)
orig = digest(cap)

# ---- the report never replaces the capture ----------------------------------------
os.symlink("in.pcap", os.path.join(work, "link.pcap"))
os.link(cap, os.path.join(work, "hard.pcap"))
for spelling in ["in.pcap", "./in.pcap", cap, "link.pcap", "hard.pcap"]:
    rc, out, err = run("run", "in.pcap", "-e", "protdist", "--experts-dir", EXPERTS, "-o", spelling,
                       cwd=work)
    check("-o %s (the capture) is refused with exit 2" % spelling,
          rc == 2 and "capture being read" in err, (rc, err))
    capture_whole("-o %s leaves the capture whole" % spelling)
check("the symlink is still a symlink", os.path.islink(os.path.join(work, "link.pcap")))
check("no temporary file is left after refusals", leftovers(work) == [], leftovers(work))

# ---- nor anything that is not a regular file ----------------------------------------
fifo = os.path.join(work, "fifo")
os.mkfifo(fifo)
rc, out, err = run("run", cap, "-e", "protdist", "--experts-dir", EXPERTS, "-o", fifo, timeout=30)
check("-o FIFO is refused with exit 2", rc == 2 and "FIFO" in err, (rc, err))
rc, out, err = run("run", cap, "-e", "protdist", "--experts-dir", EXPERTS, "-o", work)
check("-o DIRECTORY is refused with exit 2", rc == 2 and "directory" in err, (rc, err))
rc, out, err = run("run", cap, "-e", "protdist", "--experts-dir", EXPERTS, "-o", "-", "--format", "json")
check("-o - writes the report to standard output", rc == 0 and (loads(out) or {}).get("experts"), (rc, err))


# ---- Protocol Coalesce's output -------------------------------------------------------
def coalesce(output, cwd=work):
    rc, out, err = run("run", "in.pcap", "-e", "coalesce", "--experts-dir", EXPERTS, "--set",
                       "coalesce.output=" + output, "--format", "json", "-o", "-", cwd=cwd)
    try:
        e = json.loads(out)["experts"][0]
    except (ValueError, IndexError, KeyError):
        e = {}
    return rc, e, err


for spelling in ["./in.pcap", "link.pcap", "hard.pcap", cap]:
    rc, e, err = coalesce(spelling)
    check("coalesce.output=%s (the capture) fails the expert" % spelling,
          rc == 1 and e.get("outcome") != "completed", (rc, e.get("outcome"), e.get("message"), err))
    capture_whole("coalesce.output=%s leaves the capture whole" % spelling)
rc, e, err = coalesce(fifo)
check("coalesce.output=FIFO is refused and the FIFO stays",
      rc == 1 and "regular file" in json.dumps(e) and os.path.exists(fifo)
      and not os.path.isfile(fifo), (rc, e.get("message"), err))
victim = os.path.join(work, "victim.txt")
with open(victim, "w") as f:
    f.write("keep me\n")
for planted in ["out.pcap.part", "out.pcap.tmp", ".out.pcap.part"]:
    os.symlink(victim, os.path.join(work, planted))
rc, e, err = coalesce("out.pcap")
check("coalesce writes its output past planted symlinks", rc == 0 and e.get("outcome") == "completed",
      (rc, err))
with open(victim, "rb") as f:
    check("a planted symlink's target is not written", f.read() == b"keep me\n")
try:
    with open(os.path.join(work, "out.pcap"), "rb") as f:
        check("the output is a capture", f.read(4) == bytes.fromhex("d4c3b2a1"))
except OSError as ex:
    check("the output is a capture", False, ex)
for planted in ["out.pcap.part", "out.pcap.tmp", ".out.pcap.part"]:
    if os.path.lexists(os.path.join(work, planted)):
        os.unlink(os.path.join(work, planted))
check("no temporary file is left by coalesce", leftovers(work) == [], leftovers(work))

# ---- reports are replaced only when whole ---------------------------------------------
report = os.path.join(work, "report.json")
with open(report, "w") as f:
    f.write("previous report\n")
p = subprocess.Popen([NMEXPERT, "run", cap, "-e", fx("silent"), "--timeout", "60", "--grace", "30",
                      "--no-progress", "-o", report, "--format", "json"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
time.sleep(1.5)
with open(report, "rb") as f:
    check("while the run goes on the previous report is whole", f.read() == b"previous report\n")
p.send_signal(signal.SIGTERM)
time.sleep(0.5)
p.send_signal(signal.SIGTERM)  # a second one: end at once
p.communicate(timeout=60)
with open(report, "rb") as f:
    check("after a second SIGTERM the previous report is whole", f.read() == b"previous report\n")
check("after a second SIGTERM no temporary file is left", leftovers(work) == [], leftovers(work))
p = subprocess.Popen([NMEXPERT, "run", cap, "-e", fx("polite"), "-e", "protdist", "--experts-dir", EXPERTS,
                      "--no-progress", "-o", report, "--format", "json"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
# The experts run once nmexpert has an expert process (a descendant, inside
# its namespace's init, that maps its event log); SIGTERM before that, while
# the capture is opened and the experts are found, ends nmexpert as any
# program.  On a loaded machine under ASan that can take longer than a
# fixed pause.
def descendants(pid):
    out, todo = [], [pid]
    while todo:
        tasks = os.path.join("/proc", str(todo.pop()), "task")
        try:
            kids = [int(k) for t in os.listdir(tasks) for k in open(os.path.join(tasks, t, "children")).read().split()]
        except OSError:
            continue
        out += kids
        todo += kids
    return out


def has_expert(pid):
    for k in descendants(pid):
        try:
            if "nmexpert-events" in open("/proc/%d/maps" % k).read():
                return True
        except OSError:
            pass
    return False


deadline = time.monotonic() + 30
while time.monotonic() < deadline and p.poll() is None and not has_expert(p.pid):
    time.sleep(0.1)
time.sleep(0.5)
p.send_signal(signal.SIGTERM)
_, err = p.communicate(timeout=60)
with open(report, "rb") as f:
    got = loads(f.read())
check("one SIGTERM stops the experts and writes the partial report (exit 130)",
      p.returncode == 130 and got is not None and len(got["experts"]) == 2, (p.returncode, err))

# ---- write errors are exit 2 -------------------------------------------------------------
if os.path.exists("/dev/full"):
    with open("/dev/full", "w") as full:
        for args in (["run", cap, "-e", "protdist", "--experts-dir", EXPERTS],
                     ["run", cap, "-e", "protdist", "--experts-dir", EXPERTS, "--format", "json"],
                     ["list", "--experts-dir", EXPERTS], ["info", cap], ["version"]):
            rc, out, err = run(*args, stdout=full)
            check("%s > /dev/full: exit 2 and a message" % args[0],
                  rc == 2 and "standard output" in err, (rc, err))
    rc, out, err = run("run", cap, "-e", "protdist", "--experts-dir", EXPERTS, "-o", "/dev/full")
    check("-o /dev/full is refused with exit 2", rc == 2 and "device" in err, (rc, err))
else:
    print("skip /dev/full checks: no /dev/full")

# ---- two configure runs at once -----------------------------------------------------------
procs = [subprocess.Popen([NMEXPERT, "configure", "fx_config", "--experts-dir", FIXTURES, "--set",
                           "k%d=%d" % (i, i)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
         for i in range(8)]
errs = [p.communicate(timeout=120)[1] for p in procs]
check("eight configure runs at once all succeed", all(p.returncode == 0 for p in procs), errs)
rc, out, err = run("configure", "fx_config", "--experts-dir", FIXTURES, "--show")
missing = [i for i in range(8) if "k%d=%d" % (i, i) not in out]
check("no concurrent configure loses its change", rc == 0 and not missing, (missing, out, err))
cfgdir = os.path.join(tmp, "config", "nmexpert", "experts")
stray = [n for n in os.listdir(cfgdir) if n.startswith(".") or n.endswith(".tmp")]
check("no temporary configuration file is left", stray == [], stray)

# ---- the JSON report is streamed ------------------------------------------------------------
# Under ASan (NMX_SANITIZED=1) the flood is smaller and only checked for
# completeness: the sanitizer's allocator (quarantine, shadow memory) makes
# peak memory say nothing about the report writer, and 300,000 events take
# minutes.
SANITIZED = os.environ.get("NMX_SANITIZED") == "1"
COUNT = 20000 if SANITIZED else 300000


def peak_rss(fmt):
    """Peak RSS (KiB) of the command and the processes it waited for."""
    out = os.path.join(work, "flood." + fmt)
    p = subprocess.Popen([NMEXPERT, "run", cap, "-e", fx("flood"), "--set", "fx_flood.count=%d" % COUNT,
                          "--format", fmt, "-o", out, "--no-progress"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, ru.ru_maxrss, out


rc_t, rss_t, _ = peak_rss("text")
rc_j, rss_j, out_j = peak_rss("json")
try:
    with open(out_j) as f:
        events = len(json.load(f)["experts"][0]["events"])
except (OSError, ValueError, IndexError, KeyError):
    events = -1
check("%d events as JSON: all of them, valid" % COUNT, rc_j == 0 and events == COUNT, (rc_j, events))
if SANITIZED:
    print("skip the JSON report's memory check: peak memory under ASan is the sanitizer's")
else:
    check("the JSON report takes no more memory than the text one (x1.5)",
          rc_t == 0 and rss_j <= rss_t * 1.5, "json %d KiB, text %d KiB" % (rss_j, rss_t))

shutil.rmtree(tmp, ignore_errors=True)
if failures:
    print("%d failed: %s" % (len(failures), ", ".join(failures)))
    sys.exit(1)
