/*
 * dis_rtcp.c - RTP Control Protocol (RFC 3550 6, RFC 4585 6.1) on the UDP
 * endpoints an SDP announced (the media port + 1) and elsewhere by
 * tshark's heuristic, which 4.0 runs by default.
 *
 *   |V=2|P|  RC   |      PT       |            length             |
 *   SR (200):  SSRC, NTP timestamp (2 words), RTP timestamp, packet and
 *              octet counts, RC report blocks
 *   RR (201):  SSRC, RC report blocks
 *   SDES (202): SC chunks: SSRC, items (type, length, text) up to END
 *   BYE (203): SC SSRCs, [reason length, reason]
 *   APP (204): subtype in RC, SSRC, name (4 chars), data
 *   report block: SSRC, fraction lost, cumulative lost (24 bits signed),
 *                 extended highest sequence (cycles, sequence), jitter,
 *                 LSR, DLSR
 *
 * As tshark 4.0: its heuristic takes a UDP payload whose length is a
 * multiple of 4, of version 2, whose first packet is an SR, RR, BYE, APP
 * or PSFB (206).  The packets of a compound are shown one after the other
 * while 4 bytes are left, each with its header and, by type, its body
 * while its bytes are there (a body cut short ends the dissection); the
 * Length gives where the next packet starts.  Each packet is an rtcp layer
 * of its own, as io,phs counts tshark's items (frame.protocols names rtcp
 * once).  Other types show their
 * header and, for the feedback messages (205, 206), the sender SSRC.  Not
 * recorded: rtcp.length_check, padding, the feedback messages' other
 * fields, XR blocks, the PoC1 and MCPTT APP data tshark decodes.
 */
#include "proto/proto_int.h"

enum { F_VERSION, F_PADDING, F_RC, F_SC, F_SUBTYPE, F_FMT, F_PT, F_LENGTH, F_SENDER_SSRC, F_NTP_MSW,
       F_NTP_LSW, F_NTP, F_RTP_TS, F_PKTS, F_OCTETS, F_SSRC, F_FRACTION, F_CUM_NR, F_EXT_HIGH, F_HIGH_SEQ,
       F_HIGH_CYCLES, F_JITTER, F_LSR, F_DLSR, F_SDES_TYPE, F_SDES_LENGTH, F_SDES_TEXT, F_PREFIX_LEN,
       F_PREFIX, F_APP_NAME, F_APP_DATA, F_SETUP_FRAME, F_SETUP_METHOD };

/* rtcp.ssrc.cum_nr: FT_INT24, stored sign-extended in 32 bits. */
#define RTCP_INT24(k, l) NMX_F_(k, l, NMX_FT_INT, NMX_BASE_DEC, 3, 0, 0, PROP_TYPE_DWORD, PROP_QUAL_NONE)

static nmx_field_t rtcp_fields[] = {
    [F_VERSION] = NMX_F_UINT("rtcp.version", "Version", NMX_BASE_DEC, 1, 0xc0),
    [F_PADDING] = NMX_F_BOOL("rtcp.padding", "Padding", 1, 0x20),
    [F_RC] = NMX_F_UINT("rtcp.rc", "Reception report count", NMX_BASE_DEC, 1, 0x1f),
    [F_SC] = NMX_F_UINT("rtcp.sc", "Source count", NMX_BASE_DEC, 1, 0x1f),
    [F_SUBTYPE] = NMX_F_UINT("rtcp.app.subtype", "Subtype", NMX_BASE_DEC, 1, 0x1f),
    [F_FMT] = NMX_F_UINT("rtcp.psfb.fmt", "RTCP Feedback message type (FMT)", NMX_BASE_DEC, 1, 0x1f),
    [F_PT] = NMX_F_UINT("rtcp.pt", "Packet type", NMX_BASE_DEC, 1, 0),
    [F_LENGTH] = NMX_F_UINT("rtcp.length", "Length", NMX_BASE_DEC, 2, 0),
    [F_SENDER_SSRC] = NMX_F_UINT("rtcp.senderssrc", "Sender SSRC", NMX_BASE_HEX_DEC, 4, 0),
    [F_NTP_MSW] = NMX_F_UINT("rtcp.timestamp.ntp.msw", "Timestamp, MSW", NMX_BASE_DEC_HEX, 4, 0),
    [F_NTP_LSW] = NMX_F_UINT("rtcp.timestamp.ntp.lsw", "Timestamp, LSW", NMX_BASE_DEC_HEX, 4, 0),
    [F_NTP] = NMX_F_ABSTIME_NTP("rtcp.timestamp.ntp", "MSW and LSW as NTP timestamp"),
    [F_RTP_TS] = NMX_F_UINT("rtcp.timestamp.rtp", "RTP timestamp", NMX_BASE_DEC, 4, 0),
    [F_PKTS] = NMX_F_UINT("rtcp.sender.packetcount", "Sender's packet count", NMX_BASE_DEC, 4, 0),
    [F_OCTETS] = NMX_F_UINT("rtcp.sender.octetcount", "Sender's octet count", NMX_BASE_DEC, 4, 0),
    [F_SSRC] = NMX_F_UINT("rtcp.ssrc.identifier", "Identifier", NMX_BASE_HEX_DEC, 4, 0),
    [F_FRACTION] = NMX_F_UINT("rtcp.ssrc.fraction", "Fraction lost", NMX_BASE_DEC, 1, 0),
    [F_CUM_NR] = RTCP_INT24("rtcp.ssrc.cum_nr", "Cumulative number of packets lost"),
    [F_EXT_HIGH] = NMX_F_UINT("rtcp.ssrc.ext_high", "Extended highest sequence number received", NMX_BASE_DEC, 4, 0),
    [F_HIGH_SEQ] = NMX_F_UINT("rtcp.ssrc.high_seq", "Highest sequence number received", NMX_BASE_DEC, 2, 0),
    [F_HIGH_CYCLES] = NMX_F_UINT("rtcp.ssrc.high_cycles", "Sequence number cycles count", NMX_BASE_DEC, 2, 0),
    [F_JITTER] = NMX_F_UINT("rtcp.ssrc.jitter", "Interarrival jitter", NMX_BASE_DEC, 4, 0),
    [F_LSR] = NMX_F_UINT("rtcp.ssrc.lsr", "Last SR timestamp", NMX_BASE_DEC_HEX, 4, 0),
    [F_DLSR] = NMX_F_UINT("rtcp.ssrc.dlsr", "Delay since last SR timestamp", NMX_BASE_DEC, 4, 0),
    [F_SDES_TYPE] = NMX_F_UINT("rtcp.sdes.type", "Type", NMX_BASE_DEC, 1, 0),
    [F_SDES_LENGTH] = NMX_F_UINT("rtcp.sdes.length", "Length", NMX_BASE_DEC, 4, 0),
    [F_SDES_TEXT] = NMX_F_UTF8("rtcp.sdes.text", "Text"),
    [F_PREFIX_LEN] = NMX_F_UINT("rtcp.sdes.prefix.length", "Prefix length", NMX_BASE_DEC, 1, 0),
    [F_PREFIX] = NMX_F_UTF8("rtcp.sdes.prefix.string", "Prefix string"),
    [F_APP_NAME] = NMX_F_UTF8("rtcp.app.name", "Name (ASCII)"),
    [F_APP_DATA] = NMX_F_BYTES("rtcp.app.data", "Application specific data"),
    [F_SETUP_FRAME] = NMX_F_UINT("rtcp.setup-frame", "Setup frame", NMX_BASE_DEC, 4, 0),
    [F_SETUP_METHOD] = NMX_F_STRING("rtcp.setup-method", "Setup Method"),
};

/* How a learned endpoint was announced (tshark's "Stream setup"): the
 * setup frame the SIP layer chose for the SDP (the request's, for an
 * answer: dis_sip.c), from the destination's announcement first, as
 * tshark's own look-up (learn.c), and the method. */
static void add_setup(nmx_dctx_t *d, size_t off)
{
    if (d->ho_table != NMX_HO_LEARNED)
        return;
    nmx__add_uint(d, &rtcp_fields[F_SETUP_FRAME], off, 0, d->learned.setup);
    nmx__add_str(d, &rtcp_fields[F_SETUP_METHOD], off, 0, "SDP", 3);
}

static nmx_dissect_fn dis_rtcp;

NMX_PROTOCOL(nmx__p_rtcp, NMX_PROTO_RTCP, "rtcp", "RTCP", NULL, "Real-time Transport Control Protocol",
             rtcp_fields, .dissect = dis_rtcp, NMX_HANDOFFS({NMX_HO_UDP_HEUR, 40}),
             .chain = true /* the packets of a compound */);

enum { PT_SR = 200, PT_RR, PT_SDES, PT_BYE, PT_APP, PT_RTPFB, PT_PSFB };

/* Adds the 4-byte fields fs[0..n) at *at; false when bytes run out. */
static bool add_words(nmx_dctx_t *d, const nmx_cursor_t *c, size_t *at, const int *fs, size_t n)
{
    for (size_t i = 0; i < n; i++, *at += 4)
        if (!nmx__add_at(d, c, &rtcp_fields[fs[i]], *at, 4))
            return false;
    return true;
}

/* One report block at *at (24 bytes: tshark shows none of a block cut
 * short). */
static bool rtcp_report_block(nmx_dctx_t *d, const nmx_cursor_t *c, size_t *at)
{
    size_t off = nmx__off(c), p = *at;
    if (!nmx__cur_in(c, p, 24))
        return false;
    if (!nmx__add_at(d, c, &rtcp_fields[F_SSRC], p, 4) || !nmx__add_at(d, c, &rtcp_fields[F_FRACTION], p + 4, 1))
        return false;
    uint32_t cum;
    if (!nmx__cur_peek_u24be(c, p + 5, &cum)) {
        nmx__add_at(d, c, &rtcp_fields[F_CUM_NR], p + 5, 3);
        return false;
    }
    nmx__add_uint(d, &rtcp_fields[F_CUM_NR], off + p + 5, 3, cum & 0x800000 ? cum | 0xff000000u : cum);
    if (!nmx__add_at(d, c, &rtcp_fields[F_EXT_HIGH], p + 8, 4))
        return false;
    nmx__add(d, &rtcp_fields[F_HIGH_CYCLES], off + p + 8, 2);
    nmx__add(d, &rtcp_fields[F_HIGH_SEQ], off + p + 10, 2);
    static const int rest[] = {F_JITTER, F_LSR, F_DLSR};
    *at = p + 12;
    return add_words(d, c, at, rest, 3);
}

/* SR or RR body from *at: the sender's part, then rc report blocks. */
static bool rtcp_report(nmx_dctx_t *d, const nmx_cursor_t *c, size_t *at, bool sr, unsigned rc)
{
    size_t off = nmx__off(c);
    if (!nmx__add_at(d, c, &rtcp_fields[F_SENDER_SSRC], *at, 4))
        return false;
    *at += 4;
    if (sr) {
        uint64_t ts;
        static const int ntp[] = {F_NTP_MSW, F_NTP_LSW};
        if (!add_words(d, c, at, ntp, 2) || !nmx__cur_peek_u64be(c, *at - 8, &ts))
            return false;
        nmx__add_uint(d, &rtcp_fields[F_NTP], off + *at - 8, 8, (uint64_t)nmx__ntp_time_ns(ts));
        static const int counts[] = {F_RTP_TS, F_PKTS, F_OCTETS};
        if (!add_words(d, c, at, counts, 3))
            return false;
    }
    for (unsigned i = 0; i < rc; i++)
        if (!rtcp_report_block(d, c, at))
            return false;
    return true;
}

/* A length byte at *at and that many bytes of text after it (an SDES
 * item's, a BYE reason's). */
static bool rtcp_text(nmx_dctx_t *d, const nmx_cursor_t *c, size_t *at)
{
    uint8_t len;
    if (!nmx__cur_peek_u8(c, *at, &len)) {
        nmx__add_at(d, c, &rtcp_fields[F_SDES_LENGTH], *at, 1);
        return false;
    }
    nmx__add_uint(d, &rtcp_fields[F_SDES_LENGTH], nmx__off(c) + *at, 1, len);
    bool ok = nmx__add_at(d, c, &rtcp_fields[F_SDES_TEXT], *at + 1, len);
    *at += 1 + (size_t)len;
    return ok;
}

/* SDES chunks from *at: SSRC, items up to END, padding to a word. */
static bool rtcp_sdes(nmx_dctx_t *d, const nmx_cursor_t *c, size_t *at, size_t start, unsigned sc)
{
    for (unsigned i = 0; i < sc; i++) {
        if (!nmx__add_at(d, c, &rtcp_fields[F_SSRC], *at, 4))
            return false;
        *at += 4;
        for (;;) {
            if (!nmx__add_at(d, c, &rtcp_fields[F_SDES_TYPE], *at, 1))
                return false;
            uint8_t type = nmx__cur_get_u8(c, (*at)++);
            if (type == 0)
                break;
            if (type == 8) { /* PRIV: prefix length, prefix, value */
                uint8_t plen = nmx__cur_get_u8(c, *at + 1);
                if (!nmx__add_at(d, c, &rtcp_fields[F_SDES_LENGTH], *at, 1) ||
                    !nmx__add_at(d, c, &rtcp_fields[F_PREFIX_LEN], *at + 1, 1) ||
                    !nmx__add_at(d, c, &rtcp_fields[F_PREFIX], *at + 2, plen))
                    return false;
                size_t item = nmx__cur_get_u8(c, *at);
                if (item > (size_t)plen + 1 &&
                    !nmx__add_at(d, c, &rtcp_fields[F_SDES_TEXT], *at + 2 + plen, item - plen - 1))
                    return false;
                *at += 1 + item;
            } else if (!rtcp_text(d, c, at)) {
                return false;
            }
        }
        *at = start + ((*at - start + 3) & ~(size_t)3);
    }
    return true;
}

/* The body of one packet of type pt from *at; false when cut short. */
static bool rtcp_body(nmx_dctx_t *d, const nmx_cursor_t *c, size_t *at, size_t start, unsigned pt, unsigned count,
                      size_t end)
{
    switch (pt) {
    case PT_SR:
    case PT_RR:
        return rtcp_report(d, c, at, pt == PT_SR, count);
    case PT_SDES:
        return rtcp_sdes(d, c, at, start, count);
    case PT_BYE:
        for (unsigned i = 0; i < count; i++, *at += 4)
            if (!nmx__add_at(d, c, &rtcp_fields[F_SSRC], *at, 4))
                return false;
        return *at >= end || rtcp_text(d, c, at);
    case PT_APP:
        if (!nmx__add_at(d, c, &rtcp_fields[F_SSRC], *at, 4) ||
            !nmx__add_at(d, c, &rtcp_fields[F_APP_NAME], *at + 4, 4))
            return false;
        if (end > *at + 8 && !nmx__add_at(d, c, &rtcp_fields[F_APP_DATA], *at + 8, end - *at - 8))
            return false;
        return true;
    case PT_RTPFB:
    case PT_PSFB:
        return nmx__add_at(d, c, &rtcp_fields[F_SENDER_SSRC], *at, 4);
    default:
        return true;
    }
}

/* The header of the packet at `at`: version, padding, the count's field
 * by type, type, length. */
static void rtcp_header(nmx_dctx_t *d, const nmx_cursor_t *c, size_t at, unsigned pt)
{
    size_t off = nmx__off(c) + at;
    nmx__add(d, &rtcp_fields[F_VERSION], off, 1);
    nmx__add(d, &rtcp_fields[F_PADDING], off, 1);
    int count = pt == PT_SR || pt == PT_RR ? F_RC : pt == PT_SDES || pt == PT_BYE ? F_SC
                : pt == PT_APP ? F_SUBTYPE : pt == PT_RTPFB || pt == PT_PSFB ? F_FMT : -1;
    if (count >= 0)
        nmx__add(d, &rtcp_fields[count], off, 1);
    nmx__add(d, &rtcp_fields[F_PT], off + 1, 1);
    nmx__add(d, &rtcp_fields[F_LENGTH], off + 2, 2);
}

/* tshark's heuristic (dissect_rtcp_heur). */
static bool rtcp_heur(const nmx_cursor_t *c)
{
    uint8_t b0, pt;
    if (!nmx__cur_peek_u8(c, 0, &b0) || !nmx__cur_peek_u8(c, 1, &pt) || (b0 >> 6) != 2 || c->left % 4 != 0)
        return false;
    return pt == PT_SR || pt == PT_RR || pt == PT_BYE || pt == PT_APP || pt == PT_PSFB;
}

static bool dis_rtcp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    if (d->ho_table == NMX_HO_UDP_HEUR && !rtcp_heur(&c))
        return false;
    if (c.left < 4)
        return nmx__push_layer(d, proto, nmx__off(&c)) || true;
    for (size_t at = 0; at + 4 <= c.left;) {
        if (!nmx__push_layer(d, proto, nmx__off(&c) + at))
            return true;
        uint8_t b0 = nmx__cur_get_u8(&c, at), pt = nmx__cur_get_u8(&c, at + 1);
        size_t end = at + 4 + 4 * (size_t)nmx__cur_get_u16be(&c, at + 2), p = at + 4;
        if (at == 0)
            add_setup(d, nmx__off(&c));
        rtcp_header(d, &c, at, pt);
        /* also in a recognize-only pass (the fields are then not added):
         * a body cut short ends the compound */
        if (!rtcp_body(d, &c, &p, at, pt, b0 & 0x1fu, end))
            break;
        at = end;
    }
    return true;
}
