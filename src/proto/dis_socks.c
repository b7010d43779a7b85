/*
 * dis_socks.c - SOCKS (RFC 1928 version 5, and version 4) on TCP 1080.
 *
 * tshark's SOCKS dissector takes every payload of its port (`ports.c`
 * lists 1080 as such) and reads it by the state of its conversation: the
 * version and the stage of the handshake come from the earlier segments,
 * and once the connection is made the payload goes to the dissector of the
 * port asked for.  We dissect each frame on its own, so the layer is
 * recorded for every payload, as io,phs counts it, but no field is (a
 * server's reply cannot be read without the request before it) and the
 * relayed payload is not handed on (docs/protocols.md, difference 11).
 */
#include "proto/proto_int.h"

static nmx_dissect_fn dis_socks;

NMX_PROTOCOL_NOFIELDS(nmx__p_socks, NMX_PROTO_SOCKS, "socks", "SOCKS", NULL, "Socks Protocol", .dissect = dis_socks,
                      NMX_HANDOFFS({NMX_HO_TCP_PORT, 1080}));

static bool dis_socks(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    nmx__push_layer(d, proto, nmx__off(&c));
    return true;
}
