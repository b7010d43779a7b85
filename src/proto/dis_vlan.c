/*
 * dis_vlan.c - IEEE 802.1Q VLAN tags (EtherType 0x8100), also used stacked
 * for QinQ (0x8100 and 0x9100 outer tags, as Wireshark's "vlan" does).
 *
 * Reference: IEEE 802.1Q-2018 clause 9.6.
 *
 *    0       3 4                 16                32
 *   +-------+-+-----------------+-----------------+
 *   |  PCP  |D|   VLAN ID (12)  | type / length   |
 *   +-------+-+-----------------+-----------------+
 */
#include "proto/proto_int.h"

enum { F_PRIO, F_DEI, F_ID, F_ETYPE, F_LEN };

static nmx_field_t vlan_fields[] = {
    [F_PRIO] = NMX_F_UINT("vlan.priority", "Priority", NMX_BASE_DEC, 2, 0xE000),
    [F_DEI] = NMX_F_BOOL("vlan.dei", "DEI", 2, 0x1000),
    [F_ID] = NMX_F_UINT("vlan.id", "ID", NMX_BASE_DEC, 2, 0x0FFF),
    [F_ETYPE] = NMX_F_UINT("vlan.etype", "Type", NMX_BASE_HEX, 2, 0),
    [F_LEN] = NMX_F_UINT("vlan.len", "Length", NMX_BASE_DEC, 2, 0),
};

static nmx_dissect_fn dis_vlan;

NMX_PROTOCOL(nmx__p_vlan, NMX_PROTO_VLAN, "vlan", "VLAN", "8021Q", "802.1Q Virtual LAN", vlan_fields,
             .dissect = dis_vlan, NMX_HANDOFFS({NMX_HO_ETHERTYPE, 0x8100}, {NMX_HO_ETHERTYPE, 0x9100}));

static bool dis_vlan(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    (void)proto; /* always NMX_PROTO_VLAN */
    size_t off = nmx__off(&c);
    if (d->depth >= NMX_MAX_DEPTH || !nmx__push_layer(d, NMX_PROTO_VLAN, off))
        return true;
    if (c.left < 4) {
        nmx__add_err(d, &vlan_fields[F_ID], off, c.left);
        return true;
    }
    uint16_t tl = nmx__cur_get_u16be(&c, 2);
    nmx__add(d, &vlan_fields[F_PRIO], off, 2);
    nmx__add(d, &vlan_fields[F_DEI], off, 2);
    nmx__add(d, &vlan_fields[F_ID], off, 2);
    nmx__add(d, tl <= 1500 ? &vlan_fields[F_LEN] : &vlan_fields[F_ETYPE], off + 2, 2);
    nmx__cur_skip(&c, 4);
    d->depth++;
    nmx__dis_type_or_length(d, c, tl);
    d->depth--;
    return true;
}
