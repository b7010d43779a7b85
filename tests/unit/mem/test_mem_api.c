/*
 * test_mem_api.c - the NetMon memory helpers against spec 2.0-2.4 and 1.6:
 * error codes and their order, every kind of bad pointer, zero fill,
 * alignment, zero-size blocks, pError handling, realloc semantics, quota,
 * huge requests, termination, stale keys and the statistics.
 */
#include "mem_test.h"

#include <stdlib.h>

#define ALIGNED16(p) (((uintptr_t)(p) & 15u) == 0)

/* Sizes that cover every path: zero, the 16-byte classes, the quarter
 * classes, the medium pages, both sides of the large-block limit. */
static const size_t k_sizes[] = {0,    1,     8,     15,    16,    17,    100,   511,
                                 512,  1000,  1024,  1025,  1300,  4000,  8192,  8193,
                                 9000, 30000, 65535, 65536, 65537, 70000, 200000, 1 << 20};
#define N_SIZES (sizeof(k_sizes) / sizeof(k_sizes[0]))

/* ---- keys ------------------------------------------------------------------ */

static void check_bad_key(HEXPERTKEY bad)
{
    DWORD err = 0;
    assert_null(ExpertAllocMemory(bad, 16, &err));
    assert_int_equal(err, NMERR_INVALID_EXPERT_HANDLE);
    assert_null(ExpertAllocMemory(bad, 16, NULL)); /* pError may be NULL */
    err = 0;
    int local;
    assert_null(ExpertReallocMemory(bad, &local, 16, &err));
    assert_int_equal(err, NMERR_INVALID_EXPERT_HANDLE);
    err = 0;
    assert_null(ExpertReallocMemory(bad, NULL, 16, &err));
    assert_int_equal(err, NMERR_INVALID_EXPERT_HANDLE);
    assert_int_equal(ExpertFreeMemory(bad, NULL), NMERR_INVALID_EXPERT_HANDLE);
    assert_int_equal(ExpertFreeMemory(bad, &local), NMERR_INVALID_EXPERT_HANDLE);
    assert_true(ExpertMemorySize(bad, &local) == (SIZE_T)-1);
    assert_false(nmx__key_valid(bad));
    assert_null(nmx__key_user(bad));
    assert_int_equal(nmx__key_terminate(bad), NMERR_INVALID_EXPERT_HANDLE);
    assert_false(nmx__key_terminating(bad));
    nmx_mem_stats_t st;
    assert_int_equal(nmx__key_stats(bad, &st), NMERR_INVALID_EXPERT_HANDLE);
    assert_int_equal(nmx__key_destroy(bad, NULL), NMERR_INVALID_EXPERT_HANDLE);
}

static void test_bad_keys(void **state)
{
    (void)state;
    HEXPERTKEY live = mt_key(NULL); /* make sure the tables exist */
    int on_stack;
    void *heap = malloc(64);
    check_bad_key(NULL);
    check_bad_key((HEXPERTKEY)(uintptr_t)0x1234);
    check_bad_key((HEXPERTKEY)&on_stack);
    check_bad_key((HEXPERTKEY)heap);
    check_bad_key((HEXPERTKEY)(uintptr_t)UINTPTR_MAX);
    /* The live key with its high bits changed (another generation of the
     * same slot, whatever the layout of the key). */
    uintptr_t k = (uintptr_t)live;
    check_bad_key((HEXPERTKEY)(k + ((uintptr_t)1 << 40)));
    check_bad_key((HEXPERTKEY)(k ^ ((uintptr_t)1 << 62)));
    free(heap);
    mt_destroy(live);
    /* The destroyed key itself. */
    check_bad_key(live);
}

static void test_stale_key_never_reused(void **state)
{
    (void)state;
    HEXPERTKEY a = mt_key(NULL);
    void *pa = mt_alloc(a, 40);
    mt_destroy(a);
    /* The next session very likely gets the same slot: its key must differ
     * and the old key must not reach it. */
    HEXPERTKEY b = mt_key(NULL);
    assert_ptr_not_equal(a, b);
    void *pb = mt_alloc(b, 40);
    DWORD err = 0;
    assert_null(ExpertAllocMemory(a, 8, &err));
    assert_int_equal(err, NMERR_INVALID_EXPERT_HANDLE);
    assert_int_equal(ExpertFreeMemory(a, pb), NMERR_INVALID_EXPERT_HANDLE);
    assert_int_equal(ExpertMemorySize(b, pb), 40);
    /* A block of the destroyed session is not a block of the new one,
     * unless the new one allocated that very address itself. */
    if (pa != pb)
        assert_int_equal(ExpertFreeMemory(b, pa), NMERR_INVALID_PARAMETER);
    assert_int_equal(mt_stats(b).live_blocks, 1);
    mt_destroy(b);
}

static void test_many_keys_unique(void **state)
{
    (void)state;
    enum { N = 1100 }; /* crosses a slot-chunk boundary */
    HEXPERTKEY *keys = calloc(N, sizeof(*keys));
    void **blocks = calloc(N, sizeof(*blocks));
    assert_non_null(keys);
    assert_non_null(blocks);
    for (int i = 0; i < N; i++) {
        keys[i] = mt_key(NULL);
        blocks[i] = mt_alloc(keys[i], 24);
        *(int *)blocks[i] = i;
    }
    for (int i = 0; i < N; i++) {
        assert_int_equal(*(int *)blocks[i], i);
        assert_int_equal(ExpertMemorySize(keys[i], blocks[i]), 24);
        /* Each key sees only its own block. */
        assert_true(ExpertMemorySize(keys[(i + 1) % N], blocks[i]) == (SIZE_T)-1);
        for (int j = 0; j < i && j < 8; j++)
            assert_ptr_not_equal(keys[i], keys[j]);
    }
    for (int i = 0; i < N; i++) {
        nmx_mem_stats_t st = mt_destroy(keys[i]);
        assert_int_equal(st.reclaimed_blocks, 1);
        assert_int_equal(st.reclaimed_bytes, 24);
    }
    for (int i = 0; i < N; i++)
        assert_false(nmx__key_valid(keys[i]));
    free(keys);
    free(blocks);
}

/* Creating more than NMX_MEM_MAX_SESSIONS live sessions fails cleanly, and
 * destroying one makes room again. */
static void test_session_limit(void **state)
{
    (void)state;
    HEXPERTKEY *keys = calloc(NMX_MEM_MAX_SESSIONS + 1, sizeof(*keys));
    assert_non_null(keys);
    nmx_mem_global_t g;
    nmx__mem_global_stats(&g);
    size_t n = 0;
    while (n < NMX_MEM_MAX_SESSIONS + 1 && nmx__key_create(NULL, &keys[n]) == 0)
        n++;
    assert_int_equal(n + g.sessions, NMX_MEM_MAX_SESSIONS);
    HEXPERTKEY extra = (HEXPERTKEY)(uintptr_t)1;
    assert_int_equal(nmx__key_create(NULL, &extra), NMERR_OUT_OF_MEMORY);
    assert_null(extra);
    assert_int_equal(nmx__key_create(NULL, NULL), NMERR_INVALID_PARAMETER);
    mt_destroy(keys[n / 2]);
    keys[n / 2] = mt_key(NULL);
    for (size_t i = 0; i < n; i++)
        mt_destroy(keys[i]);
    free(keys);
}

/* ---- allocation ------------------------------------------------------------ */

static void test_alloc_zeroed_aligned_sized(void **state)
{
    (void)state;
    HEXPERTKEY k = mt_key(NULL);
    void *p[N_SIZES];
    for (size_t i = 0; i < N_SIZES; i++) {
        p[i] = mt_alloc(k, k_sizes[i]);
        assert_true(ALIGNED16(p[i]));
        assert_true(mt_all(p[i], k_sizes[i], 0));
        assert_int_equal(ExpertMemorySize(k, p[i]), k_sizes[i]);
        memset(p[i], 0x5A, k_sizes[i]); /* the whole block is writable */
    }
    for (size_t i = 0; i < N_SIZES; i++) {
        assert_true(mt_all(p[i], k_sizes[i], 0x5A)); /* no overlap between blocks */
        mt_free(k, p[i]);
    }
    assert_int_equal(mt_stats(k).live_bytes, 0);
    mt_destroy(k);
}

/* A freed block that is handed out again is zeroed again. */
static void test_zero_fill_after_reuse(void **state)
{
    (void)state;
    HEXPERTKEY k = mt_key(NULL);
    static const size_t sizes[] = {1, 16, 200, 1000, 3000, 20000, 65536};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t *p = mt_alloc(k, sizes[i]);
        memset(p, 0xEE, sizes[i]);
        mt_free(k, p);
        uint8_t *q = mt_alloc(k, sizes[i]);
        assert_ptr_equal(p, q); /* the free stack is LIFO: the same block comes back */
        assert_true(mt_all(q, sizes[i], 0));
        mt_free(k, q);
    }
    mt_destroy(k);
}

/* Segments a destroyed session left behind are dirty; a new session that
 * gets them must still see zeroed blocks. */
static void test_zero_fill_across_sessions(void **state)
{
    (void)state;
    enum { N = 3000 };
    static void *ptrs[N];
    HEXPERTKEY a = mt_key(NULL);
    for (int i = 0; i < N; i++) {
        ptrs[i] = mt_alloc(a, 8 + (size_t)(i % 50) * 16);
        memset(ptrs[i], 0xC3, 8 + (size_t)(i % 50) * 16);
    }
    mt_destroy(a);
    HEXPERTKEY b = mt_key(NULL);
    int reused = 0;
    for (int i = 0; i < N; i++) {
        uint8_t *p = mt_alloc(b, 8 + (size_t)(i % 50) * 16);
        assert_true(mt_all(p, 8 + (size_t)(i % 50) * 16, 0));
        for (int j = 0; j < N && !reused; j++)
            reused = (p == ptrs[j]);
    }
    assert_true(reused); /* the test did exercise reused memory */
    mt_destroy(b);
}

static void test_zero_size_blocks(void **state)
{
    (void)state;
    HEXPERTKEY k = mt_key(NULL);
    void *p[64];
    for (int i = 0; i < 64; i++) {
        p[i] = mt_alloc(k, 0);
        assert_true(ALIGNED16(p[i]));
        assert_int_equal(ExpertMemorySize(k, p[i]), 0);
        for (int j = 0; j < i; j++)
            assert_ptr_not_equal(p[i], p[j]);
    }
    assert_int_equal(mt_stats(k).live_blocks, 64);
    assert_int_equal(mt_stats(k).live_bytes, 0);
    /* Realloc to 0 keeps a valid zero-size block that must still be freed. */
    uint8_t *q = mt_alloc(k, 100);
    q = mt_realloc(k, q, 0);
    assert_int_equal(ExpertMemorySize(k, q), 0);
    q = mt_realloc(k, q, 10);
    assert_true(mt_all(q, 10, 0));
    mt_free(k, q);
    for (int i = 0; i < 64; i++)
        mt_free(k, p[i]);
    assert_int_equal(ExpertFreeMemory(k, p[0]), NMERR_INVALID_PARAMETER);
    assert_int_equal(mt_stats(k).live_blocks, 0);
    mt_destroy(k);
}

static void test_perror_rules(void **state)
{
    (void)state;
    HEXPERTKEY k = mt_key_limit(1000);
    DWORD err = 12345; /* an uninitialised variable, as the PropDist sample has */
    void *p = ExpertAllocMemory(k, 10, &err);
    assert_non_null(p);
    assert_int_equal(err, 0);
    err = 12345;
    p = ExpertReallocMemory(k, p, 20, &err);
    assert_non_null(p);
    assert_int_equal(err, 0);
    /* NULL pError on success and on failure. */
    void *q = ExpertAllocMemory(k, 10, NULL);
    assert_non_null(q);
    assert_null(ExpertAllocMemory(k, 5000, NULL));
    q = ExpertReallocMemory(k, q, 30, NULL);
    assert_non_null(q);
    assert_null(ExpertReallocMemory(k, q, 5000, NULL));
    assert_null(ExpertReallocMemory(k, NULL, 5, NULL));
    mt_free(k, p);
    mt_free(k, q);
    mt_destroy(k);
}

/* ---- bad pointers ------------------------------------------------------------ */

/* `bad` is not a live block of k: every helper gives 76 / (SIZE_T)-1 and
 * nothing changes. */
static void check_rejected(HEXPERTKEY k, void *bad)
{
    nmx_mem_stats_t before = mt_stats(k);
    DWORD err = 0;
    assert_int_equal(ExpertFreeMemory(k, bad), NMERR_INVALID_PARAMETER);
    assert_null(ExpertReallocMemory(k, bad, 64, &err));
    assert_int_equal(err, NMERR_INVALID_PARAMETER);
    assert_true(ExpertMemorySize(k, bad) == (SIZE_T)-1);
    nmx_mem_stats_t after = mt_stats(k);
    assert_int_equal(after.live_blocks, before.live_blocks);
    assert_int_equal(after.live_bytes, before.live_bytes);
    assert_int_equal(after.frees, before.frees);
    assert_int_equal(after.invalid, before.invalid + 2);
}

static void test_realloc_null(void **state)
{
    (void)state;
    HEXPERTKEY k = mt_key(NULL);
    DWORD err = 0;
    assert_null(ExpertReallocMemory(k, NULL, 16, &err));
    assert_int_equal(err, NMERR_INVALID_PARAMETER);
    assert_null(ExpertReallocMemory(k, NULL, 0, &err));
    assert_int_equal(err, NMERR_INVALID_PARAMETER);
    assert_int_equal(mt_stats(k).live_blocks, 0);
    assert_int_equal(ExpertFreeMemory(k, NULL), 0);
    assert_true(ExpertMemorySize(k, NULL) == (SIZE_T)-1);
    mt_destroy(k);
}

static void test_foreign_pointers(void **state)
{
    (void)state;
    HEXPERTKEY a = mt_key(NULL);
    HEXPERTKEY b = mt_key(NULL);
    uint8_t *small = mt_alloc(b, 48);
    uint8_t *medium = mt_alloc(b, 20000);
    uint8_t *large = mt_alloc(b, 300000);
    memset(small, 7, 48);
    memset(large, 9, 300000);
    mt_alloc(a, 48); /* a owns segments too */
    check_rejected(a, small);
    check_rejected(a, medium);
    check_rejected(a, large);
    /* b's blocks are untouched. */
    assert_int_equal(ExpertMemorySize(b, small), 48);
    assert_int_equal(ExpertMemorySize(b, medium), 20000);
    assert_int_equal(ExpertMemorySize(b, large), 300000);
    assert_true(mt_all(small, 48, 7));
    assert_true(mt_all(large, 300000, 9));
    mt_destroy(b);
    /* Blocks of a destroyed session are foreign too. */
    check_rejected(a, small);
    check_rejected(a, large);
    mt_destroy(a);
}

static void test_interior_pointers(void **state)
{
    (void)state;
    HEXPERTKEY k = mt_key(NULL);
    uint8_t *p = mt_alloc(k, 64);
    uint8_t *m = mt_alloc(k, 10000);
    uint8_t *l = mt_alloc(k, 200000);
    check_rejected(k, p + 1);
    check_rejected(k, p + 16);
    check_rejected(k, p + 63);
    check_rejected(k, m + 16);
    check_rejected(k, m + 4096);
    check_rejected(k, l + 16);
    check_rejected(k, l + 4096); /* page-aligned, but not a block start */
    check_rejected(k, p - 16);
    /* The next block of the page, never handed out. */
    check_rejected(k, p + 64);
    /* The segment header and page metadata of the heap itself. */
    uint8_t *seg = (uint8_t *)((uintptr_t)p & ~(((uintptr_t)1 << 22) - 1));
    check_rejected(k, seg);
    check_rejected(k, seg + 64);
    assert_int_equal(ExpertMemorySize(k, p), 64);
    assert_int_equal(ExpertMemorySize(k, l), 200000);
    mt_free(k, p);
    mt_free(k, m);
    mt_free(k, l);
    mt_destroy(k);
}

static void test_freed_pointers(void **state)
{
    (void)state;
    HEXPERTKEY k = mt_key(NULL);
    static const size_t sizes[] = {0, 32, 5000, 40000, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        void *keep = mt_alloc(k, sizes[i]); /* keeps the page in use */
        void *p = mt_alloc(k, sizes[i]);
        mt_free(k, p);
        check_rejected(k, p); /* double free, realloc and size of a freed block */
        mt_free(k, keep);
        check_rejected(k, keep);
    }
    assert_int_equal(mt_stats(k).live_blocks, 0);
    mt_destroy(k);
}

static void test_wild_pointers(void **state)
{
    (void)state;
    HEXPERTKEY k = mt_key(NULL);
    void *mine = mt_alloc(k, 32);
    int on_stack = 0;
    static int in_data;
    void *heap = malloc(100);
    check_rejected(k, (void *)(uintptr_t)0x1234);
    check_rejected(k, (void *)(uintptr_t)0x1000);
    check_rejected(k, (void *)(uintptr_t)UINTPTR_MAX);
    check_rejected(k, (void *)(UINTPTR_MAX - 15));
    check_rejected(k, (void *)((uintptr_t)1 << 47));
    check_rejected(k, (void *)((uintptr_t)1 << 62));
    check_rejected(k, &on_stack);
    check_rejected(k, &in_data);
    check_rejected(k, heap);
    check_rejected(k, (void *)test_wild_pointers);
    free(heap);
    mt_free(k, mine);
    mt_destroy(k);
}

/* ---- realloc ------------------------------------------------------------ */

static void fill_index(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 7 + 3);
}

static bool check_index(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)(i * 7 + 3))
            return false;
    return true;
}

/* Every pair of sizes: contents kept up to min(old, new), growth zeroed. */
static void test_realloc_preserves_and_zeroes(void **state)
{
    (void)state;
    HEXPERTKEY k = mt_key(NULL);
    for (size_t i = 0; i < N_SIZES; i++) {
        for (size_t j = 0; j < N_SIZES; j++) {
            size_t from = k_sizes[i], to = k_sizes[j];
            uint8_t *p = mt_alloc(k, from);
            fill_index(p, from);
            uint8_t *q = mt_realloc(k, p, to);
            assert_true(ALIGNED16(q));
            size_t keep = from < to ? from : to;
            assert_true(check_index(q, keep));
            if (to > from)
                assert_true(mt_all(q + from, to - from, 0));
            assert_int_equal(ExpertMemorySize(k, q), to);
            if (q != p)
                assert_true(ExpertMemorySize(k, p) == (SIZE_T)-1);
            mt_free(k, q);
        }
    }
    nmx_mem_stats_t st = mt_stats(k);
    assert_int_equal(st.live_blocks, 0);
    assert_int_equal(st.reallocs, N_SIZES * N_SIZES);
    mt_destroy(k);
}

/* Growth inside the block's capacity happens in place; bytes that were
 * written before a shrink read as zero after the next growth. */
static void test_realloc_in_place(void **state)
{
    (void)state;
    HEXPERTKEY k = mt_key(NULL);
    uint8_t *p = mt_alloc(k, 100); /* class of 112 bytes */
    memset(p, 0xAB, 100);
    uint8_t *q = mt_realloc(k, p, 60);
    assert_ptr_equal(p, q);
    assert_true(mt_all(q, 60, 0xAB));
    q = mt_realloc(k, q, 112);
    assert_ptr_equal(p, q);
    assert_true(mt_all(q, 60, 0xAB));
    assert_true(mt_all(q + 60, 52, 0));
    assert_int_equal(ExpertMemorySize(k, q), 112);
    /* Growing past the class moves the block. */
    q = mt_realloc(k, q, 113);
    assert_ptr_not_equal(p, q);
    assert_true(mt_all(q, 60, 0xAB));
    assert_true(mt_all(q + 60, 53, 0));
    mt_free(k, q);

    /* Large blocks: shrink inside the mapping, grow back. */
    uint8_t *l = mt_alloc(k, 1 << 20);
    memset(l, 0xCD, 1 << 20);
    uint8_t *l2 = mt_realloc(k, l, 700000);
    assert_ptr_equal(l, l2);
    l2 = mt_realloc(k, l2, 1 << 20);
    assert_ptr_equal(l, l2);
    assert_true(mt_all(l2, 700000, 0xCD));
    assert_true(mt_all(l2 + 700000, (1 << 20) - 700000, 0));
    /* Shrink enough to give the mapping back, then grow again. */
    memset(l2, 0xCD, 1 << 20);
    l2 = mt_realloc(k, l2, 100000);
    assert_true(mt_all(l2, 100000, 0xCD));
    l2 = mt_realloc(k, l2, 1 << 20);
    assert_true(mt_all(l2, 100000, 0xCD));
    assert_true(mt_all(l2 + 100000, (1 << 20) - 100000, 0));
    mt_free(k, l2);
    mt_destroy(k);
}

/* A back end that counts what the large-block path asks of it. */
typedef struct counting_be {
    nmx_mem_backend_t be;
    int maps, remaps, unmaps;
    bool fail_remap;
} counting_be_t;

static void *cb_map(const nmx_mem_backend_t *be, size_t len)
{
    ((counting_be_t *)be->ctx)->maps++;
    return nmx__mem_os_backend.map(be, len);
}
static void cb_unmap(const nmx_mem_backend_t *be, void *p, size_t len)
{
    ((counting_be_t *)be->ctx)->unmaps++;
    nmx__mem_os_backend.unmap(be, p, len);
}
static void *cb_remap(const nmx_mem_backend_t *be, void *p, size_t o, size_t n)
{
    counting_be_t *c = be->ctx;
    if (c->fail_remap)
        return NULL;
    c->remaps++;
    return nmx__mem_os_backend.remap(be, p, o, n);
}

static void counting_init(counting_be_t *c)
{
    memset(c, 0, sizeof *c);
    c->be.map = cb_map;
    c->be.unmap = cb_unmap;
    c->be.remap = cb_remap;
    c->be.ctx = c;
}

/* Large blocks grow with remap, never map + copy, and step-wise growth
 * reuses spare room instead of calling the back end at every step. */
static void test_realloc_large_remap(void **state)
{
    (void)state;
    counting_be_t c;
    counting_init(&c);
    nmx_arena_opts_t o = {0};
    o.backend = &c.be;
    HEXPERTKEY k = mt_key(&o);
    size_t n = 100000;
    uint8_t *p = mt_alloc(k, n);
    assert_int_equal(c.maps, 1);
    fill_index(p, n);
    int steps = 0;
    while (n < (8u << 20)) {
        n += 4096;
        p = mt_realloc(k, p, n);
        p[n - 1] = 0x77;
        steps++;
    }
    assert_int_equal(c.maps, 1); /* never a second mapping */
    assert_true(c.remaps > 0);
    assert_true(c.remaps < steps / 20);
    assert_true(check_index(p, 100000));
    assert_int_equal(ExpertMemorySize(k, p), n);
    /* Doubling. */
    for (int i = 0; i < 3; i++) {
        size_t m = n * 2;
        p = mt_realloc(k, p, m);
        assert_int_equal(p[n - 1], 0x77);
        assert_true(mt_all(p + n, m - n, 0));
        p[m - 1] = 0x77;
        n = m;
    }
    assert_true(check_index(p, 100000));
    assert_int_equal(c.maps, 1);
    mt_free(k, p);
    assert_int_equal(c.unmaps, 1);
    mt_destroy(k);
}

/* A failed realloc leaves the block as it was, on every path. */
static void test_realloc_failure_keeps_block(void **state)
{
    (void)state;
    counting_be_t c;
    counting_init(&c);
    nmx_arena_opts_t o = {0};
    o.backend = &c.be;
    o.limit_bytes = 4 << 20;
    HEXPERTKEY k = mt_key(&o);
    uint8_t *s = mt_alloc(k, 300);
    uint8_t *l = mt_alloc(k, 1 << 20);
    fill_index(s, 300);
    fill_index(l, 1 << 20);
    DWORD err = 0;
    /* Over the quota. */
    assert_null(ExpertReallocMemory(k, s, 5 << 20, &err));
    assert_int_equal(err, NMERR_OUT_OF_MEMORY);
    assert_null(ExpertReallocMemory(k, l, 5 << 20, &err));
    assert_int_equal(err, NMERR_OUT_OF_MEMORY);
    /* Too big to even try. */
    assert_null(ExpertReallocMemory(k, s, SIZE_MAX, &err));
    assert_int_equal(err, NMERR_OUT_OF_MEMORY);
    /* The back end cannot grow the mapping. */
    c.fail_remap = true;
    assert_null(ExpertReallocMemory(k, l, 2 << 20, &err));
    assert_int_equal(err, NMERR_OUT_OF_MEMORY);
    c.fail_remap = false;
    assert_int_equal(ExpertMemorySize(k, s), 300);
    assert_int_equal(ExpertMemorySize(k, l), 1 << 20);
    assert_true(check_index(s, 300));
    assert_true(check_index(l, 1 << 20));
    nmx_mem_stats_t st = mt_stats(k);
    assert_int_equal(st.failed, 4);
    assert_int_equal(st.live_bytes, 300 + (1 << 20));
    assert_int_equal(st.reallocs, 0);
    /* And the blocks still work. */
    l = mt_realloc(k, l, 2 << 20);
    assert_true(check_index(l, 1 << 20));
    mt_free(k, s);
    mt_free(k, l);
    mt_destroy(k);
}

/* ---- quota and huge requests ------------------------------------------- */

static void test_quota(void **state)
{
    (void)state;
    HEXPERTKEY k = mt_key_limit(1000);
    DWORD err = 0;
    void *a = mt_alloc(k, 600);
    assert_null(ExpertAllocMemory(k, 401, &err));
    assert_int_equal(err, NMERR_OUT_OF_MEMORY);
    void *b = mt_alloc(k, 400); /* exactly at the limit */
    assert_null(ExpertAllocMemory(k, 1, &err));
    assert_int_equal(err, NMERR_OUT_OF_MEMORY);
    void *z = mt_alloc(k, 0); /* zero bytes still fit */
    mt_free(k, a);
    void *c = mt_alloc(k, 600); /* freeing made room */
    /* Realloc counts only the growth. */
    assert_null(ExpertReallocMemory(k, c, 601, &err));
    assert_int_equal(err, NMERR_OUT_OF_MEMORY);
    c = mt_realloc(k, c, 100);
    c = mt_realloc(k, c, 600);
    nmx_mem_stats_t st = mt_stats(k);
    assert_int_equal(st.limit_bytes, 1000);
    assert_int_equal(st.live_bytes, 1000);
    assert_int_equal(st.peak_bytes, 1000);
    assert_int_equal(st.failed, 3);
    /* The host can change the limit while the session runs. */
    assert_int_equal(nmx__key_set_limit(k, 0), 0);
    void *big = mt_alloc(k, 100000);
    assert_int_equal(nmx__key_set_limit(k, 500), 0); /* below what is live */
    assert_null(ExpertAllocMemory(k, 1, &err));
    assert_int_equal(err, NMERR_OUT_OF_MEMORY);
    mt_free(k, big);
    mt_free(k, b);
    mt_free(k, c);
    mt_free(k, z);
    mt_destroy(k);
}

static void test_huge_requests(void **state)
{
    (void)state;
    static const size_t huge[] = {SIZE_MAX,
                                  SIZE_MAX - 1,
                                  SIZE_MAX - 15,
                                  SIZE_MAX - 4095,
                                  SIZE_MAX / 2,
                                  SIZE_MAX / 2 + 1,
                                  (size_t)1 << 62,
                                  NMX_MEM_MAX_REQUEST + 1};
    nmx_arena_opts_t dbg = {0};
    dbg.debug = true;
    HEXPERTKEY keys[2] = {mt_key(NULL), mt_key(&dbg)};
    for (int kk = 0; kk < 2; kk++) {
        HEXPERTKEY k = keys[kk];
        void *p = mt_alloc(k, 64);
        for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
            DWORD err = 0;
            assert_null(ExpertAllocMemory(k, huge[i], &err));
            assert_int_equal(err, NMERR_OUT_OF_MEMORY);
            err = 0;
            assert_null(ExpertReallocMemory(k, p, huge[i], &err));
            assert_int_equal(err, NMERR_OUT_OF_MEMORY);
        }
        assert_int_equal(ExpertMemorySize(k, p), 64);
        nmx_mem_stats_t st = mt_stats(k);
        assert_int_equal(st.failed, 2 * sizeof huge / sizeof huge[0]);
        assert_int_equal(st.live_bytes, 64);
        mt_free(k, p);
        mt_destroy(k);
    }
}

/* ---- termination (spec 1.6) ---------------------------------------------- */

static void test_termination(void **state)
{
    (void)state;
    HEXPERTKEY k = mt_key(NULL);
    uint8_t *a = mt_alloc(k, 100);
    uint8_t *b = mt_alloc(k, 200000);
    uint8_t *c = mt_alloc(k, 50);
    fill_index(a, 100);
    assert_false(nmx__key_terminating(k));
    assert_int_equal(nmx__key_terminate(k), 0);
    assert_true(nmx__key_terminating(k));
    nmx_mem_stats_t before = mt_stats(k);

    for (int round = 0; round < 2; round++) { /* sticky */
        DWORD err = 0;
        assert_null(ExpertAllocMemory(k, 16, &err));
        assert_int_equal(err, NMERR_EXPERT_TERMINATE);
        assert_null(ExpertAllocMemory(k, 0, NULL));
        err = 0;
        assert_null(ExpertReallocMemory(k, a, 1000, &err));
        assert_int_equal(err, NMERR_EXPERT_TERMINATE);
        assert_null(ExpertReallocMemory(k, a, 10, &err)); /* shrinking too */
        assert_int_equal(err, NMERR_EXPERT_TERMINATE);
        /* Termination comes before the argument checks. */
        assert_null(ExpertReallocMemory(k, NULL, 10, &err));
        assert_int_equal(err, NMERR_EXPERT_TERMINATE);
        assert_int_equal(ExpertFreeMemory(k, (void *)(uintptr_t)0x1234), NMERR_EXPERT_TERMINATE);
        assert_int_equal(ExpertFreeMemory(k, NULL), NMERR_EXPERT_TERMINATE);
        /* MemorySize cannot report termination. */
        assert_int_equal(ExpertMemorySize(k, a), 100);
        assert_true(check_index(a, 100));
    }
    nmx_mem_stats_t mid = mt_stats(k);
    assert_int_equal(mid.allocations, before.allocations);
    assert_int_equal(mid.live_bytes, before.live_bytes);
    assert_int_equal(mid.live_blocks, before.live_blocks);

    /* Free still frees, then says 125. */
    assert_int_equal(ExpertFreeMemory(k, b), NMERR_EXPERT_TERMINATE);
    assert_true(ExpertMemorySize(k, b) == (SIZE_T)-1);
    assert_int_equal(ExpertFreeMemory(k, a), NMERR_EXPERT_TERMINATE);
    nmx_mem_stats_t after = mt_stats(k);
    assert_int_equal(after.frees, before.frees + 2);
    assert_int_equal(after.live_blocks, 1);
    assert_int_equal(after.live_bytes, 50);
    assert_int_equal(ExpertMemorySize(k, c), 50);
    nmx_mem_stats_t fin = mt_destroy(k);
    assert_int_equal(fin.reclaimed_blocks, 1);
    assert_int_equal(fin.reclaimed_bytes, 50);
    /* The key check comes first, even for a terminated key. */
    DWORD err = 0;
    assert_null(ExpertAllocMemory(k, 16, &err));
    assert_int_equal(err, NMERR_INVALID_EXPERT_HANDLE);
}

/* ---- statistics ------------------------------------------------------------ */

static void test_stats_and_reclaim(void **state)
{
    (void)state;
    nmx_mem_stats_t ext;
    memset(&ext, 0xFF, sizeof ext);
    int marker;
    nmx_arena_opts_t o = {0};
    o.stats = &ext;
    o.user = &marker;
    o.limit_bytes = 1 << 30;
    HEXPERTKEY k = mt_key(&o);
    assert_ptr_equal(nmx__key_user(k), &marker);
    assert_int_equal(ext.allocations, 0);
    assert_int_equal(ext.limit_bytes, 1 << 30);
    void *a = mt_alloc(k, 100);
    void *b = mt_alloc(k, 1000);
    void *c = mt_alloc(k, 100000);
    assert_int_equal(ext.live_bytes, 101100);
    a = mt_realloc(k, a, 300);
    c = mt_realloc(k, c, 50);
    mt_free(k, b);
    assert_int_equal(ExpertFreeMemory(k, b), NMERR_INVALID_PARAMETER);
    assert_null(ExpertAllocMemory(k, (size_t)2 << 30, NULL));
    nmx_mem_stats_t st = mt_stats(k);
    assert_int_equal(st.allocations, 3);
    assert_int_equal(st.reallocs, 2);
    assert_int_equal(st.frees, 1);
    assert_int_equal(st.failed, 1);
    assert_int_equal(st.invalid, 1);
    assert_int_equal(st.live_blocks, 2);
    assert_int_equal(st.live_bytes, 350);
    assert_int_equal(st.peak_bytes, 101300);
    assert_int_equal(st.reclaimed_bytes, 0);
    assert_memory_equal(&st, &ext, sizeof st); /* kept where the caller asked */
    (void)a;
    (void)c;
    nmx_mem_stats_t fin = mt_destroy(k); /* a and c leak: the host reclaims them */
    assert_int_equal(fin.reclaimed_blocks, 2);
    assert_int_equal(fin.reclaimed_bytes, 350);
    assert_int_equal(fin.live_blocks, 0);
    assert_int_equal(fin.live_bytes, 0);
    assert_int_equal(fin.peak_bytes, 101300);
    assert_int_equal(fin.allocations, 3);
    /* The caller's copy survives the key. */
    assert_int_equal(ext.reclaimed_blocks, 2);
    assert_int_equal(ext.reclaimed_bytes, 350);
    assert_null(nmx__key_user(k));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_keys),
        cmocka_unit_test(test_stale_key_never_reused),
        cmocka_unit_test(test_many_keys_unique),
        cmocka_unit_test(test_session_limit),
        cmocka_unit_test(test_alloc_zeroed_aligned_sized),
        cmocka_unit_test(test_zero_fill_after_reuse),
        cmocka_unit_test(test_zero_fill_across_sessions),
        cmocka_unit_test(test_zero_size_blocks),
        cmocka_unit_test(test_perror_rules),
        cmocka_unit_test(test_realloc_null),
        cmocka_unit_test(test_foreign_pointers),
        cmocka_unit_test(test_interior_pointers),
        cmocka_unit_test(test_freed_pointers),
        cmocka_unit_test(test_wild_pointers),
        cmocka_unit_test(test_realloc_preserves_and_zeroes),
        cmocka_unit_test(test_realloc_in_place),
        cmocka_unit_test(test_realloc_large_remap),
        cmocka_unit_test(test_realloc_failure_keeps_block),
        cmocka_unit_test(test_quota),
        cmocka_unit_test(test_huge_requests),
        cmocka_unit_test(test_termination),
        cmocka_unit_test(test_stats_and_reclaim),
    };
    return cmocka_run_group_tests_name("mem_api", tests, NULL, NULL);
}
