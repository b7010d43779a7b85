/*
 * dis_icmp.c - Internet Control Message Protocol (RFC 792).
 *
 *   +------+------+-----------+---------------------------------+
 *   | type | code | checksum  | rest of header (4)  | data ...  |
 *   +------+------+-----------+---------------------------------+
 *
 * Error messages (types 3, 4, 5, 11, 12) carry the start of the offending
 * datagram, which is dissected too (as Wireshark does), so a frame can hold
 * two ip.src instances.  nmx__icmp_error_payload() is shared with ICMPv6.
 */
#include "proto/proto_int.h"

enum { F_TYPE, F_CODE, F_CHECKSUM, F_IDENT, F_SEQ };

static nmx_field_t icmp_fields[] = {
    [F_TYPE] = NMX_F_UINT("icmp.type", "Type", NMX_BASE_DEC, 1, 0),
    [F_CODE] = NMX_F_UINT("icmp.code", "Code", NMX_BASE_DEC, 1, 0),
    [F_CHECKSUM] = NMX_F_UINT("icmp.checksum", "Checksum", NMX_BASE_HEX, 2, 0),
    [F_IDENT] = NMX_F_UINT("icmp.ident", "Identifier (BE)", NMX_BASE_DEC, 2, 0),
    [F_SEQ] = NMX_F_UINT("icmp.seq", "Sequence Number (BE)", NMX_BASE_DEC, 2, 0),
};

static nmx_dissect_fn icmp_handoff;

NMX_PROTOCOL(nmx__p_icmp, NMX_PROTO_ICMP, "icmp", "ICMP", NULL, "Internet Control Message Protocol", icmp_fields,
             .dissect = icmp_handoff, NMX_HANDOFFS({NMX_HO_IP_PROTO, 1}));

void nmx__icmp_error_payload(nmx_dctx_t *d, nmx_cursor_t c, bool v6)
{
    if (d->in_error || c.left == 0)
        return; /* no errors inside errors */
    d->in_error = true;
    if (v6)
        nmx__dis_ipv6(d, c);
    else
        nmx__dis_ip(d, c);
    d->in_error = false;
}

void nmx__dis_icmp(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_ICMP, off))
        return;
    if (c.left < 4) {
        nmx__add_err(d, &icmp_fields[F_TYPE], off, c.left);
        return;
    }
    uint8_t type = nmx__cur_get_u8(&c, 0);
    nmx__add(d, &icmp_fields[F_TYPE], off, 1);
    nmx__add(d, &icmp_fields[F_CODE], off + 1, 1);
    nmx__add(d, &icmp_fields[F_CHECKSUM], off + 2, 2);
    if ((type == 0 || type == 8) && c.left >= 8) {
        nmx__add(d, &icmp_fields[F_IDENT], off + 4, 2);
        nmx__add(d, &icmp_fields[F_SEQ], off + 6, 2);
    }
    if ((type == 3 || type == 4 || type == 5 || type == 11 || type == 12) && c.left > 8) {
        nmx__cur_skip(&c, 8);
        nmx__icmp_error_payload(d, c, false);
    }
}

/* A hand-off to ICMP: IPv4 protocol 1 (in IPv6, 1 is not ICMP). */
static bool icmp_handoff(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    (void)proto;
    if (d->ho_v6)
        return false;
    nmx__dis_icmp(d, c);
    return true;
}
