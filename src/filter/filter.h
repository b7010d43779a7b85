/*
 * filter.h - the filter layer's internal API: NetMon display filters
 * (HFILTER, postfix FILTEROBJECT programs, spec 4.9 and 6.1), their
 * evaluator over a dissected frame, and the compiler of the text display
 * filter syntax used by `nmexpert run -Y` (a Wireshark-like subset, see
 * docs/filters.md) into the same programs.
 *
 * Every filter, created with CreateFilter or compiled from text, has an
 * HFILTER.  An HFILTER is an encoded slot number and generation in a handle
 * table, never a pointer: NULL, stale (destroyed) and made-up handles are
 * recognised as invalid without being dereferenced.
 *
 * The exported NetMon functions that take no frame (CreateFilter,
 * DestroyFilter, FilterDuplicate, FilterAddObject, FilterFlushBits,
 * FilterAttachesProperties, SetCurrentFilter, GetCurrentFilter,
 * Enable/DisableParserFilter) are in filter.c.  FilterFrame and the search
 * functions belong to the runtime, which evaluates with nmx__filter_eval().
 *
 * Thread safety: handle operations are serialised internally; evaluating a
 * filter is read-only and may run in several threads, but a filter must not
 * be changed or destroyed while it is being evaluated.
 */
#ifndef NMX_FILTER_FILTER_H
#define NMX_FILTER_FILTER_H

#include <netmon.h>
#include <stdbool.h>
#include <stddef.h>

#include "proto/proto.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nmx_filter nmx_filter_t;

/*
 * Most objects in one filter program.  FilterAddObject refuses more (with
 * NMERR_OUT_OF_MEMORY), and a text that would compile to more is an error;
 * the evaluator's stack is as long as the program.
 */
#define NMX_FILTER_MAX_OBJECTS 262144u

/* Deepest nesting of "(" and "not" in a text display filter. */
#define NMX_DFILTER_MAX_DEPTH 256u

/* The filter behind a handle, or NULL when h is not a live filter handle. */
const nmx_filter_t *nmx__filter_from_handle(HFILTER h);

/* The handle of a filter (valid until it is destroyed). */
HFILTER nmx__filter_handle(const nmx_filter_t *f);

/*
 * Evaluates filter f on one frame.  `d` is the frame's dissection; when
 * nmx__filter_needs_props(f) is false, d->props may be NULL (the recognize
 * table, the address locations and the frame bytes are enough).
 * Returns FILTER_PASSED (1), FILTER_FAILED (0) or FILTER_FAIL_WITH_ERROR
 * (-1); on error *nmerr (if not NULL) receives NMERR_INVALID_HFILTER for a
 * NULL f or NMERR_FILTER_INVALID_EXPRESSION (57) for a malformed program.
 * An empty filter passes every frame.  A property operand matches when any
 * of its instances does.
 */
int nmx__filter_eval(const nmx_filter_t *f, const nmx_dissection_t *d, DWORD *nmerr);

/* Whether evaluating f needs attached properties (FilterAttachesProperties). */
bool nmx__filter_needs_props(const nmx_filter_t *f);

/* Whether f reads tcp.stream or udp.stream: the dissection must then be
 * given the stream numbers (nmx_frame_ctx_t, nmx__streams_next). */
bool nmx__filter_needs_streams(const nmx_filter_t *f);

/* Number of objects in f's program. */
size_t nmx__filter_size(const nmx_filter_t *f);

/*
 * Compiles a display filter text ("ip.src == 10.0.0.0/8 and tcp") into a new
 * filter.  On error returns NULL and writes "column N: what is wrong" into
 * err; *errpos (if not NULL) receives the 0-based byte offset of the
 * problem.  An empty or blank text compiles to an empty filter.
 */
nmx_filter_t *nmx__dfilter_compile_ex(const char *text, char *err, size_t errlen, size_t *errpos);
nmx_filter_t *nmx__dfilter_compile(const char *text, char *err, size_t errlen);

/* Destroys a filter and invalidates its handle (as DestroyFilter). */
void nmx__filter_free(nmx_filter_t *f);

#ifdef __cplusplus
}
#endif

#endif /* NMX_FILTER_FILTER_H */
