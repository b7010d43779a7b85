/*
 * dis_frame.c - the "frame" pseudo-protocol (NetMon FRAME, Wireshark
 * "frame"): facts about the captured frame as a whole.
 *
 * It is present in every frame at offset 0 and owns the first slice of the
 * property table; it is not listed in the recognize table (tshark's
 * -z io,phs does not count it either).
 *
 * frame.len and frame.cap_len come from the frame itself.  The others are
 * the frame's place in the capture (nmx_frame_ctx_t), attached only when the
 * caller gives one (nmx__dissect_ctx), in tshark's order.  Times are
 * nanoseconds; frame.time is absolute (UTC), the others intervals, as in
 * tshark 4.0 (frame.time_epoch too: seconds since 1970).  A frame without a time stamp (pcapng simple packet
 * block) has none of the time fields.  frame.comment is the pcapng comment
 * (the runtime gives no NetMon comment: tshark does not show those as
 * frame.comment).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto_int.h"

enum { F_COMMENT, F_TIME, F_TIME_EPOCH, F_TIME_DELTA, F_TIME_RELATIVE, F_NUMBER, F_LEN, F_CAP_LEN,
       F_PROTOCOLS };

static nmx_field_t frame_fields[] = {
    [F_COMMENT] = NMX_F_STRING("frame.comment", "Comment"),
    [F_TIME] = NMX_F_ABSTIME("frame.time", "Arrival Time"),
    [F_TIME_EPOCH] = NMX_F_RELTIME("frame.time_epoch", "Epoch Time"),
    [F_TIME_DELTA] = NMX_F_RELTIME("frame.time_delta", "Time delta from previous captured frame"),
    [F_TIME_RELATIVE] = NMX_F_RELTIME("frame.time_relative", "Time since reference or first frame"),
    [F_NUMBER] = NMX_F_UINT("frame.number", "Frame Number", NMX_BASE_DEC, 4, 0),
    [F_LEN] = NMX_F_UINT("frame.len", "Frame length on the wire", NMX_BASE_DEC, 4, 0),
    [F_CAP_LEN] = NMX_F_UINT("frame.cap_len", "Frame length stored into the capture file", NMX_BASE_DEC, 4, 0),
    [F_PROTOCOLS] = NMX_F_STRING("frame.protocols", "Protocols in frame"),
};

NMX_PROTOCOL(nmx__p_frame, NMX_PROTO_FRAME, "frame", "FRAME", NULL, "Frame", frame_fields);

/* The comment as tshark shows it, like every derived string: line breaks,
 * tabs and other control characters escaped ("\\n", "\\t", "\\x01"),
 * everything else (backslashes too) as it is. */
static void add_comment(nmx_dctx_t *d, const char *comment)
{
    size_t n = strlen(comment);
    if (n > 0xFFFE / 4)
        n = 0xFFFE / 4;
    char *out = malloc(4 * n + 1);
    if (!out)
        return;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)comment[i];
        if (c == '\n' || c == '\r' || c == '\t') {
            out[k++] = '\\';
            out[k++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        } else if (c < 0x20 || c == 0x7F) {
            k += (size_t)snprintf(out + k, 5, "\\x%02x", c);
        } else {
            out[k++] = (char)c;
        }
    }
    nmx__add_str(d, &frame_fields[F_COMMENT], 0, 0, out, k);
    free(out);
}

void nmx__dis_frame(nmx_dctx_t *d, uint32_t linktype)
{
    (void)linktype;
    if (!d->ws)
        return;
    const nmx_frame_ctx_t *x = d->fctx;
    if (x && x->comment)
        add_comment(d, x->comment);
    if (x && x->has_time) {
        nmx__add_uint(d, &frame_fields[F_TIME], 0, 0, (uint64_t)x->ts_ns);
        nmx__add_uint(d, &frame_fields[F_TIME_EPOCH], 0, 0, (uint64_t)x->ts_ns);
        /* Differences of two int64 times can overflow: computed unsigned, as
         * two's complement, which is right whenever the result fits. */
        nmx__add_uint(d, &frame_fields[F_TIME_DELTA], 0, 0, (uint64_t)x->ts_ns - (uint64_t)x->prev_ns);
        nmx__add_uint(d, &frame_fields[F_TIME_RELATIVE], 0, 0, (uint64_t)x->ts_ns - (uint64_t)x->first_ns);
    }
    if (x)
        nmx__add_uint(d, &frame_fields[F_NUMBER], 0, 0, x->number);
    nmx__add_uint(d, &frame_fields[F_LEN], 0, 0, d->wirelen);
    nmx__add_uint(d, &frame_fields[F_CAP_LEN], 0, 0, d->caplen);
}

void nmx__dis_frame_protocols(nmx_dctx_t *d, const char *text)
{
    if (d->fctx)
        nmx__add_str(d, &frame_fields[F_PROTOCOLS], 0, 0, text, strlen(text));
}
