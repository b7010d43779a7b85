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

NMX_PROTOCOL(nmx__p_udp, NMX_PROTO_UDP, "udp", "UDP", NULL, "User Datagram Protocol", udp_fields);

enum port_result { PORT_NONE, PORT_OURS, PORT_OTHER };

static enum port_result udp_try_port(nmx_dctx_t *d, nmx_cursor_t c, unsigned port)
{
    switch (port) {
    case 53:
        nmx__dis_dns(d, c, NMX_PROTO_DNS, false);
        return PORT_OURS;
    case 5353:
        nmx__dis_dns(d, c, NMX_PROTO_MDNS, false);
        return PORT_OURS;
    case 5355:
        nmx__dis_dns(d, c, NMX_PROTO_LLMNR, false);
        return PORT_OURS;
    case 137:
        nmx__dis_nbns(d, c);
        return PORT_OURS;
    case 138:
        nmx__dis_nbdgm(d, c);
        return PORT_OURS;
    case 67:
    case 68:
    case 4011:
        nmx__dis_dhcp(d, c);
        return PORT_OURS;
    case 1900:
        nmx__dis_http(d, c, NMX_PROTO_SSDP);
        return PORT_OURS;
    case 3544:
        nmx__dis_teredo(d, c);
        return PORT_OURS;
    case 2152:
        nmx__dis_gtp(d, c);
        return PORT_OURS;
    default:
        return nmx__port_in(nmx__udp_ws_ports, nmx__udp_ws_ports_count, port) ? PORT_OTHER : PORT_NONE;
    }
}

void nmx__dis_udp(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_UDP, off))
        return;
    if (c.left < 8) {
        if (c.left >= 4) {
            nmx__add(d, &udp_fields[F_SRCPORT], off, 2);
            nmx__add(d, &udp_fields[F_DSTPORT], off + 2, 2);
        }
        nmx__add_err(d, &udp_fields[F_LENGTH], off, c.left);
        return;
    }
    unsigned sport = nmx__load_u16be(c.p), dport = nmx__load_u16be(c.p + 2);
    unsigned ulen = nmx__load_u16be(c.p + 4);
    nmx__add(d, &udp_fields[F_SRCPORT], off, 2);
    nmx__add(d, &udp_fields[F_DSTPORT], off + 2, 2);
    nmx__add(d, &udp_fields[F_PORT], off, 2);
    nmx__add(d, &udp_fields[F_PORT], off + 2, 2);
    if (ulen < 8 && !d->in_error) {
        nmx__add_err(d, &udp_fields[F_LENGTH], off + 4, 2);
        return;
    }
    nmx__add(d, &udp_fields[F_LENGTH], off + 4, 2);
    nmx__add(d, &udp_fields[F_CHECKSUM], off + 6, 2);
    if (d->fctx && d->ws) {
        unsigned k = nmx__layer_index(d, NMX_PROTO_UDP);
        if (k < NMX_STREAM_LAYERS && d->fctx->udp_stream[k] != NMX_STREAM_NONE)
            nmx__add_uint(d, &udp_fields[F_STREAM], off, 0, d->fctx->udp_stream[k]);
    }
    if (ulen > d->l4_reported && !d->in_error) {
        /* Longer than the IP payload: a first fragment, or a bad length.
         * Like tshark, dissect what is there. */
        nmx__add_err(d, &udp_fields[F_LENGTH], off + 4, 2);
    }
    nmx_cursor_t pl = nmx__cur_head(c, ulen);
    nmx__cur_skip(&pl, 8);
    if (pl.left == 0)
        return;
    unsigned lo = sport < dport ? sport : dport;
    unsigned hi = sport < dport ? dport : sport;
    enum port_result r = udp_try_port(d, pl, lo);
    if (r == PORT_OURS)
        return;
    enum port_result r2 = hi != lo ? udp_try_port(d, pl, hi) : PORT_NONE;
    if (r2 == PORT_NONE && r == PORT_NONE && nmx__dns_heur(pl.p, pl.left))
        nmx__dis_dns(d, pl, NMX_PROTO_DNS, false);
}
