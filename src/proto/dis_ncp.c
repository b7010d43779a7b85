/*
 * dis_ncp.c - the NetWare Core Protocol header: over IPX socket 0x0451
 * (NMX_HO_IPX_SOCKET, either socket) and over TCP port 524, where an
 * NCP-over-IP header comes first.
 *
 *   over TCP: +-----------+--------+-------------------------------+
 *             | signature | length | version, reply buffer size    |
 *             +-----------+--------+-------------------------------+
 *                  4          4      8 (requests, "DmdT", only)
 *   then:     +------+-----+----------+------+-----------+----------+
 *             | type | seq | conn low | task | conn high | ...      |
 *             +------+-----+----------+------+-----------+----------+
 *                 2     1       1        1         1
 *   a reply (0x3333) or "request being processed" (0x9999) goes on with
 *   the completion code and the connection status (one byte each).
 *
 * As tshark 4.0 shows it without request/reply state: the six header
 * bytes are read at once (a shorter header shows no field, but NCP is
 * still counted), ncp.connection joins the low and high bytes, and a
 * reply shows its completion code and connection status one by one while
 * the bytes last.  Not made (docs/protocols.md, difference 14): ncp.func,
 * which tshark shows only for the functions its request table knows, the
 * subfunctions and the ~2,400 function fields, the request/reply matching
 * (ncp.req_frame_num, ncp.time, ncp.group), NDS, and packet signatures
 * (ncp.ip.packetsig).  A burst mode packet (0x7777) shows its own header
 * (flags, stream type, connection IDs, sequence numbers, lengths and
 * offsets) instead of sequence, connection and task; its missing
 * fragment list and burst command are not made.
 */
#include "proto/proto_int.h"

enum { F_SIG, F_LEN, F_VER, F_RBUF, F_TYPE, F_SEQ, F_CONN, F_TASK, F_CC, F_CS, F_FLAGS, F_ABT, F_BSY, F_EOB,
       F_LST, F_SYS, F_STREAM, F_SRC, F_DST, F_PSEQ, F_DELAY, F_BSEQ, F_ASEQ, F_BLEN, F_DOFF, F_DBYTES, F_MISSING };

static nmx_field_t ncp_fields[] = {
    [F_SIG] = NMX_F_UINT("ncp.ip.signature", "NCP over IP signature", NMX_BASE_HEX, 4, 0),
    [F_LEN] = NMX_F_UINT("ncp.ip.length", "NCP over IP length", NMX_BASE_DEC, 4, 0),
    [F_VER] = NMX_F_UINT("ncp.ip.version", "NCP over IP Version", NMX_BASE_DEC, 4, 0),
    [F_RBUF] = NMX_F_UINT("ncp.ip.replybufsize", "NCP over IP Reply Buffer Size", NMX_BASE_DEC, 4, 0),
    [F_TYPE] = NMX_F_UINT("ncp.type", "Type", NMX_BASE_HEX, 2, 0),
    [F_SEQ] = NMX_F_UINT("ncp.seq", "Sequence Number", NMX_BASE_DEC, 1, 0),
    [F_CONN] = NMX_F_UINT("ncp.connection", "Connection Number", NMX_BASE_DEC, 2, 0),
    [F_TASK] = NMX_F_UINT("ncp.task", "Task Number", NMX_BASE_DEC, 1, 0),
    [F_CC] = NMX_F_UINT("ncp.completion_code", "Completion Code", NMX_BASE_HEX, 1, 0),
    [F_CS] = NMX_F_UINT("ncp.connection_status", "Connection Status", NMX_BASE_DEC, 1, 0),
    [F_FLAGS] = NMX_F_UINT("ncp.system_flags", "System Flags", NMX_BASE_HEX, 1, 0),
    [F_ABT] = NMX_F_BOOL("ncp.system_flags.abt", "ABT", 1, 0x04),
    [F_BSY] = NMX_F_BOOL("ncp.system_flags.bsy", "BSY", 1, 0x08),
    [F_EOB] = NMX_F_BOOL("ncp.system_flags.eob", "EOB", 1, 0x10),
    [F_LST] = NMX_F_BOOL("ncp.system_flags.lst", "LST", 1, 0x40),
    [F_SYS] = NMX_F_BOOL("ncp.system_flags.sys", "SYS", 1, 0x80),
    [F_STREAM] = NMX_F_UINT("ncp.stream_type", "Stream Type", NMX_BASE_HEX, 1, 0),
    [F_SRC] = NMX_F_UINT("ncp.src_connection", "Source Connection ID", NMX_BASE_DEC, 4, 0),
    [F_DST] = NMX_F_UINT("ncp.dst_connection", "Destination Connection ID", NMX_BASE_DEC, 4, 0),
    [F_PSEQ] = NMX_F_UINT("ncp.packet_seqno", "Packet Sequence Number", NMX_BASE_DEC, 4, 0),
    [F_DELAY] = NMX_F_UINT("ncp.delay_time", "Delay Time", NMX_BASE_DEC, 4, 0),
    [F_BSEQ] = NMX_F_UINT("ncp.burst_seqno", "Burst Sequence Number", NMX_BASE_DEC, 2, 0),
    [F_ASEQ] = NMX_F_UINT("ncp.ack_seqno", "ACK Sequence Number", NMX_BASE_DEC, 2, 0),
    [F_BLEN] = NMX_F_UINT("ncp.burst_len", "Burst Length", NMX_BASE_DEC, 4, 0),
    [F_DOFF] = NMX_F_UINT("ncp.data_offset", "Data Offset", NMX_BASE_DEC, 4, 0),
    [F_DBYTES] = NMX_F_UINT("ncp.data_bytes", "Data Bytes", NMX_BASE_DEC, 2, 0),
    [F_MISSING] = NMX_F_UINT("ncp.missing_fraglist_count", "Missing Fragment List Count", NMX_BASE_DEC, 2, 0),
};

static nmx_dissect_fn dis_ncp;

NMX_PROTOCOL(nmx__p_ncp, NMX_PROTO_NCP, "ncp", "NCP", NULL, "NetWare Core Protocol", ncp_fields,
             .dissect = dis_ncp, NMX_HANDOFFS({NMX_HO_IPX_SOCKET, 0x0451}, {NMX_HO_TCP_PORT, 524}));

#define NCP_SIG_REQUEST 0x446d6454u /* "DmdT" */

/* A burst mode (0x7777) header at pos of c, after its type: the flags
 * and the stream type, then the rest field by field while the bytes last. */
static void ncp_burst(nmx_dctx_t *d, const nmx_cursor_t *c, size_t pos)
{
    size_t off = nmx__off(c);
    for (int f = F_FLAGS; f <= F_STREAM; f++)
        nmx__add(d, &ncp_fields[f], off + pos + (f == F_STREAM ? 3 : 2), 1);
    static const struct {
        int f;
        size_t pos, n;
    } rest[] = {{F_SRC, 4, 4},   {F_DST, 8, 4},   {F_PSEQ, 12, 4}, {F_DELAY, 16, 4},   {F_BSEQ, 20, 2},
                {F_ASEQ, 22, 2}, {F_BLEN, 24, 4}, {F_DOFF, 28, 4}, {F_DBYTES, 32, 2}, {F_MISSING, 34, 2}};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
        if (!nmx__add_at(d, c, &ncp_fields[rest[i].f], pos + rest[i].pos, rest[i].n))
            return;
}

/* The NCP header at pos of c. */
static void ncp_header(nmx_dctx_t *d, const nmx_cursor_t *c, size_t pos)
{
    size_t off = nmx__off(c);
    if (!nmx__cur_in(c, pos, 6))
        return; /* tshark reads the six bytes before its first item */
    unsigned type = nmx__cur_get_u16be(c, pos);
    if (type == 0x7777) {
        nmx__add(d, &ncp_fields[F_TYPE], off + pos, 2);
        ncp_burst(d, c, pos);
        return;
    }
    unsigned conn = nmx__cur_get_u8(c, pos + 3) | (unsigned)nmx__cur_get_u8(c, pos + 5) << 8;
    nmx__add(d, &ncp_fields[F_TYPE], off + pos, 2);
    nmx__add(d, &ncp_fields[F_SEQ], off + pos + 2, 1);
    nmx__add_uint(d, &ncp_fields[F_CONN], off + pos + 3, 3, conn);
    nmx__add(d, &ncp_fields[F_TASK], off + pos + 4, 1);
    if (type == 0x3333 || type == 0x9999) {
        if (nmx__add_at(d, c, &ncp_fields[F_CC], pos + 6, 1))
            nmx__add_at(d, c, &ncp_fields[F_CS], pos + 7, 1);
    }
}

/* The NCP-over-IP header of a TCP segment: its size, 0 when cut short. */
static size_t ncp_ip_header(nmx_dctx_t *d, const nmx_cursor_t *c)
{
    if (!nmx__add_at(d, c, &ncp_fields[F_SIG], 0, 4) || !nmx__add_at(d, c, &ncp_fields[F_LEN], 4, 4))
        return 0;
    if (nmx__cur_get_u32be(c, 0) != NCP_SIG_REQUEST)
        return 8;
    if (!nmx__add_at(d, c, &ncp_fields[F_VER], 8, 4) || !nmx__add_at(d, c, &ncp_fields[F_RBUF], 12, 4))
        return 0;
    return 16;
}

static bool dis_ncp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    bool tcp = d->ho_table == NMX_HO_TCP_PORT;
    if (tcp && c.left < 8)
        return false; /* tshark waits for the NCP-over-IP length */
    if (!nmx__push_layer(d, proto, nmx__off(&c)) || !d->ws)
        return true;
    size_t pos = 0;
    if (tcp) {
        pos = ncp_ip_header(d, &c);
        if (pos == 0)
            return true;
    }
    ncp_header(d, &c, pos);
    return true;
}
