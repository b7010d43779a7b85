/*
 * error.h - error detail carried next to an NMERR code.
 *
 * Functions of the core return an NMERR code (netmon.h, section 5) and, when
 * the caller passes an nmx_error_t, fill in a human-readable message with the
 * file name and byte offset where they are known (libpcap errbuf style).
 */
#ifndef NMX_COMMON_ERROR_H
#define NMX_COMMON_ERROR_H

#include <stdarg.h>
#include <stdint.h>

#define NMX_ERROR_MSG_MAX 512
#define NMX_OFFSET_UNKNOWN UINT64_MAX

typedef struct nmx_error {
    unsigned code;               /* NMERR_* code, 0 = no error */
    uint64_t offset;             /* byte offset in the input, or NMX_OFFSET_UNKNOWN */
    char msg[NMX_ERROR_MSG_MAX]; /* full message, e.g. "x.pcap: offset 24: truncated record" */
} nmx_error_t;

/* Clears an error record (code 0, empty message). */
void nmx__error_clear(nmx_error_t *err);

/*
 * Records an error and returns `code`, so callers can write
 * `return nmx__error_set(err, NMERR_X, path, off, "reason %d", n);`.
 * `path` may be NULL; `offset` may be NMX_OFFSET_UNKNOWN.  err may be NULL.
 */
unsigned nmx__error_set(nmx_error_t *err, unsigned code, const char *path, uint64_t offset,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));
unsigned nmx__error_vset(nmx_error_t *err, unsigned code, const char *path, uint64_t offset,
                         const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

/* The symbolic name of an NMERR code ("NMERR_OUT_OF_MEMORY"), or "NMERR_<n>". */
const char *nmx__nmerr_name(unsigned code);

/* A short English description of an NMERR code. */
const char *nmx__nmerr_text(unsigned code);

#endif /* NMX_COMMON_ERROR_H */
