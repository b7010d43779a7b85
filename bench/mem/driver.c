/*
 * driver.c - bench_mem: runs the memory benchmark side by side and prints
 * the table of DESIGN.md's memory targets.
 *
 * Every (allocator, workload) measurement runs in a fresh process (see
 * peer.c for why the allocators are split over several programs).  The
 * repetitions are interleaved - rep 1 of every allocator, then rep 2 - so
 * that drift in machine load hits all of them alike; the table shows the
 * median, and ratios against glibc and mimalloc measured in the same run.
 *
 *   bench_mem [--reps N] [--only w1,w2d,w2s,w3,lock] [--csv]
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef BENCH_STD
#define BENCH_STD ""
#endif
#ifndef BENCH_STD_MUTEX
#define BENCH_STD_MUTEX ""
#endif
#ifndef BENCH_MIMALLOC
#define BENCH_MIMALLOC ""
#endif
#ifndef BENCH_JEMALLOC
#define BENCH_JEMALLOC ""
#endif

#define MAX_REPS 21

typedef struct alloc_def {
    const char *name; /* column; the peer program's allocator argument */
    const char *prog;
    const char *env;  /* environment for the run, "" for none */
} alloc_def_t;

/* nmx is the heap as shipped (owner-biased arenas); nmx-locked turns the
 * bias off, so every call takes the spin lock, as a multi-threaded expert
 * does; nmx-mutex does the same with a pthread mutex instead. */
static const alloc_def_t k_allocs[] = {
    {"nmx", BENCH_STD, ""},
    {"glibc", BENCH_STD, ""},
    {"mimalloc", BENCH_MIMALLOC, ""},
    {"jemalloc", BENCH_JEMALLOC, ""},
    {"talloc", BENCH_STD, ""},
    {"nmx-locked", BENCH_STD, "NMX_MEM_BIAS=0 "},
    {"nmx-mutex", BENCH_STD_MUTEX, "NMX_MEM_BIAS=0 "},
};
#define N_ALLOCS (sizeof k_allocs / sizeof k_allocs[0])

typedef struct work_def {
    const char *name;
    const char *label;
    int max_reps; /* the slow ones run fewer times */
} work_def_t;

static const work_def_t k_works[] = {
    {"w1", "w1: 10M alloc/free 8-512 B, zeroed", MAX_REPS},
    {"w2d", "w2: 16 B -> 1 GiB by doubling", MAX_REPS},
    {"w2s", "w2: 16 B -> 1 GiB by +4 KiB", 3},
    {"w3", "w3: destroy 1M live blocks", MAX_REPS},
};
#define N_WORKS (sizeof k_works / sizeof k_works[0])

typedef struct cell {
    double sec[MAX_REPS];
    double rss_per_block[MAX_REPS];
    double trim[MAX_REPS];
    double req_per_block;
    int n;
    char skipped[64];
} cell_t;

static cell_t cells[N_WORKS][N_ALLOCS];

/* Runs one measurement; fills the cell or its `skipped` reason. */
static void measure(size_t w, size_t a)
{
    cell_t *c = &cells[w][a];
    if (c->skipped[0])
        return;
    if (!k_allocs[a].prog[0]) {
        snprintf(c->skipped, sizeof c->skipped, "not built");
        return;
    }
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s'%s' %s %s", k_allocs[a].env, k_allocs[a].prog, k_allocs[a].name,
             k_works[w].name);
    FILE *f = popen(cmd, "r");
    if (!f) {
        snprintf(c->skipped, sizeof c->skipped, "cannot run");
        return;
    }
    char line[512];
    bool got = false;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "result ", 7) != 0)
            continue;
        got = true;
        char *sk = strstr(line, "skipped=");
        if (sk) {
            sk += 8;
            sk[strcspn(sk, "\n")] = '\0';
            snprintf(c->skipped, sizeof c->skipped, "%s", sk);
            break;
        }
        double s = 0;
        unsigned long long rss = 0, blocks = 0, bytes = 0;
        char *p = strstr(line, "seconds=");
        if (p)
            s = strtod(p + 8, NULL);
        if ((p = strstr(line, "rss=")))
            rss = strtoull(p + 4, NULL, 10);
        if ((p = strstr(line, "blocks=")))
            blocks = strtoull(p + 7, NULL, 10);
        if ((p = strstr(line, "bytes=")))
            bytes = strtoull(p + 6, NULL, 10);
        c->trim[c->n] = (p = strstr(line, "trim=")) ? strtod(p + 5, NULL) : 0;
        c->sec[c->n] = s;
        c->rss_per_block[c->n] = blocks ? (double)rss / (double)blocks : 0;
        c->req_per_block = blocks ? (double)bytes / (double)blocks : 0;
        c->n++;
    }
    int st = pclose(f);
    if (!got && !c->skipped[0])
        snprintf(c->skipped, sizeof c->skipped, "failed (status %d)", st);
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static double median(const double *v, int n)
{
    double t[MAX_REPS];
    memcpy(t, v, sizeof(double) * (size_t)n);
    qsort(t, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static double med_sec(size_t w, size_t a)
{
    const cell_t *c = &cells[w][a];
    return c->n ? median(c->sec, c->n) : -1;
}

static double med_rss(size_t w, size_t a)
{
    const cell_t *c = &cells[w][a];
    return c->n ? median(c->rss_per_block, c->n) : -1;
}

static size_t alloc_index(const char *name)
{
    for (size_t a = 0; a < N_ALLOCS; a++)
        if (strcmp(k_allocs[a].name, name) == 0)
            return a;
    return 0;
}

static void fmt_time(char *buf, size_t cap, double s)
{
    if (s < 0)
        snprintf(buf, cap, "-");
    else if (s < 1e-3)
        snprintf(buf, cap, "%.1f us", s * 1e6);
    else if (s < 1)
        snprintf(buf, cap, "%.2f ms", s * 1e3);
    else
        snprintf(buf, cap, "%.3f s", s);
}

/* Ratio of allocator a to allocator b on workload w, or -1. */
static double ratio(size_t w, size_t a, size_t b)
{
    double x = med_sec(w, a), y = med_sec(w, b);
    return x > 0 && y > 0 ? x / y : -1;
}

static const char *verdict(bool ok)
{
    return ok ? "met" : "NOT MET";
}

static void machine_line(void)
{
    struct utsname u;
    char model[256] = "?";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "model name", 10) == 0) {
                char *c = strchr(line, ':');
                if (c) {
                    snprintf(model, sizeof model, "%s", c + 2);
                    model[strcspn(model, "\n")] = '\0';
                }
                break;
            }
        }
        fclose(f);
    }
    uname(&u);
    printf("machine: %s, %ld CPUs, Linux %s\n", model, sysconf(_SC_NPROCESSORS_ONLN), u.release);
}

int main(int argc, char **argv)
{
    int reps = 5;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--reps N] [--only w1,w2d,w2s,w3,lock]\n", argv[0]);
            return 2;
        }
    }
    if (reps < 1)
        reps = 1;
    if (reps > MAX_REPS)
        reps = MAX_REPS;
    machine_line();
    printf("repetitions: %d (w2s: at most 3), each in a fresh process; medians shown\n\n", reps);
    fflush(stdout);

    bool want[N_WORKS];
    for (size_t w = 0; w < N_WORKS; w++)
        want[w] = !only || strstr(only, k_works[w].name) != NULL;
    bool want_lock = !only || strstr(only, "lock") != NULL;

    for (int r = 0; r < reps; r++) {
        for (size_t w = 0; w < N_WORKS; w++) {
            if (!want[w] || r >= k_works[w].max_reps)
                continue;
            for (size_t a = 0; a < N_ALLOCS; a++)
                measure(w, a);
        }
        fprintf(stderr, "bench_mem: repetition %d of %d done\n", r + 1, reps);
    }

    size_t nmx = alloc_index("nmx"), glibc = alloc_index("glibc");
    size_t mim = alloc_index("mimalloc");
    printf("%-38s", "workload (median time)");
    for (size_t a = 0; a < N_ALLOCS; a++)
        printf("%12s", k_allocs[a].name);
    printf("\n");
    for (size_t w = 0; w < N_WORKS; w++) {
        if (!want[w])
            continue;
        printf("%-38s", k_works[w].label);
        for (size_t a = 0; a < N_ALLOCS; a++) {
            char buf[32];
            if (cells[w][a].n)
                fmt_time(buf, sizeof buf, med_sec(w, a));
            else
                snprintf(buf, sizeof buf, "%.11s", cells[w][a].skipped);
            printf("%12s", buf);
        }
        printf("\n%-38s", "  ratio to glibc");
        for (size_t a = 0; a < N_ALLOCS; a++) {
            double x = ratio(w, a, glibc);
            if (x < 0)
                printf("%12s", "-");
            else if (x < 0.01)
                printf("%11.5fx", x);
            else
                printf("%11.3fx", x);
        }
        printf("\n");
        if (strcmp(k_works[w].name, "w3") == 0) {
            printf("%-38s", "  resident bytes per live block");
            for (size_t a = 0; a < N_ALLOCS; a++) {
                double x = med_rss(w, a);
                if (x < 0)
                    printf("%12s", "-");
                else
                    printf("%12.1f", x);
            }
            printf("\n%-38s%12.1f\n", "  (requested bytes per block)", cells[w][nmx].req_per_block);
            if (cells[w][nmx].n) {
                char buf[32];
                fmt_time(buf, sizeof buf, median(cells[w][nmx].trim, cells[w][nmx].n));
                printf("%-38s%12s  (deferred: unmapping the segments later)\n",
                       "  nmx__mem_trim(0) after the destroy", buf);
            }
        }
    }
    if (want_lock) {
        double t[2][MAX_REPS];
        const char *names[2] = {"spin", "mutex"};
        for (int l = 0; l < 2; l++) {
            for (int r = 0; r < reps; r++) {
                char cmd[1024];
                snprintf(cmd, sizeof cmd, "'%s' %s lock", BENCH_STD, names[l]);
                FILE *f = popen(cmd, "r");
                char line[256];
                t[l][r] = 0;
                while (f && fgets(line, sizeof line, f)) {
                    char *p = strstr(line, "seconds=");
                    if (p)
                        t[l][r] = strtod(p + 8, NULL);
                }
                if (f)
                    pclose(f);
            }
        }
        printf("\n%-38s%9.2f ns (spin lock)  %6.2f ns (pthread mutex)\n",
               "uncontended lock+unlock pair", median(t[0], reps) * 1e9 / 1e7,
               median(t[1], reps) * 1e9 / 1e7);
    }

    printf("\ntargets (DESIGN.md):\n");
    size_t w1 = 0, w2d = 1, w2s = 2, w3 = 3;
    if (want[w1] && cells[w1][nmx].n && cells[w1][glibc].n) {
        double rg = ratio(w1, nmx, glibc);
        printf("  w1 <= 0.45x glibc calloc/free:        %.3fx  %s\n", rg, verdict(rg <= 0.45));
        double rm = ratio(w1, nmx, mim);
        if (rm > 0)
            printf("  w1 within 1.25x of a mimalloc heap:   %.3fx  %s\n", rm, verdict(rm <= 1.25));
    }
    for (size_t w = w2d; w <= w2s; w++) {
        if (want[w] && cells[w][nmx].n && cells[w][glibc].n) {
            double r2 = ratio(w, nmx, glibc);
            printf("  %s <= 1.1x glibc realloc:             %.3fx  %s\n", k_works[w].name, r2,
                   verdict(r2 <= 1.1));
        }
    }
    if (want[w3] && cells[w3][nmx].n) {
        double d = med_sec(w3, nmx);
        printf("  w3 destroy of 1M blocks <= 1 ms:      %.3f ms  %s\n", d * 1e3, verdict(d <= 1e-3));
        if (cells[w3][glibc].n) {
            double over = med_rss(w3, nmx) - med_rss(w3, glibc);
            printf("  resident overhead <= glibc + 16 B:    %+.1f B/block  %s\n", over,
                   verdict(over <= 16));
        }
    }
    return 0;
}
