/*
 * registry.c - the protocol and property registry: ids, names, property
 * databases, handle validation.
 *
 * Each dis_*.c file defines its nmx_protocol_t with a property table;
 * proto_list.h lists them in id order.  Once, this file numbers every
 * property globally, builds each protocol's PROPERTYDATABASE and the
 * LABELED_BIT sets of the flag properties, and enters the hand-offs into
 * handoff.c's tables.  A parser plug-in adds its protocol after the
 * built-ins (nmx__registry_add), single-threaded, before dissection
 * starts; after that the registry is read-only.
 *
 * Handles: HPROTOCOL is the address of a registry entry and is validated by
 * comparing it with the known addresses; HPROPERTY is NMX_HPROP_BASE plus
 * the global property index.  Neither is ever dereferenced before it has
 * been found valid.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "common/strutil.h"
#include "proto/proto_int.h"

#define NMX_HPROP_BASE ((DWORD_PTR)0x4E4D0000u) /* 'NM' in the high half */

/* Registry entries in id order (index = enum nmx__proto_id). */
static nmx_protocol_t *const builtin[NMX_PROTO_COUNT] = {
    [NMX_PROTO_NONE] = NULL,
#define NMX_PROTO_X(id, var) [NMX_PROTO_##id] = &nmx__p_##var,
#include "proto/proto_list.h"
#undef NMX_PROTO_X
};

static nmx_protocol_t **protocols; /* id -> entry: the built-ins, then plug-ins */
static uint32_t nprotocols;          /* ids in use, counting the unused id 0 */
static uint32_t protocols_cap;
static nmx_field_t **fields;         /* global index -> field */
static uint32_t nfields_total;
static uint32_t fields_cap;
static once_flag init_once = ONCE_FLAG_INIT;

/* The labels of a one-bit flag property (PROP_QUAL_FLAGS). */
static char label_not_set[] = "Not set";
static char label_set[] = "Set";

/* Fills in what the registry derives for field f of protocol id. */
static bool field_prepare(nmx_field_t *f, unsigned id, uint32_t idx)
{
    f->proto = (uint16_t)id;
    unsigned dots = 0;
    for (const char *k = f->key; *k; k++)
        dots += *k == '.';
    f->level = (uint8_t)(dots ? (dots > 15 ? 15 : dots) : 1);
    bool numeric = f->ftype == NMX_FT_UINT || f->ftype == NMX_FT_INT || f->ftype == NMX_FT_BOOL;
    f->store_width = f->info.DataType == PROP_TYPE_BYTE    ? 1
                     : f->info.DataType == PROP_TYPE_WORD  ? 2
                     : f->info.DataType == PROP_TYPE_DWORD ? 4
                                                           : 8;
    f->ex_value = (f->ftype == NMX_FT_UINT || f->ftype == NMX_FT_INT) &&
                  (f->mask || f->width != f->store_width);
    const uint16_t one = 1;
    bool host_le = *(const uint8_t *)&one == 1;
    f->raw_iflags = numeric && f->width > 1 && ((f->flags & NMX_FF_LE) != 0) != host_le ? IFLAG_SWAPPED : 0;
    f->index = idx;
    f->info.hProperty = NMX_HPROP_BASE + idx;
    f->info.FormatStringSize = 256;
    if (f->ftype == NMX_FT_BOOL && f->mask && f->info.lpSet == NULL) {
        /* One labeled bit: the flag's position within its container. */
        SET *set = calloc(1, sizeof(*set) + sizeof(LABELED_BIT));
        if (!set)
            return false;
        LABELED_BIT *bit = (LABELED_BIT *)(set + 1);
        bit->BitNumber = (BYTE)__builtin_ctzll(f->mask);
        bit->LabelOff = label_not_set;
        bit->LabelOn = label_set;
        set->nEntries = 1;
        set->lpLabeledBit = bit;
        f->info.lpSet = set;
    } else if (f->ftype == NMX_FT_BOOL && !f->mask) {
        f->info.DataQualifier = PROP_QUAL_NONE;
    }
    return true;
}

/* The capacity, at least `want`, to grow a table of `cap` entries to. */
static uint32_t grown(uint32_t cap, uint32_t want)
{
    uint32_t n = cap ? cap : 64;
    while (n < want)
        n *= 2;
    return n;
}

/* Makes room for one more protocol with nf fields; false out of memory. */
static bool make_room(uint32_t nf)
{
    if (nprotocols + 1 > protocols_cap) {
        uint32_t n = grown(protocols_cap, nprotocols + 1);
        nmx_protocol_t **g = realloc(protocols, n * sizeof(*g));
        if (!g)
            return false;
        protocols = g;
        protocols_cap = n;
    }
    if (nfields_total + nf > fields_cap) {
        uint32_t n = grown(fields_cap, nfields_total + nf);
        nmx_field_t **g = realloc(fields, n * sizeof(*g));
        if (!g)
            return false;
        fields = g;
        fields_cap = n;
    }
    return true;
}

/* Gives p the next id, numbers its fields after all others, builds its
 * PROPERTYDATABASE and enters its hand-offs; false out of memory (the
 * registry is then as before). */
static bool enter(nmx_protocol_t *p)
{
    unsigned id = nprotocols;
    if (id > UINT16_MAX || p->nfields > UINT32_MAX - nfields_total || !make_room(p->nfields))
        return false;
    PROPERTYDATABASE *db = calloc(1, sizeof(*db) + (p->nfields + 1) * sizeof(LPPROPERTYINFO));
    if (!db)
        return false;
    for (uint32_t i = 0; i < p->nfields; i++) {
        if (!field_prepare(&p->fields[i], id, nfields_total + i)) {
            free(db);
            return false;
        }
        db->PropertyInfo[i] = &p->fields[i].info;
    }
    if (nmx__handoff_enter(p, id) < 0) {
        free(db);
        return false;
    }
    db->nProperties = p->nfields;
    p->info.ProtocolID = id;
    nmx__strlcpy((char *)p->info.ProtocolName, p->name, sizeof(p->info.ProtocolName));
    nmx__strlcpy((char *)p->info.Comment, p->description ? p->description : p->name,
                 sizeof(p->info.Comment));
    p->first_field = nfields_total;
    p->info.PropertyDatabase = db;
    for (uint32_t i = 0; i < p->nfields; i++)
        fields[nfields_total + i] = &p->fields[i];
    nfields_total += p->nfields;
    protocols[id] = p;
    nprotocols = id + 1;
    return true;
}

static void registry_build(void)
{
    nprotocols = 1; /* id 0 is "none" */
    for (unsigned id = 1; id < NMX_PROTO_COUNT; id++)
        if (!enter(builtin[id]))
            abort(); /* a few KiB at start-up; nothing sensible to do without them */
}

__attribute__((format(printf, 3, 4))) static int fail(char *errbuf, size_t errlen, const char *fmt, ...)
{
    if (errbuf && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errbuf, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int nmx__registry_add(nmx_protocol_t *p, char *errbuf, size_t errlen)
{
    nmx__registry_init();
    if (!p || !p->name || !*p->name || (p->nfields && !p->fields)) {
        return fail(errbuf, errlen, "a protocol needs a name");
    }
    if (nmx__proto_by_name(p->name)) {
        return fail(errbuf, errlen, "protocol %s is already registered", p->name);
    }
    for (uint32_t i = 0; i < p->nfields; i++) {
        if (!p->fields[i].key || !*p->fields[i].key || !p->fields[i].info.Label) {
            return fail(errbuf, errlen, "protocol %s: property %u has no name", p->name, (unsigned)i);
        }
    }
    if (!enter(p)) {
        return fail(errbuf, errlen, "%s: out of memory", p->name);
    }
    return 0;
}

unsigned nmx__proto_count(void)
{
    nmx__registry_init();
    return nprotocols;
}

void nmx__registry_init(void)
{
    call_once(&init_once, registry_build);
}

const nmx_protocol_t *nmx__proto_by_id(unsigned id)
{
    if (id == 0 || id >= nprotocols)
        return NULL;
    nmx__registry_init();
    return protocols[id];
}

const nmx_protocol_t *nmx__proto_by_name(const char *name)
{
    if (!name || !*name)
        return NULL;
    nmx__registry_init();
    for (unsigned id = 1; id < nprotocols; id++) {
        const nmx_protocol_t *p = protocols[id];
        if (nmx__streq_nocase(name, p->name) ||
            (p->netmon_name && nmx__streq_nocase(name, p->netmon_name)) ||
            (p->alias && nmx__streq_nocase(name, p->alias)))
            return p;
    }
    return NULL;
}

const nmx_protocol_t *nmx__proto_from_handle(HPROTOCOL h)
{
    if (!h)
        return NULL;
    nmx__registry_init();
    for (unsigned id = 1; id < nprotocols; id++)
        if ((const void *)protocols[id] == (const void *)h)
            return protocols[id];
    return NULL;
}

HPROTOCOL nmx__proto_handle(const nmx_protocol_t *p)
{
    return (HPROTOCOL)(void *)(uintptr_t)p;
}

unsigned nmx__proto_id(const nmx_protocol_t *p)
{
    return p ? (unsigned)p->info.ProtocolID : 0;
}

const char *nmx__proto_name(const nmx_protocol_t *p)
{
    return p ? p->name : NULL;
}

const char *nmx__proto_netmon_name(const nmx_protocol_t *p)
{
    if (!p)
        return NULL;
    return p->netmon_name ? p->netmon_name : p->name;
}

LPPROTOCOLINFO nmx__proto_info(const nmx_protocol_t *p)
{
    return p ? (LPPROTOCOLINFO)&p->info : NULL;
}

uint32_t nmx__field_count(void)
{
    nmx__registry_init();
    return nfields_total;
}

const nmx_field_t *nmx__field_by_index(uint32_t index)
{
    nmx__registry_init();
    return index < nfields_total ? fields[index] : NULL;
}

const nmx_field_t *nmx__field_by_key(const char *key)
{
    if (!key)
        return NULL;
    nmx__registry_init();
    for (uint32_t i = 0; i < nfields_total; i++)
        if (nmx__streq_nocase(key, fields[i]->key))
            return fields[i];
    return NULL;
}

const nmx_field_t *nmx__field_lookup(const nmx_protocol_t *p, const char *name)
{
    if (!p || !name)
        return NULL;
    nmx__registry_init();
    for (uint32_t i = 0; i < p->nfields; i++)
        if (nmx__streq_nocase(name, p->fields[i].key))
            return &p->fields[i];
    for (uint32_t i = 0; i < p->nfields; i++)
        if (nmx__streq_nocase(name, p->fields[i].info.Label))
            return &p->fields[i];
    /* "PROTO.Label" or a key with another protocol's prefix is not ours. */
    return NULL;
}

const nmx_field_t *nmx__field_from_handle(HPROPERTY h)
{
    nmx__registry_init();
    if (h < NMX_HPROP_BASE || h - NMX_HPROP_BASE >= nfields_total)
        return NULL;
    return fields[h - NMX_HPROP_BASE];
}

const nmx_field_t *nmx__field_from_info(const PROPERTYINFO *info)
{
    if (!info)
        return NULL;
    nmx__registry_init();
    /* Locate by address among our fields (binary search is unsafe: the
     * tables are separate arrays), comparing addresses only. */
    for (unsigned id = 1; id < nprotocols; id++) {
        const nmx_protocol_t *p = protocols[id];
        if (p->nfields == 0)
            continue;
        uintptr_t a = (uintptr_t)info;
        uintptr_t lo = (uintptr_t)&p->fields[0];
        uintptr_t hi = (uintptr_t)&p->fields[p->nfields];
        if (a >= lo && a < hi && (a - lo) % sizeof(nmx_field_t) == 0)
            return &p->fields[(a - lo) / sizeof(nmx_field_t)];
    }
    return NULL;
}

HPROPERTY nmx__field_handle(const nmx_field_t *f)
{
    return f ? f->info.hProperty : 0;
}

LPPROPERTYINFO nmx__field_info(const nmx_field_t *f)
{
    return f ? (LPPROPERTYINFO)&f->info : NULL;
}

const char *nmx__field_key(const nmx_field_t *f)
{
    return f ? f->key : NULL;
}

const char *nmx__field_label(const nmx_field_t *f)
{
    return f ? f->info.Label : NULL;
}

enum nmx_ftype nmx__field_ftype(const nmx_field_t *f)
{
    return f ? (enum nmx_ftype)f->ftype : NMX_FT_NONE;
}

const nmx_protocol_t *nmx__field_proto(const nmx_field_t *f)
{
    return f ? nmx__proto_by_id(f->proto) : NULL;
}

uint32_t nmx__proto_field_count(const nmx_protocol_t *p)
{
    return p ? p->nfields : 0;
}

const nmx_field_t *nmx__proto_field(const nmx_protocol_t *p, uint32_t i)
{
    nmx__registry_init();
    return (p && i < p->nfields) ? &p->fields[i] : NULL;
}
