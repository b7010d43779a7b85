/*
 * dis_pop.c - Post Office Protocol version 3 (RFC 1939) on TCP 110.
 *
 *   request:  COMMAND [SP argument ...] CRLF
 *   response: +OK or -ERR [SP text] CRLF, then for some replies more lines
 *
 * As tshark 4.0: a segment to the matched port is a request; a segment
 * from it that does not start with "+OK" or "-ERR" is message data (tshark
 * reassembles it and hands it to IMF, which we do not parse: a layer
 * without fields).  Otherwise the first line is pop.request or pop.response
 * (an item whose value is empty: tshark shows the line only in its label),
 * its first token (up to a space, CR or LF) the command or the indicator,
 * and the rest after the spaces that follow it the parameter or the
 * description; each later line of the segment is a pop.request.data or
 * pop.response.data item, again with an empty value.  tshark also follows
 * RETR/TOP replies and STLS across segments, which is left out here
 * (segments are dissected one by one; docs/protocols.md).
 */
#include "proto/proto_int.h"

enum { F_RESPONSE, F_INDICATOR, F_DESCRIPTION, F_RSP_DATA, F_REQUEST, F_COMMAND, F_PARAMETER, F_REQ_DATA };

static nmx_field_t pop_fields[] = {
    [F_RESPONSE] = NMX_F_STRING("pop.response", "Response"),
    [F_INDICATOR] = NMX_F_ASCII("pop.response.indicator", "Response indicator"),
    [F_DESCRIPTION] = NMX_F_ASCII("pop.response.description", "Response description"),
    [F_RSP_DATA] = NMX_F_STRING("pop.response.data", "Data"),
    [F_REQUEST] = NMX_F_STRING("pop.request", "Request"),
    [F_COMMAND] = NMX_F_ASCII("pop.request.command", "Request command"),
    [F_PARAMETER] = NMX_F_ASCII("pop.request.parameter", "Request parameter"),
    [F_REQ_DATA] = NMX_F_STRING("pop.request.data", "Data"),
};

static nmx_dissect_fn dis_pop;

NMX_PROTOCOL(nmx__p_pop, NMX_PROTO_POP, "pop", "POP", NULL, "Post Office Protocol", pop_fields,
             .dissect = dis_pop, NMX_HANDOFFS({NMX_HO_TCP_PORT, 110}));

/* An item whose value is empty (the line is in tshark's label only). */
static void empty_item(nmx_dctx_t *d, int f, size_t off, size_t len)
{
    nmx__add_str(d, &pop_fields[f], off, len, "", 0);
}

static bool dis_pop(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, proto, off) || !d->ws)
        return true;
    bool request = d->ho_value == d->ho_dport;
    if (!request && !nmx__cur_match(&c, 0, "+OK", 3) && !nmx__cur_match(&c, 0, "-ERR", 4))
        return true; /* message data */
    size_t next, ll = nmx__cur_line_end(&c, 0, &next);
    empty_item(d, request ? F_REQUEST : F_RESPONSE, off, next);
    /* get_token_len: up to a space (CR and LF end the line already). */
    size_t tok = nmx__cur_find(&c, 0, ' ');
    if (tok > ll)
        tok = ll;
    size_t a = 0;
    if (tok != 0) {
        nmx__add(d, &pop_fields[request ? F_COMMAND : F_INDICATOR], off, tok);
        for (a = tok; a < ll && nmx__cur_match(&c, a, " ", 1); a++)
            ;
    }
    if (a < ll)
        nmx__add(d, &pop_fields[request ? F_PARAMETER : F_DESCRIPTION], off + a, ll - a);
    for (size_t at = next; at < c.left; at = next) {
        nmx__cur_line_end(&c, at, &next);
        empty_item(d, request ? F_REQ_DATA : F_RSP_DATA, off + at, next - at);
    }
    return true;
}
