/*
 * process_heap.c - the NetMon SDK's generic memory functions (spec 6.6):
 * AllocMemory, ReallocMemory, FreeMemory and MemorySize, plus the SDK's
 * debug printf (NmDebugPrintf, `dprintf` with NETMON_DPRINTF).
 *
 * Unlike the Expert* helpers these use the process heap and are *not*
 * reclaimed when a session ends (experts should prefer the Expert* API).
 * Every live block is kept in a table, so that a foreign, freed or wild
 * pointer is refused (BhGetLastError() = NMERR_INVALID_PARAMETER) instead
 * of corrupting the heap: the same promise the expert heap makes.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netmon.h>

/* Open-addressing set of live blocks: pointer -> requested size. */
typedef struct slot {
    void *p;      /* NULL: empty; TOMB: deleted */
    size_t size;
} slot_t;

#define TOMB ((void *)(uintptr_t)1)

static slot_t *table;
static size_t table_cap, table_used; /* used counts live entries and tombstones */
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t hash_ptr(const void *p)
{
    uintptr_t v = (uintptr_t)p;
    v ^= v >> 33;
    v *= 0xff51afd7ed558ccdull;
    v ^= v >> 33;
    return (size_t)v;
}

/* The slot holding p, or NULL. */
static slot_t *find(const void *p)
{
    if (table == NULL || p == NULL || p == TOMB)
        return NULL;
    for (size_t i = hash_ptr(p) & (table_cap - 1);; i = (i + 1) & (table_cap - 1)) {
        if (table[i].p == p)
            return &table[i];
        if (table[i].p == NULL)
            return NULL;
    }
}

static bool insert(void *p, size_t size)
{
    if ((table_used + 1) * 2 > table_cap) {
        size_t ncap = table_cap > 0 ? table_cap * 2 : 256;
        slot_t *nt = calloc(ncap, sizeof *nt);
        if (nt == NULL)
            return false;
        size_t live = 0;
        for (size_t i = 0; i < table_cap; i++) {
            if (table[i].p == NULL || table[i].p == TOMB)
                continue;
            size_t j = hash_ptr(table[i].p) & (ncap - 1);
            while (nt[j].p != NULL)
                j = (j + 1) & (ncap - 1);
            nt[j] = table[i];
            live++;
        }
        free(table);
        table = nt;
        table_cap = ncap;
        table_used = live;
    }
    size_t i = hash_ptr(p) & (table_cap - 1);
    while (table[i].p != NULL && table[i].p != TOMB)
        i = (i + 1) & (table_cap - 1);
    if (table[i].p == NULL)
        table_used++;
    table[i].p = p;
    table[i].size = size;
    return true;
}

NMAPI LPVOID WINAPI AllocMemory(SIZE_T size)
{
    void *p = calloc(1, size > 0 ? size : 1);
    if (p == NULL) {
        BhSetLastError(NMERR_OUT_OF_MEMORY);
        return NULL;
    }
    pthread_mutex_lock(&table_lock);
    bool ok = insert(p, size);
    pthread_mutex_unlock(&table_lock);
    if (!ok) {
        free(p);
        BhSetLastError(NMERR_OUT_OF_MEMORY);
        return NULL;
    }
    return p;
}

NMAPI LPVOID WINAPI ReallocMemory(LPVOID ptr, SIZE_T NewSize)
{
    if (ptr == NULL)
        return AllocMemory(NewSize);
    pthread_mutex_lock(&table_lock);
    slot_t *s = find(ptr);
    if (s == NULL) {
        pthread_mutex_unlock(&table_lock);
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return NULL;
    }
    size_t old = s->size;
    void *q = realloc(ptr, NewSize > 0 ? NewSize : 1);
    if (q == NULL) {
        pthread_mutex_unlock(&table_lock);
        BhSetLastError(NMERR_OUT_OF_MEMORY);
        return NULL; /* the original block stays valid */
    }
    if (NewSize > old)
        memset((uint8_t *)q + old, 0, NewSize - old);
    s->p = TOMB;
    bool ok = insert(q, NewSize);
    pthread_mutex_unlock(&table_lock);
    if (!ok) {
        /* Only a failure to grow the table: the block is valid but
         * untracked; give it back rather than leak it. */
        free(q);
        BhSetLastError(NMERR_OUT_OF_MEMORY);
        return NULL;
    }
    return q;
}

NMAPI VOID WINAPI FreeMemory(LPVOID ptr)
{
    if (ptr == NULL)
        return;
    pthread_mutex_lock(&table_lock);
    slot_t *s = find(ptr);
    if (s != NULL)
        s->p = TOMB;
    pthread_mutex_unlock(&table_lock);
    if (s == NULL) {
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return;
    }
    free(ptr);
}

NMAPI SIZE_T WINAPI MemorySize(LPVOID ptr)
{
    pthread_mutex_lock(&table_lock);
    slot_t *s = find(ptr);
    SIZE_T size = s != NULL ? s->size : (SIZE_T)-1;
    pthread_mutex_unlock(&table_lock);
    if (s == NULL)
        BhSetLastError(NMERR_INVALID_PARAMETER);
    return size;
}

NMAPI VOID WINAPIV NmDebugPrintf(LPCSTR format, ...)
{
    if (format == NULL)
        return;
    va_list ap;
    va_start(ap, format);
    fputs("[expert] ", stderr);
    vfprintf(stderr, format, ap);
    va_end(ap);
}
