/*
 * dis_ip.c - Internet Protocol version 4 (RFC 791), and the IP protocol
 * number dispatch shared with IPv6.
 *
 *    0       4       8              16    19                        32
 *   +-------+-------+---------------+-----+---------------------------+
 *   |Version|  IHL  | DSCP    |ECN  |      Total Length             |
 *   +-------+-------+---------------+-----+---------------------------+
 *   |        Identification         |Flags|  Fragment Offset        |
 *   +---------------+---------------+-----+---------------------------+
 *   |  Time to Live |   Protocol    |      Header Checksum            |
 *   +---------------+---------------+---------------------------------+
 *   |                       Source Address                            |
 *   |                    Destination Address                          |
 *   |                    Options (IHL > 5)                            |
 *   +-----------------------------------------------------------------+
 *
 * Fragments are not reassembled: like tshark with ip.defragment off, only
 * the first fragment (offset 0) is dissected above IP.  The payload is
 * bounded by Total Length, so Ethernet padding is never parsed.
 */
#include "proto/proto_int.h"

enum { F_VERSION, F_HDR_LEN, F_DSFIELD, F_DSCP, F_ECN, F_LEN, F_ID, F_FLAGS, F_FLAGS_RB, F_FLAGS_DF,
       F_FLAGS_MF, F_FRAG_OFFSET, F_TTL, F_PROTO, F_CHECKSUM, F_SRC, F_ADDR, F_DST };

static nmx_field_t ip_fields[] = {
    [F_VERSION] = NMX_F_UINT("ip.version", "Version", NMX_BASE_DEC, 1, 0xF0),
    [F_HDR_LEN] = NMX_F_UINT("ip.hdr_len", "Header Length", NMX_BASE_DEC, 1, 0),
    [F_DSFIELD] = NMX_F_UINT("ip.dsfield", "Differentiated Services Field", NMX_BASE_HEX, 1, 0),
    [F_DSCP] = NMX_F_UINT("ip.dsfield.dscp", "Differentiated Services Codepoint", NMX_BASE_DEC, 1, 0xFC),
    [F_ECN] = NMX_F_UINT("ip.dsfield.ecn", "Explicit Congestion Notification", NMX_BASE_DEC, 1, 0x03),
    [F_LEN] = NMX_F_UINT("ip.len", "Total Length", NMX_BASE_DEC, 2, 0),
    [F_ID] = NMX_F_UINT("ip.id", "Identification", NMX_BASE_HEX, 2, 0),
    [F_FLAGS] = NMX_F_UINT("ip.flags", "Flags", NMX_BASE_HEX, 1, 0xE0),
    [F_FLAGS_RB] = NMX_F_BOOL("ip.flags.rb", "Reserved bit", 1, 0x80),
    [F_FLAGS_DF] = NMX_F_BOOL("ip.flags.df", "Don't fragment", 1, 0x40),
    [F_FLAGS_MF] = NMX_F_BOOL("ip.flags.mf", "More fragments", 1, 0x20),
    [F_FRAG_OFFSET] = NMX_F_UINT("ip.frag_offset", "Fragment Offset", NMX_BASE_DEC, 2, 0x1FFF),
    [F_TTL] = NMX_F_UINT("ip.ttl", "Time to Live", NMX_BASE_DEC, 1, 0),
    [F_PROTO] = NMX_F_UINT("ip.proto", "Protocol", NMX_BASE_DEC, 1, 0),
    [F_CHECKSUM] = NMX_F_UINT("ip.checksum", "Header Checksum", NMX_BASE_HEX, 2, 0),
    [F_SRC] = NMX_F_IPV4("ip.src", "Source Address"),
    [F_ADDR] = NMX_F_IPV4("ip.addr", "Source or Destination Address"),
    [F_DST] = NMX_F_IPV4("ip.dst", "Destination Address"),
};

static nmx_dissect_fn ip_handoff;

NMX_PROTOCOL(nmx__p_ip, NMX_PROTO_IP, "ip", "IP", "IPV4", "Internet Protocol Version 4", ip_fields,
             .dissect = ip_handoff, NMX_HANDOFFS({NMX_HO_ETHERTYPE, 0x0800}, {NMX_HO_IP_PROTO, 4}));

const nmx_field_t *const nmx__ip_version_field = &ip_fields[F_VERSION];

void nmx__dis_ip_proto(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto, bool v6, bool first_frag)
{
    if (!first_frag || d->depth >= NMX_MAX_DEPTH)
        return;
    /* Less than the two ports left for TCP or UDP (a Total or Payload
     * Length of 0 to 3 after the headers, or IPv6 extension headers that
     * fill it): the bytes after the datagram are padding or a trailer, not
     * ports.  tshark's TCP and UDP dissectors give up before they show
     * anything (io,phs does not count them, and there is no conversation).
     * A datagram quoted by an ICMP error keeps its cut-short upper layer. */
    if (c.left < 4 && !d->in_error && (proto == 6 || proto == 17))
        return;
    d->depth++;
    bool saved_v6 = d->ho_v6;
    d->ho_v6 = v6;
    nmx__handoff(d, c, NMX_HO_IP_PROTO, proto);
    d->ho_v6 = saved_v6;
    d->depth--;
}

/*
 * A version-6 header where IPv4 was expected (a Linux cooked capture's
 * EtherType, or corrupted bytes), as tshark 4.0 shows it: its ethertype
 * table holds dissect_ip_v4, which adds its ip item (ip.version, flagged
 * bogus) and hands the bytes to IPv6; its other tables (IP protocol 4, GRE,
 * PPP, a null header's family...) hold dissect_ip, which hands them to IPv6
 * without an ip item.  item: reached by an EtherType outside GRE and PPP.
 */
static void ip_version6(nmx_dctx_t *d, nmx_cursor_t c, bool item)
{
    if (item) {
        if (!nmx__push_layer(d, NMX_PROTO_IP, nmx__off(&c)))
            return;
        nmx__add(d, &ip_fields[F_VERSION], nmx__off(&c), 1);
        nmx__add_err(d, &ip_fields[F_VERSION], nmx__off(&c), 1);
    }
    nmx__dis_ipv6(d, c);
}

/* Whether the header at c has version 6 (ip_version6). */
static bool is_version6(const nmx_cursor_t *c)
{
    uint8_t b;
    return nmx__cur_peek_u8(c, 0, &b) && (b >> 4) == 6;
}

void nmx__dis_ip(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    if (is_version6(&c)) {
        ip_version6(d, c, false);
        return;
    }
    if (!nmx__push_layer(d, NMX_PROTO_IP, off))
        return;
    if (c.left < 20) {
        nmx__add_err(d, &ip_fields[F_VERSION], off, c.left);
        return;
    }
    uint8_t vhl = nmx__cur_get_u8(&c, 0);
    unsigned hlen = (vhl & 0x0F) * 4u;
    uint16_t tot = nmx__cur_get_u16be(&c, 2);
    uint16_t fragw = nmx__cur_get_u16be(&c, 6);
    uint8_t proto = nmx__cur_get_u8(&c, 9);
    nmx__add(d, &ip_fields[F_VERSION], off, 1);
    if ((vhl >> 4) != 4) {
        nmx__add_err(d, &ip_fields[F_VERSION], off, 1); /* tshark stops at a bogus version */
        return;
    }
    if (hlen < 20) {
        nmx__add_err(d, &ip_fields[F_HDR_LEN], off, 1);
        return;
    }
    nmx__add_uint(d, &ip_fields[F_HDR_LEN], off, 1, hlen);
    nmx__add(d, &ip_fields[F_DSFIELD], off + 1, 1);
    nmx__add(d, &ip_fields[F_DSCP], off + 1, 1);
    nmx__add(d, &ip_fields[F_ECN], off + 1, 1);
    bool tso = tot == 0 && !d->in_error;
    if (tso) {
        /* TCP segmentation offload: the length is left 0; Wireshark then
         * takes the frame's length. */
        size_t rep = d->wirelen > off ? d->wirelen - off : c.left;
        tot = (uint16_t)(rep > 0xFFFF ? 0xFFFF : rep);
        if (tot < hlen)
            tot = (uint16_t)hlen;
    }
    if (!d->in_error && d->wirelen > off && tot > d->wirelen - off)
        tot = (uint16_t)(d->wirelen - off); /* longer than the frame: trimmed, as tshark does */
    if (tot < hlen && !d->in_error) {
        nmx__add_err(d, &ip_fields[F_LEN], off + 2, 2);
        return;
    }
    if (tso)
        nmx__add_uint(d, &ip_fields[F_LEN], off + 2, 2, tot); /* as tshark shows it */
    else
        nmx__add(d, &ip_fields[F_LEN], off + 2, 2);
    nmx__add(d, &ip_fields[F_ID], off + 4, 2);
    nmx__add(d, &ip_fields[F_FLAGS], off + 6, 1);
    nmx__add(d, &ip_fields[F_FLAGS_RB], off + 6, 1);
    nmx__add(d, &ip_fields[F_FLAGS_DF], off + 6, 1);
    nmx__add(d, &ip_fields[F_FLAGS_MF], off + 6, 1);
    nmx__add(d, &ip_fields[F_FRAG_OFFSET], off + 6, 2);
    nmx__add(d, &ip_fields[F_TTL], off + 8, 1);
    nmx__add(d, &ip_fields[F_PROTO], off + 9, 1);
    nmx__add(d, &ip_fields[F_CHECKSUM], off + 10, 2);
    nmx__add(d, &ip_fields[F_SRC], off + 12, 4);
    nmx__add(d, &ip_fields[F_ADDR], off + 12, 4);
    nmx__add(d, &ip_fields[F_DST], off + 16, 4);
    nmx__add(d, &ip_fields[F_ADDR], off + 16, 4);
    if (!d->addrs->ip.present && !d->in_error) {
        d->addrs->ip.present = 1;
        d->addrs->ip.src = (uint16_t)(off + 12);
        d->addrs->ip.dst = (uint16_t)(off + 16);
    }
    if (c.left < hlen) {
        nmx__add_err(d, &ip_fields[F_HDR_LEN], off, 1);
        return;
    }
    /* The payload: bounded by Total Length (in an ICMP error payload the
     * inner datagram is usually cut short; take what is there). */
    nmx_cursor_t pl = nmx__cur_head(c, tot >= hlen ? tot : hlen);
    nmx__cur_skip(&pl, hlen);
    bool first = (fragw & 0x1FFF) == 0;
    d->l4_reported = tot >= hlen ? tot - hlen : 0;
    nmx__dis_ip_proto(d, pl, proto, false, first);
}

/* A hand-off to IPv4: ethertype 0x0800, or IP in IP (not inside the
 * datagram an ICMP error quotes). */
static bool ip_handoff(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    (void)proto;
    if (d->ho_table == NMX_HO_IP_PROTO && d->in_error)
        return false;
    if (d->ho_table == NMX_HO_ETHERTYPE && is_version6(&c)) {
        unsigned n = d->rt->nRecognizeDatas, prev = n ? d->rt->RecognizeData[n - 1].ProtocolID : 0;
        ip_version6(d, c, prev != NMX_PROTO_GRE && prev != NMX_PROTO_PPP);
        return true;
    }
    nmx__dis_ip(d, c);
    return true;
}
