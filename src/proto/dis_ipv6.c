/*
 * dis_ipv6.c - Internet Protocol version 6 (RFC 8200) with its extension
 * headers (hop-by-hop, routing, fragment, destination options) and the
 * Authentication Header (RFC 4302).
 *
 *    0    4        12                       32
 *   +----+--------+--------------------------+
 *   |Ver | Traffic|      Flow Label          |
 *   +----+--------+-------+--------+---------+
 *   |  Payload Length     |Next Hdr|Hop Limit|
 *   +---------------------+--------+---------+
 *   |   Source Address (16)                  |
 *   |   Destination Address (16)             |
 *   +----------------------------------------+
 *
 * What follows the headers is bounded by Payload Length: bytes after the
 * datagram (Ethernet padding, trailers) are not handed on.  A Payload
 * Length beyond the captured bytes hands on what is there, as tshark does.
 *
 * Extension headers are skipped, not recorded as protocols (tshark -z
 * io,phs does not count them either): hop-by-hop, routing and destination
 * options are (Hdr Ext Len + 1) * 8 bytes, a fragment header 8, an
 * Authentication Header (Payload Len + 2) * 4.  A non-first fragment
 * (fragment header with offset > 0) is not dissected further, like tshark
 * without reassembly.
 */
#include "proto/proto_int.h"

enum { F_VERSION, F_TCLASS, F_FLOW, F_PLEN, F_NXT, F_HLIM, F_SRC, F_ADDR, F_DST, F_FRAG_OFFSET, F_FRAG_MORE };

static nmx_field_t ipv6_fields[] = {
    [F_VERSION] = NMX_F_UINT("ipv6.version", "Version", NMX_BASE_DEC, 1, 0xF0),
    [F_TCLASS] = NMX_F_UINT("ipv6.tclass", "Traffic Class", NMX_BASE_HEX, 4, 0x0FF00000),
    [F_FLOW] = NMX_F_UINT("ipv6.flow", "Flow Label", NMX_BASE_HEX, 3, 0x0FFFFF),
    [F_PLEN] = NMX_F_UINT("ipv6.plen", "Payload Length", NMX_BASE_DEC, 2, 0),
    [F_NXT] = NMX_F_UINT("ipv6.nxt", "Next Header", NMX_BASE_DEC, 1, 0),
    [F_HLIM] = NMX_F_UINT("ipv6.hlim", "Hop Limit", NMX_BASE_DEC, 1, 0),
    [F_SRC] = NMX_F_IPV6("ipv6.src", "Source Address"),
    [F_ADDR] = NMX_F_IPV6("ipv6.addr", "Source or Destination Address"),
    [F_DST] = NMX_F_IPV6("ipv6.dst", "Destination Address"),
    /* The fragment header's fields (tshark's ipv6.fraghdr), so that a
     * fragment can be told from its properties. */
    [F_FRAG_OFFSET] = NMX_F_UINT("ipv6.fraghdr.offset", "Offset", NMX_BASE_DEC, 2, 0xFFF8),
    [F_FRAG_MORE] = NMX_F_BOOL("ipv6.fraghdr.more", "More Fragments", 2, 0x0001),
};

static nmx_dissect_fn ipv6_handoff;

NMX_PROTOCOL(nmx__p_ipv6, NMX_PROTO_IPV6, "ipv6", "IPV6", "IP6", "Internet Protocol Version 6", ipv6_fields,
             .dissect = ipv6_handoff, NMX_HANDOFFS({NMX_HO_ETHERTYPE, 0x86DD}, {NMX_HO_IP_PROTO, 41}),
             .borrows = {NMX_PROTO_IP} /* ip.version, as tshark shows it */);

/*
 * Skips the extension headers at c (at most 16), leaving c after them and
 * *nxt the header that follows; *first is cleared by a non-first fragment,
 * whose offset and more-fragments flag are properties.  False when a
 * header is cut short by the payload (nothing follows).
 */
static bool skip_ext_headers(nmx_dctx_t *d, nmx_cursor_t *c, unsigned *nxt, bool *first)
{
    for (int n = 0; n < 16; n++) {
        if (*nxt == 0 || *nxt == 43 || *nxt == 60) {
            if (c->left < 8)
                return false;
            size_t elen = ((size_t)nmx__cur_get_u8(c, 1) + 1) * 8;
            *nxt = nmx__cur_get_u8(c, 0);
            if (!nmx__cur_skip(c, elen))
                return false;
        } else if (*nxt == 51) {
            /* AH: Next Header, Payload Len in 32-bit words minus 2,
             * Reserved (2), SPI (4), Sequence Number (4), ICV. */
            if (c->left < 12)
                return false;
            size_t alen = ((size_t)nmx__cur_get_u8(c, 1) + 2) * 4;
            *nxt = nmx__cur_get_u8(c, 0);
            if (!nmx__cur_skip(c, alen))
                return false;
        } else if (*nxt == 44) {
            if (c->left < 8)
                return false;
            if (nmx__cur_get_u16be(c, 2) & 0xFFF8)
                *first = false;
            nmx__add(d, &ipv6_fields[F_FRAG_OFFSET], nmx__off(c) + 2, 2);
            nmx__add(d, &ipv6_fields[F_FRAG_MORE], nmx__off(c) + 2, 2);
            *nxt = nmx__cur_get_u8(c, 0);
            nmx__cur_skip(c, 8);
        } else {
            break;
        }
    }
    return true;
}

/* The fixed header's fields whose bytes c holds (tshark 4.0 adds them in
 * this order until it runs out), or only the versions (all) false. */
static void header_fields(nmx_dctx_t *d, const nmx_cursor_t *c, bool all)
{
    static const struct {
        int field; /* -1: ip.version */
        uint8_t at, len;
    } h[] = {{F_VERSION, 0, 1}, {-1, 0, 1},     {F_TCLASS, 0, 4}, {F_FLOW, 1, 3},  {F_PLEN, 4, 2}, {F_NXT, 6, 1},
             {F_HLIM, 7, 1},    {F_SRC, 8, 16}, {F_ADDR, 8, 16},  {F_DST, 24, 16}, {F_ADDR, 24, 16}};
    size_t off = nmx__off(c);
    for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
        if (!all && h[i].field != F_VERSION && h[i].field != -1)
            continue;
        if (h[i].at + h[i].len > c->left)
            return;
        /* Wireshark also gives IPv6 headers an ip.version. */
        nmx__add(d, h[i].field < 0 ? nmx__ip_version_field : &ipv6_fields[h[i].field], off + h[i].at, h[i].len);
    }
}

/*
 * As tshark 4.0: a header whose version is not 6 shows its versions and
 * nothing more is dissected (tshark hands the rest to data); a header cut
 * short shows the fields it holds.
 */
void nmx__dis_ipv6(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_IPV6, off))
        return;
    uint8_t b0;
    bool v6 = nmx__cur_peek_u8(&c, 0, &b0) && (b0 >> 4) == 6;
    if (d->ws)
        header_fields(d, &c, v6);
    if (c.left < 40 || !v6) {
        if (c.left < 40)
            nmx__add_err(d, &ipv6_fields[F_VERSION], off, c.left);
        return;
    }
    uint16_t plen = nmx__cur_get_u16be(&c, 4);
    unsigned nxt = nmx__cur_get_u8(&c, 6);
    if (!d->addrs->ip6.present && !d->in_error) {
        d->addrs->ip6.present = 1;
        d->addrs->ip6.src = (uint16_t)(off + 8);
        d->addrs->ip6.dst = (uint16_t)(off + 24);
    }
    nmx__cur_skip(&c, 40);
    size_t payload_at = nmx__off(&c);
    /* Payload Length 0 without a jumbo option carries nothing for tshark
     * (segmentation-offload captures); errors quote what they can. */
    if (plen || !d->in_error)
        c = nmx__cur_head(c, plen);
    bool first = true;
    if (!skip_ext_headers(d, &c, &nxt, &first))
        return;
    if (nxt == 59)
        return;
    d->l4_reported = (uint32_t)(plen ? c.left : c.left);
    if (plen) {
        size_t used = nmx__off(&c) - payload_at;
        d->l4_reported = plen > used ? (uint32_t)(plen - used) : 0;
    }
    nmx__dis_ip_proto(d, c, nxt, true, first);
}

/* A hand-off to IPv6: ethertype 0x86DD, or IPv6 in IP (not inside the
 * datagram an ICMP error quotes). */
static bool ipv6_handoff(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    (void)proto;
    if (d->ho_table == NMX_HO_IP_PROTO && d->in_error)
        return false;
    nmx__dis_ipv6(d, c);
    return true;
}
