#!/usr/bin/env python3
"""The Event Reference Pages (spec 1.9): one page per event kind of every
built-in expert and of the example expert, each a safe, self-contained HTML
document whose column table names exactly the columns the expert submits.

- The event kinds come from the experts themselves: `nmexpert demo --format
  json` (the six experts with the demo's settings on data/sample.pcap), a
  propdist run on an integer property (its summary then has Min, Max and
  Mean, marked class="erp-optional" in the page), and the example expert
  (build/examples/framesize.so).  `event_kinds` lists the idents and their
  columns per module.
- Each kind has data/bok/experts/<module>/<module><ident>.htm (the example's:
  examples/framesize/framesize1.htm); a missing page fails.  No page is
  left over for a kind no expert submits.
- Each page parses with html.parser, its tags balance, it has a <title>, an
  <h1>, the four sections and a table class="erp-columns", and it has no
  script, no style, no on* attribute, no element that loads anything (img,
  iframe, link, object, embed, form, base, meta refresh) and no URL other
  than an in-page "#" link.
- The column table: its rows, in order, are the columns of every run, the
  rows marked erp-optional present in some runs only.
- The build tree holds the same pages where an uninstalled nmexpert looks
  for them: BUILD_DATA_DIR/bok/... (<build>/share/nmexpert) and, for the
  example, next to framesize.so (EXAMPLES/bok/experts/framesize/).

Run by ctest with NMEXPERT, EXPERTS, EXAMPLES, SOURCE_DIR, NMEXPERT_DATA_DIR
(the source data/) and BUILD_DATA_DIR in the environment.  Each check
prints one line; any failure makes the exit status 1.
"""
import atexit
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile

NMEXPERT = os.environ["NMEXPERT"]
EXPERTS = os.environ["EXPERTS"]
EXAMPLES = os.environ["EXAMPLES"]
SOURCE_DIR = os.environ["SOURCE_DIR"]
DATA = os.environ["NMEXPERT_DATA_DIR"]
BUILD_DATA = os.environ["BUILD_DATA_DIR"]
SAMPLE = os.path.join(DATA, "sample.pcap")
BUILTIN = ["protdist", "topuser", "tcpretrans", "resptime", "propdist", "coalesce"]
SECTIONS = ["What it means", "Columns", "How it is computed", "Usual causes", "What to look at next"]

failures = []
tmp = tempfile.mkdtemp(prefix="nmx-erp-")
atexit.register(shutil.rmtree, tmp, True)
os.environ["XDG_CONFIG_HOME"] = os.path.join(tmp, "config")


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  -- " + str(detail)[:3000]))
    if not cond:
        failures.append(name)
    return cond


def run_json(*args):
    env = dict(os.environ, TMPDIR=tmp)
    p = subprocess.run([NMEXPERT, *args, "--no-progress", "--format", "json"], capture_output=True,
                       text=True, timeout=300, env=env, cwd=tmp)  # the demo writes its HTML report here
    try:
        return p.returncode, json.loads(p.stdout), p.stderr
    except ValueError as ex:
        return p.returncode, None, "%s; stdout %r; stderr %r" % (ex, p.stdout[:300], p.stderr[:1000])


# ---- the page checker ----------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
FORBIDDEN = {"script", "style", "link", "img", "iframe", "frame", "frameset", "object", "embed", "applet",
             "form", "base", "audio", "video", "source", "picture", "svg", "math", "template", "noscript",
             "canvas", "input", "button"}
URL_ATTRS = {"src", "href", "srcset", "action", "formaction", "poster", "data", "background", "cite",
             "longdesc", "manifest", "xlink:href", "ping"}


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.stack = []
        self.title = ""
        self.h1 = ""
        self.h2 = []
        self.doctype = False
        self.charset = False
        self.tables = []       # [(class, [(first cell text, row class)])]
        self._text = None      # where character data goes: a list, or None
        self._row = None
        self._cell = None

    def handle_decl(self, decl):
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag, attrs):
        self._start(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._start(tag, attrs)

    def _start(self, tag, attrs):
        if tag in FORBIDDEN:
            self.problems.append("<%s> element" % tag)
        for k, v in attrs:
            v = v or ""
            if k.startswith("on"):
                self.problems.append("%s attribute on <%s>" % (k, tag))
            if k == "style":
                self.problems.append("style attribute on <%s>" % tag)
            if k in URL_ATTRS and not (k == "href" and v.startswith("#")):
                self.problems.append("%s=%r on <%s> (only in-page #links)" % (k, v, tag))
            if "url(" in v.lower() or "://" in v or "javascript:" in v.lower():
                self.problems.append("%s=%r on <%s> names a URL" % (k, v, tag))
        if tag == "meta":
            d = dict(attrs)
            if "http-equiv" in d:
                self.problems.append("<meta http-equiv>")
            if (d.get("charset") or "").lower() == "utf-8":
                self.charset = True
        if tag in ("title", "h1", "h2"):
            self._text = []
        if tag == "table":
            self.tables.append((dict(attrs).get("class", ""), []))
        if tag == "tr" and self.tables and "tbody" in self.stack:
            self._row = {"class": dict(attrs).get("class", ""), "cells": []}
        if tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else "nothing"))
            if tag in self.stack:
                while self.stack.pop() != tag:
                    pass
        else:
            self.stack.pop()
        if tag in ("title", "h1", "h2") and self._text is not None:
            text = " ".join("".join(self._text).split())
            if tag == "title":
                self.title = text
            elif tag == "h1":
                self.h1 = text
            else:
                self.h2.append(text)
            self._text = None
        if tag in ("td", "th") and self._cell is not None:
            self._row["cells"].append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag == "tr" and self._row is not None:
            if self._row["cells"]:
                self.tables[-1][1].append((self._row["cells"][0], self._row["class"]))
            self._row = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def parse_page(path):
    """(Page, problems) for the file at path."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as ex:
        return None, ["cannot read as UTF-8: %s" % ex]
    p = Page()
    try:
        p.feed(text)
        p.close()
    except Exception as ex:  # html.parser raises on nothing documented; be safe
        return None, ["does not parse: %r" % ex]
    problems = list(p.problems)
    if p.stack:
        problems.append("unclosed: %s" % p.stack)
    if not p.doctype:
        problems.append("no <!DOCTYPE html>")
    if not p.charset:
        problems.append('no <meta charset="utf-8">')
    if not p.title:
        problems.append("no <title>")
    if not p.h1:
        problems.append("no <h1>")
    if p.h2 != SECTIONS:
        problems.append("sections %s, not %s" % (p.h2, SECTIONS))
    tables = [t for t in p.tables if "erp-columns" in t[0].split()]
    if len(tables) != 1:
        problems.append("%d tables of class erp-columns, not 1" % len(tables))
    words = len(" ".join(text.split("<body>", 1)[-1].split()).split())
    if words > 600:
        problems.append("%d words: keep a page short" % words)
    return p, problems


def page_columns(p):
    """[(name, optional)] of a page's column table."""
    for cls, rows in p.tables:
        if "erp-columns" in cls.split():
            return [(name, "erp-optional" in rc.split()) for name, rc in rows]
    return []


# ---- the checker can fail ---------------------------------------------------------------

bad = os.path.join(tmp, "bad.htm")
with open(bad, "w") as f:
    f.write('<html><head></head><body onload="x()"><h1>t</h1><script>alert(1)</script>'
            '<img src="http://example.com/a.png"><a href="https://example.com/">x</a><p></div></body></html>')
_, probs = parse_page(bad)
want = ["onload", "<script>", "<img>", "src=", "href=", "closes", "no <title>", "DOCTYPE"]
check("the page checker finds scripts, handlers, external URLs, bad nesting and a missing title",
      all(any(w in pr for pr in probs) for w in want), probs)

# ---- the event kinds the experts submit ------------------------------------------------

kinds = {}  # (module, ident) -> [[column names] per run]


def collect(doc, label):
    for e in doc["experts"]:
        for k in e.get("event_kinds", []):
            kinds.setdefault((e["module"], k["ident"]), []).append([c["name"] for c in k["columns"]])
    return {e["module"] for e in doc["experts"]}


rc, doc, err = run_json("demo", "--experts-dir", EXPERTS)
if check("demo --format json runs the six experts", rc == 0 and doc is not None, (rc, err)):
    mods = collect(doc, "demo")
    check("demo: the modules are the six built-in experts", mods == set(BUILTIN), mods)
    for e in doc["experts"]:
        check("demo: %s completed with events" % e["module"], e["outcome"] == "completed" and e["events"],
              (e["outcome"], e.get("message")))
rc, doc, err = run_json("run", SAMPLE, "--experts-dir", EXPERTS, "-e", "propdist",
                        "--set", "propdist.property=ip.ttl")
if check("propdist on an integer property runs", rc == 0 and doc is not None, (rc, err)):
    collect(doc, "propdist ip.ttl")
framesize = os.path.join(EXAMPLES, "framesize.so")
rc, doc, err = run_json("run", SAMPLE, "-e", framesize)
if check("the example expert runs", rc == 0 and doc is not None, (rc, err)):
    check("the example's module is framesize", collect(doc, "framesize") == {"framesize"}, doc["experts"])

found = {m: sorted(i for mm, i in kinds if mm == m) for m in BUILTIN + ["framesize"]}
print("event kinds: " + ", ".join("%s %s" % (m, found[m]) for m in found))
for m in BUILTIN + ["framesize"]:
    check("%s submits at least one event kind" % m, found[m], found)

# ---- one page per kind --------------------------------------------------------------------


def source_page(module, ident):
    name = "%s%d.htm" % (module, ident)
    if module == "framesize":
        return os.path.join(SOURCE_DIR, "examples", "framesize", name)
    return os.path.join(DATA, "bok", "experts", module, name)


for (module, ident), runs in sorted(kinds.items()):
    path = source_page(module, ident)
    what = "%s event %d" % (module, ident)
    if not check("%s: has a page (%s)" % (what, os.path.relpath(path, SOURCE_DIR)), os.path.isfile(path)):
        continue
    p, probs = parse_page(path)
    check("%s: the page is valid, safe and complete" % what, not probs, probs)
    if p is None:
        continue
    cols = page_columns(p)
    names = [n for n, _ in cols]
    required = [n for n, opt in cols if not opt]
    seen = set(c for r in runs for c in r)
    check("%s: no column listed twice" % what, len(set(names)) == len(names), names)
    check("%s: the table lists every column submitted" % what, seen <= set(names),
          sorted(seen - set(names)))
    check("%s: every column of the table is submitted" % what, set(names) <= seen,
          sorted(set(names) - seen))
    for r in runs:
        check("%s: the table's columns, in order, are those of the run (%s)" % (what, ", ".join(r)),
              [n for n in names if n in r] == r and set(required) <= set(r), (names, r))

# No page for a kind nobody submits; directory and file names agree.
bok = os.path.join(DATA, "bok", "experts")
pages = []
for root, _, files in os.walk(bok):
    pages += [os.path.join(root, f) for f in files]
expected = {source_page(m, i) for m, i in kinds if m != "framesize"}
check("data/bok holds only the pages of event kinds the experts submit",
      set(pages) == expected, sorted(set(pages) ^ expected))

# ---- the build tree's copy ------------------------------------------------------------------


def same(a, b):
    try:
        with open(a, "rb") as fa, open(b, "rb") as fb:
            return fa.read() == fb.read()
    except OSError:
        return False


for path in sorted(expected):
    rel = os.path.relpath(path, DATA)
    check("build tree: %s is copied to %s" % (rel, BUILD_DATA), same(path, os.path.join(BUILD_DATA, rel)))
check("build tree: the sample capture is copied too",
      same(SAMPLE, os.path.join(BUILD_DATA, "sample.pcap")))
check("build tree: the example's page is next to framesize.so",
      same(source_page("framesize", 1), os.path.join(EXAMPLES, "bok", "experts", "framesize", "framesize1.htm")))

print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
