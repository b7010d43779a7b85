/*
 * test_runtime.c - the expert runtime through its embedding API (host.h):
 * loading, outcomes, isolation, time limits, termination, memory reclaim,
 * event validation and the Configure buffer rules, using the fixture
 * experts of tests/fixtures (built from fixture.c, one per behaviour).
 *
 * Every run mixes the fixture under test with the well-behaved fixture, to
 * check that the good expert's results survive whatever the bad one does.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <netmon.h>
#include <nmexpert/host.h>

#ifndef FIXTURES_DIR
#error "FIXTURES_DIR must name the directory of the fixture experts"
#endif

#ifdef NMX_SANITIZE
/* Under ASan a malloc the system refuses must return NULL, as it does
 * without it (test_mem_limit_bounds_malloc); the expert processes are forks
 * of this one and keep its options. */
__attribute__((visibility("default"), used)) const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}
#endif

#define NFRAMES 5
static char workdir[256]; /* everything the tests write; removed at the end */
static char capture_path[300];
static char config_home[300];

/* ---- a small capture: Ethernet / IPv4 (TTL 64 + i) / TCP ---------------- */

static void put16(FILE *f, uint16_t v) { fwrite(&v, 2, 1, f); }
static void put32(FILE *f, uint32_t v) { fwrite(&v, 4, 1, f); }

static void write_capture(const char *path, int nframes)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    put32(f, 0xa1b2c3d4);
    put16(f, 2);
    put16(f, 4);
    put32(f, 0);
    put32(f, 0);
    put32(f, 65535);
    put32(f, 1);
    for (int i = 0; i < nframes; i++) {
        uint8_t fr[54] = {0};
        memcpy(fr, "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00", 14);
        uint8_t *ip = fr + 14;
        ip[0] = 0x45;
        ip[3] = 40;
        ip[8] = (uint8_t)(64 + i);
        ip[9] = 6;
        memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
        uint8_t *tcp = ip + 20;
        tcp[0] = 0x30;
        tcp[1] = 0x39;
        tcp[3] = 80;
        tcp[12] = 0x50;
        tcp[13] = 0x10;
        put32(f, 1700000000 + (uint32_t)i);
        put32(f, 1000u * (uint32_t)i);
        put32(f, sizeof fr);
        put32(f, sizeof fr + 6);
        fwrite(fr, 1, sizeof fr, f);
    }
    fclose(f);
}

static int setup_all(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(workdir, sizeof workdir, "%s/nmx-rt-XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp" /* TMPDIR unset */);
    if (mkdtemp(workdir) == NULL)
        return -1;
    snprintf(capture_path, sizeof capture_path, "%s/capture.pcap", workdir);
    write_capture(capture_path, NFRAMES);
    snprintf(config_home, sizeof config_home, "%s/config", workdir);
    setenv("XDG_CONFIG_HOME", config_home, 1);
    return 0;
}

static int teardown_all(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", workdir);
    if (system(cmd) != 0)
        return -1;
    return 0;
}

/* ---- running fixtures ---------------------------------------------------- */

typedef struct ctx {
    nmx_host_t *host;
    nmx_capture_t *cap;
    nmx_run_t *run;
} ctx_t;

static void fixture_path(const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/fx_%s.so", FIXTURES_DIR, name);
}

/* Runs the named fixtures, each with its configuration text (or NULL),
 * followed by "good", with the given options. */
static ctx_t run_fixtures_cfg(const char *const *names, const char *const *configs, size_t n,
                              const nmx_run_opts_t *opts)
{
    ctx_t c = {0};
    char err[512];
    c.host = nmx_host_new(NULL, 0);
    assert_non_null(c.host);
    c.cap = nmx_capture_open(capture_path, err, sizeof err);
    assert_non_null(c.cap);
    c.run = nmx_run_new(c.host, c.cap, opts, err, sizeof err);
    assert_non_null(c.run);
    for (size_t i = 0; i < n; i++) {
        char path[512];
        fixture_path(names[i], path, sizeof path);
        const char *cfg = configs != NULL ? configs[i] : NULL;
        assert_int_equal(nmx_run_add_expert(c.run, path, cfg, cfg != NULL ? strlen(cfg) + 1 : 0, err,
                                            sizeof err),
                         0);
    }
    char good[512];
    fixture_path("good", good, sizeof good);
    assert_int_equal(nmx_run_add_expert(c.run, good, NULL, 0, err, sizeof err), 0);
    nmx_run_execute(c.run);
    return c;
}

static ctx_t run_fixtures(const char *const *names, size_t n, const nmx_run_opts_t *opts)
{
    return run_fixtures_cfg(names, NULL, n, opts);
}

static void ctx_free(ctx_t *c)
{
    nmx_run_free(c->run);
    nmx_host_free(c->host);
    nmx_capture_close(c->cap);
}

static const nmx_result_t *result(const ctx_t *c, size_t i)
{
    const nmx_result_t *r = nmx_run_result(c->run, i);
    assert_non_null(r);
    return r;
}

/* The UINT32 value of the first event with `ident`; fails when absent. */
static uint64_t event_value(const nmx_result_t *r, uint32_t ident)
{
    for (size_t i = 0; i < r->nevents; i++)
        if (r->events[i].ident == ident && r->events[i].ncolumns >= 1)
            return r->events[i].columns[0].v.u;
    fail_msg("%s: no event %u", r->module, ident);
    return 0;
}

static bool has_event(const nmx_result_t *r, uint32_t ident)
{
    for (size_t i = 0; i < r->nevents; i++)
        if (r->events[i].ident == ident)
            return true;
    return false;
}

/* The last entry of every run is the good fixture: its results are intact. */
static void assert_good_intact(const ctx_t *c)
{
    const nmx_result_t *g = result(c, nmx_run_result_count(c->run) - 1);
    assert_string_equal(g->module, "fx_good");
    assert_int_equal(g->outcome, NMX_OUTCOME_COMPLETED);
    assert_int_equal(g->status, EXPERTSTATUS_DONE);
    assert_int_equal(g->percent_done, 100);
    assert_int_equal(event_value(g, 1), NFRAMES);
    assert_int_equal(event_value(g, 2), NFRAMES * 60);
    assert_int_equal(g->memory.reclaimed_bytes, 0);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_good_alone(void **state)
{
    (void)state;
    nmx_run_opts_t o = {0};
    ctx_t c = run_fixtures(NULL, 0, &o);
    assert_int_equal(nmx_run_result_count(c.run), 1);
    assert_good_intact(&c);
    assert_string_equal(result(&c, 0)->name, "Fixture good");
    ctx_free(&c);
}

static void test_crashes(void **state)
{
    (void)state;
    const char *names[] = {"crash", "abort", "stack", "exit"};
    nmx_run_opts_t o = {0};
    ctx_t c = run_fixtures(names, 4, &o);
    for (size_t i = 0; i < 4; i++) {
        const nmx_result_t *r = result(&c, i);
        assert_int_equal(r->outcome, NMX_OUTCOME_CRASHED);
        assert_int_equal(r->status, EXPERTSTATUS_PROBLEM);
        assert_int_equal(r->substatus, NMERR_INTERNAL_EXCEPTION);
    }
    /* An event submitted before the abort reached the host. */
    assert_int_equal(event_value(result(&c, 1), 1), 1);
    assert_non_null(strstr(result(&c, 3)->message, "exit status 3"));
    assert_good_intact(&c);
    ctx_free(&c);
}

static void test_timeouts(void **state)
{
    (void)state;
    const char *names[] = {"silent", "polite"};
    nmx_run_opts_t o = {.timeout_s = 0.3, .grace_s = 0.5, .jobs = 3};
    ctx_t c = run_fixtures(names, 2, &o);
    const nmx_result_t *silent = result(&c, 0), *polite = result(&c, 1);
    assert_int_equal(silent->outcome, NMX_OUTCOME_TIMED_OUT);
    assert_int_equal(silent->status, EXPERTSTATUS_ABORTED);
    assert_int_equal(silent->substatus, EXPERTSUBSTATUS_ABORTED_USER);
    assert_int_equal(polite->outcome, NMX_OUTCOME_TERMINATED);
    assert_int_equal(polite->status, EXPERTSTATUS_ABORTED);
    /* The polite loop's block was freed during termination (Free frees). */
    assert_int_equal(polite->memory.frees, 1);
    assert_int_equal(polite->memory.reclaimed_bytes, 0);
    assert_false(has_event(polite, 9)); /* events after termination are dropped */
    assert_good_intact(&c);
    ctx_free(&c);
}

static void test_leak_and_reclaim(void **state)
{
    (void)state;
    const char *names[] = {"leak"};
    nmx_run_opts_t o = {0};
    ctx_t c = run_fixtures(names, 1, &o);
    const nmx_result_t *r = result(&c, 0);
    assert_int_equal(r->outcome, NMX_OUTCOME_COMPLETED);
    assert_int_equal(r->memory.allocations, 10);
    assert_int_equal(r->memory.frees, 0);
    assert_int_equal(r->memory.live_bytes_at_end, 10000);
    assert_int_equal(r->memory.reclaimed_bytes, 10000);
    assert_int_equal(r->memory.reclaimed_blocks, 10);
    assert_good_intact(&c);
    ctx_free(&c);
}

static void test_quota(void **state)
{
    (void)state;
    const char *names[] = {"quota"};
    nmx_run_opts_t o = {.mem_limit = 1024 * 1024};
    ctx_t c = run_fixtures(names, 1, &o);
    const nmx_result_t *r = result(&c, 0);
    assert_int_equal(r->outcome, NMX_OUTCOME_OUT_OF_MEMORY);
    assert_int_equal(r->status, EXPERTSTATUS_PROBLEM);
    assert_int_equal(r->substatus, NMERR_OUT_OF_MEMORY);
    assert_int_equal(event_value(r, 1), 16);                /* 16 x 64 KiB fit in 1 MiB */
    assert_int_equal(event_value(r, 2), NMERR_OUT_OF_MEMORY);
    assert_int_equal(r->memory.limit_bytes, 1024 * 1024);
    assert_int_equal(r->memory.reclaimed_bytes, 16 * 64 * 1024);
    assert_good_intact(&c); /* the quota is per expert */
    ctx_free(&c);
}

static void test_bad_pointers(void **state)
{
    (void)state;
    const char *names[] = {"double_free", "wild_free"};
    nmx_run_opts_t o = {0};
    ctx_t c = run_fixtures(names, 2, &o);
    const nmx_result_t *d = result(&c, 0), *w = result(&c, 1);
    assert_int_equal(d->outcome, NMX_OUTCOME_COMPLETED);
    assert_int_equal(event_value(d, 1), NMERR_SUCCESS);
    assert_int_equal(event_value(d, 2), NMERR_INVALID_PARAMETER);
    assert_int_equal(w->outcome, NMX_OUTCOME_COMPLETED);
    assert_int_equal(event_value(w, 1), NMERR_INVALID_PARAMETER);
    assert_int_equal(event_value(w, 2), NMERR_INVALID_PARAMETER);
    assert_int_equal(event_value(w, 3), NMERR_INVALID_PARAMETER);
    assert_int_equal(event_value(w, 4), NMERR_INVALID_EXPERT_HANDLE);
    assert_good_intact(&c);
    ctx_free(&c);
}

static void test_bad_events(void **state)
{
    (void)state;
    const char *names[] = {"bad_events", "after_term"};
    /* after_term runs until the time limit stops it; bad_events must finish
     * first, which on a loaded machine under ASan takes more than 0.3 s. */
    nmx_run_opts_t o = {.timeout_s = 3, .grace_s = 2};
    ctx_t c = run_fixtures(names, 2, &o);
    const nmx_result_t *b = result(&c, 0), *t = result(&c, 1);
    assert_int_equal(b->outcome, NMX_OUTCOME_COMPLETED);
    assert_int_equal(event_value(b, 2), NMERR_BAD_VERSION);
    assert_int_equal(event_value(b, 3), NMERR_INVALID_PARAMETER);
    assert_int_equal(event_value(b, 4), NMERR_SUCCESS); /* a 200 KiB string: no 64 KiB limit */
    assert_int_equal(event_value(b, 5), NMERR_INVALID_PARAMETER);
    assert_int_equal(event_value(b, 6), NMERR_SUCCESS);
    assert_int_equal(event_value(b, 9), NMERR_INVALID_PARAMETER); /* over the 16 MiB cap */
    assert_true(b->events_dropped >= 3);
    bool big_kept = false;
    for (size_t i = 0; i < b->nevents; i++)
        if (b->events[i].ident == 8 && b->events[i].ncolumns == 1 && b->events[i].columns[0].s != NULL)
            big_kept = strlen(b->events[i].columns[0].s) == 200 * 1024;
    assert_true(big_kept);
    assert_int_equal(t->outcome, NMX_OUTCOME_TERMINATED);
    assert_true(has_event(t, 1));
    assert_false(has_event(t, 2));
    assert_true(t->events_dropped >= 5);
    assert_good_intact(&c);
    ctx_free(&c);
}

static void test_load_failures(void **state)
{
    (void)state;
    const char *names[] = {"no_run", "register_false", "unresolved", "run_false"};
    nmx_run_opts_t o = {0};
    ctx_t c = run_fixtures(names, 4, &o);
    const nmx_result_t *r;
    r = result(&c, 0);
    assert_int_equal(r->outcome, NMX_OUTCOME_LOAD_FAILED);
    assert_int_equal(r->status, EXPERTSTATUS_ABORTED);
    assert_int_equal(r->substatus, EXPERTSUBSTATUS_ABORTED_BAD_ENTRY);
    assert_non_null(strstr(r->message, "Run"));
    r = result(&c, 1);
    assert_int_equal(r->outcome, NMX_OUTCOME_LOAD_FAILED);
    assert_non_null(strstr(r->message, "Register returned FALSE"));
    r = result(&c, 2);
    assert_int_equal(r->outcome, NMX_OUTCOME_LOAD_FAILED);
    assert_int_equal(r->substatus, EXPERTSUBSTATUS_ABORTED_LOAD_FAIL);
    assert_non_null(strstr(r->message, "undefined symbol"));
    r = result(&c, 3);
    assert_int_equal(r->outcome, NMX_OUTCOME_FAILED);
    assert_int_equal(r->status, EXPERTSTATUS_PROBLEM);
    assert_int_equal(r->substatus, 42);
    assert_string_equal(r->message, "gave up on purpose");
    assert_good_intact(&c);
    ctx_free(&c);
}

static void test_getframe_rules(void **state)
{
    (void)state;
    const char *names[] = {"getframe"};
    nmx_run_opts_t o = {0};
    ctx_t c = run_fixtures(names, 1, &o);
    const nmx_result_t *r = result(&c, 0);
    assert_int_equal(r->outcome, NMX_OUTCOME_COMPLETED);
    assert_int_equal(event_value(r, 1), NFRAMES);
    assert_int_equal(event_value(r, 2), 0);
    assert_int_equal(event_value(r, 3), NFRAMES - 1);
    assert_int_equal(event_value(r, 4), NMERR_OUT_OF_RANGE);
    assert_int_equal(event_value(r, 5), NMERR_OUT_OF_RANGE);
    assert_int_equal(event_value(r, 6), NMERR_OUT_OF_RANGE);
    assert_int_equal(event_value(r, 7), NMERR_INVALID_PARAMETER);
    assert_int_equal(event_value(r, 8), NMERR_INVALID_PARAMETER);
    assert_int_equal(event_value(r, 9), NMERR_INVALID_HFILTER);
    assert_int_equal(event_value(r, 10), NMERR_INVALID_EXPERT_HANDLE);
    assert_int_equal(event_value(r, 11), 1);
    assert_int_equal(event_value(r, 12), 1);
    assert_int_equal(event_value(r, 13), 1);
    assert_int_equal(event_value(r, 14), 1);
    assert_int_equal(event_value(r, 15), 1);
    assert_int_equal(event_value(r, 16), 0);
    assert_int_equal(event_value(r, 17), 1);
    assert_int_equal(event_value(r, 18), NMERR_INVALID_PARAMETER);
    assert_int_equal(event_value(r, 19), NMERR_INVALID_PARAMETER);
    assert_int_equal(event_value(r, 20), 64);
    assert_int_equal(event_value(r, 21), (DWORD)-1);
    assert_int_equal(event_value(r, 22), NMERR_FRAME_FAILED_FILTER);
    assert_int_equal(event_value(r, 23), NMERR_OUT_OF_RANGE);
    assert_int_equal(event_value(r, 24), NMERR_FILTER_INVALID_EXPRESSION);
    assert_int_equal(event_value(r, 25), NMERR_INVALID_HFILTER);
    assert_int_equal(event_value(r, 26), 1);
    assert_int_equal(event_value(r, 27), 0);
    assert_int_equal(event_value(r, 28), (NFRAMES - 1) * 1001000);
    assert_int_equal(event_value(r, 29), 1);
    ctx_free(&c);
}

/* The property helpers' dissection cache (fx_props says what it saw), on a
 * capture of 200 frames. */
static void test_property_cache(void **state)
{
    (void)state;
    char saved[sizeof capture_path];
    memcpy(saved, capture_path, sizeof saved);
    snprintf(capture_path, sizeof capture_path, "%s/many.pcap", workdir);
    write_capture(capture_path, 200);
    const char *names[] = {"props"};
    for (int iso = 0; iso < 2; iso++) {
        nmx_run_opts_t o = {.isolation = iso == 0 ? NMX_ISOLATION_PROCESS : NMX_ISOLATION_NONE};
        ctx_t c = run_fixtures(names, 1, &o);
        const nmx_result_t *r = result(&c, 0);
        assert_int_equal(r->outcome, NMX_OUTCOME_COMPLETED);
        assert_int_equal(event_value(r, 1), 1);
        assert_int_equal(event_value(r, 2), 1);
        assert_int_equal(event_value(r, 3), 1);
        assert_int_equal(event_value(r, 4), 1);
        assert_int_equal(event_value(r, 5), 64);
        ctx_free(&c);
    }
    memcpy(capture_path, saved, sizeof saved);
}

/* A classic Ethernet pcap at path for the learned-conversation walks, and
 * its record i (second 1700000000 + i) of n bytes. */
static FILE *pcap_open(const char *path)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    const uint32_t hdr[] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
    fwrite(hdr, sizeof hdr, 1, f);
    return f;
}

static void pcap_record(FILE *f, uint32_t i, const uint8_t *fr, size_t n)
{
    const uint32_t rec[] = {1700000000 + i, 0, (uint32_t)n, (uint32_t)n};
    fwrite(rec, sizeof rec, 1, f);
    fwrite(fr, 1, n, f);
}

/* Writes an FTP passive transfer: the 227 reply announcing 10.1.0.2:50000
 * to 10.0.0.5, a data connection from 10.0.0.5:40001 (both ways), and a
 * second connection from port 40002 that the announcement does not cover
 * (the first took it): frames 1 and 3 are ftp-data. */
static void write_ftp_capture(const char *path)
{
    static const struct {
        bool to_server;
        uint16_t sport, dport;
        const char *text;
    } seg[] = {
        {false, 21, 40000, "227 Entering Passive Mode (10,1,0,2,195,80).\r\n"},
        {true, 40001, 50000, "data\r\n"},
        {true, 40002, 50000, "other\r\n"},
        {false, 50000, 40001, "more data\r\n"},
    };
    FILE *f = pcap_open(path);
    for (uint32_t i = 0; i < sizeof seg / sizeof seg[0]; i++) {
        uint8_t fr[128] = {0};
        size_t len = strlen(seg[i].text), n = 54 + len;
        memcpy(fr, "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00", 14);
        uint8_t *ip = fr + 14, *tcp = ip + 20;
        ip[0] = 0x45;
        ip[3] = (uint8_t)(40 + len);
        ip[8] = 64;
        ip[9] = 6;
        memcpy(ip + (seg[i].to_server ? 12 : 16), "\x0a\x00\x00\x05", 4);
        memcpy(ip + (seg[i].to_server ? 16 : 12), "\x0a\x01\x00\x02", 4);
        tcp[0] = (uint8_t)(seg[i].sport >> 8);
        tcp[1] = (uint8_t)seg[i].sport;
        tcp[2] = (uint8_t)(seg[i].dport >> 8);
        tcp[3] = (uint8_t)seg[i].dport;
        tcp[12] = 0x50;
        tcp[13] = 0x18;
        memcpy(tcp + 20, seg[i].text, len);
        pcap_record(f, i, fr, n);
    }
    fclose(f);
}

/* Runs the "backward" fixture over the capture write() makes as `file`, in
 * both isolations: it walks `walked` frames, and event `ident` is `bits`. */
static void walk_backward(const char *file, void (*write)(const char *), uint64_t walked, uint32_t ident,
                          uint64_t bits)
{
    char saved[sizeof capture_path];
    memcpy(saved, capture_path, sizeof saved);
    snprintf(capture_path, sizeof capture_path, "%s/%s", workdir, file);
    write(capture_path);
    const char *names[] = {"backward"};
    for (int iso = 0; iso < 2; iso++) {
        nmx_run_opts_t o = {.isolation = iso == 0 ? NMX_ISOLATION_PROCESS : NMX_ISOLATION_NONE};
        ctx_t c = run_fixtures(names, 1, &o);
        const nmx_result_t *r = result(&c, 0);
        assert_int_equal(r->outcome, NMX_OUTCOME_COMPLETED);
        assert_int_equal(event_value(r, ident), bits);
        assert_int_equal(event_value(r, 2), walked);
        ctx_free(&c);
    }
    memcpy(capture_path, saved, sizeof saved);
}

/* What a frame is dissected as does not depend on the order an expert asks
 * for frames in: walked backwards, the data connection announced by frame
 * 0 is still ftp-data (session.c learns from the frames before first). */
static void test_learned_backward(void **state)
{
    (void)state;
    walk_backward("ftp.pcap", write_ftp_capture, 4, 1, 0xA); /* ftp-data: frames 1 and 3 */
}

/*
 * An SMB conversation on TCP 445 (tree 0x800): the TREE_CONNECT_ANDX
 * response that makes the tree IPC's, a WRITE_ANDX request on it and a
 * READ_ANDX request and response, the write and the response carrying a
 * DCE/RPC request PDU, which only the tree learned from frame 0 (and the
 * request of frame 2, for the response) shows; then a second response
 * that makes the tree a disk's, which the frames before it must not see.
 */
static void write_smb_capture(const char *path)
{
    static const uint8_t pdu[24] = {5, 0, 0, 3, 0x10, 0, 0, 0, 24, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15, 0};
    struct {
        bool to_server;
        uint8_t cmd, wct;
        uint16_t mid, data_at; /* data_at: where the PDU goes, 0 for none */
    } msg[] = {
        {false, 0x75, 3, 1, 0}, {true, 0x2F, 14, 10, 64}, {true, 0x2E, 12, 11, 0}, {false, 0x2E, 12, 11, 60},
        {false, 0x75, 3, 2, 0}, /* the tree is a disk's from here on */
    };
    FILE *f = pcap_open(path);
    for (uint32_t i = 0; i < sizeof msg / sizeof msg[0]; i++) {
        uint8_t fr[200] = {0}, *ip = fr + 14, *tcp = ip + 20, *smb = tcp + 24;
        size_t words = 2 * (size_t)msg[i].wct, bytes = msg[i].cmd == 0x75 ? 6 : msg[i].data_at ? 25 : 0;
        size_t slen = 33 + words + 2 + bytes, n = 58 + slen;
        memcpy(fr, "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00", 14);
        ip[0] = 0x45;
        ip[3] = (uint8_t)(44 + slen);
        ip[8] = 64;
        ip[9] = 6;
        memcpy(ip + (msg[i].to_server ? 12 : 16), "\x0a\x00\x00\x05", 4);
        memcpy(ip + (msg[i].to_server ? 16 : 12), "\x0a\x01\x00\x02", 4);
        tcp[msg[i].to_server ? 0 : 2] = 0x9c; /* client port 40000 */
        tcp[msg[i].to_server ? 1 : 3] = 0x40;
        tcp[msg[i].to_server ? 3 : 1] = 0xbd; /* 445 */
        tcp[msg[i].to_server ? 2 : 0] = 0x01;
        tcp[12] = 0x50;
        tcp[13] = 0x18;
        tcp[23] = (uint8_t)slen; /* NBSS session message */
        memcpy(smb, "\xffSMB", 4);
        smb[4] = msg[i].cmd;
        smb[9] = msg[i].to_server ? 0x18 : 0x98;
        smb[25] = 0x08; /* tree 0x800 */
        smb[30] = (uint8_t)msg[i].mid;
        smb[32] = msg[i].wct;
        smb[33] = 0xff; /* no further AndX command */
        if (msg[i].cmd == 0x75)
            memcpy(smb + 33 + words + 2, msg[i].mid == 1 ? "IPC" : "A:\0", 4);
        if (msg[i].data_at != 0) { /* DataLength and DataOffset words */
            smb[33 + (msg[i].cmd == 0x2F ? 20 : 10)] = sizeof pdu;
            smb[33 + (msg[i].cmd == 0x2F ? 22 : 12)] = (uint8_t)msg[i].data_at;
            memcpy(smb + msg[i].data_at, pdu, sizeof pdu);
        }
        smb[33 + words] = (uint8_t)bytes;
        pcap_record(f, i, fr, n);
    }
    fclose(f);
}

/* The same for facts learned from earlier frames (learn.c, SMB's pipes):
 * walked backwards, the write and the read response are DCE/RPC. */
static void test_learned_backward_smb(void **state)
{
    (void)state;
    walk_backward("smb.pcap", write_smb_capture, 5, 3, 0xA); /* dcerpc: frames 1 and 3 */
}

/*
 * A SIP call over UDP 5060: an INVITE offering 10.0.0.1:40000, its 200 OK
 * answering 10.0.0.2:20000, RTP to the answer's endpoint (setup frame 1,
 * the INVITE's), then a re-INVITE and its 200 OK with the same endpoints
 * and RTP again (setup frame 4), which the first RTP packet must not see.
 */
static void write_sip_capture(const char *path)
{
#define SDP_OF(a, p) "v=0\r\no=x 1 1 IN IP4 10.0.0." a "\r\ns=-\r\nc=IN IP4 10.0.0." a "\r\nt=0 0\r\nm=audio " p " RTP/AVP 0\r\n"
#define SIP_OF(first, cseq, a, p) first "\r\nCall-ID: c1\r\nCSeq: " cseq "\r\nContent-Type: application/sdp\r\n\r\n" SDP_OF(a, p)
    static const char rtp[] = "\x80\x00\x00\x01\x00\x00\x00\xa0\x11\x22\x33\x44\xff\xff\xff\xff";
    static const struct {
        bool from_caller;
        uint16_t sport, dport;
        const char *payload;
    } dg[] = {
        {true, 5060, 5060, SIP_OF("INVITE sip:b@x SIP/2.0", "1 INVITE", "1", "40000")},
        {false, 5060, 5060, SIP_OF("SIP/2.0 200 OK", "1 INVITE", "2", "20000")},
        {true, 40000, 20000, rtp},
        {true, 5060, 5060, SIP_OF("INVITE sip:b@x SIP/2.0", "2 INVITE", "1", "40000")},
        {false, 5060, 5060, SIP_OF("SIP/2.0 200 OK", "2 INVITE", "2", "20000")},
        {true, 40000, 20000, rtp},
    };
#undef SIP_OF
#undef SDP_OF
    FILE *f = pcap_open(path);
    for (uint32_t i = 0; i < sizeof dg / sizeof dg[0]; i++) {
        uint8_t fr[400] = {0};
        size_t len = dg[i].payload == rtp ? sizeof rtp - 1 : strlen(dg[i].payload), n = 42 + len;
        memcpy(fr, "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00", 14);
        uint8_t *ip = fr + 14, *udp = ip + 20;
        ip[0] = 0x45;
        ip[2] = (uint8_t)((28 + len) >> 8);
        ip[3] = (uint8_t)(28 + len);
        ip[8] = 64;
        ip[9] = 17;
        memcpy(ip + (dg[i].from_caller ? 12 : 16), "\x0a\x00\x00\x01", 4);
        memcpy(ip + (dg[i].from_caller ? 16 : 12), "\x0a\x00\x00\x02", 4);
        udp[0] = (uint8_t)(dg[i].sport >> 8);
        udp[1] = (uint8_t)dg[i].sport;
        udp[2] = (uint8_t)(dg[i].dport >> 8);
        udp[3] = (uint8_t)dg[i].dport;
        udp[4] = (uint8_t)((8 + len) >> 8);
        udp[5] = (uint8_t)(8 + len);
        memcpy(udp + 8, dg[i].payload, len);
        pcap_record(f, i, fr, n);
    }
    fclose(f);
}

/*
 * A DCE/RPC connection on TCP 135: a bind of context 0 to SAMR, its
 * bind_ack, a request on context 0 and its response (samr layers; the
 * response shows the request's opnum), then an alter_context that binds
 * context 0 to an interface without a layer, a request and its response
 * (no samr layer; the response still has its request's opnum).
 */
static const char *const dcerpc_frames[] = {
    /* 0: bind: context 0 SAMR v1 */
    "00112233440102000000000208004500007000010000400666800a0000050a0100029c400087000003e8000003e85018"
    "20000000000005000b03100000004800000001000000d016d016000000000100000000000100785734123412cdabef00"
    "0123456789ac01000000045d888aeb1cc9119fe808002b10486002000000",
    /* 1: bind_ack */
    "001122334401020000000002080045000064000100004006668c0a0100020a00000500879c40000003e8000004305018"
    "20000000000005000c03100000003c00000001000000d016d0163412000004003133350000000100000000000000045d"
    "888aeb1cc9119fe808002b10486002000000",
    /* 2: request, context 0, opnum 5 */
    "00112233440102000000000208004500004800010000400666a80a0000050a0100029c40008700000430000004245018"
    "2000000000000500000310000000200000000200000008000000000005004142434445464748",
    /* 3: its response */
    "00112233440102000000000208004500004800010000400666a80a0100020a00000500879c4000000424000004505018"
    "2000000000000500020310000000200000000200000008000000000000006162636465666768",
    /* 4: alter_context: context 0 to an interface without a layer */
    "00112233440102000000000208004500007000010000400666800a0000050a0100029c40008700000450000004445018"
    "20000000000005000e03100000004800000003000000d016d01600000000010000000000010067452301ab89efcd0123"
    "456789abcdef01000000045d888aeb1cc9119fe808002b10486002000000",
    /* 5: request, context 0, opnum 5 */
    "00112233440102000000000208004500004800010000400666a80a0000050a0100029c40008700000498000004445018"
    "2000000000000500000310000000200000000400000008000000000005004142434445464748",
    /* 6: its response */
    "00112233440102000000000208004500004800010000400666a80a0100020a00000500879c4000000444000004b85018"
    "2000000000000500020310000000200000000400000008000000000000006162636465666768",
};

static void write_dcerpc_capture(const char *path)
{
    FILE *f = pcap_open(path);
    for (uint32_t i = 0; i < sizeof dcerpc_frames / sizeof dcerpc_frames[0]; i++) {
        uint8_t fr[200];
        size_t n = strlen(dcerpc_frames[i]) / 2;
        assert_true(n <= sizeof fr);
        for (size_t k = 0; k < n; k++) {
            unsigned b;
            assert_int_equal(sscanf(dcerpc_frames[i] + 2 * k, "%2x", &b), 1);
            fr[k] = (uint8_t)b;
        }
        pcap_record(f, i, fr, n);
    }
    fclose(f);
}

/* The same for the setup frame an SDP answer names (SIP's transactions as
 * facts, learn.c's announcements): walked backwards, the first RTP packet
 * (frame index 2) shows the INVITE's frame 1, the second (index 5) the
 * re-INVITE's frame 4. */
static void test_learned_backward_sip(void **state)
{
    (void)state;
    walk_backward("sip.pcap", write_sip_capture, 6, 4, 0x400100);
}

/* The same for DCE/RPC's contexts and calls (learn.c's facts): walked
 * backwards, the first call is still SAMR's, though frame 4 binds its
 * context to another interface, and both responses have their opnum. */
static void test_learned_backward_dcerpc(void **state)
{
    (void)state;
    walk_backward("dcerpc.pcap", write_dcerpc_capture, 7, 5, 0xC);  /* samr: frames 2 and 3 */
    walk_backward("dcerpc.pcap", write_dcerpc_capture, 7, 6, 0x6C); /* opnum: 2, 3, 5 and 6 */
}

/*
 * The host dissects the focused frame of a right-click start (--frame,
 * --property) itself: from a copy read with pread, so a capture truncated
 * since it was opened gives an error instead of SIGBUS in the host.
 */
static void test_startup_frame_truncated(void **state)
{
    (void)state;
    char path[300], err[512];
    snprintf(path, sizeof path, "%s/shrinking.pcap", workdir);
    write_capture(path, 200); /* 14 KB: the last frame is pages past the first */
    nmx_host_t *host = nmx_host_new(NULL, 0);
    nmx_capture_t *cap = nmx_capture_open(path, err, sizeof err);
    assert_non_null(cap);
    nmx_run_opts_t o = {.start_frame = 200, .start_property = "ip.ttl"};
    nmx_run_t *run = nmx_run_new(host, cap, &o, err, sizeof err);
    assert_non_null(run); /* intact: the frame is dissected */
    nmx_run_free(run);
    assert_int_equal(truncate(path, 24 + 16 + 54), 0); /* the first frame only */
    run = nmx_run_new(host, cap, &o, err, sizeof err);
    assert_null(run);
    assert_non_null(strstr(err, "cannot be read"));
    assert_non_null(strstr(err, path));
    o.start_frame = 1; /* still in the file */
    run = nmx_run_new(host, cap, &o, err, sizeof err);
    assert_non_null(run);
    nmx_run_free(run);
    nmx_host_free(host);
    nmx_capture_close(cap);
    unlink(path);
}

/* FRAME.TimeStamp of frames 1.8e19 ns apart (both representable: 1684 and
 * 2255): 1.8e16 us, without the signed overflow of a 64-bit difference. */
static void test_timestamps_far_apart(void **state)
{
    (void)state;
    char path[300], err[512];
    snprintf(path, sizeof path, "%s/far.pcapng", workdir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    /* Section header; two Ethernet interfaces in seconds (if_tsresol 0), at
     * if_tsoffset -9e9 s and +9e9 s; one 60-byte frame on each, at tick 0. */
    static const uint32_t shb[7] = {0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0xFFFFFFFF, 0xFFFFFFFF, 28};
    fwrite(shb, 4, 7, f);
    for (int k = 0; k < 2; k++) {
        int64_t off = k == 0 ? -9000000000LL : 9000000000LL;
        uint32_t idb[11] = {1, 44, 1, 65535, 0x00010009, 0, 0x0008000E, 0, 0, 0, 44};
        memcpy(&idb[7], &off, 8);
        fwrite(idb, 4, 11, f);
    }
    for (uint32_t k = 0; k < 2; k++) {
        uint32_t epb[7] = {6, 32 + 60, k, 0, 0, 60, 60};
        uint8_t frame[60] = {0};
        uint32_t len = 32 + 60;
        fwrite(epb, 4, 7, f);
        fwrite(frame, 1, sizeof frame, f);
        fwrite(&len, 4, 1, f);
    }
    assert_int_equal(fclose(f), 0);
    for (int iso = 0; iso < 2; iso++) {
        nmx_host_t *host = nmx_host_new(NULL, 0);
        nmx_capture_t *cap = nmx_capture_open(path, err, sizeof err);
        assert_non_null(cap);
        nmx_capture_info_t info;
        nmx_capture_get_info(cap, &info);
        assert_int_equal(info.frames, 2);
        assert_null(info.damage);
        nmx_run_opts_t o = {.isolation = iso ? NMX_ISOLATION_NONE : NMX_ISOLATION_PROCESS};
        nmx_run_t *run = nmx_run_new(host, cap, &o, err, sizeof err);
        assert_non_null(run);
        char fx[512];
        fixture_path("getframe", fx, sizeof fx);
        assert_int_equal(nmx_run_add_expert(run, fx, NULL, 0, err, sizeof err), 0);
        nmx_run_execute(run);
        const nmx_result_t *r = nmx_run_result(run, 0);
        assert_int_equal(r->outcome, NMX_OUTCOME_COMPLETED);
        uint64_t us = event_value(r, 27) << 32 | event_value(r, 28);
        assert_true(us == 18000000000000000ull);
        assert_int_equal(event_value(r, 29), 1);
        nmx_run_free(run);
        nmx_host_free(host);
        nmx_capture_close(cap);
    }
    unlink(path);
}

/* Spec 1.6: once termination is requested, Alloc and Realloc fail with 125
 * and change nothing, Free still frees and returns 125, GetFrame and
 * SubmitEvent return 125. */
static void test_termination_rules(void **state)
{
    (void)state;
    for (int iso = 0; iso < 2; iso++) {
        char out[300], cfg[320], err[512], path[512];
        snprintf(out, sizeof out, "%s/polite-%d.txt", workdir, iso);
        int n = snprintf(cfg, sizeof cfg, "out=%s", out);
        nmx_host_t *host = nmx_host_new(NULL, 0);
        nmx_capture_t *cap = nmx_capture_open(capture_path, err, sizeof err);
        nmx_run_opts_t o = {.timeout_s = 0.2, .grace_s = 5,
                            .isolation = iso ? NMX_ISOLATION_NONE : NMX_ISOLATION_PROCESS};
        nmx_run_t *run = nmx_run_new(host, cap, &o, err, sizeof err);
        fixture_path("polite", path, sizeof path);
        assert_int_equal(nmx_run_add_expert(run, path, cfg, (size_t)n + 1, err, sizeof err), 0);
        nmx_run_execute(run);
        const nmx_result_t *r = nmx_run_result(run, 0);
        assert_int_equal(r->outcome, NMX_OUTCOME_TERMINATED);
        FILE *f = fopen(out, "r");
        assert_non_null(f);
        char line[256] = "";
        assert_non_null(fgets(line, sizeof line, f));
        fclose(f);
        unlink(out);
        assert_string_equal(line, "status=125 alloc=null/125 realloc=null/125 size=100 free=125 "
                                  "gone=-1 frame=125 event=125\n");
        /* The block freed during termination was really freed; the config
         * copy is all the host had to reclaim. */
        assert_int_equal(r->memory.frees, 1);
        assert_int_equal(r->memory.reclaimed_blocks, 1);
        assert_int_equal(r->memory.reclaimed_bytes, 4 + (size_t)n + 1);
        nmx_run_free(run);
        nmx_host_free(host);
        nmx_capture_close(cap);
    }
}

static void test_isolation_none(void **state)
{
    (void)state;
    const char *names[] = {"leak", "double_free", "polite"};
    nmx_run_opts_t o = {.isolation = NMX_ISOLATION_NONE, .jobs = 4, .timeout_s = 0.3};
    ctx_t c = run_fixtures(names, 3, &o);
    const nmx_result_t *leak = result(&c, 0);
    assert_int_equal(leak->outcome, NMX_OUTCOME_COMPLETED);
    assert_int_equal(leak->memory.reclaimed_bytes, 10000);
    assert_int_equal(leak->memory.reclaimed_blocks, 10);
    assert_int_equal(event_value(result(&c, 1), 2), NMERR_INVALID_PARAMETER);
    assert_int_equal(result(&c, 2)->outcome, NMX_OUTCOME_TERMINATED);
    assert_good_intact(&c);
    assert_false(nmx_run_abandoned(c.run));
    ctx_free(&c);
}

static void test_interrupt(void **state)
{
    (void)state;
    char err[512];
    nmx_host_t *host = nmx_host_new(NULL, 0);
    nmx_capture_t *cap = nmx_capture_open(capture_path, err, sizeof err);
    nmx_run_opts_t o = {.grace_s = 1};
    nmx_run_t *run = nmx_run_new(host, cap, &o, err, sizeof err);
    char path[512];
    fixture_path("polite", path, sizeof path);
    assert_int_equal(nmx_run_add_expert(run, path, NULL, 0, err, sizeof err), 0);
    fixture_path("good", path, sizeof path);
    assert_int_equal(nmx_run_add_expert(run, path, NULL, 0, err, sizeof err), 0);
    nmx_run_terminate(run); /* as Ctrl-C would, before anything started */
    nmx_run_execute(run);
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(nmx_run_result(run, i)->outcome, NMX_OUTCOME_TERMINATED);
    nmx_run_free(run);
    nmx_host_free(host);
    nmx_capture_close(cap);
}

static void test_config_passed_to_run(void **state)
{
    (void)state;
    char err[512];
    nmx_host_t *host = nmx_host_new(NULL, 0);
    nmx_capture_t *cap = nmx_capture_open(capture_path, err, sizeof err);
    nmx_run_opts_t o = {0};
    nmx_run_t *run = nmx_run_new(host, cap, &o, err, sizeof err);
    char path[512];
    fixture_path("good", path, sizeof path);
    assert_int_equal(nmx_run_add_expert(run, path, "mode=fast", 10, err, sizeof err), 0);
    nmx_run_execute(run);
    const nmx_result_t *r = nmx_run_result(run, 0);
    assert_int_equal(r->outcome, NMX_OUTCOME_COMPLETED);
    bool found = false;
    for (size_t i = 0; i < r->nevents; i++)
        if (r->events[i].ident == 3) {
            assert_int_equal(r->events[i].columns[0].type, NMCOLUMNTYPE_STRING);
            assert_string_equal(r->events[i].columns[0].s, "mode=fast");
            found = true;
        }
    assert_true(found);
    /* The host copied the configuration into the session heap and reclaimed it. */
    assert_int_equal(r->memory.allocations, 1);
    assert_int_equal(r->memory.reclaimed_bytes, 4 + 10);
    nmx_run_free(run);
    nmx_host_free(host);
    nmx_capture_close(cap);
}

static void test_configure_rules(void **state)
{
    (void)state;
    char err[512], path[512];
    fixture_path("config", path, sizeof path);
    nmx_host_t *host = nmx_host_new(NULL, 0);
    size_t len;
    void *data;
    assert_int_equal(nmx_config_reset("fx_config", err, sizeof err), 0);
    /* No stored configuration: the expert allocates one. */
    assert_int_equal(nmx_host_configure(host, path, NULL, NULL, 0, err, sizeof err), 1);
    assert_int_equal(nmx_config_load("fx_config", &data, &len, err, sizeof err), 0);
    char *cfg = data;
    assert_non_null(cfg);
    assert_int_equal(len, 4);
    assert_string_equal(cfg, "new");
    free(cfg);
    /* A configuration grown with ExpertReallocMemory is stored whole. */
    assert_int_equal(nmx_host_configure(host, path, NULL, "abc", 4, err, sizeof err), 1);
    assert_int_equal(nmx_config_load("fx_config", &data, &len, err, sizeof err), 0);
    cfg = data;
    assert_string_equal(cfg, "abc+");
    free(cfg);
    /* FALSE keeps the stored configuration, even though the copy was freed. */
    assert_int_equal(nmx_host_configure(host, path, NULL, "refuse", 7, err, sizeof err), 0);
    assert_int_equal(nmx_config_load("fx_config", &data, &len, err, sizeof err), 0);
    cfg = data;
    assert_string_equal(cfg, "abc+");
    free(cfg);
    /* RawConfigLength below 4 is rejected; the stored one stays. */
    assert_int_equal(nmx_host_configure(host, path, NULL, "short", 6, err, sizeof err), -1);
    assert_non_null(strstr(err, "shorter"));
    assert_int_equal(nmx_config_load("fx_config", &data, &len, err, sizeof err), 0);
    cfg = data;
    assert_string_equal(cfg, "abc+");
    free(cfg);
    /* A length larger than the block is clamped to the block's size. */
    assert_int_equal(nmx_host_configure(host, path, NULL, "liar", 5, err, sizeof err), 1);
    assert_int_equal(nmx_config_load("fx_config", &data, &len, err, sizeof err), 0);
    cfg = data;
    assert_int_equal(len, 16 - 4);
    free(cfg);
    /* Not configurable: an error, nothing stored. */
    fixture_path("good", path, sizeof path);
    assert_int_equal(nmx_host_configure(host, path, NULL, "x", 2, err, sizeof err), -1);
    assert_non_null(strstr(err, "not configurable"));
    assert_int_equal(nmx_config_reset("fx_config", err, sizeof err), 0);
    /* Nothing stored: 0 with no data, not an error. */
    assert_int_equal(nmx_config_load("fx_config", &data, &len, err, sizeof err), 0);
    assert_null(data);
    assert_int_equal(len, 0);
    /* Resetting what is not stored is not an error either. */
    assert_int_equal(nmx_config_reset("fx_config", err, sizeof err), 0);
    nmx_host_free(host);
}

/* The error convention of host.h on the configuration store: -1 with a
 * one-line message naming the file and the reason, *data NULL. */
static void config_load_fails(const char *why)
{
    char err[1024], cfgpath[700];
    snprintf(cfgpath, sizeof cfgpath, "%s/nmexpert/experts/fx_broken.cfg", config_home);
    void *data = (void *)&err; /* must be reset to NULL */
    size_t len = 99;
    err[0] = '\0';
    assert_int_equal(nmx_config_load("fx_broken", &data, &len, err, sizeof err), -1);
    assert_null(data);
    assert_non_null(strstr(err, cfgpath));
    assert_non_null(strstr(err, why));
    assert_null(strchr(err, '\n'));
    /* errbuf NULL, errlen 0: the same answer, no message. */
    assert_int_equal(nmx_config_load("fx_broken", &data, &len, NULL, 0), -1);
    /* A short buffer gets the message cut, terminated. */
    char tiny[8];
    memset(tiny, 'x', sizeof tiny);
    assert_int_equal(nmx_config_load("fx_broken", &data, &len, tiny, sizeof tiny), -1);
    assert_int_equal(strlen(tiny), sizeof tiny - 1);
}

static void test_config_errors(void **state)
{
    (void)state;
    char err[1024], dir[600], cfgpath[700];
    snprintf(dir, sizeof dir, "%s/nmexpert/experts", config_home);
    snprintf(cfgpath, sizeof cfgpath, "%s/fx_broken.cfg", dir);
    /* nmx_config_save creates the store's directories. */
    assert_int_equal(nmx_config_save("fx_broken", "ok", 3, err, sizeof err), 0);
    /* RawConfigLength says 64 bytes, the file holds 9. */
    FILE *f = fopen(cfgpath, "wb");
    assert_non_null(f);
    fwrite("\x40\x00\x00\x00short", 1, 9, f);
    fclose(f);
    config_load_fails("corrupt");
    /* Shorter than the length field itself. */
    f = fopen(cfgpath, "wb");
    assert_non_null(f);
    fwrite("\x04\x00", 1, 2, f);
    fclose(f);
    config_load_fails("shorter than its 4-byte RawConfigLength");
    /* A FIFO: refused at once, not waited on. */
    assert_int_equal(unlink(cfgpath), 0);
    assert_int_equal(mkfifo(cfgpath, 0600), 0);
    config_load_fails("not a regular file");
    assert_int_equal(unlink(cfgpath), 0);
    /* A directory where the file belongs cannot be removed by reset. */
    assert_int_equal(mkdir(cfgpath, 0700), 0);
    assert_int_equal(nmx_config_reset("fx_broken", err, sizeof err), -1);
    assert_non_null(strstr(err, cfgpath));
    assert_int_equal(rmdir(cfgpath), 0);
    /* Not a module name: nothing is read or removed, and the message says so. */
    void *data;
    size_t len;
    assert_int_equal(nmx_config_load("../x", &data, &len, err, sizeof err), -1);
    assert_null(data);
    assert_non_null(strstr(err, "'../x' is not a module name"));
    assert_int_equal(nmx_config_reset("", err, sizeof err), -1);
    assert_non_null(strstr(err, "not a module name"));
}

/* The host's own errors follow the convention too: an experts directory
 * that is not one, a report that cannot be written. */
static void test_host_errors(void **state)
{
    (void)state;
    char err[1024], missing[600];
    nmx_host_t *host = nmx_host_new(err, sizeof err);
    assert_non_null(host);
    snprintf(missing, sizeof missing, "%s/no-such-dir", workdir);
    assert_int_equal(nmx_host_add_experts_dir(host, missing, err, sizeof err), -1);
    assert_non_null(strstr(err, missing));
    assert_non_null(strstr(err, strerror(ENOENT)));
    assert_int_equal(nmx_host_add_experts_dir(host, capture_path, err, sizeof err), -1);
    assert_non_null(strstr(err, capture_path));
    assert_non_null(strstr(err, "not a directory"));
    assert_int_equal(nmx_host_add_experts_dir(host, NULL, err, sizeof err), -1);
    assert_true(err[0] != '\0');
    /* A directory that goes away between adding and discovering. */
    snprintf(missing, sizeof missing, "%s/gone", workdir);
    assert_int_equal(mkdir(missing, 0700), 0);
    assert_int_equal(nmx_host_add_experts_dir(host, missing, err, sizeof err), 0);
    assert_int_equal(rmdir(missing), 0);
    assert_int_equal(nmx_host_discover(host, err, sizeof err), -1);
    assert_non_null(strstr(err, missing));
    nmx_host_free(host);
    assert_int_equal(nmx_host_discover(NULL, err, sizeof err), -1);

    /* A report written to a stream that cannot be written. */
    const char *const none[] = {NULL};
    nmx_run_opts_t o = {0};
    ctx_t c = run_fixtures(none, 0, &o);
    FILE *ro = fopen(capture_path, "r");
    assert_non_null(ro);
    err[0] = '\0';
    assert_int_equal(nmx_report_write(c.run, NMX_REPORT_TEXT, ro, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot write the report"));
    fclose(ro);
    FILE *ok = fopen("/dev/null", "w");
    assert_non_null(ok);
    assert_int_equal(nmx_report_write(c.run, NMX_REPORT_JSON, ok, 0, err, sizeof err), 0);
    assert_int_equal(nmx_report_write(NULL, NMX_REPORT_JSON, ok, 0, err, sizeof err), -1);
    assert_true(err[0] != '\0');
    fclose(ok);
    /* The capture as JSON text. */
    char *json = nmx_capture_json(c.cap, err, sizeof err);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"frames\""));
    free(json);
    assert_null(nmx_capture_json(NULL, err, sizeof err));
    assert_true(err[0] != '\0');
    ctx_free(&c);
}

static void test_discovery(void **state)
{
    (void)state;
    nmx_host_t *host = nmx_host_new(NULL, 0);
    assert_int_equal(nmx_host_add_experts_dir(host, FIXTURES_DIR, NULL, 0), 0);
    int found = nmx_host_discover(host, NULL, 0);
    assert_true(found >= 10);
    size_t n = (size_t)found;
    bool saw_good = false, saw_unresolved = false, saw_crash_free_listing = true;
    for (size_t i = 0; i < n; i++) {
        const nmx_expert_info_t *e = nmx_host_expert(host, i);
        if (strcmp(e->module, "fx_good") == 0) {
            saw_good = true;
            assert_string_equal(e->name, "Fixture good");
            assert_null(e->load_error);
        }
        if (strcmp(e->module, "fx_unresolved") == 0) {
            saw_unresolved = true;
            assert_non_null(e->load_error);
        }
        if (strcmp(e->module, "fx_config") == 0)
            assert_true(e->configurable);
    }
    assert_true(saw_good && saw_unresolved && saw_crash_free_listing);

    /* A pointer handed out stays valid when a later discovery adds
     * experts (under ASan a moved list would be a use after free). */
    const nmx_expert_info_t *first = nmx_host_expert(host, 0);
    char module[256];
    snprintf(module, sizeof module, "%s", first->module);
    char more[300], src[300], dst[340];
    snprintf(more, sizeof more, "%s/more-experts", workdir);
    assert_int_equal(mkdir(more, 0700), 0);
    snprintf(src, sizeof src, "%s/fx_good.so", FIXTURES_DIR);
    for (int k = 0; k < 3; k++) {
        snprintf(dst, sizeof dst, "%s/fx_copy%d.so", more, k);
        assert_int_equal(symlink(src, dst), 0);
    }
    assert_int_equal(nmx_host_add_experts_dir(host, more, NULL, 0), 0);
    assert_int_equal(nmx_host_discover(host, NULL, 0), n + 3);
    assert_string_equal(first->module, module);
    assert_ptr_equal(nmx_host_expert(host, 0), first);
    for (int k = 0; k < 3; k++) {
        snprintf(dst, sizeof dst, "%s/fx_copy%d.so", more, k);
        unlink(dst);
    }
    rmdir(more);
    nmx_host_free(host);
}

/* ---- the trust boundary: hostile experts ---------------------------------- */

/* How many processes are named "nmxfx-<tag>" (the fixtures' sleepers). */
static int processes_tagged(const char *tag)
{
    char want[32];
    snprintf(want, sizeof want, "nmxfx-%s\n", tag);
    int n = 0;
    DIR *d = opendir("/proc");
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        char path[300], comm[64] = "";
        snprintf(path, sizeof path, "/proc/%s/comm", de->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        if (fgets(comm, sizeof comm, f) != NULL && strcmp(comm, want) == 0)
            n++;
        fclose(f);
    }
    closedir(d);
    return n;
}

/* The containment modes to try: the best available, then the fallback. */
static const char *const containments[] = {NULL, "subreaper"};

static void set_containment(const char *mode)
{
    if (mode != NULL)
        setenv("NMEXPERT_CONTAINMENT", mode, 1);
    else
        unsetenv("NMEXPERT_CONTAINMENT");
}

/* Item 1: an expert that writes over its control page (the committed
 * length of its log, status, heap figures) and tries to shrink the file
 * under the host.  Run with jobs 1 in none mode: there the page is in the
 * host's own memory, and a concurrent good expert's would be too. */
static void test_hostile_control_page(void **state)
{
    (void)state;
    for (int iso = 0; iso < 2; iso++) {
        const char *names[] = {"scribble"};
        nmx_run_opts_t o = {.isolation = iso ? NMX_ISOLATION_NONE : NMX_ISOLATION_PROCESS,
                            .jobs = iso ? 1 : 2};
        ctx_t c = run_fixtures(names, 1, &o);
        const nmx_result_t *r = result(&c, 0);
        /* It returned TRUE only if the host's file refused to shrink. */
        assert_int_equal(r->outcome, NMX_OUTCOME_COMPLETED);
        assert_true(r->percent_done <= 100);
        assert_true(r->status <= EXPERTSTATUS_DONE);
        assert_true(r->events_over_limit == 0 || strstr(r->message, "limit") == NULL);
        assert_good_intact(&c);
        ctx_free(&c);
    }
}

/* Item 2: an expert looks for other experts' memory files and tries the
 * host by signal, /proc and ptrace.  Process isolation, both containments. */
static void test_hostile_reach(void **state)
{
    (void)state;
    for (size_t k = 0; k < 2; k++) {
        set_containment(containments[k]);
        char cfg[32];
        snprintf(cfg, sizeof cfg, "host=%d", (int)getpid());
        const char *names[] = {"reach"}, *cfgs[] = {cfg};
        nmx_run_opts_t o = {.jobs = 2};
        ctx_t c = run_fixtures_cfg(names, cfgs, 1, &o);
        const nmx_result_t *r = result(&c, 0);
        assert_int_equal(r->outcome, NMX_OUTCOME_COMPLETED);
        assert_int_equal(event_value(r, 1), 0);          /* no other expert's file */
        assert_int_not_equal(event_value(r, 3), 0);      /* no host memory */
        assert_int_not_equal(event_value(r, 4), 0);      /* no host descriptor */
        assert_int_not_equal(event_value(r, 5), 0);      /* no ptrace */
        if (strstr(r->containment, "namespace") != NULL)
            assert_int_equal(event_value(r, 2), ESRCH); /* the host is not even visible */
        else
            assert_string_equal(r->containment, "process group and subreaper");
        assert_good_intact(&c);
        ctx_free(&c);
    }
    set_containment(NULL);
}

/* Item 2: an expert that claims success on its channel and in its control
 * page, then aborts, is reported crashed, with the event it sent before. */
static void test_hostile_forge(void **state)
{
    (void)state;
    const char *names[] = {"forge"};
    nmx_run_opts_t o = {.jobs = 2};
    ctx_t c = run_fixtures(names, 1, &o);
    const nmx_result_t *r = result(&c, 0);
    assert_int_equal(r->outcome, NMX_OUTCOME_CRASHED);
    assert_int_equal(r->status, EXPERTSTATUS_PROBLEM);
    assert_int_equal(r->substatus, NMERR_INTERNAL_EXCEPTION);
    assert_non_null(strstr(r->message, "signal 6"));
    assert_int_equal(event_value(r, 1), 1);
    assert_good_intact(&c);
    ctx_free(&c);
}

/* Item 3: 50 children and a daemon outlive nothing, in both isolation
 * modes and both containments. */
static void test_hostile_fork(void **state)
{
    (void)state;
    for (int iso = 0; iso < 2; iso++) {
        for (size_t k = 0; k < (iso ? 1u : 2u); k++) {
            set_containment(containments[k]);
            char tag[16], cfg[32];
            snprintf(tag, sizeof tag, "f%d%d%d", (int)getpid() % 10000, iso, (int)k);
            snprintf(cfg, sizeof cfg, "tag=%s", tag);
            const char *names[] = {"fork"}, *cfgs[] = {cfg};
            nmx_run_opts_t o = {.isolation = iso ? NMX_ISOLATION_NONE : NMX_ISOLATION_PROCESS,
                                .jobs = 2};
            ctx_t c = run_fixtures_cfg(names, cfgs, 1, &o);
            const nmx_result_t *r = result(&c, 0);
            assert_int_equal(r->outcome, NMX_OUTCOME_COMPLETED);
            assert_int_equal(event_value(r, 1), 51);
            assert_int_equal(processes_tagged(tag), 0);
            assert_good_intact(&c);
            ctx_free(&c);
        }
    }
    set_containment(NULL);
}

/* Item 3: discovery loads every module; one that forks in its constructor
 * leaves nothing behind. */
static void test_discovery_contained(void **state)
{
    (void)state;
    char tag[16];
    snprintf(tag, sizeof tag, "d%d", (int)getpid() % 100000);
    setenv("NMX_FIXTURE_TAG", tag, 1);
    nmx_host_t *host = nmx_host_new(NULL, 0);
    assert_int_equal(nmx_host_add_experts_dir(host, FIXTURES_DIR, NULL, 0), 0);
    assert_true(nmx_host_discover(host, NULL, 0) >= 10);
    unsetenv("NMX_FIXTURE_TAG");
    assert_int_equal(processes_tagged(tag), 0);
    nmx_host_free(host);
}

/* Item 4: the expert's process holds no descriptor of the host's beyond
 * standard output and error (its channel and its memory file aside). */
static void test_hostile_descriptors(void **state)
{
    (void)state;
    /* A descriptor the host has open while experts run, as a report file
     * opened early would be. */
    char path[320];
    snprintf(path, sizeof path, "%s/report", config_home);
    mkdir(config_home, 0700);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    const char *names[] = {"write_fds"};
    nmx_run_opts_t o = {.jobs = 2};
    ctx_t c = run_fixtures(names, 1, &o);
    const nmx_result_t *r = result(&c, 0);
    assert_int_equal(r->outcome, NMX_OUTCOME_COMPLETED);
    assert_int_equal(event_value(r, 1), 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(st.st_size, 0);
    close(fd);
    unlink(path);
    assert_good_intact(&c);
    ctx_free(&c);
}

/* Item 5: --mem-limit bounds the process, not only the expert heap. */
static void test_mem_limit_bounds_malloc(void **state)
{
    (void)state;
    for (size_t k = 0; k < 2; k++) {
        set_containment(containments[k]);
        const char *names[] = {"malloc_big"};
        nmx_run_opts_t o = {.jobs = 2, .mem_limit = 16u << 20};
        ctx_t c = run_fixtures(names, 1, &o);
        const nmx_result_t *r = result(&c, 0);
        assert_int_equal(r->outcome, NMX_OUTCOME_FAILED);
        assert_int_equal(r->substatus, NMERR_OUT_OF_MEMORY);
        assert_int_equal(event_value(r, 1), 1);
        assert_true(r->peak_rss_bytes < (256u << 20));
        assert_good_intact(&c);
        ctx_free(&c);
    }
    set_containment(NULL);
}

/* Item 13: the event log has no hidden limit; --event-limit bounds it and
 * the result says so. */
static void test_event_limit(void **state)
{
    (void)state;
    for (int iso = 0; iso < 2; iso++) {
        const char *names[] = {"flood"};
        nmx_run_opts_t o = {.isolation = iso ? NMX_ISOLATION_NONE : NMX_ISOLATION_PROCESS,
                            .jobs = 2, .event_limit = 64 * 1024};
        ctx_t c = run_fixtures(names, 1, &o);
        const nmx_result_t *r = result(&c, 0);
        assert_int_equal(r->outcome, NMX_OUTCOME_COMPLETED);
        assert_true(r->nevents > 100 && r->nevents < 64 * 1024 / 40);
        assert_true(r->events_over_limit >= 1);
        assert_int_equal(r->event_limit_bytes, 64 * 1024);
        assert_non_null(strstr(r->message, "accepted, then 19"));
        assert_non_null(strstr(r->message, "--event-limit"));
        /* The events kept are the first ones, in order. */
        for (size_t i = 0; i < r->nevents; i++)
            assert_int_equal(r->events[i].columns[0].v.u, i);
        assert_good_intact(&c);
        ctx_free(&c);
    }
    /* Without a limit, 270 MiB of events all arrive: more than the fixed
     * 256 MiB log of older hosts, which then answered "out of memory". */
    const char *names[] = {"flood"}, *cfgs[] = {"count=4500 size=61440"};
    nmx_run_opts_t o = {.jobs = 2};
    ctx_t c = run_fixtures_cfg(names, cfgs, 1, &o);
    const nmx_result_t *r = result(&c, 0);
    assert_int_equal(r->outcome, NMX_OUTCOME_COMPLETED);
    assert_int_equal(r->nevents, 4500);
    assert_int_equal(r->events_over_limit, 0);
    assert_int_equal(r->event_limit_bytes, 2ull << 30);
    assert_int_equal(strlen(r->events[4499].columns[1].s), 61440);
    ctx_free(&c);
}

/* The SDK's capture writer (netmon.h extensions): one link type per file,
 * or per frame for NetMon 2; errors come back with a reason. */
static void test_sdk_writer(void **state)
{
    (void)state;
    char path[300], err[512];
    snprintf(path, sizeof path, "%s/writer.cap", workdir);
    const BYTE eth[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 1, 2, 3, 4, 5, 0x08, 0x06};
    const BYTE raw[20] = {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
    HNMXWRITER w = NULL;
    assert_int_equal(NmxCaptureWriterOpen(path, NMX_WRITER_NETMON2, NMX_WRITER_LINK_PER_FRAME, &w), 0);
    assert_int_equal(NmxCaptureWriterWrite(w, 1000, eth, sizeof eth, sizeof eth), NMERR_INVALID_MEDIA_TYPE);
    assert_int_equal(NmxCaptureWriterWriteEx(w, 1000, 1, eth, sizeof eth, sizeof eth), 0);
    assert_int_equal(NmxCaptureWriterWriteEx(w, 2000, 101, raw, sizeof raw, sizeof raw), 0);
    assert_int_equal(NmxCaptureWriterClose(w), 0);
    assert_int_equal(NmxCaptureWriterClose(w), NMERR_INVALID_PARAMETER); /* stale handle */
    nmx_capture_t *cap = nmx_capture_open(path, err, sizeof err);
    assert_non_null(cap);
    nmx_capture_info_t info;
    nmx_capture_get_info(cap, &info);
    assert_int_equal(info.frames, 2);
    assert_int_equal(info.n_link_types, 2);
    nmx_capture_close(cap);
    /* One link type: WriteEx must use it. */
    assert_int_equal(NmxCaptureWriterOpen(path, NMX_WRITER_PCAP, 1, &w), 0);
    assert_int_equal(NmxCaptureWriterWriteEx(w, 1000, 101, raw, sizeof raw, sizeof raw), NMERR_INVALID_MEDIA_TYPE);
    assert_int_equal(NmxCaptureWriterWrite(w, 1000, eth, sizeof eth, sizeof eth), 0);
    assert_int_equal(NmxCaptureWriterClose(w), 0);
    unlink(path);
    /* A file that cannot be created: a code and a reason naming it. */
    assert_int_equal(NmxCaptureWriterOpen("/nonexistent/dir/x.pcap", NMX_WRITER_PCAP, 1, &w),
                     NMERR_FILE_WRITE_ERROR);
    assert_non_null(strstr(NmxCaptureWriterError(), "/nonexistent/dir/x.pcap"));
    assert_int_equal(NmxCaptureWriterOpen(path, 99, 1, &w), NMERR_INVALID_PARAMETER);
    assert_int_equal(NmxCaptureWriterWrite((HNMXWRITER)(uintptr_t)0x4242, 0, eth, 1, 1),
                     NMERR_INVALID_PARAMETER);
}

/* The generic NetMon memory functions (spec 6.6): process heap, zeroed,
 * sizes as requested, bad pointers refused with NMERR_INVALID_PARAMETER. */
static void test_generic_memory(void **state)
{
    (void)state;
    unsigned char *p = AllocMemory(100);
    assert_non_null(p);
    for (int i = 0; i < 100; i++)
        assert_int_equal(p[i], 0);
    assert_int_equal(MemorySize(p), 100);
    memset(p, 0xAB, 100);
    p = ReallocMemory(p, 5000);
    assert_non_null(p);
    assert_int_equal(MemorySize(p), 5000);
    assert_int_equal(p[99], 0xAB);
    assert_int_equal(p[100], 0);     /* grown part zero-filled */
    assert_int_equal(p[4999], 0);
    FreeMemory(p);
    BhSetLastError(0);
    assert_int_equal(MemorySize(p), (SIZE_T)-1); /* freed */
    assert_int_equal(BhGetLastError(), NMERR_INVALID_PARAMETER);
    BhSetLastError(0);
    FreeMemory(p);                               /* double free: refused */
    assert_int_equal(BhGetLastError(), NMERR_INVALID_PARAMETER);
    int local;
    BhSetLastError(0);
    FreeMemory(&local);                          /* foreign */
    assert_int_equal(BhGetLastError(), NMERR_INVALID_PARAMETER);
    assert_null(ReallocMemory((void *)(uintptr_t)0x1234, 10)); /* wild */
    FreeMemory(NULL);                            /* harmless */
    void *z = ReallocMemory(NULL, 0);            /* NULL: an allocation */
    assert_non_null(z);
    assert_int_equal(MemorySize(z), 0);
    FreeMemory(z);
    /* Many blocks: the table grows and still finds every one. */
    void *many[2000];
    for (int i = 0; i < 2000; i++)
        many[i] = AllocMemory((SIZE_T)i);
    for (int i = 0; i < 2000; i++)
        assert_int_equal(MemorySize(many[i]), (SIZE_T)i);
    for (int i = 0; i < 2000; i++)
        FreeMemory(many[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_alone),
        cmocka_unit_test(test_crashes),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_leak_and_reclaim),
        cmocka_unit_test(test_quota),
        cmocka_unit_test(test_bad_pointers),
        cmocka_unit_test(test_bad_events),
        cmocka_unit_test(test_load_failures),
        cmocka_unit_test(test_getframe_rules),
        cmocka_unit_test(test_property_cache),
        cmocka_unit_test(test_learned_backward),
        cmocka_unit_test(test_learned_backward_smb),
        cmocka_unit_test(test_learned_backward_sip),
        cmocka_unit_test(test_learned_backward_dcerpc),
        cmocka_unit_test(test_timestamps_far_apart),
        cmocka_unit_test(test_startup_frame_truncated),
        cmocka_unit_test(test_termination_rules),
        cmocka_unit_test(test_isolation_none),
        cmocka_unit_test(test_interrupt),
        cmocka_unit_test(test_config_passed_to_run),
        cmocka_unit_test(test_configure_rules),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_host_errors),
        cmocka_unit_test(test_discovery),
        cmocka_unit_test(test_hostile_control_page),
        cmocka_unit_test(test_hostile_reach),
        cmocka_unit_test(test_hostile_forge),
        cmocka_unit_test(test_hostile_fork),
        cmocka_unit_test(test_discovery_contained),
        cmocka_unit_test(test_hostile_descriptors),
        cmocka_unit_test(test_mem_limit_bounds_malloc),
        cmocka_unit_test(test_event_limit),
        cmocka_unit_test(test_sdk_writer),
        cmocka_unit_test(test_generic_memory),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
