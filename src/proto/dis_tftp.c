/*
 * dis_tftp.c - Trivial File Transfer Protocol (RFC 1350, options RFC 2347)
 * on UDP 69, and requests elsewhere by tshark's heuristic.
 *
 *   RRQ/WRQ  | 01/02 | filename | 0 | mode | 0 | [option | 0 | value | 0]...
 *   DATA     | 03    | block    | data ...
 *   ACK      | 04    | block
 *   ERROR    | 05    | code     | message | 0
 *   OACK     | 06    | [option | 0 | value | 0]...
 *
 * As tshark 4.0: on port 69 every payload is TFTP (a payload under 2 bytes
 * is malformed); on other ports tshark's UDP heuristic takes a payload
 * whose bytes after the first two are all printable ASCII or NUL, with an
 * even, nonzero number of NULs, and whose second string (the mode) is
 * netascii, octet or mail in any case; it does not look at the opcode.  A
 * string without its NUL ends the message (tshark throws there); an option
 * is shown only with its value.  tshark also follows the transfer: after a
 * request it dissects the server's DATA, ACK and ERROR from its new port
 * as TFTP and repeats the request's file name in them.  Frames are
 * dissected one by one here, so those replies are not recognised and no
 * file name is repeated (docs/protocols.md, "Deliberate differences").
 */
#include "proto/proto_int.h"

enum { F_OPCODE, F_SOURCE, F_DEST, F_TYPE, F_OPT_NAME, F_OPT_VALUE, F_BLOCK, F_ERR_CODE, F_ERR_MSG };

static nmx_field_t tftp_fields[] = {
    [F_OPCODE] = NMX_F_UINT("tftp.opcode", "Opcode", NMX_BASE_DEC, 2, 0),
    [F_SOURCE] = NMX_F_STRING("tftp.source_file", "Source File"),
    [F_DEST] = NMX_F_STRING("tftp.destination_file", "Destination File"),
    [F_TYPE] = NMX_F_STRING("tftp.type", "Type"),
    [F_OPT_NAME] = NMX_F_STRING("tftp.option.name", "Option name"),
    [F_OPT_VALUE] = NMX_F_STRING("tftp.option.value", "Option value"),
    [F_BLOCK] = NMX_F_UINT("tftp.block", "Block", NMX_BASE_DEC, 2, 0),
    [F_ERR_CODE] = NMX_F_UINT("tftp.error.code", "Error code", NMX_BASE_DEC, 2, 0),
    [F_ERR_MSG] = NMX_F_STRING("tftp.error.message", "Error message"),
};

static nmx_dissect_fn dis_tftp;

NMX_PROTOCOL(nmx__p_tftp, NMX_PROTO_TFTP, "tftp", "TFTP", NULL, "Trivial File Transfer Protocol", tftp_fields,
             .dissect = dis_tftp, NMX_HANDOFFS({NMX_HO_UDP_PORT, 69}, {NMX_HO_UDP_HEUR, 20}));

/* tshark's UDP heuristic for a TFTP request (is_valid_request_body). */
static bool tftp_heur(const nmx_cursor_t *c)
{
    unsigned zeros = 0;
    uint8_t b;
    for (size_t i = 2; nmx__cur_peek_u8(c, i, &b); i++) {
        if (b == 0)
            zeros++;
        else if (b < 0x20 || b > 0x7e)
            return false;
    }
    if (zeros == 0 || zeros % 2 != 0)
        return false;
    size_t mode = nmx__cur_find(c, 2, 0) + 1;
    size_t len = nmx__cur_find(c, mode, 0) - mode;
    static const char *const modes[] = {"netascii", "octet", "mail"};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
        if (len == strlen(modes[i]) && nmx__cur_match_ci(c, mode, modes[i], len))
            return true;
    return false;
}

/* Adds the NUL-terminated string at *pos as field f and moves past it;
 * false (marked malformed) when it has no NUL. */
static bool tftp_string(nmx_dctx_t *d, const nmx_cursor_t *c, size_t off, size_t *pos, int f)
{
    size_t end = nmx__cur_find(c, *pos, 0);
    if (end >= c->left) {
        nmx__add_err(d, &tftp_fields[f], off + *pos, c->left > *pos ? c->left - *pos : 0);
        return false;
    }
    nmx__add(d, &tftp_fields[f], off + *pos, end - *pos);
    *pos = end + 1;
    return true;
}

/* Option name and value pairs from pos to the end; a pair is shown only
 * when both strings are complete. */
static void tftp_options(nmx_dctx_t *d, const nmx_cursor_t *c, size_t off, size_t pos)
{
    while (pos < c->left) {
        size_t name_end = nmx__cur_find(c, pos, 0);
        size_t value_end = name_end < c->left ? nmx__cur_find(c, name_end + 1, 0) : c->left;
        if (value_end >= c->left) {
            nmx__add_err(d, &tftp_fields[F_OPT_NAME], off + pos, c->left - pos);
            return;
        }
        nmx__add(d, &tftp_fields[F_OPT_NAME], off + pos, name_end - pos);
        nmx__add(d, &tftp_fields[F_OPT_VALUE], off + name_end + 1, value_end - name_end - 1);
        pos = value_end + 1;
    }
}

static bool dis_tftp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c), pos = 2;
    if (d->ho_table == NMX_HO_UDP_HEUR && !tftp_heur(&c))
        return false;
    if (!nmx__push_layer(d, proto, off) || !d->ws)
        return true;
    uint16_t op;
    if (!nmx__cur_peek_u16be(&c, 0, &op)) {
        nmx__add_err(d, &tftp_fields[F_OPCODE], off, c.left);
        return true;
    }
    nmx__add(d, &tftp_fields[F_OPCODE], off, 2);
    switch (op) {
    case 1:
    case 2:
        if (tftp_string(d, &c, off, &pos, op == 1 ? F_SOURCE : F_DEST) && tftp_string(d, &c, off, &pos, F_TYPE))
            tftp_options(d, &c, off, pos);
        break;
    case 3:
    case 4:
        nmx__add_at(d, &c, &tftp_fields[F_BLOCK], 2, 2);
        break;
    case 5:
        pos = 4;
        if (nmx__add_at(d, &c, &tftp_fields[F_ERR_CODE], 2, 2))
            tftp_string(d, &c, off, &pos, F_ERR_MSG);
        break;
    case 6:
    case 255: /* INFO */
        tftp_options(d, &c, off, 2);
        break;
    default:
        break;
    }
    return true;
}
