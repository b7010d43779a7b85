"""nmexpert run --shard K/N and nmexpert merge (docs/scale.md): the merge of
every shard report of a capture set equals one run over the whole set,
exactly, for the six built-in experts; the rules' edge cases end to end.

Needs the shared capture set (NMX_SHARED_CAPTURES); skipped (77) without it."""
import json
import os
import re
import sys

from nmxtest import T

SIX = ["-e", "protdist", "-e", "topuser", "-e", "tcpretrans", "-e", "resptime",
       "-e", "propdist", "--set", "propdist.property=ip.ttl", "-e", "coalesce"]
# What a run and the merge of its shards must agree on, per expert (elapsed
# time, memory and process figures are the shards' own).
SAME = ("name", "module", "version", "outcome", "status", "frames_read", "frame", "settings",
        "event_kinds", "events")


def comparable(report):
    return {"run": {k: v for k, v in report["run"].items() if k not in ("shard", "merged_shards")},
            "capture": report["capture"],
            "experts": [{k: e.get(k) for k in SAME} for e in report["experts"]]}


def first_diff(a, b, where="report"):
    if type(a) is not type(b):
        return "%s: %r != %r" % (where, a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            d = first_diff(a.get(k), b.get(k), where + "." + k)
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items != %d" % (where, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, "%s[%d]" % (where, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r != %r" % (where, a, b)


def main():
    t = T()
    shared = os.environ.get("NMX_SHARED_CAPTURES", "")
    real = os.path.join(shared, "real")
    if not os.path.isdir(real):
        print("skipped: no shared capture set at %r" % shared)
        return 77
    base = ["run", "--experts-dir", t.experts, "--no-progress"]

    # --shard is checked before anything runs.
    cap = os.path.join(real, "ppa_dns.cap")
    for bad in ("0/3", "4/3", "1/0", "x", "1/", "2/2x"):
        rc, _, err = t.run(*base, cap, "-e", "protdist", "--shard", bad)
        t.check("--shard %s is refused (exit 2)" % bad, rc == 2 and "--shard" in err, (rc, err))

    sets = {
        "one file": ["ndpi_1kxun.pcap"],
        "several files, IPv6, VLAN, SMB": ["suricata_smb2-peter.pcap", "ndpi_reddit_ipv6.pcap",
                                           "suricata_syn-retransmit-vlan-mixed.pcap", "ppa_ipfragments.pcap",
                                           "ppa_dns.cap", "zeek_http_206_example_b.pcap"],
    }
    variants = [
        ("defaults", []),
        ("other sorts and cuts", ["--set", "topuser.address=ip", "--set", "topuser.count=3", "--set",
                                  "protdist.sort=bytes", "--set", "resptime.sort=p95", "--set", "resptime.count=2",
                                  "--set", "tcpretrans.details=no"]),
    ]
    for sname, files in sets.items():
        caps = [os.path.join(real, f) for f in files]
        for vname, extra in variants:
            for n in (2, 5):
                tag = "%s, %s, %d shards" % (sname, vname, n)
                opts = SIX + ["--set", "coalesce.output=" + t.path("co.pcap")] + extra + ["--format", "json"]
                whole = t.path("whole.json")
                rc, _, err = t.run(*base, *caps, *opts, "-o", whole)
                if not t.check(tag + ": the whole run completes", rc == 0, err):
                    continue
                shards = []
                for k in range(1, n + 1):
                    p = t.path("shard%d.json" % k)
                    rc, _, err = t.run(*base, *caps, *opts, "--shard", "%d/%d" % (k, n), "-o", p)
                    t.check(tag + ": shard %d completes" % k, rc == 0, err)
                    shards.append(p)
                reports = [json.load(open(p)) for p in shards]
                t.check(tag + ": each shard report says which shard it is",
                        all(r["run"]["shard"] == {"index": k + 1, "count": n, "hash": "connection"}
                            for k, r in enumerate(reports)), [r["run"].get("shard") for r in reports])
                a = json.load(open(whole))
                t.check(tag + ": the shards' frames add up to the whole run's",
                        sum(r["experts"][0]["frames_read"] for r in reports) == a["experts"][0]["frames_read"])
                merged = t.path("merged.json")
                rc, _, err = t.run("merge", *shards, "--format", "json", "-o", merged)
                if not t.check(tag + ": merge succeeds", rc == 0 and err == "", (rc, err)):
                    continue
                m = json.load(open(merged))
                d = first_diff(comparable(a), comparable(m))
                t.check(tag + ": the merge equals the whole run", d is None, d)
                t.check(tag + ": the merged report names the shards it merged", m["run"].get("merged_shards") == n
                        and "shard" not in m["run"] and all("merge" not in e for e in m["experts"]))
                for k in range(1, n + 1):
                    sp = t.path("co.shard-%d-of-%d.pcap" % (k, n))
                    t.check(tag + ": coalesce wrote shard %d's own capture" % k, os.path.exists(sp))
                    if os.path.exists(sp):
                        os.unlink(sp)

    # The text and CSV of a merge are the whole run's.
    caps = [os.path.join(real, "ndpi_1kxun.pcap")]
    opts = ["-e", "protdist", "-e", "topuser", "--set", "topuser.count=5"]
    rc, whole_text, _ = t.run(*base, *caps, *opts)
    shards = []
    for k in (1, 2, 3):
        p = t.path("t%d.json" % k)
        t.run(*base, *caps, *opts, "--shard", "%d/3" % k, "--format", "json", "-o", p)
        shards.append(p)
    rc, merged_text, err = t.run("merge", *shards)
    # the headings hold each expert's time, which is the shards' sum
    strip = lambda text: re.sub(r" - \d+ ms,", " - N ms,", text)
    t.check("merge --format text (default) writes the whole run's tables",
            rc == 0 and strip(merged_text) == strip(whole_text), (rc, err, merged_text[:300]))
    rc1, whole_csv, _ = t.run(*base, *caps, *opts, "--format", "csv")
    rc2, merged_csv, _ = t.run("merge", *shards, "--format", "csv")
    t.check("merge --format csv writes the whole run's CSV", rc1 == 0 and rc2 == 0 and merged_csv == whole_csv)

    # A shard's text report says which shard it is; its JSON read back keeps it.
    rc, out, _ = t.run(*base, *caps, *opts, "--shard", "2/3")
    t.check("a shard's text report says which shard it is", rc == 0 and "Shard 2 of 3" in out, out[:400])
    rc, out, _ = t.run("report", shards[1], "--format", "json")
    ok = rc == 0
    if ok:
        back = json.loads(out)
        ok = back["run"].get("shard") == {"index": 2, "count": 3, "hash": "connection"} and \
            all(e.get("merge") for e in back["experts"])
    t.check("nmexpert report keeps a shard report's shard and merge rules", ok, out[:300])

    # A shard merged with itself doubles every count, with a warning.
    rc, out, err = t.run("merge", shards[0], shards[0], "--format", "json")
    one = json.load(open(shards[0]))
    ok = rc == 0 and "warning" in err
    if ok:
        two = json.loads(out)
        p1 = {e["values"]["Protocol"]: e["values"]["Frames"] for e in one["experts"][0]["events"] if e["ident"] == 1}
        p2 = {e["values"]["Protocol"]: e["values"]["Frames"] for e in two["experts"][0]["events"]}
        ok = p2 == {k: 2 * v for k, v in p1.items()} and two["experts"][0]["frames_read"] == \
            2 * one["experts"][0]["frames_read"]
    t.check("a shard merged with itself doubles every count (and warns)", ok, (rc, err))

    # An expert that declares no merge rules is reported once per shard.
    good = os.path.join(t.fixtures, "good.so")
    if os.path.exists(good):
        ps = []
        for k in (1, 2):
            p = t.path("g%d.json" % k)
            t.run(*base, cap, "-e", good, "--shard", "%d/2" % k, "--format", "json", "-o", p)
            ps.append(p)
        rc, out, err = t.run("merge", *ps, "--format", "json")
        ok = rc == 0
        if ok:
            ex = json.loads(out)["experts"]
            ok = len(ex) == 2 and all("[shard %d/2]" % (k + 1) in e["name"] and "not merged" in e["message"]
                                      for k, e in enumerate(ex))
        t.check("an expert without merge rules is reported per shard, not merged", ok, (rc, err, out[:400]))

    # Reports that are not shards of one run are refused.
    other = t.path("other.json")
    t.run(*base, os.path.join(real, "ppa_dhcp.pcap"), *opts, "--shard", "2/3", "--format", "json", "-o", other)
    rc, _, err = t.run("merge", shards[0], other)
    t.check("reports of other captures are not merged (exit 2)", rc == 2 and "other captures" in err, (rc, err))
    rc, _, err = t.run("merge", shards[0], t.path("g1.json"))
    t.check("reports of other experts are not merged (exit 2)", rc == 2, (rc, err))
    rc, _, err = t.run("merge", t.path("missing.json"))
    t.check("a missing report is an error (exit 2)", rc == 2 and "missing.json" in err, (rc, err))
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
