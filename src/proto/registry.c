/*
 * registry.c - the protocol and property registry: ids, names, property
 * databases, handle validation.
 *
 * Each dis_*.c file defines its nmx_protocol_t with a property table; this
 * file lists them in id order and, once, numbers every property globally,
 * builds each protocol's PROPERTYDATABASE and the LABELED_BIT sets of the
 * flag properties.  After that the registry is read-only.
 *
 * Handles: HPROTOCOL is the address of a registry entry and is validated by
 * comparing it with the known addresses; HPROPERTY is NMX_HPROP_BASE plus
 * the global property index.  Neither is ever dereferenced before it has
 * been found valid.
 */
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "common/strutil.h"
#include "proto/proto_int.h"

#define NMX_HPROP_BASE ((DWORD_PTR)0x4E4D0000u) /* 'NM' in the high half */

/* Registry entries in id order (index = enum nmx__proto_id). */
static nmx_protocol_t *const protocols[NMX_PROTO_COUNT] = {
    [NMX_PROTO_NONE] = NULL,
    [NMX_PROTO_FRAME] = &nmx__p_frame,
    [NMX_PROTO_ETH] = &nmx__p_eth,
    [NMX_PROTO_LLC] = &nmx__p_llc,
    [NMX_PROTO_VLAN] = &nmx__p_vlan,
    [NMX_PROTO_SLL] = &nmx__p_sll,
    [NMX_PROTO_NULL] = &nmx__p_null,
    [NMX_PROTO_RAW] = &nmx__p_raw,
    [NMX_PROTO_RADIOTAP] = &nmx__p_radiotap,
    [NMX_PROTO_WLAN] = &nmx__p_wlan,
    [NMX_PROTO_FDDI] = &nmx__p_fddi,
    [NMX_PROTO_ARP] = &nmx__p_arp,
    [NMX_PROTO_IP] = &nmx__p_ip,
    [NMX_PROTO_IPV6] = &nmx__p_ipv6,
    [NMX_PROTO_ICMP] = &nmx__p_icmp,
    [NMX_PROTO_ICMPV6] = &nmx__p_icmpv6,
    [NMX_PROTO_IGMP] = &nmx__p_igmp,
    [NMX_PROTO_TCP] = &nmx__p_tcp,
    [NMX_PROTO_UDP] = &nmx__p_udp,
    [NMX_PROTO_DNS] = &nmx__p_dns,
    [NMX_PROTO_MDNS] = &nmx__p_mdns,
    [NMX_PROTO_LLMNR] = &nmx__p_llmnr,
    [NMX_PROTO_HTTP] = &nmx__p_http,
    [NMX_PROTO_SSDP] = &nmx__p_ssdp,
    [NMX_PROTO_NBNS] = &nmx__p_nbns,
    [NMX_PROTO_NBDGM] = &nmx__p_nbdgm,
    [NMX_PROTO_NBSS] = &nmx__p_nbss,
    [NMX_PROTO_SMB] = &nmx__p_smb,
    [NMX_PROTO_SMB2] = &nmx__p_smb2,
    [NMX_PROTO_DHCP] = &nmx__p_dhcp,
    [NMX_PROTO_TLS] = &nmx__p_tls,
    [NMX_PROTO_TEREDO] = &nmx__p_teredo,
    [NMX_PROTO_GTP] = &nmx__p_gtp,
    [NMX_PROTO_NETMON_HEADER] = &nmx__p_netmon_header,
    [NMX_PROTO_NETMON_EVENT] = &nmx__p_netmon_event,
    [NMX_PROTO_NETMON_FILTER] = &nmx__p_netmon_filter,
    [NMX_PROTO_NETMON_NETINFO] = &nmx__p_netmon_netinfo,
    [NMX_PROTO_NETMON_OTHER] = &nmx__p_netmon_other,
};

static nmx_field_t **fields;   /* global index -> field */
static uint32_t nfields_total;
static once_flag init_once = ONCE_FLAG_INIT;

/* The labels of a one-bit flag property (PROP_QUAL_FLAGS). */
static char label_not_set[] = "Not set";
static char label_set[] = "Set";

static void registry_build(void)
{
    uint32_t total = 0;
    for (unsigned id = 1; id < NMX_PROTO_COUNT; id++)
        total += protocols[id]->nfields;
    fields = calloc(total ? total : 1, sizeof(*fields));
    if (!fields)
        abort(); /* a few KiB at start-up; nothing sensible to do without them */

    uint32_t idx = 0;
    for (unsigned id = 1; id < NMX_PROTO_COUNT; id++) {
        nmx_protocol_t *p = protocols[id];
        p->info.ProtocolID = id;
        nmx__strlcpy((char *)p->info.ProtocolName, p->name, sizeof(p->info.ProtocolName));
        nmx__strlcpy((char *)p->info.Comment, p->description ? p->description : p->name,
                     sizeof(p->info.Comment));
        p->first_field = idx;
        PROPERTYDATABASE *db = calloc(1, sizeof(*db) + (p->nfields + 1) * sizeof(LPPROPERTYINFO));
        if (!db)
            abort();
        db->nProperties = p->nfields;
        for (uint32_t i = 0; i < p->nfields; i++) {
            nmx_field_t *f = &p->fields[i];
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
            if (f->ftype == NMX_FT_BOOL && f->mask) {
                /* One labeled bit: the flag's position within its container. */
                SET *set = calloc(1, sizeof(*set) + sizeof(LABELED_BIT));
                if (!set)
                    abort();
                LABELED_BIT *bit = (LABELED_BIT *)(set + 1);
                bit->BitNumber = (BYTE)__builtin_ctzll(f->mask);
                bit->LabelOff = label_not_set;
                bit->LabelOn = label_set;
                set->nEntries = 1;
                set->lpLabeledBit = bit;
                f->info.lpSet = set;
            } else if (f->ftype == NMX_FT_BOOL) {
                f->info.DataQualifier = PROP_QUAL_NONE;
            }
            db->PropertyInfo[i] = &f->info;
            fields[idx++] = f;
        }
        p->info.PropertyDatabase = db;
    }
    nfields_total = idx;
}

void nmx__registry_init(void)
{
    call_once(&init_once, registry_build);
}

const nmx_protocol_t *nmx__proto_by_id(unsigned id)
{
    if (id == 0 || id >= NMX_PROTO_COUNT)
        return NULL;
    nmx__registry_init();
    return protocols[id];
}

const nmx_protocol_t *nmx__proto_by_name(const char *name)
{
    if (!name || !*name)
        return NULL;
    nmx__registry_init();
    for (unsigned id = 1; id < NMX_PROTO_COUNT; id++) {
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
    for (unsigned id = 1; id < NMX_PROTO_COUNT; id++)
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
    for (unsigned id = 1; id < NMX_PROTO_COUNT; id++) {
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
