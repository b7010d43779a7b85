/*
 * dis_icmp.c - Internet Control Message Protocol (RFC 792), ICMPv6
 * (RFC 4443) and IGMP (RFC 1112, 2236, 3376).
 *
 *   +------+------+-----------+---------------------------------+
 *   | type | code | checksum  | rest of header (4)  | data ...  |
 *   +------+------+-----------+---------------------------------+
 *
 * Error messages (ICMP 3, 4, 5, 11, 12; ICMPv6 1-4) carry the start of the
 * offending datagram, which is dissected too (as Wireshark does), so a
 * frame can hold two ip.src instances.
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

NMX_PROTOCOL(nmx_p_icmp, NMX_PROTO_ICMP, "icmp", "ICMP", NULL, "Internet Control Message Protocol", icmp_fields);

static nmx_field_t icmpv6_fields[] = {
    [F_TYPE] = NMX_F_UINT("icmpv6.type", "Type", NMX_BASE_DEC, 1, 0),
    [F_CODE] = NMX_F_UINT("icmpv6.code", "Code", NMX_BASE_DEC, 1, 0),
    [F_CHECKSUM] = NMX_F_UINT("icmpv6.checksum", "Checksum", NMX_BASE_HEX, 2, 0),
    [F_IDENT] = NMX_F_UINT("icmpv6.echo.identifier", "Identifier", NMX_BASE_HEX, 2, 0),
    [F_SEQ] = NMX_F_UINT("icmpv6.echo.sequence_number", "Sequence", NMX_BASE_DEC, 2, 0),
};

NMX_PROTOCOL(nmx_p_icmpv6, NMX_PROTO_ICMPV6, "icmpv6", "ICMPV6", "ICMP6", "Internet Control Message Protocol v6", icmpv6_fields);

enum { G_TYPE, G_MAX_RESP, G_CHECKSUM, G_MADDR };

static nmx_field_t igmp_fields[] = {
    [G_TYPE] = NMX_F_UINT("igmp.type", "Type", NMX_BASE_HEX, 1, 0),
    [G_MAX_RESP] = NMX_F_UINT("igmp.max_resp", "Max Resp Time", NMX_BASE_DEC, 1, 0),
    [G_CHECKSUM] = NMX_F_UINT("igmp.checksum", "Checksum", NMX_BASE_HEX, 2, 0),
    [G_MADDR] = NMX_F_IPV4("igmp.maddr", "Multicast Address"),
};

NMX_PROTOCOL(nmx_p_igmp, NMX_PROTO_IGMP, "igmp", "IGMP", NULL, "Internet Group Management Protocol", igmp_fields);

static void error_payload(nmx_dctx_t *d, nmx_cursor_t c, bool v6)
{
    if (d->in_error || c.left == 0)
        return; /* no errors inside errors */
    d->in_error = true;
    if (v6)
        nmx_dis_ipv6(d, c);
    else
        nmx_dis_ip(d, c);
    d->in_error = false;
}

void nmx_dis_icmp(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx_off(&c);
    if (!nmx_layer(d, NMX_PROTO_ICMP, off))
        return;
    if (c.left < 4) {
        nmx_add_err(d, &icmp_fields[F_TYPE], off, c.left);
        return;
    }
    uint8_t type = c.p[0];
    nmx_add(d, &icmp_fields[F_TYPE], off, 1);
    nmx_add(d, &icmp_fields[F_CODE], off + 1, 1);
    nmx_add(d, &icmp_fields[F_CHECKSUM], off + 2, 2);
    if ((type == 0 || type == 8) && c.left >= 8) {
        nmx_add(d, &icmp_fields[F_IDENT], off + 4, 2);
        nmx_add(d, &icmp_fields[F_SEQ], off + 6, 2);
    }
    if ((type == 3 || type == 4 || type == 5 || type == 11 || type == 12) && c.left > 8) {
        nmx_cur_skip(&c, 8);
        error_payload(d, c, false);
    }
}

void nmx_dis_icmpv6(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx_off(&c);
    if (!nmx_layer(d, NMX_PROTO_ICMPV6, off))
        return;
    if (c.left < 4) {
        nmx_add_err(d, &icmpv6_fields[F_TYPE], off, c.left);
        return;
    }
    uint8_t type = c.p[0];
    nmx_add(d, &icmpv6_fields[F_TYPE], off, 1);
    nmx_add(d, &icmpv6_fields[F_CODE], off + 1, 1);
    nmx_add(d, &icmpv6_fields[F_CHECKSUM], off + 2, 2);
    if ((type == 128 || type == 129) && c.left >= 8) {
        nmx_add(d, &icmpv6_fields[F_IDENT], off + 4, 2);
        nmx_add(d, &icmpv6_fields[F_SEQ], off + 6, 2);
    }
    if (type >= 1 && type <= 4 && c.left > 8) {
        nmx_cur_skip(&c, 8);
        error_payload(d, c, true);
    }
}

void nmx_dis_igmp(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx_off(&c);
    if (!nmx_layer(d, NMX_PROTO_IGMP, off))
        return;
    if (c.left < 8) {
        nmx_add_err(d, &igmp_fields[G_TYPE], off, c.left);
        return;
    }
    uint8_t type = c.p[0];
    nmx_add(d, &igmp_fields[G_TYPE], off, 1);
    if (type == 0x11 || type == 0x16 || type == 0x17)
        nmx_add(d, &igmp_fields[G_MAX_RESP], off + 1, 1);
    nmx_add(d, &igmp_fields[G_CHECKSUM], off + 2, 2);
    if (type == 0x11 || type == 0x12 || type == 0x16 || type == 0x17)
        nmx_add(d, &igmp_fields[G_MADDR], off + 4, 4);
    if (type == 0x22) {
        /* IGMPv3 report: group records type(1) aux(1) nsrc(2) group(4) sources aux. */
        unsigned nrec = nmx_load_u16be(c.p + 6);
        size_t pos = 8;
        for (unsigned r = 0; r < nrec && pos + 8 <= c.left; r++) {
            nmx_add(d, &igmp_fields[G_MADDR], off + pos + 4, 4);
            pos += 8 + 4 * (size_t)nmx_load_u16be(c.p + pos + 2) + 4 * (size_t)c.p[pos + 1];
        }
    }
}
