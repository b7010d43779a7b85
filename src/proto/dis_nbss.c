/*
 * dis_nbss.c - NetBIOS Session Service (RFC 1002 4.3), TCP port 139, and
 * SMB "direct hosting" on TCP port 445 ([MS-SMB2] 2.1).
 *
 *   139: +------+-------+------------+    445: +------+-------------+
 *        | type | flags | length (2) |         | type | length (3)  |
 *        +------+-------+------------+         +------+-------------+
 *
 * A segment that does not start with a plausible header is a continuation
 * (Wireshark's test); otherwise every message in the segment is dissected,
 * each a layer, session messages carrying SMB or SMB2.
 */
#include "proto/proto_int.h"

enum { S_TYPE, S_LENGTH };

static nmx_field_t nbss_fields[] = {
    [S_TYPE] = NMX_F_UINT("nbss.type", "Message Type", NMX_BASE_HEX, 1, 0),
    [S_LENGTH] = NMX_F_UINT("nbss.length", "Length", NMX_BASE_DEC, 4, 0),
};

static nmx_dissect_fn nbss_handoff;

NMX_PROTOCOL(nmx__p_nbss, NMX_PROTO_NBSS, "nbss", "NBSS", NULL, "NetBIOS Session Service", nbss_fields,
             .dissect = nbss_handoff, NMX_HANDOFFS({NMX_HO_TCP_PORT, 139}, {NMX_HO_TCP_PORT, 445}),
             .per_payload = true /* the messages of a segment: one call */);

/* Whether the first bytes look like an NBSS message header (Wireshark's
 * test, used to tell a message start from a continuation). */
/* The length field of the header at c (3 bytes on 445, 17 bits on 139). */
static uint32_t nbss_length(const nmx_cursor_t *c, bool cifs)
{
    if (cifs)
        return nmx__cur_get_u24be(c, 1);
    return (uint32_t)(nmx__cur_get_u8(c, 1) & 1) << 16 | nmx__cur_get_u16be(c, 2);
}

static bool nbss_header_ok(const nmx_cursor_t *c, bool cifs)
{
    if (c->left < 4)
        return false;
    uint8_t type = nmx__cur_get_u8(c, 0);
    if (!cifs && (nmx__cur_get_u8(c, 1) & 0xFE))
        return false;
    uint32_t len = nbss_length(c, cifs);
    switch (type) {
    case 0x00:
        return len != 0;
    case 0x81:
        return len >= 2 && len <= 256;
    case 0x82:
    case 0x85:
        return len == 0;
    case 0x83:
        return len == 1;
    case 0x84:
        return len == 6;
    default:
        return false;
    }
}

void nmx__dis_nbss(nmx_dctx_t *d, nmx_cursor_t c, bool cifs)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_NBSS, off))
        return;
    if (!nbss_header_ok(&c, cifs))
        return; /* continuation of an earlier message */
    for (bool first = true; c.left >= 4; first = false) {
        size_t o = nmx__off(&c);
        /* Each message is an item of its own in tshark's tree, after the
         * previous one's SMB (io,phs counts nbss inside smb), whatever its
         * header says: only the first is tested. */
        if (!first && !nmx__push_layer(d, NMX_PROTO_NBSS, o))
            break;
        uint8_t type = nmx__cur_get_u8(&c, 0);
        uint32_t len = nbss_length(&c, cifs);
        bool smb = false;
        nmx__add(d, &nbss_fields[S_TYPE], o, 1);
        nmx__add_uint(d, &nbss_fields[S_LENGTH], cifs ? o + 1 : o + 2, cifs ? 3 : 2, len);
        nmx__cur_skip(&c, 4);
        nmx_cursor_t m = nmx__cur_head(c, len);
        if (type == 0x00 && m.left >= 4) {
            if ((smb = nmx__cur_match(&m, 0, "\xFFSMB", 4)))
                nmx__dis_smb(d, m);
            else if ((smb = nmx__cur_match(&m, 0, "\xFESMB", 4) || nmx__cur_match(&m, 0, "\xFDSMB", 4)))
                nmx__dis_smb2(d, m);
        }
        /* tshark reads the headers after a message that held no SMB or
         * SMB2 (a keep-alive, data) as port 139's, also on 445: seen with
         * tshark 4.0 on hand-built segments (test_tshark_lan.c). */
        cifs = cifs && smb;
        if (!nmx__cur_skip(&c, len))
            break;
    }
}

/* A hand-off to NBSS: TCP 139, or 445 (direct hosting of SMB). */
static bool nbss_handoff(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    (void)proto;
    nmx__dis_nbss(d, c, d->ho_value == 445);
    return true;
}
