/*
 * dis_null.c - BSD loopback link types: DLT_NULL (a 4-byte address family in
 * the capturing host's byte order) and OpenBSD's DLT_LOOP (the same in
 * network order).  Reference: tcpdump.org/linktypes/LINKTYPE_NULL.html.
 *
 *   +--------------------+---------------
 *   | address family (4) | IPv4 or IPv6
 *   +--------------------+---------------
 */
#include "proto/proto_int.h"

enum { F_FAMILY };

static nmx_field_t null_fields[] = {
    [F_FAMILY] = NMX_F_UINT("null.family", "Family", NMX_BASE_DEC, 4, 0),
};

NMX_PROTOCOL(nmx__p_null, NMX_PROTO_NULL, "null", "LOOPBACK", NULL, "Null/Loopback", null_fields);

void nmx__dis_null(nmx_dctx_t *d, nmx_cursor_t c, bool network_order)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_NULL, off))
        return;
    if (c.left < 4) {
        nmx__add_err(d, &null_fields[F_FAMILY], off, c.left);
        return;
    }
    uint32_t fam = network_order ? nmx__cur_get_u32be(&c, 0) : nmx__cur_get_u32le(&c, 0);
    if (!network_order && (fam & 0xFFFF0000u))
        fam = nmx__cur_get_u32be(&c, 0); /* written by a big-endian host */
    nmx__add_uint(d, &null_fields[F_FAMILY], off, 4, fam);
    nmx__cur_skip(&c, 4);
    switch (fam) {
    case 2:
        nmx__dis_ip(d, c);
        break;
    case 10: /* Linux */
    case 24: /* NetBSD, OpenBSD */
    case 28: /* FreeBSD */
    case 30: /* macOS */
        nmx__dis_ipv6(d, c);
        break;
    default:
        break;
    }
}
