/*
 * dis_smb.c - SMB (CIFS) message headers and AndX command chains
 * ([MS-CIFS] 2.2.3.1 and 2.2.4).
 *
 *   0xFF 'SMB' | cmd(1) | status(4) | flags(1) | flags2(2) | pid hi(2)
 *   | signature(8) | reserved(2) | tid(2) | pid(2) | uid(2) | mid(2)
 *   then WordCount(1), Words, ByteCount(2), Bytes.
 *
 * AndX commands start their words with AndXCommand(1), reserved(1),
 * AndXOffset(2); each AndXCommand is listed as another smb.cmd, 0xFF ("no
 * further commands") included, as Wireshark lists it.  Fields are little-endian.
 */
#include "proto/proto_int.h"

enum { F_CMD, F_STATUS, F_FLAGS, F_RESPONSE, F_FLAGS2, F_TID, F_PID, F_UID, F_MID, F_WCT, F_BCC };

static nmx_field_t smb_fields[] = {
    [F_CMD] = NMX_F_UINT("smb.cmd", "SMB Command", NMX_BASE_HEX, 1, 0),
    [F_STATUS] = NMX_F_UINT_LE("smb.nt_status", "NT Status", NMX_BASE_HEX, 4, 0),
    [F_FLAGS] = NMX_F_UINT("smb.flags", "Flags", NMX_BASE_HEX, 1, 0),
    [F_RESPONSE] = NMX_F_BOOL("smb.flags.response", "Request/Response", 1, 0x80),
    [F_FLAGS2] = NMX_F_UINT_LE("smb.flags2", "Flags2", NMX_BASE_HEX, 2, 0),
    [F_TID] = NMX_F_UINT_LE("smb.tid", "Tree ID", NMX_BASE_DEC, 2, 0),
    [F_PID] = NMX_F_UINT_LE("smb.pid", "Process ID", NMX_BASE_DEC, 2, 0),
    [F_UID] = NMX_F_UINT_LE("smb.uid", "User ID", NMX_BASE_DEC, 2, 0),
    [F_MID] = NMX_F_UINT_LE("smb.mid", "Multiplex ID", NMX_BASE_DEC, 2, 0),
    [F_WCT] = NMX_F_UINT("smb.wct", "Word Count (WCT)", NMX_BASE_DEC, 1, 0),
    [F_BCC] = NMX_F_UINT_LE("smb.bcc", "Byte Count (BCC)", NMX_BASE_DEC, 2, 0),
};

NMX_PROTOCOL(nmx__p_smb, NMX_PROTO_SMB, "smb", "SMB", "CIFS", "SMB (Server Message Block Protocol)", smb_fields,
             /* the session setup's ntlmssp.* and kerberos.* fields, as in tshark */
             .borrows = {NMX_PROTO_NTLMSSP, NMX_PROTO_KERBEROS});

static bool is_andx(uint8_t cmd)
{
    switch (cmd) {
    case 0x24: /* locking */
    case 0x2D: /* open */
    case 0x2E: /* read */
    case 0x2F: /* write */
    case 0x73: /* session setup */
    case 0x74: /* logoff */
    case 0x75: /* tree connect */
    case 0xA2: /* NT create */
        return true;
    default:
        return false;
    }
}

/* An extended-security SESSION_SETUP_ANDX (request: 12 words, response:
 * 4) at pos: its security blob. */
static void smb_session_blob(nmx_dctx_t *d, const nmx_cursor_t *c, uint8_t cmd, size_t pos, uint8_t wct)
{
    uint16_t len;
    nmx_cursor_t blob;
    if (cmd != 0x73 || (wct != 12 && wct != 4) || !nmx__cur_peek_u16le(c, pos + 1 + (wct == 12 ? 14 : 6), &len) ||
        len == 0 || !nmx__cur_window(c, pos + 1 + 2 * (size_t)wct + 2, len, &blob))
        return;
    nmx__dis_security_blob(d, blob);
}

/*
 * Named pipes, as tshark 4.0 finds them (packet-smb.c, packet-smb-pipe.c).
 * Per connection it remembers each tree id's service from the TREE_CONNECT
 * ANDX response ("IPC" for IPC$), and each request by PID and MID.  A
 * request is on a pipe's tree when its tree id was IPC's before it, or it
 * is a write starting a pipe message (WriteMode 0x0008); a response when
 * its request was (its own tree id does not matter, and without its
 * request seen it is not).  A write starting a pipe message and a
 * TRANSACTION to \PIPE\ make their tree IPC's for the messages after
 * them.  On a pipe's tree the data of WRITE_ANDX requests and READ_ANDX
 * responses is offered to DCE/RPC.  A TRANSACTION request to \PIPE\ with
 * function TransactNmPipe (0x26) carries DCE/RPC whatever the tree, and
 * so does its response.  A transaction whose data is split over several
 * messages is not reassembled (tshark's smb.trans_reassembly, off in the
 * reference, changes nothing there in tshark 4.0): the request's part and
 * the response's first part (DataDisplacement 0) are offered on their own,
 * the parts after them (TRANSACTION_SECONDARY requests, later responses)
 * are not.
 */
enum { TID_IPC = 1, TID_OTHER = 2 };
enum { REQ_SEEN = 1, REQ_IPC = 2, REQ_PIPE_TRANS = 4 };

typedef struct smb_msg {
    nmx_cursor_t c;     /* the message, from its header */
    uint16_t tid, flags2;
    uint64_t key;       /* PID << 16 | MID */
    bool resp, ipc;     /* on a pipe's tree (see above) */
    uint32_t req;       /* REQ_* of the request (of this one, for a request), and in the
                           high 16 bits the FID of a READ_ANDX or pipe TRANSACTION request */
} smb_msg_t;

/* The n bytes of data at `at` of the message as a pipe's (the FID `fid`):
 * DCE/RPC when they start with a PDU.  A transaction request's data not all there (a
 * message longer than its segment) is read as far as it goes (cut_ok); a
 * response's, a read's or a write's is not read: tshark's SMB fails on it
 * (BoundError). */
static void smb_pipe_data(nmx_dctx_t *d, const smb_msg_t *m, size_t at, size_t n, bool cut_ok, uint16_t fid)
{
    if (cut_ok || (at < m->c.left && n <= m->c.left - at))
        (void)nmx__dis_dcerpc_pipe(d, &m->c, at, n, false, fid);
}

/* A READ_ANDX response's or WRITE_ANDX request's data: the last `len`
 * bytes of the byte block (ByteCount at bcc_at), as tshark takes them. */
static void smb_rw_data(nmx_dctx_t *d, const smb_msg_t *m, size_t bcc_at, size_t len, uint16_t fid)
{
    uint16_t bc;
    if (!nmx__cur_peek_u16le(&m->c, bcc_at, &bc))
        return;
    smb_pipe_data(d, m, bcc_at + 2 + (bc > len ? bc - len : 0), bc < len ? bc : len, false, fid);
}

/* Whether the TRANSACTION request's name at pos (after the words) is a
 * pipe's other than LANMAN: "\PIPE\" in ASCII or, with Unicode strings
 * (flags2 0x8000), UTF-16LE aligned to an even offset. */
static bool smb_pipe_name(const smb_msg_t *m, size_t pos)
{
    static const char pipe[] = "\\PIPE\\LANMAN";
    bool uni = (m->flags2 & 0x8000) != 0;
    size_t step = uni ? 2 : 1;
    pos += uni && (pos & 1) ? 1 : 0;
    bool lanman = true;
    for (size_t i = 0; i < 12; i++) {
        uint8_t b;
        if (!nmx__cur_peek_u8(&m->c, pos + i * step, &b) || (uni && nmx__cur_get_u8(&m->c, pos + i * step + 1)))
            b = 0;
        if (i < 6 && b != (uint8_t)pipe[i])
            return false;
        if (i >= 6 && b != (uint8_t)pipe[i])
            lanman = false;
    }
    return !lanman;
}

/* The pipe work of one command block (command cmd, WordCount wct at pos). */
static void smb_pipe_block(nmx_dctx_t *d, smb_msg_t *m, uint8_t cmd, size_t pos, uint8_t wct)
{
    const nmx_cursor_t *c = &m->c;
    size_t wp = pos + 1, bcc_at = wp + 2 * (size_t)wct; /* words, ByteCount */
    if (cmd == 0x75 && m->resp && wct >= 3) { /* TREE_CONNECT_ANDX: the service */
        bool ipc = nmx__cur_match(c, bcc_at + 2, "IPC\0", 4);
        nmx__fact_set(d, NMX_FACT_SMB_TID, m->tid, ipc ? TID_IPC : TID_OTHER);
    } else if (cmd == 0x2F && !m->resp && (wct == 12 || wct == 14)) { /* WRITE_ANDX */
        uint16_t mode = nmx__cur_get_u16le(c, wp + 14), len = nmx__cur_get_u16le(c, wp + 20);
        if (mode & 0x0008) { /* a pipe message starts: the tree is IPC's */
            m->ipc = true;
            m->req |= REQ_IPC;
            nmx__fact_set(d, NMX_FACT_SMB_TID, m->tid, TID_IPC);
        }
        if (m->ipc)
            smb_rw_data(d, m, bcc_at, (mode & 0x000C) == 0x000C && len >= 2 ? len - 2u : len,
                        nmx__cur_get_u16le(c, wp + 4));
    } else if (cmd == 0x2E && !m->resp && wct >= 10) { /* READ_ANDX request: its FID, for the response */
        m->req |= (uint32_t)nmx__cur_get_u16le(c, wp + 4) << 16;
    } else if (cmd == 0x2E && m->resp && wct == 12 && m->ipc) { /* READ_ANDX */
        smb_rw_data(d, m, bcc_at, nmx__cur_get_u16le(c, wp + 10), (uint16_t)(m->req >> 16));
    } else if (cmd == 0x25 && !m->resp && wct >= 14 && smb_pipe_name(m, bcc_at + 2)) { /* TRANSACTION */
        nmx__fact_set(d, NMX_FACT_SMB_TID, m->tid, TID_IPC); /* for the messages after this one */
        if (wct >= 16 && nmx__cur_get_u8(c, wp + 26) >= 1 && nmx__cur_get_u16le(c, wp + 28) == 0x26) {
            uint16_t fid = nmx__cur_get_u8(c, wp + 26) >= 2 ? nmx__cur_get_u16le(c, wp + 30) : 0;
            m->req |= REQ_PIPE_TRANS | (uint32_t)fid << 16;
            smb_pipe_data(d, m, nmx__cur_get_u16le(c, wp + 24), nmx__cur_get_u16le(c, wp + 22), true, fid);
        }
    } else if (cmd == 0x25 && m->resp && wct >= 10 && (m->req & REQ_PIPE_TRANS) &&
               nmx__cur_get_u16le(c, wp + 16) == 0) { /* the first part (DataDisplacement 0) */
        smb_pipe_data(d, m, nmx__cur_get_u16le(c, wp + 14), nmx__cur_get_u16le(c, wp + 12), false,
                      (uint16_t)(m->req >> 16));
    }
}

/* The message's facts: a request's tree's service, a response's request. */
static void smb_pipe_start(nmx_dctx_t *d, smb_msg_t *m)
{
    uint32_t v = 0;
    if (m->resp) {
        m->ipc = nmx__fact_get(d, NMX_FACT_SMB_REQ, m->key, &m->req) && (m->req & REQ_IPC) != 0;
    } else {
        m->ipc = nmx__fact_get(d, NMX_FACT_SMB_TID, m->tid, &v) && v == TID_IPC;
        m->req = REQ_SEEN | (m->ipc ? REQ_IPC : 0);
    }
}

static void smb_blocks(nmx_dctx_t *d, smb_msg_t *m, uint8_t cmd);

void nmx__dis_smb(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, NMX_PROTO_SMB, off))
        return;
    if (c.left < 32) {
        if (c.left >= 5)
            nmx__add(d, &smb_fields[F_CMD], off + 4, 1);
        nmx__add_err(d, &smb_fields[F_STATUS], off, c.left);
        return;
    }
    uint8_t cmd = nmx__cur_get_u8(&c, 4);
    uint16_t flags2 = nmx__cur_get_u16le(&c, 10);
    nmx__add(d, &smb_fields[F_CMD], off + 4, 1);
    if (flags2 & 0x4000)
        nmx__add(d, &smb_fields[F_STATUS], off + 5, 4);
    nmx__add(d, &smb_fields[F_FLAGS], off + 9, 1);
    nmx__add(d, &smb_fields[F_RESPONSE], off + 9, 1);
    nmx__add(d, &smb_fields[F_FLAGS2], off + 10, 2);
    nmx__add(d, &smb_fields[F_TID], off + 24, 2);
    nmx__add(d, &smb_fields[F_PID], off + 26, 2);
    nmx__add(d, &smb_fields[F_UID], off + 28, 2);
    nmx__add(d, &smb_fields[F_MID], off + 30, 2);
    smb_msg_t m = {.c = c, .tid = nmx__cur_get_u16le(&c, 24), .flags2 = flags2,
                   .key = (uint64_t)nmx__cur_get_u16le(&c, 26) << 16 | nmx__cur_get_u16le(&c, 30),
                   .resp = (nmx__cur_get_u8(&c, 9) & 0x80) != 0};
    smb_pipe_start(d, &m);
    smb_blocks(d, &m, cmd);
    if (!m.resp && cmd != 0x26) /* a TRANSACTION_SECONDARY's response is its transaction's */
        nmx__fact_set(d, NMX_FACT_SMB_REQ, m.key, m.req);
}

/* The command blocks: WordCount, words, ByteCount, following the AndX chain. */
static void smb_blocks(nmx_dctx_t *d, smb_msg_t *m, uint8_t cmd)
{
    const nmx_cursor_t c = m->c;
    size_t off = nmx__off(&c);
    size_t pos = 32;
    for (int k = 0; k < 32; k++) {
        uint8_t wct;
        if (!nmx__cur_peek_u8(&c, pos, &wct))
            return;
        smb_pipe_block(d, m, cmd, pos, wct);
        nmx__add(d, &smb_fields[F_WCT], off + pos, 1);
        size_t bcc_at = pos + 1 + 2 * (size_t)wct;
        if (!is_andx(cmd) || wct < 2) {
            if (bcc_at + 2 <= c.left)
                nmx__add(d, &smb_fields[F_BCC], off + bcc_at, 2);
            return;
        }
        if (pos + 5 > c.left)
            return;
        uint8_t next = nmx__cur_get_u8(&c, pos + 1);
        uint16_t next_off = nmx__cur_get_u16le(&c, pos + 3);
        nmx__add(d, &smb_fields[F_CMD], off + pos + 1, 1);
        if (bcc_at + 2 <= c.left)
            nmx__add(d, &smb_fields[F_BCC], off + bcc_at, 2);
        smb_session_blob(d, &c, cmd, pos, wct);
        if (next == 0xFF)
            return;
        if (next_off <= pos || next_off >= c.left) {
            nmx__add_err(d, &smb_fields[F_CMD], off + pos + 1, 1);
            return;
        }
        pos = next_off;
        cmd = next;
    }
}
