#!/usr/bin/env python3
"""End-to-end tests of what the nmexpert command does with odd files: captures
with times at the ends of (and beyond) the representable range, special files
given as captures or stored configurations (FIFOs, character devices), and
captures truncated while they are being indexed.

Every capture is built byte by byte here.  Run by ctest with NMEXPERT (the
program) and FIXTURES (the fixture experts) in the environment.  Each check
prints one line; any failure makes the exit status 1.
"""
import atexit
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time

NMEXPERT = os.environ["NMEXPERT"]
FIXTURES = os.environ["FIXTURES"]
failures = []


def run(*args, timeout=60, env=None):
    e = dict(os.environ)
    e.update(env or {})
    try:
        p = subprocess.run([NMEXPERT, *args], capture_output=True, text=True, timeout=timeout, env=e)
    except subprocess.TimeoutExpired:
        return "timeout", "", "did not finish in %d s" % timeout
    return p.returncode, p.stdout, p.stderr


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  -- " + detail))
    if not cond:
        failures.append(name)


def fx(name):
    return os.path.join(FIXTURES, "fx_%s.so" % name)


# ---- capture builders (little-endian) -----------------------------------------

def ng_block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def ng_shb():
    return ng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))


def ng_idb(tsresol=None, tsoffset=None, linktype=1):
    opts = b""
    if tsresol is not None:
        opts += struct.pack("<HHB3x", 9, 1, tsresol)
    if tsoffset is not None:
        opts += struct.pack("<HHq", 14, 8, tsoffset)
    if opts:
        opts += struct.pack("<HH", 0, 0)
    return ng_block(1, struct.pack("<HHI", linktype, 0, 65535) + opts)


def ng_epb(iface, ticks, data):
    return ng_block(6, struct.pack("<IIIII", iface, ticks >> 32, ticks & 0xFFFFFFFF, len(data), len(data))
                    + data)


def netmon2(year, frames):
    """NetMon 2.0, Ethernet, header start time `year`-03-16 12:00; frames are
    (offset in microseconds, data)."""
    header = bytearray(128)
    struct.pack_into("<4sBBH8H", header, 0, b"GMBU", 0, 2, 1, year, 3, 0, 16, 12, 0, 0, 0)
    out = bytearray(header)
    offs = []
    for delta, data in frames:
        offs.append(len(out))
        out += struct.pack("<qII", delta, len(data), len(data)) + data
    table = len(out)
    for o in offs:
        out += struct.pack("<I", o)
    struct.pack_into("<II", out, 24, table, 4 * len(offs))
    return bytes(out)


FRAME = bytes(range(60))
tmp = tempfile.mkdtemp(prefix="nmx-odd-")
atexit.register(shutil.rmtree, tmp, True)  # however the test ends


def write(name, data):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


# ---- times: exact at the ends of the range, clamped beyond it -------------------

# Two interfaces in whole seconds, at -9e9 s and +9e9 s (1684 and 2255): the
# span, 1.8e19 ns, is more than an int64 holds.
far = write("far.pcapng", ng_shb() + ng_idb(0, -9000000000) + ng_idb(0, 9000000000)
            + ng_epb(0, 0, FRAME) + ng_epb(1, 0, FRAME))
rc, out, err = run("info", far)
check("info: frames 1.8e19 ns apart -> 0", rc == 0, err)
check("info: the duration of frames 1.8e19 ns apart is exact",
      "Duration:          18000000000 s\n" in out, out)
check("info: first and last time of frames 1.8e19 ns apart",
      "First time:        1684-" in out and "Last time:         2255-" in out, out)
rc, out, err = run("info", far, "--format", "json")
try:
    c = json.loads(out)["capture"]
    check("info json: the duration of frames 1.8e19 ns apart", c["duration"] == 1.8e10, str(c))
except (ValueError, KeyError) as ex:
    check("info json parses", False, repr(ex) + out)

# A time beyond the range: clamped, and the capture is damaged (exit 2).
clamped = write("clamped.pcapng", ng_shb() + ng_idb(0) + ng_epb(0, 5, FRAME)
                + ng_epb(0, (1 << 64) - 1, FRAME) + ng_epb(0, 6, FRAME))
rc, out, err = run("info", clamped)
check("info: a time beyond 2262 -> 2, damage named", rc == 2 and "frame 2: time outside the representable range"
      in err and "3 usable frames" in err, "rc %s: %s" % (rc, err))
check("info: all 3 frames kept", "Frames:            3\n" in out, out)

# A NetMon header dated 10198 used to wrap silently to 2015-03-16.
nm = write("year10198.cap", netmon2(10198, [(0, FRAME), (1000, FRAME)]))
rc, out, err = run("info", nm)
check("info: NetMon start year 10198 -> 2, damage names the header's time",
      rc == 2 and "offset 8: the header's start time 10198-03-16 12:00:00.000 is outside the "
      "representable range" in err, "rc %s: %s" % (rc, err))
check("info: NetMon start year 10198 is not shown as 2015", "2015-" not in out, out)
check("info: NetMon start year 10198 shows clamped times",
      "First time:        2262-04-11T23:47:16.854775Z" in out, out)
rc, out, err = run("run", nm, "-e", fx("good"), "--format", "json")
check("run: NetMon start year 10198 -> 2 with a warning and a report",
      rc == 2 and "warning:" in err and json.loads(out or "{}").get("capture", {}).get("damage"),
      "rc %s: %s" % (rc, err))

# ---- special files: refused at once, never waited on or read without end ------------

def pcap(frames):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, data in enumerate(frames):
        out += struct.pack("<IIII", 1700000000 + i, 0, len(data), len(data)) + data
    return out


good = write("good.pcap", pcap([FRAME] * 3))
fifo = os.path.join(tmp, "capture.fifo")
os.mkfifo(fifo)
for cmd in (["info", fifo], ["run", fifo, "-e", fx("good")]):
    rc, out, err = run(*cmd, timeout=20)
    check("%s of a FIFO without a writer -> 2 at once, 'not a regular file'" % cmd[0],
          rc == 2 and fifo in err and "is a FIFO (named pipe), not a regular file" in err,
          "rc %s: %s" % (rc, err))
for dev in ("/dev/zero", "/dev/null"):
    rc, out, err = run("info", dev, timeout=20)
    check("info %s -> 2 before reading, 'character device'" % dev,
          rc == 2 and dev + ": is a character device, not a regular file" in err, "rc %s: %s" % (rc, err))

# A FIFO (or a device) where a stored configuration belongs is unreadable:
# run warns and uses the defaults, configure --show exits 2; neither waits.
config = os.path.join(tmp, "config")
store = os.path.join(config, "nmexpert", "experts")
os.makedirs(store)
env = {"XDG_CONFIG_HOME": config}
for kind in ("fifo", "device"):
    cfg = os.path.join(store, "fx_good.cfg")
    if kind == "fifo":
        os.mkfifo(cfg)
    else:
        os.symlink("/dev/zero", cfg)
    why = cfg + ": cannot read the stored configuration: not a regular file"
    rc, out, err = run("run", good, "-e", fx("good"), env=env, timeout=20)
    check("run with a stored configuration that is a %s: warned, defaults used" % kind,
          rc == 0 and why in err and "runs with its defaults" in err, "rc %s: %s" % (rc, err))
    rc, out, err = run("configure", "fx_good", "--experts-dir", FIXTURES, "--show", env=env, timeout=20)
    check("configure --show of a stored configuration that is a %s -> 2" % kind,
          rc == 2 and why in err, "rc %s: %s" % (rc, err))
    os.remove(cfg)

# ---- a capture truncated while it is being indexed -----------------------------------
# As soon as `info` has mapped a 16 MB capture (seen in /proc/PID/maps), the
# file is truncated to a random size: the host must report an error or
# damage, never die of SIGBUS.  tests/unit/capture/test_capture_shrink.c
# truncates at exact moments through a hook.
rng = random.Random(4242)
big_frames = [bytes([i & 0xFF]) * 700 for i in range(24000)]
bigs = {
    "big.pcapng": ng_shb() + ng_idb() + b"".join(ng_epb(0, 1500000000000000 + i, f)
                                                 for i, f in enumerate(big_frames)),
    "big.pcap": pcap(big_frames),
    "big.cap": netmon2(2016, [(i, f) for i, f in enumerate(big_frames)]),
}


def mapped(pid, path):
    try:
        with open("/proc/%d/maps" % pid) as f:
            return path in f.read()
    except OSError:
        return False


for name, data in bigs.items():
    path = os.path.join(tmp, name)
    hit = 0
    for round_ in range(6):
        write(name, data)
        size = rng.randrange(0, len(data) // 2)
        p = subprocess.Popen([NMEXPERT, "info", path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True)
        deadline = time.monotonic() + 10
        while p.poll() is None and not mapped(p.pid, path) and time.monotonic() < deadline:
            pass
        if p.poll() is None:
            hit += 1
        os.truncate(path, size)
        try:
            err = p.communicate(timeout=60)[1]
        except subprocess.TimeoutExpired:
            p.kill()
            err = p.communicate()[1] + " (timed out)"
        check("info of %s truncated to %d bytes while indexed: 0 or 2, no signal" % (name, size),
              p.returncode in (0, 2) and (p.returncode == 0 or path in err),
              "rc %s: %s" % (p.returncode, err[-300:]))
    print("     (%s: truncated %d times of 6 while info was running)" % (name, hit))

# The same under `run`: the host reports; experts may lose frames, never the host.
path = os.path.join(tmp, "big.pcap")
for round_ in range(3):
    write("big.pcap", bigs["big.pcap"])
    size = rng.randrange(0, len(bigs["big.pcap"]) // 2)
    p = subprocess.Popen([NMEXPERT, "run", path, "-e", fx("good"), "--format", "json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 10
    while p.poll() is None and not mapped(p.pid, path) and time.monotonic() < deadline:
        pass
    os.truncate(path, size)
    try:
        out, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    check("run over a capture truncated to %d bytes while indexed: a report, no signal" % size,
          p.returncode in (0, 1, 2) and '"experts"' in out, "rc %s: %s" % (p.returncode, err[-300:]))

if failures:
    print("%d check(s) failed" % len(failures))
    sys.exit(1)
