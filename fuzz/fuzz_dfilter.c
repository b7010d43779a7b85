/*
 * fuzz_dfilter.c - fuzz target for the display-filter compiler.
 *
 * Input: filter text (made NUL-terminated), of any length: long and deeply
 * nested texts are where the parser's limits are.  What compiles is
 * evaluated on a fixed HTTP-over-TCP frame dissected with a frame context
 * (so frame.*, tcp.stream, slices, sets, regular expressions and functions
 * all have values to work on); what does not must report a position
 * inside the text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/linktype.h"
#include "filter/filter.h"

static const uint8_t frame[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00, 0x45, 0x00,
    0x00, 0x3a, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8,
    0x00, 0x02, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x50, 0x18,
    0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 'G',  'E',  'T',  ' ',  '/',  ' ',  'H',  'T',  'T',  'P',
    '/',  '1',  '.',  '1',  '\r', '\n', '\r', '\n',
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static nmx_dissection_t *d;
    if (!d) {
        nmx_frame_ctx_t ctx = {.number = 3, .has_time = true, .ts_ns = 1084443427500000000ll,
                               .first_ns = 1084443425000000000ll, .prev_ns = 1084443427250000000ll,
                               .comment = "a comment\twith a tab",
                               .tcp_stream = {2, NMX_STREAM_NONE},
                               .udp_stream = {NMX_STREAM_NONE, NMX_STREAM_NONE}};
        d = nmx__dissect_ctx(NULL, frame, sizeof(frame), sizeof(frame), NMX_LINK_ETHERNET, &ctx);
    }
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char err[256];
    size_t pos = 0;
    nmx_filter_t *f = nmx__dfilter_compile_ex(text, err, sizeof(err), &pos);
    if (f) {
        DWORD e = 0;
        nmx__filter_eval(f, d, &e);
        nmx_dissection_t lite = *d;
        lite.props = NULL;
        if (!nmx__filter_needs_props(f))
            nmx__filter_eval(f, &lite, &e);
        nmx__filter_free(f);
    } else if (pos > strlen(text)) {
        abort();
    }
    free(text);
    return 0;
}
