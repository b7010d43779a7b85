/*
 * dis_smb2.c - SMB2/SMB3 message headers and compound chains ([MS-SMB2]
 * 2.2.1, 3.2.4.1.4).
 *
 *   0xFE 'SMB' | size(2)=64 | credit charge(2) | status / channel seq(4) |
 *   cmd(2) | credits(2) | flags(4) | next command(4) | message id(8) |
 *   reserved(4) + tree id(4), or async id(8) | session id(8) | signature(16)
 *
 * Fields are little-endian.  A transform header (0xFD 'SMB') hides encrypted
 * messages.  A header cut by the segment end shows the fields it holds.
 */
#include "proto/proto_int.h"

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

NMX_PROTOCOL(nmx__p_smb2, NMX_PROTO_SMB2, "smb2", "SMB2", NULL, "SMB2 (Server Message Block Protocol version 2)", smb2_fields,
             /* the security buffer's ntlmssp.* and kerberos.* fields, as in tshark */
             .borrows = {NMX_PROTO_NTLMSSP, NMX_PROTO_KERBEROS}, .chain = true /* compounds */);

/* The pipe of the 16-byte file id at pos of h (nmx__dis_dcerpc_pipe): a
 * hash of its bytes, never 0 (no file id known). */
static uint32_t smb2_pipe_id(const nmx_cursor_t *h, size_t pos)
{
    uint64_t x = nmx__cur_fnv1a(h, pos, 16);
    uint32_t id = (uint32_t)(x ^ x >> 32) & ((1u << NMX_DCE_PIPE_BITS) - 1);
    return id != 0 ? id : 1;
}

/* An IOCTL's input or output buffer (offset and count at pos of h). */
static void smb2_ioctl_buffer(nmx_dctx_t *d, const nmx_cursor_t *h, size_t pos, uint32_t pipe)
{
    uint32_t off = nmx__cur_get_u32le(h, pos), n = nmx__cur_get_u32le(h, pos + 4);
    if (off != 0 && n != 0 && (uint64_t)off + n <= 0xffff && off + n <= h->left)
        (void)nmx__dis_dcerpc_pipe(d, h, off, n, true, pipe);
}

/*
 * The data tshark 4.0 offers its pipe heuristics (DCE/RPC) in a whole
 * header at h, whatever the tree and file: a WRITE request's (Length at
 * 68, the data after the 48-byte body), a READ response's (DataOffset at
 * 66, DataLength at 68) and both buffers of an FSCTL_PIPE_TRANSCEIVE IOCTL
 * (request: input at 88, output at 100; response: input at 88, output at
 * 96, in the order of their offsets), all offsets from the header's start.
 * A response with another status than success or STATUS_BUFFER_OVERFLOW
 * and a 9-byte body is an error response.  A transceive's buffer is read
 * as captured (tshark gives the pipe what it has).  The file id names the
 * pipe for DCE/RPC's state: a WRITE's and an IOCTL's own, a READ
 * response's from its request (a fact of the connection by message id).
 */
static void smb2_pipe(nmx_dctx_t *d, const nmx_cursor_t *h, uint32_t flags)
{
    uint16_t cmd = nmx__cur_get_u16le(h, 12);
    uint32_t status = nmx__cur_get_u32le(h, 8);
    bool resp = (flags & 1) != 0;
    if (resp && status != 0 && status != 0x80000005u && nmx__cur_get_u16le(h, 64) == 9)
        return;
    uint32_t pipe = 0;
    if (cmd == 8 && !resp && nmx__cur_in(h, 80, 16)) /* READ request: the file, for the response */
        nmx__fact_set(d, NMX_FACT_SMB2_READ, nmx__cur_get_u64le(h, 24), smb2_pipe_id(h, 80));
    if (cmd == 9 && !resp) {
        (void)nmx__dis_dcerpc_pipe(d, h, 112, nmx__cur_get_u32le(h, 68), false,
                                   nmx__cur_in(h, 80, 16) ? smb2_pipe_id(h, 80) : 0);
    } else if (cmd == 8 && resp) {
        (void)nmx__fact_get(d, NMX_FACT_SMB2_READ, nmx__cur_get_u64le(h, 24), &pipe);
        (void)nmx__dis_dcerpc_pipe(d, h, nmx__cur_get_u8(h, 66), nmx__cur_get_u32le(h, 68), false, pipe);
    } else if (cmd == 11 && nmx__cur_get_u32le(h, 68) == 0x0011c017u) {
        size_t in = 88, out = resp ? 96 : 100;
        bool out_first = resp && nmx__cur_get_u32le(h, in) > nmx__cur_get_u32le(h, out);
        pipe = nmx__cur_in(h, 72, 16) ? smb2_pipe_id(h, 72) : 0;
        smb2_ioctl_buffer(d, h, out_first ? out : in, pipe);
        smb2_ioctl_buffer(d, h, out_first ? in : out, pipe);
    }
}

/* The fields of one header at h (cut or whole); false when it is cut. */
static bool smb2_header(nmx_dctx_t *d, const nmx_cursor_t *h, uint32_t *next)
{
    size_t o = nmx__off(h), left = h->left;
    /* Fields one by one as far as the segment goes, as tshark shows them. */
    uint32_t flags = nmx__cur_get_u32le(h, 16);
    *next = nmx__cur_get_u32le(h, 20);
    if (left >= 8)
        nmx__add(d, &smb2_fields[S_CREDIT], o + 6, 2);
    if (left >= 12 && (flags & 1)) /* requests carry a channel sequence there */
        nmx__add(d, &smb2_fields[S_STATUS], o + 8, 4);
    if (left >= 14)
        nmx__add(d, &smb2_fields[S_CMD], o + 12, 2);
    if (left >= 20) {
        nmx__add(d, &smb2_fields[S_FLAGS], o + 16, 4);
        nmx__add(d, &smb2_fields[S_RESPONSE], o + 16, 4);
    }
    if (left >= 24)
        nmx__add(d, &smb2_fields[S_CHAIN], o + 20, 4);
    if (left >= 32)
        nmx__add(d, &smb2_fields[S_MSG_ID], o + 24, 8);
    if (left >= 40 && !(flags & 0x2))
        nmx__add(d, &smb2_fields[S_TID], o + 36, 4);
    if (left >= 48)
        nmx__add(d, &smb2_fields[S_SESID], o + 40, 8);
    if (left < 64) {
        nmx__add_err(d, &smb2_fields[S_FLAGS], o, left);
        return false;
    }
    /* IOCTL bodies have a Flags field of the same name (responses only). */
    uint16_t ss, bo, bl;
    nmx_cursor_t blob;
    /* SESSION_SETUP: the security buffer (offset and length at 76 in a
     * request, 68 in a response, from the header's start). */
    size_t sb = flags & 1 ? 68 : 76;
    if (nmx__cur_get_u16le(h, 12) == 1 && nmx__cur_peek_u16le(h, 64, &ss) && ss == (flags & 1 ? 9 : 25) &&
        nmx__cur_peek_u16le(h, sb, &bo) && nmx__cur_peek_u16le(h, sb + 2, &bl) && bl > 0 &&
        nmx__cur_window(h, bo, bl, &blob))
        nmx__dis_security_blob(d, blob);
    if (nmx__cur_get_u16le(h, 12) == 11 && nmx__cur_peek_u16le(h, 64, &ss) && ss == 49 &&
        nmx__cur_in(h, 64 + 40, 4))
        nmx__add(d, &smb2_fields[S_FLAGS], o + 64 + 40, 4);
    smb2_pipe(d, h, flags);
    return true;
}

/*
 * A compound request or response ([MS-SMB2] 3.2.4.1.4) chains headers by
 * NextCommand, the offset of the next header from this one.  As tshark 4.0
 * does, every nonzero NextCommand of a whole header opens another smb2
 * layer (io,phs counts smb2 inside smb2), at that offset:
 *   - bytes there that are not an SMB2 header (an offset below 64 included)
 *     make an empty layer, which ends the chain;
 *   - an offset at or past the end of the message makes none: the
 *     NextCommand is marked malformed (tshark's exception).
 * frame.protocols names smb2 once for the chain (dissect.c), as tshark's
 * does.  A chain ends at NextCommand 0 or after 64 headers.
 */
void nmx__dis_smb2(nmx_dctx_t *d, nmx_cursor_t c)
{
    if (!nmx__push_layer(d, NMX_PROTO_SMB2, nmx__off(&c)))
        return;
    if (nmx__cur_match(&c, 0, "\xFD", 1))
        return; /* transform header: encrypted messages follow */
    for (int k = 0; k < 64; k++) {
        uint32_t next;
        if (!nmx__cur_match(&c, 0, "\xFESMB", 4) || !smb2_header(d, &c, &next) || next == 0)
            return;
        if (next >= c.left) {
            nmx__add_err(d, &smb2_fields[S_CHAIN], nmx__off(&c) + 20, 4);
            return;
        }
        nmx__cur_skip(&c, next);
        if (!nmx__push_layer(d, NMX_PROTO_SMB2, nmx__off(&c)))
            return;
    }
}
