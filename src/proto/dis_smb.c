/*
 * dis_smb.c - SMB (CIFS) message headers and AndX command chains
 * ([MS-CIFS] 2.2.3.1 and 2.2.4), and SMB2/SMB3 headers with compound
 * chains ([MS-SMB2] 2.2.1, 2.2.41).
 *
 *   SMB:  0xFF 'SMB' | cmd(1) | status(4) | flags(1) | flags2(2) | pid hi(2)
 *         | signature(8) | reserved(2) | tid(2) | pid(2) | uid(2) | mid(2)
 *         then WordCount(1), Words, ByteCount(2), Bytes.
 *         AndX commands start their words with AndXCommand(1), reserved(1),
 *         AndXOffset(2); each AndXCommand is listed as another smb.cmd,
 *         0xFF ("no further commands") included, as Wireshark lists it.
 *   SMB2: 0xFE 'SMB' | size(2)=64 | credit charge(2) | status(4) | cmd(2) |
 *         credits(2) | flags(4) | next command(4) | message id(8) |
 *         reserved(4)+tree id(4) or async id(8) | session id(8) | sig(16)
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

NMX_PROTOCOL(nmx_p_smb, NMX_PROTO_SMB, "smb", "SMB", "CIFS", "SMB (Server Message Block Protocol)", smb_fields);

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

void nmx_dis_smb(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx_off(&c);
    if (!nmx_layer(d, NMX_PROTO_SMB, off))
        return;
    if (c.left < 32) {
        if (c.left >= 5)
            nmx_add(d, &smb_fields[F_CMD], off + 4, 1);
        nmx_add_err(d, &smb_fields[F_STATUS], off, c.left);
        return;
    }
    const uint8_t *h = c.p;
    uint8_t cmd = h[4];
    uint16_t flags2 = nmx_load_u16le(h + 10);
    nmx_add(d, &smb_fields[F_CMD], off + 4, 1);
    if (flags2 & 0x4000)
        nmx_add(d, &smb_fields[F_STATUS], off + 5, 4);
    nmx_add(d, &smb_fields[F_FLAGS], off + 9, 1);
    nmx_add(d, &smb_fields[F_RESPONSE], off + 9, 1);
    nmx_add(d, &smb_fields[F_FLAGS2], off + 10, 2);
    nmx_add(d, &smb_fields[F_TID], off + 24, 2);
    nmx_add(d, &smb_fields[F_PID], off + 26, 2);
    nmx_add(d, &smb_fields[F_UID], off + 28, 2);
    nmx_add(d, &smb_fields[F_MID], off + 30, 2);
    if (!d->ws)
        return;
    /* Command blocks: WordCount, words, ByteCount, following the AndX chain. */
    size_t pos = 32;
    for (int k = 0; k < 32; k++) {
        if (pos >= c.left)
            return;
        uint8_t wct = h[pos];
        nmx_add(d, &smb_fields[F_WCT], off + pos, 1);
        size_t bcc_at = pos + 1 + 2 * (size_t)wct;
        if (!is_andx(cmd) || wct < 2) {
            if (bcc_at + 2 <= c.left)
                nmx_add(d, &smb_fields[F_BCC], off + bcc_at, 2);
            return;
        }
        if (pos + 5 > c.left)
            return;
        uint8_t next = h[pos + 1];
        uint16_t next_off = nmx_load_u16le(h + pos + 3);
        nmx_add(d, &smb_fields[F_CMD], off + pos + 1, 1);
        if (bcc_at + 2 <= c.left)
            nmx_add(d, &smb_fields[F_BCC], off + bcc_at, 2);
        if (next == 0xFF)
            return;
        if (next_off <= pos || next_off >= c.left) {
            nmx_add_err(d, &smb_fields[F_CMD], off + pos + 1, 1);
            return;
        }
        pos = next_off;
        cmd = next;
    }
}

enum { S_CMD, S_STATUS, S_FLAGS, S_RESPONSE, S_CHAIN, S_MSG_ID, S_TID, S_SESID, S_CREDIT };

static nmx_field_t smb2_fields[] = {
    [S_CMD] = NMX_F_UINT_LE("smb2.cmd", "Command", NMX_BASE_DEC, 2, 0),
    [S_STATUS] = NMX_F_UINT_LE("smb2.nt_status", "NT Status", NMX_BASE_HEX, 4, 0),
    [S_FLAGS] = NMX_F_UINT_LE("smb2.flags", "Flags", NMX_BASE_HEX, 4, 0),
    [S_RESPONSE] = NMX_F_BOOL_LE("smb2.flags.response", "Response", 4, 0x00000001),
    [S_CHAIN] = NMX_F_UINT_LE("smb2.chain_offset", "Chain Offset", NMX_BASE_HEX, 4, 0),
    [S_MSG_ID] = NMX_F_UINT_LE("smb2.msg_id", "Message ID", NMX_BASE_DEC, 8, 0),
    [S_TID] = NMX_F_UINT_LE("smb2.tid", "Tree Id", NMX_BASE_HEX, 4, 0),
    [S_SESID] = NMX_F_UINT_LE("smb2.sesid", "Session Id", NMX_BASE_HEX, 8, 0),
    [S_CREDIT] = NMX_F_UINT_LE("smb2.credit.charge", "Credit Charge", NMX_BASE_DEC, 2, 0),
};

NMX_PROTOCOL(nmx_p_smb2, NMX_PROTO_SMB2, "smb2", "SMB2", NULL, "SMB2 (Server Message Block Protocol version 2)", smb2_fields);

void nmx_dis_smb2(nmx_dctx_t *d, nmx_cursor_t c)
{
    size_t off = nmx_off(&c);
    if (!nmx_layer(d, NMX_PROTO_SMB2, off))
        return;
    if (c.left >= 1 && c.p[0] == 0xFD)
        return; /* transform header: encrypted messages follow */
    size_t pos = 0;
    for (int k = 0; k < 64; k++) {
        if (pos + 4 > c.left)
            return;
        const uint8_t *h = c.p + pos;
        if (h[0] != 0xFE || h[1] != 'S' || h[2] != 'M' || h[3] != 'B')
            return;
        size_t left = c.left - pos;
        size_t o = off + pos;
        /* Fields one by one as far as the segment goes, as tshark shows them. */
        uint32_t flags = left >= 20 ? nmx_load_u32le(h + 16) : 0;
        uint32_t next = left >= 24 ? nmx_load_u32le(h + 20) : 0;
        if (left >= 8)
            nmx_add(d, &smb2_fields[S_CREDIT], o + 6, 2);
        if (left >= 12 && (flags & 1)) /* requests carry a channel sequence there */
            nmx_add(d, &smb2_fields[S_STATUS], o + 8, 4);
        if (left >= 14)
            nmx_add(d, &smb2_fields[S_CMD], o + 12, 2);
        if (left >= 20) {
            nmx_add(d, &smb2_fields[S_FLAGS], o + 16, 4);
            nmx_add(d, &smb2_fields[S_RESPONSE], o + 16, 4);
        }
        if (left >= 24)
            nmx_add(d, &smb2_fields[S_CHAIN], o + 20, 4);
        if (left >= 32)
            nmx_add(d, &smb2_fields[S_MSG_ID], o + 24, 8);
        if (left >= 40 && !(flags & 0x2))
            nmx_add(d, &smb2_fields[S_TID], o + 36, 4);
        if (left >= 48)
            nmx_add(d, &smb2_fields[S_SESID], o + 40, 8);
        if (left < 64) {
            nmx_add_err(d, &smb2_fields[S_FLAGS], o, left);
            return;
        }
        /* IOCTL bodies have a Flags field of the same name. */
        uint16_t cmd = nmx_load_u16le(h + 12);
        if (cmd == 11 && left >= 66) {
            uint16_t ss = nmx_load_u16le(h + 64);
            size_t at = ss == 49 ? 40 : 0; /* responses only */
            if (at && 64 + at + 4 <= left)
                nmx_add(d, &smb2_fields[S_FLAGS], o + 64 + at, 4);
        }
        if (next == 0)
            return;
        if (next < 64 || pos + next >= c.left)
            return;
        pos += next;
    }
}
