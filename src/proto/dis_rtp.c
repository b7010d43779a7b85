/*
 * dis_rtp.c - Real-time Transport Protocol (RFC 3550) on the UDP endpoints
 * an SDP offer or answer announced (dis_sdp.c; tshark's RTP heuristic is
 * off by default, so RTP is recognised only there).
 *
 *    0                   1                   2                   3
 *   |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 *   |                           timestamp                           |
 *   |           synchronization source (SSRC) identifier            |
 *   |            contributing source (CSRC) identifiers (CC)        |
 *   [ profile-defined | length ] [ header extension, length words ]
 *   payload ... [ padding ... | count ]
 *
 * As tshark 4.0: a payload under 12 bytes is taken without a layer (tshark
 * names rtp in frame.protocols but adds no item, so io,phs does not count it);
 * a version other than 2 is not RTP (tshark shows rtp.version, then the
 * payload as data: difference 21 in docs/protocols.md); the fields are
 * added while their bytes are there.  A header extension with profile
 * 0xBEDE (RFC 8285 one-byte) or 0x100x (two-byte) is split into its
 * elements (rtp.ext.rfc5285.*), any other into 32-bit words
 * (rtp.hdr_ext).  With the padding bit set, the last byte is the padding
 * count; the payload is what precedes the padding, and the padding data
 * what lies between it and the count (all of the rest when the count is
 * larger than what is left).  tshark hands the payload of some payload
 * types on (G.723, JPEG, H.261, MPEG-1, H.263, and the dynamic types an
 * SDP bound to an encoding it knows, such as telephone-event): those
 * protocols are not parsed here.
 */
#include "proto/proto_int.h"

enum { F_VERSION, F_PADDING, F_EXT, F_CC, F_MARKER, F_PT, F_SEQ, F_TS, F_SSRC, F_CSRC, F_EXT_PROFILE,
       F_EXT_LEN, F_HDR_EXT, F_X_ID, F_X_LEN, F_X_DATA, F_PAYLOAD, F_PAD_DATA, F_PAD_COUNT, F_SETUP_FRAME, F_SETUP_METHOD };

static nmx_field_t rtp_fields[] = {
    [F_VERSION] = NMX_F_UINT("rtp.version", "Version", NMX_BASE_DEC, 1, 0xc0),
    [F_PADDING] = NMX_F_BOOL("rtp.padding", "Padding", 1, 0x20),
    [F_EXT] = NMX_F_BOOL("rtp.ext", "Extension", 1, 0x10),
    [F_CC] = NMX_F_UINT("rtp.cc", "Contributing source identifiers count", NMX_BASE_DEC, 1, 0x0f),
    [F_MARKER] = NMX_F_BOOL("rtp.marker", "Marker", 1, 0x80),
    [F_PT] = NMX_F_UINT("rtp.p_type", "Payload type", NMX_BASE_DEC, 1, 0x7f),
    [F_SEQ] = NMX_F_UINT("rtp.seq", "Sequence number", NMX_BASE_DEC, 2, 0),
    [F_TS] = NMX_F_UINT("rtp.timestamp", "Timestamp", NMX_BASE_DEC, 4, 0),
    [F_SSRC] = NMX_F_UINT("rtp.ssrc", "Synchronization Source identifier", NMX_BASE_HEX_DEC, 4, 0),
    [F_CSRC] = NMX_F_UINT("rtp.csrc.item", "CSRC item", NMX_BASE_HEX_DEC, 4, 0),
    [F_EXT_PROFILE] = NMX_F_UINT("rtp.ext.profile", "Defined by profile", NMX_BASE_HEX_DEC, 2, 0),
    [F_EXT_LEN] = NMX_F_UINT("rtp.ext.len", "Extension length", NMX_BASE_DEC, 2, 0),
    [F_HDR_EXT] = NMX_F_UINT("rtp.hdr_ext", "Header extension", NMX_BASE_HEX_DEC, 4, 0),
    [F_X_ID] = NMX_F_UINT("rtp.ext.rfc5285.id", "Identifier", NMX_BASE_DEC, 1, 0),
    [F_X_LEN] = NMX_F_UINT("rtp.ext.rfc5285.len", "Length", NMX_BASE_DEC, 1, 0),
    [F_X_DATA] = NMX_F_BYTES("rtp.ext.rfc5285.data", "Extension Data"),
    [F_PAYLOAD] = NMX_F_BYTES("rtp.payload", "Payload"),
    [F_PAD_DATA] = NMX_F_BYTES("rtp.padding.data", "Padding data"),
    [F_PAD_COUNT] = NMX_F_UINT("rtp.padding.count", "Padding count", NMX_BASE_DEC, 1, 0),
    [F_SETUP_FRAME] = NMX_F_UINT("rtp.setup-frame", "Setup frame", NMX_BASE_DEC, 4, 0),
    [F_SETUP_METHOD] = NMX_F_STRING("rtp.setup-method", "Setup Method"),
};

/* How a learned endpoint was announced (tshark's "Stream setup"): the
 * setup frame the SIP layer chose for the SDP (the request's, for an
 * answer: dis_sip.c), from the destination's announcement first, as
 * tshark's own look-up (learn.c), and the method. */
static void add_setup(nmx_dctx_t *d, size_t off)
{
    if (d->ho_table != NMX_HO_LEARNED)
        return;
    nmx__add_uint(d, &rtp_fields[F_SETUP_FRAME], off, 0, d->learned.setup);
    nmx__add_str(d, &rtp_fields[F_SETUP_METHOD], off, 0, "SDP", 3);
}

static nmx_dissect_fn dis_rtp;

/* Reached only through endpoints learned from SDP (NMX_HO_LEARNED). */
NMX_PROTOCOL(nmx__p_rtp, NMX_PROTO_RTP, "rtp", "RTP", NULL, "Real-Time Transport Protocol", rtp_fields,
             .dissect = dis_rtp);

/* RFC 8285 elements in [at, end): one-byte (id and length in a byte, 0
 * padding, 15 stops) or two-byte (id byte, length byte) headers. */
static void rtp_ext_elements(nmx_dctx_t *d, const nmx_cursor_t *c, size_t at, size_t end, bool two_byte)
{
    size_t off = nmx__off(c);
    while (at < end) {
        uint8_t b = nmx__cur_get_u8(c, at);
        unsigned id = two_byte ? b : b >> 4;
        if (id == 0) {
            at++;
            continue;
        }
        if (!two_byte && id == 15)
            return;
        size_t hl = two_byte ? 2 : 1, len = two_byte ? nmx__cur_get_u8(c, at + 1) : (size_t)(b & 0x0f) + 1;
        if (at + hl > end)
            return;
        nmx__add_uint(d, &rtp_fields[F_X_ID], off + at, 1, id);
        nmx__add_uint(d, &rtp_fields[F_X_LEN], off + at + hl - 1, 1, len);
        if (len > 0 && !nmx__add_at(d, c, &rtp_fields[F_X_DATA], at + hl, len))
            return;
        at += hl + len;
    }
}

/* The header extension at *at; false when it runs past the bytes. */
static bool rtp_ext(nmx_dctx_t *d, const nmx_cursor_t *c, size_t *at)
{
    uint16_t profile, words;
    if (!nmx__add_at(d, c, &rtp_fields[F_EXT_PROFILE], *at, 2) ||
        !nmx__add_at(d, c, &rtp_fields[F_EXT_LEN], *at + 2, 2))
        return false;
    nmx__cur_peek_u16be(c, *at, &profile);
    nmx__cur_peek_u16be(c, *at + 2, &words);
    size_t start = *at + 4, end = start + 4 * (size_t)words;
    if (profile == 0xbede || (profile & 0xfff0) == 0x1000) {
        if (!nmx__cur_in(c, start, end - start))
            return false;
        rtp_ext_elements(d, c, start, end, profile != 0xbede);
    } else {
        for (size_t w = start; w < end; w += 4)
            if (!nmx__add_at(d, c, &rtp_fields[F_HDR_EXT], w, 4))
                return false;
    }
    *at = end;
    return true;
}

/* Payload and padding from `at` to the end. */
static void rtp_payload(nmx_dctx_t *d, const nmx_cursor_t *c, size_t at, bool padding)
{
    size_t off = nmx__off(c), left = c->left > at ? c->left - at : 0;
    if (!padding) {
        if (left > 0)
            nmx__add(d, &rtp_fields[F_PAYLOAD], off + at, left);
        return;
    }
    if (left == 0)
        return;
    size_t count = nmx__cur_get_u8(c, c->left - 1);
    if (count > left)
        count = left;
    if (left > count)
        nmx__add(d, &rtp_fields[F_PAYLOAD], off + at, left - count);
    if (count > 1)
        nmx__add(d, &rtp_fields[F_PAD_DATA], off + c->left - count, count - 1);
    nmx__add(d, &rtp_fields[F_PAD_COUNT], off + c->left - 1, 1);
}

static bool dis_rtp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    uint8_t b0;
    if (nmx__cur_peek_u8(&c, 0, &b0) && c.left >= 12 && (b0 >> 6) != 2)
        return false;
    if (c.left < 12)
        return true; /* tshark takes it without adding its item: no layer */
    if (!nmx__push_layer(d, proto, off) || !d->ws)
        return true;
    add_setup(d, off);
    static const int first[] = {F_VERSION, F_PADDING, F_EXT, F_CC};
    static const int second[] = {F_MARKER, F_PT};
    for (size_t i = 0; i < 4; i++)
        nmx__add(d, &rtp_fields[first[i]], off, 1);
    for (size_t i = 0; i < 2; i++)
        nmx__add(d, &rtp_fields[second[i]], off + 1, 1);
    nmx__add(d, &rtp_fields[F_SEQ], off + 2, 2);
    nmx__add(d, &rtp_fields[F_TS], off + 4, 4);
    nmx__add(d, &rtp_fields[F_SSRC], off + 8, 4);
    size_t at = 12;
    for (unsigned i = 0; i < (b0 & 0x0fu); i++, at += 4)
        if (!nmx__add_at(d, &c, &rtp_fields[F_CSRC], at, 4))
            return true;
    if ((b0 & 0x10) && !rtp_ext(d, &c, &at))
        return true;
    rtp_payload(d, &c, at, b0 & 0x20);
    return true;
}
