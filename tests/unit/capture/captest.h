/*
 * captest.h - helpers shared by the capture unit tests: opening built images,
 * checking damage messages, finding external tools (tshark, capinfos) and
 * running them.
 */
#ifndef NMX_TESTS_CAPTEST_H
#define NMX_TESTS_CAPTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "capbuild.h"
#include "capture/capture.h"

/* Opens a built image; fails the test on error. */
static inline nmx_cap_t *open_ok(const buf_t *b, const char *name)
{
    nmx_cap_t *cap = NULL;
    nmx_error_t err;
    unsigned rc = nmx__cap_open_mem(b->p, b->n, name, &cap, &err);
    if (rc != 0)
        print_error("unexpected open failure: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_non_null(cap);
    return cap;
}

/* Expects open to fail with `code` at `offset`, the message naming the file and containing `why`. */
static inline void open_fails(const buf_t *b, const char *name, unsigned code, uint64_t offset,
                              const char *why)
{
    nmx_cap_t *cap = NULL;
    nmx_error_t err;
    unsigned rc = nmx__cap_open_mem(b->p, b->n, name, &cap, &err);
    if (rc == 0)
        nmx__cap_close(cap);
    assert_int_equal(rc, code);
    assert_null(cap);
    char want[64];
    snprintf(want, sizeof want, "offset %llu: ", (unsigned long long)offset);
    if (strstr(err.msg, name) == NULL || strstr(err.msg, want) == NULL || strstr(err.msg, why) == NULL)
        print_error("message '%s' lacks '%s', '%s' or '%s'\n", err.msg, name, want, why);
    assert_non_null(strstr(err.msg, name));
    assert_non_null(strstr(err.msg, want));
    assert_non_null(strstr(err.msg, why));
    assert_int_equal(err.offset, offset);
}

/* Expects a damaged capture: `frames` good frames, damage at `offset` whose reason contains `why`. */
static inline void expect_damage(const nmx_cap_t *cap, uint32_t frames, uint64_t offset,
                                 const char *why)
{
    const nmx_cap_damage_t *d = nmx__cap_damage(cap);
    assert_non_null(d);
    if (d->offset != offset || strstr(d->reason, why) == NULL || nmx__cap_count(cap) != frames)
        print_error("damage '%s' (%u frames), wanted offset %llu, %u frames, '%s'\n", d->message,
                    nmx__cap_count(cap), (unsigned long long)offset, frames, why);
    assert_int_equal(nmx__cap_count(cap), frames);
    assert_int_equal(d->frames, frames);
    assert_int_equal(d->offset, offset);
    assert_non_null(strstr(d->reason, why));
    assert_non_null(strstr(d->message, nmx__cap_path(cap)));
    char want[64];
    snprintf(want, sizeof want, "offset %llu: ", (unsigned long long)offset);
    assert_non_null(strstr(d->message, want));
}

/* Checks one frame's index entry and that its bytes are payload(f). */
static inline void check_frame(const nmx_cap_t *cap, uint32_t i, uint32_t caplen, uint32_t wirelen,
                               int64_t ts_ns, unsigned f)
{
    const nmx_frame_rec_t *r = nmx__cap_frame(cap, i);
    assert_non_null(r);
    assert_int_equal(r->caplen, caplen);
    assert_int_equal(r->wirelen, wirelen);
    if (r->ts_ns != ts_ns)
        print_error("frame %u: time %lld, wanted %lld\n", i, (long long)r->ts_ns, (long long)ts_ns);
    assert_true(r->ts_ns == ts_ns);
    const uint8_t *d = nmx__cap_data(cap, i);
    assert_non_null(d);
    uint8_t *want = malloc(caplen + 1);
    assert_non_null(want);
    payload(want, caplen, f);
    assert_memory_equal(d, want, caplen);
    free(want);
}

#define NS(sec, frac_ns) ((int64_t)(sec) * 1000000000LL + (int64_t)(frac_ns))

/* True when `tool` runs (e.g. "tshark -v"); tests that need it skip visibly otherwise. */
static inline bool have_tool(const char *tool)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "%s -v >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

/* Runs a shell command and returns its standard output (malloc'd), or NULL. */
static inline char *run_output(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *out = malloc(cap);
    for (;;) {
        if (out == NULL)
            break;
        if (n + 1024 > cap) {
            char *q = realloc(out, cap *= 2);
            if (q == NULL) {
                free(out);
                out = NULL;
                break;
            }
            out = q;
        }
        size_t k = fread(out + n, 1, cap - n - 1, p);
        if (k == 0)
            break;
        n += k;
    }
    int st = pclose(p);
    if (out != NULL)
        out[n] = '\0';
    if (st != 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* A per-test scratch directory under $TMPDIR; returns a path inside it. */
static inline const char *scratch(const char *name)
{
    static char dir[256];
    static char path[512];
    if (dir[0] == '\0') {
        const char *t = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/nmx-captest-XXXXXX", t != NULL ? t : "/tmp" /* TMPDIR unset */);
        if (mkdtemp(dir) == NULL)
            return NULL;
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

/* Removes the scratch directory (call once, at the end of main). */
static inline void scratch_remove(void)
{
    const char *p = scratch("");
    if (p == NULL || strstr(p, "/nmx-captest-") == NULL)
        return;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", p);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", p);
}

#endif /* NMX_TESTS_CAPTEST_H */
