/*
 * dis_lldp.c - Link Layer Discovery Protocol (IEEE 802.1AB), EtherType
 * 0x88cc: the TLVs of an LLDPDU.
 *
 *   +-----------+-----------+--------------------+
 *   | type (7b) | len (9b)  | value (len bytes)  |   ... until End (type 0)
 *   +-----------+-----------+--------------------+
 *   Chassis ID (1), Port ID (2) and Time To Live (3) come first, in
 *   that order; then optional TLVs: Port Description (4), System Name
 *   (5), System Description (6), System Capabilities (7), Management
 *   Address (8), organizationally specific (127) ...
 *
 * As tshark 4.0: a TLV whose value runs past the frame shows nothing and
 * ends the LLDPDU, as does a mandatory TLV out of its place (or of length
 * under 2), a MAC-address chassis or port ID whose length is not 7 (after
 * its type, length and subtype) and an End TLV of nonzero length.  A
 * chassis ID that is not a MAC or network address is shown as bytes, a
 * port ID that is not as a string (up to its first NUL).  Network-address
 * IDs, management addresses and the organizationally specific contents are
 * recorded by type and length only.  Bytes after the End TLV are ignored.
 */
#include "proto/proto_int.h"

enum { F_TYPE, F_LEN, F_CHASSIS_SUBTYPE, F_CHASSIS_MAC, F_CHASSIS_ID, F_PORT_SUBTYPE, F_PORT_ID, F_PORT_MAC,
       F_TTL, F_PORT_DESC, F_SYS_NAME, F_SYS_DESC, F_SYS_CAP, F_ENABLED_CAP };

static nmx_field_t lldp_fields[] = {
    [F_TYPE] = NMX_F_UINT("lldp.tlv.type", "TLV Type", NMX_BASE_DEC, 2, 0xfe00),
    [F_LEN] = NMX_F_UINT("lldp.tlv.len", "TLV Length", NMX_BASE_DEC, 2, 0x01ff),
    [F_CHASSIS_SUBTYPE] = NMX_F_UINT("lldp.chassis.subtype", "Chassis Id Subtype", NMX_BASE_DEC, 1, 0),
    [F_CHASSIS_MAC] = NMX_F_ETHER("lldp.chassis.id.mac", "Chassis Id"),
    [F_CHASSIS_ID] = NMX_F_BYTES("lldp.chassis.id", "Chassis Id"),
    [F_PORT_SUBTYPE] = NMX_F_UINT("lldp.port.subtype", "Port Id Subtype", NMX_BASE_DEC, 1, 0),
    [F_PORT_ID] = NMX_F_STRING("lldp.port.id", "Port Id"),
    [F_PORT_MAC] = NMX_F_ETHER("lldp.port.id.mac", "Port Id"),
    [F_TTL] = NMX_F_UINT("lldp.time_to_live", "Seconds", NMX_BASE_DEC, 2, 0),
    [F_PORT_DESC] = NMX_F_STRING("lldp.port.desc", "Port Description"),
    [F_SYS_NAME] = NMX_F_STRING("lldp.tlv.system.name", "System Name"),
    [F_SYS_DESC] = NMX_F_STRING("lldp.tlv.system.desc", "System Description"),
    [F_SYS_CAP] = NMX_F_UINT("lldp.tlv.system_cap", "Capabilities", NMX_BASE_HEX, 2, 0),
    [F_ENABLED_CAP] = NMX_F_UINT("lldp.tlv.enable_system_cap", "Enabled Capabilities", NMX_BASE_HEX, 2, 0),
};

static nmx_dissect_fn dis_lldp;

NMX_PROTOCOL(nmx__p_lldp, NMX_PROTO_LLDP, "lldp", "LLDP", NULL, "Link Layer Discovery Protocol", lldp_fields,
             .dissect = dis_lldp, NMX_HANDOFFS({NMX_HO_ETHERTYPE, 0x88cc}));

/* A string value [at, at+n) of field f, up to its first NUL. */
static void lldp_string(nmx_dctx_t *d, const nmx_cursor_t *c, int f, size_t at, size_t n)
{
    nmx_cursor_t str;
    if (nmx__cur_window(c, at, n, &str))
        nmx__add(d, &lldp_fields[f], nmx__off(c) + at, nmx__cur_find(&str, 0, 0));
}

/* The Chassis ID (1) or Port ID (2) TLV value at v, len bytes; false
 * when it ends the LLDPDU. */
static bool lldp_id(nmx_dctx_t *d, const nmx_cursor_t *c, unsigned type, size_t v, size_t len)
{
    size_t off = nmx__off(c);
    unsigned subtype = nmx__cur_get_u8(c, v);
    bool chassis = type == 1;
    unsigned mac = chassis ? 4 : 3, net = chassis ? 5 : 4;
    nmx__add(d, &lldp_fields[chassis ? F_CHASSIS_SUBTYPE : F_PORT_SUBTYPE], off + v, 1);
    if (subtype == mac) {
        if (len != 7)
            return false;
        nmx__add(d, &lldp_fields[chassis ? F_CHASSIS_MAC : F_PORT_MAC], off + v + 1, 6);
    } else if (subtype != net) {
        if (chassis)
            nmx__add(d, &lldp_fields[F_CHASSIS_ID], off + v + 1, len - 1);
        else
            lldp_string(d, c, F_PORT_ID, v + 1, len - 1);
    }
    return true;
}

/* The value of optional TLV `type` at v, len bytes. */
static void lldp_optional(nmx_dctx_t *d, const nmx_cursor_t *c, unsigned type, size_t v, size_t len)
{
    size_t off = nmx__off(c);
    switch (type) {
    case 4:
        lldp_string(d, c, F_PORT_DESC, v, len);
        break;
    case 5:
        lldp_string(d, c, F_SYS_NAME, v, len);
        break;
    case 6:
        lldp_string(d, c, F_SYS_DESC, v, len);
        break;
    case 7:
        if (len >= 4) {
            nmx__add(d, &lldp_fields[F_SYS_CAP], off + v, 2);
            nmx__add(d, &lldp_fields[F_ENABLED_CAP], off + v + 2, 2);
        }
        break;
    default:
        break;
    }
}

/* One TLV at pos, the i-th; its length with header, or 0 when the LLDPDU
 * ends (an End TLV, or one that ends it early). */
static size_t lldp_tlv(nmx_dctx_t *d, const nmx_cursor_t *c, size_t pos, unsigned i)
{
    size_t off = nmx__off(c);
    uint16_t h;
    if (!nmx__cur_peek_u16be(c, pos, &h))
        return 0;
    unsigned type = h >> 9;
    size_t len = h & 0x1ff;
    bool mandatory = i < 3;
    if ((mandatory && (type != i + 1 || len < 2 || (type != 3 && len > 256))) || (type == 0 && len != 0) ||
        (type == 127 && !nmx__cur_in(c, pos + 2, 4)) || !nmx__cur_in(c, pos + 2, len))
        return 0;
    nmx__add(d, &lldp_fields[F_TYPE], off + pos, 2);
    nmx__add(d, &lldp_fields[F_LEN], off + pos, 2);
    if (type == 0)
        return 0;
    if (type == 1 || type == 2) {
        if (!lldp_id(d, c, type, pos + 2, len))
            return 0;
    } else if (type == 3) {
        nmx__add(d, &lldp_fields[F_TTL], off + pos + 2, 2);
    } else {
        lldp_optional(d, c, type, pos + 2, len);
    }
    return 2 + len;
}

static bool dis_lldp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, proto, off) || !d->ws)
        return true;
    size_t pos = 0, n;
    for (unsigned i = 0; (n = lldp_tlv(d, &c, pos, i)) > 0; i++)
        pos += n;
    return true;
}
