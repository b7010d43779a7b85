/*
 * dis_pppoe.c - PPP over Ethernet (RFC 2516): discovery (EtherType 0x8863,
 * "pppoed") and session (0x8864, "pppoes") stages.
 *
 *   +-------+-------+---------------+-------------------------------+
 *   |  VER  | TYPE  |     CODE      |          SESSION_ID           |
 *   +-------+-------+---------------+-------------------------------+
 *   |            LENGTH             |           payload ...
 *   +-------------------------------+
 *   discovery payload: tags, each TAG_TYPE (2) | TAG_LENGTH (2) | value
 *   session payload: a PPP frame (protocol field first)
 *
 * As Wireshark: the header fields are those of the "pppoe" protocol, which
 * is never a layer itself (the stages are); a header cut short is no layer
 * at all (tshark reads the length before it adds its item).  Discovery tags
 * are read while a tag starts at least two bytes before the end of the
 * payload LENGTH gives (the tag's own length may then come from the
 * padding), up to an End-Of-List tag; Service-Name is shown only when not
 * empty, and an unknown tag shows its type, length and, as tshark 4.0 does,
 * LENGTH bytes from its length field on.  The DSL Forum's vendor-specific
 * sub-tags and the Metrics tag are not parsed.  A session hands PPP at most
 * LENGTH bytes, and no PPP at all when fewer than two bytes follow the
 * header (tshark first looks there for a Credits tag and fails).
 */
#include "proto/proto_int.h"

enum { F_VERSION, F_TYPE, F_CODE, F_SESSION, F_LENGTH };

static nmx_field_t pppoe_fields[] = {
    [F_VERSION] = NMX_F_UINT("pppoe.version", "Version", NMX_BASE_DEC, 1, 0xF0),
    [F_TYPE] = NMX_F_UINT("pppoe.type", "Type", NMX_BASE_DEC, 1, 0x0F),
    [F_CODE] = NMX_F_UINT("pppoe.code", "Code", NMX_BASE_HEX, 1, 0),
    [F_SESSION] = NMX_F_UINT("pppoe.session_id", "Session ID", NMX_BASE_HEX, 2, 0),
    [F_LENGTH] = NMX_F_UINT("pppoe.payload_length", "Payload Length", NMX_BASE_DEC, 2, 0),
};

enum { T_TAG, T_TAG_LEN, T_UNKNOWN, T_SVC_NAME, T_AC_NAME, T_HOST_UNIQ, T_AC_COOKIE, T_VENDOR_ID, T_VENDOR_DATA,
       T_CREDITS, T_FCN, T_BCN, T_SEQ, T_CRED_SCALE, T_RELAY_ID, T_HURL, T_MOTM, T_MAX_PAYLD, T_IP_RT_ADD,
       T_SVC_ERR, T_AC_ERR, T_GEN_ERR };

static nmx_field_t pppoed_fields[] = {
    [T_TAG] = NMX_F_UINT("pppoed.tag", "Tag", NMX_BASE_HEX, 2, 0),
    [T_TAG_LEN] = NMX_F_UINT("pppoed.tag_length", "Tag Length", NMX_BASE_DEC, 2, 0),
    [T_UNKNOWN] = NMX_F_BYTES("pppoed.tag.unknown_data", "Unknown Data"),
    [T_SVC_NAME] = NMX_F_STRING("pppoed.tags.service_name", "Service-Name"),
    [T_AC_NAME] = NMX_F_STRING("pppoed.tags.ac_name", "AC-Name"),
    [T_HOST_UNIQ] = NMX_F_BYTES("pppoed.tags.host_uniq", "Host-Uniq"),
    [T_AC_COOKIE] = NMX_F_BYTES("pppoed.tags.ac_cookie", "AC-Cookie"),
    [T_VENDOR_ID] = NMX_F_UINT("pppoed.tags.vendor_id", "Vendor id", NMX_BASE_DEC, 4, 0),
    [T_VENDOR_DATA] = NMX_F_BYTES("pppoed.tags.vendor_unspecified", "Vendor unspecified"),
    [T_CREDITS] = NMX_F_BYTES("pppoed.tags.credits", "Credits"),
    [T_FCN] = NMX_F_UINT("pppoed.tags.credits.fcn", "FCN", NMX_BASE_DEC, 2, 0),
    [T_BCN] = NMX_F_UINT("pppoed.tags.credits.bcn", "BCN", NMX_BASE_DEC, 2, 0),
    [T_SEQ] = NMX_F_UINT("pppoed.tags.seq_num", "Sequence Number", NMX_BASE_HEX, 2, 0),
    [T_CRED_SCALE] = NMX_F_UINT("pppoed.tags.credit_scale", "Credit Scale Factor", NMX_BASE_DEC, 2, 0),
    [T_RELAY_ID] = NMX_F_BYTES("pppoed.tags.relay_session_id", "Relay-Session-Id"),
    [T_HURL] = NMX_F_BYTES("pppoed.tags.hurl", "HURL"),
    [T_MOTM] = NMX_F_BYTES("pppoed.tags.motm", "MOTM"),
    [T_MAX_PAYLD] = NMX_F_BYTES("pppoed.tags.max_payload", "PPP-Max-Payload"),
    [T_IP_RT_ADD] = NMX_F_BYTES("pppoed.tags.ip_route_add", "IP Route Add"),
    [T_SVC_ERR] = NMX_F_STRING("pppoed.tags.service_name_error", "Service-Name-Error"),
    [T_AC_ERR] = NMX_F_STRING("pppoed.tags.ac_system_error", "AC-System-Error"),
    [T_GEN_ERR] = NMX_F_STRING("pppoed.tags.generic_error", "Generic-Error"),
};

static nmx_dissect_fn dis_pppoed, dis_pppoes;

NMX_PROTOCOL(nmx__p_pppoe, NMX_PROTO_PPPOE, "pppoe", "PPPOE", NULL, "PPP-over-Ethernet", pppoe_fields);
NMX_PROTOCOL(nmx__p_pppoed, NMX_PROTO_PPPOED, "pppoed", "PPPOED", NULL, "PPP-over-Ethernet Discovery",
             pppoed_fields, .dissect = dis_pppoed, NMX_HANDOFFS({NMX_HO_ETHERTYPE, 0x8863}),
             .borrows = {NMX_PROTO_PPPOE} /* the pppoe.* header fields */);
NMX_PROTOCOL_NOFIELDS(nmx__p_pppoes, NMX_PROTO_PPPOES, "pppoes", "PPPOES", NULL, "PPP-over-Ethernet Session",
                      .dissect = dis_pppoes, NMX_HANDOFFS({NMX_HO_ETHERTYPE, 0x8864}),
                      .borrows = {NMX_PROTO_PPPOE});

enum { TAG_EOL = 0x0000, TAG_SVC_NAME = 0x0101, TAG_AC_NAME, TAG_HOST_UNIQ, TAG_AC_COOKIE, TAG_VENDOR,
       TAG_CREDITS, TAG_METRICS, TAG_SEQ_NUM, TAG_CRED_SCALE, TAG_RELAY_ID = 0x0110, TAG_HURL, TAG_MOTM,
       TAG_MAX_PAYLD = 0x0120, TAG_IP_RT_ADD, TAG_SVC_ERR = 0x0201, TAG_AC_ERR, TAG_GEN_ERR };

enum { VENDOR_DSLF = 3561 };

/* The 6-byte header, common to both stages: -1 (nothing recorded) when it
 * is cut short, 0 when the layer table is full, 1 when recorded. */
static int pppoe_header(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto, uint16_t *len)
{
    static const uint8_t at[] = {0, 0, 1, 2, 4}, n[] = {1, 1, 1, 2, 2};
    size_t off = nmx__off(&c);
    if (!nmx__cur_peek_u16be(&c, 4, len))
        return -1;
    if (!nmx__push_layer(d, proto, off))
        return 0;
    for (unsigned f = F_VERSION; f <= F_LENGTH; f++)
        nmx__add(d, &pppoe_fields[f], off + at[f], n[f]);
    return 1;
}

/* The tag field whose value is the whole tag value, or NULL. */
static const nmx_field_t *tag_value_field(uint16_t tag)
{
    switch (tag) {
    case TAG_AC_NAME: return &pppoed_fields[T_AC_NAME];
    case TAG_HOST_UNIQ: return &pppoed_fields[T_HOST_UNIQ];
    case TAG_AC_COOKIE: return &pppoed_fields[T_AC_COOKIE];
    case TAG_RELAY_ID: return &pppoed_fields[T_RELAY_ID];
    case TAG_HURL: return &pppoed_fields[T_HURL];
    case TAG_MOTM: return &pppoed_fields[T_MOTM];
    case TAG_MAX_PAYLD: return &pppoed_fields[T_MAX_PAYLD];
    case TAG_IP_RT_ADD: return &pppoed_fields[T_IP_RT_ADD];
    case TAG_SVC_ERR: return &pppoed_fields[T_SVC_ERR];
    case TAG_AC_ERR: return &pppoed_fields[T_AC_ERR];
    case TAG_GEN_ERR: return &pppoed_fields[T_GEN_ERR];
    default: return NULL;
    }
}

/* Adds f over [at, at+n) of c, or an error instance when those bytes are
 * not all there; false then (tshark's exception ends the tags). */
static bool tag_add(nmx_dctx_t *d, nmx_cursor_t c, const nmx_field_t *f, size_t at, size_t n)
{
    size_t off = nmx__off(&c);
    if (!nmx__cur_in(&c, at, n)) {
        nmx__add_err(d, f, off + (at < c.left ? at : c.left), at < c.left ? c.left - at : 0);
        return false;
    }
    nmx__add(d, f, off + at, n);
    return true;
}

/* The value of one tag at `at` (type, length len); false to stop. */
static bool pppoe_tag(nmx_dctx_t *d, nmx_cursor_t c, size_t at, uint16_t tag, uint16_t len)
{
    const nmx_field_t *f = tag_value_field(tag);
    if (f != NULL)
        return tag_add(d, c, f, at + 4, len);
    switch (tag) {
    case TAG_SVC_NAME:
        return len == 0 || tag_add(d, c, &pppoed_fields[T_SVC_NAME], at + 4, len);
    case TAG_VENDOR:
        if (len >= 4 && !tag_add(d, c, &pppoed_fields[T_VENDOR_ID], at + 4, 4))
            return false;
        if (len > 4 && nmx__cur_get_u32be(&c, at + 4) != VENDOR_DSLF)
            return tag_add(d, c, &pppoed_fields[T_VENDOR_DATA], at + 8, len - 4u);
        return true; /* the DSL Forum's sub-tags: not parsed */
    case TAG_CREDITS:
        if (len != 4)
            return tag_add(d, c, &pppoed_fields[T_CREDITS], at + 4, len);
        return tag_add(d, c, &pppoed_fields[T_FCN], at + 4, 2) && tag_add(d, c, &pppoed_fields[T_BCN], at + 6, 2);
    case TAG_SEQ_NUM:
    case TAG_CRED_SCALE:
        return len != 2 || tag_add(d, c, &pppoed_fields[tag == TAG_SEQ_NUM ? T_SEQ : T_CRED_SCALE], at + 4, 2);
    case TAG_METRICS:
        return true; /* not parsed */
    default:
        if (len == 0)
            return true;
        nmx__add(d, &pppoed_fields[T_TAG], nmx__off(&c) + at, 2);
        nmx__add(d, &pppoed_fields[T_TAG_LEN], nmx__off(&c) + at + 2, 2);
        return tag_add(d, c, &pppoed_fields[T_UNKNOWN], at + 2, len);
    }
}

static bool dis_pppoed(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    uint16_t len;
    int r = pppoe_header(d, c, proto, &len);
    if (r <= 0)
        return r == 0;
    /* tshark's loop: while a tag starts at or before 6 + LENGTH - 2. */
    for (size_t at = 6; len > 0 && at + 2 <= 6u + len;) {
        uint16_t tag, tlen;
        if (!nmx__cur_peek_u16be(&c, at, &tag) || !nmx__cur_peek_u16be(&c, at + 2, &tlen))
            break;
        if (tag == TAG_EOL || !pppoe_tag(d, c, at, tag, tlen))
            break;
        at += 4u + tlen;
    }
    return true;
}

static bool dis_pppoes(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    uint16_t len;
    int r = pppoe_header(d, c, proto, &len);
    if (r <= 0)
        return r == 0;
    if (!nmx__cur_in(&c, 6, 2) || d->depth >= NMX_MAX_DEPTH)
        return true;
    nmx__cur_skip(&c, 6);
    d->depth++;
    nmx__dis_ppp(d, nmx__cur_head(c, len), false);
    d->depth--;
    return true;
}
