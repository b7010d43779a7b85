/*
 * mem_internal.h - data structures shared by the files of the expert heap.
 *
 * Layout in one picture (docs/memory.md has the reasoning):
 *
 *   key (HEXPERTKEY) = generation << 20 | slot      slot table: chunks of 1024
 *        |                                          arenas, never freed
 *        v
 *   nmx_arena ---- cur[class] -> page  (the page blocks of a class come from)
 *        |   \---- avail[class] -> pages with free blocks
 *        |   \---- segs: owned 4 MiB segments; large: hash of big mappings
 *        v
 *   segment (4 MiB, 4 MiB-aligned, mmap):  [header: page descriptors][page]...
 *   page (64 KiB, or 512 KiB in "medium" segments):
 *        [sizes: uint32 per block][free-index stack: uint16 per block][blocks]
 *
 * A global map with one uint32 per 4 MiB of address space (reserved with
 * MAP_NORESERVE, touched lazily) says which arena owns the segment holding an
 * address.  Checking a pointer therefore reads only memory the heap owns: the
 * map entry, and then, when the entry names the calling arena, that arena's
 * own segment header and page metadata.  Freed blocks are never read: the
 * free list is a stack of indices in the page metadata.
 */
#ifndef NMX_MEM_INTERNAL_H
#define NMX_MEM_INTERNAL_H

#include "mem/nmx_mem.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MEM_PAUSE() _mm_pause()
#else
#define MEM_PAUSE() ((void)0)
#endif

#define MEM_LIKELY(x) __builtin_expect(!!(x), 1)
#define MEM_UNLIKELY(x) __builtin_expect(!!(x), 0)

_Static_assert(sizeof(void *) == 8, "the expert heap assumes a 64-bit address space");

/* ---- geometry ---------------------------------------------------------- */

#define MEM_SEG_SHIFT 22 /* 4 MiB segments */
#define MEM_SEG_SIZE ((size_t)1 << MEM_SEG_SHIFT)
#define MEM_SEG_MASK (MEM_SEG_SIZE - 1)
#define MEM_ADDR_BITS 47 /* user-space addresses on x86-64 / arm64 (48-bit VA) */
#define MEM_MAP_ENTRIES ((size_t)1 << (MEM_ADDR_BITS - MEM_SEG_SHIFT))

#define MEM_KIND_SMALL 0  /* 64 KiB pages, classes up to 8 KiB */
#define MEM_KIND_MEDIUM 1 /* 512 KiB pages, classes up to 64 KiB */
#define MEM_KINDS 2
#define MEM_SMALL_PAGE_SHIFT 16
#define MEM_MEDIUM_PAGE_SHIFT 19
#define MEM_MAX_PAGES 64
#define MEM_MEDIUM_MIN 8193 /* first block size served by medium pages */

/* Size classes: 1..64 are 16..1024 bytes in steps of 16; 65..88 are four
 * per doubling up to 64 KiB.  Class 0 marks an unused page. */
#define MEM_CLASSES 89
#define MEM_PAGE_SIZE 4096

#define MEM_FREE UINT32_MAX /* sizes[] value of a block that is not allocated */

/* Keys: low 15 bits slot index, the rest a generation number (>= 1).  The
 * slots are one array of MEM_MAX_SLOTS arenas, reserved (not committed)
 * when the first session is created and never unmapped. */
#define MEM_SLOT_BITS 15
#define MEM_MAX_SLOTS ((size_t)1 << MEM_SLOT_BITS)
_Static_assert(NMX_MEM_MAX_SESSIONS == MEM_MAX_SLOTS - 1, "slot 0 is never used");

/* Debug fill patterns. */
#define MEM_CANARY 0xFD  /* red zones and slack after a block */
#define MEM_FREEFILL 0xDF /* freed small blocks */

/* ---- lock ---------------------------------------------------------------
 * A test-and-set spin lock: one atomic exchange to take it, one plain store
 * to release it.  Uncontended it costs a quarter of a pthread mutex (bench/
 * mem measures both, building the heap a second time with
 * NMX_MEM_MUTEX_LOCK); critical sections are short and never block, and a
 * waiter yields the CPU after a short spin.  Both kinds are valid when
 * zero-filled, as the arenas are when their chunk is mapped. */
#ifdef NMX_MEM_MUTEX_LOCK
#include <pthread.h>
typedef struct mem_lock {
    pthread_mutex_t m;
} mem_lock_t;

static inline void mem_lock(mem_lock_t *l)
{
    pthread_mutex_lock(&l->m);
}

static inline void mem_unlock(mem_lock_t *l)
{
    pthread_mutex_unlock(&l->m);
}
#else
typedef struct mem_lock {
    atomic_int v;
} mem_lock_t;

void nmx__mem_lock_slow(mem_lock_t *l);

static inline void mem_lock(mem_lock_t *l)
{
    if (MEM_LIKELY(!atomic_exchange_explicit(&l->v, 1, memory_order_acquire)))
        return;
    nmx__mem_lock_slow(l);
}

static inline void mem_unlock(mem_lock_t *l)
{
    atomic_store_explicit(&l->v, 0, memory_order_release);
}
#endif

/* ---- pages, segments, arenas --------------------------------------------- */

/* A run of equal-sized blocks of one class (lives in the segment header;
 * one cache line). */
typedef struct mem_page {
    uint8_t *blocks;     /* first block (16-byte aligned) */
    uint32_t *sizes;     /* requested size per block index, MEM_FREE if free */
    uint16_t *stack;     /* indices of freed blocks, LIFO */
    struct mem_page *next, *prev; /* avail[cls] list links */
    uint32_t block_size; /* bytes per block */
    uint32_t recip;      /* 2^32 / block_size + 1: idx = off * recip >> 32 for off = idx * size */
    uint32_t bump_off;   /* bump * block_size: offsets below it were handed out once */
    uint16_t capacity;   /* blocks in the page */
    uint16_t bump;       /* blocks [0, bump) have been handed out at least once */
    uint16_t nfree;      /* depth of stack; blocks allocated now = bump - nfree */
    uint8_t cls;         /* size class; 0 = page not in use (bump_off is then 0 too) */
    bool listed;         /* on the arena's avail[cls] list */
} mem_page_t;
_Static_assert(sizeof(mem_page_t) <= 64, "a page descriptor fits a cache line");

/* Header at the start of every 4 MiB segment. */
typedef struct mem_segment {
    struct mem_segment *next, *prev;   /* arena's owned list, or the cache list */
    struct mem_segment *anext, *aprev; /* arena's list of segments with free pages */
    uint64_t free_pages;               /* bit i set: page i is not in use */
    uint32_t used_pages;               /* pages in use */
    uint8_t kind;                      /* MEM_KIND_SMALL or MEM_KIND_MEDIUM */
    uint8_t page_shift;                /* log2 of the page size */
    uint8_t npages;                    /* pages in the segment */
    bool on_avail;                     /* linked on anext/aprev */
    _Alignas(64) mem_page_t pages[MEM_MAX_PAGES];
} mem_segment_t;

/* Bytes at the start of a segment taken by its header. */
#define MEM_SEG_HEADER (((sizeof(mem_segment_t)) + 63) & ~(size_t)63)

/* One large block (its own mapping), as kept in the arena's hash table. */
typedef struct mem_large {
    uintptr_t ptr; /* block address (page-aligned); 0 = empty slot */
    size_t size;   /* requested size */
    size_t map;    /* mapped length */
    size_t dirty;  /* bytes from the start that may be non-zero; the rest of
                      the mapping has never been written since it was mapped */
} mem_large_t;

/* Arena flags (nmx_arena.flags): any of them sends the helpers from their
 * fast paths to the general ones. */
#define MEM_F_TERMINATING 1u /* sticky termination request (spec 1.6) */
#define MEM_F_DEBUG 2u       /* red zones and fill patterns */
#define MEM_F_VALGRIND 4u    /* a valgrind mempool mirrors the arena */
#define MEM_F_ADMIT 8u       /* the back end wants to admit each request */

/* One session's arena; lives in a slot of the key table, never freed. */
typedef struct nmx_arena {
    mem_lock_t lock;
    uint32_t tag;                    /* slot index + 1; the segment map holds tag << 1 | kind */
    _Atomic uint64_t gen;            /* generation of the live key; 0 = slot is free */
    _Atomic uint64_t fastgen;        /* = gen while the owner may run unlocked, else 0 */
    _Atomic uintptr_t owner;         /* thread the arena is biased to (0 = none yet) */
    atomic_int busy;                 /* the owner is inside an unlocked call */
    atomic_int shared;               /* 1 = every call takes the lock (for good) */
    _Atomic uint32_t flags;          /* MEM_F_*, changed under the lock */
    uint32_t redzone;                /* NMX_MEM_REDZONE in debug mode, else 0 */
    uint64_t limit_eff;              /* quota on live bytes; UINT64_MAX when none */
    nmx_mem_stats_t *stats;          /* where the statistics live */
    uint64_t last_gen;               /* last generation handed out for this slot */
    bool debug;                      /* red zones and fill patterns */
    bool vg_pool;                    /* a valgrind mempool exists for this arena */
    const nmx_mem_backend_t *backend;
    void *user;
    nmx_mem_report_fn report;
    void *report_ctx;
    mem_page_t *cur[MEM_CLASSES];    /* page each class allocates from */
    mem_page_t *avail[MEM_CLASSES];  /* other pages of the class with free blocks */
    mem_segment_t *segs;             /* owned segments */
    mem_segment_t *avail_segs[MEM_KINDS]; /* owned segments with a free page */
    mem_large_t *large;              /* open-addressing table of large blocks */
    size_t large_cap;                /* slots in `large` (power of two, or 0) */
    size_t large_count;              /* entries in `large` */
    struct nmx_arena *next_free;     /* free slot list */
    nmx_mem_stats_t own_stats;       /* used when opts.stats is NULL */
} nmx_arena_t;

/* ---- globals (keys.c, segment.c) ----------------------------------------- */

extern _Atomic(nmx_arena_t *) nmx__slots;
extern _Atomic uint32_t *nmx__seg_map;
extern bool nmx__on_valgrind;
extern bool nmx__bias_ok; /* membarrier is available: arenas may be owner-biased */
extern mem_page_t nmx__empty_page;
extern const uint32_t nmx__class_size[MEM_CLASSES];

/* The slot a key names, and the generation it claims; NULL when the slot
 * does not exist.  Never dereferences the key value: it is split into a
 * slot index and a generation, and only the slot table (memory the heap
 * owns) is read. */
static inline nmx_arena_t *mem_slot(HEXPERTKEY key, uint64_t *gen)
{
    uintptr_t k = (uintptr_t)key;
    *gen = k >> MEM_SLOT_BITS;
    nmx_arena_t *slots = atomic_load_explicit(&nmx__slots, memory_order_acquire);
    if (MEM_UNLIKELY(*gen == 0 || slots == NULL))
        return NULL;
    return &slots[k & (MEM_MAX_SLOTS - 1)];
}

/* Looks a key up and returns its arena locked, or NULL when the key is not
 * live.  For calls that only read what the owner never changes (user
 * pointer) or change it atomically (flags): they do not stop the owner's
 * unlocked calls. */
static inline nmx_arena_t *mem_arena_lock(HEXPERTKEY key)
{
    uint64_t gen;
    nmx_arena_t *a = mem_slot(key, &gen);
    if (MEM_UNLIKELY(!a))
        return NULL;
    mem_lock(&a->lock);
    if (MEM_UNLIKELY(atomic_load_explicit(&a->gen, memory_order_relaxed) != gen)) {
        mem_unlock(&a->lock);
        return NULL;
    }
    return a;
}

/*
 * Owner bias.  An expert's heap is nearly always used by one thread, so the
 * first thread that calls a helper becomes the arena's owner, and its calls
 * run without the lock: it only raises `busy` around the call and checks
 * that the arena has not become `shared` (fastgen, which equals the key's
 * generation only while the arena is live and not shared).  The first call
 * from any other thread takes the lock, sets `shared` for good and waits
 * for the owner to leave (nmx__arena_enter_slow); from then on every call
 * locks.  The owner pays no atomic instruction: its store to `busy` and
 * load of `fastgen` are
 * ordered by membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), which the
 * switching thread issues, instead of a fence on every call (the usual
 * asymmetric-fence scheme).  Without membarrier, arenas start shared.
 */
static inline uintptr_t mem_self(void)
{
    return (uintptr_t)__builtin_thread_pointer();
}

/* The slow path of mem_arena_enter: locks, checks the generation, and
 * claims ownership (`claim`) or makes the arena shared.  Returns the arena
 * locked, or NULL. */
nmx_arena_t *nmx__arena_enter_slow(nmx_arena_t *a, uint64_t gen, bool claim);

/* Each thread remembers the last key whose arena it entered as owner: the
 * fast paths then skip the slot computation and the owner check.  The
 * cache is only ever filled by the owner, and ownership of a key never
 * changes, so a hit still needs only the fastgen check.  It starts at a
 * dummy arena whose fastgen matches no key. */
typedef struct mem_tls_cache {
    uintptr_t key;
    nmx_arena_t *arena;
} mem_tls_cache_t;
extern __thread mem_tls_cache_t nmx__tls_cache __attribute__((tls_model("initial-exec")));

/* The slot part of mem_arena_biased: slot computation and owner check. */
static inline nmx_arena_t *mem_owned_slot(HEXPERTKEY key)
{
    uint64_t gen;
    nmx_arena_t *a = mem_slot(key, &gen);
    if (MEM_UNLIKELY(!a) ||
        MEM_UNLIKELY(atomic_load_explicit(&a->owner, memory_order_relaxed) != mem_self()))
        return NULL;
    nmx__tls_cache.key = (uintptr_t)key;
    nmx__tls_cache.arena = a;
    return a;
}

/* The owner's unlocked way in, for the helpers' fast paths: the arena when
 * the calling thread owns it, it is not shared and the key is live (the
 * arena is then entered; leave with mem_biased_exit()); NULL otherwise,
 * with nothing entered. */
static inline nmx_arena_t *mem_arena_biased(HEXPERTKEY key)
{
    nmx_arena_t *a;
    if (MEM_LIKELY(nmx__tls_cache.key == (uintptr_t)key))
        a = nmx__tls_cache.arena;
    else if (!(a = mem_owned_slot(key)))
        return NULL;
    atomic_store_explicit(&a->busy, 1, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst); /* the rest is membarrier's job */
    /* fastgen is the live generation only while the arena is not shared. */
    if (MEM_LIKELY(atomic_load_explicit(&a->fastgen, memory_order_acquire) ==
                   (uintptr_t)key >> MEM_SLOT_BITS))
        return a;
    atomic_store_explicit(&a->busy, 0, memory_order_release);
    return NULL;
}

static inline void mem_biased_exit(nmx_arena_t *a)
{
    atomic_store_explicit(&a->busy, 0, memory_order_release);
}

/* A live key's arena, locked: the way in for calls that are not the
 * owner's.  The common case - an arena already shared - is inline; the
 * first calls (claiming ownership, or making the arena shared) go through
 * nmx__arena_enter_slow().  NULL when the key is not live. */
static inline nmx_arena_t *mem_arena_locked(HEXPERTKEY key)
{
    uint64_t gen;
    nmx_arena_t *a = mem_slot(key, &gen);
    if (MEM_UNLIKELY(!a))
        return NULL;
    mem_lock(&a->lock);
    if (MEM_LIKELY(atomic_load_explicit(&a->shared, memory_order_relaxed) &&
                   atomic_load_explicit(&a->gen, memory_order_relaxed) == gen))
        return a;
    mem_unlock(&a->lock);
    return nmx__arena_enter_slow(a, gen, true);
}

/* Enters a live key's arena for a helper call: biased (no lock, *locked =
 * false) for the owner, locked otherwise.  NULL when the key is not live.
 * Leave with mem_arena_exit(). */
static inline nmx_arena_t *mem_arena_enter(HEXPERTKEY key, bool *locked)
{
    nmx_arena_t *a = mem_arena_biased(key);
    if (MEM_LIKELY(a != NULL)) {
        *locked = false;
        return a;
    }
    uint64_t gen;
    if (!(a = mem_slot(key, &gen)))
        return NULL;
    *locked = true;
    return nmx__arena_enter_slow(a, gen, true);
}

static inline void mem_arena_exit(nmx_arena_t *a, bool locked)
{
    if (locked)
        mem_unlock(&a->lock);
    else
        atomic_store_explicit(&a->busy, 0, memory_order_release);
}

/* For host calls that read or change what the owner changes (statistics,
 * quota, the blocks themselves): the arena locked, and made shared first if
 * another thread owns it.  NULL when the key is not live. */
static inline nmx_arena_t *mem_arena_exclusive(HEXPERTKEY key)
{
    uint64_t gen;
    nmx_arena_t *a = mem_slot(key, &gen);
    if (MEM_UNLIKELY(!a))
        return NULL;
    return nmx__arena_enter_slow(a, gen, false);
}

static inline uint32_t mem_flags(const nmx_arena_t *a)
{
    return atomic_load_explicit(&a->flags, memory_order_relaxed);
}

/* Size class of a small request (n <= NMX_MEM_SMALL_MAX). */
static inline unsigned mem_size_class(size_t n)
{
    if (n <= 1024) {
        unsigned c = (unsigned)((n + 15) >> 4);
        return c + (c == 0);
    }
    unsigned k = 63u - (unsigned)__builtin_clzll((unsigned long long)(n - 1));
    unsigned j = (unsigned)((n - 1 - ((size_t)1 << k)) >> (k - 2));
    return 65u + (k - 10u) * 4u + j;
}

/* The segment map entry of `addr`: (owning arena's tag) << 1 | segment kind,
 * or 0 when no arena owns it. */
static inline uint32_t mem_map_entry(uintptr_t addr)
{
    if (MEM_UNLIKELY(addr >> MEM_ADDR_BITS))
        return 0;
    return atomic_load_explicit(&nmx__seg_map[addr >> MEM_SEG_SHIFT], memory_order_relaxed);
}

/* Does the segment map say that `a` owns the segment containing `addr`? */
static inline bool mem_owns(const nmx_arena_t *a, uintptr_t addr)
{
    return mem_map_entry(addr) >> 1 == a->tag;
}

/* ---- segment layer (segment.c) ------------------------------------------- */

/* One-time process setup (segment map, valgrind detection); false on failure. */
bool nmx__mem_setup(void);
/* A segment for arena `a` (from the cache or the OS), header initialised for
 * `kind` and recorded in the map as owned by `a`; NULL when out of memory. */
mem_segment_t *nmx__seg_acquire(nmx_arena_t *a, unsigned kind);
/* Gives a segment back to the shared cache and clears its map entry.
 * `trim_now`: return the excess over the cache size to the OS right away. */
void nmx__seg_release(mem_segment_t *seg, bool trim_now);
/* Releases to the OS the cached segments beyond `keep`. */
size_t nmx__seg_trim(size_t keep);
void nmx__seg_counts(uint64_t *mapped, uint64_t *cached);
extern atomic_size_t nmx__large_mapped;

/* ---- heap (heap.c) --------------------------------------------------------- */

/* Releases every block of the arena (lock held); the arena is left empty. */
void nmx__heap_release_all(nmx_arena_t *a);
/* Debug mode: checks every live block's red zone (lock held); returns errors. */
size_t nmx__heap_check_all(nmx_arena_t *a, const char *when);

/* ---- tool annotations ------------------------------------------------------
 * ASan (when the build sanitizes) and valgrind memcheck (when running under
 * it) learn which bytes of the heap's memory the expert may touch: block
 * contents are addressable, slack, red zones and free blocks are not. */
#if defined(__SANITIZE_ADDRESS__) || defined(NMX_SANITIZE)
#define MEM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEM_ASAN 1
#endif
#endif
#ifndef MEM_ASAN
#define MEM_ASAN 0
#endif

#if MEM_ASAN
#include <sanitizer/asan_interface.h>
#define MEM_ASAN_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define MEM_ASAN_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define MEM_ASAN_POISON(p, n) ((void)(p), (void)(n))
#define MEM_ASAN_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#ifndef NMX_MEM_NO_VALGRIND
#include <valgrind/memcheck.h>
#define MEM_VG(stmt)                 \
    do {                             \
        if (MEM_UNLIKELY(nmx__on_valgrind)) { \
            stmt;                    \
        }                            \
    } while (0)
#else
#define MEM_VG(stmt) ((void)0)
#endif

/* Makes [p, p+n) inaccessible to the expert (free memory, slack). */
static inline void mem_tool_noaccess(void *p, size_t n)
{
    if (n == 0)
        return;
    MEM_ASAN_POISON(p, n);
    MEM_VG(VALGRIND_MAKE_MEM_NOACCESS(p, n));
}

/* Makes [p, p+n) accessible; `defined` says the contents are meaningful. */
static inline void mem_tool_access(void *p, size_t n, bool defined)
{
    if (n == 0)
        return;
    MEM_ASAN_UNPOISON(p, n);
    if (defined)
        MEM_VG(VALGRIND_MAKE_MEM_DEFINED(p, n));
    else
        MEM_VG(VALGRIND_MAKE_MEM_UNDEFINED(p, n));
}

#endif /* NMX_MEM_INTERNAL_H */
