/*
 * dis_icmpv6.c - Internet Control Message Protocol for IPv6 (RFC 4443).
 *
 *   +------+------+-----------+---------------------------------+
 *   | type | code | checksum  | message body ...                |
 *   +------+------+-----------+---------------------------------+
 *
 * Error messages (types 1-4) quote the offending packet after 4 unused or
 * type-specific bytes; it is dissected as IPv6 (nmx__icmp_error_payload).
 */
#include "proto/proto_int.h"

enum { F_TYPE, F_CODE, F_CHECKSUM, F_IDENT, F_SEQ };

static nmx_field_t icmpv6_fields[] = {
    [F_TYPE] = NMX_F_UINT("icmpv6.type", "Type", NMX_BASE_DEC, 1, 0),
    [F_CODE] = NMX_F_UINT("icmpv6.code", "Code", NMX_BASE_DEC, 1, 0),
    [F_CHECKSUM] = NMX_F_UINT("icmpv6.checksum", "Checksum", NMX_BASE_HEX, 2, 0),
    [F_IDENT] = NMX_F_UINT("icmpv6.echo.identifier", "Identifier", NMX_BASE_HEX, 2, 0),
    [F_SEQ] = NMX_F_UINT("icmpv6.echo.sequence_number", "Sequence", NMX_BASE_DEC, 2, 0),
};

static nmx_dissect_fn dis_icmpv6;

NMX_PROTOCOL(nmx__p_icmpv6, NMX_PROTO_ICMPV6, "icmpv6", "ICMPV6", "ICMP6", "Internet Control Message Protocol v6", icmpv6_fields,
             .dissect = dis_icmpv6, NMX_HANDOFFS({NMX_HO_IP_PROTO, 58}));

static bool dis_icmpv6(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    (void)proto; /* always NMX_PROTO_ICMPV6 */
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_ICMPV6, off))
        return true;
    if (c.left < 4) {
        nmx__add_err(d, &icmpv6_fields[F_TYPE], off, c.left);
        return true;
    }
    uint8_t type = nmx__cur_get_u8(&c, 0);
    nmx__add(d, &icmpv6_fields[F_TYPE], off, 1);
    nmx__add(d, &icmpv6_fields[F_CODE], off + 1, 1);
    nmx__add(d, &icmpv6_fields[F_CHECKSUM], off + 2, 2);
    if ((type == 128 || type == 129) && c.left >= 8) {
        nmx__add(d, &icmpv6_fields[F_IDENT], off + 4, 2);
        nmx__add(d, &icmpv6_fields[F_SEQ], off + 6, 2);
    }
    if (type >= 1 && type <= 4 && c.left > 8) {
        nmx__cur_skip(&c, 8);
        nmx__icmp_error_payload(d, c, true);
    }
    return true;
}
