/*
 * dis_arp.c - Address Resolution Protocol (RFC 826), with the Ethernet/IPv4
 * address fields Wireshark names.
 *
 *   +---------+---------+-----+-----+--------+
 *   | hw type | proto   | hln | pln | opcode |   then sender hw, sender
 *   | (2)     | type (2)| (1) | (1) | (2)    |   proto, target hw, target proto
 *   +---------+---------+-----+-----+--------+
 */
#include "proto/proto_int.h"

enum { F_HWTYPE, F_PTYPE, F_HWSIZE, F_PSIZE, F_OPCODE, F_SRC_MAC, F_SRC_IP, F_DST_MAC, F_DST_IP };

static nmx_field_t arp_fields[] = {
    [F_HWTYPE] = NMX_F_UINT("arp.hw.type", "Hardware type", NMX_BASE_DEC, 2, 0),
    [F_PTYPE] = NMX_F_UINT("arp.proto.type", "Protocol type", NMX_BASE_HEX, 2, 0),
    [F_HWSIZE] = NMX_F_UINT("arp.hw.size", "Hardware size", NMX_BASE_DEC, 1, 0),
    [F_PSIZE] = NMX_F_UINT("arp.proto.size", "Protocol size", NMX_BASE_DEC, 1, 0),
    [F_OPCODE] = NMX_F_UINT("arp.opcode", "Opcode", NMX_BASE_DEC, 2, 0),
    [F_SRC_MAC] = NMX_F_ETHER("arp.src.hw_mac", "Sender MAC address"),
    [F_SRC_IP] = NMX_F_IPV4("arp.src.proto_ipv4", "Sender IP address"),
    [F_DST_MAC] = NMX_F_ETHER("arp.dst.hw_mac", "Target MAC address"),
    [F_DST_IP] = NMX_F_IPV4("arp.dst.proto_ipv4", "Target IP address"),
};

static nmx_dissect_fn dis_arp;

NMX_PROTOCOL(nmx__p_arp, NMX_PROTO_ARP, "arp", "ARP_RARP", "ARP", "Address Resolution Protocol", arp_fields,
             .dissect = dis_arp, NMX_HANDOFFS({NMX_HO_ETHERTYPE, 0x0806}, {NMX_HO_ETHERTYPE, 0x8035}));

static bool dis_arp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    (void)proto; /* always NMX_PROTO_ARP */
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_ARP, off))
        return true;
    if (c.left < 8) {
        nmx__add_err(d, &arp_fields[F_HWTYPE], off, c.left);
        return true;
    }
    uint8_t hln = nmx__cur_get_u8(&c, 4), pln = nmx__cur_get_u8(&c, 5);
    nmx__add(d, &arp_fields[F_HWTYPE], off, 2);
    nmx__add(d, &arp_fields[F_PTYPE], off + 2, 2);
    nmx__add(d, &arp_fields[F_HWSIZE], off + 4, 1);
    nmx__add(d, &arp_fields[F_PSIZE], off + 5, 1);
    nmx__add(d, &arp_fields[F_OPCODE], off + 6, 2);
    size_t need = 8 + 2 * (size_t)hln + 2 * (size_t)pln;
    if (c.left < need) {
        nmx__add_err(d, &arp_fields[F_SRC_MAC], off + 8, c.left - 8);
        return true;
    }
    bool eth = hln == 6, ip4 = pln == 4 && nmx__cur_get_u16be(&c, 2) == 0x0800;
    size_t o = off + 8;
    if (eth)
        nmx__add(d, &arp_fields[F_SRC_MAC], o, 6);
    o += hln;
    if (ip4)
        nmx__add(d, &arp_fields[F_SRC_IP], o, 4);
    o += pln;
    if (eth)
        nmx__add(d, &arp_fields[F_DST_MAC], o, 6);
    o += hln;
    if (ip4)
        nmx__add(d, &arp_fields[F_DST_IP], o, 4);
    return true;
}
