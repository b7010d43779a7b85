/*
 * input.c - captures as a user hands them over: a file, standard input
 * ("-"), or either compressed with gzip, zstd or lz4.
 *
 * A compressed capture, recognised by its content (never by its name), is
 * decompressed with the format's own library (zlib, libzstd, liblz4) into an
 * anonymous memory file (memfd), which is then opened like any capture
 * file: the readers index it, and the experts' processes, forked after
 * open, read frames from the shared mapping.  Standard input is spooled the
 * same way, since a capture is read at random and a pipe cannot be.
 *
 * Limits: the bytes spooled or decompressed are capped at
 * NMX_CAP_INPUT_LIMIT (4 GiB), or NMEXPERT_DECOMPRESS_LIMIT bytes when that
 * variable is set (a size such as 512M or 16G); past it the input is refused
 * with a message that names the variable, so a small "zip bomb" cannot fill
 * memory.  Corrupt compressed data is an error naming the file, the format
 * and the library's reason.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <lz4frame.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <netmon.h>

#include "capture/cap_internal.h"
#include "common/strutil.h"

/* How standard input is named on the command line, and in messages and reports. */
#define STDIN_ARG "-"
#define STDIN_NAME "(standard input)"

/* Input read or decompression output produced per step. */
#define CHUNK (256u * 1024)

/* The compressions recognised, by magic number. */
typedef enum { COMP_NONE, COMP_GZIP, COMP_ZSTD, COMP_LZ4 } comp_t;

static comp_t sniff(const uint8_t *h, size_t n)
{
    if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b)
        return COMP_GZIP;
    if (n >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd)
        return COMP_ZSTD;
    if (n >= 4 && h[0] == 0x04 && h[1] == 0x22 && h[2] == 0x4d && h[3] == 0x18)
        return COMP_LZ4;
    return COMP_NONE;
}

static const char *comp_name(comp_t c)
{
    return c == COMP_GZIP ? "gzip" : c == COMP_ZSTD ? "zstd" : c == COMP_LZ4 ? "lz4" : "plain";
}

uint64_t nmx__cap_input_limit(void)
{
    const char *s = getenv("NMEXPERT_DECOMPRESS_LIMIT");
    uint64_t v;
    if (s != NULL && *s != '\0' && nmx__parse_size(s, &v) && v > 0)
        return v;
    return NMX_CAP_INPUT_LIMIT;
}

/* A growing memory file that the decoded bytes are written to. */
typedef struct sink {
    int fd;
    uint64_t len;
    uint64_t limit;
    const char *name; /* for messages */
    const char *what; /* "decompressed" or "read from standard input" */
} sink_t;

static unsigned sink_open(sink_t *s, const char *name, const char *what, nmx_error_t *err)
{
    s->fd = memfd_create("nmexpert-input", MFD_CLOEXEC);
    s->len = 0;
    s->limit = nmx__cap_input_limit();
    s->name = name;
    s->what = what;
    if (s->fd < 0)
        return nmx__error_set(err, NMERR_COULD_NOT_CREATE_TEMPFILE, name, NMX_OFFSET_UNKNOWN,
                              "cannot create a memory file for the capture: %s", strerror(errno));
    return 0;
}

static unsigned sink_write(sink_t *s, const void *buf, size_t n, nmx_error_t *err)
{
    if (n > s->limit - s->len)
        return nmx__error_set(err, NMERR_OUT_OF_MEMORY, s->name, NMX_OFFSET_UNKNOWN,
                              "more than %llu bytes %s; refused (NMEXPERT_DECOMPRESS_LIMIT sets "
                              "the limit)",
                              (unsigned long long)s->limit, s->what);
    const uint8_t *p = buf;
    while (n > 0) {
        ssize_t w = write(s->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return nmx__error_set(err, errno == ENOSPC || errno == ENOMEM ? NMERR_OUT_OF_MEMORY
                                                                          : NMERR_FILE_READ_ERROR,
                                 s->name, NMX_OFFSET_UNKNOWN, "cannot keep the %s capture: %s",
                                 s->what, w < 0 ? strerror(errno) : "short write");
        p += w;
        n -= (size_t)w;
        s->len += (uint64_t)w;
    }
    return 0;
}

/* read() that retries on EINTR: bytes read, 0 at the end, -1 on error. */
static ssize_t read_some(int fd, void *buf, size_t n)
{
    for (;;) {
        ssize_t r = read(fd, buf, n);
        if (r >= 0 || errno != EINTR)
            return r;
    }
}

static unsigned read_failed(const char *name, nmx_error_t *err)
{
    return nmx__error_set(err, NMERR_FILE_READ_ERROR, name, NMX_OFFSET_UNKNOWN, "%s", strerror(errno));
}

static unsigned corrupt(const char *name, comp_t c, uint64_t in_off, const char *why, nmx_error_t *err)
{
    return nmx__error_set(err, NMERR_INVALID_FILE_FORMAT, name, in_off, "%s data is not valid: %s",
                          comp_name(c), why);
}

static unsigned truncated(const char *name, comp_t c, uint64_t in_off, nmx_error_t *err)
{
    return nmx__error_set(err, NMERR_INVALID_FILE_FORMAT, name, in_off,
                          "%s data ends early (truncated file?)", comp_name(c));
}

/* gzip, any number of members (as gzip -d and zcat read them). */
static unsigned gunzip(int in, sink_t *s, nmx_error_t *err)
{
    uint8_t *ib = malloc(CHUNK), *ob = malloc(CHUNK);
    z_stream z;
    memset(&z, 0, sizeof z);
    unsigned rc = 0;
    if (ib == NULL || ob == NULL || inflateInit2(&z, 15 + 32) != Z_OK) {
        rc = nmx__error_set(err, NMERR_OUT_OF_MEMORY, s->name, NMX_OFFSET_UNKNOWN, "out of memory");
        goto out;
    }
    uint64_t in_off = 0;
    bool in_member = false, eof = false;
    for (;;) {
        if (z.avail_in == 0 && !eof) {
            ssize_t r = read_some(in, ib, CHUNK);
            if (r < 0) {
                rc = read_failed(s->name, err);
                goto out;
            }
            eof = r == 0;
            z.next_in = ib;
            z.avail_in = (uInt)r;
        }
        if (z.avail_in == 0 && eof)
            break;
        if (!in_member && z.avail_in > 0)
            in_member = true;
        z.next_out = ob;
        z.avail_out = CHUNK;
        uInt before = z.avail_in;
        int zr = inflate(&z, Z_NO_FLUSH);
        in_off += before - z.avail_in;
        if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
            rc = corrupt(s->name, COMP_GZIP, in_off, z.msg != NULL ? z.msg : "inflate failed", err);
            goto out;
        }
        if ((rc = sink_write(s, ob, CHUNK - z.avail_out, err)) != 0)
            goto out;
        if (zr == Z_STREAM_END) {
            in_member = false;
            inflateReset(&z);
        }
    }
    if (in_member)
        rc = truncated(s->name, COMP_GZIP, in_off, err);
out:
    inflateEnd(&z);
    free(ib);
    free(ob);
    return rc;
}

static unsigned unzstd(int in, sink_t *s, nmx_error_t *err)
{
    size_t isz = ZSTD_DStreamInSize(), osz = ZSTD_DStreamOutSize();
    uint8_t *ib = malloc(isz), *ob = malloc(osz);
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    unsigned rc = 0;
    if (ib == NULL || ob == NULL || dc == NULL) {
        rc = nmx__error_set(err, NMERR_OUT_OF_MEMORY, s->name, NMX_OFFSET_UNKNOWN, "out of memory");
        goto out;
    }
    uint64_t in_off = 0;
    size_t pending = 0; /* ZSTD's hint: non-zero while a frame is unfinished */
    for (;;) {
        ssize_t r = read_some(in, ib, isz);
        if (r < 0) {
            rc = read_failed(s->name, err);
            goto out;
        }
        if (r == 0)
            break;
        ZSTD_inBuffer zi = {ib, (size_t)r, 0};
        ZSTD_outBuffer zo = {ob, osz, 0};
        /* Until the input is used up and the decoder holds nothing more
         * (a full output buffer means it may). */
        while (zi.pos < zi.size || zo.pos == osz) {
            zo.pos = 0;
            size_t before = zi.pos;
            pending = ZSTD_decompressStream(dc, &zo, &zi);
            in_off += zi.pos - before;
            if (ZSTD_isError(pending)) {
                rc = corrupt(s->name, COMP_ZSTD, in_off, ZSTD_getErrorName(pending), err);
                goto out;
            }
            if ((rc = sink_write(s, ob, zo.pos, err)) != 0)
                goto out;
        }
    }
    if (pending != 0)
        rc = truncated(s->name, COMP_ZSTD, in_off, err);
out:
    ZSTD_freeDCtx(dc);
    free(ib);
    free(ob);
    return rc;
}

static unsigned unlz4(int in, sink_t *s, nmx_error_t *err)
{
    uint8_t *ib = malloc(CHUNK), *ob = malloc(CHUNK);
    LZ4F_dctx *dc = NULL;
    unsigned rc = 0;
    if (ib == NULL || ob == NULL || LZ4F_isError(LZ4F_createDecompressionContext(&dc, LZ4F_VERSION))) {
        rc = nmx__error_set(err, NMERR_OUT_OF_MEMORY, s->name, NMX_OFFSET_UNKNOWN, "out of memory");
        goto out;
    }
    uint64_t in_off = 0;
    size_t hint = 1; /* LZ4F's: 0 once a frame is complete */
    for (;;) {
        ssize_t r = read_some(in, ib, CHUNK);
        if (r < 0) {
            rc = read_failed(s->name, err);
            goto out;
        }
        if (r == 0)
            break;
        size_t pos = 0;
        while (pos < (size_t)r) {
            size_t isz = (size_t)r - pos, osz = CHUNK;
            hint = LZ4F_decompress(dc, ob, &osz, ib + pos, &isz, NULL);
            pos += isz;
            in_off += isz;
            if (LZ4F_isError(hint)) {
                rc = corrupt(s->name, COMP_LZ4, in_off, LZ4F_getErrorName(hint), err);
                goto out;
            }
            if ((rc = sink_write(s, ob, osz, err)) != 0)
                goto out;
            if (isz == 0 && osz == 0)
                break;
        }
    }
    /* Output the decoder buffered without needing more input. */
    for (;;) {
        size_t isz = 0, osz = CHUNK;
        size_t k = LZ4F_decompress(dc, ob, &osz, ib, &isz, NULL);
        if (LZ4F_isError(k) || osz == 0)
            break;
        hint = k;
        if ((rc = sink_write(s, ob, osz, err)) != 0)
            goto out;
    }
    if (hint != 0)
        rc = truncated(s->name, COMP_LZ4, in_off, err);
out:
    LZ4F_freeDecompressionContext(dc);
    free(ib);
    free(ob);
    return rc;
}

/* Copies the rest of `in` (a pipe, after the bytes in `head`) into s. */
static unsigned spool(int in, const uint8_t *head, size_t n, sink_t *s, nmx_error_t *err)
{
    unsigned rc = sink_write(s, head, n, err);
    uint8_t *b = rc == 0 ? malloc(CHUNK) : NULL;
    if (rc == 0 && b == NULL)
        rc = nmx__error_set(err, NMERR_OUT_OF_MEMORY, s->name, NMX_OFFSET_UNKNOWN, "out of memory");
    while (rc == 0) {
        ssize_t r = read_some(in, b, CHUNK);
        if (r < 0)
            rc = read_failed(s->name, err);
        if (r <= 0)
            break;
        rc = sink_write(s, b, (size_t)r, err);
    }
    free(b);
    return rc;
}

/* Reads up to n bytes, fewer only at the end of the input. */
static ssize_t read_full(int fd, uint8_t *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read_some(fd, buf + got, n - got);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/*
 * A compressed file or a pipe: decodes (or copies) `in` into a memory file
 * and opens that.  `head` holds the first bytes, already read from a pipe
 * (a regular file is rewound instead).
 */
static unsigned open_decoded(int in, bool seekable, const uint8_t *head, size_t n, comp_t c,
                             const char *name, nmx_cap_t **out, nmx_error_t *err)
{
    sink_t s;
    unsigned rc = sink_open(&s, name, c == COMP_NONE ? "read from standard input" : "decompressed", err);
    if (rc != 0)
        return rc;
    if (c == COMP_NONE) {
        rc = spool(in, head, n, &s, err);
    } else {
        /* The decoders read from the start: a pipe's first bytes are put in
         * front of it through a second memory file. */
        int src = in;
        sink_t raw = {.fd = -1};
        if (!seekable) {
            rc = sink_open(&raw, name, "read from standard input", err);
            if (rc == 0)
                rc = spool(in, head, n, &raw, err);
            if (rc == 0 && lseek(raw.fd, 0, SEEK_SET) != 0)
                rc = read_failed(name, err);
            src = raw.fd;
        } else if (lseek(in, 0, SEEK_SET) != 0) {
            rc = read_failed(name, err);
        }
        if (rc == 0)
            rc = c == COMP_GZIP ? gunzip(src, &s, err) : c == COMP_ZSTD ? unzstd(src, &s, err)
                                                                         : unlz4(src, &s, err);
        if (raw.fd >= 0)
            close(raw.fd);
    }
    if (rc != 0) {
        close(s.fd);
        return rc;
    }
    rc = nmx__cap_open_fd(s.fd, name, out, err);
    if (rc == 0 && c != COMP_NONE)
        (*out)->compression = comp_name(c);
    return rc;
}

unsigned nmx__cap_open_input(const char *name, nmx_cap_t **out, nmx_error_t *err)
{
    nmx__error_clear(err);
    if (name == NULL || out == NULL)
        return nmx__error_set(err, NMERR_INVALID_PARAMETER, name, NMX_OFFSET_UNKNOWN,
                              "no file or no result pointer");
    *out = NULL;
    bool is_stdin = strcmp(name, STDIN_ARG) == 0;
    int fd;
    if (is_stdin) {
        fd = STDIN_FILENO;
    } else {
        /* Peek at the magic number of a regular file; anything else goes
         * to the capture layer's own checks, which refuse FIFOs and devices
         * unread (and name why a file cannot be opened). */
        fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
            return nmx__cap_open_file(name, out, err);
        struct stat st;
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
            return nmx__cap_open_fd(fd, name, out, err);
    }
    uint8_t head[8];
    ssize_t n = read_full(fd, head, sizeof head);
    if (n < 0) {
        unsigned rc = read_failed(is_stdin ? STDIN_NAME : name, err);
        if (!is_stdin)
            close(fd);
        return rc;
    }
    comp_t c = sniff(head, (size_t)n);
    if (!is_stdin && c == COMP_NONE) {
        /* A plain capture: the file already open is the capture's (a file
         * that cannot be mapped is read from its start). */
        if (lseek(fd, 0, SEEK_SET) != 0) {
            unsigned rc = read_failed(name, err);
            close(fd);
            return rc;
        }
        return nmx__cap_open_fd(fd, name, out, err);
    }
    /* Standard input is read from where it stands, never rewound. */
    unsigned rc = open_decoded(fd, !is_stdin, head, (size_t)n, c, is_stdin ? STDIN_NAME : name, out, err);
    if (!is_stdin)
        close(fd);
    return rc;
}
