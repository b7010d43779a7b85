#!/usr/bin/env python3
"""test_propdist.py - the Property Distribution expert against tshark -T fields.

For a property KEY, the Value/Count rows must equal the values of
`tshark -T fields -E occurrence=a -e KEY` (reassembly off), split into
single values and counted, and # Frames the number of frames with a value.
Compared for tshark_ref.REFERENCE_FIELDS on the project's captures always
and on the shared captures when present, and for every property the parsers
define (that tshark knows) on data/sample.pcap.  Also checked: the summary
(columns, % Frames, Min/Max/Mean against tshark's values), the value rows'
order and shares, bit=N, PROTOCOL.Label names, a right-click start
(--frame/--property), no property, the settings and their errors, Configure.
"""
import collections
import glob
import os
import re

import tshark_ref as T

# Known differences of the parsers' fields from tshark's, by capture (name
# part, "*" for all) and field.  Each comes from the parser layer, not from
# the expert (README.md, "Comparison with tshark").
STATEFUL = "tshark chooses the dissector of a TCP stream from its history"
EXCEPTIONS = [
    # Found with every parser field on data/sample.pcap:
    ("*", "tls.record.content_type", STATEFUL),
    ("*", "frame.protocols", "tshark also names dissectors we do not have (data, ethertype chains...)"),
    ("*", "tcp.stream", "numbered only for a display filter that reads it (docs/filters.md)"),
    ("*", "udp.stream", "numbered only for a display filter that reads it (docs/filters.md)"),
    # Found with REFERENCE_FIELDS on the shared captures:
    ("*", "tcp.option_kind", "the End of Option List (kind 0) is not shown"),
    ("*", "ip.len", "segmentation offload (total length 0): tshark shows the length it derives"),
    ("real/evilfingers_xscan_smb_dcerpc", "nbns.name", "malformed NetBIOS names tshark replaces by a complaint"),
    ("real/evilfingers_xscan_smb_dcerpc", "dns.", "tshark starts a PDU where an earlier one ended"),
    ("real/suricata_smb1-vlan-filecontainer", "nbss.type", "tshark starts a PDU where an earlier one ended"),
    ("pcapng/ndpi_sites_22idb", "tls.handshake.extensions_server_name", "TLS inside QUIC"),
    ("pcapng/ndpi_doq_dsb", "dns.", "DNS inside QUIC, decrypted by tshark with the file's secrets"),
    ("edge/made_editcap-E0.02", "*", "randomly corrupted packet bytes"),
]
used_exceptions = set()


def excepted(capture, key):
    for i, (cap, k, _) in enumerate(EXCEPTIONS):
        if (cap == "*" or T.matches(capture, cap)) and (k in (key, "*") or (k.endswith(".") and key.startswith(k))):
            used_exceptions.add(i)
            return True
    return False


def distribution(expert):
    """(summary columns, Counter(value -> count)) of one report."""
    summary, values = None, collections.Counter()
    for e in expert["events"]:
        c = T.columns(e)
        if e["ident"] == 1:
            summary = c
        else:
            values[c["Value"]] += c["Count"]
    return summary, values


def run_keys(capture, clones, keys):
    specs = [(clones.path(i), {"property": k}) for i, k in enumerate(keys)]
    return dict(zip(keys, T.run_experts(capture, specs)))


def compare(capture, clones, keys, values, frames):
    bad = []
    for key, e in run_keys(capture, clones, keys).items():
        if e["outcome"] != "completed":
            bad.append("%s: %s" % (key, e["message"]))
            continue
        summary, mine = distribution(e)
        want = collections.Counter(values.get(key, {}))
        if (mine != want or summary["# Frames"] != frames.get(key, 0)) and not excepted(capture, key):
            bad.append("%s: # Frames ours %s tshark %s; only tshark %s; only ours %s" % (
                key, summary["# Frames"], frames.get(key, 0), list((want - mine).items())[:3],
                list((mine - want).items())[:3]))
    T.check("%d properties = tshark -T fields on %s" % (len(keys), T.rel(capture)), not bad, "; ".join(bad))


def parser_keys():
    """Every field name the parsers define (src/proto/dis_*.c)."""
    text = "".join(open(f).read() for f in glob.glob(os.path.join(T.SOURCE_DIR, "src", "proto", "dis_*.c")))
    return sorted(set(re.findall(r'NMX_F_[A-Z_]+\(\s*"([^"]+)"', text)))


def number(text):
    return int(text, 16) if text.startswith("0x") else int(text)


def check_summary(clones):
    cap = T.SAMPLE
    ref = T.reference(cap)
    total = T.capinfos_frames(cap)
    e = T.run_expert(cap, "propdist", {"property": "dns.qry.name"})
    ev = e["events"]
    T.check("summary first: EventIdent 1, then EventIdent 2 rows",
            ev and ev[0]["ident"] == 1 and all(x["ident"] == 2 for x in ev[1:]) and
            all(x["source"] == "Property Distribution" for x in ev))
    T.check("string summary: columns and types", T.column_types(ev[0]) == [
        ("Protocol", "string"), ("Property", "string"), ("# Frames", "uint64"), ("% Frames", "float64")],
        T.column_types(ev[0]))
    s = T.columns(ev[0])
    T.check("summary names the protocol and property", s["Protocol"] == "dns" and s["Property"] == "dns.qry.name", s)
    T.check("% Frames of all frames", abs(s["% Frames"] - 100.0 * ref["frames"]["dns.qry.name"] / total) < 1e-9)
    T.check("value rows: columns and types", all(T.column_types(x) == [
        ("Value", "string"), ("Count", "uint64"), ("% of Set", "float64")] for x in ev[1:]))
    rows = [T.columns(x) for x in ev[1:]]
    n = sum(r["Count"] for r in rows)
    T.check("value rows: sorted by count, then value",
            [(-r["Count"], r["Value"]) for r in rows] == sorted((-r["Count"], r["Value"]) for r in rows))
    T.check("value rows: % of Set", all(abs(r["% of Set"] - 100.0 * r["Count"] / n) < 1e-9 for r in rows))
    for key in ("ip.ttl", "frame.len", "tcp.len", "ip.id", "smb2.sesid"):
        e = T.run_expert(cap, "propdist", {"property": key})
        s = T.columns(e["events"][0])
        vals = [number(v) for v, c in ref["values"][key].items() for _ in range(c)]
        got = (s["Min"], s["Max"])
        T.check("%s: Min, Max and Mean of tshark's values" % key,
                got == (min(vals), max(vals)) and abs(s["Mean"] - sum(vals) / len(vals)) < 1e-6 * max(1, max(vals)),
                (s, min(vals), max(vals), sum(vals) / len(vals)))
        T.check("%s: Min/Max column types" % key, [t for _, t in T.column_types(e["events"][0])[4:]] ==
                ["uint64", "uint64", "float64"])


def check_bits():
    cap = T.SAMPLE
    syn = collections.Counter(T.reference(cap)["values"]["tcp.flags.syn"])
    _, got = distribution(T.run_expert(cap, "propdist", {"property": "tcp.flags", "bit": "1"}))
    T.check("tcp.flags bit=1 counts as tcp.flags.syn", got == syn and len(got) == 2, (got, syn))
    _, got = distribution(T.run_expert(cap, "propdist", {"property": "tcp.flags.syn", "bit": "1"}))
    T.check("a flag property with its own bit", got == syn, got)


def check_names_and_startup():
    cap = T.SAMPLE
    base = distribution(T.run_expert(cap, "propdist", {"property": "ip.ttl"}))
    for name in ("IP.Time to Live", "ip.TTL", "IPv4.ttl"):
        e = T.run_expert(cap, "propdist", {"property": name})
        T.check("property=%s is ip.ttl" % name, e["outcome"] == "completed" and distribution(e) == base, e["message"])
    # A right-click start: the focused frame's property replaces the settings.
    frame = T.tshark(cap, "-Y", "dns.qry.name", "-T", "fields", "-e", "frame.number").split()[0]
    want = distribution(T.run_expert(cap, "propdist", {"property": "dns.qry.name"}))
    e = T.run_expert(cap, "propdist", {"property": "ip.ttl"}, extra=["--frame", frame, "--property", "dns.qry.name"])
    T.check("--frame/--property: the startup property wins", e["outcome"] == "completed" and distribution(e) == want,
            e["message"])
    frame_tcp = T.tshark(cap, "-Y", "tcp", "-T", "fields", "-e", "frame.number").split()[0]
    e = T.run_expert(cap, "propdist", extra=["--frame", frame_tcp, "--property", "tcp.flags.syn", "--bit", "1"])
    _, got = distribution(e)
    T.check("--frame/--property/--bit on a flag", got == collections.Counter(T.reference(cap)["values"]["tcp.flags.syn"]),
            e)
    e = T.run_expert(cap, "propdist", {"property": "dns.qry.name"}, isolation="process")
    T.check("process isolation gives the same report", distribution(e) == want)


def check_settings():
    """Settings errors, the no-property case and Configure (no tshark needed)."""
    cap = T.SAMPLE
    for settings, word, what in (
            ({"property": "ip.nosuch"}, "ip.nosuch", "unknown property"),
            ({"colour": "blue"}, "colour", "unknown key"),
            ({"property": ""}, "property", "empty property"),
            ({"property": "tcp.flags.syn", "bit": "4"}, "bit", "a flag property with another bit"),
            ({"property": "dns.qry.name", "bit": "0"}, "bit", "bit on a string"),
            ({"property": "ip.ttl", "bit": "8"}, "8", "bit beyond the width"),
            ({"property": "ip.ttl", "bit": "64"}, "bit", "bit=64"),
            ({"property": "ip.ttl", "bit": "x"}, "bit", "bit=x")):
        e = T.run_expert(cap, "propdist", settings)
        T.check("%s -> failed, naming it" % what,
                e["outcome"] == "failed" and e["status"] == "problem" and word in e["message"] and not e["events"],
                e)
    e = T.run_expert(cap, "propdist")
    T.check("no property: completed, no events, no message (a default run prints nothing for it)",
            e["outcome"] == "completed" and not e["events"] and e["message"] == "", e)
    cfg = ["configure", "propdist", "--experts-dir", T.EXPERTS]
    rc, _, err = T.nmexpert(*cfg, "--set", "property=IP.Time to Live", "--set", "bit=3")
    rc2, out2, _ = T.nmexpert(*cfg, "--show")
    T.check("configure stores the field name", rc == 0 and T.shown_config(out2).split("\n")[:2] == ["property=ip.ttl", "bit=3"],
            (rc, err, out2))
    rc, _, err = T.nmexpert(*cfg, "--set", "property=ip.nosuch")
    rc2, out3, _ = T.nmexpert(*cfg, "--show")
    T.check("configure refuses an unknown property and keeps the stored one", rc != 0 and out3 == out2,
            (rc, err, out3))
    T.nmexpert(*cfg, "--reset")


def check_display_filter():
    """-Y: only the frames that pass the UI filter count, as tshark -Y FILTER
    prints them."""
    rc, _, err = T.nmexpert("run", T.SAMPLE, "--experts-dir", T.EXPERTS, "-e", "propdist", "-Y", "dns",
                            "--set", "propdist.property=ip.ttl", "--format", "json")
    if rc == 2 and "filter" in err:
        T.skipped("this build has no display filters: %s" % err.strip())
        return
    for flt, key in (("tcp.port == 445", "tcp.len"), ("dns.flags.response == 1", "dns.qry.name")):
        e = T.run_expert(T.SAMPLE, "propdist", {"property": key}, extra=["-Y", flt])
        values, frames = T.tshark_field_values(T.SAMPLE, [key], T.TSHARK_OPTS + T.NO_SEQ_ANALYSIS + ["-Y", flt])
        summary, mine = distribution(e)
        T.check("-Y '%s' with %s = tshark -Y" % (flt, key),
                mine == values[key] and summary["# Frames"] == frames[key] and mine, (mine, values[key]))


def main():
    check_settings()
    T.check_stops("propdist", {"property": "frame.len"})
    if not T.have_tshark():
        T.skipped("tshark is not installed: no comparison with -T fields")
        T.finish()
    clones = T.Clones("propdist")
    try:
        known = T.tshark_fields_known()
        keys = [k for k in T.REFERENCE_FIELDS if k in known]
        for cap in T.project_captures():
            ref = T.reference(cap)
            compare(cap, clones, keys, ref["values"], ref["frames"])
        every = [k for k in parser_keys() if k in known]
        values, frames = T.tshark_field_values(T.SAMPLE, every, T.TSHARK_OPTS + T.NO_SEQ_ANALYSIS)
        compare(T.SAMPLE, clones, every, values, frames)
        check_summary(clones)
        check_bits()
        check_names_and_startup()
        check_display_filter()
        shared = T.shared_captures()
        if not shared:
            T.skipped("no shared captures at %s" % T.SHARED)
        for cap in shared:
            ref = T.reference(cap)
            compare(cap, clones, keys, ref["values"], ref["frames"])
        compared = T.project_captures() + shared
        for i, (cap, key, why) in enumerate(EXCEPTIONS):
            if i not in used_exceptions and (cap == "*" or any(T.matches(c, cap) for c in compared)):
                T.note("exception %s/%s (%s) was not needed" % (cap, key, why))
    finally:
        clones.close()
    T.finish()


if __name__ == "__main__":
    main()
