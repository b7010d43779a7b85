/*
 * capture.h - the capture layer's internal interface: captures opened as an
 * indexed, random-access sequence of frames, and the capture writer.
 *
 * A capture is a byte image (a read-only private mapping of the file, or a
 * caller's buffer) plus a frame index built once, at open, by the reader that
 * recognised the image by its magic number (pcap, pcapng, NetMon 1.x/2.x).
 * Frame bytes are never copied: nmx__cap_data() points into the image.  After
 * open nothing changes, so a capture may be shared read-only by threads and by
 * processes forked after open (the mapping is MAP_PRIVATE and read-only; there
 * is no per-thread or lazily filled state).
 *
 * A file truncated by another program while it is open: the index is built
 * with pread(), so a file that shrinks while it is indexed is damage, not
 * SIGBUS; frames past its new end are left out.  After open, reading
 * nmx__cap_data() of a frame the file no longer holds faults (the runtime
 * does that only in the experts' processes); nmx__cap_copy_frame() is the
 * safe read for the host.
 *
 * Damage: when a file header is unreadable, open fails and `err` names the
 * file, the byte offset and the reason.  When the header is good but a later
 * record is not, open succeeds; the frames before the damage are indexed and
 * usable, and nmx__cap_damage() says where and why reading stopped.
 *
 * Design, formats, caps and decisions: docs/capture.md.
 */
#ifndef NMX_CAPTURE_CAPTURE_H
#define NMX_CAPTURE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nmexpert/capture.h>

#include "common/error.h"
#include "common/linktype.h"

/* The exported handle (host.h) and the internal one are the same object. */
typedef struct nmx_capture nmx_cap_t;

/* ---- named caps (docs/capture.md, "Caps") ------------------------------ */

/* Most frames one capture may index (2 GiB of index at 32 bytes a frame). */
#define NMX_CAP_MAX_FRAMES (64u * 1024 * 1024)
/* Largest pcap record accepted (libpcap's and Wireshark's standard maximum). */
#define NMX_CAP_MAX_PCAP_RECORD 262144u
/* Largest pcapng block accepted (libpcap's initial maximum block size). */
#define NMX_CAP_MAX_PCAPNG_BLOCK (16u * 1024 * 1024)
/* Most interfaces (pcapng IDBs) over all sections of one capture. */
#define NMX_CAP_MAX_IFACES 65535u
/* Total bytes of comment text kept per capture; more is dropped with a warning. */
#define NMX_CAP_MAX_TEXT_BYTES (16u * 1024 * 1024)
/* Bytes read into memory when a regular file cannot be mapped. */
#define NMX_CAP_MAX_UNMAPPED_BYTES (1024ull * 1024 * 1024)
/* Warning messages kept (every warning is counted). */
#define NMX_CAP_MAX_WARNINGS 16u

/* ---- formats ----------------------------------------------------------- */

typedef enum nmx__cap_format {
    NMX_CAPFMT_PCAP = 1,    /* libpcap savefile, any variant */
    NMX_CAPFMT_PCAPNG = 2,  /* pcapng, any number of sections */
    NMX_CAPFMT_NETMON1 = 3, /* Network Monitor 1.x */
    NMX_CAPFMT_NETMON2 = 4, /* Network Monitor 2.0 - 2.3 */
} nmx_cap_format_t;

/* ---- the frame index --------------------------------------------------- */

/* nmx_frame_rec_t.flags */
enum {
    NMX_FRAME_NO_TS = 0x1,       /* the record carries no time (pcapng SPB); ts_ns is 0 */
    NMX_FRAME_HAS_COMMENT = 0x2, /* nmx__cap_frame_comment() has text for it */
    NMX_FRAME_TS_FIXED = 0x4,    /* sub-second field was out of range and carried into the seconds */
    NMX_FRAME_TS_CLAMPED = 0x8,  /* time was outside the int64 ns range and was clamped */
};

/* One indexed frame, 32 bytes. */
typedef struct nmx_frame_rec {
    uint64_t data_off; /* offset of the frame bytes in the capture image */
    uint32_t caplen;   /* stored length: bytes at data_off */
    uint32_t wirelen;  /* on-the-wire length */
    int64_t ts_ns;     /* absolute UTC time, nanoseconds since 1970-01-01 */
    uint32_t linktype; /* common/linktype.h: pcap LINKTYPE_ value or NMX_LINK_NETMON_* */
    uint16_t iface;    /* interface number over the whole capture (pcapng), else 0 */
    uint16_t flags;    /* NMX_FRAME_* */
} nmx_frame_rec_t;

/* One interface: one per pcapng IDB (all sections, in file order), one for other formats. */
typedef struct nmx__cap_iface {
    uint32_t linktype;   /* LINKTYPE_ value (NetMon: the header's MAC type, mapped) */
    uint32_t snaplen;    /* 0 = not stated */
    uint32_t section;    /* pcapng section (0-based) */
    uint8_t time_digits; /* decimal digits of its time resolution, 0-9 */
    const char *name;    /* if_name / if_description, or NULL */
} nmx_cap_iface_t;

/* Where reading stopped. */
typedef struct nmx__cap_damage {
    uint64_t offset;       /* byte offset in the image */
    uint32_t frames;       /* frames indexed before the damage (all usable) */
    unsigned code;         /* NMERR_* (NMERR_INVALID_FILE_FORMAT mostly) */
    const char *reason;    /* "truncated record: ..." */
    const char *message;   /* "FILE: offset N: reason" */
} nmx_cap_damage_t;

/* SYSTEMTIME layout: eight little WORDs, as netmon.h's SYSTEMTIME. */
typedef struct nmx_systemtime {
    uint16_t year;
    uint16_t month; /* 1-12 */
    uint16_t day_of_week; /* 0 = Sunday */
    uint16_t day;
    uint16_t hour;
    uint16_t minute;
    uint16_t second;
    uint16_t milliseconds;
} nmx_systemtime_t;

/* ---- opening and closing ----------------------------------------------- */

/*
 * Opens the capture file at `path` (a regular file: anything else is refused
 * before it is read, without blocking): maps it read-only (or reads it, up to
 * NMX_CAP_MAX_UNMAPPED_BYTES, when it cannot be mapped), recognises the format
 * by magic number and indexes every frame.  Returns 0 and sets *out, or an
 * NMERR code with `err` filled ("PATH: offset N: reason").  A damaged file
 * whose header is good returns 0: see nmx__cap_damage().
 */
unsigned nmx__cap_open_file(const char *path, nmx_cap_t **out, nmx_error_t *err);

/*
 * The same over bytes in memory (fuzzers, tests).  The capture borrows `data`:
 * it must stay valid and unchanged until nmx__cap_close().  `name` is used in
 * messages (NULL: "<memory>").
 */
unsigned nmx__cap_open_mem(const void *data, size_t len, const char *name, nmx_cap_t **out,
                           nmx_error_t *err);

/*
 * The same over an open regular file (a memory file holding a decompressed
 * capture, say): the capture takes `fd` over, also on failure.  `name` is
 * what messages and nmx__cap_path() call it.
 */
unsigned nmx__cap_open_fd(int fd, const char *name, nmx_cap_t **out, nmx_error_t *err);

/* ---- inputs as users give them (input.c, merge.c) ------------------------ */

/* Bytes spooled from standard input or decompressed, at most, per input
 * (NMEXPERT_DECOMPRESS_LIMIT overrides it; nmx__cap_input_limit() tells). */
#define NMX_CAP_INPUT_LIMIT (4ull * 1024 * 1024 * 1024)
uint64_t nmx__cap_input_limit(void);

/*
 * Opens a capture as a user names it: "-" is standard input (read to its
 * end first, then named "(standard input)"); a file or standard input
 * compressed with gzip, zstd or lz4 (recognised by content, not by name) is
 * decompressed first.  Anything else is nmx__cap_open_file().
 */
unsigned nmx__cap_open_input(const char *name, nmx_cap_t **out, nmx_error_t *err);

/* Most files one merged capture is made of. */
#define NMX_CAP_MAX_FILES 4096u

/*
 * Opens several inputs (each as nmx__cap_open_input) as one capture whose
 * frames are theirs in time order, as mergecap merges: the earliest frame
 * at the head of any file comes next, ties go to the file named first, and
 * each file's own order is kept.  Frame numbers run across the files.  One
 * name is nmx__cap_open_input itself.  A file that fails to open fails the
 * whole (err names it); a damaged file's usable frames are kept and the
 * merged capture reports the first damage.  nmx__cap_path() is the first
 * file's name; nmx__cap_file_count() and nmx__cap_file() tell the rest.
 */
unsigned nmx__cap_open_inputs(const char *const *names, size_t n, nmx_cap_t **out, nmx_error_t *err);

/*
 * Reporting while inputs are indexed (nmx_capture_open_files_progress):
 * nmx__cap_progress_begin arms it for the calling thread (fn NULL: off),
 * nmx__cap_progress_input says which input comes next and how many frames
 * and bytes the ones before it had.
 */
void nmx__cap_progress_begin(nmx_open_progress_fn fn, void *ctx, double every_s);
void nmx__cap_progress_input(size_t file, size_t files, uint64_t frames_before, uint64_t bytes_before);

/* Files the capture was made of: 1 unless it was merged. */
uint32_t nmx__cap_file_count(const nmx_cap_t *cap);
/* File k of a merged capture as it was opened (k < nmx__cap_file_count), else the capture itself. */
const nmx_cap_t *nmx__cap_file(const nmx_cap_t *cap, uint32_t k);
/* The file frame i came from, and (if local != NULL) its 0-based number in that file. */
uint32_t nmx__cap_frame_file(const nmx_cap_t *cap, uint32_t i, uint32_t *local);

/* Releases the index, the mapping and every string; NULL is ignored. */
void nmx__cap_close(nmx_cap_t *cap);

/* ---- frames (O(1), no allocation, no locking) --------------------------- */

/* Number of indexed (usable) frames. */
uint32_t nmx__cap_count(const nmx_cap_t *cap);

/* The index entry of frame i (zero-based); NULL if i >= count. */
const nmx_frame_rec_t *nmx__cap_frame(const nmx_cap_t *cap, uint32_t i);

/* The frame's bytes, caplen long, inside the image; NULL if i >= count. */
const uint8_t *nmx__cap_data(const nmx_cap_t *cap, uint32_t i);

/*
 * Copies frame i's caplen bytes into buf without touching the mapping (with
 * pread() from the file): a file truncated since it was indexed then reads
 * short, and this returns false, where reading nmx__cap_data() would raise
 * SIGBUS.  For the host, which must survive a file changed under it; the
 * experts, in their own processes, read frames in place.  False also for
 * i >= count.
 */
bool nmx__cap_copy_frame(const nmx_cap_t *cap, uint32_t i, void *buf);

/* The whole index (count entries) and the image, for tight loops. */
const nmx_frame_rec_t *nmx__cap_frames(const nmx_cap_t *cap);
const uint8_t *nmx__cap_image(const nmx_cap_t *cap, size_t *len);

/*
 * Resident memory.  A mapped capture is read from the page cache on demand;
 * nmx__cap_release() drops the pages of image bytes [from, to) from this
 * process's resident set (MADV_DONTNEED; they read back from the file when
 * touched again, so every pointer stays valid).  Indexing reads the file
 * with pread() and touches no page of the mapping; the runtime's expert
 * processes keep NMX_CAP_RESIDENT_WINDOW bytes resident and release what
 * they have walked past.  No effect on captures read into memory.
 */
#define NMX_CAP_RESIDENT_WINDOW (8u * 1024 * 1024)
void nmx__cap_release(const nmx_cap_t *cap, uint64_t from, uint64_t to);
/* Maps image bytes [from, to) in with one call (MADV_POPULATE_READ), ahead
 * of a forward walk; no effect where the kernel cannot. */
void nmx__cap_prefetch(const nmx_cap_t *cap, uint64_t from, uint64_t to);

/*
 * The frame index of a large capture is a read-only mapping of a sealed
 * memory file (index_store.c), shared with the expert processes rather than
 * copied into each.  nmx__cap_release_index() drops the index entries of
 * frames [from, to) from this process's resident set (they read back when
 * touched); no effect on an index on the heap.
 */
void nmx__cap_release_index(const nmx_cap_t *cap, uint32_t from, uint32_t to);

/* Text attached to frame i (pcapng opt_comment, NetMon 2.2+ comment title), or NULL. */
const char *nmx__cap_frame_comment(const nmx_cap_t *cap, uint32_t i);

/* Whether frame record rec (of cap) carries a NetMon 2.2+ comment: tshark
 * shows a netmon_header in front of such a frame's link layer. */
bool nmx__cap_netmon_comment(const nmx_cap_t *cap, const nmx_frame_rec_t *rec);

/* NetMon 2.2+ comment description of frame i (raw bytes, usually RTF), or NULL. */
const char *nmx__cap_frame_comment_detail(const nmx_cap_t *cap, uint32_t i);

/* ---- the capture as a whole --------------------------------------------- */

nmx_cap_format_t nmx__cap_format(const nmx_cap_t *cap);
const char *nmx__cap_format_name(const nmx_cap_t *cap);   /* "pcap", "pcapng", "netmon1", "netmon2" */
const char *nmx__cap_format_detail(const nmx_cap_t *cap); /* "pcap, little-endian, microseconds" */
const char *nmx__cap_path(const nmx_cap_t *cap);          /* as given to open */

/* Decimal digits of the time resolution (3 NetMon 1, 6 pcap, 7 NetMon 2.3, 9 ns pcap ...). */
unsigned nmx__cap_time_digits(const nmx_cap_t *cap);

/* Time of frame 0 (0 if no frames). */
int64_t nmx__cap_first_frame_ns(const nmx_cap_t *cap);
/* The origin of FRAME.TimeStamp: the start time of a NetMon 1.x-2.2 header
 * (the records hold offsets from it, spec 7.3; GetCaptureTimeStamp returns
 * it), else the time of frame 0. */
int64_t nmx__cap_time_origin_ns(const nmx_cap_t *cap);

/*
 * Microseconds from `from_ns` to `to_ns` (truncated toward zero).  Any two
 * times are up to 2^64 ns apart, more than an int64 holds, but never more
 * than an int64 of microseconds: computed without overflow.
 */
int64_t nmx__cap_us_between(int64_t from_ns, int64_t to_ns);

/*
 * The capture's MAC_TYPE_* for GetCaptureMacType: the NetMon header's value
 * for NetMon files, else the MAC type of the first frame's link type (of the
 * first interface when there are no frames).
 */
uint32_t nmx__cap_mactype(const nmx_cap_t *cap);

/*
 * The capture start time for GetCaptureTimeStamp: the NetMon header's
 * SYSTEMTIME as stored (local time of the capturing machine), else the UTC
 * time of frame 0 (all zero with no frames).  Points into the capture.
 */
const nmx_systemtime_t *nmx__cap_systemtime(const nmx_cap_t *cap);

/*
 * The capture comment for GetCaptureComment: the NetMon 2.0/2.1 comment block,
 * or the pcapng section comments joined by newlines; NULL if none.
 */
const char *nmx__cap_comment(const nmx_cap_t *cap);

/*
 * For GetCaptureCommentFromFilename: opens `path`, copies its capture comment
 * into buf (always NUL-terminated; empty when there is none, or when buf is
 * too small: then NMERR_BUFFER_TOO_SMALL).  Returns 0 or an NMERR code.
 */
unsigned nmx__cap_read_comment(const char *path, char *buf, size_t size, nmx_error_t *err);

/* Interfaces (at least one whenever the header was readable). */
uint32_t nmx__cap_iface_count(const nmx_cap_t *cap);
const nmx_cap_iface_t *nmx__cap_iface(const nmx_cap_t *cap, uint32_t k);

/* NULL if the whole file was read, else where and why reading stopped. */
const nmx_cap_damage_t *nmx__cap_damage(const nmx_cap_t *cap);

/* Non-fatal oddities (normalised timestamps, dropped comments ...). */
uint32_t nmx__cap_warning_count(const nmx_cap_t *cap); /* all, even those not kept */
uint32_t nmx__cap_warnings_kept(const nmx_cap_t *cap);
const char *nmx__cap_warning(const nmx_cap_t *cap, uint32_t k);

/* Fills the host.h summary (also nmx_capture_get_info). */
void nmx__cap_get_info(const nmx_cap_t *cap, nmx_capture_info_t *info);

/* ---- link types ---------------------------------------------------------- */

/* Wireshark-style short name ("ether", "linux-sll", "netmon_event"), or NULL if unknown. */
const char *nmx__linktype_name(uint32_t linktype);
/* Human description ("Ethernet", "Linux cooked-mode capture v1"), or NULL if unknown. */
const char *nmx__linktype_description(uint32_t linktype);
/* Always a name: the short name, or "linktype-N" / "netmon-media-0xNNNN". */
void nmx__linktype_format_name(uint32_t linktype, char *buf, size_t size);
/* Always a description: the known one, or "link type N" / "NetMon media type 0xNNNN". */
void nmx__linktype_format_description(uint32_t linktype, char *buf, size_t size);

/* ---- the writer ------------------------------------------------------------ */

typedef struct nmx_capwriter nmx_capwriter_t;

typedef enum nmx_capwriter_format {
    NMX_CAPW_PCAP = 1,    /* pcap, little-endian, microsecond stamps (magic a1b2c3d4) */
    NMX_CAPW_PCAP_NS = 2, /* pcap, little-endian, nanosecond stamps (magic a1b23c4d) */
    NMX_CAPW_NETMON2 = 3, /* NetMon 2.0, or 2.1 when the link type needs a per-frame media type */
} nmx_capwriter_format_t;

/* Link type for nmx__capwriter_open(NETMON2): each frame gives its own (NetMon 2.1). */
#define NMX_LINK_PER_FRAME UINT32_MAX

/*
 * Starts writing `path`, frames of one link type.  The frames go to a
 * temporary file beside it, renamed over `path` by close (outfile.h): a
 * target that is not a regular file, or a capture this process is reading,
 * is refused here.  pcap takes
 * any LINKTYPE_ value; NetMon 2.x takes those with a NetMon media type
 * (Ethernet, Token Ring, FDDI, raw IP, the NetMon kinds) or a pcap link type
 * up to 0xFFF (stored as 0xE000 | type), or NMX_LINK_PER_FRAME.
 */
unsigned nmx__capwriter_open(const char *path, int format, uint32_t linktype,
                             nmx_capwriter_t **out, nmx_error_t *err);

/* Appends a frame of the writer's link type.  Errors stick and are also returned by close. */
unsigned nmx__capwriter_write(nmx_capwriter_t *w, int64_t ts_ns, const uint8_t *data,
                              uint32_t caplen, uint32_t wirelen);

/* Appends a frame of its own link type (the writer's, or any in NMX_LINK_PER_FRAME mode). */
unsigned nmx__capwriter_write_frame(nmx_capwriter_t *w, const nmx_frame_rec_t *rec,
                                    const uint8_t *data);

/* Finishes the file (NetMon: frame table and header), renames it into place
 * and frees the writer.  After an error nothing replaces `path`. */
unsigned nmx__capwriter_close(nmx_capwriter_t *w, nmx_error_t *err);

/* Abandons the file (`path` is untouched) and frees the writer. */
void nmx__capwriter_discard(nmx_capwriter_t *w);

#endif /* NMX_CAPTURE_CAPTURE_H */
