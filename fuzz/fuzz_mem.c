/*
 * fuzz_mem.c - fuzz target for the expert heap: random sequences of
 * ExpertAllocMemory / ExpertReallocMemory / ExpertFreeMemory /
 * ExpertMemorySize calls on two sessions, with good and bad pointers
 * (interior, freed, foreign, wild), quotas, termination and session
 * restarts, checked against a shadow model after every call.  Any
 * disagreement aborts.
 *
 * Input: the first byte picks the options of the sessions (debug mode,
 * quota); then each operation is an opcode byte followed by its operand
 * bytes (missing bytes read as zero).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem/nmx_mem.h"

#define SLOTS 24
#define FREED 16

typedef struct shadow {
    uint8_t *p;    /* NULL = empty slot */
    size_t size;   /* requested size */
    uint8_t fill;  /* every byte of the block holds this value */
} shadow_t;

typedef struct session {
    HEXPERTKEY key;
    shadow_t slot[SLOTS];
    void *freed[FREED]; /* pointers freed lately (may have been reused) */
    unsigned nfreed;
    uint64_t live_bytes, live_blocks;
    uint64_t limit;
    bool debug, terminating;
} session_t;

typedef struct input {
    const uint8_t *p;
    size_t left;
} input_t;

static uint8_t next_u8(input_t *in)
{
    if (in->left == 0)
        return 0;
    in->left--;
    return *in->p++;
}

static uint32_t next_u16(input_t *in)
{
    uint32_t v = next_u8(in);
    return v | (uint32_t)next_u8(in) << 8;
}

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "fuzz_mem: %s:%d: check failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                          \
            abort();                                                                 \
        }                                                                            \
    } while (0)

/* Request sizes: mostly small, some medium, a few large or absurd. */
static size_t pick_size(input_t *in)
{
    uint8_t kind = next_u8(in);
    uint32_t v = next_u16(in);
    switch (kind & 7) {
    case 0:
        return 0;
    case 1:
    case 2:
    case 3:
        return v % 600;
    case 4:
        return v % 9000;
    case 5:
        return 60000 + v % 12000; /* both sides of the large-block limit */
    case 6:
        return (size_t)v * 4; /* up to 256 KiB */
    default:
        return kind & 8 ? SIZE_MAX - v : ((size_t)1 << 47) + v;
    }
}

static bool is_live(const session_t *s, const void *p)
{
    for (int i = 0; i < SLOTS; i++)
        if (s->slot[i].p && s->slot[i].p == p)
            return true;
    return false;
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return false;
    return true;
}

static void check_stats(const session_t *s)
{
    nmx_mem_stats_t st;
    CHECK(nmx__key_stats(s->key, &st) == 0);
    CHECK(st.live_bytes == s->live_bytes);
    CHECK(st.live_blocks == s->live_blocks);
    CHECK(st.redzone_errors == 0);
}

static void open_session(session_t *s, bool debug, uint64_t limit)
{
    memset(s, 0, sizeof *s);
    nmx_arena_opts_t o = {0};
    o.debug = debug;
    o.limit_bytes = limit;
    CHECK(nmx__key_create(&o, &s->key) == 0);
    s->debug = debug;
    s->limit = limit;
}

static void close_session(session_t *s)
{
    nmx_mem_stats_t fin;
    for (int i = 0; i < SLOTS; i++)
        if (s->slot[i].p)
            CHECK(all_bytes(s->slot[i].p, s->slot[i].size, s->slot[i].fill));
    CHECK(nmx__key_destroy(s->key, &fin) == 0);
    CHECK(fin.reclaimed_bytes == s->live_bytes);
    CHECK(fin.reclaimed_blocks == s->live_blocks);
    CHECK(fin.redzone_errors == 0);
    DWORD err = 0;
    CHECK(ExpertAllocMemory(s->key, 1, &err) == NULL && err == NMERR_INVALID_EXPERT_HANDLE);
}

static bool fits(const session_t *s, size_t extra)
{
    return extra <= NMX_MEM_MAX_REQUEST && (s->limit == 0 || s->live_bytes + extra <= s->limit);
}

static void remember_freed(session_t *s, void *p)
{
    s->freed[s->nfreed++ % FREED] = p;
}

/* A pointer that is not a live block of s must be refused with no effect. */
static void check_refused(session_t *s, void *bad)
{
    if (bad == NULL || is_live(s, bad))
        return;
    DWORD err = 0;
    CHECK(ExpertMemorySize(s->key, bad) == (SIZE_T)-1);
    if (s->terminating) {
        CHECK(ExpertReallocMemory(s->key, bad, 8, &err) == NULL &&
              err == NMERR_EXPERT_TERMINATE);
        CHECK(ExpertFreeMemory(s->key, bad) == NMERR_EXPERT_TERMINATE);
    } else {
        CHECK(ExpertReallocMemory(s->key, bad, 8, &err) == NULL &&
              err == NMERR_INVALID_PARAMETER);
        CHECK(ExpertFreeMemory(s->key, bad) == NMERR_INVALID_PARAMETER);
    }
}

static void op_alloc(session_t *s, shadow_t *sl, size_t n, uint8_t fill)
{
    if (sl->p)
        return;
    DWORD err = 0xFFFF;
    uint8_t *p = ExpertAllocMemory(s->key, n, &err);
    if (s->terminating) {
        CHECK(p == NULL && err == NMERR_EXPERT_TERMINATE);
        return;
    }
    if (!fits(s, n)) {
        CHECK(p == NULL && err == NMERR_OUT_OF_MEMORY);
        return;
    }
    CHECK(p != NULL && err == 0);
    CHECK(((uintptr_t)p & 15) == 0);
    CHECK(all_bytes(p, n, 0));
    CHECK(ExpertMemorySize(s->key, p) == n);
    memset(p, fill, n);
    *sl = (shadow_t){p, n, fill};
    s->live_bytes += n;
    s->live_blocks++;
}

static void op_realloc(session_t *s, shadow_t *sl, size_t n)
{
    if (!sl->p)
        return;
    DWORD err = 0xFFFF;
    uint8_t *q = ExpertReallocMemory(s->key, sl->p, n, &err);
    bool ok_size = n <= NMX_MEM_MAX_REQUEST && (n <= sl->size || fits(s, n - sl->size));
    if (s->terminating || !ok_size) {
        CHECK(q == NULL);
        CHECK(err == (s->terminating ? NMERR_EXPERT_TERMINATE : NMERR_OUT_OF_MEMORY));
        CHECK(ExpertMemorySize(s->key, sl->p) == sl->size);
        CHECK(all_bytes(sl->p, sl->size, sl->fill));
        return;
    }
    CHECK(q != NULL && err == 0);
    CHECK(((uintptr_t)q & 15) == 0);
    size_t keep = n < sl->size ? n : sl->size;
    CHECK(all_bytes(q, keep, sl->fill));
    CHECK(all_bytes(q + keep, n - keep, 0));
    CHECK(ExpertMemorySize(s->key, q) == n);
    if (q != sl->p)
        remember_freed(s, sl->p);
    memset(q, sl->fill, n);
    s->live_bytes = s->live_bytes - sl->size + n;
    sl->p = q;
    sl->size = n;
}

static void op_free(session_t *s, shadow_t *sl)
{
    if (!sl->p)
        return;
    CHECK(all_bytes(sl->p, sl->size, sl->fill));
    DWORD rc = ExpertFreeMemory(s->key, sl->p);
    CHECK(rc == (s->terminating ? NMERR_EXPERT_TERMINATE : 0)); /* freed either way */
    CHECK(ExpertMemorySize(s->key, sl->p) == (SIZE_T)-1);
    remember_freed(s, sl->p);
    s->live_bytes -= sl->size;
    s->live_blocks--;
    sl->p = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input_t in = {data, size};
    uint8_t opts = next_u8(&in);
    session_t ses[2];
    open_session(&ses[0], opts & 1, (opts & 2) ? 200000 : 0);
    open_session(&ses[1], opts & 4, (opts & 8) ? 5000 : 0);
    unsigned ops = 0;
    while (in.left > 0 && ops++ < 4000) {
        uint8_t op = next_u8(&in);
        session_t *s = &ses[op & 1];
        session_t *other = &ses[!(op & 1)];
        shadow_t *sl = &s->slot[next_u8(&in) % SLOTS];
        switch ((op >> 1) % 12) {
        case 0:
        case 1:
        case 2:
            op_alloc(s, sl, pick_size(&in), (uint8_t)(op | 1));
            break;
        case 3:
        case 4:
            op_realloc(s, sl, pick_size(&in));
            break;
        case 5:
        case 6:
            op_free(s, sl);
            break;
        case 7: /* interior pointer */
            if (sl->p) {
                size_t span = sl->size > 16 ? sl->size : 16;
                check_refused(s, sl->p + 1 + next_u16(&in) % (span - 1));
            }
            break;
        case 8: /* freed, foreign, wild */
            check_refused(s, s->freed[next_u8(&in) % FREED]);
            check_refused(s, other->slot[next_u8(&in) % SLOTS].p);
            check_refused(s, (void *)(uintptr_t)((uint64_t)next_u16(&in) << 32 |
                                                 (uint64_t)next_u16(&in) << 12 | next_u8(&in)));
            CHECK(ExpertFreeMemory(s->key, NULL) ==
                  (s->terminating ? NMERR_EXPERT_TERMINATE : 0));
            break;
        case 9:
            if (sl->p)
                CHECK(ExpertMemorySize(s->key, sl->p) == sl->size);
            check_stats(s);
            break;
        case 10: /* terminate (rarely) */
            if ((next_u8(&in) & 15) == 0) {
                CHECK(nmx__key_terminate(s->key) == 0);
                s->terminating = true;
            }
            break;
        default: /* end the session and start a new one (rarely) */
            if ((next_u8(&in) & 7) == 0) {
                bool debug = s->debug;
                uint64_t limit = s->limit;
                close_session(s);
                open_session(s, debug, limit);
            }
            break;
        }
    }
    check_stats(&ses[0]);
    check_stats(&ses[1]);
    close_session(&ses[0]);
    close_session(&ses[1]);
    return 0;
}
