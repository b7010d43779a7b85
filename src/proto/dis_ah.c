/*
 * dis_ah.c - IP Authentication Header (RFC 4302) after an IPv4 header:
 * shown as its own protocol, "ah", as tshark does, and the payload it
 * authenticates handed on by its Next Header.
 *
 *   +---------------+---------------+-------------------------------+
 *   |  Next Header  |  Payload Len  |           Reserved            |
 *   +---------------+---------------+-------------------------------+
 *   |                Security Parameters Index (SPI)                |
 *   +---------------------------------------------------------------+
 *   |                    Sequence Number Field                      |
 *   +---------------------------------------------------------------+
 *   |         Integrity Check Value (variable, multiple of 4)       |
 *   +---------------------------------------------------------------+
 *
 * The header is (Payload Len + 2) * 4 bytes.  In IPv6 the AH is an
 * extension header and dis_ipv6.c skips it (io,phs does not count it
 * there), so this file is reached from IPv4 only.
 */
#include "proto/proto_int.h"

enum { F_NEXT, F_LENGTH, F_RESERVED, F_SPI, F_SEQUENCE, F_ICV };

static nmx_field_t ah_fields[] = {
    [F_NEXT] = NMX_F_UINT("ah.next_header", "Next header", NMX_BASE_DEC, 1, 0),
    [F_LENGTH] = NMX_F_UINT("ah.length", "Length", NMX_BASE_DEC, 1, 0),
    [F_RESERVED] = NMX_F_BYTES("ah.reserved", "Reserved"),
    [F_SPI] = NMX_F_UINT("ah.spi", "AH SPI", NMX_BASE_HEX, 4, 0),
    [F_SEQUENCE] = NMX_F_UINT("ah.sequence", "AH Sequence", NMX_BASE_DEC, 4, 0),
    [F_ICV] = NMX_F_BYTES("ah.icv", "AH ICV"),
};

static nmx_dissect_fn dis_ah;

NMX_PROTOCOL(nmx__p_ah, NMX_PROTO_AH, "ah", "AH", NULL, "Authentication Header", ah_fields,
             .dissect = dis_ah, NMX_HANDOFFS({NMX_HO_IP_PROTO, 51}));

static bool dis_ah(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    uint8_t next, plen;
    if (d->ho_v6 || !nmx__cur_peek_u8(&c, 0, &next))
        return false;
    if (!nmx__push_layer(d, proto, off))
        return true;
    if (!nmx__cur_peek_u8(&c, 1, &plen) || c.left < 12) {
        nmx__add_err(d, &ah_fields[F_NEXT], off, c.left);
        return true;
    }
    size_t hlen = ((size_t)plen + 2) * 4;
    nmx__add(d, &ah_fields[F_NEXT], off, 1);
    nmx__add(d, &ah_fields[F_LENGTH], off + 1, 1);
    nmx__add(d, &ah_fields[F_RESERVED], off + 2, 2);
    nmx__add(d, &ah_fields[F_SPI], off + 4, 4);
    nmx__add(d, &ah_fields[F_SEQUENCE], off + 8, 4);
    if (hlen < 12 || c.left < hlen) {
        nmx__add_err(d, &ah_fields[F_LENGTH], off + 1, 1);
        return true;
    }
    if (hlen > 12)
        nmx__add(d, &ah_fields[F_ICV], off + 12, hlen - 12);
    nmx__cur_skip(&c, hlen);
    d->l4_reported = d->l4_reported > hlen ? d->l4_reported - (uint32_t)hlen : 0;
    nmx__dis_ip_proto(d, c, next, false, true);
    return true;
}
