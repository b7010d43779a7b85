/*
 * dis_ieee8021ah.c - IEEE 802.1ad provider bridging (the S-tag, EtherType
 * 0x88a8) and IEEE 802.1ah provider backbone bridging (the I-tag, 0x88e7),
 * as Wireshark's "ieee8021ad" and "ieee8021ah".
 *
 *   S-tag:  | PCP(3) DEI(1) VID(12) | EtherType (2) |
 *   I-tag:  | PCP(3) DEI(1) NCA(1) res(3) I-SID(24) | C-DA (6) | C-SA (6) |
 *           | EtherType (2) |
 *
 * Reference: IEEE 802.1Q-2018 clauses 9.6 and 9.7.
 *
 * As tshark 4.0 (packet-ieee8021ah.c):
 *   - an S-tag followed by another S-tag (0x88a8 twice) is one layer with
 *     an S-VID and a C-VID; one followed by an I-tag is one ieee8021ad
 *     layer holding the B-tag and the I-tag fields (tshark puts the I-tag
 *     inside the 802.1ad item, so io,phs counts no ieee8021ah there);
 *   - what follows goes by its EtherType (`ieee8021ah.etype`, the field
 *     both use), also a value of 1500 or less (no LLC: tshark shows data);
 *   - an S-tag is a layer from 2 bytes on and an I-tag from 4 (tshark reads
 *     them before adding its item); fields are added while their bytes are
 *     there.
 * The trailer after the payload (`ieee8021ah.trailer`) is not recorded.
 */
#include "proto/proto_int.h"

enum { D_PRIO, D_DEI, D_ID, D_SVID, D_CVID };

static nmx_field_t ad_fields[] = {
    [D_PRIO] = NMX_F_UINT("ieee8021ad.priority", "Priority", NMX_BASE_DEC, 2, 0xE000),
    [D_DEI] = NMX_F_UINT("ieee8021ad.dei", "DEI", NMX_BASE_DEC, 2, 0x1000),
    [D_ID] = NMX_F_UINT("ieee8021ad.id", "ID", NMX_BASE_DEC, 2, 0x0FFF),
    [D_SVID] = NMX_F_UINT("ieee8021ad.svid", "ID", NMX_BASE_DEC, 2, 0x0FFF),
    [D_CVID] = NMX_F_UINT("ieee8021ad.cvid", "ID", NMX_BASE_DEC, 2, 0x0FFF),
};

enum { H_PRIO, H_DROP, H_NCA, H_RES1, H_RES2, H_ISID, H_CDST, H_CSRC, H_ETYPE };

static nmx_field_t ah_fields[] = {
    [H_PRIO] = NMX_F_UINT("ieee8021ah.priority", "Priority", NMX_BASE_DEC, 4, 0xE0000000),
    [H_DROP] = NMX_F_UINT("ieee8021ah.drop", "DROP", NMX_BASE_DEC, 4, 0x10000000),
    [H_NCA] = NMX_F_UINT("ieee8021ah.nca", "NCA", NMX_BASE_DEC, 4, 0x08000000),
    [H_RES1] = NMX_F_UINT("ieee8021ah.res1", "RES1", NMX_BASE_DEC, 4, 0x04000000),
    [H_RES2] = NMX_F_UINT("ieee8021ah.res2", "RES2", NMX_BASE_DEC, 4, 0x03000000),
    [H_ISID] = NMX_F_UINT("ieee8021ah.isid", "I-SID", NMX_BASE_DEC, 4, 0x00FFFFFF),
    [H_CDST] = NMX_F_ETHER("ieee8021ah.cdst", "C-Destination"),
    [H_CSRC] = NMX_F_ETHER("ieee8021ah.csrc", "C-Source"),
    [H_ETYPE] = NMX_F_UINT("ieee8021ah.etype", "Type", NMX_BASE_HEX, 2, 0),
};

static nmx_dissect_fn dis_ieee8021ad, dis_ieee8021ah;

NMX_PROTOCOL(nmx__p_ieee8021ad, NMX_PROTO_IEEE8021AD, "ieee8021ad", "IEEE8021AD", NULL, "IEEE 802.1ad", ad_fields,
             .dissect = dis_ieee8021ad, NMX_HANDOFFS({NMX_HO_ETHERTYPE, 0x88A8}),
             .borrows = {NMX_PROTO_IEEE8021AH} /* the S-tag's ieee8021ah.* fields, as in Wireshark */);
NMX_PROTOCOL(nmx__p_ieee8021ah, NMX_PROTO_IEEE8021AH, "ieee8021ah", "IEEE8021AH", NULL, "IEEE 802.1ah", ah_fields,
             .dissect = dis_ieee8021ah, NMX_HANDOFFS({NMX_HO_ETHERTYPE, 0x88E7}));

/* The EtherType at `at` (ieee8021ah.etype) and the payload after it. */
static void tag_payload(nmx_dctx_t *d, nmx_cursor_t c, size_t at)
{
    uint16_t type;
    if (!nmx__cur_peek_u16be(&c, at, &type))
        return;
    nmx__add(d, &ah_fields[H_ETYPE], nmx__off(&c) + at, 2);
    if (!nmx__cur_skip(&c, at + 2) || c.left == 0 || d->depth >= NMX_MAX_DEPTH)
        return;
    d->depth++;
    nmx__handoff(d, c, NMX_HO_ETHERTYPE, type);
    d->depth--;
}

/* An I-tag and what follows it, in the layer already recorded. */
static void itag(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    if (!nmx__cur_in(&c, 0, 4))
        return;
    for (unsigned f = H_PRIO; f <= H_ISID; f++)
        nmx__add(d, &ah_fields[f], off, 4);
    if (!nmx__cur_in(&c, 4, 6))
        return;
    nmx__add(d, &ah_fields[H_CDST], off + 4, 6);
    if (!nmx__cur_in(&c, 10, 6))
        return;
    nmx__add(d, &ah_fields[H_CSRC], off + 10, 6);
    tag_payload(d, c, 16);
}

static bool dis_ieee8021ah(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    if (!nmx__cur_in(&c, 0, 4))
        return false;
    if (nmx__push_layer(d, proto, nmx__off(&c)))
        itag(d, c);
    return true;
}

static bool dis_ieee8021ad(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    uint16_t encap;
    if (!nmx__cur_in(&c, 0, 2))
        return false;
    if (!nmx__push_layer(d, proto, off) || !nmx__cur_peek_u16be(&c, 2, &encap))
        return true;
    if (encap == 0x88A8) {
        /* Q-in-Q: the S-VID and the C-VID in one layer. */
        if (!nmx__cur_in(&c, 4, 2))
            return true;
        nmx__add(d, &ad_fields[D_PRIO], off, 2);
        nmx__add(d, &ad_fields[D_DEI], off, 2);
        nmx__add(d, &ad_fields[D_SVID], off, 2);
        nmx__add(d, &ad_fields[D_PRIO], off + 4, 2);
        nmx__add(d, &ad_fields[D_DEI], off + 4, 2);
        nmx__add(d, &ad_fields[D_CVID], off + 4, 2);
        tag_payload(d, c, 6);
        return true;
    }
    nmx__add(d, &ad_fields[D_PRIO], off, 2);
    nmx__add(d, &ad_fields[D_DEI], off, 2);
    nmx__add(d, &ad_fields[D_ID], off, 2);
    if (encap == 0x88E7) {
        nmx_cursor_t i;
        if (nmx__cur_from(&c, 4, &i))
            itag(d, i);
    } else {
        tag_payload(d, c, 2);
    }
    return true;
}
