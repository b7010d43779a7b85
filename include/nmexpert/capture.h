/*
 * nmexpert/capture.h - captures in the embedding API: opening pcap, pcapng
 * and NetMon files (one or several merged in time order), their frame count
 * and the summary `nmexpert info` prints.  Part of nmexpert/host.h, which
 * includes it and states the error convention these functions keep; the
 * capture layer (src/capture) implements it and sees no more of the API.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef NMEXPERT_CAPTURE_H
#define NMEXPERT_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include <nmexpert/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===================================================================== */
/* Captures (src/capture)                                                 */
/* ===================================================================== */

typedef struct nmx_capture nmx_capture_t;

/* What `nmexpert info` reports; strings and arrays belong to the capture. */
typedef struct nmx_capture_info {
    const char *path;             /* as opened */
    const char *format;           /* "pcap", "pcapng", "netmon1" or "netmon2" */
    const char *format_detail;    /* e.g. "pcap, big-endian, nanosecond" or "NetMon 2.3" */
    uint32_t frames;              /* frames readable (before any damage) */
    uint64_t captured_bytes;      /* sum of stored lengths */
    uint64_t wire_bytes;          /* sum of on-the-wire lengths */
    int64_t first_ns;             /* absolute UTC time of the earliest frame, ns; 0 if none */
    int64_t last_ns;              /* ... of the latest frame */
    size_t n_link_types;          /* distinct link types, in order of first use */
    const char *const *link_types; /* short names: "ether", "linux-sll", "rawip", ... */
    const uint32_t *link_type_values; /* their pcap LINKTYPE_ values (NetMon-only kinds > 0xFFFF) */
    size_t n_comments;            /* capture-level and frame comments */
    const char *const *comments;
    const char *damage;           /* NULL, or "FILE: offset N: reason" where reading stopped */
    uint64_t damage_offset;       /* byte offset of the damage */
    /* Added with the capture readers (0.1.0); appended so that existing code keeps compiling. */
    const char *const *link_type_descriptions; /* parallel to link_types: "Ethernet", ... */
    const uint32_t *comment_frames; /* parallel to comments: 0 = the capture's, else frame number + 1 */
    unsigned time_digits;         /* sub-second digits the format stores: 3, 6, 7 or 9 */
    uint64_t file_size;           /* bytes in the file */
    uint32_t interfaces;          /* pcapng interfaces (all sections); 1 for other formats */
    const char *damage_reason;    /* the reason alone, without file and offset; NULL if intact */
    uint32_t n_warnings;          /* non-fatal oddities seen (e.g. normalised timestamps) */
    size_t n_warning_texts;       /* how many of them are kept as text */
    const char *const *warnings;
    /* Added with several captures in one run (0.2.0). */
    uint32_t n_files;               /* files merged into this capture: 1 unless several were named */
    const char *const *files;       /* their names, in the order given (files[0] == path) */
    const uint32_t *file_frames;    /* frames each file holds */
    const char *compression;        /* "gzip", "zstd" or "lz4" if the file was decompressed, else NULL */
    int64_t frame1_ns;              /* time of frame 1, the origin of relative times (0 if none) */
} nmx_capture_info_t;

/*
 * Opens a pcap, pcapng or NetMon 1.x/2.x capture, recognised by its magic
 * number, and indexes every frame.  "-" reads standard input to its end; a
 * capture compressed with gzip, zstd or lz4 (recognised by content) is
 * decompressed into memory first (NMEXPERT_DECOMPRESS_LIMIT, default 4G,
 * caps the bytes).  On failure returns NULL and writes a
 * message naming the file, the byte offset and the reason into errbuf.  A
 * capture damaged after some good frames opens successfully: its info says
 * where the damage is, and the frames before it are usable.
 */
NMX_EXPORT nmx_capture_t *nmx_capture_open(const char *path, char *errbuf, size_t errlen);

/*
 * Opens several captures as one, their frames merged in time order as
 * mergecap merges them (ties go to the file named first; each file's own
 * order is kept).  Frame numbers run across the files; the info's files
 * and file_frames name them, and nmx_capture_frame_file() tells which file
 * a frame came from.  Each path is read as nmx_capture_open reads it ("-"
 * is standard input, at most once; gzip, zstd and lz4 are decompressed).
 * On failure returns NULL with a message naming the file in errbuf.
 */
NMX_EXPORT nmx_capture_t *nmx_capture_open_files(const char *const *paths, size_t n, char *errbuf,
                                                 size_t errlen);

/* Where opening stands (nmx_capture_open_files_progress). */
typedef struct nmx_open_progress {
    size_t file;        /* the input being indexed, 0-based */
    size_t files;       /* inputs in all */
    double fraction;    /* of the whole job, 0 to 1 (each input counts equally) */
    uint64_t frames;    /* frames indexed so far, every input */
    uint64_t bytes;     /* bytes of the inputs indexed so far */
    double elapsed_s;   /* since the open began */
} nmx_open_progress_t;
typedef void (*nmx_open_progress_fn)(void *ctx, const nmx_open_progress_t *p);

/*
 * nmx_capture_open_files, reporting while frames are indexed: fn(ctx, p) is
 * called on the calling thread every_s seconds after the open began, then
 * every every_s seconds until the index is built (never, on a capture
 * indexed sooner).  Indexing a large capture takes seconds (about 0.5 s per
 * GB from the page cache), and this is how a caller shows it.
 */
NMX_EXPORT nmx_capture_t *nmx_capture_open_files_progress(const char *const *paths, size_t n,
                                                          nmx_open_progress_fn fn, void *ctx,
                                                          double every_s, char *errbuf, size_t errlen);

/* The file (index into info.files) that frame i (0-based) came from; its
 * 0-based number in that file in *local when local is not NULL.  Cannot
 * fail (a frame past the end, or a single capture: file 0, *local = i). */
NMX_EXPORT uint32_t nmx_capture_frame_file(const nmx_capture_t *cap, uint32_t i, uint32_t *local);
/* Closing (NULL is ignored), the frame count and the info cannot fail. */
NMX_EXPORT void nmx_capture_close(nmx_capture_t *cap);
NMX_EXPORT uint32_t nmx_capture_frame_count(const nmx_capture_t *cap);
NMX_EXPORT void nmx_capture_get_info(const nmx_capture_t *cap, nmx_capture_info_t *info);

#ifdef __cplusplus
}
#endif

#endif /* NMEXPERT_CAPTURE_H */
