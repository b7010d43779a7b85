/*
 * nmx_mem.h - the expert heap: one allocation arena per session key.
 *
 * This is the interface the runtime uses to give every expert session (one
 * Configure or one Run, spec 1.4) its own heap.  The session key handed to
 * the expert *is* the arena handle: HEXPERTKEY encodes a slot index and a
 * generation number, and every call validates it through a global slot table
 * without ever dereferencing the key value.  A destroyed key stays invalid
 * for good (its slot is reused with a new generation), so a stale key gives
 * NMERR_INVALID_EXPERT_HANDLE (130) instead of reaching another session.
 *
 * The experts themselves use the four NetMon helpers declared in netmon.h
 * (ExpertAllocMemory, ExpertReallocMemory, ExpertFreeMemory,
 * ExpertMemorySize), which this layer implements with the semantics of spec
 * 2.0-2.4 and 1.6-1.7.  docs/memory.md explains the design.
 *
 * Everything here is thread-safe: any thread may call any function for any
 * key.  Functions that return `unsigned` return 0 or an NMERR code.
 */
#ifndef NMX_MEM_H
#define NMX_MEM_H

#include <netmon.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Visibility of this interface: hidden inside libnmapi.so (the runtime
 * uses it, experts do not); bench/mem builds the heap as a library of its
 * own and defines this to export it. */
#ifndef NMX_MEM_API
#define NMX_MEM_API
#endif

/* Largest single request the heap even tries to satisfy (64 TiB); larger
 * requests fail at once with NMERR_OUT_OF_MEMORY, without any arithmetic
 * that could overflow. */
#define NMX_MEM_MAX_REQUEST ((size_t)1 << 46)

/* Requests above this many bytes get a mapping of their own ("large
 * blocks"), which grows in place or moves with mremap, never by copying. */
#define NMX_MEM_SMALL_MAX ((size_t)65536)

/* Sessions that can be live at the same time; nmx__key_create() fails with
 * NMERR_OUT_OF_MEMORY beyond that. */
#define NMX_MEM_MAX_SESSIONS 32767

/* Bytes of red zone guaranteed after every block in debug mode. */
#define NMX_MEM_REDZONE 16

/*
 * Statistics of one session, all in *requested* bytes (what the expert asked
 * for, not what the heap rounded it to).  The heap updates them as it goes,
 * under the arena's lock; they may live in memory the caller provides (see
 * nmx_arena_opts_t.stats), e.g. shared memory the host reads after an
 * out-of-process expert died.
 */
typedef struct nmx_mem_stats {
    uint64_t allocations;      /* successful ExpertAllocMemory calls */
    uint64_t reallocs;         /* successful ExpertReallocMemory calls */
    uint64_t frees;            /* blocks freed by ExpertFreeMemory (also while terminating) */
    uint64_t failed;           /* Alloc/Realloc requests refused for memory or quota (19) */
    uint64_t invalid;          /* calls rejected for a bad pointer: double, foreign, wild (76) */
    uint64_t live_bytes;       /* requested bytes of the blocks currently allocated */
    uint64_t peak_bytes;       /* high-water mark of live_bytes */
    uint64_t live_blocks;      /* blocks currently allocated */
    uint64_t reclaimed_bytes;  /* set by nmx__key_destroy: live_bytes it freed */
    uint64_t reclaimed_blocks; /* set by nmx__key_destroy: live_blocks it freed */
    uint64_t limit_bytes;      /* the session's quota on live_bytes, 0 = unlimited */
    uint64_t redzone_errors;   /* debug mode: blocks found with an overwritten red zone */
} nmx_mem_stats_t;

/*
 * A memory back end: where large blocks come from, and whether a request may
 * be served at all.  Small blocks live in 4 MiB segments that the heap
 * shares between arenas and always takes from the operating system, so the
 * back end sees them only through `admit`.  Any function pointer may be
 * NULL, meaning "as the OS back end does".  Calls are made with the arena's
 * lock held, so a back end used by a single arena needs no locking.
 */
typedef struct nmx_mem_backend {
    /* Called once for every Alloc and every growing Realloc that passed the
     * quota check, before anything is allocated.  false = refuse the
     * request with NMERR_OUT_OF_MEMORY. */
    bool (*admit)(const struct nmx_mem_backend *be, size_t nbytes);
    /* Returns `len` (a multiple of the page size) bytes of zeroed, page-
     * aligned read/write memory, or NULL. */
    void *(*map)(const struct nmx_mem_backend *be, size_t len);
    /* Releases a mapping obtained from map or remap. */
    void (*unmap)(const struct nmx_mem_backend *be, void *p, size_t len);
    /* Resizes a mapping, possibly moving it (without copying, like
     * mremap(MREMAP_MAYMOVE)); new pages read as zero.  NULL on failure, and
     * the original mapping is then unchanged. */
    void *(*remap)(const struct nmx_mem_backend *be, void *p, size_t old_len, size_t new_len);
    void *ctx; /* the back end's own state */
} nmx_mem_backend_t;

/* The default back end: mmap, munmap and mremap, admitting everything. */
extern NMX_MEM_API const nmx_mem_backend_t nmx__mem_os_backend;

/*
 * Fault injection (for tests), after SQLite's test_malloc.c: a back end that
 * wraps another one and refuses the `fail_at`-th admitted request (1-based;
 * counting Alloc and growing Realloc requests), and every later one too
 * when `persist` is set.  Initialise with nmx__mem_fault_init() and pass
 * &fault.backend in nmx_arena_opts_t.  It may be shared by several arenas.
 */
typedef struct nmx_mem_fault {
    nmx_mem_backend_t backend;     /* what to pass as opts.backend */
    const nmx_mem_backend_t *base; /* the back end that does the work */
    uint64_t fail_at;              /* request number to refuse; 0 = none */
    bool persist;                  /* keep refusing after the first refusal */
    uint64_t requests;             /* requests seen so far (atomic) */
    uint64_t failures;             /* requests refused so far (atomic) */
} nmx_mem_fault_t;

/* Sets up `f` over `base` (NULL = the OS back end). */
NMX_MEM_API void nmx__mem_fault_init(nmx_mem_fault_t *f, const nmx_mem_backend_t *base, uint64_t fail_at,
                        bool persist);

/* Receives the heap's diagnostics (red-zone reports), one line without a
 * trailing newline.  Called with the arena's lock held: it must not call
 * back into the heap for the same key. */
typedef void (*nmx_mem_report_fn)(void *ctx, HEXPERTKEY key, const char *msg);

/* Options of a new session arena; zero-initialise and set what you need. */
typedef struct nmx_arena_opts {
    uint64_t limit_bytes;             /* quota on live requested bytes; 0 = none */
    bool debug;                       /* red zones after blocks, fill patterns */
    nmx_mem_stats_t *stats;           /* where to keep the statistics; NULL = in the arena.
                                         The caller's memory must outlive the key. */
    const nmx_mem_backend_t *backend; /* NULL = nmx__mem_os_backend */
    void *user;                       /* returned by nmx__key_user() */
    nmx_mem_report_fn report;         /* NULL = write to stderr */
    void *report_ctx;                 /* first argument of `report` */
} nmx_arena_opts_t;

/*
 * Creates a session arena and returns its key in *out.  `opts` may be NULL
 * (no quota, no debug, statistics inside the arena, OS back end).  Returns
 * 0, NMERR_INVALID_PARAMETER (out is NULL) or NMERR_OUT_OF_MEMORY
 * (NMX_MEM_MAX_SESSIONS sessions are live, or no memory left).  The statistics are reset to zero except limit_bytes.
 */
NMX_MEM_API unsigned nmx__key_create(const nmx_arena_opts_t *opts, HEXPERTKEY *out);

/*
 * Ends a session: invalidates the key, then releases every block still
 * allocated at once (segments go back to a shared cache, large blocks are
 * unmapped; no walk over the blocks, except in debug mode, which checks
 * each red zone).  Records reclaimed_bytes/blocks = what was live, sets the
 * live figures to 0, and copies the final statistics to *final when `final`
 * is not NULL.  Returns 0 or NMERR_INVALID_EXPERT_HANDLE.  Helper calls that
 * race with the destroy from other threads either complete before it or get
 * 130; they never touch released memory.
 */
NMX_MEM_API unsigned nmx__key_destroy(HEXPERTKEY key, nmx_mem_stats_t *final);

/* The `user` pointer given at creation, or NULL for an invalid key. */
NMX_MEM_API void *nmx__key_user(HEXPERTKEY key);

/* true when `key` is a live session key. */
NMX_MEM_API bool nmx__key_valid(HEXPERTKEY key);

/*
 * Requests termination (spec 1.6).  The request is sticky: from now on
 * ExpertAllocMemory and ExpertReallocMemory fail with NMERR_EXPERT_TERMINATE
 * without allocating, and ExpertFreeMemory frees, then returns 125.
 * Returns 0 or NMERR_INVALID_EXPERT_HANDLE.
 */
NMX_MEM_API unsigned nmx__key_terminate(HEXPERTKEY key);

/* true once termination was requested for a live key; false otherwise. */
NMX_MEM_API bool nmx__key_terminating(HEXPERTKEY key);

/* Copies the session's current statistics.  0 or NMERR_INVALID_EXPERT_HANDLE. */
NMX_MEM_API unsigned nmx__key_stats(HEXPERTKEY key, nmx_mem_stats_t *out);

/* Changes the session's quota (0 = unlimited); blocks already allocated stay
 * even when they exceed the new limit.  0 or NMERR_INVALID_EXPERT_HANDLE. */
NMX_MEM_API unsigned nmx__key_set_limit(HEXPERTKEY key, uint64_t limit_bytes);

/*
 * Debug mode: checks the red zone of every live block now, reporting each
 * overwritten one (and counting it in redzone_errors).  Returns the number
 * of bad blocks found, 0 when the arena is not in debug mode, or
 * (size_t)-1 for an invalid key.
 */
NMX_MEM_API size_t nmx__key_check(HEXPERTKEY key);

/* Process-wide figures, for tests and diagnostics. */
typedef struct nmx_mem_global {
    uint64_t sessions;        /* live keys */
    uint64_t segments_mapped; /* 4 MiB segments currently mapped */
    uint64_t segments_cached; /* of which unowned, waiting in the shared cache */
    uint64_t large_mapped;    /* bytes mapped for large blocks (all arenas) */
} nmx_mem_global_t;

NMX_MEM_API void nmx__mem_global_stats(nmx_mem_global_t *out);

/*
 * Sets the heap up now rather than on the first nmx__key_create: it reserves
 * address space for its segment map and session slots, which a process
 * about to limit its data segment (RLIMIT_DATA) must do first.  False when
 * the reservations failed.
 */
NMX_MEM_API bool nmx__mem_init(void);

/*
 * Returns cached segments to the operating system until at most
 * `keep_segments` remain.  Destroying a session only moves its segments to
 * the cache (so that it is O(segments) and needs no system call); the cache
 * is also trimmed to its default size (NMX_MEM_CACHE_KEEP) when the next
 * session is created.  Returns the number of segments released.
 */
#define NMX_MEM_CACHE_KEEP 16
NMX_MEM_API size_t nmx__mem_trim(size_t keep_segments);

#endif /* NMX_MEM_H */
