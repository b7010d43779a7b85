/*
 * tshark_util.h - helpers shared by the tshark comparison tests: finding the
 * shared captures, running tshark once per capture (cached under the build
 * tree), and reading its tab-separated output.
 */
#ifndef NMX_TESTS_TSHARK_UTIL_H
#define NMX_TESTS_TSHARK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "proto/proto.h"

/* Every value of field f in d, joined by ',' as tshark prints it with
 * -T fields -E occurrence=a (error markers left out); cut at outlen. */
void tsu_render_all(const nmx_dissection_t *d, const nmx_field_t *f, char *out, size_t outlen);

/* What a walk over a capture in frame order keeps, as the session does:
 * the stream numbering and the conversations earlier frames announced. */
typedef struct tsu_walk {
    nmx_streams_t *conv;
    nmx_learned_t *learned;
} tsu_walk_t;
bool tsu_walk_init(tsu_walk_t *w); /* false out of memory */
void tsu_walk_free(tsu_walk_t *w);

/*
 * Frame i of cap dissected with its context as the runtime gives it
 * (session.c): number, times, pcapng comment, the stream numbers and the
 * learned conversations of walk w (frames must come in order, each once).
 * NULL on failure.
 */
nmx_dissection_t *tsu_dissect_frame(nmx_proto_ws_t *ws, tsu_walk_t *w, const nmx_cap_t *cap, uint32_t i);
/* tsu_dissect_frame also checks that the partial dissections the property
 * helpers make hold the same instances as the full one: frames and
 * protocols that differ are counted here (and printed). */
extern size_t tsu_partial_differences;

/* The shared captures directory, or NULL (with a reason printed) if absent. */
const char *tsu_captures_dir(void);

/* Whether tshark can be run. */
bool tsu_have_tshark(void);

/* Relative paths of the readable captures (real, netmon, pcapng, linktypes,
 * edge), sorted; *n receives the count.  Free with tsu_free_list. */
char **tsu_list_captures(const char *dir, size_t *n);
void tsu_free_list(char **list, size_t n);

/*
 * Runs `tshark -n -r DIR/REL <args>` (stderr discarded) unless a cached
 * result for the same capture (path, size, mtime) and arguments exists in
 * $NMX_TSHARK_CACHE (ctest sets it; default $XDG_CACHE_HOME/nmexpert-tests
 * or ~/.cache/nmexpert-tests, shared by all build trees), and returns the
 * output as lines (without line ends).  NULL on failure.
 */
char **tsu_run(const char *dir, const char *rel, const char *args, size_t *nlines);

/* Runs `tshark -n -r PATH <args>` (stderr discarded, no cache: for
 * captures a test has just built) and returns its output as lines. */
char **tsu_run_path(const char *path, const char *args, size_t *nlines);

/*
 * Compares a capture a test has built (nframes frames) with tshark run
 * with the reference options (NMX_TSHARK_REF_OPTS, from
 * tests/tshark-reference.opts: no reassembly of IP fragments, TCP
 * segments, SMB transactions or pipe messages, as the parser layer works,
 * and as the shared captures are compared): every property of the protocols named
 * in protos (and frame.protocols first, if asked), frame by frame, unless
 * skip(frame, key) says to leave one out, and io,phs frames per protocol
 * against our recognize tables.  Prints each difference and returns their
 * number ((size_t)-1 when the comparison could not run); theirs[] (one
 * slot per protocol id, zeroed by the caller) gets io,phs's counts and
 * *nfields the number of fields compared.
 */
size_t tsu_compare_built(const char *path, uint32_t nframes, const char *const *protos, size_t nprotos,
                         bool with_frame_protocols, bool (*skip)(uint32_t frame, const char *key),
                         unsigned *theirs, size_t *nfields);

/* An io,phs frame count a built capture must have for a protocol. */
typedef struct tsu_count {
    const char *name;
    unsigned frames;
} tsu_count_t;

/*
 * Writes the n Ethernet frames of frame() to a pcap in a fresh temporary
 * directory (removed by tsu_tmp_remove), compares them with tshark
 * (tsu_compare_built over protos) and checks that io,phs counts each
 * protocol of expect[] exactly as often as it says, so that a protocol
 * neither side recognises cannot pass unnoticed.  Prints each mismatch and
 * a summary naming the set (`label`); returns the number of differences of
 * both kinds, or (size_t)-1 when the comparison could not run.
 */
size_t tsu_check_built(const char *label, size_t n, size_t (*frame)(size_t i, uint8_t *buf, size_t cap),
                       const char *const *protos, size_t nprotos, const tsu_count_t *expect, size_t nexpect);
/* tsu_check_built over n Ethernet frames given as hex strings (fr_hex's
 * format: spaces allowed); in tshark_hex.c, for the tests that link
 * tests/unit/proto/frames.c. */
size_t tsu_check_hex(const char *label, const char *const *hex, size_t n, const char *const *protos, size_t nprotos,
                     const tsu_count_t *expect, size_t nexpect);
/* Set by a test to leave out the values it documents as differing
 * (tsu_compare_built's skip); NULL compares everything. */
extern bool (*tsu_skip)(uint32_t frame, const char *key);
/* The same for frames of pcap link type `linktype`. */
size_t tsu_check_built_lt(const char *label, uint32_t linktype, size_t n,
                          size_t (*frame)(size_t i, uint8_t *buf, size_t cap), const char *const *protos,
                          size_t nprotos, const tsu_count_t *expect, size_t nexpect);

/* Writes n Ethernet frames as a classic pcap (frame i at i seconds), frame(i,
 * buf, cap) giving the bytes of frame i; false on a write error. */
bool tsu_write_pcap(const char *path, size_t n, size_t (*frame)(size_t i, uint8_t *buf, size_t cap));
/* The same for frames of pcap link type `linktype`. */
bool tsu_write_pcap_lt(const char *path, uint32_t linktype, size_t n,
                       size_t (*frame)(size_t i, uint8_t *buf, size_t cap));

/* A file NAME in a fresh directory under $TMPDIR (NULL on failure), and the
 * cmocka teardown that removes both, even after a failed assertion. */
const char *tsu_tmp_file(const char *name);
int tsu_tmp_remove(void **state);

/* Splits a line on tabs in place; returns the number of fields (<= max). */
size_t tsu_split(char *line, char **fields, size_t max);

#endif
