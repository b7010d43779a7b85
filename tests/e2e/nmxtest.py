"""nmxtest - what the end-to-end tests share: running nmexpert, recording
checks, and a result line per check.

    from nmxtest import T
    t = T()                       # reads NMEXPERT (and FIXTURES, EXPERTS, DATA if set)
    rc, out, err = t.run("info", path)
    t.check("info reads the file", rc == 0, err)
    sys.exit(t.done())            # 1 if any check failed

Each check prints "ok   NAME" or "FAIL NAME  -- detail".  A run that hangs is
killed after `timeout` seconds and reported as status -1.
"""
import atexit
import os
import shutil
import struct
import subprocess
import tempfile


class T:
    def __init__(self, prefix="nmx-test-"):
        self.nmexpert = os.path.abspath(os.environ["NMEXPERT"])
        self.fixtures = os.environ.get("FIXTURES", "")
        self.experts = os.path.abspath(os.environ.get("EXPERTS", ""))
        self.data = os.path.abspath(os.environ.get("DATA", ""))
        self.failures = []
        self.tmp = tempfile.mkdtemp(prefix=prefix)
        atexit.register(shutil.rmtree, self.tmp, True)  # however the test ends (tmp_left_behind)
        os.environ["XDG_CONFIG_HOME"] = os.path.join(self.tmp, "config")

    def run(self, *args, timeout=300, env=None, stdin=None, text=True):
        """(exit status, stdout, stderr).  `stdin` is bytes (or an open file)."""
        e = dict(os.environ)
        e.update(env or {})
        kw = {"input": stdin} if isinstance(stdin, (bytes, str)) else {"stdin": stdin}
        try:
            p = subprocess.run([self.nmexpert, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=timeout, env=e, **kw)
        except subprocess.TimeoutExpired:
            return -1, "", "hung for %d s" % timeout
        out, err = p.stdout, p.stderr
        if text:
            out, err = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
        return p.returncode, out, err

    def check(self, name, cond, detail=""):
        print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  -- " + str(detail)[:600]))
        if not cond:
            self.failures.append(name)
        return cond

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def done(self):
        if self.failures:
            print("%d check(s) failed: %s" % (len(self.failures), ", ".join(self.failures)))
            return 1
        print("all checks passed")
        return 0


def typed_columns(expert, event):
    """An event of a JSON report (version 2) as a list of typed cells in its
    kind's column order: [{"name", "type" (the netmon_type), "value"}], for
    checks that look at columns by position or type."""
    kinds = {k["ident"]: k["columns"] for k in expert.get("event_kinds", [])}
    return [{"name": c["name"], "type": c["netmon_type"], "value": event["values"][c["name"]]}
            for c in kinds.get(event["ident"], []) if c["name"] in event["values"]]


def with_columns(report):
    """Adds typed_columns() to every event of a report as "columns"; returns it."""
    for e in report.get("experts", []):
        for ev in e.get("events", []):
            ev["columns"] = typed_columns(e, ev)
    return report


def on_pty(nmexpert, args, cols, env=None, timeout=120):
    """Runs nmexpert with standard output and error on a terminal `cols`
    wide (COLUMNS unset); its exit status and what it wrote."""
    import fcntl
    import pty
    import select
    import struct
    import termios
    import time
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, cols, 0, 0))
    e = dict(os.environ)
    e.pop("COLUMNS", None)
    e.update(env or {})
    p = subprocess.Popen([nmexpert, *args], stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=e)
    os.close(slave)
    data = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not select.select([master], [], [], 1)[0]:
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    if p.poll() is None:
        p.kill()
    rc = p.wait()
    os.close(master)
    return rc, data.decode("utf-8", "replace")


def screen_lines(text):
    """What a terminal showed, line by line: escape sequences gone, each
    carriage-return overwrite a line of its own."""
    import re
    plain = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text).replace("\r\n", "\n")
    return [seg for line in plain.split("\n") for seg in line.split("\r")]


def write_pcap(path, frames):
    """Writes Ethernet frames (bytes each) as a classic pcap, frame i at
    1700000000 s + i ms."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, p in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000, len(p), len(p)))
            f.write(p)
