#!/usr/bin/env python3
"""End-to-end test of `nmexpert fields`: the protocols and fields nmexpert
dissects, listed as text, as tshark -G fields' TSV layout and as JSON.

Every field we list is one tshark knows by the same name, with the same
Wireshark type (FT_UINT16...), apart from the differences listed below with
their reason.  The three formats list the same fields; naming a protocol
(or its NetMon name) lists only it; an unknown name is exit 2.

Run by ctest with NMEXPERT in the environment.  Exit status 77 (ctest:
skipped) when tshark is not installed.
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nmxtest import T  # noqa: E402

# Where our type is deliberately not tshark's.
KNOWN_TYPE_DIFFERENCES = {
    # The NBSS length is 17 bits of a 32-bit header word here (RFC 1002's
    # length extension bit); tshark declares a 24-bit field.
    "nbss.length",
    # A NUL-terminated string (FT_STRINGZ in tshark): its value is the text
    # up to the NUL, which is what a plain string of that length shows.
    "nflog.prefix",
    # FT_STRINGZ (a NUL-terminated string) and FT_OID (an object name,
    # dotted) are recorded as strings with the same text.
    "tftp.source_file", "tftp.destination_file", "tftp.type", "tftp.option.name", "tftp.option.value",
    "tftp.error.message", "cdp.software_version", "snmp.name", "snmp.enterprise",
    "imap.line", "imap.request", "imap.request_tag", "imap.response", "imap.response_tag",
    "imap.request.command", "imap.response.command", "imap.response.status", "imap.tag", "imap.command",
    "imap.request.folder", "imap.request.username", "imap.request.password",
    # FT_UINT16 in tshark, but holding more: the RIP metric is read as 32
    # bits, the DHCPv6 elapsed time is shown in ms (the option's value x 10).
    "rip.metric", "dhcpv6.elapsed_time",
    # An IPX network number (FT_IPXNET) is a 32-bit number shown in hex, as
    # tshark -T fields shows it (0x0000abcd).
    "ipx.dst.net", "ipx.src.net", "ipx.net",
    # A frame number (FT_FRAMENUM) is a 32-bit number here.
    "ftp-data.setup-frame", "ftp-data.command-frame", "rtp.setup-frame", "rtcp.setup-frame",
    "dcerpc.request_in",
    # A DCE/RPC UUID (FT_GUID) is a string with tshark's text; the secondary
    # address (FT_STRINGZ) a string up to its NUL.
    "dcerpc.cn_bind_to_uuid", "dcerpc.cn_bind_trans_id", "dcerpc.cn_ack_trans_id", "dcerpc.obj_id",
    "dcerpc.dg_if_id", "dcerpc.dg_act_id",
    "dcerpc.cn_sec_addr",
}

t = T("nmx-fields-")
rc, tsv, err = t.run("fields", "--format", "tsv")
t.check("fields --format tsv: exit 0", rc == 0, err)
ours = {}
protos = []
for line in tsv.splitlines():
    p = line.split("\t")
    if p[0] == "P":
        protos.append(p[2])
    elif p[0] == "F":
        ours[p[2]] = p
t.check("at least 30 protocols and 200 fields", len(protos) >= 30 and len(ours) >= 200, (len(protos), len(ours)))

rc, out, err = t.run("fields", "--format", "json")
doc = json.loads(out) if rc == 0 else {"protocols": []}
jfields = {f["name"]: f for p in doc["protocols"] for f in p["fields"]}
t.check("json lists the same protocols and fields as tsv",
        [p["name"] for p in doc["protocols"]] == protos and set(jfields) == set(ours), err)
t.check("json types agree with tsv", all(jfields[k]["wireshark_type"] == ours[k][3] for k in jfields if k in ours))

rc, out, err = t.run("fields")
t.check("text lists every field", rc == 0 and all(("  " + k + " ") in out for k in ours), err)

rc, out, err = t.run("fields", "tcp")
lines = out.splitlines()
t.check("fields tcp: only tcp", rc == 0 and lines[0].startswith("tcp - ")
        and all(ln.startswith("  tcp.") for ln in lines[1:]), out[:300])
t.check("fields tcp: tcp.srcport is a uint16", any(ln.split()[:2] == ["tcp.srcport", "uint16"] for ln in lines))
rc, out, err = t.run("fields", "ETHERNET")
t.check("a NetMon protocol name works", rc == 0 and out.startswith("eth - "), (rc, out[:100], err))
rc, out, err = t.run("fields", "tcp", "nosuchproto")
t.check("unknown protocol: exit 2, nothing on stdout", rc == 2 and out == "" and "nosuchproto" in err, (rc, err))
rc, out, err = t.run("fields", "--format", "xml")
t.check("unknown format: exit 2", rc == 2 and "xml" in err, (rc, err))

if shutil.which("tshark") is None:
    print("tshark not installed: the comparison with tshark -G fields is skipped")
    code = t.done()
    sys.exit(77 if code == 0 else code)
ws = {}
p = subprocess.run(["tshark", "-G", "fields"], capture_output=True, text=True)
for line in p.stdout.splitlines():
    f = line.split("\t")
    if f[0] == "F":
        ws[f[2]] = f[3]
unknown = sorted(k for k in ours if k not in ws and not k.startswith("netmon"))
t.check("every field name is tshark's", not unknown, unknown[:20])
differ = sorted((k, ours[k][3], ws[k]) for k in ours if k in ws and ours[k][3] != ws[k] and k not in KNOWN_TYPE_DIFFERENCES)
t.check("every field type is tshark's", not differ, differ[:20])
stale = sorted(k for k in KNOWN_TYPE_DIFFERENCES if k in ws and k in ours and ours[k][3] == ws[k])
t.check("the known differences are still differences", not stale, stale)
sys.exit(t.done())
