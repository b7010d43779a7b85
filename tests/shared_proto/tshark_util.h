/*
 * tshark_util.h - helpers shared by the tshark comparison tests: finding the
 * shared captures, running tshark once per capture (cached under the build
 * tree), and reading its tab-separated output.
 */
#ifndef NMX_TESTS_TSHARK_UTIL_H
#define NMX_TESTS_TSHARK_UTIL_H

#include <stdbool.h>
#include <stddef.h>

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

/* Splits a line on tabs in place; returns the number of fields (<= max). */
size_t tsu_split(char *line, char **fields, size_t max);

#endif
