/*
 * dis_telnet.c - Telnet (RFC 854, option negotiation RFC 855) on TCP 23.
 *
 *   data, with 0xFF doubled; IAC (0xFF) command [option], or
 *   IAC SB option parameters... IAC SE
 *
 * As tshark 4.0: the data between commands is shown a line at a time
 * (telnet.data, with its line end: CR LF, LF, CR NUL, or a CR followed by
 * more CRs up to one of those), as ASCII, doubled 0xFF bytes included.
 * Each command is telnet.cmd; WILL, WON'T, DO, DON'T and SB are followed
 * by the option code, telnet.subcmd.  A suboption's parameters run to the
 * next IAC that is not doubled (with tshark's quirk, suboption()); of the suboption dissectors only the
 * Terminal Type and X Display Location ones are followed here, which add
 * their IS (0) or SEND (1) byte as another telnet.subcmd (the parameters
 * themselves, telnet.string_subopt.value, telnet.naws_subopt.* ..., are
 * not recorded).  An IAC as the last byte, or a negotiation without its
 * option code, ends the dissection, as tshark's exception does.  tshark's
 * TN3270/TN5250 detection (from the terminal type, across segments) is
 * left out (docs/protocols.md).
 */
#include "proto/proto_int.h"

enum { F_CMD, F_SUBCMD, F_DATA };

static nmx_field_t telnet_fields[] = {
    [F_CMD] = NMX_F_UINT("telnet.cmd", "Command", NMX_BASE_DEC, 1, 0),
    [F_SUBCMD] = NMX_F_UINT("telnet.subcmd", "Subcommand", NMX_BASE_DEC, 1, 0),
    [F_DATA] = NMX_F_ASCII("telnet.data", "Data"),
};

static nmx_dissect_fn dis_telnet;

NMX_PROTOCOL(nmx__p_telnet, NMX_PROTO_TELNET, "telnet", "TELNET", NULL, "Telnet", telnet_fields,
             .dissect = dis_telnet, NMX_HANDOFFS({NMX_HO_TCP_PORT, 23}));

enum { IAC = 0xFF, SB = 0xFA, WILL = 0xFB, WONT = 0xFC, DO = 0xFD, DONT = 0xFE };

static uint8_t byte_at(const nmx_cursor_t *c, size_t at)
{
    uint8_t b = 0;
    nmx__cur_peek_u8(c, at, &b);
    return b;
}

/* The data in [at, at+len), a line at a time (telnet_add_text). */
static void add_text(nmx_dctx_t *d, const nmx_cursor_t *c, size_t at, size_t len)
{
    size_t off = nmx__off(c), end = at + len;
    while (at < end) {
        size_t e = nmx__cur_find2(c, at, '\r', '\n'), next;
        if (e >= end) {
            next = end;
        } else {
            bool crlf = byte_at(c, e) == '\r' && e + 1 < end && byte_at(c, e + 1) == '\n';
            next = e + (crlf ? 2 : 1);
            if (!crlf && next < end && byte_at(c, e) == '\r') {
                /* A CR alone: up to LF, CR NUL, or the end. */
                bool last_cr = true;
                while (next < end) {
                    uint8_t ch = byte_at(c, next++);
                    if (ch == '\n' || (ch == 0 && last_cr))
                        break;
                    last_cr = ch == '\r';
                }
            }
        }
        nmx__add(d, &telnet_fields[F_DATA], off + at, next - at);
        at = next;
    }
}

/* The next IAC that is not doubled from `at` on: its offset, c->left when
 * there is none; false when an IAC is the last byte (tshark throws). */
static bool find_iac(const nmx_cursor_t *c, size_t at, size_t *iac)
{
    for (;;) {
        size_t k = nmx__cur_find(c, at, IAC);
        if (k >= c->left) {
            *iac = c->left;
            return true;
        }
        if (k + 1 >= c->left)
            return false;
        if (byte_at(c, k + 1) != IAC) {
            *iac = k;
            return true;
        }
        at = k + 2;
    }
}

/* IAC SB option parameters: where they end (the next single IAC, or the
 * end); the string suboptions add their IS / SEND byte as a subcmd. */
static size_t suboption(nmx_dctx_t *d, const nmx_cursor_t *c, size_t at)
{
    uint8_t opt = byte_at(c, at + 2);
    size_t end = c->left, cur = at + 3, escaped = 0;
    /* tshark 4.0 takes an IAC as single when its offset + 1 reaches the
     * number of bytes after the option code (an offset compared with a
     * length), so a doubled IAC near the start can end the parameters. */
    size_t len0 = c->left - (at + 3);
    for (;;) {
        size_t k = nmx__cur_find(c, cur, IAC);
        if (k >= c->left)
            break;
        if (k + 1 >= len0 || byte_at(c, k + 1) != IAC) {
            end = k;
            break;
        }
        cur = k + 2;
        escaped++;
    }
    size_t len = end - at - 3;
    if ((opt == 24 || opt == 35) && len > escaped) {
        uint8_t sub = byte_at(c, at + 3);
        if (sub <= 1)
            nmx__add(d, &telnet_fields[F_SUBCMD], nmx__off(c) + at + 3, 1);
    }
    return end;
}

/* The command at `at` (an IAC); *next after it; false where tshark throws. */
static bool command(nmx_dctx_t *d, const nmx_cursor_t *c, size_t at, size_t *next)
{
    size_t off = nmx__off(c);
    uint8_t cmd = byte_at(c, at + 1);
    nmx__add(d, &telnet_fields[F_CMD], off + at + 1, 1);
    *next = at + 2;
    if (cmd < SB)
        return true;
    if (at + 2 >= c->left)
        return false; /* no option code */
    nmx__add(d, &telnet_fields[F_SUBCMD], off + at + 2, 1);
    *next = cmd == SB ? suboption(d, c, at) : at + 3;
    return true;
}

static bool dis_telnet(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    if (!nmx__push_layer(d, proto, nmx__off(&c)) || !d->ws)
        return true;
    size_t at = 0;
    while (at < c.left) {
        size_t iac;
        if (!find_iac(&c, at, &iac))
            return true;
        add_text(d, &c, at, iac - at);
        if (iac >= c.left || !command(d, &c, iac, &at))
            return true;
    }
    return true;
}
