/*
 * error.c - NMERR names and texts, and the error-detail record (error.h).
 */
#include "common/error.h"

#include <stdio.h>
#include <string.h>

#include <netmon.h>

#include "common/nmerr_list.h"

void nmx__error_clear(nmx_error_t *err)
{
    if (err == NULL)
        return;
    err->code = 0;
    err->offset = NMX_OFFSET_UNKNOWN;
    err->msg[0] = '\0';
}

unsigned nmx__error_vset(nmx_error_t *err, unsigned code, const char *path, uint64_t offset,
                         const char *fmt, va_list ap)
{
    if (err == NULL)
        return code;
    err->code = code;
    err->offset = offset;
    size_t n = 0;
    int k;
    if (path != NULL) {
        k = snprintf(err->msg, sizeof err->msg, "%s: ", path);
        n = k < 0 ? 0 : ((size_t)k >= sizeof err->msg ? sizeof err->msg - 1 : (size_t)k);
    }
    if (offset != NMX_OFFSET_UNKNOWN && n < sizeof err->msg) {
        k = snprintf(err->msg + n, sizeof err->msg - n, "offset %llu: ", (unsigned long long)offset);
        n += k < 0 ? 0 : ((size_t)k >= sizeof err->msg - n ? sizeof err->msg - n - 1 : (size_t)k);
    }
    if (n < sizeof err->msg)
        vsnprintf(err->msg + n, sizeof err->msg - n, fmt, ap);
    return code;
}

unsigned nmx__error_set(nmx_error_t *err, unsigned code, const char *path, uint64_t offset,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    nmx__error_vset(err, code, path, offset, fmt, ap);
    va_end(ap);
    return code;
}

typedef struct nmerr_entry {
    unsigned code;
    const char *name;
    const char *text;
} nmerr_entry_t;

#define NMX_NMERR_ENTRY(code, name, text) {code, #name, text},
static const nmerr_entry_t nmerr_table[] = {NMX_NMERR_LIST(NMX_NMERR_ENTRY)};
#undef NMX_NMERR_ENTRY

/* Every name in the list must be the code netmon.h gives it. */
#define NMX_NMERR_CHECK(code, name, text) _Static_assert((code) == (name), #name);
NMX_NMERR_LIST(NMX_NMERR_CHECK)
#undef NMX_NMERR_CHECK

static const nmerr_entry_t *nmerr_find(unsigned code)
{
    size_t lo = 0, hi = sizeof nmerr_table / sizeof nmerr_table[0];
    while (lo < hi) { /* the table is sorted by code */
        size_t mid = lo + (hi - lo) / 2;
        if (nmerr_table[mid].code == code)
            return &nmerr_table[mid];
        if (nmerr_table[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *nmx__nmerr_name(unsigned code)
{
    static _Thread_local char buf[32];
    const nmerr_entry_t *e = nmerr_find(code);
    if (e != NULL)
        return e->name;
    snprintf(buf, sizeof buf, "NMERR_%u", code);
    return buf;
}

const char *nmx__nmerr_text(unsigned code)
{
    const nmerr_entry_t *e = nmerr_find(code);
    return e != NULL ? e->text : "unknown error code";
}
