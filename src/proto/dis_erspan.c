/*
 * dis_erspan.c - Cisco's Encapsulated Remote Switch Port ANalyzer inside
 * GRE (protocol types 0x88be, types I and II, and 0x22eb, type III;
 * draft-foschiano-erspan): a mirrored Ethernet frame behind a header.
 *
 *   type II:  | Ver(4) | VLAN(12) | COS(3) En(2) T(1) Session ID(10) |
 *             | Reserved(12) | Index(20) |
 *   type III: | Ver(4) | VLAN(12) | COS(3) BSO(2) T(1) Session ID(10) |
 *             | Timestamp(32) |
 *             | SGT(16) | P(1) FT(5) HW ID(6) D(1) Gra(2) O(1) |
 *             [ Platform ID(6) | platform-specific (58) ]  when O
 *
 * As tshark 4.0 (which tells the types apart by the GRE header, not the
 * protocol type): behind a GRE header whose flags and version word is 0
 * there is no ERSPAN header at all (type I: the Ethernet frame follows
 * at once); otherwise the header's version picks type II (1) or III (2),
 * and any other version is shown (twice, as tshark 4.0 does) and nothing
 * follows.  The layer is recorded whatever follows the GRE header, and its
 * fields while their bytes are there.  Reached only from GRE, as tshark registers
 * it only there.
 */
#include "proto/proto_int.h"

enum { F_VERSION, F_VLAN, F_COS, F_ENCAP, F_BSO, F_TRUNC, F_SPANID, F_RESERVED, F_INDEX, F_TIMESTAMP, F_SGT,
       F_P, F_FT, F_HW, F_DIRECTION, F_GRA, F_O, F_PLATID, F_P1_RSVD1, F_P1_VSMID, F_P1_PORT, F_P3_RSVD1,
       F_P3_PORT, F_P3_TS, F_P4_RSVD1, F_P4_RSVD2, F_P4_RSVD3, F_P5_SWITCH, F_P5_PORT, F_P5_TS, F_P7_RSVD1,
       F_P7_SOURCE, F_P7_TS, F_PID_RSVD };

static nmx_field_t erspan_fields[] = {
    [F_VERSION] = NMX_F_UINT("erspan.version", "Version", NMX_BASE_DEC, 2, 0xF000),
    [F_VLAN] = NMX_F_UINT("erspan.vlan", "Vlan", NMX_BASE_DEC, 2, 0x0FFF),
    [F_COS] = NMX_F_UINT("erspan.cos", "COS", NMX_BASE_DEC, 2, 0xE000),
    [F_ENCAP] = NMX_F_UINT("erspan.encap", "Encap", NMX_BASE_DEC, 2, 0x1800),
    [F_BSO] = NMX_F_UINT("erspan.bso", "Bad/Short/Oversized", NMX_BASE_DEC, 2, 0x1800),
    [F_TRUNC] = NMX_F_UINT("erspan.truncated", "Truncated", NMX_BASE_DEC, 2, 0x0400),
    [F_SPANID] = NMX_F_UINT("erspan.spanid", "SpanID", NMX_BASE_DEC, 2, 0x03FF),
    [F_RESERVED] = NMX_F_UINT("erspan.reserved", "Reserved", NMX_BASE_DEC, 4, 0xFFF00000),
    [F_INDEX] = NMX_F_UINT("erspan.index", "Index", NMX_BASE_DEC, 4, 0x000FFFFF),
    [F_TIMESTAMP] = NMX_F_UINT("erspan.timestamp", "Timestamp", NMX_BASE_DEC, 4, 0),
    [F_SGT] = NMX_F_UINT("erspan.sgt", "Security Group Tag", NMX_BASE_DEC, 2, 0),
    [F_P] = NMX_F_UINT("erspan.p", "Has Ethernet PDU", NMX_BASE_DEC, 2, 0x8000),
    [F_FT] = NMX_F_UINT("erspan.ft", "Frame Type", NMX_BASE_DEC, 2, 0x7C00),
    [F_HW] = NMX_F_UINT("erspan.hw", "Hardware ID", NMX_BASE_DEC, 2, 0x03F0),
    [F_DIRECTION] = NMX_F_BOOL("erspan.direction", "Direction", 2, 0x0008),
    [F_GRA] = NMX_F_UINT("erspan.gra", "Timestamp granularity", NMX_BASE_DEC, 2, 0x0006),
    [F_O] = NMX_F_UINT("erspan.o", "Optional Sub headers", NMX_BASE_DEC, 2, 0x0001),
    [F_PLATID] = NMX_F_UINT("erspan.platid", "Platform ID", NMX_BASE_DEC, 4, 0xFC000000),
    [F_P1_RSVD1] = NMX_F_UINT("erspan.pid1.rsvd1", "Reserved", NMX_BASE_DEC, 4, 0x03FFF000),
    [F_P1_VSMID] = NMX_F_UINT("erspan.pid1.vsmid", "VSM Domain ID", NMX_BASE_DEC, 4, 0x00000FFF),
    [F_P1_PORT] = NMX_F_UINT("erspan.pid1.port_index", "Port ID/Index", NMX_BASE_DEC, 4, 0),
    [F_P3_RSVD1] = NMX_F_UINT("erspan.pid3.rsvd1", "Reserved", NMX_BASE_DEC, 4, 0x03FFC000),
    [F_P3_PORT] = NMX_F_UINT("erspan.pid3.port_index", "Port ID/Index", NMX_BASE_DEC, 4, 0x00003FFF),
    [F_P3_TS] = NMX_F_UINT("erspan.pid3.timestamp", "Upper 32-bit Timestamp", NMX_BASE_DEC, 4, 0),
    [F_P4_RSVD1] = NMX_F_UINT("erspan.pid4.rsvd1", "Reserved", NMX_BASE_DEC, 4, 0x03FFC000),
    [F_P4_RSVD2] = NMX_F_UINT("erspan.pid4.rsvd2", "Reserved", NMX_BASE_DEC, 4, 0x00003FFF),
    [F_P4_RSVD3] = NMX_F_UINT("erspan.pid4.rsvd3", "Reserved", NMX_BASE_DEC, 4, 0),
    [F_P5_SWITCH] = NMX_F_UINT("erspan.pid5.switchid", "Switch ID", NMX_BASE_DEC, 4, 0x03FF0000),
    [F_P5_PORT] = NMX_F_UINT("erspan.pid5.port_index", "Port ID/Index", NMX_BASE_DEC, 4, 0x0000FFFF),
    [F_P5_TS] = NMX_F_UINT("erspan.pid5.timestamp", "Timestamp (seconds)", NMX_BASE_DEC, 4, 0),
    [F_P7_RSVD1] = NMX_F_UINT("erspan.pid7.rsvd1", "Reserved", NMX_BASE_DEC, 4, 0x03F00000),
    [F_P7_SOURCE] = NMX_F_UINT("erspan.pid7.source_index", "Source Index", NMX_BASE_DEC, 4, 0x000FFFFF),
    [F_P7_TS] = NMX_F_UINT("erspan.pid7.timestamp", "Upper 32-bit Timestamp", NMX_BASE_DEC, 4, 0),
    [F_PID_RSVD] = NMX_F_UINT("erspan.pid.rsvd", "Reserved", NMX_BASE_DEC, 8, 0x03FFFFFF),
};

static nmx_dissect_fn dis_erspan;

NMX_PROTOCOL(nmx__p_erspan, NMX_PROTO_ERSPAN, "erspan", "ERSPAN", NULL, "Encapsulated Remote Switch Packet ANalysis",
             erspan_fields, .dissect = dis_erspan,
             NMX_HANDOFFS({NMX_HO_ETHERTYPE, 0x88BE}, {NMX_HO_ETHERTYPE, 0x22EB}));

/* One item of a header layout: field f over n bytes at `at` (0xFF ends). */
typedef struct erspan_item {
    uint8_t f, at, n;
} erspan_item_t;

static const erspan_item_t type2[] = {
    {F_VERSION, 0, 2}, {F_VLAN, 0, 2}, {F_COS, 2, 2}, {F_ENCAP, 2, 2}, {F_TRUNC, 2, 2}, {F_SPANID, 2, 2},
    {F_RESERVED, 4, 4}, {F_INDEX, 4, 4}, {0xFF, 8, 0},
};
static const erspan_item_t type3[] = {
    {F_VERSION, 0, 2}, {F_VLAN, 0, 2}, {F_COS, 2, 2}, {F_BSO, 2, 2}, {F_TRUNC, 2, 2}, {F_SPANID, 2, 2},
    {F_TIMESTAMP, 4, 4}, {F_SGT, 8, 2}, {F_P, 10, 2}, {F_FT, 10, 2}, {F_HW, 10, 2}, {F_DIRECTION, 10, 2},
    {F_GRA, 10, 2}, {F_O, 10, 2}, {0xFF, 12, 0},
};
/* The platform-specific subheaders by platform ID (after erspan.platid). */
static const erspan_item_t plat1[] = {{F_P1_RSVD1, 0, 4}, {F_P1_VSMID, 0, 4}, {F_P1_PORT, 4, 4}, {0xFF, 8, 0}};
static const erspan_item_t plat3[] = {{F_P3_RSVD1, 0, 4}, {F_P3_PORT, 0, 4}, {F_P3_TS, 4, 4}, {0xFF, 8, 0}};
static const erspan_item_t plat4[] = {{F_P4_RSVD1, 0, 4}, {F_P4_RSVD2, 0, 4}, {F_P4_RSVD3, 4, 4}, {0xFF, 8, 0}};
static const erspan_item_t plat5[] = {{F_P5_SWITCH, 0, 4}, {F_P5_PORT, 0, 4}, {F_P5_TS, 4, 4}, {0xFF, 8, 0}};
static const erspan_item_t plat7[] = {{F_P7_RSVD1, 0, 4}, {F_P7_SOURCE, 0, 4}, {F_P7_TS, 4, 4}, {0xFF, 8, 0}};
static const erspan_item_t platx[] = {{F_PID_RSVD, 0, 8}, {0xFF, 8, 0}};

/* Adds the items of a layout at `base` while their bytes are there;
 * returns the layout's length, or 0 when it was cut short. */
static size_t erspan_items(nmx_dctx_t *d, nmx_cursor_t c, size_t base, const erspan_item_t *it)
{
    for (; it->f != 0xFF; it++) {
        if (!nmx__cur_in(&c, base + it->at, it->n))
            return 0;
        nmx__add(d, &erspan_fields[it->f], nmx__off(&c) + base + it->at, it->n);
    }
    return it->at;
}

/* The platform-specific subheader at 12 (type III with O set); its length
 * (8) or 0 when cut short. */
static size_t erspan_platform(nmx_dctx_t *d, nmx_cursor_t c)
{
    uint32_t w;
    if (!nmx__cur_peek_u32be(&c, 12, &w))
        return 0;
    nmx__add(d, &erspan_fields[F_PLATID], nmx__off(&c) + 12, 4);
    switch (w >> 26) {
    case 1: return erspan_items(d, c, 12, plat1);
    case 3: return erspan_items(d, c, 12, plat3);
    case 4: return erspan_items(d, c, 12, plat4);
    case 5: case 6: return erspan_items(d, c, 12, plat5);
    case 7: case 0: return erspan_items(d, c, 12, plat7);
    default: return erspan_items(d, c, 12, platx);
    }
}

static bool dis_erspan(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    const RECOGNIZEDATATABLE *rt = d->rt;
    if (rt->nRecognizeDatas == 0 || rt->RecognizeData[rt->nRecognizeDatas - 1].ProtocolID != NMX_PROTO_GRE)
        return false; /* only GRE hands off to ERSPAN */
    uint16_t w;
    size_t hlen = 0;
    if (!nmx__push_layer(d, proto, nmx__off(&c)))
        return true;
    if (d->gre_flags != 0) {
        if (!nmx__cur_peek_u16be(&c, 0, &w))
            return true;
        if ((w >> 12) == 1) {
            hlen = erspan_items(d, c, 0, type2);
        } else if ((w >> 12) == 2) {
            hlen = erspan_items(d, c, 0, type3);
            if (hlen != 0 && (nmx__cur_get_u16be(&c, 10) & 1)) {
                size_t p = erspan_platform(d, c);
                hlen = p != 0 ? hlen + p : 0;
            }
        } else {
            /* An unknown version: tshark 4.0 shows it twice, and nothing follows. */
            nmx__add(d, &erspan_fields[F_VERSION], nmx__off(&c), 2);
            nmx__add(d, &erspan_fields[F_VERSION], nmx__off(&c), 2);
            return true;
        }
        if (hlen == 0)
            return true; /* cut short */
    }
    if (nmx__cur_skip(&c, hlen) && c.left > 0 && d->depth < NMX_MAX_DEPTH) {
        d->depth++;
        nmx__dis_eth(d, c);
        d->depth--;
    }
    return true;
}
