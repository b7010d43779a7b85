/*
 * dis_cfp.c - Cisco FabricPath: an Ethernet frame inside a FabricPath
 * header, recognised as tshark 4.0's heuristic does, by the type 0x8903 in
 * an Ethernet header's type field.
 *
 *   +------------------+------------------+--------+-----------+--------------+-----+
 *   | outer dst (6)    | outer src (6)    | 0x8903 | FTAG, TTL | inner frame  | FCS |
 *   +------------------+------------------+--------+-----------+--------------+-----+
 *   an outer address: U/L and I/G bits, end node ID, OOO/DL bit, switch ID
 *   (12 bits), sub-switch ID (8), local ID (16); the FP tag: FTAG (10 bits)
 *   and TTL (6).
 *
 * As tshark shows it: the whole frame is the cfp layer, with no outer eth
 * layer (io,phs counts cfp at the top); a multicast destination (I/G set)
 * is cfp.d_hmac_mc alone; the last 4 bytes are always the FCS, not
 * checked (status 2); the inner frame is Ethernet, not counted when under
 * 14 bytes.  tshark 4.0 shows every end node ID as 0 (it masks the value
 * it computed); we show the address's bits (docs/protocols.md), and the
 * tests use addresses whose end node ID is 0.  The two address subtrees
 * (cfp.d_hmac, cfp.s_hmac: FT_NONE) are not recorded.
 */
#include "proto/proto_int.h"

enum { F_DHMAC_MC, F_EID, F_UL, F_IG, F_OOODL, F_SWID, F_SSWID, F_LID, F_ETYPE, F_FTAG,
       F_TTL, F_FCS, F_FCS_STATUS };

static nmx_field_t cfp_fields[] = {
    [F_DHMAC_MC] = NMX_F_ETHER("cfp.d_hmac_mc", "MC Destination"),
    [F_EID] = NMX_F_UINT("cfp.eid", "End Node ID", NMX_BASE_DEC, 3, 0),
    [F_UL] = NMX_F_BOOL("cfp.ul", "U/L bit", 3, 0x020000),
    [F_IG] = NMX_F_BOOL("cfp.ig", "I/G bit", 3, 0x010000),
    [F_OOODL] = NMX_F_BOOL("cfp.ooodl", "OOO/DL Bit", 3, 0x001000),
    [F_SWID] = NMX_F_UINT("cfp.swid", "switch-id", NMX_BASE_DEC, 3, 0x000fff),
    [F_SSWID] = NMX_F_UINT("cfp.sswid", "sub-switch-id", NMX_BASE_DEC, 1, 0),
    [F_LID] = NMX_F_UINT("cfp.lid", "Source LID", NMX_BASE_DEC, 2, 0),
    [F_ETYPE] = NMX_F_UINT("cfp.etype", "FP Ethertype", NMX_BASE_HEX, 2, 0),
    [F_FTAG] = NMX_F_UINT("cfp.ftag", "FTAG", NMX_BASE_DEC, 2, 0xffc0),
    [F_TTL] = NMX_F_UINT("cfp.ttl", "TTL", NMX_BASE_DEC, 2, 0x003f),
    [F_FCS] = NMX_F_UINT("cfp.fcs", "Frame check sequence", NMX_BASE_HEX, 4, 0),
    [F_FCS_STATUS] = NMX_F_UINT("cfp.fcs.status", "FCS status", NMX_BASE_DEC, 1, 0),
};

NMX_PROTOCOL(nmx__p_cfp, NMX_PROTO_CFP, "cfp", "CFP", NULL, "Cisco FabricPath", cfp_fields);

/* One outer address at pos: its parts, or the multicast destination. */
static void cfp_hmac(nmx_dctx_t *d, const nmx_cursor_t *c, size_t pos, bool dst)
{
    size_t off = nmx__off(c) + pos;
    uint8_t b0 = nmx__cur_get_u8(c, pos), b1 = nmx__cur_get_u8(c, pos + 1);
    if (dst && (b0 & 0x01)) {
        nmx__add(d, &cfp_fields[F_DHMAC_MC], off, 6);
        return;
    }
    nmx__add_uint(d, &cfp_fields[F_EID], off, 3, (unsigned)(b0 & 0xfc) << 2 | (unsigned)(b1 & 0xc0) >> 6);
    nmx__add(d, &cfp_fields[F_UL], off, 3);
    nmx__add(d, &cfp_fields[F_IG], off, 3);
    nmx__add(d, &cfp_fields[F_OOODL], off, 3);
    nmx__add(d, &cfp_fields[F_SWID], off, 3);
    nmx__add(d, &cfp_fields[F_SSWID], off + 3, 1);
    nmx__add(d, &cfp_fields[F_LID], off + 4, 2);
}

void nmx__dis_cfp(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_CFP, off))
        return;
    if (d->ws) {
        cfp_hmac(d, &c, 0, true);
        cfp_hmac(d, &c, 6, false);
        nmx__add(d, &cfp_fields[F_ETYPE], off + 12, 2);
    }
    if (!nmx__cur_in(&c, 14, 2)) {
        nmx__add_err(d, &cfp_fields[F_FTAG], off + 14, c.left - 14);
        return;
    }
    nmx__add(d, &cfp_fields[F_FTAG], off + 14, 2);
    nmx__add(d, &cfp_fields[F_TTL], off + 14, 2);
    nmx__cur_skip(&c, 16);
    if (c.left < 4)
        return;
    nmx__add(d, &cfp_fields[F_FCS], off + 16 + c.left - 4, 4);
    nmx__add_uint(d, &cfp_fields[F_FCS_STATUS], off + 16 + c.left - 4, 4, 2);
    nmx_cursor_t inner = nmx__cur_head(c, c.left - 4);
    if (inner.left >= 14)
        nmx__dis_eth(d, inner);
}
