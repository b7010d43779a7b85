/*
 * bench_proto.c - speed of the parser layer.
 *
 *   bench_proto make SRC OUT N      replicate SRC's frames into OUT (pcap) up to N frames
 *   bench_proto run FILE [REPS]     measure, in one run, over FILE:
 *     bare       pcap_next_ex loop, summing one byte of every frame
 *     recognize  the same loop + nmx__recognize() on every frame
 *     attach     the same loop + nmx__dissect() (all properties) + free
 *     tshark     `tshark -n -q -r FILE -z io,phs` (median of a third as many runs,
 *                three at least: one run's time moves by a quarter on a shared
 *                host)
 *   and prints frames/s and the ratios of the issue-4 targets:
 *     recognize speed / bare speed >= 0.5;  tshark time / attach time >= 20,
 *   in wall-clock time and in CPU time (user + system; tshark's from
 *   getrusage of the children).  On a virtual machine whose host is busy the
 *   wall clock also counts the time other guests take, CPU time does not.
 * Each pass runs REPS times (default 5), the passes interleaved round by
 * round with tshark's runs among them; the medians are reported.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "proto/proto.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time (user + system) of this process, or of its waited-for children. */
static double cpu(int who)
{
    struct rusage ru;
    getrusage(who, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int make(const char *src, const char *out, long n)
{
    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *in = pcap_open_offline(src, eb);
    if (!in) {
        fprintf(stderr, "%s: %s\n", src, eb);
        return 1;
    }
    /* Load the source frames once. */
    size_t cnt = 0, cap = 0;
    struct pcap_pkthdr *hs = NULL;
    u_char **ds = NULL;
    struct pcap_pkthdr *h;
    const u_char *d;
    while (pcap_next_ex(in, &h, &d) == 1) {
        if (cnt == cap) {
            cap = cap ? cap * 2 : 1024;
            hs = realloc(hs, cap * sizeof(*hs));
            ds = realloc(ds, cap * sizeof(*ds));
        }
        hs[cnt] = *h;
        ds[cnt] = malloc(h->caplen);
        memcpy(ds[cnt], d, h->caplen);
        cnt++;
    }
    pcap_t *dead = pcap_open_dead(pcap_datalink(in), 262144);
    pcap_dumper_t *dump = pcap_dump_open(dead, out);
    if (!dump || cnt == 0) {
        fprintf(stderr, "%s: cannot write (%s)\n", out, pcap_geterr(dead));
        return 1;
    }
    long sec = hs[0].ts.tv_sec;
    for (long i = 0; i < n; i++) {
        struct pcap_pkthdr o = hs[i % (long)cnt];
        o.ts.tv_sec = sec + i / 1000;
        o.ts.tv_usec = (i % 1000) * 1000;
        pcap_dump((u_char *)dump, &o, ds[i % (long)cnt]);
    }
    pcap_dump_close(dump);
    pcap_close(dead);
    pcap_close(in);
    for (size_t i = 0; i < cnt; i++)
        free(ds[i]);
    free(ds);
    free(hs);
    return 0;
}

enum { BARE, RECOGNIZE, ATTACH };

/* One pass over the file; returns seconds (its CPU seconds in *cpu_s),
 * counts frames and a checksum. */
static double pass(const char *file, int mode, long *frames, unsigned long *sum, double *cpu_s)
{
    char eb[PCAP_ERRBUF_SIZE];
    nmx_proto_ws_t *ws = mode == ATTACH ? nmx__proto_ws_new() : NULL;
    double t0 = now(), c0 = cpu(RUSAGE_SELF);
    pcap_t *p = pcap_open_offline(file, eb);
    if (!p) {
        fprintf(stderr, "%s: %s\n", file, eb);
        exit(1);
    }
    uint32_t lt = (uint32_t)pcap_datalink(p);
    struct pcap_pkthdr *h;
    const u_char *d;
    long n = 0;
    unsigned long s = 0;
    nmx_recog_buf_t rb;
    nmx_frame_addrs_t addrs;
    while (pcap_next_ex(p, &h, &d) == 1) {
        n++;
        s += h->caplen ? d[0] : 0;
        if (mode == RECOGNIZE) {
            s += nmx__recognize(d, h->caplen, h->len, lt, &rb, &addrs);
        } else if (mode == ATTACH) {
            nmx_dissection_t *r = nmx__dissect(ws, d, h->caplen, h->len, lt);
            s += r->props->nTotalPropertyInsts;
            nmx__dissection_free(r);
        }
    }
    pcap_close(p);
    double t = now() - t0;
    *cpu_s = cpu(RUSAGE_SELF) - c0;
    nmx__proto_ws_free(ws);
    *frames = n;
    *sum = s;
    return t;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_d);
    return v[n / 2];
}

/* One tshark pass over file; its wall seconds (CPU seconds in *cpu_s), or
 * a negative number when tshark failed. */
static double tshark_pass(const char *file, double *cpu_s)
{
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "tshark -n -q -r '%s' -z io,phs > /dev/null 2>&1", file);
    double t0 = now(), c0 = cpu(RUSAGE_CHILDREN);
    int rc = system(cmd);
    *cpu_s = cpu(RUSAGE_CHILDREN) - c0;
    return rc == 0 ? now() - t0 : -1;
}

/*
 * The passes run interleaved, one of each mode a round, and tshark every
 * few rounds (three times at least): the host's slow spells, which last
 * seconds, then fall on every mode alike instead of on one mode's block of
 * runs.  Each tshark run is also compared with the attach pass of its own
 * round, and the range of those ratios printed.
 */
static int run(const char *file, int reps)
{
    static const char *const names[] = {"bare loop", "recognize", "attach all"};
    int nts = reps / 3 > 3 ? reps / 3 : 3;
    if (nts > reps)
        nts = reps;
    double *t[3], *c[3], *ts = calloc((size_t)nts, sizeof(double)), *tc = calloc((size_t)nts, sizeof(double));
    double *pair = calloc((size_t)nts, sizeof(double));
    for (int m = 0; m < 3; m++) {
        t[m] = calloc((size_t)reps, sizeof(double));
        c[m] = calloc((size_t)reps, sizeof(double));
    }
    long frames = 0;
    unsigned long sum;
    int done = 0, failed = 0;
    for (int r = 0; r < reps; r++) {
        for (int m = 0; m < 3; m++)
            t[m][r] = pass(file, m, &frames, &sum, &c[m][r]);
        if (!failed && done < nts && r * nts / reps == done) {
            ts[done] = tshark_pass(file, &tc[done]);
            failed = ts[done] < 0;
            pair[done] = ts[done] / t[ATTACH][r];
            done++;
        }
    }
    double med[3], mcpu[3];
    for (int m = 0; m < 3; m++) {
        med[m] = median(t[m], reps);
        mcpu[m] = median(c[m], reps);
        free(t[m]);
        free(c[m]);
    }
    printf("%-12s %10s %10s %14s\n", "pass", "ms", "cpu ms", "frames/s");
    for (int m = 0; m < 3; m++)
        printf("%-12s %10.1f %10.1f %14.0f\n", names[m], med[m] * 1e3, mcpu[m] * 1e3, (double)frames / med[m]);
    if (!failed) {
        double tsh = median(ts, nts), tshc = median(tc, nts);
        qsort(pair, (size_t)nts, sizeof(double), cmp_d);
        printf("%-12s %10.1f %10.1f %14.0f\n", "tshark phs", tsh * 1e3, tshc * 1e3, (double)frames / tsh);
        printf("frames: %ld, median of %d rounds (tshark: of %d, interleaved)\n", frames, reps, nts);
        printf("recognize speed / bare loop speed = %.2f wall, %.2f cpu (target >= 0.5)\n",
               med[BARE] / med[RECOGNIZE], mcpu[BARE] / mcpu[RECOGNIZE]);
        printf("tshark time / attach time = %.1f wall, %.1f cpu (target >= 20); per round %.1f-%.1f\n",
               tsh / med[ATTACH], tshc / mcpu[ATTACH], pair[0], pair[nts - 1]);
    } else {
        printf("tshark       not run (tshark failed)\n");
        printf("recognize speed / bare loop speed = %.2f wall, %.2f cpu (target >= 0.5)\n",
               med[BARE] / med[RECOGNIZE], mcpu[BARE] / mcpu[RECOGNIZE]);
    }
    free(ts);
    free(tc);
    free(pair);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[1], "make") == 0)
        return make(argv[2], argv[3], atol(argv[4]));
    if (argc >= 3 && strcmp(argv[1], "run") == 0)
        return run(argv[2], argc >= 4 ? atoi(argv[3]) : 5);
    fprintf(stderr, "usage: %s make SRC OUT N | run FILE [REPS]\n", argv[0]);
    return 2;
}
