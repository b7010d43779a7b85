"""tshark_ref.py - what the expert tests (test_protdist.py, test_topuser.py,
test_propdist.py) share: running nmexpert and tshark, finding the captures,
and reporting checks.

Expected values always come from tshark (or capinfos), run here on the same
capture; never from a previous run of an expert.  Each check prints one line
("ok ..." or "FAIL ..."); finish() exits 1 if any check failed.
"""
import collections
import glob
import hashlib
import json
import os
import shutil
import struct
import subprocess
import tempfile
import sys

import cli_checks

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from nmxtest import with_columns  # noqa: E402  (the report's events as typed cells)

NMEXPERT = os.environ.get("NMEXPERT", "nmexpert")
EXPERTS = os.environ.get("EXPERTS", "")
DATA = os.environ.get("DATA", "tests/data")
SAMPLE = os.environ.get("SAMPLE", "data/sample.pcap")
SOURCE_DIR = os.environ.get("SOURCE_DIR", ".")
SHARED = os.environ.get("NMX_SHARED_CAPTURES") or os.environ.get("SHARED_CAPTURES") or os.path.join(
    SOURCE_DIR, "..", "shared", "captures")
# The one file that holds tshark's reference options (one option a line).
REFERENCE_OPTS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tshark-reference.opts")


def reference_options(path=REFERENCE_OPTS_FILE):
    """tshark's reference options as a list of arguments ('#' lines and
    blank lines left out)."""
    with open(path, encoding="utf-8") as f:
        return [a for line in f if line.strip() and not line.startswith("#") for a in line.split()]


# The options issue 6 prescribes for every comparison: no reassembly (of IP
# fragments, TCP segments, SMB transactions and SMB/SMB2 pipe messages).
TSHARK_OPTS = reference_options()
# tshark's TCP sequence analysis keeps state across segments: it does not
# hand the payload of a segment it flags as retransmitted or out of order to
# any dissector, and it tracks where PDUs begun in earlier segments end.  The
# experts (and the parsers' recognize pass) look at every frame on its own
# (README.md of each expert; docs/protocols.md), so the comparisons turn the
# analysis off.
NO_SEQ_ANALYSIS = ["-o", "tcp.analyze_sequence_numbers:FALSE"]

notes = []


def cache_dir():
    """Where tshark's results and the big generated capture are kept between
    runs and build trees: $TSHARK_CACHE (ctest sets it), else the user's
    cache directory; never the temporary directory."""
    d = os.environ.get("TSHARK_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "nmexpert-tests")
    os.makedirs(d, exist_ok=True)
    return d


def note(text):
    print("note " + text, flush=True)
    notes.append(text)


# check(), the failures and the skips, with the exit status of a test that
# passed but skipped part of its checks, are cli_checks' (one set for every
# expert test).
from cli_checks import SKIP_STATUS, check, failures, skips  # noqa: E402,F401


def skipped(text):
    print("skipped: " + text, flush=True)
    skips.append(text)


def finish():
    print("%d check(s) failed" % len(failures) if failures else "all checks passed", flush=True)
    if not failures and skips:
        print("exit status %d (skipped): %s" % (SKIP_STATUS, "; ".join(skips)), flush=True)
    sys.exit(1 if failures else SKIP_STATUS if skips else 0)


def have_tshark():
    return shutil.which("tshark") is not None


def project_captures():
    """data/sample.pcap and tests/data/*: always compared."""
    caps = [SAMPLE] + sorted(glob.glob(os.path.join(DATA, "*.pcap*")))
    return [c for c in caps if os.path.isfile(c)]


# A representative part of the shared set, so that the three expert tests
# stay within a few minutes (tshark needs over a second per file just to
# start): every link type, QinQ and a GTP tunnel, ICMP errors, fragments,
# IPv6, SMB1/SMB2, NetBIOS, DHCP, DNS, HTTP, TLS, NetMon 2 files (converted
# and genuine), multi-interface pcapng, a truncated, a corrupted and an empty
# file.  NMX_EXPERTS_ALL_SHARED=1 compares every readable shared capture.
SHARED_SUBSET = """
real/ndpi_zoom_qinq-vlan-mixed.pcap real/ppa_icmp-tracert-slow.pcap real/honeynet_suspicious-time.pcap
real/ndpi_1kxun.pcap real/ndpi_reddit_ipv6.pcap real/ppa_ipfragments.pcap
real/ndpi_dnscrypt-v1-and-resolver-pings.pcap real/suricata_smb2-peter.pcap
real/suricata_syn-retransmit-vlan-mixed.pcap real/netforensics_evidence04_scan.pcap
real/evilfingers_xscan_smb_dcerpc.pcap real/ndpi_netbios.pcap
linktypes/ndpi_KakaoTalk_sll.pcap linktypes/zeek_linux_dlt_sll2.pcap linktypes/ndpi_ocs_rawip.pcap
linktypes/suricata_http-range-multiflows_null.pcap linktypes/chrissanders_3e80211_wpaauth_radiotap.pcapng
linktypes/zeek_llc_fddi.pcap linktypes/tcpdump_ipv6_mobility_1_ipv6.pcap
linktypes/zeek_timeout-with-pings_ipv4.pcap pcapng/zeek_ldap_gap-data-missing_126idb.pcapng
pcapng/ndpi_sites_22idb.pcapng netmon/conv_netmon2_ndpi_zoom_qinq-vlan-mixed.cap netmon/ms_WMOD_Ex4.cap
edge/zeek_trunc-hdr_caplen8.pcap edge/made_editcap-E0.02-seed5_suspicious-time.pcap edge/tcpdump_empty.pcap
""".split()


def shared_captures(folders=("real", "linktypes", "pcapng", "netmon", "edge"), every=False):
    """The shared captures to compare (SHARED_SUBSET, or with every=True or
    NMX_EXPERTS_ALL_SHARED=1 every readable one: malformed/ is left out, its
    files are rejected or stop with an error by design), or [] when the set
    is absent."""
    if not os.path.isdir(SHARED):
        return []
    if every or os.environ.get("NMX_EXPERTS_ALL_SHARED") == "1":
        caps = []
        for f in folders:
            caps += sorted(p for p in glob.glob(os.path.join(SHARED, f, "*")) if os.path.isfile(p))
        return caps
    return [os.path.join(SHARED, c) for c in SHARED_SUBSET if os.path.isfile(os.path.join(SHARED, c))]


def rel(path):
    """A capture's name for messages and exception lists: folder/file."""
    return os.path.join(os.path.basename(os.path.dirname(path)), os.path.basename(path))


def nmexpert(*args, timeout=600):
    p = subprocess.run([NMEXPERT, *args], capture_output=True, text=True, errors="surrogateescape",
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def config_size(settings, stored=""):
    """Bytes of the configuration copy the host allocates in an expert's
    heap for Run (EXPERTCONFIG: the length DWORD and exactly the
    configuration bytes: the stored text as the expert's Configure stored
    it, NUL included, or the KEY=VALUE lines --set composed, no NUL added),
    which it reclaims itself; 0 when there is no configuration."""
    if not settings:
        return 4 + len(stored.encode()) + 1 if stored else 0
    text = stored + "".join("%s=%s\n" % kv for kv in settings.items())
    return 4 + len(text.encode())


_config_dir = []


def config_file(text):
    """A temporary file holding a configuration text (removed at exit)."""
    if not _config_dir:
        _config_dir.append(cli_checks.temp_dir("nmx-cfg-"))
    fd, path = tempfile.mkstemp(prefix="cfg-", suffix=".txt", dir=_config_dir[0])
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


shown_config = cli_checks.shown_config


def run_experts(capture, specs, extra=(), isolation="none", stored=""):
    """Runs experts over a capture in one nmexpert process and returns the
    report's expert entries in order.  specs: [(expert, {key: value})], an
    expert being a module name (looked up in EXPERTS) or a path; `stored`
    is the text of a configuration stored with nmexpert configure.  Checks
    that each expert freed everything it allocated, on every path."""
    args = ["run", capture, "--format", "json", "--isolation", isolation, "--no-progress"]
    if EXPERTS:
        args += ["--experts-dir", EXPERTS]
    for expert, settings in specs:
        args += ["-e", expert]
        mod = os.path.splitext(os.path.basename(expert))[0]
        if settings:
            # Through a configuration file, which reaches the expert as it
            # is: these tests check the expert's own answer to every value,
            # where --set would be refused by the host first when the
            # expert declares its settings (e2e_settings tests that).
            args += ["--config", "%s=%s" % (mod, config_file(stored + "".join(
                "%s=%s\n" % kv for kv in settings.items())))]
    args += list(extra)
    rc, out, err = nmexpert(*args)
    try:
        experts = with_columns(json.loads(out))["experts"]
    except (ValueError, KeyError):
        raise RuntimeError("nmexpert %s: exit %d, %s" % (" ".join(args), rc, err.strip()))
    # 0: every expert completed; 1: some did not.  Anything else (a
    # sanitizer's report at exit, a crash of the host) is a failure.
    want = 0 if all(e["outcome"] == "completed" for e in experts) else 1
    if rc != want:
        check("nmexpert %s: exit status %d" % (" ".join(args[1:2] + args[8:12]), want), False,
              "exit %d: %s" % (rc, err.strip()[-1500:]))
    for (expert, settings), e in zip(specs, experts):
        mem = e.get("memory") or {}
        live = mem.get("live_bytes_at_end", 0)
        if e["outcome"] != "load_failed" and live != config_size(settings, stored):
            check("%s freed its memory (outcome %s)" % (e["module"], e["outcome"]), False,
                  "%d bytes live at the end, %d of them the host's configuration copy" % (
                      live, config_size(settings, stored)))
    return experts


def run_expert(capture, module, settings=None, extra=(), isolation="none", stored=""):
    return run_experts(capture, [(module, settings or {})], extra, isolation, stored)[0]


def big_capture():
    """A pcap of 600,000 small UDP frames, made once (in TSHARK_CACHE), for
    stopping experts half-way."""
    cache = cache_dir()
    path = os.path.join(cache, "big-600k-udp.pcap")
    if not os.path.exists(path):
        os.makedirs(cache, exist_ok=True)
        frame = bytes.fromhex("ffffffffffff020000000001080045000024000100004011"
                              "0000c0000201c00002ff04d200350010000000000000000000000000")
        rec = struct.pack("<IIII", 1, 0, len(frame), len(frame)) + frame
        tmp = path + ".%d.tmp" % os.getpid()
        with open(tmp, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            f.write(rec * 600000)
        os.replace(tmp, path)
    return path


def check_stops(module, settings=None):
    """The expert honours NMERR_EXPERT_TERMINATE (a --timeout half-way through
    a big capture) and NMERR_OUT_OF_MEMORY (a tiny --mem-limit): it stops,
    reports the right outcome and frees what it allocated (checked by
    run_experts)."""
    settings = settings or {}
    e = run_expert(big_capture(), module, settings, extra=["--timeout", "0.03"])
    check("%s stops when asked (--timeout)" % module,
          e["outcome"] == "terminated" and e["status"] == "aborted" and not e["events"], e)
    e = run_expert(SAMPLE, module, settings, extra=["--mem-limit", "2K"])
    check("%s: out of memory -> problem NMERR_OUT_OF_MEMORY, explained" % module,
          e["outcome"] == "out_of_memory" and e["status"] == "problem" and e["substatus"] == 19 and
          "memory" in e["message"], e)


class Clones:
    """Copies of one expert module under other names (clone0.so, clone1.so...)
    so that one nmexpert process runs it with many configurations (the
    module name keys --set).  A speed-up for the tests only."""

    def __init__(self, module):
        self.dir = cli_checks.temp_dir("nmx-clones-")
        self.src = os.path.join(EXPERTS, module + ".so")
        self.n = 0

    def path(self, i):
        while self.n <= i:
            shutil.copy(self.src, os.path.join(self.dir, "clone%d.so" % self.n))
            self.n += 1
        return os.path.join(self.dir, "clone%d.so" % i)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def columns(event):
    """{column name: value} of one event."""
    return {c["name"]: c.get("value") for c in event["columns"]}


def column_types(event):
    return [(c["name"], c["type"]) for c in event["columns"]]


# tshark shows frame.time in the local time zone; nmexpert in UTC.
TSHARK_ENV = dict(os.environ, TZ="UTC")


def tshark(capture, *args, timeout=900):
    p = subprocess.run(["tshark", "-n", "-r", capture, *args], capture_output=True, text=True,
                       errors="surrogateescape", timeout=timeout, env=TSHARK_ENV)
    if p.returncode != 0:
        raise RuntimeError("tshark %s: %s" % (" ".join(args), p.stderr.strip()[-500:]))
    return p.stdout


def tshark_phs(capture, opts, flt=None):
    """io,phs (of the frames passing display filter flt, if given) summed
    per protocol name: {name: [frames, bytes]}."""
    return parse_phs(tshark(capture, "-q", "-z", "io,phs" + ("," + flt if flt else ""), *opts))


def tshark_endpoints(capture, kind):
    """endpoints,<kind>: {address: (tx frames, tx bytes, rx frames, rx bytes)}."""
    out = tshark(capture, "-q", "-z", "endpoints," + kind, *TSHARK_OPTS)
    table = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 7 and all(x.isdigit() for x in f[1:]):
            table[f[0]] = (int(f[3]), int(f[4]), int(f[5]), int(f[6]))
    return table


def tshark_field_values(capture, keys, opts):
    """tshark -T fields -E occurrence=a for every key at once.  Returns
    ({key: Counter(value -> instances)}, {key: frames with the field}).
    Values are split on the aggregator (a control character, so that values
    holding commas stay whole; with the default ',' the counts are the same
    for values without one)."""
    args = ["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=\x1f", "-E", "separator=\x1e"]
    for k in keys:
        args += ["-e", k]
    out = tshark(capture, *opts, *args)
    values = {k: collections.Counter() for k in keys}
    frames = collections.Counter()
    for line in out.split("\n"):
        if line == "":
            continue
        for k, cell in zip(keys, line.split("\x1e")):
            if cell != "":
                frames[k] += 1
                for v in cell.split("\x1f"):
                    values[k][v] += 1
    return values, frames


# The fields whose values test_propdist.py compares on every capture: the 27
# of issue 4 (checked per frame by the parser tests) and others chosen for
# their kinds: numbers in decimal and hex, masked and 64-bit numbers, flags,
# addresses, strings, and fields with several instances per frame.
REFERENCE_FIELDS = (
    "eth.src eth.dst eth.type vlan.id ip.src ip.dst ip.ttl ip.proto ip.flags.mf ipv6.src tcp.srcport "
    "tcp.dstport tcp.seq_raw tcp.flags.syn tcp.len udp.dstport dns.id dns.qry.name dns.flags.response "
    "http.request.method http.response.code smb2.cmd smb.cmd nbns.name dhcp.option.dhcp "
    "tls.handshake.extensions_server_name arp.opcode "
    "frame.len eth.addr ip.id ip.hdr_len ip.len ip.flags.df ip.dsfield.dscp ipv6.dst ipv6.hlim "
    "tcp.port tcp.flags tcp.flags.ack tcp.window_size_value tcp.option_kind udp.length icmp.type "
    "icmpv6.type dns.qry.type dns.count.answers http.host smb2.sesid smb2.msg_id nbss.type").split()


def reference(capture):
    """One tshark pass over a capture with reassembly and TCP sequence
    analysis off: io,phs, endpoints (eth, ip, ipv6) and the values of
    REFERENCE_FIELDS.  Cached on disk (TSHARK_CACHE) by capture, size, time
    and arguments, so that the three expert tests share one pass."""
    opts = TSHARK_OPTS + NO_SEQ_ANALYSIS + ["-z", "io,phs", "-z", "endpoints,eth", "-z", "endpoints,ip",
                                            "-z", "endpoints,ipv6", "-T", "fields", "-E", "occurrence=a",
                                            "-E", "aggregator=\x1f", "-E", "separator=\x1e"]
    for k in REFERENCE_FIELDS:
        opts += ["-e", k]
    st = os.stat(capture)
    tag = hashlib.sha256(repr((os.path.abspath(capture), st.st_size, st.st_mtime_ns, opts)).encode()).hexdigest()
    cache = cache_dir()
    path = os.path.join(cache, tag[:32] + ".json")
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    out = tshark(capture, *opts)
    fields_lines, stats = [], []
    for line in out.split("\n"):
        (fields_lines if "\x1e" in line else stats).append(line)
    values = {k: collections.Counter() for k in REFERENCE_FIELDS}
    frames = collections.Counter()
    for line in fields_lines:
        for k, cell in zip(REFERENCE_FIELDS, line.split("\x1e")):
            if cell != "":
                frames[k] += 1
                for v in cell.split("\x1f"):
                    values[k][v] += 1
    ref = {"phs": parse_phs("\n".join(stats)), "endpoints": {}, "values": values, "frames": frames}
    titles = {"Ethernet Endpoints": "eth", "IPv4 Endpoints": "ip", "IPv6 Endpoints": "ipv6"}
    kind = None
    for line in stats:
        if line.strip() in titles:
            kind = titles[line.strip()]
            ref["endpoints"][kind] = {}
        elif line.startswith("====="):
            kind = None
        elif kind is not None:
            f = line.split()
            if len(f) == 7 and all(x.isdigit() for x in f[1:]):
                ref["endpoints"][kind][f[0]] = [int(f[3]), int(f[4]), int(f[5]), int(f[6])]
    os.makedirs(cache, exist_ok=True)
    tmp = path + ".%d.tmp" % os.getpid()
    with open(tmp, "w") as f:
        json.dump(ref, f)
    os.replace(tmp, path)
    return json.loads(json.dumps(ref))


def parse_phs(text):
    """io,phs output summed per protocol name: {name: [frames, bytes]}."""
    sums = collections.defaultdict(lambda: [0, 0])
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].startswith("frames:") and parts[2].startswith("bytes:"):
            sums[parts[0]][0] += int(parts[1][7:])
            sums[parts[0]][1] += int(parts[2][6:])
    return dict(sums)


def tshark_fields_known():
    """The field names this tshark knows."""
    p = subprocess.run(["tshark", "-G", "fields"], capture_output=True, text=True, errors="surrogateescape")
    return set(line.split("\t")[2] for line in p.stdout.splitlines() if line.startswith("F\t"))


def capinfos_frames(capture):
    p = subprocess.run(["capinfos", "-M", "-c", capture], capture_output=True, text=True)
    for line in p.stdout.splitlines():
        if "Number of packets" in line:
            return int(line.split(":")[1].strip())
    return None


def matches(capture, pattern):
    """True when the capture's folder/file name contains the pattern."""
    return pattern in rel(capture)
