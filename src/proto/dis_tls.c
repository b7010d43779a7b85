/*
 * dis_tls.c - TLS records (RFC 8446 5.1, RFC 5246 6.2) and handshake
 * messages, with the server name of ClientHello (RFC 6066 3).
 *
 *   record:    type(1) | version(2) | length(2) | fragment
 *   handshake: msg type(1) | length(3) | body
 *   ClientHello: version(2) random(32) session id<1> cipher suites<2>
 *                compression<1> extensions<2>: type(2) len(2) data
 *
 * Records are taken from one segment (no reassembly); like tshark without
 * reassembly, a record cut off by the segment end is not shown.  A handshake record whose
 * first message length does not fit is an encrypted Finished message and
 * is not parsed.  A segment that does not start with a record header is a
 * continuation, unless it starts with four printable characters
 * (tls_rejects).
 */
#include "proto/proto_int.h"

enum { F_CT, F_VERSION, F_LENGTH, F_HS_TYPE, F_HS_LENGTH, F_HS_VERSION, F_SNI, F_CIPHER };

static nmx_field_t tls_fields[] = {
    [F_CT] = NMX_F_UINT("tls.record.content_type", "Content Type", NMX_BASE_DEC, 1, 0),
    [F_VERSION] = NMX_F_UINT("tls.record.version", "Version", NMX_BASE_HEX, 2, 0),
    [F_LENGTH] = NMX_F_UINT("tls.record.length", "Length", NMX_BASE_DEC, 2, 0),
    [F_HS_TYPE] = NMX_F_UINT("tls.handshake.type", "Handshake Message Type", NMX_BASE_DEC, 1, 0),
    [F_HS_LENGTH] = NMX_F_UINT("tls.handshake.length", "Length", NMX_BASE_DEC, 3, 0),
    [F_HS_VERSION] = NMX_F_UINT("tls.handshake.version", "Version", NMX_BASE_HEX, 2, 0),
    [F_SNI] = NMX_F_STRING("tls.handshake.extensions_server_name", "Server Name"),
    [F_CIPHER] = NMX_F_UINT("tls.handshake.ciphersuite", "Cipher Suite", NMX_BASE_HEX, 2, 0),
};

static nmx_dissect_fn tls_handoff;

/* Wireshark 4.0's default TLS TCP ports ("tls.port" and the protocols it
 * decrypts). */
NMX_PROTOCOL(nmx__p_tls, NMX_PROTO_TLS, "tls", "TLS", "SSL", "Transport Layer Security", tls_fields,
             .dissect = tls_handoff,
             NMX_HANDOFFS({NMX_HO_TCP_PORT, 324}, {NMX_HO_TCP_PORT, 443}, {NMX_HO_TCP_PORT, 465},
                          {NMX_HO_TCP_PORT, 636}, {NMX_HO_TCP_PORT, 802}, {NMX_HO_TCP_PORT, 853},
                          {NMX_HO_TCP_PORT, 993}, {NMX_HO_TCP_PORT, 995}, {NMX_HO_TCP_PORT, 1300},
                          {NMX_HO_TCP_PORT, 2221}, {NMX_HO_TCP_PORT, 2443}, {NMX_HO_TCP_PORT, 3249},
                          {NMX_HO_TCP_PORT, 3250}, {NMX_HO_TCP_PORT, 3251}, {NMX_HO_TCP_PORT, 3252},
                          {NMX_HO_TCP_PORT, 3496}, {NMX_HO_TCP_PORT, 5061}, {NMX_HO_TCP_PORT, 5671},
                          {NMX_HO_TCP_PORT, 5684}, {NMX_HO_TCP_PORT, 5868}, {NMX_HO_TCP_PORT, 8883},
                          {NMX_HO_TCP_PORT, 11207}, {NMX_HO_TCP_PORT, 19999}, {NMX_HO_TCP_PORT, 27017},
                          {NMX_HO_TCP_HEUR, 10}));

static bool record_header_ok(const nmx_cursor_t *c)
{
    uint8_t h[3];
    if (c->left < 5 || !nmx__cur_peek_copy(c, 0, h, 3))
        return false;
    return h[0] >= 20 && h[0] <= 24 && h[1] == 3 && h[2] <= 4;
}

bool nmx__tls_heur(nmx_cursor_t c)
{
    uint8_t p[7] = {0};
    size_t n = c.left;
    nmx__cur_peek_copy(&c, 0, p, n < sizeof(p) ? n : sizeof(p));
    /* A ChangeCipherSpec record also starts a TLS segment (Wireshark knows
     * the conversation from its handshake; this one is unambiguous). */
    if (n >= 6 && p[0] == 20 && p[1] == 3 && p[2] <= 3 && p[3] == 0 && p[4] == 1 && p[5] == 1)
        return true;
    /* So does an alert, plain (2 bytes) or encrypted. */
    if (n >= 7 && p[0] == 21 && p[1] == 3 && p[2] <= 3 && p[3] == 0 &&
        ((p[4] == 2 && (p[5] == 1 || p[5] == 2)) || (p[4] >= 20 && p[4] <= 64)))
        return true;
    if (n < 5 || (p[0] != 22 && p[0] != 23) || p[1] != 3 || p[2] > 3)
        return false;
    uint16_t len = nmx__cur_get_u16be(&c, 3);
    return len != 0 && len < 16384 + 2048;
}

/*
 * tshark's TLS dissector turns down a payload of more than 4 captured bytes
 * whose first four are printable ASCII (0x20-0x7E): real TLS is unlikely to
 * start so, plain text is (an SSH identification string on 443, HTTP, or
 * the middle of a certificate's names after a record split across
 * segments, which tshark then shows as data).  Every other payload on a TLS
 * port is TLS: a record, or continuation data.
 */
static bool tls_rejects(nmx_cursor_t c)
{
    if (c.left <= 4)
        return false;
    for (size_t i = 0; i < 4; i++) {
        uint8_t ch = nmx__cur_get_u8(&c, i);
        if (ch < 0x20 || ch > 0x7E)
            return false;
    }
    return true;
}

static void client_hello(nmx_dctx_t *d, nmx_cursor_t b)
{
    /* b covers the ClientHello body. */
    size_t base = nmx__off(&b);
    size_t n = b.left;
    size_t pos = 34;
    if (n < 35)
        return;
    pos += 1 + (size_t)nmx__cur_get_u8(&b, 34);
    if (pos + 2 > n)
        return;
    size_t cs_end = pos + 2 + (size_t)nmx__cur_get_u16be(&b, pos);
    for (size_t q = pos + 2; q + 2 <= cs_end && q + 2 <= n; q += 2)
        nmx__add(d, &tls_fields[F_CIPHER], base + q, 2);
    pos = cs_end;
    if (pos + 1 > n)
        return;
    pos += 1 + (size_t)nmx__cur_get_u8(&b, pos);
    if (pos + 2 > n)
        return;
    size_t end = pos + 2 + (size_t)nmx__cur_get_u16be(&b, pos);
    pos += 2;
    if (end > n)
        end = n;
    while (pos + 4 <= end) {
        unsigned type = nmx__cur_get_u16be(&b, pos);
        size_t len = nmx__cur_get_u16be(&b, pos + 2);
        size_t data = pos + 4;
        if (type == 0 && data + 2 <= end) {
            size_t le = data + 2 + (size_t)nmx__cur_get_u16be(&b, data);
            size_t q = data + 2;
            if (le > end)
                le = end;
            while (q + 3 <= le) {
                size_t nl = nmx__cur_get_u16be(&b, q + 1);
                if (q + 3 + nl > le)
                    break;
                if (nmx__cur_get_u8(&b, q) == 0)
                    nmx__add(d, &tls_fields[F_SNI], base + q + 3, nl);
                q += 3 + nl;
            }
        }
        pos = data + len;
    }
}

static void handshake(nmx_dctx_t *d, nmx_cursor_t r)
{
    /* First message must fit its record, else it is encrypted. */
    if (r.left < 4)
        return;
    uint8_t type0 = nmx__cur_get_u8(&r, 0);
    uint32_t first = nmx__cur_get_u24be(&r, 1);
    if (type0 == 0 || type0 > 24 || first + 4 > 0x4000 + 2048)
        return;
    while (r.left >= 4) {
        size_t o = nmx__off(&r);
        uint8_t type = nmx__cur_get_u8(&r, 0);
        uint32_t len = nmx__cur_get_u24be(&r, 1);
        if (4 + (size_t)len > r.left)
            break; /* cut by the segment end: tshark shows nothing of it */
        nmx__add(d, &tls_fields[F_HS_TYPE], o, 1);
        nmx__add(d, &tls_fields[F_HS_LENGTH], o + 1, 3);
        nmx__cur_skip(&r, 4);
        nmx_cursor_t body = nmx__cur_head(r, len);
        if ((type == 1 || type == 2) && body.left >= 2)
            nmx__add(d, &tls_fields[F_HS_VERSION], nmx__off(&body), 2);
        if (type == 1)
            client_hello(d, body);
        if (type == 2 && body.left >= 35) {
            size_t sl = nmx__cur_get_u8(&body, 34);
            if (35 + sl + 2 <= body.left)
                nmx__add(d, &tls_fields[F_CIPHER], nmx__off(&body) + 35 + sl, 2);
        }
        if (!nmx__cur_skip(&r, len))
            break;
    }
}

void nmx__dis_tls(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_TLS, off))
        return;
    if (!d->ws)
        return;
    for (int k = 0; k < 64 && record_header_ok(&c); k++) {
        size_t o = nmx__off(&c);
        uint8_t type = nmx__cur_get_u8(&c, 0);
        uint16_t len = nmx__cur_get_u16be(&c, 3);
        if (5 + (size_t)len > c.left)
            break; /* a record cut by the segment end: tshark shows nothing of it */
        nmx__add(d, &tls_fields[F_CT], o, 1);
        nmx__add(d, &tls_fields[F_VERSION], o + 1, 2);
        nmx__add(d, &tls_fields[F_LENGTH], o + 3, 2);
        nmx__cur_skip(&c, 5);
        nmx_cursor_t r = nmx__cur_head(c, len);
        if (type == 22)
            handshake(d, r);
        if (!nmx__cur_skip(&c, len))
            break;
    }
}

/* A hand-off to TLS: on a TLS port anything but an SSH identification
 * string (SSH multiplexed on 443 goes on to the other port and the
 * heuristics); by heuristic only a handshake or application-data record. */
static bool tls_handoff(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    (void)proto;
    if (d->ho_table == NMX_HO_TCP_HEUR ? !nmx__tls_heur(c) : tls_rejects(c))
        return false;
    nmx__dis_tls(d, c);
    return true;
}
