/*
 * dis_raw.c - the raw IP link type (LINKTYPE_RAW, 101): no link header, the
 * IP version nibble decides between IPv4 and IPv6.  Reference:
 * tcpdump.org/linktypes/LINKTYPE_RAW.html.  (Link types 228 and 229 carry
 * IPv4 and IPv6 directly and have no "raw" layer, as in tshark.)
 */
#include "proto/proto_int.h"

NMX_PROTOCOL_NOFIELDS(nmx__p_raw, NMX_PROTO_RAW, "raw", "RAWIP", NULL, "Raw packet data");

void nmx__dis_raw(nmx_dctx_t *d, nmx_cursor_t c, unsigned version)
{
    (void)version;
    if (!nmx__push_layer(d, NMX_PROTO_RAW, nmx__off(&c)))
        return;
    uint8_t b;
    if (!nmx__cur_peek_u8(&c, 0, &b))
        return;
    if ((b >> 4) == 4)
        nmx__dis_ip(d, c);
    else if ((b >> 4) == 6)
        nmx__dis_ipv6(d, c);
}
