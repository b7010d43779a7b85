/*
 * dis_sip.c - Session Initiation Protocol (RFC 3261) on UDP and TCP 5060,
 * and elsewhere by tshark's heuristic (on by default over UDP and TCP).
 *
 *   request:  Method SP Request-URI SP SIP/2.0 CRLF
 *   response: SIP/2.0 SP Status-Code SP Reason-Phrase CRLF
 *   then header fields "Name: value" CRLF ..., an empty line and the body
 *   (SDP when the Content-Type is application/sdp: dis_sdp.c).
 *
 * As tshark 4.0 (strict SIP version, the default): the first line is a
 * request when it has two spaces, its third token is exactly "SIP/2.0" and
 * its first one is a token; a status line when its first token is exactly
 * "SIP/2.0" and the second is three digits.  A payload whose first line is
 * neither is not SIP, on port 5060 too (tshark's dissector returns 0 and
 * the heuristics get it).  Header names are compared without regard to
 * case, compact forms included (i, m, l, c, f, t, v, k, e, s).  The To,
 * From and Contact values are split into display name, URI (user, host,
 * port) and tag; Via into transport, sent-by address and port, branch,
 * received and rport.  Folded header lines, multipart bodies and the
 * headers not in the table below are not parsed; one message per segment.
 *
 * The SDP of a message announces RTP and RTCP (dis_sdp.c) with the setup
 * frame tshark 4.0 gives them (its sip.delay_sdp_changes off): a request's
 * own frame; for a final response (2xx, or 400 and up), the frame of the
 * request it answers, and nothing when an earlier final response with SDP
 * answered that request; a provisional or 3xx response's own frame, and
 * a final one's own when no request is found or it repeats an earlier
 * response.  A request that repeats one with SDP announces nothing.
 * tshark finds the request and the repetitions over UDP only, in one
 * table entry per Call-ID and direction (source and destination address
 * and port) that each message sent that way updates: its CSeq number and
 * method, the transaction's state (request, provisional or final response
 * seen), the final status code and the frame (sip_is_packet_resend,
 * sip_find_request); a response answers the request when the opposite
 * direction's entry holds a request of its CSeq number and method.  That
 * entry is kept here as facts of the UDP connection (nmx__fact_set, keyed
 * by connection, so by the addresses and ports, with a hash of the Call-ID
 * and the direction as the id), since tshark's key is the connection's
 * four values and the Call-ID, and a fact is seen from the next frame on,
 * as the entry is by the next message.  Whether a request had an offer or
 * was answered is a fact of its connection by the request's frame number
 * (tshark's SDP transport table by request frame).  Over TCP every SDP
 * announces with its own frame (an equal announcement is then not learned
 * again: a TCP retransmission).
 */
#include <string.h>

#include "proto/proto_int.h"

enum { F_REQLINE, F_METHOD, F_RURI, F_RURI_USER, F_RURI_HOST, F_RURI_PORT, F_STATLINE, F_CODE,
       F_VIA, F_VIA_TRANSPORT, F_VIA_ADDR, F_VIA_PORT, F_VIA_BRANCH, F_VIA_RECEIVED, F_VIA_RPORT,
       F_MAXFWD, F_TO, F_TO_DISPLAY, F_TO_ADDR, F_TO_USER, F_TO_HOST, F_TO_PORT, F_TO_TAG,
       F_FROM, F_FROM_DISPLAY, F_FROM_ADDR, F_FROM_USER, F_FROM_HOST, F_FROM_PORT, F_FROM_TAG,
       F_CALLID, F_CSEQ, F_CSEQ_SEQ, F_CSEQ_METHOD, F_CONTACT, F_CONTACT_URI, F_CONTACT_USER,
       F_CONTACT_HOST, F_CONTACT_PORT, F_UA, F_SERVER, F_ALLOW, F_SUPPORTED, F_EXPIRES, F_CTYPE,
       F_CLEN, F_CONTINUATION };

static nmx_field_t sip_fields[] = {
    [F_REQLINE] = NMX_F_UTF8("sip.Request-Line", "Request-Line"),
    [F_METHOD] = NMX_F_UTF8("sip.Method", "Method"),
    [F_RURI] = NMX_F_UTF8("sip.r-uri", "Request-URI"),
    [F_RURI_USER] = NMX_F_UTF8("sip.r-uri.user", "Request-URI User Part"),
    [F_RURI_HOST] = NMX_F_UTF8("sip.r-uri.host", "Request-URI Host Part"),
    [F_RURI_PORT] = NMX_F_UTF8("sip.r-uri.port", "Request-URI Host Port"),
    [F_STATLINE] = NMX_F_UTF8("sip.Status-Line", "Status-Line"),
    [F_CODE] = NMX_F_UINT("sip.Status-Code", "Status-Code", NMX_BASE_DEC, 4, 0),
    [F_VIA] = NMX_F_UTF8("sip.Via", "Via"),
    [F_VIA_TRANSPORT] = NMX_F_UTF8("sip.Via.transport", "Transport"),
    [F_VIA_ADDR] = NMX_F_UTF8("sip.Via.sent-by.address", "Sent-by Address"),
    [F_VIA_PORT] = NMX_F_UINT("sip.Via.sent-by.port", "Sent-by port", NMX_BASE_DEC, 2, 0),
    [F_VIA_BRANCH] = NMX_F_UTF8("sip.Via.branch", "Branch"),
    [F_VIA_RECEIVED] = NMX_F_UTF8("sip.Via.received", "Received"),
    [F_VIA_RPORT] = NMX_F_UTF8("sip.Via.rport", "RPort"),
    [F_MAXFWD] = NMX_F_UINT("sip.Max-Forwards", "Max-Forwards", NMX_BASE_DEC, 4, 0),
    [F_TO] = NMX_F_UTF8("sip.To", "To"),
    [F_TO_DISPLAY] = NMX_F_UTF8("sip.to.display.info", "SIP to display info"),
    [F_TO_ADDR] = NMX_F_UTF8("sip.to.addr", "SIP to address"),
    [F_TO_USER] = NMX_F_UTF8("sip.to.user", "SIP to address User Part"),
    [F_TO_HOST] = NMX_F_UTF8("sip.to.host", "SIP to address Host Part"),
    [F_TO_PORT] = NMX_F_UTF8("sip.to.port", "SIP to address Host Port"),
    [F_TO_TAG] = NMX_F_UTF8("sip.to.tag", "SIP to tag"),
    [F_FROM] = NMX_F_UTF8("sip.From", "From"),
    [F_FROM_DISPLAY] = NMX_F_UTF8("sip.from.display.info", "SIP from display info"),
    [F_FROM_ADDR] = NMX_F_UTF8("sip.from.addr", "SIP from address"),
    [F_FROM_USER] = NMX_F_UTF8("sip.from.user", "SIP from address User Part"),
    [F_FROM_HOST] = NMX_F_UTF8("sip.from.host", "SIP from address Host Part"),
    [F_FROM_PORT] = NMX_F_UTF8("sip.from.port", "SIP from address Host Port"),
    [F_FROM_TAG] = NMX_F_UTF8("sip.from.tag", "SIP from tag"),
    [F_CALLID] = NMX_F_UTF8("sip.Call-ID", "Call-ID"),
    [F_CSEQ] = NMX_F_UTF8("sip.CSeq", "CSeq"),
    [F_CSEQ_SEQ] = NMX_F_UINT("sip.CSeq.seq", "Sequence Number", NMX_BASE_DEC, 4, 0),
    [F_CSEQ_METHOD] = NMX_F_UTF8("sip.CSeq.method", "Method"),
    [F_CONTACT] = NMX_F_UTF8("sip.Contact", "Contact"),
    [F_CONTACT_URI] = NMX_F_UTF8("sip.contact.uri", "Contact URI"),
    [F_CONTACT_USER] = NMX_F_UTF8("sip.contact.user", "Contact URI User Part"),
    [F_CONTACT_HOST] = NMX_F_UTF8("sip.contact.host", "Contact URI Host Part"),
    [F_CONTACT_PORT] = NMX_F_UTF8("sip.contact.port", "Contact URI Host Port"),
    [F_UA] = NMX_F_UTF8("sip.User-Agent", "User-Agent"),
    [F_SERVER] = NMX_F_UTF8("sip.Server", "Server"),
    [F_ALLOW] = NMX_F_UTF8("sip.Allow", "Allow"),
    [F_SUPPORTED] = NMX_F_UTF8("sip.Supported", "Supported"),
    [F_EXPIRES] = NMX_F_UINT("sip.Expires", "Expires", NMX_BASE_DEC, 4, 0),
    [F_CTYPE] = NMX_F_UTF8("sip.Content-Type", "Content-Type"),
    [F_CLEN] = NMX_F_UINT("sip.Content-Length", "Content-Length", NMX_BASE_DEC, 4, 0),
    [F_CONTINUATION] = NMX_F_BYTES("sip.continuation", "Continuation data"),
};

static nmx_dissect_fn dis_sip;

NMX_PROTOCOL(nmx__p_sip, NMX_PROTO_SIP, "sip", "SIP", NULL, "Session Initiation Protocol", sip_fields,
             .dissect = dis_sip,
             NMX_HANDOFFS({NMX_HO_UDP_PORT, 5060}, {NMX_HO_TCP_PORT, 5060}, {NMX_HO_UDP_HEUR, 30},
                          {NMX_HO_TCP_HEUR, 30}),
             .borrows = {NMX_PROTO_SDP} /* the body's sdp.* fields, in the SIP layer as io,phs counts it */,
             .chain = true /* the messages of one TCP segment */);

/* A span [at, end) of the message. */
typedef struct span {
    size_t at, end;
} span_t;

static void add_span(nmx_dctx_t *d, const nmx_cursor_t *c, int f, span_t s)
{
    nmx__add(d, &sip_fields[f], nmx__off(c) + s.at, s.end > s.at ? s.end - s.at : 0);
}

/* The first byte in [from, end) that is one of set, or end. */
static size_t find_any(const nmx_cursor_t *c, size_t from, size_t end, const char *set)
{
    uint8_t b;
    for (size_t i = from; i < end && nmx__cur_peek_u8(c, i, &b); i++)
        if (b != 0 && strchr(set, b))
            return i;
    return end;
}

static size_t skip_ws(const nmx_cursor_t *c, size_t at, size_t end)
{
    uint8_t b;
    while (at < end && nmx__cur_peek_u8(c, at, &b) && (b == ' ' || b == '\t'))
        at++;
    return at;
}

/* The decimal number at the start of s (strtoul: leading blanks, digits). */
static uint64_t span_number(const nmx_cursor_t *c, span_t s)
{
    uint64_t v = 0;
    uint8_t b;
    for (size_t i = skip_ws(c, s.at, s.end); i < s.end && nmx__cur_peek_u8(c, i, &b) && b >= '0' && b <= '9';
         i++)
        v = v * 10 + (uint64_t)(b - '0');
    return v > UINT32_MAX ? UINT32_MAX : v;
}

/* The hash of the first `max` bytes of s. */
static uint64_t span_hash(const nmx_cursor_t *c, span_t s, size_t max)
{
    size_t n = s.end > s.at ? s.end - s.at : 0;
    return nmx__cur_fnv1a(c, s.at, n < max ? n : max);
}

enum line_kind { LINE_OTHER, LINE_REQUEST, LINE_STATUS };

/* tshark's sip_parse_line over the first line [0, ll); *sp1 and *sp2 get
 * the offsets of its first two spaces. */
static enum line_kind parse_first_line(const nmx_cursor_t *c, size_t ll, size_t *sp1, size_t *sp2)
{
    *sp1 = nmx__cur_find(c, 0, ' ');
    if (*sp1 == 0 || *sp1 >= ll)
        return LINE_OTHER;
    *sp2 = nmx__cur_find(c, *sp1 + 1, ' ');
    if (*sp2 >= ll)
        return LINE_OTHER;
    if (*sp1 == 7 && nmx__cur_match(c, 0, "SIP/2.0", 7)) {
        uint8_t b;
        if (*sp2 - *sp1 - 1 != 3)
            return LINE_OTHER;
        for (size_t i = *sp1 + 1; i < *sp2; i++)
            if (!nmx__cur_peek_u8(c, i, &b) || b < '0' || b > '9')
                return LINE_OTHER;
        return LINE_STATUS;
    }
    if (ll - *sp2 - 1 != 7 || !nmx__cur_match(c, *sp2 + 1, "SIP/2.0", 7))
        return LINE_OTHER;
    return find_any(c, *sp1 + 1, *sp2, ":") < *sp2 ? LINE_REQUEST : LINE_OTHER;
}

/* The fields of one URI: the URI, user, host and port. */
typedef struct uri_fields {
    int uri, user, host, port;
} uri_fields_t;

/* A URI [s.at, s.end): "scheme:[user@]host[:port][;params][?headers]"
 * (an IPv6 host in brackets keeps them). */
static void sip_uri(nmx_dctx_t *d, const nmx_cursor_t *c, span_t s, const uri_fields_t *f)
{
    add_span(d, c, f->uri, s);
    size_t colon = find_any(c, s.at, s.end, ":");
    if (colon >= s.end)
        return;
    bool sip = colon == s.at + 3 && nmx__cur_match_ci(c, s.at, "sip", 3);
    if (!sip && !(colon == s.at + 4 && nmx__cur_match_ci(c, s.at, "sips", 4)))
        return; /* tshark parses sip: and sips: URIs only */
    size_t host = colon + 1, at = find_any(c, host, s.end, "@");
    if (at < s.end) {
        size_t ue = find_any(c, host, at, ":;");
        if (sip && ue - host > 1) /* no user part of a sips: URI, nor one of one character */
            add_span(d, c, f->user, (span_t){host, ue});
        host = at + 1;
    }
    size_t hend;
    if (nmx__cur_match(c, host, "[", 1)) {
        hend = find_any(c, host, s.end, "]");
        hend = hend < s.end ? hend + 1 : s.end;
    } else {
        hend = find_any(c, host, s.end, ":;?");
    }
    add_span(d, c, f->host, (span_t){host, hend});
    size_t pe = hend < s.end ? find_any(c, hend + 1, s.end, ";?") : s.end;
    if (hend < s.end && nmx__cur_match(c, hend, ":", 1) && pe - hend - 1 > 1) /* not of one digit */
        add_span(d, c, f->port, (span_t){hend + 1, pe});
}

/* The fields of a To, From or Contact header. */
typedef struct addr_fields {
    int display;
    uri_fields_t uri;
    int tag; /* -1: none */
} addr_fields_t;

/* The closing quote of a quoted string from `from` (a backslash quotes
 * the next character), or end. */
static size_t closing_quote(const nmx_cursor_t *c, size_t from, size_t end)
{
    uint8_t b;
    for (size_t i = from; i < end && nmx__cur_peek_u8(c, i, &b); i++) {
        if (b == '\\')
            i++;
        else if (b == '"')
            return i;
    }
    return end;
}

/* A name-addr or addr-spec value: [display] <URI> params, or URI;params. */
static void sip_addr(nmx_dctx_t *d, const nmx_cursor_t *c, span_t v, const addr_fields_t *f)
{
    size_t at = skip_ws(c, v.at, v.end), uend, params;
    size_t lt = find_any(c, at, v.end, "<");
    if (nmx__cur_match(c, at, "\"", 1)) {
        size_t q = closing_quote(c, at + 1, v.end);
        if (q < v.end)
            add_span(d, c, f->display, (span_t){at, q + 1});
        lt = find_any(c, q < v.end ? q + 1 : v.end, v.end, "<");
    } else if (lt < v.end && lt > at) {
        add_span(d, c, f->display, (span_t){at, lt});
    }
    if (lt < v.end) {
        uend = find_any(c, lt + 1, v.end, ">");
        sip_uri(d, c, (span_t){lt + 1, uend}, &f->uri);
        params = uend < v.end ? uend + 1 : v.end;
    } else {
        uend = find_any(c, at, v.end, ";, \t");
        sip_uri(d, c, (span_t){at, uend}, &f->uri);
        params = uend;
    }
    if (f->tag < 0)
        return;
    for (size_t p = find_any(c, params, v.end, ";"); p < v.end; p = find_any(c, p + 1, v.end, ";")) {
        size_t n = skip_ws(c, p + 1, v.end);
        if (nmx__cur_match_ci(c, n, "tag=", 4) && n + 4 <= v.end) {
            add_span(d, c, f->tag, (span_t){n + 4, find_any(c, n + 4, v.end, ";, \t")});
            return;
        }
    }
}

/* One Via value: "SIP/2.0/UDP host[:port];params". */
static void sip_via(nmx_dctx_t *d, const nmx_cursor_t *c, span_t v)
{
    size_t at = skip_ws(c, v.at, v.end);
    size_t ws = find_any(c, at, v.end, " \t");
    size_t slash = at;
    for (size_t s = find_any(c, at, ws, "/"); s < ws; s = find_any(c, s + 1, ws, "/"))
        slash = s + 1;
    if (slash == at || ws >= v.end)
        return;
    add_span(d, c, F_VIA_TRANSPORT, (span_t){slash, ws});
    size_t host = skip_ws(c, ws, v.end);
    size_t hend;
    if (nmx__cur_match(c, host, "[", 1)) { /* an IPv6 reference: shown without its brackets */
        hend = find_any(c, host, v.end, "]");
        add_span(d, c, F_VIA_ADDR, (span_t){host + 1, hend});
        hend = hend < v.end ? hend + 1 : v.end;
    } else {
        hend = find_any(c, host, v.end, ":; \t");
        add_span(d, c, F_VIA_ADDR, (span_t){host, hend});
    }
    size_t p = hend;
    if (p < v.end && nmx__cur_match(c, p, ":", 1)) {
        span_t port = {p + 1, find_any(c, p + 1, v.end, "; \t")};
        nmx__add_uint(d, &sip_fields[F_VIA_PORT], nmx__off(c) + port.at, port.end - port.at, span_number(c, port));
        p = port.end;
    }
    for (p = find_any(c, p, v.end, ";"); p < v.end;) {
        size_t n = skip_ws(c, p + 1, v.end), e = find_any(c, n, v.end, ";");
        size_t eq = find_any(c, n, e, "=");
        span_t val = eq < e ? (span_t){eq + 1, e} : (span_t){n, e};
        size_t nl = (eq < e ? eq : e) - n;
        if (nl == 6 && nmx__cur_match_ci(c, n, "branch", 6))
            add_span(d, c, F_VIA_BRANCH, val);
        else if (nl == 8 && nmx__cur_match_ci(c, n, "received", 8))
            add_span(d, c, F_VIA_RECEIVED, val);
        else if (nl == 5 && nmx__cur_match_ci(c, n, "rport", 5))
            add_span(d, c, F_VIA_RPORT, val);
        p = e;
    }
}

/* The headers parsed, by their full and compact names. */
enum hdr { H_VIA, H_MAXFWD, H_TO, H_FROM, H_CALLID, H_CSEQ, H_CONTACT, H_UA, H_SERVER, H_ALLOW,
           H_SUPPORTED, H_EXPIRES, H_CTYPE, H_CLEN, H_OTHER };
static const struct {
    const char *name, *compact;
    int field;
} headers[] = {
    [H_VIA] = {"via", "v", F_VIA},
    [H_MAXFWD] = {"max-forwards", NULL, F_MAXFWD},
    [H_TO] = {"to", "t", F_TO},
    [H_FROM] = {"from", "f", F_FROM},
    [H_CALLID] = {"call-id", "i", F_CALLID},
    [H_CSEQ] = {"cseq", NULL, F_CSEQ},
    [H_CONTACT] = {"contact", "m", F_CONTACT},
    [H_UA] = {"user-agent", NULL, F_UA},
    [H_SERVER] = {"server", NULL, F_SERVER},
    [H_ALLOW] = {"allow", NULL, F_ALLOW},
    [H_SUPPORTED] = {"supported", "k", F_SUPPORTED},
    [H_EXPIRES] = {"expires", NULL, F_EXPIRES},
    [H_CTYPE] = {"content-type", "c", F_CTYPE},
    [H_CLEN] = {"content-length", "l", F_CLEN},
};

static enum hdr header_kind(const nmx_cursor_t *c, span_t name)
{
    size_t n = name.end - name.at;
    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        if ((strlen(headers[i].name) == n && nmx__cur_match_ci(c, name.at, headers[i].name, n)) ||
            (headers[i].compact && n == 1 && nmx__cur_match_ci(c, name.at, headers[i].compact, 1)))
            return (enum hdr)i;
    }
    return H_OTHER;
}

static const addr_fields_t to_fields = {F_TO_DISPLAY, {F_TO_ADDR, F_TO_USER, F_TO_HOST, F_TO_PORT}, F_TO_TAG};
static const addr_fields_t from_fields = {F_FROM_DISPLAY, {F_FROM_ADDR, F_FROM_USER, F_FROM_HOST, F_FROM_PORT},
                                          F_FROM_TAG};
static const addr_fields_t contact_fields = {-1, {F_CONTACT_URI, F_CONTACT_USER, F_CONTACT_HOST, F_CONTACT_PORT},
                                             -1};

/* What the headers tell about the body and the transaction. */
typedef struct sip_msg {
    bool sdp;         /* Content-Type application/sdp */
    bool has_clen;
    uint64_t clen;
    span_t callid;    /* the Call-ID's value (empty: none) */
    bool has_cseq;    /* a CSeq header: its number and the hash of its method */
    uint32_t cseq, method;
} sip_msg_t;

/* The next comma in [at, end) outside quotes and angle brackets, or end. */
static size_t next_comma(const nmx_cursor_t *c, size_t at, size_t end)
{
    bool quoted = false, angle = false;
    uint8_t b;
    for (size_t i = at; i < end && nmx__cur_peek_u8(c, i, &b); i++) {
        if (quoted && b == '\\')
            i++;
        else if (b == '"')
            quoted = !quoted;
        else if (!quoted && (b == '<' || b == '>'))
            angle = b == '<';
        else if (!quoted && !angle && b == ',')
            return i;
    }
    return end;
}

static void sip_header(nmx_dctx_t *d, const nmx_cursor_t *c, enum hdr h, span_t v, sip_msg_t *m)
{
    size_t off = nmx__off(c);
    int f = headers[h].field;
    if (f == F_MAXFWD || f == F_EXPIRES || f == F_CLEN) {
        uint64_t n = span_number(c, v);
        nmx__add_uint(d, &sip_fields[f], off + v.at, v.end - v.at, n);
        if (f == F_CLEN) {
            m->has_clen = true;
            m->clen = n;
        }
        return;
    }
    add_span(d, c, f, v);
    switch (h) {
    case H_VIA:
        for (size_t at = v.at; at < v.end;) {
            size_t comma = find_any(c, at, v.end, ",");
            sip_via(d, c, (span_t){at, comma});
            at = comma + 1;
        }
        break;
    case H_TO: sip_addr(d, c, v, &to_fields); break;
    case H_FROM: sip_addr(d, c, v, &from_fields); break;
    case H_CONTACT:
        if (!nmx__cur_match(c, skip_ws(c, v.at, v.end), "*", 1))
            for (size_t at = v.at; at < v.end;) {
                size_t comma = next_comma(c, at, v.end);
                sip_addr(d, c, (span_t){at, comma}, &contact_fields);
                at = comma + 1;
            }
        break;
    case H_CSEQ: {
        size_t sp = find_any(c, v.at, v.end, " \t");
        m->has_cseq = true;
        m->cseq = (uint32_t)span_number(c, (span_t){v.at, sp});
        nmx__add_uint(d, &sip_fields[F_CSEQ_SEQ], off + v.at, sp - v.at, m->cseq);
        size_t meth = skip_ws(c, sp, v.end);
        uint64_t mh = span_hash(c, (span_t){meth, v.end}, 15);
        m->method = (uint32_t)(mh ^ (mh >> 32));
        if (meth < v.end)
            add_span(d, c, F_CSEQ_METHOD, (span_t){meth, find_any(c, meth, v.end, " \t")});
        break;
    }
    case H_CALLID: m->callid = v; break;
    case H_CTYPE: {
        size_t e = find_any(c, v.at, v.end, "; \t");
        m->sdp = e - v.at == 15 && nmx__cur_match_ci(c, v.at, "application/sdp", 15);
        break;
    }
    default:
        break;
    }
}

/* The request or status line [0, ll) and its parts. */
static void sip_first_line(nmx_dctx_t *d, const nmx_cursor_t *c, enum line_kind k, size_t ll, size_t sp1,
                           size_t sp2)
{
    static const uri_fields_t ruri = {F_RURI, F_RURI_USER, F_RURI_HOST, F_RURI_PORT};
    if (k == LINE_REQUEST) {
        add_span(d, c, F_REQLINE, (span_t){0, ll});
        add_span(d, c, F_METHOD, (span_t){0, sp1});
        sip_uri(d, c, (span_t){sp1 + 1, sp2}, &ruri);
    } else {
        add_span(d, c, F_STATLINE, (span_t){0, ll});
        nmx__add_uint(d, &sip_fields[F_CODE], nmx__off(c) + sp1 + 1, 3, span_number(c, (span_t){sp1 + 1, sp2}));
    }
}

/* The header lines from pos; returns where the body starts (c->left when
 * the headers do not end). */
static size_t sip_headers(nmx_dctx_t *d, const nmx_cursor_t *c, size_t pos, sip_msg_t *m)
{
    while (pos < c->left) {
        size_t next, e = nmx__cur_line_end(c, pos, &next);
        if (e == pos)
            return next;
        size_t colon = find_any(c, pos, e, ":");
        if (colon < e) {
            size_t ne = colon;
            while (ne > pos && (nmx__cur_match(c, ne - 1, " ", 1) || nmx__cur_match(c, ne - 1, "\t", 1)))
                ne--;
            enum hdr h = header_kind(c, (span_t){pos, ne});
            if (h != H_OTHER)
                sip_header(d, c, h, (span_t){skip_ws(c, colon + 1, e), e}, m);
        }
        pos = next;
    }
    return c->left;
}

/* Whether a message can start at `at` (tshark's checks before
 * sip_parse_line): a first line that is not empty and holds no NUL; over
 * TCP one that ends; as the first message of a datagram or of the
 * heuristic, a printable first byte. */
static bool message_start(const nmx_cursor_t *c, size_t at, bool tcp, bool first, size_t *ll)
{
    uint8_t b;
    if (first && (!nmx__cur_peek_u8(c, at, &b) || b < 0x20 || b > 0x7e))
        return false;
    size_t next;
    size_t e = nmx__cur_line_end(c, at, &next);
    *ll = e - at;
    return *ll > 0 && nmx__cur_find(c, at, 0) >= e && (!tcp || e < c->left);
}

/* ---- Transactions: the setup frame of the SDP's announcements (see the top) ---- */

/* tshark's transaction states (sip_is_packet_resend). */
enum { TX_NOTHING, TX_REQUEST, TX_PROVISIONAL, TX_FINAL };

/* One direction's entry: CSeq number, method hash, state | final code << 2, and the
 * frame of its request or final response. */
typedef struct sip_txn {
    bool known;
    uint32_t cseq, method, state, msg_frame;
} sip_txn_t;

static sip_txn_t txn_get(const nmx_dctx_t *d, uint64_t id)
{
    sip_txn_t t = {0};
    t.known = nmx__fact_get(d, NMX_FACT_SIP_CSEQ, id, &t.cseq);
    if (t.known) {
        (void)nmx__fact_get(d, NMX_FACT_SIP_METHOD, id, &t.method);
        (void)nmx__fact_get(d, NMX_FACT_SIP_STATE, id, &t.state);
        (void)nmx__fact_get(d, NMX_FACT_SIP_FRAME, id, &t.msg_frame);
    }
    return t;
}

static void txn_put(nmx_dctx_t *d, uint64_t id, const sip_txn_t *t)
{
    nmx__fact_set(d, NMX_FACT_SIP_CSEQ, id, t->cseq);
    nmx__fact_set(d, NMX_FACT_SIP_METHOD, id, t->method);
    nmx__fact_set(d, NMX_FACT_SIP_STATE, id, t->state);
    nmx__fact_set(d, NMX_FACT_SIP_FRAME, id, t->msg_frame);
}

/* The id of a Call-ID's entry for messages sent from the lower end of the
 * connection (fwd) or from the higher one (the order of learn.c's
 * connections: address, then port). */
static uint64_t txn_id(const nmx_cursor_t *c, span_t callid, bool fwd)
{
    return (span_hash(c, callid, 127) << 1) | (fwd ? 1u : 0u);
}

/* The method hash of a literal name, as span_hash folds it. */
static uint32_t method_of(const char *name)
{
    uint64_t h = 14695981039346656037u;
    for (const char *p = name; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211u;
    return (uint32_t)(h ^ (h >> 32));
}

/* tshark's sip_is_packet_resend: updates this direction's entry with the
 * message; returns the frame of the message it repeats, or 0. */
static uint32_t txn_resend(nmx_dctx_t *d, uint64_t id, const sip_msg_t *m, bool request, unsigned code)
{
    sip_txn_t t = txn_get(d, id);
    uint32_t compare = 0, result = 0, number = d->fctx->number;
    if (t.known) {
        compare = t.cseq;
        if (m->cseq != t.cseq)
            t = (sip_txn_t){.known = true, .cseq = m->cseq, .method = m->method, .state = TX_NOTHING};
    } else {
        t = (sip_txn_t){.known = true, .cseq = m->cseq, .method = m->method, .state = TX_NOTHING};
    }
    uint32_t state = t.state & 3;
    bool same = m->cseq == compare && m->method == t.method;
    if (request && same && state == TX_REQUEST && m->method != method_of("ACK") && m->method != method_of("CANCEL"))
        result = t.msg_frame;
    if (!request && same && state == TX_FINAL && code >= 200 && code == t.state >> 2)
        result = t.msg_frame;
    if (request) {
        t.state = (t.state & ~3u) | TX_REQUEST;
        if (result == 0)
            t.msg_frame = number;
    } else if (code >= 200) {
        t.state = (uint32_t)code << 2 | TX_FINAL;
        if (result == 0)
            t.msg_frame = number;
    } else {
        t.state = (t.state & ~3u) | TX_PROVISIONAL;
    }
    txn_put(d, id, &t);
    return result;
}

/* tshark's sip_find_request: the frame of the request a response answers
 * (the opposite direction's entry, id), or 0. */
static uint32_t txn_request(const nmx_dctx_t *d, uint64_t id, const sip_msg_t *m)
{
    sip_txn_t t = txn_get(d, id);
    if (t.known && m->cseq == t.cseq && (t.state & 3) == TX_REQUEST && m->method == t.method)
        return t.msg_frame;
    return 0;
}

enum { SDP_OFFERED = 1, SDP_ANSWERED };

/* Follows the message's transaction (UDP) and says whether its SDP (if
 * any) announces, and with which setup frame (*setup; 0: its own, learned
 * again only when it says something new). */
static bool sip_setup(nmx_dctx_t *d, const nmx_cursor_t *c, const sip_msg_t *m, bool request, unsigned code,
                      uint32_t *setup)
{
    uint8_t alen, src[16], dst[16];
    *setup = 0;
    if (!nmx__learning(d) || d->ho_table == NMX_HO_TCP_PORT || d->ho_table == NMX_HO_TCP_HEUR)
        return true;
    *setup = d->fctx->number;
    if (!m->has_cseq || !nmx__learn_ip(d, &alen, src, dst))
        return true;
    int order = memcmp(src, dst, alen);
    bool fwd = order < 0 || (order == 0 && d->ho_sport <= d->ho_dport);
    uint32_t number = d->fctx->number, resent = txn_resend(d, txn_id(c, m->callid, fwd), m, request, code), had;
    if (request) {
        if (resent != 0)
            return !nmx__fact_get(d, NMX_FACT_SIP_SDP, resent, &had); /* tshark keeps the first one's */
        if (m->sdp)
            nmx__fact_set(d, NMX_FACT_SIP_SDP, number, SDP_OFFERED);
        return true;
    }
    if (resent != 0 || !((code >= 200 && code < 300) || code >= 400))
        return true; /* not an answer tshark matches: its own frame */
    uint32_t req = txn_request(d, txn_id(c, m->callid, !fwd), m);
    if (req == 0)
        return true;
    if (nmx__fact_get(d, NMX_FACT_SIP_SDP, req, &had) && had == SDP_ANSWERED)
        return false; /* answered already: tshark adds nothing */
    if (m->sdp)
        nmx__fact_set(d, NMX_FACT_SIP_SDP, req, SDP_ANSWERED);
    *setup = req;
    return true;
}

/* One message from `at` (its first line is kind k, ll bytes long); returns
 * its length: the headers, then Content-Length bytes of body (what is
 * there of it), or the rest without a Content-Length. */
static size_t sip_message(nmx_dctx_t *d, const nmx_cursor_t *c, size_t at, enum line_kind k, size_t ll)
{
    nmx_cursor_t m;
    if (!nmx__cur_from(c, at, &m))
        return c->left - at;
    size_t next, sp1 = 0, sp2 = 0;
    nmx__cur_line_end(&m, 0, &next);
    parse_first_line(&m, ll, &sp1, &sp2);
    sip_msg_t hm = {0};
    if (d->ws)
        sip_first_line(d, &m, k, ll, sp1, sp2);
    size_t body = sip_headers(d, &m, next, &hm);
    size_t blen = body < m.left ? m.left - body : 0;
    if (hm.has_clen && hm.clen < blen)
        blen = (size_t)hm.clen;
    hm.sdp = hm.sdp && blen > 0;
    uint32_t setup;
    bool announce = sip_setup(d, &m, &hm, k == LINE_REQUEST,
                              k == LINE_STATUS ? (unsigned)span_number(&m, (span_t){sp1 + 1, sp2}) : 0, &setup);
    if (body >= m.left)
        return m.left;
    nmx_cursor_t sdp;
    if (hm.sdp && nmx__cur_window(&m, body, blen, &sdp))
        nmx__dis_sdp(d, sdp, announce, setup);
    return body + blen;
}

/*
 * UDP (port or heuristic): one message, whose first line must be a request
 * or status line.  TCP: the messages of the segment one after the other;
 * on port 5060 a first line that is neither makes the rest a continuation
 * (sip.continuation), which the heuristic takes only after a first
 * message.  Each message, and a continuation, is a sip layer of its own,
 * as io,phs counts tshark's items (frame.protocols names sip once).  A first byte of 0xF8 or more over TCP is SigComp (a sip layer
 * here, SigComp not parsed); over UDP tshark hands it to SigComp at once
 * and there is no sip layer, here no SIP at all.
 */
static bool dis_sip(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    bool tcp = d->ho_table == NMX_HO_TCP_PORT || d->ho_table == NMX_HO_TCP_HEUR;
    bool port = d->ho_table == NMX_HO_TCP_PORT;
    uint8_t b0 = nmx__cur_get_u8(&c, 0);
    size_t ll = 0, sp1, sp2;
    if ((b0 & 0xf8) == 0xf8 && c.left > 0) {
        if (port)
            nmx__push_layer(d, proto, nmx__off(&c));
        return port;
    }
    if (!message_start(&c, 0, tcp, !port, &ll))
        return false;
    enum line_kind k = parse_first_line(&c, ll, &sp1, &sp2);
    if (k == LINE_OTHER && !port)
        return false;
    for (size_t at = 0; at < c.left;) {
        nmx_cursor_t m;
        if (at > 0 && (!nmx__cur_from(&c, at, &m) || !message_start(&m, 0, true, false, &ll)))
            break;
        if (at > 0)
            k = parse_first_line(&m, ll, &sp1, &sp2);
        if (!nmx__push_layer(d, proto, nmx__off(&c) + at))
            break;
        if (k == LINE_OTHER) {
            if (at == 0) /* tshark shows a later one without its data */
                nmx__add(d, &sip_fields[F_CONTINUATION], nmx__off(&c) + at, c.left - at);
            break;
        }
        at += sip_message(d, &c, at, k, ll);
        if (!tcp)
            break;
    }
    return true;
}
