/*
 * merge.c - several capture files read as one, in time order, as mergecap
 * merges them: the rotated files of `tcpdump -C/-G` or a dumpcap ring
 * buffer, analysed in one run.
 *
 * Each file is opened and indexed on its own (input.c, capture.c); the
 * merged capture then takes their frames in time order.  Nothing is copied:
 * the merged image is one reserved address range in which each file is
 * mapped again, page-aligned, at its own base offset, so a frame's data_off
 * in the merged index points at the same bytes, and the experts' processes
 * (forked after open) read frames in place as for a single file.  A file
 * held in memory (one that could not be mapped) is copied into its slot.
 *
 * The order: the frame with the earliest time at the head of any file comes
 * next; ties go to the file named first; each file's own order is kept (a
 * frame without a time stamp sorts with the frame before it).  Interfaces
 * are numbered across the files, comments follow their frames, and the
 * files' warnings are kept with the file named.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <netmon.h>

#include "capture/cap_internal.h"
#include "common/strutil.h"

/* One file's head in the merge: its next frame and that frame's sort time. */
typedef struct head {
    uint32_t part;
    uint32_t next;   /* index of the file's next frame */
    int64_t key;     /* its time (that of the frame before, when it has none) */
} head_t;

static bool head_less(const head_t *a, const head_t *b)
{
    return a->key < b->key || (a->key == b->key && a->part < b->part);
}

static void sift_down(head_t *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && head_less(&h[l], &h[m]))
            m = l;
        if (r < n && head_less(&h[r], &h[m]))
            m = r;
        if (m == i)
            return;
        head_t t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* The sort time of frame j of file p, given the time of the frame before. */
static int64_t key_of(const nmx_cap_t *p, uint32_t j, int64_t before)
{
    const nmx_frame_rec_t *f = &p->frames[j];
    return (f->flags & NMX_FRAME_NO_TS) ? before : f->ts_ns;
}

static unsigned oom(nmx_cap_t *cap, nmx_error_t *err)
{
    return nmx__cap_fail(cap, err, NMERR_OUT_OF_MEMORY, NMX_OFFSET_UNKNOWN,
                         "out of memory merging the captures");
}

/* Maps (or copies) every file's image into one region; sets part_base. */
static unsigned build_image(nmx_cap_t *cap, nmx_error_t *err)
{
    long page = sysconf(_SC_PAGESIZE);
    uint64_t ps = page > 0 ? (uint64_t)page : 4096, total = 0;
    for (uint32_t k = 0; k < cap->n_parts; k++) {
        cap->part_base[k] = total;
        uint64_t sz = (cap->parts[k]->size + ps - 1) / ps * ps;
        if (sz > SIZE_MAX - total)
            return nmx__cap_fail(cap, err, NMERR_OUT_OF_MEMORY, NMX_OFFSET_UNKNOWN,
                                 "the captures are too large together to be mapped");
        total += sz;
    }
    if (total == 0)
        return 0;
    uint8_t *region = mmap(NULL, (size_t)total, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (region == MAP_FAILED)
        return nmx__cap_fail(cap, err, NMERR_MEMORY_MAPPED_FILE_ERROR, NMX_OFFSET_UNKNOWN,
                             "cannot reserve %llu bytes of address space for the merged captures",
                             (unsigned long long)total);
    cap->map = region;
    cap->map_len = (size_t)total;
    cap->data = region;
    cap->size = (size_t)total;
    for (uint32_t k = 0; k < cap->n_parts; k++) {
        const nmx_cap_t *p = cap->parts[k];
        uint8_t *at = region + cap->part_base[k];
        if (p->size == 0)
            continue;
        if (p->map != NULL && p->fd >= 0) {
            if (mmap(at, p->size, PROT_READ, MAP_PRIVATE | MAP_FIXED, p->fd, 0) == MAP_FAILED)
                return nmx__cap_fail(cap, err, NMERR_MEMORY_MAPPED_FILE_ERROR, NMX_OFFSET_UNKNOWN,
                                     "cannot map %s into the merged capture", p->path);
        } else {
            memcpy(at, p->data, p->size);
        }
    }
    (void)mprotect(region, (size_t)total, PROT_READ);
    return 0;
}

/* The merged index, in time order, with comments following their frames. */
static unsigned merge_frames(nmx_cap_t *cap, uint64_t total, nmx_error_t *err)
{
    uint32_t nfc = 0, iface_base = 0;
    uint32_t *ib = calloc(cap->n_parts, sizeof *ib);
    head_t *h = calloc(cap->n_parts, sizeof *h);
    if (ib == NULL || h == NULL || (total > 0 && !nmx__cap_reserve(cap, (uint32_t)total)))
        goto fail;
    cap->frame_local = malloc(((size_t)total + 1) * sizeof *cap->frame_local);
    if (cap->frame_local == NULL)
        goto fail;
    size_t nh = 0;
    for (uint32_t k = 0; k < cap->n_parts; k++) {
        const nmx_cap_t *p = cap->parts[k];
        ib[k] = iface_base;
        iface_base += p->n_ifaces;
        nfc += p->n_fcomments;
        if (p->n_frames > 0)
            h[nh++] = (head_t){k, 0, key_of(p, 0, INT64_MIN)};
    }
    if (nfc > 0) {
        cap->fcomments = calloc(nfc, sizeof *cap->fcomments);
        if (cap->fcomments == NULL)
            goto fail;
    }
    for (size_t i = nh; i-- > 0;)
        sift_down(h, nh, i);
    while (nh > 0) {
        head_t *t = &h[0];
        const nmx_cap_t *p = cap->parts[t->part];
        nmx_frame_rec_t rec = p->frames[t->next];
        uint32_t i = cap->n_frames++;
        rec.data_off += cap->part_base[t->part];
        rec.iface = (uint16_t)(rec.iface + ib[t->part]);
        rec.flags &= (uint16_t)~NMX_FRAME_HAS_COMMENT; /* set again by the summary */
        cap->frames[i] = rec;
        cap->frame_local[i] = t->next;
        if (p->frames[t->next].flags & NMX_FRAME_HAS_COMMENT) {
            nmx_cap_fcomment_t *fc = &cap->fcomments[cap->n_fcomments++];
            fc->frame = i;
            fc->text = nmx__cap_frame_comment(p, t->next);
            fc->detail = nmx__cap_frame_comment_detail(p, t->next);
        }
        if (++t->next < p->n_frames) {
            t->key = key_of(p, t->next, t->key);
        } else {
            h[0] = h[--nh];
        }
        sift_down(h, nh, 0);
    }
    free(ib);
    free(h);
    return 0;
fail:
    free(ib);
    free(h);
    return oom(cap, err);
}

/* Interfaces, capture comments, format, times, damage and warnings. */
static unsigned merge_metadata(nmx_cap_t *cap, nmx_error_t *err)
{
    const nmx_cap_t *first = cap->parts[0];
    uint32_t nif = 0, ncc = 0;
    bool same_format = true, same_mactype = true;
    cap->time_digits = 0;
    for (uint32_t k = 0; k < cap->n_parts; k++) {
        const nmx_cap_t *p = cap->parts[k];
        nif += p->n_ifaces;
        ncc += p->n_ccomments;
        same_format = same_format && p->format == first->format;
        same_mactype = same_mactype && p->header_mactype == first->header_mactype;
        if (p->time_digits > cap->time_digits)
            cap->time_digits = p->time_digits;
    }
    cap->ifaces = nif > 0 ? calloc(nif, sizeof *cap->ifaces) : NULL;
    cap->ccomments = ncc > 0 ? calloc(ncc, sizeof *cap->ccomments) : NULL;
    if ((nif > 0 && cap->ifaces == NULL) || (ncc > 0 && cap->ccomments == NULL))
        return oom(cap, err);
    for (uint32_t k = 0; k < cap->n_parts; k++) {
        const nmx_cap_t *p = cap->parts[k];
        memcpy(cap->ifaces + cap->n_ifaces, p->ifaces, p->n_ifaces * sizeof *p->ifaces);
        cap->n_ifaces += p->n_ifaces;
        for (uint32_t c = 0; c < p->n_ccomments; c++)
            cap->ccomments[cap->n_ccomments++] = p->ccomments[c];
        cap->part_names[k] = p->path;
        cap->part_frames[k] = p->n_frames;
    }
    cap->ifaces_cap = nif;
    cap->ccomments_cap = ncc;
    cap->fcomments_cap = cap->n_fcomments;

    cap->format = first->format;
    char detail[sizeof cap->format_detail + 64];
    if (same_format)
        snprintf(detail, sizeof detail, "%s, merged from %u files", first->format_detail, cap->n_parts);
    else
        snprintf(detail, sizeof detail, "merged from %u files of several formats", cap->n_parts);
    nmx__strlcpy(cap->format_detail, detail, sizeof cap->format_detail);
    cap->header_mactype = same_mactype ? first->header_mactype : UINT32_MAX;
    /* A NetMon header's start time belongs to the capture when its file
     * holds the first frame. */
    if (cap->n_frames == 0 || nmx__cap_frame_file(cap, 0, NULL) == 0) {
        cap->have_header_systime = first->have_header_systime;
        cap->systime = first->systime;
        cap->have_origin = first->have_origin;
        cap->origin_ns = first->origin_ns;
    }

    for (uint32_t k = 0; k < cap->n_parts; k++) {
        const nmx_cap_t *p = cap->parts[k];
        if (p->damaged && !cap->damaged) {
            cap->damaged = true;
            cap->damage = p->damage;
            cap->damage.frames = cap->n_frames;
            nmx__strlcpy(cap->damage_reason, p->damage_reason, sizeof cap->damage_reason);
            nmx__strlcpy(cap->damage_message, p->damage_message, sizeof cap->damage_message);
            cap->damage.reason = cap->damage_reason;
            cap->damage.message = cap->damage_message;
        }
        for (uint32_t w = 0; w < p->n_warnings_kept; w++)
            nmx__cap_warn(cap, "%s: %s", p->path, p->warnings[w]);
        cap->n_warnings += p->n_warnings - p->n_warnings_kept;
    }
    return 0;
}

static unsigned merge(nmx_cap_t **parts, uint32_t n, nmx_cap_t **out, nmx_error_t *err)
{
    nmx_cap_t *cap = nmx__cap_new(parts[0]->path);
    if (cap == NULL) {
        for (uint32_t k = 0; k < n; k++)
            nmx__cap_close(parts[k]);
        free(parts);
        return nmx__error_set(err, NMERR_OUT_OF_MEMORY, NULL, NMX_OFFSET_UNKNOWN, "out of memory");
    }
    cap->parts = parts;
    cap->n_parts = n;
    cap->part_base = calloc(n, sizeof *cap->part_base);
    cap->part_names = calloc(n, sizeof *cap->part_names);
    cap->part_frames = calloc(n, sizeof *cap->part_frames);
    unsigned rc = 0;
    if (cap->part_base == NULL || cap->part_names == NULL || cap->part_frames == NULL) {
        rc = oom(cap, err);
        goto out;
    }
    uint64_t frames = 0, ifaces = 0;
    for (uint32_t k = 0; k < n; k++) {
        frames += parts[k]->n_frames;
        ifaces += parts[k]->n_ifaces;
    }
    if (frames > NMX_CAP_MAX_FRAMES || ifaces > NMX_CAP_MAX_IFACES) {
        rc = nmx__cap_fail(cap, err, NMERR_OUT_OF_RANGE, NMX_OFFSET_UNKNOWN,
                           "the %u captures hold %llu frames and %llu interfaces together; one "
                           "capture may hold %u and %u",
                           n, (unsigned long long)frames, (unsigned long long)ifaces,
                           (unsigned)NMX_CAP_MAX_FRAMES, (unsigned)NMX_CAP_MAX_IFACES);
        goto out;
    }
    if ((rc = build_image(cap, err)) != 0 || (rc = merge_frames(cap, frames, err)) != 0 ||
        (rc = merge_metadata(cap, err)) != 0 || (rc = nmx__cap_summarise(cap, err)) != 0 ||
        (rc = nmx__cap_index_seal(cap, err)) != 0)
        goto out;
    *out = cap;
    return 0;
out:
    nmx__cap_close(cap);
    return rc;
}

unsigned nmx__cap_open_inputs(const char *const *names, size_t n, nmx_cap_t **out, nmx_error_t *err)
{
    nmx__error_clear(err);
    if (out == NULL || names == NULL || n == 0)
        return nmx__error_set(err, NMERR_INVALID_PARAMETER, NULL, NMX_OFFSET_UNKNOWN,
                              "no capture named");
    *out = NULL;
    if (n == 1)
        return nmx__cap_open_input(names[0], out, err);
    if (n > NMX_CAP_MAX_FILES)
        return nmx__error_set(err, NMERR_OUT_OF_RANGE, NULL, NMX_OFFSET_UNKNOWN,
                              "%zu captures named; one run reads at most %u", n,
                              (unsigned)NMX_CAP_MAX_FILES);
    size_t stdin_uses = 0;
    for (size_t k = 0; k < n; k++)
        stdin_uses += names[k] != NULL && strcmp(names[k], "-") == 0;
    if (stdin_uses > 1)
        return nmx__error_set(err, NMERR_INVALID_PARAMETER, "-", NMX_OFFSET_UNKNOWN,
                              "standard input can be read only once");
    nmx_cap_t **parts = calloc(n, sizeof *parts);
    if (parts == NULL)
        return nmx__error_set(err, NMERR_OUT_OF_MEMORY, NULL, NMX_OFFSET_UNKNOWN, "out of memory");
    uint64_t frames = 0, bytes = 0;
    for (size_t k = 0; k < n; k++) {
        nmx__cap_progress_input(k, n, frames, bytes);
        unsigned rc = nmx__cap_open_input(names[k], &parts[k], err);
        if (rc == 0) {
            frames += parts[k]->n_frames;
            bytes += parts[k]->size;
        }
        if (rc != 0) {
            for (size_t j = 0; j < k; j++)
                nmx__cap_close(parts[j]);
            free(parts);
            return rc;
        }
    }
    return merge(parts, (uint32_t)n, out, err);
}

uint32_t nmx__cap_file_count(const nmx_cap_t *cap)
{
    return cap != NULL && cap->n_parts > 0 ? cap->n_parts : 1;
}

const nmx_cap_t *nmx__cap_file(const nmx_cap_t *cap, uint32_t k)
{
    return cap != NULL && k < cap->n_parts ? cap->parts[k] : cap;
}

uint32_t nmx__cap_frame_file(const nmx_cap_t *cap, uint32_t i, uint32_t *local)
{
    if (cap == NULL || cap->n_parts == 0 || i >= cap->n_frames) {
        if (local != NULL)
            *local = i;
        return 0;
    }
    uint64_t off = cap->frames[i].data_off;
    uint32_t lo = 0, hi = cap->n_parts; /* the last base <= off */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (cap->part_base[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    if (local != NULL)
        *local = cap->frame_local[i];
    return lo;
}
