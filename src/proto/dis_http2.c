/*
 * dis_http2.c - HTTP/2 (RFC 9113) in cleartext (h2c): the connection
 * preface on an HTTP port, and the frames of that TCP connection after it.
 *
 *   preface: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
 *   frame:   | length (24) | type (8) | flags (8) | R | stream id (31) | payload |
 *
 * As tshark 4.0: its HTTP dissector hands a segment starting with the
 * preface to HTTP/2 (there is no http layer then) and the rest of the
 * connection goes to HTTP/2 too (learned: NMX_HO_LEARNED, exact
 * conversation).  The preface is an http2 layer (http2.magic), and each
 * frame of the segment one more, as io,phs counts tshark's items; a frame
 * cut by the segment end shows the fields whose bytes are there.  By type:
 * DATA's data and padding, HEADERS' padding, priority and header block
 * fragment (the HPACK block is not decoded: tshark's http2.header.* need
 * the connection's dynamic table), RST_STREAM's error, SETTINGS' entries,
 * PING's opaque data (ping, or pong with ACK), GOAWAY's last stream,
 * error and debug data, WINDOW_UPDATE's increment; each type's flags.
 * Not parsed: PRIORITY, PUSH_PROMISE, CONTINUATION bodies, segments that
 * continue a frame of an earlier one (tshark reassembles those even with
 * TCP desegmentation off; here such a segment shows garbage frames or
 * none: docs/protocols.md, difference 22).
 */
#include "proto/proto_int.h"

enum { F_MAGIC, F_LENGTH, F_TYPE, F_FLAGS, F_END_STREAM, F_EH, F_PADDED, F_PRIORITY, F_UNUSED_HEADERS,
       F_UNUSED_DATA, F_ACK_SETTINGS, F_UNUSED_SETTINGS, F_ACK_PING, F_UNUSED_PING, F_UNUSED, F_R, F_STREAMID,
       F_PAD_LENGTH, F_EXCLUSIVE, F_DEPENDENCY, F_WEIGHT, F_DATA, F_DATA_PADDING, F_HEADERS, F_HEADERS_PADDING,
       F_RST_ERROR, F_SETTINGS_ID, F_S_TABLE, F_S_PUSH, F_S_STREAMS, F_S_WINDOW, F_S_FRAME, F_S_LIST,
       F_S_UNKNOWN, F_PING, F_PONG, F_GA_LAST, F_GA_ERROR, F_GA_DATA, F_WU_R, F_WU_INCREMENT };

static nmx_field_t http2_fields[] = {
    [F_MAGIC] = NMX_F_STRING("http2.magic", "Magic"),
    [F_LENGTH] = NMX_F_UINT("http2.length", "Length", NMX_BASE_DEC, 3, 0),
    [F_TYPE] = NMX_F_UINT("http2.type", "Type", NMX_BASE_DEC, 1, 0),
    [F_FLAGS] = NMX_F_UINT("http2.flags", "Flags", NMX_BASE_HEX, 1, 0),
    [F_END_STREAM] = NMX_F_BOOL("http2.flags.end_stream", "End Stream", 1, 0x01),
    [F_EH] = NMX_F_BOOL("http2.flags.eh", "End Headers", 1, 0x04),
    [F_PADDED] = NMX_F_BOOL("http2.flags.padded", "Padded", 1, 0x08),
    [F_PRIORITY] = NMX_F_BOOL("http2.flags.priority", "Priority", 1, 0x20),
    [F_UNUSED_HEADERS] = NMX_F_UINT("http2.flags.unused_headers", "Unused", NMX_BASE_HEX, 1, 0xd2),
    [F_UNUSED_DATA] = NMX_F_UINT("http2.flags.unused_data", "Unused", NMX_BASE_HEX, 1, 0xf6),
    [F_ACK_SETTINGS] = NMX_F_BOOL("http2.flags.ack.settings", "ACK", 1, 0x01),
    [F_UNUSED_SETTINGS] = NMX_F_UINT("http2.flags.unused_settings", "Unused", NMX_BASE_HEX, 1, 0xfe),
    [F_ACK_PING] = NMX_F_BOOL("http2.flags.ack.ping", "ACK", 1, 0x01),
    [F_UNUSED_PING] = NMX_F_UINT("http2.flags.unused_ping", "Unused", NMX_BASE_HEX, 1, 0xfe),
    [F_UNUSED] = NMX_F_UINT("http2.flags.unused", "Unused", NMX_BASE_HEX, 1, 0xff),
    [F_R] = NMX_F_UINT("http2.r", "Reserved", NMX_BASE_HEX, 4, 0x80000000),
    [F_STREAMID] = NMX_F_UINT("http2.streamid", "Stream Identifier", NMX_BASE_DEC, 4, 0x7fffffff),
    [F_PAD_LENGTH] = NMX_F_UINT("http2.padding", "Pad Length", NMX_BASE_HEX, 1, 0),
    [F_EXCLUSIVE] = NMX_F_BOOL("http2.exclusive", "Exclusive", 4, 0x80000000),
    [F_DEPENDENCY] = NMX_F_UINT("http2.stream_dependency", "Stream Dependency", NMX_BASE_DEC, 4, 0x7fffffff),
    [F_WEIGHT] = NMX_F_UINT("http2.headers.weight", "Weight", NMX_BASE_DEC, 1, 0),
    [F_DATA] = NMX_F_BYTES("http2.data.data", "Data"),
    [F_DATA_PADDING] = NMX_F_BYTES("http2.data.padding", "Padding"),
    [F_HEADERS] = NMX_F_BYTES("http2.headers", "Header Block Fragment"),
    [F_HEADERS_PADDING] = NMX_F_BYTES("http2.headers.padding", "Padding"),
    [F_RST_ERROR] = NMX_F_UINT("http2.rst_stream.error", "Error", NMX_BASE_DEC, 4, 0),
    [F_SETTINGS_ID] = NMX_F_UINT("http2.settings.id", "Settings Identifier", NMX_BASE_DEC, 2, 0),
    [F_S_TABLE] = NMX_F_UINT("http2.settings.header_table_size", "Header table size", NMX_BASE_DEC, 4, 0),
    [F_S_PUSH] = NMX_F_UINT("http2.settings.enable_push", "Enable PUSH", NMX_BASE_DEC, 4, 0),
    [F_S_STREAMS] = NMX_F_UINT("http2.settings.max_concurrent_streams", "Max concurrent streams", NMX_BASE_DEC, 4, 0),
    [F_S_WINDOW] = NMX_F_UINT("http2.settings.initial_window_size", "Initial Windows Size", NMX_BASE_DEC, 4, 0),
    [F_S_FRAME] = NMX_F_UINT("http2.settings.max_frame_size", "Max frame size", NMX_BASE_DEC, 4, 0),
    [F_S_LIST] = NMX_F_UINT("http2.settings.max_header_list_size", "Max header list size", NMX_BASE_DEC, 4, 0),
    [F_S_UNKNOWN] = NMX_F_UINT("http2.settings.unknown", "Unknown Settings", NMX_BASE_DEC, 4, 0),
    [F_PING] = NMX_F_BYTES("http2.ping", "Ping"),
    [F_PONG] = NMX_F_BYTES("http2.pong", "Pong"),
    [F_GA_LAST] = NMX_F_UINT("http2.goaway.last_stream_id", "Last-Stream-ID", NMX_BASE_DEC, 4, 0x7fffffff),
    [F_GA_ERROR] = NMX_F_UINT("http2.goaway.error", "Error", NMX_BASE_DEC, 4, 0),
    [F_GA_DATA] = NMX_F_BYTES("http2.goaway.addata", "Additional Debug Data"),
    [F_WU_R] = NMX_F_UINT("http2.window_update.r", "Reserved", NMX_BASE_HEX, 4, 0x80000000),
    [F_WU_INCREMENT] = NMX_F_UINT("http2.window_update.window_size_increment", "Window Size Increment",
                                  NMX_BASE_DEC, 4, 0x7fffffff),
};

static nmx_dissect_fn http2_learned;

/* Reached from HTTP (the preface) and through the learned connection. */
NMX_PROTOCOL(nmx__p_http2, NMX_PROTO_HTTP2, "http2", "HTTP2", NULL, "HyperText Transfer Protocol 2", http2_fields,
             .dissect = http2_learned);

enum { T_DATA, T_HEADERS, T_PRIORITY, T_RST, T_SETTINGS, T_PUSH, T_PING, T_GOAWAY, T_WINDOW, T_CONT };

static void add_field(nmx_dctx_t *d, const nmx_cursor_t *c, int f, size_t at, size_t n)
{
    nmx__add(d, &http2_fields[f], nmx__off(c) + at, n);
}

/* The flags byte at `at` and its bits by frame type. */
static void http2_flags(nmx_dctx_t *d, const nmx_cursor_t *c, size_t at, unsigned type)
{
    static const int data[] = {F_END_STREAM, F_PADDED, F_UNUSED_DATA, -1};
    static const int headers[] = {F_END_STREAM, F_EH, F_PADDED, F_PRIORITY, F_UNUSED_HEADERS, -1};
    static const int settings[] = {F_ACK_SETTINGS, F_UNUSED_SETTINGS, -1};
    static const int ping[] = {F_ACK_PING, F_UNUSED_PING, -1};
    static const int other[] = {F_UNUSED, -1};
    const int *fs = other;
    switch (type) {
    case T_DATA: fs = data; break;
    case T_HEADERS: fs = headers; break;
    case T_SETTINGS: fs = settings; break;
    case T_PING: fs = ping; break;
    default: break;
    }
    add_field(d, c, F_FLAGS, at, 1);
    for (size_t i = 0; fs[i] >= 0; i++)
        add_field(d, c, fs[i], at, 1);
}

/* SETTINGS entries in [at, end). */
static void http2_settings(nmx_dctx_t *d, const nmx_cursor_t *c, size_t at, size_t end)
{
    static const int values[] = {F_S_UNKNOWN, F_S_TABLE, F_S_PUSH, F_S_STREAMS, F_S_WINDOW, F_S_FRAME, F_S_LIST};
    for (; at < end; at += 6) { /* while their bytes are there, as tshark adds them */
        uint16_t id = nmx__cur_get_u16be(c, at);
        if (!nmx__add_at(d, c, &http2_fields[F_SETTINGS_ID], at, 2) ||
            !nmx__add_at(d, c, &http2_fields[id >= 1 && id <= 6 ? values[id] : F_S_UNKNOWN], at + 2, 4))
            return;
    }
}

/* A priority block (exclusive bit, dependency, weight) at `at`. */
static size_t http2_priority(nmx_dctx_t *d, const nmx_cursor_t *c, size_t at)
{
    add_field(d, c, F_EXCLUSIVE, at, 4);
    add_field(d, c, F_DEPENDENCY, at, 4);
    add_field(d, c, F_WEIGHT, at + 4, 1);
    return at + 5;
}

/* The payload [at, end) of a DATA or HEADERS frame: pad length,
 * priority, the fragment, padding. */
static void http2_padded(nmx_dctx_t *d, const nmx_cursor_t *c, size_t at, size_t end, unsigned type, uint8_t flags)
{
    size_t pad = 0;
    if ((flags & 0x08) && at < end) {
        pad = nmx__cur_get_u8(c, at);
        add_field(d, c, F_PAD_LENGTH, at++, 1);
    }
    if (type == T_HEADERS && (flags & 0x20) && at + 5 <= end)
        at = http2_priority(d, c, at);
    size_t body = end - at > pad ? end - at - pad : 0;
    add_field(d, c, type == T_DATA ? F_DATA : F_HEADERS, at, body);
    if (pad > 0 && at + body < end)
        add_field(d, c, type == T_DATA ? F_DATA_PADDING : F_HEADERS_PADDING, at + body, end - at - body);
}

/* The payload [at, end) of a frame of the given type. */
static void http2_payload(nmx_dctx_t *d, const nmx_cursor_t *c, size_t at, size_t end, unsigned type, uint8_t flags)
{
    switch (type) {
    case T_DATA:
    case T_HEADERS:
        http2_padded(d, c, at, end, type, flags);
        break;
    case T_PRIORITY:
        if (at + 5 <= end)
            http2_priority(d, c, at);
        break;
    case T_RST:
        if (at + 4 <= end)
            add_field(d, c, F_RST_ERROR, at, 4);
        break;
    case T_SETTINGS:
        http2_settings(d, c, at, end);
        break;
    case T_PING:
        add_field(d, c, flags & 1 ? F_PONG : F_PING, at, end - at);
        break;
    case T_GOAWAY:
        if (at + 8 > end)
            break;
        add_field(d, c, F_GA_LAST, at, 4);
        add_field(d, c, F_GA_ERROR, at + 4, 4);
        if (end > at + 8)
            add_field(d, c, F_GA_DATA, at + 8, end - at - 8);
        break;
    case T_WINDOW:
        if (at + 4 > end)
            break;
        add_field(d, c, F_WU_R, at, 4);
        add_field(d, c, F_WU_INCREMENT, at, 4);
        break;
    default:
        break;
    }
}

/* The frames from `at` to the end of c, a layer each. */
static void http2_frames(nmx_dctx_t *d, const nmx_cursor_t *c, size_t at)
{
    while (at < c->left) {
        if (!nmx__push_layer(d, NMX_PROTO_HTTP2, nmx__off(c) + at))
            return;
        uint32_t len = nmx__cur_get_u24be(c, at);
        uint8_t type = nmx__cur_get_u8(c, at + 3), flags = nmx__cur_get_u8(c, at + 4);
        /* a header cut short shows the fields whose bytes are there */
        if (!nmx__add_at(d, c, &http2_fields[F_LENGTH], at, 3) || !nmx__add_at(d, c, &http2_fields[F_TYPE], at + 3, 1))
            return;
        if (!nmx__cur_in(c, at + 4, 1))
            return;
        http2_flags(d, c, at + 4, type);
        if (!nmx__add_at(d, c, &http2_fields[F_R], at + 5, 4))
            return;
        add_field(d, c, F_STREAMID, at + 5, 4);
        size_t end = at + 9 + len;
        /* a payload cut short shows what is there of it */
        http2_payload(d, c, at + 9, end < c->left ? end : c->left, type, flags);
        at = end;
    }
}

/* 24 when c starts with the connection preface, 1 when c is a proper
 * prefix of it (tshark's HTTP then waits for the rest and shows
 * nothing), 0 otherwise. */
int nmx__http2_preface(nmx_cursor_t c)
{
    static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    if (nmx__cur_match(&c, 0, preface, 24))
        return 24;
    return c.left > 0 && c.left < 24 && nmx__cur_match(&c, 0, preface, c.left) ? 1 : 0;
}

void nmx__dis_http2(nmx_dctx_t *d, nmx_cursor_t c)
{
    nmx__learn_connection(d, NMX_PROTO_HTTP2); /* the rest of the TCP connection is HTTP/2, both ways */
    if (!nmx__push_layer(d, NMX_PROTO_HTTP2, nmx__off(&c)))
        return;
    add_field(d, &c, F_MAGIC, 0, 24);
    http2_frames(d, &c, 24);
}

/* A later segment of a connection that began with the preface. */
static bool http2_learned(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    (void)proto;
    http2_frames(d, &c, 0);
    return true;
}
