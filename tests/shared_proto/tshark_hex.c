/*
 * tshark_hex.c - tsu_check_hex: tsu_check_built over frames written out as
 * hex strings (tests/unit/proto/frames.c's fr_hex), for the comparison
 * tests that link frames.c.
 */
#include "tshark_util.h"

#include <string.h>

#include "../unit/proto/frames.h"

/* The frames of the running tsu_check_hex, for its frame callback. */
static const char *const *hex_frames;

static size_t hex_frame(size_t i, uint8_t *b, size_t cap)
{
    return strlen(hex_frames[i]) / 2 <= cap ? fr_hex(b, 0, hex_frames[i]) : 0;
}

size_t tsu_check_hex(const char *label, const char *const *hex, size_t n, const char *const *protos, size_t nprotos,
                     const tsu_count_t *expect, size_t nexpect)
{
    hex_frames = hex;
    return tsu_check_built(label, n, hex_frame, protos, nprotos, expect, nexpect);
}
