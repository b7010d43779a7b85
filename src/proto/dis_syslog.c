/*
 * dis_syslog.c - syslog messages (RFC 3164, RFC 5424) on UDP 514: the
 * priority and the message text.
 *
 *   "<" PRI ">" MESSAGE          PRI = facility * 8 + level, decimal
 *
 * As tshark 4.0 reads it: after a '<', up to three digits are the priority
 * (more digits begin the message) and a '>' after them is skipped; without
 * a '<' there is no priority.  syslog.facility and syslog.level are the
 * priority under the masks 0x3f8 and 0x7, so "<999>" gives facility 124.
 * The message is the rest of the payload up to its first NUL.  When the
 * priority runs past the payload's end, or no byte is left for the
 * message, tshark's dissector throws before it adds its tree: io,phs does
 * not count it, but nothing else gets the payload either, so this one
 * takes the payload without recording a layer.  The RFC 3164 and RFC 5424
 * header fields inside the message (hostname, app name ...) are not parsed.
 */
#include "proto/proto_int.h"

enum { F_FACILITY, F_LEVEL, F_MSG };

static nmx_field_t syslog_fields[] = {
    [F_FACILITY] = NMX_F_UINT("syslog.facility", "Facility", NMX_BASE_DEC, 1, 0),
    [F_LEVEL] = NMX_F_UINT("syslog.level", "Level", NMX_BASE_DEC, 1, 0),
    [F_MSG] = NMX_F_STRING("syslog.msg", "Message"),
};

static nmx_dissect_fn dis_syslog;

NMX_PROTOCOL(nmx__p_syslog, NMX_PROTO_SYSLOG, "syslog", "SYSLOG", NULL, "Syslog message", syslog_fields,
             .dissect = dis_syslog, NMX_HANDOFFS({NMX_HO_UDP_PORT, 514}));

static bool dis_syslog(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c), msg = 0;
    int pri = -1;
    uint8_t b;
    if (nmx__cur_get_u8(&c, 0) == '<') {
        pri = 0;
        for (msg = 1; msg <= 3 && nmx__cur_peek_u8(&c, msg, &b) && b >= '0' && b <= '9'; msg++)
            pri = pri * 10 + (b - '0');
        if (!nmx__cur_peek_u8(&c, msg, &b))
            return true; /* tshark reads past the end: taken, not counted */
        if (b == '>')
            msg++;
    }
    if (msg >= c.left)
        return true; /* no message byte: the same */
    if (!nmx__push_layer(d, proto, off) || !d->ws)
        return true;
    if (pri >= 0) {
        nmx__add_uint(d, &syslog_fields[F_FACILITY], off, msg, ((unsigned)pri & 0x3f8) >> 3);
        nmx__add_uint(d, &syslog_fields[F_LEVEL], off, msg, (unsigned)pri & 7);
    }
    nmx__add(d, &syslog_fields[F_MSG], off + msg, nmx__cur_find(&c, msg, 0) - msg);
    return true;
}
