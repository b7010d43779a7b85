/*
 * cap_internal.h - what the readers and capture.c share: the capture object,
 * the reader interface and the helpers readers use to fill the index.
 *
 * Readers share one interface (STYLE.md 15): probe -> {not mine, mine,
 * error}; open (parse the file header); next (one frame, end of file, or
 * damage); close.  capture.c tries the readers of nmx__cap_readers[] in
 * order, then drives `next` to build the index; random access afterwards goes
 * through the index, never through the reader.
 *
 * Readers never dereference cap->data: every byte they parse comes from
 * nmx__cap_view(), which reads a mapped file with pread() (a file truncated
 * while it is indexed then reads short, and the reader reports damage,
 * where touching the mapping would raise SIGBUS in the host).
 */
#ifndef NMX_CAPTURE_CAP_INTERNAL_H
#define NMX_CAPTURE_CAP_INTERNAL_H

#include <stdarg.h>
#include <sys/types.h>

#include "capture/capture.h"
#include "common/cursor.h"

/* Result of a reader's probe. */
typedef enum nmx_probe {
    NMX_PROBE_NOT_MINE = 0, /* another reader may try */
    NMX_PROBE_MINE = 1,     /* this reader's magic */
    NMX_PROBE_ERROR = 2,    /* this reader's magic, but unusable; err is set */
} nmx_probe_t;

/* Result of a reader's next. */
typedef enum nmx_next {
    NMX_NEXT_FRAME = 0,  /* *rec holds a frame */
    NMX_NEXT_EOF = 1,    /* clean end of the capture */
    NMX_NEXT_DAMAGE = 2, /* err holds code, offset and reason; reading stops */
} nmx_next_t;

typedef struct nmx_cap_reader {
    const char *name; /* "pcap" */
    /* Looks at the image's first `len` bytes (head; len = min(size, 8)); may set err. */
    nmx_probe_t (*probe)(const nmx_cap_t *cap, const uint8_t *head, size_t len, nmx_error_t *err);
    /* Parses the file header, sets the format fields and interfaces, allocates *priv. */
    unsigned (*open)(nmx_cap_t *cap, void **priv, nmx_error_t *err);
    /* Reads the next frame into *rec (all fields, flags included). */
    nmx_next_t (*next)(nmx_cap_t *cap, void *priv, nmx_frame_rec_t *rec, nmx_error_t *err);
    /* Frees *priv (may be NULL). */
    void (*close)(void *priv);
} nmx_cap_reader_t;

extern const nmx_cap_reader_t nmx__pcap_reader;
extern const nmx_cap_reader_t nmx__pcapng_reader;
extern const nmx_cap_reader_t nmx__netmon_reader;

/* A frame's comment strings (sorted by frame, as frames are indexed in order). */
typedef struct nmx_cap_fcomment {
    uint32_t frame;
    const char *text;   /* UTF-8 */
    const char *detail; /* NetMon description, or NULL */
} nmx_cap_fcomment_t;

/* Per-frame conditions counted while indexing and reported once as warnings. */
typedef struct nmx_cap_tally {
    uint32_t count;
    uint32_t first; /* first frame number with the condition */
} nmx_cap_tally_t;

struct nmx_capture {
    char *path; /* copy of the name given to open */

    /* The image. */
    const uint8_t *data;
    size_t size;
    void *map;      /* mmap()ed region, or NULL */
    size_t map_len;
    bool guarded;   /* file_id is registered with nmx__outfile_protect */
    dev_t file_dev; /* the input's identity: never written over (outfile.h) */
    ino_t file_ino;
    int fd;         /* the mapped file (read with pread, never through the mapping, by the host), else -1 */
    uint8_t *owned; /* heap copy of an unmappable file, or NULL */
    const char *compression; /* "gzip", "zstd" or "lz4" when decompressed (input.c), else NULL */

    /* Format, set by the reader's open. */
    nmx_cap_format_t format;
    char format_detail[96];
    unsigned time_digits;     /* of the whole file (max over interfaces used) */
    uint32_t header_mactype;  /* NetMon header MAC type; UINT32_MAX if none */
    nmx_systemtime_t systime; /* NetMon header start time, or derived from frame 0 */
    bool have_header_systime;
    bool have_origin;         /* origin_ns is the header's start (NetMon 1.x-2.2) */
    int64_t origin_ns;

    /* The index (index_store.c): on the heap, or in a memory file. */
    nmx_frame_rec_t *frames;
    uint32_t n_frames;
    uint32_t frames_cap;
    int frames_fd;         /* the memory file while the index is built, else -1 */
    size_t frames_map_len; /* bytes mapped at frames (0: frames is on the heap) */
    bool frames_sealed;    /* frames is a read-only mapping of a sealed file */

    nmx_cap_iface_t *ifaces;
    uint32_t n_ifaces;
    uint32_t ifaces_cap;

    /* Text: every string below is owned (one allocation each). */
    char **strings;
    size_t n_strings;
    size_t strings_cap;
    size_t text_bytes;
    bool text_dropped;

    nmx_cap_fcomment_t *fcomments;
    uint32_t n_fcomments;
    uint32_t fcomments_cap;

    const char **ccomments; /* capture-level comments, in file order */
    uint32_t n_ccomments;
    uint32_t ccomments_cap;
    char *capture_comment; /* ccomments joined by '\n', or NULL */

    /* Damage and warnings. */
    bool damaged;
    nmx_cap_damage_t damage;
    char damage_reason[NMX_ERROR_MSG_MAX];
    char damage_message[NMX_ERROR_MSG_MAX];
    uint32_t n_warnings;
    uint32_t n_warnings_kept;
    char *warnings[NMX_CAP_MAX_WARNINGS];
    nmx_cap_tally_t ts_fixed;
    nmx_cap_tally_t ts_clamped;
    nmx_cap_tally_t no_ts;
    /* Why times were clamped, when a reader knows better than "frame N"
     * (a NetMon header's start time); see nmx__cap_time_damage. */
    bool time_damage;
    uint64_t time_damage_offset;
    char time_damage_reason[NMX_ERROR_MSG_MAX];

    /* A merged capture (merge.c): its files, in the order named, each still
     * open (they own the strings the merged tables point to); the image is
     * one reserved region with file k's image at part_base[k]. */
    nmx_cap_t **parts;
    uint32_t n_parts;
    uint64_t *part_base;
    uint32_t *frame_local; /* frame's 0-based number in its file */
    const char **part_names;
    uint32_t *part_frames;

    /* Summary for nmx__cap_get_info, computed once at the end of open. */
    uint64_t captured_bytes;
    uint64_t wire_bytes;
    int64_t first_ns;
    int64_t last_ns;
    uint32_t *lt_values;
    const char **lt_names;
    const char **lt_descs;
    size_t n_lt;
    const char **info_comments;   /* capture comments then frame comments */
    uint32_t *info_comment_frames; /* 0 = capture-level, else frame number + 1 */
    size_t n_info_comments;
};

/* ---- helpers for readers (capture.c) ------------------------------------ */

/* A new, empty capture named `name` (fd -1); NULL when out of memory. */
nmx_cap_t *nmx__cap_new(const char *name);

/* Fills the summary (nmx__cap_get_info) from the index, the interfaces and
 * the comments; 0 or NMERR_OUT_OF_MEMORY with err set. */
unsigned nmx__cap_summarise(nmx_cap_t *cap, nmx_error_t *err);

/* Keeps a string the capture owns from now on (NULL stays NULL). */
char *nmx__cap_keep(nmx_cap_t *cap, char *s);

/* A reader's window on the image while it indexes (zero-initialise it). */
typedef struct nmx_cap_window {
    uint8_t *buf;    /* owned; NULL until the first read */
    size_t buf_cap;  /* bytes allocated */
    uint64_t off;    /* image offset of buf[0] */
    size_t len;      /* valid bytes in buf */
} nmx_cap_window_t;

/* What a window reads ahead of a request that continues the last one. */
#define NMX_CAP_WINDOW_BYTES (1u << 20)

/* How many reads the windows have made (every capture, every thread): the
 * tests check that a walk reads a window at a time. */
extern _Atomic unsigned long nmx__cap_window_reads;

/*
 * Image bytes [off, off+len), all of them, for a reader to parse.  For a
 * mapped file they are read with pread() into the window (read ahead by up
 * to NMX_CAP_WINDOW_BYTES while the reads go forward), never through the
 * mapping: the host then neither faults on a file truncated under it nor
 * keeps its pages resident.  For an image in memory the pointer is into the
 * image.  Valid until the next call with the same window.  NULL when the
 * bytes cannot all be read: past cap->size (readers check their bounds
 * first, so for them this means the file shrank while being indexed), a
 * read error, or no memory for a window of `len` bytes.
 */
const uint8_t *nmx__cap_view(const nmx_cap_t *cap, nmx_cap_window_t *w, uint64_t off, size_t len);

/* Frees a window's buffer (the window may be reused afterwards). */
void nmx__cap_window_free(nmx_cap_window_t *w);

/* Why bytes inside the image as it was opened could not be read. */
#define NMX_CAP_SHRANK_REASON "the file is shorter than when it was opened (changed while it was read?)"

/*
 * Records damage for `len` bytes at `offset` that nmx__cap_view could not
 * read and returns NMX_NEXT_DAMAGE ("cannot read N bytes at offset X: the
 * file is shorter than when it was opened ...").
 */
nmx_next_t nmx__cap_unreadable(nmx_cap_t *cap, nmx_error_t *err, uint64_t offset, size_t len);

/* The same as a fatal open error (a file header that cannot be read); returns the NMERR code. */
unsigned nmx__cap_fail_unreadable(nmx_cap_t *cap, nmx_error_t *err, uint64_t offset, size_t len);

/*
 * Whether text of `len` bytes (`len` after conversion to UTF-8) could be
 * kept at all: false, with the dropped-text warning, when it exceeds
 * NMX_CAP_MAX_TEXT_BYTES, so that a reader need not read it.
 */
bool nmx__cap_text_len_ok(nmx_cap_t *cap, size_t len);

/*
 * Called, when set, before the image is probed (frames = 0) and after each
 * frame is indexed: tests use it to change the file at a chosen moment
 * (truncate it under the reader).  NULL in normal use.
 */
extern void (*nmx__cap_index_hook)(const nmx_cap_t *cap, uint32_t frames);

/* Adds an interface; returns its number, or -1 (err set) past NMX_CAP_MAX_IFACES or OOM. */
long nmx__cap_add_iface(nmx_cap_t *cap, const nmx_cap_iface_t *iface, uint64_t offset,
                        nmx_error_t *err);

/*
 * Copies `len` bytes of text into the capture's string pool (NUL-terminated,
 * trailing NULs trimmed).  Returns NULL when the NMX_CAP_MAX_TEXT_BYTES budget
 * is spent (a warning is recorded once) or on allocation failure.
 */
const char *nmx__cap_strdup(nmx_cap_t *cap, const void *text, size_t len);

/* Converts UTF-16LE (len bytes, up to a NUL unit) to UTF-8 in the pool. */
const char *nmx__cap_utf16le(nmx_cap_t *cap, const uint8_t *text, size_t len);

/* Attaches a comment to the frame that the reader is about to return. */
void nmx__cap_add_frame_comment(nmx_cap_t *cap, const char *text, const char *detail);

/* Adds a capture-level comment (already in the pool). */
void nmx__cap_capture_comment(nmx_cap_t *cap, const char *text);

/* Records a non-fatal warning. */
void nmx__cap_warn(nmx_cap_t *cap, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Pre-sizes the index for n frames (a hint; fails only on allocation
 * failure, or once the index is sealed). */
bool nmx__cap_reserve(nmx_cap_t *cap, uint32_t n);

/* Ends the index's writing: a large one becomes a read-only mapping of a
 * sealed memory file (index_store.c).  0, or NMERR_OUT_OF_MEMORY with err
 * set (the index is then empty). */
unsigned nmx__cap_index_seal(nmx_cap_t *cap, nmx_error_t *err);

/* Frees the index, wherever it lives. */
void nmx__cap_index_free(nmx_cap_t *cap);

/*
 * Records a damage error for the frame about to be read and returns
 * NMX_NEXT_DAMAGE: `return nmx__cap_set_damage(cap, err, off, "reason %u", n);`
 */
nmx_next_t nmx__cap_set_damage(nmx_cap_t *cap, nmx_error_t *err, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Times outside the int64 nanosecond range are clamped (NMX_FRAME_TS_CLAMPED)
 * and, once the index is built, reported as the capture's damage (unless
 * reading stopped on other damage): by default "frame N: time outside the
 * representable range".  A reader whose frames are clamped for a reason of
 * its own records it here first (the first call wins).
 */
void nmx__cap_time_damage(nmx_cap_t *cap, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The range of representable times, for messages. */
#define NMX_CAP_TIME_RANGE "1677-09-21 to 2262-04-11 UTC"

/* Sets a fatal open error naming the capture: returns NMERR code. */
unsigned nmx__cap_fail(nmx_cap_t *cap, nmx_error_t *err, unsigned code, uint64_t offset,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- time arithmetic (captime.c) ------------------------------------------ */

/*
 * sec * 1e9 + sub * 1e9 / units with sub possibly >= units (carried); sets
 * NMX_FRAME_TS_FIXED when sub >= units and NMX_FRAME_TS_CLAMPED on overflow
 * in *flags.  `units` is the sub-second field's units per second.
 */
int64_t nmx__ts_from_parts(int64_t sec, uint64_t sub, uint64_t units, uint16_t *flags);

/* base + delta, clamped to the int64 range (sets NMX_FRAME_TS_CLAMPED). */
int64_t nmx__ts_add(int64_t base, int64_t delta, uint16_t *flags);

/* Days since 1970-01-01 of a proleptic Gregorian date (any year). */
int64_t nmx__days_from_civil(int64_t y, unsigned m, unsigned d);

/* Fills a SYSTEMTIME (UTC) from ns since 1970; false if the year is out of 1601..30827. */
bool nmx__systemtime_from_ns(int64_t ns, nmx_systemtime_t *st);

#endif /* NMX_CAPTURE_CAP_INTERNAL_H */
