/*
 * dis_gtp.c - GTP-U, the GPRS user-plane tunnel on UDP port 2152
 * (3GPP TS 29.281 5.1): G-PDUs (type 0xFF) carry IPv4 or IPv6.
 *
 *   +-------+------+------------+----------+ [seq(2) N-PDU(1) next ext(1)]
 *   | flags | type | length (2) | TEID (4) | [extension headers: len(1, in
 *   +-------+------+------------+----------+  4-byte units) ... next(1)]
 */
#include "proto/proto_int.h"

enum { G_FLAGS, G_TYPE, G_LENGTH, G_TEID };

static nmx_field_t gtp_fields[] = {
    [G_FLAGS] = NMX_F_UINT("gtp.flags", "Flags", NMX_BASE_HEX, 1, 0),
    [G_TYPE] = NMX_F_UINT("gtp.message", "Message Type", NMX_BASE_HEX, 1, 0),
    [G_LENGTH] = NMX_F_UINT("gtp.length", "Length", NMX_BASE_DEC, 2, 0),
    [G_TEID] = NMX_F_UINT("gtp.teid", "TEID", NMX_BASE_HEX, 4, 0),
};

static nmx_dissect_fn dis_gtp;

NMX_PROTOCOL(nmx__p_gtp, NMX_PROTO_GTP, "gtp", "GTP", NULL, "GPRS Tunneling Protocol", gtp_fields,
             .dissect = dis_gtp, NMX_HANDOFFS({NMX_HO_UDP_PORT, 2152}));

static bool dis_gtp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    (void)proto; /* always NMX_PROTO_GTP */
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_GTP, off))
        return true;
    if (c.left < 8) {
        nmx__add_err(d, &gtp_fields[G_FLAGS], off, c.left);
        return true;
    }
    uint8_t flags = nmx__cur_get_u8(&c, 0), type = nmx__cur_get_u8(&c, 1);
    nmx__add(d, &gtp_fields[G_FLAGS], off, 1);
    nmx__add(d, &gtp_fields[G_TYPE], off + 1, 1);
    nmx__add(d, &gtp_fields[G_LENGTH], off + 2, 2);
    nmx__add(d, &gtp_fields[G_TEID], off + 4, 4);
    if ((flags >> 5) != 1)
        return true; /* not GTPv1 */
    size_t pos = 8;
    if (flags & 0x07) {
        if (c.left < 12)
            return true;
        uint8_t next = nmx__cur_get_u8(&c, 11), units;
        pos = 12;
        for (int k = 0; k < 16 && next; k++) {
            if (!nmx__cur_peek_u8(&c, pos, &units))
                return true;
            size_t elen = (size_t)units * 4;
            if (elen == 0 || !nmx__cur_peek_u8(&c, pos + elen - 1, &next))
                return true;
            pos += elen;
        }
    }
    if (type != 0xFF || !nmx__cur_skip(&c, pos) || c.left == 0)
        return true;
    unsigned v = nmx__cur_get_u8(&c, 0) >> 4;
    if (v == 4)
        nmx__dis_ip(d, c);
    else if (v == 6)
        nmx__dis_ipv6(d, c);
    return true;
}
