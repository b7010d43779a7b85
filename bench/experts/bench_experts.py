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
  floor      five experts that do nothing but walk every frame (copies of the
             framesize example, under five names so that they run in
             parallel: one module runs one Run at a time) in one nmexpert
             run  vs  the same tshark pass as `five`, and one of them alone:
             the least any five experts cost, whatever their own work

Per command: median wall time, median CPU time (user + system, the process
and the children it waited for) and peak resident set (the largest over the
repetitions; for a process-isolated expert, nmexpert and its expert child).
Prints a Markdown table with the ratios, ready for docs/PERFORMANCE.md.

With --base BUILD_DIR (another build of nmexpert, an older commit say), every
nmexpert command also runs from that build, labelled "base:", in the same
group: a change is measured side by side with what it changes, under the
same load.

usage: bench_experts.py --nmexpert PATH --experts DIR --loop PATH CAPTURE
                        [--reps N] [--tshark-reps N] [--groups protdist,topuser,propdist,five,floor]
                        [--base BUILD_DIR]
"""
import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def reference_options():
    """tshark's reference options (no reassembly), from the one file that
    holds them for every comparison: tests/tshark-reference.opts."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "tshark-reference.opts")
    with open(path, encoding="utf-8") as f:
        return [a for line in f if line.strip() and not line.startswith("#") for a in line.split()]


TSHARK_OPTS = reference_options()


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


def tshark_five_pass(cap):
    """One tshark pass computing what the five analysis experts compute."""
    return ["tshark", "-n", "-q", *TSHARK_OPTS, "-z", "io,phs", "-z", "endpoints,ip", "-z", "conv,tcp",
            "-z", "expert", "-z", "dns,tree", "-z", "plen,tree", "-z", "io,stat,1", "-r", cap]


def floor(a, cap, nmx):
    """The `floor` group: five frame walkers in one run against tshark's pass."""
    walker = os.path.join(os.path.dirname(os.path.abspath(a.experts)), "examples", "framesize.so")
    if not os.path.exists(walker):
        print("\n(floor: skipped, %s is not built)" % walker)
        return
    with tempfile.TemporaryDirectory() as tmp:
        copies = []
        for k in range(5):
            copies.append(os.path.join(tmp, "walk%d.so" % k))
            shutil.copyfile(walker, copies[-1])
        five = [arg for c in copies for arg in ("-e", c)]
        res = run_group([
            ("tshark, one pass with the equivalent -z statistics", tshark_five_pass(cap)),
            ("five frame walkers, process isolation", nmx + five),
            ("one frame walker, process isolation", nmx + five[:2]),
        ], a.tshark_reps)
    table("Five experts that only walk the frames vs one tshark pass", res,
          "tshark, one pass with the equivalent -z statistics", "speed vs tshark")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nmexpert", required=True)
    ap.add_argument("--experts", required=True)
    ap.add_argument("--loop", required=True)
    ap.add_argument("--reps", type=int, default=11)
    ap.add_argument("--tshark-reps", type=int, default=5)
    ap.add_argument("--groups", default="protdist,topuser,propdist,five")
    ap.add_argument("--base", help="another build directory, run side by side")
    ap.add_argument("capture")
    a = ap.parse_args()
    cap = a.capture
    nmx = [a.nmexpert, "run", cap, "--experts-dir", a.experts, "--no-progress"]
    base = None
    if a.base:
        base = [os.path.join(a.base, "nmexpert"), "run", cap, "--experts-dir", os.path.join(a.base, "experts"),
                "--no-progress"]

    def both(label, args):
        """The command from this build, and from the base build when given."""
        rows = [(label, nmx + args)]
        return rows + ([("base: " + label, base + args)] if base else [])
    groups = a.groups.split(",")

    print("capture: %s (%d bytes)" % (cap, os.path.getsize(cap)))
    print("machine: %s %s, %s, %d CPUs, load average %s" % (
        platform.system(), platform.release(), platform.machine(), os.cpu_count(),
        " ".join("%.2f" % x for x in os.getloadavg())))
    print(subprocess.run([a.loop, cap], capture_output=True, text=True).stdout.strip())

    if "protdist" in groups:
        res = run_group([
            ("libpcap pcap_next_ex loop", [a.loop, cap]),
            *both("protdist, in-process", ["-e", "protdist", "--isolation", "none"]),
            *both("protdist, process isolation", ["-e", "protdist"]),
        ], a.reps)
        table("Protocol Distribution vs a bare libpcap loop (target: speed >= 0.5x the loop)", res,
              "libpcap pcap_next_ex loop", "speed vs loop")
    if "topuser" in groups:
        res = run_group([
            ("tshark -q -z endpoints,ip", ["tshark", "-n", "-q", "-z", "endpoints,ip", *TSHARK_OPTS, "-r", cap]),
            *both("topuser address=ip count=0, in-process",
                  ["-e", "topuser", "--set", "topuser.address=ip", "--set", "topuser.count=0", "--isolation", "none"]),
            *both("topuser address=ip count=0, process isolation",
                  ["-e", "topuser", "--set", "topuser.address=ip", "--set", "topuser.count=0"]),
        ], a.tshark_reps)
        table("Top Users vs tshark -z endpoints,ip", res, "tshark -q -z endpoints,ip", "speed vs tshark")
    if "propdist" in groups:
        for key in ("dns.qry.name", "tcp.len"):
            res = run_group([
                ("tshark -T fields -e %s" % key,
                 ["tshark", "-n", "-T", "fields", "-E", "occurrence=a", "-e", key, *TSHARK_OPTS, "-r", cap]),
                *both("propdist property=%s, in-process" % key,
                      ["-e", "propdist", "--set", "propdist.property=" + key, "--isolation", "none"]),
                *both("propdist property=%s, process isolation" % key,
                      ["-e", "propdist", "--set", "propdist.property=" + key]),
            ], a.tshark_reps)
            table("Property Distribution (%s) vs tshark -T fields" % key, res, "tshark -T fields -e %s" % key,
                  "speed vs tshark")
    five = ["protdist", "topuser", "propdist", "tcpretrans", "resptime"]
    if "five" in groups and all(os.path.exists(os.path.join(a.experts, m + ".so")) for m in five):
        experts = []
        for m in five:
            experts += ["-e", m]
        experts += ["--set", "topuser.address=ip", "--set", "propdist.property=dns.qry.name"]
        res = run_group([
            ("tshark, one pass with the equivalent -z statistics", tshark_five_pass(cap)),
            *both("five experts, in-process", experts + ["--isolation", "none"]),
            *both("five experts, process isolation", experts),
            *both("five experts, process isolation, --jobs 2", experts + ["--jobs", "2"]),
        ], a.tshark_reps)
        table("The five analysis experts vs one tshark pass (targets: >= 20x faster, peak RSS <= 1/4)", res,
              "tshark, one pass with the equivalent -z statistics", "speed vs tshark")
    elif "five" in groups:
        print("\n(five: skipped, tcpretrans or resptime is not built)")
    if "floor" in groups:
        floor(a, cap, nmx)


if __name__ == "__main__":
    main()
