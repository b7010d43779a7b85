/*
 * dis_ayiya.c - Anything In Anything (AYIYA, the SixXS tunnel protocol) on
 * UDP 5072: a header with an identity and a signature, then, for the
 * forward operation, a packet by its IP protocol number.
 *
 *   +-------+-------+-------+-------+-------+-------+---------------+
 *   | IDLen |IDType |SigLen |HshMeth|AutMeth| OpCode|  Next Header  |
 *   +-------+-------+-------+-------+-------+-------+---------------+
 *   |                 Epoch Time (seconds, 32)                      |
 *   |   Identity (2^IDLen bytes)   |   Signature (SigLen * 4 bytes)  |
 *
 * As tshark 4.0 (which takes every payload of its port): under 4 bytes
 * there is no layer (tshark reads the first word before adding its item);
 * from 4 on, the fields are added while their bytes are there, and an
 * operation code of 1 (forward) hands the rest on as the Next Header's IP
 * protocol.
 */
#include "proto/proto_int.h"

enum { F_IDLEN, F_IDTYPE, F_SIGLEN, F_HASH, F_AUTH, F_OPCODE, F_NEXT, F_EPOCH, F_IDENTITY, F_SIGNATURE };

static nmx_field_t ayiya_fields[] = {
    [F_IDLEN] = NMX_F_UINT("ayiya.idlen", "Identity field length", NMX_BASE_HEX, 1, 0xF0),
    [F_IDTYPE] = NMX_F_UINT("ayiya.idtype", "Identity field type", NMX_BASE_HEX, 1, 0x0F),
    [F_SIGLEN] = NMX_F_UINT("ayiya.siglen", "Signature Length", NMX_BASE_HEX, 1, 0xF0),
    [F_HASH] = NMX_F_UINT("ayiya.hashmethod", "Hash method", NMX_BASE_HEX, 1, 0x0F),
    [F_AUTH] = NMX_F_UINT("ayiya.authmethod", "Authentication method", NMX_BASE_HEX, 1, 0xF0),
    [F_OPCODE] = NMX_F_UINT("ayiya.opcode", "Operation Code", NMX_BASE_HEX, 1, 0x0F),
    [F_NEXT] = NMX_F_UINT("ayiya.nextheader", "Next Header", NMX_BASE_HEX, 1, 0),
    [F_EPOCH] = NMX_F_ABSTIME("ayiya.epoch", "Epoch"),
    [F_IDENTITY] = NMX_F_BYTES("ayiya.identity", "Identity"),
    [F_SIGNATURE] = NMX_F_BYTES("ayiya.signature", "Signature"),
};

static nmx_dissect_fn dis_ayiya;

NMX_PROTOCOL(nmx__p_ayiya, NMX_PROTO_AYIYA, "ayiya", "AYIYA", NULL, "Anything in Anything Protocol", ayiya_fields,
             .dissect = dis_ayiya, NMX_HANDOFFS({NMX_HO_UDP_PORT, 5072}));

enum { OPCODE_FORWARD = 1 };

static bool dis_ayiya(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    size_t off = nmx__off(&c);
    uint32_t w, epoch;
    if (!nmx__cur_peek_u32be(&c, 0, &w) || !nmx__push_layer(d, proto, off))
        return true; /* taken all the same: tshark's dissector has the port */
    static const uint8_t at[] = {0, 0, 1, 1, 2, 2, 3};
    for (unsigned f = F_IDLEN; f <= F_NEXT; f++)
        nmx__add(d, &ayiya_fields[f], off + at[f], 1);
    if (!nmx__cur_peek_u32be(&c, 4, &epoch))
        return true;
    nmx__add_uint(d, &ayiya_fields[F_EPOCH], off + 4, 4, (uint64_t)epoch * 1000000000u);
    size_t idlen = (size_t)1 << (w >> 28), siglen = (size_t)((w >> 20) & 0xF) * 4;
    if (!nmx__cur_in(&c, 8, idlen))
        return true;
    nmx__add(d, &ayiya_fields[F_IDENTITY], off + 8, idlen);
    if (!nmx__cur_in(&c, 8 + idlen, siglen))
        return true;
    nmx__add(d, &ayiya_fields[F_SIGNATURE], off + 8 + idlen, siglen);
    if (((w >> 8) & 0xF) == OPCODE_FORWARD && nmx__cur_skip(&c, 8 + idlen + siglen) && c.left > 0)
        nmx__dis_ip_proto(d, c, w & 0xFF, false, true);
    return true;
}
