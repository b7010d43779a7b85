/*
 * dis_ldap.c - LDAP v3 on TCP 389 (and 3268, the global catalog) and CLDAP (connectionless LDAP, as
 * Active Directory's domain controller locator uses it) on UDP 389.
 *
 *   LDAPMessage ::= SEQUENCE { messageID INTEGER, protocolOp CHOICE
 *                              [APPLICATION n] ..., controls [0] OPTIONAL }
 *
 * As tshark 4.0 does: every UDP payload on port 389 is a cldap layer (its
 * fields are ldap.*), holding one LDAPMessage after another.  On TCP 389
 * a payload starting with a universal SEQUENCE whose length is at least
 * 2 holds LDAP messages, each an ldap layer, their lengths read as tshark
 * reads them (ldap_pdu_len: so is an encrypted continuation that happens to
 * start with 0x30).  A payload starting with a
 * 4-byte SASL buffer length (the security layer Active Directory wraps its
 * messages in after a GSS-SPNEGO bind) is an ldap layer; of its contents,
 * the LDAP messages of a signed, not sealed, Kerberos wrap token: tshark takes it as such when the conversation's bind chose
 * SASL, or when the length is exactly what follows; here, when its first
 * byte is 0 and the length is 2 to LDAP_SASL_MAX_BUF, or exactly what
 * follows (a message begun in an earlier segment cannot be told from a new
 * one: docs/protocols.md, difference 19).  Other TCP payloads are taken
 * without a layer.
 *
 * Parsed: the message ID and operation; bind requests (version, name, SASL
 * mechanism and the Kerberos or NTLMSSP token of its credentials, as
 * dis_ntlmssp.c reads them), bind responses (the token of their
 * serverSaslCreds), search requests (base, scope, aliases, limits,
 * typesOnly, the filter's choice and the attribute descriptions of its assertions,
 * the attributes asked for), search entries (object name, attribute
 * types), modify, add and compare requests (attribute types and
 * descriptions), and the result of every response.  Controls, values,
 * sealed wrap tokens and those of other mechanisms are not.  A primitive
 * element cut short ends the dissection (tshark throws there).
 */
#include "proto/proto_int.h"

enum { F_MESSAGEID, F_PROTOCOLOP, F_VERSION, F_NAME, F_MECHANISM, F_BASEOBJECT, F_SCOPE, F_DEREFALIASES,
       F_SIZELIMIT, F_TIMELIMIT, F_TYPESONLY, F_FILTER, F_ATTRIBUTEDESC, F_PRESENT, F_ATTRDESCRIPTION,
       F_RESULTCODE, F_MATCHEDDN, F_ERRORMESSAGE, F_OBJECTNAME, F_TYPE };

#define LDAP_U32(k, l) NMX_F_UINT(k, l, NMX_BASE_DEC, 4, 0)

static nmx_field_t ldap_fields[] = {
    [F_MESSAGEID] = LDAP_U32("ldap.messageID", "messageID"),
    [F_PROTOCOLOP] = LDAP_U32("ldap.protocolOp", "protocolOp"),
    [F_VERSION] = LDAP_U32("ldap.version", "version"),
    [F_NAME] = NMX_F_STRING("ldap.name", "name"),
    [F_MECHANISM] = NMX_F_STRING("ldap.mechanism", "mechanism"),
    [F_BASEOBJECT] = NMX_F_STRING("ldap.baseObject", "baseObject"),
    [F_SCOPE] = LDAP_U32("ldap.scope", "scope"),
    [F_DEREFALIASES] = LDAP_U32("ldap.derefAliases", "derefAliases"),
    [F_SIZELIMIT] = LDAP_U32("ldap.sizeLimit", "sizeLimit"),
    [F_TIMELIMIT] = LDAP_U32("ldap.timeLimit", "timeLimit"),
    [F_TYPESONLY] = NMX_F_BOOL("ldap.typesOnly", "typesOnly", 1, 0),
    [F_FILTER] = LDAP_U32("ldap.filter", "filter"),
    [F_ATTRIBUTEDESC] = NMX_F_STRING("ldap.attributeDesc", "attributeDesc"),
    [F_PRESENT] = NMX_F_STRING("ldap.present", "present"),
    [F_ATTRDESCRIPTION] = NMX_F_STRING("ldap.AttributeDescription", "AttributeDescription"),
    [F_RESULTCODE] = LDAP_U32("ldap.resultCode", "resultCode"),
    [F_MATCHEDDN] = NMX_F_STRING("ldap.matchedDN", "matchedDN"),
    [F_ERRORMESSAGE] = NMX_F_STRING("ldap.errorMessage", "errorMessage"),
    [F_OBJECTNAME] = NMX_F_STRING("ldap.objectName", "objectName"),
    [F_TYPE] = NMX_F_STRING("ldap.type", "type"),
};

static nmx_dissect_fn dis_ldap, dis_cldap;

NMX_PROTOCOL(nmx__p_ldap, NMX_PROTO_LDAP, "ldap", "LDAP", NULL, "Lightweight Directory Access Protocol",
             ldap_fields, .dissect = dis_ldap, NMX_HANDOFFS({NMX_HO_TCP_PORT, 389}, {NMX_HO_TCP_PORT, 3268}),
             /* the ntlmssp.* and kerberos.* fields of SASL binds, as in tshark */
             .borrows = {NMX_PROTO_NTLMSSP, NMX_PROTO_KERBEROS});
NMX_PROTOCOL_NOFIELDS(nmx__p_cldap, NMX_PROTO_CLDAP, "cldap", "CLDAP", NULL,
                      "Connectionless Lightweight Directory Access Protocol", .dissect = dis_cldap,
                      NMX_HANDOFFS({NMX_HO_UDP_PORT, 389}));

/* Wireshark's LDAP_SASL_MAX_BUF: the largest SASL buffer it believes in. */
#define LDAP_SASL_MAX_BUF (1024 * 1024)
/* Nesting of filters (and, or, not) followed. */
#define LDAP_MAX_DEPTH 32

/* The walk through one message. */
typedef struct lwalk {
    nmx_dctx_t *d;
    const nmx_cursor_t *c;
    size_t off;  /* frame offset of c */
    bool stop;   /* an element was cut short: nothing after it is read */
} lwalk_t;

static bool ldap_elem(lwalk_t *w, size_t pos, size_t end, nmx_ber_t *e)
{
    if (w->stop || !nmx__ber_elem_cut(w->c, pos, end, e)) {
        w->stop = true;
        return false;
    }
    return true;
}

/* The next element of the constructed element e from *pos, or false at
 * its end (or when the walk stopped). */
static bool ldap_next(lwalk_t *w, const nmx_ber_t *e, size_t *pos, nmx_ber_t *it)
{
    if (w->stop || *pos >= e->val + e->len || !ldap_elem(w, *pos, e->val + e->len, it))
        return false;
    *pos = it->val + it->len;
    return true;
}

/* A primitive INTEGER, ENUMERATED or BOOLEAN element as field f. */
static void ldap_num(lwalk_t *w, const nmx_ber_t *e, int f)
{
    if (e->constructed || e->len == 0 || e->len > 5) {
        w->stop = true;
        return;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < e->len; i++)
        v = v << 8 | nmx__cur_get_u8(w->c, e->val + i);
    nmx__add_uint(w->d, &ldap_fields[f], w->off + e->val, e->len, f == F_TYPESONLY ? v != 0 : (uint32_t)v);
}

/* A string element as field f. */
static void ldap_str(lwalk_t *w, const nmx_ber_t *e, int f)
{
    if (!e->constructed)
        nmx__add(w->d, &ldap_fields[f], w->off + e->val, e->len);
}

/* The elements of e in order, each as the next field of fs (-1: skipped;
 * numbers and strings by the field's type). */
static void ldap_fields_in(lwalk_t *w, const nmx_ber_t *e, const int *fs, unsigned n)
{
    nmx_ber_t it;
    size_t pos = e->val;
    for (unsigned i = 0; i < n && ldap_next(w, e, &pos, &it); i++) {
        if (fs[i] < 0)
            continue;
        if (ldap_fields[fs[i]].ftype == NMX_FT_STRING)
            ldap_str(w, &it, fs[i]);
        else
            ldap_num(w, &it, fs[i]);
    }
}

/* A SEQUENCE OF SEQUENCE { type, vals }: each type as field f. */
static void ldap_attr_list(lwalk_t *w, const nmx_ber_t *e, int f)
{
    nmx_ber_t it;
    size_t pos = e->val;
    while (ldap_next(w, e, &pos, &it))
        if (it.constructed)
            ldap_fields_in(w, &it, (const int[]){f}, 1);
}

/* A Filter element (a CHOICE by its context tag). */
static void ldap_filter(lwalk_t *w, const nmx_ber_t *e, unsigned depth)
{
    nmx_ber_t it;
    size_t pos = e->val;
    if (e->cls != 2 || depth > LDAP_MAX_DEPTH)
        return;
    switch (e->tag) {
    case 0: /* and */
    case 1: /* or */
        while (ldap_next(w, e, &pos, &it))
            ldap_filter(w, &it, depth + 1);
        break;
    case 2: /* not */
        if (ldap_next(w, e, &pos, &it))
            ldap_filter(w, &it, depth + 1);
        break;
    case 3: /* equalityMatch */
    case 5: /* greaterOrEqual */
    case 6: /* lessOrEqual */
    case 8: /* approxMatch */
        ldap_fields_in(w, e, (const int[]){F_ATTRIBUTEDESC}, 1);
        break;
    case 4: /* substrings: type */
        ldap_fields_in(w, e, (const int[]){F_TYPE}, 1);
        break;
    case 7: /* present */
        ldap_str(w, e, F_PRESENT);
        break;
    default:
        break;
    }
}

/* A SearchRequest's contents. */
static void ldap_search(lwalk_t *w, const nmx_ber_t *op)
{
    static const int head[] = {F_BASEOBJECT, F_SCOPE, F_DEREFALIASES, F_SIZELIMIT, F_TIMELIMIT, F_TYPESONLY};
    nmx_ber_t it;
    size_t pos = op->val;
    ldap_fields_in(w, op, head, 6);
    for (int i = 0; i <= 6; i++)
        if (!ldap_next(w, op, &pos, &it))
            return;
    nmx__add_uint(w->d, &ldap_fields[F_FILTER], w->off + it.start, 1, it.cls == 2 ? it.tag : 0);
    ldap_filter(w, &it, 0);
    if (ldap_next(w, op, &pos, &it) && it.constructed) {
        nmx_ber_t a;
        size_t at = it.val;
        while (ldap_next(w, &it, &at, &a))
            ldap_str(w, &a, F_ATTRDESCRIPTION);
    }
}

/* The SASL credentials in the primitive element e (a bind request's
 * credentials or a bind response's serverSaslCreds): a GSS-API token, an
 * SPNEGO NegTokenResp or a bare NTLMSSP message, whose ntlmssp.* and
 * kerberos.* fields go into this layer.  tshark reads a client's
 * credentials by their first identifier's class as these are; the
 * server's by the mechanism of the conversation's bind (docs/protocols.md,
 * difference 19), here by what they hold. */
static void ldap_token(lwalk_t *w, const nmx_ber_t *e)
{
    nmx_cursor_t tok;
    if (!e->constructed && nmx__cur_window(w->c, e->val, e->len, &tok))
        nmx__dis_security_blob(w->d, tok);
}

/* SaslCredentials { mechanism, credentials OPTIONAL }. */
static void ldap_sasl_creds(lwalk_t *w, const nmx_ber_t *e)
{
    nmx_ber_t it;
    size_t pos = e->val;
    if (!ldap_next(w, e, &pos, &it))
        return;
    ldap_str(w, &it, F_MECHANISM);
    if (ldap_next(w, e, &pos, &it))
        ldap_token(w, &it);
}

/* The contents of operation op (its APPLICATION tag says which). */
static void ldap_op(lwalk_t *w, const nmx_ber_t *op)
{
    static const int result[] = {F_RESULTCODE, F_MATCHEDDN, F_ERRORMESSAGE};
    nmx_ber_t it;
    size_t pos = op->val;
    switch (op->tag) {
    case 0: /* bindRequest: version, name, authentication */
        ldap_fields_in(w, op, (const int[]){F_VERSION, F_NAME}, 2);
        if (ldap_next(w, op, &pos, &it) && ldap_next(w, op, &pos, &it) && ldap_next(w, op, &pos, &it) &&
            it.cls == 2 && it.tag == 3 && it.constructed)
            ldap_sasl_creds(w, &it);
        break;
    case 1: /* bindResponse: an LDAPResult, referral [3], serverSaslCreds [7] */
        ldap_fields_in(w, op, result, 3);
        for (int i = 0; ldap_next(w, op, &pos, &it); i++)
            if (i >= 3 && it.cls == 2 && it.tag == 7)
                ldap_token(w, &it);
        break;
    case 5: case 7: case 9: case 11: case 13: case 15: case 24: /* an LDAPResult */
        ldap_fields_in(w, op, result, 3);
        break;
    case 3:
        ldap_search(w, op);
        break;
    case 4: /* searchResEntry: objectName, attributes */
        ldap_fields_in(w, op, (const int[]){F_OBJECTNAME}, 1);
        if (ldap_next(w, op, &pos, &it) && ldap_next(w, op, &pos, &it) && it.constructed)
            ldap_attr_list(w, &it, F_TYPE);
        break;
    case 6: /* modifyRequest: object, changes { operation, modification { type, vals } } */
        if (ldap_next(w, op, &pos, &it) && ldap_next(w, op, &pos, &it) && it.constructed) {
            nmx_ber_t ch, m;
            size_t at = it.val;
            while (ldap_next(w, &it, &at, &ch))
                if (ch.constructed) {
                    size_t mp = ch.val;
                    if (ldap_next(w, &ch, &mp, &m) && ldap_next(w, &ch, &mp, &m) && m.constructed)
                        ldap_fields_in(w, &m, (const int[]){F_TYPE}, 1);
                }
        }
        break;
    case 8: /* addRequest: entry, attributes */
        if (ldap_next(w, op, &pos, &it) && ldap_next(w, op, &pos, &it) && it.constructed)
            ldap_attr_list(w, &it, F_TYPE);
        break;
    case 14: /* compareRequest: entry, ava */
        if (ldap_next(w, op, &pos, &it) && ldap_next(w, op, &pos, &it) && it.constructed)
            ldap_fields_in(w, &it, (const int[]){F_ATTRIBUTEDESC}, 1);
        break;
    default:
        break;
    }
}

/* The LDAPMessages in c from pos to its end. */
static void ldap_messages(nmx_dctx_t *d, const nmx_cursor_t *c, size_t pos)
{
    lwalk_t w = {.d = d, .c = c, .off = nmx__off(c)};
    nmx_ber_t msg, id, op;
    while (!w.stop && pos < c->left && ldap_elem(&w, pos, c->left, &msg)) {
        size_t at = msg.val;
        pos = msg.val + msg.len;
        if (!msg.constructed || !ldap_next(&w, &msg, &at, &id))
            return;
        ldap_num(&w, &id, F_MESSAGEID);
        if (w.stop || !ldap_next(&w, &msg, &at, &op))
            return;
        nmx__add_uint(d, &ldap_fields[F_PROTOCOLOP], w.off + op.start, 1, op.tag);
        if (op.cls == 1)
            ldap_op(&w, &op);
    }
}

static bool dis_cldap(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    if (c.left == 0)
        return false;
    if (nmx__push_layer(d, proto, nmx__off(&c)) && d->ws)
        ldap_messages(d, &c, 0);
    return true;
}

/* Wireshark's BER_MAX_NESTING: the deepest indefinite length it walks. */
#define LDAP_BER_MAX_NESTING 500

/*
 * A BER length at pos as tshark 4.0's try_get_ber_length reads it (nesting
 * level lvl): any number of length octets, summed in 32 bits (a long run of
 * them, as encrypted data gives, wraps around); the indefinite form
 * measured by walking the elements inside (each a BER identifier, read on
 * while a tag byte has its top bit, and a length) up to the end-of-contents
 * octets, in 32-bit offsets that must move forward.  *len gets the length
 * (the end-of-contents octets counted), *after the offset after the length
 * octets; false where tshark throws (bytes past the segment, too deep).
 */
static bool ldap_ber_len(const nmx_cursor_t *c, uint32_t pos, unsigned lvl, uint32_t *len, uint32_t *after)
{
    uint8_t b, x, y;
    if (lvl > LDAP_BER_MAX_NESTING || !nmx__cur_peek_u8(c, pos++, &b))
        return false;
    uint32_t l = b & 0x7F, n = b & 0x80 ? l : 0, off = pos;
    if (b & 0x80)
        l = 0;
    for (uint32_t k = 0; k < n; k++, pos++) {
        if (!nmx__cur_peek_u8(c, pos, &x))
            return false;
        l = l << 8 | x;
    }
    while (b == 0x80) { /* the indefinite form: l sums the elements inside */
        if (!nmx__cur_peek_u8(c, off, &x) || !nmx__cur_peek_u8(c, off + 1, &y))
            return false;
        if (x == 0 && y == 0) {
            l += 2;
            break;
        }
        uint32_t s = off++, inner;
        uint8_t t = 0x80;
        while ((x & 0x1F) == 0x1F && (t & 0x80) && off < c->left) /* a tag of several bytes */
            nmx__cur_peek_u8(c, off++, &t);
        if (!ldap_ber_len(c, off, lvl + 1, &inner, &off))
            return false;
        l += inner + (off - s);
        off += inner;
        if ((int32_t)off <= (int32_t)s)
            return false;
    }
    *len = l;
    *after = pos;
    return true;
}

/* The length of the LDAP PDU at pos as tshark 4.0's get_normal_ldap_pdu_len
 * reads it: a one-byte tag, whatever it is, then a BER length
 * (ldap_ber_len); *plen gets the whole, in 32 bits. */
static bool ldap_pdu_len(const nmx_cursor_t *c, size_t pos, uint32_t *len, uint32_t *plen)
{
    uint32_t after;
    if (pos + 1 > UINT32_MAX || !ldap_ber_len(c, (uint32_t)pos + 1, 1, len, &after))
        return false;
    *plen = *len + (after - (uint32_t)pos);
    return true;
}

/* TCP: LDAP messages, each its own layer (tshark's tcp_dissect_pdus with
 * a fixed part of 7 bytes: a message whose length, by ldap_pdu_len, says
 * less, or more than INT32_MAX, ends it). */
static void ldap_plain(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    for (size_t pos = 0; pos < c.left;) {
        uint32_t l, plen;
        if (!ldap_pdu_len(&c, pos, &l, &plen) || plen < 7 || plen > INT32_MAX)
            return; /* over INT32_MAX tshark's PDU size item (a gint length) throws */
        size_t len = plen < c.left - pos ? plen : c.left - pos;
        nmx_cursor_t pdu;
        if (!nmx__cur_window(&c, pos, len, &pdu) || !nmx__push_layer(d, proto, nmx__off(&pdu)))
            return;
        if (d->ws)
            ldap_messages(d, &pdu, 0);
        pos += len;
    }
}

/* The SASL buffer at [pos, end) of c (all there): when it holds a Kerberos
 * wrap token (RFC 4121) that is signed, not sealed, the LDAP messages in
 * it, which tshark shows in the same ldap layer. */
static void ldap_sasl_wrap(nmx_dctx_t *d, const nmx_cursor_t *c, size_t pos, size_t end)
{
    uint16_t id, ec, rrc;
    uint8_t flags;
    nmx_cursor_t in;
    if (end - pos < 16 || !nmx__cur_peek_u16be(c, pos, &id) || id != 0x0504 || !nmx__cur_peek_u8(c, pos + 2, &flags) ||
        (flags & 2) || !nmx__cur_peek_u16be(c, pos + 4, &ec) || !nmx__cur_peek_u16be(c, pos + 6, &rrc))
        return;
    size_t body = pos + 16;
    if (rrc == ec && end - body >= ec)
        nmx__cur_window(c, body + ec, end - body - ec, &in); /* the checksum rotated to the front */
    else if (rrc == 0 && end - body >= ec)
        nmx__cur_window(c, body, end - body - ec, &in);
    else
        return;
    ldap_messages(d, &in, 0);
}

/* TCP: SASL buffers, each a layer. */
static void ldap_sasl(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    uint32_t len;
    for (size_t pos = 0; pos < c.left && nmx__cur_peek_u32be(&c, pos, &len); pos += (size_t)len + 4) {
        if (!nmx__push_layer(d, proto, nmx__off(&c) + pos))
            return;
        if (d->ws && len <= c.left - pos - 4)
            ldap_sasl_wrap(d, &c, pos + 4, pos + 4 + len);
    }
}

static bool dis_ldap(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    uint32_t sasl_len, first_len, first_plen;
    if (c.left == 0)
        return false;
    if (!nmx__cur_peek_u32be(&c, 0, &sasl_len))
        return true; /* tshark throws reading the SASL length: taken, not counted */
    if (sasl_len >= 2 && sasl_len <= LDAP_SASL_MAX_BUF && nmx__cur_get_u8(&c, 0) == 0) {
        ldap_sasl(d, c, proto);
        return true;
    }
    if (nmx__cur_get_u8(&c, 0) == 0x30 && ldap_pdu_len(&c, 0, &first_len, &first_plen) && first_len >= 2) {
        ldap_plain(d, c, proto);
        return true;
    }
    if ((size_t)sasl_len + 4 == c.left)
        nmx__push_layer(d, proto, nmx__off(&c));
    return true;
}
