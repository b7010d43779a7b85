/*
 * dis_tr.c - IEEE 802.5 Token Ring (pcap link type 6, NetMon's MAC type 2)
 * and the Token Ring MAC frames it carries (protocol "trmac").
 *
 *   +----+----+----------------+----------------+--------------+-----
 *   | AC | FC | destination(6) | source (6)     | RIF (2-30)?  | LLC or MAC frame
 *   +----+----+----------------+----------------+--------------+-----
 *
 * The routing information field is there when the source address has its
 * top bit set; its first two bytes (routing control) give its length,
 * broadcast type, direction and largest frame, then 2-byte ring-bridge
 * pairs.  A frame of type 1 (FC) carries 802.2 LLC; type 0 is a MAC frame:
 * a 2-byte length, the destination and source classes, the major vector
 * command, then subvectors (length, identifier, value).
 *
 * As tshark 4.0 shows them: tr.src twice (as sent, then without the
 * source-routing bit), tr.addr for the destination and the source as sent,
 * the RIF as a string "RRR-B-RRR..." with each ring and bridge also on its
 * own, tr.max_frame_size as the masked bits (not shifted); trmac's
 * subvectors by length and identifier only (their values are not decoded:
 * docs/protocols.md).  The RIF of the Linux 2.0 bug that tshark guesses at
 * (tr.fake_llc_snap_header) is not handled.
 */
#include <stdio.h>

#include "proto/proto_int.h"

enum { F_AC, F_PRIO, F_FRAME, F_MONITOR, F_PRES, F_FC, F_FTYPE, F_PCF, F_DST, F_SRC, F_ADDR, F_SR,
       F_RIF_BYTES, F_BCAST, F_MAXFS, F_DIR, F_RIF, F_RING, F_BRIDGE };

static nmx_field_t tr_fields[] = {
    [F_AC] = NMX_F_UINT("tr.ac", "Access Control", NMX_BASE_HEX, 1, 0),
    [F_PRIO] = NMX_F_UINT("tr.priority", "Priority", NMX_BASE_DEC, 1, 0xe0),
    [F_FRAME] = NMX_F_BOOL("tr.frame", "Frame", 1, 0x10),
    [F_MONITOR] = NMX_F_UINT("tr.monitor_cnt", "Monitor Count", NMX_BASE_DEC, 1, 0x08),
    [F_PRES] = NMX_F_UINT("tr.priority_reservation", "Priority Reservation", NMX_BASE_DEC, 1, 0x07),
    [F_FC] = NMX_F_UINT("tr.fc", "Frame Control", NMX_BASE_HEX, 1, 0),
    [F_FTYPE] = NMX_F_UINT("tr.frame_type", "Frame Type", NMX_BASE_DEC, 1, 0xc0),
    [F_PCF] = NMX_F_UINT("tr.frame_pcf", "Frame PCF", NMX_BASE_DEC, 1, 0x0f),
    [F_DST] = NMX_F_ETHER("tr.dst", "Destination"),
    [F_SRC] = NMX_F_ETHER("tr.src", "Source"),
    [F_ADDR] = NMX_F_ETHER("tr.addr", "Source or Destination Address"),
    [F_SR] = NMX_F_BOOL("tr.sr", "Source Routed", 1, 0),
    [F_RIF_BYTES] = NMX_F_UINT("tr.rif_bytes", "RIF Bytes", NMX_BASE_DEC, 1, 0),
    [F_BCAST] = NMX_F_UINT("tr.broadcast", "Broadcast Type", NMX_BASE_DEC, 1, 0),
    [F_MAXFS] = NMX_F_UINT("tr.max_frame_size", "Maximum Frame Size", NMX_BASE_DEC, 1, 0),
    [F_DIR] = NMX_F_UINT("tr.direction", "Direction", NMX_BASE_DEC, 1, 0),
    [F_RIF] = NMX_F_STRING("tr.rif", "Ring-Bridge Pairs"),
    [F_RING] = NMX_F_UINT("tr.rif.ring", "RIF Ring", NMX_BASE_HEX, 2, 0),
    [F_BRIDGE] = NMX_F_UINT("tr.rif.bridge", "RIF Bridge", NMX_BASE_HEX, 1, 0),
};

NMX_PROTOCOL(nmx__p_tr, NMX_PROTO_TR, "tr", "TOKENRING", NULL, "Token-Ring", tr_fields);

enum { M_MVEC, M_LEN, M_SRCCLASS, M_DSTCLASS, M_SVEC_LEN, M_SVEC_ID };

static nmx_field_t trmac_fields[] = {
    [M_MVEC] = NMX_F_UINT("trmac.mvec", "Major Vector", NMX_BASE_HEX, 1, 0),
    [M_LEN] = NMX_F_UINT("trmac.length", "Total Length", NMX_BASE_DEC, 1, 0),
    [M_SRCCLASS] = NMX_F_UINT("trmac.srcclass", "Source Class", NMX_BASE_HEX, 1, 0x0f),
    [M_DSTCLASS] = NMX_F_UINT("trmac.dstclass", "Destination Class", NMX_BASE_HEX, 1, 0xf0),
    [M_SVEC_LEN] = NMX_F_UINT("trmac.svec.len", "Subvector Length", NMX_BASE_DEC, 1, 0),
    [M_SVEC_ID] = NMX_F_UINT("trmac.svec.id", "Subvector Identifier", NMX_BASE_HEX, 1, 0),
};

NMX_PROTOCOL(nmx__p_trmac, NMX_PROTO_TRMAC, "trmac", "TRMAC", NULL, "Token-Ring Media Access Control",
             trmac_fields);

/* The MAC frame: its major vector, then each subvector's length and
 * identifier while they fit in the stated length and the bytes. */
static void dis_trmac(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_TRMAC, off) || !d->ws)
        return;
    if (!nmx__add_at(d, &c, &trmac_fields[M_MVEC], 3, 1))
        return;
    unsigned total = nmx__cur_get_u16be(&c, 0);
    nmx__add_uint(d, &trmac_fields[M_LEN], off, 2, total);
    nmx__add(d, &trmac_fields[M_SRCCLASS], off + 2, 1);
    nmx__add(d, &trmac_fields[M_DSTCLASS], off + 2, 1);
    for (size_t pos = 4; pos < total;) {
        if (!nmx__add_at(d, &c, &trmac_fields[M_SVEC_LEN], pos, 1) ||
            !nmx__add_at(d, &c, &trmac_fields[M_SVEC_ID], pos + 1, 1))
            return;
        unsigned len = nmx__cur_get_u8(&c, pos);
        if (len < 2)
            return;
        pos += len;
    }
}

/* The routing information field of rif_len bytes at the cursor: routing
 * control, then the ring-bridge pairs (at most 30 bytes are read, as the
 * standard allows no more). */
static void dis_rif(nmx_dctx_t *d, const nmx_cursor_t *c, size_t rif_len)
{
    size_t off = nmx__off(c);
    uint8_t rc0 = nmx__cur_get_u8(c, 0), rc1 = nmx__cur_get_u8(c, 1);
    nmx__add_uint(d, &tr_fields[F_RIF_BYTES], off, 1, rc0 & 0x1f);
    nmx__add_uint(d, &tr_fields[F_BCAST], off, 1, rc0 & 0xe0);
    nmx__add_uint(d, &tr_fields[F_MAXFS], off + 1, 1, rc1 & 0x70);
    nmx__add_uint(d, &tr_fields[F_DIR], off + 1, 1, rc1 & 0x80);
    size_t n = (rif_len > 30 ? 30 : rif_len) - 2; /* bytes of ring-bridge pairs */
    if (n < 4 || !nmx__cur_in(c, 2, 2))
        return;
    char text[3 + 15 * 6 + 1];
    size_t len = 0;
    unsigned ring = nmx__cur_get_u16be(c, 2) >> 4;
    len += (size_t)snprintf(text, sizeof text, "%03X", ring);
    nmx__add_uint(d, &tr_fields[F_RING], off + 2, 2, ring);
    for (size_t j = 1; j + 1 < n; j += 2) {
        if (!nmx__cur_in(c, 2 + j, 3)) { /* the frame ends inside the RIF */
            nmx__add_err(d, &tr_fields[F_RIF], off + 2, c->left - 2);
            return;
        }
        unsigned bridge = nmx__cur_get_u8(c, 2 + j) & 0x0f;
        ring = nmx__cur_get_u16be(c, 3 + j) >> 4;
        len += (size_t)snprintf(text + len, sizeof text - len, "-%01X-%03X", bridge, ring);
        nmx__add_uint(d, &tr_fields[F_RING], off + 3 + j, 2, ring);
        nmx__add_uint(d, &tr_fields[F_BRIDGE], off + 2 + j, 1, bridge);
    }
    nmx__add_str(d, &tr_fields[F_RIF], off + 2, n, text, len);
}

/* The access and frame control bytes, each with its parts. */
static void tr_control(nmx_dctx_t *d, size_t off)
{
    for (int f = F_AC; f <= F_PRES; f++)
        nmx__add(d, &tr_fields[f], off, 1);
    for (int f = F_FC; f <= F_PCF; f++)
        nmx__add(d, &tr_fields[f], off + 1, 1);
}

void nmx__dis_tr(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    if (c.left < 14)
        return; /* tshark throws before its tree item: taken, not counted */
    if (!nmx__push_layer(d, NMX_PROTO_TR, off))
        return;
    uint8_t fc = nmx__cur_get_u8(&c, 1), src0 = nmx__cur_get_u8(&c, 8);
    bool routed = (src0 & 0x80) != 0;
    size_t rif_len = routed && c.left > 14 ? nmx__cur_get_u8(&c, 14) & 0x1f : 0;
    if (d->ws) {
        uint8_t src[6];
        (void)nmx__cur_peek_copy(&c, 8, src, 6);
        src[0] &= 0x7f;
        tr_control(d, off);
        nmx__add(d, &tr_fields[F_DST], off + 2, 6);
        nmx__add(d, &tr_fields[F_SRC], off + 8, 6);
        nmx__add_str(d, &tr_fields[F_SRC], off + 8, 6, src, 6);
        nmx__add(d, &tr_fields[F_ADDR], off + 2, 6);
        nmx__add(d, &tr_fields[F_ADDR], off + 8, 6);
        nmx__add_uint(d, &tr_fields[F_SR], off + 8, 1, routed);
    }
    nmx__cur_skip(&c, 14);
    if (routed) {
        if (d->ws && c.left >= 2 && rif_len >= 2)
            dis_rif(d, &c, rif_len);
        if (!nmx__cur_skip(&c, rif_len)) {
            nmx__add_err(d, &tr_fields[F_RIF_BYTES], off + 14, c.left);
            return;
        }
        if (rif_len < 2)
            return;
    }
    if ((fc & 0xc0) == 0x40)
        nmx__dis_llc(d, c);
    else if ((fc & 0xc0) == 0)
        dis_trmac(d, c);
}
