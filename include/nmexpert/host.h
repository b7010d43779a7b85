/*
 * nmexpert/host.h - the embedding API of the nmexpert host (prefix nmx_).
 *
 * This header is for programs that host experts: the nmexpert command, the
 * tests and third-party front ends.  Experts never include it; they see only
 * <netmon.h>.  All handles are opaque.  Functions return 0 or an NMERR code
 * and keep a formatted detail message on the handle (nmx_*_error()).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef NMEXPERT_HOST_H
#define NMEXPERT_HOST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define NMX_EXPORT __attribute__((visibility("default")))
#else
#define NMX_EXPORT
#endif

#define NMX_VERSION_MAJOR 0
#define NMX_VERSION_MINOR 1
#define NMX_VERSION_PATCH 0
#define NMX_VERSION_STRING "0.1.0"

/* The library's version string, e.g. "0.1.0". */
NMX_EXPORT const char *nmx_version(void);

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
} nmx_capture_info_t;

/*
 * Opens a pcap, pcapng or NetMon 1.x/2.x capture, recognised by its magic
 * number, and indexes every frame.  On failure returns NULL and writes a
 * message naming the file, the byte offset and the reason into errbuf.  A
 * capture damaged after some good frames opens successfully: its info says
 * where the damage is, and the frames before it are usable.
 */
NMX_EXPORT nmx_capture_t *nmx_capture_open(const char *path, char *errbuf, size_t errlen);
NMX_EXPORT void nmx_capture_close(nmx_capture_t *cap);
NMX_EXPORT uint32_t nmx_capture_frame_count(const nmx_capture_t *cap);
NMX_EXPORT void nmx_capture_get_info(const nmx_capture_t *cap, nmx_capture_info_t *info);

#ifdef __cplusplus
}
#endif

#endif /* NMEXPERT_HOST_H */
