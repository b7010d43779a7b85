/*
 * dis_gre.c - Generic Routing Encapsulation (RFC 2784, keys and sequence
 * numbers of RFC 2890), IP protocol 47: the header, then the payload handed
 * off by its Protocol Type as an EtherType (0x6558, transparent Ethernet
 * bridging, is Ethernet itself: dis_eth.c registers it).
 *
 *   +-+-+-+-+-+-----+---------+-----+-------------------------------+
 *   |C|R|K|S|s|Recur|  Flags  | Ver |         Protocol Type         |
 *   +-+-+-+-+-+-----+---------+-----+-------------------------------+
 *   |      Checksum (optional)      |       Offset (optional)       |
 *   +-------------------------------+-------------------------------+
 *   |                         Key (optional)                        |
 *   +---------------------------------------------------------------+
 *   |                  Sequence Number (optional)                   |
 *   +---------------------------------------------------------------+
 *
 * The fields are tshark's for version 0.  Version 1 (PPTP's enhanced GRE:
 * payload length and call id in the key, an acknowledgment number) and
 * source routing (R) are recorded up to the flags and not dissected
 * further.
 */
#include "proto/proto_int.h"

enum { F_FLAGS, F_C, F_R, F_K, F_S, F_SSR, F_RECUR, F_RESERVED, F_VERSION, F_PROTO, F_CHECKSUM, F_OFFSET,
       F_KEY, F_SEQ };

static nmx_field_t gre_fields[] = {
    [F_FLAGS] = NMX_F_UINT("gre.flags_and_version", "Flags and Version", NMX_BASE_HEX, 2, 0),
    [F_C] = NMX_F_BOOL("gre.flags.checksum", "Checksum Bit", 2, 0x8000),
    [F_R] = NMX_F_BOOL("gre.flags.routing", "Routing Bit", 2, 0x4000),
    [F_K] = NMX_F_BOOL("gre.flags.key", "Key Bit", 2, 0x2000),
    [F_S] = NMX_F_BOOL("gre.flags.sequence_number", "Sequence Number Bit", 2, 0x1000),
    [F_SSR] = NMX_F_BOOL("gre.flags.strict_source_route", "Strict Source Route Bit", 2, 0x0800),
    [F_RECUR] = NMX_F_UINT("gre.flags.recursion_control", "Recursion control", NMX_BASE_DEC, 2, 0x0700),
    [F_RESERVED] = NMX_F_UINT("gre.flags.reserved", "Flags (Reserved)", NMX_BASE_DEC, 2, 0x00F8),
    [F_VERSION] = NMX_F_UINT("gre.flags.version", "Version", NMX_BASE_DEC, 2, 0x0007),
    [F_PROTO] = NMX_F_UINT("gre.proto", "Protocol Type", NMX_BASE_HEX, 2, 0),
    [F_CHECKSUM] = NMX_F_UINT("gre.checksum", "Checksum", NMX_BASE_HEX, 2, 0),
    [F_OFFSET] = NMX_F_UINT("gre.offset", "Offset", NMX_BASE_DEC, 2, 0),
    [F_KEY] = NMX_F_UINT("gre.key", "Key", NMX_BASE_HEX, 4, 0),
    [F_SEQ] = NMX_F_UINT("gre.sequence_number", "Sequence Number", NMX_BASE_DEC, 4, 0),
};

static nmx_dissect_fn dis_gre;

NMX_PROTOCOL(nmx__p_gre, NMX_PROTO_GRE, "gre", "GRE", NULL, "Generic Routing Encapsulation", gre_fields,
             .dissect = dis_gre, NMX_HANDOFFS({NMX_HO_IP_PROTO, 47}));

/* The flags word's fields: every bit of version 0 as tshark shows them. */
static void gre_flags(nmx_dctx_t *d, size_t off)
{
    for (unsigned f = F_FLAGS; f <= F_VERSION; f++)
        nmx__add(d, &gre_fields[f], off, 2);
}

static bool dis_gre(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    uint16_t flags, type;
    /* Fewer than 4 bytes: tshark's GRE dissector fails before it adds its
     * tree (io,phs does not count it), and so does this one. */
    if (!nmx__cur_peek_u16be(&c, 0, &flags) || !nmx__cur_peek_u16be(&c, 2, &type))
        return false;
    if (!nmx__push_layer(d, proto, off))
        return true;
    if ((flags & 0x7) != 0 || (flags & 0x4000)) {
        nmx__add(d, &gre_fields[F_FLAGS], off, 2); /* enhanced GRE or source routing: not parsed */
        return true;
    }
    gre_flags(d, off);
    nmx__add(d, &gre_fields[F_PROTO], off + 2, 2);
    size_t hlen = 4 + ((flags & 0x8000) ? 4 : 0) + ((flags & 0x2000) ? 4 : 0) + ((flags & 0x1000) ? 4 : 0);
    if (!nmx__cur_in(&c, 0, hlen)) {
        nmx__add_err(d, &gre_fields[F_FLAGS], off, 2);
        return true;
    }
    size_t at = 4;
    if (flags & 0x8000) {
        nmx__add(d, &gre_fields[F_CHECKSUM], off + at, 2);
        nmx__add(d, &gre_fields[F_OFFSET], off + at + 2, 2);
        at += 4;
    }
    if (flags & 0x2000) {
        nmx__add(d, &gre_fields[F_KEY], off + at, 4);
        at += 4;
    }
    if (flags & 0x1000)
        nmx__add(d, &gre_fields[F_SEQ], off + at, 4);
    if (nmx__cur_skip(&c, hlen) && c.left > 0 && d->depth < NMX_MAX_DEPTH) {
        d->depth++;
        d->gre_flags = flags; /* ERSPAN tells its type I by them */
        nmx__handoff(d, c, NMX_HO_ETHERTYPE, type);
        d->depth--;
    }
    return true;
}
