/*
 * dis_snmp.c - Simple Network Management Protocol on UDP 161 and 162:
 * the BER-encoded message of versions 1 and 2c (RFC 1157, 3416) and of
 * version 3 (RFC 3412).
 *
 *   Message ::= SEQUENCE { version INTEGER, community OCTET STRING,
 *                          data PDUs }   -- PDUs: a CHOICE, [0] .. [8]
 *   PDU     ::= [n] { request-id, error-status, error-index INTEGER,
 *                     variable-bindings SEQUENCE OF SEQUENCE { name OID, value } }
 *   Trap-PDU (v1, [4]) ::= { enterprise OID, agent-addr [APPLICATION 0],
 *                     generic-trap, specific-trap INTEGER,
 *                     time-stamp [APPLICATION 3], variable-bindings }
 *
 * As tshark 4.0 takes a UDP payload: it must start with a universal
 * SEQUENCE whose length fits in the payload, followed by a universal
 * INTEGER; otherwise it is not SNMP (the other port and the heuristics
 * get it).  A payload whose first length or second identifier runs past
 * the end is taken but not counted (tshark throws there).  snmp.data is
 * the PDU's CHOICE number; snmp.name an object name, dotted (Wireshark's
 * FT_OID, recorded as a string).  Of an SNMPv3 message, the version and,
 * when its scoped PDU is plaintext, the PDU as above; of an SNMPv2u one
 * (version 2), the version and a plaintext PDU (whose CHOICE number is
 * snmp.plaintext, not parsed).  The values of the
 * bindings, GetBulk's non-repeaters and max-repetitions and the SNMPv3
 * header and security parameters are not parsed; an indefinite length,
 * an integer of more than 4 bytes or an element that does not fit ends
 * the dissection.
 */
#include <stdio.h>

#include "proto/proto_int.h"

enum { F_VERSION, F_MSG_VERSION, F_COMMUNITY, F_DATA, F_REQUEST_ID, F_ERROR_STATUS, F_ERROR_INDEX, F_NAME,
       F_ENTERPRISE, F_AGENT_ADDR, F_GENERIC_TRAP, F_SPECIFIC_TRAP, F_TIME_STAMP };

#define SNMP_INT32(k, l) NMX_F_(k, l, NMX_FT_INT, NMX_BASE_DEC, 4, 0, 0, PROP_TYPE_DWORD, PROP_QUAL_NONE)

static nmx_field_t snmp_fields[] = {
    [F_VERSION] = SNMP_INT32("snmp.version", "version"),
    [F_MSG_VERSION] = SNMP_INT32("snmp.msgVersion", "msgVersion"),
    [F_COMMUNITY] = NMX_F_STRING("snmp.community", "community"),
    [F_DATA] = NMX_F_UINT("snmp.data", "data", NMX_BASE_DEC, 4, 0),
    [F_REQUEST_ID] = SNMP_INT32("snmp.request_id", "request-id"),
    [F_ERROR_STATUS] = SNMP_INT32("snmp.error_status", "error-status"),
    [F_ERROR_INDEX] = SNMP_INT32("snmp.error_index", "error-index"),
    [F_NAME] = NMX_F_STRING("snmp.name", "Object Name"),
    [F_ENTERPRISE] = NMX_F_STRING("snmp.enterprise", "enterprise"),
    [F_AGENT_ADDR] = NMX_F_IPV4("snmp.agent_addr", "agent-addr"),
    [F_GENERIC_TRAP] = SNMP_INT32("snmp.generic_trap", "generic-trap"),
    [F_SPECIFIC_TRAP] = SNMP_INT32("snmp.specific_trap", "specific-trap"),
    [F_TIME_STAMP] = NMX_F_UINT("snmp.time_stamp", "time-stamp", NMX_BASE_DEC, 4, 0),
};

static nmx_dissect_fn dis_snmp;

NMX_PROTOCOL(nmx__p_snmp, NMX_PROTO_SNMP, "snmp", "SNMP", NULL, "Simple Network Management Protocol",
             snmp_fields, .dissect = dis_snmp, NMX_HANDOFFS({NMX_HO_UDP_PORT, 161}, {NMX_HO_UDP_PORT, 162}));

/* An INTEGER element at *pos as field f (signed up to 4 bytes, or an
 * unsigned number when f is unsigned and the 5th leading byte is 0). */
static bool snmp_int(nmx_dctx_t *d, const nmx_cursor_t *c, size_t *pos, size_t end, int f)
{
    nmx_ber_t e;
    if (!nmx__ber_elem(c, *pos, end, &e) || e.len == 0 || e.len > 5 ||
        (e.len == 5 && (snmp_fields[f].ftype != NMX_FT_UINT || nmx__cur_get_u8(c, e.val) != 0))) {
        nmx__add_err(d, &snmp_fields[f], nmx__off(c) + *pos, 0);
        return false;
    }
    uint64_t v = nmx__cur_get_u8(c, e.val) & 0x80 && snmp_fields[f].ftype == NMX_FT_INT ? ~0ULL : 0;
    for (size_t i = 0; i < e.len; i++)
        v = v << 8 | nmx__cur_get_u8(c, e.val + i);
    nmx__add_uint(d, &snmp_fields[f], nmx__off(c) + e.val, e.len, (uint32_t)v);
    *pos = e.val + e.len;
    return true;
}

/* An OBJECT IDENTIFIER element at *pos as field f, dotted. */
static bool snmp_oid(nmx_dctx_t *d, const nmx_cursor_t *c, size_t *pos, size_t end, int f)
{
    nmx_ber_t e;
    char text[512];
    size_t n = 0;
    uint64_t sub = 0;
    bool first = true;
    if (!nmx__ber_elem(c, *pos, end, &e) || e.len == 0) {
        nmx__add_err(d, &snmp_fields[f], nmx__off(c) + *pos, 0);
        return false;
    }
    for (size_t i = 0; i < e.len && n < sizeof(text) - 48; i++) {
        uint8_t b = nmx__cur_get_u8(c, e.val + i);
        sub = sub << 7 | (b & 0x7f);
        if (b & 0x80)
            continue;
        if (first) {
            unsigned x = sub < 40 ? 0 : sub < 80 ? 1 : 2;
            n += (size_t)snprintf(text + n, sizeof(text) - n, "%u.%llu", x, (unsigned long long)(sub - 40u * x));
            first = false;
        } else {
            n += (size_t)snprintf(text + n, sizeof(text) - n, ".%llu", (unsigned long long)sub);
        }
        sub = 0;
    }
    nmx__add_str(d, &snmp_fields[f], nmx__off(c) + e.val, e.len, text, n);
    *pos = e.val + e.len;
    return true;
}

/* The variable bindings (a SEQUENCE OF SEQUENCE { name, value }) at pos. */
static void snmp_varbinds(nmx_dctx_t *d, const nmx_cursor_t *c, size_t pos, size_t end)
{
    nmx_ber_t list, vb;
    if (!nmx__ber_elem(c, pos, end, &list))
        return;
    for (size_t at = list.val; at < list.val + list.len; at = vb.val + vb.len) {
        if (!nmx__ber_elem(c, at, list.val + list.len, &vb))
            return;
        size_t name = vb.val;
        if (!snmp_oid(d, c, &name, vb.val + vb.len, F_NAME))
            return;
    }
}

/* The PDU element e (a CHOICE of tag e.tag). */
static void snmp_pdu(nmx_dctx_t *d, const nmx_cursor_t *c, const nmx_ber_t *e)
{
    size_t pos = e->val, end = e->val + e->len;
    if (e->tag == 4) { /* Trap-PDU of version 1 */
        nmx_ber_t a;
        if (!snmp_oid(d, c, &pos, end, F_ENTERPRISE) || !nmx__ber_elem(c, pos, end, &a) || a.len != 4)
            return;
        nmx__add(d, &snmp_fields[F_AGENT_ADDR], nmx__off(c) + a.val, 4);
        pos = a.val + 4;
        if (snmp_int(d, c, &pos, end, F_GENERIC_TRAP) && snmp_int(d, c, &pos, end, F_SPECIFIC_TRAP) &&
            snmp_int(d, c, &pos, end, F_TIME_STAMP))
            snmp_varbinds(d, c, pos, end);
        return;
    }
    if (e->tag == 5) /* GetBulkRequest: its two counts are not parsed */
        return;
    if (snmp_int(d, c, &pos, end, F_REQUEST_ID) && snmp_int(d, c, &pos, end, F_ERROR_STATUS) &&
        snmp_int(d, c, &pos, end, F_ERROR_INDEX))
        snmp_varbinds(d, c, pos, end);
}

/* The data (the PDUs CHOICE) at pos. */
static void snmp_data(nmx_dctx_t *d, const nmx_cursor_t *c, size_t pos, size_t end)
{
    nmx_ber_t e;
    if (!nmx__ber_elem(c, pos, end, &e) || e.cls != 2 || e.tag > 8) {
        nmx__add_err(d, &snmp_fields[F_DATA], nmx__off(c) + pos, 0);
        return;
    }
    nmx__add_uint(d, &snmp_fields[F_DATA], nmx__off(c) + e.start, 1, e.tag);
    snmp_pdu(d, c, &e);
}

/* An SNMPv3 message after its version: global data and security
 * parameters skipped, then a plaintext scoped PDU's data (an encrypted
 * one is not parsed). */
static void snmp_v3(nmx_dctx_t *d, const nmx_cursor_t *c, size_t pos, size_t end)
{
    nmx_ber_t e;
    for (int i = 0; i < 2; i++) {
        if (!nmx__ber_elem(c, pos, end, &e))
            return;
        pos = e.val + e.len;
    }
    if (!nmx__ber_elem(c, pos, end, &e) || e.cls != 0 || e.tag != 16)
        return;
    end = e.val + e.len;
    pos = e.val;
    for (int i = 0; i < 2; i++) { /* contextEngineID, contextName */
        if (!nmx__ber_elem(c, pos, end, &e))
            return;
        pos = e.val + e.len;
    }
    snmp_data(d, c, pos, end);
}

static bool dis_snmp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c), next;
    nmx_ber_t msg, ver, e;
    if (!nmx__ber_ident(&c, 0, &msg, &next))
        return true; /* empty: nothing to take */
    if (msg.cls != 0 || msg.tag != 16)
        return false;
    if (!nmx__ber_len(&c, next, &msg))
        return true; /* tshark throws reading the length: taken, not counted */
    if (msg.len > c.left - msg.val)
        return false;
    if (!nmx__ber_ident(&c, msg.val, &ver, &next))
        return true;
    if (ver.cls != 0 || ver.tag != 2)
        return false;
    if (!nmx__push_layer(d, proto, off) || !d->ws || msg.indefinite)
        return true;
    size_t pos = msg.val, end = msg.val + msg.len;
    int version = nmx__ber_elem(&c, pos, end, &ver) && ver.len == 1 ? nmx__cur_get_u8(&c, ver.val) : -1;
    if (!snmp_int(d, &c, &pos, end, version == 3 ? F_MSG_VERSION : F_VERSION) || version < 0 || version > 3)
        return true;
    if (version == 2) { /* SNMPv2u: parameters, then the plaintext PDU (not snmp.data) */
        if (nmx__ber_elem(&c, pos, end, &e) && nmx__ber_elem(&c, e.val + e.len, end, &e) && e.cls == 2 && e.tag <= 8)
            snmp_pdu(d, &c, &e);
        return true;
    }
    if (version == 3) {
        snmp_v3(d, &c, pos, end);
        return true;
    }
    if (!nmx__ber_elem(&c, pos, end, &e) || e.cls != 0 || e.tag != 4) {
        nmx__add_err(d, &snmp_fields[F_COMMUNITY], off + pos, 0);
        return true;
    }
    nmx__add(d, &snmp_fields[F_COMMUNITY], off + e.val, e.len);
    snmp_data(d, &c, e.val + e.len, end);
    return true;
}
