/*
 * dis_spx.c - Novell SPX, IPX packet type 5: the 12-byte header of SPX
 * (and the 14 of SPX II, whose connection control has bit 0x08).
 *
 *   +-----+------+--------+--------+-----+-----+-------+----------+
 *   | ctl | type | src id | dst id | seq | ack | alloc | neg size |
 *   +-----+------+--------+--------+-----+-----+-------+----------+
 *     1      1       2        2       2     2      2    (2, SPX II)
 *
 * As tshark 4.0: spx.ctl is the high half of the control byte; its four
 * flags are shown, and the four SPX II ones only when the SPX II bit is
 * set; spx.neg_size when SPX II negotiates a size.  Fields are shown one by
 * one until the bytes run out.  tshark's retransmission analysis
 * (spx.rexmt_frame) needs conversation state and is not made.
 */
#include "proto/proto_int.h"

enum { F_CTL, F_SYS, F_SEND_ACK, F_ATTN, F_EOM, F_V2, F_NEG, F_RES, F_EXT, F_TYPE, F_SRC, F_DST, F_SEQ,
       F_ACK, F_ALLOC, F_NEG_SIZE };

static nmx_field_t spx_fields[] = {
    [F_CTL] = NMX_F_UINT("spx.ctl", "Connection Control", NMX_BASE_HEX, 1, 0xf0),
    [F_SYS] = NMX_F_BOOL("spx.ctl.sys", "System Packet", 1, 0x80),
    [F_SEND_ACK] = NMX_F_BOOL("spx.ctl.send_ack", "Send Ack", 1, 0x40),
    [F_ATTN] = NMX_F_BOOL("spx.ctl.attn", "Attention", 1, 0x20),
    [F_EOM] = NMX_F_BOOL("spx.ctl.eom", "End of Message", 1, 0x10),
    [F_V2] = NMX_F_BOOL("spx.ctl.v2", "SPXII Packet", 1, 0x08),
    [F_NEG] = NMX_F_BOOL("spx.ctl.neg_size", "Negotiate Size", 1, 0x04),
    [F_RES] = NMX_F_BOOL("spx.ctl.reserved", "Reserved", 1, 0x02),
    [F_EXT] = NMX_F_BOOL("spx.ctl.ext_header", "Extended Header", 1, 0x01),
    [F_TYPE] = NMX_F_UINT("spx.type", "Datastream type", NMX_BASE_HEX, 1, 0),
    [F_SRC] = NMX_F_UINT("spx.src", "Source Connection ID", NMX_BASE_DEC, 2, 0),
    [F_DST] = NMX_F_UINT("spx.dst", "Destination Connection ID", NMX_BASE_DEC, 2, 0),
    [F_SEQ] = NMX_F_UINT("spx.seq", "Sequence Number", NMX_BASE_DEC, 2, 0),
    [F_ACK] = NMX_F_UINT("spx.ack", "Acknowledgment Number", NMX_BASE_DEC, 2, 0),
    [F_ALLOC] = NMX_F_UINT("spx.alloc", "Allocation Number", NMX_BASE_DEC, 2, 0),
    [F_NEG_SIZE] = NMX_F_UINT("spx.neg_size", "Negotiate Size", NMX_BASE_DEC, 2, 0),
};

static nmx_dissect_fn dis_spx;

NMX_PROTOCOL(nmx__p_spx, NMX_PROTO_SPX, "spx", "SPX", NULL, "Sequenced Packet eXchange", spx_fields,
             .dissect = dis_spx, NMX_HANDOFFS({NMX_HO_IPX_TYPE, 5}));

static bool dis_spx(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, proto, off) || !d->ws)
        return true;
    uint8_t ctl = nmx__cur_get_u8(&c, 0);
    int last = ctl & 0x08 ? F_EXT : F_EOM;
    for (int f = F_CTL; f <= last; f++)
        nmx__add(d, &spx_fields[f], off, 1);
    static const struct {
        int f;
        size_t pos, n;
    } rest[] = {{F_TYPE, 1, 1}, {F_SRC, 2, 2}, {F_DST, 4, 2}, {F_SEQ, 6, 2}, {F_ACK, 8, 2}, {F_ALLOC, 10, 2}};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
        if (!nmx__add_at(d, &c, &spx_fields[rest[i].f], rest[i].pos, rest[i].n))
            return true;
    if ((ctl & 0x0c) == 0x0c)
        nmx__add_at(d, &c, &spx_fields[F_NEG_SIZE], 12, 2);
    return true;
}
