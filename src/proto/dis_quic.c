/*
 * dis_quic.c - QUIC (RFC 9000 17) packet headers, by tshark's UDP
 * heuristic: what can be read without keys.
 *
 *   long header:  |1|1|T T|X X X X| version (32) | DCID len | DCID | SCID len | SCID |
 *                 Initial: token length (varint), token; Initial, 0-RTT,
 *                 Handshake: length (varint), protected packet number and
 *                 payload; Retry: retry token, integrity tag (16)
 *   short header: |0|1|S|R R|K|P P| DCID | protected packet number and payload
 *
 * As tshark 4.0: its heuristic takes a UDP payload of 13 bytes or more
 * with a long header whose version is a QUIC version it knows (v1, v2,
 * drafts 11 and later, mvfst, Q050/T050/T051, the reserved 0x?a?a?a?a)
 * and whose connection ID lengths are 20 or less.  The packets coalesced
 * in the datagram follow, each a layer of its own (io,phs nests them); a
 * short header there shows a DCID when tshark knows the connection (see
 * dis_quic), and the rest as payload.  A long header whose connection IDs
 * are cut short is a layer without fields.  Of a QUIC v2 packet the type
 * is not recorded (tshark has another field for it).  tshark also follows the
 * connection, and so does this file, without keys: a long header announces
 * its UDP conversation with the length of the connection ID a packet to
 * its sender carries (quic_announce, learn.c), and a later datagram there
 * that starts with a short header is QUIC with a DCID that long.  tshark
 * also removes the header protection of Initial packets (their keys come
 * from the DCID) and decrypts them; that is not done here
 * (docs/protocols.md, difference 23): of an Initial packet, the reserved
 * bits, packet number and its length, and the frames are not recorded.
 */
#include <string.h>

#include "proto/proto_int.h"

enum { F_HEADER_FORM, F_FIXED, F_PACKET_TYPE, F_VERSION, F_DCIL, F_DCID, F_SCIL, F_SCID, F_TOKEN_LENGTH, F_TOKEN,
       F_LENGTH, F_SPIN, F_REMAINING, F_RETRY_TOKEN, F_RETRY_TAG, F_PACKET_LENGTH };

static nmx_field_t quic_fields[] = {
    [F_HEADER_FORM] = NMX_F_UINT("quic.header_form", "Header Form", NMX_BASE_DEC, 1, 0x80),
    [F_FIXED] = NMX_F_BOOL("quic.fixed_bit", "Fixed Bit", 1, 0x40),
    [F_PACKET_TYPE] = NMX_F_UINT("quic.long.packet_type", "Packet Type", NMX_BASE_DEC, 1, 0x30),
    [F_VERSION] = NMX_F_UINT("quic.version", "Version", NMX_BASE_HEX, 4, 0),
    [F_DCIL] = NMX_F_UINT("quic.dcil", "Destination Connection ID Length", NMX_BASE_DEC, 1, 0),
    [F_DCID] = NMX_F_BYTES("quic.dcid", "Destination Connection ID"),
    [F_SCIL] = NMX_F_UINT("quic.scil", "Source Connection ID Length", NMX_BASE_DEC, 1, 0),
    [F_SCID] = NMX_F_BYTES("quic.scid", "Source Connection ID"),
    [F_TOKEN_LENGTH] = NMX_F_UINT("quic.token_length", "Token Length", NMX_BASE_DEC, 8, 0),
    [F_TOKEN] = NMX_F_BYTES("quic.token", "Token"),
    [F_LENGTH] = NMX_F_UINT("quic.length", "Length", NMX_BASE_DEC, 8, 0),
    [F_SPIN] = NMX_F_BOOL("quic.spin_bit", "Spin Bit", 1, 0x20),
    [F_REMAINING] = NMX_F_BYTES("quic.remaining_payload", "Remaining Payload"),
    [F_RETRY_TOKEN] = NMX_F_BYTES("quic.retry_token", "Retry Token"),
    [F_RETRY_TAG] = NMX_F_BYTES("quic.retry_integrity_tag", "Retry Integrity Tag"),
    [F_PACKET_LENGTH] = NMX_F_UINT("quic.packet_length", "Packet Length", NMX_BASE_DEC, 4, 0),
};

static nmx_dissect_fn dis_quic;

NMX_PROTOCOL(nmx__p_quic, NMX_PROTO_QUIC, "quic", "QUIC", NULL, "QUIC IETF", quic_fields, .dissect = dis_quic,
             NMX_HANDOFFS({NMX_HO_UDP_HEUR, 50}));

enum { PT_INITIAL, PT_0RTT, PT_HANDSHAKE, PT_RETRY };

/* tshark's quic_draft_version() is nonzero: a version it dissects. */
static bool known_version(uint32_t v)
{
    if ((v >> 8) == 0xff0000)
        return (v & 0xff) != 0;
    return v == 0xfaceb001 || v == 0xfaceb002 || v == 0xfaceb00e || v == 0x51303530 || v == 0x54303530 ||
           v == 0x54303531 || (v & 0x0f0f0f0f) == 0x0a0a0a0a || v == 1 || v == 0x709a50c4 || v == 0x6b3343cf;
}

/* tshark's heuristic (dissect_quic_heur), for a datagram starting with a
 * long header. */
static bool quic_heur(const nmx_cursor_t *c)
{
    uint8_t b0, dcil, scil;
    uint32_t v;
    if (c->left < 13 || !nmx__cur_peek_u8(c, 0, &b0) || !(b0 & 0x80) || !nmx__cur_peek_u32be(c, 1, &v))
        return false;
    if ((v >> 8) == 0xff0000 && (v & 0xff) < 11)
        return false;
    if (!known_version(v) || !nmx__cur_peek_u8(c, 5, &dcil) || dcil > 20)
        return false;
    return nmx__cur_peek_u8(c, 6 + (size_t)dcil, &scil) && scil <= 20;
}

/* A variable-length integer at *at as field f; false when cut short. */
static bool quic_varint(nmx_dctx_t *d, const nmx_cursor_t *c, size_t *at, int f, uint64_t *v)
{
    uint8_t b;
    if (!nmx__cur_peek_u8(c, *at, &b))
        return false;
    size_t n = (size_t)1 << (b >> 6);
    if (!nmx__cur_in(c, *at, n))
        return false;
    *v = b & 0x3f;
    for (size_t i = 1; i < n; i++)
        *v = *v << 8 | nmx__cur_get_u8(c, *at + i);
    nmx__add_uint(d, &quic_fields[f], nmx__off(c) + *at, n, *v);
    *at += n;
    return true;
}

/* A connection ID's length byte and bytes at *at; false when cut short. */
static bool quic_cid(nmx_dctx_t *d, const nmx_cursor_t *c, size_t *at, int lf, int f)
{
    if (!nmx__add_at(d, c, &quic_fields[lf], *at, 1))
        return false;
    size_t len = nmx__cur_get_u8(c, *at);
    if (len && !nmx__add_at(d, c, &quic_fields[f], *at + 1, len))
        return false;
    *at += 1 + len;
    return true;
}

/* Whether the long header at `at` is QUIC v2, and its type (PT_*): v2
 * numbers the types differently (RFC 9369 3.2). */
static bool is_v2(const nmx_cursor_t *c, size_t at)
{
    uint32_t version = nmx__cur_get_u32be(c, at + 1);
    return version == 0x709a50c4 || version == 0x6b3343cf;
}

static unsigned long_type(const nmx_cursor_t *c, size_t at)
{
    uint8_t b0 = nmx__cur_get_u8(c, at);
    return is_v2(c, at) ? ((b0 >> 4) + 3) & 3 : (b0 >> 4) & 3;
}

/* The long-header packet at `at`; returns its length (the rest of the
 * datagram when it has no Length). */
static size_t quic_long(nmx_dctx_t *d, const nmx_cursor_t *c, size_t at)
{
    size_t off = nmx__off(c), p = at + 5, end = c->left;
    bool v2 = is_v2(c, at);
    unsigned type = long_type(c, at);
    size_t dl = nmx__cur_get_u8(c, at + 5), sl = nmx__cur_get_u8(c, at + 6 + dl);
    if (!nmx__cur_in(c, at, 7 + dl + sl))
        return end - at; /* tshark reads the IDs before it shows anything */
    nmx__add(d, &quic_fields[F_HEADER_FORM], off + at, 1);
    if (type != PT_RETRY) /* tshark shows no fixed bit in a Retry */
        nmx__add(d, &quic_fields[F_FIXED], off + at, 1);
    if (!v2) /* a v2 type is another field of tshark's */
        nmx__add(d, &quic_fields[F_PACKET_TYPE], off + at, 1);
    if (!nmx__add_at(d, c, &quic_fields[F_VERSION], at + 1, 4) || !quic_cid(d, c, &p, F_DCIL, F_DCID) ||
        !quic_cid(d, c, &p, F_SCIL, F_SCID))
        return end - at;
    uint64_t v;
    if (type == PT_RETRY) {
        if (end >= p + 16) {
            nmx__add(d, &quic_fields[F_RETRY_TOKEN], off + p, end - p - 16);
            nmx__add(d, &quic_fields[F_RETRY_TAG], off + end - 16, 16);
        }
        nmx__add_uint(d, &quic_fields[F_PACKET_LENGTH], off + at, end - at, end - at);
        return end - at;
    }
    if (type == PT_INITIAL) {
        if (!quic_varint(d, c, &p, F_TOKEN_LENGTH, &v))
            return end - at;
        if (v > 0 && !nmx__add_at(d, c, &quic_fields[F_TOKEN], p, (size_t)v))
            return end - at;
        p += (size_t)v;
    }
    if (!quic_varint(d, c, &p, F_LENGTH, &v))
        return end - at;
    size_t pend = v < end - p ? p + (size_t)v : end;
    nmx__add_uint(d, &quic_fields[F_PACKET_LENGTH], off + at, pend - at, pend - at);
    if (type != PT_INITIAL && pend > p) /* an Initial's payload tshark decrypts: not recorded */
        nmx__add(d, &quic_fields[F_REMAINING], off + p, pend - p);
    return pend - at;
}

/* A short-header packet at `at` (the rest of the datagram) whose DCID is
 * dcil bytes long: tshark shows the DCID, and the rest as payload. */
static void quic_short(nmx_dctx_t *d, const nmx_cursor_t *c, size_t at, size_t dcil)
{
    size_t off = nmx__off(c), end = c->left;
    nmx__add(d, &quic_fields[F_HEADER_FORM], off + at, 1);
    nmx__add(d, &quic_fields[F_FIXED], off + at, 1);
    nmx__add(d, &quic_fields[F_SPIN], off + at, 1);
    if (dcil > 0)
        nmx__add(d, &quic_fields[F_DCID], off + at + 1, dcil);
    nmx__add_uint(d, &quic_fields[F_PACKET_LENGTH], off + at, end - at, end - at);
    if (end > at + 1 + dcil)
        nmx__add(d, &quic_fields[F_REMAINING], off + at + 1 + dcil, end - at - 1 - dcil);
}

/* tshark's check_dcid_on_coalesced_packet: whether the packet at `at`
 * has the DCID of the datagram's first packet (dcil bytes at 6).  A short
 * header is checked only when the connection is known (`conn`). */
static bool same_dcid(const nmx_cursor_t *c, size_t at, size_t dcil, bool conn)
{
    uint8_t b0, len;
    if (!nmx__cur_peek_u8(c, at, &b0))
        return false;
    size_t id = at + 1;
    if (!(b0 & 0x80) && !conn)
        return true;
    if (b0 & 0x80) {
        if (!nmx__cur_peek_u8(c, at + 5, &len) || len != dcil)
            return false;
        id = at + 6;
    }
    for (size_t i = 0; i < dcil; i++) {
        uint8_t x, y;
        if (!nmx__cur_peek_u8(c, id + i, &x) || !nmx__cur_peek_u8(c, 6 + i, &y) || x != y)
            return false;
    }
    return true;
}

/*
 * The packets of one datagram.  tshark knows the connection of a datagram
 * that starts with an Initial (it creates or finds it by that packet);
 * then a short header has the connection's DCID length, which is the
 * first packet's (the packets of a datagram go to one connection).  A
 * packet after the first whose DCID is not the first one's (a short
 * header's only when the connection is known) is padding appended to the
 * datagram: tshark makes it a QUIC item of its own with no fields, and
 * stops.
 */
/*
 * What a datagram that starts with a long header tells the later ones of
 * its UDP conversation (learn.c), as tshark's connection does: a packet
 * sent to the sender carries a DCID as long as this SCID.  The client's
 * first Initial (no earlier announcement matched) also says that one sent
 * to the server carries a DCID of a length not known yet (tshark shows
 * none until the server has answered).
 */
static void quic_announce(nmx_dctx_t *d, const nmx_cursor_t *c, bool known)
{
    nmx_learn_ep_t ep = {.l4 = NMX_PROTO_UDP, .port = d->ho_sport, .has_peer = true, .has_peer_port = true,
                         .peer_port = d->ho_dport, .to_only = true};
    if (!nmx__learning(d) || !nmx__learn_ip(d, &ep.alen, ep.addr, ep.peer))
        return;
    ep.tag = nmx__cur_get_u8(c, 6 + (size_t)nmx__cur_get_u8(c, 5)); /* the heuristic read it */
    nmx__learn(d, &ep, NMX_PROTO_QUIC);
    if (known || long_type(c, 0) != PT_INITIAL)
        return;
    nmx_learn_ep_t server = ep;
    memcpy(server.addr, ep.peer, ep.alen);
    memcpy(server.peer, ep.addr, ep.alen);
    server.port = ep.peer_port;
    server.peer_port = ep.port;
    server.tag = 0;
    nmx__learn(d, &server, NMX_PROTO_QUIC);
}

static bool dis_quic(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    /* A conversation an earlier long header announced (quic_announce):
     * tshark's connection, which takes datagrams that start with a short
     * header too, their DCID as long as the announcement says. */
    bool known = d->ho_table == NMX_HO_LEARNED;
    uint8_t b0;
    if (known && nmx__cur_peek_u8(&c, 0, &b0) && !(b0 & 0x80)) {
        if (nmx__push_layer(d, proto, nmx__off(&c)))
            quic_short(d, &c, 0, d->learned.tag);
        return true;
    }
    if (!quic_heur(&c))
        return false;
    quic_announce(d, &c, known);
    size_t dcil = nmx__cur_get_u8(&c, 5); /* the heuristic read past it */
    bool conn = known || long_type(&c, 0) == PT_INITIAL;
    for (size_t at = 0; at < c.left;) {
        if (!nmx__push_layer(d, proto, nmx__off(&c) + at))
            return true;
        if (at > 0 && !same_dcid(&c, at, dcil, conn))
            break;
        if (!(nmx__cur_get_u8(&c, at) & 0x80)) {
            quic_short(d, &c, at, conn ? dcil : 0);
            break;
        }
        at += quic_long(d, &c, at);
    }
    return true;
}
