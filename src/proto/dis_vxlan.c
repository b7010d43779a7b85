/*
 * dis_vxlan.c - Virtual eXtensible LAN (RFC 7348) on UDP 4789: an 8-byte
 * header, then an Ethernet frame.
 *
 *   +-+-+-+-+-+-+-+-+-----------------------------------------------+
 *   |R|R|R|R|I|R|R|R|                 Reserved                      |
 *   +-+-+-+-+-+-+-+-+-----------------------------------------------+
 *   |        VXLAN Network Identifier (VNI)         |   Reserved    |
 *   +-----------------------------------------------+---------------+
 *
 * The fields are those tshark shows for every VXLAN header (the flag bits
 * of the GBP and GPE extensions are not recorded).
 */
#include "proto/proto_int.h"

enum { F_FLAGS, F_VNI };

static nmx_field_t vxlan_fields[] = {
    [F_FLAGS] = NMX_F_UINT("vxlan.flags", "Flags", NMX_BASE_HEX, 2, 0),
    [F_VNI] = NMX_F_UINT("vxlan.vni", "VXLAN Network Identifier (VNI)", NMX_BASE_DEC, 3, 0),
};

static nmx_dissect_fn dis_vxlan;

NMX_PROTOCOL(nmx__p_vxlan, NMX_PROTO_VXLAN, "vxlan", "VXLAN", NULL, "Virtual eXtensible Local Area Network",
             vxlan_fields, .dissect = dis_vxlan, NMX_HANDOFFS({NMX_HO_UDP_PORT, 4789}));

static bool dis_vxlan(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, proto, off))
        return true;
    if (!nmx__cur_in(&c, 0, 8)) {
        nmx__add_err(d, &vxlan_fields[F_FLAGS], off, c.left);
        return true;
    }
    nmx__add(d, &vxlan_fields[F_FLAGS], off, 2);
    nmx__add(d, &vxlan_fields[F_VNI], off + 4, 3);
    if (nmx__cur_skip(&c, 8) && c.left > 0 && d->depth < NMX_MAX_DEPTH) {
        d->depth++;
        nmx__dis_eth(d, c);
        d->depth--;
    }
    return true;
}
