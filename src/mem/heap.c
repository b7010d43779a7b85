/*
 * heap.c - blocks: allocation, release, resizing and lookup inside one
 * arena, and the four NetMon memory helpers experts call
 * (ExpertAllocMemory, ExpertReallocMemory, ExpertFreeMemory,
 * ExpertMemorySize, spec 2.1-2.4).
 *
 * Small blocks (up to 64 KiB) come from pages of equal-sized blocks; the
 * page keeps, beside its blocks, the requested size of every block (MEM_FREE
 * when free) and a stack of free block indices.  Large blocks get a mapping
 * each and are found through a per-arena hash table; they grow with mremap
 * and keep some spare address space so that growing step by step rarely
 * needs a system call.
 *
 * The helpers follow the order of spec 2.0: key check (130), termination
 * (125), arguments (76), then the work (19 on lack of memory or quota).
 * Everything, the zeroing of new blocks included, happens inside the arena
 * (under its lock, or with the owner marked busy), so that a session
 * destroyed by another thread meanwhile never has its memory written after
 * it was released.
 */
#include "mem/mem_internal.h"

#include <stdio.h>
#include <stdlib.h>

#define LARGE_SPARE_MAX ((size_t)256 << 20) /* most spare address space per large block */

static inline size_t page_round(size_t n)
{
    return (n + MEM_PAGE_SIZE - 1) & ~(size_t)(MEM_PAGE_SIZE - 1);
}

/* The segment that contains p (segments are MEM_SEG_SIZE-aligned). */
static inline mem_segment_t *segment_of(const void *p)
{
    return (mem_segment_t *)((uintptr_t)p & ~(uintptr_t)MEM_SEG_MASK);
}

/* The live key of `a`, for diagnostics. */
static inline HEXPERTKEY arena_key(const nmx_arena_t *a)
{
    return (HEXPERTKEY)(uintptr_t)(a->last_gen << MEM_SLOT_BITS | (a->tag - 1));
}

/* ---- statistics and admission -------------------------------------------- */

/* live_bytes += n, keeping the high-water mark. */
static inline void stats_grow(nmx_mem_stats_t *st, size_t n)
{
    st->live_bytes += n;
    if (st->live_bytes > st->peak_bytes)
        st->peak_bytes = st->live_bytes;
}

/* May the arena's live bytes grow by `extra` (at most NMX_MEM_MAX_REQUEST,
 * so the sum cannot overflow)?  Quota, spec 2.1. */
static inline bool quota_ok(const nmx_arena_t *a, const nmx_mem_stats_t *st, size_t extra)
{
    return st->live_bytes + extra <= a->limit_eff;
}

/* Does the back end let a request of n bytes go ahead (fault injection)? */
static inline bool admit(const nmx_arena_t *a, size_t n)
{
    const nmx_mem_backend_t *be = a->backend;
    return be->admit == NULL || be->admit(be, n);
}

/* The back end's mapping calls, falling back to the OS for NULL members. */
static void *be_map(const nmx_arena_t *a, size_t len)
{
    const nmx_mem_backend_t *be = a->backend;
    return (be->map ? be->map : nmx__mem_os_backend.map)(be, len);
}

static void be_unmap(const nmx_arena_t *a, void *p, size_t len)
{
    const nmx_mem_backend_t *be = a->backend;
    (be->unmap ? be->unmap : nmx__mem_os_backend.unmap)(be, p, len);
}

static void *be_remap(const nmx_arena_t *a, void *p, size_t old_len, size_t new_len)
{
    const nmx_mem_backend_t *be = a->backend;
    return (be->remap ? be->remap : nmx__mem_os_backend.remap)(be, p, old_len, new_len);
}

/* ---- debug red zones ------------------------------------------------------ */

/* Fills [p, p+len) with the canary, keeping it inaccessible to the expert. */
static void canary_write(uint8_t *p, size_t len)
{
    if (len == 0)
        return;
    mem_tool_access(p, len, false);
    memset(p, MEM_CANARY, len);
    mem_tool_noaccess(p, len);
}

/* Does [p, p+len) still hold the canary? */
static bool canary_intact(uint8_t *p, size_t len)
{
    if (len == 0)
        return true;
    mem_tool_access(p, len, true);
    bool ok = true;
    for (size_t i = 0; i < len; i++) {
        if (p[i] != MEM_CANARY) {
            ok = false;
            break;
        }
    }
    mem_tool_noaccess(p, len);
    return ok;
}

/* Checks the red zone [p+n, p+n+len) of a block of n bytes; reports and
 * counts a damaged one.  Returns true when it was intact. */
static bool redzone_check(nmx_arena_t *a, uint8_t *p, size_t n, size_t len, const char *when)
{
    if (canary_intact(p + n, len))
        return true;
    char msg[160];
    snprintf(msg, sizeof msg, "red zone overwritten after block of %zu bytes at %p (found %s)", n,
             (void *)p, when);
    a->stats->redzone_errors++;
    a->report(a->report_ctx, arena_key(a), msg);
    return false;
}

/* ---- pages and segments -------------------------------------------------- */

/* The arena's intrusive lists: segments with a free page (per kind), all
 * owned segments, and pages of a class with free blocks (other than the
 * class's current page). */
static void seg_link_avail(nmx_arena_t *a, mem_segment_t *seg)
{
    mem_segment_t **head = &a->avail_segs[seg->kind];
    seg->aprev = NULL;
    seg->anext = *head;
    if (*head)
        (*head)->aprev = seg;
    *head = seg;
    seg->on_avail = true;
}

static void seg_unlink_avail(nmx_arena_t *a, mem_segment_t *seg)
{
    if (seg->aprev)
        seg->aprev->anext = seg->anext;
    else
        a->avail_segs[seg->kind] = seg->anext;
    if (seg->anext)
        seg->anext->aprev = seg->aprev;
    seg->on_avail = false;
}

static void seg_link_owned(nmx_arena_t *a, mem_segment_t *seg)
{
    seg->prev = NULL;
    seg->next = a->segs;
    if (a->segs)
        a->segs->prev = seg;
    a->segs = seg;
}

static void seg_unlink_owned(nmx_arena_t *a, mem_segment_t *seg)
{
    if (seg->prev)
        seg->prev->next = seg->next;
    else
        a->segs = seg->next;
    if (seg->next)
        seg->next->prev = seg->prev;
}

static void page_list(nmx_arena_t *a, mem_page_t *pg)
{
    mem_page_t **head = &a->avail[pg->cls];
    pg->prev = NULL;
    pg->next = *head;
    if (*head)
        (*head)->prev = pg;
    *head = pg;
    pg->listed = true;
}

static void page_unlist(nmx_arena_t *a, mem_page_t *pg)
{
    if (pg->prev)
        pg->prev->next = pg->next;
    else
        a->avail[pg->cls] = pg->next;
    if (pg->next)
        pg->next->prev = pg->prev;
    pg->listed = false;
}

/* Lays page `pidx` of `seg` out for class `cls`: the sizes array, the free
 * stack, then as many blocks as fit.  The metadata starts 0..15 cache lines
 * into the page, varying with the page and the class: pages are 64 KiB
 * apart, so without this the metadata of every page would compete for the
 * same few sets of the L1 and L2 caches. */
static void page_format(mem_segment_t *seg, unsigned pidx, unsigned cls)
{
    mem_page_t *pg = &seg->pages[pidx];
    uint8_t *start = (uint8_t *)seg + ((size_t)pidx << seg->page_shift);
    uint8_t *end = start + ((size_t)1 << seg->page_shift);
    if (pidx == 0)
        start = (uint8_t *)seg + MEM_SEG_HEADER;
    start += (size_t)((pidx * 7u + cls * 3u) & 15u) << 6;
    size_t bs = nmx__class_size[cls];
    size_t room = (size_t)(end - start);
    size_t cap = room / (bs + sizeof(uint32_t) + sizeof(uint16_t));
    size_t meta;
    for (;;) {
        meta = (cap * (sizeof(uint32_t) + sizeof(uint16_t)) + 15) & ~(size_t)15;
        if (meta + cap * bs <= room)
            break;
        cap--;
    }
    pg->sizes = (uint32_t *)start;
    pg->stack = (uint16_t *)(start + cap * sizeof(uint32_t));
    pg->blocks = start + meta;
    pg->block_size = (uint32_t)bs;
    pg->recip = (uint32_t)(((uint64_t)1 << 32) / bs + 1);
    pg->capacity = (uint16_t)cap;
    pg->bump = 0;
    pg->bump_off = 0;
    pg->nfree = 0;
    pg->cls = (uint8_t)cls;
    pg->listed = false;
    pg->next = pg->prev = NULL;
    mem_tool_access(start, meta, false);
    mem_tool_noaccess(pg->blocks, cap * bs);
}

/* A fresh page for class `cls`, from an owned segment with room or a new
 * segment; NULL when out of memory. */
static mem_page_t *page_new(nmx_arena_t *a, unsigned cls)
{
    unsigned kind = nmx__class_size[cls] >= MEM_MEDIUM_MIN ? MEM_KIND_MEDIUM : MEM_KIND_SMALL;
    mem_segment_t *seg = a->avail_segs[kind];
    if (!seg) {
        seg = nmx__seg_acquire(a, kind);
        if (!seg)
            return NULL;
        seg_link_owned(a, seg);
        seg_link_avail(a, seg);
    }
    unsigned pidx = (unsigned)__builtin_ctzll(seg->free_pages);
    seg->free_pages &= ~((uint64_t)1 << pidx);
    seg->used_pages++;
    if (!seg->free_pages)
        seg_unlink_avail(a, seg);
    page_format(seg, pidx, cls);
    return &seg->pages[pidx];
}

/* Gives an empty page back to its segment, and the segment back to the
 * shared cache when it has no page left in use. */
static void page_release(nmx_arena_t *a, mem_page_t *pg)
{
    mem_segment_t *seg = segment_of(pg);
    unsigned pidx = (unsigned)(pg - seg->pages);
    if (pg->listed)
        page_unlist(a, pg);
    pg->cls = 0;
    pg->bump_off = 0; /* no pointer passes small_lookup() */
    seg->free_pages |= (uint64_t)1 << pidx;
    seg->used_pages--;
    if (!seg->on_avail)
        seg_link_avail(a, seg);
    if (seg->used_pages == 0) {
        seg_unlink_avail(a, seg);
        seg_unlink_owned(a, seg);
        nmx__seg_release(seg, true);
    }
}

/* The current page of `cls` is full: switch to another page of the class
 * with free blocks, or to a new page. */
static __attribute__((noinline)) mem_page_t *class_refill(nmx_arena_t *a, unsigned cls)
{
    mem_page_t *pg = a->avail[cls];
    if (pg)
        page_unlist(a, pg);
    else if (!(pg = page_new(a, cls)))
        return NULL;
    a->cur[cls] = pg;
    return pg;
}

/* A block was freed in a page that is not its class's current page: list
 * the page as having room, or release it once empty. */
static __attribute__((noinline)) void page_after_free(nmx_arena_t *a, mem_page_t *pg)
{
    if (pg->nfree == pg->bump) /* no block left in use */
        page_release(a, pg);
    else if (!pg->listed)
        page_list(a, pg);
}

/* ---- small blocks ---------------------------------------------------------- */

/* Takes a block for a request of n bytes (`need` = n + red zone); not yet
 * zeroed, not counted in the statistics.  NULL when out of memory. */
static inline uint8_t *small_take(nmx_arena_t *a, size_t n, size_t need)
{
    unsigned cls = mem_size_class(need);
    mem_page_t *pg = a->cur[cls];
    unsigned idx;
    if (MEM_LIKELY(pg->nfree)) {
        idx = pg->stack[--pg->nfree];
    } else if (MEM_LIKELY(pg->bump < pg->capacity)) {
        idx = pg->bump++;
        pg->bump_off += pg->block_size;
    } else {
        pg = class_refill(a, cls);
        if (!pg)
            return NULL;
        if (pg->nfree) {
            idx = pg->stack[--pg->nfree];
        } else {
            idx = pg->bump++;
            pg->bump_off += pg->block_size;
        }
    }
    pg->sizes[idx] = (uint32_t)n;
    uint8_t *p = pg->blocks + (size_t)idx * pg->block_size;
    MEM_ASAN_UNPOISON(p, n);
    MEM_VG(VALGRIND_MEMPOOL_ALLOC(a, p, n));
    if (MEM_UNLIKELY(a->debug))
        canary_write(p + n, pg->block_size - n);
    return p;
}

/* The part of a small-block lookup after the segment: page `pg` of the
 * segment holds p; is p the start of one of its live blocks? */
static inline bool page_lookup(mem_page_t *pg, const void *p, mem_page_t **pgo, unsigned *idxo)
{
    /* A page not in use has bump_off == 0, so nothing passes this: */
    uintptr_t off = (uintptr_t)p - (uintptr_t)pg->blocks; /* wraps when p < blocks */
    if (MEM_UNLIKELY(off >= pg->bump_off))
        return false;
    /* Exact when off is a multiple of block_size (off < 2^19, so the
     * rounding error of recip cannot reach 1); other offsets fail the
     * check that follows. */
    unsigned idx = (unsigned)((off * pg->recip) >> 32);
    if (MEM_UNLIKELY((uintptr_t)idx * pg->block_size != off))
        return false; /* interior pointer */
    if (MEM_UNLIKELY(pg->sizes[idx] == MEM_FREE))
        return false; /* already freed */
    *pgo = pg;
    *idxo = idx;
    return true;
}

/* Finds the live small block that starts exactly at p in arena `a`.  Reads
 * only the segment map and, when it names `a`, a's own metadata. */
static inline bool small_lookup(const nmx_arena_t *a, const void *p, mem_page_t **pgo,
                                unsigned *idxo)
{
    if (!mem_owns(a, (uintptr_t)p))
        return false;
    mem_segment_t *seg = segment_of(p);
    return page_lookup(&seg->pages[((uintptr_t)p & MEM_SEG_MASK) >> seg->page_shift], p, pgo,
                       idxo);
}

/* small_lookup() for the fast path: only blocks in small-kind segments,
 * whose page size the map entry already tells (no header read for it). */
static inline bool small_lookup_fast(const nmx_arena_t *a, const void *p, mem_page_t **pgo,
                                     unsigned *idxo)
{
    if (mem_map_entry((uintptr_t)p) != (a->tag << 1 | MEM_KIND_SMALL))
        return false;
    mem_segment_t *seg = segment_of(p);
    return page_lookup(&seg->pages[((uintptr_t)p & MEM_SEG_MASK) >> MEM_SMALL_PAGE_SHIFT], p,
                       pgo, idxo);
}

/* Returns a small block to its page; `checked`: the red zone was already
 * checked by the caller.  Not counted in the statistics. */
static inline void small_give(nmx_arena_t *a, mem_page_t *pg, unsigned idx, uint8_t *p,
                              bool checked)
{
    size_t n = pg->sizes[idx];
    if (MEM_UNLIKELY(a->debug)) {
        if (!checked)
            redzone_check(a, p, n, pg->block_size - n, "on free");
        memset(p, MEM_FREEFILL, n);
    }
    MEM_VG(VALGRIND_MEMPOOL_FREE(a, p));
    MEM_ASAN_POISON(p, pg->block_size);
    pg->sizes[idx] = MEM_FREE;
    pg->stack[pg->nfree++] = (uint16_t)idx;
    if (pg != a->cur[pg->cls])
        page_after_free(a, pg);
}

/* ---- large blocks ---------------------------------------------------------- */

/* Home slot of a large block's address in a table of `cap` slots. */
static inline size_t large_slot(uintptr_t p, size_t cap)
{
    return (size_t)(((p >> 12) * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

/* The entry of the large block that starts at p, or NULL.  Reads only the
 * arena's own table, never the address itself. */
static mem_large_t *large_find(const nmx_arena_t *a, uintptr_t p)
{
    if (a->large_count == 0 || p == 0 || (p & (MEM_PAGE_SIZE - 1)))
        return NULL;
    size_t mask = a->large_cap - 1;
    for (size_t i = large_slot(p, a->large_cap);; i = (i + 1) & mask) {
        if (a->large[i].ptr == p)
            return &a->large[i];
        if (a->large[i].ptr == 0)
            return NULL;
    }
}

/* Makes room in the table for one more entry; false when out of memory. */
static bool large_reserve(nmx_arena_t *a)
{
    if ((a->large_count + 1) * 2 <= a->large_cap)
        return true;
    size_t cap = a->large_cap ? a->large_cap * 2 : 16;
    mem_large_t *t = calloc(cap, sizeof(*t));
    if (!t)
        return false;
    for (size_t i = 0; i < a->large_cap; i++) {
        if (a->large[i].ptr == 0)
            continue;
        size_t j = large_slot(a->large[i].ptr, cap);
        while (t[j].ptr)
            j = (j + 1) & (cap - 1);
        t[j] = a->large[i];
    }
    free(a->large);
    a->large = t;
    a->large_cap = cap;
    return true;
}

/* Inserts an entry; large_reserve() must have made room. */
static mem_large_t *large_insert(nmx_arena_t *a, const mem_large_t *e)
{
    size_t mask = a->large_cap - 1;
    size_t i = large_slot(e->ptr, a->large_cap);
    while (a->large[i].ptr)
        i = (i + 1) & mask;
    a->large[i] = *e;
    a->large_count++;
    return &a->large[i];
}

/* Removes an entry, shifting later entries of its probe run back. */
static void large_remove(nmx_arena_t *a, mem_large_t *e)
{
    size_t mask = a->large_cap - 1;
    size_t i = (size_t)(e - a->large);
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (a->large[j].ptr == 0)
            break;
        size_t home = large_slot(a->large[j].ptr, a->large_cap);
        /* Move j into the hole at i unless its home lies cyclically in (i, j]. */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            a->large[i] = a->large[j];
            i = j;
        }
    }
    a->large[i].ptr = 0;
    a->large_count--;
}

/* A large block of n bytes in its own zeroed mapping; NULL when out of
 * memory.  Not counted in the statistics. */
static uint8_t *large_take(nmx_arena_t *a, size_t n)
{
    size_t need = n + a->redzone;
    size_t len = page_round(need);
    if (!large_reserve(a))
        return NULL;
    uint8_t *p = be_map(a, len);
    if (!p)
        return NULL;
    mem_large_t e = {(uintptr_t)p, n, len, need};
    large_insert(a, &e);
    atomic_fetch_add_explicit(&nmx__large_mapped, len, memory_order_relaxed);
    MEM_VG(VALGRIND_MEMPOOL_ALLOC(a, p, n));
    mem_tool_access(p, n, true); /* fresh mapping: already zero */
    mem_tool_noaccess(p + n, len - n);
    if (MEM_UNLIKELY(a->debug))
        canary_write(p + n, a->redzone);
    return p;
}

/* Unmaps a large block and drops its entry; `checked` as for small_give().
 * Not counted in the statistics. */
static void large_give(nmx_arena_t *a, mem_large_t *e, bool checked)
{
    uint8_t *p = (uint8_t *)e->ptr;
    size_t len = e->map;
    if (MEM_UNLIKELY(a->debug) && !checked)
        redzone_check(a, p, e->size, a->redzone, "on free");
    MEM_VG(VALGRIND_MEMPOOL_FREE(a, p));
    MEM_ASAN_UNPOISON(p, len);
    large_remove(a, e);
    be_unmap(a, p, len);
    atomic_fetch_sub_explicit(&nmx__large_mapped, len, memory_order_relaxed);
}

/* Grows the mapping of large block *ep (at *pp, `old` bytes in use) to hold
 * `len` bytes, plus some spare room for the next growth when it can, with
 * remap (no copy); updates *ep and *pp, which may move.  False, with the
 * block unchanged, when out of memory. */
static bool large_grow_map(nmx_arena_t *a, mem_large_t **ep, uint8_t **pp, size_t old, size_t len)
{
    mem_large_t *e = *ep;
    uint8_t *p = *pp;
    size_t spare = len / 4 < LARGE_SPARE_MAX ? len / 4 : LARGE_SPARE_MAX;
    size_t target = page_round(len + spare);
    MEM_ASAN_UNPOISON(p, e->map);
    uint8_t *q = be_remap(a, p, e->map, target);
    if (!q) {
        target = len;
        q = be_remap(a, p, e->map, target);
    }
    if (!q) {
        MEM_ASAN_POISON(p + old, e->map - old);
        return false;
    }
    atomic_fetch_add_explicit(&nmx__large_mapped, target - e->map, memory_order_relaxed);
    mem_large_t moved = *e;
    moved.ptr = (uintptr_t)q;
    moved.map = target;
    if (q != p) {
        large_remove(a, e);
        e = large_insert(a, &moved);
    } else {
        *e = moved;
    }
    MEM_ASAN_POISON(q + old, target - old);
    MEM_VG(VALGRIND_MEMPOOL_CHANGE(a, p, q, old));
    *ep = e;
    *pp = q;
    return true;
}

/* After large block *ep (at *pp) shrank to n bytes, gives most of its mapping
 * back when the `len` bytes it now needs are at most half of it; updates *ep
 * and *pp, which may move.  Keeps the mapping when the remap fails. */
static void large_shrink_map(nmx_arena_t *a, mem_large_t **ep, uint8_t **pp, size_t n, size_t len)
{
    mem_large_t *e = *ep;
    uint8_t *p = *pp;
    if (len > e->map / 2)
        return;
    MEM_ASAN_UNPOISON(p + n, e->map - n);
    uint8_t *q = be_remap(a, p, e->map, len);
    if (q) {
        atomic_fetch_sub_explicit(&nmx__large_mapped, e->map - len, memory_order_relaxed);
        mem_large_t moved = *e;
        moved.ptr = (uintptr_t)q;
        moved.map = len;
        if (moved.dirty > len)
            moved.dirty = len;
        if (q != p) { /* a back end may move even when shrinking */
            large_remove(a, e);
            e = large_insert(a, &moved);
            MEM_VG(VALGRIND_MEMPOOL_CHANGE(a, p, q, n));
        } else {
            *e = moved;
        }
        p = q;
    }
    MEM_ASAN_POISON(p + n, e->map - n);
    *ep = e;
    *pp = p;
}

/* Resizes a large block to n bytes (the caller checked quota and
 * admission).  Grows in place inside the mapping when it can, else with
 * remap (no copy) plus some spare room for the next growth; shrinking below
 * the small-block limit moves the contents to a small block.  On failure
 * the block is unchanged. */
static unsigned large_resize(nmx_arena_t *a, mem_large_t *e, size_t n, void **out)
{
    size_t old = e->size;
    size_t rz = a->redzone;
    size_t need = n + rz;
    uint8_t *p = (uint8_t *)e->ptr;
    if (MEM_UNLIKELY(a->debug))
        redzone_check(a, p, old, rz, "on realloc");

    if (need <= NMX_MEM_SMALL_MAX) { /* n < old: large blocks are bigger than this */
        uint8_t *q = small_take(a, n, need);
        if (!q)
            return NMERR_OUT_OF_MEMORY;
        memcpy(q, p, n);
        large_give(a, e, true);
        *out = q;
        return 0;
    }

    size_t len = page_round(need);
    if (len > e->map && !large_grow_map(a, &e, &p, old, len))
        return NMERR_OUT_OF_MEMORY;

    if (n > old) {
        /* Pages past `dirty` have never been written since they were mapped,
         * so only the part below it needs clearing. */
        mem_tool_access(p + old, n - old, true);
        size_t dz = e->dirty < n ? e->dirty : n;
        if (dz > old)
            memset(p + old, 0, dz - old);
    } else if (n < old) {
        mem_tool_noaccess(p + n, old - n);
        large_shrink_map(a, &e, &p, n, len); /* give most of the mapping back */
    }
    MEM_VG(VALGRIND_MEMPOOL_CHANGE(a, p, p, n));
    e->size = n;
    if (e->dirty < need)
        e->dirty = need;
    if (rz)
        canary_write(p + n, rz);
    *out = p;
    return 0;
}

/* ---- arena-wide operations (keys.c) --------------------------------------- */

void nmx__heap_release_all(nmx_arena_t *a)
{
    mem_segment_t *seg = a->segs;
    while (seg) {
        mem_segment_t *next = seg->next;
        nmx__seg_release(seg, false);
        seg = next;
    }
    a->segs = NULL;
    a->avail_segs[0] = a->avail_segs[1] = NULL;
    for (unsigned c = 0; c < MEM_CLASSES; c++) {
        a->cur[c] = &nmx__empty_page;
        a->avail[c] = NULL;
    }
    size_t unmapped = 0;
    for (size_t i = 0; i < a->large_cap && a->large_count; i++) {
        mem_large_t *e = &a->large[i];
        if (e->ptr == 0)
            continue;
        MEM_ASAN_UNPOISON((void *)e->ptr, e->map);
        be_unmap(a, (void *)e->ptr, e->map);
        unmapped += e->map;
    }
    atomic_fetch_sub_explicit(&nmx__large_mapped, unmapped, memory_order_relaxed);
    free(a->large);
    a->large = NULL;
    a->large_cap = a->large_count = 0;
}

size_t nmx__heap_check_all(nmx_arena_t *a, const char *when)
{
    size_t bad = 0;
    for (mem_segment_t *seg = a->segs; seg; seg = seg->next) {
        for (unsigned i = 0; i < seg->npages; i++) {
            mem_page_t *pg = &seg->pages[i];
            if (pg->cls == 0)
                continue;
            for (unsigned b = 0; b < pg->bump; b++) {
                uint32_t n = pg->sizes[b];
                if (n == MEM_FREE)
                    continue;
                uint8_t *p = pg->blocks + (size_t)b * pg->block_size;
                if (!redzone_check(a, p, n, pg->block_size - n, when))
                    bad++;
            }
        }
    }
    for (size_t i = 0; i < a->large_cap; i++) {
        mem_large_t *e = &a->large[i];
        if (e->ptr && !redzone_check(a, (uint8_t *)e->ptr, e->size, a->redzone, when))
            bad++;
    }
    return bad;
}

/* ---- the NetMon helpers ------------------------------------------------- */
/*
 * Each helper has a fast path for the common case - a small block in an
 * arena with no flag set (not terminating, not debug, not under valgrind,
 * no admitting back end) - and a general path for everything else.  Both
 * give the same results; the fast path only skips checks that cannot fail
 * when no flag is set.
 */

/* *pError = code when the expert passed somewhere to put it. */
static inline void set_error(DWORD *pError, unsigned code)
{
    if (pError)
        *pError = code;
}

/* Statistics of one allocation / one free of n requested bytes. */
static inline void stats_alloc(nmx_mem_stats_t *st, size_t n)
{
    st->allocations++;
    st->live_blocks++;
    stats_grow(st, n);
}

static inline void stats_free(nmx_mem_stats_t *st, size_t n)
{
    st->frees++;
    st->live_blocks--;
    st->live_bytes -= n;
}

/* ExpertAllocMemory's general path (arena entered; leaves it). */
static __attribute__((noinline)) LPVOID alloc_general(nmx_arena_t *a, bool locked, SIZE_T n,
                                                      DWORD *pError)
{
    if (mem_flags(a) & MEM_F_TERMINATING) {
        mem_arena_exit(a, locked);
        set_error(pError, NMERR_EXPERT_TERMINATE);
        return NULL;
    }
    nmx_mem_stats_t *st = a->stats;
    uint8_t *p = NULL;
    bool zero = false;
    if (n <= NMX_MEM_MAX_REQUEST && quota_ok(a, st, n) && admit(a, n)) {
        size_t need = n + a->redzone;
        if (need <= NMX_MEM_SMALL_MAX) {
            p = small_take(a, n, need);
            zero = true;
        } else {
            p = large_take(a, n);
        }
    }
    if (!p) {
        st->failed++;
        mem_arena_exit(a, locked);
        set_error(pError, NMERR_OUT_OF_MEMORY);
        return NULL;
    }
    stats_alloc(st, n);
    if (zero)
        memset(p, 0, n);
    mem_arena_exit(a, locked);
    set_error(pError, NMERR_SUCCESS);
    return p;
}

/* ExpertAllocMemory's fast path, shared by the owner's unlocked calls and
 * by locked ones: no flag, a small request within the quota, a freed block
 * of the class at hand.  Falls back to alloc_general().  `a` is entered
 * (locked or not); the arena is left before returning. */
static inline __attribute__((always_inline)) LPVOID alloc_fast(nmx_arena_t *a, bool locked,
                                                               SIZE_T n, DWORD *pError)
{
    if (MEM_LIKELY(mem_flags(a) == 0 && n <= NMX_MEM_SMALL_MAX)) {
        nmx_mem_stats_t *st = a->stats;
        mem_page_t *pg = a->cur[mem_size_class(n)];
        if (MEM_LIKELY(pg->nfree != 0 && quota_ok(a, st, n))) {
            unsigned idx = pg->stack[--pg->nfree];
            pg->sizes[idx] = (uint32_t)n;
            uint8_t *p = pg->blocks + (size_t)idx * pg->block_size;
            MEM_ASAN_UNPOISON(p, n);
            stats_alloc(st, n);
            memset(p, 0, n);
            mem_arena_exit(a, locked);
            set_error(pError, NMERR_SUCCESS);
            return p;
        }
    }
    return alloc_general(a, locked, n, pError);
}

/* ExpertAllocMemory for callers that are not the arena's owner (or when
 * the owner's way in failed): locked, then the same fast path. */
static __attribute__((noinline)) LPVOID alloc_locked(HEXPERTKEY key, SIZE_T n, DWORD *pError)
{
    nmx_arena_t *a = mem_arena_locked(key);
    if (!a) {
        set_error(pError, NMERR_INVALID_EXPERT_HANDLE);
        return NULL;
    }
    return alloc_fast(a, true, n, pError);
}

/*
 * ExpertAllocMemory (spec 2.1): a zero-filled, 16-byte aligned block of
 * nBytes from the session's arena.  Errors: 130 bad key, 125 terminating,
 * 19 out of memory or over the quota (also for requests near SIZE_MAX).
 * nBytes == 0 gives a unique block of size 0.
 */
NMAPI LPVOID WINAPI ExpertAllocMemory(IN HEXPERTKEY hExpertKey, IN SIZE_T nBytes, OUT DWORD *pError)
{
    nmx_arena_t *a = mem_arena_biased(hExpertKey);
    if (MEM_LIKELY(a != NULL))
        return alloc_fast(a, false, nBytes, pError);
    return alloc_locked(hExpertKey, nBytes, pError);
}

/* The block of `a` at p: a small one (*pg, *idx) or a large one (*e). */
static inline bool block_lookup(const nmx_arena_t *a, const void *p, mem_page_t **pg,
                                unsigned *idx, mem_large_t **e)
{
    if (MEM_LIKELY(small_lookup(a, p, pg, idx))) {
        *e = NULL;
        return true;
    }
    *pg = NULL;
    *e = large_find(a, (uintptr_t)p);
    return *e != NULL;
}

/* Resizes a small block (the caller checked quota and admission). */
static unsigned small_resize(nmx_arena_t *a, mem_page_t *pg, unsigned idx, uint8_t *p, size_t n,
                             void **out)
{
    size_t old = pg->sizes[idx];
    size_t bs = pg->block_size;
    size_t need = n + a->redzone;
    if (MEM_UNLIKELY(a->debug))
        redzone_check(a, p, old, bs - old, "on realloc");
    if (need <= bs && (need * 2 > bs || bs <= 64)) { /* stays in its block */
        if (n > old) {
            mem_tool_access(p + old, n - old, false);
            memset(p + old, 0, n - old);
        } else {
            mem_tool_noaccess(p + n, old - n);
        }
        MEM_VG(VALGRIND_MEMPOOL_CHANGE(a, p, p, n));
        pg->sizes[idx] = (uint32_t)n;
        if (MEM_UNLIKELY(a->debug))
            canary_write(p + n, bs - n);
        *out = p;
        return 0;
    }
    uint8_t *q;
    if (need <= NMX_MEM_SMALL_MAX) {
        q = small_take(a, n, need);
        if (!q)
            return NMERR_OUT_OF_MEMORY;
        if (n > old)
            memset(q + old, 0, n - old);
    } else {
        q = large_take(a, n); /* a fresh mapping is zero already */
        if (!q)
            return NMERR_OUT_OF_MEMORY;
    }
    memcpy(q, p, n < old ? n : old);
    small_give(a, pg, idx, p, true);
    *out = q;
    return 0;
}

/*
 * ExpertReallocMemory (spec 2.2): resizes a live block of this session,
 * keeping min(old, new) bytes and zero-filling any growth.  NULL or any
 * pointer that is not a live block of the arena gives 76 with no effect; on
 * any failure the original block is unchanged.  nBytes == 0 leaves a valid
 * zero-size block.  (Resizing is rarer than alloc and free, so it has a
 * single path.)
 */
NMAPI LPVOID WINAPI ExpertReallocMemory(IN HEXPERTKEY hExpertKey, IN LPVOID pOriginalMemory,
                                        IN SIZE_T nBytes, OUT DWORD *pError)
{
    bool locked;
    nmx_arena_t *a = mem_arena_enter(hExpertKey, &locked);
    unsigned rc;
    if (MEM_UNLIKELY(!a)) {
        set_error(pError, NMERR_INVALID_EXPERT_HANDLE);
        return NULL;
    }
    nmx_mem_stats_t *st = a->stats;
    mem_page_t *pg;
    unsigned idx;
    mem_large_t *e;
    void *q = NULL;
    if (mem_flags(a) & MEM_F_TERMINATING) {
        rc = NMERR_EXPERT_TERMINATE;
    } else if (!pOriginalMemory || !block_lookup(a, pOriginalMemory, &pg, &idx, &e)) {
        st->invalid++;
        rc = NMERR_INVALID_PARAMETER;
    } else {
        size_t old = pg ? pg->sizes[idx] : e->size;
        if (nBytes > NMX_MEM_MAX_REQUEST ||
            (nBytes > old && (!quota_ok(a, st, nBytes - old) || !admit(a, nBytes))))
            rc = NMERR_OUT_OF_MEMORY;
        else if (pg)
            rc = small_resize(a, pg, idx, pOriginalMemory, nBytes, &q);
        else
            rc = large_resize(a, e, nBytes, &q);
        if (rc == 0) {
            st->reallocs++;
            st->live_bytes -= old;
            stats_grow(st, nBytes);
        } else {
            st->failed++;
        }
    }
    mem_arena_exit(a, locked);
    set_error(pError, rc);
    return rc ? NULL : q;
}

/* ExpertFreeMemory's general path (arena entered; leaves it). */
static __attribute__((noinline)) DWORD free_general(nmx_arena_t *a, bool locked, LPVOID p)
{
    bool term = (mem_flags(a) & MEM_F_TERMINATING) != 0;
    unsigned rc = NMERR_SUCCESS;
    if (p) {
        nmx_mem_stats_t *st = a->stats;
        mem_page_t *pg;
        unsigned idx;
        mem_large_t *e;
        if (small_lookup(a, p, &pg, &idx)) {
            size_t n = pg->sizes[idx];
            small_give(a, pg, idx, p, false);
            stats_free(st, n);
        } else if ((e = large_find(a, (uintptr_t)p)) != NULL) {
            size_t n = e->size;
            large_give(a, e, false);
            stats_free(st, n);
        } else {
            st->invalid++;
            rc = NMERR_INVALID_PARAMETER;
        }
    }
    mem_arena_exit(a, locked);
    return term ? NMERR_EXPERT_TERMINATE : rc;
}

/* The end of a fast-path free whose page is not its class's current page. */
static __attribute__((noinline)) DWORD free_finish(nmx_arena_t *a, bool locked, mem_page_t *pg)
{
    page_after_free(a, pg);
    mem_arena_exit(a, locked);
    return NMERR_SUCCESS;
}

/* ExpertFreeMemory's fast path, shared like alloc_fast(): no flag, a live
 * small block.  Falls back to free_general(). */
static inline __attribute__((always_inline)) DWORD free_fast(nmx_arena_t *a, bool locked,
                                                             LPVOID p)
{
    mem_page_t *pg;
    unsigned idx;
    if (MEM_LIKELY(mem_flags(a) == 0 && small_lookup_fast(a, p, &pg, &idx))) {
        size_t n = pg->sizes[idx];
        /* The block is the next one its class hands out (LIFO): start
         * fetching its first line for the zeroing then. */
        __builtin_prefetch(p, 1, 3);
        MEM_ASAN_POISON(p, pg->block_size);
        pg->sizes[idx] = MEM_FREE;
        pg->stack[pg->nfree++] = (uint16_t)idx;
        stats_free(a->stats, n);
        if (MEM_UNLIKELY(pg != a->cur[pg->cls]))
            return free_finish(a, locked, pg);
        mem_arena_exit(a, locked);
        return NMERR_SUCCESS;
    }
    return free_general(a, locked, p);
}

/* ExpertFreeMemory for callers that are not the arena's owner. */
static __attribute__((noinline)) DWORD free_locked(HEXPERTKEY key, LPVOID p)
{
    nmx_arena_t *a = mem_arena_locked(key);
    if (!a)
        return NMERR_INVALID_EXPERT_HANDLE;
    return free_fast(a, true, p);
}

/*
 * ExpertFreeMemory (spec 2.3): frees a live block of this session.  NULL is
 * a no-op (0); anything else that is not a live block of the arena (double
 * free, foreign, interior or wild pointer) gives 76 and changes nothing.
 * While terminating the block is still freed, and 125 is returned.
 */
NMAPI DWORD WINAPI ExpertFreeMemory(IN HEXPERTKEY hExpertKey, IN LPVOID pOriginalMemory)
{
    nmx_arena_t *a = mem_arena_biased(hExpertKey);
    if (MEM_LIKELY(a != NULL))
        return free_fast(a, false, pOriginalMemory);
    return free_locked(hExpertKey, pOriginalMemory);
}

/*
 * ExpertMemorySize (spec 2.4): the size last requested for a live block of
 * this session, or (SIZE_T)-1 for a bad key or anything else.  Not affected
 * by termination.
 */
NMAPI SIZE_T WINAPI ExpertMemorySize(IN HEXPERTKEY hExpertKey, IN LPVOID pOriginalMemory)
{
    bool locked;
    nmx_arena_t *a = mem_arena_enter(hExpertKey, &locked);
    if (MEM_UNLIKELY(!a))
        return (SIZE_T)-1;
    mem_page_t *pg;
    unsigned idx;
    mem_large_t *e;
    SIZE_T n = (SIZE_T)-1;
    if (pOriginalMemory && block_lookup(a, pOriginalMemory, &pg, &idx, &e))
        n = pg ? pg->sizes[idx] : e->size;
    mem_arena_exit(a, locked);
    return n;
}
