/*
 * filter_glue.c - how the runtime evaluates a filter on a frame of a session:
 * with the recognize pass alone when the filter only tests protocols and
 * addresses, with the frame's cached dissection when it looks at properties
 * (spec 4.9: property operands attach properties internally).  The session's
 * dissections carry the frame's context (frame.number, frame.time...), and
 * a filter that reads tcp.stream or udp.stream has the conversations
 * numbered first.
 */
#include <string.h>

#include "runtime/runtime.h"

int nmx__session_filter(nmx_session_t *s, const nmx_filter_t *f, uint32_t n)
{
    if (nmx__filter_needs_streams(f) && !nmx__session_need_streams(s))
        return FILTER_FAIL_WITH_ERROR;
    if (nmx__filter_needs_props(f)) {
        const nmx_dissection_t *d = nmx__session_dissect(s, n);
        return d != NULL ? nmx__filter_eval(f, d, NULL) : FILTER_FAIL_WITH_ERROR;
    }
    const nmx_frame_rec_t *rec = nmx__session_rec(s, n);
    const nmx_frame_addrs_t *addrs;
    nmx_dissection_t d;
    memset(&d, 0, sizeof d);
    d.recog = (LPRECOGNIZEDATATABLE)nmx__session_recognize(s, n, &addrs);
    d.addrs = *addrs;
    d.data = nmx__session_data(s, n);
    d.caplen = rec->caplen;
    d.wirelen = rec->wirelen;
    d.linktype = rec->linktype;
    return nmx__filter_eval(f, &d, NULL);
}
