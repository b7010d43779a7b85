/*
 * dis_l2tp.c - the Layer Two Tunneling Protocol over UDP 1701: version 2
 * (RFC 2661), whose data messages carry PPP, and the header of version 3
 * (RFC 3931 4.1.2), also over IP (protocol 115, RFC 3931 4.1.1: a session
 * ID, 0 before a control message).
 *
 *   v2:  |T|L|x|x|S|x|O|P|x|x|x|x| Ver |  [Length]  |
 *        |  Tunnel ID  |  Session ID  |  [Ns]  |  [Nr]  |
 *        |  [Offset Size]  |  [Offset pad ...]  | PPP / AVPs
 *   v3:  data:    |T|x|x|x|...| Ver | Reserved | Session ID (4) | ...
 *        control: |T|L|x|x|S|...| Ver | Length | Control Connection ID (4) |
 *                 |  Ns  |  Nr  | AVPs
 *
 * As tshark 4.0: a payload under 2 bytes, or of another version, is turned
 * down (the other port and the heuristics get it).  A version 2 message,
 * or a version 3 control message, is a layer only when tshark can read
 * what it reads before adding its item: the header up to the session ID
 * (the control connection ID) and, for a control message that is not a
 * zero-length body, the type of its first AVP (and the message type when
 * that AVP is one); otherwise nothing is recorded.  A version 3 data
 * message is always a layer.  Over IP a session ID cut short is no layer,
 * a data message is its session ID and a control message follows the rule
 * above.  Fields are then added while their bytes are there, the Length
 * bounding the message.  A v2 data message hands the
 * rest to PPP (HDLC-like framing when it starts with 0xFF).  AVPs, the
 * offset padding and what follows a v3 session ID (a cookie and a
 * sublayer that only the control connection tells) are not parsed.
 */
#include "proto/proto_int.h"

enum { F_FLAGS, F_TYPE, F_LENGTH_BIT, F_SEQ_BIT, F_OFFSET_BIT, F_PRIORITY, F_VERSION, F_LENGTH, F_TUNNEL,
       F_SESSION, F_NS, F_NR, F_OFFSET, F_RES, F_SID, F_CCID };

static nmx_field_t l2tp_fields[] = {
    [F_FLAGS] = NMX_F_UINT("l2tp.flags", "Flags", NMX_BASE_HEX, 2, 0),
    [F_TYPE] = NMX_F_UINT("l2tp.type", "Type", NMX_BASE_DEC, 2, 0x8000),
    [F_LENGTH_BIT] = NMX_F_BOOL("l2tp.length_bit", "Length Bit", 2, 0x4000),
    [F_SEQ_BIT] = NMX_F_BOOL("l2tp.seq_bit", "Sequence Bit", 2, 0x0800),
    [F_OFFSET_BIT] = NMX_F_BOOL("l2tp.offset_bit", "Offset bit", 2, 0x0200),
    [F_PRIORITY] = NMX_F_BOOL("l2tp.priority", "Priority", 2, 0x0100),
    [F_VERSION] = NMX_F_UINT("l2tp.version", "Version", NMX_BASE_DEC, 2, 0x000F),
    [F_LENGTH] = NMX_F_UINT("l2tp.length", "Length", NMX_BASE_DEC, 2, 0),
    [F_TUNNEL] = NMX_F_UINT("l2tp.tunnel", "Tunnel ID", NMX_BASE_DEC, 2, 0),
    [F_SESSION] = NMX_F_UINT("l2tp.session", "Session ID", NMX_BASE_DEC, 2, 0),
    [F_NS] = NMX_F_UINT("l2tp.Ns", "Ns", NMX_BASE_DEC, 2, 0),
    [F_NR] = NMX_F_UINT("l2tp.Nr", "Nr", NMX_BASE_DEC, 2, 0),
    [F_OFFSET] = NMX_F_UINT("l2tp.offset", "Offset", NMX_BASE_DEC, 2, 0),
    [F_RES] = NMX_F_UINT("l2tp.res", "Reserved", NMX_BASE_HEX, 2, 0),
    [F_SID] = NMX_F_UINT("l2tp.sid", "Session ID", NMX_BASE_HEX, 4, 0),
    [F_CCID] = NMX_F_UINT("l2tp.ccid", "Control Connection ID", NMX_BASE_HEX, 4, 0),
};

static nmx_dissect_fn dis_l2tp;

NMX_PROTOCOL(nmx__p_l2tp, NMX_PROTO_L2TP, "l2tp", "L2TP", NULL, "Layer 2 Tunneling Protocol", l2tp_fields,
             .dissect = dis_l2tp, NMX_HANDOFFS({NMX_HO_UDP_PORT, 1701}, {NMX_HO_IP_PROTO, 115}));

enum { T_BIT = 0x8000, L_BIT = 0x4000, S_BIT = 0x0800, O_BIT = 0x0200 };

/* The flag word's fields (v3 has no offset or priority bit). */
static void l2tp_flags(nmx_dctx_t *d, size_t off, bool v2)
{
    for (unsigned f = F_FLAGS; f <= F_VERSION; f++)
        if (v2 || (f != F_OFFSET_BIT && f != F_PRIORITY))
            nmx__add(d, &l2tp_fields[f], off, 2);
}

/* Adds the n-byte field f at `at` if its bytes are there. */
static bool l2tp_add(nmx_dctx_t *d, nmx_cursor_t c, unsigned f, size_t at, size_t n)
{
    if (!nmx__cur_in(&c, at, n))
        return false;
    nmx__add(d, &l2tp_fields[f], nmx__off(&c) + at, n);
    return true;
}

/* Whether tshark reads a control message's first AVP (type, and message
 * type) successfully before adding its item: avp is where that AVP's type
 * would be. */
static bool control_readable(nmx_cursor_t c, uint16_t flags, size_t avp)
{
    uint16_t type;
    if ((flags & L_BIT) && nmx__cur_get_u16be(&c, 2) == 12)
        return true; /* a zero-length body: nothing more is read */
    if (!nmx__cur_peek_u16be(&c, avp, &type))
        return false;
    return type != 0 || nmx__cur_in(&c, avp + 2, 2);
}

static void l2tp_v2(nmx_dctx_t *d, nmx_cursor_t c, uint16_t flags)
{
    size_t off = nmx__off(&c);
    size_t cid = (flags & L_BIT) ? 6 : 4;
    if (!nmx__cur_in(&c, 0, cid + 2) ||
        ((flags & T_BIT) && !control_readable(c, flags, cid + ((flags & S_BIT) ? 4 : 0) + 6)) ||
        !nmx__push_layer(d, NMX_PROTO_L2TP, off))
        return;
    if (flags & L_BIT)
        c = nmx__cur_head(c, nmx__cur_get_u16be(&c, 2));
    l2tp_flags(d, off, true);
    if (flags & L_BIT)
        l2tp_add(d, c, F_LENGTH, 2, 2);
    size_t at = cid - 2;
    if (!l2tp_add(d, c, F_TUNNEL, at, 2) || !l2tp_add(d, c, F_SESSION, at + 2, 2))
        return;
    at += 4;
    if (flags & S_BIT) {
        if (!l2tp_add(d, c, F_NS, at, 2) || !l2tp_add(d, c, F_NR, at + 2, 2))
            return;
        at += 4;
    }
    if (flags & O_BIT) {
        uint16_t pad;
        if (!nmx__cur_peek_u16be(&c, at, &pad))
            return;
        l2tp_add(d, c, F_OFFSET, at, 2);
        at += 2u + pad;
    }
    if ((flags & T_BIT) || !nmx__cur_skip(&c, at) || c.left == 0 || d->depth >= NMX_MAX_DEPTH)
        return; /* AVPs are not parsed */
    d->depth++;
    nmx__dis_ppp(d, c, true);
    d->depth--;
}

/* A v3 control message whose header starts at c; over IP the layer starts
 * at the 4-byte session ID (0) before it, at `layer`. */
static void l2tp_v3_control(nmx_dctx_t *d, nmx_cursor_t c, uint16_t flags, size_t layer)
{
    size_t off = nmx__off(&c);
    size_t ccid = (flags & L_BIT) ? 4 : 2;
    if (!nmx__cur_in(&c, 0, ccid + 4) || !control_readable(c, flags, ccid + ((flags & S_BIT) ? 4 : 0) + 8) ||
        !nmx__push_layer(d, NMX_PROTO_L2TP, layer))
        return;
    if (layer != off)
        nmx__add(d, &l2tp_fields[F_SID], layer, 4);
    if (flags & L_BIT)
        c = nmx__cur_head(c, nmx__cur_get_u16be(&c, 2));
    l2tp_flags(d, off, false);
    if (flags & L_BIT)
        l2tp_add(d, c, F_LENGTH, 2, 2);
    if (l2tp_add(d, c, F_CCID, ccid, 4) && (flags & S_BIT) && l2tp_add(d, c, F_NS, ccid + 4, 2))
        l2tp_add(d, c, F_NR, ccid + 6, 2);
}

static void l2tp_v3(nmx_dctx_t *d, nmx_cursor_t c, uint16_t flags)
{
    size_t off = nmx__off(&c);
    if (flags & T_BIT) {
        l2tp_v3_control(d, c, flags, off);
        return;
    }
    if (!nmx__push_layer(d, NMX_PROTO_L2TP, off))
        return;
    l2tp_flags(d, off, false);
    if (l2tp_add(d, c, F_RES, 2, 2))
        l2tp_add(d, c, F_SID, 4, 4);
    /* cookie, sublayer and payload: not known without the control connection */
}

/* L2TPv3 over IP (protocol 115): a session ID, 0 for a control message. */
static void l2tp_ip(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    uint32_t sid;
    nmx_cursor_t h;
    if (!nmx__cur_peek_u32be(&c, 0, &sid))
        return;
    if (sid == 0) {
        if (nmx__cur_from(&c, 4, &h) && h.left >= 2)
            l2tp_v3_control(d, h, nmx__cur_get_u16be(&h, 0), off);
        return;
    }
    if (nmx__push_layer(d, NMX_PROTO_L2TP, off))
        nmx__add(d, &l2tp_fields[F_SID], off, 4);
}

static bool dis_l2tp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    (void)proto; /* always NMX_PROTO_L2TP */
    uint16_t flags;
    if (d->ho_table == NMX_HO_IP_PROTO) {
        l2tp_ip(d, c);
        return true;
    }
    if (!nmx__cur_peek_u16be(&c, 0, &flags) || ((flags & 0xF) != 2 && (flags & 0xF) != 3))
        return false; /* not a version tshark knows: not L2TP */
    if ((flags & 0xF) == 2)
        l2tp_v2(d, c, flags);
    else
        l2tp_v3(d, c, flags);
    return true; /* taken, even when cut short (tshark's malformed) */
}
