#!/usr/bin/env python3
"""test_coalesce.py - the Protocol Coalesce expert, checked with tshark.

For every capture checked, the expert writes a new capture (pcap, or NetMon 2
for a .cap output), and:

1. tshark reads the output without an error or warning, and finds as many
   frames as the expert's summary says it wrote (capinfos agrees);
2. every TCP stream of the input that carries data and lost none (no
   tcp.analysis.lost_segment / ack_lost_segment in it) has, in the output,
   exactly the same payload bytes in each direction, in order, as
   `tshark -q -z follow,tcp,raw,N` gives on the input;
3. the frames of the input that are not TCP appear in the output unchanged
   (same time, same length, same bytes: their hex compared);
4. the IPv4 and TCP checksums of the frames the expert built are correct
   (tshark with checksum validation on);
5. the summary counts the frames it read (capinfos).

Then the failure paths: no output setting, a bad setting, an output file
that cannot be created -> outcome failed with a message saying so, and no
file left behind; a run stopped mid-way (SIGINT once the output has been
started) -> outcome terminated and neither the output nor its .part file
left.

The project's captures are always checked; the shared captures when
$NMX_SHARED_CAPTURES or $SHARED_CAPTURES (default ../shared/captures next to
the source tree) exists - a representative subset unless
NMX_EXPERTS_ALL_SHARED=1.  Exit status 0 passed, 77 passed but skipped a part (no tshark, no shared captures),
1 failed.
"""
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time

import cli_checks
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from nmxtest import with_columns  # noqa: E402  (the report's events as typed cells)

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
NMEXPERT = os.environ.get("NMEXPERT", "nmexpert")
EXPERTS = os.environ.get("EXPERTS", "")
SHARED = os.environ.get("NMX_SHARED_CAPTURES") or os.environ.get("SHARED_CAPTURES") or os.path.join(
    SRC, "..", "shared", "captures")
TMP = cli_checks.temp_dir("nmx-coalesce-")
# Streams compared per capture at most (those with the most data): one
# tshark pass follows them all.
MAX_FOLLOW = 150

failures = []
# A test that passed but skipped part of its checks (a tool or the shared
# captures missing) exits with SKIP_STATUS: ctest reports it as skipped
# (SKIP_RETURN_CODE in CMakeLists.txt), not as passed.
SKIP_STATUS = 77
skips = []


def skip(text):
    """Says what is not checked; returns the exit status of a test that stops here."""
    print("SKIP: " + text, flush=True)
    skips.append(text)
    return SKIP_STATUS


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  -- " + str(detail)[:2000]), flush=True)
    if not cond:
        failures.append(name)
    return cond


def expert_args(cap, *sets, fmt="json"):
    args = [NMEXPERT, "run", cap, "-e", "coalesce", "--format", fmt, "--no-progress"]
    if EXPERTS:
        args += ["--experts-dir", EXPERTS]
    return args + cli_checks.config_args("coalesce", sets)


def run_expert(cap, *sets):
    p = subprocess.run(expert_args(cap, *sets), capture_output=True, text=True, timeout=600)
    try:
        res = with_columns(json.loads(p.stdout))["experts"][0]
    except (ValueError, KeyError, IndexError):
        raise RuntimeError("nmexpert failed (%d): %s" % (p.returncode, p.stderr))
    cols = {}
    for e in res["events"]:
        cols = {c["name"]: c["value"] for c in e["columns"]}
    return res, cols


def tshark(*args, timeout=600):
    return subprocess.run(["tshark", "-n", *args], capture_output=True, text=True, timeout=timeout)


def tshark_problems(stderr):
    return [l for l in stderr.splitlines() if l.strip() and "Running as user" not in l]


def capinfos_count(path):
    p = subprocess.run(["capinfos", "-c", "-M", path], capture_output=True, text=True)
    for l in p.stdout.splitlines():
        if "Number of packets" in l:
            return int(l.split(":")[1].split()[0])
    return None


# ---- following streams ------------------------------------------------------------------

def dissect(cap):
    """One tshark pass: ({stream: {"data": bytes of payload, "lost": bool}},
    [frame numbers of the frames that are not coalesced TCP], stderr)."""
    p = tshark("-r", cap, "-T", "fields", "-E", "occurrence=l", "-e", "frame.number", "-e", "frame.protocols",
               "-e", "tcp.stream", "-e", "tcp.len", "-e", "tcp.analysis.lost_segment",
               "-e", "tcp.analysis.ack_lost_segment", "-e", "ip.flags.mf", "-e", "ip.frag_offset",
               "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "ip.dst", "-e", "ipv6.dst",
               "-e", "tcp.dstport")
    st = {}
    other = []
    for line in p.stdout.splitlines():
        f = line.split("\t")
        protos = f[1].split(":")
        tcp = "tcp" in protos and "icmp" not in protos and "icmpv6" not in protos and f[2] != ""
        frag = f[6] in ("1", "True") or f[7] not in ("", "0")
        if not tcp or frag:
            other.append(int(f[0]))
            continue
        l3 = [x for x in protos[:protos.index("tcp")] if x in ("ip", "ipv6")]
        v6 = bool(l3) and l3[-1] == "ipv6"
        a = "[%s]:%s" % (f[9], f[10]) if v6 else "%s:%s" % (f[8], f[10])
        b = "[%s]:%s" % (f[12], f[13]) if v6 else "%s:%s" % (f[11], f[13])
        s = st.setdefault(int(f[2]), {"data": 0, "lost": False, "ends": tuple(sorted([a, b]))})
        if f[3]:
            s["data"] += int(f[3])
        if f[4] or f[5]:
            s["lost"] = True
    return st, other, p.stderr


def follow(cap, ids):
    """{stream: ((node0, node1), [bytes node0, bytes node1])} with follow,tcp,raw."""
    res = {}
    ids = sorted(ids)
    for k in range(0, len(ids), 200):  # a few hundred taps per tshark pass
        args = ["-r", cap, "-q"]
        for i in ids[k:k + 200]:
            args += ["-z", "follow,tcp,raw,%d" % i]
        out = tshark(*args).stdout
        cur = None
        for line in out.splitlines():
            if line.startswith("Filter: tcp.stream eq "):
                cur = int(line.split()[-1])
                res[cur] = [None, None, [bytearray(), bytearray()]]
            elif cur is None:
                continue
            elif line.startswith("Node 0: "):
                res[cur][0] = line[8:]
            elif line.startswith("Node 1: "):
                res[cur][1] = line[8:]
            elif line.startswith("=") or line.startswith("Follow:") or not line.strip():
                continue
            elif line.startswith("\t"):
                res[cur][2][1] += bytes.fromhex(line.strip())
            else:
                res[cur][2][0] += bytes.fromhex(line.strip())
    return {s: ((v[0], v[1]), v[2]) for s, v in res.items()}


def by_endpoints(fl):
    """{(endpoint a, endpoint b) sorted: [per occurrence: {endpoint: bytes sent}]}."""
    out = {}
    for s in sorted(fl):
        (n0, n1), data = fl[s]
        if n0 is None or n1 is None:
            continue
        key = tuple(sorted([n0, n1]))
        out.setdefault(key, []).append({n0: bytes(data[0]), n1: bytes(data[1])})
    return out


def pcap_records(path):
    """[(time text, bytes)] of a pcap file (either time resolution)."""
    with open(path, "rb") as fh:
        raw = fh.read()
    magic = struct.unpack("<I", raw[:4])[0]
    order = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nsec = struct.unpack(order + "I", raw[:4])[0] == 0xA1B23C4D
    recs = []
    i = 24
    while i + 16 <= len(raw):
        sec, frac, incl, _ = struct.unpack(order + "IIII", raw[i:i + 16])
        recs.append(("%d.%09d" % (sec, frac if nsec else frac * 1000), raw[i + 16:i + 16 + incl]))
        i += 16 + incl
    return recs


def frames_of(cap, numbers):
    """Sorted (time, bytes) of the given frames (1-based numbers); None when
    the file cannot be read as pcap (tshark exports other formats, unless
    they hold several link types)."""
    with open(cap, "rb") as fh:
        magic = fh.read(4)
    path = cap
    if magic not in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"):
        path = os.path.join(TMP, "export.pcap")
        if tshark("-r", cap, "-F", "pcap", "-w", path).returncode != 0:
            return None
    recs = pcap_records(path)
    return sorted(recs[n - 1] for n in numbers if n - 1 < len(recs))


# ---- checks -------------------------------------------------------------------------------

def check_capture(cap, label, fmt_ext=".pcap", fuzzed=False):
    out = os.path.join(TMP, os.path.basename(cap) + ".out" + fmt_ext)
    res, summary = run_expert(cap, "output=" + out)
    if not check("%s: outcome completed" % label, res["outcome"] == "completed", res.get("message")):
        return
    check("%s: output written, no .part left" % label, os.path.isfile(out) and not os.path.exists(out + ".part"))
    # 1. tshark reads it (with checksum validation: 4. below)
    p = tshark("-r", out, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", "-Y",
               "tcp.len > 0 && (tcp.checksum.status == \"Bad\" || ip.checksum.status == \"Bad\")", "-T", "fields",
               "-e", "frame.number")
    check("%s: tshark reads the output without a problem" % label, p.returncode == 0 and not tshark_problems(p.stderr),
          (p.returncode, tshark_problems(p.stderr)[:3]))
    badsum = p.stdout.split()
    n_out = capinfos_count(out)
    check("%s: Frames Written = frames in the file (%s)" % (label, n_out), summary.get("Frames Written") == n_out,
          (summary.get("Frames Written"), n_out))
    check("%s: Frames Read = frames in the capture" % label, summary.get("Frames Read") == capinfos_count(cap),
          (summary.get("Frames Read"), capinfos_count(cap)))
    if fmt_ext == ".cap":
        with open(out, "rb") as fh:
            check("%s: NetMon 2 file written for .cap" % label, fh.read(4) == b"GMBU")
    if fuzzed:
        print("     %s: fuzzed packet bytes: only reading checked (corrupted headers are copied as they are)" % label)
        return
    # 2. streams: all of them, or the MAX_FOLLOW with the most data
    st_in, other_in, _ = dissect(cap)
    st_out, other_out, _ = dissect(out)
    data = sorted((s for s, v in st_in.items() if v["data"] and not v["lost"]), key=lambda s: -st_in[s]["data"])
    lost = [s for s, v in st_in.items() if v["data"] and v["lost"]]
    wanted = data[:MAX_FOLLOW]
    fin = by_endpoints(follow(cap, wanted))
    # the output's streams with the same endpoints
    ends = set(fin)
    fout_all = follow(out, [s for s, v in st_out.items() if v["data"] and v["ends"] in ends])
    fout = by_endpoints(fout_all)
    bad = []
    same = 0
    for key, occ in fin.items():
        got = list(fout.get(key, []))
        for o in occ:
            if o in got:
                got.remove(o)
                same += 1
            else:
                diff = [{ep: len(x.get(ep, b"")) for ep in x} for x in fout.get(key, [])]
                bad.append((key, {ep: len(v) for ep, v in o.items()}, diff))
    check("%s: payload of %d streams = tshark follow,tcp,raw on the input (%d with lost data not compared)" % (
        label, len(wanted), len(lost)), not bad and same == len(wanted), bad[:5])
    # 3. other frames unchanged
    a, b = frames_of(cap, other_in), frames_of(out, other_out)
    if a is None or b is None:
        print("     %s: several link types, tshark cannot export it as pcap: copies not compared" % label)
    elif summary.get("Frames Converted", 0) == 0 and summary.get("Frames Dropped", 0) == 0:
        missing = [x[0] for x in a if x not in b]
        check("%s: %d non-TCP frames copied unchanged (time and bytes)" % (label, len(a)),
              not missing and len(a) == len(b), (missing[:5], len(a), len(b)))
    else:
        check("%s: non-TCP frames: %d in, %d out, %s converted, %s dropped" % (
            label, len(a), len(b), summary.get("Frames Converted"), summary.get("Frames Dropped")),
            len(b) == len(a) - summary.get("Frames Dropped", 0), (len(a), len(b)))
    # 4. checksums of what the expert built
    check("%s: checksums of the coalesced frames" % label, not badsum, badsum[:10])
    print("     %s: frames %s -> %s, transactions %s, streams compared %d of %d, with lost data %d, "
          "bytes missing %s" % (label, summary.get("Frames Read"), summary.get("Frames Written"),
                                summary.get("Transactions Coalesced"), len(wanted), len(data), len(lost),
                                summary.get("Bytes Missing")), flush=True)


def check_failures(cap):
    res, _ = run_expert(cap)
    check("no output setting -> failed, saying so", res["outcome"] == "failed" and res["status"] == "problem" and
          "output" in res["message"], (res["outcome"], res["message"]))
    for s, word in (("colour=red", "colour"), ("format=pcapng", "format")):
        res, _ = run_expert(cap, "output=" + os.path.join(TMP, "x.pcap"), s)
        check("setting %s -> failed, naming the key" % s, res["outcome"] == "failed" and word in res["message"],
              (res["outcome"], res["message"]))
    bad = os.path.join(TMP, "no", "such", "dir", "out.pcap")
    res, _ = run_expert(cap, "output=" + bad)
    check("unwritable output -> failed, naming the file", res["outcome"] == "failed" and bad in res["message"] and
          "cannot create" in res["message"], (res["outcome"], res["message"]))
    check("unwritable output -> nothing left", not os.path.exists(bad) and not os.path.exists(bad + ".part"))


def big_capture():
    """A capture long enough to stop half-way: data/sample.pcap repeated."""
    return cli_checks.repeated_sample(os.path.join(TMP, "big.pcap"), os.path.join(SRC, "data", "sample.pcap"), 150)

def check_termination():
    cap = big_capture()
    out = os.path.join(TMP, "stopped.pcap")
    p = subprocess.Popen(expert_args(cap, "output=" + out) + ["--isolation", "process"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    seen = False
    deadline = time.time() + 60
    while p.poll() is None and time.time() < deadline:
        if os.path.exists(out + ".part"):
            seen = True
            p.send_signal(signal.SIGINT)
            break
        time.sleep(0.002)
    stdout, _ = p.communicate(timeout=120)
    if not seen:
        print("SKIP: the run ended before it could be stopped (machine too fast); termination not checked")
        return
    try:
        res = with_columns(json.loads(stdout))["experts"][0]
    except (ValueError, KeyError, IndexError):
        res = {"outcome": "?", "message": stdout[-300:]}
    check("SIGINT mid-run -> terminated", res["outcome"] == "terminated", (res["outcome"], res.get("message")))
    check("SIGINT mid-run -> neither the output nor its .part left",
          not os.path.exists(out) and not os.path.exists(out + ".part"), os.listdir(TMP))


# Files whose packet bytes were corrupted on purpose (edge/ in the shared set).
FUZZED = {"edge/made_editcap-E0.02-seed5_suspicious-time.pcap"}

SHARED_SET = [
    "real/zeek_http_206_example_b.pcap",         # HTTP, retransmissions, zero window, out of order
    "real/suricata_smb2-peter.pcap",             # SMB2
    "real/suricata_smb1-vlan-filecontainer.pcap",  # SMB1 over VLAN
    "real/ppa_ftp-crack.pcap",                   # 714 connections, heavy retransmissions
    "real/ndpi_1kxun.pcap",                      # HTTP, every client frame twice
    "real/ndpi_reddit_ipv6.pcap",                # IPv6
    "real/suricata_tls-subjectaltname.pcap",     # TLS, lost segments, out of order
    "linktypes/ndpi_KakaoTalk_sll.pcap",         # Linux cooked capture
    "linktypes/ndpi_ocs_rawip.pcap",             # raw IP
    "linktypes/suricata_http-range-multiflows_null.pcap",  # BSD loopback: converted to Ethernet
    "netmon/ms_ADOD_Ex2_18_ManageAccessControl.cap",  # NetMon 2 with event frames
    "pcapng/ndpi_sites_22idb.pcapng",            # 22 interfaces
]


def check_configure():
    out = os.path.join(TMP, "out.CAP")  # a setting only: configure writes no capture
    cli_checks.check_configure(check, NMEXPERT, EXPERTS, "coalesce", ["output=" + out],
                               "output=%s\nformat=netmon2" % out, "format=zip")

def main():
    for tool in ("tshark", "capinfos"):
        if shutil.which(tool) is None:
            return skip("%s is not installed: nothing to compare with" % tool)
    os.environ["XDG_CONFIG_HOME"] = os.path.join(TMP, "config")
    only = sys.argv[1:]
    if only:
        for f in only:
            check_capture(f, os.path.basename(f))
        return 1 if failures else 0
    data = os.path.join(SRC, "tests", "data")
    check_capture(os.path.join(SRC, "data", "sample.pcap"), "sample.pcap")
    check_capture(os.path.join(SRC, "data", "sample.pcap"), "sample.pcap as NetMon 2", fmt_ext=".cap")
    for f in ("http.pcap", "smb.pcap", "retrans.pcap", "dns.pcap", "ipv6.pcap", "mixed.pcapng", "dhcp.pcap"):
        check_capture(os.path.join(data, f), f)
    check_failures(os.path.join(data, "http.pcap"))
    check_termination()
    check_configure()
    if not os.path.isdir(SHARED):
        skip("shared captures not found at %s (set NMX_SHARED_CAPTURES)" % SHARED)
    else:
        caps = SHARED_SET
        if os.environ.get("NMX_EXPERTS_ALL_SHARED") == "1":
            caps = sorted(os.path.relpath(os.path.join(dp, f), SHARED)
                          for d in ("real", "netmon", "pcapng", "linktypes", "edge")
                          for dp, _, fs in os.walk(os.path.join(SHARED, d)) for f in fs)
        for f in caps:
            path = os.path.join(SHARED, f)
            if os.path.exists(path):
                check_capture(path, f, fuzzed=f in FUZZED)
            else:
                skip("%s is missing" % path)
    print("%d failure(s)" % len(failures))
    if not failures:
        shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failures else SKIP_STATUS if skips else 0


if __name__ == "__main__":
    sys.exit(main())
