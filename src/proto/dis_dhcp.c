/*
 * dis_dhcp.c - DHCP (RFC 2131) / BOOTP (RFC 951) messages and their options
 * (RFC 2132).
 *
 *   op(1) htype(1) hlen(1) hops(1) xid(4) secs(2) flags(2) ciaddr(4)
 *   yiaddr(4) siaddr(4) giaddr(4) chaddr(16) sname(64) file(128)
 *   magic cookie 99.130.83.99 (4), then options: code(1) len(1) data;
 *   0 is padding, 255 ends.
 */
#include "proto/proto_int.h"

enum { F_TYPE, F_HWTYPE, F_HWLEN, F_HOPS, F_ID, F_FLAGS, F_CLIENT, F_YOUR, F_SERVER,
       F_RELAY, F_MAC, F_COOKIE, F_OPT_DHCP, F_OPT_REQ_IP, F_OPT_SERVER_ID };

static nmx_field_t dhcp_fields[] = {
    [F_TYPE] = NMX_F_UINT("dhcp.type", "Message type", NMX_BASE_DEC, 1, 0),
    [F_HWTYPE] = NMX_F_UINT("dhcp.hw.type", "Hardware type", NMX_BASE_HEX, 1, 0),
    [F_HWLEN] = NMX_F_UINT("dhcp.hw.len", "Hardware address length", NMX_BASE_DEC, 1, 0),
    [F_HOPS] = NMX_F_UINT("dhcp.hops", "Hops", NMX_BASE_DEC, 1, 0),
    [F_ID] = NMX_F_UINT("dhcp.id", "Transaction ID", NMX_BASE_HEX, 4, 0),
    [F_FLAGS] = NMX_F_UINT("dhcp.flags", "Bootp flags", NMX_BASE_HEX, 2, 0),
    [F_CLIENT] = NMX_F_IPV4("dhcp.ip.client", "Client IP address"),
    [F_YOUR] = NMX_F_IPV4("dhcp.ip.your", "Your (client) IP address"),
    [F_SERVER] = NMX_F_IPV4("dhcp.ip.server", "Next server IP address"),
    [F_RELAY] = NMX_F_IPV4("dhcp.ip.relay", "Relay agent IP address"),
    [F_MAC] = NMX_F_ETHER("dhcp.hw.mac_addr", "Client MAC address"),
    [F_COOKIE] = NMX_F_IPV4("dhcp.cookie", "Magic cookie"),
    [F_OPT_DHCP] = NMX_F_UINT("dhcp.option.dhcp", "DHCP", NMX_BASE_DEC, 1, 0),
    [F_OPT_REQ_IP] = NMX_F_IPV4("dhcp.option.requested_ip_address", "Requested IP Address"),
    [F_OPT_SERVER_ID] = NMX_F_IPV4("dhcp.option.dhcp_server_id", "DHCP Server Identifier"),
};

static nmx_dissect_fn dis_dhcp;

NMX_PROTOCOL(nmx__p_dhcp, NMX_PROTO_DHCP, "dhcp", "DHCP", "BOOTP", "Dynamic Host Configuration Protocol", dhcp_fields,
             .dissect = dis_dhcp,
             NMX_HANDOFFS({NMX_HO_UDP_PORT, 67}, {NMX_HO_UDP_PORT, 68}, {NMX_HO_UDP_PORT, 4011}));

static bool dis_dhcp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    (void)proto; /* always NMX_PROTO_DHCP */
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_DHCP, off) || !d->ws)
        return true;
    if (c.left < 236) {
        nmx__add_err(d, &dhcp_fields[F_TYPE], off, c.left);
        return true;
    }
    nmx__add(d, &dhcp_fields[F_TYPE], off, 1);
    nmx__add(d, &dhcp_fields[F_HWTYPE], off + 1, 1);
    nmx__add(d, &dhcp_fields[F_HWLEN], off + 2, 1);
    nmx__add(d, &dhcp_fields[F_HOPS], off + 3, 1);
    nmx__add(d, &dhcp_fields[F_ID], off + 4, 4);
    nmx__add(d, &dhcp_fields[F_FLAGS], off + 10, 2);
    nmx__add(d, &dhcp_fields[F_CLIENT], off + 12, 4);
    nmx__add(d, &dhcp_fields[F_YOUR], off + 16, 4);
    nmx__add(d, &dhcp_fields[F_SERVER], off + 20, 4);
    nmx__add(d, &dhcp_fields[F_RELAY], off + 24, 4);
    if (nmx__cur_get_u8(&c, 1) == 1 && nmx__cur_get_u8(&c, 2) == 6)
        nmx__add(d, &dhcp_fields[F_MAC], off + 28, 6);
    if (c.left < 240)
        return true;
    nmx__add(d, &dhcp_fields[F_COOKIE], off + 236, 4);
    if (nmx__cur_get_u32be(&c, 236) != 0x63825363)
        return true;
    size_t pos = 240;
    uint8_t code, len;
    while (nmx__cur_peek_u8(&c, pos, &code)) {
        if (code == 0) {
            pos++;
            continue;
        }
        if (code == 255)
            break;
        if (!nmx__cur_peek_u8(&c, pos + 1, &len) || !nmx__cur_in(&c, pos + 2, len)) {
            nmx__add_err(d, &dhcp_fields[F_OPT_DHCP], off + pos, c.left - pos);
            break;
        }
        if (code == 53 && len == 1)
            nmx__add(d, &dhcp_fields[F_OPT_DHCP], off + pos + 2, 1);
        else if (code == 50 && len == 4)
            nmx__add(d, &dhcp_fields[F_OPT_REQ_IP], off + pos + 2, 4);
        else if (code == 54 && len == 4)
            nmx__add(d, &dhcp_fields[F_OPT_SERVER_ID], off + pos + 2, 4);
        else if (code == 61 && len == 7 && nmx__cur_get_u8(&c, pos + 2) == 1) {
            /* Client identifier: hardware type and MAC, shown with the header's fields. */
            nmx__add(d, &dhcp_fields[F_HWTYPE], off + pos + 2, 1);
            nmx__add(d, &dhcp_fields[F_MAC], off + pos + 3, 6);
        }
        pos += 2 + (size_t)len;
    }
    return true;
}
