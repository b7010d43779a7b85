/*
 * eu_containers.h - the built-in experts' containers, all in the expert heap
 * (ExpertAllocMemory and friends, so the host reclaims them when a run
 * ends or fails; an expert must not call malloc): a growable array
 * (eu_vec), an open-addressing hash table of fixed-size entries (eu_map)
 * and an in-place sort (eu_sort).
 *
 * Part of libnmx_expert_util.a (experts/common/): every function that can
 * fail returns or sets an NMERR code (0 = success); NMERR_EXPERT_TERMINATE
 * means the caller must clean up and return at once.
 */
#ifndef NMX_EU_CONTAINERS_H
#define NMX_EU_CONTAINERS_H

#include <stddef.h>
#include <stdint.h>

#include <netmon.h>

/* ---- eu_vec: a growable array ------------------------------------------ */

/* `len` elements of `size` bytes in use, room for `cap`.  The first
 * allocation holds `first` elements (64 when 0); each growth doubles.
 * Counts are 32-bit, which keeps the structure small (experts keep one per
 * connection direction).  Zero it, then eu_vec_init() (or set size/first). */
typedef struct eu_vec {
    void *data;
    uint32_t len;    /* elements in use */
    uint32_t cap;    /* elements allocated */
    uint32_t size;   /* bytes per element */
    uint32_t first;  /* elements of the first allocation (0: 64) */
} eu_vec_t;

/* An empty vector of `size`-byte elements, first allocating `first`. */
void eu_vec_init(eu_vec_t *v, size_t size, uint32_t first);

/* Makes room for `n` elements in all (cap >= n), doubling from `first`.
 * Returns 0 or an NMERR code (NMERR_OUT_OF_MEMORY past 2^32 - 1 elements);
 * the vector is unchanged on failure. */
DWORD eu_vec_reserve(HEXPERTKEY key, eu_vec_t *v, size_t n);

/* Appends one zero-filled element and returns it, or NULL with *err set. */
void *eu_vec_push(HEXPERTKEY key, eu_vec_t *v, DWORD *err);

/* Element i (no bounds check: i < len, or < cap after a reserve). */
static inline void *eu_vec_at(const eu_vec_t *v, size_t i)
{
    return (uint8_t *)v->data + (size_t)v->size * i;
}

/* Frees the elements; the vector is empty again (size and first kept). */
/* Gives back the memory beyond the elements held (none held: all of it). */
void eu_vec_shrink(HEXPERTKEY key, eu_vec_t *v);

void eu_vec_free(HEXPERTKEY key, eu_vec_t *v);

/* ---- eu_map: a hash table ------------------------------------------------ */

/*
 * Fixed-size entries whose first `keysize` bytes are the key.  Entries are
 * zero until first inserted; an entry is in use when its `used` byte (the
 * byte right after the key) is non-zero - eu_map_get() sets it.
 */
typedef struct eu_map {
    uint8_t *slots;
    size_t cap;      /* slots, a power of two */
    size_t len;      /* slots in use */
    size_t keysize;  /* bytes of key at the start of an entry */
    size_t size;     /* bytes per entry (key + used byte + value) */
} eu_map_t;

/* FNV-1a over the key bytes, with the high bits folded in. */
uint64_t eu_hash(const void *key, size_t n);

/* An empty map of 256 slots; 0 or an NMERR code. */
DWORD eu_map_init(HEXPERTKEY key, eu_map_t *m, size_t keysize, size_t size);

/* Looks the key up; with `create`, inserts a zeroed entry when absent.
 * Returns the entry, or NULL (absent, or *err set when growing failed). */
void *eu_map_get(HEXPERTKEY key, eu_map_t *m, const void *k, int create, DWORD *err);

/* Removes an entry eu_map_get() returned.  Other entries may move: pointers
 * to entries are invalid afterwards. */
void eu_map_del(eu_map_t *m, void *entry);

/* The entries in use, as an array of m->len pointers in the expert heap
 * (free it with ExpertFreeMemory; NULL with *err = 0 when m is empty). */
void **eu_map_list(HEXPERTKEY key, const eu_map_t *m, DWORD *err);

void eu_map_free(HEXPERTKEY key, eu_map_t *m);

/* ---- eu_sort ---------------------------------------------------------------- */

/* Compares two elements: < 0 when a goes first.  ctx is eu_sort's. */
typedef int (*eu_cmp_fn)(const void *a, const void *b, void *ctx);

/* Sorts n elements of `size` bytes in place, in cmp's order (heapsort: not
 * stable, O(n log n), and no allocation - qsort may call malloc, which an
 * expert must not, and has no context argument). */
void eu_sort(void *base, size_t n, size_t size, eu_cmp_fn cmp, void *ctx);

#endif /* NMX_EU_CONTAINERS_H */
