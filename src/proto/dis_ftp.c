/*
 * dis_ftp.c - File Transfer Protocol control connection (RFC 959, RFC
 * 2428) on TCP 21, and FTP data on TCP 20 and the announced connections.
 *
 *   request:  COMMAND [SP argument] CRLF
 *   response: code (3 digits) [SP or -] text CRLF
 *
 * As tshark 4.0: a segment to the matched port is a request, one from it a
 * response; only its first line (up to CR or LF, or the end of the
 * captured bytes) is parsed.  A request's command is the text up to the
 * first space, its argument the rest after all the spaces that follow.
 * A response line that starts with three digits has a code, and its
 * argument starts after the fourth character; any other line is all
 * argument (a line inside a multi-line reply).  PORT and the 227 reply
 * carry six comma-separated numbers (found as sscanf finds them, from the
 * first digit on), EPRT |af|address|port| and the 229 reply (|||port|):
 * their address and port are shown, and "nat" when the address is not the
 * packet's source.  Each also announces the data connection (learn.c),
 * which later frames then dissect as ftp-data, as tshark's conversations
 * do, with the frame and method that set it up and the first request after
 * it (the command it answers); ftp-data is also every payload on port 20.
 * tshark's other state (the current working directory, the
 * command-response fields) is not followed (docs/protocols.md).
 */
#include <arpa/inet.h>
#include <string.h>

#include "proto/proto_int.h"

enum { F_RESPONSE, F_REQUEST, F_CMD, F_ARG, F_CODE, F_RARG, F_PASV_IP, F_PASV_PORT, F_PASV_NAT,
       F_ACT_IP, F_ACT_PORT, F_ACT_NAT, F_EPRT_AF, F_EPRT_IP, F_EPRT_IPV6, F_EPRT_PORT, F_EPSV_IP,
       F_EPSV_IPV6, F_EPSV_PORT, F_DATA_SETUP, F_DATA_METHOD, F_DATA_CMD, F_DATA_CMD_FRAME };

static nmx_field_t ftp_fields[] = {
    [F_RESPONSE] = NMX_F_BOOL("ftp.response", "Response", 1, 0),
    [F_REQUEST] = NMX_F_BOOL("ftp.request", "Request", 1, 0),
    [F_CMD] = NMX_F_ASCII("ftp.request.command", "Request command"),
    [F_ARG] = NMX_F_ASCII("ftp.request.arg", "Request arg"),
    [F_CODE] = NMX_F_UINT("ftp.response.code", "Response code", NMX_BASE_DEC, 4, 0),
    [F_RARG] = NMX_F_ASCII("ftp.response.arg", "Response arg"),
    [F_PASV_IP] = NMX_F_IPV4("ftp.passive.ip", "Passive IP address"),
    [F_PASV_PORT] = NMX_F_UINT("ftp.passive.port", "Passive port", NMX_BASE_DEC, 2, 0),
    [F_PASV_NAT] = NMX_F_BOOL("ftp.passive.nat", "Passive IP NAT", 1, 0),
    [F_ACT_IP] = NMX_F_IPV4("ftp.active.cip", "Active IP address"),
    [F_ACT_PORT] = NMX_F_UINT("ftp.active.port", "Active port", NMX_BASE_DEC, 2, 0),
    [F_ACT_NAT] = NMX_F_BOOL("ftp.active.nat", "Active IP NAT", 1, 0),
    [F_EPRT_AF] = NMX_F_UINT("ftp.eprt.af", "Extended active address family", NMX_BASE_DEC, 1, 0),
    [F_EPRT_IP] = NMX_F_IPV4("ftp.eprt.ip", "Extended active IP address"),
    [F_EPRT_IPV6] = NMX_F_IPV6("ftp.eprt.ipv6", "Extended active IPv6 address"),
    [F_EPRT_PORT] = NMX_F_UINT("ftp.eprt.port", "Extended active port", NMX_BASE_DEC, 2, 0),
    [F_EPSV_IP] = NMX_F_IPV4("ftp.epsv.ip", "Extended passive IPv4 address"),
    [F_EPSV_IPV6] = NMX_F_IPV6("ftp.epsv.ipv6", "Extended passive IPv6 address"),
    [F_EPSV_PORT] = NMX_F_UINT("ftp.epsv.port", "Extended passive port", NMX_BASE_DEC, 2, 0),
    /* ftp-data's, as in tshark (its layers record them: it has none of its own) */
    [F_DATA_SETUP] = NMX_F_UINT("ftp-data.setup-frame", "Setup frame", NMX_BASE_DEC, 4, 0),
    [F_DATA_METHOD] = NMX_F_STRING("ftp-data.setup-method", "Setup method"),
    [F_DATA_CMD] = NMX_F_STRING("ftp-data.command", "Command"),
    [F_DATA_CMD_FRAME] = NMX_F_UINT("ftp-data.command-frame", "Command frame", NMX_BASE_DEC, 4, 0),
};

/* How a data connection was announced: nmx_learn_ep_t.tag, and the name
 * tshark gives it in ftp-data.setup-method. */
enum { SETUP_PORT = 1, SETUP_PASV, SETUP_EPRT, SETUP_EPSV };
static const char *const setup_methods[] = {"", "PORT", "PASV", "EPRT", "EPASV"};

static nmx_dissect_fn dis_ftp, dis_ftp_data;

NMX_PROTOCOL(nmx__p_ftp, NMX_PROTO_FTP, "ftp", "FTP", NULL, "File Transfer Protocol (FTP)", ftp_fields,
             .dissect = dis_ftp, NMX_HANDOFFS({NMX_HO_TCP_PORT, 21}));
/* tshark's ftp-data fields are ftp's: they come from the control connection. */
NMX_PROTOCOL_NOFIELDS(nmx__p_ftp_data, NMX_PROTO_FTP_DATA, "ftp-data", "FTP_DATA", NULL, "FTP Data",
                      .dissect = dis_ftp_data, NMX_HANDOFFS({NMX_HO_TCP_PORT, 20}));

/* The line, as text: the copy of the first line's argument that tshark's
 * parsers read (raw bytes, ended by a NUL, as a C string). */
#define ARG_MAX 256
typedef struct ftp_text {
    char s[ARG_MAX + 1];
    size_t n;
} ftp_text_t;

static void text_of(const nmx_cursor_t *c, size_t from, size_t len, ftp_text_t *t)
{
    t->n = len < ARG_MAX ? len : ARG_MAX;
    if (!nmx__cur_peek_copy(c, from, t->s, t->n))
        t->n = 0;
    t->s[t->n] = 0;
    t->n = strlen(t->s); /* a NUL ends it */
}

/* An address as bytes (4 or 16 of them used). */
typedef struct ftp_addr {
    uint8_t b[16];
    uint8_t n; /* of the control connection's: how many are used */
} ftp_addr_t;

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* sscanf's %d at s[*i]: white space, a sign, digits. */
static bool scan_int(const char *s, size_t *i, long *v)
{
    size_t k = *i;
    while (s[k] == ' ' || (s[k] >= '\t' && s[k] <= '\r'))
        k++;
    bool neg = s[k] == '-';
    if (s[k] == '-' || s[k] == '+')
        k++;
    if (!is_digit(s[k]))
        return false;
    long x = 0;
    for (; is_digit(s[k]); k++)
        x = x < 100000000 ? x * 10 + (s[k] - '0') : x;
    *v = neg ? -x : x;
    *i = k;
    return true;
}

/* parse_port_pasv: six numbers "%d,%d,%d,%d,%d,%d" from some digit on. */
static bool port_pasv(const ftp_text_t *t, ftp_addr_t *ip, uint16_t *port, size_t *at)
{
    for (size_t p = 0; p < t->n;) {
        while (p < t->n && !is_digit(t->s[p]))
            p++;
        if (p >= t->n)
            return false;
        long v[6];
        size_t k = p;
        int got = 0;
        while (got < 6 && scan_int(t->s, &k, &v[got])) {
            got++;
            if (got < 6 && t->s[k] != ',')
                break;
            k += got < 6;
        }
        if (got == 6) {
            uint32_t a = ((uint32_t)v[0] << 24) | ((uint32_t)v[1] << 16) | ((uint32_t)v[2] << 8) | (uint32_t)v[3];
            for (int i = 0; i < 4; i++)
                ip->b[i] = (uint8_t)(a >> (24 - 8 * i));
            *port = (uint16_t)(((v[4] & 0xFF) << 8) | (v[5] & 0xFF));
            *at = p;
            return true;
        }
        while (p < t->n && is_digit(t->s[p]))
            p++;
    }
    return false;
}

/* Whether the address (4 or 16 bytes) differs from the packet's source. */
static bool is_nat(const nmx_dctx_t *d, const ftp_addr_t *addr, size_t len)
{
    nmx_cursor_t src;
    ftp_addr_t s;
    if (!nmx__net_src(d, &src) || src.left != len || !nmx__cur_peek_copy(&src, 0, s.b, len))
        return true;
    return memcmp(s.b, addr->b, len) != 0;
}

/*
 * Announces the data connection as tshark does (create_and_link_data_
 * conversation): `ip`:`port` (alen bytes), with the peer's address `peer`
 * and any peer port.  PORT names the server's port 20 and the client's
 * address, PASV and EPSV the server's endpoint and the client's address,
 * EPRT the client's own address and port and the address it names.
 */
static void learn_data(nmx_dctx_t *d, const ftp_addr_t *ip, size_t alen, unsigned port, const ftp_addr_t *peer,
                       unsigned method)
{
    nmx_learn_ep_t ep = {.l4 = NMX_PROTO_TCP, .alen = (uint8_t)alen, .port = (uint16_t)port, .has_peer = true,
                         .tag = (uint8_t)method};
    memcpy(ep.addr, ip->b, alen);
    memcpy(ep.peer, peer->b, alen);
    nmx__learn(d, &ep, NMX_PROTO_FTP_DATA);
}

/* The addresses of the control connection (from->n bytes: 4 or 16);
 * false when the dissection does not learn or there are none. */
static bool control_ips(const nmx_dctx_t *d, ftp_addr_t *from, ftp_addr_t *to)
{
    return nmx__learning(d) && nmx__learn_ip(d, &from->n, from->b, to->b);
}

static bool rfc2428_delim(char ch)
{
    if (ch <= ' ' || ch > '~')
        return false;
    char lc = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
    return strchr("0123456789abcdef.:", lc) == NULL;
}

/* A whole field of decimal digits that fits max; tshark's ws_strtou*. */
static bool dec_field(const char *s, size_t n, unsigned long max, unsigned long *v)
{
    if (n == 0 || n > 10)
        return false;
    unsigned long x = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return false;
        x = x * 10 + (unsigned long)(s[i] - '0');
    }
    *v = x;
    return x <= max;
}

/* EPRT |af|address|port| (parse_eprt_request). */
static void eprt(nmx_dctx_t *d, const ftp_text_t *t, size_t off)
{
    if (t->n < 4 || !rfc2428_delim(t->s[0]))
        return;
    char dl = t->s[0];
    size_t pos[4], k = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->s[i] == dl) {
            if (k == 4)
                return;
            pos[k++] = i;
        }
    if (k != 4 || pos[1] == pos[0] + 1 || pos[2] == pos[1] + 1 || pos[3] == pos[2] + 1)
        return;
    unsigned long af, port;
    char a[64];
    size_t alen = pos[2] - pos[1] - 1;
    uint8_t ip[16];
    if (!dec_field(t->s + 1, pos[1] - 1, 0xFFFFFFFFul, &af) || (af != 1 && af != 2) || alen >= sizeof a)
        return;
    memcpy(a, t->s + pos[1] + 1, alen);
    a[alen] = 0;
    if (inet_pton(af == 1 ? AF_INET : AF_INET6, a, ip) != 1 ||
        !dec_field(t->s + pos[2] + 1, pos[3] - pos[2] - 1, 0xFFFF, &port))
        return;
    nmx__add_uint(d, &ftp_fields[F_EPRT_AF], off + 1, pos[1] - 1, af);
    nmx__add_str(d, &ftp_fields[af == 1 ? F_EPRT_IP : F_EPRT_IPV6], off + pos[1] + 1, alen, ip, af == 1 ? 4 : 16);
    nmx__add_uint(d, &ftp_fields[F_EPRT_PORT], off + pos[2] + 1, pos[3] - pos[2] - 1, port);
    ftp_addr_t from, to, named;
    memcpy(named.b, ip, sizeof named.b);
    if (control_ips(d, &from, &to) && from.n == (af == 1 ? 4 : 16))
        learn_data(d, &from, from.n, (unsigned)port, &named, SETUP_EPRT);
}

/* The 229 reply's "(|||port|)" (parse_extended_pasv_response); the
 * address is the packet's source. */
static void epsv(nmx_dctx_t *d, const ftp_text_t *t, size_t off)
{
    const char *p = strchr(t->s, '(');
    if (p == NULL)
        return;
    p++;
    char dl = 0;
    for (int n = 0; n < 3 && *p; n++, p++) {
        if (dl == 0 && rfc2428_delim(*p))
            dl = *p;
        if (*p != dl)
            break;
    }
    if (!is_digit(*p) || strchr(p, ')') == NULL)
        return;
    unsigned long port = 0;
    size_t n = 0;
    while (is_digit(p[n]) && port <= 0xFFFF)
        port = port * 10 + (unsigned long)(p[n++] - '0');
    if (port > 0xFFFF)
        return;
    nmx_cursor_t src;
    ftp_addr_t s;
    if (nmx__net_src(d, &src)) {
        size_t alen = src.left;
        int f = alen == 4 ? F_EPSV_IP : F_EPSV_IPV6;
        if (nmx__cur_peek_copy(&src, 0, s.b, alen))
            nmx__add_str(d, &ftp_fields[f], off, 0, s.b, alen);
    }
    nmx__add_uint(d, &ftp_fields[F_EPSV_PORT], off + (size_t)(p - t->s), n, port);
    ftp_addr_t from, to;
    if (control_ips(d, &from, &to))
        learn_data(d, &from, from.n, (unsigned)port, &to, SETUP_EPSV);
}

/* PORT (active) or the 227 reply (passive): address, port and NAT. */
static void port_or_pasv(nmx_dctx_t *d, const ftp_text_t *t, size_t off, bool active)
{
    ftp_addr_t ip;
    uint16_t port;
    size_t at;
    if (!port_pasv(t, &ip, &port, &at))
        return;
    nmx__add_str(d, &ftp_fields[active ? F_ACT_IP : F_PASV_IP], off + at, 0, ip.b, 4);
    nmx__add_uint(d, &ftp_fields[active ? F_ACT_PORT : F_PASV_PORT], off + at, 0, port);
    if (is_nat(d, &ip, 4))
        nmx__add_uint(d, &ftp_fields[active ? F_ACT_NAT : F_PASV_NAT], off, 0, 1);
    ftp_addr_t from, to;
    if (!control_ips(d, &from, &to) || from.n != 4)
        return;
    if (active)
        learn_data(d, &to, 4, 20, &ip, SETUP_PORT);
    else
        learn_data(d, &ip, 4, port, &to, SETUP_PASV);
}

static void ftp_request(nmx_dctx_t *d, const nmx_cursor_t *c, size_t off, size_t ll)
{
    size_t tok = nmx__cur_find(c, 0, ' ');
    if (tok > ll)
        tok = ll;
    if (tok != 0)
        nmx__add(d, &ftp_fields[F_CMD], off, tok);
    size_t a = tok;
    while (a < ll && nmx__cur_match(c, a, " ", 1))
        a++;
    if (a >= ll)
        return;
    nmx__add(d, &ftp_fields[F_ARG], off + a, ll - a);
    ftp_text_t t;
    text_of(c, a, ll - a, &t);
    if (tok == 4 && nmx__cur_match(c, 0, "PORT", 4))
        port_or_pasv(d, &t, off + a, true);
    else if (tok == 4 && nmx__cur_match(c, 0, "EPRT", 4))
        eprt(d, &t, off + a);
}

static void ftp_response(nmx_dctx_t *d, const nmx_cursor_t *c, size_t off, size_t ll)
{
    uint8_t dg[3];
    size_t a = 0;
    unsigned code = 0;
    if (ll >= 3 && nmx__cur_peek_copy(c, 0, dg, 3) && is_digit((char)dg[0]) && is_digit((char)dg[1]) &&
        is_digit((char)dg[2])) {
        code = (unsigned)(dg[0] - '0') * 100 + (unsigned)(dg[1] - '0') * 10 + (unsigned)(dg[2] - '0');
        nmx__add_uint(d, &ftp_fields[F_CODE], off, 3, code);
        a = ll >= 4 ? 4 : ll;
    }
    if (a >= ll)
        return;
    nmx__add(d, &ftp_fields[F_RARG], off + a, ll - a);
    ftp_text_t t;
    text_of(c, a, ll - a, &t);
    if (code == 227)
        port_or_pasv(d, &t, off + a, false);
    else if (code == 229)
        epsv(d, &t, off + a);
}

static bool dis_ftp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, proto, off) || (!d->ws && !nmx__learning(d)))
        return true;
    bool request = d->ho_value == d->ho_dport;
    nmx__add_uint(d, &ftp_fields[F_REQUEST], off, 0, request);
    nmx__add_uint(d, &ftp_fields[F_RESPONSE], off, 0, !request);
    size_t ll = nmx__cur_find2(&c, 0, '\r', '\n');
    if (request && nmx__learning(d)) {
        /* The command the newest data connection answers (tshark: the
         * first request after its announcement, the PORT or EPRT that
         * announces the next one included). */
        ftp_text_t line;
        text_of(&c, 0, ll, &line);
        nmx__learn_note(d, line.s, line.n);
    }
    if (request)
        ftp_request(d, &c, off, ll);
    else
        ftp_response(d, &c, off, ll);
    return true;
}

/* FTP data: on port 20, and on the connections the control connection
 * announced (learn.c). */
static bool dis_ftp_data(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, proto, off) || d->ho_table != NMX_HO_LEARNED)
        return true;
    unsigned m = d->learned.tag < sizeof setup_methods / sizeof setup_methods[0] ? d->learned.tag : 0;
    nmx__add_uint(d, &ftp_fields[F_DATA_SETUP], off, 0, d->learned.setup);
    if (m != 0)
        nmx__add_str(d, &ftp_fields[F_DATA_METHOD], off, 0, setup_methods[m], strlen(setup_methods[m]));
    if (d->learned.note != NULL) {
        nmx__add_str(d, &ftp_fields[F_DATA_CMD], off, 0, d->learned.note, strlen(d->learned.note));
        nmx__add_uint(d, &ftp_fields[F_DATA_CMD_FRAME], off, 0, d->learned.note_frame);
    }
    return true;
}
