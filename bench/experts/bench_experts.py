#!/usr/bin/env python3
"""bench_experts.py - times Protocol Distribution, Top Users and Property
Distribution over one capture against their references, in the same run.

Groups (each command of a group is run in turn, the order alternating from
one repetition to the next, so that load on the machine hits all alike):

  protdist   bench_pcap_loop (libpcap pcap_next_ex)  vs  nmexpert -e protdist,
             in-process (--isolation none) and in a child process (default).
             Everything is included: process start, capture open and index.
  topuser    nmexpert -e topuser address=ip count=0  vs  tshark -q -z endpoints,ip
  propdist   nmexpert -e propdist property=dns.qry.name / tcp.len  vs
             tshark -T fields -E occurrence=a -e dns.qry.name / tcp.len
  five       the five analysis experts (protdist, topuser, propdist,
             tcpretrans, resptime) in one nmexpert run  vs  one tshark pass
             computing the equivalent statistics (issue 6: -z io,phs
             -z endpoints,ip -z conv,tcp -z expert -z dns,tree -z plen,tree
             -z io,stat,1); only when tcpretrans and resptime are built

Per command: median wall time, median CPU time (user + system, the process
and the children it waited for) and peak resident set (the largest over the
repetitions; for a process-isolated expert, nmexpert and its expert child).
Prints a Markdown table with the ratios, ready for docs/PERFORMANCE.md.

usage: bench_experts.py --nmexpert PATH --experts DIR --loop PATH CAPTURE
                        [--reps N] [--tshark-reps N] [--groups protdist,topuser,propdist,five]
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

TSHARK_OPTS = ["-o", "ip.defragment:FALSE", "-o", "tcp.desegment_tcp_streams:FALSE"]


def measure(argv):
    """Runs argv once with its output discarded: (wall s, cpu s, peak RSS KiB)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    if p.returncode != 0:
        sys.exit("failed (%d): %s\n%s" % (p.returncode, " ".join(argv), err))
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def run_group(commands, reps):
    """commands: [(label, argv)].  Returns {label: (walls, cpus, rss)}."""
    res = {label: ([], [], 0) for label, _ in commands}
    for label, argv in commands:  # warm-up: page cache, dynamic loader
        measure(argv)
    for r in range(reps):
        order = commands if r % 2 == 0 else list(reversed(commands))
        for label, argv in order:
            w, c, m = measure(argv)
            walls, cpus, rss = res[label]
            walls.append(w)
            cpus.append(c)
            res[label] = (walls, cpus, max(rss, m))
    return res


def table(title, res, ref_label, speed_word):
    """Markdown rows: label, median wall, median CPU, peak RSS, ratio."""
    ref_w = statistics.median(res[ref_label][0])
    ref_c = statistics.median(res[ref_label][1])
    ref_m = res[ref_label][2]
    print("\n**%s** (%d repetitions)\n" % (title, len(res[ref_label][0])))
    print("| command | wall ms (median) | CPU ms (median) | peak RSS MiB | %s (wall) | %s (CPU) | RSS vs ref |" %
          (speed_word, speed_word))
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, (walls, cpus, rss) in res.items():
        w, c = statistics.median(walls), statistics.median(cpus)
        print("| %s | %.0f | %.0f | %.1f | %.2f× | %.2f× | %.2f |" %
              (label, w * 1000, c * 1000, rss / 1024.0, ref_w / w, ref_c / c, rss / ref_m))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nmexpert", required=True)
    ap.add_argument("--experts", required=True)
    ap.add_argument("--loop", required=True)
    ap.add_argument("--reps", type=int, default=11)
    ap.add_argument("--tshark-reps", type=int, default=5)
    ap.add_argument("--groups", default="protdist,topuser,propdist,five")
    ap.add_argument("capture")
    a = ap.parse_args()
    cap = a.capture
    nmx = [a.nmexpert, "run", cap, "--experts-dir", a.experts, "--no-progress"]
    groups = a.groups.split(",")

    print("capture: %s (%d bytes)" % (cap, os.path.getsize(cap)))
    print("machine: %s %s, %s, %d CPUs, load average %s" % (
        platform.system(), platform.release(), platform.machine(), os.cpu_count(),
        " ".join("%.2f" % x for x in os.getloadavg())))
    print(subprocess.run([a.loop, cap], capture_output=True, text=True).stdout.strip())

    if "protdist" in groups:
        res = run_group([
            ("libpcap pcap_next_ex loop", [a.loop, cap]),
            ("protdist, in-process", nmx + ["-e", "protdist", "--isolation", "none"]),
            ("protdist, process isolation", nmx + ["-e", "protdist"]),
        ], a.reps)
        table("Protocol Distribution vs a bare libpcap loop (target: speed >= 0.5x the loop)", res,
              "libpcap pcap_next_ex loop", "speed vs loop")
    if "topuser" in groups:
        res = run_group([
            ("tshark -q -z endpoints,ip", ["tshark", "-n", "-q", "-z", "endpoints,ip", *TSHARK_OPTS, "-r", cap]),
            ("topuser address=ip count=0, in-process",
             nmx + ["-e", "topuser", "--set", "topuser.address=ip", "--set", "topuser.count=0", "--isolation", "none"]),
            ("topuser address=ip count=0, process isolation",
             nmx + ["-e", "topuser", "--set", "topuser.address=ip", "--set", "topuser.count=0"]),
        ], a.tshark_reps)
        table("Top Users vs tshark -z endpoints,ip", res, "tshark -q -z endpoints,ip", "speed vs tshark")
    if "propdist" in groups:
        for key in ("dns.qry.name", "tcp.len"):
            res = run_group([
                ("tshark -T fields -e %s" % key,
                 ["tshark", "-n", "-T", "fields", "-E", "occurrence=a", "-e", key, *TSHARK_OPTS, "-r", cap]),
                ("propdist property=%s, in-process" % key,
                 nmx + ["-e", "propdist", "--set", "propdist.property=" + key, "--isolation", "none"]),
                ("propdist property=%s, process isolation" % key,
                 nmx + ["-e", "propdist", "--set", "propdist.property=" + key]),
            ], a.tshark_reps)
            table("Property Distribution (%s) vs tshark -T fields" % key, res, "tshark -T fields -e %s" % key,
                  "speed vs tshark")
    five = ["protdist", "topuser", "propdist", "tcpretrans", "resptime"]
    if "five" in groups and all(os.path.exists(os.path.join(a.experts, m + ".so")) for m in five):
        experts = []
        for m in five:
            experts += ["-e", m]
        experts += ["--set", "topuser.address=ip", "--set", "propdist.property=dns.qry.name"]
        ts = ["tshark", "-n", "-q", *TSHARK_OPTS, "-z", "io,phs", "-z", "endpoints,ip", "-z", "conv,tcp",
              "-z", "expert", "-z", "dns,tree", "-z", "plen,tree", "-z", "io,stat,1", "-r", cap]
        res = run_group([
            ("tshark, one pass with the equivalent -z statistics", ts),
            ("five experts, in-process", nmx + experts + ["--isolation", "none"]),
            ("five experts, process isolation", nmx + experts),
            ("five experts, process isolation, --jobs 2", nmx + experts + ["--jobs", "2"]),
        ], a.tshark_reps)
        table("The five analysis experts vs one tshark pass (targets: >= 20x faster, peak RSS <= 1/4)", res,
              "tshark, one pass with the equivalent -z statistics", "speed vs tshark")
    elif "five" in groups:
        print("\n(five: skipped, tcpretrans or resptime is not built)")


if __name__ == "__main__":
    main()
