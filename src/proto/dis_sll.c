/*
 * dis_sll.c - Linux "cooked" capture headers, v1 (LINKTYPE_LINUX_SLL, 113)
 * and v2 (LINKTYPE_LINUX_SLL2, 276); Wireshark names both "sll".
 *
 * Reference: tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and
 * LINKTYPE_LINUX_SLL2.html.
 *
 *   v1: packet type (2) | ARPHRD type (2) | addr len (2) | addr (8) | protocol (2)
 *   v2: protocol (2) | reserved (2) | ifindex (4) | ARPHRD type (2) |
 *       packet type (1) | addr len (1) | addr (8)
 */
#include "proto/proto_int.h"

enum { F_PKTTYPE, F_HATYPE, F_HALEN, F_SRC_ETH, F_ETYPE, F_IFINDEX };

static nmx_field_t sll_fields[] = {
    [F_PKTTYPE] = NMX_F_UINT("sll.pkttype", "Packet type", NMX_BASE_DEC, 2, 0),
    [F_HATYPE] = NMX_F_UINT("sll.hatype", "Link-layer address type", NMX_BASE_DEC, 2, 0),
    [F_HALEN] = NMX_F_UINT("sll.halen", "Link-layer address length", NMX_BASE_DEC, 2, 0),
    [F_SRC_ETH] = NMX_F_ETHER("sll.src.eth", "Source"),
    [F_ETYPE] = NMX_F_UINT("sll.etype", "Protocol", NMX_BASE_HEX, 2, 0),
    [F_IFINDEX] = NMX_F_UINT("sll.ifindex", "Interface index", NMX_BASE_DEC, 4, 0),
};

NMX_PROTOCOL(nmx__p_sll, NMX_PROTO_SLL, "sll", "SLL", NULL, "Linux cooked-mode capture", sll_fields);

/* The protocol field: an EtherType, or one of the ARPHRD-specific values. */
static void sll_payload(nmx_dctx_t *d, nmx_cursor_t c, uint16_t proto)
{
    if (proto == 0x0004) /* 802.2 frames */
        nmx__dis_llc(d, c);
    else if (proto > 1500)
        nmx__handoff(d, c, NMX_HO_ETHERTYPE, proto);
}

void nmx__dis_sll(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_SLL, off))
        return;
    if (c.left < 16) {
        nmx__add_err(d, &sll_fields[F_PKTTYPE], off, c.left);
        return;
    }
    uint16_t halen = nmx__cur_get_u16be(&c, 4);
    uint16_t proto = nmx__cur_get_u16be(&c, 14);
    nmx__add(d, &sll_fields[F_PKTTYPE], off, 2);
    nmx__add(d, &sll_fields[F_HATYPE], off + 2, 2);
    nmx__add(d, &sll_fields[F_HALEN], off + 4, 2);
    if (halen == 6)
        nmx__add(d, &sll_fields[F_SRC_ETH], off + 6, 6);
    nmx__add(d, &sll_fields[F_ETYPE], off + 14, 2);
    nmx__cur_skip(&c, 16);
    sll_payload(d, c, proto);
}

void nmx__dis_sll2(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_SLL, off))
        return;
    if (c.left < 20) {
        nmx__add_err(d, &sll_fields[F_ETYPE], off, c.left);
        return;
    }
    uint16_t proto = nmx__cur_get_u16be(&c, 0);
    uint8_t halen = nmx__cur_get_u8(&c, 11);
    nmx__add(d, &sll_fields[F_ETYPE], off, 2);
    nmx__add(d, &sll_fields[F_IFINDEX], off + 4, 4);
    nmx__add(d, &sll_fields[F_HATYPE], off + 8, 2);
    nmx__add_uint(d, &sll_fields[F_PKTTYPE], off + 10, 1, nmx__cur_get_u8(&c, 10));
    nmx__add_uint(d, &sll_fields[F_HALEN], off + 11, 1, halen);
    if (halen == 6)
        nmx__add(d, &sll_fields[F_SRC_ETH], off + 12, 6);
    nmx__cur_skip(&c, 20);
    sll_payload(d, c, proto);
}
