/*
 * test_capture_shrink.c - capture files truncated while they are indexed,
 * and after.  A hook of the capture layer (nmx__cap_index_hook) truncates
 * the file at a chosen moment: before the magic number is read, or after
 * frame N.  Whatever the moment and the new size, the process must not
 * fault (reading a truncated mapping raises SIGBUS): open fails with a
 * message naming the file, or the capture is damaged and every frame it
 * keeps lies inside the file and reads back with nmx__cap_copy_frame.  A
 * second thread truncating a larger file at random moments checks the same
 * without the hook.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

#include "captest.h"
#include "capture/cap_internal.h"

#include <netmon.h>

#define NFRAMES 3000u
#define FRAME_LEN 700u /* 3000 frames: about 2.2 MB, two read windows and more */

static void build_pcap(buf_t *b)
{
    pcap_header(b, 0xA1B2C3D4u, 2, 4, 65535, 1);
    for (unsigned f = 0; f < NFRAMES; f++)
        pcap_record(b, 1000 + f, f, FRAME_LEN - f % 7, FRAME_LEN, f, false);
}

static void build_pcapng(buf_t *b)
{
    ng_shb(b, "section");
    ng_idb(b, 1, 65535, -1, false, 0);
    for (unsigned f = 0; f < NFRAMES; f++)
        ng_epb(b, 0, 1500000000000000ull + f, FRAME_LEN - f % 5, FRAME_LEN, f, f % 100 == 0 ? "c" : NULL);
}

/* NetMon 2.2: records, then the frame table, then a comment per 100 frames. */
static void build_netmon(buf_t *b)
{
    static const uint16_t st[8] = {2016, 8, 1, 8, 9, 43, 59, 59};
    nm_header(b, "GMBU", 2, 2, 1, st);
    size_t *offs = malloc(NFRAMES * sizeof *offs);
    assert_non_null(offs);
    for (unsigned f = 0; f < NFRAMES; f++)
        offs[f] = nm_record2(b, 1000 * (int64_t)f, FRAME_LEN - f % 3, FRAME_LEN, f, 6, 1, 0);
    nm_table(b, offs, NFRAMES);
    size_t c = b->n;
    static const uint16_t title[] = {'n', 'o', 't', 'e', 0};
    for (unsigned f = 0; f < NFRAMES; f += 100) {
        buf_u32(b, 1);
        buf_u32(b, (uint32_t)offs[f]);
        buf_u32(b, sizeof title);
        buf_bytes(b, title, sizeof title);
        buf_u32(b, 4);
        buf_bytes(b, "{rt}", 4);
    }
    buf_put32(b, 40, (uint32_t)c);
    buf_put32(b, 44, (uint32_t)(b->n - c));
    free(offs);
}

typedef void (*builder_t)(buf_t *b);
static const struct {
    const char *name;
    builder_t build;
} formats[] = {{"shrink.pcap", build_pcap}, {"shrink.pcapng", build_pcapng}, {"shrink.cap", build_netmon}};

/* ---- the hook ------------------------------------------------------------- */

static const char *hook_path;
static uint32_t hook_at;
static off_t hook_size;
static bool hook_done;

static void shrink_hook(const nmx_cap_t *cap, uint32_t frames)
{
    (void)cap;
    if (!hook_done && frames == hook_at) {
        assert_int_equal(truncate(hook_path, hook_size), 0);
        hook_done = true;
    }
}

/*
 * The frames a capture kept must be inside the file as it is now, and read
 * back (with pread, as the host does) as what was written.
 */
static void check_kept_frames(const nmx_cap_t *cap, const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    uint8_t got[FRAME_LEN], want[FRAME_LEN];
    for (uint32_t i = 0; i < nmx__cap_count(cap); i++) {
        const nmx_frame_rec_t *r = nmx__cap_frame(cap, i);
        assert_true(r->data_off + r->caplen <= (uint64_t)st.st_size);
        assert_true(r->caplen <= FRAME_LEN);
        assert_true(nmx__cap_copy_frame(cap, i, got));
        payload(want, r->caplen, i);
        assert_memory_equal(got, want, r->caplen);
    }
}

/* Opens `b` written to a file, truncated to `size` when frame `at` is indexed. */
static void open_shrinking(const buf_t *b, const char *name, uint32_t at, off_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s", scratch(name));
    assert_true(write_file(path, b->p, b->n));
    hook_path = path;
    hook_at = at;
    hook_size = size;
    hook_done = false;
    nmx__cap_index_hook = shrink_hook;
    nmx_cap_t *cap = NULL;
    nmx_error_t err;
    unsigned rc = nmx__cap_open_file(path, &cap, &err);
    nmx__cap_index_hook = NULL;
    assert_true(hook_done);
    if (rc != 0) {
        /* Only a file header that could not be read fails the open. */
        if (strstr(err.msg, path) == NULL || strstr(err.msg, "shorter than when it was opened") == NULL)
            print_error("%s, truncated to %lld at frame %u: %s\n", name, (long long)size, at, err.msg);
        assert_null(cap);
        assert_non_null(strstr(err.msg, path));
        assert_true(at == 0);
        return;
    }
    const nmx_cap_damage_t *d = nmx__cap_damage(cap);
    if (d == NULL)
        print_error("%s, truncated to %lld at frame %u: not damaged\n", name, (long long)size, at);
    assert_non_null(d);
    assert_non_null(strstr(d->message, path));
    assert_true(nmx__cap_count(cap) <= NFRAMES);
    check_kept_frames(cap, path);
    nmx_capture_info_t in;
    nmx__cap_get_info(cap, &in);
    assert_non_null(in.damage);
    nmx__cap_close(cap);
}

/* Every format, truncated at every stage to sizes from nothing to one byte short. */
static void test_truncated_while_indexed(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++) {
        buf_t b = {0};
        formats[k].build(&b);
        const uint32_t ats[] = {0, 1, 1000, NFRAMES - 1, NFRAMES};
        const off_t sizes[] = {0, 5, 30, 100, (off_t)b.n / 3, (off_t)b.n / 2, (off_t)b.n - 1};
        for (size_t i = 0; i < sizeof ats / sizeof ats[0]; i++)
            for (size_t j = 0; j < sizeof sizes / sizeof sizes[0]; j++)
                open_shrinking(&b, formats[k].name, ats[i], sizes[j]);
        buf_free(&b);
    }
}

/* After open: the host's copies of frames past the new end fail cleanly. */
static void test_truncated_after_open(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++) {
        buf_t b = {0};
        formats[k].build(&b);
        char path[512];
        snprintf(path, sizeof path, "%s", scratch(formats[k].name));
        assert_true(write_file(path, b.p, b.n));
        nmx_cap_t *cap = NULL;
        nmx_error_t err;
        assert_int_equal(nmx__cap_open_file(path, &cap, &err), 0);
        assert_int_equal(nmx__cap_count(cap), NFRAMES);
        assert_null(nmx__cap_damage(cap));
        off_t half = (off_t)b.n / 2;
        assert_int_equal(truncate(path, half), 0);
        uint8_t buf[FRAME_LEN];
        uint32_t readable = 0;
        for (uint32_t i = 0; i < NFRAMES; i++) {
            const nmx_frame_rec_t *r = nmx__cap_frame(cap, i);
            bool inside = r->data_off + r->caplen <= (uint64_t)half;
            assert_int_equal(nmx__cap_copy_frame(cap, i, buf), inside);
            readable += inside;
        }
        assert_true(readable > 0 && readable < NFRAMES);
        /* What info shows was copied at open: nothing reads the file again. */
        nmx_capture_info_t in;
        nmx__cap_get_info(cap, &in);
        assert_int_equal(in.frames, NFRAMES);
        assert_null(in.damage);
        nmx__cap_close(cap);
        buf_free(&b);
    }
}

/* ---- a second thread, at random moments ------------------------------------ */

typedef struct racer {
    const char *path;
    off_t size;
    long delay_ns;
} racer_t;

static void *truncate_later(void *arg)
{
    const racer_t *r = arg;
    struct timespec ts = {0, r->delay_ns};
    nanosleep(&ts, NULL);
    assert_int_equal(truncate(r->path, r->size), 0);
    return NULL;
}

static void test_truncated_by_another_thread(void **state)
{
    (void)state;
    unsigned seed = 12345;
    for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++) {
        buf_t b = {0};
        formats[k].build(&b);
        char path[512];
        snprintf(path, sizeof path, "%s", scratch(formats[k].name));
        for (int round = 0; round < 20; round++) {
            assert_true(write_file(path, b.p, b.n));
            /* A random size in the first half, at a random moment in the
             * few milliseconds indexing takes. */
            racer_t r = {path, (off_t)(rand_r(&seed) % (unsigned)(b.n / 2)),
                         (long)(rand_r(&seed) % 3000000)};
            pthread_t t;
            assert_int_equal(pthread_create(&t, NULL, truncate_later, &r), 0);
            nmx_cap_t *cap = NULL;
            nmx_error_t err;
            unsigned rc = nmx__cap_open_file(path, &cap, &err);
            assert_int_equal(pthread_join(t, NULL), 0);
            if (rc != 0) {
                assert_non_null(strstr(err.msg, path));
                continue;
            }
            /* Truncated after open completed, or during it: either way no fault. */
            nmx_capture_info_t in;
            nmx__cap_get_info(cap, &in);
            uint8_t buf[FRAME_LEN];
            for (uint32_t i = 0; i < nmx__cap_count(cap); i++)
                (void)nmx__cap_copy_frame(cap, i, buf);
            nmx__cap_close(cap);
        }
        buf_free(&b);
    }
}

static int teardown_all(void **state)
{
    (void)state;
    scratch_remove();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated_while_indexed),
        cmocka_unit_test(test_truncated_after_open),
        cmocka_unit_test(test_truncated_by_another_thread),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_all);
}
