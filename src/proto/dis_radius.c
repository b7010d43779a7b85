/*
 * dis_radius.c - RADIUS (RFC 2865, accounting RFC 2866, dynamic
 * authorization RFC 5176) on UDP 1812, 1813, 1645, 1646, 1700 and 3799:
 * the header and the attributes.
 *
 *   +---------------+---------------+-------------------------------+
 *   |     Code      |  Identifier   |            Length             |
 *   +---------------+---------------+-------------------------------+
 *   |                 Authenticator (16 bytes)                      |
 *   +---------------+---------------+-------------------------------+
 *   |  Attribute    |  Length (>=2) |  Value ...                    |
 *   +---------------+---------------+-------------------------------+
 *
 * As tshark 4.0: a payload whose code is not one of Wireshark's RADIUS
 * codes, or whose Length is under 20 or over 4096, is turned down (the
 * other port and the heuristics get it); with a known code but fewer than
 * 4 bytes, tshark's dissector throws before it adds its tree (taken, not
 * counted).  Attributes are shown only when the whole Length was captured,
 * and only those that fit inside it; an attribute whose length is under 2
 * or runs past the end stops the list.  Of the values, User-Name,
 * NAS-IP-Address, Framed-IP-Address, Calling-Station-Id and
 * Acct-Status-Type are recorded (the addresses and the status when of
 * their proper length; strings up to their first NUL); vendor-specific
 * attributes are recorded by type and length only.
 */
#include "proto/proto_int.h"

enum { F_CODE, F_ID, F_LENGTH, F_AUTH, F_AVP_TYPE, F_AVP_LEN, F_USER, F_NAS_IP, F_FRAMED_IP, F_CALLING,
       F_ACCT_STATUS };

static nmx_field_t radius_fields[] = {
    [F_CODE] = NMX_F_UINT("radius.code", "Code", NMX_BASE_DEC, 1, 0),
    [F_ID] = NMX_F_UINT("radius.id", "Identifier", NMX_BASE_DEC, 1, 0),
    [F_LENGTH] = NMX_F_UINT("radius.length", "Length", NMX_BASE_DEC, 2, 0),
    [F_AUTH] = NMX_F_BYTES("radius.authenticator", "Authenticator"),
    [F_AVP_TYPE] = NMX_F_UINT("radius.avp.type", "Type", NMX_BASE_DEC, 1, 0),
    [F_AVP_LEN] = NMX_F_UINT("radius.avp.length", "Length", NMX_BASE_DEC, 1, 0),
    [F_USER] = NMX_F_STRING("radius.User_Name", "User-Name"),
    [F_NAS_IP] = NMX_F_IPV4("radius.NAS_IP_Address", "NAS-IP-Address"),
    [F_FRAMED_IP] = NMX_F_IPV4("radius.Framed-IP-Address", "Framed-IP-Address"),
    [F_CALLING] = NMX_F_STRING("radius.Calling_Station_Id", "Calling-Station-Id"),
    [F_ACCT_STATUS] = NMX_F_UINT("radius.Acct_Status_Type", "Acct-Status-Type", NMX_BASE_DEC, 4, 0),
};

static nmx_dissect_fn dis_radius;

NMX_PROTOCOL(nmx__p_radius, NMX_PROTO_RADIUS, "radius", "RADIUS", NULL, "RADIUS Protocol", radius_fields,
             .dissect = dis_radius,
             NMX_HANDOFFS({NMX_HO_UDP_PORT, 1812}, {NMX_HO_UDP_PORT, 1813}, {NMX_HO_UDP_PORT, 1645},
                          {NMX_HO_UDP_PORT, 1646}, {NMX_HO_UDP_PORT, 1700}, {NMX_HO_UDP_PORT, 3799}));

/* Whether Wireshark knows RADIUS code `code` (radius_pkt_type_codes). */
static bool radius_code_known(unsigned code)
{
    return (code >= 1 && code <= 13) || (code >= 21 && code <= 34 && code != 28) || (code >= 40 && code <= 45) ||
           code == 50 || code == 51 || (code >= 129 && code <= 132);
}

/* The value v of an attribute of type t, if it is one we record. */
static void radius_value(nmx_dctx_t *d, const nmx_cursor_t *v, unsigned t)
{
    size_t at = nmx__off(v), n = v->left;
    switch (t) {
    case 1:
    case 31:
        nmx__add(d, &radius_fields[t == 1 ? F_USER : F_CALLING], at, nmx__cur_find(v, 0, 0));
        break;
    case 4:
    case 8:
        if (n == 4)
            nmx__add(d, &radius_fields[t == 4 ? F_NAS_IP : F_FRAMED_IP], at, 4);
        break;
    case 40:
        if (n == 4)
            nmx__add(d, &radius_fields[F_ACCT_STATUS], at, 4);
        break;
    default:
        break;
    }
}

/* The attributes in [20, len) of the message. */
static void radius_avps(nmx_dctx_t *d, nmx_cursor_t c, size_t off, size_t len)
{
    nmx_cursor_t m = nmx__cur_head(c, len);
    size_t pos = 20;
    uint8_t t, alen;
    while (pos + 2 <= len && nmx__cur_peek_u8(&m, pos, &t) && nmx__cur_peek_u8(&m, pos + 1, &alen)) {
        if (alen < 2 || pos + alen > len)
            break;
        nmx__add(d, &radius_fields[F_AVP_TYPE], off + pos, 1);
        nmx__add(d, &radius_fields[F_AVP_LEN], off + pos + 1, 1);
        nmx_cursor_t v;
        if (nmx__cur_window(&m, pos + 2, alen - 2u, &v))
            radius_value(d, &v, t);
        pos += alen;
    }
}

static bool dis_radius(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    uint8_t code;
    uint16_t len;
    if (!nmx__cur_peek_u8(&c, 0, &code) || !radius_code_known(code))
        return false;
    if (!nmx__cur_peek_u16be(&c, 2, &len))
        return true; /* tshark reads past the end: taken, not counted */
    if (len < 20 || len > 4096)
        return false;
    if (!nmx__push_layer(d, proto, off) || !d->ws)
        return true;
    nmx__add(d, &radius_fields[F_CODE], off, 1);
    nmx__add(d, &radius_fields[F_ID], off + 1, 1);
    nmx__add(d, &radius_fields[F_LENGTH], off + 2, 2);
    if (!nmx__cur_in(&c, 4, 16)) {
        nmx__add_err(d, &radius_fields[F_AUTH], off + 4, c.left - 4);
        return true;
    }
    nmx__add(d, &radius_fields[F_AUTH], off + 4, 16);
    if (len > c.left) {
        nmx__add_err(d, &radius_fields[F_LENGTH], off + 2, 2);
        return true;
    }
    radius_avps(d, c, off, len);
    return true;
}
