/*
 * index_store.c - where the frame index lives: on the heap while it is
 * small, in a sealed memory file (memfd) once it is large.
 *
 * Why.  Each expert runs in a fork of the host, and a fork inherits the
 * host's heap page for page: an index of 32 bytes a frame (152 MB for 4.8 M
 * frames) then counts in every expert's resident memory before it reads a
 * frame, and stays there.  A shared mapping of a memory file is not copied
 * into a fork: each expert maps in only the pages of the index it reads, and
 * nmx__cap_release_index() drops the pages it has walked past (the file
 * keeps them), as it already does with the capture's own pages.
 *
 * Isolation.  Once the index is built, nmx__cap_index_seal() unmaps the
 * writable mapping, seals the file against every write, growth and shrink
 * (F_SEAL_WRITE, F_SEAL_FUTURE_WRITE, F_SEAL_GROW, F_SEAL_SHRINK,
 * F_SEAL_SEAL), maps it read-only, and closes the descriptor.  A mapping of
 * a write-sealed file cannot be made writable: mprotect() fails, and so do
 * writes through /proc/PID/mem.  An expert can therefore neither change the
 * index the host and the other experts read, nor grow or shrink it under
 * them (tests/e2e/test_trust.py, fx_index_writer).
 *
 * Small indexes (below NMX_CAP_INDEX_SHARED_BYTES) stay on the heap: their
 * pages cost little in a fork, and most captures, the fuzzers' among them,
 * need no file.  Where memfd_create is missing or refused, the index stays
 * on the heap whatever its size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <netmon.h>

#include "capture/cap_internal.h"
#include "common/checked.h"

/* Size from which the index moves into a memory file (32768 frames). */
#define NMX_CAP_INDEX_SHARED_BYTES (1u << 20)

static size_t page_size(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096;
}

static size_t round_pages(size_t bytes)
{
    size_t ps = page_size();
    return bytes == 0 ? ps : (bytes + ps - 1) / ps * ps;
}

/* The next capacity, in frames, that holds `need` (doubling from 16). */
static uint32_t next_capacity(uint32_t have, uint32_t need)
{
    uint64_t n = have ? (uint64_t)have * 2 : 16;
    while (n < need)
        n *= 2;
    return n > NMX_CAP_MAX_FRAMES ? NMX_CAP_MAX_FRAMES : (uint32_t)n;
}

/* Moves a heap index of `bytes` (capacity) into a new memory file; false
 * (the heap index untouched) when there is no memory file to be had. */
static bool move_to_file(nmx_cap_t *cap, size_t bytes)
{
    int fd = memfd_create("nmx-frame-index", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return false;
    size_t len = round_pages(bytes);
    void *map = MAP_FAILED;
    if (ftruncate(fd, (off_t)len) == 0)
        map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        close(fd);
        return false;
    }
    if (cap->n_frames > 0)
        memcpy(map, cap->frames, (size_t)cap->n_frames * sizeof *cap->frames);
    free(cap->frames);
    cap->frames = map;
    cap->frames_fd = fd;
    cap->frames_map_len = len;
    return true;
}

/* Grows the memory file and its mapping to `bytes`. */
static bool grow_file(nmx_cap_t *cap, size_t bytes)
{
    size_t len = round_pages(bytes);
    if (len <= cap->frames_map_len)
        return true;
    if (ftruncate(cap->frames_fd, (off_t)len) != 0)
        return false;
    void *map = mremap(cap->frames, cap->frames_map_len, len, MREMAP_MAYMOVE);
    if (map == MAP_FAILED)
        return false;
    cap->frames = map;
    cap->frames_map_len = len;
    return true;
}

bool nmx__cap_reserve(nmx_cap_t *cap, uint32_t n)
{
    if (n > NMX_CAP_MAX_FRAMES)
        n = NMX_CAP_MAX_FRAMES;
    if (n <= cap->frames_cap)
        return true;
    if (cap->frames_sealed)
        return false;
    uint32_t want = next_capacity(cap->frames_cap, n);
    size_t bytes;
    if (!nmx__mul_size((size_t)want, sizeof(nmx_frame_rec_t), &bytes))
        return false;
    if (cap->frames_fd < 0 && bytes >= NMX_CAP_INDEX_SHARED_BYTES && move_to_file(cap, bytes)) {
        cap->frames_cap = want;
        return true;
    }
    if (cap->frames_fd >= 0) {
        if (!grow_file(cap, bytes))
            return false;
    } else {
        void *p = realloc(cap->frames, bytes);
        if (p == NULL)
            return false;
        cap->frames = p;
    }
    cap->frames_cap = want;
    return true;
}

/* Seals the file: F_SEAL_FUTURE_WRITE where the kernel knows it (it also
 * stops a read-only mapping from being made writable on kernels before 6.6,
 * which clear that right only for it), else the rest alone. */
static bool add_seals(int fd)
{
    int seals = F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL;
#ifdef F_SEAL_FUTURE_WRITE
    if (fcntl(fd, F_ADD_SEALS, seals | F_SEAL_FUTURE_WRITE) == 0)
        return true;
#endif
    return fcntl(fd, F_ADD_SEALS, seals) == 0;
}

unsigned nmx__cap_index_seal(nmx_cap_t *cap, nmx_error_t *err)
{
    if (cap->frames_fd < 0 || cap->frames_sealed)
        return 0;
    size_t len = round_pages((size_t)cap->n_frames * sizeof *cap->frames);
    /* The file keeps the index while no mapping exists: a write-sealed file
     * takes no seal while a writable mapping of it is left. */
    munmap(cap->frames, cap->frames_map_len);
    cap->frames = NULL;
    cap->frames_map_len = 0;
    bool ok = ftruncate(cap->frames_fd, (off_t)len) == 0 && add_seals(cap->frames_fd);
    void *map = ok ? mmap(NULL, len, PROT_READ, MAP_SHARED, cap->frames_fd, 0) : MAP_FAILED;
    int e = errno;
    close(cap->frames_fd);
    cap->frames_fd = -1;
    if (map == MAP_FAILED) {
        cap->frames_cap = 0;
        cap->n_frames = 0;
        return nmx__cap_fail(cap, err, NMERR_OUT_OF_MEMORY, NMX_OFFSET_UNKNOWN,
                             "cannot seal the frame index: %s", strerror(e));
    }
    cap->frames = map;
    cap->frames_map_len = len;
    cap->frames_cap = cap->n_frames;
    cap->frames_sealed = true;
    return 0;
}

void nmx__cap_index_free(nmx_cap_t *cap)
{
    if (cap->frames_map_len > 0)
        munmap(cap->frames, cap->frames_map_len);
    else
        free(cap->frames);
    if (cap->frames_fd >= 0)
        close(cap->frames_fd);
    cap->frames = NULL;
    cap->frames_map_len = 0;
    cap->frames_fd = -1;
}

void nmx__cap_release_index(const nmx_cap_t *cap, uint32_t from, uint32_t to)
{
    /* Only a shared mapping: dropping pages of a private one would zero them. */
    if (cap == NULL || !cap->frames_sealed || to <= from)
        return;
    if (to > cap->n_frames)
        to = cap->n_frames;
    size_t ps = page_size();
    size_t a = ((size_t)from * sizeof *cap->frames + ps - 1) / ps * ps; /* whole pages inside only */
    size_t b = (size_t)to * sizeof *cap->frames / ps * ps;
    if (b > a)
        (void)madvise((uint8_t *)cap->frames + a, b - a, MADV_DONTNEED);
}
