/*
 * dis_udp.c - User Datagram Protocol (RFC 768); the payload is handed off
 * by port and heuristic (handoff.c).
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

static nmx_dissect_fn dis_udp;

NMX_PROTOCOL(nmx__p_udp, NMX_PROTO_UDP, "udp", "UDP", NULL, "User Datagram Protocol", udp_fields,
             .dissect = dis_udp, NMX_HANDOFFS({NMX_HO_IP_PROTO, 17}));

static bool dis_udp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    (void)proto; /* always NMX_PROTO_UDP */
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_UDP, off))
        return true;
    if (c.left < 8) {
        if (c.left >= 4) {
            nmx__add(d, &udp_fields[F_SRCPORT], off, 2);
            nmx__add(d, &udp_fields[F_DSTPORT], off + 2, 2);
        }
        nmx__add_err(d, &udp_fields[F_LENGTH], off, c.left);
        return true;
    }
    unsigned sport = nmx__cur_get_u16be(&c, 0), dport = nmx__cur_get_u16be(&c, 2);
    unsigned ulen = nmx__cur_get_u16be(&c, 4);
    nmx__add(d, &udp_fields[F_SRCPORT], off, 2);
    nmx__add(d, &udp_fields[F_DSTPORT], off + 2, 2);
    nmx__add(d, &udp_fields[F_PORT], off, 2);
    nmx__add(d, &udp_fields[F_PORT], off + 2, 2);
    if (ulen < 8 && !d->in_error) {
        nmx__add_err(d, &udp_fields[F_LENGTH], off + 4, 2);
        return true;
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
        return true;
    nmx__handoff_ports(d, pl, false, sport, dport);
    return true;
}
