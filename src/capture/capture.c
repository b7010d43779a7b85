/*
 * capture.c - opening a capture: the byte image (mapped file or caller's
 * memory), reader selection by magic number, the frame index, damage and
 * warnings, the summary for `nmexpert info`, and the exported nmx_capture_*
 * functions of host.h.
 */
#include "capture/cap_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <netmon.h>

#include "common/clock.h"
#include "common/outfile.h"
#include "common/checked.h"
#include "common/strutil.h"

/* Readers in the order they are tried (each probe looks only at magic bytes). */
static const nmx_cap_reader_t *const readers[] = {
    &nmx__pcap_reader,
    &nmx__pcapng_reader,
    &nmx__netmon_reader,
};

/* ---- small allocation helpers ------------------------------------------ */

/* Grows *arr (elements of `size` bytes, *cap of them) to hold at least `need`. */
static bool grow_array(void **arr, uint32_t *cap, uint32_t need, size_t size, uint32_t limit)
{
    if (need <= *cap)
        return true;
    if (need > limit)
        return false;
    uint64_t n = *cap ? (uint64_t)*cap * 2 : 16;
    while (n < need)
        n *= 2;
    if (n > limit)
        n = limit;
    size_t bytes;
    if (!nmx__mul_size((size_t)n, size, &bytes))
        return false;
    void *p = realloc(*arr, bytes);
    if (p == NULL)
        return false;
    *arr = p;
    *cap = (uint32_t)n;
    return true;
}

/* Keeps an owned string; frees it and returns NULL on failure. */
char *nmx__cap_keep(nmx_cap_t *cap, char *s)
{
    if (s == NULL)
        return NULL;
    if (cap->n_strings == cap->strings_cap) {
        size_t n = cap->strings_cap ? cap->strings_cap * 2 : 16;
        size_t bytes;
        char **p = NULL;
        if (nmx__mul_size(n, sizeof *p, &bytes))
            p = realloc(cap->strings, bytes);
        if (p == NULL) {
            free(s);
            return NULL;
        }
        cap->strings = p;
        cap->strings_cap = n;
    }
    cap->strings[cap->n_strings++] = s;
    return s;
}

/* Reserves n+1 bytes of text budget; records a warning the first time it runs out. */
static bool text_budget(nmx_cap_t *cap, size_t n)
{
    if (n >= NMX_CAP_MAX_TEXT_BYTES || cap->text_bytes + n + 1 > NMX_CAP_MAX_TEXT_BYTES) {
        if (!cap->text_dropped) {
            cap->text_dropped = true;
            nmx__cap_warn(cap, "comment text beyond %u bytes was dropped",
                          (unsigned)NMX_CAP_MAX_TEXT_BYTES);
        }
        return false;
    }
    cap->text_bytes += n + 1;
    return true;
}

bool nmx__cap_text_len_ok(nmx_cap_t *cap, size_t len)
{
    if (len < NMX_CAP_MAX_TEXT_BYTES)
        return true;
    (void)text_budget(cap, len); /* records the warning once */
    return false;
}

const char *nmx__cap_strdup(nmx_cap_t *cap, const void *text, size_t len)
{
    const char *t = text;
    while (len > 0 && t[len - 1] == '\0')
        len--;
    if (!text_budget(cap, len))
        return NULL;
    char *s = malloc(len + 1);
    if (s == NULL)
        return NULL;
    if (len > 0)
        memcpy(s, t, len);
    s[len] = '\0';
    return nmx__cap_keep(cap, s);
}

/* Appends the UTF-8 form of code point c to out (room for 4 bytes assumed). */
static size_t put_utf8(char *out, uint32_t c)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | c >> 6);
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | c >> 12);
        out[1] = (char)(0x80 | (c >> 6 & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | c >> 18);
    out[1] = (char)(0x80 | (c >> 12 & 0x3F));
    out[2] = (char)(0x80 | (c >> 6 & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

const char *nmx__cap_utf16le(nmx_cap_t *cap, const uint8_t *text, size_t len)
{
    size_t units = len / 2;
    size_t max_out; /* each UTF-16 unit gives at most 3 UTF-8 bytes */
    if (!nmx__mul_size(units, 3, &max_out) || !text_budget(cap, max_out))
        return NULL;
    char *s = malloc(max_out + 1);
    if (s == NULL)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < units; i++) {
        uint32_t u = nmx__load_u16le(text + 2 * i);
        if (u == 0)
            break;
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units) {
            uint32_t lo = nmx__load_u16le(text + 2 * i + 2);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                i++;
            } else {
                u = 0xFFFD;
            }
        } else if (u >= 0xD800 && u <= 0xDFFF) {
            u = 0xFFFD; /* unpaired surrogate */
        }
        n += put_utf8(s + n, u);
    }
    s[n] = '\0';
    return nmx__cap_keep(cap, s);
}

void nmx__cap_add_frame_comment(nmx_cap_t *cap, const char *text, const char *detail)
{
    if (text == NULL && detail == NULL)
        return;
    void *arr = cap->fcomments;
    if (!grow_array(&arr, &cap->fcomments_cap, cap->n_fcomments + 1, sizeof(nmx_cap_fcomment_t),
                    NMX_CAP_MAX_FRAMES))
        return;
    cap->fcomments = arr;
    nmx_cap_fcomment_t *c = &cap->fcomments[cap->n_fcomments];
    if (cap->n_fcomments > 0 && c[-1].frame == cap->n_frames) {
        /* A second comment on the same frame: join them. */
        c--;
        if (text != NULL && c->text != NULL) {
            size_t a = strlen(c->text), b = strlen(text);
            char *j = NULL;
            if (text_budget(cap, a + 1 + b))
                j = malloc(a + b + 2);
            if (j != NULL) {
                memcpy(j, c->text, a);
                j[a] = '\n';
                memcpy(j + a + 1, text, b + 1);
                c->text = nmx__cap_keep(cap, j) ? j : c->text;
            }
        } else if (text != NULL) {
            c->text = text;
        }
        if (detail != NULL && c->detail == NULL)
            c->detail = detail;
        return;
    }
    c->frame = cap->n_frames;
    c->text = text;
    c->detail = detail;
    cap->n_fcomments++;
}

void nmx__cap_capture_comment(nmx_cap_t *cap, const char *text)
{
    if (text == NULL)
        return;
    void *arr = (void *)cap->ccomments;
    if (!grow_array(&arr, &cap->ccomments_cap, cap->n_ccomments + 1, sizeof(char *),
                    NMX_CAP_MAX_FRAMES))
        return;
    cap->ccomments = arr;
    cap->ccomments[cap->n_ccomments++] = text;
}

void nmx__cap_warn(nmx_cap_t *cap, const char *fmt, ...)
{
    cap->n_warnings++;
    if (cap->n_warnings_kept >= NMX_CAP_MAX_WARNINGS)
        return;
    char buf[NMX_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *s = strdup(buf);
    if (s != NULL)
        cap->warnings[cap->n_warnings_kept++] = s;
}

long nmx__cap_add_iface(nmx_cap_t *cap, const nmx_cap_iface_t *iface, uint64_t offset,
                        nmx_error_t *err)
{
    void *arr = cap->ifaces;
    if (!grow_array(&arr, &cap->ifaces_cap, cap->n_ifaces + 1, sizeof(nmx_cap_iface_t),
                    NMX_CAP_MAX_IFACES)) {
        nmx__error_set(err, NMERR_INVALID_FILE_FORMAT, cap->path, offset,
                       cap->n_ifaces >= NMX_CAP_MAX_IFACES
                           ? "more than %u interfaces"
                           : "out of memory for %u interfaces",
                       cap->n_ifaces >= NMX_CAP_MAX_IFACES ? (unsigned)NMX_CAP_MAX_IFACES
                                                           : cap->n_ifaces + 1);
        return -1;
    }
    cap->ifaces = arr;
    cap->ifaces[cap->n_ifaces] = *iface;
    return (long)cap->n_ifaces++;
}

nmx_next_t nmx__cap_set_damage(nmx_cap_t *cap, nmx_error_t *err, uint64_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cap->damage_reason, sizeof cap->damage_reason, fmt, ap);
    va_end(ap);
    nmx__error_set(err, NMERR_INVALID_FILE_FORMAT, cap->path, offset, "%s", cap->damage_reason);
    return NMX_NEXT_DAMAGE;
}

void nmx__cap_time_damage(nmx_cap_t *cap, uint64_t offset, const char *fmt, ...)
{
    if (cap->time_damage)
        return;
    cap->time_damage = true;
    cap->time_damage_offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cap->time_damage_reason, sizeof cap->time_damage_reason, fmt, ap);
    va_end(ap);
}

unsigned nmx__cap_fail(nmx_cap_t *cap, nmx_error_t *err, unsigned code, uint64_t offset,
                       const char *fmt, ...)
{
    char reason[NMX_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return nmx__error_set(err, code, cap->path, offset, "%s", reason);
}

nmx_next_t nmx__cap_unreadable(nmx_cap_t *cap, nmx_error_t *err, uint64_t offset, size_t len)
{
    return nmx__cap_set_damage(cap, err, offset, "cannot read %zu byte%s at offset %llu: " NMX_CAP_SHRANK_REASON,
                           len, len == 1 ? "" : "s", (unsigned long long)offset);
}

unsigned nmx__cap_fail_unreadable(nmx_cap_t *cap, nmx_error_t *err, uint64_t offset, size_t len)
{
    return nmx__cap_fail(cap, err, NMERR_FILE_READ_ERROR, offset,
                         "cannot read %zu byte%s at offset %llu: " NMX_CAP_SHRANK_REASON, len,
                         len == 1 ? "" : "s", (unsigned long long)offset);
}

void (*nmx__cap_index_hook)(const nmx_cap_t *cap, uint32_t frames);

/* ---- progress while indexing ------------------------------------------------ */

static _Thread_local struct {
    nmx_open_progress_fn fn;
    void *ctx;
    double every, start, next;
    nmx_open_progress_t p;
} progress;

void nmx__cap_progress_begin(nmx_open_progress_fn fn, void *ctx, double every_s)
{
    memset(&progress, 0, sizeof progress);
    progress.fn = fn;
    progress.ctx = ctx;
    progress.every = every_s > 0 ? every_s : 0;
    progress.start = nmx__now_s();
    progress.next = progress.start + progress.every;
    progress.p.files = 1;
}

void nmx__cap_progress_input(size_t file, size_t files, uint64_t frames_before, uint64_t bytes_before)
{
    progress.p.file = file;
    progress.p.files = files > 0 ? files : 1;
    progress.p.frames = frames_before;
    progress.p.bytes = bytes_before;
}

/* Called every few thousand frames of the index pass: reports when due. */
static void progress_tick(const nmx_cap_t *cap, uint64_t off)
{
    double t = nmx__now_s();
    if (t < progress.next)
        return;
    progress.next = t + progress.every;
    nmx_open_progress_t p = progress.p;
    double in_file = cap->size > 0 ? (double)off / (double)cap->size : 1.0;
    p.fraction = ((double)p.file + (in_file < 1.0 ? in_file : 1.0)) / (double)p.files;
    p.frames += cap->n_frames;
    p.bytes += off;
    p.elapsed_s = t - progress.start;
    progress.fn(progress.ctx, &p);
}

/* ---- the image ------------------------------------------------------------ */

static unsigned errno_code(int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR:
        return NMERR_FILE_NOT_FOUND;
    case EACCES:
    case EPERM:
        return NMERR_ACCESS_DENIED;
    case ENOMEM:
        return NMERR_OUT_OF_MEMORY;
    default:
        return NMERR_FILE_READ_ERROR;
    }
}

/* Reads a regular file that cannot be mapped (a file system without mmap). */
static unsigned read_whole(nmx_cap_t *cap, int fd, nmx_error_t *err)
{
    size_t cap_bytes = 0, len = 0;
    uint8_t *buf = NULL;
    for (;;) {
        if (len == cap_bytes) {
            if (cap_bytes >= NMX_CAP_MAX_UNMAPPED_BYTES) {
                free(buf);
                return nmx__cap_fail(cap, err, NMERR_FILE_READ_ERROR, NMX_OFFSET_UNKNOWN,
                                     "cannot be mapped and is larger than %llu bytes",
                                     (unsigned long long)NMX_CAP_MAX_UNMAPPED_BYTES);
            }
            size_t n = cap_bytes ? cap_bytes * 2 : 65536;
            uint8_t *p = realloc(buf, n);
            if (p == NULL) {
                free(buf);
                return nmx__cap_fail(cap, err, NMERR_OUT_OF_MEMORY, NMX_OFFSET_UNKNOWN,
                                     "out of memory reading the file");
            }
            buf = p;
            cap_bytes = n;
        }
        ssize_t k = read(fd, buf + len, cap_bytes - len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int e = errno;
            free(buf);
            return nmx__cap_fail(cap, err, errno_code(e), NMX_OFFSET_UNKNOWN, "%s", strerror(e));
        }
        if (k == 0)
            break;
        len += (size_t)k;
    }
    cap->owned = buf;
    cap->data = buf;
    cap->size = len;
    return 0;
}

/* Maps the open file `fd` (which the capture takes over: kept as cap->fd
 * while mapped, closed otherwise). */
static unsigned map_fd(nmx_cap_t *cap, int fd, nmx_error_t *err)
{
    unsigned rc = 0;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        rc = nmx__cap_fail(cap, err, errno_code(e), NMX_OFFSET_UNKNOWN, "%s", strerror(e));
        goto out_close;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = nmx__cap_fail(cap, err, NMERR_FILE_READ_ERROR, NMX_OFFSET_UNKNOWN,
                           "is a directory, not a capture file");
        goto out_close;
    }
    /* Pipes, devices (/dev/zero never ends) and sockets are refused before
     * anything is read: a capture is indexed, then read at random by the
     * experts, which needs a file that stays put. */
    if (!S_ISREG(st.st_mode)) {
        rc = nmx__cap_fail(cap, err, NMERR_FILE_READ_ERROR, NMX_OFFSET_UNKNOWN,
                           "is %s, not a regular file (captures are read from regular files only)",
                           nmx__file_kind(st.st_mode));
        goto out_close;
    }
    /* From here on no output of this process may replace the file. */
    nmx__outfile_protect(st.st_dev, st.st_ino);
    cap->guarded = true;
    cap->file_dev = st.st_dev;
    cap->file_ino = st.st_ino;
    if (st.st_size > 0 && (uint64_t)st.st_size <= SIZE_MAX) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            /* The index is built in one forward pass; start reading ahead. */
            (void)madvise(m, (size_t)st.st_size, MADV_WILLNEED);
            cap->map = m;
            cap->map_len = (size_t)st.st_size;
            cap->data = m;
            cap->size = (size_t)st.st_size;
            cap->fd = fd; /* read with pread by the readers and the host; closed with the capture */
            return 0;
        }
    }
    if (st.st_size == 0) {
        cap->data = NULL;
        cap->size = 0;
        goto out_close;
    }
    rc = read_whole(cap, fd, err);
out_close:
    close(fd);
    return rc;
}

static unsigned map_file(nmx_cap_t *cap, nmx_error_t *err)
{
    /* O_NONBLOCK: opening a FIFO without a writer must not wait for one; it
     * is refused by map_fd like every file that is not a regular file (no
     * effect on regular files). */
    int fd = open(cap->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        return nmx__cap_fail(cap, err, errno_code(e), NMX_OFFSET_UNKNOWN, "%s", strerror(e));
    }
    return map_fd(cap, fd, err);
}

/* ---- resident pages ----------------------------------------------------------- */

void nmx__cap_release(const nmx_cap_t *cap, uint64_t from, uint64_t to)
{
    if (cap == NULL || cap->map == NULL || to <= from)
        return;
    long page = sysconf(_SC_PAGESIZE);
    uint64_t ps = page > 0 ? (uint64_t)page : 4096;
    uint64_t a = (from + ps - 1) / ps * ps; /* whole pages inside [from, to) only */
    uint64_t b = (to > cap->map_len ? cap->map_len : to) / ps * ps;
    if (b > a)
        (void)madvise((uint8_t *)cap->map + a, (size_t)(b - a), MADV_DONTNEED);
}

/* pread() of image bytes [off, off+len) into buf: the bytes read (fewer at
 * the end of the file or on an error). */
static size_t read_at(const nmx_cap_t *cap, uint64_t off, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(cap->fd, (uint8_t *)buf + got, len - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

_Atomic unsigned long nmx__cap_window_reads;

const uint8_t *nmx__cap_view(const nmx_cap_t *cap, nmx_cap_window_t *w, uint64_t off, size_t len)
{
    if (off > cap->size || len > cap->size - off)
        return NULL;
    if (cap->fd < 0)
        return cap->data + off; /* an image in memory */
    if (w->buf != NULL && off >= w->off && off - w->off <= w->len && len <= w->len - (off - w->off))
        return w->buf + (off - w->off);
    /* Read ahead while the reads go forward (from inside the window, or
     * less than a window past its end: a pcap walk skips the data of the
     * frame the window ends in); a jump elsewhere (a NetMon frame table out
     * of order) reads a page or so.  Counting only reads from inside the
     * window as forward made a walk over large frames read 4 KiB at a time
     * once one record straddled the window's end. */
    bool forward = w->buf == NULL || (off >= w->off && off - w->off <= (uint64_t)w->len + NMX_CAP_WINDOW_BYTES);
    size_t want = forward ? NMX_CAP_WINDOW_BYTES : 4096;
    if (want < len)
        want = len;
    if (want > cap->size - off)
        want = (size_t)(cap->size - off);
    if (want > w->buf_cap) {
        uint8_t *b = realloc(w->buf, want);
        if (b == NULL)
            return NULL;
        w->buf = b;
        w->buf_cap = want;
    }
    w->off = off;
    atomic_fetch_add_explicit(&nmx__cap_window_reads, 1, memory_order_relaxed);
    w->len = read_at(cap, off, w->buf, want);
    return w->len >= len ? w->buf : NULL;
}

void nmx__cap_window_free(nmx_cap_window_t *w)
{
    free(w->buf);
    memset(w, 0, sizeof *w);
}

void nmx__cap_prefetch(const nmx_cap_t *cap, uint64_t from, uint64_t to)
{
#ifdef MADV_POPULATE_READ
    if (cap == NULL || cap->map == NULL || to <= from || from >= cap->map_len)
        return;
    long page = sysconf(_SC_PAGESIZE);
    uint64_t ps = page > 0 ? (uint64_t)page : 4096;
    uint64_t a = from / ps * ps;
    uint64_t b = to > cap->map_len ? cap->map_len : to;
    /* One call maps the whole range: far cheaper than a fault per page.
     * Kernels before 5.14 refuse it (EINVAL); pages then fault in as read. */
    (void)madvise((uint8_t *)cap->map + a, (size_t)(b - a), MADV_POPULATE_READ);
#else
    (void)cap;
    (void)from;
    (void)to;
#endif
}

/* ---- building the index ---------------------------------------------------- */

static void format_tally(nmx_cap_t *cap, const nmx_cap_tally_t *t, const char *what)
{
    if (t->count > 0)
        nmx__cap_warn(cap, "%u frame%s %s (first: frame %u)", t->count, t->count == 1 ? "" : "s",
                      what, t->first + 1);
}

static void tally(nmx_cap_tally_t *t, uint32_t frame)
{
    if (t->count++ == 0)
        t->first = frame;
}

/* Adds link type `lt` to the capture's list, with its name and description; false out of memory. */
static bool add_linktype(nmx_cap_t *cap, uint32_t lt)
{
    size_t n = cap->n_lt + 1, b1, b2;
    if (!nmx__mul_size(n, sizeof(uint32_t), &b1) || !nmx__mul_size(n, sizeof(char *), &b2))
        return false;
    uint32_t *v = realloc(cap->lt_values, b1);
    if (v == NULL)
        return false;
    cap->lt_values = v;
    const char **nm = realloc((void *)cap->lt_names, b2);
    if (nm == NULL)
        return false;
    cap->lt_names = nm;
    const char **ds = realloc((void *)cap->lt_descs, b2);
    if (ds == NULL)
        return false;
    cap->lt_descs = ds;
    v[cap->n_lt] = lt;
    char buf[64];
    nm[cap->n_lt] = nmx__linktype_name(lt);
    if (nm[cap->n_lt] == NULL) {
        nmx__linktype_format_name(lt, buf, sizeof buf);
        nm[cap->n_lt] = nmx__cap_keep(cap, strdup(buf));
    }
    ds[cap->n_lt] = nmx__linktype_description(lt);
    if (ds[cap->n_lt] == NULL) {
        nmx__linktype_format_description(lt, buf, sizeof buf);
        ds[cap->n_lt] = nmx__cap_keep(cap, strdup(buf));
    }
    if (nm[cap->n_lt] == NULL || ds[cap->n_lt] == NULL)
        return false;
    cap->n_lt = n;
    return true;
}

/* Byte totals, first and last time, link types and (iface_used, when not
 * NULL) the interfaces frames use; false out of memory. */
static bool summarise_frames(nmx_cap_t *cap, uint8_t *iface_used)
{
    bool have_time = false;
    uint32_t last_lt = UINT32_MAX;
    for (uint32_t i = 0; i < cap->n_frames; i++) {
        const nmx_frame_rec_t *f = &cap->frames[i];
        cap->captured_bytes += f->caplen;
        cap->wire_bytes += f->wirelen;
        if (!(f->flags & NMX_FRAME_NO_TS)) {
            if (!have_time || f->ts_ns < cap->first_ns)
                cap->first_ns = f->ts_ns;
            if (!have_time || f->ts_ns > cap->last_ns)
                cap->last_ns = f->ts_ns;
            have_time = true;
        }
        if (iface_used != NULL && f->iface < cap->n_ifaces)
            iface_used[f->iface] = 1;
        if (f->linktype == last_lt)
            continue;
        last_lt = f->linktype;
        size_t k = 0;
        while (k < cap->n_lt && cap->lt_values[k] != f->linktype)
            k++;
        if (k == cap->n_lt && !add_linktype(cap, f->linktype))
            return false;
    }
    return true;
}

/* A pcapng capture's time resolution: the finest of the interfaces frames
 * use (of all interfaces when none is used; 6 digits with no interface). */
static void pcapng_time_digits(nmx_cap_t *cap, const uint8_t *iface_used)
{
    unsigned digits = 0;
    bool any_used = false;
    for (uint32_t k = 0; iface_used != NULL && k < cap->n_ifaces; k++)
        if (iface_used[k]) {
            any_used = true;
            if (cap->ifaces[k].time_digits > digits)
                digits = cap->ifaces[k].time_digits;
        }
    for (uint32_t k = 0; !any_used && k < cap->n_ifaces; k++)
        if (cap->ifaces[k].time_digits > digits)
            digits = cap->ifaces[k].time_digits;
    cap->time_digits = any_used || cap->n_ifaces > 0 ? digits : 6;
}

/* The comments nmx__cap_get_info lists: the capture's (also joined into one
 * text) and the frames', without those of frames found damaged later; false
 * out of memory. */
static bool summarise_comments(nmx_cap_t *cap)
{
    while (cap->n_fcomments > 0 && cap->fcomments[cap->n_fcomments - 1].frame >= cap->n_frames)
        cap->n_fcomments--;
    for (uint32_t k = 0; k < cap->n_fcomments; k++)
        cap->frames[cap->fcomments[k].frame].flags |= NMX_FRAME_HAS_COMMENT;
    if (cap->n_ccomments > 0) {
        size_t total = 0;
        for (uint32_t k = 0; k < cap->n_ccomments; k++)
            total += strlen(cap->ccomments[k]) + 1;
        char *j = malloc(total);
        if (j == NULL)
            return false;
        size_t n = 0;
        for (uint32_t k = 0; k < cap->n_ccomments; k++) {
            size_t l = strlen(cap->ccomments[k]);
            memcpy(j + n, cap->ccomments[k], l);
            n += l;
            j[n++] = k + 1 < cap->n_ccomments ? '\n' : '\0';
        }
        cap->capture_comment = j;
    }
    size_t nc = (size_t)cap->n_ccomments + cap->n_fcomments;
    if (nc == 0)
        return true;
    cap->info_comments = calloc(nc, sizeof(char *));
    cap->info_comment_frames = calloc(nc, sizeof(uint32_t));
    if (cap->info_comments == NULL || cap->info_comment_frames == NULL)
        return false;
    size_t n = 0;
    for (uint32_t k = 0; k < cap->n_ccomments; k++)
        cap->info_comments[n++] = cap->ccomments[k];
    for (uint32_t k = 0; k < cap->n_fcomments; k++) {
        if (cap->fcomments[k].text == NULL)
            continue;
        cap->info_comment_frames[n] = cap->fcomments[k].frame + 1;
        cap->info_comments[n++] = cap->fcomments[k].text;
    }
    cap->n_info_comments = n;
    return true;
}

/* Computes the summary that nmx__cap_get_info hands out. */
unsigned nmx__cap_summarise(nmx_cap_t *cap, nmx_error_t *err)
{
    uint8_t *iface_used = NULL;
    bool ok = true;
    if (cap->format == NMX_CAPFMT_PCAPNG && cap->n_ifaces > 0)
        ok = (iface_used = calloc(cap->n_ifaces, 1)) != NULL;
    ok = ok && summarise_frames(cap, iface_used);
    if (ok && cap->format == NMX_CAPFMT_PCAPNG)
        pcapng_time_digits(cap, iface_used);
    free(iface_used);
    if (!ok || !summarise_comments(cap))
        return nmx__cap_fail(cap, err, NMERR_OUT_OF_MEMORY, NMX_OFFSET_UNKNOWN,
                             "out of memory summarising the capture");

    if (!cap->have_header_systime && cap->n_frames > 0 && !(cap->frames[0].flags & NMX_FRAME_NO_TS))
        (void)nmx__systemtime_from_ns(cap->frames[0].ts_ns, &cap->systime);

    format_tally(cap, &cap->ts_fixed,
                 "had a sub-second time field out of range; the excess was carried into the seconds");
    format_tally(cap, &cap->ts_clamped, "had a time outside the representable range; clamped");
    format_tally(cap, &cap->no_ts, "carry no time stamp (pcapng simple packet blocks)");
    return 0;
}

/*
 * A file that shrank while it was indexed: the frames from the first one that
 * no longer lies wholly inside it are dropped (the experts read frames
 * through the mapping, where the missing bytes would fault), and the capture
 * is damaged if reading had not already stopped on the missing bytes.
 */
static void check_shrunk(nmx_cap_t *cap, nmx_error_t *derr)
{
    struct stat st;
    if (cap->fd < 0 || fstat(cap->fd, &st) != 0 || st.st_size < 0 || (uint64_t)st.st_size >= cap->size)
        return;
    uint64_t now = (uint64_t)st.st_size;
    uint32_t keep = 0;
    while (keep < cap->n_frames && cap->frames[keep].data_off <= now &&
           cap->frames[keep].caplen <= now - cap->frames[keep].data_off)
        keep++;
    if (!cap->damaged) {
        nmx__cap_set_damage(cap, derr, now,
                        "the file shrank from %zu to %llu bytes while it was indexed; %u frame%s "
                        "past its new end dropped",
                        cap->size, (unsigned long long)now, cap->n_frames - keep,
                        cap->n_frames - keep == 1 ? "" : "s");
        cap->damaged = true;
    }
    cap->n_frames = keep;
    cap->size = (size_t)now;
}

/* The reader whose probe claims the file, by its first bytes; NULL with
 * err set (and *rc its code) when none does or a probe fails. */
static const nmx_cap_reader_t *find_reader(nmx_cap_t *cap, nmx_error_t *err, unsigned *rc)
{
    /* The magic numbers, read like everything else (never through the mapping). */
    uint8_t head[8];
    size_t head_len = cap->size < sizeof head ? cap->size : sizeof head;
    nmx_cap_window_t w = {0};
    const uint8_t *h = nmx__cap_view(cap, &w, 0, head_len);
    if (h == NULL) {
        nmx__cap_window_free(&w);
        *rc = nmx__cap_fail_unreadable(cap, err, 0, head_len);
        return NULL;
    }
    memcpy(head, h, head_len);
    nmx__cap_window_free(&w);
    for (size_t k = 0; k < sizeof readers / sizeof readers[0]; k++) {
        nmx_probe_t p = readers[k]->probe(cap, head, head_len, err);
        if (p == NMX_PROBE_ERROR) {
            *rc = err != NULL && err->code != 0 ? err->code : NMERR_INVALID_FILE_FORMAT;
            return NULL;
        }
        if (p == NMX_PROBE_MINE)
            return readers[k];
    }
    if (head_len < 4)
        *rc = nmx__cap_fail(cap, err, NMERR_INVALID_FILE_FORMAT, 0,
                            "only %zu byte%s: not a pcap, pcapng or NetMon capture", head_len,
                            head_len == 1 ? "" : "s");
    else
        *rc = nmx__cap_fail(cap, err, NMERR_INVALID_FILE_FORMAT, 0,
                            "not a pcap, pcapng or NetMon capture (magic %02x %02x %02x %02x)", head[0],
                            head[1], head[2], head[3]);
    return NULL;
}

/* Indexes every frame the reader gives until its end or damage (derr says
 * what); 0, or the error of running out of memory. */
static unsigned index_frames(nmx_cap_t *cap, const nmx_cap_reader_t *reader, void *priv, nmx_error_t *derr,
                             nmx_error_t *err)
{
    for (;;) {
        nmx_frame_rec_t rec;
        memset(&rec, 0, sizeof rec);
        nmx_next_t r = reader->next(cap, priv, &rec, derr);
        if (r == NMX_NEXT_EOF)
            return 0;
        if (r == NMX_NEXT_DAMAGE) {
            cap->damaged = true;
            return 0;
        }
        if (cap->n_frames == cap->frames_cap) {
            if (cap->n_frames >= NMX_CAP_MAX_FRAMES) {
                nmx__cap_set_damage(cap, derr, rec.data_off, "more than %u frames (the index limit)",
                                (unsigned)NMX_CAP_MAX_FRAMES);
                cap->damaged = true;
                return 0;
            }
            if (!nmx__cap_reserve(cap, cap->n_frames + 1))
                return nmx__cap_fail(cap, err, NMERR_OUT_OF_MEMORY, rec.data_off,
                                     "out of memory indexing frame %u", cap->n_frames + 1);
        }
        if (rec.flags & NMX_FRAME_TS_FIXED)
            tally(&cap->ts_fixed, cap->n_frames);
        if (rec.flags & NMX_FRAME_TS_CLAMPED)
            tally(&cap->ts_clamped, cap->n_frames);
        if (rec.flags & NMX_FRAME_NO_TS)
            tally(&cap->no_ts, cap->n_frames);
        cap->frames[cap->n_frames++] = rec;
        if (nmx__cap_index_hook != NULL)
            nmx__cap_index_hook(cap, cap->n_frames);
        if (progress.fn != NULL && (cap->n_frames & 1023) == 0)
            progress_tick(cap, rec.data_off);
    }
}

/* Records where and why reading stopped: clamped times make a capture
 * damaged too (every frame kept, but their times are wrong). */
static void record_damage(nmx_cap_t *cap, nmx_error_t *derr)
{
    if (!cap->damaged && cap->ts_clamped.count > 0) {
        const nmx_frame_rec_t *f = &cap->frames[cap->ts_clamped.first];
        if (!cap->time_damage)
            nmx__cap_time_damage(cap, f->data_off,
                                 "frame %u: time outside the representable range (%s); clamped "
                                 "to the nearest end (%u frame%s clamped, all frames kept)",
                                 cap->ts_clamped.first + 1, NMX_CAP_TIME_RANGE,
                                 cap->ts_clamped.count, cap->ts_clamped.count == 1 ? "" : "s");
        nmx__cap_set_damage(cap, derr, cap->time_damage_offset, "%s", cap->time_damage_reason);
        cap->damaged = true;
    }
    if (cap->damaged) {
        cap->damage.offset = derr->offset;
        cap->damage.frames = cap->n_frames;
        cap->damage.code = derr->code ? derr->code : NMERR_INVALID_FILE_FORMAT;
        snprintf(cap->damage_message, sizeof cap->damage_message, "%s", derr->msg);
        cap->damage.reason = cap->damage_reason;
        cap->damage.message = cap->damage_message;
    }
}

static unsigned build_index(nmx_cap_t *cap, nmx_error_t *err)
{
    if (cap->size == 0)
        return nmx__cap_fail(cap, err, NMERR_INVALID_FILE_FORMAT, 0,
                             "empty file (0 bytes): not a pcap, pcapng or NetMon capture");
    if (nmx__cap_index_hook != NULL)
        nmx__cap_index_hook(cap, 0);
    unsigned rc = 0;
    const nmx_cap_reader_t *reader = find_reader(cap, err, &rc);
    if (reader == NULL)
        return rc;
    cap->header_mactype = UINT32_MAX;
    cap->time_digits = 6;
    void *priv = NULL;
    rc = reader->open(cap, &priv, err);
    if (rc != 0) {
        reader->close(priv);
        return rc;
    }
    nmx_error_t derr;
    nmx__error_clear(&derr);
    rc = index_frames(cap, reader, priv, &derr, err);
    reader->close(priv);
    if (rc != 0)
        return rc;
    check_shrunk(cap, &derr);
    record_damage(cap, &derr);
    rc = nmx__cap_summarise(cap, err);
    return rc != 0 ? rc : nmx__cap_index_seal(cap, err);
}

/* from: 0 the image is in memory already, 1 open cap->path, 2 map `fd`. */
static unsigned open_common(nmx_cap_t *cap, nmx_cap_t **out, nmx_error_t *err, int from, int fd)
{
    unsigned rc = from == 1 ? map_file(cap, err) : from == 2 ? map_fd(cap, fd, err) : 0;
    if (rc == 0)
        rc = build_index(cap, err);
    /* The file descriptor stays open: the host copies frames with pread
     * (nmx__cap_copy_frame) rather than through the mapping. */
    if (rc != 0) {
        nmx__cap_close(cap);
        return rc;
    }
    *out = cap;
    return 0;
}

nmx_cap_t *nmx__cap_new(const char *name)
{
    nmx_cap_t *cap = calloc(1, sizeof *cap);
    if (cap == NULL)
        return NULL;
    cap->fd = -1;
    cap->frames_fd = -1;
    cap->path = strdup(name);
    if (cap->path == NULL) {
        free(cap);
        return NULL;
    }
    return cap;
}

unsigned nmx__cap_open_file(const char *path, nmx_cap_t **out, nmx_error_t *err)
{
    nmx__error_clear(err);
    if (out == NULL || path == NULL)
        return nmx__error_set(err, NMERR_INVALID_PARAMETER, path, NMX_OFFSET_UNKNOWN,
                              "no file or no result pointer");
    *out = NULL;
    nmx_cap_t *cap = nmx__cap_new(path);
    if (cap == NULL)
        return nmx__error_set(err, NMERR_OUT_OF_MEMORY, path, NMX_OFFSET_UNKNOWN, "out of memory");
    return open_common(cap, out, err, 1, -1);
}

unsigned nmx__cap_open_fd(int fd, const char *name, nmx_cap_t **out, nmx_error_t *err)
{
    nmx__error_clear(err);
    if (out == NULL || name == NULL || fd < 0) {
        if (fd >= 0)
            close(fd);
        return nmx__error_set(err, NMERR_INVALID_PARAMETER, name, NMX_OFFSET_UNKNOWN,
                              "no file or no result pointer");
    }
    *out = NULL;
    nmx_cap_t *cap = nmx__cap_new(name);
    if (cap == NULL) {
        close(fd);
        return nmx__error_set(err, NMERR_OUT_OF_MEMORY, name, NMX_OFFSET_UNKNOWN, "out of memory");
    }
    return open_common(cap, out, err, 2, fd);
}

unsigned nmx__cap_open_mem(const void *data, size_t len, const char *name, nmx_cap_t **out,
                           nmx_error_t *err)
{
    nmx__error_clear(err);
    if (name == NULL)
        name = "<memory>";
    if (out == NULL || (data == NULL && len > 0))
        return nmx__error_set(err, NMERR_INVALID_PARAMETER, name, NMX_OFFSET_UNKNOWN,
                              "no data or no result pointer");
    *out = NULL;
    nmx_cap_t *cap = nmx__cap_new(name);
    if (cap == NULL)
        return nmx__error_set(err, NMERR_OUT_OF_MEMORY, name, NMX_OFFSET_UNKNOWN, "out of memory");
    cap->data = data;
    cap->size = len;
    return open_common(cap, out, err, 0, -1);
}

void nmx__cap_close(nmx_cap_t *cap)
{
    if (cap == NULL)
        return;
    if (cap->guarded)
        nmx__outfile_unprotect(cap->file_dev, cap->file_ino);
    if (cap->fd >= 0)
        close(cap->fd);
    if (cap->map != NULL)
        munmap(cap->map, cap->map_len);
    free(cap->owned);
    nmx__cap_index_free(cap);
    free(cap->ifaces);
    for (size_t k = 0; k < cap->n_strings; k++)
        free(cap->strings[k]);
    free(cap->strings);
    free(cap->fcomments);
    free((void *)cap->ccomments);
    free(cap->capture_comment);
    for (uint32_t k = 0; k < cap->n_warnings_kept; k++)
        free(cap->warnings[k]);
    free(cap->lt_values);
    free((void *)cap->lt_names);
    free((void *)cap->lt_descs);
    free((void *)cap->info_comments);
    free(cap->info_comment_frames);
    for (uint32_t k = 0; k < cap->n_parts; k++)
        nmx__cap_close(cap->parts[k]);
    free(cap->parts);
    free(cap->part_base);
    free(cap->frame_local);
    free((void *)cap->part_names);
    free(cap->part_frames);
    free(cap->path);
    free(cap);
}

/* ---- accessors ---------------------------------------------------------------- */

uint32_t nmx__cap_count(const nmx_cap_t *cap)
{
    return cap != NULL ? cap->n_frames : 0;
}

const nmx_frame_rec_t *nmx__cap_frame(const nmx_cap_t *cap, uint32_t i)
{
    if (cap == NULL || i >= cap->n_frames)
        return NULL;
    return &cap->frames[i];
}

const uint8_t *nmx__cap_data(const nmx_cap_t *cap, uint32_t i)
{
    if (cap == NULL || i >= cap->n_frames)
        return NULL;
    return cap->data + cap->frames[i].data_off;
}

bool nmx__cap_copy_frame(const nmx_cap_t *cap, uint32_t i, void *buf)
{
    if (cap == NULL || i >= cap->n_frames)
        return false;
    const nmx_frame_rec_t *f = &cap->frames[i];
    if (cap->n_parts > 0) {
        uint32_t local;
        uint32_t k = nmx__cap_frame_file(cap, i, &local);
        return nmx__cap_copy_frame(cap->parts[k], local, buf);
    }
    if (cap->fd < 0) {
        memcpy(buf, cap->data + f->data_off, f->caplen);
        return true;
    }
    return read_at(cap, f->data_off, buf, f->caplen) == f->caplen;
}

const nmx_frame_rec_t *nmx__cap_frames(const nmx_cap_t *cap)
{
    return cap != NULL ? cap->frames : NULL;
}

const uint8_t *nmx__cap_image(const nmx_cap_t *cap, size_t *len)
{
    if (len != NULL)
        *len = cap != NULL ? cap->size : 0;
    return cap != NULL ? cap->data : NULL;
}

static const nmx_cap_fcomment_t *find_fcomment(const nmx_cap_t *cap, uint32_t i)
{
    if (cap == NULL || i >= cap->n_frames || !(cap->frames[i].flags & NMX_FRAME_HAS_COMMENT))
        return NULL;
    uint32_t lo = 0, hi = cap->n_fcomments;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (cap->fcomments[mid].frame == i)
            return &cap->fcomments[mid];
        if (cap->fcomments[mid].frame < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *nmx__cap_frame_comment(const nmx_cap_t *cap, uint32_t i)
{
    const nmx_cap_fcomment_t *c = find_fcomment(cap, i);
    return c != NULL ? c->text : NULL;
}

const char *nmx__cap_frame_comment_detail(const nmx_cap_t *cap, uint32_t i)
{
    const nmx_cap_fcomment_t *c = find_fcomment(cap, i);
    return c != NULL ? c->detail : NULL;
}

nmx_cap_format_t nmx__cap_format(const nmx_cap_t *cap)
{
    return cap->format;
}

bool nmx__cap_netmon_comment(const nmx_cap_t *cap, const nmx_frame_rec_t *rec)
{
    return (rec->flags & NMX_FRAME_HAS_COMMENT) &&
           (cap->format == NMX_CAPFMT_NETMON1 || cap->format == NMX_CAPFMT_NETMON2);
}

const char *nmx__cap_format_name(const nmx_cap_t *cap)
{
    switch (cap->format) {
    case NMX_CAPFMT_PCAP:
        return "pcap";
    case NMX_CAPFMT_PCAPNG:
        return "pcapng";
    case NMX_CAPFMT_NETMON1:
        return "netmon1";
    case NMX_CAPFMT_NETMON2:
        return "netmon2";
    }
    return "unknown";
}

const char *nmx__cap_format_detail(const nmx_cap_t *cap)
{
    return cap->format_detail;
}

const char *nmx__cap_path(const nmx_cap_t *cap)
{
    return cap->path;
}

unsigned nmx__cap_time_digits(const nmx_cap_t *cap)
{
    return cap->time_digits;
}

int64_t nmx__cap_first_frame_ns(const nmx_cap_t *cap)
{
    return cap->n_frames > 0 ? cap->frames[0].ts_ns : 0;
}

int64_t nmx__cap_time_origin_ns(const nmx_cap_t *cap)
{
    return cap->have_origin ? cap->origin_ns : nmx__cap_first_frame_ns(cap);
}

uint32_t nmx__cap_mactype(const nmx_cap_t *cap)
{
    if (cap->header_mactype != UINT32_MAX)
        return cap->header_mactype;
    if (cap->n_frames > 0)
        return nmx__linktype_to_mactype(cap->frames[0].linktype);
    if (cap->n_ifaces > 0)
        return nmx__linktype_to_mactype(cap->ifaces[0].linktype);
    return 0;
}

const nmx_systemtime_t *nmx__cap_systemtime(const nmx_cap_t *cap)
{
    return &cap->systime;
}

const char *nmx__cap_comment(const nmx_cap_t *cap)
{
    return cap->capture_comment;
}

unsigned nmx__cap_read_comment(const char *path, char *buf, size_t size, nmx_error_t *err)
{
    if (buf == NULL || size == 0)
        return nmx__error_set(err, NMERR_INVALID_PARAMETER, path, NMX_OFFSET_UNKNOWN,
                              "no buffer for the comment");
    buf[0] = '\0';
    nmx_cap_t *cap = NULL;
    unsigned rc = nmx__cap_open_file(path, &cap, err);
    if (rc != 0)
        return rc;
    const char *c = nmx__cap_comment(cap);
    if (c != NULL && nmx__strlcpy(buf, c, size) >= size) {
        buf[0] = '\0';
        rc = nmx__error_set(err, NMERR_BUFFER_TOO_SMALL, path, NMX_OFFSET_UNKNOWN,
                            "the comment needs %zu bytes", strlen(c) + 1);
    }
    nmx__cap_close(cap);
    return rc;
}

uint32_t nmx__cap_iface_count(const nmx_cap_t *cap)
{
    return cap->n_ifaces;
}

const nmx_cap_iface_t *nmx__cap_iface(const nmx_cap_t *cap, uint32_t k)
{
    return k < cap->n_ifaces ? &cap->ifaces[k] : NULL;
}

const nmx_cap_damage_t *nmx__cap_damage(const nmx_cap_t *cap)
{
    return cap->damaged ? &cap->damage : NULL;
}

uint32_t nmx__cap_warning_count(const nmx_cap_t *cap)
{
    return cap->n_warnings;
}

uint32_t nmx__cap_warnings_kept(const nmx_cap_t *cap)
{
    return cap->n_warnings_kept;
}

const char *nmx__cap_warning(const nmx_cap_t *cap, uint32_t k)
{
    return k < cap->n_warnings_kept ? cap->warnings[k] : NULL;
}

void nmx__cap_get_info(const nmx_cap_t *cap, nmx_capture_info_t *info)
{
    memset(info, 0, sizeof *info);
    info->path = cap->path;
    info->format = nmx__cap_format_name(cap);
    info->format_detail = cap->format_detail;
    info->frames = cap->n_frames;
    info->captured_bytes = cap->captured_bytes;
    info->wire_bytes = cap->wire_bytes;
    info->first_ns = cap->first_ns;
    info->last_ns = cap->last_ns;
    info->n_link_types = cap->n_lt;
    info->link_types = cap->lt_names;
    info->link_type_values = cap->lt_values;
    info->link_type_descriptions = cap->lt_descs;
    info->n_comments = cap->n_info_comments;
    info->comments = cap->info_comments;
    info->comment_frames = cap->info_comment_frames;
    info->damage = cap->damaged ? cap->damage_message : NULL;
    info->damage_reason = cap->damaged ? cap->damage_reason : NULL;
    info->damage_offset = cap->damaged ? cap->damage.offset : 0;
    info->time_digits = cap->time_digits;
    info->file_size = cap->size;
    info->interfaces = cap->n_ifaces;
    info->n_warnings = cap->n_warnings;
    info->n_warning_texts = cap->n_warnings_kept;
    info->warnings = (const char *const *)cap->warnings;
    info->n_files = nmx__cap_file_count(cap);
    info->files = cap->n_parts > 0 ? cap->part_names : (const char *const *)&cap->path;
    info->file_frames = cap->n_parts > 0 ? cap->part_frames : &cap->n_frames;
    info->compression = cap->compression;
    info->frame1_ns = nmx__cap_first_frame_ns(cap);
}

/* ---- exported (host.h) ---------------------------------------------------------- */

NMX_EXPORT nmx_capture_t *nmx_capture_open(const char *path, char *errbuf, size_t errlen)
{
    return nmx_capture_open_files(&path, 1, errbuf, errlen);
}

NMX_EXPORT uint32_t nmx_capture_frame_file(const nmx_capture_t *cap, uint32_t i, uint32_t *local)
{
    return nmx__cap_frame_file(cap, i, local);
}

NMX_EXPORT nmx_capture_t *nmx_capture_open_files(const char *const *paths, size_t n, char *errbuf,
                                                 size_t errlen)
{
    return nmx_capture_open_files_progress(paths, n, NULL, NULL, 0, errbuf, errlen);
}

NMX_EXPORT nmx_capture_t *nmx_capture_open_files_progress(const char *const *paths, size_t n,
                                                          nmx_open_progress_fn fn, void *ctx,
                                                          double every_s, char *errbuf, size_t errlen)
{
    nmx_error_t err;
    nmx_cap_t *cap = NULL;
    nmx__cap_progress_begin(fn, ctx, every_s);
    unsigned rc = nmx__cap_open_inputs(paths, n, &cap, &err);
    nmx__cap_progress_begin(NULL, NULL, 0);
    if (rc != 0) {
        if (errbuf != NULL && errlen > 0)
            nmx__strlcpy(errbuf, err.msg, errlen);
        return NULL;
    }
    if (errbuf != NULL && errlen > 0)
        errbuf[0] = '\0';
    return cap;
}

NMX_EXPORT void nmx_capture_close(nmx_capture_t *cap)
{
    nmx__cap_close(cap);
}

NMX_EXPORT uint32_t nmx_capture_frame_count(const nmx_capture_t *cap)
{
    return nmx__cap_count(cap);
}

NMX_EXPORT void nmx_capture_get_info(const nmx_capture_t *cap, nmx_capture_info_t *info)
{
    if (info == NULL)
        return;
    if (cap == NULL) {
        memset(info, 0, sizeof *info);
        return;
    }
    nmx__cap_get_info(cap, info);
}
