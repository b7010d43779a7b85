/*
 * dis_vrrp.c - Virtual Router Redundancy Protocol, IP protocol 112:
 * version 2 (RFC 3768) and version 3 (RFC 5798, over IPv4 and IPv6).
 *
 *   +-------+-------+-------------+-------------+-------------+
 *   |Version| Type  | Virtual Rtr | Priority    | Count IPvX  |
 *   +-------+-------+-------------+-------------+-------------+
 *   v2: | Auth Type | Adver Int | Checksum |  v3: |Rsvd| Max Adver Int | Checksum |
 *   then Count addresses (IPv4, or IPv6 when carried by IPv6) and, in
 *   version 2, 8 bytes of authentication data.
 *
 * As tshark 4.0: every version but 3 is read with the version 2 layout;
 * the fields are shown one by one until the bytes run out; a simple text
 * password (authentication type 1) is vrrp.auth_string, up to its first
 * NUL.  Fewer than 3 bytes: the protocol is counted with no field (tshark
 * reads the priority before anything else).
 */
#include "proto/proto_int.h"

enum { F_TYPEVER, F_VERSION, F_TYPE, F_VRID, F_PRIO, F_COUNT, F_AUTH_TYPE, F_ADVER_INT, F_RESERVED,
       F_SHORT_ADVER_INT, F_CHECKSUM, F_IP, F_IPV6, F_AUTH_STRING };

static nmx_field_t vrrp_fields[] = {
    [F_TYPEVER] = NMX_F_UINT("vrrp.typever", "VRRP message version and type", NMX_BASE_DEC, 1, 0),
    [F_VERSION] = NMX_F_UINT("vrrp.version", "VRRP protocol version", NMX_BASE_DEC, 1, 0xf0),
    [F_TYPE] = NMX_F_UINT("vrrp.type", "VRRP packet type", NMX_BASE_DEC, 1, 0x0f),
    [F_VRID] = NMX_F_UINT("vrrp.virt_rtr_id", "Virtual Rtr ID", NMX_BASE_DEC, 1, 0),
    [F_PRIO] = NMX_F_UINT("vrrp.prio", "Priority", NMX_BASE_DEC, 1, 0),
    [F_COUNT] = NMX_F_UINT("vrrp.addr_count", "Addr Count", NMX_BASE_DEC, 1, 0),
    [F_AUTH_TYPE] = NMX_F_UINT("vrrp.auth_type", "Auth Type", NMX_BASE_DEC, 1, 0),
    [F_ADVER_INT] = NMX_F_UINT("vrrp.adver_int", "Adver Int", NMX_BASE_DEC, 1, 0),
    [F_RESERVED] = NMX_F_UINT("vrrp.reserved_mbz", "Reserved", NMX_BASE_DEC, 1, 0xf0),
    [F_SHORT_ADVER_INT] = NMX_F_UINT("vrrp.short_adver_int", "Adver Int", NMX_BASE_DEC, 2, 0x0fff),
    [F_CHECKSUM] = NMX_F_UINT("vrrp.checksum", "Checksum", NMX_BASE_HEX, 2, 0),
    [F_IP] = NMX_F_IPV4("vrrp.ip_addr", "IP Address"),
    [F_IPV6] = NMX_F_IPV6("vrrp.ipv6_addr", "IPv6 Address"),
    [F_AUTH_STRING] = NMX_F_STRING("vrrp.auth_string", "Authentication String"),
};

static nmx_dissect_fn dis_vrrp;

NMX_PROTOCOL(nmx__p_vrrp, NMX_PROTO_VRRP, "vrrp", "VRRP", NULL, "Virtual Router Redundancy Protocol",
             vrrp_fields, .dissect = dis_vrrp, NMX_HANDOFFS({NMX_HO_IP_PROTO, 112}));

/* Field f over the n bytes at pos of c (nmx__add_at). */
static bool vrrp_add(nmx_dctx_t *d, const nmx_cursor_t *c, int f, size_t pos, size_t n)
{
    return nmx__add_at(d, c, &vrrp_fields[f], pos, n);
}

/* The second word: authentication type and interval (v2), or the
 * reserved bits and the interval in centiseconds (v3); then the checksum. */
static bool vrrp_word2(nmx_dctx_t *d, const nmx_cursor_t *c, unsigned version)
{
    if (version == 3) {
        if (!vrrp_add(d, c, F_RESERVED, 4, 1) || !vrrp_add(d, c, F_SHORT_ADVER_INT, 4, 2))
            return false;
    } else if (!vrrp_add(d, c, F_AUTH_TYPE, 4, 1) || !vrrp_add(d, c, F_ADVER_INT, 5, 1)) {
        return false;
    }
    return vrrp_add(d, c, F_CHECKSUM, 6, 2);
}

static bool dis_vrrp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    if (c.left == 0 || !nmx__push_layer(d, proto, off) || !d->ws)
        return true;
    if (c.left < 3) {
        nmx__add_err(d, &vrrp_fields[F_TYPEVER], off, c.left);
        return true;
    }
    unsigned version = nmx__cur_get_u8(&c, 0) >> 4, count = nmx__cur_get_u8(&c, 3);
    for (int f = F_TYPEVER; f <= F_TYPE; f++)
        vrrp_add(d, &c, f, 0, 1);
    if (!vrrp_add(d, &c, F_VRID, 1, 1) || !vrrp_add(d, &c, F_PRIO, 2, 1) || !vrrp_add(d, &c, F_COUNT, 3, 1) ||
        !vrrp_word2(d, &c, version))
        return true;
    size_t alen = d->ho_v6 ? 16 : 4, pos = 8;
    for (unsigned i = 0; i < count; i++, pos += alen)
        if (!vrrp_add(d, &c, d->ho_v6 ? F_IPV6 : F_IP, pos, alen))
            return true;
    if (version != 3 && nmx__cur_get_u8(&c, 4) == 1) {
        nmx_cursor_t pw;
        if (!nmx__cur_window(&c, pos, 8, &pw)) {
            vrrp_add(d, &c, F_AUTH_STRING, pos, 8);
            return true;
        }
        nmx__add(d, &vrrp_fields[F_AUTH_STRING], off + pos, nmx__cur_find(&pw, 0, 0));
    }
    return true;
}
