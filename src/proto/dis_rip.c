/*
 * dis_rip.c - Routing Information Protocol on UDP 520: version 1
 * (RFC 1058) and version 2 (RFC 2453), with simple password
 * authentication.
 *
 *   command(1) version(1) zero(2), then 20-byte entries:
 *   family(2) route-tag(2) address(4) mask(4) next-hop(4) metric(4)
 *   (v1: the tag, mask and next hop are zero); family 0xFFFF is an
 *   authentication entry: type(2) and 16 bytes of data.
 *
 * As tshark 4.0: a payload of 1 byte is not counted (tshark reads the
 * version before its tree); only whole entries are shown; the metric is
 * read as a 32-bit number; the route tag, mask and
 * next hop only in version 2 (any other version is read as version 1); a
 * family-0 entry shows no address; an entry of another family shows
 * nothing.  Of an authentication entry the type is shown, and the
 * password of type 2 up to its first NUL; after keyed-MD5 authentication
 * (type 3) the entries are not followed (tshark stops there too).
 */
#include "proto/proto_int.h"

enum { F_COMMAND, F_VERSION, F_FAMILY, F_TAG, F_IP, F_NETMASK, F_NEXT_HOP, F_METRIC, F_AUTH_TYPE, F_PASSWD };

static nmx_field_t rip_fields[] = {
    [F_COMMAND] = NMX_F_UINT("rip.command", "Command", NMX_BASE_DEC, 1, 0),
    [F_VERSION] = NMX_F_UINT("rip.version", "Version", NMX_BASE_DEC, 1, 0),
    [F_FAMILY] = NMX_F_UINT("rip.family", "Address Family", NMX_BASE_DEC, 2, 0),
    [F_TAG] = NMX_F_UINT("rip.route_tag", "Route Tag", NMX_BASE_DEC, 2, 0),
    [F_IP] = NMX_F_IPV4("rip.ip", "IP Address"),
    [F_NETMASK] = NMX_F_IPV4("rip.netmask", "Netmask"),
    [F_NEXT_HOP] = NMX_F_IPV4("rip.next_hop", "Next Hop"),
    [F_METRIC] = NMX_F_UINT("rip.metric", "Metric", NMX_BASE_DEC, 4, 0), /* FT_UINT16, read as 4 bytes */
    [F_AUTH_TYPE] = NMX_F_UINT("rip.auth.type", "Authentication type", NMX_BASE_DEC, 2, 0),
    [F_PASSWD] = NMX_F_STRING("rip.auth.passwd", "Password"),
};

static nmx_dissect_fn dis_rip;

NMX_PROTOCOL(nmx__p_rip, NMX_PROTO_RIP, "rip", "RIP", NULL, "Routing Information Protocol", rip_fields,
             .dissect = dis_rip, NMX_HANDOFFS({NMX_HO_UDP_PORT, 520}));

/* One 20-byte entry e (a cursor over it); false when the entries end here. */
static bool rip_entry(nmx_dctx_t *d, const nmx_cursor_t *e, unsigned version)
{
    size_t at = nmx__off(e);
    uint16_t family = nmx__cur_get_u16be(e, 0);
    if (family == 0xffff) {
        uint16_t type = nmx__cur_get_u16be(e, 2);
        nmx__add(d, &rip_fields[F_AUTH_TYPE], at + 2, 2);
        nmx_cursor_t pw;
        if (type == 2 && nmx__cur_window(e, 4, 16, &pw))
            nmx__add(d, &rip_fields[F_PASSWD], at + 4, nmx__cur_find(&pw, 0, 0));
        return type != 3;
    }
    if (family != 0 && family != 2)
        return true;
    nmx__add(d, &rip_fields[F_FAMILY], at, 2);
    if (version == 2)
        nmx__add(d, &rip_fields[F_TAG], at + 2, 2);
    if (family == 2)
        nmx__add(d, &rip_fields[F_IP], at + 4, 4);
    if (version == 2) {
        nmx__add(d, &rip_fields[F_NETMASK], at + 8, 4);
        nmx__add(d, &rip_fields[F_NEXT_HOP], at + 12, 4);
    }
    nmx__add(d, &rip_fields[F_METRIC], at + 16, 4);
    return true;
}

static bool dis_rip(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    if (c.left < 2)
        return true; /* tshark reads the version before its tree: taken, not counted */
    if (!nmx__push_layer(d, proto, off) || !d->ws)
        return true;
    nmx__add(d, &rip_fields[F_COMMAND], off, 1);
    nmx__add(d, &rip_fields[F_VERSION], off + 1, 1);
    unsigned version = nmx__cur_get_u8(&c, 1);
    nmx_cursor_t e;
    for (size_t pos = 4; nmx__cur_window(&c, pos, 20, &e); pos += 20)
        if (!rip_entry(d, &e, version))
            break;
    return true;
}
