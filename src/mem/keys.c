/*
 * keys.c - session keys: the slot table that turns an HEXPERTKEY into its
 * arena, and the life cycle of an arena (create, destroy, termination).
 *
 * A key is `generation << 15 | slot`.  The slots (arenas) form one array,
 * reserved with MAP_NORESERVE when the heap is first used and never
 * unmapped, so looking a key up never touches freed memory, even when the
 * key is stale or made up: the slot index is bounded, and the generation
 * stored in the slot must match the one in the key (slots never used read
 * as generation 0, which no key has).  Each slot's generation only grows,
 * so a destroyed key can never become valid again.
 */
#include "mem/mem_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

_Atomic(nmx_arena_t *) nmx__slots;

/* The arena every thread's cache starts with: its fastgen is no key's
 * generation (they stay below 2^49), so it never lets a call in. */
static nmx_arena_t no_arena = {.fastgen = UINT64_MAX};
__thread mem_tls_cache_t nmx__tls_cache
    __attribute__((tls_model("initial-exec"))) = {0, &no_arena};

static pthread_mutex_t slots_mu = PTHREAD_MUTEX_INITIALIZER;
static nmx_arena_t *free_slots; /* destroyed arenas, ready for reuse */
static size_t slots_used = 1;   /* slots handed out so far; slot 0 is never used */
static size_t n_sessions;       /* live keys */

/* A slot for a new session (slots_mu held): a destroyed one, or the next
 * never used one; NULL when all MEM_MAX_SLOTS are live. */
static nmx_arena_t *take_slot(void)
{
    nmx_arena_t *a = free_slots;
    if (a) {
        free_slots = a->next_free;
        return a;
    }
    if (slots_used == MEM_MAX_SLOTS)
        return NULL;
    a = &atomic_load_explicit(&nmx__slots, memory_order_relaxed)[slots_used];
    a->tag = (uint32_t)(slots_used + 1);
    slots_used++;
    return a;
}

/* Default diagnostics sink: one line on stderr. */
static void report_stderr(void *ctx, HEXPERTKEY key, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "nmexpert: expert heap %p: %s\n", key, msg);
}

unsigned nmx__key_create(const nmx_arena_opts_t *opts, HEXPERTKEY *out)
{
    static const nmx_arena_opts_t defaults;
    if (!out)
        return NMERR_INVALID_PARAMETER;
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (!nmx__mem_setup())
        return NMERR_OUT_OF_MEMORY;
    /* Segments left over by destroyed sessions go back to the OS here, not
     * in nmx__key_destroy, which stays O(segments) and free of system calls. */
    nmx__seg_trim(NMX_MEM_CACHE_KEEP);

    pthread_mutex_lock(&slots_mu);
    nmx_arena_t *a = take_slot();
    if (a)
        n_sessions++;
    pthread_mutex_unlock(&slots_mu);
    if (!a)
        return NMERR_OUT_OF_MEMORY;

    mem_lock(&a->lock);
    a->next_free = NULL;
    atomic_store_explicit(&a->owner, 0, memory_order_relaxed);
    atomic_store_explicit(&a->busy, 0, memory_order_relaxed);
    atomic_store_explicit(&a->shared, nmx__bias_ok ? 0 : 1, memory_order_relaxed);
    a->debug = opts->debug;
    a->redzone = opts->debug ? NMX_MEM_REDZONE : 0;
    a->stats = opts->stats ? opts->stats : &a->own_stats;
    memset(a->stats, 0, sizeof(*a->stats));
    a->stats->limit_bytes = opts->limit_bytes;
    a->limit_eff = opts->limit_bytes ? opts->limit_bytes : UINT64_MAX;
    a->backend = opts->backend ? opts->backend : &nmx__mem_os_backend;
    a->user = opts->user;
    a->report = opts->report ? opts->report : report_stderr;
    a->report_ctx = opts->report ? opts->report_ctx : NULL;
    for (unsigned c = 0; c < MEM_CLASSES; c++) {
        a->cur[c] = &nmx__empty_page;
        a->avail[c] = NULL;
    }
    a->segs = NULL;
    a->avail_segs[0] = a->avail_segs[1] = NULL;
    a->large = NULL;
    a->large_cap = a->large_count = 0;
    a->vg_pool = false;
#ifndef NMX_MEM_NO_VALGRIND
    if (nmx__on_valgrind) {
        VALGRIND_CREATE_MEMPOOL(a, 0, 0);
        a->vg_pool = true;
    }
#endif
    atomic_store_explicit(&a->flags,
                          (a->debug ? MEM_F_DEBUG : 0) | (a->vg_pool ? MEM_F_VALGRIND : 0) |
                              (a->backend->admit ? MEM_F_ADMIT : 0),
                          memory_order_relaxed);
    uint64_t gen = ++a->last_gen;
    atomic_store_explicit(&a->gen, gen, memory_order_relaxed);
    atomic_store_explicit(&a->fastgen, nmx__bias_ok ? gen : 0, memory_order_relaxed);
    mem_unlock(&a->lock);

    size_t idx = a->tag - 1;
    *out = (HEXPERTKEY)(uintptr_t)(gen << MEM_SLOT_BITS | idx);
    return 0;
}

unsigned nmx__key_destroy(HEXPERTKEY key, nmx_mem_stats_t *final)
{
    nmx_arena_t *a = mem_arena_exclusive(key);
    if (!a)
        return NMERR_INVALID_EXPERT_HANDLE;
    /* From here on every lookup of the key fails, even before we unlock. */
    atomic_store_explicit(&a->fastgen, 0, memory_order_relaxed);
    atomic_store_explicit(&a->gen, 0, memory_order_relaxed);
    if (a->debug)
        nmx__heap_check_all(a, "at session end");
    nmx_mem_stats_t *st = a->stats;
    st->reclaimed_bytes = st->live_bytes;
    st->reclaimed_blocks = st->live_blocks;
    nmx__heap_release_all(a);
    st->live_bytes = 0;
    st->live_blocks = 0;
    if (final)
        *final = *st;
    if (a->vg_pool) {
        MEM_VG(VALGRIND_DESTROY_MEMPOOL(a));
        a->vg_pool = false;
    }
    a->stats = &a->own_stats;
    a->user = NULL;
    mem_unlock(&a->lock);

    pthread_mutex_lock(&slots_mu);
    a->next_free = free_slots;
    free_slots = a;
    n_sessions--;
    pthread_mutex_unlock(&slots_mu);
    return 0;
}

void *nmx__key_user(HEXPERTKEY key)
{
    nmx_arena_t *a = mem_arena_lock(key);
    if (!a)
        return NULL;
    void *u = a->user;
    mem_unlock(&a->lock);
    return u;
}

bool nmx__key_valid(HEXPERTKEY key)
{
    nmx_arena_t *a = mem_arena_lock(key);
    if (!a)
        return false;
    mem_unlock(&a->lock);
    return true;
}

unsigned nmx__key_terminate(HEXPERTKEY key)
{
    nmx_arena_t *a = mem_arena_lock(key);
    if (!a)
        return NMERR_INVALID_EXPERT_HANDLE;
    atomic_fetch_or_explicit(&a->flags, MEM_F_TERMINATING, memory_order_relaxed);
    mem_unlock(&a->lock);
    return 0;
}

bool nmx__key_terminating(HEXPERTKEY key)
{
    nmx_arena_t *a = mem_arena_lock(key);
    if (!a)
        return false;
    bool t = (mem_flags(a) & MEM_F_TERMINATING) != 0;
    mem_unlock(&a->lock);
    return t;
}

unsigned nmx__key_stats(HEXPERTKEY key, nmx_mem_stats_t *out)
{
    if (!out)
        return NMERR_INVALID_PARAMETER;
    nmx_arena_t *a = mem_arena_exclusive(key);
    if (!a)
        return NMERR_INVALID_EXPERT_HANDLE;
    *out = *a->stats;
    mem_unlock(&a->lock);
    return 0;
}

unsigned nmx__key_set_limit(HEXPERTKEY key, uint64_t limit_bytes)
{
    nmx_arena_t *a = mem_arena_exclusive(key);
    if (!a)
        return NMERR_INVALID_EXPERT_HANDLE;
    a->stats->limit_bytes = limit_bytes;
    a->limit_eff = limit_bytes ? limit_bytes : UINT64_MAX;
    mem_unlock(&a->lock);
    return 0;
}

size_t nmx__key_check(HEXPERTKEY key)
{
    nmx_arena_t *a = mem_arena_exclusive(key);
    if (!a)
        return (size_t)-1;
    size_t bad = a->debug ? nmx__heap_check_all(a, "on check") : 0;
    mem_unlock(&a->lock);
    return bad;
}

void nmx__mem_global_stats(nmx_mem_global_t *out)
{
    pthread_mutex_lock(&slots_mu);
    out->sessions = n_sessions;
    pthread_mutex_unlock(&slots_mu);
    nmx__seg_counts(&out->segments_mapped, &out->segments_cached);
    out->large_mapped = atomic_load(&nmx__large_mapped);
}
