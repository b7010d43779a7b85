/*
 * dis_imap.c - Internet Message Access Protocol (RFC 9051) on TCP 143.
 *
 *   request:  tag SP command [SP arguments] CRLF
 *   response: tag SP status [SP text] CRLF, or "*" SP data CRLF (untagged)
 *
 * As tshark 4.0 does with each segment on its own: a segment to the matched
 * port is a request (imap.isrequest).  One whose first five bytes are not
 * all printable is TLS (tshark's heuristic for a conversation already
 * encrypted: it hands it to TLS, so no IMAP layer).  A segment with no
 * complete line is not dissected at all, and a line without its end stops
 * the dissection (tshark asks for more data even with desegmentation off).
 * Each complete line is an imap.line (with its end).  An untagged line
 * ("*") is only that, unless one of its first three words is FETCH (or a
 * prefix of it): then the parenthesised data, with a literal {n} and its n
 * bytes (which tshark hands to IMF), must be complete, or the dissection
 * stops.  Any other line: imap.request / imap.response (without the end),
 * the first token as the tag, the second as the command (request) or
 * status (response), the third as the response command; a request's "UID"
 * (or a prefix of it) is imap.request.command.uid and the command follows
 * it; folder and login arguments as tshark finds them, with its quirks: a
 * token is ended by one space, a command matches any keyword it is a prefix
 * of, the password loses its first and last character, and a LOGIN without
 * a password of two characters or more ends the dissection.  tshark also
 * matches requests and replies by tag across segments and follows
 * STARTTLS, which is left out (docs/protocols.md).
 */
#include <string.h>

#include "proto/proto_int.h"

enum { F_ISREQUEST, F_LINE, F_REQUEST, F_REQ_TAG, F_RESPONSE, F_RSP_TAG, F_REQ_COMMAND, F_RSP_COMMAND,
       F_RSP_STATUS, F_TAG, F_COMMAND, F_FOLDER, F_UID, F_USERNAME, F_PASSWORD };

static nmx_field_t imap_fields[] = {
    [F_ISREQUEST] = NMX_F_BOOL("imap.isrequest", "Request", 1, 0),
    [F_LINE] = NMX_F_ASCII("imap.line", "Line"),
    [F_REQUEST] = NMX_F_ASCII("imap.request", "Request"),
    [F_REQ_TAG] = NMX_F_ASCII("imap.request_tag", "Request Tag"),
    [F_RESPONSE] = NMX_F_ASCII("imap.response", "Response"),
    [F_RSP_TAG] = NMX_F_ASCII("imap.response_tag", "Response Tag"),
    [F_REQ_COMMAND] = NMX_F_ASCII("imap.request.command", "Request Command"),
    [F_RSP_COMMAND] = NMX_F_ASCII("imap.response.command", "Response Command"),
    [F_RSP_STATUS] = NMX_F_ASCII("imap.response.status", "Response Status"),
    [F_TAG] = NMX_F_ASCII("imap.tag", "Tag"),
    [F_COMMAND] = NMX_F_ASCII("imap.command", "Command"),
    [F_FOLDER] = NMX_F_ASCII("imap.request.folder", "Request Folder"),
    [F_UID] = NMX_F_BOOL("imap.request.command.uid", "Request isUID", 1, 0),
    [F_USERNAME] = NMX_F_ASCII("imap.request.username", "Request Username"),
    [F_PASSWORD] = NMX_F_ASCII("imap.request.password", "Request Password"),
};

static nmx_dissect_fn dis_imap;

NMX_PROTOCOL(nmx__p_imap, NMX_PROTO_IMAP, "imap", "IMAP", NULL, "Internet Message Access Protocol", imap_fields,
             .dissect = dis_imap, NMX_HANDOFFS({NMX_HO_TCP_PORT, 143}));

/* A token of [at, end): up to a space or the end; *next after that one space. */
static size_t token(const nmx_cursor_t *c, size_t at, size_t end, size_t *next)
{
    size_t sp = nmx__cur_find(c, at, ' ');
    if (at >= end || sp >= end) {
        *next = end > at ? end : at;
        return end > at ? end - at : 0;
    }
    *next = sp + 1;
    return sp - at;
}

/* Whether the n bytes at `at` are a prefix of word (lower case), any case. */
static bool prefix_of(const nmx_cursor_t *c, size_t at, size_t n, const char *word)
{
    return n > 0 && n <= strlen(word) && nmx__cur_match_ci(c, at, word, n);
}

/* The state of one segment's dissection. */
typedef struct imap_seg {
    nmx_dctx_t *d;
    const nmx_cursor_t *c;
    size_t off;  /* the payload's frame offset */
    bool request;
} imap_seg_t;

static void add(const imap_seg_t *s, int f, size_t at, size_t len)
{
    nmx__add(s->d, &imap_fields[f], s->off + at, len);
}

/* LOGIN user password; false where tshark throws (no password of 2+). */
static bool login_args(const imap_seg_t *s, size_t at, size_t end)
{
    size_t unext, pnext;
    size_t ulen = token(s->c, at, end, &unext);
    add(s, F_USERNAME, at, ulen);
    size_t plen = token(s->c, unext, end, &pnext);
    if (plen < 2)
        return false;
    add(s, F_PASSWORD, unext + 1, plen - 2);
    return true;
}

/* The folder arguments and LOGIN of a request's command [cmd, cmd+n);
 * args is where the token after the command starts. */
static bool command_args(const imap_seg_t *s, size_t cmd, size_t n, size_t args, size_t end, size_t user)
{
    static const char *const folder_cmds[] = {"select", "examine", "create", "delete", "rename",
                                              "subscribe", "unsubscribe", "status", "append", "search"};
    size_t fnext, flen = token(s->c, args, end, &fnext);
    for (size_t i = 0; i < sizeof(folder_cmds) / sizeof(folder_cmds[0]); i++)
        if (prefix_of(s->c, cmd, n, folder_cmds[i])) {
            if (flen != 0)
                add(s, F_FOLDER, args, flen);
            return true;
        }
    if (prefix_of(s->c, cmd, n, "copy")) {
        size_t next, len = token(s->c, fnext, end, &next);
        if (len != 0)
            add(s, F_FOLDER, fnext, len);
        return true;
    }
    if (prefix_of(s->c, cmd, n, "starttls"))
        return true;
    if (prefix_of(s->c, cmd, n, "login"))
        return login_args(s, user, end);
    return true;
}

/* A tagged line [at, end); false where tshark's dissection stops. */
static bool tagged_line(const imap_seg_t *s, size_t at, size_t end)
{
    if (end > at)
        add(s, s->request ? F_REQUEST : F_RESPONSE, at, end - at);
    size_t next, len = token(s->c, at, end, &next);
    if (len != 0) {
        add(s, s->request ? F_REQ_TAG : F_RSP_TAG, at, len);
        add(s, F_TAG, at, len);
        at = next;
    }
    len = token(s->c, at, end, &next);
    if (len == 0)
        return true;
    if (!s->request) {
        add(s, F_RSP_STATUS, at, len);
        size_t cnext, clen = token(s->c, next, end, &cnext);
        if (clen > 0) {
            add(s, F_RSP_COMMAND, next, clen);
            add(s, F_COMMAND, next, clen);
        }
        return true;
    }
    if (prefix_of(s->c, at, len, "uid")) {
        nmx__add_uint(s->d, &imap_fields[F_UID], s->off + at, len, 1);
        size_t unext, ulen = token(s->c, next, end, &unext);
        if (ulen == 0)
            return true;
        add(s, F_REQ_COMMAND, next, ulen);
        add(s, F_COMMAND, at, len);
        return command_args(s, next, ulen, unext, end, next);
    }
    add(s, F_REQ_COMMAND, at, len);
    add(s, F_COMMAND, at, len);
    return command_args(s, at, len, next, end, next);
}

/* Where the line at `at` ends (CR or LF), and *next after its end; false
 * when it has none. */
static bool line_at(const nmx_cursor_t *c, size_t at, size_t *end, size_t *next)
{
    *end = nmx__cur_line_end(c, at, next);
    return *end < c->left;
}

/* A FETCH's data from fetch_at on (dissect_imap_fetch); *next may move past
 * a literal.  false when tshark would ask for more data. */
static bool fetch_data(const imap_seg_t *s, size_t at, size_t fetch_at, size_t *next)
{
    const nmx_cursor_t *c = s->c;
    size_t total = c->left, fp = nmx__cur_find(c, fetch_at, '(');
    if (fp + 1 >= total)
        return false;
    size_t brace = nmx__cur_find(c, fp, '{');
    if (brace >= total - 1) {
        size_t end, after;
        if (!line_at(c, fp, &end, &after))
            return false;
        *next = after;
        add(s, F_LINE, at, *next - at);
        return true;
    }
    size_t close = nmx__cur_find(c, brace + 1, '}');
    uint64_t size = 0;
    uint8_t b;
    if (close >= total || close == brace + 1)
        return false;
    for (size_t i = brace + 1; i < close; i++) {
        if (!nmx__cur_peek_u8(c, i, &b) || b < '0' || b > '9' || size > UINT32_MAX / 10)
            return false;
        size = size * 10 + (uint64_t)(b - '0');
    }
    if (size > UINT32_MAX || close + size >= total || nmx__cur_find(c, close + (size_t)size, ')') >= total)
        return false;
    add(s, F_LINE, at, *next - at);
    if (*next + size > total)
        return false; /* tshark throws handing the literal to IMF */
    *next += (size_t)size;
    return true;
}

/* An untagged line [at, end) ending at *next; false where tshark stops. */
static bool untagged_line(const imap_seg_t *s, size_t at, size_t *next)
{
    const nmx_cursor_t *c = s->c;
    size_t tok_at[3], tok_len[3], n = 0, pos = at + 1;
    while (n < 3) {
        size_t ws = pos;
        uint8_t b;
        while (ws < *next && nmx__cur_peek_u8(c, ws, &b) && b != ' ' && b != '\t' && b != '\r' && b != '\n')
            ws++;
        if (ws >= *next)
            break;
        if (ws > pos) {
            tok_at[n] = pos;
            tok_len[n++] = ws - pos;
        }
        pos = ws + 1;
    }
    for (size_t i = 0; n >= 2 && i < n; i++)
        if (prefix_of(c, tok_at[i], tok_len[i], "fetch"))
            return fetch_data(s, at, tok_at[i] + tok_len[i], next);
    add(s, F_LINE, at, *next - at);
    return true;
}

static bool dis_imap(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    uint8_t b;
    for (size_t i = 0; i < 5 && c.left >= 5; i++)
        if (!nmx__cur_peek_u8(&c, i, &b) || b < 0x20 || b > 0x7e) {
            if (nmx__tls_heur(c))
                nmx__dis_tls(d, c);
            return true;
        }
    size_t end, next;
    if (!line_at(&c, 0, &end, &next))
        return true; /* no complete line: tshark waits for more */
    if (!nmx__push_layer(d, proto, off) || !d->ws)
        return true;
    imap_seg_t s = {d, &c, off, d->ho_value == d->ho_dport};
    nmx__add_uint(d, &imap_fields[F_ISREQUEST], off, 0, s.request);
    for (size_t at = 0; at < c.left; at = next) {
        if (!line_at(&c, at, &end, &next))
            return true;
        if (nmx__cur_match(&c, at, "*", 1)) {
            if (!untagged_line(&s, at, &next))
                return true;
            continue;
        }
        add(&s, F_LINE, at, next - at);
        if (!tagged_line(&s, at, end))
            return true;
    }
    return true;
}
