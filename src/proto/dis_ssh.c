/*
 * dis_ssh.c - Secure Shell (RFC 4253) on TCP 22 and 29418.
 *
 *   identification: "SSH-" protoversion "-" softwareversion [SP comments] CRLF
 *   binary packet:  packet_length(4) padding_length(1) payload padding MAC
 *
 * As tshark 4.0 does with a segment at the start of a conversation (it
 * keeps the key exchange's state across segments, which each segment here
 * is dissected without): a segment that starts with "SSH-" (any case) is
 * the identification string, ssh.protocol, up to the first LF (without it
 * and a CR before it) or the end; anything else is taken as an encrypted
 * packet: its first four bytes as ssh.packet_length_encrypted when there
 * are more than four, the rest as ssh.encrypted_packet (with four bytes or
 * fewer tshark throws: no fields).  ssh.direction is 1 from the matched
 * port (the server).  So the cleartext binary packets of the key exchange
 * (packet and padding length, message code, KEXINIT's algorithm lists),
 * which tshark shows after it has seen the identification strings, are
 * shown here as encrypted, and bytes after an identification string in
 * the same segment are not dissected (docs/protocols.md).
 */
#include "proto/proto_int.h"

enum { F_PROTOCOL, F_LEN_ENCRYPTED, F_ENCRYPTED, F_DIRECTION };

static nmx_field_t ssh_fields[] = {
    [F_PROTOCOL] = NMX_F_ASCII("ssh.protocol", "Protocol"),
    [F_LEN_ENCRYPTED] = NMX_F_BYTES("ssh.packet_length_encrypted", "Packet Length (encrypted)"),
    [F_ENCRYPTED] = NMX_F_BYTES("ssh.encrypted_packet", "Encrypted Packet"),
    [F_DIRECTION] = NMX_F_BOOL("ssh.direction", "Direction", 1, 0),
};

static nmx_dissect_fn dis_ssh;

NMX_PROTOCOL(nmx__p_ssh, NMX_PROTO_SSH, "ssh", "SSH", NULL, "SSH Protocol", ssh_fields, .dissect = dis_ssh,
             NMX_HANDOFFS({NMX_HO_TCP_PORT, 22}, {NMX_HO_TCP_PORT, 29418}));

static bool dis_ssh(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    if (!nmx__push_layer(d, proto, off) || !d->ws)
        return true;
    if (c.left >= 4 && nmx__cur_match_ci(&c, 0, "SSH-", 4)) {
        size_t lf = nmx__cur_find(&c, 0, '\n'), len = lf;
        if (lf < c.left && lf > 0 && nmx__cur_match(&c, lf - 1, "\r", 1))
            len = lf - 1;
        nmx__add(d, &ssh_fields[F_PROTOCOL], off, len);
    } else {
        if (c.left <= 4)
            return true; /* tshark throws adding the packet */
        nmx__add(d, &ssh_fields[F_LEN_ENCRYPTED], off, 4);
        nmx__add(d, &ssh_fields[F_ENCRYPTED], off + 4, c.left - 4);
    }
    nmx__add_uint(d, &ssh_fields[F_DIRECTION], off, 0, d->ho_value != d->ho_dport);
    return true;
}
