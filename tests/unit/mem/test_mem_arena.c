/*
 * test_mem_arena.c - the host side of the expert heap: destroy-all with a
 * million live blocks, the segment cache, debug red zones, the fault-
 * injection back end (a loop failing allocation N for N = 1..k), and
 * several threads sharing one arena, also while it is destroyed.
 */
#include "mem_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef NMX_MEM_NO_VALGRIND
#include <valgrind/memcheck.h>
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(NMX_SANITIZE)
#define UNDER_ASAN 1
#else
#define UNDER_ASAN 0
#endif

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* ---- destroy-all ------------------------------------------------------------ */

/* Fills a session with n live blocks of 8..512 bytes; returns their bytes. */
static uint64_t fill_session(HEXPERTKEY k, size_t n)
{
    uint64_t seed = 42, total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t sz = 8 + (size_t)(mt_rand(&seed) % 505);
        uint8_t *p = ExpertAllocMemory(k, sz, NULL);
        assert_non_null(p);
        p[0] = 1;
        total += sz;
    }
    return total;
}

static void test_destroy_million_blocks(void **state)
{
    (void)state;
    size_t n = ON_VALGRIND() ? 50000 : 1000000;
    double best = 1e9;
    for (int attempt = 0; attempt < 2; attempt++) {
        nmx__mem_trim(0);
        HEXPERTKEY k = mt_key(NULL);
        uint64_t bytes = fill_session(k, n);
        nmx_mem_global_t g0;
        nmx__mem_global_stats(&g0);
        assert_int_equal(mt_stats(k).live_blocks, n);
        double t = now_s();
        nmx_mem_stats_t fin;
        assert_int_equal(nmx__key_destroy(k, &fin), 0);
        t = now_s() - t;
        if (t < best)
            best = t;
        assert_int_equal(fin.reclaimed_blocks, n);
        assert_int_equal(fin.reclaimed_bytes, bytes);
        assert_int_equal(fin.live_blocks, 0);
        assert_int_equal(fin.live_bytes, 0);
        assert_int_equal(fin.frees, 0);
        /* Every segment went to the cache; none was unmapped by the destroy. */
        nmx_mem_global_t g1;
        nmx__mem_global_stats(&g1);
        assert_int_equal(g1.segments_mapped, g0.segments_mapped);
        assert_true(g1.segments_cached >= bytes / (4u << 20));
        /* Trimming returns them to the OS. */
        size_t released = nmx__mem_trim(0);
        nmx_mem_global_t g2;
        nmx__mem_global_stats(&g2);
        assert_int_equal(g2.segments_cached, 0);
        assert_int_equal(g2.segments_mapped, g1.segments_mapped - released);
    }
    print_message("destroy of %zu live blocks: %.3f ms\n", n, best * 1e3);
    /* O(segments), not O(blocks): far below the ~5 ns a block a walk costs. */
    if (!ON_VALGRIND() && !UNDER_ASAN)
        assert_true(best < 0.005);
}

/* Segments whose pages all became empty go back to the shared cache while
 * the session is still running. */
static void test_empty_segments_released(void **state)
{
    (void)state;
    enum { N = 20000 };
    static void *p[N];
    nmx__mem_trim(0);
    HEXPERTKEY k = mt_key(NULL);
    nmx_mem_global_t g0, g1, g2;
    nmx__mem_global_stats(&g0);
    for (int i = 0; i < N; i++)
        p[i] = mt_alloc(k, 1000);
    nmx__mem_global_stats(&g1);
    assert_true(g1.segments_mapped >= g0.segments_mapped + 4); /* ~20 MB */
    for (int i = 0; i < N; i++)
        mt_free(k, p[i]);
    nmx__mem_global_stats(&g2);
    assert_true(g2.segments_cached >= g1.segments_cached + 3);
    assert_int_equal(mt_stats(k).live_bytes, 0);
    /* And they are used again. */
    for (int i = 0; i < N; i++)
        p[i] = mt_alloc(k, 1000);
    nmx_mem_global_t g3;
    nmx__mem_global_stats(&g3);
    assert_int_equal(g3.segments_mapped, g1.segments_mapped);
    mt_destroy(k);
    nmx__mem_global_stats(&g3);
    assert_int_equal(g3.sessions, g0.sessions - 1);
}

/* ---- debug mode: red zones ----------------------------------------------------- */

typedef struct reports {
    int count;
    char last[256];
} reports_t;

static void collect(void *ctx, HEXPERTKEY key, const char *msg)
{
    reports_t *r = ctx;
    (void)key;
    r->count++;
    snprintf(r->last, sizeof r->last, "%s", msg);
}

/* Writes past the end of a block on purpose, hidden from ASan and valgrind
 * (which would otherwise stop the test at the write itself). */
__attribute__((no_sanitize_address, noinline)) static void overflow(void *block, size_t off,
                                                                    uint8_t v)
{
#ifndef NMX_MEM_NO_VALGRIND
    VALGRIND_DISABLE_ERROR_REPORTING;
#endif
    ((volatile uint8_t *)block)[off] = v;
#ifndef NMX_MEM_NO_VALGRIND
    VALGRIND_ENABLE_ERROR_REPORTING;
#endif
}

static HEXPERTKEY debug_key(reports_t *r)
{
    memset(r, 0, sizeof *r);
    nmx_arena_opts_t o = {0};
    o.debug = true;
    o.report = collect;
    o.report_ctx = r;
    return mt_key(&o);
}

static void test_redzone_on_free(void **state)
{
    (void)state;
    reports_t r;
    HEXPERTKEY k = debug_key(&r);
    static const size_t sizes[] = {0, 1, 24, 100, 1000, 9000, 65536 - 16, 65536, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        /* The first and the last byte of the guaranteed red zone. */
        for (size_t off = 0; off < NMX_MEM_REDZONE; off += NMX_MEM_REDZONE - 1) {
            uint8_t *p = mt_alloc(k, sizes[i]);
            assert_true(mt_all(p, sizes[i], 0));
            int before = r.count;
            overflow(p, sizes[i] + off, 0x41);
            assert_int_equal(ExpertFreeMemory(k, p), 0); /* still freed */
            assert_int_equal(r.count, before + 1);
            char want[64];
            snprintf(want, sizeof want, "red zone overwritten after block of %zu bytes", sizes[i]);
            assert_non_null(strstr(r.last, want));
            assert_non_null(strstr(r.last, "on free"));
        }
    }
    nmx_mem_stats_t fin = mt_destroy(k);
    assert_int_equal(fin.redzone_errors, r.count);
    assert_int_equal(r.count, 2 * (int)(sizeof sizes / sizeof sizes[0]));
}

static void test_redzone_on_realloc_destroy_check(void **state)
{
    (void)state;
    reports_t r;
    HEXPERTKEY k = debug_key(&r);
    uint8_t *a = mt_alloc(k, 100);
    overflow(a, 100, 1);
    a = mt_realloc(k, a, 200);
    assert_int_equal(r.count, 1);
    assert_non_null(strstr(r.last, "after block of 100 bytes"));
    assert_non_null(strstr(r.last, "on realloc"));
    /* The new red zone is intact again. */
    mt_free(k, a);
    assert_int_equal(r.count, 1);

    uint8_t *l = mt_alloc(k, 200000);
    overflow(l, 200000, 1);
    l = mt_realloc(k, l, 400000);
    assert_int_equal(r.count, 2);
    assert_non_null(strstr(r.last, "after block of 200000 bytes"));

    uint8_t *b = mt_alloc(k, 300);
    uint8_t *c = mt_alloc(k, 77);
    overflow(b, 300, 1);
    overflow(c, 80, 1);
    assert_int_equal(nmx__key_check(k), 2);
    assert_int_equal(r.count, 4);
    nmx_mem_stats_t fin = mt_destroy(k); /* l, b, c leak: b and c are reported again */
    assert_int_equal(r.count, 6);
    assert_non_null(strstr(r.last, "at session end"));
    assert_int_equal(fin.redzone_errors, 6);
    assert_int_equal(fin.reclaimed_blocks, 3);
}

/* Debug mode changes nothing an expert can see, and intact blocks are
 * never reported. */
static void test_debug_mode_semantics(void **state)
{
    (void)state;
    reports_t r;
    HEXPERTKEY k = debug_key(&r);
    uint64_t seed = 7;
    void *p[256] = {0};
    size_t sz[256] = {0};
    for (int i = 0; i < 20000; i++) {
        unsigned s = (unsigned)(mt_rand(&seed) % 256);
        size_t n = (size_t)(mt_rand(&seed) % 3000);
        if (i % 97 == 0)
            n = 70000 + n;
        if (p[s] && (i & 1)) {
            uint8_t *q = mt_realloc(k, p[s], n);
            size_t keep = sz[s] < n ? sz[s] : n;
            assert_true(mt_all(q, keep, (uint8_t)s));
            assert_true(mt_all(q + keep, n - keep, 0));
            p[s] = q;
        } else {
            if (p[s])
                mt_free(k, p[s]);
            p[s] = mt_alloc(k, n);
            assert_true(mt_all(p[s], n, 0));
        }
        sz[s] = n;
        memset(p[s], (uint8_t)s, n);
        assert_int_equal(ExpertMemorySize(k, p[s]), n);
        assert_int_equal((uintptr_t)p[s] & 15, 0);
    }
    assert_int_equal(nmx__key_check(k), 0);
    nmx_mem_stats_t fin = mt_destroy(k);
    assert_int_equal(r.count, 0);
    assert_int_equal(fin.redzone_errors, 0);
    /* Not in debug mode: nothing to check. */
    HEXPERTKEY plain = mt_key(NULL);
    mt_alloc(plain, 10);
    assert_int_equal(nmx__key_check(plain), 0);
    mt_destroy(plain);
    assert_true(nmx__key_check(plain) == (size_t)-1);
}

/* ---- fault injection ------------------------------------------------------------ */

#define SCENARIO_REQUESTS 49 /* admitted requests of a full run of scenario() */

/* A small expert-like workload: a counter table grown by realloc (as the
 * Property Distribution sample does), a list of nodes, a large buffer.  On
 * any failure it frees what it holds and returns the error. */
static unsigned scenario(HEXPERTKEY k)
{
    DWORD err = 0;
    void *nodes[40] = {0};
    uint8_t *big = NULL;
    size_t tsize = 16 * sizeof(uint32_t);
    uint32_t *table = ExpertAllocMemory(k, tsize, &err); /* 1 request */
    if (!table)
        goto out;
    for (int i = 0; i < 40; i++) { /* 40 requests */
        nodes[i] = ExpertAllocMemory(k, 24 + (size_t)i * 8, &err);
        if (!nodes[i])
            goto out;
        table[i % 16]++;
    }
    for (int g = 0; g < 6; g++) { /* 6 requests */
        uint32_t *t2 = ExpertReallocMemory(k, table, tsize * 2, &err);
        if (!t2)
            goto out;
        table = t2;
        tsize *= 2;
        table[tsize / sizeof(uint32_t) - 1]++; /* grown part is zero */
    }
    big = ExpertAllocMemory(k, 300000, &err); /* 1 request */
    if (!big)
        goto out;
    uint8_t *b2 = ExpertReallocMemory(k, big, 900000, &err); /* 1 request */
    if (!b2)
        goto out;
    big = b2;
    /* Shrinking is not an allocation request. */
    uint32_t *t3 = ExpertReallocMemory(k, table, 64, &err);
    if (!t3)
        goto out;
    table = t3;
    err = 0;
out:
    for (int i = 0; i < 40; i++)
        if (nodes[i])
            ExpertFreeMemory(k, nodes[i]);
    if (big)
        ExpertFreeMemory(k, big);
    if (table)
        ExpertFreeMemory(k, table);
    return err;
}

static void test_fault_injection_loop(void **state)
{
    (void)state;
    for (uint64_t n = 1; n <= SCENARIO_REQUESTS + 3; n++) {
        nmx_mem_fault_t f;
        nmx__mem_fault_init(&f, NULL, n, false);
        nmx_arena_opts_t o = {0};
        o.backend = &f.backend;
        HEXPERTKEY k = mt_key(&o);
        unsigned rc = scenario(k);
        nmx_mem_stats_t st = mt_stats(k);
        if (n <= SCENARIO_REQUESTS) {
            assert_int_equal(rc, NMERR_OUT_OF_MEMORY);
            assert_int_equal(f.failures, 1);
            assert_int_equal(f.requests, n); /* stopped at the failure */
            assert_int_equal(st.failed, 1);
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(f.failures, 0);
            assert_int_equal(f.requests, SCENARIO_REQUESTS);
            assert_int_equal(st.failed, 0);
        }
        /* Nothing leaked, nothing left to reclaim. */
        assert_int_equal(st.live_bytes, 0);
        assert_int_equal(st.live_blocks, 0);
        assert_int_equal(st.allocations, st.frees);
        nmx_mem_stats_t fin = mt_destroy(k);
        assert_int_equal(fin.reclaimed_blocks, 0);
        assert_int_equal(fin.reclaimed_bytes, 0);
    }
}

static void test_fault_persistent(void **state)
{
    (void)state;
    nmx_mem_fault_t f;
    nmx__mem_fault_init(&f, NULL, 3, true);
    nmx_arena_opts_t o = {0};
    o.backend = &f.backend;
    HEXPERTKEY k = mt_key(&o);
    void *a = mt_alloc(k, 10);
    void *b = mt_alloc(k, 10);
    DWORD err = 0;
    for (int i = 0; i < 5; i++) {
        assert_null(ExpertAllocMemory(k, 10, &err));
        assert_int_equal(err, NMERR_OUT_OF_MEMORY);
    }
    assert_null(ExpertReallocMemory(k, a, 100, &err)); /* growing: refused */
    assert_int_equal(err, NMERR_OUT_OF_MEMORY);
    a = mt_realloc(k, a, 5); /* shrinking: not a request */
    assert_int_equal(f.failures, 6);
    mt_free(k, a);
    mt_free(k, b);
    mt_destroy(k);
}

/* ---- threads ----------------------------------------------------------------- */

enum { MT_THREADS = 4, MT_SLOTS = 64, MAILBOX = 256 };

typedef struct mt_shared {
    HEXPERTKEY key;
    pthread_mutex_t mu;
    void *mailbox[MAILBOX]; /* blocks handed to other threads to free */
    size_t mail_size[MAILBOX];
    int ops;
    int errors;
} mt_shared_t;

typedef struct mt_arg {
    mt_shared_t *sh;
    int id;
} mt_arg_t;

static void *mt_worker(void *arg)
{
    mt_arg_t *a = arg;
    mt_shared_t *sh = a->sh;
    uint8_t tag = (uint8_t)(0x10 + a->id);
    uint64_t seed = 1234 + (uint64_t)a->id;
    void *p[MT_SLOTS] = {0};
    size_t sz[MT_SLOTS] = {0};
    int bad = 0;
    for (int i = 0; i < sh->ops; i++) {
        unsigned s = (unsigned)(mt_rand(&seed) % MT_SLOTS);
        size_t n = 1 + (size_t)(mt_rand(&seed) % 2000);
        if (i % 501 == 0)
            n += 100000;
        if (p[s]) {
            if (!mt_all(p[s], sz[s], tag))
                bad++;
            unsigned what = (unsigned)(mt_rand(&seed) % 4);
            if (what == 0) { /* resize */
                uint8_t *q = ExpertReallocMemory(sh->key, p[s], n, NULL);
                if (!q) {
                    bad++;
                    continue;
                }
                size_t keep = sz[s] < n ? sz[s] : n;
                if (!mt_all(q, keep, tag) || !mt_all(q + keep, n - keep, 0))
                    bad++;
                memset(q, tag, n);
                p[s] = q;
                sz[s] = n;
                continue;
            }
            if (what == 1) { /* hand it to whoever takes the mailbox slot */
                unsigned m = (unsigned)(mt_rand(&seed) % MAILBOX);
                pthread_mutex_lock(&sh->mu);
                void *old = sh->mailbox[m];
                sh->mailbox[m] = p[s];
                sh->mail_size[m] = sz[s];
                pthread_mutex_unlock(&sh->mu);
                if (old && ExpertFreeMemory(sh->key, old) != 0)
                    bad++;
            } else if (ExpertFreeMemory(sh->key, p[s]) != 0) {
                bad++;
            }
            p[s] = NULL;
            continue;
        }
        uint8_t *q = ExpertAllocMemory(sh->key, n, NULL);
        if (!q || !mt_all(q, n, 0) || ((uintptr_t)q & 15)) {
            bad++;
            continue;
        }
        memset(q, tag, n);
        p[s] = q;
        sz[s] = n;
    }
    for (int s = 0; s < MT_SLOTS; s++)
        if (p[s] && ExpertFreeMemory(sh->key, p[s]) != 0)
            bad++;
    pthread_mutex_lock(&sh->mu);
    sh->errors += bad;
    pthread_mutex_unlock(&sh->mu);
    return NULL;
}

static void test_threads_share_arena(void **state)
{
    (void)state;
    static mt_shared_t sh;
    memset(&sh, 0, sizeof sh);
    pthread_mutex_init(&sh.mu, NULL);
    sh.key = mt_key(NULL);
    sh.ops = ON_VALGRIND() ? 4000 : 200000;
    pthread_t th[MT_THREADS];
    mt_arg_t args[MT_THREADS];
    for (int i = 0; i < MT_THREADS; i++) {
        args[i].sh = &sh;
        args[i].id = i;
        assert_int_equal(pthread_create(&th[i], NULL, mt_worker, &args[i]), 0);
    }
    for (int i = 0; i < MT_THREADS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(sh.errors, 0);
    for (int m = 0; m < MAILBOX; m++) {
        if (!sh.mailbox[m])
            continue;
        assert_int_equal(ExpertMemorySize(sh.key, sh.mailbox[m]), sh.mail_size[m]);
        mt_free(sh.key, sh.mailbox[m]);
    }
    nmx_mem_stats_t st = mt_stats(sh.key);
    assert_int_equal(st.live_blocks, 0);
    assert_int_equal(st.live_bytes, 0);
    assert_int_equal(st.allocations, st.frees);
    assert_int_equal(st.invalid, 0);
    assert_true(st.allocations > (uint64_t)sh.ops);
    mt_destroy(sh.key);
    pthread_mutex_destroy(&sh.mu);
}

typedef struct race_arg {
    HEXPERTKEY key;
    atomic_int *started;
    unsigned last_error;
    long calls;
} race_arg_t;

/* Calls the helpers until the key dies under it. */
static void *race_worker(void *arg)
{
    race_arg_t *r = arg;
    atomic_fetch_add(r->started, 1);
    for (;;) {
        DWORD err = 0;
        void *p = ExpertAllocMemory(r->key, 8 + (size_t)(r->calls % 300), &err);
        r->calls++;
        if (!p) {
            r->last_error = err;
            return NULL;
        }
        DWORD rc = ExpertFreeMemory(r->key, p);
        if (rc != 0) {
            r->last_error = rc;
            return NULL;
        }
    }
}

/* Threads still calling the helpers while the host destroys the session
 * get 130 and never crash or touch released memory. */
static void test_destroy_while_threads_call(void **state)
{
    (void)state;
    enum { T = 3 };
    atomic_int started = 0;
    race_arg_t r[T];
    pthread_t th[T];
    HEXPERTKEY k = mt_key(NULL);
    for (int i = 0; i < T; i++) {
        r[i] = (race_arg_t){k, &started, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, race_worker, &r[i]), 0);
    }
    while (atomic_load(&started) < T)
        sched_yield();
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    nmx_mem_stats_t fin = mt_destroy(k);
    /* Unmap the released segments while the threads may still be inside a
     * call: one that wrote to its block after the destroy would fault. */
    for (int i = 0; i < 20; i++)
        nmx__mem_trim(0);
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(r[i].last_error, NMERR_INVALID_EXPERT_HANDLE);
        assert_true(r[i].calls > 0);
    }
    assert_true(fin.allocations > 0);
    assert_true(fin.reclaimed_blocks <= T);
}

/* The first thread to call becomes the arena's owner and runs unlocked;
 * a second thread joining in (and the host reading statistics) switches
 * the arena to locked mode while the owner is busy.  Nothing may be lost
 * or corrupted across the switch. */
typedef struct bias_arg {
    HEXPERTKEY key;
    atomic_long *progress;
    atomic_int *stop;
    uint8_t tag;
    long ops;
    long allocs; /* successful allocations */
    int errors;
} bias_arg_t;

static void *bias_worker(void *arg)
{
    bias_arg_t *b = arg;
    uint64_t seed = 99 + b->tag;
    void *p[32] = {0};
    size_t sz[32] = {0};
    while (!atomic_load(b->stop)) {
        unsigned s = (unsigned)(mt_rand(&seed) % 32);
        if (p[s]) {
            if (!mt_all(p[s], sz[s], b->tag) || ExpertFreeMemory(b->key, p[s]) != 0)
                b->errors++;
            p[s] = NULL;
        } else {
            size_t n = (size_t)(mt_rand(&seed) % 600);
            uint8_t *q = ExpertAllocMemory(b->key, n, NULL);
            if (!q || !mt_all(q, n, 0)) {
                b->errors++;
                continue;
            }
            memset(q, b->tag, n);
            p[s] = q;
            sz[s] = n;
            b->allocs++;
        }
        b->ops++;
        atomic_fetch_add(b->progress, 1);
    }
    for (int s = 0; s < 32; s++)
        if (p[s] && ExpertFreeMemory(b->key, p[s]) != 0)
            b->errors++;
    return NULL;
}

static void test_owner_bias_switch(void **state)
{
    (void)state;
    long step = ON_VALGRIND() ? 2000 : 200000;
    for (int round = 0; round < 3; round++) {
        HEXPERTKEY k = mt_key(NULL);
        atomic_long progress = 0;
        atomic_int stop = 0;
        bias_arg_t owner = {k, &progress, &stop, 0xA1, 0, 0, 0};
        bias_arg_t second = {k, &progress, &stop, 0xB2, 0, 0, 0};
        pthread_t to, ts;
        assert_int_equal(pthread_create(&to, NULL, bias_worker, &owner), 0);
        while (atomic_load(&progress) < step) /* the owner runs alone first */
            sched_yield();
        if (round == 1) {
            /* The host reads the statistics while the owner runs. */
            nmx_mem_stats_t st = mt_stats(k);
            assert_true(st.allocations >= st.live_blocks);
        } else {
            assert_int_equal(pthread_create(&ts, NULL, bias_worker, &second), 0);
        }
        while (atomic_load(&progress) < 3 * step)
            sched_yield();
        atomic_store(&stop, 1);
        pthread_join(to, NULL);
        if (round != 1)
            pthread_join(ts, NULL);
        assert_int_equal(owner.errors, 0);
        assert_int_equal(second.errors, 0);
        nmx_mem_stats_t st = mt_stats(k);
        assert_int_equal(st.live_blocks, 0);
        assert_int_equal(st.live_bytes, 0);
        assert_int_equal(st.allocations, owner.allocs + second.allocs);
        assert_int_equal(st.frees, owner.allocs + second.allocs);
        assert_int_equal(st.invalid, 0);
        mt_destroy(k);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_destroy_million_blocks),
        cmocka_unit_test(test_empty_segments_released),
        cmocka_unit_test(test_redzone_on_free),
        cmocka_unit_test(test_redzone_on_realloc_destroy_check),
        cmocka_unit_test(test_debug_mode_semantics),
        cmocka_unit_test(test_fault_injection_loop),
        cmocka_unit_test(test_fault_persistent),
        cmocka_unit_test(test_threads_share_arena),
        cmocka_unit_test(test_destroy_while_threads_call),
        cmocka_unit_test(test_owner_bias_switch),
    };
    return cmocka_run_group_tests_name("mem_arena", tests, NULL, NULL);
}
