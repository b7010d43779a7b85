/*
 * dis_tcp.c - Transmission Control Protocol (RFC 9293): header, flags and
 * options, and the port-based hand-off to application dissectors.
 *
 *    0                   16                  32
 *   +-------------------+-------------------+
 *   |   Source Port     | Destination Port  |
 *   +-------------------+-------------------+
 *   |           Sequence Number             |
 *   |         Acknowledgment Number         |
 *   +----+-----+--------+-------------------+
 *   |Off | Res |  Flags |      Window       |
 *   +----+-----+--------+-------------------+
 *   |    Checksum       |  Urgent Pointer   |
 *   +-------------------+-------------------+
 *   |        Options (Off > 5)              |
 *   +---------------------------------------+
 *
 * Segments are dissected one by one (no reassembly, as tshark with
 * tcp.desegment_tcp_streams off).  The payload is handed off by port and
 * heuristic (handoff.c).
 */
#include "proto/proto_int.h"

enum { F_SRCPORT, F_DSTPORT, F_PORT, F_SEQ_RAW, F_ACK_RAW, F_HDR_LEN, F_FLAGS, F_FLAGS_RES,
       F_FLAGS_AE, F_FLAGS_CWR, F_FLAGS_ECN, F_FLAGS_URG, F_FLAGS_ACK, F_FLAGS_PUSH,
       F_FLAGS_RESET, F_FLAGS_SYN, F_FLAGS_FIN, F_WINDOW, F_CHECKSUM, F_URGENT, F_OPT_KIND,
       F_MSS, F_WSCALE, F_LEN, F_STREAM };

static nmx_field_t tcp_fields[] = {
    [F_SRCPORT] = NMX_F_UINT("tcp.srcport", "Source Port", NMX_BASE_DEC, 2, 0),
    [F_DSTPORT] = NMX_F_UINT("tcp.dstport", "Destination Port", NMX_BASE_DEC, 2, 0),
    [F_PORT] = NMX_F_UINT("tcp.port", "Source or Destination Port", NMX_BASE_DEC, 2, 0),
    [F_SEQ_RAW] = NMX_F_UINT("tcp.seq_raw", "Sequence Number (raw)", NMX_BASE_DEC, 4, 0),
    [F_ACK_RAW] = NMX_F_UINT("tcp.ack_raw", "Acknowledgment number (raw)", NMX_BASE_DEC, 4, 0),
    [F_HDR_LEN] = NMX_F_UINT("tcp.hdr_len", "Header Length", NMX_BASE_DEC, 1, 0),
    [F_FLAGS] = NMX_F_UINT("tcp.flags", "Flags", NMX_BASE_HEX, 2, 0x0FFF),
    [F_FLAGS_RES] = NMX_F_BOOL("tcp.flags.res", "Reserved", 2, 0x0E00),
    [F_FLAGS_AE] = NMX_F_BOOL("tcp.flags.ae", "Accurate ECN", 2, 0x0100),
    [F_FLAGS_CWR] = NMX_F_BOOL("tcp.flags.cwr", "Congestion Window Reduced", 2, 0x0080),
    [F_FLAGS_ECN] = NMX_F_BOOL("tcp.flags.ece", "ECN-Echo", 2, 0x0040),
    [F_FLAGS_URG] = NMX_F_BOOL("tcp.flags.urg", "Urgent", 2, 0x0020),
    [F_FLAGS_ACK] = NMX_F_BOOL("tcp.flags.ack", "Acknowledgment", 2, 0x0010),
    [F_FLAGS_PUSH] = NMX_F_BOOL("tcp.flags.push", "Push", 2, 0x0008),
    [F_FLAGS_RESET] = NMX_F_BOOL("tcp.flags.reset", "Reset", 2, 0x0004),
    [F_FLAGS_SYN] = NMX_F_BOOL("tcp.flags.syn", "Syn", 2, 0x0002),
    [F_FLAGS_FIN] = NMX_F_BOOL("tcp.flags.fin", "Fin", 2, 0x0001),
    [F_WINDOW] = NMX_F_UINT("tcp.window_size_value", "Window", NMX_BASE_DEC, 2, 0),
    [F_CHECKSUM] = NMX_F_UINT("tcp.checksum", "Checksum", NMX_BASE_HEX, 2, 0),
    [F_URGENT] = NMX_F_UINT("tcp.urgent_pointer", "Urgent Pointer", NMX_BASE_DEC, 2, 0),
    [F_OPT_KIND] = NMX_F_UINT("tcp.option_kind", "Kind", NMX_BASE_DEC, 1, 0),
    [F_MSS] = NMX_F_UINT("tcp.options.mss_val", "MSS Value", NMX_BASE_DEC, 2, 0),
    [F_WSCALE] = NMX_F_UINT("tcp.options.wscale.shift", "Shift count", NMX_BASE_DEC, 1, 0),
    [F_LEN] = NMX_F_UINT("tcp.len", "TCP Segment Len", NMX_BASE_DEC, 4, 0),
    [F_STREAM] = NMX_F_UINT("tcp.stream", "Stream index", NMX_BASE_DEC, 4, 0),
};

static nmx_dissect_fn dis_tcp;

NMX_PROTOCOL(nmx__p_tcp, NMX_PROTO_TCP, "tcp", "TCP", NULL, "Transmission Control Protocol", tcp_fields,
             .dissect = dis_tcp, NMX_HANDOFFS({NMX_HO_IP_PROTO, 6}));

/* The first 8 bytes of a segment that an ICMP error quotes: the ports and
 * the sequence number, as far as they are there. */
static void tcp_quoted(nmx_dctx_t *d, nmx_cursor_t c, size_t off)
{
    if (c.left >= 4) {
        nmx__add(d, &tcp_fields[F_SRCPORT], off, 2);
        nmx__add(d, &tcp_fields[F_DSTPORT], off + 2, 2);
        nmx__add(d, &tcp_fields[F_PORT], off, 2);
        nmx__add(d, &tcp_fields[F_PORT], off + 2, 2);
    }
    if (c.left >= 8)
        nmx__add(d, &tcp_fields[F_SEQ_RAW], off + 4, 4);
}

/* The source and destination ports (each also as tcp.port) and, in
 * Wireshark's mode, the stream index of the segment. */
static void tcp_ports(nmx_dctx_t *d, size_t off)
{
    nmx__add(d, &tcp_fields[F_SRCPORT], off, 2);
    nmx__add(d, &tcp_fields[F_DSTPORT], off + 2, 2);
    nmx__add(d, &tcp_fields[F_PORT], off, 2);
    nmx__add(d, &tcp_fields[F_PORT], off + 2, 2);
    if (d->fctx && d->ws) {
        unsigned k = nmx__layer_index(d, NMX_PROTO_TCP);
        if (k < NMX_STREAM_LAYERS && d->fctx->tcp_stream[k] != NMX_STREAM_NONE)
            nmx__add_uint(d, &tcp_fields[F_STREAM], off, 0, d->fctx->tcp_stream[k]);
    }
}

/* The options of header h (hlen bytes, more than 20): kind, length, value;
 * 0 ends, 1 pads.  The MSS and window scale values are fields. */
static void tcp_options(nmx_dctx_t *d, const nmx_cursor_t *h, unsigned hlen)
{
    size_t off = nmx__off(h);
    size_t i = 20;
    uint8_t kind, olen;
    while (i < hlen && nmx__cur_peek_u8(h, i, &kind)) {
        nmx__add(d, &tcp_fields[F_OPT_KIND], off + i, 1);
        if (kind == 0 || kind == 1) { /* like tshark, go on after an end-of-list */
            i++;
            continue;
        }
        if (i + 1 >= hlen || !nmx__cur_peek_u8(h, i + 1, &olen) || olen < 2 || i + olen > hlen) {
            nmx__add_err(d, &tcp_fields[F_OPT_KIND], off + i, hlen - i);
            break;
        }
        if (kind == 2 && olen == 4)
            nmx__add(d, &tcp_fields[F_MSS], off + i + 2, 2);
        else if (kind == 3 && olen == 3)
            nmx__add(d, &tcp_fields[F_WSCALE], off + i + 2, 1);
        i += olen;
    }
}

static bool dis_tcp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    (void)proto; /* always NMX_PROTO_TCP */
    size_t off = nmx__off(&c);
    uint32_t reported = d->l4_reported;
    if (!nmx__push_layer(d, NMX_PROTO_TCP, off))
        return true;
    if (c.left < 20 && d->in_error) {
        tcp_quoted(d, c, off); /* an ICMP error quotes only the first 8 bytes of the segment */
        return true;
    }
    if (c.left < 20) {
        nmx__add_err(d, &tcp_fields[F_SRCPORT], off, c.left);
        return true;
    }
    unsigned sport = nmx__cur_get_u16be(&c, 0), dport = nmx__cur_get_u16be(&c, 2);
    unsigned hlen = (nmx__cur_get_u8(&c, 12) >> 4) * 4u;
    uint8_t flags = nmx__cur_get_u8(&c, 13);
    bool rst = flags & 0x04;
    tcp_ports(d, off);
    if ((flags & 0x12) == 0x02 && !d->in_error)
        nmx__fact_syn(d, sport, dport, nmx__cur_get_u32be(&c, 4)); /* a new conversation? (learn.c) */
    if (hlen < 20) {
        nmx__add_err(d, &tcp_fields[F_HDR_LEN], off + 12, 1);
        return true;
    }
    nmx__add(d, &tcp_fields[F_SEQ_RAW], off + 4, 4);
    nmx__add(d, &tcp_fields[F_ACK_RAW], off + 8, 4);
    nmx__add_uint(d, &tcp_fields[F_HDR_LEN], off + 12, 1, hlen);
    if (d->ws) {
        for (unsigned f = F_FLAGS; f <= F_FLAGS_FIN; f++)
            nmx__add(d, &tcp_fields[f], off + 12, 2);
    }
    nmx__add(d, &tcp_fields[F_WINDOW], off + 14, 2);
    nmx__add(d, &tcp_fields[F_CHECKSUM], off + 16, 2);
    nmx__add(d, &tcp_fields[F_URGENT], off + 18, 2);
    if (d->in_error) {
        return true;
    }
    if (hlen > reported) {
        nmx__add_err(d, &tcp_fields[F_HDR_LEN], off + 12, 1);
        return true;
    }
    nmx__add_uint(d, &tcp_fields[F_LEN], off + 12, 1, reported - hlen);
    if (c.left < hlen) {
        nmx__add_err(d, &tcp_fields[F_HDR_LEN], off + 12, 1);
        return true;
    }
    if (d->ws && hlen > 20)
        tcp_options(d, &c, hlen);
    nmx__cur_skip(&c, hlen);
    if (reported - hlen == 0 || c.left == 0) {
        (void)nmx__learned_proto(d, true, sport, dport, NULL); /* a SYN takes an announced port */
        return true;
    }
    if (rst)
        return true; /* tshark 4.0 shows a reset's payload as its cause (tcp.reset_cause), to no dissector */
    nmx__handoff_ports(d, c, true, sport, dport);
    return true;
}
