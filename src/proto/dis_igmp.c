/*
 * dis_igmp.c - Internet Group Management Protocol, versions 1-3
 * (RFC 1112, 2236, 3376).
 *
 *   +------+----------+-----------+---------------------------+
 *   | type | max resp | checksum  | group address (4)         |  v1/v2, v3 query
 *   +------+----------+-----------+---------------------------+
 *   v3 report (0x22): type, reserved, checksum, reserved(2), number of group
 *   records(2), then records: type(1) aux len(1) sources(2) group(4) ...
 */
#include "proto/proto_int.h"

enum { G_TYPE, G_MAX_RESP, G_CHECKSUM, G_MADDR };

static nmx_field_t igmp_fields[] = {
    [G_TYPE] = NMX_F_UINT("igmp.type", "Type", NMX_BASE_HEX, 1, 0),
    [G_MAX_RESP] = NMX_F_UINT("igmp.max_resp", "Max Resp Time", NMX_BASE_DEC, 1, 0),
    [G_CHECKSUM] = NMX_F_UINT("igmp.checksum", "Checksum", NMX_BASE_HEX, 2, 0),
    [G_MADDR] = NMX_F_IPV4("igmp.maddr", "Multicast Address"),
};

static nmx_dissect_fn dis_igmp;

NMX_PROTOCOL(nmx__p_igmp, NMX_PROTO_IGMP, "igmp", "IGMP", NULL, "Internet Group Management Protocol", igmp_fields,
             .dissect = dis_igmp, NMX_HANDOFFS({NMX_HO_IP_PROTO, 2}));

static bool dis_igmp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    (void)proto; /* always NMX_PROTO_IGMP */
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_IGMP, off))
        return true;
    if (c.left < 8) {
        nmx__add_err(d, &igmp_fields[G_TYPE], off, c.left);
        return true;
    }
    uint8_t type = nmx__cur_get_u8(&c, 0);
    nmx__add(d, &igmp_fields[G_TYPE], off, 1);
    if (type == 0x11 || type == 0x16 || type == 0x17)
        nmx__add(d, &igmp_fields[G_MAX_RESP], off + 1, 1);
    nmx__add(d, &igmp_fields[G_CHECKSUM], off + 2, 2);
    if (type == 0x11 || type == 0x12 || type == 0x16 || type == 0x17)
        nmx__add(d, &igmp_fields[G_MADDR], off + 4, 4);
    if (type == 0x22) {
        /* IGMPv3 report: group records type(1) aux(1) nsrc(2) group(4) sources aux. */
        unsigned nrec = nmx__cur_get_u16be(&c, 6);
        size_t pos = 8;
        for (unsigned r = 0; r < nrec && pos + 8 <= c.left; r++) {
            nmx__add(d, &igmp_fields[G_MADDR], off + pos + 4, 4);
            pos += 8 + 4 * (size_t)nmx__cur_get_u16be(&c, pos + 2) + 4 * (size_t)nmx__cur_get_u8(&c, pos + 1);
        }
    }
    return true;
}
