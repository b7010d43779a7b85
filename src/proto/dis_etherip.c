/*
 * dis_etherip.c - Ethernet-within-IP (RFC 3378), IP protocol 97: a 2-byte
 * header, then an Ethernet frame.
 *
 *   +-------+-----------------------+
 *   |  Ver  |       Reserved        |   Ver = 3, Reserved = 0
 *   +-------+-----------------------+
 *
 * As tshark 4.0: under 2 bytes there is no layer (it reads the header
 * first); a wrong version or reserved bits are only flagged by tshark; the
 * Ethernet frame follows when there are bytes for it.
 */
#include "proto/proto_int.h"

enum { F_VER, F_RESERVED };

static nmx_field_t etherip_fields[] = {
    [F_VER] = NMX_F_UINT("etherip.ver", "Version", NMX_BASE_DEC, 2, 0xF000),
    [F_RESERVED] = NMX_F_UINT("etherip.reserved", "Reserved", NMX_BASE_HEX, 2, 0x0FFF),
};

static nmx_dissect_fn dis_etherip;

NMX_PROTOCOL(nmx__p_etherip, NMX_PROTO_ETHERIP, "etherip", "ETHERIP", NULL, "Ethernet over IP", etherip_fields,
             .dissect = dis_etherip, NMX_HANDOFFS({NMX_HO_IP_PROTO, 97}));

static bool dis_etherip(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    if (!nmx__cur_in(&c, 0, 2))
        return false;
    if (!nmx__push_layer(d, proto, off))
        return true;
    nmx__add(d, &etherip_fields[F_VER], off, 2);
    nmx__add(d, &etherip_fields[F_RESERVED], off, 2);
    if (nmx__cur_skip(&c, 2) && c.left > 0 && d->depth < NMX_MAX_DEPTH) {
        d->depth++;
        nmx__dis_eth(d, c);
        d->depth--;
    }
    return true;
}
