/*
 * protocols.c - the handle-free NetMon protocol and property look-ups
 * (spec 6.2, 6.3): GetProtocolFromName, GetProtocolInfo, GetProperty,
 * GetPropertyInfo and the protocol description table, and nmexpert's
 * NmxProtocolMayHold.  Every function
 * validates its handles through the registry (no wild dereference) and
 * records its failure cause for BhGetLastError().
 */
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "common/strutil.h"
#include "proto/proto_int.h"

NMAPI HPROTOCOL WINAPI GetProtocolFromName(LPCSTR ProtocolName)
{
    const nmx_protocol_t *p = nmx__proto_by_name(ProtocolName);
    if (!p) {
        BhSetLastError(ProtocolName ? NMERR_PROTOCOL_NOT_FOUND : NMERR_INVALID_PARAMETER);
        return NULL;
    }
    BhSetLastError(NMERR_SUCCESS);
    return nmx__proto_handle(p);
}

NMAPI LPPROTOCOLINFO WINAPI GetProtocolInfo(HPROTOCOL hProtocol)
{
    const nmx_protocol_t *p = nmx__proto_from_handle(hProtocol);
    if (!p) {
        BhSetLastError(NMERR_INVALID_HPROTOCOL);
        return NULL;
    }
    BhSetLastError(NMERR_SUCCESS);
    return nmx__proto_info(p);
}

NMAPI BOOL WINAPI NmxProtocolMayHold(HPROTOCOL hLayer, HPROTOCOL hOwner)
{
    const nmx_protocol_t *p = nmx__proto_from_handle(hLayer), *q = nmx__proto_from_handle(hOwner);
    if (!p || !q) {
        BhSetLastError(NMERR_INVALID_HPROTOCOL);
        return FALSE;
    }
    BhSetLastError(NMERR_SUCCESS);
    /* As nmx__layers_for decides which layers a partial dissection keeps. */
    if (p == q || p->nfields == 0)
        return TRUE;
    for (unsigned b = 0; b < NMX_MAX_BORROWS && p->borrows[b] != 0; b++)
        if (p->borrows[b] == nmx__proto_id(q))
            return TRUE;
    return FALSE;
}

/*
 * By field name ("ip.ttl") or Label ("Time to Live"), case-insensitive.
 * nmexpert: with hProtocol NULL, a full field name is looked up across all
 * protocols.  "PROTOCOL.Label" is also accepted when the prefix names the
 * given protocol.
 */
NMAPI HPROPERTY WINAPI GetProperty(HPROTOCOL hProtocol, LPCSTR PropertyName)
{
    if (!PropertyName) {
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return 0;
    }
    const nmx_field_t *f = NULL;
    if (!hProtocol) {
        f = nmx__field_by_key(PropertyName);
    } else {
        const nmx_protocol_t *p = nmx__proto_from_handle(hProtocol);
        if (!p) {
            BhSetLastError(NMERR_INVALID_HPROTOCOL);
            return 0;
        }
        f = nmx__field_lookup(p, PropertyName);
        if (!f) {
            const char *dot = strchr(PropertyName, '.');
            if (dot) {
                char pre[64];
                size_t n = (size_t)(dot - PropertyName);
                if (n < sizeof(pre)) {
                    memcpy(pre, PropertyName, n);
                    pre[n] = '\0';
                    if (nmx__proto_by_name(pre) == p)
                        f = nmx__field_lookup(p, dot + 1);
                }
            }
        }
    }
    if (!f) {
        BhSetLastError(NMERR_PROPERTY_NOT_FOUND);
        return 0;
    }
    BhSetLastError(NMERR_SUCCESS);
    return nmx__field_handle(f);
}

NMAPI LPPROPERTYINFO WINAPI GetPropertyInfo(HPROPERTY hProperty)
{
    const nmx_field_t *f = nmx__field_from_handle(hProperty);
    if (!f) {
        BhSetLastError(NMERR_INVALID_HPROPERTY);
        return NULL;
    }
    BhSetLastError(NMERR_SUCCESS);
    return nmx__field_info(f);
}

/* The protocol description table: {ProtocolID, description}, built once. */
static LABELED_WORD *desc_table;
static DWORD desc_count;
static once_flag desc_once = ONCE_FLAG_INIT;

static void desc_build(void)
{
    desc_table = calloc(nmx__proto_count(), sizeof(*desc_table));
    if (!desc_table)
        return;
    for (unsigned id = 1; id < nmx__proto_count(); id++) {
        const nmx_protocol_t *p = nmx__proto_by_id(id);
        desc_table[desc_count].Value = (WORD)id;
        desc_table[desc_count].Label = (LPSTR)p->info.Comment;
        desc_count++;
    }
}

NMAPI LPLABELED_WORD WINAPI GetProtocolDescriptionTable(LPDWORD TableSize)
{
    call_once(&desc_once, desc_build);
    if (!desc_table) {
        BhSetLastError(NMERR_OUT_OF_MEMORY);
        return NULL;
    }
    if (TableSize)
        *TableSize = desc_count;
    BhSetLastError(NMERR_SUCCESS);
    return desc_table;
}

NMAPI LPLABELED_WORD WINAPI GetProtocolDescription(DWORD ProtocolID)
{
    call_once(&desc_once, desc_build);
    if (!desc_table) {
        BhSetLastError(NMERR_OUT_OF_MEMORY);
        return NULL;
    }
    for (DWORD i = 0; i < desc_count; i++)
        if (desc_table[i].Value == ProtocolID) {
            BhSetLastError(NMERR_SUCCESS);
            return &desc_table[i];
        }
    BhSetLastError(NMERR_PROTOCOL_NOT_FOUND);
    return NULL;
}
