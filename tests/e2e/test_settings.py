#!/usr/bin/env python3
"""End-to-end tests of expert settings (netmon.h NmxExpertSettings,
docs/writing-an-expert.md): declared, listed, checked the same way by
`run --set` and `configure --set`, and refused before anything runs.

- `list --settings` and `configure NAME --show` show each key, its default
  and the stored value; `list --format json` has them too;
- one syntax: NAME.KEY=VALUE for run, and for configure NAME as well as
  KEY=VALUE; the same message for the same mistake in both commands;
- a mistyped key or a value outside the declared ones is exit 2, with
  nothing on stdout and no expert started;
- hostile tables: one with a wild pointer is a load error of that expert
  only; one without terminator, with over-long strings full of the wire
  format's separators, is cut to 64 settings of at most 255 bytes each.

Run by ctest with NMEXPERT, EXPERTS, FIXTURES and DATA in the environment.
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nmxtest import T  # noqa: E402

t = T("nmx-settings-")
X = ["--experts-dir", t.experts]
cap = os.path.join(t.data, "dns.pcap")

rc, out, err = t.run("list", "--settings", *X)
block = out[out.find("topuser"):]
t.check("list --settings: topuser's keys with defaults",
        rc == 0 and all(k in block for k in ("address  mac", "count    20", "sort     frames")), out[:800])

# The same mistakes, through run and through configure.
mistakes = {
    "unknown key": ("topuser.cont=5", "unknown setting 'cont' (known: address, count, sort)"),
    "word not allowed": ("topuser.sort=byts", "'byts' is not one of frames, bytes"),
    "number not a number": ("topuser.count=abc", "'abc' is not a whole number in 0..4294967295"),
    "number out of range": ("tcpretrans.port=70000", "'70000' is not a whole number in 0..65535"),
}
for name, (setting, msg) in mistakes.items():
    rc1, out1, err1 = t.run("run", cap, *X, "--no-progress", "--set", setting)
    t.check("run --set, %s: exit 2, the message, no report" % name, rc1 == 2 and msg in err1 and out1 == "",
            (rc1, err1))
    module, kv = setting.split(".", 1)
    rc2, out2, err2 = t.run("configure", module, *X, "--set", kv)
    t.check("configure --set, %s: exit 2, the same message as run" % name, rc2 == 2 and err2 == err1,
            (rc2, err2, err1))
    rc3, _, err3 = t.run("configure", module, *X, "--set", setting)
    t.check("configure --set NAME.KEY=VALUE, %s: the same" % name, rc3 == 2 and err3 == err1, (rc3, err3))

rc, out, err = t.run("run", cap, *X, "--set", "topuser.cont=5", "-o", t.path("r.txt"))
t.check("a refused setting writes no report", rc == 2 and not os.path.exists(t.path("r.txt")), err)
rc, out, err = t.run("configure", "topuser", *X, "--set", "protdist.sort=bytes")
t.check("configure: a setting of another expert is refused", rc == 2 and "protdist" in err, err)
rc, out, err = t.run("run", cap, *X, "--set", "topuser.count=5\nsort=bytes")
t.check("a value with a line break is refused", rc == 2 and "line break" in err, err)
rc, out, err = t.run("run", cap, *X, "--set", "count=5")
t.check("run: NAME. is required", rc == 2 and "NAME.KEY=VALUE" in err, err)

# Good settings, both spellings, stored and shown.
rc, out, err = t.run("configure", "topuser", *X, "--set", "topuser.count=7")
t.check("configure NAME --set NAME.KEY=VALUE stores", rc == 0, err)
rc, out, err = t.run("configure", "topuser", *X, "--set", "SORT=Bytes")
t.check("configure NAME --set KEY=VALUE, any case", rc == 0, err)
rc, out, err = t.run("configure", "topuser", *X, "--show")
row = [ln.split() for ln in out.splitlines() if ln.strip().startswith("count ")]
t.check("configure --show: key, default and stored value", rc == 0 and row and row[0][:3] == ["count", "20", "7"],
        out)
rc, out, err = t.run("list", "--format", "json", *X)
tu = [e for e in json.loads(out)["experts"] if e["module"] == "topuser"] if rc == 0 else []
stored = {s["key"]: s["stored"] for s in tu[0]["settings"]} if tu else {}
t.check("list --format json: settings with stored values",
        stored.get("count") == "7" and stored.get("address") is None, stored)
rc, out, err = t.run("run", cap, *X, "-e", "topuser", "--no-progress", "--set", "topuser.count=1")
t.check("a good --set runs", rc == 0, err)

# Hostile tables.
fx = t.path("fx")
os.makedirs(fx)
for n in ("settings_wild", "settings_huge", "good"):
    shutil.copy(os.path.join(t.fixtures, "fx_%s.so" % n), fx)
rc, out, err = t.run("list", "--format", "json", "--experts-dir", fx)
by = {e["module"]: e for e in json.loads(out)["experts"]} if out else {}
wild, huge, good = by.get("fx_settings_wild"), by.get("fx_settings_huge"), by.get("fx_good")
t.check("wild settings table: that expert fails to load, the host lists the rest",
        wild is not None and wild["load_error"] and good is not None and good["load_error"] is None, by)
t.check("unterminated table of long strings: 64 settings kept, 255 bytes at most, no control bytes",
        huge is not None and len(huge["settings"]) == 64 and
        all(len(v) <= 255 and all(ord(c) >= 32 for c in v)
            for s in huge["settings"] for v in (s["key"], s["default"] or "", s["values"], s["help"])),
        huge and (len(huge["settings"]), huge["settings"][:1]))
t.check("an expert that declares nothing is listed as such",
        "declares no settings" in t.run("list", "--settings", "--experts-dir", fx)[1])

sys.exit(t.done())
