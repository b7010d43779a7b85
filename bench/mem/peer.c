/*
 * peer.c - one allocator running one workload of the memory benchmark.
 *
 * This file is built into several programs, one per group of allocators
 * that can share a process (bench/mem/CMakeLists.txt):
 *   bench_mem_std       nmx (the Expert API, called through a shared
 *                       library as an expert calls libnmapi.so; nmx-locked
 *                       is the same with NMX_MEM_BIAS=0), glibc, talloc (on
 *                       glibc's malloc);
 *   bench_mem_std_mutex nmx-mutex: the heap built with a pthread mutex
 *                       instead of the spin lock (run with NMX_MEM_BIAS=0);
 *   bench_mem_mimalloc  a mimalloc heap (linking libmimalloc.so replaces
 *                       malloc in the whole process, so it gets its own);
 *   bench_mem_jemalloc  jemalloc (the same is true of Debian's jemalloc).
 * bench_mem (driver.c) runs each (allocator, workload) pair in a fresh
 * process, several times, and prints the table.
 *
 * Usage: bench_mem_<group> ALLOCATOR WORKLOAD [W1_OPS]
 * (W1_OPS overrides the 10 M operations of w1, e.g. for a short run under
 * valgrind --tool=callgrind.)
 * Prints one line: "result ALLOCATOR WORKLOAD seconds=S rss=B blocks=N
 * bytes=R" or "result ALLOCATOR WORKLOAD skipped=REASON".
 *
 * Workloads (DESIGN.md targets):
 *   w1   10 M alloc/free of random 8..512 B blocks, 4096 live slots, zeroed
 *   w2d  one block grown from 16 B to 1 GiB by doubling (last byte written)
 *   w2s  the same by +4 KiB steps
 *   w3   1 M live blocks of 8..512 B, then end the session: only that end
 *        is timed (destroy-all, or one free per block where the allocator
 *        has nothing better); rss = resident bytes the blocks added; for
 *        nmx, trim = the later nmx__mem_trim(0) that unmaps the segments
 *   lock 10 M uncontended lock/unlock pairs (spin lock vs pthread mutex)
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(PEER_STD)
#include <netmon.h>
#include <talloc.h>
#include "mem/nmx_mem.h"
#elif defined(PEER_MIMALLOC)
#include <mimalloc.h>
#elif defined(PEER_JEMALLOC)
#include <jemalloc/jemalloc.h>
#endif

#define SLOTS 4096
static long W1_OPS = 10000000L;
#define W3_BLOCKS 1000000L
#define GIB ((size_t)1 << 30)
#define TIME_LIMIT_S 20

/* The clock: CPU time of the process (user + system, so page faults and
 * mremap count) - on a shared machine, time spent waiting for a CPU would
 * otherwise swamp the differences.  BENCH_CLOCK=wall selects wall time. */
static clockid_t g_clock = CLOCK_PROCESS_CPUTIME_ID;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(g_clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Resident bytes of the process (/proc/self/statm, second field). */
static uint64_t rss_bytes(void)
{
    unsigned long size = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &res) != 2)
            res = 0;
        fclose(f);
    }
    return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Fixed-seed xorshift64, the same stream for every allocator. */
static uint64_t rng_state;
static inline uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static const char *g_alloc, *g_work;

static void on_alarm(int sig)
{
    (void)sig;
    char line[160];
    int n = snprintf(line, sizeof line, "result %s %s skipped=timeout>%ds\n", g_alloc, g_work,
                     TIME_LIMIT_S);
    if (write(1, line, (size_t)n) < 0) {
    }
    _exit(0);
}

static void *slots[SLOTS];
static void **live; /* w3 blocks */

/*
 * The workloads, written once as macros over an allocator's operations so
 * that every allocator runs the very same loop with its calls inlined at
 * the call site (no function pointer in between):
 *   ZALLOC(n)    zero-filled block of n bytes
 *   FREE(p)      release one block
 *   GROW(p, n)   resize (realloc); may return NULL
 */
#define DEFINE_W1(name, ZALLOC, FREE)                                        \
    static double name(void)                                               \
    {                                                                      \
        rng_state = 88172645463325252ull;                                  \
        double t = now_s();                                                \
        for (long i = 0; i < W1_OPS; i++) {                                \
            uint64_t r = rnd();                                            \
            unsigned s = (unsigned)(r & (SLOTS - 1));                      \
            size_t n = 8 + (size_t)((r >> 12) % 505);                      \
            if (slots[s])                                                  \
                FREE(slots[s]);                                            \
            uint8_t *p = ZALLOC(n);                                        \
            if (!p) {                                                      \
                fprintf(stderr, "allocation failed\n");                  \
                exit(1);                                                   \
            }                                                              \
            p[n - 1] = (uint8_t)r;                                         \
            slots[s] = p;                                                  \
        }                                                                  \
        t = now_s() - t;                                                   \
        for (unsigned s = 0; s < SLOTS; s++)                               \
            if (slots[s])                                                  \
                FREE(slots[s]);                                            \
        return t;                                                          \
    }

#define DEFINE_W2(name, ZALLOC, GROW, FREE)                                  \
    static double name(size_t step)                                        \
    {                                                                      \
        size_t n = 16;                                                     \
        uint8_t *p = ZALLOC(n);                                            \
        double t = now_s();                                                \
        while (n < GIB) {                                                  \
            size_t m = step ? n + step : n * 2;                            \
            if (m > GIB)                                                   \
                m = GIB;                                                   \
            uint8_t *q = GROW(p, m);                                       \
            if (!q)                                                        \
                return -1.0;                                               \
            p = q;                                                         \
            p[m - 1] = 1;                                                  \
            n = m;                                                         \
        }                                                                  \
        t = now_s() - t;                                                   \
        FREE(p);                                                           \
        return t;                                                          \
    }

/* Allocates the w3 blocks; returns their requested bytes. */
#define DEFINE_W3_FILL(name, ZALLOC)                                         \
    static uint64_t name(void)                                             \
    {                                                                      \
        rng_state = 88172645463325252ull;                                  \
        uint64_t bytes = 0;                                                \
        for (long i = 0; i < W3_BLOCKS; i++) {                             \
            size_t n = 8 + (size_t)(rnd() % 505);                          \
            uint8_t *p = ZALLOC(n);                                        \
            if (!p)                                                        \
                exit(1);                                                   \
            p[0] = 1;                                                      \
            live[i] = p;                                                   \
            bytes += n;                                                    \
        }                                                                  \
        return bytes;                                                      \
    }

typedef struct result {
    double seconds;
    double trim; /* w3, nmx: the deferred munmap of the released segments */
    uint64_t rss, blocks, bytes;
    const char *skipped;
} result_t;

/* ---- glibc ---------------------------------------------------------------- */
#if defined(PEER_STD)
#define G_ZALLOC(n) calloc(1, (n))
#define G_GROW(p, n) realloc((p), (n))
DEFINE_W1(glibc_w1, G_ZALLOC, free)
DEFINE_W2(glibc_w2, G_ZALLOC, G_GROW, free)
DEFINE_W3_FILL(glibc_w3_fill, G_ZALLOC)

/* ---- nmx: the Expert API ---------------------------------------------------- */
static HEXPERTKEY g_key;
static DWORD g_err;
#define N_ZALLOC(n) ExpertAllocMemory(g_key, (n), &g_err)
#define N_FREE(p) ExpertFreeMemory(g_key, (p))
#define N_GROW(p, n) ExpertReallocMemory(g_key, (p), (n), &g_err)
DEFINE_W1(nmx_w1, N_ZALLOC, N_FREE)
DEFINE_W2(nmx_w2, N_ZALLOC, N_GROW, N_FREE)
DEFINE_W3_FILL(nmx_w3_fill, N_ZALLOC)

/* ---- talloc (over glibc malloc) ------------------------------------------------ */
static void *g_ctx;
#define T_ZALLOC(n) talloc_zero_size(g_ctx, (n))
#define T_FREE(p) talloc_free(p)
#define T_GROW(p, n) talloc_realloc_size(g_ctx, (p), (n))
DEFINE_W1(talloc_w1, T_ZALLOC, T_FREE)
DEFINE_W2(talloc_w2, T_ZALLOC, T_GROW, T_FREE)
DEFINE_W3_FILL(talloc_w3_fill, T_ZALLOC)

/* ---- the two locks ---------------------------------------------------------- */
static double lock_pairs(bool spin)
{
    static atomic_int l;
    static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    double t = now_s();
    if (spin) {
        for (long i = 0; i < W1_OPS; i++) {
            while (atomic_exchange_explicit(&l, 1, memory_order_acquire))
                ;
            atomic_store_explicit(&l, 0, memory_order_release);
        }
    } else {
        for (long i = 0; i < W1_OPS; i++) {
            pthread_mutex_lock(&m);
            pthread_mutex_unlock(&m);
        }
    }
    return now_s() - t;
}

static result_t run(const char *alloc, const char *work)
{
    result_t r = {0};
    bool is_nmx = strncmp(alloc, "nmx", 3) == 0; /* nmx, nmx-locked, nmx-mutex */
    bool is_glibc = strcmp(alloc, "glibc") == 0;
    bool is_talloc = strcmp(alloc, "talloc") == 0;
    if (strcmp(work, "lock") == 0) {
        if (strcmp(alloc, "spin") && strcmp(alloc, "mutex")) {
            r.skipped = "n/a";
            return r;
        }
        r.seconds = lock_pairs(strcmp(alloc, "spin") == 0);
        return r;
    }
    if (!is_nmx && !is_glibc && !is_talloc) {
        r.skipped = "unknown-allocator";
        return r;
    }
    if (is_nmx && nmx__key_create(NULL, &g_key) != 0) {
        r.skipped = "no-session";
        return r;
    }
    if (is_talloc)
        g_ctx = talloc_new(NULL);
    if (strcmp(work, "w1") == 0) {
        r.seconds = is_nmx ? nmx_w1() : is_glibc ? glibc_w1() : talloc_w1();
    } else if (strcmp(work, "w2d") == 0 || strcmp(work, "w2s") == 0) {
        size_t step = work[2] == 's' ? 4096 : 0;
        r.seconds = is_nmx ? nmx_w2(step) : is_glibc ? glibc_w2(step) : talloc_w2(step);
        if (r.seconds < 0)
            r.skipped = "cannot-grow-to-1GiB";
    } else if (strcmp(work, "w3") == 0) {
        uint64_t before = rss_bytes();
        r.bytes = is_nmx ? nmx_w3_fill() : is_glibc ? glibc_w3_fill() : talloc_w3_fill();
        r.rss = rss_bytes() - before;
        r.blocks = W3_BLOCKS;
        double t = now_s();
        if (is_nmx)
            nmx__key_destroy(g_key, NULL);
        else if (is_talloc)
            talloc_free(g_ctx); /* frees its children one by one */
        else
            for (long i = 0; i < W3_BLOCKS; i++)
                free(live[i]); /* no destroy-all in glibc */
        r.seconds = now_s() - t;
        if (is_nmx) { /* what the destroy leaves for later: giving the memory back */
            t = now_s();
            nmx__mem_trim(0);
            r.trim = now_s() - t;
        }
        return r;
    } else {
        r.skipped = "unknown-workload";
    }
    if (is_nmx)
        nmx__key_destroy(g_key, NULL);
    if (is_talloc)
        talloc_free(g_ctx);
    return r;
}

/* ---- mimalloc heap ------------------------------------------------------------ */
#elif defined(PEER_MIMALLOC)
static mi_heap_t *g_heap;
#define M_ZALLOC(n) mi_heap_zalloc(g_heap, (n))
#define M_GROW(p, n) mi_heap_realloc(g_heap, (p), (n))
DEFINE_W1(mi_w1, M_ZALLOC, mi_free)
DEFINE_W2(mi_w2, M_ZALLOC, M_GROW, mi_free)
DEFINE_W3_FILL(mi_w3_fill, M_ZALLOC)

static result_t run(const char *alloc, const char *work)
{
    result_t r = {0};
    if (strcmp(alloc, "mimalloc")) {
        r.skipped = "unknown-allocator";
        return r;
    }
    g_heap = mi_heap_new();
    if (strcmp(work, "w1") == 0) {
        r.seconds = mi_w1();
    } else if (strcmp(work, "w2d") == 0 || strcmp(work, "w2s") == 0) {
        r.seconds = mi_w2(work[2] == 's' ? 4096 : 0);
    } else if (strcmp(work, "w3") == 0) {
        uint64_t before = rss_bytes();
        r.bytes = mi_w3_fill();
        r.rss = rss_bytes() - before;
        r.blocks = W3_BLOCKS;
        double t = now_s();
        mi_heap_destroy(g_heap);
        r.seconds = now_s() - t;
        return r;
    } else {
        r.skipped = "n/a";
    }
    mi_heap_destroy(g_heap);
    return r;
}

/* ---- jemalloc ------------------------------------------------------------------ */
#elif defined(PEER_JEMALLOC)
/* w1 and w2 use the default arena with its thread cache, as a program that
 * links jemalloc does; w3 allocates in an arena of its own (no thread
 * cache) and ends it with "arena.<i>.destroy", jemalloc's destroy-all. */
static unsigned g_arena;
#define J_ZALLOC(n) calloc(1, (n))
#define J_GROW(p, n) realloc((p), (n))
#define J_AZALLOC(n) mallocx((n), MALLOCX_ZERO | MALLOCX_ARENA(g_arena) | MALLOCX_TCACHE_NONE)
DEFINE_W1(je_w1, J_ZALLOC, free)
DEFINE_W2(je_w2, J_ZALLOC, J_GROW, free)
DEFINE_W3_FILL(je_w3_fill, J_AZALLOC)

static result_t run(const char *alloc, const char *work)
{
    result_t r = {0};
    if (strcmp(alloc, "jemalloc")) {
        r.skipped = "unknown-allocator";
        return r;
    }
    if (strcmp(work, "w1") == 0) {
        r.seconds = je_w1();
    } else if (strcmp(work, "w2d") == 0 || strcmp(work, "w2s") == 0) {
        r.seconds = je_w2(work[2] == 's' ? 4096 : 0);
    } else if (strcmp(work, "w3") == 0) {
        size_t sz = sizeof g_arena;
        if (mallctl("arenas.create", &g_arena, &sz, NULL, 0) != 0) {
            r.skipped = "no-arena";
            return r;
        }
        uint64_t before = rss_bytes();
        r.bytes = je_w3_fill();
        r.rss = rss_bytes() - before;
        r.blocks = W3_BLOCKS;
        char name[64];
        snprintf(name, sizeof name, "arena.%u.destroy", g_arena);
        double t = now_s();
        mallctl(name, NULL, NULL, NULL, 0);
        r.seconds = now_s() - t;
    } else {
        r.skipped = "n/a";
    }
    return r;
}
#else
#error "define PEER_STD, PEER_MIMALLOC or PEER_JEMALLOC"
#endif

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s ALLOCATOR WORKLOAD\n", argv[0]);
        return 2;
    }
    g_alloc = argv[1];
    g_work = argv[2];
    if (argc > 3)
        W1_OPS = atol(argv[3]);
    const char *clk = getenv("BENCH_CLOCK");
    if (clk && strcmp(clk, "wall") == 0)
        g_clock = CLOCK_MONOTONIC;
    live = calloc(W3_BLOCKS, sizeof(*live));
    if (!live)
        return 1;
    signal(SIGALRM, on_alarm);
    alarm(TIME_LIMIT_S);
    result_t r = run(g_alloc, g_work);
    alarm(0);
    if (r.skipped)
        printf("result %s %s skipped=%s\n", g_alloc, g_work, r.skipped);
    else
        printf("result %s %s seconds=%.9f rss=%llu blocks=%llu bytes=%llu trim=%.9f\n", g_alloc,
               g_work, r.seconds, (unsigned long long)r.rss, (unsigned long long)r.blocks,
               (unsigned long long)r.bytes, r.trim);
    return 0;
}
