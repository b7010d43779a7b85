"""cli_checks.py - checks of an expert through the nmexpert command that
several expert tests share: a long capture to stop half-way, termination
by --timeout, and `nmexpert configure` storing normalised settings.

Each function takes the test's own `check(name, cond, detail)` so that
results are counted where the test counts them.  temp_dir() gives the
expert tests temporary directories that are removed when they exit.
"""
import atexit
import sys
import json
import os
import struct
import shutil
import subprocess
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from nmxtest import with_columns  # noqa: E402  (the report's events as typed cells)


def shown_config(out):
    """The stored configuration in `configure NAME --show` output (after the
    table of declared settings, when the expert declares them)."""
    return out.split("stored configuration:\n", 1)[-1]


def config_args(module, sets):
    """--config MODULE=FILE for KEY=VALUE strings: the text reaches the
    expert as it is, where --set would be refused by the host first when
    the expert declares its settings (e2e_settings tests that path)."""
    if not sets:
        return []
    fd, path = tempfile.mkstemp(prefix="cfg-", suffix=".txt", dir=temp_dir("nmx-cfg-"))
    with os.fdopen(fd, "w") as f:
        f.write("".join(s + "\n" for s in sets))
    return ["--config", "%s=%s" % (module, path)]


def temp_dir(prefix):
    """A new directory under $TMPDIR, removed (with what is in it) when the
    test exits, whether it passed or not."""
    d = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, d, True)
    return d


def repeated_sample(path, sample, copies):
    """Writes `sample` (a microsecond pcap) `copies` times to `path`, each
    copy 10 s after the previous one: a real-traffic capture long enough
    to stop an expert half-way."""
    with open(sample, "rb") as fh:
        raw = fh.read()
    recs = []
    i = 24
    while i + 16 <= len(raw):
        sec, usec, incl, orig = struct.unpack("<IIII", raw[i:i + 16])
        recs.append((sec, usec, raw[i + 16:i + 16 + incl], orig))
        i += 16 + incl
    with open(path, "wb") as fh:
        fh.write(raw[:24])
        for k in range(copies):
            for sec, usec, data, orig in recs:
                fh.write(struct.pack("<IIII", sec + 10 * k, usec, len(data), orig))
                fh.write(data)
    return path


def check_timeout_stops(check, nmexpert, experts_dir, module, capture):
    """A run stopped by --timeout: the expert must notice
    NMERR_EXPERT_TERMINATE and return by itself (not be killed).  Shorter
    limits are tried until one falls inside the run."""
    res = None
    for limit in ("0.1", "0.05", "0.02", "0.01"):
        args = [nmexpert, "run", capture, "-e", module, "--format", "json", "--no-progress",
                "--timeout", limit]
        if experts_dir:
            args += ["--experts-dir", experts_dir]
        p = subprocess.run(args, capture_output=True, text=True, timeout=600)
        res = with_columns(json.loads(p.stdout))["experts"][0]
        if res["outcome"] != "completed":
            break
    if res["outcome"] == "completed":
        print("SKIP: every run ended before its time limit (machine too fast); termination not checked")
        return
    check("stopped mid-run -> terminated, the expert returning by itself",
          res["outcome"] == "terminated" and "stopped when asked" in res["message"],
          (res["outcome"], res["message"]))


def check_configure(check, nmexpert, experts_dir, module, settings, expected, bad):
    """`nmexpert configure MODULE --set ...` stores the normalised settings
    (`expected`, as --show prints them) and refuses `bad`, keeping what was
    stored."""
    base = [nmexpert, "configure", module] + (["--experts-dir", experts_dir] if experts_dir else [])
    env = dict(os.environ, XDG_CONFIG_HOME=temp_dir("nmx-%s-cfg-" % module))
    sets = []
    for kv in settings:
        sets += ["--set", kv]
    p = subprocess.run(base + sets, capture_output=True, text=True, env=env)
    shown = shown_config(subprocess.run(base + ["--show"], capture_output=True, text=True, env=env).stdout).strip()
    check("configure stores the normalised settings", p.returncode == 0 and shown == expected,
          (p.stderr, shown))
    p = subprocess.run(base + ["--set", bad], capture_output=True, text=True, env=env)
    again = shown_config(subprocess.run(base + ["--show"], capture_output=True, text=True, env=env).stdout).strip()
    check("configure refuses %s, keeping what was stored" % bad, p.returncode != 0 and again == shown,
          (p.returncode, p.stderr, again))
