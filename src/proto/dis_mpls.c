/*
 * dis_mpls.c - MultiProtocol Label Switching (RFC 3032) on EtherTypes
 * 0x8847 and 0x8848, IP protocol 137 (RFC 4023) and UDP 6635 (RFC 7510),
 * and the pseudowire Associated Channel Header (RFC 4385, 5586) behind it.
 *
 *   +---------------------------------------+-----+-+---------------+
 *   |                Label (20)             | TC  |S|     TTL       |
 *   +---------------------------------------+-----+-+---------------+
 *   (one entry per label, until S, the bottom of the stack, is set)
 *
 *   ACH: +-------+-------+---------------+-------------------------------+
 *        |0 0 0 1|Version|   Reserved    |         Channel Type          |
 *        +-------+-------+---------------+-------------------------------+
 *
 * Each label entry is a layer of its own, as tshark adds an "mpls" item per
 * label (io,phs counts each).  After the bottom of the stack tshark 4.0
 * goes by the label, then by the first nibble of the payload:
 *   - label 13 (GAL): an ACH, whatever follows;
 *   - label 14 (OAM alert): Y.1711 OAM, which we do not parse;
 *   - nibble 4: IPv4; 6: IPv6; 1: an ACH;
 *   - nibble 0: its Ethernet-pseudowire heuristic, which tells a control
 *     word from a bare Ethernet frame by whether both MAC addresses have a
 *     manufacturer in its OUI database; we stop there (docs/protocols.md);
 *   - anything else: data.
 * An ACH hands off by its channel type, on which tshark's IPv4 (0x0021)
 * and IPv6 (0x0057) dissectors are registered, as PPP numbers them.  A
 * label entry or an ACH cut short is not recorded: tshark fails before it
 * adds its item.
 */
#include "proto/proto_int.h"

enum { F_LABEL, F_EXP, F_BOTTOM, F_TTL };

static nmx_field_t mpls_fields[] = {
    [F_LABEL] = NMX_F_UINT("mpls.label", "MPLS Label", NMX_BASE_DEC_HEX, 4, 0xFFFFF000),
    [F_EXP] = NMX_F_UINT("mpls.exp", "MPLS Experimental Bits", NMX_BASE_DEC, 4, 0x00000E00),
    [F_BOTTOM] = NMX_F_UINT("mpls.bottom", "MPLS Bottom Of Label Stack", NMX_BASE_DEC, 4, 0x00000100),
    [F_TTL] = NMX_F_UINT("mpls.ttl", "MPLS TTL", NMX_BASE_DEC, 4, 0x000000FF),
};

enum { A_VER, A_RES, A_CHANNEL };

static nmx_field_t pwach_fields[] = {
    [A_VER] = NMX_F_UINT("pwach.ver", "Channel Version", NMX_BASE_DEC, 1, 0x0F),
    [A_RES] = NMX_F_UINT("pwach.res", "Reserved", NMX_BASE_HEX, 1, 0),
    [A_CHANNEL] = NMX_F_UINT("pwach.channel_type", "Channel Type", NMX_BASE_HEX, 2, 0),
};

static nmx_dissect_fn dis_mpls;

NMX_PROTOCOL(nmx__p_mpls, NMX_PROTO_MPLS, "mpls", "MPLS", NULL, "MultiProtocol Label Switching Header", mpls_fields,
             .dissect = dis_mpls,
             NMX_HANDOFFS({NMX_HO_ETHERTYPE, 0x8847}, {NMX_HO_ETHERTYPE, 0x8848}, {NMX_HO_IP_PROTO, 137},
                          {NMX_HO_UDP_PORT, 6635}));
NMX_PROTOCOL(nmx__p_pwach, NMX_PROTO_PWACH, "pwach", "PWACH", NULL, "PW Associated Channel Header", pwach_fields);

enum { LABEL_GAL = 13, LABEL_OAM_ALERT = 14 };

/* The IP datagram after an ACH or the label stack, by its version. */
static void mpls_ip(nmx_dctx_t *d, nmx_cursor_t c, bool v6)
{
    if (c.left == 0)
        return;
    d->depth++;
    if (v6)
        nmx__dis_ipv6(d, c);
    else
        nmx__dis_ip(d, c);
    d->depth--;
}

static void dis_pwach(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    uint16_t type;
    if (!nmx__cur_peek_u16be(&c, 2, &type) || !nmx__push_layer(d, NMX_PROTO_PWACH, off))
        return;
    nmx__add(d, &pwach_fields[A_VER], off, 1);
    nmx__add(d, &pwach_fields[A_RES], off + 1, 1);
    nmx__add(d, &pwach_fields[A_CHANNEL], off + 2, 2);
    nmx__cur_skip(&c, 4);
    if (type == 0x0021 || type == 0x0057)
        mpls_ip(d, c, type == 0x0057);
}

static bool dis_mpls(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    uint32_t e;
    if (!nmx__cur_peek_u32be(&c, 0, &e))
        return true; /* no whole entry: tshark adds no mpls item, but its
                      * dissector has the payload (UDP 6635 is taken whole) */
    for (;;) {
        size_t off = nmx__off(&c);
        if (!nmx__push_layer(d, proto, off))
            return true;
        for (unsigned f = F_LABEL; f <= F_TTL; f++)
            nmx__add(d, &mpls_fields[f], off, 4);
        nmx__cur_skip(&c, 4);
        if (e & 0x100)
            break;
        if (!nmx__cur_peek_u32be(&c, 0, &e))
            return true; /* the next entry is cut short */
    }
    uint32_t label = e >> 12;
    if (d->depth >= NMX_MAX_DEPTH || label == LABEL_OAM_ALERT || c.left == 0)
        return true;
    unsigned nibble = nmx__cur_get_u8(&c, 0) >> 4;
    if (label == LABEL_GAL || nibble == 1) {
        d->depth++;
        dis_pwach(d, c);
        d->depth--;
    } else if (nibble == 4 || nibble == 6) {
        mpls_ip(d, c, nibble == 6);
    }
    return true;
}
