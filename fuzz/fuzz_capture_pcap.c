/*
 * fuzz_capture_pcap.c - libFuzzer target for the pcap reader (all variants: byte orders, usec/nsec and modified magic),
 * through nmx__cap_open_mem() (readers are chosen by magic number; the seeds
 * in corpus/capture_pcap/ carry this reader's magic).
 *
 * Besides "no crash, no over-read, no leak" (ASan/UBSan), it checks the
 * index invariants every reader must keep: each frame's bytes lie inside the
 * input, damage names the input and an offset inside it, and the summary
 * agrees with the frames.  Seeds were built with tests/unit/capture/capbuild.h.
 */
#include "fuzz_capture_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return nmx_fuzz_capture(data, size);
}
