/*
 * dis_cdp.c - Cisco Discovery Protocol, SNAP behind Cisco's OUI with PID
 * 0x2000: the header and its TLVs.
 *
 *   version(1) ttl(1) checksum(2), then TLVs:
 *   +---------------+---------------+-----------------------+
 *   |   type (2)    | length (2)    | value (length - 4)    |
 *   +---------------+---------------+-----------------------+
 *   Device ID (1), Addresses (2), Port ID (3), Capabilities (4),
 *   Software Version (5), Platform (6), Native VLAN (0x0a), Duplex (0x0b)
 *
 * As tshark 4.0: the header fields are shown one by one until the bytes
 * run out; a TLV is shown only when all of it is there (one that is not
 * ends the list), a length under 4 shows the type and length and ends the
 * list.  Strings end at their first NUL; capabilities need 4 bytes of
 * value; of the addresses, the count and each IPv4 one (NLPID 0xCC) are
 * shown, up to the first of another kind.  The other TLVs are recorded by
 * type and length only, and so is a Native VLAN or Duplex TLV of an odd
 * length.
 */
#include "proto/proto_int.h"

enum { F_VERSION, F_TTL, F_CHECKSUM, F_TYPE, F_LEN, F_DEVICEID, F_PORTID, F_CAPS, F_SOFTWARE, F_PLATFORM,
       F_NATIVE_VLAN, F_DUPLEX, F_NADDR, F_IP };

static nmx_field_t cdp_fields[] = {
    [F_VERSION] = NMX_F_UINT("cdp.version", "Version", NMX_BASE_DEC, 1, 0),
    [F_TTL] = NMX_F_UINT("cdp.ttl", "TTL", NMX_BASE_DEC, 1, 0),
    [F_CHECKSUM] = NMX_F_UINT("cdp.checksum", "Checksum", NMX_BASE_HEX, 2, 0),
    [F_TYPE] = NMX_F_UINT("cdp.tlv.type", "Type", NMX_BASE_HEX, 2, 0),
    [F_LEN] = NMX_F_UINT("cdp.tlv.len", "Length", NMX_BASE_DEC, 2, 0),
    [F_DEVICEID] = NMX_F_STRING("cdp.deviceid", "Device ID"),
    [F_PORTID] = NMX_F_STRING("cdp.portid", "Sent through Interface"),
    [F_CAPS] = NMX_F_UINT("cdp.capabilities", "Capabilities", NMX_BASE_HEX, 4, 0),
    [F_SOFTWARE] = NMX_F_STRING("cdp.software_version", "Software version"),
    [F_PLATFORM] = NMX_F_STRING("cdp.platform", "Platform"),
    [F_NATIVE_VLAN] = NMX_F_UINT("cdp.native_vlan", "Native VLAN", NMX_BASE_DEC, 2, 0),
    [F_DUPLEX] = NMX_F_BOOL("cdp.duplex", "Duplex", 1, 0),
    [F_NADDR] = NMX_F_UINT("cdp.number_of_addresses", "Number of addresses", NMX_BASE_DEC, 4, 0),
    [F_IP] = NMX_F_IPV4("cdp.nrgyz.ip_address", "IP Address"),
};

static nmx_dissect_fn dis_cdp;

NMX_PROTOCOL(nmx__p_cdp, NMX_PROTO_CDP, "cdp", "CDP", NULL, "Cisco Discovery Protocol", cdp_fields,
             .dissect = dis_cdp, NMX_HANDOFFS({NMX_HO_CISCO_PID, 0x2000}));

/* The Addresses TLV value v: the count, then the IPv4 addresses. */
static void cdp_addresses(nmx_dctx_t *d, const nmx_cursor_t *v)
{
    size_t off = nmx__off(v), pos = 4;
    uint32_t n;
    if (!nmx__cur_peek_u32be(v, 0, &n))
        return;
    nmx__add(d, &cdp_fields[F_NADDR], off, 4);
    for (uint32_t i = 0; i < n; i++) {
        /* protocol type 1 (NLPID), length 1, 0xCC (IP), address length 4 */
        if (!nmx__cur_match(v, pos, "\x01\x01\xcc\x00\x04", 5) || !nmx__cur_in(v, pos + 5, 4))
            return;
        nmx__add(d, &cdp_fields[F_IP], off + pos + 5, 4);
        pos += 9;
    }
}

/* The value v of TLV `type`. */
static void cdp_value(nmx_dctx_t *d, const nmx_cursor_t *v, unsigned type)
{
    size_t off = nmx__off(v), n = v->left;
    static const int strings[] = {[1] = F_DEVICEID, [3] = F_PORTID, [5] = F_SOFTWARE, [6] = F_PLATFORM};
    if (type < sizeof(strings) / sizeof(strings[0]) && strings[type] != 0) {
        nmx__add(d, &cdp_fields[strings[type]], off, nmx__cur_find(v, 0, 0));
        return;
    }
    if (type == 2)
        cdp_addresses(d, v);
    else if (type == 4 && n >= 4)
        nmx__add(d, &cdp_fields[F_CAPS], off, 4);
    else if (type == 0x0a && n == 2)
        nmx__add(d, &cdp_fields[F_NATIVE_VLAN], off, 2);
    else if (type == 0x0b && n == 1)
        nmx__add(d, &cdp_fields[F_DUPLEX], off, 1);
}

static bool dis_cdp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c), pos = 4;
    if (!nmx__push_layer(d, proto, off) || !d->ws)
        return true;
    static const uint8_t head[][2] = {{F_VERSION, 1}, {F_TTL, 1}, {F_CHECKSUM, 2}};
    for (size_t i = 0, at = 0; i < 3; at += head[i][1], i++)
        if (!nmx__add_at(d, &c, &cdp_fields[head[i][0]], at, head[i][1]))
            return true;
    uint16_t type, len;
    while (nmx__cur_peek_u16be(&c, pos, &type) && nmx__cur_peek_u16be(&c, pos + 2, &len) &&
           nmx__cur_in(&c, pos, len < 4 ? 4 : len)) {
        nmx__add(d, &cdp_fields[F_TYPE], off + pos, 2);
        nmx__add(d, &cdp_fields[F_LEN], off + pos + 2, 2);
        if (len < 4)
            break;
        nmx_cursor_t v;
        if (nmx__cur_window(&c, pos + 4, len - 4u, &v))
            cdp_value(d, &v, type);
        pos += len;
    }
    return true;
}
