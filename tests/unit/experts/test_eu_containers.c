/*
 * test_eu_containers.c - the hash table and growable array the built-in
 * experts share (experts/common/eu_containers.c), against a plain model:
 * eu_map_del's backward shift keeps every remaining key findable, whatever
 * the order of deletions and however the runs wrap around the table's end,
 * and eu_vec_shrink gives back what is beyond the elements held.
 *
 * ExpertAllocMemory and its siblings are defined here over malloc, so the
 * helpers run without a host; the test counts the bytes they hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eu_containers.h"

/* ---- the expert heap, over malloc --------------------------------------------- */

static size_t held; /* bytes the helpers hold now */

typedef struct blk {
    size_t n;
    max_align_t data[];
} blk_t;

LPVOID WINAPI ExpertAllocMemory(HEXPERTKEY key, SIZE_T size, DWORD *err)
{
    (void)key;
    blk_t *b = calloc(1, sizeof *b + size);
    *err = b == NULL ? NMERR_OUT_OF_MEMORY : 0;
    if (b == NULL)
        return NULL;
    b->n = size;
    held += size;
    return b->data;
}

LPVOID WINAPI ExpertReallocMemory(HEXPERTKEY key, LPVOID p, SIZE_T size, DWORD *err)
{
    (void)key;
    blk_t *b = (blk_t *)((char *)p - offsetof(blk_t, data));
    size_t old = b->n;
    blk_t *nb = realloc(b, sizeof *nb + size);
    *err = nb == NULL ? NMERR_OUT_OF_MEMORY : 0;
    if (nb == NULL)
        return NULL;
    nb->n = size;
    held = held - old + size;
    return nb->data;
}

DWORD WINAPI ExpertFreeMemory(HEXPERTKEY key, LPVOID p)
{
    (void)key;
    blk_t *b = (blk_t *)((char *)p - offsetof(blk_t, data));
    held -= b->n;
    free(b);
    return 0;
}

/* ---- eu_map_del ---------------------------------------------------------------- */

typedef struct ent {
    uint32_t k;
    uint8_t used;
    uint8_t pad[3];
    uint32_t v;
} ent_t;

static ent_t *get(eu_map_t *m, uint32_t k, int create)
{
    DWORD err;
    ent_t *e = eu_map_get(NULL, m, &k, create, &err);
    assert_int_equal(err, 0);
    return e;
}

/* Inserts n keys, deletes them in a shuffled order, and after every
 * deletion checks the map against the model (present[]). */
static void churn(uint32_t n, uint32_t seed)
{
    eu_map_t m;
    assert_int_equal(eu_map_init(NULL, &m, sizeof(uint32_t), sizeof(ent_t)), 0);
    uint8_t *present = calloc(n, 1);
    uint32_t *order = malloc(n * sizeof *order);
    for (uint32_t i = 0; i < n; i++) {
        get(&m, i * 7919u, 1)->v = i;
        present[i] = 1;
        order[i] = i;
    }
    for (uint32_t i = n; i-- > 1;) { /* Fisher-Yates with a small LCG */
        seed = seed * 1103515245u + 12345u;
        uint32_t j = (seed >> 8) % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (uint32_t d = 0; d < n; d++) {
        ent_t *e = get(&m, order[d] * 7919u, 0);
        assert_non_null(e);
        assert_int_equal(e->v, order[d]);
        eu_map_del(&m, e);
        present[order[d]] = 0;
        assert_int_equal(m.len, n - d - 1);
        if (d % 97 == 0 || n - d < 40) {
            for (uint32_t i = 0; i < n; i++) {
                ent_t *f = get(&m, i * 7919u, 0);
                if (present[i]) {
                    assert_non_null(f);
                    assert_int_equal(f->v, i);
                } else {
                    assert_null(f);
                }
            }
        }
    }
    for (size_t i = 0; i < m.cap; i++) /* every slot is empty again */
        assert_int_equal(m.slots[i * m.size + m.keysize], 0);
    eu_map_free(NULL, &m);
    free(present);
    free(order);
}

static void map_del_keeps_the_rest(void **state)
{
    (void)state;
    churn(150, 1);   /* 256 slots, 59 % full: long runs that wrap around */
    churn(191, 7);   /* just under the growth threshold */
    churn(5000, 42); /* grown several times */
}

/* A deleted key can be inserted again, and the map then holds it once. */
static void map_reinsert(void **state)
{
    (void)state;
    eu_map_t m;
    assert_int_equal(eu_map_init(NULL, &m, sizeof(uint32_t), sizeof(ent_t)), 0);
    for (uint32_t i = 0; i < 100; i++)
        get(&m, i, 1)->v = i;
    eu_map_del(&m, get(&m, 42, 0));
    assert_null(get(&m, 42, 0));
    ent_t *e = get(&m, 42, 1);
    assert_int_equal(e->v, 0); /* a fresh, zeroed entry */
    e->v = 4242;
    assert_int_equal(m.len, 100);
    assert_int_equal(get(&m, 42, 0)->v, 4242);
    eu_map_free(NULL, &m);
}

/* ---- eu_vec_shrink -------------------------------------------------------------- */

static void vec_shrink(void **state)
{
    (void)state;
    size_t base = held; /* what a failed test before left behind */
    eu_vec_t v;
    eu_vec_init(&v, sizeof(uint64_t), 4);
    assert_int_equal(eu_vec_reserve(NULL, &v, 1000), 0);
    for (uint64_t i = 0; i < 300; i++)
        *(uint64_t *)eu_vec_at(&v, v.len++) = i * i;
    assert_true(held - base >= 1000 * sizeof(uint64_t));
    eu_vec_shrink(NULL, &v);
    assert_int_equal(v.cap, 300);
    assert_int_equal(held - base, 300 * sizeof(uint64_t));
    for (uint64_t i = 0; i < 300; i++)
        assert_int_equal(*(uint64_t *)eu_vec_at(&v, i), i * i);
    v.len = 0;
    eu_vec_shrink(NULL, &v); /* nothing held: everything given back */
    assert_null(v.data);
    assert_int_equal(held, base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(map_del_keeps_the_rest),
        cmocka_unit_test(map_reinsert),
        cmocka_unit_test(vec_shrink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
