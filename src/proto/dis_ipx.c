/*
 * dis_ipx.c - Novell IPX (EtherType 0x8137, LLC SAP 0xE0, SNAP, and
 * "raw" 802.3 frames whose payload starts with the checksum 0xFFFF).
 *
 *   +----------+--------+------+------+--------------------------------+
 *   | checksum | length | hops | type | destination: net(4) node(6)    |
 *   +----------+--------+------+------+ socket(2), then the source ... |
 *   30 bytes of header, then the packet type's protocol (SPX is type 5,
 *   NMX_HO_IPX_TYPE).
 *
 * As tshark 4.0 shows it: the addresses as "network.node" strings (ipx.src,
 * ipx.dst, and ipx.addr source first), then each part on its own, and
 * ipx.net, ipx.node and ipx.socket destination first.  The length bounds
 * what follows.  A header cut short is taken but not counted (tshark
 * throws before its tree item).  tshark offers the payload by socket
 * first, the lower then the higher (NMX_HO_IPX_SOCKET: NCP is 0x0451),
 * then by packet type; of its socket dissectors only NCP is made here
 * (SAP, RIP, NetBIOS, NLSP, IPX messages... are not: docs/protocols.md),
 * and those sockets' payloads are offered by packet type.
 */
#include <stdio.h>

#include "proto/proto_int.h"

enum { F_CHECKSUM, F_SRC, F_DST, F_ADDR, F_LEN, F_HOPS, F_TYPE, F_DST_NET, F_DST_NODE, F_DST_SOCKET,
       F_SRC_NET, F_SRC_NODE, F_SRC_SOCKET, F_NET, F_NODE, F_SOCKET };

static nmx_field_t ipx_fields[] = {
    [F_CHECKSUM] = NMX_F_UINT("ipx.checksum", "Checksum", NMX_BASE_HEX, 2, 0),
    [F_SRC] = NMX_F_STRING("ipx.src", "Source Address"),
    [F_DST] = NMX_F_STRING("ipx.dst", "Destination Address"),
    [F_ADDR] = NMX_F_STRING("ipx.addr", "Source or Destination Address"),
    [F_LEN] = NMX_F_UINT("ipx.len", "Length", NMX_BASE_DEC, 2, 0),
    [F_HOPS] = NMX_F_UINT("ipx.hops", "Transport Control (Hops)", NMX_BASE_DEC, 1, 0),
    [F_TYPE] = NMX_F_UINT("ipx.packet_type", "Packet Type", NMX_BASE_HEX, 1, 0),
    [F_DST_NET] = NMX_F_UINT("ipx.dst.net", "Destination Network", NMX_BASE_HEX, 4, 0),
    [F_DST_NODE] = NMX_F_ETHER("ipx.dst.node", "Destination Node"),
    [F_DST_SOCKET] = NMX_F_UINT("ipx.dst.socket", "Destination Socket", NMX_BASE_HEX, 2, 0),
    [F_SRC_NET] = NMX_F_UINT("ipx.src.net", "Source Network", NMX_BASE_HEX, 4, 0),
    [F_SRC_NODE] = NMX_F_ETHER("ipx.src.node", "Source Node"),
    [F_SRC_SOCKET] = NMX_F_UINT("ipx.src.socket", "Source Socket", NMX_BASE_HEX, 2, 0),
    [F_NET] = NMX_F_UINT("ipx.net", "Source or Destination Network", NMX_BASE_HEX, 4, 0),
    [F_NODE] = NMX_F_ETHER("ipx.node", "Source or Destination Node"),
    [F_SOCKET] = NMX_F_UINT("ipx.socket", "Source or Destination Socket", NMX_BASE_HEX, 2, 0),
};

static nmx_dissect_fn dis_ipx;

NMX_PROTOCOL(nmx__p_ipx, NMX_PROTO_IPX, "ipx", "IPX", NULL, "Internetwork Packet eXchange", ipx_fields,
             .dissect = dis_ipx, NMX_HANDOFFS({NMX_HO_ETHERTYPE, 0x8137}, {NMX_HO_LLC_SAP, 0xe0}));

/* The address at pos (network, node) as tshark writes it: "0000abcd.0011223344ff". */
static size_t ipx_addr_text(const nmx_cursor_t *c, size_t pos, char *out, size_t cap)
{
    unsigned net = (unsigned)nmx__cur_get_u32be(c, pos);
    size_t n = (size_t)snprintf(out, cap, "%08x.", net);
    for (size_t i = 0; i < 6 && n < cap; i++) {
        unsigned byte = nmx__cur_get_u8(c, pos + 4 + i);
        n += (size_t)snprintf(out + n, cap - n, "%02x", byte);
    }
    return n;
}

/* The destination (at 6) or source (at 18) address: network, node, socket. */
static void ipx_end(nmx_dctx_t *d, size_t off, size_t pos, int net, int node, int socket)
{
    nmx__add(d, &ipx_fields[net], off + pos, 4);
    nmx__add(d, &ipx_fields[node], off + pos + 4, 6);
    nmx__add(d, &ipx_fields[socket], off + pos + 10, 2);
}

static void ipx_fields_of(nmx_dctx_t *d, const nmx_cursor_t *c)
{
    size_t off = nmx__off(c);
    char src[24], dst[24];
    size_t ns = ipx_addr_text(c, 18, src, sizeof src), nd = ipx_addr_text(c, 6, dst, sizeof dst);
    nmx__add(d, &ipx_fields[F_CHECKSUM], off, 2);
    nmx__add_str(d, &ipx_fields[F_SRC], off + 18, 10, src, ns);
    nmx__add_str(d, &ipx_fields[F_DST], off + 6, 10, dst, nd);
    nmx__add_str(d, &ipx_fields[F_ADDR], off + 18, 10, src, ns);
    nmx__add_str(d, &ipx_fields[F_ADDR], off + 6, 10, dst, nd);
    nmx__add(d, &ipx_fields[F_LEN], off + 2, 2);
    nmx__add(d, &ipx_fields[F_HOPS], off + 4, 1);
    nmx__add(d, &ipx_fields[F_TYPE], off + 5, 1);
    ipx_end(d, off, 6, F_DST_NET, F_DST_NODE, F_DST_SOCKET);
    ipx_end(d, off, 18, F_SRC_NET, F_SRC_NODE, F_SRC_SOCKET);
    ipx_end(d, off, 6, F_NET, F_NODE, F_SOCKET);
    ipx_end(d, off, 18, F_NET, F_NODE, F_SOCKET);
}

static bool dis_ipx(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    if (c.left < 30)
        return true; /* tshark throws before its tree item: taken, not counted */
    unsigned len = nmx__cur_get_u16be(&c, 2);
    if (len >= 30 && len < c.left)
        c = nmx__cur_head(c, len);
    if (!nmx__push_layer(d, proto, nmx__off(&c)))
        return true;
    if (d->ws)
        ipx_fields_of(d, &c);
    uint8_t type = nmx__cur_get_u8(&c, 5);
    unsigned dsock = nmx__cur_get_u16be(&c, 16), ssock = nmx__cur_get_u16be(&c, 28);
    unsigned lo = dsock < ssock ? dsock : ssock, hi = dsock < ssock ? ssock : dsock;
    nmx__cur_skip(&c, 30);
    /* tshark tries the sockets, the lower first, then the packet type */
    if (nmx__handoff(d, c, NMX_HO_IPX_SOCKET, lo) || nmx__handoff(d, c, NMX_HO_IPX_SOCKET, hi))
        return true;
    if (c.left > 0)
        nmx__handoff(d, c, NMX_HO_IPX_TYPE, type);
    return true;
}
