/*
 * dis_ntlmssp.c - NTLMSSP messages ([MS-NLMP] 2.2.1) in the security blobs
 * of SMB session setups and SMB2 SESSION_SETUP, DCE/RPC verifiers, LDAP
 * SASL binds and (base64-decoded, dissect.c's nmx__decoded_begin) HTTP
 * authentication headers, bare or inside a GSS-API/SPNEGO token (RFC 2743
 * 3.1, RFC 4178 4.2).
 *
 *   "NTLMSSP\0" | MessageType(4) | NEGOTIATE: NegotiateFlags(4) ...
 *   CHALLENGE: TargetName(8) NegotiateFlags(4) ServerChallenge(8) ...
 *   AUTHENTICATE: LmChallengeResponse(8) NtChallengeResponse(8)
 *     DomainName(8) UserName(8) Workstation(8) EncryptedRandomSessionKey(8)
 *     NegotiateFlags(4) ...   (each (8) a length, a maximum length and an
 *     offset from the message's start, little-endian)
 *
 * As in tshark, ntlmssp (and gss-api, spnego) is never a layer of its own
 * here: tshark shows it inside the tree of the protocol carrying it, which
 * io,phs does not count.  Its fields are recorded in the carrier's layer
 * (smb, smb2, dcerpc, ldap, http: their registry entries borrow ntlmssp).
 * The strings of an AUTHENTICATE message are UTF-16 when its
 * NegotiateFlags say Unicode; an empty one is "NULL", as tshark shows it.
 * SPNEGO tokens carrying Kerberos go to dis_kerberos.c (docs/protocols.md,
 * difference 18).
 */
#include "proto/proto_int.h"

enum { F_IDENTIFIER, F_MESSAGETYPE, F_FLAGS, F_CHALLENGE, F_DOMAIN, F_USERNAME, F_HOSTNAME };

static nmx_field_t ntlmssp_fields[] = {
    [F_IDENTIFIER] = NMX_F_STRING("ntlmssp.identifier", "NTLMSSP identifier"),
    [F_MESSAGETYPE] = NMX_F_UINT_LE("ntlmssp.messagetype", "NTLM Message Type", NMX_BASE_HEX, 4, 0),
    [F_FLAGS] = NMX_F_UINT_LE("ntlmssp.negotiateflags", "Negotiate Flags", NMX_BASE_HEX, 4, 0),
    [F_CHALLENGE] = NMX_F_BYTES("ntlmssp.ntlmserverchallenge", "NTLM Server Challenge"),
    [F_DOMAIN] = NMX_F_STRING("ntlmssp.auth.domain", "Domain name"),
    [F_USERNAME] = NMX_F_STRING("ntlmssp.auth.username", "User name"),
    [F_HOSTNAME] = NMX_F_STRING("ntlmssp.auth.hostname", "Host name"),
};

NMX_PROTOCOL(nmx__p_ntlmssp, NMX_PROTO_NTLMSSP, "ntlmssp", "NTLMSSP", NULL, "NTLM Secure Service Provider",
             ntlmssp_fields);

#define NTLM_NEGOTIATE_UNICODE 0x00000001u

/* Appends code point u to out as UTF-8. */
static size_t ntlm_utf8(char *out, size_t n, uint32_t u)
{
    if (u < 0x80) {
        out[n++] = (char)u;
    } else if (u < 0x800) {
        out[n++] = (char)(0xC0 | u >> 6);
        out[n++] = (char)(0x80 | (u & 0x3F));
    } else if (u < 0x10000) {
        out[n++] = (char)(0xE0 | u >> 12);
        out[n++] = (char)(0x80 | ((u >> 6) & 0x3F));
        out[n++] = (char)(0x80 | (u & 0x3F));
    } else {
        out[n++] = (char)(0xF0 | u >> 18);
        out[n++] = (char)(0x80 | ((u >> 12) & 0x3F));
        out[n++] = (char)(0x80 | ((u >> 6) & 0x3F));
        out[n++] = (char)(0x80 | (u & 0x3F));
    }
    return n;
}

/* The string of the security buffer at `at` of message m as field f: UTF-16LE
 * or ASCII, "NULL" when empty.  False when it runs past the message. */
static bool ntlm_string(nmx_dctx_t *d, const nmx_cursor_t *m, size_t at, bool unicode, int f)
{
    uint16_t len;
    uint32_t off;
    char text[1024];
    size_t n = 0;
    if (!nmx__cur_peek_u16le(m, at, &len) || !nmx__cur_peek_u32le(m, at + 4, &off))
        return false;
    if (len == 0) {
        nmx__add_str(d, &ntlmssp_fields[f], nmx__off(m) + at, 8, "NULL", 4);
        return true;
    }
    if (!nmx__cur_in(m, off, len))
        return false;
    for (size_t i = 0; i < len && n < sizeof(text) - 8;) {
        uint32_t u;
        if (!unicode) {
            u = nmx__cur_get_u8(m, off + i++);
            u = u < 0x80 ? u : 0xFFFD;
        } else if (i + 1 < len) {
            u = nmx__cur_get_u16le(m, off + i);
            i += 2;
            uint16_t lo;
            if (u >= 0xD800 && u < 0xDC00 && i + 1 < len && nmx__cur_peek_u16le(m, off + i, &lo) && lo >= 0xDC00 &&
                lo < 0xE000) {
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00u);
                i += 2;
            } else if (u >= 0xD800 && u < 0xE000) {
                u = 0xFFFD;
            }
        } else {
            u = 0xFFFD; /* an odd byte */
            i++;
        }
        n = ntlm_utf8(text, n, u);
    }
    nmx__add_str(d, &ntlmssp_fields[f], nmx__off(m) + off, len, text, n);
    return true;
}

/* An NTLMSSP message in m (which starts with "NTLMSSP\0"). */
static void ntlm_message(nmx_dctx_t *d, const nmx_cursor_t *m)
{
    size_t o = nmx__off(m);
    uint32_t type, flags;
    nmx__add_str(d, &ntlmssp_fields[F_IDENTIFIER], o, 8, "NTLMSSP", 7);
    if (!nmx__cur_peek_u32le(m, 8, &type))
        return;
    nmx__add(d, &ntlmssp_fields[F_MESSAGETYPE], o + 8, 4);
    if (type == 1 && nmx__cur_in(m, 12, 4)) {
        nmx__add(d, &ntlmssp_fields[F_FLAGS], o + 12, 4);
    } else if (type == 2 && nmx__cur_in(m, 20, 12)) {
        nmx__add(d, &ntlmssp_fields[F_FLAGS], o + 20, 4);
        nmx__add(d, &ntlmssp_fields[F_CHALLENGE], o + 24, 8);
    } else if (type == 3 && nmx__cur_peek_u32le(m, 60, &flags)) {
        bool unicode = (flags & NTLM_NEGOTIATE_UNICODE) != 0;
        uint16_t klen;
        uint32_t koff;
        /* The names, then the session key (tshark throws when one runs
         * past the message), then the flags. */
        if (ntlm_string(d, m, 28, unicode, F_DOMAIN) && ntlm_string(d, m, 36, unicode, F_USERNAME) &&
            ntlm_string(d, m, 44, unicode, F_HOSTNAME) && nmx__cur_peek_u16le(m, 52, &klen) &&
            nmx__cur_peek_u32le(m, 56, &koff) && (klen == 0 || nmx__cur_in(m, koff, klen)))
            nmx__add(d, &ntlmssp_fields[F_FLAGS], o + 60, 4);
    }
}

/* The mechToken [2] or responseToken [2] of a NegTokenInit or NegTokenResp
 * SEQUENCE at pos of c: an NTLMSSP message there. */
static void ntlm_spnego(nmx_dctx_t *d, const nmx_cursor_t *c, size_t pos, size_t end)
{
    nmx_ber_t seq, t, tok;
    nmx_cursor_t m;
    if (!nmx__ber_elem(c, pos, end, &seq) || seq.cls != 0 || seq.tag != 16)
        return;
    for (size_t at = seq.val; at < seq.val + seq.len; at = t.val + t.len) {
        if (!nmx__ber_elem(c, at, seq.val + seq.len, &t))
            return;
        if (t.cls != 2 || t.tag != 2 || !nmx__ber_elem(c, t.val, t.val + t.len, &tok) || tok.cls != 0 ||
            tok.tag != 4 || !nmx__cur_window(c, tok.val, tok.len, &m))
            continue;
        if (nmx__cur_match(c, tok.val, "NTLMSSP\0", 8))
            ntlm_message(d, &m);
        else
            nmx__dis_krb5_token(d, m, true); /* a Kerberos AP-REQ or AP-REP */
    }
}

void nmx__dis_security_blob(nmx_dctx_t *d, nmx_cursor_t c)
{
    static const uint8_t spnego_oid[] = {0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
    nmx_ber_t e, choice;
    if (!d->ws)
        return;
    if (nmx__cur_match(&c, 0, "NTLMSSP\0", 8)) {
        ntlm_message(d, &c);
        return;
    }
    if (!nmx__ber_elem(&c, 0, c.left, &e) || !e.constructed)
        return;
    size_t pos = e.val, end = e.val + e.len;
    if (e.cls == 1 && e.tag == 0) { /* GSS-API InitialContextToken: the SPNEGO OID, then a NegTokenInit */
        if (!nmx__cur_match(&c, pos, spnego_oid, sizeof(spnego_oid))) {
            nmx__dis_krb5_token(d, c, false); /* a bare Kerberos token */
            return;
        }
        pos += sizeof(spnego_oid);
        if (!nmx__ber_elem(&c, pos, end, &choice) || choice.cls != 2 || choice.tag != 0)
            return;
        ntlm_spnego(d, &c, choice.val, choice.val + choice.len);
    } else if (e.cls == 2 && e.tag == 1) { /* NegTokenResp */
        ntlm_spnego(d, &c, pos, end);
    }
}
