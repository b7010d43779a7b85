/*
 * dis_smtp.c - Simple Mail Transfer Protocol (RFC 5321) on TCP 25 and 587.
 *
 *   request:  COMMAND [SP parameter] CRLF, one or more per segment
 *   response: code (3 digits) SP or "-" text CRLF, one or more lines
 *
 * As tshark 4.0 does with each segment on its own (desegmentation off) at
 * the start of a conversation: a segment to the matched port is a request.
 * Its lines are classified one by one: a line whose first word is four
 * letters, or STARTTLS, X-EXPS, X-LINK2STATE or XEXCH50, is a command;
 * after DATA (or BDAT) the lines are message data, up to the end of
 * message (".").  The last line decides what the segment is: commands,
 * when every line is shown with smtp.req, smtp.command_line (the line with
 * its end), smtp.req.command (its first four characters) and
 * smtp.req.parameter (from the sixth on); otherwise message data, a layer
 * without fields (tshark hands it to data-text-lines or, at the end of
 * message, to IMF, neither of which we parse).  A response shows smtp.rsp,
 * and for each line that starts with three digits the rest from the fifth
 * character as smtp.rsp.parameter; the line and its code (smtp.response,
 * smtp.response.code) only where a reply starts, not for the later lines
 * of a multi-line reply.
 *
 * tshark also keeps the conversation's state across segments: message data
 * sent in segments after DATA, the lines of an AUTH exchange (user name
 * and password, base64), and the TLS after STARTTLS are then shown as such.
 * Segments are dissected one by one here, each as the first of its
 * conversation (docs/protocols.md).
 */
#include <string.h>

#include "proto/proto_int.h"

enum { F_REQ, F_RSP, F_CMDLINE, F_CMD, F_PARAM, F_RESPONSE, F_CODE, F_RPARAM };

static nmx_field_t smtp_fields[] = {
    [F_REQ] = NMX_F_BOOL("smtp.req", "Request", 1, 0),
    [F_RSP] = NMX_F_BOOL("smtp.rsp", "Response", 1, 0),
    [F_CMDLINE] = NMX_F_ASCII("smtp.command_line", "Command Line"),
    [F_CMD] = NMX_F_ASCII("smtp.req.command", "Command"),
    [F_PARAM] = NMX_F_ASCII("smtp.req.parameter", "Request parameter"),
    [F_RESPONSE] = NMX_F_ASCII("smtp.response", "Response"),
    [F_CODE] = NMX_F_UINT("smtp.response.code", "Response code", NMX_BASE_DEC, 4, 0),
    [F_RPARAM] = NMX_F_ASCII("smtp.rsp.parameter", "Response parameter"),
};

static nmx_dissect_fn dis_smtp;

NMX_PROTOCOL(nmx__p_smtp, NMX_PROTO_SMTP, "smtp", "SMTP", NULL, "Simple Mail Transfer Protocol", smtp_fields,
             .dissect = dis_smtp, NMX_HANDOFFS({NMX_HO_TCP_PORT, 25}, {NMX_HO_TCP_PORT, 587}));

/* One line: its start, its length without the end, and where the next starts. */
typedef struct smtp_line {
    size_t at, len, next;
} smtp_line_t;

/* tvb_find_line_end: up to CR, LF or CRLF, or the end of the bytes. */
static smtp_line_t line_at(const nmx_cursor_t *c, size_t at)
{
    smtp_line_t l = {at, 0, 0};
    l.len = nmx__cur_line_end(c, at, &l.next) - at;
    return l;
}

static bool is_alpha(uint8_t b)
{
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
}

/* line_is_smtp_command: the first word (up to a space) of line l. */
static bool is_command(const nmx_cursor_t *c, const smtp_line_t *l)
{
    size_t w = nmx__cur_find(c, l->at, ' ');
    size_t n = (w < l->at + l->len ? w : l->at + l->len) - l->at;
    uint8_t b[4];
    if (n == 4 && nmx__cur_peek_copy(c, l->at, b, 4))
        return is_alpha(b[0]) && is_alpha(b[1]) && is_alpha(b[2]) && is_alpha(b[3]);
    static const char *const longer[] = {"STARTTLS", "X-EXPS", "X-LINK2STATE", "XEXCH50"};
    for (size_t i = 0; i < sizeof(longer) / sizeof(longer[0]); i++)
        if (n == strlen(longer[i]) && nmx__cur_match_ci(c, l->at, longer[i], n))
            return true;
    return false;
}

/* What the last line makes a request segment: commands or message data. */
static bool request_is_commands(const nmx_cursor_t *c)
{
    bool commands = true, data = false, crlf_seen = false;
    for (size_t at = 0; at < c->left;) {
        smtp_line_t l = line_at(c, at);
        if (data) {
            if ((crlf_seen && nmx__cur_match(c, at, ".\r\n", 3)) || nmx__cur_match(c, at, "\r\n.\r\n", 5))
                return false; /* the end of message */
            crlf_seen = c->left >= 2 && nmx__cur_match(c, c->left - 2, "\r\n", 2);
            commands = false;
        } else if (is_command(c, &l)) {
            data = nmx__cur_match_ci(c, at, "DATA", 4) || nmx__cur_match_ci(c, at, "BDAT", 4);
            commands = true;
        } else {
            commands = false;
        }
        at = l.next;
    }
    return commands;
}

static void smtp_request(nmx_dctx_t *d, const nmx_cursor_t *c, size_t off)
{
    for (size_t at = 0; at < c->left;) {
        smtp_line_t l = line_at(c, at);
        nmx__add_uint(d, &smtp_fields[F_REQ], off, 0, 1);
        nmx__add(d, &smtp_fields[F_CMDLINE], off + at, l.next - at);
        nmx__add(d, &smtp_fields[F_CMD], off + at, l.len < 4 ? l.len : 4);
        if (l.len > 5)
            nmx__add(d, &smtp_fields[F_PARAM], off + at + 5, l.len - 5);
        at = l.next;
    }
}

/* The three digits at the start of line l, or -1. */
static int line_code(const nmx_cursor_t *c, const smtp_line_t *l)
{
    uint8_t b[3];
    if (l->len < 3 || !nmx__cur_peek_copy(c, l->at, b, 3))
        return -1;
    for (int i = 0; i < 3; i++)
        if (b[i] < '0' || b[i] > '9')
            return -1;
    return (b[0] - '0') * 100 + (b[1] - '0') * 10 + (b[2] - '0');
}

static void smtp_response(nmx_dctx_t *d, const nmx_cursor_t *c, size_t off)
{
    nmx__add_uint(d, &smtp_fields[F_RSP], off, 0, 1);
    enum { ML_NONE, ML_START, ML_CONTINUE, ML_END } ml = ML_NONE;
    for (size_t at = 0; at < c->left;) {
        smtp_line_t l = line_at(c, at);
        int code = line_code(c, &l);
        if (code >= 0) {
            if (l.len > 3 && nmx__cur_match(c, at + 3, "-", 1))
                ml = ml == ML_NONE ? ML_START : ML_CONTINUE;
            else if (ml == ML_START || ml == ML_CONTINUE)
                ml = ML_END;
            if (ml != ML_CONTINUE && ml != ML_END) {
                nmx__add(d, &smtp_fields[F_RESPONSE], off + at, l.next - at);
                nmx__add_uint(d, &smtp_fields[F_CODE], off + at, 3, (unsigned)code);
            }
            if (l.len >= 4)
                nmx__add(d, &smtp_fields[F_RPARAM], off + at + 4, l.len - 4);
            if (ml == ML_END)
                ml = ML_NONE;
        }
        at = l.next;
    }
}

static bool dis_smtp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, proto, off) || !d->ws)
        return true;
    if (d->ho_value != d->ho_dport)
        smtp_response(d, &c, off);
    else if (request_is_commands(&c))
        smtp_request(d, &c, off);
    return true;
}
