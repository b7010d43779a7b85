/*
 * dis_kerberos.c - Kerberos V5 (RFC 4120) on UDP and TCP port 88.
 *
 * Over TCP each message follows a 4-byte record mark (a reserved bit and
 * a 31-bit length).  As tshark 4.0 does with desegmentation off: every
 * TCP payload on port 88 is taken; one of less than 4 bytes, or whose
 * record length is above 10 MiB (a segment continuing a message), is not
 * counted as a kerberos layer; otherwise each record in the segment is a
 * layer, parsed as far as its bytes go.  Over UDP the payload must start
 * with an [APPLICATION n] identifier of a Kerberos message (tshark's
 * check), otherwise it is not Kerberos.
 *
 * Parsed: AS-REQ/TGS-REQ (padata, request body), AS-REP/TGS-REP, AP-REQ,
 * AP-REP, KRB-ERROR (with the PA-DATA list of its e-data for the error
 * codes tshark reads it for), KRB-SAFE, KRB-PRIV and KRB-CRED, tickets and
 * encrypted parts (their etype and kvno; nothing is decrypted).  PA-DATA
 * values as tshark reads them for PA-TGS-REQ (an AP-REQ), PA-ENC-TIMESTAMP
 * and PA-ENCRYPTED-CHALLENGE (encrypted data), PA-ETYPE-INFO(2) and
 * PA-FOR-USER; the others by type only.  A primitive element cut short
 * ends the dissection (tshark throws there); a constructed one is read as
 * far as its bytes go.
 */
#include "proto/proto_int.h"

enum { F_PVNO, F_MSG_TYPE, F_PADATA_TYPE, F_REALM, F_CREALM, F_CNAME_STRING, F_CNAMESTRING, F_SNAME_STRING,
       F_SNAMESTRING, F_NAME_TYPE, F_ETYPE, F_ENCTYPE, F_KVNO, F_ERROR_CODE, F_TILL, F_RTIME, F_NONCE, F_CTIME,
       F_CUSEC, F_STIME, F_SUSEC, F_E_TEXT, F_COUNT };

#define KRB_INT32(k, l) NMX_F_(k, l, NMX_FT_INT, NMX_BASE_DEC, 4, 0, 0, PROP_TYPE_DWORD, PROP_QUAL_NONE)

static nmx_field_t krb_fields[] = {
    [F_PVNO] = NMX_F_UINT("kerberos.pvno", "pvno", NMX_BASE_DEC, 4, 0),
    [F_MSG_TYPE] = KRB_INT32("kerberos.msg_type", "msg-type"),
    [F_PADATA_TYPE] = KRB_INT32("kerberos.padata_type", "padata-type"),
    [F_REALM] = NMX_F_STRING("kerberos.realm", "realm"),
    [F_CREALM] = NMX_F_STRING("kerberos.crealm", "crealm"),
    [F_CNAME_STRING] = NMX_F_UINT("kerberos.cname_string", "cname-string", NMX_BASE_DEC, 4, 0),
    [F_CNAMESTRING] = NMX_F_STRING("kerberos.CNameString", "CNameString"),
    [F_SNAME_STRING] = NMX_F_UINT("kerberos.sname_string", "sname-string", NMX_BASE_DEC, 4, 0),
    [F_SNAMESTRING] = NMX_F_STRING("kerberos.SNameString", "SNameString"),
    [F_NAME_TYPE] = KRB_INT32("kerberos.name_type", "name-type"),
    [F_ETYPE] = KRB_INT32("kerberos.etype", "etype"),
    [F_ENCTYPE] = KRB_INT32("kerberos.ENCTYPE", "ENCTYPE"),
    [F_KVNO] = NMX_F_UINT("kerberos.kvno", "kvno", NMX_BASE_DEC, 4, 0),
    [F_ERROR_CODE] = KRB_INT32("kerberos.error_code", "error-code"),
    [F_TILL] = NMX_F_ABSTIME("kerberos.till", "till"),
    [F_RTIME] = NMX_F_ABSTIME("kerberos.rtime", "rtime"),
    [F_NONCE] = NMX_F_UINT("kerberos.nonce", "nonce", NMX_BASE_DEC, 4, 0),
    [F_CTIME] = NMX_F_ABSTIME("kerberos.ctime", "ctime"),
    [F_CUSEC] = NMX_F_UINT("kerberos.cusec", "cusec", NMX_BASE_DEC, 4, 0),
    [F_STIME] = NMX_F_ABSTIME("kerberos.stime", "stime"),
    [F_SUSEC] = NMX_F_UINT("kerberos.susec", "susec", NMX_BASE_DEC, 4, 0),
    [F_E_TEXT] = NMX_F_STRING("kerberos.e_text", "e-text"),
};

static nmx_dissect_fn dis_kerberos;

NMX_PROTOCOL(nmx__p_kerberos, NMX_PROTO_KERBEROS, "kerberos", "KERBEROS", NULL, "Kerberos", krb_fields,
             .dissect = dis_kerberos, NMX_HANDOFFS({NMX_HO_UDP_PORT, 88}, {NMX_HO_TCP_PORT, 88}));

/* What a context-tagged element of a SEQUENCE holds. */
enum kind {
    K_NONE,    /* not parsed */
    K_INT,     /* INTEGER: field */
    K_STR,     /* KerberosString: field */
    K_TIME,    /* KerberosTime: field */
    K_ERRCODE, /* error-code (also chooses how e-data is read) */
    K_CNAME,   /* PrincipalName with cname-string / CNameString */
    K_SNAME,   /* ... with sname-string / SNameString */
    K_NAME,    /* ... with name-string (not recorded) */
    K_ENC,     /* EncryptedData */
    K_TICKET,  /* Ticket */
    K_TICKETS, /* SEQUENCE OF Ticket */
    K_ETYPES,  /* SEQUENCE OF Int32: ENCTYPE */
    K_PADATA,  /* SEQUENCE OF PA-DATA */
    K_PAVALUE, /* padata-value, read by the padata-type before it */
    K_BODY,    /* KDC-REQ-BODY */
    K_EDATA,   /* e-data */
};

typedef struct slot {
    uint8_t tag;
    uint8_t kind;
    int8_t field;
} slot_t;

typedef struct seqdef {
    const slot_t *slots;
    unsigned n;
} seqdef_t;

#define SEQ(...) {(const slot_t[]){__VA_ARGS__}, sizeof((const slot_t[]){__VA_ARGS__}) / sizeof(slot_t)}

static const seqdef_t kdc_req = SEQ({1, K_INT, F_PVNO}, {2, K_INT, F_MSG_TYPE}, {3, K_PADATA, -1}, {4, K_BODY, -1});
static const seqdef_t kdc_body =
    SEQ({1, K_CNAME, -1}, {2, K_STR, F_REALM}, {3, K_SNAME, -1}, {5, K_TIME, F_TILL}, {6, K_TIME, F_RTIME},
        {7, K_INT, F_NONCE}, {8, K_ETYPES, -1}, {10, K_ENC, -1}, {11, K_TICKETS, -1});
static const seqdef_t kdc_rep = SEQ({0, K_INT, F_PVNO}, {1, K_INT, F_MSG_TYPE}, {2, K_PADATA, -1},
                                    {3, K_STR, F_CREALM}, {4, K_CNAME, -1}, {5, K_TICKET, -1}, {6, K_ENC, -1});
static const seqdef_t ap_req = SEQ({0, K_INT, F_PVNO}, {1, K_INT, F_MSG_TYPE}, {3, K_TICKET, -1}, {4, K_ENC, -1});
static const seqdef_t ap_rep = SEQ({0, K_INT, F_PVNO}, {1, K_INT, F_MSG_TYPE}, {2, K_ENC, -1});
/* User-to-user (draft-swift-win2k-krb-user2user): KRB-TGT-REQ and
 * KRB-TGT-REP, plain SEQUENCEs after their token IDs. */
static const seqdef_t tgt_req = SEQ({0, K_INT, F_PVNO}, {1, K_INT, F_MSG_TYPE}, {2, K_NAME, -1}, {3, K_STR, F_REALM});
static const seqdef_t tgt_rep = SEQ({0, K_INT, F_PVNO}, {1, K_INT, F_MSG_TYPE}, {2, K_TICKET, -1});
static const seqdef_t krb_safe = SEQ({0, K_INT, F_PVNO}, {1, K_INT, F_MSG_TYPE});
static const seqdef_t krb_priv = SEQ({0, K_INT, F_PVNO}, {1, K_INT, F_MSG_TYPE}, {3, K_ENC, -1});
static const seqdef_t krb_cred = SEQ({0, K_INT, F_PVNO}, {1, K_INT, F_MSG_TYPE}, {2, K_TICKETS, -1}, {3, K_ENC, -1});
static const seqdef_t krb_error =
    SEQ({0, K_INT, F_PVNO}, {1, K_INT, F_MSG_TYPE}, {2, K_TIME, F_CTIME}, {3, K_INT, F_CUSEC},
        {4, K_TIME, F_STIME}, {5, K_INT, F_SUSEC}, {6, K_ERRCODE, F_ERROR_CODE}, {7, K_STR, F_CREALM},
        {8, K_CNAME, -1}, {9, K_STR, F_REALM}, {10, K_SNAME, -1}, {11, K_STR, F_E_TEXT}, {12, K_EDATA, -1});
static const seqdef_t ticket = SEQ({1, K_STR, F_REALM}, {2, K_SNAME, -1}, {3, K_ENC, -1});
static const seqdef_t encdata = SEQ({0, K_INT, F_ETYPE}, {1, K_INT, F_KVNO});
static const seqdef_t padata = SEQ({1, K_INT, F_PADATA_TYPE}, {2, K_PAVALUE, -1});
static const seqdef_t etype_info = SEQ({0, K_INT, F_ETYPE});
static const seqdef_t s4u2self = SEQ({0, K_NAME, -1}, {1, K_STR, F_REALM});

/* The walk through one message. */
typedef struct krb {
    nmx_dctx_t *d;
    const nmx_cursor_t *c;
    size_t off;         /* frame offset of c */
    bool stop;          /* an element was cut short: nothing after it is read */
    unsigned depth;     /* nesting of messages (an AP-REQ in a PA-TGS-REQ) */
    int32_t padata_type; /* of the PA-DATA being read */
    int32_t error_code;
} krb_t;

#define KRB_MAX_DEPTH 4

static void krb_seq(krb_t *k, const nmx_ber_t *e, const seqdef_t *def);
static void krb_app(krb_t *k, size_t pos, size_t end);

/* The element at pos, inside [pos, end): a constructed one is cut to end,
 * a primitive one must fit.  False (and the walk stops) otherwise. */
static bool krb_elem(krb_t *k, size_t pos, size_t end, nmx_ber_t *e)
{
    if (k->stop || !nmx__ber_elem_cut(k->c, pos, end, e)) {
        k->stop = true;
        return false;
    }
    return true;
}

/* The contents of an explicitly tagged element: the one element inside. */
static bool krb_inner(krb_t *k, const nmx_ber_t *tagged, nmx_ber_t *e)
{
    return krb_elem(k, tagged->val, tagged->val + tagged->len, e);
}

/* An INTEGER as field f; its value in *out. */
static void krb_int(krb_t *k, const nmx_ber_t *e, int f, int32_t *out)
{
    const nmx_field_t *fd = &krb_fields[f];
    if (e->len == 0 || e->len > 5 || (e->len == 5 && (fd->ftype != NMX_FT_UINT || nmx__cur_get_u8(k->c, e->val) != 0))) {
        k->stop = true;
        return;
    }
    uint64_t v = nmx__cur_get_u8(k->c, e->val) & 0x80 && fd->ftype == NMX_FT_INT ? ~0ULL : 0;
    for (size_t i = 0; i < e->len; i++)
        v = v << 8 | nmx__cur_get_u8(k->c, e->val + i);
    nmx__add_uint(k->d, fd, k->off + e->val, e->len, (uint32_t)v);
    if (out)
        *out = (int32_t)(uint32_t)v;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t krb_days(int64_t y, unsigned m, unsigned dd)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* A KerberosTime (GeneralizedTime "YYYYMMDDHHMMSSZ") as field f. */
static void krb_time(krb_t *k, const nmx_ber_t *e, int f)
{
    unsigned v[6] = {0}, w[6] = {4, 2, 2, 2, 2, 2};
    size_t at = e->val;
    if (e->len != 15 || nmx__cur_get_u8(k->c, e->val + 14) != 'Z')
        return;
    for (int i = 0; i < 6; i++)
        for (unsigned j = 0; j < w[i]; j++, at++) {
            uint8_t ch = nmx__cur_get_u8(k->c, at);
            if (ch < '0' || ch > '9')
                return;
            v[i] = v[i] * 10 + (ch - '0');
        }
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
        return;
    int64_t s = krb_days(v[0], v[1], v[2]) * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
    /* Times are kept as nanoseconds since 1970 in 64 bits, which reach
     * from 1677 to 2262: a later one (Active Directory's "never" is
     * 9999-12-31) is not recorded (docs/protocols.md, Kerberos). */
    if (s > INT64_MAX / 1000000000 || s < INT64_MIN / 1000000000)
        return;
    nmx__add_uint(k->d, &krb_fields[f], k->off + e->val, e->len, (uint64_t)(s * 1000000000));
}

/* A SEQUENCE OF element e: each item handed to fn; the number of items. */
static unsigned krb_each(krb_t *k, const nmx_ber_t *e, void (*fn)(krb_t *, const nmx_ber_t *, int), int arg)
{
    nmx_ber_t it;
    unsigned n = 0;
    for (size_t pos = e->val; pos < e->val + e->len && !k->stop; pos = it.val + it.len, n++)
        if (krb_elem(k, pos, e->val + e->len, &it))
            fn(k, &it, arg);
    return n;
}

static void krb_string_item(krb_t *k, const nmx_ber_t *e, int f)
{
    if (f >= 0 && !e->constructed)
        nmx__add(k->d, &krb_fields[f], k->off + e->val, e->len);
}

/* name-string [1]: the count (a field of its own for cname and sname, as
 * tshark counts it before the items), then each string. */
static void krb_names(krb_t *k, const nmx_ber_t *seq, int count_f, int str_f)
{
    nmx_ber_t it;
    unsigned n = 0;
    for (size_t pos = seq->val; pos < seq->val + seq->len; pos = it.val + it.len, n++) {
        size_t next;
        if (!nmx__ber_ident(k->c, pos, &it, &next) || !nmx__ber_len(k->c, next, &it) || it.indefinite ||
            it.val > seq->val + seq->len || it.len > seq->val + seq->len - it.val)
            break;
    }
    if (count_f >= 0)
        nmx__add_uint(k->d, &krb_fields[count_f], k->off + seq->start, seq->val - seq->start, n);
    krb_each(k, seq, krb_string_item, str_f);
}

/* A PrincipalName (the SEQUENCE e): name-type, then the strings. */
static void krb_principal(krb_t *k, const nmx_ber_t *e, int kind)
{
    nmx_ber_t t, in;
    for (size_t pos = e->val; pos < e->val + e->len && !k->stop; pos = t.val + t.len) {
        if (!krb_elem(k, pos, e->val + e->len, &t) || !krb_inner(k, &t, &in))
            return;
        if (t.cls == 2 && t.tag == 0 && !in.constructed)
            krb_int(k, &in, F_NAME_TYPE, NULL);
        else if (t.cls == 2 && t.tag == 1 && in.constructed)
            krb_names(k, &in, kind == K_CNAME ? F_CNAME_STRING : kind == K_SNAME ? F_SNAME_STRING : -1,
                      kind == K_CNAME ? F_CNAMESTRING : kind == K_SNAME ? F_SNAMESTRING : -1);
    }
}

static void krb_etype_item(krb_t *k, const nmx_ber_t *e, int f)
{
    if (!e->constructed)
        krb_int(k, e, f, NULL);
}

static void krb_seq_item(krb_t *k, const nmx_ber_t *e, int which)
{
    static const seqdef_t *const defs[] = {&padata, &etype_info};
    if (e->constructed)
        krb_seq(k, e, defs[which]);
}

/* A Ticket: [APPLICATION 1] SEQUENCE. */
static void krb_ticket(krb_t *k, const nmx_ber_t *e, int unused)
{
    nmx_ber_t in;
    (void)unused;
    if (e->cls == 1 && e->tag == 1 && krb_inner(k, e, &in) && in.constructed)
        krb_seq(k, &in, &ticket);
}

/* A padata-value (the OCTET STRING e), by the padata-type read before it. */
static void krb_pavalue(krb_t *k, const nmx_ber_t *e)
{
    nmx_ber_t in;
    size_t end = e->val + e->len;
    if (e->len == 0)
        return; /* tshark reads an empty value as nothing */
    switch (k->padata_type) {
    case 1: /* PA-TGS-REQ: an AP-REQ */
        krb_app(k, e->val, end);
        break;
    case 2:   /* PA-ENC-TIMESTAMP */
    case 138: /* PA-ENCRYPTED-CHALLENGE */
        if (krb_elem(k, e->val, end, &in) && in.constructed)
            krb_seq(k, &in, &encdata);
        break;
    case 11: /* PA-ETYPE-INFO */
    case 19: /* PA-ETYPE-INFO2 */
        if (krb_elem(k, e->val, end, &in) && in.constructed)
            krb_each(k, &in, krb_seq_item, 1);
        break;
    case 129: /* PA-FOR-USER */
        if (krb_elem(k, e->val, end, &in) && in.constructed)
            krb_seq(k, &in, &s4u2self);
        break;
    default:
        break;
    }
}

/* e-data: a PA-DATA list for the errors tshark reads it for (KDC_ERR_
 * PREAUTH_REQUIRED, PREAUTH_FAILED, ETYPE_NOSUPP), one PA-DATA for
 * BADOPTION, CLIENT_REVOKED, KEY_EXP and POLICY. */
static void krb_edata(krb_t *k, const nmx_ber_t *e)
{
    nmx_ber_t in;
    int32_t ec = k->error_code;
    bool list = ec == 25 || ec == 24 || ec == 14;
    bool one = ec == 13 || ec == 18 || ec == 23 || ec == 12;
    if (!(list || one) || !krb_elem(k, e->val, e->val + e->len, &in) || !in.constructed)
        return;
    if (list)
        krb_each(k, &in, krb_seq_item, 0);
    else
        krb_seq(k, &in, &padata);
}

/* One context-tagged element t of a SEQUENCE, as slot s says. */
static void krb_slot(krb_t *k, const nmx_ber_t *t, const slot_t *s)
{
    nmx_ber_t in;
    if (!krb_inner(k, t, &in))
        return;
    switch (s->kind) {
    case K_INT:
    case K_ERRCODE:
        if (!in.constructed)
            krb_int(k, &in, s->field,
                    s->kind == K_ERRCODE ? &k->error_code : s->field == F_PADATA_TYPE ? &k->padata_type : NULL);
        break;
    case K_STR:
        krb_string_item(k, &in, s->field);
        break;
    case K_TIME:
        if (!in.constructed)
            krb_time(k, &in, s->field);
        break;
    case K_CNAME:
    case K_SNAME:
    case K_NAME:
        if (in.constructed)
            krb_principal(k, &in, s->kind);
        break;
    case K_ENC:
        if (in.constructed)
            krb_seq(k, &in, &encdata);
        break;
    case K_TICKET:
        krb_ticket(k, &in, 0);
        break;
    case K_TICKETS:
        if (in.constructed)
            krb_each(k, &in, krb_ticket, 0);
        break;
    case K_ETYPES:
        if (in.constructed)
            krb_each(k, &in, krb_etype_item, F_ENCTYPE);
        break;
    case K_PADATA:
        if (in.constructed)
            krb_each(k, &in, krb_seq_item, 0);
        break;
    case K_PAVALUE:
        if (!in.constructed)
            krb_pavalue(k, &in);
        break;
    case K_BODY:
        if (in.constructed)
            krb_seq(k, &in, &kdc_body);
        break;
    case K_EDATA:
        if (!in.constructed)
            krb_edata(k, &in);
        break;
    default:
        break;
    }
}

/* The SEQUENCE e: each context-tagged element the definition names. */
static void krb_seq(krb_t *k, const nmx_ber_t *e, const seqdef_t *def)
{
    nmx_ber_t t;
    for (size_t pos = e->val; pos < e->val + e->len && !k->stop; pos = t.val + t.len) {
        if (!krb_elem(k, pos, e->val + e->len, &t))
            return;
        if (t.cls != 2 || !t.constructed)
            continue;
        for (unsigned i = 0; i < def->n; i++)
            if (def->slots[i].tag == t.tag) {
                krb_slot(k, &t, &def->slots[i]);
                break;
            }
    }
}

/* A message: [APPLICATION n] SEQUENCE { ... } at pos. */
static void krb_app(krb_t *k, size_t pos, size_t end)
{
    nmx_ber_t app, seq;
    if (k->depth >= KRB_MAX_DEPTH || !krb_elem(k, pos, end, &app) || app.cls != 1 || !krb_inner(k, &app, &seq) ||
        !seq.constructed)
        return;
    const seqdef_t *def = NULL;
    switch (app.tag) {
    case 10:
    case 12:
        def = &kdc_req;
        break;
    case 11:
    case 13:
        def = &kdc_rep;
        break;
    case 14:
        def = &ap_req;
        break;
    case 15:
        def = &ap_rep;
        break;

    case 20:
        def = &krb_safe;
        break;
    case 21:
        def = &krb_priv;
        break;
    case 22:
        def = &krb_cred;
        break;
    case 30:
        def = &krb_error;
        break;
    default:
        return;
    }
    k->depth++;
    krb_seq(k, &seq, def);
    k->depth--;
}

/* The message in c (a UDP payload or a TCP record after its mark) from pos. */
static void krb_message(nmx_dctx_t *d, const nmx_cursor_t *c, size_t pos)
{
    krb_t k = {.d = d, .c = c, .off = nmx__off(c)};
    krb_app(&k, pos, c->left);
}

/* The message of definition def (or none) as a plain SEQUENCE at pos of c. */
static void krb_bare(nmx_dctx_t *d, const nmx_cursor_t *c, size_t pos, const seqdef_t *def)
{
    krb_t k = {.d = d, .c = c, .off = nmx__off(c)};
    nmx_ber_t seq;
    if (def != NULL && krb_elem(&k, pos, c->left, &seq) && seq.cls == 0 && seq.tag == 16 && seq.constructed)
        krb_seq(&k, &seq, def);
}

/* A GSS-API Kerberos token (RFC 4121 4.1: [APPLICATION 0] { the Kerberos
 * OID, TOK_ID(2), message }) in c: the AP-REQ, AP-REP or KRB-ERROR after
 * the token ID goes into the caller's layer.  The Kerberos OID or
 * Microsoft's variant of it (1.2.840.48018.1.2.2); with the user-to-user
 * OID (1.2.840.113554.1.2.2.3), the KRB-TGT-REQ or KRB-TGT-REP after it.
 * In an SPNEGO token
 * (in_spnego) a bare AP-REQ or AP-REP ([APPLICATION 14] or [15], as DCE/RPC
 * sends them) is taken too, as tshark's spnego-krb5 takes it.  False when
 * c holds no such token. */
bool nmx__dis_krb5_token(nmx_dctx_t *d, nmx_cursor_t c, bool in_spnego)
{
    static const uint8_t krb5_oid[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
    static const uint8_t ms_krb5_oid[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};
    static const uint8_t u2u_oid[] = {0x06, 0x0a, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x03};
    nmx_ber_t e;
    if (!nmx__ber_elem_cut(&c, 0, c.left, &e) || e.cls != 1 || !e.constructed)
        return false;
    if (in_spnego && (e.tag == 14 || e.tag == 15)) {
        if (d->ws)
            krb_message(d, &c, 0);
        return true;
    }
    if (e.tag != 0)
        return false;
    size_t pos = e.val;
    if (nmx__cur_match(&c, pos, u2u_oid, sizeof(u2u_oid))) { /* TOK_ID 04 00 a TGT-REQ, 04 01 a TGT-REP */
        uint16_t tok;
        if (d->ws && nmx__cur_peek_u16be(&c, pos + sizeof(u2u_oid), &tok))
            krb_bare(d, &c, pos + sizeof(u2u_oid) + 2, tok == 0x0401 ? &tgt_rep : tok == 0x0400 ? &tgt_req : NULL);
        return true;
    }
    if (!nmx__cur_match(&c, pos, krb5_oid, sizeof(krb5_oid)) &&
        !nmx__cur_match(&c, pos, ms_krb5_oid, sizeof(ms_krb5_oid)))
        return false;
    if (d->ws && nmx__cur_in(&c, pos + sizeof(krb5_oid), 2))
        krb_message(d, &c, pos + sizeof(krb5_oid) + 2);
    return true;
}

/* Whether a UDP payload starts as a Kerberos message does for tshark. */
static bool krb_udp_check(const nmx_cursor_t *c)
{
    uint8_t b;
    if (!nmx__cur_peek_u8(c, 0, &b) || (b >> 6) != 1)
        return false;
    unsigned tag = b & 0x1f;
    return tag == 1 || tag == 2 || tag == 3 || (tag >= 10 && tag <= 15) || tag == 20 || tag == 21 ||
           (tag >= 25 && tag <= 30);
}

static bool dis_kerberos(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    if (d->ho_table == NMX_HO_UDP_PORT) {
        if (!krb_udp_check(&c))
            return false;
        if (nmx__push_layer(d, proto, nmx__off(&c)) && d->ws)
            krb_message(d, &c, 0);
        return true;
    }
    /* TCP: one record after another, each behind its record mark. */
    for (size_t pos = 0; pos < c.left;) {
        uint32_t rm;
        if (!nmx__cur_peek_u32be(&c, pos, &rm) || (rm & 0x7fffffffu) > 10u * 1024 * 1024)
            return true; /* taken, not counted (tshark throws or gives up before its item) */
        nmx_cursor_t rec;
        size_t len = (size_t)(rm & 0x7fffffffu) + 4;
        if (!nmx__cur_window(&c, pos, len < c.left - pos ? len : c.left - pos, &rec) ||
            !nmx__push_layer(d, proto, nmx__off(&rec)))
            return true;
        if (d->ws)
            krb_message(d, &rec, 4);
        pos += len < c.left - pos ? len : c.left - pos;
    }
    return true;
}
