"""nmexpert-dask on a real Dask cluster (docs/scale.md): a dask-scheduler and
two dask-workers started as separate processes on loopback run the six
built-in experts over a capture set of 8 files; the merged report equals one
`nmexpert run` over the same set, figure for figure, although one worker is
killed (SIGKILL) while shards are still running.  Then the same set given
as http:// URLs of a loopback web server: each shard's worker downloads it,
and the merged report, named by the URLs, has the same figures.

Skipped (77) without Debian's python3-distributed or the shared captures.
Run with /usr/bin/python3 (NMX_SYSTEM_PYTHON), which has python3-distributed."""
import functools
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time

from nmxtest import T
from test_merge import SIX, comparable, first_diff

FILES = ["ppa_dhcp.pcap", "ppa_dns.cap", "ppa_icmp-tracert-slow.pcap", "ndpi_netbios.pcap",
         "chrissanders_arppoison.pcapng", "zeek_http_206_example_b.pcap", "ppa_ipfragments.pcap",
         "suricata_smb2-peter.pcap"]
SHARDS = 12


def start(cmd, log):
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop(p):
    if p is not None and p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()


def check_urls(t, driver, sfile, opts, caps, whole):
    """The set as URLs of a loopback web server: the same figures, named by URL."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass
    handler = functools.partial(Quiet, directory=os.path.dirname(caps[0]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = "http://127.0.0.1:%d/" % server.server_address[1]
        urls = [base + os.path.basename(c) for c in caps]
        merged = t.path("merged-urls.json")
        p = subprocess.run([sys.executable, driver, "--scheduler-file", sfile, "--shards", "3", "--quiet",
                            "--nmexpert", t.nmexpert, *opts, *urls, "--format", "json", "-o", merged],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
        t.check("captures given as URLs: nmexpert-dask finishes", p.returncode == 0, p.stderr[-800:])
        if not os.path.exists(merged):
            return
        text = open(merged).read()
        t.check("the report names the captures by their URLs", json.loads(text)["run"]["captures"] == urls,
                json.loads(text)["run"]["captures"])
        for c, u in zip(caps, urls):
            text = text.replace(json.dumps(u)[1:-1], json.dumps(c)[1:-1])
        diff = first_diff(comparable(json.load(open(whole))), comparable(json.loads(text)))
        t.check("captures given as URLs: the same figures as one run over the files", diff is None, diff)
    finally:
        server.shutdown()


def main():
    try:
        import distributed
    except ImportError:
        print("skipped: python3-distributed is not installed")
        return 77
    t = T()
    real = os.path.join(os.environ.get("NMX_SHARED_CAPTURES", ""), "real")
    caps = [os.path.abspath(os.path.join(real, f)) for f in FILES]
    if not all(os.path.exists(c) for c in caps):
        print("skipped: the shared captures are missing")
        return 77
    bindir = os.path.dirname(sys.executable)
    sched_bin, worker_bin = os.path.join(bindir, "dask-scheduler"), os.path.join(bindir, "dask-worker")
    if not (os.path.exists(sched_bin) and os.path.exists(worker_bin)):
        print("skipped: no dask-scheduler / dask-worker beside %s" % sys.executable)
        return 77
    driver = os.environ["NMEXPERT_DASK"]
    opts = ["--experts-dir", t.experts] + SIX + ["--set", "coalesce.output=" + t.path("co.pcap")]

    whole = t.path("whole.json")
    rc, _, err = t.run("run", "--no-progress", *opts, *caps, "--format", "json", "-o", whole)
    if not t.check("one run over the 8 files completes", rc == 0, err):
        return t.done()

    sfile = t.path("scheduler.json")
    log = open(t.path("dask.log"), "wb")
    procs = {}
    try:
        procs["scheduler"] = start([sys.executable, sched_bin, "--host", "127.0.0.1", "--port", "0",
                                    "--no-dashboard", "--scheduler-file", sfile], log)
        for _ in range(300):
            if os.path.exists(sfile) and os.path.getsize(sfile) > 0:
                break
            time.sleep(0.1)
        for w in ("w1", "w2"):
            os.makedirs(t.path(w))
            procs[w] = start([sys.executable, worker_bin, "--scheduler-file", sfile, "--nthreads", "1",
                              "--no-nanny", "--no-dashboard", "--host", "127.0.0.1", "--name", w,
                              "--local-directory", t.path(w)], log)
        client = distributed.Client(scheduler_file=sfile, timeout="30s")
        client.wait_for_workers(2, timeout=60)
        client.close()
        t.check("a scheduler and two workers run as separate processes",
                all(p.poll() is None for p in procs.values()) and len({p.pid for p in procs.values()}) == 3)

        merged = t.path("merged.json")
        d = subprocess.Popen([sys.executable, driver, "--scheduler-file", sfile, "--shards", str(SHARDS),
                              "--nmexpert", t.nmexpert, *opts, *caps, "--format", "json", "-o", merged],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        killed_at = None
        lines = []
        for line in d.stderr:
            lines.append(line)
            if killed_at is None and " done (" in line:
                killed_at = len([x for x in lines if " done (" in x])
                os.killpg(procs["w1"].pid, signal.SIGKILL)
                procs["w1"].wait()
        rc = d.wait(timeout=300)
        t.check("worker w1 was killed while shards remained", killed_at is not None and killed_at < SHARDS,
                (killed_at, "".join(lines)[-800:]))
        t.check("nmexpert-dask finishes without error", rc == 0, "".join(lines)[-1500:])
        done = [x for x in lines if " done (" in x]
        t.check("every shard is reported done once", len(done) == SHARDS and
                sorted(x.split()[2] for x in done) == sorted("%d/%d" % (k, SHARDS) for k in range(1, SHARDS + 1)),
                "".join(done))
        if os.path.exists(merged):
            a, m = json.load(open(whole)), json.load(open(merged))
            diff = first_diff(comparable(a), comparable(m))
            t.check("the merged report equals one run over the set, figure for figure", diff is None, diff)
            t.check("the merged report covers all %d shards" % SHARDS, m["run"].get("merged_shards") == SHARDS)
        else:
            t.check("the merged report is written", False, "".join(lines)[-800:])
        # the same through the remaining worker, as text: the same tables
        rc, whole_text, _ = t.run("run", "--no-progress", *opts, *caps)
        p = subprocess.run([sys.executable, driver, "--scheduler-file", sfile, "--shards", "3", "--quiet",
                            "--nmexpert", t.nmexpert, *opts, *caps], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=300)
        strip = lambda s: "\n".join(x for x in s.splitlines() if not x.startswith("== "))
        t.check("text through nmexpert-dask is the run's text", p.returncode == 0 and strip(p.stdout) == strip(whole_text),
                (p.returncode, p.stderr[-500:]))
        check_urls(t, driver, sfile, opts, caps, whole)
    finally:
        for p in procs.values():
            stop(p)
        log.close()
    for f in os.listdir(t.tmp):
        if f.startswith("co.shard-"):
            os.unlink(t.path(f))
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
