/*
 * filter.c - NetMon display filters (spec 4.9, 6.1): the handle table, the
 * exported frame-less filter functions, the deep copy of FILTEROBJECTs, and
 * the postfix evaluator over a dissected frame.
 *
 * Evaluation rules (spec 4.9 [PROPOSED], docs/filters.md):
 *  - operands push values: PROPERTY a property reference, VALUE / LARGEINT /
 *    BOOL a number, STRING / ARRAY bytes, ADDR_* an address, OID, TIME;
 *  - PROTOCOLEXIST / PROTOCOLSEXIST push the presence of protocols;
 *  - PROPERTYEXIST pops a property: present in the frame;
 *  - comparisons pop two operands, one of them usually a property: true when
 *    any instance of the property compares true (NC variants ignore case);
 *  - AND, OR, XOR, NOT combine truth values; a property in a truth context
 *    means its presence, a number means non-zero;
 *  - FROM, TO, ADDRESSANY pop an address and test the frame's source,
 *    destination or either; FROMTO pops two and tests both directions;
 *  - a program has at most NMX_FILTER_MAX_OBJECTS objects; it is run with
 *    an explicit value stack, never by recursion, so any nesting is safe;
 *  - the program must leave exactly one value; anything else, an operator
 *    lacking operands, operands of the wrong kind and unsupported actions
 *    (DEREFPROPERTY, EXPRESSION, NOEVAL, INVALID) make the expression
 *    malformed: FILTER_FAIL_WITH_ERROR and NMERR_FILTER_INVALID_EXPRESSION;
 *  - the text compiler's own objects (filter_int.h): a property operand may
 *    carry a slice, a function (len, lower, upper) and a mask applied to
 *    each instance before it is compared (xval_of); NMX_FA_PROTOCOL is a
 *    protocol's bytes; NMX_FA_RANGE an inclusive range compared with EQUAL;
 *    NMX_FA_MATCHES matches an NMX_FA_REGEX (PCRE2) operand; times compare
 *    as signed nanoseconds.  FilterAddObject never makes these.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cursor.h"
#include "filter/filter_int.h"

/* What evaluation returns for a program that makes no sense. */
#define MALFORMED (-2)

/* ===================================================================== */
/* Handle table                                                           */
/* ===================================================================== */

typedef struct slot {
    nmx_filter_t *f; /* NULL when free */
    uint32_t gen;    /* bumped at every release */
} slot_t;

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static slot_t *slots;
static uint32_t nslots;
static HFILTER current_filter;

#define NMX_HFILTER_TAG ((uint64_t)0x4E46u << 48) /* "NF" */
#define NMX_HFILTER_MAX_SLOTS (1u << 24)

static HFILTER encode(uint32_t slot, uint32_t gen)
{
    uint64_t v = NMX_HFILTER_TAG | (uint64_t)(gen & 0xFFFFFF) << 24 | (uint64_t)(slot + 1);
    return (HFILTER)(uintptr_t)v;
}

/* Slot of a handle, or UINT32_MAX; caller holds table_lock. */
static uint32_t decode_locked(HFILTER h)
{
    uint64_t v = (uint64_t)(uintptr_t)h;
    if ((v & 0xFFFF000000000000ull) != NMX_HFILTER_TAG)
        return UINT32_MAX;
    uint64_t s = v & 0xFFFFFF;
    uint32_t gen = (uint32_t)(v >> 24) & 0xFFFFFF;
    if (s == 0 || s > nslots)
        return UINT32_MAX;
    uint32_t slot = (uint32_t)s - 1;
    if (!slots[slot].f || (slots[slot].gen & 0xFFFFFF) != gen)
        return UINT32_MAX;
    return slot;
}

static bool register_filter(nmx_filter_t *f)
{
    bool ok = false;
    pthread_mutex_lock(&table_lock);
    uint32_t i;
    for (i = 0; i < nslots; i++)
        if (!slots[i].f)
            break;
    if (i == nslots) {
        uint32_t ncap = nslots ? nslots * 2 : 16;
        if (ncap > NMX_HFILTER_MAX_SLOTS)
            goto out_unlock;
        slot_t *ns = realloc(slots, ncap * sizeof(*ns));
        if (!ns)
            goto out_unlock;
        memset(ns + nslots, 0, (ncap - nslots) * sizeof(*ns));
        slots = ns;
        nslots = ncap;
    }
    slots[i].f = f;
    f->slot = i;
    f->gen = slots[i].gen;
    ok = true;
out_unlock:
    pthread_mutex_unlock(&table_lock);
    return ok;
}

const nmx_filter_t *nmx__filter_from_handle(HFILTER h)
{
    const nmx_filter_t *f = NULL;
    pthread_mutex_lock(&table_lock);
    uint32_t s = decode_locked(h);
    if (s != UINT32_MAX)
        f = slots[s].f;
    pthread_mutex_unlock(&table_lock);
    return f;
}

HFILTER nmx__filter_handle(const nmx_filter_t *f)
{
    return f ? encode(f->slot, f->gen) : NULL;
}

/* The writable filter behind a handle (exported functions). */
static nmx_filter_t *lookup(HFILTER h)
{
    return (nmx_filter_t *)(uintptr_t)nmx__filter_from_handle(h);
}

/* ===================================================================== */
/* Objects                                                                */
/* ===================================================================== */

void *nmx__regex_compile(const char *pattern, size_t len, char *err, size_t errlen, size_t *erroff)
{
    int code;
    PCRE2_SIZE off = 0;
    /* Case-insensitive, as Wireshark's "matches": "(?-i)" in the pattern makes it case-sensitive. */
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, len, PCRE2_CASELESS, &code, &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(code, msg, sizeof msg) < 0)
            snprintf((char *)msg, sizeof msg, "error %d", code);
        if (err && errlen)
            snprintf(err, errlen, "%s", (const char *)msg);
        if (erroff)
            *erroff = off;
    }
    return re;
}

void nmx__regex_free(void *re)
{
    pcre2_code_free((pcre2_code *)re);
}

/* Most backtracking steps of one match (a bad pattern cannot hang a run). */
#define NMX_REGEX_MATCH_LIMIT 1000000u

/* 1 when the regex matches somewhere in s[0..n), else 0. */
static int regex_match(const void *re, const uint8_t *s, size_t n)
{
    if (!re)
        return MALFORMED;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern((const pcre2_code *)re, NULL);
    pcre2_match_context *mc = pcre2_match_context_create(NULL);
    if (!md || !mc) {
        pcre2_match_data_free(md);
        pcre2_match_context_free(mc);
        return 0;
    }
    pcre2_set_match_limit(mc, NMX_REGEX_MATCH_LIMIT);
    int rc = pcre2_match((const pcre2_code *)re, n ? (PCRE2_SPTR)s : (PCRE2_SPTR) "", n, 0, 0, md, mc);
    pcre2_match_data_free(md);
    pcre2_match_context_free(mc);
    return rc >= 0;
}

void nmx__fobj_free(fobj_t *o)
{
    if (o->re)
        nmx__regex_free(o->re);
    o->re = NULL;
    free(o->bytes);
    free(o->protos);
    free(o->oid);
    o->bytes = NULL;
    o->protos = NULL;
    o->oid = NULL;
}

nmx_filter_t *nmx__filter_new(void)
{
    nmx_filter_t *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    if (!register_filter(f)) {
        free(f);
        return NULL;
    }
    return f;
}

bool nmx__filter_push(nmx_filter_t *f, const fobj_t *o)
{
    if (f->n >= NMX_FILTER_MAX_OBJECTS)
        return false;
    if (f->n == f->cap) {
        size_t ncap = f->cap ? f->cap * 2 : 8;
        fobj_t *no = realloc(f->obj, ncap * sizeof(*no));
        if (!no)
            return false;
        f->obj = no;
        f->cap = ncap;
    }
    f->obj[f->n++] = *o;
    if (o->action == FILTERACTION_PROPERTY) {
        f->needs_props = true;
        const char *key = nmx__field_key(o->field);
        if (key && (strcmp(key, "tcp.stream") == 0 || strcmp(key, "udp.stream") == 0))
            f->needs_streams = true;
    }
    return true;
}

void nmx__filter_free(nmx_filter_t *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&table_lock);
    if (f->slot < nslots && slots[f->slot].f == f) {
        HFILTER h = encode(f->slot, f->gen);
        if (current_filter == h)
            current_filter = NULL;
        slots[f->slot].f = NULL;
        slots[f->slot].gen++;
    }
    pthread_mutex_unlock(&table_lock);
    for (size_t i = 0; i < f->n; i++)
        nmx__fobj_free(&f->obj[i]);
    free(f->obj);
    free(f);
}

bool nmx__filter_needs_props(const nmx_filter_t *f)
{
    return f && f->needs_props;
}

bool nmx__filter_needs_streams(const nmx_filter_t *f)
{
    return f && f->needs_streams;
}

size_t nmx__filter_size(const nmx_filter_t *f)
{
    return f ? f->n : 0;
}

/* Bytes of a copied string or array operand (hard cap against wild input). */
#define NMX_FILTER_MAX_STRING 65535u

static void *dup_bytes(const void *p, size_t n)
{
    uint8_t *c = malloc(n + 1);
    if (!c)
        return NULL;
    if (n)
        memcpy(c, p, n);
    c[n] = 0;
    return c;
}

/* The protocol id of an HPROTOCOL, 0 when it is not one of ours. */
static unsigned proto_id_of(HPROTOCOL h)
{
    return nmx__proto_id(nmx__proto_from_handle(h));
}

/* Copies the address of an ADDRESS or ADDR_* object into o->addr, its type
 * set from the action (ADDRESS keeps the caller's). */
static DWORD copy_address(const FILTEROBJECT2 *src, fobj_t *o)
{
    if (!src->lpAddress)
        return NMERR_INVALID_PARAMETER;
    /* An ADDRESS is 16 bytes and an ADDRESS2 22: read the longer form
     * only where an IPv6 address requires it. */
    DWORD type;
    memcpy(&type, src->lpAddress, sizeof(type));
    bool v6 = src->Action == FILTERACTION_ADDR_IP6 ||
              (src->Action == FILTERACTION_ADDRESS && type == ADDRESS_TYPE_IP6);
    memcpy(&o->addr, src->lpAddress, v6 ? sizeof(ADDRESS2) : sizeof(ADDRESS));
    /* The ADDR_* actions name their address type. */
    static const struct { DWORD action, type; } typed[] = {
        {FILTERACTION_ADDR_ETHER, ADDRESS_TYPE_ETHERNET}, {FILTERACTION_ADDR_TOKEN, ADDRESS_TYPE_TOKENRING},
        {FILTERACTION_ADDR_FDDI, ADDRESS_TYPE_FDDI},      {FILTERACTION_ADDR_IPX, ADDRESS_TYPE_IPX},
        {FILTERACTION_ADDR_IP, ADDRESS_TYPE_IP},          {FILTERACTION_ADDR_VINES, ADDRESS_TYPE_VINES_IP},
        {FILTERACTION_ADDR_IP6, ADDRESS_TYPE_IP6},
    };
    for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++)
        if (typed[i].action == src->Action)
            o->addr.Type = typed[i].type;
    return NMERR_SUCCESS;
}

/* Copies the protocol table of a PROTOCOLSEXIST object into o->protos (as our protocol ids). */
static DWORD copy_protocols(const FILTEROBJECT2 *src, fobj_t *o)
{
    const PROTOCOLTABLE *t = src->lpProtocolTable;
    if (!t)
        return NMERR_INVALID_PARAMETER;
    DWORD n;
    memcpy(&n, &t->nProtocols, sizeof(n));
    if (n > 4096)
        return NMERR_INVALID_PARAMETER;
    o->protos = calloc(n ? n : 1, sizeof(*o->protos));
    if (!o->protos)
        return NMERR_OUT_OF_MEMORY;
    for (DWORD i = 0; i < n; i++) {
        o->protos[i] = proto_id_of(t->hProtocol[i]);
        if (!o->protos[i]) {
            nmx__fobj_free(o);
            return NMERR_INVALID_HPROTOCOL;
        }
    }
    o->nprotos = n;
    return NMERR_SUCCESS;
}

/* Copies the identifier of an OID object into o->oid. */
static DWORD copy_oid(const FILTEROBJECT2 *src, fobj_t *o)
{
    const OBJECT_IDENTIFIER *oid = src->lpOID;
    if (!oid || (oid->Length && !oid->lpIdentifier) || oid->Length > 1024)
        return NMERR_INVALID_PARAMETER;
    o->oid = calloc(oid->Length ? oid->Length : 1, sizeof(DWORD));
    if (!o->oid)
        return NMERR_OUT_OF_MEMORY;
    if (oid->Length)
        memcpy(o->oid, oid->lpIdentifier, oid->Length * sizeof(DWORD));
    o->noid = oid->Length;
    return NMERR_SUCCESS;
}

/*
 * Copies one caller object into o (deep).  Returns NMERR_SUCCESS or an error
 * code for an object that cannot be copied.
 */
static DWORD copy_object(const FILTEROBJECT2 *src, fobj_t *o)
{
    memset(o, 0, sizeof(*o));
    o->action = src->Action;
    if (o->action >= NMX_FA_BASE)
        o->action = FILTERACTION_INVALID; /* the text compiler's own: never from outside */
    o->count = src->ByteCount;
    switch (src->Action) {
    case FILTERACTION_PROPERTY:
        o->field = nmx__field_from_handle(src->hProperty);
        if (!o->field)
            return NMERR_INVALID_HPROPERTY;
        break;
    case FILTERACTION_PROTOCOLEXIST:
        o->proto = proto_id_of(src->hProtocol);
        if (!o->proto)
            return NMERR_INVALID_HPROTOCOL;
        break;
    case FILTERACTION_VALUE:
    case FILTERACTION_BOOL:
        o->num = src->Value;
        break;
    case FILTERACTION_LARGEINT:
        if (!src->lpLargeInt)
            return NMERR_INVALID_PARAMETER;
        {
            LARGE_INTEGER li;
            memcpy(&li, (const void *)src->lpLargeInt, sizeof(li));
            o->num = (uint64_t)li.QuadPart;
        }
        break;
    case FILTERACTION_TIME:
        if (!src->lpTime)
            return NMERR_INVALID_PARAMETER;
        memcpy(&o->time, (const void *)src->lpTime, sizeof(o->time));
        break;
    case FILTERACTION_STRING:
    case FILTERACTION_ARRAY: {
        const char *p = src->lpArray;
        if (!p)
            return NMERR_INVALID_PARAMETER;
        size_t n = src->ByteCount;
        if (src->Action == FILTERACTION_STRING && n == 0)
            n = strnlen(p, NMX_FILTER_MAX_STRING);
        o->bytes = dup_bytes(p, n);
        if (!o->bytes)
            return NMERR_OUT_OF_MEMORY;
        o->nbytes = n;
        break;
    }
    case FILTERACTION_ADDRESS:
    case FILTERACTION_ADDR_ETHER:
    case FILTERACTION_ADDR_TOKEN:
    case FILTERACTION_ADDR_FDDI:
    case FILTERACTION_ADDR_IPX:
    case FILTERACTION_ADDR_IP:
    case FILTERACTION_ADDR_VINES:
    case FILTERACTION_ADDR_IP6:
        return copy_address(src, o);
    case FILTERACTION_PROTOCOLSEXIST:
        return copy_protocols(src, o);
    case FILTERACTION_OID:
        return copy_oid(src, o);
    default:
        break; /* operators: only the action matters */
    }
    return NMERR_SUCCESS;
}

/* ===================================================================== */
/* Exported functions                                                     */
/* ===================================================================== */

NMAPI HFILTER WINAPI CreateFilter(VOID)
{
    nmx_filter_t *f = nmx__filter_new();
    if (!f) {
        BhSetLastError(NMERR_OUT_OF_MEMORY);
        return NULL;
    }
    BhSetLastError(NMERR_SUCCESS);
    return nmx__filter_handle(f);
}

NMAPI DWORD WINAPI DestroyFilter(HFILTER hFilter)
{
    nmx_filter_t *f = lookup(hFilter);
    if (!f)
        return NMERR_INVALID_HFILTER;
    nmx__filter_free(f);
    return NMERR_SUCCESS;
}

NMAPI HFILTER WINAPI FilterDuplicate(HFILTER hFilter)
{
    const nmx_filter_t *f = nmx__filter_from_handle(hFilter);
    if (!f) {
        BhSetLastError(NMERR_INVALID_HFILTER);
        return NULL;
    }
    nmx_filter_t *c = nmx__filter_new();
    if (!c)
        goto out_of_memory;
    for (size_t i = 0; i < f->n; i++) {
        fobj_t o = f->obj[i];
        o.bytes = NULL;
        o.protos = NULL;
        o.oid = NULL;
        o.re = NULL;
        if (f->obj[i].re && !(o.re = pcre2_code_copy((const pcre2_code *)f->obj[i].re))) {
            nmx__fobj_free(&o);
            goto out_free;
        }
        if ((f->obj[i].bytes && !(o.bytes = dup_bytes(f->obj[i].bytes, f->obj[i].nbytes))) ||
            (f->obj[i].protos && !(o.protos = dup_bytes(f->obj[i].protos, f->obj[i].nprotos * sizeof(unsigned)))) ||
            (f->obj[i].oid && !(o.oid = dup_bytes(f->obj[i].oid, f->obj[i].noid * sizeof(DWORD)))) ||
            !nmx__filter_push(c, &o)) {
            nmx__fobj_free(&o);
            goto out_free;
        }
    }
    c->parser_filter = f->parser_filter;
    c->needs_streams = f->needs_streams;
    BhSetLastError(NMERR_SUCCESS);
    return nmx__filter_handle(c);
out_free:
    nmx__filter_free(c);
out_of_memory:
    BhSetLastError(NMERR_OUT_OF_MEMORY);
    return NULL;
}

/* Spec 6.1: a bad filter handle is NMERR_INVALID_PARAMETER here [DOC]. */
NMAPI DWORD WINAPI FilterAddObject(HFILTER hFilter, NMX_LPFILTEROBJECT_ANY lpFilterObject)
{
    nmx_filter_t *f = lookup(hFilter);
    const FILTEROBJECT2 *src = lpFilterObject.lpFilterObject2;
    if (!f || !src)
        return NMERR_INVALID_PARAMETER;
    fobj_t o;
    DWORD rc = copy_object(src, &o);
    if (rc != NMERR_SUCCESS)
        return rc;
    if (!nmx__filter_push(f, &o)) {
        nmx__fobj_free(&o);
        return NMERR_OUT_OF_MEMORY;
    }
    return NMERR_SUCCESS;
}

/* There are no cached per-frame results to drop. */
NMAPI VOID WINAPI FilterFlushBits(HFILTER hFilter)
{
    BhSetLastError(nmx__filter_from_handle(hFilter) ? NMERR_SUCCESS : NMERR_INVALID_HFILTER);
}

NMAPI BOOL WINAPI FilterAttachesProperties(HFILTER hFilter)
{
    const nmx_filter_t *f = nmx__filter_from_handle(hFilter);
    if (!f) {
        BhSetLastError(NMERR_INVALID_HFILTER);
        return FALSE;
    }
    return f->needs_props ? TRUE : FALSE;
}

NMAPI VOID WINAPI SetCurrentFilter(HFILTER hFilter)
{
    pthread_mutex_lock(&table_lock);
    if (hFilter == NULL || decode_locked(hFilter) != UINT32_MAX) {
        current_filter = hFilter;
        BhSetLastError(NMERR_SUCCESS);
    } else {
        BhSetLastError(NMERR_INVALID_HFILTER);
    }
    pthread_mutex_unlock(&table_lock);
}

NMAPI HFILTER WINAPI GetCurrentFilter(VOID)
{
    pthread_mutex_lock(&table_lock);
    HFILTER h = current_filter;
    if (h && decode_locked(h) == UINT32_MAX)
        h = current_filter = NULL;
    pthread_mutex_unlock(&table_lock);
    return h;
}

/* nmexpert loads no parsers: the switch is kept but changes nothing. */
NMAPI DWORD WINAPI EnableParserFilter(HFILTER hFilter, HPARSER hParser)
{
    (void)hParser;
    nmx_filter_t *f = lookup(hFilter);
    if (!f)
        return NMERR_INVALID_HFILTER;
    f->parser_filter = true;
    return NMERR_SUCCESS;
}

NMAPI DWORD WINAPI DisableParserFilter(HFILTER hFilter, HPARSER hParser)
{
    (void)hParser;
    nmx_filter_t *f = lookup(hFilter);
    if (!f)
        return NMERR_INVALID_HFILTER;
    f->parser_filter = false;
    return NMERR_SUCCESS;
}

/* ===================================================================== */
/* Evaluation                                                             */
/* ===================================================================== */

enum { K_BOOL, K_NUM, K_PROP, K_OPERAND };

typedef struct sval {
    uint8_t kind;
    bool b;            /* K_BOOL */
    uint64_t num;      /* K_NUM */
    const fobj_t *o;   /* K_PROP (o->field), K_OPERAND */
} sval_t;

#define NMX_EVAL_STACK 64

static bool proto_present(const nmx_dissection_t *d, unsigned id)
{
    return nmx__proto_offset(d->recog, id) != (DWORD)-1;
}

static bool prop_present(const nmx_dissection_t *d, const nmx_field_t *f)
{
    const PROPERTYINST *pi = NULL;
    nmx_value_t v;
    while ((pi = nmx__dissection_find(d, f, pi)) != NULL)
        if (nmx__prop_value(pi, &v) || nmx__field_ftype(f) == NMX_FT_NONE)
            return true;
    return false;
}

/* ---- values after the text compiler's slices, functions and masks ---- */

enum { XV_UNS, XV_SIG, XV_BYTES, XV_TEXT };

typedef struct xval {
    int kind;
    uint64_t u;          /* XV_UNS */
    int64_t i;           /* XV_SIG */
    const uint8_t *p;    /* XV_BYTES, XV_TEXT */
    size_t n;
    char text[4096];     /* rendered or case-folded text */
} xval_t;

static bool has_xform(const fobj_t *o)
{
    return o->action == NMX_FA_PROTOCOL || o->xfunc != NMX_XF_NONE || o->has_slice || o->has_mask;
}

/* Narrows [*p, *p + *n) to o's slice; false when it starts past the end.
 * A slice that runs past the end is cut there (as Wireshark's). */
static bool apply_slice(const fobj_t *o, const uint8_t **p, size_t *n)
{
    if (!o->has_slice)
        return true;
    int64_t start = o->slice_start;
    if (start < 0)
        start += (int64_t)*n;
    if (start < 0 || (uint64_t)start >= *n)
        return false;
    size_t len = *n - (size_t)start;
    if (o->slice_len >= 0 && (size_t)o->slice_len < len)
        len = (size_t)o->slice_len;
    *p += start;
    *n = len;
    return true;
}

/* The function and the mask of o applied to a value already in xv. */
static bool apply_func(const fobj_t *o, xval_t *xv)
{
    if (o->xfunc == NMX_XF_LEN) {
        if (xv->kind != XV_BYTES && xv->kind != XV_TEXT)
            return false;
        xv->kind = XV_UNS;
        xv->u = xv->n;
    } else if (o->xfunc == NMX_XF_LOWER || o->xfunc == NMX_XF_UPPER) {
        if (xv->kind != XV_TEXT && xv->kind != XV_BYTES)
            return false;
        size_t n = xv->n < sizeof(xv->text) - 1 ? xv->n : sizeof(xv->text) - 1;
        if (xv->p != (const uint8_t *)xv->text)
            memmove(xv->text, xv->p, n);
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)xv->text[i];
            if (o->xfunc == NMX_XF_LOWER && c >= 'A' && c <= 'Z')
                xv->text[i] = (char)(c + 32);
            else if (o->xfunc == NMX_XF_UPPER && c >= 'a' && c <= 'z')
                xv->text[i] = (char)(c - 32);
        }
        xv->kind = XV_TEXT;
        xv->p = (const uint8_t *)xv->text;
        xv->n = n;
    }
    if (o->has_mask) {
        if (xv->kind == XV_UNS)
            xv->u &= o->mask;
        else if (xv->kind == XV_SIG)
            xv->i = (int64_t)((uint64_t)xv->i & o->mask);
        else
            return false;
    }
    return true;
}

/* The value of one instance of property o->field after o's transforms. */
static bool xval_of(const PROPERTYINST *pi, const fobj_t *o, xval_t *xv)
{
    const nmx_field_t *f = o->field;
    nmx_value_t v;
    if (!nmx__prop_value(pi, &v))
        return false;
    switch (nmx__field_ftype(f)) {
    case NMX_FT_UINT:
    case NMX_FT_BOOL:
        xv->kind = XV_UNS;
        xv->u = v.u;
        break;
    case NMX_FT_INT:
    case NMX_FT_ABSTIME:
    case NMX_FT_RELTIME:
        xv->kind = XV_SIG;
        xv->i = v.i;
        break;
    case NMX_FT_STRING:
        if (o->has_slice || o->xfunc == NMX_XF_LEN) {
            xv->kind = XV_BYTES;
            xv->p = v.bytes;
            xv->n = v.len;
        } else {
            size_t n = nmx__prop_render(pi, xv->text, sizeof(xv->text));
            xv->kind = XV_TEXT;
            xv->p = (const uint8_t *)xv->text;
            xv->n = n < sizeof(xv->text) ? n : sizeof(xv->text) - 1;
        }
        break;
    case NMX_FT_ETHER:
    case NMX_FT_IPV4:
    case NMX_FT_IPV6:
    case NMX_FT_BYTES:
        xv->kind = XV_BYTES;
        xv->p = v.bytes;
        xv->n = v.len;
        break;
    default:
        return false;
    }
    if (o->has_slice) {
        if (xv->kind != XV_BYTES || !apply_slice(o, &xv->p, &xv->n))
            return false;
    }
    return apply_func(o, xv);
}

/* The bytes of protocol o->proto: from its header to the end of the captured frame. */
static bool xval_protocol(const nmx_dissection_t *d, const fobj_t *o, xval_t *xv)
{
    DWORD off = nmx__proto_offset(d->recog, o->proto);
    if (off == (DWORD)-1 || !d->data || off > d->caplen)
        return false;
    xv->kind = XV_BYTES;
    xv->p = d->data + off;
    xv->n = d->caplen - off;
    if (!apply_slice(o, &xv->p, &xv->n))
        return false;
    return apply_func(o, xv);
}

/* Whether a transformed value counts as true on its own: present (and,
 * after a mask, non-zero, as Wireshark's "tcp.flags & 0x02"). */
static bool xval_true(const fobj_t *o, const xval_t *xv)
{
    if (!o->has_mask)
        return true;
    return xv->kind == XV_UNS ? xv->u != 0 : xv->i != 0;
}

static int xprop_truth(const nmx_dissection_t *d, const fobj_t *o)
{
    if (!has_xform(o))
        return prop_present(d, o->field);
    xval_t xv;
    if (o->action == NMX_FA_PROTOCOL)
        return xval_protocol(d, o, &xv) && xval_true(o, &xv);
    if (!d->props)
        return MALFORMED;
    const PROPERTYINST *pi = NULL;
    while ((pi = nmx__dissection_find(d, o->field, pi)) != NULL)
        if (xval_of(pi, o, &xv) && xval_true(o, &xv))
            return 1;
    return 0;
}

/* Truth of a stack value, or MALFORMED. */
static int truth(const nmx_dissection_t *d, const sval_t *v)
{
    switch (v->kind) {
    case K_BOOL:
        return v->b;
    case K_NUM:
        return v->num != 0;
    case K_PROP:
        return xprop_truth(d, v->o);
    default:
        return MALFORMED;
    }
}

/* Compares the leading `bits` bits of two byte strings (all when 0). */
static int prefix_cmp(const uint8_t *a, const uint8_t *b, size_t len, unsigned bits)
{
    if (bits == 0 || bits > len * 8)
        bits = (unsigned)(len * 8);
    size_t full = bits / 8;
    int c = memcmp(a, b, full);
    if (c || full == len || bits % 8 == 0)
        return c;
    uint8_t mask = (uint8_t)(0xFF << (8 - bits % 8));
    return (int)(a[full] & mask) - (int)(b[full] & mask);
}

static bool is_nc(DWORD a)
{
    return a == FILTERACTION_EQUALNC || a == FILTERACTION_NOTEQUALNC || a == FILTERACTION_GREATERNC ||
           a == FILTERACTION_LESSNC || a == FILTERACTION_GREATEREQUALNC || a == FILTERACTION_LESSEQUALNC ||
           a == FILTERACTION_CONTAINSNC;
}

/* Applies a relational action to a three-way comparison result. */
static bool relation(DWORD a, int c)
{
    switch (a) {
    case FILTERACTION_EQUAL:
    case FILTERACTION_EQUALNC:
        return c == 0;
    case FILTERACTION_NOTEQUAL:
    case FILTERACTION_NOTEQUALNC:
        return c != 0;
    case FILTERACTION_GREATER:
    case FILTERACTION_GREATERNC:
        return c > 0;
    case FILTERACTION_LESS:
    case FILTERACTION_LESSNC:
        return c < 0;
    case FILTERACTION_GREATEREQUAL:
    case FILTERACTION_GREATEREQUALNC:
        return c >= 0;
    case FILTERACTION_LESSEQUAL:
    case FILTERACTION_LESSEQUALNC:
        return c <= 0;
    default:
        return false;
    }
}

/* The same relation with its operands swapped (value OP property). */
static DWORD mirror(DWORD a)
{
    switch (a) {
    case FILTERACTION_GREATER:
        return FILTERACTION_LESS;
    case FILTERACTION_LESS:
        return FILTERACTION_GREATER;
    case FILTERACTION_GREATEREQUAL:
        return FILTERACTION_LESSEQUAL;
    case FILTERACTION_LESSEQUAL:
        return FILTERACTION_GREATEREQUAL;
    case FILTERACTION_GREATERNC:
        return FILTERACTION_LESSNC;
    case FILTERACTION_LESSNC:
        return FILTERACTION_GREATERNC;
    case FILTERACTION_GREATEREQUALNC:
        return FILTERACTION_LESSEQUALNC;
    case FILTERACTION_LESSEQUALNC:
        return FILTERACTION_GREATEREQUALNC;
    default:
        return a;
    }
}

static int cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

static int cmp_text(const char *a, size_t an, const uint8_t *b, size_t bn, bool nc)
{
    size_t n = an < bn ? an : bn;
    int c = nc ? strncasecmp(a, (const char *)b, n) : memcmp(a, b, n);
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

static bool contains(const uint8_t *h, size_t hn, const uint8_t *n, size_t nn, bool nc)
{
    if (nn == 0)
        return true;
    for (size_t i = 0; i + nn <= hn; i++)
        if (nc ? strncasecmp((const char *)h + i, (const char *)n, nn) == 0 : memcmp(h + i, n, nn) == 0)
            return true;
    return false;
}

/* A transformed (or time, range or regex) value against an operand: 1, 0 or MALFORMED. */
static int xmatch(DWORD act, const xval_t *xv, const sval_t *rhs)
{
    bool nc = is_nc(act);
    bool cont = act == FILTERACTION_CONTAINS || act == FILTERACTION_CONTAINSNC;
    bool num = xv->kind == XV_UNS || xv->kind == XV_SIG;
    if (rhs->kind == K_NUM) {
        if (!num || cont || act == NMX_FA_MATCHES)
            return 0;
        if (xv->kind == XV_UNS)
            return relation(act, cmp_u64(xv->u, rhs->num));
        int64_t b = (int64_t)rhs->num;
        return relation(act, xv->i < b ? -1 : xv->i > b);
    }
    if (rhs->kind != K_OPERAND)
        return MALFORMED;
    const fobj_t *o = rhs->o;
    switch (o->action) {
    case NMX_FA_RANGE:
        if (!num || (act != FILTERACTION_EQUAL && act != FILTERACTION_NOTEQUAL))
            return 0;
        if (o->is_signed) {
            int64_t v = xv->kind == XV_SIG ? xv->i : (int64_t)xv->u;
            if (xv->kind == XV_UNS && xv->u > INT64_MAX)
                return act == FILTERACTION_NOTEQUAL;
            bool in = v >= (int64_t)o->num && v <= (int64_t)o->num2;
            return act == FILTERACTION_EQUAL ? in : !in;
        } else {
            bool in = xv->kind == XV_UNS ? xv->u >= o->num && xv->u <= o->num2
                                         : xv->i >= 0 && (uint64_t)xv->i >= o->num && (uint64_t)xv->i <= o->num2;
            return act == FILTERACTION_EQUAL ? in : !in;
        }
    case NMX_FA_REGEX:
        if (act != NMX_FA_MATCHES || num)
            return 0;
        return regex_match(o->re, xv->p, xv->n);
    case FILTERACTION_STRING:
    case FILTERACTION_ARRAY:
        if (num || act == NMX_FA_MATCHES)
            return 0;
        if (cont)
            return contains(xv->p, xv->n, o->bytes, o->nbytes, nc && xv->kind == XV_TEXT);
        if (xv->kind == XV_TEXT)
            return relation(act, cmp_text((const char *)xv->p, xv->n, o->bytes, o->nbytes, nc));
        {
            int c = memcmp(xv->p, o->bytes, xv->n < o->nbytes ? xv->n : o->nbytes);
            if (!c)
                c = xv->n < o->nbytes ? -1 : xv->n > o->nbytes;
            return relation(act, c);
        }
    default:
        return 0;
    }
}

/* Whether a comparison of property object p with b needs xmatch. */
static bool needs_xmatch(DWORD act, const fobj_t *p, const sval_t *b)
{
    if (has_xform(p) || act == NMX_FA_MATCHES)
        return true;
    enum nmx_ftype t = nmx__field_ftype(p->field);
    if (t == NMX_FT_ABSTIME || t == NMX_FT_RELTIME)
        return true;
    return b->kind == K_OPERAND && (b->o->action == NMX_FA_RANGE || b->o->action == NMX_FA_REGEX);
}

/*
 * One instance against an operand (number or operand object).  Returns 1, 0,
 * or MALFORMED for a comparison that makes no sense.
 */
static int inst_match(const PROPERTYINST *pi, const nmx_field_t *f, DWORD act, const sval_t *rhs)
{
    nmx_value_t v;
    if (!nmx__prop_value(pi, &v))
        return 0;
    bool nc = is_nc(act);
    bool cont = act == FILTERACTION_CONTAINS || act == FILTERACTION_CONTAINSNC;
    enum nmx_ftype t = nmx__field_ftype(f);
    if (rhs->kind == K_NUM) {
        switch (t) {
        case NMX_FT_UINT:
        case NMX_FT_BOOL:
            return !cont && relation(act, cmp_u64(v.u, rhs->num));
        case NMX_FT_INT: {
            int64_t b = (int64_t)rhs->num;
            return !cont && relation(act, v.i < b ? -1 : v.i > b);
        }
        case NMX_FT_IPV4:
            return !cont && relation(act, cmp_u64(nmx__load_u32be(v.bytes), rhs->num));
        default:
            return 0;
        }
    }
    if (rhs->kind != K_OPERAND)
        return MALFORMED;
    const fobj_t *o = rhs->o;
    switch (o->action) {
    case FILTERACTION_STRING:
    case FILTERACTION_ARRAY: {
        if (t == NMX_FT_STRING && o->action == FILTERACTION_STRING) {
            char text[4096];
            size_t n = nmx__prop_render(pi, text, sizeof(text));
            if (n >= sizeof(text))
                n = sizeof(text) - 1;
            if (cont)
                return contains((const uint8_t *)text, n, o->bytes, o->nbytes, nc);
            return relation(act, cmp_text(text, n, o->bytes, o->nbytes, nc));
        }
        /* Raw bytes of the value (at ByteOffset for an array). */
        const uint8_t *b = v.bytes;
        size_t bn = v.len;
        if (t == NMX_FT_UINT || t == NMX_FT_INT || t == NMX_FT_BOOL) {
            if (pi->DataLength == PROPERTYINST_EX_LENGTH)
                return 0; /* derived numbers have no frame bytes */
        }
        if (o->action == FILTERACTION_ARRAY && o->count && !cont) {
            /* ByteCount is the array length; compare from the start. */
        }
        if (cont)
            return contains(b, bn, o->bytes, o->nbytes, nc);
        int c = memcmp(b, o->bytes, bn < o->nbytes ? bn : o->nbytes);
        if (!c)
            c = bn < o->nbytes ? -1 : bn > o->nbytes;
        return relation(act, c);
    }
    case FILTERACTION_ADDRESS:
    case FILTERACTION_ADDR_ETHER:
    case FILTERACTION_ADDR_TOKEN:
    case FILTERACTION_ADDR_FDDI:
    case FILTERACTION_ADDR_IP:
    case FILTERACTION_ADDR_IP6:
        if (cont)
            return 0;
        if (t == NMX_FT_IPV4 && o->addr.Type == ADDRESS_TYPE_IP && v.len == 4)
            return relation(act, prefix_cmp(v.bytes, o->addr.IPAddress, 4, o->prefix));
        if (t == NMX_FT_IPV6 && o->addr.Type == ADDRESS_TYPE_IP6 && v.len == 16)
            return relation(act, prefix_cmp(v.bytes, o->addr.IP6Address, 16, o->prefix));
        if (t == NMX_FT_ETHER && v.len == 6 &&
            (o->addr.Type == ADDRESS_TYPE_ETHERNET || o->addr.Type == ADDRESS_TYPE_TOKENRING ||
             o->addr.Type == ADDRESS_TYPE_FDDI))
            return relation(act, prefix_cmp(v.bytes, o->addr.MACAddress, 6, o->prefix));
        return 0;
    case FILTERACTION_TIME:
    case FILTERACTION_OID:
        return 0; /* no property of ours has these types */
    default:
        return MALFORMED;
    }
}

/* A relational or contains action over two operands. */
static int compare(const nmx_dissection_t *d, DWORD act, sval_t a, sval_t b)
{
    if (a.kind != K_PROP && b.kind == K_PROP) {
        sval_t t = a;
        a = b;
        b = t;
        act = mirror(act);
    }
    if (a.kind == K_PROP) {
        if (b.kind == K_PROP || b.kind == K_BOOL)
            return MALFORMED;
        xval_t xv;
        if (a.o->action == NMX_FA_PROTOCOL)
            return xval_protocol(d, a.o, &xv) ? xmatch(act, &xv, &b) : 0;
        if (!d->props)
            return MALFORMED;
        bool x = needs_xmatch(act, a.o, &b);
        const PROPERTYINST *pi = NULL;
        while ((pi = nmx__dissection_find(d, a.o->field, pi)) != NULL) {
            int r = x ? (xval_of(pi, a.o, &xv) ? xmatch(act, &xv, &b) : 0)
                      : inst_match(pi, a.o->field, act, &b);
            if (r != 0)
                return r;
        }
        return 0;
    }
    if (a.kind == K_NUM && b.kind == K_NUM)
        return relation(act, cmp_u64(a.num, b.num));
    if (a.kind == K_OPERAND && b.kind == K_OPERAND && a.o->bytes && b.o->bytes) {
        bool nc = is_nc(act);
        if (act == FILTERACTION_CONTAINS || act == FILTERACTION_CONTAINSNC)
            return contains(a.o->bytes, a.o->nbytes, b.o->bytes, b.o->nbytes, nc);
        return relation(act, cmp_text((const char *)a.o->bytes, a.o->nbytes, b.o->bytes, b.o->nbytes, nc));
    }
    return MALFORMED;
}

/* The frame's address of the operand's kind, matched against it. */
static bool addr_match(const nmx_dissection_t *d, const fobj_t *o, bool dst)
{
    DWORD type = o->addr.Type;
    size_t len;
    if (type == ADDRESS_TYPE_IP)
        len = 4;
    else if (type == ADDRESS_TYPE_IP6)
        len = 16;
    else if (type == ADDRESS_TYPE_ETHERNET || type == ADDRESS_TYPE_TOKENRING || type == ADDRESS_TYPE_FDDI)
        len = 6, type = ADDRESS_TYPE_ETHERNET;
    else
        return false;
    ADDRESS2 fa;
    if (nmx__frame_address(d->data, d->caplen, &d->addrs, dst, type, 0, &fa, NULL, NULL) != NMERR_SUCCESS)
        return false;
    return prefix_cmp(fa.IP6Address, o->addr.IP6Address, len, o->prefix) == 0;
}

static bool is_address_operand(const sval_t *v)
{
    if (v->kind != K_OPERAND)
        return false;
    switch (v->o->action) {
    case FILTERACTION_ADDRESS:
    case FILTERACTION_ADDR_ETHER:
    case FILTERACTION_ADDR_TOKEN:
    case FILTERACTION_ADDR_FDDI:
    case FILTERACTION_ADDR_IPX:
    case FILTERACTION_ADDR_IP:
    case FILTERACTION_ADDR_VINES:
    case FILTERACTION_ADDR_IP6:
        return true;
    default:
        return false;
    }
}

/*
 * The value an operand object pushes (a property or protocol reference, a
 * number, a truth value, a constant) into *r; false when o is an operator.
 */
static bool operand_of(const nmx_dissection_t *d, const fobj_t *o, sval_t *r)
{
    switch (o->action) {
    case FILTERACTION_PROPERTY:
    case NMX_FA_PROTOCOL:
        r->kind = K_PROP;
        r->o = o;
        break;
    case NMX_FA_REGEX:
    case NMX_FA_RANGE:
        r->kind = K_OPERAND;
        r->o = o;
        break;
    case FILTERACTION_VALUE:
    case FILTERACTION_LARGEINT:
        r->kind = K_NUM;
        r->num = o->num;
        break;
    case FILTERACTION_BOOL:
        r->b = o->num != 0;
        break;
    case FILTERACTION_STRING:
    case FILTERACTION_ARRAY:
    case FILTERACTION_TIME:
    case FILTERACTION_OID:
    case FILTERACTION_ADDRESS:
    case FILTERACTION_ADDR_ETHER:
    case FILTERACTION_ADDR_TOKEN:
    case FILTERACTION_ADDR_FDDI:
    case FILTERACTION_ADDR_IPX:
    case FILTERACTION_ADDR_IP:
    case FILTERACTION_ADDR_VINES:
    case FILTERACTION_ADDR_IP6:
        r->kind = K_OPERAND;
        r->o = o;
        break;
    case FILTERACTION_PROTOCOLEXIST:
        r->b = proto_present(d, o->proto);
        break;
    case FILTERACTION_PROTOCOLSEXIST:
        r->b = true;
        for (size_t k = 0; k < o->nprotos; k++)
            r->b = r->b && proto_present(d, o->protos[k]);
        break;
    default:
        return false;
    }
    return true;
}

/* Whether action a compares two operands: a relation (also NC), CONTAINS(NC) or MATCHES. */
static bool is_comparison(DWORD a)
{
    switch (a) {
    case FILTERACTION_EQUAL:
    case FILTERACTION_EQUALNC:
    case FILTERACTION_NOTEQUAL:
    case FILTERACTION_NOTEQUALNC:
    case FILTERACTION_GREATER:
    case FILTERACTION_GREATERNC:
    case FILTERACTION_LESS:
    case FILTERACTION_LESSNC:
    case FILTERACTION_GREATEREQUAL:
    case FILTERACTION_GREATEREQUALNC:
    case FILTERACTION_LESSEQUAL:
    case FILTERACTION_LESSEQUALNC:
    case FILTERACTION_CONTAINS:
    case FILTERACTION_CONTAINSNC:
    case NMX_FA_MATCHES:
        return true;
    default:
        return false;
    }
}

/* How many values operator `a` pops; 0 for an action that is no operator we
 * evaluate (INVALID, DEREFPROPERTY, EXPRESSION, NOEVAL, unknown). */
static size_t arity(DWORD a)
{
    if (is_comparison(a))
        return 2;
    switch (a) {
    case FILTERACTION_PROPERTYEXIST:
    case FILTERACTION_NOT:
    case FILTERACTION_FROM:
    case FILTERACTION_TO:
    case FILTERACTION_ADDRESSANY:
        return 1;
    case FILTERACTION_AND:
    case FILTERACTION_OR:
    case FILTERACTION_XOR:
    case FILTERACTION_AREBITSON:
    case FILTERACTION_AREBITSOFF:
    case FILTERACTION_ARRAYEQUAL:
    case FILTERACTION_PLUS:
    case FILTERACTION_MINUS:
    case FILTERACTION_FROMTO:
    case FILTERACTION_OID_CONTAINS:
    case FILTERACTION_OID_BEGINS_WITH:
    case FILTERACTION_OID_ENDS_WITH:
        return 2;
    default:
        return 0;
    }
}

/* AREBITSON / AREBITSOFF of a property and a number (either order): whether
 * an instance has all the number's bits on (off); 1, 0 or MALFORMED. */
static int bits_test(const nmx_dissection_t *d, DWORD act, sval_t a, sval_t b)
{
    if (a.kind == K_NUM && b.kind == K_PROP) {
        sval_t tmp = a;
        a = b;
        b = tmp;
    }
    if (a.kind != K_PROP || b.kind != K_NUM || !d->props)
        return MALFORMED;
    bool r = false;
    const PROPERTYINST *pi = NULL;
    nmx_value_t v;
    while (!r && (pi = nmx__dissection_find(d, a.o->field, pi)) != NULL)
        if (nmx__prop_value(pi, &v))
            r = act == FILTERACTION_AREBITSON ? (v.u & b.num) == b.num : (v.u & b.num) == 0;
    return r;
}

/* ARRAYEQUAL of a property and a byte operand (either order): whether an
 * instance holds the bytes at offset `at`; 1, 0 or MALFORMED. */
static int array_equal(const nmx_dissection_t *d, size_t at, sval_t a, sval_t b)
{
    if (a.kind == K_OPERAND && b.kind == K_PROP) {
        sval_t tmp = a;
        a = b;
        b = tmp;
    }
    if (a.kind != K_PROP || b.kind != K_OPERAND || !b.o->bytes || !d->props)
        return MALFORMED;
    bool r = false;
    const PROPERTYINST *pi = NULL;
    nmx_value_t v;
    while (!r && (pi = nmx__dissection_find(d, a.o->field, pi)) != NULL)
        if (nmx__prop_value(pi, &v) && at <= v.len && v.len - at >= b.o->nbytes)
            r = memcmp(v.bytes + at, b.o->bytes, b.o->nbytes) == 0;
    return r;
}

/* Operator o (PROPERTYEXIST, NOT, FROM, TO, ADDRESSANY) applied to the value
 * it popped, a, with its truth value in *r; 0, or MALFORMED. */
static int apply_unary(const nmx_dissection_t *d, const fobj_t *o, const sval_t *a, sval_t *r)
{
    int t;
    switch (o->action) {
    case FILTERACTION_PROPERTYEXIST:
        if (a->kind != K_PROP)
            return MALFORMED;
        t = xprop_truth(d, a->o);
        break;
    case FILTERACTION_NOT:
        t = truth(d, a);
        if (t != MALFORMED)
            t = !t;
        break;
    case FILTERACTION_FROM:
    case FILTERACTION_TO:
    case FILTERACTION_ADDRESSANY: {
        if (!is_address_operand(a))
            return MALFORMED;
        bool src = addr_match(d, a->o, false), dst = addr_match(d, a->o, true);
        t = o->action == FILTERACTION_FROM ? src : o->action == FILTERACTION_TO ? dst : (src || dst);
        break;
    }
    default:
        return MALFORMED;
    }
    if (t == MALFORMED)
        return MALFORMED;
    r->b = t;
    return 0;
}

/* Operator o with two operands applied to the values it popped, ab[0] (the
 * deeper) and ab[1], with its result in *r; 0, or MALFORMED. */
static int apply_binary(const nmx_dissection_t *d, const fobj_t *o, const sval_t *ab, sval_t *r)
{
    sval_t a = ab[0], b = ab[1];
    int t, u;
    switch (o->action) {
    case FILTERACTION_AND:
    case FILTERACTION_OR:
    case FILTERACTION_XOR:
        u = truth(d, &b);
        t = truth(d, &a);
        if (t == MALFORMED || u == MALFORMED)
            return MALFORMED;
        t = o->action == FILTERACTION_AND ? (t && u) : o->action == FILTERACTION_OR ? (t || u) : (t != u);
        break;
    case FILTERACTION_AREBITSON:
    case FILTERACTION_AREBITSOFF:
        t = bits_test(d, o->action, a, b);
        break;
    case FILTERACTION_ARRAYEQUAL:
        t = array_equal(d, o->count, a, b); /* ByteOffset into the property's bytes */
        break;
    case FILTERACTION_PLUS:
    case FILTERACTION_MINUS:
        if (a.kind != K_NUM || b.kind != K_NUM)
            return MALFORMED;
        r->kind = K_NUM;
        r->num = o->action == FILTERACTION_PLUS ? a.num + b.num : a.num - b.num;
        return 0;
    case FILTERACTION_FROMTO:
        if (!is_address_operand(&b) || !is_address_operand(&a))
            return MALFORMED;
        t = (addr_match(d, a.o, false) && addr_match(d, b.o, true)) ||
            (addr_match(d, b.o, false) && addr_match(d, a.o, true));
        break;
    case FILTERACTION_OID_CONTAINS:
    case FILTERACTION_OID_BEGINS_WITH:
    case FILTERACTION_OID_ENDS_WITH:
        if (b.kind != K_OPERAND || a.kind != K_PROP)
            return MALFORMED;
        t = 0; /* no property of ours is an OID */
        break;
    default:
        if (!is_comparison(o->action))
            return MALFORMED;
        t = compare(d, o->action, a, b);
        break;
    }
    if (t == MALFORMED)
        return MALFORMED;
    r->b = t;
    return 0;
}

/* Runs the program; returns 1, 0 or MALFORMED. */
static int run_program(const nmx_filter_t *f, const nmx_dissection_t *d, sval_t *st)
{
    size_t sp = 0;
    for (size_t i = 0; i < f->n; i++) {
        const fobj_t *o = &f->obj[i];
        sval_t r = {.kind = K_BOOL};
        if (!operand_of(d, o, &r)) {
            size_t k = arity(o->action);
            if (k == 0 || sp < k)
                return MALFORMED;
            sp -= k;
            int t = k == 1 ? apply_unary(d, o, &st[sp], &r) : apply_binary(d, o, &st[sp], &r);
            if (t == MALFORMED)
                return MALFORMED;
        }
        st[sp++] = r;
    }
    if (sp != 1)
        return MALFORMED;
    return truth(d, &st[0]);
}

int nmx__filter_eval(const nmx_filter_t *f, const nmx_dissection_t *d, DWORD *nmerr)
{
    if (!f) {
        if (nmerr)
            *nmerr = NMERR_INVALID_HFILTER;
        return FILTER_FAIL_WITH_ERROR;
    }
    if (f->n == 0)
        return FILTER_PASSED;
    if (!d) {
        if (nmerr)
            *nmerr = NMERR_INVALID_PARAMETER;
        return FILTER_FAIL_WITH_ERROR;
    }
    sval_t small[NMX_EVAL_STACK];
    sval_t *st = f->n <= NMX_EVAL_STACK ? small : malloc(f->n * sizeof(*st));
    if (!st) {
        if (nmerr)
            *nmerr = NMERR_OUT_OF_MEMORY;
        return FILTER_FAIL_WITH_ERROR;
    }
    int r = run_program(f, d, st);
    if (st != small)
        free(st);
    if (r == MALFORMED) {
        if (nmerr)
            *nmerr = NMERR_FILTER_INVALID_EXPRESSION;
        return FILTER_FAIL_WITH_ERROR;
    }
    return r ? FILTER_PASSED : FILTER_FAILED;
}
