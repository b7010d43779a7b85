/*
 * mem_test.h - helpers shared by the expert-heap tests.
 */
#ifndef NMX_MEM_TEST_H
#define NMX_MEM_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "mem/nmx_mem.h"

#ifndef NMX_MEM_NO_VALGRIND
#include <valgrind/valgrind.h>
#define ON_VALGRIND() (RUNNING_ON_VALGRIND != 0)
#else
#define ON_VALGRIND() 0
#endif

/* Creates a session with `opts` (may be NULL), failing the test otherwise. */
static inline HEXPERTKEY mt_key(const nmx_arena_opts_t *opts)
{
    HEXPERTKEY k = NULL;
    assert_int_equal(nmx__key_create(opts, &k), 0);
    assert_non_null(k);
    return k;
}

static inline HEXPERTKEY mt_key_limit(uint64_t limit)
{
    nmx_arena_opts_t o = {0};
    o.limit_bytes = limit;
    return mt_key(&o);
}

/* Destroys a session and returns its final statistics. */
static inline nmx_mem_stats_t mt_destroy(HEXPERTKEY k)
{
    nmx_mem_stats_t st;
    memset(&st, 0xAA, sizeof st);
    assert_int_equal(nmx__key_destroy(k, &st), 0);
    return st;
}

static inline nmx_mem_stats_t mt_stats(HEXPERTKEY k)
{
    nmx_mem_stats_t st;
    assert_int_equal(nmx__key_stats(k, &st), 0);
    return st;
}

/* Allocates n bytes and checks the call succeeded with *pError == 0. */
static inline void *mt_alloc(HEXPERTKEY k, size_t n)
{
    DWORD err = 0xDEAD;
    void *p = ExpertAllocMemory(k, n, &err);
    assert_non_null(p);
    assert_int_equal(err, 0);
    return p;
}

static inline void *mt_realloc(HEXPERTKEY k, void *p, size_t n)
{
    DWORD err = 0xDEAD;
    void *q = ExpertReallocMemory(k, p, n, &err);
    assert_non_null(q);
    assert_int_equal(err, 0);
    return q;
}

static inline void mt_free(HEXPERTKEY k, void *p)
{
    assert_int_equal(ExpertFreeMemory(k, p), 0);
}

/* true when the n bytes at p all equal `v`. */
static inline bool mt_all(const void *p, size_t n, uint8_t v)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != v)
            return false;
    return true;
}

/* xorshift64: fixed-seed pseudo-random numbers for the tests. */
static inline uint64_t mt_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

#endif /* NMX_MEM_TEST_H */
