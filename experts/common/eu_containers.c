/*
 * eu_containers.c - the growable array, hash table and sort of
 * eu_containers.h, in the expert heap.
 */
#include "eu_containers.h"

#include <string.h>

/* ---- eu_vec ------------------------------------------------------------- */

void eu_vec_init(eu_vec_t *v, size_t size, uint32_t first)
{
    memset(v, 0, sizeof *v);
    v->size = (uint32_t)size;
    v->first = first;
}

DWORD eu_vec_reserve(HEXPERTKEY key, eu_vec_t *v, size_t n)
{
    if (n <= v->cap)
        return 0;
    if (v->size == 0)
        return NMERR_INVALID_PARAMETER; /* never initialised */
    uint64_t cap = v->cap > 0 ? v->cap : v->first > 0 ? v->first : 64;
    while (cap < n)
        cap *= 2;
    if (cap > UINT32_MAX || cap > SIZE_MAX / v->size)
        return NMERR_OUT_OF_MEMORY;
    DWORD err = 0;
    size_t bytes = (size_t)cap * v->size;
    void *p = v->data == NULL ? ExpertAllocMemory(key, bytes, &err) : ExpertReallocMemory(key, v->data, bytes, &err);
    if (p == NULL)
        return err != 0 ? err : NMERR_OUT_OF_MEMORY;
    v->data = p;
    v->cap = (uint32_t)cap;
    return 0;
}

void *eu_vec_push(HEXPERTKEY key, eu_vec_t *v, DWORD *err)
{
    *err = eu_vec_reserve(key, v, (size_t)v->len + 1);
    if (*err != 0)
        return NULL;
    void *e = eu_vec_at(v, v->len++);
    memset(e, 0, v->size);
    return e;
}

void eu_vec_shrink(HEXPERTKEY key, eu_vec_t *v)
{
    if (v->data == NULL || v->len == v->cap)
        return;
    if (v->len == 0) {
        eu_vec_free(key, v);
        return;
    }
    DWORD err = 0;
    void *p = ExpertReallocMemory(key, v->data, (size_t)v->len * v->size, &err);
    if (p != NULL) { /* else the larger block simply stays */
        v->data = p;
        v->cap = v->len;
    }
}

void eu_vec_free(HEXPERTKEY key, eu_vec_t *v)
{
    if (v->data != NULL)
        ExpertFreeMemory(key, v->data);
    v->data = NULL;
    v->len = v->cap = 0;
}

/* ---- eu_map ------------------------------------------------------------- */

uint64_t eu_hash(const void *key, size_t n)
{
    const uint8_t *p = key;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

DWORD eu_map_init(HEXPERTKEY key, eu_map_t *m, size_t keysize, size_t size)
{
    DWORD err = 0;
    memset(m, 0, sizeof *m);
    m->keysize = keysize;
    m->size = size;
    m->cap = 256;
    m->slots = ExpertAllocMemory(key, m->cap * m->size, &err);
    return m->slots == NULL ? err : 0;
}

/* Doubles the slots, re-inserting every entry; 0 or an NMERR code. */
static DWORD map_grow(HEXPERTKEY key, eu_map_t *m)
{
    DWORD err = 0;
    size_t ncap = m->cap * 2;
    uint8_t *ns = ExpertAllocMemory(key, ncap * m->size, &err);
    if (ns == NULL)
        return err;
    for (size_t i = 0; i < m->cap; i++) {
        uint8_t *e = m->slots + i * m->size;
        if (!e[m->keysize])
            continue;
        size_t j = (size_t)eu_hash(e, m->keysize) & (ncap - 1);
        while (ns[j * m->size + m->keysize])
            j = (j + 1) & (ncap - 1);
        memcpy(ns + j * m->size, e, m->size);
    }
    ExpertFreeMemory(key, m->slots);
    m->slots = ns;
    m->cap = ncap;
    return 0;
}

void *eu_map_get(HEXPERTKEY key, eu_map_t *m, const void *k, int create, DWORD *err)
{
    *err = 0;
    if (create && (m->len + 1) * 4 > m->cap * 3 && (*err = map_grow(key, m)) != 0)
        return NULL;
    size_t i = (size_t)eu_hash(k, m->keysize) & (m->cap - 1);
    for (;;) {
        uint8_t *e = m->slots + i * m->size;
        if (!e[m->keysize]) {
            if (!create)
                return NULL;
            memcpy(e, k, m->keysize);
            e[m->keysize] = 1;
            m->len++;
            return e;
        }
        if (memcmp(e, k, m->keysize) == 0)
            return e;
        i = (i + 1) & (m->cap - 1);
    }
}

/* Whether slot h's probe sequence passes i before it reaches j (cyclically). */
static int probe_passes(size_t h, size_t i, size_t j)
{
    return i < j ? (h <= i || h > j) : (h <= i && h > j);
}

void eu_map_del(eu_map_t *m, void *entry)
{
    size_t mask = m->cap - 1;
    size_t i = (size_t)((uint8_t *)entry - m->slots) / m->size;
    /* Backward-shift deletion: entries further along the run move into the
     * hole when their probe sequence passes it, so lookups need no
     * tombstones and the run stays as short as if i had never been used. */
    for (size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
        uint8_t *e = m->slots + j * m->size;
        if (!e[m->keysize])
            break;
        if (probe_passes((size_t)eu_hash(e, m->keysize) & mask, i, j)) {
            memcpy(m->slots + i * m->size, e, m->size);
            i = j;
        }
    }
    memset(m->slots + i * m->size, 0, m->size);
    m->len--;
}

void **eu_map_list(HEXPERTKEY key, const eu_map_t *m, DWORD *err)
{
    *err = 0;
    if (m->len == 0)
        return NULL;
    void **v = ExpertAllocMemory(key, m->len * sizeof *v, err);
    if (v == NULL)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < m->cap; i++) {
        uint8_t *e = m->slots + i * m->size;
        if (e[m->keysize])
            v[n++] = e;
    }
    return v;
}

void eu_map_free(HEXPERTKEY key, eu_map_t *m)
{
    if (m->slots != NULL)
        ExpertFreeMemory(key, m->slots);
    memset(m, 0, sizeof *m);
}

/* ---- eu_sort ------------------------------------------------------------ */

static void swap_bytes(uint8_t *a, uint8_t *b, size_t size)
{
    while (size-- > 0) {
        uint8_t t = *a;
        *a++ = *b;
        *b++ = t;
    }
}

/* Moves base[root] down the heap of `end` elements to its place. */
static void sift(uint8_t *base, size_t root, size_t end, size_t size, eu_cmp_fn cmp, void *ctx)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= end)
            return;
        if (child + 1 < end && cmp(base + child * size, base + (child + 1) * size, ctx) < 0)
            child++;
        if (cmp(base + root * size, base + child * size, ctx) >= 0)
            return;
        swap_bytes(base + root * size, base + child * size, size);
        root = child;
    }
}

void eu_sort(void *base, size_t n, size_t size, eu_cmp_fn cmp, void *ctx)
{
    uint8_t *b = base;
    if (n < 2)
        return;
    for (size_t i = n / 2; i-- > 0;)
        sift(b, i, n, size, cmp, ctx);
    for (size_t end = n - 1; end > 0; end--) {
        swap_bytes(b, b + end * size, size);
        sift(b, 0, end, size, cmp, ctx);
    }
}
