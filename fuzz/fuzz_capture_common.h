/*
 * fuzz_capture_common.h - the body shared by the capture fuzz targets: open
 * the input as a capture, walk every frame in both directions, touch every
 * byte, read every accessor, and trap if an index invariant is broken.
 */
#ifndef NMX_FUZZ_CAPTURE_COMMON_H
#define NMX_FUZZ_CAPTURE_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"

#define NMX_FUZZ_CHECK(cond) \
    do {                     \
        if (!(cond))         \
            abort();         \
    } while (0)

static volatile uint8_t nmx_fuzz_sink;

static int nmx_fuzz_capture(const uint8_t *data, size_t size)
{
    nmx_cap_t *cap = NULL;
    nmx_error_t err;
    if (nmx__cap_open_mem(data, size, "fuzz", &cap, &err) != 0) {
        NMX_FUZZ_CHECK(cap == NULL && err.code != 0 && strncmp(err.msg, "fuzz: ", 6) == 0);
        return 0;
    }
    uint32_t n = nmx__cap_count(cap);
    uint64_t caplens = 0, wirelens = 0;
    uint8_t acc = 0;
    for (uint32_t k = n; k-- > 0;) {
        const nmx_frame_rec_t *r = nmx__cap_frame(cap, k);
        const uint8_t *d = nmx__cap_data(cap, k);
        NMX_FUZZ_CHECK(r != NULL && d != NULL);
        NMX_FUZZ_CHECK(r->data_off <= size && r->caplen <= size - r->data_off);
        NMX_FUZZ_CHECK(d == data + r->data_off);
        for (uint32_t j = 0; j < r->caplen; j++)
            acc ^= d[j];
        caplens += r->caplen;
        wirelens += r->wirelen;
        const char *c = nmx__cap_frame_comment(cap, k);
        if (c != NULL)
            acc ^= (uint8_t)strlen(c);
        NMX_FUZZ_CHECK(r->iface < nmx__cap_iface_count(cap) || nmx__cap_iface_count(cap) == 0);
    }
    NMX_FUZZ_CHECK(nmx__cap_frame(cap, n) == NULL && nmx__cap_data(cap, n) == NULL);
    nmx_capture_info_t in;
    nmx__cap_get_info(cap, &in);
    NMX_FUZZ_CHECK(in.frames == n && in.captured_bytes == caplens && in.wire_bytes == wirelens);
    NMX_FUZZ_CHECK(in.first_ns <= in.last_ns);
    for (size_t k = 0; k < in.n_link_types; k++)
        acc ^= (uint8_t)(strlen(in.link_types[k]) + strlen(in.link_type_descriptions[k]));
    for (size_t k = 0; k < in.n_comments; k++)
        acc ^= (uint8_t)strlen(in.comments[k]);
    for (size_t k = 0; k < in.n_warning_texts; k++)
        acc ^= (uint8_t)strlen(in.warnings[k]);
    const nmx_cap_damage_t *dmg = nmx__cap_damage(cap);
    if (dmg != NULL)
        NMX_FUZZ_CHECK(dmg->offset <= size && dmg->frames == n &&
                       strncmp(dmg->message, "fuzz: offset ", 13) == 0);
    if (nmx__cap_comment(cap) != NULL)
        acc ^= (uint8_t)strlen(nmx__cap_comment(cap));
    acc ^= (uint8_t)nmx__cap_mactype(cap);
    acc ^= (uint8_t)nmx__cap_systemtime(cap)->year;
    acc ^= (uint8_t)strlen(nmx__cap_format_detail(cap));
    nmx_fuzz_sink = acc;
    nmx__cap_close(cap);
    return 0;
}

#endif /* NMX_FUZZ_CAPTURE_COMMON_H */
