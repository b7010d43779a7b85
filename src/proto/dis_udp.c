/*
 * dis_udp.c - User Datagram Protocol (RFC 768) and the port-based hand-off
 * to application dissectors (lower port first, as Wireshark tries them).
 *
 *   +-------------------+-------------------+
 *   |   Source Port     | Destination Port  |
 *   +-------------------+-------------------+
 *   |     Length        |     Checksum      |
 *   +-------------------+-------------------+
 */
#include "proto/proto_int.h"

enum { F_SRCPORT, F_DSTPORT, F_PORT, F_LENGTH, F_CHECKSUM, F_STREAM };

static nmx_field_t udp_fields[] = {
    [F_SRCPORT] = NMX_F_UINT("udp.srcport", "Source Port", NMX_BASE_DEC, 2, 0),
    [F_DSTPORT] = NMX_F_UINT("udp.dstport", "Destination Port", NMX_BASE_DEC, 2, 0),
    [F_PORT] = NMX_F_UINT("udp.port", "Source or Destination Port", NMX_BASE_DEC, 2, 0),
    [F_LENGTH] = NMX_F_UINT("udp.length", "Length", NMX_BASE_DEC, 2, 0),
    [F_CHECKSUM] = NMX_F_UINT("udp.checksum", "Checksum", NMX_BASE_HEX, 2, 0),
    [F_STREAM] = NMX_F_UINT("udp.stream", "Stream index", NMX_BASE_DEC, 4, 0),
};

NMX_PROTOCOL(nmx_p_udp, NMX_PROTO_UDP, "udp", "UDP", NULL, "User Datagram Protocol", udp_fields);

enum port_result { PORT_NONE, PORT_OURS, PORT_OTHER };

static enum port_result udp_try_port(nmx_dctx_t *d, nmx_cursor_t c, unsigned port)
{
    switch (port) {
    case 53:
        nmx_dis_dns(d, c, NMX_PROTO_DNS, false);
        return PORT_OURS;
    case 5353:
        nmx_dis_dns(d, c, NMX_PROTO_MDNS, false);
        return PORT_OURS;
    case 5355:
        nmx_dis_dns(d, c, NMX_PROTO_LLMNR, false);
        return PORT_OURS;
    case 137:
        nmx_dis_nbns(d, c);
        return PORT_OURS;
    case 138:
        nmx_dis_nbdgm(d, c);
        return PORT_OURS;
    case 67:
    case 68:
    case 4011:
        nmx_dis_dhcp(d, c);
        return PORT_OURS;
    case 1900:
        nmx_dis_http(d, c, NMX_PROTO_SSDP);
        return PORT_OURS;
    case 3544:
        nmx_dis_teredo(d, c);
        return PORT_OURS;
    case 2152:
        nmx_dis_gtp(d, c);
        return PORT_OURS;
    default:
        return nmx_port_in(nmx_udp_ws_ports, nmx_udp_ws_ports_count, port) ? PORT_OTHER : PORT_NONE;
    }
}

void nmx_dis_udp(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx_off(&c);
    if (!nmx_push_layer(d, NMX_PROTO_UDP, off))
        return;
    if (c.left < 8) {
        if (c.left >= 4) {
            nmx_add(d, &udp_fields[F_SRCPORT], off, 2);
            nmx_add(d, &udp_fields[F_DSTPORT], off + 2, 2);
        }
        nmx_add_err(d, &udp_fields[F_LENGTH], off, c.left);
        return;
    }
    unsigned sport = nmx_load_u16be(c.p), dport = nmx_load_u16be(c.p + 2);
    unsigned ulen = nmx_load_u16be(c.p + 4);
    nmx_add(d, &udp_fields[F_SRCPORT], off, 2);
    nmx_add(d, &udp_fields[F_DSTPORT], off + 2, 2);
    nmx_add(d, &udp_fields[F_PORT], off, 2);
    nmx_add(d, &udp_fields[F_PORT], off + 2, 2);
    if (ulen < 8 && !d->in_error) {
        nmx_add_err(d, &udp_fields[F_LENGTH], off + 4, 2);
        return;
    }
    nmx_add(d, &udp_fields[F_LENGTH], off + 4, 2);
    nmx_add(d, &udp_fields[F_CHECKSUM], off + 6, 2);
    if (d->fctx && d->ws) {
        unsigned k = nmx_layer_index(d, NMX_PROTO_UDP);
        if (k < NMX_STREAM_LAYERS && d->fctx->udp_stream[k] != NMX_STREAM_NONE)
            nmx_add_uint(d, &udp_fields[F_STREAM], off, 0, d->fctx->udp_stream[k]);
    }
    if (ulen > d->l4_reported && !d->in_error) {
        /* Longer than the IP payload: a first fragment, or a bad length.
         * Like tshark, dissect what is there. */
        nmx_add_err(d, &udp_fields[F_LENGTH], off + 4, 2);
    }
    nmx_cursor_t pl = nmx_cur_head(c, ulen);
    nmx_cur_skip(&pl, 8);
    if (pl.left == 0)
        return;
    unsigned lo = sport < dport ? sport : dport;
    unsigned hi = sport < dport ? dport : sport;
    enum port_result r = udp_try_port(d, pl, lo);
    if (r == PORT_OURS)
        return;
    enum port_result r2 = hi != lo ? udp_try_port(d, pl, hi) : PORT_NONE;
    if (r2 == PORT_NONE && r == PORT_NONE && nmx_dns_heur(pl.p, pl.left))
        nmx_dis_dns(d, pl, NMX_PROTO_DNS, false);
}
