/*
 * dis_teredo.c - Teredo, IPv6 over UDP port 3544 (RFC 4380 5.1): optional
 * authentication and origin indication headers, then an IPv6 packet.
 */
#include "proto/proto_int.h"

static nmx_dissect_fn dis_teredo;

NMX_PROTOCOL_NOFIELDS(nmx__p_teredo, NMX_PROTO_TEREDO, "teredo", "TEREDO", NULL, "Teredo IPv6 over UDP tunneling",
                      .dissect = dis_teredo, NMX_HANDOFFS({NMX_HO_UDP_PORT, 3544}));

static bool dis_teredo(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    (void)proto; /* always NMX_PROTO_TEREDO */
    /* Like tshark's port dissector, it keeps (returns true for) what it
     * does not tunnel. */
    nmx_cursor_t t = c;
    /* Authentication header: 0x0001, id len, auth len, id, auth, nonce(8), conf(1). */
    if (t.left >= 4 && nmx__cur_get_u16be(&t, 0) == 1) {
        size_t skip = 4 + (size_t)nmx__cur_get_u8(&t, 2) + nmx__cur_get_u8(&t, 3) + 9;
        if (!nmx__cur_skip(&t, skip))
            return true;
    }
    /* Origin indication: 0x0000, port(2), address(4). */
    if (t.left >= 8 && nmx__cur_get_u16be(&t, 0) == 0)
        nmx__cur_skip(&t, 8);
    if (t.left < 40 || (nmx__cur_get_u8(&t, 0) >> 4) != 6)
        return true;
    if (!nmx__push_layer(d, NMX_PROTO_TEREDO, nmx__off(&c)))
        return true;
    nmx__dis_ipv6(d, t);
    return true;
}
