/*
 * bench_capture.c - how fast the capture layer walks every frame of a large
 * capture, against a bare libpcap pcap_next_ex() loop over the same file, in
 * the same run.
 *
 *   bench_capture [--frames N] [--reps R] [--source FILE] OUTDIR
 *
 * It writes OUTDIR/capture-<N>.pcap (microsecond pcap), .pcapng and .cap
 * (NetMon 2.0) once, by replicating the frames of FILE (default: the shared
 * set's real/ppa_ftp-crack.pcap, else synthetic Ethernet frames) with
 * advancing times.  Then, R times in alternating order, it times:
 *
 *   libpcap  pcap_open_offline + pcap_next_ex over every frame + pcap_close
 *   nmx      nmx__cap_open_file (map + build the index) + every frame by number
 *            + nmx__cap_close
 *
 * Both loops read the first byte of every frame and sum them (the sums must
 * agree), so both touch every frame's data; both include open and close.
 * Reported: the median time of each, frames per second, and the speed ratio
 * libpcap time / nmx time (>= 0.9 is the target for pcap).  The files are read
 * once before timing, so both run from the page cache.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "capture/capture.h"
#include "common/cursor.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- the input ------------------------------------------------------------- */

typedef struct source {
    nmx_cap_t *cap;  /* frames to replicate, or NULL for synthetic frames */
    uint8_t synth[1514];
} source_t;

static void frame_of(const source_t *s, uint32_t i, const uint8_t **data, uint32_t *caplen,
                     uint32_t *wirelen)
{
    if (s->cap != NULL) {
        uint32_t k = i % nmx__cap_count(s->cap);
        *data = nmx__cap_data(s->cap, k);
        *caplen = nmx__cap_frame(s->cap, k)->caplen;
        *wirelen = nmx__cap_frame(s->cap, k)->wirelen;
        return;
    }
    static const uint32_t sizes[] = {60, 1514, 66, 590, 74, 1514, 1514, 60, 342, 98};
    *data = s->synth;
    *caplen = *wirelen = sizes[i % 10];
}

/* A minimal pcapng writer (SHB, one Ethernet IDB, EPBs), for the benchmark only. */
static int write_pcapng(const char *path, const source_t *s, uint32_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    uint8_t b[64];
    uint8_t *p = b;
    nmx__store_u32le(p, 0x0A0D0D0A), nmx__store_u32le(p + 4, 28), nmx__store_u32le(p + 8, 0x1A2B3C4D);
    nmx__store_u16le(p + 12, 1), nmx__store_u16le(p + 14, 0);
    nmx__store_u64le(p + 16, UINT64_MAX), nmx__store_u32le(p + 24, 28);
    fwrite(b, 1, 28, f);
    nmx__store_u32le(p, 1), nmx__store_u32le(p + 4, 20), nmx__store_u16le(p + 8, 1);
    nmx__store_u16le(p + 10, 0), nmx__store_u32le(p + 12, 262144), nmx__store_u32le(p + 16, 20);
    fwrite(b, 1, 20, f);
    static const uint8_t pad[4] = {0};
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *d;
        uint32_t caplen, wirelen;
        frame_of(s, i, &d, &caplen, &wirelen);
        uint32_t padded = (caplen + 3) & ~3u;
        uint32_t len = 32 + padded;
        uint64_t ts = 1300000000000000ull + (uint64_t)i * 997;
        nmx__store_u32le(p, 6), nmx__store_u32le(p + 4, len), nmx__store_u32le(p + 8, 0);
        nmx__store_u32le(p + 12, (uint32_t)(ts >> 32)), nmx__store_u32le(p + 16, (uint32_t)ts);
        nmx__store_u32le(p + 20, caplen), nmx__store_u32le(p + 24, wirelen);
        fwrite(b, 1, 28, f);
        fwrite(d, 1, caplen, f);
        fwrite(pad, 1, padded - caplen, f);
        nmx__store_u32le(b, len);
        fwrite(b, 1, 4, f);
    }
    return fclose(f);
}

static int make_inputs(const char *dir, uint32_t n, const char *source_path, char paths[3][1024])
{
    snprintf(paths[0], sizeof paths[0], "%s/capture-%u.pcap", dir, n);
    snprintf(paths[1], sizeof paths[1], "%s/capture-%u.pcapng", dir, n);
    snprintf(paths[2], sizeof paths[2], "%s/capture-%u.cap", dir, n);
    struct stat st;
    if (stat(paths[0], &st) == 0 && stat(paths[1], &st) == 0 && stat(paths[2], &st) == 0)
        return 0;
    source_t s;
    memset(&s, 0, sizeof s);
    for (size_t k = 0; k < sizeof s.synth; k++)
        s.synth[k] = (uint8_t)(k * 7);
    nmx_error_t err;
    if (source_path != NULL && nmx__cap_open_file(source_path, &s.cap, &err) != 0) {
        fprintf(stderr, "bench_capture: %s (using synthetic frames)\n", err.msg);
        s.cap = NULL;
    }
    if (s.cap != NULL && nmx__cap_count(s.cap) == 0) {
        nmx__cap_close(s.cap);
        s.cap = NULL;
    }
    fprintf(stderr, "bench_capture: writing %u frames from %s\n", n,
            s.cap != NULL ? source_path : "synthetic Ethernet frames");
    static const int formats[2] = {NMX_CAPW_PCAP, NMX_CAPW_NETMON2};
    const char *outs[2] = {paths[0], paths[2]};
    for (int k = 0; k < 2; k++) {
        nmx_capwriter_t *w;
        if (nmx__capwriter_open(outs[k], formats[k], NMX_LINK_ETHERNET, &w, &err) != 0)
            goto fail;
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *d;
            uint32_t caplen, wirelen;
            frame_of(&s, i, &d, &caplen, &wirelen);
            nmx__capwriter_write(w, 1300000000000000000LL + (int64_t)i * 997000, d, caplen, wirelen);
        }
        if (nmx__capwriter_close(w, &err) != 0)
            goto fail;
    }
    if (write_pcapng(paths[1], &s, n) != 0) {
        fprintf(stderr, "bench_capture: cannot write %s\n", paths[1]);
        nmx__cap_close(s.cap);
        return -1;
    }
    nmx__cap_close(s.cap);
    return 0;
fail:
    fprintf(stderr, "bench_capture: %s\n", err.msg);
    nmx__cap_close(s.cap);
    return -1;
}

/* ---- the two loops --------------------------------------------------------------- */

static uint64_t run_libpcap(const char *path, uint32_t *frames)
{
    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, eb);
    if (p == NULL) {
        fprintf(stderr, "libpcap: %s\n", eb);
        exit(1);
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t sum = 0;
    uint32_t n = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        sum += h->caplen > 0 ? d[0] : 0;
        n++;
    }
    pcap_close(p);
    *frames = n;
    return sum;
}

static uint64_t run_nmx(const char *path, uint32_t *frames, double *t_open)
{
    double t0 = now();
    nmx_cap_t *cap;
    nmx_error_t err;
    if (nmx__cap_open_file(path, &cap, &err) != 0) {
        fprintf(stderr, "nmx: %s\n", err.msg);
        exit(1);
    }
    *t_open = now() - t0;
    uint64_t sum = 0;
    uint32_t n = nmx__cap_count(cap);
    for (uint32_t i = 0; i < n; i++) {
        const nmx_frame_rec_t *r = nmx__cap_frame(cap, i);
        sum += r->caplen > 0 ? nmx__cap_data(cap, i)[0] : 0;
    }
    nmx__cap_close(cap);
    *frames = n;
    return sum;
}

int main(int argc, char **argv)
{
    uint32_t n = 200000;
    int reps = 15;
    const char *dir = NULL;
    const char *source = NULL;
    char def_source[1200];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--frames") == 0 && i + 1 < argc)
            n = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--source") == 0 && i + 1 < argc)
            source = argv[++i];
        else
            dir = argv[i];
    }
    if (dir == NULL || reps < 1 || reps > 1000 || n == 0) {
        fprintf(stderr, "usage: bench_capture [--frames N] [--reps R] [--source FILE] OUTDIR\n");
        return 2;
    }
    if (source == NULL) {
        const char *env = getenv("NMX_SHARED_CAPTURES");
        snprintf(def_source, sizeof def_source, "%s/real/ppa_ftp-crack.pcap",
                 env != NULL ? env : "../shared/captures");
        struct stat st;
        source = stat(def_source, &st) == 0 ? def_source : NULL;
    }
    char paths[3][1024];
    if (make_inputs(dir, n, source, paths) != 0)
        return 1;

    static const char *names[3] = {"pcap", "pcapng", "netmon2"};
    printf("frames per file: %u, repetitions: %d (median reported), open/index/close included\n", n,
           reps);
    printf("%-8s %12s %12s %12s %14s %14s %8s\n", "format", "libpcap ms", "nmx ms", "(index ms)",
           "libpcap fr/s", "nmx fr/s", "ratio");
    for (int k = 0; k < 3; k++) {
        bool peer = k < 2; /* libpcap reads pcap and pcapng, not NetMon */
        double *tl = calloc((size_t)reps, sizeof *tl), *tn = calloc((size_t)reps, sizeof *tn),
               *to = calloc((size_t)reps, sizeof *to);
        uint32_t fl = 0, fn = 0;
        uint64_t sl = 0, sn = 0;
        /* Warm up: page cache, first-touch costs. */
        if (peer)
            sl = run_libpcap(paths[k], &fl);
        sn = run_nmx(paths[k], &fn, &to[0]);
        for (int r = 0; r < reps; r++) {
            for (int order = 0; order < 2; order++) {
                bool nmx_turn = (order == 0) == (r % 2 == 0);
                double t0 = now();
                if (nmx_turn) {
                    sn = run_nmx(paths[k], &fn, &to[r]);
                    tn[r] = now() - t0;
                } else if (peer) {
                    sl = run_libpcap(paths[k], &fl);
                    tl[r] = now() - t0;
                }
            }
        }
        if (peer && (sl != sn || fl != fn)) {
            fprintf(stderr, "%s: libpcap read %u frames (sum %llu), nmx %u (sum %llu)\n", names[k],
                    fl, (unsigned long long)sl, fn, (unsigned long long)sn);
            return 1;
        }
        double ml = peer ? median(tl, reps) : 0, mn = median(tn, reps), mo = median(to, reps);
        if (peer)
            printf("%-8s %12.2f %12.2f %12.2f %14.0f %14.0f %7.2fx\n", names[k], ml * 1e3, mn * 1e3,
                   mo * 1e3, fl / ml, fn / mn, ml / mn);
        else
            printf("%-8s %12s %12.2f %12.2f %14s %14.0f %8s\n", names[k], "-", mn * 1e3, mo * 1e3, "-",
                   fn / mn, "-");
        free(tl);
        free(tn);
        free(to);
    }
    return 0;
}
