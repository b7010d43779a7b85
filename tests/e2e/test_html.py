"""test_html.py - the HTML report (--format html), checked in Debian's
headless Chromium (webdriver.py).

 1. The six built-in experts over a shared capture, written as JSON and
    rendered by `nmexpert report --format html`; and the same run written
    directly by `run --format html`.  In the browser:
    - no console message of level SEVERE, no request but the page itself;
    - one chart per built-in expert, with as many marks as its events ask
      (the rules of report.js, computed here from the JSON);
    - clicking a numeric column header sorts the rows numerically (both
      ways), where text order would differ;
    - clicking a row shows that event's Event Reference Page (the installed
      page of data/bok), and every kind of event of the six has one;
    - every figure of the summary and every cell of every table (scrolled
      through) equals the JSON report's.
 2. A report of 100,000 events: the page holds a few dozen row elements, the
    filter and the sort still work, and the last row can be scrolled to.
 3. Hostile strings (a capture whose DNS names and HTTP headers, file name
    and display filter are markup; a fixture expert whose every event string
    is markup and whose ERP has a script): no script runs, no element is
    injected, and the text shows as text.

Exits 77 (skipped) when chromium or chromedriver is missing or the shared
captures are not there.
"""
import json
import os
import re
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nmxtest import T  # noqa: E402
from webdriver import Browser  # noqa: E402

SHARED = os.environ.get("NMX_SHARED_CAPTURES",
                        os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "captures"))
CAPTURE = os.path.join(SHARED, "real", "ndpi_1kxun.pcap")
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
BOK = os.path.join(SRC, "data", "bok", "experts")
SIX = ["protdist", "topuser", "tcpretrans", "resptime", "propdist", "coalesce"]
ROW_H = 24

if not Browser.available():
    print("SKIP: chromium and chromedriver are needed (Debian packages chromium, chromium-driver)")
    sys.exit(77)
if not os.path.exists(CAPTURE):
    print("SKIP: the shared captures are not at " + SHARED)
    sys.exit(77)

t = T()


def run_six(capture, fmt, out, extra=()):
    args = ["run", capture, "--experts-dir", t.experts, "--no-progress"]
    for e in SIX:
        args += ["-e", e]
    args += ["--set", "coalesce.output=" + t.path("coalesced.pcap"), "--set", "propdist.property=dns.qry.name",
             "--format", fmt, "-o", out, *extra]
    return t.run(*args)


# ---- what the page should show, from the JSON ----------------------------------------

def expected_marks(e):
    """The marks report.js draws for a built-in expert (see its `charts`)."""
    evs = lambda ident: [ev for ev in e["events"] if ev["ident"] == ident]  # noqa: E731
    m = e["module"]
    if m == "protdist":
        return 2 * len(evs(1))
    if m == "topuser":
        return 4 * len(evs(1))
    if m == "resptime":
        return len(evs(1))
    if m == "tcpretrans":
        return len([ev for ev in evs(1) if isinstance((ev.get("frame_times") or {}).get("Frame"), (int, float))])
    if m == "propdist":
        return min(20, len(evs(2)))
    if m == "coalesce":
        names = ["Frames Read", "Frames Written", "Frames Copied", "Frames Converted", "Frames Dropped",
                 "TCP Segments", "Transactions Coalesced", "Connections"]
        ev = evs(1)[0]
        return len([n for n in names if isinstance(ev["values"].get(n), (int, float))])
    return None


def cell_matches(col_type, name, text, v):
    """Whether a cell's text shows JSON value v as report.js formats it."""
    if v is None:
        return text == ""
    if col_type == "integer":
        return text.replace(",", "") == str(v)
    if col_type == "number":
        try:
            shown = float(text)
        except ValueError:
            return False
        decimals = 2 if "%" in name else 6 if name.rstrip().endswith("(s)") else 9
        return abs(shown - v) <= 0.5 * 10 ** -decimals + 1e-12 * abs(v)
    if col_type == "frame":
        return text.split(" ")[0] == str(v)
    if col_type == "boolean":
        return text == ("yes" if v else "no")
    return text == str(v)


# ---- in the page -----------------------------------------------------------------------

def load(b, path):
    b.get("file://" + path)
    for _ in range(100):
        if b.run("return document.documentElement.getAttribute('data-ready');") == "true":
            return True
        time.sleep(0.1)
    return False


def clean_load(name, b, path):
    """Loads the page; checks its console and its requests."""
    b.console()
    b.requests()  # what the browser did before: its new-tab page
    ok = load(b, path)
    t.check(name + ": the viewer drew the page", ok)
    errors = [m for m in b.console() if m.get("level") == "SEVERE"]
    t.check(name + ": no console errors", not errors, errors)
    page = "file://" + path
    others = [u for u in b.requests(page) if u != page and not u.startswith("about:")]
    t.check(name + ": no request but the page itself", not others, others)


def table_rows(b, sel):
    """Every row of a table, scrolled through: [[(text, data-v), ...], ...] in display order."""
    n = b.run("var vp = document.querySelector(arguments[0] + ' .vp');"
              "return Math.round(parseFloat(vp.querySelector('.tbody').style.height) / %d);" % ROW_H, sel)
    rows = {}
    pos = 0
    while True:
        b.run("document.querySelector(arguments[0] + ' .vp').scrollTop = arguments[1];", sel, pos * ROW_H)
        time.sleep(0.03)
        got = b.run("""
            var vp = document.querySelector(arguments[0] + ' .vp'), out = [];
            var slab = vp.querySelector('.slab');
            var first = Math.round(parseFloat(slab.style.transform.replace(/[^0-9.]/g, '')) / %d) || 0;
            Array.prototype.forEach.call(slab.children, function (tr, i) {
              out.push([first + i, Array.prototype.map.call(tr.children, function (td) {
                return [td.textContent, td.getAttribute('data-v')]; })]);
            });
            return out;""" % ROW_H, sel)
        for i, cells in got:
            rows[i] = cells
        if pos + 10 >= n:
            break
        pos += 10
    return [rows.get(i) for i in range(n)]


def headers(b, sel):
    return b.run("return Array.prototype.map.call(document.querySelectorAll(arguments[0] + ' .th'),"
                 " function (x) { return x.textContent; });", sel)


def check_report_page(name, b, path, rep):
    clean_load(name, b, path)
    # The summary.
    cap = rep["capture"]
    got = b.run("var o = {}; document.querySelectorAll('#summary dd').forEach(function (d) {"
                " o[d.getAttribute('data-k')] = d.getAttribute('data-v'); }); return o;")
    t.check(name + ": the summary's frames and bytes are the report's",
            got.get("frames") == str(cap["frames"]) and got.get("bytes") == str(cap["bytes"]), got)
    t.check(name + ": the summary's format and times are the report's",
            got.get("format") == cap["format_detail"] and got.get("first_time") == cap["first_time"]
            and got.get("last_time") == cap["last_time"], got)
    # One article per expert, a chart with the right marks for each built-in one.
    for x, e in enumerate(rep["experts"]):
        art = "#expert-%d" % x
        figs = b.run("return Array.prototype.map.call(document.querySelectorAll(arguments[0] + ' figure.chart'),"
                     " function (f) { return [f.getAttribute('data-expert'), f.querySelectorAll('.mark').length,"
                     " f.getAttribute('data-marks')]; });", art)
        want = expected_marks(e)
        t.check("%s: %s has one chart with %s marks" % (name, e["module"], want),
                len(figs) == 1 and figs[0][0] == e["module"] and figs[0][1] == want and figs[0][2] == str(want),
                figs)
        # Every table, every cell.
        kinds = [k for k in e["event_kinds"] if any(ev["ident"] == k["ident"] for ev in e["events"])]
        ntab = b.run("return document.querySelectorAll(arguments[0] + ' .tbl').length;", art)
        t.check("%s: %s has a table per kind of event" % (name, e["module"]), ntab == len(kinds), ntab)
        for ti, k in enumerate(kinds):
            sel = "#nmx-t-%d-%d" % (x, ti)
            heads = headers(b, sel)
            rows = table_rows(b, sel)
            evs = [ev for ev in e["events"] if ev["ident"] == k["ident"]]
            bad = []
            if len(rows) != len(evs):
                bad.append("%d rows for %d events" % (len(rows), len(evs)))
            for ev, row in zip(evs, rows):
                if row is None:
                    bad.append("a row was never drawn")
                    continue
                cells = dict(zip(heads, row))
                for c in k["columns"]:
                    v = ev["values"].get(c["name"])
                    text, _ = cells.get(c["name"], ("", None))
                    if not cell_matches(c["type"], c["name"], text, v):
                        bad.append("%s: %r shows %r" % (c["name"], v, text))
            t.check("%s: %s table %d (%d rows) shows every figure of the JSON" % (name, e["module"], k["ident"], len(evs)),
                    not bad, bad[:5])


def check_sort(b, rep):
    x = [e["module"] for e in rep["experts"]].index("topuser")
    e = rep["experts"][x]
    sel = "#nmx-t-%d-0" % x
    col = headers(b, sel).index("Bytes Sent")
    values = [ev["values"]["Bytes Sent"] for ev in e["events"]]
    t.check("sort: numeric and text order of Bytes Sent differ (the check can fail)",
            sorted(values) != sorted(values, key=str), values)
    th = b.find_all(sel + " .th")[col]
    b.scroll_into_view(sel)
    b.click(th)
    up = [float(r[col][1]) for r in table_rows(b, sel)]
    t.check("sort: a click sorts Bytes Sent ascending, as numbers", up == sorted(values), up)
    b.click(th)
    down = [float(r[col][1]) for r in table_rows(b, sel)]
    t.check("sort: a second click sorts it descending", down == sorted(values, reverse=True), down)


def erp_title(module, ident):
    path = os.path.join(BOK, module, "%s%d.htm" % (module, ident))
    if not os.path.exists(path):
        return None
    m = re.search(r"<title>(.*?)</title>", open(path, encoding="utf-8").read(), re.S | re.I)
    return m.group(1).strip() if m else None


def check_erp(b, rep):
    for x, e in enumerate(rep["experts"]):
        kinds = [k for k in e["event_kinds"] if any(ev["ident"] == k["ident"] for ev in e["events"])]
        for ti, k in enumerate(kinds):
            title = erp_title(e["module"], k["ident"])
            t.check("ERP: %s event %d has a page in data/bok" % (e["module"], k["ident"]), title is not None)
            sel = "#nmx-t-%d-%d" % (x, ti)
            b.scroll_into_view(sel)
            b.run("document.querySelector(arguments[0] + ' .vp').scrollTop = 0;", sel)
            time.sleep(0.1)
            row = b.find(sel + " .slab .tr:nth-child(1)")
            b.click(row)
            got = b.run("var f = document.querySelector(arguments[0] + ' .erp-frame');"
                        "return [f.getAttribute('data-ident'), f.getAttribute('data-erp'), f.srcdoc,"
                        " f.hasAttribute('hidden'), f.getAttribute('sandbox')];", "#expert-%d" % x)
            t.check("ERP: selecting a row of %s event %d shows its page in a sandboxed frame"
                    % (e["module"], k["ident"]),
                    got[0] == str(k["ident"]) and got[1] == "installed" and title is not None
                    and ("<title>" + title) in got[2].replace("<title>\n", "<title>") and not got[3] and got[4] == "",
                    got[:2] + [got[2][:120], got[3], got[4]])


# ---- 1. the six experts over a shared capture ------------------------------------------------

rc, out, err = run_six(CAPTURE, "json", t.path("six.json"))
t.check("the six experts ran", rc == 0, err)
rep = json.load(open(t.path("six.json")))
rc, out, err = t.run("report", t.path("six.json"), "--format", "html", "-o", t.path("six.html"))
t.check("report --format html writes the page", rc == 0 and os.path.getsize(t.path("six.html")) > 10000, err)
rc, out, err = run_six(CAPTURE, "html", t.path("direct.html"))
t.check("run --format html writes the page", rc == 0, err)

html = open(t.path("six.html"), encoding="utf-8").read()
t.check("the page is self-contained: no attribute, import or url() names anything outside it",
        not re.search(r"""(?:src|href|action|srcset)\s*=\s*["']?\s*(?:[a-z]+:|//)|@import|url\(""", html, re.I))
t.check("the page's scripts run only by their nonce (Content-Security-Policy)",
        re.search(r"default-src 'none'; script-src 'nonce-[0-9a-f]{32}'", html) is not None)

with Browser() as b:
    check_report_page("report --format html", b, t.path("six.html"), rep)
    check_sort(b, rep)
    check_erp(b, rep)
    # The direct page: the same figures (of its own run: elapsed times differ).
    direct = open(t.path("direct.html"), encoding="utf-8").read()
    m = re.search(r'<script type="application/json" id="nmx-report">\n(.*?)</script>', direct, re.S)
    rep2 = json.loads(m.group(1)) if m else {"experts": []}
    def values(r):
        return [[{k: v for k, v in ev["values"].items() if k != "Output File"} for ev in e["events"]]
                for e in r["experts"]]
    t.check("run --format html embeds the same events as run --format json", values(rep2) == values(rep))
    check_report_page("run --format html", b, t.path("direct.html"), rep2)

# ---- 2. 100,000 events -----------------------------------------------------------------------

N = 100000
big = dict(rep)
big["experts"] = [dict(rep["experts"][0], name="Many events", module="many", events=[
    {"ident": 1, "severity": 0, "source": "Many events", "name": "", "description": "", "flags": 0xFE000001,
     "values": {"Protocol": "p%06d" % i, "Frames": (i * 7919) % N, "% Frames": 0.5, "Bytes": i, "% Bytes": 0.25}}
    for i in range(N)])]
json.dump(big, open(t.path("big.json"), "w"))
rc, out, err = t.run("report", t.path("big.json"), "--format", "html", "-o", t.path("big.html"))
t.check("a report of 100,000 events renders", rc == 0, err)
with Browser() as b:
    clean_load("100,000 events", b, t.path("big.html"))
    sel = "#nmx-t-0-0"
    nrow = b.run("return document.querySelectorAll('.tr').length;")
    t.check("100,000 events: the page holds only the rows in view", 0 < nrow < 100, nrow)
    count = b.run("return document.querySelector(arguments[0] + ' .count').textContent;", sel)
    t.check("100,000 events: the table says so", count == "100000 rows", count)
    b.run("var vp = document.querySelector(arguments[0] + ' .vp'); vp.scrollTop = vp.scrollHeight;", sel)
    time.sleep(0.2)
    last = b.run("var s = document.querySelectorAll(arguments[0] + ' .slab .tr');"
                 "return s[s.length - 1].children[0].textContent;", sel)
    t.check("100,000 events: the last row can be scrolled to", last == "p%06d" % (N - 1), last)
    col = headers(b, sel).index("Frames")
    b.run("document.querySelector(arguments[0] + ' .vp').scrollTop = 0;", sel)
    b.click(b.find_all(sel + " .th")[col])
    time.sleep(0.1)
    first = b.run("var col = arguments[1];"
                  "return Array.prototype.map.call(document.querySelectorAll(arguments[0] + ' .slab .tr'),"
                  " function (r) { return +r.children[col].getAttribute('data-v'); }).slice(0, 5);", sel, col)
    t.check("100,000 events: sorting by Frames puts the smallest first", first == [0, 1, 2, 3, 4], first)
    b.run("var f = document.querySelector(arguments[0] + ' .filter'); f.value = 'p09999';"
          "f.dispatchEvent(new Event('input'));", sel)
    count = b.run("return document.querySelector(arguments[0] + ' .count').textContent;", sel)
    t.check("100,000 events: the filter keeps the matching rows", count == "10 of 100000 rows", count)

# ---- 3. hostile strings ------------------------------------------------------------------------

BAD = ['<script>window.__pwned=1</script>', '"><img src=x onerror="window.__pwned=2">',
       "<svg onload=window.__pwned=4>", "</script><script>window.__pwned=3</script>"]


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(src, dst, proto, payload):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, bytes(src), bytes(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + hdr + payload


def dns_name(labels):
    return b"".join(bytes([len(l)]) + l for l in labels) + b"\0"


def hostile_capture(path):
    cli, srv = [10, 0, 0, 1], [10, 0, 0, 53]
    frames = []
    for i, bad in enumerate(BAD):
        q = struct.pack("!HHHHHH", 0x100 + i, 0x0100, 1, 0, 0, 0) + dns_name([bad.encode()[:63], b"example"]) + \
            struct.pack("!HH", 1, 1)
        frames.append(ip4(cli, srv, 17, struct.pack("!HHHH", 40000 + i, 53, 8 + len(q), 0) + q))
        r = struct.pack("!HHHHHH", 0x100 + i, 0x8180, 1, 0, 0, 0) + q[12:]
        frames.append(ip4(srv, cli, 17, struct.pack("!HHHH", 53, 40000 + i, 8 + len(r), 0) + r))
    web = [10, 0, 0, 80]
    req = ("GET /%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n\r\n" % (BAD[0], BAD[1], BAD[2])).encode()
    tcp = struct.pack("!HHIIBBHHH", 41000, 80, 1000, 0, 0x50, 0x18, 65535, 0, 0)
    frames.append(ip4(cli, web, 6, tcp + req))
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, f in enumerate(frames):
        out += struct.pack("<IIII", 1700000000 + i, 0, len(f), len(f)) + f
    open(path, "wb").write(out)


name = t.path('x"><img src=x onerror=window.__pwned=6>.pcap')
hostile_capture(name)
hostile_filter = 'frame.len > 0 || dns.qry.name contains "<script>"'
hfx = os.path.join(t.fixtures, "fx_hostile.so")
args = ["run", name, "--experts-dir", t.experts, "--no-progress", "-e", "protdist", "-e", "propdist", "-e", hfx, "--set", "propdist.property=dns.qry.name",
        "-Y", hostile_filter, "--format", "html", "-o", t.path("hostile.html")]
rc, out, err = t.run(*args)
t.check("hostile: the run writes its page", rc == 0, err)
args2 = ["run", name, "--experts-dir", t.experts, "--no-progress", "-e", "propdist", "--set", "propdist.property=http.user_agent", "--format", "html",
         "-o", t.path("hostile2.html")]
rc, out, err = t.run(*args2)
t.check("hostile: an HTTP header as the property", rc == 0, err)
for page in ("hostile.html", "hostile2.html"):
    text = open(t.path(page), encoding="utf-8").read()
    # Outside the viewer's own script, no markup of the data survives as markup.
    body = text.split("<script nonce=")[0]
    t.check(page + ": no markup of the data in the file", "<script>window" not in body and "<img" not in body
            and "<svg" not in body and "</script><script>" not in body)
with Browser() as b:
    for page in ("hostile.html", "hostile2.html"):
        clean_load(page, b, t.path(page))
        # Select every row, so that every ERP frame is filled.
        rows = b.run("return Array.prototype.map.call(document.querySelectorAll('.slab .tr'), function (r) {"
                     " return '#' + r.closest('.tbl').id + ' .tr[data-row=\"' + r.getAttribute('data-row') + '\"]'; });")
        for css in rows:  # a click draws its table again: find each row afresh
            b.scroll_into_view(css)
            b.click(b.find(css))
        time.sleep(0.3)
        got = b.run("""
            var bad = [];
            if (window.__pwned !== undefined) bad.push('a script ran: ' + window.__pwned);
            var scripts = document.querySelectorAll('script');
            if (scripts.length !== 3) bad.push(scripts.length + ' script elements');
            ['img', 'svg foreignObject', 'object', 'embed', 'link', 'base', 'form'].forEach(function (s) {
              if (document.querySelector(s)) bad.push('a ' + s + ' element');
            });
            document.querySelectorAll('iframe').forEach(function (f) {
              if (f.getAttribute('sandbox') !== '' || f.hasAttribute('src')) bad.push('an unsandboxed frame');
            });
            document.querySelectorAll('*').forEach(function (el) {
              Array.prototype.forEach.call(el.attributes, function (a) {
                if (/^on/i.test(a.name)) bad.push('an ' + a.name + ' attribute on ' + el.tagName);
              });
            });
            return bad;""")
        t.check(page + ": nothing injected, no script ran", got == [], got)
        errors = [m for m in b.console() if m.get("level") == "SEVERE"]
        # A sandboxed ERP's script is refused by the browser; that is the point, not an error of the page.
        errors = [m for m in errors if "sandboxed" not in m.get("message", "")]
        t.check(page + ": no console errors", not errors, errors)
        page_url = "file://" + t.path(page)
        others = [u for u in b.requests(page_url) if u != page_url and not u.startswith("about:")]
        t.check(page + ": no requests", not others, others)
    shown = b.run("return document.body.textContent;")
    t.check("hostile: the HTTP header shows as text", BAD[2] in shown, shown[:300])
    b.get("file://" + t.path("hostile.html"))
    load(b, t.path("hostile.html"))
    shown = b.run("return document.body.textContent + document.title;")
    t.check("hostile: DNS names, event strings, file name and filter show as text",
            all(s[:30] in shown for s in BAD) and 'x"><img src=x onerror=window.__pwned=6>.pcap' in shown
            and hostile_filter in shown, shown[:400])
    frame = b.run("return document.querySelector('[data-module=fx_hostile]') !== null &&"
                  " document.querySelector('[data-module=fx_hostile]').getAttribute('data-viewer');")
    t.check("hostile: the fixture asked for a private viewer and has one", frame == "private", frame)
    erp = b.run("var e = JSON.parse(document.getElementById('nmx-erp').textContent); return e[2];")
    t.check("hostile: a third-party expert's page is found next to it, names in any case (Fx_Hostile/FX_HOSTILE1.HTM)",
            "Hostile page one" in (erp or {}).get("1", "") and (erp or {}).get("2") is None, erp)

sys.exit(t.done())
