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
    if (!d->ws)
        return;
    /* Command blocks: WordCount, words, ByteCount, following the AndX chain. */
    size_t pos = 32;
    for (int k = 0; k < 32; k++) {
        uint8_t wct;
        if (!nmx__cur_peek_u8(&c, pos, &wct))
            return;
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
