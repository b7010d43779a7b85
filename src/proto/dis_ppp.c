/*
 * dis_ppp.c - the Point-to-Point Protocol's protocol field (RFC 1661 2,
 * with protocol-field compression, RFC 1661 6.5), as PPPoE sessions and
 * L2TP carry it; optionally after the HDLC-like address and control bytes
 * (0xFF 0x03, RFC 1662 3.1).
 *
 *   [+----------+----------+] +----------+----------+---------
 *   [| Address  | Control  |] | Protocol (1 or 2)   | payload
 *   [|   0xFF   |   0x03   |] |                     |
 *   [+----------+----------+] +----------+----------+---------
 *
 * The payload goes by PPP's numbers: 0x0021 IPv4, 0x0057 IPv6, 0x0281 and
 * 0x0283 MPLS (handed off as the EtherTypes of the same protocols); LCP,
 * IPCP, CHAP and the other control protocols are not parsed.  As in tshark,
 * the ppp layer is recorded even when the protocol field is missing.
 */
#include "proto/proto_int.h"

enum { F_ADDRESS, F_CONTROL, F_PROTOCOL };

static nmx_field_t ppp_fields[] = {
    [F_ADDRESS] = NMX_F_UINT("ppp.address", "Address", NMX_BASE_HEX, 1, 0),
    [F_CONTROL] = NMX_F_UINT("ppp.control", "Control", NMX_BASE_HEX, 1, 0),
    [F_PROTOCOL] = NMX_F_UINT("ppp.protocol", "Protocol", NMX_BASE_HEX, 2, 0),
};

NMX_PROTOCOL(nmx__p_ppp, NMX_PROTO_PPP, "ppp", "PPP", NULL, "Point-to-Point Protocol", ppp_fields);

/* The EtherType of the protocol with PPP number p, 0 for none we parse. */
static unsigned ppp_ethertype(unsigned p)
{
    switch (p) {
    case 0x0021:
        return 0x0800;
    case 0x0057:
        return 0x86DD;
    case 0x0281:
        return 0x8847;
    case 0x0283:
        return 0x8848;
    default:
        return 0;
    }
}

void nmx__dis_ppp(nmx_dctx_t *d, nmx_cursor_t c, bool hdlc)
{
    size_t off = nmx__off(&c);
    /* HDLC-like framing: tshark's ppp_hdlc reads the first byte before it
     * adds its item, and takes address and control when it is 0xFF. */
    if ((hdlc && c.left == 0) || !nmx__push_layer(d, NMX_PROTO_PPP, off))
        return;
    if (hdlc && nmx__cur_get_u8(&c, 0) == 0xFF) {
        nmx__add(d, &ppp_fields[F_ADDRESS], off, 1);
        if (c.left < 2) {
            nmx__add_err(d, &ppp_fields[F_CONTROL], off + 1, 0);
            return;
        }
        nmx__add(d, &ppp_fields[F_CONTROL], off + 1, 1);
        nmx__cur_skip(&c, 2);
        off += 2;
    }
    uint8_t b0;
    uint16_t proto;
    size_t plen = 2;
    if (!nmx__cur_peek_u8(&c, 0, &b0))
        return;
    if (b0 & 0x01) {
        proto = b0; /* compressed to one byte */
        plen = 1;
        nmx__add_uint(d, &ppp_fields[F_PROTOCOL], off, 1, proto);
    } else if (nmx__cur_peek_u16be(&c, 0, &proto)) {
        nmx__add(d, &ppp_fields[F_PROTOCOL], off, 2);
    } else {
        nmx__add_err(d, &ppp_fields[F_PROTOCOL], off, c.left);
        return;
    }
    unsigned et = ppp_ethertype(proto);
    if (et == 0 || !nmx__cur_skip(&c, plen) || c.left == 0 || d->depth >= NMX_MAX_DEPTH)
        return;
    d->depth++;
    nmx__handoff(d, c, NMX_HO_ETHERTYPE, et);
    d->depth--;
}
