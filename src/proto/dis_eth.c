/*
 * dis_eth.c - Ethernet II and IEEE 802.3 MAC headers, and the EtherType
 * dispatch shared by every link layer that carries an EtherType.
 *
 * References: IEEE 802.3-2018 clause 3.2; RFC 894 (IP over Ethernet).
 *
 *    0                   6                  12      14
 *   +-------------------+-------------------+-------+-------------
 *   | destination (6)   | source (6)        | type/ | payload ...
 *   |                   |                   | length|
 *   +-------------------+-------------------+-------+-------------
 *
 * A type/length value <= 1500 is an 802.3 length followed by 802.2 LLC;
 * 0x0600 and up is an EtherType.
 */
#include "proto/proto_int.h"

enum { F_DST, F_DST_LG, F_DST_IG, F_SRC, F_SRC_LG, F_SRC_IG, F_ADDR, F_TYPE, F_LEN };

static nmx_field_t eth_fields[] = {
    [F_DST] = NMX_F_ETHER("eth.dst", "Destination"),
    [F_DST_LG] = NMX_F_BOOL("eth.dst.lg", "LG bit", 3, 0x020000),
    [F_DST_IG] = NMX_F_BOOL("eth.dst.ig", "IG bit", 3, 0x010000),
    [F_SRC] = NMX_F_ETHER("eth.src", "Source"),
    [F_SRC_LG] = NMX_F_BOOL("eth.src.lg", "LG bit", 3, 0x020000),
    [F_SRC_IG] = NMX_F_BOOL("eth.src.ig", "IG bit", 3, 0x010000),
    [F_ADDR] = NMX_F_ETHER("eth.addr", "Address"),
    [F_TYPE] = NMX_F_UINT("eth.type", "Type", NMX_BASE_HEX, 2, 0),
    [F_LEN] = NMX_F_UINT("eth.len", "Length", NMX_BASE_DEC, 2, 0),
};

static nmx_dissect_fn eth_handoff;

/* 0x6558: transparent Ethernet bridging (an Ethernet frame inside GRE...). */
NMX_PROTOCOL(nmx__p_eth, NMX_PROTO_ETH, "eth", "ETHERNET", "ETHER", "Ethernet", eth_fields,
             .dissect = eth_handoff, NMX_HANDOFFS({NMX_HO_ETHERTYPE, 0x6558}));

void nmx__dis_eth(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    if (c.left < 14)
        return; /* tshark 4.0 fails before adding its item: no eth for io,phs
                   or -Y eth, only _ws.short or _ws.malformed */
    if (nmx__cur_get_u16be(&c, 12) == 0x8903) {
        nmx__dis_cfp(d, c); /* FabricPath: the whole frame, without an eth layer (tshark's heuristic) */
        return;
    }
    if (!nmx__push_layer(d, NMX_PROTO_ETH, off))
        return;
    if (!d->addrs->mac.present) {
        d->addrs->mac.present = 1;
        d->addrs->mac.dst = (uint16_t)off;
        d->addrs->mac.src = (uint16_t)(off + 6);
    }
    uint16_t tl = nmx__cur_get_u16be(&c, 12);
    if (d->ws) {
        nmx__add(d, &eth_fields[F_DST], off, 6);
        nmx__add(d, &eth_fields[F_ADDR], off, 6);
        nmx__add(d, &eth_fields[F_DST_LG], off, 3);
        nmx__add(d, &eth_fields[F_DST_IG], off, 3);
        nmx__add(d, &eth_fields[F_SRC], off + 6, 6);
        nmx__add(d, &eth_fields[F_ADDR], off + 6, 6);
        nmx__add(d, &eth_fields[F_SRC_LG], off + 6, 3);
        nmx__add(d, &eth_fields[F_SRC_IG], off + 6, 3);
        nmx__add(d, tl <= 1500 ? &eth_fields[F_LEN] : &eth_fields[F_TYPE], off + 12, 2);
    }
    nmx__cur_skip(&c, 14);
    nmx__dis_type_or_length(d, c, tl);
}

/* A hand-off to Ethernet (EtherType 0x6558). */
static bool eth_handoff(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    (void)proto;
    nmx__dis_eth(d, c);
    return true;
}
