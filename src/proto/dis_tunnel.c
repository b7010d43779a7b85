/*
 * dis_tunnel.c - IP carried over UDP: Teredo (RFC 4380, UDP 3544: optional
 * authentication and origin indication headers, then IPv6) and GTP-U
 * (3GPP TS 29.281, UDP 2152: G-PDUs carry IPv4 or IPv6).
 *
 *   GTP-U: flags(1) type(1) length(2) TEID(4) [seq(2) N-PDU(1) next ext(1)]
 *          [extension headers: len(1, in 4-byte units) ... next(1)]
 */
#include "proto/proto_int.h"

NMX_PROTOCOL_NOFIELDS(nmx_p_teredo, NMX_PROTO_TEREDO, "teredo", "TEREDO", NULL, "Teredo IPv6 over UDP tunneling");

enum { G_FLAGS, G_TYPE, G_LENGTH, G_TEID };

static nmx_field_t gtp_fields[] = {
    [G_FLAGS] = NMX_F_UINT("gtp.flags", "Flags", NMX_BASE_HEX, 1, 0),
    [G_TYPE] = NMX_F_UINT("gtp.message", "Message Type", NMX_BASE_HEX, 1, 0),
    [G_LENGTH] = NMX_F_UINT("gtp.length", "Length", NMX_BASE_DEC, 2, 0),
    [G_TEID] = NMX_F_UINT("gtp.teid", "TEID", NMX_BASE_HEX, 4, 0),
};

NMX_PROTOCOL(nmx_p_gtp, NMX_PROTO_GTP, "gtp", "GTP", NULL, "GPRS Tunneling Protocol", gtp_fields);

void nmx_dis_teredo(nmx_dctx_t *d, nmx_cursor_t c)
{
    nmx_cursor_t t = c;
    /* Authentication header: 0x0001, id len, auth len, id, auth, nonce(8), conf(1). */
    if (t.left >= 4 && t.p[0] == 0 && t.p[1] == 1) {
        size_t skip = 4 + (size_t)t.p[2] + t.p[3] + 9;
        if (!nmx_cur_skip(&t, skip))
            return;
    }
    /* Origin indication: 0x0000, port(2), address(4). */
    if (t.left >= 8 && t.p[0] == 0 && t.p[1] == 0)
        nmx_cur_skip(&t, 8);
    if (t.left < 40 || (t.p[0] >> 4) != 6)
        return;
    if (!nmx_layer(d, NMX_PROTO_TEREDO, nmx_off(&c)))
        return;
    nmx_dis_ipv6(d, t);
}

void nmx_dis_gtp(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx_off(&c);
    if (!nmx_layer(d, NMX_PROTO_GTP, off))
        return;
    if (c.left < 8) {
        nmx_add_err(d, &gtp_fields[G_FLAGS], off, c.left);
        return;
    }
    uint8_t flags = c.p[0], type = c.p[1];
    nmx_add(d, &gtp_fields[G_FLAGS], off, 1);
    nmx_add(d, &gtp_fields[G_TYPE], off + 1, 1);
    nmx_add(d, &gtp_fields[G_LENGTH], off + 2, 2);
    nmx_add(d, &gtp_fields[G_TEID], off + 4, 4);
    if ((flags >> 5) != 1)
        return; /* not GTPv1 */
    size_t pos = 8;
    if (flags & 0x07) {
        if (c.left < 12)
            return;
        uint8_t next = c.p[11];
        pos = 12;
        for (int k = 0; k < 16 && next; k++) {
            if (pos >= c.left)
                return;
            size_t elen = (size_t)c.p[pos] * 4;
            if (elen == 0 || pos + elen > c.left)
                return;
            next = c.p[pos + elen - 1];
            pos += elen;
        }
    }
    if (type != 0xFF || !nmx_cur_skip(&c, pos) || c.left == 0)
        return;
    unsigned v = c.p[0] >> 4;
    if (v == 4)
        nmx_dis_ip(d, c);
    else if (v == 6)
        nmx_dis_ipv6(d, c);
}
