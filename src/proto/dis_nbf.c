/*
 * dis_nbf.c - the NetBIOS Frames protocol (NBF, "NetBEUI"): NetBIOS
 * directly on 802.2 LLC, SAP 0xF0, as Windows NT and LAN Manager ran it and
 * Network Monitor showed it.  Wireshark calls it "netbios".
 *
 *   0       2       4     5      6       8        10       12        28
 *   +-------+-------+-----+------+-------+--------+--------+---------+---------+
 *   |length |EF FF  | cmd |data1 | data2 |xmit    |resp    |dest name|src name |
 *   |(LE)   |       |     |      | (LE)  |corr.   |corr.   |(16)     |(16)     |
 *   +-------+-------+-----+------+-------+--------+--------+---------+---------+
 *                                           session frames: 12 remote, 13 local
 *
 * All numbers are little-endian.  The header is 44 bytes for name and
 * datagram frames and 14 for session frames; what data1, data2 and the
 * bytes from 12 on mean depends on the command, and each command shows the
 * fields tshark 4.0 shows for it, in its order.  As tshark: when the
 * 0xEFFF delimiter is not at byte 2 one extra byte is assumed before the
 * header (a second LLC control byte); a command above 0x20 is shown as
 * 0x21 and not decoded.  A name is 16 bytes: 15 characters (non-printable
 * ones as <xx>, trailing spaces dropped) and the name type.  The payload of
 * a datagram and of a Data Only Last frame goes to SMB or SMB2 when it
 * starts with their signature (tshark's NetBIOS heuristics); a Data First
 * Middle frame is the start of a message tshark reassembles, so its
 * payload is data.  Bytes missing from a cut frame end the dissection
 * where tshark's exception would.
 */
#include <stdio.h>
#include <string.h>

#include "proto/proto_int.h"

enum {
    F_CMD, F_HDR_LEN, F_DELIM, F_XMIT, F_RESP, F_CALL_TYPE, F_NAME_TYPE_NB, F_NAME, F_VERSION,
    F_NORECV, F_NORECV_SNA, F_LARGEST, F_STATUS_BUF, F_STATUS, F_NAME_TYPE, F_MAX_RECV, F_TERM,
    F_ACCEPTED, F_LOCAL, F_REMOTE, F_FLAGS, F_FL_SNA, F_FL_ACK, F_FL_ACK_DATA, F_FL_ACK_EXP,
    F_FL_RECV_CONT, F_DATA2, F_DATA2_FRAME, F_DATA2_USER, F_DATA2_STATUS, F_DG_MAC, F_DGB_MAC,
    F_RESYNC, F_STATUS_REQ, F_LSN, F_STATE, F_STATUS_RESP
};

static nmx_field_t nbf_fields[] = {
    [F_CMD] = NMX_F_UINT("netbios.command", "Command", NMX_BASE_HEX, 1, 0),
    [F_HDR_LEN] = NMX_F_UINT_LE("netbios.hdr_len", "Length", NMX_BASE_DEC, 2, 0),
    [F_DELIM] = NMX_F_UINT_LE("netbios.delimiter", "Delimiter", NMX_BASE_HEX, 2, 0),
    [F_XMIT] = NMX_F_UINT_LE("netbios.xmit_corrl", "Transmit Correlator", NMX_BASE_HEX, 2, 0),
    [F_RESP] = NMX_F_UINT_LE("netbios.resp_corrl", "Response Correlator", NMX_BASE_HEX, 2, 0),
    [F_CALL_TYPE] = NMX_F_UINT("netbios.call_name_type", "Caller's Name Type", NMX_BASE_HEX, 1, 0),
    [F_NAME_TYPE_NB] = NMX_F_UINT("netbios.nb_name_type", "NetBIOS Name Type", NMX_BASE_HEX, 1, 0),
    [F_NAME] = NMX_F_STRING("netbios.nb_name", "NetBIOS Name"),
    [F_VERSION] = NMX_F_BOOL("netbios.version", "NetBIOS Version", 1, 0x01),
    [F_NORECV] = NMX_F_UINT("netbios.no_receive_flags", "Flags", NMX_BASE_HEX, 1, 0),
    [F_NORECV_SNA] = NMX_F_BOOL("netbios.no_receive_flags.send_no_ack", "SEND.NO.ACK data received", 1, 0x02),
    [F_LARGEST] = NMX_F_UINT("netbios.largest_frame", "Largest Frame", NMX_BASE_DEC, 1, 0x0E),
    [F_STATUS_BUF] = NMX_F_UINT_LE("netbios.status_buffer_len", "Length of status buffer", NMX_BASE_DEC, 2, 0),
    [F_STATUS] = NMX_F_UINT("netbios.status", "Status", NMX_BASE_DEC, 1, 0),
    [F_NAME_TYPE] = NMX_F_UINT_LE("netbios.name_type", "Name type", NMX_BASE_DEC, 2, 0),
    [F_MAX_RECV] = NMX_F_UINT_LE("netbios.max_data_recv_size", "Maximum data receive size", NMX_BASE_DEC, 2, 0),
    [F_TERM] = NMX_F_UINT_LE("netbios.termination_indicator", "Termination indicator", NMX_BASE_HEX, 2, 0),
    [F_ACCEPTED] = NMX_F_UINT_LE("netbios.num_data_bytes_accepted", "Number of data bytes accepted",
                                 NMX_BASE_DEC, 2, 0),
    [F_LOCAL] = NMX_F_UINT("netbios.local_session", "Local Session No.", NMX_BASE_HEX, 1, 0),
    [F_REMOTE] = NMX_F_UINT("netbios.remote_session", "Remote Session No.", NMX_BASE_HEX, 1, 0),
    [F_FLAGS] = NMX_F_UINT("netbios.flags", "Flags", NMX_BASE_HEX, 1, 0),
    [F_FL_SNA] = NMX_F_BOOL("netbios.flags.send_no_ack", "Handle SEND.NO.ACK", 1, 0x80),
    [F_FL_ACK] = NMX_F_BOOL("netbios.flags.ack", "Acknowledge", 1, 0x08),
    [F_FL_ACK_DATA] = NMX_F_BOOL("netbios.flags.ack_with_data", "Acknowledge with data", 1, 0x04),
    [F_FL_ACK_EXP] = NMX_F_BOOL("netbios.flags.ack_expected", "Acknowledge expected", 1, 0x02),
    [F_FL_RECV_CONT] = NMX_F_BOOL("netbios.flags.recv_cont_req", "RECEIVE_CONTINUE requested", 1, 0x01),
    [F_DATA2] = NMX_F_UINT_LE("netbios.data2", "DATA2 value", NMX_BASE_HEX, 2, 0),
    [F_DATA2_FRAME] = NMX_F_BOOL_LE("netbios.data2.frame", "Data length exceeds maximum frame size", 2, 0x8000),
    [F_DATA2_USER] = NMX_F_BOOL_LE("netbios.data2.user", "Data length exceeds user's buffer", 2, 0x4000),
    [F_DATA2_STATUS] = NMX_F_UINT_LE("netbios.data2.status", "Status data length", NMX_BASE_DEC, 2, 0x3FFF),
    [F_DG_MAC] = NMX_F_ETHER("netbios.datagram_mac", "Sender's MAC Address"),
    [F_DGB_MAC] = NMX_F_ETHER("netbios.datagram_bcast_mac", "Sender's Node Address"),
    [F_RESYNC] = NMX_F_UINT_LE("netbios.resync_indicator", "Re-sync indicator", NMX_BASE_HEX, 2, 0),
    [F_STATUS_REQ] = NMX_F_UINT("netbios.status_request", "Status request", NMX_BASE_DEC, 1, 0),
    [F_LSN] = NMX_F_UINT("netbios.local_session_no", "Local Session No.", NMX_BASE_HEX, 1, 0),
    [F_STATE] = NMX_F_UINT("netbios.state_of_name", "State of name", NMX_BASE_HEX, 1, 0),
    [F_STATUS_RESP] = NMX_F_UINT("netbios.status_response", "Status response", NMX_BASE_DEC, 1, 0),
};

static nmx_dissect_fn dis_nbf;

NMX_PROTOCOL(nmx__p_netbios, NMX_PROTO_NETBIOS, "netbios", "NETBIOS", "nbf", "NetBIOS", nbf_fields,
             .dissect = dis_nbf, NMX_HANDOFFS({NMX_HO_LLC_SAP, 0xF0}));

/* The header being read: its window (from the length field on) and
 * whether every field so far was there (a missing one ends it all). */
typedef struct nbf {
    nmx_dctx_t *d;
    nmx_cursor_t c;
    bool ok;
} nbf_t;

/* Field f over n bytes at header offset at; false (and nothing after it)
 * when they are not all there. */
static bool put(nbf_t *h, int f, size_t at, size_t n)
{
    if (h->ok && !nmx__cur_in(&h->c, at, n))
        h->ok = false;
    if (h->ok)
        nmx__add(h->d, &nbf_fields[f], nmx__off(&h->c) + at, n);
    return h->ok;
}

static uint8_t byte_at(const nbf_t *h, size_t at)
{
    return nmx__cur_in(&h->c, at, 1) ? nmx__cur_get_u8(&h->c, at) : 0;
}

/* A 16-byte name at header offset at: nb_name and nb_name_type. */
static void put_name(nbf_t *h, size_t at)
{
    if (!h->ok || !nmx__cur_in(&h->c, at, 16)) {
        h->ok = false;
        return;
    }
    static const char hex[] = "0123456789abcdef";
    char s[15 * 4 + 1];
    size_t n = 0;
    for (size_t i = 0; i < 15; i++) {
        uint8_t ch = nmx__cur_get_u8(&h->c, at + i);
        if (ch >= ' ' && ch <= '~') {
            s[n++] = (char)ch;
        } else {
            s[n++] = '<';
            s[n++] = hex[ch >> 4];
            s[n++] = hex[ch & 15];
            s[n++] = '>';
        }
    }
    /* Trailing spaces go, looking back 15 characters: a name of spaces
     * only stays whole (as tshark's loop leaves it). */
    for (size_t k = 0; k < 15; k++)
        if (s[n - 1 - k] != ' ') {
            n -= k;
            break;
        }
    nmx__add_str(h->d, &nbf_fields[F_NAME], nmx__off(&h->c) + at, 15, s, n);
    put(h, F_NAME_TYPE_NB, at + 15, 1);
}

static void put_flags(nbf_t *h, int first, const int *bits, size_t nbits)
{
    if (put(h, first, 5, 1))
        for (size_t i = 0; i < nbits; i++)
            put(h, bits[i], 5, 1);
}

static void sessions(nbf_t *h)
{
    put(h, F_REMOTE, 12, 1);
    put(h, F_LOCAL, 13, 1);
}

/* ---- the commands, each as tshark shows it ---- */

static void cmd_add_name(nbf_t *h)
{
    put(h, F_RESP, 10, 2);
    put_name(h, 28);
}

static void cmd_name_in_conflict(nbf_t *h)
{
    put_name(h, 12);
    put_name(h, 28);
}

static void cmd_status_query(nbf_t *h)
{
    put(h, F_STATUS_REQ, 5, 1);
    put(h, F_STATUS_BUF, 6, 2);
    put(h, F_RESP, 10, 2);
    put_name(h, 12);
    put_name(h, 28);
}

/* A datagram's sender: a name, or 10 zero bytes and a MAC address. */
static void datagram_sender(nbf_t *h, int mac_field)
{
    bool zeroes = nmx__cur_in(&h->c, 28, 10);
    for (size_t i = 0; zeroes && i < 10; i++)
        zeroes = nmx__cur_get_u8(&h->c, 28 + i) == 0;
    if (zeroes)
        put(h, mac_field, 38, 6);
    else
        put_name(h, 28);
}

static void cmd_datagram(nbf_t *h)
{
    put_name(h, 12);
    datagram_sender(h, F_DG_MAC);
}

static void cmd_datagram_bcast(nbf_t *h)
{
    datagram_sender(h, F_DGB_MAC);
}

static void cmd_name_query(nbf_t *h)
{
    uint8_t lsn = byte_at(h, 6);
    put(h, F_LSN, 6, 1);
    put(h, F_CALL_TYPE, 7, 1);
    put(h, F_RESP, 10, 2);
    put_name(h, 12);
    if (lsn != 0)
        put_name(h, 28);
}

static void cmd_add_name_resp(nbf_t *h)
{
    put(h, F_STATUS, 5, 1);
    put(h, F_NAME_TYPE, 6, 2);
    put(h, F_XMIT, 8, 2);
    put_name(h, 12);
    put_name(h, 28);
}

static void cmd_name_recognized(nbf_t *h)
{
    uint8_t lsn = byte_at(h, 6);
    bool session = lsn != 0x00 && lsn != 0xFF;
    put(h, session ? F_LSN : F_STATE, 6, 1);
    put(h, F_CALL_TYPE, 7, 1);
    put(h, F_XMIT, 8, 2);
    if (session)
        put(h, F_RESP, 10, 2);
    put_name(h, 12);
    if (session)
        put_name(h, 28);
}

static void cmd_status_resp(nbf_t *h)
{
    put(h, F_CALL_TYPE, 7, 1);
    put(h, F_STATUS_RESP, 5, 1);
    if (put(h, F_DATA2, 6, 2)) {
        put(h, F_DATA2_FRAME, 6, 2);
        put(h, F_DATA2_USER, 6, 2);
        put(h, F_DATA2_STATUS, 6, 2);
    }
    put(h, F_XMIT, 8, 2);
    put_name(h, 12);
    put_name(h, 28);
}

static void cmd_data_ack(nbf_t *h)
{
    put(h, F_XMIT, 8, 2);
    sessions(h);
}

static void data_frame(nbf_t *h, const int *bits, size_t nbits)
{
    put_flags(h, F_FLAGS, bits, nbits);
    put(h, F_RESYNC, 6, 2);
    put(h, F_XMIT, 8, 2);
    put(h, F_RESP, 10, 2);
    sessions(h);
}

static void cmd_data_first_middle(nbf_t *h)
{
    static const int bits[] = {F_FL_ACK, F_FL_ACK_EXP, F_FL_RECV_CONT};
    data_frame(h, bits, 3);
}

static void cmd_data_only_last(nbf_t *h)
{
    static const int bits[] = {F_FL_ACK, F_FL_ACK_DATA, F_FL_ACK_EXP};
    data_frame(h, bits, 3);
}

static void cmd_session_confirm(nbf_t *h)
{
    static const int bits[] = {F_FL_SNA, F_VERSION};
    put_flags(h, F_FLAGS, bits, 2);
    put(h, F_MAX_RECV, 6, 2);
    put(h, F_XMIT, 8, 2);
    put(h, F_RESP, 10, 2);
    sessions(h);
}

static void cmd_session_end(nbf_t *h)
{
    put(h, F_TERM, 6, 2);
    sessions(h);
}

static void cmd_session_init(nbf_t *h)
{
    static const int bits[] = {F_FL_SNA, F_LARGEST, F_VERSION};
    put_flags(h, F_FLAGS, bits, 3);
    put(h, F_MAX_RECV, 6, 2);
    put(h, F_RESP, 10, 2);
    put(h, F_XMIT, 8, 2);
    sessions(h);
}

static void cmd_no_receive(nbf_t *h)
{
    static const int bits[] = {F_NORECV_SNA};
    put_flags(h, F_NORECV, bits, 1);
    put(h, F_ACCEPTED, 6, 2);
    sessions(h);
}

static void cmd_receive_outstanding(nbf_t *h)
{
    put(h, F_ACCEPTED, 6, 2);
    sessions(h);
}

static void cmd_receive_continue(nbf_t *h)
{
    put(h, F_XMIT, 8, 2);
    sessions(h);
}

static void cmd_session_alive(nbf_t *h)
{
    sessions(h); /* the rest is reserved */
}

static void cmd_nothing(nbf_t *h)
{
    (void)h; /* Terminate Trace (reserved fields), unknown commands */
}

/* Indexed by command, 0x00 to 0x20, as tshark's table. */
typedef void nbf_cmd_fn(nbf_t *h);
static nbf_cmd_fn *const commands[0x21] = {
    cmd_add_name, cmd_add_name, cmd_name_in_conflict, cmd_status_query,
    cmd_nothing, cmd_nothing, cmd_nothing, cmd_nothing,
    cmd_datagram, cmd_datagram_bcast, cmd_name_query, cmd_nothing,
    cmd_nothing, cmd_add_name_resp, cmd_name_recognized, cmd_status_resp,
    cmd_nothing, cmd_nothing, cmd_nothing, cmd_nothing,
    cmd_data_ack, cmd_data_first_middle, cmd_data_only_last, cmd_session_confirm,
    cmd_session_end, cmd_session_init, cmd_no_receive, cmd_receive_outstanding,
    cmd_receive_continue, cmd_nothing, cmd_nothing, cmd_session_alive,
    cmd_nothing,
};

/* The payload of a datagram or a whole message: SMB or SMB2 by their
 * signatures (tshark's NetBIOS heuristics), else data. */
static void payload(nmx_dctx_t *d, nmx_cursor_t c)
{
    if (nmx__cur_match(&c, 0, "\xFFSMB", 4))
        nmx__dis_smb(d, c);
    else if (nmx__cur_match(&c, 0, "\xFESMB", 4) || nmx__cur_match(&c, 0, "\xFDSMB", 4))
        nmx__dis_smb2(d, c);
}

static bool dis_nbf(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    /* Without the delimiter (at byte 2, or 3) it is not NetBIOS: tshark
     * shows no layer.  Too short to tell, it is a cut NetBIOS header. */
    bool at2 = nmx__cur_in(&c, 2, 2) && nmx__cur_get_u16le(&c, 2) == 0xEFFF;
    if (!at2 && nmx__cur_in(&c, 3, 2) && nmx__cur_get_u16le(&c, 3) != 0xEFFF)
        return false;
    if (!nmx__push_layer(d, proto, nmx__off(&c)) || !nmx__cur_in(&c, 0, 5))
        return true;
    if (!at2)
        nmx__cur_skip(&c, 1);
    if (!nmx__cur_in(&c, 4, 1))
        return true;
    unsigned cmd = nmx__cur_get_u8(&c, 4);
    cmd = cmd < 0x21 ? cmd : 0x21;
    size_t hdr_len = nmx__cur_get_u16le(&c, 0);
    nbf_t h = {d, c, true};
    put(&h, F_HDR_LEN, 0, 2);
    put(&h, F_DELIM, 2, 2);
    nmx__add_uint(d, &nbf_fields[F_CMD], nmx__off(&c) + 4, 1, cmd);
    if (cmd >= 0x21)
        return true;
    commands[cmd](&h);
    if (!h.ok || (cmd != 0x08 && cmd != 0x09 && cmd != 0x16))
        return true;
    if (nmx__cur_skip(&c, hdr_len) && c.left >= 4)
        payload(d, c);
    return true;
}
