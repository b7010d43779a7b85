/*
 * dis_stp.c - Spanning Tree BPDUs (IEEE 802.1D, RSTP 802.1w, the common
 * part of MSTP 802.1s) after LLC SAP 0x42.
 *
 *   protocol(2) version(1) type(1)  -- a TCN BPDU (type 0x80) ends here
 *   flags(1) root-id(8) root-cost(4) bridge-id(8) port(2) message-age(2)
 *   max-age(2) hello(2) forward-delay(2) [RST: version-1-length(1)]
 *
 * A bridge ID is a priority (its top 4 bits, shown as the 16-bit value
 * under 0xf000), a system ID extension (the low 12 bits) and a MAC.
 * As tshark 4.0: a payload under 4 bytes, or a configuration or RST BPDU
 * under 27 (up to the port ID), is not counted (tshark reads those bytes
 * before it adds its tree; nothing else takes them); the flag bits other
 * than TC and TC-ack are shown for RST BPDUs (type 2) only.  The four
 * timers are FT_DOUBLE in Wireshark, a type we do not have, and the MSTP
 * records after the RST fields are not parsed.
 */
#include "proto/proto_int.h"

enum { F_PROTOCOL, F_VERSION, F_TYPE, F_FLAGS, F_TCACK, F_AGREEMENT, F_FORWARDING, F_LEARNING, F_PORT_ROLE,
       F_PROPOSAL, F_TC, F_ROOT_PRIO, F_ROOT_EXT, F_ROOT_HW, F_ROOT_COST, F_BRIDGE_PRIO, F_BRIDGE_EXT,
       F_BRIDGE_HW, F_PORT, F_V1_LEN };

static nmx_field_t stp_fields[] = {
    [F_PROTOCOL] = NMX_F_UINT("stp.protocol", "Protocol Identifier", NMX_BASE_HEX, 2, 0),
    [F_VERSION] = NMX_F_UINT("stp.version", "Protocol Version Identifier", NMX_BASE_DEC, 1, 0),
    [F_TYPE] = NMX_F_UINT("stp.type", "BPDU Type", NMX_BASE_HEX, 1, 0),
    [F_FLAGS] = NMX_F_UINT("stp.flags", "BPDU flags", NMX_BASE_HEX, 1, 0),
    [F_TCACK] = NMX_F_BOOL("stp.flags.tcack", "Topology Change Acknowledgment", 1, 0x80),
    [F_AGREEMENT] = NMX_F_BOOL("stp.flags.agreement", "Agreement", 1, 0x40),
    [F_FORWARDING] = NMX_F_BOOL("stp.flags.forwarding", "Forwarding", 1, 0x20),
    [F_LEARNING] = NMX_F_BOOL("stp.flags.learning", "Learning", 1, 0x10),
    [F_PORT_ROLE] = NMX_F_UINT("stp.flags.port_role", "Port Role", NMX_BASE_DEC, 1, 0x0c),
    [F_PROPOSAL] = NMX_F_BOOL("stp.flags.proposal", "Proposal", 1, 0x02),
    [F_TC] = NMX_F_BOOL("stp.flags.tc", "Topology Change", 1, 0x01),
    [F_ROOT_PRIO] = NMX_F_UINT("stp.root.prio", "Root Bridge Priority", NMX_BASE_DEC, 2, 0),
    [F_ROOT_EXT] = NMX_F_UINT("stp.root.ext", "Root Bridge System ID Extension", NMX_BASE_DEC, 2, 0),
    [F_ROOT_HW] = NMX_F_ETHER("stp.root.hw", "Root Bridge System ID"),
    [F_ROOT_COST] = NMX_F_UINT("stp.root.cost", "Root Path Cost", NMX_BASE_DEC, 4, 0),
    [F_BRIDGE_PRIO] = NMX_F_UINT("stp.bridge.prio", "Bridge Priority", NMX_BASE_DEC, 2, 0),
    [F_BRIDGE_EXT] = NMX_F_UINT("stp.bridge.ext", "Bridge System ID Extension", NMX_BASE_DEC, 2, 0),
    [F_BRIDGE_HW] = NMX_F_ETHER("stp.bridge.hw", "Bridge System ID"),
    [F_PORT] = NMX_F_UINT("stp.port", "Port identifier", NMX_BASE_HEX, 2, 0),
    [F_V1_LEN] = NMX_F_UINT("stp.version_1_length", "Version 1 Length", NMX_BASE_DEC, 1, 0),
};

static nmx_dissect_fn dis_stp;

NMX_PROTOCOL(nmx__p_stp, NMX_PROTO_STP, "stp", "STP", NULL, "Spanning Tree Protocol", stp_fields,
             .dissect = dis_stp, NMX_HANDOFFS({NMX_HO_LLC_SAP, 0x42}));

/* A bridge ID at pos: priority, extension (derived, as Wireshark adds
 * them) and MAC. */
static void stp_bridge_id(nmx_dctx_t *d, const nmx_cursor_t *c, size_t pos, int prio)
{
    size_t off = nmx__off(c);
    uint16_t v = nmx__cur_get_u16be(c, pos);
    nmx__add_uint(d, &stp_fields[prio], off + pos, 2, v & 0xf000u);
    nmx__add_uint(d, &stp_fields[prio + 1], off + pos, 2, v & 0x0fffu);
    nmx__add(d, &stp_fields[prio + 2], off + pos + 2, 6);
}

static bool dis_stp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    uint8_t type;
    if (!nmx__cur_peek_u8(&c, 3, &type) || ((type == 0 || type == 2) && c.left < 27))
        return true; /* tshark reads these bytes before its tree: taken, not counted */
    if (!nmx__push_layer(d, proto, off) || !d->ws)
        return true;
    nmx__add(d, &stp_fields[F_PROTOCOL], off, 2);
    nmx__add(d, &stp_fields[F_VERSION], off + 2, 1);
    nmx__add(d, &stp_fields[F_TYPE], off + 3, 1);
    if (type != 0 && type != 2)
        return true;
    nmx__add(d, &stp_fields[F_FLAGS], off + 4, 1);
    for (int f = F_TCACK; f <= F_TC; f++)
        if (type == 2 || f == F_TCACK || f == F_TC)
            nmx__add(d, &stp_fields[f], off + 4, 1);
    stp_bridge_id(d, &c, 5, F_ROOT_PRIO);
    nmx__add(d, &stp_fields[F_ROOT_COST], off + 13, 4);
    stp_bridge_id(d, &c, 17, F_BRIDGE_PRIO);
    nmx__add(d, &stp_fields[F_PORT], off + 25, 2);
    if (type == 2 && nmx__cur_in(&c, 35, 1))
        nmx__add(d, &stp_fields[F_V1_LEN], off + 35, 1);
    return true;
}
