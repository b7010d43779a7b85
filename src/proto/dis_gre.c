/*
 * dis_gre.c - Generic Routing Encapsulation (RFC 2784, keys and sequence
 * numbers of RFC 2890), IP protocol 47: the header, then the payload handed
 * off by its Protocol Type as an EtherType (0x6558, transparent Ethernet
 * bridging, is Ethernet itself: dis_eth.c registers it).
 *
 *   +-+-+-+-+-+-----+---------+-----+-------------------------------+
 *   |C|R|K|S|s|Recur|  Flags  | Ver |         Protocol Type         |
 *   +-+-+-+-+-+-----+---------+-----+-------------------------------+
 *   |      Checksum (optional)      |       Offset (optional)       |
 *   +-------------------------------+-------------------------------+
 *   |                         Key (optional)                        |
 *   +---------------------------------------------------------------+
 *   |                  Sequence Number (optional)                   |
 *   +---------------------------------------------------------------+
 *
 * The fields are tshark's.  Version 1 (PPTP's enhanced GRE, RFC 2637 4.1)
 * has an acknowledgment flag (0x0080), a key that is a payload length and
 * a call ID, and an acknowledgment number after the sequence number; its
 * PPP (protocol type 0x880b, which tshark registers in GRE's table only)
 * goes to PPP, HDLC-like framing when it starts with 0xFF; tshark reads
 * every version but 0 so.  The optional fields are added while their bytes
 * are there.  Source routing (R) is recorded up to the flags and not
 * dissected further.
 */
#include "proto/proto_int.h"

/* Version 1's fields come last, so that version 0's keep their numbers. */
enum { F_FLAGS, F_C, F_R, F_K, F_S, F_SSR, F_RECUR, F_RESERVED, F_VERSION, F_PROTO, F_CHECKSUM, F_OFFSET, F_KEY,
       F_SEQ, F_ACK, F_KEY_PAYLEN, F_KEY_CALLID, F_ACKNUM };

static nmx_field_t gre_fields[] = {
    [F_FLAGS] = NMX_F_UINT("gre.flags_and_version", "Flags and Version", NMX_BASE_HEX, 2, 0),
    [F_C] = NMX_F_BOOL("gre.flags.checksum", "Checksum Bit", 2, 0x8000),
    [F_R] = NMX_F_BOOL("gre.flags.routing", "Routing Bit", 2, 0x4000),
    [F_K] = NMX_F_BOOL("gre.flags.key", "Key Bit", 2, 0x2000),
    [F_S] = NMX_F_BOOL("gre.flags.sequence_number", "Sequence Number Bit", 2, 0x1000),
    [F_SSR] = NMX_F_BOOL("gre.flags.strict_source_route", "Strict Source Route Bit", 2, 0x0800),
    [F_RECUR] = NMX_F_UINT("gre.flags.recursion_control", "Recursion control", NMX_BASE_DEC, 2, 0x0700),
    [F_RESERVED] = NMX_F_UINT("gre.flags.reserved", "Flags (Reserved)", NMX_BASE_DEC, 2, 0x00F8),
    [F_VERSION] = NMX_F_UINT("gre.flags.version", "Version", NMX_BASE_DEC, 2, 0x0007),
    [F_PROTO] = NMX_F_UINT("gre.proto", "Protocol Type", NMX_BASE_HEX, 2, 0),
    [F_CHECKSUM] = NMX_F_UINT("gre.checksum", "Checksum", NMX_BASE_HEX, 2, 0),
    [F_OFFSET] = NMX_F_UINT("gre.offset", "Offset", NMX_BASE_DEC, 2, 0),
    [F_KEY] = NMX_F_UINT("gre.key", "Key", NMX_BASE_HEX, 4, 0),
    [F_SEQ] = NMX_F_UINT("gre.sequence_number", "Sequence Number", NMX_BASE_DEC, 4, 0),
    [F_ACK] = NMX_F_BOOL("gre.flags.ack", "Acknowledgment", 2, 0x0080),
    [F_KEY_PAYLEN] = NMX_F_UINT("gre.key.payload_length", "Payload Length", NMX_BASE_DEC, 2, 0),
    [F_KEY_CALLID] = NMX_F_UINT("gre.key.call_id", "Call ID", NMX_BASE_DEC, 2, 0),
    [F_ACKNUM] = NMX_F_UINT("gre.ack_number", "Acknowledgment Number", NMX_BASE_DEC, 4, 0),
};

static nmx_dissect_fn dis_gre;

NMX_PROTOCOL(nmx__p_gre, NMX_PROTO_GRE, "gre", "GRE", NULL, "Generic Routing Encapsulation", gre_fields,
             .dissect = dis_gre, NMX_HANDOFFS({NMX_HO_IP_PROTO, 47}));

enum { GRE_C = 0x8000, GRE_R = 0x4000, GRE_K = 0x2000, GRE_S = 0x1000, GRE_A = 0x0080, GRE_PPP = 0x880B };

/* The flags word's fields as tshark shows them: version 1 has the
 * acknowledgment bit, and its reserved bits (tshark's second
 * gre.flags.reserved, mask 0x0078) are one fewer. */
static void gre_flags(nmx_dctx_t *d, size_t off, bool v1, uint16_t flags)
{
    for (unsigned f = F_FLAGS; f <= F_RECUR; f++)
        nmx__add(d, &gre_fields[f], off, 2);
    if (v1) {
        nmx__add(d, &gre_fields[F_ACK], off, 2);
        nmx__add_uint(d, &gre_fields[F_RESERVED], off, 2, (flags & 0x0078u) >> 3);
    } else {
        nmx__add(d, &gre_fields[F_RESERVED], off, 2);
    }
    nmx__add(d, &gre_fields[F_VERSION], off, 2);
}

/* Adds field f over n bytes at `at` if they are there. */
static bool gre_add(nmx_dctx_t *d, nmx_cursor_t c, unsigned f, size_t at, size_t n)
{
    if (!nmx__cur_in(&c, at, n)) {
        nmx__add_err(d, &gre_fields[F_FLAGS], nmx__off(&c), 2);
        return false;
    }
    nmx__add(d, &gre_fields[f], nmx__off(&c) + at, n);
    return true;
}

/* The optional fields after the first word, while their bytes are there
 * (as tshark adds them); the header length, or 0 when it is cut. */
static size_t gre_options(nmx_dctx_t *d, nmx_cursor_t c, uint16_t flags, bool v1)
{
    size_t at = 4;
    if (flags & GRE_C) {
        if (!gre_add(d, c, F_CHECKSUM, at, 2) || !gre_add(d, c, F_OFFSET, at + 2, 2))
            return 0;
        at += 4;
    }
    if (flags & GRE_K) {
        /* Enhanced GRE (PPTP): the key is a payload length and a call ID. */
        if (v1 ? !gre_add(d, c, F_KEY_PAYLEN, at, 2) || !gre_add(d, c, F_KEY_CALLID, at + 2, 2)
               : !gre_add(d, c, F_KEY, at, 4))
            return 0;
        at += 4;
    }
    if (flags & GRE_S) {
        if (!gre_add(d, c, F_SEQ, at, 4))
            return 0;
        at += 4;
    }
    if (v1 && (flags & GRE_A)) {
        if (!gre_add(d, c, F_ACKNUM, at, 4))
            return 0;
        at += 4;
    }
    return at;
}

static bool dis_gre(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    uint16_t flags, type;
    /* Fewer than 4 bytes: tshark's GRE dissector fails before it adds its
     * tree (io,phs does not count it), and so does this one. */
    if (!nmx__cur_peek_u16be(&c, 0, &flags) || !nmx__cur_peek_u16be(&c, 2, &type))
        return false;
    if (!nmx__push_layer(d, proto, off))
        return true;
    bool v1 = (flags & 0x7) != 0; /* tshark takes every version but 0 as enhanced GRE */
    if (flags & GRE_R) {
        nmx__add(d, &gre_fields[F_FLAGS], off, 2); /* source routing: not parsed */
        return true;
    }
    gre_flags(d, off, v1, flags);
    nmx__add(d, &gre_fields[F_PROTO], off + 2, 2);
    size_t hlen = gre_options(d, c, flags, v1);
    if (hlen == 0)
        return true;
    if (nmx__cur_skip(&c, hlen) && c.left > 0 && d->depth < NMX_MAX_DEPTH) {
        d->depth++;
        d->gre_flags = flags; /* ERSPAN tells its type I by them */
        if (type == GRE_PPP)
            nmx__dis_ppp(d, c, true); /* PPTP's PPP, in GRE's table only (not an EtherType) */
        else
            nmx__handoff(d, c, NMX_HO_ETHERTYPE, type);
        d->depth--;
    }
    return true;
}
