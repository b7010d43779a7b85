/*
 * dis_sdp.c - Session Description Protocol (RFC 4566) in a SIP body
 * (Content-Type application/sdp; nmx__dis_sdp, called by dis_sip.c).
 *
 *   v=0
 *   o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>
 *   s=<session name>
 *   c=<nettype> <addrtype> <connection-address>[/ttl][/number]
 *   t=<start-time> <stop-time>
 *   m=<media> <port>[/number] <proto> <fmt> ...
 *   a=<attribute>[:<value>]
 *
 * As tshark 4.0 shows the lines: each "x=value" line as its field (the
 * value up to the line end), o, c, t, b and m split at their spaces (c's
 * address at "/"), a= attributes as session or media attributes by where
 * they stand, split at the first ":" into field name and value; an
 * attribute without a value has no parts; rtpmap gives the payload type
 * (sdp.media.format), encoding name and clock rate, fmtp the payload type
 * and its parameters.  The formats of an m= line are named from RTP's
 * table of static payload types ("ITU-T G.711 PCMU", "DynamicRTP-Type-96")
 * when the protocol is RTP's, and shown as they are otherwise.
 *
 * An m= line with a nonzero port and an RTP protocol announces RTP on
 * (connection address, port) and RTCP on port + 1, with any peer, for the
 * frames after this one (tshark's rtp_add_address and rtcp_add_address):
 * the media's own c= line, or the session's.  Whether the SDP announces,
 * and the setup frame RTP and RTCP show, are the SIP message's (tshark
 * gives an answer the frame of the request it answers, dis_sip.c).  Not parsed: bandwidth
 * values in other units, time zones, keys, repeat times' parts, the
 * attributes tshark decodes further (crypto, ICE candidates, H.264 and
 * the other fmtp parameters beyond the whole string).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "proto/proto_int.h"

enum { F_VERSION, F_OWNER, F_O_USER, F_O_SESSID, F_O_VERSION, F_O_NETTYPE, F_O_ADDRTYPE, F_O_ADDR,
       F_SESSNAME, F_SESSINFO, F_URI, F_EMAIL, F_PHONE, F_CONN, F_C_NETTYPE, F_C_ADDRTYPE, F_C_ADDR,
       F_C_TTL, F_C_NUM, F_BW, F_BW_MOD, F_BW_VALUE, F_TIME, F_T_START, F_T_STOP, F_REPEAT, F_TZ, F_KEY,
       F_SATTR, F_SATTR_FIELD, F_SATTR_VALUE, F_MEDIA, F_M_MEDIA, F_M_PORT, F_M_PORTSTR, F_M_PORTCOUNT,
       F_M_PROTO, F_M_FORMAT, F_MTITLE, F_MATTR, F_MATTR_FIELD, F_MATTR_VALUE, F_MIME, F_RATE, F_FMTP };

static nmx_field_t sdp_fields[] = {
    [F_VERSION] = NMX_F_UTF8("sdp.version", "Session Description Protocol Version (v)"),
    [F_OWNER] = NMX_F_UTF8("sdp.owner", "Owner/Creator, Session Id (o)"),
    [F_O_USER] = NMX_F_UTF8("sdp.owner.username", "Owner Username"),
    [F_O_SESSID] = NMX_F_UTF8("sdp.owner.sessionid", "Session ID"),
    [F_O_VERSION] = NMX_F_UTF8("sdp.owner.version", "Session Version"),
    [F_O_NETTYPE] = NMX_F_UTF8("sdp.owner.network_type", "Owner Network Type"),
    [F_O_ADDRTYPE] = NMX_F_UTF8("sdp.owner.address_type", "Owner Address Type"),
    [F_O_ADDR] = NMX_F_UTF8("sdp.owner.address", "Owner Address"),
    [F_SESSNAME] = NMX_F_UTF8("sdp.session_name", "Session Name (s)"),
    [F_SESSINFO] = NMX_F_UTF8("sdp.session_info", "Session Information (i)"),
    [F_URI] = NMX_F_UTF8("sdp.uri", "URI of Description (u)"),
    [F_EMAIL] = NMX_F_UTF8("sdp.email", "E-mail Address (e)"),
    [F_PHONE] = NMX_F_UTF8("sdp.phone", "Phone Number (p)"),
    [F_CONN] = NMX_F_UTF8("sdp.connection_info", "Connection Information (c)"),
    [F_C_NETTYPE] = NMX_F_UTF8("sdp.connection_info.network_type", "Connection Network Type"),
    [F_C_ADDRTYPE] = NMX_F_UTF8("sdp.connection_info.address_type", "Connection Address Type"),
    [F_C_ADDR] = NMX_F_UTF8("sdp.connection_info.address", "Connection Address"),
    [F_C_TTL] = NMX_F_UTF8("sdp.connection_info.ttl", "Connection TTL"),
    [F_C_NUM] = NMX_F_UTF8("sdp.connection_info.num_addr", "Connection Number of Addresses"),
    [F_BW] = NMX_F_UTF8("sdp.bandwidth", "Bandwidth Information (b)"),
    [F_BW_MOD] = NMX_F_UTF8("sdp.bandwidth.modifier", "Bandwidth Modifier"),
    [F_BW_VALUE] = NMX_F_UTF8("sdp.bandwidth.value", "Bandwidth Value"),
    [F_TIME] = NMX_F_UTF8("sdp.time", "Time Description, active time (t)"),
    [F_T_START] = NMX_F_UTF8("sdp.time.start", "Session Start Time"),
    [F_T_STOP] = NMX_F_UTF8("sdp.time.stop", "Session Stop Time"),
    [F_REPEAT] = NMX_F_UTF8("sdp.repeat_time", "Repeat Time (r)"),
    [F_TZ] = NMX_F_UTF8("sdp.timezone", "Time Zone Adjustments (z)"),
    [F_KEY] = NMX_F_UTF8("sdp.encryption_key", "Encryption Key (k)"),
    [F_SATTR] = NMX_F_UTF8("sdp.session_attr", "Session Attribute (a)"),
    [F_SATTR_FIELD] = NMX_F_UTF8("sdp.session_attr.field", "Session Attribute Fieldname"),
    [F_SATTR_VALUE] = NMX_F_UTF8("sdp.session_attr.value", "Session Attribute Value"),
    [F_MEDIA] = NMX_F_UTF8("sdp.media", "Media Description, name and address (m)"),
    [F_M_MEDIA] = NMX_F_UTF8("sdp.media.media", "Media Type"),
    [F_M_PORT] = NMX_F_UINT("sdp.media.port", "Media Port", NMX_BASE_DEC, 2, 0),
    [F_M_PORTSTR] = NMX_F_UTF8("sdp.media.port_string", "Media Port"),
    [F_M_PORTCOUNT] = NMX_F_UTF8("sdp.media.portcount", "Media Port Count"),
    [F_M_PROTO] = NMX_F_UTF8("sdp.media.proto", "Media Protocol"),
    [F_M_FORMAT] = NMX_F_UTF8("sdp.media.format", "Media Format"),
    [F_MTITLE] = NMX_F_UTF8("sdp.media_title", "Media Title (i)"),
    [F_MATTR] = NMX_F_UTF8("sdp.media_attr", "Media Attribute (a)"),
    [F_MATTR_FIELD] = NMX_F_UTF8("sdp.media_attribute.field", "Media Attribute Fieldname"),
    [F_MATTR_VALUE] = NMX_F_UTF8("sdp.media_attribute.value", "Media Attribute Value"),
    [F_MIME] = NMX_F_UTF8("sdp.mime.type", "MIME Type"),
    [F_RATE] = NMX_F_UTF8("sdp.sample_rate", "Sample Rate"),
    [F_FMTP] = NMX_F_UTF8("sdp.fmtp.parameter", "Media format specific parameters"),
};

/* Never a layer: its fields go into the SIP layer (.borrows), as tshark
 * nests the SDP item in SIP's tree and io,phs does not count it. */
NMX_PROTOCOL(nmx__p_sdp, NMX_PROTO_SDP, "sdp", "SDP", NULL, "Session Description Protocol", sdp_fields);

/* RTP's names of the static payload types 0-34 (rtp_payload_type_vals). */
static const char *const pt_names[35] = {
    "ITU-T G.711 PCMU", "USA Federal Standard FS-1016", "ITU-T G.721", "GSM 06.10", "ITU-T G.723",
    "DVI4 8000 samples/s", "DVI4 16000 samples/s", "Experimental linear predictive encoding from Xerox PARC",
    "ITU-T G.711 PCMA", "ITU-T G.722", "16-bit uncompressed audio, stereo", "16-bit uncompressed audio, monaural",
    "Qualcomm Code Excited Linear Predictive coding", "Comfort noise", "MPEG-I/II Audio", "ITU-T G.728",
    "DVI4 11025 samples/s", "DVI4 22050 samples/s", "ITU-T G.729", "Comfort noise (old)", NULL, NULL, NULL, NULL,
    NULL, "Sun CellB video encoding", "JPEG-compressed video", NULL, "'nv' program", NULL, NULL, "ITU-T H.261",
    "MPEG-I/II Video", "MPEG-II transport streams", "ITU-T H.263",
};

/* A span [at, end) of the description. */
typedef struct span {
    size_t at, end;
} span_t;

static void add_span(nmx_dctx_t *d, const nmx_cursor_t *c, int f, span_t s)
{
    nmx__add(d, &sdp_fields[f], nmx__off(c) + s.at, s.end > s.at ? s.end - s.at : 0);
}

/* The first byte in [from, end) equal to a or b, or end. */
static size_t find2(const nmx_cursor_t *c, size_t from, size_t end, uint8_t a, uint8_t b)
{
    size_t i = nmx__cur_find2(c, from, a, b);
    return i < end ? i : end;
}

/* Splits s at spaces into up to n parts, as tshark's strings from
 * tvb_find_guint8(' '): the last part runs to the end; returns the count. */
static size_t split(const nmx_cursor_t *c, span_t s, span_t *parts, size_t n)
{
    size_t k = 0, at = s.at;
    while (k < n && at <= s.end) {
        size_t e = k + 1 < n ? find2(c, at, s.end, ' ', ' ') : s.end;
        parts[k++] = (span_t){at, e};
        if (e >= s.end)
            break;
        at = e + 1;
    }
    return k;
}

static void add_parts(nmx_dctx_t *d, const nmx_cursor_t *c, const int *fields, size_t n, span_t v)
{
    span_t p[8];
    size_t k = split(c, v, p, n);
    for (size_t i = 0; i < k; i++)
        add_span(d, c, fields[i], p[i]);
}

/* The payload type number of s (decimal, up to 3 digits), or -1. */
static int span_pt(const nmx_cursor_t *c, span_t s)
{
    int v = 0;
    uint8_t b;
    if (s.end == s.at || s.end - s.at > 3)
        return -1;
    for (size_t i = s.at; i < s.end; i++) {
        if (!nmx__cur_peek_u8(c, i, &b) || b < '0' || b > '9')
            return -1;
        v = v * 10 + (b - '0');
    }
    return v;
}

/* The state of the walk: where media start, and what is announced. */
typedef struct sdp_state {
    bool in_media;
    span_t session_addr, media_addr; /* the c= addresses (at == end: none) */
    bool media_rtp;
    uint16_t media_port;
    bool announce;        /* what the SIP message lets it announce (nmx__dis_sdp) */
    uint32_t setup_frame;
} sdp_state_t;

/* Announces RTP and RTCP on the current media's endpoint (see the top). */
static void sdp_announce(nmx_dctx_t *d, const nmx_cursor_t *c, const sdp_state_t *st)
{
    span_t a = st->media_addr.end > st->media_addr.at ? st->media_addr : st->session_addr;
    if (!nmx__learning(d) || !st->announce || !st->in_media || !st->media_rtp || st->media_port == 0 ||
        a.end == a.at || a.end - a.at >= 64)
        return;
    char text[64];
    nmx_learn_ep_t ep = {.l4 = NMX_PROTO_UDP, .port = st->media_port, .setup_frame = st->setup_frame};
    if (!nmx__cur_peek_copy(c, a.at, text, a.end - a.at))
        return;
    text[a.end - a.at] = 0;
    ep.alen = inet_pton(AF_INET, text, ep.addr) == 1 ? 4 : inet_pton(AF_INET6, text, ep.addr) == 1 ? 16 : 0;
    if (ep.alen == 0)
        return;
    nmx__learn(d, &ep, NMX_PROTO_RTP);
    ep.port = (uint16_t)(st->media_port + 1);
    nmx__learn(d, &ep, NMX_PROTO_RTCP);
}

/* o=, c=, t=, b=: the line's value split into its parts. */
static void sdp_split_line(nmx_dctx_t *d, const nmx_cursor_t *c, uint8_t type, span_t v, sdp_state_t *st)
{
    static const int owner[] = {F_O_USER, F_O_SESSID, F_O_VERSION, F_O_NETTYPE, F_O_ADDRTYPE, F_O_ADDR};
    static const int time[] = {F_T_START, F_T_STOP};
    switch (type) {
    case 'o': add_parts(d, c, owner, 6, v); break;
    case 't': add_parts(d, c, time, 2, v); break;
    case 'b': {
        size_t colon = find2(c, v.at, v.end, ':', ':');
        add_span(d, c, F_BW_MOD, (span_t){v.at, colon});
        if (colon < v.end)
            add_span(d, c, F_BW_VALUE, (span_t){colon + 1, v.end});
        break;
    }
    case 'c': {
        span_t p[3];
        size_t k = split(c, v, p, 3);
        static const int conn[] = {F_C_NETTYPE, F_C_ADDRTYPE};
        for (size_t i = 0; i < k && i < 2; i++)
            add_span(d, c, conn[i], p[i]);
        if (k < 3)
            return;
        size_t sl = find2(c, p[2].at, p[2].end, '/', '/');
        add_span(d, c, F_C_ADDR, (span_t){p[2].at, sl});
        if (st->in_media)
            st->media_addr = (span_t){p[2].at, sl};
        else
            st->session_addr = (span_t){p[2].at, sl};
        if (sl < p[2].end) {
            size_t sl2 = find2(c, sl + 1, p[2].end, '/', '/');
            add_span(d, c, F_C_TTL, (span_t){sl + 1, sl2});
            if (sl2 < p[2].end)
                add_span(d, c, F_C_NUM, (span_t){sl2 + 1, p[2].end});
        }
        break;
    }
    default:
        break;
    }
}

/* m=<media> <port>[/<count>] <proto> <fmt> ... */
static void sdp_media(nmx_dctx_t *d, const nmx_cursor_t *c, span_t v, sdp_state_t *st)
{
    span_t p[3];
    size_t k = split(c, v, p, 3);
    add_span(d, c, F_M_MEDIA, p[0]);
    if (k < 2)
        return;
    size_t sl = find2(c, p[1].at, p[1].end, '/', '/');
    unsigned port = 0;
    uint8_t b;
    for (size_t i = p[1].at; i < sl && nmx__cur_peek_u8(c, i, &b) && b >= '0' && b <= '9'; i++)
        port = port * 10 + (b - '0');
    nmx__add_uint(d, &sdp_fields[F_M_PORT], nmx__off(c) + p[1].at, sl - p[1].at, port & 0xffff);
    add_span(d, c, F_M_PORTSTR, (span_t){p[1].at, sl});
    if (sl < p[1].end)
        add_span(d, c, F_M_PORTCOUNT, (span_t){sl + 1, p[1].end});
    st->media_port = (uint16_t)port;
    if (k < 3)
        return;
    size_t pe = find2(c, p[2].at, p[2].end, ' ', ' ');
    add_span(d, c, F_M_PROTO, (span_t){p[2].at, pe});
    st->media_rtp = nmx__cur_match(c, p[2].at, "RTP/", 4);
    for (size_t at = pe + 1; at <= p[2].end && pe < p[2].end;) {
        size_t e = find2(c, at, p[2].end, ' ', ' ');
        int pt = span_pt(c, (span_t){at, e});
        if (!st->media_rtp || pt < 0 || pt > 127) {
            add_span(d, c, F_M_FORMAT, (span_t){at, e});
        } else {
            char name[32];
            const char *s = pt < 35 && pt_names[pt] ? pt_names[pt] : pt >= 72 && pt <= 76 ? "Reserved for RTCP conflict avoidance" : "Unassigned";
            if (pt >= 96)
                snprintf(name, sizeof name, "DynamicRTP-Type-%d", pt);
            const char *txt = pt >= 96 ? name : s;
            nmx__add_str(d, &sdp_fields[F_M_FORMAT], nmx__off(c) + at, e - at, txt, strlen(txt));
        }
        at = e + 1;
    }
}

/* a=<field>[:<value>] at session or media level. */
static void sdp_attr(nmx_dctx_t *d, const nmx_cursor_t *c, span_t v, bool media)
{
    size_t colon = find2(c, v.at, v.end, ':', ':');
    if (colon >= v.end)
        return;
    span_t name = {v.at, colon}, val = {colon + 1, v.end};
    add_span(d, c, media ? F_MATTR_FIELD : F_SATTR_FIELD, name);
    bool rtpmap = colon - v.at == 6 && nmx__cur_match(c, v.at, "rtpmap", 6);
    bool fmtp = colon - v.at == 4 && nmx__cur_match(c, v.at, "fmtp", 4);
    if (!media || (!rtpmap && !fmtp)) {
        add_span(d, c, media ? F_MATTR_VALUE : F_SATTR_VALUE, val);
        return;
    }
    size_t sp = find2(c, val.at, val.end, ' ', ' ');
    add_span(d, c, F_M_FORMAT, (span_t){val.at, sp});
    if (sp >= val.end)
        return;
    if (fmtp) {
        add_span(d, c, F_FMTP, (span_t){sp + 1, val.end});
        return;
    }
    size_t sl = find2(c, sp + 1, val.end, '/', '/');
    add_span(d, c, F_MIME, (span_t){sp + 1, sl});
    if (sl < val.end)
        add_span(d, c, F_RATE, (span_t){sl + 1, find2(c, sl + 1, val.end, '/', '/')});
}

/* One "x=value" line. */
static void sdp_line(nmx_dctx_t *d, const nmx_cursor_t *c, uint8_t type, span_t v, sdp_state_t *st)
{
    static const struct {
        uint8_t type;
        int field;
    } simple[] = {{'v', F_VERSION}, {'s', F_SESSNAME}, {'u', F_URI}, {'e', F_EMAIL}, {'p', F_PHONE},
                  {'r', F_REPEAT}, {'z', F_TZ}, {'k', F_KEY}};
    for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
        if (simple[i].type == type)
            add_span(d, c, simple[i].field, v);
    switch (type) {
    case 'o': add_span(d, c, F_OWNER, v); break;
    case 'c': add_span(d, c, F_CONN, v); break;
    case 't': add_span(d, c, F_TIME, v); break;
    case 'b': add_span(d, c, F_BW, v); break;
    case 'i': add_span(d, c, st->in_media ? F_MTITLE : F_SESSINFO, v); break;
    case 'a':
        add_span(d, c, st->in_media ? F_MATTR : F_SATTR, v);
        sdp_attr(d, c, v, st->in_media);
        return;
    case 'm':
        sdp_announce(d, c, st);
        add_span(d, c, F_MEDIA, v);
        *st = (sdp_state_t){.in_media = true, .session_addr = st->session_addr, .announce = st->announce,
                            .setup_frame = st->setup_frame};
        sdp_media(d, c, v, st);
        return;
    default:
        return;
    }
    sdp_split_line(d, c, type, v, st);
}

void nmx__dis_sdp(nmx_dctx_t *d, nmx_cursor_t c, bool announce, uint32_t setup_frame)
{
    sdp_state_t st = {.announce = announce, .setup_frame = setup_frame};
    for (size_t at = 0; at < c.left;) {
        size_t next, e = nmx__cur_line_end(&c, at, &next);
        uint8_t type;
        if (e >= at + 2 && nmx__cur_match(&c, at + 1, "=", 1) && nmx__cur_peek_u8(&c, at, &type))
            sdp_line(d, &c, type, (span_t){at + 2, e}, &st);
        at = next;
    }
    sdp_announce(d, &c, &st);
}
