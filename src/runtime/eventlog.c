/*
 * eventlog.c - deep copy of expert events into a shared append-only log,
 * and the host's defensive parser of that log (eventlog.h).
 *
 * Record layout (native byte order; every record starts 8-aligned):
 *
 *   u32 magic 'NMXE' | u32 length of the whole record (multiple of 8)
 *   u32 EventIdent | u32 Flags | u32 Severity | u16 SysTime[8] | u32 ncolumns
 *   5 strings: source, event name, description, machine, justification
 *   ncolumns x { string name | u32 type | 16 value bytes | string if STRING }
 *
 * A string is u32 length (0xFFFFFFFF for NULL) followed by its bytes.
 */
#include "runtime/eventlog.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cursor.h"
#include "common/strutil.h"

#define REC_MAGIC 0x45584D4Eu /* "NMXE" */
#define STR_NULL 0xFFFFFFFFu
#define NHEADER_STRINGS 5

/* Length of an expert string, or SIZE_MAX when it is longer than the cap. */
static size_t bounded_len(const char *s)
{
    if (s == NULL)
        return 0;
    size_t n = nmx__strnlen(s, NMX_EVENT_STRING_MAX + 1);
    return n > NMX_EVENT_STRING_MAX ? SIZE_MAX : n;
}

/* Converts a column variant into the 16 value bytes of nmx_column_t. */
static void column_value(const NMCOLUMNVARIANT *var, nmx_column_t *out)
{
    memset(&out->v, 0, sizeof out->v);
    switch (var->Type) {
    case NMCOLUMNTYPE_UINT8: out->v.u = var->Value.Uint8Val; break;
    case NMCOLUMNTYPE_SINT8: out->v.i = (signed char)var->Value.Sint8Val; break;
    case NMCOLUMNTYPE_UINT16: out->v.u = var->Value.Uint16Val; break;
    case NMCOLUMNTYPE_SINT16: out->v.i = var->Value.Sint16Val; break;
    case NMCOLUMNTYPE_UINT32: out->v.u = var->Value.Uint32Val; break;
    case NMCOLUMNTYPE_SINT32: out->v.i = var->Value.Sint32Val; break;
    case NMCOLUMNTYPE_FLOAT64: out->v.f = var->Value.Float64Val; break;
    case NMCOLUMNTYPE_FRAME: out->v.u = var->Value.FrameVal; break;
    case NMCOLUMNTYPE_YESNO: out->v.b = var->Value.YesNoVal != 0; break;
    case NMCOLUMNTYPE_ONOFF: out->v.b = var->Value.OnOffVal != 0; break;
    case NMCOLUMNTYPE_TRUEFALSE: out->v.b = var->Value.TrueFalseVal != 0; break;
    case NMCOLUMNTYPE_MACADDR: memcpy(out->v.bytes, var->Value.MACAddrVal, 6); break;
    case NMCOLUMNTYPE_IPXADDR: memcpy(out->v.bytes, &var->Value.IPXAddrVal, 10); break;
    case NMCOLUMNTYPE_IPADDR: memcpy(out->v.bytes, &var->Value.IPAddrVal, 4); break;
    case NMCOLUMNTYPE_VARTIME: out->v.f = var->Value.VarTimeVal; break;
    case NMX_COLUMNTYPE_UINT64: out->v.u = var->Value.Uint64Val; break;
    default: break; /* STRING: the text follows separately */
    }
}

typedef struct writer {
    uint8_t *p;
} writer_t;

static void put_u32(writer_t *w, uint32_t v)
{
    memcpy(w->p, &v, 4);
    w->p += 4;
}

static void put_str(writer_t *w, const char *s, size_t len)
{
    if (s == NULL) {
        put_u32(w, STR_NULL);
        return;
    }
    put_u32(w, (uint32_t)len);
    memcpy(w->p, s, len);
    w->p += len;
}

int nmx__eventlog_file(uint64_t data_off)
{
    int fd = memfd_create("nmexpert-events", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -1;
    /* Sealed before anyone else holds it: the file can grow, never shrink,
     * so the host's mapping of its first page cannot fault. */
    if (ftruncate(fd, (off_t)data_off) != 0 ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Makes room for `need` bytes of records; false when over the limit. */
static bool log_reserve(nmx_eventlog_t *log, uint64_t need)
{
    if (need > log->limit)
        return false;
    if (need <= log->mapped)
        return true;
    uint64_t want = log->mapped > 0 ? log->mapped * 2 : 1u << 20;
    if (want < need)
        want = need;
    if (want > log->limit)
        want = log->limit;
    struct stat st;
    if (fstat(log->fd, &st) != 0)
        return false;
    if ((uint64_t)st.st_size < log->data_off + want &&
        ftruncate(log->fd, (off_t)(log->data_off + want)) != 0)
        return false;
    void *m = log->map == NULL
                  ? mmap(NULL, (size_t)want, PROT_READ | PROT_WRITE, MAP_SHARED, log->fd,
                         (off_t)log->data_off)
                  : mremap(log->map, (size_t)log->mapped, (size_t)want, MREMAP_MAYMOVE);
    if (m == MAP_FAILED)
        return false;
    log->map = m;
    log->mapped = want;
    return true;
}

void nmx__eventlog_unmap(nmx_eventlog_t *log)
{
    if (log->map != NULL)
        munmap(log->map, (size_t)log->mapped);
    log->map = NULL;
    log->mapped = 0;
}

DWORD nmx__eventlog_append(nmx_eventlog_t *log, const NMEVENTDATA *ev)
{
    if (ev == NULL)
        return NMERR_INVALID_PARAMETER;
    if (ev->Version != 0)
        return NMERR_BAD_VERSION;

    const char *hs[NHEADER_STRINGS] = {ev->szSourceName, ev->szEventName, ev->szDescription,
                                       ev->szMachine, ev->Justification};
    size_t hl[NHEADER_STRINGS];
    size_t total = 4 * 5 + 16 + 4; /* magic, length, ident, flags, severity, systime, ncols */
    for (int i = 0; i < NHEADER_STRINGS; i++) {
        hl[i] = bounded_len(hs[i]);
        if (hl[i] == SIZE_MAX)
            return NMERR_INVALID_PARAMETER;
        total += 4 + hl[i];
    }
    unsigned ncols = ev->NumColumns;
    for (unsigned c = 0; c < ncols; c++) {
        const NMCOLUMNINFO *col = &ev->Column[c];
        if ((unsigned)col->VariantData.Type > NMX_COLUMNTYPE_UINT64)
            return NMERR_INVALID_PARAMETER;
        size_t nl = bounded_len(col->szColumnName);
        if (nl == SIZE_MAX)
            return NMERR_INVALID_PARAMETER;
        total += 4 + nl + 4 + 16;
        if (col->VariantData.Type == NMCOLUMNTYPE_STRING) {
            size_t sl = bounded_len(col->VariantData.Value.pStringVal);
            if (sl == SIZE_MAX)
                return NMERR_INVALID_PARAMETER;
            total += 4 + sl;
        }
    }
    total = (total + 7) & ~(size_t)7;
    if (total > NMX_EVENT_RECORD_MAX)
        return NMERR_INVALID_PARAMETER;

    uint64_t at = atomic_load_explicit(&log->ctr->committed, memory_order_relaxed);
    if (at > log->limit || log->limit - at < total) {
        atomic_fetch_add_explicit(&log->ctr->over_limit, 1, memory_order_relaxed);
        return NMERR_OUT_OF_MEMORY;
    }
    if (!log_reserve(log, at + total))
        return NMERR_OUT_OF_MEMORY;

    writer_t w = {log->map + at};
    put_u32(&w, REC_MAGIC);
    put_u32(&w, (uint32_t)total);
    put_u32(&w, ev->EventIdent);
    put_u32(&w, ev->Flags);
    put_u32(&w, ev->Severity);
    memcpy(w.p, &ev->SysTime, 16);
    w.p += 16;
    put_u32(&w, ncols);
    for (int i = 0; i < NHEADER_STRINGS; i++)
        put_str(&w, hs[i], hl[i]);
    for (unsigned c = 0; c < ncols; c++) {
        const NMCOLUMNINFO *col = &ev->Column[c];
        const char *name = col->szColumnName;
        put_str(&w, name, name != NULL ? strlen(name) : 0);
        put_u32(&w, (uint32_t)col->VariantData.Type);
        nmx_column_t tmp;
        column_value(&col->VariantData, &tmp);
        memcpy(w.p, &tmp.v, 16);
        w.p += 16;
        if (col->VariantData.Type == NMCOLUMNTYPE_STRING) {
            const char *s = col->VariantData.Value.pStringVal;
            put_str(&w, s, s != NULL ? strlen(s) : 0);
        }
    }
    memset(w.p, 0, (size_t)(log->map + at + total - w.p)); /* padding */
    atomic_store_explicit(&log->ctr->committed, at + total, memory_order_release);
    atomic_fetch_add_explicit(&log->ctr->count, 1, memory_order_relaxed);
    return NMERR_SUCCESS;
}

/* ---- host side --------------------------------------------------------- */

/* Where parsed strings go; `end` bounds it even if the log changed between
 * the two passes. */
typedef struct arena {
    char *p, *end;
} arena_t;

/* Reads a string into the arena; NULL strings become "" unless keep_null. */
static bool get_str(nmx_cursor_t *c, arena_t *a, const char **out, bool keep_null)
{
    uint32_t len;
    if (!nmx__cur_u32le(c, &len)) /* native order == LE on every platform we build for */
        return false;
    if (len == STR_NULL) {
        *out = keep_null ? NULL : "";
        return true;
    }
    const uint8_t *b;
    if (len > NMX_EVENT_STRING_MAX || (size_t)(a->end - a->p) < (size_t)len + 1 ||
        !nmx__cur_bytes(c, len, &b))
        return false;
    memcpy(a->p, b, len);
    a->p[len] = '\0';
    *out = a->p;
    a->p += len + 1;
    return true;
}

/* Parses one record (after its magic and length) into *e, its columns from
 * *colv (at most `room`).  False when the record does not check out. */
static bool parse_record(nmx_cursor_t *r, nmx_event_t *e, nmx_column_t *colv, size_t room,
                         arena_t *a)
{
    memset(e, 0, sizeof *e);
    uint32_t nc;
    if (!nmx__cur_u32le(r, &e->ident) || !nmx__cur_u32le(r, &e->flags) ||
        !nmx__cur_u32le(r, &e->severity) || !nmx__cur_copy(r, e->systime, 16) ||
        !nmx__cur_u32le(r, &nc) || nc > room)
        return false;
    bool ok = get_str(r, a, &e->source, false) && get_str(r, a, &e->name, false) &&
              get_str(r, a, &e->description, false) && get_str(r, a, &e->machine, false) &&
              get_str(r, a, &e->justification, true);
    e->columns = colv;
    for (uint32_t k = 0; ok && k < nc; k++) {
        nmx_column_t *col = &colv[k];
        memset(col, 0, sizeof *col);
        ok = get_str(r, a, &col->name, false) && nmx__cur_u32le(r, &col->type) &&
             col->type <= NMX_COLUMNTYPE_UINT64 && nmx__cur_copy(r, &col->v, 16);
        col->s = "";
        if (ok && col->type == NMCOLUMNTYPE_STRING)
            ok = get_str(r, a, &col->s, false);
        if (ok)
            e->ncolumns++;
    }
    return ok;
}

int nmx__eventlog_parse(const uint8_t *data, size_t committed, nmx_event_t **events, size_t *n,
                        void **storage)
{
    *events = NULL;
    *n = 0;
    *storage = NULL;

    /* First pass: count records and the room their strings and columns need.
     * Each record's storage is bounded by its own length, so record length
     * plus per-column overhead bounds the total. */
    size_t nrec = 0, cols = 0;
    size_t off = 0;
    while (committed - off >= 8) {
        uint32_t magic, len, nc;
        memcpy(&magic, data + off, 4);
        memcpy(&len, data + off + 4, 4);
        if (magic != REC_MAGIC || len < 44 || len % 8 != 0 || len > committed - off)
            break;
        memcpy(&nc, data + off + 36, 4); /* after magic, length, ident, flags, severity, systime */
        if (nc > 255)
            break;
        nrec++;
        cols += nc;
        off += len;
    }
    size_t valid = off;
    if (nrec == 0)
        return 0;

    size_t text_room = valid + nrec * 5 + cols * 2;
    size_t bytes = nrec * sizeof(nmx_event_t) + cols * sizeof(nmx_column_t) + text_room;
    uint8_t *mem = malloc(bytes);
    if (mem == NULL)
        return -1;
    nmx_event_t *ev = (nmx_event_t *)mem;
    nmx_column_t *colv = (nmx_column_t *)(mem + nrec * sizeof(nmx_event_t));
    arena_t text = {(char *)(colv + cols), (char *)mem + bytes};

    /* Second pass: every bound comes from the first pass and from this
     * allocation, never from the bytes again. */
    size_t got = 0, cols_used = 0;
    nmx_cursor_t c = nmx__cursor(data, valid);
    while (got < nrec && c.left >= 8) {
        uint32_t magic, len;
        nmx_cursor_t r;
        if (!nmx__cur_u32le(&c, &magic) || !nmx__cur_u32le(&c, &len) || magic != REC_MAGIC ||
            len < 8 || !nmx__cur_sub(&c, len - 8, &r))
            break;
        if (!parse_record(&r, &ev[got], colv + cols_used, cols - cols_used, &text))
            break;
        cols_used += ev[got].ncolumns;
        got++;
    }
    if (got == 0) {
        free(mem);
        return 0;
    }
    *events = ev;
    *n = got;
    *storage = mem;
    return 0;
}

int nmx__eventlog_read(int fd, uint64_t data_off, uint64_t committed, uint64_t limit,
                       nmx_event_t **events, size_t *n, void **storage)
{
    *events = NULL;
    *n = 0;
    *storage = NULL;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || (uint64_t)st.st_size <= data_off)
        return 0;
    /* The expert's claim, within what the host allows and what exists. */
    uint64_t len = committed;
    if (len > limit)
        len = limit;
    if (len > (uint64_t)st.st_size - data_off)
        len = (uint64_t)st.st_size - data_off;
    if (len < 8 || len > SIZE_MAX)
        return 0;
    void *m = mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED, fd, (off_t)data_off);
    if (m == MAP_FAILED)
        return -1;
    int rc = nmx__eventlog_parse(m, (size_t)len, events, n, storage);
    munmap(m, (size_t)len);
    return rc;
}
