/*
 * describe.c - the protocols and fields the dissectors know, described for
 * programs outside the library (nmx_protocol_describe and
 * nmx_field_describe in host.h): what `nmexpert fields` lists, as
 * `tshark -G fields` does.
 *
 * Types are named twice: our own short name ("uint16", "ipv4") and
 * Wireshark's (FT_UINT16, FT_IPv4), the latter from the field's container
 * width, so that a user can match the two tools' listings.
 */
#include <stdio.h>
#include <string.h>

#include <nmexpert/protocols.h>

#include "proto/proto_int.h"

static const char *const short_types[] = {
    [NMX_FT_NONE] = "none",     [NMX_FT_UINT] = "uint",  [NMX_FT_INT] = "int",
    [NMX_FT_BOOL] = "bool",     [NMX_FT_ETHER] = "ether", [NMX_FT_IPV4] = "ipv4",
    [NMX_FT_IPV6] = "ipv6",     [NMX_FT_STRING] = "string", [NMX_FT_BYTES] = "bytes",
    [NMX_FT_ABSTIME] = "time",  [NMX_FT_RELTIME] = "duration",
};

/* "uint16", FT_UINT16...: numbers by their container's width. */
static void type_names(const nmx_field_t *f, nmx_field_desc_t *d)
{
    static const char *const ws_uint[] = {"FT_UINT8", "FT_UINT16", "FT_UINT24", "FT_UINT32", "FT_UINT64"};
    static const char *const ws_int[] = {"FT_INT8", "FT_INT16", "FT_INT24", "FT_INT32", "FT_INT64"};
    static const char *const our_uint[] = {"uint8", "uint16", "uint24", "uint32", "uint64"};
    static const char *const our_int[] = {"int8", "int16", "int24", "int32", "int64"};
    unsigned w = f->width == 1 ? 0 : f->width == 2 ? 1 : f->width == 3 ? 2 : f->width == 4 ? 3 : 4;
    d->type = f->ftype < sizeof short_types / sizeof short_types[0] ? short_types[f->ftype] : "none";
    switch (f->ftype) {
    case NMX_FT_UINT:
        d->type = our_uint[w];
        d->wireshark_type = ws_uint[w];
        break;
    case NMX_FT_INT:
        d->type = our_int[w];
        d->wireshark_type = ws_int[w];
        break;
    case NMX_FT_BOOL: d->wireshark_type = "FT_BOOLEAN"; break;
    case NMX_FT_ETHER: d->wireshark_type = "FT_ETHER"; break;
    case NMX_FT_IPV4: d->wireshark_type = "FT_IPv4"; break;
    case NMX_FT_IPV6: d->wireshark_type = "FT_IPv6"; break;
    case NMX_FT_STRING: d->wireshark_type = "FT_STRING"; break;
    case NMX_FT_BYTES: d->wireshark_type = "FT_BYTES"; break;
    case NMX_FT_ABSTIME: d->wireshark_type = "FT_ABSOLUTE_TIME"; break;
    case NMX_FT_RELTIME: d->wireshark_type = "FT_RELATIVE_TIME"; break;
    default: d->wireshark_type = "FT_NONE"; break;
    }
}

NMX_EXPORT size_t nmx_protocol_count(void)
{
    return nmx__proto_count() - 1; /* id 0 is "none" */
}

NMX_EXPORT int nmx_protocol_describe(size_t i, nmx_protocol_desc_t *out)
{
    const nmx_protocol_t *p = out != NULL ? nmx__proto_by_id((unsigned)(i + 1)) : NULL;
    if (p == NULL)
        return -1;
    memset(out, 0, sizeof *out);
    out->name = p->name;
    out->netmon_name = p->netmon_name;
    out->alias = p->alias;
    out->description = p->description != NULL ? p->description : "";
    out->nfields = p->nfields;
    return 0;
}

NMX_EXPORT int nmx_field_describe(size_t i, size_t k, nmx_field_desc_t *out)
{
    const nmx_protocol_t *p = out != NULL ? nmx__proto_by_id((unsigned)(i + 1)) : NULL;
    if (p == NULL || k >= p->nfields)
        return -1;
    const nmx_field_t *f = &p->fields[k];
    memset(out, 0, sizeof *out);
    out->protocol = p->name;
    out->key = f->key;
    out->label = f->info.Label != NULL ? f->info.Label : "";
    type_names(f, out);
    out->base = f->ftype != NMX_FT_UINT && f->ftype != NMX_FT_INT ? ""
                : f->base == NMX_BASE_HEX                          ? "hex"
                : f->base == NMX_BASE_DEC_HEX                      ? "dec_hex"
                : f->base == NMX_BASE_HEX_DEC                      ? "hex_dec"
                : f->base == NMX_BASE_OCT                          ? "oct"
                                                                   : "dec";
    out->bitmask = f->mask;
    return 0;
}
