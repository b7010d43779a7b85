/*
 * segment.c - the process-wide part of the expert heap: the segment map, the
 * shared cache of 4 MiB segments, and the one-time setup.
 *
 * Segments are 4 MiB-aligned mappings carved into pages of one kind.  An
 * arena takes a segment from the cache (or the OS), owns it until all its
 * pages are empty or the session ends, and gives it back.  Ownership is
 * recorded in the segment map, one 32-bit entry per 4 MiB of the 47-bit
 * address space (128 MiB reserved with MAP_NORESERVE; only the entries of
 * addresses the process uses are ever touched).  A pointer check reads the
 * map entry first and goes on to the segment header only when the entry
 * names the calling arena, whose lock it holds, so the segment cannot be
 * released or unmapped under its feet; wild pointers never reach memory the
 * heap does not own.
 */
#include "mem/mem_internal.h"

#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

_Atomic uint32_t *nmx__seg_map;
bool nmx__on_valgrind;
bool nmx__bias_ok;
atomic_size_t nmx__large_mapped;

/* The page every class starts with: no capacity, so the first allocation
 * takes the slow path; never part of a segment. */
mem_page_t nmx__empty_page;

/* Block size of each class (see mem_size_class()). */
#define C16(i) (16u * (i))
#define CQ(k, j) ((1u << (k)) + ((j) + 1u) * (1u << ((k)-2)))
#define CQ4(k) CQ(k, 0), CQ(k, 1), CQ(k, 2), CQ(k, 3)
const uint32_t nmx__class_size[MEM_CLASSES] = {
    0,       C16(1),  C16(2),  C16(3),  C16(4),  C16(5),  C16(6),  C16(7),  C16(8),  C16(9),
    C16(10), C16(11), C16(12), C16(13), C16(14), C16(15), C16(16), C16(17), C16(18), C16(19),
    C16(20), C16(21), C16(22), C16(23), C16(24), C16(25), C16(26), C16(27), C16(28), C16(29),
    C16(30), C16(31), C16(32), C16(33), C16(34), C16(35), C16(36), C16(37), C16(38), C16(39),
    C16(40), C16(41), C16(42), C16(43), C16(44), C16(45), C16(46), C16(47), C16(48), C16(49),
    C16(50), C16(51), C16(52), C16(53), C16(54), C16(55), C16(56), C16(57), C16(58), C16(59),
    C16(60), C16(61), C16(62), C16(63), C16(64), CQ4(10),  CQ4(11),  CQ4(12),  CQ4(13),
    CQ4(14), CQ4(15),
};
_Static_assert(sizeof(nmx__class_size) / sizeof(nmx__class_size[0]) == MEM_CLASSES,
               "one size per class");

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static bool init_ok;

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static mem_segment_t *cache_head; /* unowned segments, linked by next */
static size_t cache_count;
static size_t mapped_count;

#ifndef NMX_MEM_MUTEX_LOCK
/* Waits for a contended lock: spin briefly, then yield the CPU between
 * attempts (the holder may have been preempted). */
void nmx__mem_lock_slow(mem_lock_t *l)
{
    unsigned spins = 0;
    for (;;) {
        while (atomic_load_explicit(&l->v, memory_order_relaxed)) {
            if (++spins < 64)
                MEM_PAUSE();
            else
                sched_yield();
        }
        if (!atomic_exchange_explicit(&l->v, 1, memory_order_acquire))
            return;
    }
}
#endif

/* Turns a biased arena into a shared one (lock held): from now on every
 * call takes the lock.  The owner may be inside an unlocked call; the
 * membarrier makes our store to `shared` and its store to `busy` visible to
 * each other, so either it sees `shared` and goes for the lock, or we see
 * `busy` and wait for it to leave. */
static void make_shared(nmx_arena_t *a)
{
    atomic_store_explicit(&a->shared, 1, memory_order_relaxed);
    atomic_store_explicit(&a->fastgen, 0, memory_order_relaxed);
    if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
        atomic_thread_fence(memory_order_seq_cst); /* cannot happen once registered */
    unsigned spins = 0;
    while (atomic_load_explicit(&a->busy, memory_order_acquire)) {
        if (++spins < 64)
            MEM_PAUSE();
        else
            sched_yield();
    }
}

nmx_arena_t *nmx__arena_enter_slow(nmx_arena_t *a, uint64_t gen, bool claim)
{
    mem_lock(&a->lock);
    if (atomic_load_explicit(&a->gen, memory_order_relaxed) != gen) {
        mem_unlock(&a->lock);
        return NULL;
    }
    if (!atomic_load_explicit(&a->shared, memory_order_relaxed)) {
        uintptr_t self = mem_self();
        uintptr_t owner = atomic_load_explicit(&a->owner, memory_order_relaxed);
        if (owner == 0) {
            if (claim) /* this call is locked; the next ones are biased */
                atomic_store_explicit(&a->owner, self, memory_order_relaxed);
        } else if (owner != self) {
            make_shared(a);
        }
    }
    return a;
}

static void do_init(void)
{
    void *m = mmap(NULL, MEM_MAP_ENTRIES * sizeof(uint32_t), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED)
        return;
    nmx__seg_map = m;
    void *slots = mmap(NULL, MEM_MAX_SLOTS * sizeof(nmx_arena_t), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (slots == MAP_FAILED)
        return;
    atomic_store_explicit(&nmx__slots, slots, memory_order_release);
#ifndef NMX_MEM_NO_VALGRIND
    /* Annotations for memcheck; NMX_MEM_VALGRIND=0 turns them off, e.g. to
     * count instructions with callgrind without their cost. */
    const char *env = getenv("NMX_MEM_VALGRIND");
    nmx__on_valgrind = RUNNING_ON_VALGRIND != 0 && !(env && strcmp(env, "0") == 0);
#endif
    /* Owner-biased arenas need the expedited private membarrier;
     * NMX_MEM_BIAS=0 turns the bias off (every call locks), for tests. */
    const char *bias = getenv("NMX_MEM_BIAS");
    nmx__bias_ok = !(bias && strcmp(bias, "0") == 0) &&
                   syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
    init_ok = true;
}

bool nmx__mem_setup(void)
{
    pthread_once(&init_once, do_init);
    return init_ok;
}

bool nmx__mem_init(void)
{
    return nmx__mem_setup();
}

/* Maps a fresh 4 MiB-aligned segment: map twice the size, trim both ends. */
static void *os_map_segment(void)
{
    size_t len = MEM_SEG_SIZE * 2;
    uint8_t *raw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    uintptr_t start = ((uintptr_t)raw + MEM_SEG_MASK) & ~(uintptr_t)MEM_SEG_MASK;
    size_t head = start - (uintptr_t)raw;
    size_t tail = len - head - MEM_SEG_SIZE;
    if (head)
        munmap(raw, head);
    if (tail)
        munmap((uint8_t *)start + MEM_SEG_SIZE, tail);
    if (start >> MEM_ADDR_BITS) { /* outside what the segment map covers */
        munmap((void *)start, MEM_SEG_SIZE);
        return NULL;
    }
    return (void *)start;
}

static void os_unmap_segment(mem_segment_t *seg)
{
    /* ASan keeps its shadow after munmap: leave it clean for whoever maps
     * these addresses next. */
    MEM_ASAN_UNPOISON(seg, MEM_SEG_SIZE);
    munmap(seg, MEM_SEG_SIZE);
}

/* Sets the header up for `kind`: every page free. */
static void seg_format(mem_segment_t *seg, unsigned kind)
{
    unsigned shift = kind == MEM_KIND_SMALL ? MEM_SMALL_PAGE_SHIFT : MEM_MEDIUM_PAGE_SHIFT;
    unsigned npages = (unsigned)(MEM_SEG_SIZE >> shift);
    seg->next = seg->prev = seg->anext = seg->aprev = NULL;
    seg->kind = (uint8_t)kind;
    seg->page_shift = (uint8_t)shift;
    seg->npages = (uint8_t)npages;
    seg->on_avail = false;
    seg->used_pages = 0;
    seg->free_pages = npages == 64 ? UINT64_MAX : (((uint64_t)1 << npages) - 1);
    for (unsigned i = 0; i < npages; i++) {
        seg->pages[i].cls = 0;
        seg->pages[i].bump_off = 0; /* no pointer passes small_lookup() */
    }
}

mem_segment_t *nmx__seg_acquire(nmx_arena_t *a, unsigned kind)
{
    mem_segment_t *seg = NULL;
    pthread_mutex_lock(&cache_mu);
    if (cache_head) {
        seg = cache_head;
        cache_head = seg->next;
        cache_count--;
    }
    pthread_mutex_unlock(&cache_mu);
    if (!seg) {
        seg = os_map_segment();
        if (!seg)
            return NULL;
        pthread_mutex_lock(&cache_mu);
        mapped_count++;
        pthread_mutex_unlock(&cache_mu);
    }
    /* The header must be addressable for us whatever the segment held. */
    mem_tool_access(seg, MEM_SEG_HEADER, true);
    seg_format(seg, kind);
    atomic_store_explicit(&nmx__seg_map[(uintptr_t)seg >> MEM_SEG_SHIFT], a->tag << 1 | kind,
                          memory_order_relaxed);
    return seg;
}

void nmx__seg_release(mem_segment_t *seg, bool trim_now)
{
    atomic_store_explicit(&nmx__seg_map[(uintptr_t)seg >> MEM_SEG_SHIFT], 0, memory_order_relaxed);
    /* In ASan builds nothing may touch a released segment's pages until an
     * arena formats them again (page_format() opens what it hands out). */
    MEM_ASAN_POISON((uint8_t *)seg + MEM_SEG_HEADER, MEM_SEG_SIZE - MEM_SEG_HEADER);
    pthread_mutex_lock(&cache_mu);
    seg->next = cache_head;
    cache_head = seg;
    cache_count++;
    bool over = cache_count > NMX_MEM_CACHE_KEEP;
    pthread_mutex_unlock(&cache_mu);
    if (trim_now && over)
        nmx__seg_trim(NMX_MEM_CACHE_KEEP);
}

size_t nmx__seg_trim(size_t keep)
{
    mem_segment_t *victims = NULL;
    size_t n = 0;
    pthread_mutex_lock(&cache_mu);
    while (cache_count > keep) {
        mem_segment_t *seg = cache_head;
        cache_head = seg->next;
        cache_count--;
        mapped_count--;
        seg->next = victims;
        victims = seg;
        n++;
    }
    pthread_mutex_unlock(&cache_mu);
    while (victims) {
        mem_segment_t *seg = victims;
        victims = seg->next;
        os_unmap_segment(seg);
    }
    return n;
}

void nmx__seg_counts(uint64_t *mapped, uint64_t *cached)
{
    pthread_mutex_lock(&cache_mu);
    *mapped = mapped_count;
    *cached = cache_count;
    pthread_mutex_unlock(&cache_mu);
}

size_t nmx__mem_trim(size_t keep_segments)
{
    return nmx__seg_trim(keep_segments);
}

/* ---- the OS back end ------------------------------------------------------ */

static void *os_map(const nmx_mem_backend_t *be, size_t len)
{
    (void)be;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void os_unmap(const nmx_mem_backend_t *be, void *p, size_t len)
{
    (void)be;
    munmap(p, len);
}

static void *os_remap(const nmx_mem_backend_t *be, void *p, size_t old_len, size_t new_len)
{
    (void)be;
    void *q = mremap(p, old_len, new_len, MREMAP_MAYMOVE);
    return q == MAP_FAILED ? NULL : q;
}

const nmx_mem_backend_t nmx__mem_os_backend = {
    .admit = NULL,
    .map = os_map,
    .unmap = os_unmap,
    .remap = os_remap,
    .ctx = NULL,
};
