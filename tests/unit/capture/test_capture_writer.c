/*
 * test_capture_writer.c - the pcap and NetMon 2.x writer: round trips (read,
 * write, read back, identical frames), the NetMon header and version choice,
 * per-frame media types, error handling, and tshark / capinfos reading what
 * we write.
 */
#include "captest.h"
#include "capture/cap_internal.h"

#include <netmon.h>
#include "../../nmx_skip.h"

/* Writes every frame of `src` with the writer and returns the path written. */
static const char *write_all(const nmx_cap_t *src, const char *name, int format, uint32_t linktype)
{
    const char *p = scratch(name);
    static char path[512];
    snprintf(path, sizeof path, "%s", p);
    nmx_capwriter_t *w = NULL;
    nmx_error_t err;
    unsigned rc = nmx__capwriter_open(path, format, linktype, &w, &err);
    if (rc != 0)
        print_error("writer open: %s\n", err.msg);
    assert_int_equal(rc, 0);
    for (uint32_t i = 0; i < nmx__cap_count(src); i++) {
        const nmx_frame_rec_t *r = nmx__cap_frame(src, i);
        rc = linktype == NMX_LINK_PER_FRAME
                 ? nmx__capwriter_write_frame(w, r, nmx__cap_data(src, i))
                 : nmx__capwriter_write(w, r->ts_ns, nmx__cap_data(src, i), r->caplen, r->wirelen);
        assert_int_equal(rc, 0);
    }
    rc = nmx__capwriter_close(w, &err);
    if (rc != 0)
        print_error("writer close: %s\n", err.msg);
    assert_int_equal(rc, 0);
    return path;
}

/* Frames of a and b are identical: lengths, link types, bytes and times (to `ns_unit`). */
static void same_frames(const nmx_cap_t *a, const nmx_cap_t *b, int64_t ns_unit)
{
    assert_int_equal(nmx__cap_count(a), nmx__cap_count(b));
    for (uint32_t i = 0; i < nmx__cap_count(a); i++) {
        const nmx_frame_rec_t *x = nmx__cap_frame(a, i), *y = nmx__cap_frame(b, i);
        assert_int_equal(x->caplen, y->caplen);
        assert_int_equal(x->wirelen, y->wirelen);
        assert_int_equal(x->linktype, y->linktype);
        assert_memory_equal(nmx__cap_data(a, i), nmx__cap_data(b, i), x->caplen);
        int64_t want = x->ts_ns / ns_unit * ns_unit;
        if (y->ts_ns != want)
            print_error("frame %u: %lld read back as %lld\n", i, (long long)x->ts_ns, (long long)y->ts_ns);
        assert_true(y->ts_ns == want);
    }
}

static nmx_cap_t *reopen(const char *path)
{
    nmx_cap_t *cap = NULL;
    nmx_error_t err;
    unsigned rc = nmx__cap_open_file(path, &cap, &err);
    if (rc != 0)
        print_error("reopen: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_null(nmx__cap_damage(cap));
    return cap;
}

/* A source capture: n Ethernet frames, microsecond times, some earlier than the first. */
static void build_source(buf_t *b, uint32_t linktype, unsigned n, bool nsec)
{
    pcap_header(b, nsec ? 0xA1B23C4Du : 0xA1B2C3D4u, 2, 4, 65535, linktype);
    for (unsigned f = 0; f < n; f++) {
        uint32_t sec = 1300000000u + f * 7u - (f % 3 == 2 ? 20u : 0u);
        uint32_t sub = (f * 123457u) % (nsec ? 1000000000u : 1000000u);
        uint32_t caplen = 14 + (f * 97u) % 1500u;
        pcap_record(b, sec, sub, caplen, caplen + (f % 2) * 10, f, false);
    }
}

static void test_pcap_round_trip(void **state)
{
    (void)state;
    for (int nsec = 0; nsec <= 1; nsec++) {
        buf_t b = {0};
        build_source(&b, NMX_LINK_ETHERNET, 300, nsec);
        nmx_cap_t *src = open_ok(&b, "src.pcap");
        const char *path = write_all(src, "rt.pcap", nsec ? NMX_CAPW_PCAP_NS : NMX_CAPW_PCAP,
                                     NMX_LINK_ETHERNET);
        nmx_cap_t *back = reopen(path);
        assert_int_equal(nmx__cap_time_digits(back), nsec ? 9 : 6);
        same_frames(src, back, 1);
        nmx__cap_close(back);
        /* nanoseconds written to a microsecond pcap are truncated to the microsecond */
        if (nsec) {
            path = write_all(src, "rt-us.pcap", NMX_CAPW_PCAP, NMX_LINK_ETHERNET);
            back = reopen(path);
            same_frames(src, back, 1000);
            nmx__cap_close(back);
        }
        nmx__cap_close(src);
        buf_free(&b);
    }
}

static void test_netmon_round_trip(void **state)
{
    (void)state;
    /* Ethernet: NetMon 2.0, header MAC type 1, start = first frame to the millisecond. */
    buf_t b = {0};
    build_source(&b, NMX_LINK_ETHERNET, 300, false);
    nmx_cap_t *src = open_ok(&b, "src.pcap");
    const char *path = write_all(src, "rt.cap", NMX_CAPW_NETMON2, NMX_LINK_ETHERNET);
    nmx_cap_t *back = reopen(path);
    assert_int_equal(nmx__cap_format(back), NMX_CAPFMT_NETMON2);
    assert_non_null(strstr(nmx__cap_format_detail(back), "NetMon 2.0"));
    assert_int_equal(nmx__cap_mactype(back), MAC_TYPE_ETHERNET);
    same_frames(src, back, 1);
    const nmx_systemtime_t *st = nmx__cap_systemtime(back);
    nmx_systemtime_t want;
    assert_true(nmx__systemtime_from_ns(nmx__cap_frame(src, 0)->ts_ns, &want));
    assert_memory_equal(st, &want, sizeof want);
    nmx__cap_close(back);
    nmx__cap_close(src);
    buf_free(&b);

    /* Linux SLL has no NetMon MAC type: NetMon 2.1 with media type 0xE000 | 113. */
    build_source(&b, NMX_LINK_LINUX_SLL, 50, false);
    src = open_ok(&b, "sll.pcap");
    path = write_all(src, "sll.cap", NMX_CAPW_NETMON2, NMX_LINK_LINUX_SLL);
    back = reopen(path);
    assert_non_null(strstr(nmx__cap_format_detail(back), "NetMon 2.1"));
    same_frames(src, back, 1);
    nmx__cap_close(back);
    nmx__cap_close(src);
    buf_free(&b);

    /* Nanosecond sources keep microseconds (rounded) in NetMon. */
    build_source(&b, NMX_LINK_ETHERNET, 20, true);
    src = open_ok(&b, "ns.pcap");
    path = write_all(src, "ns.cap", NMX_CAPW_NETMON2, NMX_LINK_ETHERNET);
    back = reopen(path);
    for (uint32_t i = 0; i < nmx__cap_count(src); i++) {
        int64_t d = nmx__cap_frame(back, i)->ts_ns - nmx__cap_frame(src, i)->ts_ns;
        assert_true(d >= -500 && d <= 500);
        assert_int_equal(nmx__cap_frame(back, i)->ts_ns % 1000, 0);
    }
    nmx__cap_close(back);
    nmx__cap_close(src);
    buf_free(&b);
}

/* Per-frame mode keeps every frame's own link type, the NetMon kinds included. */
static void test_netmon_per_frame(void **state)
{
    (void)state;
    static const uint16_t st[8] = {2020, 2, 6, 29, 12, 0, 0, 0};
    static const uint16_t kinds[] = {1, 0xFFE0, 0xFFFF, 0xE000 | 228, 0xFFFD, 0xFFFE, 9, 6, 2};
    buf_t b = {0};
    nm_header(&b, "GMBU", 2, 1, 1, st);
    size_t offs[sizeof kinds / sizeof kinds[0]];
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        offs[k] = nm_record2(&b, (int64_t)k * 1001, 10 + (uint32_t)k, 10 + (uint32_t)k, (unsigned)k,
                             2, kinds[k], 0);
    nm_table(&b, offs, sizeof kinds / sizeof kinds[0]);
    nmx_cap_t *src = open_ok(&b, "kinds.cap");
    const char *path = write_all(src, "kinds-rt.cap", NMX_CAPW_NETMON2, NMX_LINK_PER_FRAME);
    nmx_cap_t *back = reopen(path);
    same_frames(src, back, 1);
    nmx__cap_close(back);
    nmx__cap_close(src);
    buf_free(&b);
}

static void test_empty(void **state)
{
    (void)state;
    static const int formats[] = {NMX_CAPW_PCAP, NMX_CAPW_PCAP_NS, NMX_CAPW_NETMON2};
    for (size_t k = 0; k < 3; k++) {
        nmx_capwriter_t *w = NULL;
        nmx_error_t err;
        const char *path = scratch("empty.out");
        assert_int_equal(nmx__capwriter_open(path, formats[k], NMX_LINK_ETHERNET, &w, &err), 0);
        assert_int_equal(nmx__capwriter_close(w, &err), 0);
        nmx_cap_t *cap = reopen(path);
        assert_int_equal(nmx__cap_count(cap), 0);
        nmx__cap_close(cap);
    }
}

static void test_errors(void **state)
{
    (void)state;
    nmx_capwriter_t *w = NULL;
    nmx_error_t err;
    const char *path = scratch("err.out");
    assert_int_equal(nmx__capwriter_open(path, NMX_CAPW_NETMON2, 0x85, &w, &err),
                     NMERR_INVALID_MEDIA_TYPE);
    assert_null(w);
    assert_non_null(strstr(err.msg, "cannot be stored in a NetMon"));
    assert_int_equal(nmx__capwriter_open(path, NMX_CAPW_PCAP, NMX_LINK_NETMON_EVENT, &w, &err),
                     NMERR_INVALID_MEDIA_TYPE);
    assert_int_equal(nmx__capwriter_open(path, 99, 1, &w, &err), NMERR_INVALID_PARAMETER);
    assert_int_equal(nmx__capwriter_open("/nonexistent-dir/x.pcap", NMX_CAPW_PCAP, 1, &w, &err),
                     NMERR_FILE_WRITE_ERROR);
    assert_non_null(strstr(err.msg, "/nonexistent-dir/x.pcap"));

    /* Errors stick: later writes fail the same way, and close reports the first. */
    static uint8_t big[NMX_CAP_MAX_PCAP_RECORD + 1];
    assert_int_equal(nmx__capwriter_open(path, NMX_CAPW_PCAP, 1, &w, &err), 0);
    assert_int_equal(nmx__capwriter_write(w, 0, big, 10, 10), 0);
    assert_int_equal(nmx__capwriter_write(w, 0, big, sizeof big, sizeof big), NMERR_INVALID_PACKET_LENGTH);
    assert_int_equal(nmx__capwriter_write(w, 0, big, 10, 10), NMERR_INVALID_PACKET_LENGTH);
    assert_int_equal(nmx__capwriter_close(w, &err), NMERR_INVALID_PACKET_LENGTH);
    assert_non_null(strstr(err.msg, "exceed the pcap maximum"));

    assert_int_equal(nmx__capwriter_open(path, NMX_CAPW_PCAP, 1, &w, &err), 0);
    assert_int_equal(nmx__capwriter_write(w, -1, big, 10, 10), NMERR_INVALID_DATA);
    assert_int_equal(nmx__capwriter_close(w, &err), NMERR_INVALID_DATA);
    assert_non_null(strstr(err.msg, "outside what pcap can store"));

    assert_int_equal(nmx__capwriter_open(path, NMX_CAPW_PCAP, 1, &w, &err), 0);
    nmx_frame_rec_t r = {.caplen = 4, .wirelen = 4, .linktype = NMX_LINK_RAW};
    assert_int_equal(nmx__capwriter_write_frame(w, &r, big), NMERR_INVALID_MEDIA_TYPE);
    assert_int_equal(nmx__capwriter_close(w, &err), NMERR_INVALID_MEDIA_TYPE);

    assert_int_equal(nmx__capwriter_open(path, NMX_CAPW_NETMON2, NMX_LINK_PER_FRAME, &w, &err), 0);
    assert_int_equal(nmx__capwriter_write(w, 0, big, 4, 4), NMERR_INVALID_PARAMETER);
    assert_int_equal(nmx__capwriter_close(w, &err), NMERR_INVALID_PARAMETER);
    assert_int_equal(nmx__capwriter_write(NULL, 0, big, 1, 1), NMERR_INVALID_PARAMETER);
    assert_int_equal(nmx__capwriter_close(NULL, &err), 0);
}

/* tshark and capinfos read what we write: counts, sizes, lengths, times. */
static void external_check(const nmx_cap_t *src, const char *path)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "capinfos -M -T -r -c -d '%s' 2>/dev/null", path);
    char *out = run_output(cmd);
    assert_non_null(out);
    char name[512];
    unsigned long long count = 0, bytes = 0;
    assert_int_equal(sscanf(out, "%511[^\t]\t%llu\t%llu", name, &count, &bytes), 3);
    nmx_capture_info_t in;
    nmx__cap_get_info(src, &in);
    assert_int_equal(count, in.frames);
    assert_int_equal(bytes, in.wire_bytes); /* capinfos "data size" sums wire lengths */
    free(out);
    snprintf(cmd, sizeof cmd,
             "TZ=UTC tshark -r '%s' -T fields -e frame.len -e frame.cap_len -e frame.time_epoch "
             "2>/dev/null",
             path);
    out = run_output(cmd);
    assert_non_null(out);
    uint32_t i = 0;
    for (char *line = strtok(out, "\n"); line != NULL; line = strtok(NULL, "\n"), i++) {
        unsigned len, caplen;
        long long sec;
        char frac[32];
        assert_int_equal(sscanf(line, "%u\t%u\t%lld.%31s", &len, &caplen, &sec, frac), 4);
        const nmx_frame_rec_t *r = nmx__cap_frame(src, i);
        assert_int_equal(r->wirelen, len);
        assert_int_equal(r->caplen, caplen);
        assert_true(r->ts_ns == NS(sec, strtoll(frac, NULL, 10)));
    }
    assert_int_equal(i, in.frames);
    free(out);
}

static void test_external_readers(void **state)
{
    (void)state;
    if (!have_tool("tshark") || !have_tool("capinfos")) {
        NMX_SKIP();
        return;
    }
    buf_t b = {0};
    build_source(&b, NMX_LINK_ETHERNET, 100, false);
    nmx_cap_t *src = open_ok(&b, "src.pcap");
    external_check(src, write_all(src, "ext.pcap", NMX_CAPW_PCAP, NMX_LINK_ETHERNET));
    external_check(src, write_all(src, "ext.cap", NMX_CAPW_NETMON2, NMX_LINK_ETHERNET));
    nmx__cap_close(src);
    buf_free(&b);
    build_source(&b, NMX_LINK_LINUX_SLL, 40, true);
    src = open_ok(&b, "src-ns.pcap");
    external_check(src, write_all(src, "ext-ns.pcap", NMX_CAPW_PCAP_NS, NMX_LINK_LINUX_SLL));
    nmx__cap_close(src);
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
        cmocka_unit_test(test_pcap_round_trip),  cmocka_unit_test(test_netmon_round_trip),
        cmocka_unit_test(test_netmon_per_frame), cmocka_unit_test(test_empty),
        cmocka_unit_test(test_errors),           cmocka_unit_test(test_external_readers),
    };
    return NMX_TEST_STATUS(cmocka_run_group_tests(tests, NULL, teardown_all));
}
