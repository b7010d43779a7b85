/*
 * test_capture_misc.c - the rest of the capture layer: opening files (mapped,
 * missing, directories, FIFOs and devices refused), the exported host.h functions, reading
 * a capture comment from a file, use after fork, time arithmetic,
 * link-type names, and the progress reported while captures are indexed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "captest.h"
#include "capture/cap_internal.h"

#include <netmon.h>

static void build_small(buf_t *b)
{
    pcap_header(b, 0xA1B2C3D4u, 2, 4, 65535, 1);
    for (unsigned f = 0; f < 4; f++)
        pcap_record(b, 1000 + f, f, 40 + f, 40 + f, f, false);
}

/*
 * A file indexed from disk is read a window (NMX_CAP_WINDOW_BYTES) at a
 * time.  The pcap reader reads only the record headers and skips the data:
 * when a record straddled the window's end, the next header lay past it and
 * counted as a jump, and every read after it was 4 KiB (17,004 reads for
 * the 227 MB benchmark capture, against 220).  The pcapng reader reads
 * whole blocks.
 */
static void check_window_reads(const buf_t *b, const char *name, uint32_t frames)
{
    char path[512];
    snprintf(path, sizeof path, "%s", scratch(name));
    assert_true(write_file(path, b->p, b->n));
    nmx_cap_t *cap = NULL;
    nmx_error_t err;
    unsigned long before = nmx__cap_window_reads;
    assert_int_equal(nmx__cap_open_file(path, &cap, &err), 0);
    unsigned long reads = nmx__cap_window_reads - before;
    assert_int_equal(nmx__cap_count(cap), frames);
    nmx__cap_close(cap);
    unlink(path);
    unsigned long windows = (unsigned long)(b->n / NMX_CAP_WINDOW_BYTES) + 1;
    if (reads > windows + 2)
        print_error("%s: %lu reads for %zu bytes (at most %lu expected)\n", name, reads, b->n, windows + 2);
    assert_true(reads <= windows + 2);
}

static void test_window_reads(void **state)
{
    (void)state;
    const uint32_t n = 4000; /* 1,514-byte frames: about 6 MiB */
    buf_t b = {0};
    pcap_header(&b, 0xA1B2C3D4u, 2, 4, 65535, 1);
    for (uint32_t f = 0; f < n; f++)
        pcap_record(&b, 1000 + f, f, 1514, 1514, f, false);
    check_window_reads(&b, "window.pcap", n);
    buf_free(&b);

    ng_shb(&b, NULL);
    ng_idb(&b, 1, 65535, -1, false, 0);
    for (uint32_t f = 0; f < n; f++)
        ng_epb(&b, 0, 1000000u * f, 1514, 1514, f, NULL);
    check_window_reads(&b, "window.pcapng", n);
    buf_free(&b);
}

static void test_open_file(void **state)
{
    (void)state;
    buf_t b = {0};
    build_small(&b);
    const char *p = scratch("small.pcap");
    char path[512];
    snprintf(path, sizeof path, "%s", p);
    assert_true(write_file(path, b.p, b.n));
    nmx_cap_t *cap = NULL;
    nmx_error_t err;
    assert_int_equal(nmx__cap_open_file(path, &cap, &err), 0);
    assert_int_equal(nmx__cap_count(cap), 4);
    check_frame(cap, 3, 43, 43, NS(1003, 3000), 3);
    assert_string_equal(nmx__cap_path(cap), path);
    nmx__cap_close(cap);

    assert_int_equal(nmx__cap_open_file("/nonexistent/x.pcap", &cap, &err), NMERR_FILE_NOT_FOUND);
    assert_null(cap);
    assert_non_null(strstr(err.msg, "/nonexistent/x.pcap"));
    assert_int_equal(nmx__cap_open_file("/", &cap, &err), NMERR_FILE_READ_ERROR);
    assert_non_null(strstr(err.msg, "is a directory"));
    /* Character devices are refused before anything is read (/dev/zero
     * used to be read for 1 GiB first). */
    assert_int_equal(nmx__cap_open_file("/dev/null", &cap, &err), NMERR_FILE_READ_ERROR);
    assert_non_null(strstr(err.msg, "/dev/null: is a character device, not a regular file"));
    assert_int_equal(nmx__cap_open_file("/dev/zero", &cap, &err), NMERR_FILE_READ_ERROR);
    assert_non_null(strstr(err.msg, "/dev/zero: is a character device, not a regular file"));
    assert_null(cap);
    /* An empty regular file. */
    const char *e = scratch("empty.pcap");
    assert_true(write_file(e, b.p, 0));
    assert_int_equal(nmx__cap_open_file(e, &cap, &err), NMERR_INVALID_FILE_FORMAT);
    assert_non_null(strstr(err.msg, "offset 0: empty file (0 bytes)"));
    assert_int_equal(nmx__cap_open_file(NULL, &cap, &err), NMERR_INVALID_PARAMETER);
    assert_int_equal(nmx__cap_open_mem(NULL, 5, NULL, &cap, &err), NMERR_INVALID_PARAMETER);
    buf_free(&b);
}

/*
 * A FIFO is refused at once, with or without a writer (opening one without
 * a writer used to wait forever).  SIGALRM ends the test if open blocks.
 */
static void test_open_fifo(void **state)
{
    (void)state;
    buf_t b = {0};
    build_small(&b);
    char path[512];
    snprintf(path, sizeof path, "%s", scratch("fifo"));
    assert_int_equal(mkfifo(path, 0600), 0);
    nmx_cap_t *cap = NULL;
    nmx_error_t err;
    alarm(10);
    unsigned rc = nmx__cap_open_file(path, &cap, &err);
    alarm(0);
    assert_int_equal(rc, NMERR_FILE_READ_ERROR);
    assert_null(cap);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "is a FIFO (named pipe), not a regular file"));
    /* With a writer waiting: refused all the same, nothing read. */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(path, O_WRONLY);
        ssize_t n = fd >= 0 ? write(fd, b.p, b.n) : -1;
        _exit(n == (ssize_t)b.n ? 0 : 1);
    }
    alarm(10);
    rc = nmx__cap_open_file(path, &cap, &err);
    alarm(0);
    assert_int_equal(rc, NMERR_FILE_READ_ERROR);
    kill(pid, SIGKILL);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    unlink(path);
    buf_free(&b);
}

/* After fork, the child reads the same frames from the shared read-only mapping. */
static void test_fork(void **state)
{
    (void)state;
    buf_t b = {0};
    build_small(&b);
    char path[512];
    snprintf(path, sizeof path, "%s", scratch("fork.pcap"));
    assert_true(write_file(path, b.p, b.n));
    nmx_cap_t *cap = NULL;
    nmx_error_t err;
    assert_int_equal(nmx__cap_open_file(path, &cap, &err), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int ok = nmx__cap_count(cap) == 4;
        for (uint32_t i = 4; ok && i-- > 0;) {
            uint8_t want[64];
            payload(want, 40 + i, i);
            ok = nmx__cap_frame(cap, i)->caplen == 40 + i &&
                 memcmp(nmx__cap_data(cap, i), want, 40 + i) == 0;
        }
        _exit(ok ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    nmx__cap_close(cap);
    buf_free(&b);
}

/* The exported functions of host.h. */
static void test_exported(void **state)
{
    (void)state;
    buf_t b = {0};
    build_small(&b);
    b.n -= 5; /* cut the last record: damage */
    char path[512];
    snprintf(path, sizeof path, "%s", scratch("cut.pcap"));
    assert_true(write_file(path, b.p, b.n));
    char errbuf[256] = "x";
    nmx_capture_t *cap = nmx_capture_open(path, errbuf, sizeof errbuf);
    assert_non_null(cap);
    assert_string_equal(errbuf, "");
    assert_int_equal(nmx_capture_frame_count(cap), 3);
    nmx_capture_info_t in;
    nmx_capture_get_info(cap, &in);
    assert_int_equal(in.frames, 3);
    assert_non_null(in.damage);
    assert_non_null(strstr(in.damage, path));
    assert_non_null(strstr(in.damage, "truncated record"));
    assert_int_equal(in.damage_offset, 24 + 3 * 16 + 40 + 41 + 42);
    assert_non_null(in.damage_reason);
    nmx_capture_close(cap);
    nmx_capture_get_info(NULL, &in);
    assert_int_equal(in.frames, 0);
    assert_int_equal(nmx_capture_frame_count(NULL), 0);
    nmx_capture_close(NULL);

    cap = nmx_capture_open("/nonexistent.pcap", errbuf, sizeof errbuf);
    assert_null(cap);
    assert_non_null(strstr(errbuf, "/nonexistent.pcap"));
    /* A small buffer gets a truncated, terminated message. */
    cap = nmx_capture_open("/nonexistent.pcap", errbuf, 8);
    assert_null(cap);
    assert_int_equal(strlen(errbuf), 7);
    buf_free(&b);
}

static void test_read_comment(void **state)
{
    (void)state;
    buf_t b = {0};
    ng_shb(&b, "the capture comment");
    ng_idb(&b, 1, 0, -1, false, 0);
    char path[512];
    snprintf(path, sizeof path, "%s", scratch("c.pcapng"));
    assert_true(write_file(path, b.p, b.n));
    char buf[64];
    nmx_error_t err;
    assert_int_equal(nmx__cap_read_comment(path, buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "the capture comment");
    assert_int_equal(nmx__cap_read_comment(path, buf, 5, &err), NMERR_BUFFER_TOO_SMALL);
    assert_string_equal(buf, "");
    assert_int_equal(nmx__cap_read_comment("/nonexistent.cap", buf, sizeof buf, &err),
                     NMERR_FILE_NOT_FOUND);
    buf_free(&b);
    build_small(&b);
    assert_true(write_file(path, b.p, b.n));
    assert_int_equal(nmx__cap_read_comment(path, buf, sizeof buf, &err), 0);
    assert_string_equal(buf, ""); /* no comment: empty string */
    buf_free(&b);
}

static void test_time(void **state)
{
    (void)state;
    uint16_t f = 0;
    assert_true(nmx__ts_from_parts(1, 5, 10, &f) == 1500000000LL && f == 0);
    assert_true(nmx__ts_from_parts(1, 25, 10, &f) == 3500000000LL && f == NMX_FRAME_TS_FIXED);
    f = 0;
    assert_true(nmx__ts_from_parts(INT64_MAX / 1000000000 + 1, 0, 10, &f) == INT64_MAX);
    assert_int_equal(f, NMX_FRAME_TS_CLAMPED);
    f = 0;
    assert_true(nmx__ts_from_parts(-2, 1, 4, &f) == -1750000000LL && f == 0);
    assert_true(nmx__ts_add(INT64_MAX - 1, 5, &f) == INT64_MAX && f == NMX_FRAME_TS_CLAMPED);
    f = 0;
    assert_true(nmx__ts_add(INT64_MIN + 1, -5, &f) == INT64_MIN && f == NMX_FRAME_TS_CLAMPED);
    /* Microseconds between any two times (FRAME.TimeStamp), truncated toward zero. */
    assert_true(nmx__cap_us_between(INT64_MIN, INT64_MAX) == 18446744073709551LL);
    assert_true(nmx__cap_us_between(INT64_MAX, INT64_MIN) == -18446744073709551LL);
    assert_true(nmx__cap_us_between(1000, 2999) == 1 && nmx__cap_us_between(2999, 1000) == -1);
    /* 2^-1 ticks of 1/2^63 s: the fraction is computed without overflow. */
    f = 0;
    assert_true(nmx__ts_from_parts(0, 1ull << 62, 1ull << 63, &f) == 500000000LL);

    assert_int_equal(nmx__days_from_civil(1970, 1, 1), 0);
    assert_int_equal(nmx__days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(nmx__days_from_civil(1969, 12, 31), -1);
    assert_int_equal(nmx__days_from_civil(1601, 1, 1), -134774);
    nmx_systemtime_t st;
    assert_true(nmx__systemtime_from_ns(NS(951782400, 123456789), &st)); /* 2000-02-29 */
    assert_int_equal(st.year, 2000);
    assert_int_equal(st.month, 2);
    assert_int_equal(st.day, 29);
    assert_int_equal(st.day_of_week, 2); /* Tuesday */
    assert_int_equal(st.milliseconds, 123);
    assert_true(nmx__systemtime_from_ns(-1, &st)); /* 1969-12-31 23:59:59.999 */
    assert_int_equal(st.year, 1969);
    assert_int_equal(st.hour, 23);
    assert_int_equal(st.milliseconds, 999);
    assert_int_equal(st.day_of_week, 3);
    assert_true(nmx__systemtime_from_ns(NS(-5 * 86400, 0), &st)); /* 1969-12-27, a Saturday */
    assert_int_equal(st.day, 27);
    assert_int_equal(st.day_of_week, 6);
}

static void test_link_names(void **state)
{
    (void)state;
    assert_string_equal(nmx__linktype_name(1), "ether");
    assert_string_equal(nmx__linktype_name(NMX_LINK_NETMON_EVENT), "netmon_event");
    assert_null(nmx__linktype_name(147));
    assert_null(nmx__linktype_description(NMX_LINK_NETMON_BASE | 0x4321));
    assert_null(nmx__linktype_description(147)); /* libpcap does not name LINKTYPE_USER0 */
    assert_string_equal(nmx__linktype_description(192), "Per-Packet Information"); /* libpcap does */
    char buf[64];
    nmx__linktype_format_name(147, buf, sizeof buf);
    assert_string_equal(buf, "linktype-147");
    nmx__linktype_format_name(NMX_LINK_NETMON_BASE | 0x4321, buf, sizeof buf);
    assert_string_equal(buf, "netmon-media-0x4321");
    nmx__linktype_format_description(NMX_LINK_NETMON_BASE | 0x4321, buf, sizeof buf);
    assert_string_equal(buf, "NetMon media type 0x4321");
    nmx__linktype_format_description(60000, buf, sizeof buf);
    assert_string_equal(buf, "link type 60000");
    nmx__linktype_format_description(NMX_LINK_LINUX_SLL, buf, sizeof buf);
    assert_string_equal(buf, "Linux cooked-mode capture v1");
}

/* What the open progress callback saw. */
typedef struct seen_progress {
    unsigned calls;
    nmx_open_progress_t last;
    bool ordered; /* fraction, frames and bytes never went back */
    size_t max_file;
} seen_progress_t;

static void note_progress(void *ctx, const nmx_open_progress_t *p)
{
    seen_progress_t *s = ctx;
    if (s->calls > 0 && (p->fraction < s->last.fraction || p->frames < s->last.frames ||
                         p->bytes < s->last.bytes))
        s->ordered = false;
    if (p->file > s->max_file)
        s->max_file = p->file;
    s->last = *p;
    s->calls++;
}

/*
 * nmx_capture_open_files_progress reports while frames are indexed (every
 * 0 s: at each check, every 1024 frames), in order, within bounds, through
 * both files of a merged open; a plain open afterwards reports nothing.
 */
static void test_open_progress(void **state)
{
    (void)state;
    enum { FRAMES = 5000 };
    buf_t b = {0};
    pcap_header(&b, 0xA1B2C3D4u, 2, 4, 65535, 1);
    for (unsigned f = 0; f < FRAMES; f++)
        pcap_record(&b, 1000 + f, 0, 60, 60, f, false);
    char p1[512], p2[512];
    snprintf(p1, sizeof p1, "%s", scratch("many1.pcap"));
    snprintf(p2, sizeof p2, "%s", scratch("many2.pcap"));
    assert_true(write_file(p1, b.p, b.n) && write_file(p2, b.p, b.n));

    seen_progress_t seen = {.ordered = true};
    char errbuf[256];
    const char *one[] = {p1};
    nmx_capture_t *cap = nmx_capture_open_files_progress(one, 1, note_progress, &seen, 0, errbuf, sizeof errbuf);
    assert_non_null(cap);
    nmx_capture_close(cap);
    assert_int_equal(seen.calls, FRAMES / 1024);
    assert_true(seen.ordered);
    assert_int_equal(seen.last.files, 1);
    assert_int_equal(seen.last.frames, FRAMES / 1024 * 1024);
    assert_true(seen.last.fraction > 0.5 && seen.last.fraction < 1.0);
    assert_true(seen.last.bytes > 0 && seen.last.bytes < b.n);
    assert_true(seen.last.elapsed_s >= 0);

    seen_progress_t two = {.ordered = true};
    const char *both[] = {p1, p2};
    cap = nmx_capture_open_files_progress(both, 2, note_progress, &two, 0, errbuf, sizeof errbuf);
    assert_non_null(cap);
    assert_int_equal(nmx_capture_frame_count(cap), 2 * FRAMES);
    nmx_capture_close(cap);
    assert_int_equal(two.calls, 2 * (FRAMES / 1024));
    assert_true(two.ordered);
    assert_int_equal(two.max_file, 1);
    assert_int_equal(two.last.files, 2);
    assert_true(two.last.fraction > 0.75 && two.last.fraction < 1.0);
    assert_true(two.last.frames > FRAMES && two.last.bytes > b.n);

    /* Off again once the open returns; and a long interval reports nothing. */
    seen_progress_t none = {.ordered = true};
    cap = nmx_capture_open(p1, errbuf, sizeof errbuf);
    nmx_capture_close(cap);
    cap = nmx_capture_open_files_progress(one, 1, note_progress, &none, 3600, errbuf, sizeof errbuf);
    assert_non_null(cap);
    nmx_capture_close(cap);
    assert_int_equal(none.calls, 0);
    assert_int_equal(two.calls, 2 * (FRAMES / 1024));
    buf_free(&b);
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
        cmocka_unit_test(test_open_file),    cmocka_unit_test(test_open_fifo),
        cmocka_unit_test(test_window_reads),
        cmocka_unit_test(test_fork),         cmocka_unit_test(test_exported),
        cmocka_unit_test(test_read_comment), cmocka_unit_test(test_time),
        cmocka_unit_test(test_link_names),   cmocka_unit_test(test_open_progress),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_all);
}
