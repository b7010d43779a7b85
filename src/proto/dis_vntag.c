/*
 * dis_vntag.c - Cisco's VN-Tag (EtherType 0x8926; IEEE 802.1Qbh's
 * forerunner): a 4-byte tag, then an EtherType or an 802.3 length.
 *
 *   +-+-+-------------+-+-+---+-----------+-------------------------------+
 *   |d|p| dst VIF (14)|l|r|ver| src VIF(12)|    EtherType or length (2)    |
 *   +-+-+-------------+-+-+---+-----------+-------------------------------+
 *
 * As tshark 4.0: the layer is recorded whatever follows, the tag's fields
 * when its 4 bytes are there; a length (1500 or less) bounds an LLC frame,
 * as in 802.1Q.  The trailer after the payload (`vntag.trailer`) is not
 * recorded.
 */
#include "proto/proto_int.h"

enum { F_DIR, F_PTR, F_DST, F_LOOPED, F_R, F_VERSION, F_SRC, F_ETYPE, F_LEN };

static nmx_field_t vntag_fields[] = {
    [F_DIR] = NMX_F_BOOL("vntag.dir", "Direction", 4, 0x80000000),
    [F_PTR] = NMX_F_BOOL("vntag.ptr", "Pointer", 4, 0x40000000),
    [F_DST] = NMX_F_UINT("vntag.dst", "Destination", NMX_BASE_DEC, 4, 0x3FFF0000),
    [F_LOOPED] = NMX_F_BOOL("vntag.looped", "Looped", 4, 0x00008000),
    [F_R] = NMX_F_UINT("vntag.r", "Reserved", NMX_BASE_DEC, 4, 0x00004000),
    [F_VERSION] = NMX_F_UINT("vntag.version", "Version", NMX_BASE_DEC, 4, 0x00003000),
    [F_SRC] = NMX_F_UINT("vntag.src", "Source", NMX_BASE_DEC, 4, 0x00000FFF),
    [F_ETYPE] = NMX_F_UINT("vntag.etype", "Type", NMX_BASE_HEX, 2, 0),
    [F_LEN] = NMX_F_UINT("vntag.len", "Length", NMX_BASE_DEC, 2, 0),
};

static nmx_dissect_fn dis_vntag;

NMX_PROTOCOL(nmx__p_vntag, NMX_PROTO_VNTAG, "vntag", "VNTAG", NULL, "VN-Tag", vntag_fields, .dissect = dis_vntag,
             NMX_HANDOFFS({NMX_HO_ETHERTYPE, 0x8926}));

static bool dis_vntag(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    uint16_t tl;
    if (!nmx__push_layer(d, proto, off) || !nmx__cur_in(&c, 0, 4))
        return true;
    for (unsigned f = F_DIR; f <= F_SRC; f++)
        nmx__add(d, &vntag_fields[f], off, 4);
    if (!nmx__cur_peek_u16be(&c, 4, &tl))
        return true;
    nmx__add(d, &vntag_fields[tl <= 1500 ? F_LEN : F_ETYPE], off + 4, 2);
    if (!nmx__cur_skip(&c, 6) || c.left == 0 || d->depth >= NMX_MAX_DEPTH)
        return true;
    d->depth++;
    nmx__dis_type_or_length(d, c, tl);
    d->depth--;
    return true;
}
