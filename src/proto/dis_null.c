/*
 * dis_null.c - link types without a MAC header: BSD loopback (DLT_NULL,
 * 4-byte address family in the capturing host's byte order; OpenBSD
 * DLT_LOOP, the same in network order) and raw IP (LINKTYPE_RAW, where the
 * IP version nibble decides between IPv4 and IPv6).
 *
 * Reference: tcpdump.org/linktypes/LINKTYPE_NULL.html, LINKTYPE_RAW.html.
 */
#include "proto/proto_int.h"

enum { F_FAMILY };

static nmx_field_t null_fields[] = {
    [F_FAMILY] = NMX_F_UINT("null.family", "Family", NMX_BASE_DEC, 4, 0),
};

NMX_PROTOCOL(nmx_p_null, NMX_PROTO_NULL, "null", "LOOPBACK", NULL, "Null/Loopback", null_fields);
NMX_PROTOCOL_NOFIELDS(nmx_p_raw, NMX_PROTO_RAW, "raw", "RAWIP", NULL, "Raw packet data");

void nmx_dis_null(nmx_dctx_t *d, nmx_cursor_t c, bool network_order)
{
    size_t off = nmx_off(&c);
    if (!nmx_layer(d, NMX_PROTO_NULL, off))
        return;
    if (c.left < 4) {
        nmx_add_err(d, &null_fields[F_FAMILY], off, c.left);
        return;
    }
    uint32_t fam = network_order ? nmx_load_u32be(c.p) : nmx_load_u32le(c.p);
    if (!network_order && (fam & 0xFFFF0000u))
        fam = nmx_load_u32be(c.p); /* written by a big-endian host */
    nmx_add_uint(d, &null_fields[F_FAMILY], off, 4, fam);
    nmx_cur_skip(&c, 4);
    switch (fam) {
    case 2:
        nmx_dis_ip(d, c);
        break;
    case 10: /* Linux */
    case 24: /* NetBSD, OpenBSD */
    case 28: /* FreeBSD */
    case 30: /* macOS */
        nmx_dis_ipv6(d, c);
        break;
    default:
        break;
    }
}

void nmx_dis_raw(nmx_dctx_t *d, nmx_cursor_t c, unsigned version)
{
    (void)version;
    if (!nmx_layer(d, NMX_PROTO_RAW, nmx_off(&c)))
        return;
    uint8_t b;
    if (!nmx_cur_peek_u8(&c, 0, &b))
        return;
    if ((b >> 4) == 4)
        nmx_dis_ip(d, c);
    else if ((b >> 4) == 6)
        nmx_dis_ipv6(d, c);
}
