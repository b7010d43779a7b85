#!/usr/bin/env python3
"""End-to-end tests of the readable reports: how text and CSV write numbers,
tables that fit the terminal, progress bars that do not wrap, what goes to
standard error (the demo banner, failure summaries), and the demo's clean-up.

- numbers: a FLOAT64 column whose name ends in "(s)" is seconds, written
  with 6 decimals; one whose name starts with "%" or ends in "(%)" is a
  percentage, 2 decimals; a FLOAT64 column of whole numbers is integers;
  any other FLOAT64 column has one number of decimals for all its cells.
  CSV keeps full precision (the shortest text that reads back as the same
  double), never in scientific notation;
- width: COLUMNS, else the terminal's width when standard output is one;
  a table wider than that is written one record per block ("key: value");
  without a terminal and without COLUMNS nothing changes;
- every failure that makes the exit status non-zero is summarised on
  standard error, with -o too.

Run by ctest with NMEXPERT, FIXTURES, EXPERTS, DATA and NMEXPERT_DATA_DIR
in the environment.  Each check prints one line; any failure makes the exit
status 1.
"""
import atexit
import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nmxtest import on_pty, screen_lines, with_columns  # noqa: E402

NMEXPERT = os.environ["NMEXPERT"]
FIXTURES = os.environ["FIXTURES"]
EXPERTS = os.environ["EXPERTS"]
DATA = os.environ["DATA"]
SAMPLE = os.path.join(os.environ["NMEXPERT_DATA_DIR"], "sample.pcap")
failures = []
tmp = tempfile.mkdtemp(prefix="nmx-report-text-")
atexit.register(shutil.rmtree, tmp, True)
os.environ["XDG_CONFIG_HOME"] = os.path.join(tmp, "config")
os.environ.pop("COLUMNS", None)


def run(*args, env=None, timeout=300, cwd=None):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([NMEXPERT, *args], capture_output=True, text=True, timeout=timeout, env=e, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  -- " + str(detail)[:3000]))
    if not cond:
        failures.append(name)
    return cond


def fx(name):
    return os.path.join(FIXTURES, "fx_%s.so" % name)


def section(text, module):
    """The lines of one expert's part of a text report."""
    lines = text.splitlines()
    out, inside = [], False
    for l in lines:
        if l.startswith("== "):
            inside = ("(%s)" % module) in l
            continue
        if inside:
            out.append(l)
    return out


def row_cells(line):
    """Cells of a text table row (cells are separated by 2+ spaces)."""
    return re.split(r"\s{2,}", line.strip())


SCI = re.compile(r"(?<![\w:.])\d+(\.\d+)?[eE][-+]?\d+(?![\w:.])")

# ---- 1. numbers by column kind ------------------------------------------------------
base = ["--experts-dir", EXPERTS, "--no-progress"]
rc, out, err = run("run", SAMPLE, "-e", "protdist", "-e", "resptime", *base)
check("text run -> 0", rc == 0, err)
check("text: no number in scientific notation", not SCI.search(out), [m.group(0) for m in SCI.finditer(out)][:5])
prot = section(out, "protdist")
check("percentages with 2 decimals, integers as integers (protdist)",
      any(re.fullmatch(r"tcp\s+462\s+75\.99\s+217900\s+93\.37", l) for l in prot)
      and any(re.fullmatch(r"eth\s+608\s+100\.00\s+233376\s+100\.00", l) for l in prot), "\n".join(prot))
rt = section(out, "resptime")
rows = [row_cells(l) for l in rt if l.startswith("192.0.2.10 ") and " DNS " in l]
check("seconds with 6 decimals (resptime)", rows and "0.000099" in rows[0] and "0.000597" in rows[0],
      "\n".join(rt))
head = [l for l in rt if l.startswith("Server")]
idx = row_cells(head[0]) if head else []
bad = []
for l in rt:
    if not l.startswith(("192.", "2001:")):
        continue
    cells = row_cells(l)
    for name, cell in zip(idx, cells):
        if name.endswith("(s)") and not re.fullmatch(r"\d+\.\d{6}", cell):
            bad.append((name, cell))
check("every (s) cell has 6 decimals", idx and not bad, bad[:5])

rc, out, err = run("run", SAMPLE, "-e", "protdist", "-e", "resptime", "--format", "csv", *base)
check("csv run -> 0", rc == 0, err)
check("csv: no number in scientific notation", not SCI.search(out), [m.group(0) for m in SCI.finditer(out)][:5])
rc2, js, err2 = run("run", SAMPLE, "-e", "protdist", "-e", "resptime", "--format", "json", *base)
want = {}
for ex in with_columns(json.loads(js))["experts"]:
    for ev in ex["events"]:
        for c in ev["columns"]:
            if c["type"] == "float64":
                want.setdefault((ex["module"], c["name"]), []).append(c["value"])
got = {}
table = None
for r in csv.reader(io.StringIO(out)):
    if not r:
        table = None
        continue
    if r[:4] == ["Expert", "Module", "Outcome", "Event"]:
        table = r
        continue
    for name, cell in zip(table[4:], r[4:]):
        key = (r[1], name)
        if key in want:
            got.setdefault(key, []).append(cell)
def shortest(cell):
    """The cell is positional, and the shortest text of its double."""
    try:
        v = float(cell)
    except ValueError:
        return False
    s = format(Decimal(repr(v)), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return cell == s
bad = []
for k, vs in want.items():
    cells = got.get(k, [])
    if len(cells) != len(vs):
        bad.append((k, cells, vs))
        continue
    for cell, v in zip(cells, vs):
        # JSON has 15 significant digits: the CSV cell must agree to them.
        if not shortest(cell) or abs(float(cell) - v) > abs(v) * 1e-14:
            bad.append((k, cell, v))
check("csv keeps full precision, positional (%d float columns)" % len(want), want and not bad, bad[:8])

rc, out, err = run("run", SAMPLE, "-e", "propdist", "--set", "propdist.property=ip.ttl", *base)
pd = section(out, "propdist")
means = [l for l in pd if "Mean" in l]
check("a FLOAT64 column without unit: one precision per column, no exponent (propdist Mean)",
      rc == 0 and not SCI.search(out) and means, "\n".join(pd))

# the edge cases, from a fixture: text per kind, CSV shortest and positional
rc, out, err = run("run", os.path.join(DATA, "http.pcap"), "-e", fx("floats"))
rows = [row_cells(l) for l in section(out, "fx_floats") if l.strip()]
rows = rows[[r[:1] for r in rows].index(["Value"]):] if ["Value"] in [r[:1] for r in rows] else rows
want_text = [["Value", "Delay (s)", "Share (%)", "Count"],
             ["100000000000000000000.00", "0.000000", "12.50", "3000000000000000"],
             ["0.50", "123.456789", "33.33", "1"],
             ["-2.25", "2.000000", "0.00", "0"]]
check("fixture: text by kind (2 decimals for the unitless column, 6 for (s), 2 for (%), integers)",
      rc == 0 and rows == want_text, rows)
rc, out, err = run("run", os.path.join(DATA, "http.pcap"), "-e", fx("floats"), "--format", "csv")
rows = [r[4:] for r in csv.reader(io.StringIO(out))][1:]
want_csv = [["100000000000000000000", "0.0000001", "12.5", "3000000000000000"],
            ["0.5", "123.456789012", "33.333333333333336", "1"],
            ["-2.25", "2", "0", "0"]]
check("fixture: CSV at full precision, positional, no negative zero", rc == 0 and rows == want_csv, rows)

# ---- 5. small things -------------------------------------------------------------------
demo_tmp = os.path.join(tmp, "demo-tmp")
demo_cwd = os.path.join(tmp, "demo-cwd")
os.makedirs(demo_tmp)
os.makedirs(demo_cwd)
denv = {"TMPDIR": demo_tmp}
rc, out, err = run("demo", "--experts-dir", EXPERTS, "--no-progress", "--format", "json", env=denv, cwd=demo_cwd)
html = os.path.join(demo_cwd, "nmexpert-demo.html")
check("demo: writes the HTML report next to its output, and says where",
      os.path.isfile(html) and "the HTML report is in " + html in err
      and open(html, encoding="utf-8").read().startswith("<!DOCTYPE html>"), (os.listdir(demo_cwd), err))
try:
    doc = with_columns(json.loads(out))
    ok = len(doc["experts"]) == 6
except ValueError as ex:
    ok, doc = False, repr(ex)
check("demo --format json: standard output is the JSON document alone", rc == 0 and ok, (rc, out[:300], err))
check("demo: the banner is on standard error", "nmexpert demo" in err, err)
outs = [c["value"] for e in (doc["experts"] if ok else []) if e["module"] == "coalesce" for ev in e["events"]
        for c in ev["columns"] if c["name"] == "Output File"]
check("demo: Protocol Coalesce writes under $TMPDIR", outs and outs[0].startswith(demo_tmp + os.sep), outs)
check("demo: its temporary folder and capture are removed", os.listdir(demo_tmp) == []
      and not any(os.path.exists(o) for o in outs), (os.listdir(demo_tmp), outs))
os.unlink(html)
rc, out, err = run("demo", "--experts-dir", EXPERTS, "--format", "xml", env=denv, cwd=demo_cwd)
check("demo with a usage error: removed too, and no HTML", rc == 2 and os.listdir(demo_tmp) == []
      and os.listdir(demo_cwd) == [], (rc, os.listdir(demo_tmp), os.listdir(demo_cwd)))
rc, out, err = run("demo", "--experts-dir", EXPERTS, "--no-progress", "-o", "/nonexistent/dir/r.txt", env=denv,
                   cwd=demo_cwd)
check("demo that cannot write its report: removed too, and no HTML", rc == 2 and os.listdir(demo_tmp) == []
      and os.listdir(demo_cwd) == [], (rc, os.listdir(demo_tmp), os.listdir(demo_cwd)))
other = os.path.join(tmp, "elsewhere.html")
rc, out, err = run("demo", "--experts-dir", EXPERTS, "--no-progress", "--html", other, env=denv, cwd=demo_cwd)
check("demo --html FILE: the HTML report goes there", rc == 0 and os.path.isfile(other) and os.listdir(demo_cwd) == []
      and other in err, (rc, err[-300:], os.listdir(demo_cwd)))
rc, out, err = run("demo", "--experts-dir", EXPERTS, "--no-progress", "--no-html", env=denv, cwd=demo_cwd)
check("demo --no-html: no HTML report", rc == 0 and os.listdir(demo_cwd) == [] and "HTML" not in err,
      (rc, err[-300:], os.listdir(demo_cwd)))
rc, out, err = run("demo", "--experts-dir", EXPERTS, "--html", env=denv, cwd=demo_cwd)
check("demo --html without a file: a usage error", rc == 2 and "needs a file name" in err, (rc, err))

rc, out, err = run("run", SAMPLE, *base)
check("a default run says nothing for an unconfigured propdist", rc == 0 and "no property" not in out
      and section(out, "propdist") == [""], section(out, "propdist"))

http = open(os.path.join(DATA, "http.pcap"), "rb").read()
first = 24 + 16 + int.from_bytes(http[24 + 8:24 + 12], "little")
one = os.path.join(tmp, "one-frame.pcap")
open(one, "wb").write(http[:first + 20])
rc, out, err = run("run", one, "-e", fx("good"))
check("damaged capture with 1 usable frame: '1 usable frame', singular",
      rc == 2 and "reporting on the 1 usable frame" in err and "1 usable frames" not in err + out
      and "covers the 1 usable frame" in out, (err, out[:400]))

rc, out, err = run("run", os.path.join(DATA, "http.pcap"), "-e", fx("crash"))
check("a crash is said once: 'crashed: signal 11'", rc == 1 and "crashed: signal 11" in out
      and "crashed: crashed" not in out, out[:400])

# ---- 6. failures summarised on standard error ---------------------------------------------
report = os.path.join(tmp, "report.txt")
for extra in ([], ["-o", report], ["--format", "json", "-o", report]):
    rc, out, err = run("run", os.path.join(DATA, "http.pcap"), "-e", fx("crash"), "-e", fx("unresolved"),
                       "-e", fx("good"), "--no-progress", *extra)
    check("exit 1 summarised on stderr %s: the crash and the load failure" % " ".join(extra),
          rc == 1 and "nmexpert: expert fx_crash crashed: signal 11" in err
          and "nmexpert: expert fx_unresolved could not be loaded:" in err and "fx_good" not in err, err)
rc, out, err = run("run", os.path.join(DATA, "http.pcap"), "-e", fx("silent"), "--timeout", "0.3", "--grace",
                   "0.3", "-o", report)
check("a time-out is summarised on stderr", rc == 1 and "nmexpert: expert fx_silent timed out" in err, err)
rc, out, err = run("run", os.path.join(DATA, "http.pcap"), "-e", fx("good"))
check("a clean run says nothing on stderr", rc == 0 and err == "", err)
p = subprocess.Popen([NMEXPERT, "run", os.path.join(DATA, "http.pcap"), "-e", fx("polite"), "-o", report],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
time.sleep(1.0)
p.send_signal(signal.SIGINT)
try:
    out, err = p.communicate(timeout=30)
    check("Ctrl-C (exit 130) is summarised on stderr, with -o", p.returncode == 130 and "interrupted" in err
          and "nmexpert: expert fx_polite was stopped" in err, (p.returncode, err))
except subprocess.TimeoutExpired:
    p.kill()
    check("Ctrl-C ends the run", False, "still running after 30 s")

# ---- 3. tables fit the terminal --------------------------------------------------------------
def records(lines):
    """The "key: value" records of a section: a list of dicts."""
    out, cur = [], {}
    for l in lines:
        if not l.strip() or l.startswith("-- "):
            if cur:
                out.append(cur)
            cur = {}
            continue
        k, sep, v = l.partition(":")
        if sep:
            cur[k] = v.strip()
    if cur:
        out.append(cur)
    return out


two = ["run", SAMPLE, "-e", "tcpretrans", "-e", "protdist", *base]
rc, full, err = run(*two)
rc2, narrow, err2 = run(*two, env={"COLUMNS": "80"})
check("COLUMNS=80: exit 0", rc == 0 and rc2 == 0, err + err2)
body = [l for l in narrow.splitlines() if not l.startswith(("== ", "Capture "))]
check("COLUMNS=80: no line of the tables is wider than 80", all(len(l) <= 80 for l in body),
      [l for l in body if len(l) > 80][:3])
tr = section(narrow, "tcpretrans")
recs = records(tr[tr.index("-- Retransmission (event 1) --"):]) if "-- Retransmission (event 1) --" in tr else []
check("COLUMNS=80: the wide tcpretrans tables are one record per block (key: value)",
      len(recs) == 8 and recs[0].get("Frame") == "80" and recs[0].get("Type") == "data"
      and recs[0].get("Delay (s)") == "0.207038" and recs[-1].get("Server Port") == "80", recs[:2])
check("COLUMNS=80: a table that fits stays a table (protdist)",
      section(narrow, "protdist") == section(full, "protdist"), section(narrow, "protdist")[:3])
check("no terminal, no COLUMNS: full-width tables, unchanged for scripts",
      any(l.startswith("Frame  Original Frame") for l in full.splitlines()), full[:500])
for fmt in ("csv", "json"):
    a = run(*two, "--format", fmt)[1]
    b = run(*two, "--format", fmt, env={"COLUMNS": "40"})[1]
    strip = (lambda t: re.sub(r'"elapsed_ms": \d+|"peak_rss_bytes": \d+', "", t)) if fmt == "json" else (lambda t: t)
    check("COLUMNS=40: %s unchanged, full values" % fmt, strip(a) == strip(b) and a, (a[:200], b[:200]))
rc, out, err = run(*two, "-o", report, env={"COLUMNS": "40"})
check("-o FILE: full-width tables whatever COLUMNS says", rc == 0 and "Frame  Original Frame" in open(report).read())


rc, out = on_pty(NMEXPERT, ["run", SAMPLE, "-e", "tcpretrans", "-e", "protdist", "-e", "resptime", "-e", "topuser",
                  "--experts-dir", EXPERTS], 50)
plain = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", out).replace("\r\n", "\n")
lines = screen_lines(out)
bars = [l for l in lines if re.search(r"\[[#.]*\]", l)]
check("terminal 50 wide: the report is records (no Frame  Original Frame heading)",
      rc == 0 and "Frame  Original Frame" not in plain and re.search(r"^Original Frame: +78$", plain, re.M), plain[:600])
check("terminal 50 wide: progress bars drawn, none wraps (each under 50 columns)",
      bars and all(len(l) < 50 for l in bars), bars[:4])
body = [l for l in lines if l and not l.startswith(("== ", "Capture ")) and l not in bars]
check("terminal 50 wide: no table line wider than 50", all(len(l) <= 50 for l in body),
      [l for l in body if len(l) > 50][:3])
rc, out = on_pty(NMEXPERT, ["run", SAMPLE, "-e", "tcpretrans", "--experts-dir", EXPERTS, "--no-progress"], 50,
                 env={"COLUMNS": "300"})
check("COLUMNS wins over the terminal's width", rc == 0 and "Frame  Original Frame" in out, out[:300])

print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
