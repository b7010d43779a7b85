/*
 * dis_dcerpc.c - DCE/RPC connection-oriented PDUs (C706 chapter 12.6,
 * [MS-RPCE] 2.2.2) over TCP, found as tshark 4.0 finds them: by its TCP
 * heuristic (there is no port registration, 135 included).
 *
 *   ver(1)=5 | ver_minor(1) | ptype(1) | flags(1) | drep(4) | frag_len(2)
 *   | auth_len(2) | call_id(4) | body ... | [auth_pad] | auth verifier:
 *   auth_type(1) auth_level(1) pad_len(1) rsrvd(1) ctx_id(4) credentials
 *
 *   bind, alter_context: max_xmit(2) max_recv(2) assoc_group(4)
 *     n_ctx(1) pad(3), per context: ctx_id(2) n_trans(1) pad(1)
 *     interface uuid(16) if_ver(2) if_ver_minor(2), per transfer
 *     syntax: uuid(16) version(4)
 *   bind_ack, alter_context_resp: max_xmit max_recv assoc_group
 *     sec_addr_len(2) sec_addr, align 4, n_results(1) pad(3), per result:
 *     result(2) reason(2) transfer syntax uuid(16) version(4)
 *   bind_nak: reason(2) [n_protocols(1) (major(1) minor(1))...]
 *   request: alloc_hint(4) ctx_id(2) opnum(2) [object uuid(16)] stub
 *   response: alloc_hint(4) ctx_id(2) cancel_count(1) pad(1) stub
 *   fault: alloc_hint(4) ctx_id(2) cancel_count(1) flags(1) status(4) pad(4)
 *
 * Integers, and the first three parts of a UUID, are in the byte order of
 * the data representation (drep[0] bit 0x10: little-endian).
 *
 * As tshark: the heuristic takes a payload whose first 16 bytes are a
 * header (version 5.0 or 5.1, a packet type up to 20, a valid drep, a
 * fragment length of 16 or more); each PDU of the segment is then a
 * layer (tcp_dissect_pdus: a PDU's length is its fragment length; one
 * that starts with four zero bytes is looked at after them; one that
 * does not look like a header is skipped; a length under 16 ends the
 * segment).  A PDU not all captured shows its common header only (tshark
 * fails to cut the fragment out of it and stops there).  The verifier's
 * NTLMSSP or SPNEGO token of a bind, alter_context, their replies and
 * AUTH3 goes into this layer (ntlmssp.* fields, as tshark shows them).
 * As tshark, the connection's binds and calls are remembered (facts of
 * the connection, learn.c): a call's interface layer (epm, drsuapi ...,
 * dis_dcerpc_if.c) and a response's opnum come from them (see "The
 * connection's state" below, and docs/protocols.md, difference 20).
 */
#include <stdio.h>

#include "proto/proto_int.h"

enum {
    F_VER, F_VER_MINOR, F_PKT_TYPE, F_FLAGS, F_FL_FIRST, F_FL_LAST, F_FL_CANCEL, F_FL_RES, F_FL_MPX, F_FL_DNE,
    F_FL_MAYBE, F_FL_OBJECT, F_DREP, F_DREP_BO, F_DREP_CHAR, F_DREP_FP, F_FRAG_LEN, F_AUTH_LEN, F_CALL_ID,
    F_MAX_XMIT, F_MAX_RECV, F_ASSOC, F_NUM_CTX, F_CTX_ID, F_NUM_TRANS, F_IF_UUID, F_IF_VER, F_IF_VER_MINOR,
    F_TRANS_ID, F_TRANS_VER, F_BTFN, F_BTFN_01, F_BTFN_02, F_ALLOC_HINT, F_SEC_ADDR_LEN, F_SEC_ADDR,
    F_NUM_RESULTS, F_ACK_RESULT, F_ACK_REASON, F_ACK_TRANS_ID, F_ACK_TRANS_VER, F_REJECT, F_NUM_PROTOS,
    F_PROTO_MAJOR, F_PROTO_MINOR, F_CANCEL_COUNT, F_FAULT_FLAGS, F_FAULT_EXT, F_STATUS, F_OPNUM, F_OBJ_ID,
    F_AUTH_TYPE, F_AUTH_LEVEL, F_AUTH_PAD, F_AUTH_RSRVD, F_AUTH_CTX,
    F_DG_FLAGS1, F_DG_F1_01, F_DG_F1_LAST, F_DG_F1_FRAG, F_DG_F1_NOFACK, F_DG_F1_MAYBE, F_DG_F1_IDEMP, F_DG_F1_BCAST,
    F_DG_F1_80, F_DG_FLAGS2, F_DG_F2_01, F_DG_F2_CANCEL, F_DG_F2_04, F_DG_F2_08, F_DG_F2_10, F_DG_F2_20, F_DG_F2_40,
    F_DG_F2_80, F_DG_SERIAL_HI, F_DG_IF_ID, F_DG_ACT_ID, F_DG_BOOT, F_DG_IF_VER, F_DG_SEQNUM, F_DG_IHINT, F_DG_AHINT,
    F_DG_FRAG_LEN, F_DG_FRAG_NUM, F_DG_AUTH_PROTO, F_DG_SERIAL_LO, F_DG_STATUS, F_DG_CANCEL_VERS, F_DG_CANCEL_ID,
    F_DG_ACCEPTING, F_FACK_VERS, F_FACK_WINDOW, F_FACK_TSDU, F_FACK_FRAG, F_FACK_SERIAL, F_FACK_SELACK_LEN,
    F_FACK_SELACK, F_AUTH_VERIFIER, F_REQUEST_IN, F_TIME
};

static nmx_field_t dcerpc_fields[] = {
    [F_VER] = NMX_F_UINT("dcerpc.ver", "Version", NMX_BASE_DEC, 1, 0),
    [F_VER_MINOR] = NMX_F_UINT("dcerpc.ver_minor", "Version (minor)", NMX_BASE_DEC, 1, 0),
    [F_PKT_TYPE] = NMX_F_UINT("dcerpc.pkt_type", "Packet type", NMX_BASE_DEC, 1, 0),
    [F_FLAGS] = NMX_F_UINT("dcerpc.cn_flags", "Packet Flags", NMX_BASE_HEX, 1, 0),
    [F_FL_FIRST] = NMX_F_BOOL("dcerpc.cn_flags.first_frag", "First Frag", 1, 0x01),
    [F_FL_LAST] = NMX_F_BOOL("dcerpc.cn_flags.last_frag", "Last Frag", 1, 0x02),
    [F_FL_CANCEL] = NMX_F_BOOL("dcerpc.cn_flags.cancel_pending", "Cancel Pending", 1, 0x04),
    [F_FL_RES] = NMX_F_BOOL("dcerpc.cn_flags.reserved", "Reserved", 1, 0x08),
    [F_FL_MPX] = NMX_F_BOOL("dcerpc.cn_flags.mpx", "Multiplex", 1, 0x10),
    [F_FL_DNE] = NMX_F_BOOL("dcerpc.cn_flags.dne", "Did Not Execute", 1, 0x20),
    [F_FL_MAYBE] = NMX_F_BOOL("dcerpc.cn_flags.maybe", "Maybe", 1, 0x40),
    [F_FL_OBJECT] = NMX_F_BOOL("dcerpc.cn_flags.object", "Object", 1, 0x80),
    [F_DREP] = NMX_F_BYTES("dcerpc.drep", "Data Representation"),
    [F_DREP_BO] = NMX_F_UINT("dcerpc.drep.byteorder", "Byte order", NMX_BASE_DEC, 1, 0),
    [F_DREP_CHAR] = NMX_F_UINT("dcerpc.drep.character", "Character", NMX_BASE_DEC, 1, 0),
    [F_DREP_FP] = NMX_F_UINT("dcerpc.drep.fp", "Floating-point", NMX_BASE_DEC, 1, 0),
    [F_FRAG_LEN] = NMX_F_UINT_LE("dcerpc.cn_frag_len", "Frag Length", NMX_BASE_DEC, 2, 0),
    [F_AUTH_LEN] = NMX_F_UINT_LE("dcerpc.cn_auth_len", "Auth Length", NMX_BASE_DEC, 2, 0),
    [F_CALL_ID] = NMX_F_UINT_LE("dcerpc.cn_call_id", "Call ID", NMX_BASE_DEC, 4, 0),
    [F_MAX_XMIT] = NMX_F_UINT_LE("dcerpc.cn_max_xmit", "Max Xmit Frag", NMX_BASE_DEC, 2, 0),
    [F_MAX_RECV] = NMX_F_UINT_LE("dcerpc.cn_max_recv", "Max Recv Frag", NMX_BASE_DEC, 2, 0),
    [F_ASSOC] = NMX_F_UINT_LE("dcerpc.cn_assoc_group", "Assoc Group", NMX_BASE_HEX, 4, 0),
    [F_NUM_CTX] = NMX_F_UINT("dcerpc.cn_num_ctx_items", "Num Ctx Items", NMX_BASE_DEC, 1, 0),
    [F_CTX_ID] = NMX_F_UINT_LE("dcerpc.cn_ctx_id", "Context ID", NMX_BASE_DEC, 2, 0),
    [F_NUM_TRANS] = NMX_F_UINT("dcerpc.cn_num_trans_items", "Num Trans Items", NMX_BASE_DEC, 1, 0),
    [F_IF_UUID] = NMX_F_STRING("dcerpc.cn_bind_to_uuid", "Interface UUID"),
    [F_IF_VER] = NMX_F_UINT_LE("dcerpc.cn_bind_if_ver", "Interface Ver", NMX_BASE_DEC, 2, 0),
    [F_IF_VER_MINOR] = NMX_F_UINT_LE("dcerpc.cn_bind_if_ver_minor", "Interface Ver Minor", NMX_BASE_DEC, 2, 0),
    [F_TRANS_ID] = NMX_F_STRING("dcerpc.cn_bind_trans_id", "ID"),
    [F_TRANS_VER] = NMX_F_UINT_LE("dcerpc.cn_bind_trans_ver", "ver", NMX_BASE_DEC, 4, 0),
    [F_BTFN] = NMX_F_UINT_LE("dcerpc.cn_bind_trans_btfn", "Bind Time Features", NMX_BASE_HEX, 2, 0),
    [F_BTFN_01] = NMX_F_BOOL_LE("dcerpc.cn_bind_trans_btfn.01", "Security Context Multiplexing Supported", 2, 0x1),
    [F_BTFN_02] = NMX_F_BOOL_LE("dcerpc.cn_bind_trans_btfn.02", "Keep Connection On Orphan Supported", 2, 0x2),
    [F_ALLOC_HINT] = NMX_F_UINT_LE("dcerpc.cn_alloc_hint", "Alloc hint", NMX_BASE_DEC, 4, 0),
    [F_SEC_ADDR_LEN] = NMX_F_UINT_LE("dcerpc.cn_sec_addr_len", "Scndry Addr len", NMX_BASE_DEC, 2, 0),
    [F_SEC_ADDR] = NMX_F_ASCII("dcerpc.cn_sec_addr", "Scndry Addr"),
    [F_NUM_RESULTS] = NMX_F_UINT("dcerpc.cn_num_results", "Num results", NMX_BASE_DEC, 1, 0),
    [F_ACK_RESULT] = NMX_F_UINT_LE("dcerpc.cn_ack_result", "Ack result", NMX_BASE_DEC, 2, 0),
    [F_ACK_REASON] = NMX_F_UINT_LE("dcerpc.cn_ack_reason", "Ack reason", NMX_BASE_DEC, 2, 0),
    [F_ACK_TRANS_ID] = NMX_F_STRING("dcerpc.cn_ack_trans_id", "Transfer Syntax"),
    [F_ACK_TRANS_VER] = NMX_F_UINT_LE("dcerpc.cn_ack_trans_ver", "Syntax ver", NMX_BASE_DEC, 4, 0),
    [F_REJECT] = NMX_F_UINT_LE("dcerpc.cn_reject_reason", "Reject reason", NMX_BASE_DEC, 2, 0),
    [F_NUM_PROTOS] = NMX_F_UINT("dcerpc.cn_num_protocols", "Number of protocols", NMX_BASE_DEC, 1, 0),
    [F_PROTO_MAJOR] = NMX_F_UINT("dcerpc.cn_protocol_ver_major", "Protocol major version", NMX_BASE_DEC, 1, 0),
    [F_PROTO_MINOR] = NMX_F_UINT("dcerpc.cn_protocol_ver_minor", "Protocol minor version", NMX_BASE_DEC, 1, 0),
    [F_CANCEL_COUNT] = NMX_F_UINT("dcerpc.cn_cancel_count", "Cancel count", NMX_BASE_DEC, 1, 0),
    [F_FAULT_FLAGS] = NMX_F_UINT("dcerpc.cn_fault_flags", "Fault flags", NMX_BASE_HEX, 1, 0),
    [F_FAULT_EXT] = NMX_F_BOOL("dcerpc.cn_fault_flags.extended_error", "Extended error information present", 1,
                               0x01),
    [F_STATUS] = NMX_F_UINT_LE("dcerpc.cn_status", "Status", NMX_BASE_HEX, 4, 0),
    [F_OPNUM] = NMX_F_UINT_LE("dcerpc.opnum", "Opnum", NMX_BASE_DEC, 2, 0),
    [F_OBJ_ID] = NMX_F_STRING("dcerpc.obj_id", "Object"),
    [F_AUTH_TYPE] = NMX_F_UINT("dcerpc.auth_type", "Auth type", NMX_BASE_DEC, 1, 0),
    [F_AUTH_LEVEL] = NMX_F_UINT("dcerpc.auth_level", "Auth level", NMX_BASE_DEC, 1, 0),
    [F_AUTH_PAD] = NMX_F_UINT("dcerpc.auth_pad_len", "Auth pad len", NMX_BASE_DEC, 1, 0),
    [F_AUTH_RSRVD] = NMX_F_UINT("dcerpc.auth_rsrvd", "Auth Rsrvd", NMX_BASE_DEC, 1, 0),
    [F_AUTH_CTX] = NMX_F_UINT_LE("dcerpc.auth_ctx_id", "Auth Context ID", NMX_BASE_DEC, 4, 0),
    [F_DG_FLAGS1] = NMX_F_UINT("dcerpc.dg_flags1", "Flags1", NMX_BASE_HEX, 1, 0),
    [F_DG_F1_01] = NMX_F_BOOL("dcerpc.dg_flags1_rsrvd_01", "Reserved for implementation", 1, 0x01),
    [F_DG_F1_LAST] = NMX_F_BOOL("dcerpc.dg_flags1_last_frag", "Last Fragment", 1, 0x02),
    [F_DG_F1_FRAG] = NMX_F_BOOL("dcerpc.dg_flags1_frag", "Fragment", 1, 0x04),
    [F_DG_F1_NOFACK] = NMX_F_BOOL("dcerpc.dg_flags1_nofack", "No Fack", 1, 0x08),
    [F_DG_F1_MAYBE] = NMX_F_BOOL("dcerpc.dg_flags1_maybe", "Maybe", 1, 0x10),
    [F_DG_F1_IDEMP] = NMX_F_BOOL("dcerpc.dg_flags1_idempotent", "Idempotent", 1, 0x20),
    [F_DG_F1_BCAST] = NMX_F_BOOL("dcerpc.dg_flags1_broadcast", "Broadcast", 1, 0x40),
    [F_DG_F1_80] = NMX_F_BOOL("dcerpc.dg_flags1_rsrvd_80", "Reserved for implementation", 1, 0x80),
    [F_DG_FLAGS2] = NMX_F_UINT("dcerpc.dg_flags2", "Flags2", NMX_BASE_HEX, 1, 0),
    [F_DG_F2_01] = NMX_F_BOOL("dcerpc.dg_flags2_rsrvd_01", "Reserved for implementation", 1, 0x01),
    [F_DG_F2_CANCEL] = NMX_F_BOOL("dcerpc.dg_flags2_cancel_pending", "Cancel Pending", 1, 0x02),
    [F_DG_F2_04] = NMX_F_BOOL("dcerpc.dg_flags2_rsrvd_04", "Reserved for future use (MBZ)", 1, 0x04),
    [F_DG_F2_08] = NMX_F_BOOL("dcerpc.dg_flags2_rsrvd_08", "Reserved for future use (MBZ)", 1, 0x08),
    [F_DG_F2_10] = NMX_F_BOOL("dcerpc.dg_flags2_rsrvd_10", "Reserved for future use (MBZ)", 1, 0x10),
    [F_DG_F2_20] = NMX_F_BOOL("dcerpc.dg_flags2_rsrvd_20", "Reserved for future use (MBZ)", 1, 0x20),
    [F_DG_F2_40] = NMX_F_BOOL("dcerpc.dg_flags2_rsrvd_40", "Reserved for future use (MBZ)", 1, 0x40),
    [F_DG_F2_80] = NMX_F_BOOL("dcerpc.dg_flags2_rsrvd_80", "Reserved for future use (MBZ)", 1, 0x80),
    [F_DG_SERIAL_HI] = NMX_F_UINT("dcerpc.dg_serial_hi", "Serial High", NMX_BASE_HEX, 1, 0),
    [F_DG_IF_ID] = NMX_F_STRING("dcerpc.dg_if_id", "Interface"),
    [F_DG_ACT_ID] = NMX_F_STRING("dcerpc.dg_act_id", "Activity"),
    [F_DG_BOOT] = NMX_F_ABSTIME("dcerpc.dg_server_boot", "Server boot time"),
    [F_DG_IF_VER] = NMX_F_UINT_LE("dcerpc.dg_if_ver", "Interface Ver", NMX_BASE_DEC, 4, 0),
    [F_DG_SEQNUM] = NMX_F_UINT_LE("dcerpc.dg_seqnum", "Sequence num", NMX_BASE_DEC, 4, 0),
    [F_DG_IHINT] = NMX_F_UINT_LE("dcerpc.dg_ihint", "Interface Hint", NMX_BASE_HEX, 2, 0),
    [F_DG_AHINT] = NMX_F_UINT_LE("dcerpc.dg_ahint", "Activity Hint", NMX_BASE_HEX, 2, 0),
    [F_DG_FRAG_LEN] = NMX_F_UINT_LE("dcerpc.dg_frag_len", "Fragment len", NMX_BASE_DEC, 2, 0),
    [F_DG_FRAG_NUM] = NMX_F_UINT_LE("dcerpc.dg_frag_num", "Fragment num", NMX_BASE_DEC, 2, 0),
    [F_DG_AUTH_PROTO] = NMX_F_UINT("dcerpc.dg_auth_proto", "Auth proto", NMX_BASE_DEC, 1, 0),
    [F_DG_SERIAL_LO] = NMX_F_UINT("dcerpc.dg_serial_lo", "Serial Low", NMX_BASE_HEX, 1, 0),
    [F_DG_STATUS] = NMX_F_UINT_LE("dcerpc.dg_status", "Status", NMX_BASE_HEX, 4, 0),
    [F_DG_CANCEL_VERS] = NMX_F_UINT_LE("dcerpc.dg_cancel_vers", "Cancel Version", NMX_BASE_DEC, 4, 0),
    [F_DG_CANCEL_ID] = NMX_F_UINT_LE("dcerpc.dg_cancel_id", "Cancel ID", NMX_BASE_DEC, 4, 0),
    [F_DG_ACCEPTING] = NMX_F_BOOL("dcerpc.server_accepting_cancels", "Server accepting cancels", 1, 0),
    [F_FACK_VERS] = NMX_F_UINT("dcerpc.fack_vers", "FACK Version", NMX_BASE_DEC, 1, 0),
    [F_FACK_WINDOW] = NMX_F_UINT_LE("dcerpc.fack_window_size", "Window Size", NMX_BASE_DEC, 2, 0),
    [F_FACK_TSDU] = NMX_F_UINT_LE("dcerpc.fack_max_tsdu", "Max TSDU", NMX_BASE_DEC, 4, 0),
    [F_FACK_FRAG] = NMX_F_UINT_LE("dcerpc.fack_max_frag_size", "Max Frag Size", NMX_BASE_DEC, 4, 0),
    [F_FACK_SERIAL] = NMX_F_UINT_LE("dcerpc.fack_serial_num", "Serial Num", NMX_BASE_DEC, 2, 0),
    [F_FACK_SELACK_LEN] = NMX_F_UINT_LE("dcerpc.fack_selack_len", "Selective ACK Len", NMX_BASE_DEC, 2, 0),
    [F_FACK_SELACK] = NMX_F_UINT_LE("dcerpc.fack_selack", "Selective ACK", NMX_BASE_HEX, 4, 0),
    [F_AUTH_VERIFIER] = NMX_F_BYTES("dcerpc.authentication_verifier", "Authentication verifier"),
    /* FT_FRAMENUM in tshark: the number of the frame */
    [F_REQUEST_IN] = NMX_F_UINT("dcerpc.request_in", "Request in frame", NMX_BASE_DEC, 4, 0),
    [F_TIME] = NMX_F_RELTIME("dcerpc.time", "Time from request"),
};

static nmx_dissect_fn dis_dcerpc;

NMX_PROTOCOL(nmx__p_dcerpc, NMX_PROTO_DCERPC, "dcerpc", "MSRPC", NULL,
             "Distributed Computing Environment / Remote Procedure Call (DCE/RPC)", dcerpc_fields,
             .dissect = dis_dcerpc, NMX_HANDOFFS({NMX_HO_TCP_HEUR, 30}, {NMX_HO_UDP_HEUR, 30}),
             /* the verifier's ntlmssp.* and kerberos.* fields, as in tshark */
             .borrows = {NMX_PROTO_NTLMSSP, NMX_PROTO_KERBEROS});

enum { PDU_REQ = 0, PDU_RESP = 2, PDU_FAULT = 3, PDU_BIND = 11, PDU_BIND_ACK = 12, PDU_BIND_NAK = 13,
       PDU_ALTER = 14, PDU_ALTER_ACK = 15, PDU_AUTH3 = 16, PDU_SHUTDOWN = 17, PDU_RTS = 20 };

/* The presentation contexts bound by earlier PDUs of the same payload:
 * tshark's bind table has them at once, a fact only from the next frame
 * on. */
#define DCE_LOCAL_MAX 16
typedef struct dce_local {
    unsigned n;
    uint16_t ctx[DCE_LOCAL_MAX];
    uint8_t idx[DCE_LOCAL_MAX];
    bool cut_body; /* a PDU cut short by the end of its data shows its body's fields as far as they go */
} dce_local_t;

/* One PDU: its bytes (from the header, cut to the fragment length and to
 * what was captured) and the header's values. */
typedef struct dce_pdu {
    nmx_dctx_t *d;
    nmx_cursor_t c;
    size_t off;
    bool le;
    uint8_t ptype, flags;
    uint16_t frag_len, auth_len;
    dce_local_t *loc; /* NULL for a connectionless PDU */
    uint64_t pipe;    /* the pipe of an SMB or SMB2 connection (nmx__dis_dcerpc_pipe), or 0 */
    bool cut;         /* not all there: cut short by the end of its pipe message (dce_local_t) */
} dce_pdu_t;

/* An unsigned number of n (1, 2 or 4) bytes at pos of c in the given byte order. */
static uint32_t dce_get(const nmx_cursor_t *c, size_t pos, size_t n, bool le)
{
    if (n == 1)
        return nmx__cur_get_u8(c, pos);
    if (n == 2)
        return le ? nmx__cur_get_u16le(c, pos) : nmx__cur_get_u16be(c, pos);
    return le ? nmx__cur_get_u32le(c, pos) : nmx__cur_get_u32be(c, pos);
}

/* Adds the n-byte number at pos as field f (in the drep's byte order) and
 * stores it in *v; false, marked malformed, when its bytes are not there. */
static bool dce_num(const dce_pdu_t *p, int f, size_t pos, size_t n, uint32_t *v)
{
    if (!nmx__cur_in(&p->c, pos, n))
        return nmx__add_at(p->d, &p->c, &dcerpc_fields[f], pos, n); /* marks it malformed */
    uint32_t x = dce_get(&p->c, pos, n, p->le);
    if (p->le || n == 1)
        nmx__add(p->d, &dcerpc_fields[f], p->off + pos, n);
    else
        nmx__add_uint(p->d, &dcerpc_fields[f], p->off + pos, n, x);
    if (v)
        *v = x;
    return true;
}

/* The text of a UUID given as four words (data1, data2 << 16 | data3, and
 * the last eight bytes in two big-endian words), as tshark prints it. */
static size_t dce_uuid_text(const uint32_t uw[4], char s[40])
{
    int n = snprintf(s, 40, "%08x-%04x-%04x-%04x-%04x%08x", (unsigned)uw[0], (unsigned)(uw[1] >> 16),
                     (unsigned)(uw[1] & 0xffff), (unsigned)(uw[2] >> 16), (unsigned)(uw[2] & 0xffff),
                     (unsigned)uw[3]);
    return n > 0 && n < 40 ? (size_t)n : 0;
}

/* The UUID whose 16 bytes are at pos of c (its first three parts in the
 * given byte order) as four words (dce_uuid_text); false when they are not
 * all there. */
static bool dce_uuid_words(const nmx_cursor_t *c, size_t pos, bool le, uint32_t uw[4])
{
    if (!nmx__cur_in(c, pos, 16))
        return false;
    uw[0] = dce_get(c, pos, 4, le);
    uw[1] = dce_get(c, pos + 4, 2, le) << 16 | dce_get(c, pos + 6, 2, le);
    uw[2] = nmx__cur_get_u32be(c, pos + 8);
    uw[3] = nmx__cur_get_u32be(c, pos + 12);
    return true;
}

/* A UUID at pos as field f (its first three parts in the drep's order);
 * *data1..3 receive them.  False when its 16 bytes are not there. */
static bool dce_uuid(const dce_pdu_t *p, int f, size_t pos, uint32_t *d123)
{
    char s[40];
    uint32_t uw[4];
    if (!dce_uuid_words(&p->c, pos, p->le, uw)) {
        nmx__add_err(p->d, &dcerpc_fields[f], p->off + pos, pos < p->c.left ? p->c.left - pos : 0);
        return false;
    }
    nmx__add_str(p->d, &dcerpc_fields[f], p->off + pos, 16, s, dce_uuid_text(uw, s));
    if (d123) {
        d123[0] = uw[0];
        d123[1] = uw[1] >> 16;
        d123[2] = uw[1] & 0xffff;
    }
    return true;
}

/* The auth verifier at the PDU's end, when auth_len says there is one
 * after the body ending at stub (dissect_dcerpc_cn_auth). */
static void dce_auth(const dce_pdu_t *p, size_t stub)
{
    uint32_t type, level;
    nmx_cursor_t tok;
    if (p->auth_len == 0 || (long)p->auth_len + 8 > (long)p->frag_len - (long)stub)
        return;
    size_t at = (size_t)p->frag_len - (p->auth_len + 8u);
    if (at != 0 && !nmx__cur_in(&p->c, at - 1, 1))
        return; /* the stub data is not all there */
    if (!dce_num(p, F_AUTH_TYPE, at, 1, &type) || !dce_num(p, F_AUTH_LEVEL, at + 1, 1, &level) ||
        !dce_num(p, F_AUTH_PAD, at + 2, 1, NULL) || !dce_num(p, F_AUTH_RSRVD, at + 3, 1, NULL) ||
        !dce_num(p, F_AUTH_CTX, at + 4, 4, NULL))
        return;
    /* NTLMSSP (10) and SPNEGO (9) at the levels their dissectors register
     * for: connect, packet integrity, packet privacy, and packet for
     * NTLMSSP.  A bind's token is shown (its NTLMSSP message, or the
     * Kerberos one in SPNEGO); a call's signature is not parsed, nor is a
     * Kerberos SSP token (16: tshark shows no kerberos.* fields for one). */
    bool bindlike = p->ptype == PDU_BIND || p->ptype == PDU_ALTER || p->ptype == PDU_BIND_ACK ||
                    p->ptype == PDU_ALTER_ACK || p->ptype == PDU_AUTH3;
    bool level_ok = level == 2 || level == 5 || level == 6 || (level == 4 && type == 10);
    if (!level_ok || !bindlike ||
        !nmx__cur_window(&p->c, at + 8, p->c.left - (at + 8) < p->auth_len ? p->c.left - (at + 8) : p->auth_len,
                         &tok))
        return;
    if (type == 10 || type == 9)
        nmx__dis_security_blob(p->d, tok);
}

/* The transfer syntaxes of a presentation context from *pos. */
static bool dce_bind_trans(const dce_pdu_t *p, size_t *pos, uint32_t ntrans)
{
    for (uint32_t j = 0; j < ntrans; j++) {
        uint32_t g[3];
        if (!dce_uuid(p, F_TRANS_ID, *pos, g))
            return false;
        if (g[0] == 0x6cb71c2c && g[1] == 0x9812 && g[2] == 0x4540) { /* [MS-RPCE] 3.3.1.5.3 */
            nmx__add(p->d, &dcerpc_fields[F_BTFN], p->off + *pos + 8, 2);
            nmx__add(p->d, &dcerpc_fields[F_BTFN_01], p->off + *pos + 8, 2);
            nmx__add(p->d, &dcerpc_fields[F_BTFN_02], p->off + *pos + 8, 2);
        }
        if (!dce_num(p, F_TRANS_VER, *pos + 16, 4, NULL))
            return false;
        *pos += 20;
    }
    return true;
}

/* bind and alter_context. */
static void dce_bind(const dce_pdu_t *p)
{
    uint32_t nctx, ntrans;
    if (!dce_num(p, F_MAX_XMIT, 16, 2, NULL) || !dce_num(p, F_MAX_RECV, 18, 2, NULL) ||
        !dce_num(p, F_ASSOC, 20, 4, NULL) || !dce_num(p, F_NUM_CTX, 24, 1, &nctx))
        return;
    size_t pos = 28;
    for (uint32_t i = 0; i < nctx; i++) {
        if (!dce_num(p, F_CTX_ID, pos, 2, NULL) ||
            !dce_num(p, F_NUM_TRANS, pos + 2, 1, &ntrans) || !dce_uuid(p, F_IF_UUID, pos + 4, NULL))
            return;
        /* The version comes first in a little-endian PDU, the minor one in a big-endian one. */
        if (!dce_num(p, p->le ? F_IF_VER : F_IF_VER_MINOR, pos + 20, 2, NULL) ||
            !dce_num(p, p->le ? F_IF_VER_MINOR : F_IF_VER, pos + 22, 2, NULL))
            return;
        pos += 24;
        if (!dce_bind_trans(p, &pos, ntrans))
            return;
    }
    dce_auth(p, pos);
}

/* bind_ack and alter_context_resp. */
static void dce_bind_ack(const dce_pdu_t *p)
{
    uint32_t alen, nres, result;
    if (!dce_num(p, F_MAX_XMIT, 16, 2, NULL) || !dce_num(p, F_MAX_RECV, 18, 2, NULL) ||
        !dce_num(p, F_ASSOC, 20, 4, NULL) || !dce_num(p, F_SEC_ADDR_LEN, 24, 2, &alen))
        return;
    size_t pos = 26;
    if (alen != 0 && !nmx__add_at(p->d, &p->c, &dcerpc_fields[F_SEC_ADDR], pos, alen))
        return;
    pos = (pos + alen + 3) & ~(size_t)3;
    if (!dce_num(p, F_NUM_RESULTS, pos, 1, &nres))
        return;
    pos += 4;
    for (uint32_t i = 0; i < nres; i++, pos += 24) {
        if (!dce_num(p, F_ACK_RESULT, pos, 2, &result))
            return;
        if (result == 3) { /* the answer to a bind time feature negotiation */
            if (!nmx__cur_in(&p->c, pos + 2, 2))
                return;
            nmx__add(p->d, &dcerpc_fields[F_BTFN], p->off + pos + 2, 2);
            nmx__add(p->d, &dcerpc_fields[F_BTFN_01], p->off + pos + 2, 2);
            nmx__add(p->d, &dcerpc_fields[F_BTFN_02], p->off + pos + 2, 2);
        } else if (result != 0 && !dce_num(p, F_ACK_REASON, pos + 2, 2, NULL)) {
            return;
        }
        if (!dce_uuid(p, F_ACK_TRANS_ID, pos + 4, NULL) || !dce_num(p, F_ACK_TRANS_VER, pos + 20, 4, NULL))
            return;
    }
    dce_auth(p, pos);
}

/* bind_nak. */
static void dce_bind_nak(const dce_pdu_t *p)
{
    uint32_t reason, n;
    if (!dce_num(p, F_REJECT, 16, 2, &reason) || reason != 4 || !dce_num(p, F_NUM_PROTOS, 18, 1, &n))
        return;
    for (uint32_t i = 0; i < n; i++)
        if (!dce_num(p, F_PROTO_MAJOR, 19 + 2 * (size_t)i, 1, NULL) ||
            !dce_num(p, F_PROTO_MINOR, 20 + 2 * (size_t)i, 1, NULL))
            return;
}

/* request, response and fault. */
static void dce_call(const dce_pdu_t *p)
{
    if (!dce_num(p, F_ALLOC_HINT, 16, 4, NULL) || !dce_num(p, F_CTX_ID, 20, 2, NULL))
        return;
    size_t pos = 24;
    if (p->ptype == PDU_REQ) {
        if (!dce_num(p, F_OPNUM, 22, 2, NULL))
            return;
        if ((p->flags & 0x80) && !dce_uuid(p, F_OBJ_ID, pos, NULL))
            return;
        pos += (p->flags & 0x80) ? 16 : 0;
    } else if (!dce_num(p, F_CANCEL_COUNT, 22, 1, NULL)) {
        return;
    } else if (p->ptype == PDU_FAULT) {
        if (!dce_num(p, F_FAULT_FLAGS, 23, 1, NULL))
            return;
        nmx__add(p->d, &dcerpc_fields[F_FAULT_EXT], p->off + 23, 1);
        if (!dce_num(p, F_STATUS, 24, 4, NULL) || !nmx__cur_in(&p->c, 28, 4))
            return;
        pos = 32;
    }
    dce_auth(p, pos);
}

/*
 * The connection's state, as tshark keeps it (packet-dcerpc.c): each
 * presentation context a bind or alter_context names (a context item with
 * at least one transfer syntax, whatever the reply says) maps its id to the
 * interface UUID and major version; a request on a bound context, as its
 * first fragment, records its call (call id: the opnum, the interface, the
 * object UUID, the request's frame and time); a response or fault of a recorded
 * call shows the request's opnum, the object UUID (a response only),
 * dcerpc.request_in and dcerpc.time.  The stub of a request or response whose interface
 * has a layer (dis_dcerpc_if.c) becomes that layer when the PDU is its
 * call's last fragment (tshark's reassembly gives it the whole stub then;
 * it is not done here).  All of it is kept as facts of the TCP connection
 * (for a named pipe, of the SMB or SMB2 connection carrying it, and keyed
 * by the pipe too, as tshark keys by its transport salt): a context by
 * pipe << 16 | context id, a call by pipe << 32 | call id, the words of
 * its object UUID by that << 2 | word.  The binds of earlier PDUs of the
 * same payload are known at once (dce_local_t).  A request is taken for a
 * TCP retransmission (tshark does not dissect those) when it repeats the
 * call's request before an answer: the call keeps its first frame.
 */
#define FL_FIRST 0x01
#define FL_LAST 0x02
#define FL_OBJECT 0x80
#define CALL_OBJ (1u << 24)

/* The interface index of presentation context ctx into *idx; false when
 * no bind named it. */
static bool dce_ctx_if(const dce_pdu_t *p, uint32_t ctx, unsigned *idx)
{
    uint32_t v;
    for (unsigned i = p->loc->n; i-- > 0;)
        if (p->loc->ctx[i] == ctx) {
            *idx = p->loc->idx[i];
            return true;
        }
    if (!nmx__fact_get(p->d, NMX_FACT_DCE_CTX, p->pipe << 16 | ctx, &v))
        return false;
    *idx = v;
    return true;
}

/* A bind's or alter_context's context items. */
static void dce_bind_state(const dce_pdu_t *p)
{
    uint8_t nctx;
    size_t pos = 28;
    if (!nmx__cur_peek_u8(&p->c, 24, &nctx))
        return;
    for (unsigned i = 0; i < nctx; i++) {
        uint32_t uw[4];
        char s[40];
        if (!nmx__cur_in(&p->c, pos, 24) || !dce_uuid_words(&p->c, pos + 4, p->le, uw))
            return;
        uint16_t ctx = (uint16_t)dce_get(&p->c, pos, 2, p->le);
        size_t ntrans = nmx__cur_get_u8(&p->c, pos + 2);
        /* the major version first in a little-endian PDU */
        unsigned ver = dce_get(&p->c, p->le ? pos + 20 : pos + 22, 2, p->le);
        pos += 24 + 20 * ntrans;
        if (ntrans == 0 || !nmx__cur_in(&p->c, pos - 20, 20))
            continue; /* no transfer syntax: tshark records nothing */
        dce_uuid_text(uw, s);
        unsigned idx = nmx__dcerpc_if_find(s, ver);
        nmx__fact_set(p->d, NMX_FACT_DCE_CTX, p->pipe << 16 | ctx, idx);
        if (p->loc->n < DCE_LOCAL_MAX) {
            p->loc->ctx[p->loc->n] = ctx;
            p->loc->idx[p->loc->n++] = (uint8_t)idx;
        }
    }
}

/* A request: its call, and its interface's layer. */
static void dce_request_state(const dce_pdu_t *p, uint64_t call)
{
    unsigned idx;
    uint32_t uw[4], v, prev, answered;
    bool obj = (p->flags & FL_OBJECT) != 0;
    if (!nmx__cur_in(&p->c, 16, 8) || (obj && !dce_uuid_words(&p->c, 24, p->le, uw)) ||
        !dce_ctx_if(p, dce_get(&p->c, 20, 2, p->le), &idx))
        return; /* tshark: "No bind info for interface Context ID" */
    unsigned opnum = dce_get(&p->c, 22, 2, p->le);
    if (p->flags & FL_FIRST) {
        uint32_t val = opnum | idx << 16 | (obj ? CALL_OBJ : 0);
        /* The same request again before an answer is taken for a TCP
         * retransmission, which tshark does not dissect: the call keeps
         * its first frame. */
        bool again = nmx__fact_get(p->d, NMX_FACT_DCE_CALL, call, &v) && v == val &&
                     nmx__fact_get(p->d, NMX_FACT_DCE_REQ_FRAME, call, &prev) &&
                     !(nmx__fact_get(p->d, NMX_FACT_DCE_ANSWERED, call, &answered) && answered == prev);
        nmx__fact_set(p->d, NMX_FACT_DCE_CALL, call, val);
        if (p->d->fctx != NULL && !again) {
            uint64_t t = (uint64_t)p->d->fctx->ts_ns;
            nmx__fact_set(p->d, NMX_FACT_DCE_REQ_FRAME, call, p->d->fctx->number);
            nmx__fact_set(p->d, NMX_FACT_DCE_REQ_TIME, call << 1, (uint32_t)(t >> 32));
            nmx__fact_set(p->d, NMX_FACT_DCE_REQ_TIME, call << 1 | 1, (uint32_t)t);
        }
        for (unsigned i = 0; obj && i < 4; i++)
            nmx__fact_set(p->d, NMX_FACT_DCE_OBJ, call << 2 | i, uw[i]);
    } else if ((p->flags & FL_LAST) && nmx__fact_get(p->d, NMX_FACT_DCE_CALL, call, &v)) {
        idx = v >> 16 & 0xff;
        opnum = v & 0xffff;
    } else {
        return;
    }
    if ((p->flags & FL_LAST) && !p->cut)
        nmx__dis_dcerpc_if(p->d, idx, p->off + (obj ? 40 : 24), opnum);
}

/* dcerpc.time of a response or fault: the time since its request. */
static void dce_reply_time(const dce_pdu_t *p, uint64_t call)
{
    uint32_t hi, lo;
    if (p->d->fctx == NULL || !nmx__fact_get(p->d, NMX_FACT_DCE_REQ_TIME, call << 1, &hi) ||
        !nmx__fact_get(p->d, NMX_FACT_DCE_REQ_TIME, call << 1 | 1, &lo))
        return;
    uint64_t req = (uint64_t)hi << 32 | lo;
    nmx__add_uint(p->d, &dcerpc_fields[F_TIME], p->off, 0, (uint64_t)p->d->fctx->ts_ns - req);
}

/* A response or fault: its request's opnum, object UUID and frame, and
 * a response's interface layer (which shows the request's frame too). */
static void dce_reply_state(const dce_pdu_t *p, uint64_t call)
{
    uint32_t v, frame = 0, uw[4];
    char s[40];
    if (!nmx__fact_get(p->d, NMX_FACT_DCE_CALL, call, &v))
        return;
    bool have_frame = nmx__fact_get(p->d, NMX_FACT_DCE_REQ_FRAME, call, &frame);
    if (have_frame)
        nmx__fact_set(p->d, NMX_FACT_DCE_ANSWERED, call, frame);
    if (p->d->ws) {
        nmx__add_uint(p->d, &dcerpc_fields[F_OPNUM], p->off, 0, v & 0xffff);
        bool obj = p->ptype == PDU_RESP && (v & CALL_OBJ) != 0;
        for (unsigned i = 0; obj && i < 4; i++)
            obj = nmx__fact_get(p->d, NMX_FACT_DCE_OBJ, call << 2 | i, &uw[i]);
        if (obj)
            nmx__add_str(p->d, &dcerpc_fields[F_OBJ_ID], p->off, 0, s, dce_uuid_text(uw, s));
        if (have_frame)
            nmx__add_uint(p->d, &dcerpc_fields[F_REQUEST_IN], p->off, 0, frame);
        dce_reply_time(p, call);
    }
    if (p->ptype == PDU_RESP && (p->flags & FL_LAST) && !p->cut && p->frag_len >= 24 &&
        nmx__dis_dcerpc_if(p->d, v >> 16 & 0xff, p->off + 24, v & 0xffff) && p->d->ws && have_frame)
        nmx__add_uint(p->d, &dcerpc_fields[F_REQUEST_IN], p->off + 24, 0, frame);
}

/* What a PDU tells of, or takes from, its connection. */
static void dce_state(const dce_pdu_t *p)
{
    uint64_t call = p->pipe << 32 | dce_get(&p->c, 12, 4, p->le); /* the call's key */
    switch (p->ptype) {
    case PDU_BIND:
    case PDU_ALTER:
        dce_bind_state(p);
        break;
    case PDU_REQ:
        dce_request_state(p, call);
        break;
    case PDU_RESP:
    case PDU_FAULT:
        dce_reply_state(p, call);
        break;
    default:
        break;
    }
}

/* Whether the 16 bytes at pos of c are a connection-oriented header (is_dcerpc). */
static bool dce_is_cn(const nmx_cursor_t *c, size_t pos)
{
    uint8_t b[10];
    if (!nmx__cur_in(c, pos, 16) || !nmx__cur_peek_copy(c, pos, b, sizeof(b)))
        return false;
    uint16_t frag = (b[4] & 0x10) ? (uint16_t)(b[8] | b[9] << 8) : (uint16_t)(b[8] << 8 | b[9]);
    return b[0] == 5 && b[1] <= 1 && b[2] <= PDU_RTS && (b[4] & 0xee) == 0 && b[5] <= 3 && frag >= 16;
}

/* The common header's fields. */
static void dce_header(const dce_pdu_t *p)
{
    uint8_t drep0 = nmx__cur_get_u8(&p->c, 4);
    size_t o = p->off;
    nmx__add(p->d, &dcerpc_fields[F_VER], o, 1);
    nmx__add(p->d, &dcerpc_fields[F_VER_MINOR], o + 1, 1);
    nmx__add(p->d, &dcerpc_fields[F_PKT_TYPE], o + 2, 1);
    nmx__add(p->d, &dcerpc_fields[F_FLAGS], o + 3, 1);
    for (int f = F_FL_OBJECT; f >= F_FL_FIRST; f--)
        nmx__add(p->d, &dcerpc_fields[f], o + 3, 1);
    nmx__add(p->d, &dcerpc_fields[F_DREP], o + 4, 4);
    nmx__add_uint(p->d, &dcerpc_fields[F_DREP_BO], o + 4, 1, drep0 >> 4);
    nmx__add_uint(p->d, &dcerpc_fields[F_DREP_CHAR], o + 4, 1, drep0 & 0x0f);
    nmx__add(p->d, &dcerpc_fields[F_DREP_FP], o + 5, 1);
    dce_num(p, F_FRAG_LEN, 8, 2, NULL);
    dce_num(p, F_AUTH_LEN, 10, 2, NULL);
    dce_num(p, F_CALL_ID, 12, 4, NULL);
}

static void dce_body(const dce_pdu_t *p);

/* One PDU of the segment in w (dissect_dcerpc_cn): four zero bytes of
 * padding are skipped; bytes that are not a header are no layer. */
static void dce_pdu(nmx_dctx_t *d, nmx_cursor_t w, unsigned proto, dce_local_t *loc, uint32_t pipe)
{
    size_t s = nmx__cur_match(&w, 0, "\0\0\0\0", 4) ? 4 : 0;
    if (!dce_is_cn(&w, s))
        return;
    dce_pdu_t p = {.d = d, .le = (nmx__cur_get_u8(&w, s + 4) & 0x10) != 0, .loc = loc,
                   .pipe = pipe & ((1u << NMX_DCE_PIPE_BITS) - 1)};
    p.frag_len = (uint16_t)dce_get(&w, s + 8, 2, p.le);
    p.auth_len = (uint16_t)dce_get(&w, s + 10, 2, p.le);
    p.ptype = nmx__cur_get_u8(&w, s + 2);
    p.flags = nmx__cur_get_u8(&w, s + 3);
    if (!nmx__cur_window(&w, s, w.left - s < p.frag_len ? w.left - s : p.frag_len, &p.c))
        return;
    p.off = nmx__off(&p.c);
    if (!nmx__push_layer(d, proto, p.off))
        return;
    if (d->ws)
        dce_header(&p);
    /* Over TCP, or where the capture cut it, tshark cannot cut the
     * fragment's bytes out of a PDU not all there: the header only.  In a
     * pipe message that ends before it, the fields up to the message's
     * end, and what they tell of the connection (but no interface layer). */
    p.cut = p.c.left < p.frag_len;
    if (p.cut && !loc->cut_body)
        return;
    if (d->ws)
        dce_body(&p);
    dce_state(&p);
}

/* The fields of a whole PDU's body. */
static void dce_body(const dce_pdu_t *p)
{
    switch (p->ptype) {
    case PDU_BIND:
    case PDU_ALTER:
        dce_bind(p);
        break;
    case PDU_BIND_ACK:
    case PDU_ALTER_ACK:
        dce_bind_ack(p);
        break;
    case PDU_BIND_NAK:
        dce_bind_nak(p);
        break;
    case PDU_REQ:
    case PDU_RESP:
    case PDU_FAULT:
        dce_call(p);
        break;
    case PDU_SHUTDOWN:
    case PDU_RTS: /* RPC over HTTP's RTS commands are not parsed */
        break;
    default: /* AUTH3, co_cancel, orphaned and the rest: the verifier only */
        dce_auth(p, 16);
        break;
    }
}

/* A TCP payload (tshark's heuristic, then tcp_dissect_pdus): each PDU by
 * its fragment length, read with the drep of its own header. */
static bool dce_tcp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    dce_local_t loc = {0};
    if (!dce_is_cn(&c, 0))
        return false;
    for (size_t pos = 0; pos < c.left;) {
        nmx_cursor_t w;
        if (!nmx__cur_in(&c, pos, 10))
            break; /* the length cannot be read: tshark gives up on the segment */
        uint32_t plen = dce_get(&c, pos + 8, 2, (nmx__cur_get_u8(&c, pos + 4) & 0x10) != 0);
        if (plen < 16)
            break;
        if (!nmx__cur_window(&c, pos, c.left - pos < plen ? c.left - pos : plen, &w))
            break;
        dce_pdu(d, w, proto, &loc, 0);
        pos += plen;
    }
    return true;
}

/*
 * The data of a named pipe's read, write or transceive (tshark's pipe
 * heuristics for SMB and SMB2, dissect_dcerpc_cn_bs_body, with the pipe
 * reassembly off, as every comparison runs tshark): the n bytes at `at` of
 * the message m, or as many of them as were captured.  PDUs one after the
 * other by their fragment lengths, each a layer, until bytes that are not
 * a header.  A PDU longer than the data left (split over several pipe
 * messages) is a layer all the same: when it is the data's first PDU and
 * the data was captured whole (all n bytes are there, or `whole` says the
 * carrier gives what it has), with the fields of its body up to the data's
 * end, and what they tell of the connection; otherwise with its common
 * header only, as over TCP.  The messages after it, which hold the rest
 * of the PDU, are no DCE/RPC (tshark shows them as data).  False when the
 * data does not start with a PDU.
 */
bool nmx__dis_dcerpc_pipe(nmx_dctx_t *d, const nmx_cursor_t *m, size_t at, size_t n, bool whole, uint32_t pipe)
{
    nmx_cursor_t c;
    if (n == 0 || at >= m->left)
        return false;
    size_t have = m->left - at < n ? m->left - at : n;
    if (!nmx__cur_window(m, at, have, &c))
        return false;
    size_t pos = 0;
    bool any = false;
    dce_local_t loc = {.cut_body = whole || have == n};
    while (pos < c.left && dce_is_cn(&c, pos)) {
        uint32_t plen = dce_get(&c, pos + 8, 2, (nmx__cur_get_u8(&c, pos + 4) & 0x10) != 0);
        nmx_cursor_t w;
        any = true;
        if (!nmx__cur_window(&c, pos, c.left - pos < plen ? c.left - pos : plen, &w))
            break;
        dce_pdu(d, w, NMX_PROTO_DCERPC, &loc, pipe);
        loc.cut_body = false; /* tshark cuts a later PDU to the data's length from its start: the header only */
        pos += plen;
    }
    return any;
}

/* ===================================================================== */
/* Connectionless PDUs (C706 12.5) over UDP                               */
/* ===================================================================== */

/*
 *   ver(1)=4 | ptype(1) | flags1(1) | flags2(1) | drep(3) | serial_hi(1)
 *   | object(16) | interface(16) | activity(16) | server_boot(4) at 56
 *   | if_ver(4) | seqnum(4) | opnum(2) | ihint(2) | ahint(2) | len(2) at 74
 *   | fragnum(2) | auth_proto(1) | serial_lo(1) | body(len) | auth
 */
enum { DG_FAULT = 3, DG_NOCALL = 5, DG_REJECT = 6, DG_CL_CANCEL = 8, DG_FACK = 9, DG_CANCEL_ACK = 10 };

/* The fixed fields of the 80-byte header. */
static void dg_header(const dce_pdu_t *p)
{
    static const struct {
        int f;
        uint8_t pos, n;
    } nums[] = {{F_DG_IF_VER, 60, 4}, {F_DG_SEQNUM, 64, 4},   {F_OPNUM, 68, 2},        {F_DG_IHINT, 70, 2},
                {F_DG_AHINT, 72, 2},  {F_DG_FRAG_LEN, 74, 2}, {F_DG_FRAG_NUM, 76, 2}, {F_DG_AUTH_PROTO, 78, 1},
                {F_DG_SERIAL_LO, 79, 1}};
    size_t o = p->off;
    uint8_t drep0 = nmx__cur_get_u8(&p->c, 4);
    nmx__add(p->d, &dcerpc_fields[F_VER], o, 1);
    nmx__add(p->d, &dcerpc_fields[F_PKT_TYPE], o + 1, 1);
    nmx__add(p->d, &dcerpc_fields[F_DG_FLAGS1], o + 2, 1);
    for (int f = F_DG_F1_80; f >= F_DG_F1_01; f--)
        nmx__add(p->d, &dcerpc_fields[f], o + 2, 1);
    nmx__add(p->d, &dcerpc_fields[F_DG_FLAGS2], o + 3, 1);
    for (int f = F_DG_F2_80; f >= F_DG_F2_01; f--)
        nmx__add(p->d, &dcerpc_fields[f], o + 3, 1);
    nmx__add(p->d, &dcerpc_fields[F_DREP], o + 4, 3);
    nmx__add_uint(p->d, &dcerpc_fields[F_DREP_BO], o + 4, 1, drep0 >> 4);
    nmx__add_uint(p->d, &dcerpc_fields[F_DREP_CHAR], o + 4, 1, drep0 & 0x0f);
    nmx__add(p->d, &dcerpc_fields[F_DREP_FP], o + 5, 1);
    nmx__add(p->d, &dcerpc_fields[F_DG_SERIAL_HI], o + 7, 1);
    dce_uuid(p, F_OBJ_ID, 8, NULL);
    dce_uuid(p, F_DG_IF_ID, 24, NULL);
    dce_uuid(p, F_DG_ACT_ID, 40, NULL);
    nmx__add_uint(p->d, &dcerpc_fields[F_DG_BOOT], o + 56, 4,
                  (uint64_t)dce_get(&p->c, 56, 4, p->le) * 1000000000u);
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
        dce_num(p, nums[i].f, nums[i].pos, nums[i].n, NULL);
}

/* A fack (and a nocall's optional body) at 80. */
static void dg_fack(const dce_pdu_t *p)
{
    uint32_t vers, n;
    if (!dce_num(p, F_FACK_VERS, 80, 1, &vers) || vers > 1)
        return;
    if (!dce_num(p, F_FACK_WINDOW, 82, 2, NULL) || !dce_num(p, F_FACK_TSDU, 84, 4, NULL) ||
        !dce_num(p, F_FACK_FRAG, 88, 4, NULL) || !dce_num(p, F_FACK_SERIAL, 92, 2, NULL) ||
        !dce_num(p, F_FACK_SELACK_LEN, 94, 2, &n))
        return;
    for (uint32_t i = 0; i < n; i++)
        if (!dce_num(p, F_FACK_SELACK, 96 + 4 * (size_t)i, 4, NULL))
            return;
}

/* The body of the PDU types that have fields of their own. */
static void dg_body(const dce_pdu_t *p, uint16_t len)
{
    uint32_t vers;
    switch (p->ptype) {
    case DG_CANCEL_ACK:
    case DG_CL_CANCEL:
        if (len == 0 || !dce_num(p, F_DG_CANCEL_VERS, 80, 4, &vers) || vers != 0 ||
            !dce_num(p, F_DG_CANCEL_ID, 84, 4, NULL))
            return;
        if (p->ptype == DG_CANCEL_ACK)
            dce_num(p, F_DG_ACCEPTING, 88, 1, NULL);
        break;
    case DG_NOCALL:
    case DG_FACK:
        if (len != 0)
            dg_fack(p);
        break;
    case DG_REJECT:
    case DG_FAULT:
        dce_num(p, F_DG_STATUS, 80, 4, NULL);
        break;
    default:
        break;
    }
}

/* The interface layer of a request's or response's stub, which tshark
 * finds by the header's interface UUID and version (dis_dcerpc_if.c).
 * Fragments (flags1 0x04) are not handed on. */
static void dg_interface(const dce_pdu_t *p, uint8_t flags1)
{
    uint32_t uw[4];
    char s[40];
    if ((p->ptype != 0 && p->ptype != 2) || (flags1 & 0x04) != 0 || !dce_uuid_words(&p->c, 24, p->le, uw))
        return;
    dce_uuid_text(uw, s);
    unsigned idx = nmx__dcerpc_if_find(s, dce_get(&p->c, 60, 4, p->le) & 0xffff);
    if (idx != NMX_DCE_IF_NONE)
        nmx__dis_dcerpc_if(p->d, idx, p->off + 80, dce_get(&p->c, 68, 2, p->le));
}

/*
 * A UDP payload (tshark's heuristic dissect_dcerpc_dg): version 4, a
 * packet type up to cancel_ack (10), flags2 with only its two low bits
 * set, a valid drep, and the whole 80-byte header there.  The bytes after
 * the body are the authentication verifier.  Kerberos verifiers
 * (auth_proto 1) and the stub data (tshark hands it to the interface's
 * dissector by the header's interface UUID) are not parsed.
 */
static bool dce_udp(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    uint8_t h[8];
    if (!nmx__cur_in(&c, 0, 80) || !nmx__cur_peek_copy(&c, 0, h, sizeof(h)) || h[0] != 4 ||
        h[1] > DG_CANCEL_ACK || (h[3] & 0xfc) != 0 || (h[4] & 0xee) != 0 || h[5] > 3)
        return false;
    dce_pdu_t p = {.d = d, .c = c, .off = nmx__off(&c), .le = (h[4] & 0x10) != 0, .ptype = h[1]};
    if (!nmx__push_layer(d, proto, p.off))
        return true;
    uint16_t len = (uint16_t)dce_get(&c, 74, 2, p.le);
    if (d->ws) {
        dg_header(&p);
        dg_body(&p, len);
        if ((size_t)80 + len < c.left && nmx__cur_get_u8(&c, 78) != 1) /* not a Kerberos verifier */
            nmx__add(d, &dcerpc_fields[F_AUTH_VERIFIER], p.off + 80 + len, c.left - 80 - len);
    }
    dg_interface(&p, h[2]);
    return true;
}

static bool dis_dcerpc(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    return d->ho_table == NMX_HO_UDP_HEUR ? dce_udp(d, c, proto) : dce_tcp(d, c, proto);
}
