/*
 * dis_frame.c - the "frame" pseudo-protocol (NetMon FRAME, Wireshark
 * "frame"): facts about the captured frame as a whole.
 *
 * It is present in every frame at offset 0 and owns the first slice of the
 * property table; it is not listed in the recognize table (tshark's
 * -z io,phs does not count it either).
 */
#include "proto/proto_int.h"

enum { F_LEN, F_CAP_LEN };

static nmx_field_t frame_fields[] = {
    [F_LEN] = NMX_F_UINT("frame.len", "Frame length on the wire", NMX_BASE_DEC, 4, 0),
    [F_CAP_LEN] = NMX_F_UINT("frame.cap_len", "Frame length stored into the capture file", NMX_BASE_DEC, 4, 0),
};

NMX_PROTOCOL(nmx_p_frame, NMX_PROTO_FRAME, "frame", "FRAME", NULL, "Frame", frame_fields);

void nmx_dis_frame(nmx_dctx_t *d, uint32_t linktype)
{
    if (!d->ws)
        return;
    nmx_add_uint(d, &frame_fields[F_LEN], 0, 0, d->wirelen);
    nmx_add_uint(d, &frame_fields[F_CAP_LEN], 0, 0, d->caplen);
    (void)linktype;
}
