/*
 * dis_http.c - HTTP/1.x messages (RFC 9112): request and status lines and
 * common header fields; also SSDP (HTTP over UDP port 1900), which uses the
 * same fields, as in Wireshark.
 *
 *   request:  METHOD SP request-target SP HTTP-version CRLF
 *   response: HTTP-version SP status-code SP reason-phrase CRLF
 *   then header fields "Name: value" CRLF ... and an empty line.
 *
 * Segments are dissected alone (no reassembly): a segment that does not
 * start with a request or status line is a continuation, an http layer
 * when a request was seen on its connection before (a fact of the
 * connection, learn.c) or its first line passes for a header line, and
 * nothing otherwise, as tshark shows it (continuation_shown); a
 * connection HTTP's TCP heuristic claimed is HTTP from the next segment on
 * (learned).  The headers end at an empty line or a header line without a
 * colon, and the rest of the segment may hold more messages (pipelined
 * requests, responses after a Content-Length or chunked body: next_message),
 * as tshark reads them.  The NTLMSSP or GSS-API (SPNEGO, Kerberos) token of
 * an authentication header is decoded from base64 and read (auth_header).
 */
#include <string.h>

#include "proto/proto_int.h"

enum { F_METHOD, F_URI, F_REQ_VERSION, F_RESP_VERSION, F_CODE, F_PHRASE, F_HOST, F_USER_AGENT,
       F_CONTENT_TYPE, F_SERVER };

static nmx_field_t http_fields[] = {
    [F_METHOD] = NMX_F_STRING("http.request.method", "Request Method"),
    [F_URI] = NMX_F_STRING("http.request.uri", "Request URI"),
    [F_REQ_VERSION] = NMX_F_STRING("http.request.version", "Request Version"),
    [F_RESP_VERSION] = NMX_F_STRING("http.response.version", "Response Version"),
    [F_CODE] = NMX_F_UINT("http.response.code", "Status Code", NMX_BASE_DEC, 2, 0),
    [F_PHRASE] = NMX_F_STRING("http.response.phrase", "Response Phrase"),
    [F_HOST] = NMX_F_STRING("http.host", "Host"),
    [F_USER_AGENT] = NMX_F_STRING("http.user_agent", "User-Agent"),
    [F_CONTENT_TYPE] = NMX_F_STRING("http.content_type", "Content-Type"),
    [F_SERVER] = NMX_F_STRING("http.server", "Server"),
};

static nmx_dissect_fn http_handoff;

/* Wireshark 4.0's default HTTP TCP ports ("http.tcp.port"). */
NMX_PROTOCOL(nmx__p_http, NMX_PROTO_HTTP, "http", "HTTP", NULL, "Hypertext Transfer Protocol", http_fields,
             .dissect = http_handoff,
             /* the ntlmssp.* and kerberos.* fields of authentication headers, as in tshark */
             .borrows = {NMX_PROTO_NTLMSSP, NMX_PROTO_KERBEROS},
             NMX_HANDOFFS({NMX_HO_TCP_PORT, 80}, {NMX_HO_TCP_PORT, 631}, {NMX_HO_TCP_PORT, 1900},
                          {NMX_HO_TCP_PORT, 2710}, {NMX_HO_TCP_PORT, 2869}, {NMX_HO_TCP_PORT, 3128},
                          {NMX_HO_TCP_PORT, 3132}, {NMX_HO_TCP_PORT, 3689}, {NMX_HO_TCP_PORT, 5985},
                          {NMX_HO_TCP_PORT, 8080}, {NMX_HO_TCP_PORT, 8088}, {NMX_HO_TCP_PORT, 11371},
                          {NMX_HO_TCP_HEUR, 20}));
NMX_PROTOCOL_NOFIELDS(nmx__p_ssdp, NMX_PROTO_SSDP, "ssdp", "SSDP", NULL, "Simple Service Discovery Protocol",
                      .dissect = http_handoff, NMX_HANDOFFS({NMX_HO_UDP_PORT, 1900}));

/* The methods tshark 4.0 recognises (is_http_request_or_reply), case
 * sensitive; each may carry the "M-" prefix of RFC 2774 ("M-SEARCH").  Their
 * lengths are kept with them: start_line() runs on every TCP payload. */
#define M(name) {name, sizeof name - 1}
static const struct {
    const char *name;
    size_t len;
} methods[] = {
    M("GET"), M("PUT"), M("COPY"), M("HEAD"), M("LOCK"), M("MOVE"), M("POLL"), M("POST"), M("BCOPY"),
    M("BMOVE"), M("MKCOL"), M("TRACE"), M("PATCH"), M("LABEL"), M("MERGE"), M("DELETE"), M("SEARCH"),
    M("UNLOCK"), M("REPORT"), M("UPDATE"), M("NOTIFY"), M("BDELETE"), M("CONNECT"), M("OPTIONS"),
    M("CHECKIN"), M("PROPFIND"), M("CHECKOUT"), M("CCM_POST"), M("SUBSCRIBE"), M("PROPPATCH"),
    M("BPROPFIND"), M("BPROPPATCH"), M("UNCHECKOUT"), M("MKACTIVITY"), M("MKWORKSPACE"), M("RPC_CONNECT"),
    M("RPC_IN_DATA"), M("UNSUBSCRIBE"), M("RPC_OUT_DATA"), M("VERSION-CONTROL"), M("BASELINE-CONTROL"),
    M("SSTP_DUPLEX_POST"),
};
#undef M

/* Length of the line at `from` (up to CR or LF), or up to the end if none ends it. */
static size_t line_len(const nmx_cursor_t *c, size_t from)
{
    return nmx__cur_find2(c, from, '\r', '\n') - from;
}

/*
 * The first line of c (ll bytes) as tshark 4.0 judges it: a status line if
 * it starts with "HTTP/"; a request line if the text up to its first space
 * (or the whole line), after an optional "M-", is one of methods[] exactly;
 * *mlen then gets the method's length (with the "M-").
 */
enum start_line { LINE_OTHER, LINE_REQUEST, LINE_RESPONSE };

static enum start_line start_line(const nmx_cursor_t *c, size_t ll, size_t *mlen)
{
    if (ll >= 5 && nmx__cur_match(c, 0, "HTTP/", 5))
        return LINE_RESPONSE;
    size_t skip = ll >= 2 && nmx__cur_match(c, 0, "M-", 2) ? 2 : 0;
    uint8_t first;
    if (!nmx__cur_peek_u8(c, skip, &first) || first < 'A' || first > 'Z')
        return LINE_OTHER; /* every method starts with a capital: most payloads stop here */
    size_t k = nmx__cur_find(c, skip, ' ');
    if (k > ll)
        k = ll;
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (methods[i].len == k - skip && nmx__cur_match(c, skip, methods[i].name, k - skip)) {
            *mlen = k;
            return LINE_REQUEST;
        }
    }
    return LINE_OTHER;
}

/* Adds a header value (after "Name:" and spaces, without the line end). */
static void header_value(nmx_dctx_t *d, const nmx_field_t *f, const nmx_cursor_t *line,
                         size_t namelen)
{
    size_t i = namelen, len = line->left;
    uint8_t b;
    while (nmx__cur_peek_u8(line, i, &b) && (b == ' ' || b == '\t'))
        i++;
    nmx__add(d, f, nmx__off(line) + i, len - i);
}

/*
 * An Authorization, Proxy-Authorization, WWW-Authenticate or
 * Proxy-Authenticate header line (the name namelen bytes long, with its
 * colon): as tshark's check_auth_ntlmssp and check_auth_kerberos do, a
 * value starting with "NTLM " or "Negotiate " (or "Kerberos ") holds a
 * base64 token, decoded and read as NTLMSSP when it starts so, else as a
 * GSS-API token (dis_ntlmssp.c); its fields, stored by value, go into
 * this layer at the place of the base64 text.
 */
static void auth_header(nmx_dctx_t *d, const nmx_cursor_t *line, size_t namelen)
{
    static const struct {
        const char *scheme;
        size_t len;
    } schemes[] = {{"NTLM ", 5}, {"Negotiate ", 10}, {"Kerberos ", 9}};
    size_t i = namelen;
    uint8_t b;
    nmx_cursor_t tok;
    while (nmx__cur_peek_u8(line, i, &b) && (b == ' ' || b == '\t'))
        i++;
    for (size_t k = 0; k < sizeof schemes / sizeof schemes[0]; k++) {
        if (!nmx__cur_match(line, i, schemes[k].scheme, schemes[k].len))
            continue;
        i += schemes[k].len;
        if (nmx__decoded_begin(d, line, i, line->left - i, &tok)) {
            nmx__dis_security_blob(d, tok);
            nmx__decoded_end(d);
        }
        return;
    }
}

/*
 * Wireshark's heuristic takes a complete first line that starts or ends with
 * HTTP/1.x (any case) and hands it to the HTTP dissector, which then drops a
 * first line that is neither a request nor a status line: no HTTP at all.
 */
bool nmx__http_heur(nmx_cursor_t c)
{
    size_t ll = line_len(&c, 0);
    if (ll == c.left || ll == 8)
        return false; /* no complete first line */
    if (ll < 8)
        return false;
    if (!nmx__cur_match_ci(&c, 0, "HTTP/1.1", 8) && !nmx__cur_match_ci(&c, 0, "HTTP/1.0", 8) &&
        !nmx__cur_match_ci(&c, ll - 8, "HTTP/1.1", 8) && !nmx__cur_match_ci(&c, ll - 8, "HTTP/1.0", 8))
        return false;
    size_t mlen;
    return start_line(&c, ll, &mlen) != LINE_OTHER;
}

/* The header lines read (case-insensitive names, with their colon): the
 * field of each, F_AUTH for the authentication headers (auth_header), or
 * one of the two that bound a request's body (body_bounds). */
#define F_AUTH (-1)
#define F_LENGTH (-2)
#define F_CHUNKED (-3)
static const struct {
    const char *name;
    size_t len;
    int field;
} headers[] = {
    {"Host:", 5, F_HOST},
    {"User-Agent:", 11, F_USER_AGENT},
    {"Content-Type:", 13, F_CONTENT_TYPE},
    {"Server:", 7, F_SERVER},
    {"Authorization:", 14, F_AUTH},
    {"WWW-Authenticate:", 17, F_AUTH},
    {"Proxy-Authorization:", 20, F_AUTH},
    {"Proxy-Authenticate:", 19, F_AUTH},
    {"Content-Length:", 15, F_LENGTH},
    {"Transfer-Encoding:", 18, F_CHUNKED},
};

/* What a message's header lines said (header_lines). */
typedef struct http_msg {
    enum start_line kind; /* the message's start line; the last one wins */
    bool fields;          /* add the fields (a full dissection) */
    bool chunked;         /* a Transfer-Encoding header */
    bool has_length;
    uint64_t length;      /* Content-Length's value */
    size_t end;           /* where the body starts: after the empty line or at the
                             colon-less line that ended the headers; SIZE_MAX when
                             the segment ended first */
} http_msg_t;

/* A header line h whose name is headers[k]: its field, its token, or the
 * body's bounds (Content-Length's decimal value, Transfer-Encoding). */
static void header_line(nmx_dctx_t *d, const nmx_cursor_t *h, size_t k, http_msg_t *msg)
{
    if (headers[k].field == F_LENGTH) {
        size_t i = headers[k].len;
        uint8_t b;
        while (nmx__cur_peek_u8(h, i, &b) && (b == ' ' || b == '\t'))
            i++;
        msg->has_length = true;
        msg->length = 0;
        for (; nmx__cur_peek_u8(h, i, &b) && b >= '0' && b <= '9' && msg->length < UINT32_MAX; i++)
            msg->length = msg->length * 10 + (uint64_t)(b - '0');
    } else if (headers[k].field == F_CHUNKED) {
        msg->chunked = true;
    } else if (!msg->fields) {
        return;
    } else if (headers[k].field == F_AUTH) {
        auth_header(d, h, headers[k].len);
    } else {
        header_value(d, &http_fields[headers[k].field], h, headers[k].len);
    }
}

static void start_line_fields(nmx_dctx_t *d, const nmx_cursor_t *c, enum start_line kind, size_t ll,
                              size_t mlen);

/*
 * A line without a colon among the header lines (h, not cut off by the
 * segment end): a request or status line there is read into the message, as
 * tshark 4.0 does (the last one sets its kind); any other ends the headers
 * (msg->end = pos), and the rest of the segment goes on as the body.
 * False when it ended them.
 */
static bool colonless_line(nmx_dctx_t *d, const nmx_cursor_t *h, size_t pos, http_msg_t *msg)
{
    size_t mlen = 0;
    enum start_line kind = start_line(h, h->left, &mlen);
    if (kind == LINE_OTHER) {
        msg->end = pos;
        return false;
    }
    msg->kind = kind;
    if (msg->fields)
        start_line_fields(d, h, kind, h->left, mlen);
    return true;
}

/* The header lines after a start line of ll bytes: the fields we keep,
 * the authentication tokens and the body's bounds (at most 256 lines). */
static void header_lines(nmx_dctx_t *d, const nmx_cursor_t *c, size_t ll, http_msg_t *msg)
{
    size_t pos = ll, n = c->left;
    for (int lines = 0; lines < 256; lines++) {
        if (nmx__cur_match(c, pos, "\r", 1))
            pos++;
        if (nmx__cur_match(c, pos, "\n", 1))
            pos++;
        if (pos >= n)
            break;
        size_t hl = line_len(c, pos);
        if (hl == 0) { /* the empty line: the body follows it */
            (void)nmx__cur_line_end(c, pos, &msg->end);
            break;
        }
        nmx_cursor_t h;
        if (!nmx__cur_window(c, pos, hl, &h))
            break;
        if (pos + hl < n && nmx__cur_find(&h, 0, ':') >= hl) {
            if (!colonless_line(d, &h, pos, msg))
                break;
            pos += hl;
            continue;
        }
        uint8_t first = (uint8_t)(nmx__cur_get_u8(&h, 0) | 0x20); /* the names start with letters */
        for (size_t k = 0; k < sizeof headers / sizeof headers[0]; k++) {
            if (((uint8_t)headers[k].name[0] | 0x20) == first &&
                nmx__cur_match_ci(&h, 0, headers[k].name, headers[k].len)) {
                header_line(d, &h, k, msg);
                break;
            }
        }
        pos += hl;
    }
}

/* The request or status line's fields (the line ll bytes long). */
static void start_line_fields(nmx_dctx_t *d, const nmx_cursor_t *c, enum start_line kind, size_t ll,
                              size_t mlen)
{
    size_t off = nmx__off(c);
    if (kind == LINE_REQUEST) {
        /* tshark adds the URI and the version even when the line ends first. */
        nmx__add(d, &http_fields[F_METHOD], off, mlen);
        size_t u = mlen < ll ? mlen + 1 : ll;
        size_t ue = nmx__cur_find(c, u, ' ');
        if (ue > ll)
            ue = ll;
        nmx__add(d, &http_fields[F_URI], off + u, ue - u);
        size_t v = ue < ll ? ue + 1 : ll;
        nmx__add(d, &http_fields[F_REQ_VERSION], off + v, ll - v);
        return;
    }
    size_t v = nmx__cur_find(c, 0, ' ');
    if (v > ll)
        v = ll;
    nmx__add(d, &http_fields[F_RESP_VERSION], off, v);
    size_t s = v + 1;
    uint8_t dg[3];
    if (s + 3 <= ll && nmx__cur_peek_copy(c, s, dg, 3) && dg[0] >= '0' && dg[0] <= '9' && dg[1] >= '0' &&
        dg[1] <= '9' && dg[2] >= '0' && dg[2] <= '9') {
        unsigned code = (unsigned)(dg[0] - '0') * 100 + (unsigned)(dg[1] - '0') * 10 + (unsigned)(dg[2] - '0');
        nmx__add_uint(d, &http_fields[F_CODE], off + s, 3, code);
        if (s + 4 <= ll)
            nmx__add(d, &http_fields[F_PHRASE], off + s + 4, ll - s - 4);
    }
}

/* Whether a first line that is no request or status line is a header
 * line for tshark 4.0: its first byte printable ASCII (tshark takes any
 * other as binary data) and a colon somewhere in it. */
static bool header_first(const nmx_cursor_t *c)
{
    uint8_t b;
    return nmx__cur_peek_u8(c, 0, &b) && b >= 0x20 && b < 0x7f && nmx__cur_find(c, 0, ':') < line_len(c, 0);
}

/* Whether a status line (ll bytes) has a status that has no body: 1xx,
 * 204 or 304 (RFC 9112 6.3). */
static bool bodyless_status(const nmx_cursor_t *c, size_t ll)
{
    size_t s = nmx__cur_find(c, 0, ' ') + 1;
    uint8_t dg[3];
    if (s + 3 > ll || !nmx__cur_peek_copy(c, s, dg, 3))
        return false;
    return dg[0] == '1' || (dg[0] == '2' && dg[1] == '0' && dg[2] == '4') ||
           (dg[0] == '3' && dg[1] == '0' && dg[2] == '4');
}

/* Where the lines from `at` in c end: after the first empty one, or
 * SIZE_MAX when the segment ends first. */
static size_t lines_end(const nmx_cursor_t *c, size_t at)
{
    for (unsigned lines = 0; lines < 256; lines++) {
        size_t next, e = nmx__cur_line_end(c, at, &next);
        if (e >= c->left)
            return SIZE_MAX;
        if (e == at)
            return next;
        at = next;
    }
    return SIZE_MAX;
}

/*
 * Where a chunked body that starts at `at` in c ends, as tshark 4.0's chunk
 * reader walks it: a size line (hex digits, read as strtol reads them:
 * none is 0; extensions after ';' ignored), the chunk, two bytes for its
 * CRLF; after the chunk of size 0, trailer lines up to an empty line.
 * SIZE_MAX when the segment ends first (tshark then takes the rest as the
 * body).
 */
static size_t chunked_end(const nmx_cursor_t *c, size_t at)
{
    for (unsigned chunks = 0; chunks < 4096; chunks++) {
        size_t next, e = nmx__cur_line_end(c, at, &next);
        if (e == at || e >= c->left)
            return SIZE_MAX;
        uint64_t size = 0;
        uint8_t b;
        for (size_t i = at; i < e && nmx__cur_peek_u8(c, i, &b) && size <= c->left; i++) {
            uint8_t lc = (uint8_t)(b | 0x20);
            if (b >= '0' && b <= '9')
                size = size * 16 + (unsigned)(b - '0');
            else if (lc >= 'a' && lc <= 'f')
                size = size * 16 + (unsigned)(lc - 'a' + 10);
            else
                break; /* strtol stops at the first byte that is no hex digit */
        }
        if (size == 0) /* the last chunk: trailer lines up to an empty line */
            return lines_end(c, next);
        if (size > c->left || next + size + 2 > c->left)
            return SIZE_MAX;
        at = next + (size_t)size + 2;
    }
    return SIZE_MAX;
}

/*
 * Where the next message of the segment starts after a message whose body
 * starts at msg->end (in c, after the empty line or at the colon-less line
 * that ended the headers), as tshark 4.0 finds it (checked on hand-built
 * segments, test_tshark_apps.c): after the Content-Length bytes of its
 * body (a 304's and a response to HEAD's too) or its chunked body; without
 * either, a request and a response whose status has no body (bodyless) end
 * there, and any other response and a continuation take the rest of the
 * segment as their body.  SIZE_MAX when no message follows.
 */
static size_t next_message(const nmx_cursor_t *c, const http_msg_t *msg, bool bodyless)
{
    if (msg->end == SIZE_MAX || msg->kind == LINE_OTHER)
        return SIZE_MAX;
    if (!msg->chunked && !msg->has_length && msg->kind == LINE_RESPONSE && !bodyless)
        return SIZE_MAX;
    uint64_t next = msg->chunked ? chunked_end(c, msg->end) : msg->end + msg->length; /* 0 without one */
    return next < c->left ? (size_t)next : SIZE_MAX; /* a message starts before the end */
}

/*
 * continuation_shown: tshark's HTTP shows a continuation (a TCP payload that
 * starts with neither a request nor a status line) as an http item on a
 * connection where it has seen a request; before that only when its first
 * line is a header line (header_first: binary data can pass for one), else
 * it takes the payload and shows nothing (checked with tshark 4.0 on
 * hand-built connections, test_tshark_apps.c).  That needs the connection's
 * history (a fact, learn.c): a dissection without it shows the item.  As
 * tshark, a message of more than 3 bytes that starts with CRLF is read
 * after it (RFC 9112 2.2).  *requested: a request was read earlier in the
 * segment (the fact is seen from the next frame on).  Returns where the
 * segment's next message starts in c (next_message), or SIZE_MAX.
 */
static size_t http_message(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto, bool history, bool *requested)
{
    size_t off = nmx__off(&c);
    nmx_cursor_t m = c;
    size_t lead = c.left > 3 && nmx__cur_match(&c, 0, "\r\n", 2) ? 2 : 0;
    nmx__cur_skip(&m, lead);
    /* Every start line begins with a capital (a method, "HTTP/"): a body's
     * continuation is told without looking for its line end. */
    size_t ll = 0, mlen = 0;
    http_msg_t msg = {.kind = LINE_OTHER, .fields = d->ws != NULL, .end = SIZE_MAX};
    uint8_t first;
    if (nmx__cur_peek_u8(&m, 0, &first) && first >= 'A' && first <= 'Z') {
        ll = line_len(&m, 0);
        msg.kind = start_line(&m, ll, &mlen);
    }
    uint32_t seen;
    if (history && msg.kind == LINE_REQUEST)
        nmx__fact_set(d, NMX_FACT_HTTP_REQUEST, 0, 1); /* for the connection's later segments */
    bool shown = msg.kind != LINE_OTHER || !history || *requested ||
                 nmx__fact_get(d, NMX_FACT_HTTP_REQUEST, 0, &seen);
    bool header = msg.kind == LINE_OTHER && (d->ws || !shown) && header_first(&m);
    if (!shown && !header)
        return SIZE_MAX; /* continuation_shown: no item */
    if (!nmx__push_layer(d, proto, off))
        return SIZE_MAX;
    bool bodyless = msg.kind == LINE_RESPONSE && bodyless_status(&m, ll);
    if (msg.kind != LINE_OTHER) {
        if (msg.fields)
            start_line_fields(d, &m, msg.kind, ll, mlen);
        header_lines(d, &m, ll, &msg);
    } else if (header && d->ws) {
        header_lines(d, &m, 0, &msg); /* tshark reads the header lines of a continuation too */
    }
    *requested = *requested || msg.kind == LINE_REQUEST;
    size_t next = next_message(&m, &msg, bodyless);
    return next == SIZE_MAX ? next : lead + next;
}

/* The messages of an HTTP payload: the first, and, with the connection's
 * history (whether the next one is shown depends on it), those after it
 * (http_message, next_message).  Without it the payload is one message,
 * and a recognize pass needs no more than its layer. */
void nmx__dis_http(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    /* Over TCP with the connection's history (continuation_shown). */
    bool history = proto == NMX_PROTO_HTTP && d->fctx != NULL && d->fctx->learned != NULL;
    if (!history && !d->ws) {
        nmx__push_layer(d, proto, nmx__off(&c));
        return;
    }
    bool requested = false;
    for (int k = 0; k < 16; k++) {
        size_t next = http_message(d, c, proto, history, &requested);
        if (!history || next == SIZE_MAX || next == 0 || !nmx__cur_skip(&c, next))
            return;
    }
}

/* A hand-off to HTTP or SSDP (proto); the TCP heuristic takes only a
 * payload that starts with an HTTP request or status line.  A segment on
 * an HTTP port that starts with HTTP/2's connection preface is HTTP/2
 * (h2c with prior knowledge), without an http layer, as in tshark. */
static bool http_handoff(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    if (d->ho_table == NMX_HO_TCP_HEUR) {
        if (!nmx__http_heur(c))
            return false;
        /* tshark's heuristic makes HTTP the dissector of the whole TCP
         * connection: its later segments, a body's continuation among
         * them, are HTTP, both ways. */
        nmx__learn_connection(d, NMX_PROTO_HTTP);
    }
    int preface = d->ho_table == NMX_HO_TCP_PORT ? nmx__http2_preface(c) : 0;
    if (preface == 24)
        nmx__dis_http2(d, c); /* tshark's HTTP hands it on before adding its item */
    if (preface) /* a part of the preface: tshark waits for the rest, no layer */
        return true;
    nmx__dis_http(d, c, proto);
    return true;
}
