/*
 * dis_ntp.c - Network Time Protocol (RFC 5905) on UDP and TCP 123: the
 * 48-byte header of modes 1 to 5; of control (6) and private (7)
 * messages, the first byte.
 *
 *   +---+-----+-----+---------------+---------------+---------------+
 *   |LI | VN  |Mode |    Stratum    |     Poll      |   Precision   |
 *   +---+-----+-----+---------------+---------------+---------------+
 *   |                          Root Delay                           |
 *   |                       Root Dispersion                         |
 *   |                        Reference ID                           |
 *   |                Reference Timestamp (64 bits)                  |
 *   |                  Origin Timestamp (64 bits)                   |
 *   |                  Receive Timestamp (64 bits)                  |
 *   |                  Transmit Timestamp (64 bits)                 |
 *   +---------------------------------------------------------------+
 *
 * As tshark 4.0: the root delay and dispersion are the raw 32-bit numbers,
 * the reference ID is bytes, and a timestamp is seconds since 1900 when
 * its top bit is set, else since 2036 (RFC 4330 3), "NULL" when all zero.
 * tshark's NTP dissector takes every payload on its port, so this one
 * never turns one down; a header cut short shows the fields it holds.
 * Extension fields, the MAC and the control and private message bodies are
 * not parsed.
 */
#include "proto/proto_int.h"

enum { F_FLAGS, F_LI, F_VN, F_MODE, F_STRATUM, F_PPOLL, F_PRECISION, F_ROOTDELAY, F_ROOTDISP, F_REFID,
       F_REFTIME, F_ORG, F_REC, F_XMT };

static nmx_field_t ntp_fields[] = {
    [F_FLAGS] = NMX_F_UINT("ntp.flags", "Flags", NMX_BASE_HEX, 1, 0),
    [F_LI] = NMX_F_UINT("ntp.flags.li", "Leap Indicator", NMX_BASE_DEC, 1, 0xc0),
    [F_VN] = NMX_F_UINT("ntp.flags.vn", "Version number", NMX_BASE_DEC, 1, 0x38),
    [F_MODE] = NMX_F_UINT("ntp.flags.mode", "Mode", NMX_BASE_DEC, 1, 0x07),
    [F_STRATUM] = NMX_F_UINT("ntp.stratum", "Peer Clock Stratum", NMX_BASE_DEC, 1, 0),
    [F_PPOLL] = NMX_F_UINT("ntp.ppoll", "Peer Polling Interval", NMX_BASE_DEC, 1, 0),
    [F_PRECISION] = NMX_F_UINT("ntp.precision", "Peer Clock Precision", NMX_BASE_DEC, 1, 0),
    [F_ROOTDELAY] = NMX_F_UINT("ntp.rootdelay", "Root Delay", NMX_BASE_DEC, 4, 0),
    [F_ROOTDISP] = NMX_F_UINT("ntp.rootdispersion", "Root Dispersion", NMX_BASE_DEC, 4, 0),
    [F_REFID] = NMX_F_BYTES("ntp.refid", "Reference ID"),
    [F_REFTIME] = NMX_F_ABSTIME_NTP("ntp.reftime", "Reference Timestamp"),
    [F_ORG] = NMX_F_ABSTIME_NTP("ntp.org", "Origin Timestamp"),
    [F_REC] = NMX_F_ABSTIME_NTP("ntp.rec", "Receive Timestamp"),
    [F_XMT] = NMX_F_ABSTIME_NTP("ntp.xmt", "Transmit Timestamp"),
};

static nmx_dissect_fn dis_ntp;

NMX_PROTOCOL(nmx__p_ntp, NMX_PROTO_NTP, "ntp", "NTP", NULL, "Network Time Protocol", ntp_fields,
             .dissect = dis_ntp, NMX_HANDOFFS({NMX_HO_UDP_PORT, 123}, {NMX_HO_TCP_PORT, 123}));

/* The fields after the first byte, where they are in the header. */
static const struct {
    uint8_t field, off, len;
} ntp_layout[] = {
    {F_STRATUM, 1, 1},   {F_PPOLL, 2, 1},     {F_PRECISION, 3, 1}, {F_ROOTDELAY, 4, 4},
    {F_ROOTDISP, 8, 4},  {F_REFID, 12, 4},    {F_REFTIME, 16, 8},  {F_ORG, 24, 8},
    {F_REC, 32, 8},      {F_XMT, 40, 8},
};

/* An NTP timestamp as ns since 1970, computed as Wireshark does (era by
 * the top bit, the fraction through a double); 0 for the zero timestamp
 * (also RTCP's, dis_rtcp.c). */
int64_t nmx__ntp_time_ns(uint64_t ts)
{
    if (ts == 0)
        return 0;
    uint32_t sec = (uint32_t)(ts >> 32), frac = (uint32_t)ts;
    int64_t s = (sec & 0x80000000u) ? (int64_t)sec - 2208988800 : (int64_t)sec + 2085978496;
    int ns = (int)(1000000000 * (frac / 4294967296.0));
    return s * 1000000000 + ns;
}

static bool dis_ntp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    uint8_t flags;
    if (!nmx__cur_peek_u8(&c, 0, &flags))
        return false; /* nothing to take */
    if (!nmx__push_layer(d, proto, off) || !d->ws)
        return true;
    unsigned mode = flags & 7;
    nmx__add(d, &ntp_fields[F_FLAGS], off, 1);
    if (mode != 7)
        nmx__add(d, &ntp_fields[F_LI], off, 1); /* private messages have no LI */
    nmx__add(d, &ntp_fields[F_VN], off, 1);
    nmx__add(d, &ntp_fields[F_MODE], off, 1);
    if (mode == 6 || mode == 7)
        return true;
    for (size_t i = 0; i < sizeof(ntp_layout) / sizeof(ntp_layout[0]); i++) {
        const nmx_field_t *f = &ntp_fields[ntp_layout[i].field];
        size_t at = ntp_layout[i].off, len = ntp_layout[i].len;
        uint64_t ts;
        if (len == 8 && nmx__cur_peek_u64be(&c, at, &ts))
            nmx__add_uint(d, f, off + at, 8, (uint64_t)nmx__ntp_time_ns(ts));
        else if (!nmx__add_at(d, &c, f, at, len))
            break;
    }
    return true;
}
