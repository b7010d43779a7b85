/*
 * test_capture_pcapng.c - the pcapng block reader: sections, interfaces,
 * if_tsresol (powers of 10 and 2) and if_tsoffset, enhanced, simple and
 * obsolete packet blocks, comments, skipped blocks, both byte orders, every
 * length check, and tshark and libpcap as peers over the same bytes.
 */
#include <pcap/pcap.h>

#include "captest.h"
#include "capture/cap_internal.h"

#include <netmon.h>
#include "../../nmx_skip.h"

/*
 * Section (LE or BE) with one Ethernet interface and three packets, plus
 * skipped blocks.  tshark shows custom blocks as time-less records of their
 * own, so its comparison leaves them out (`custom` false).
 */
static void build_basic(buf_t *b, bool be, bool custom)
{
    b->be = be;
    ng_shb(b, "section comment");
    ng_idb(b, NMX_LINK_ETHERNET, 65535, -1, false, 0);
    static const uint8_t ip[4] = {192, 0, 2, 1};
    ng_nrb(b, ip, "host.example");
    ng_epb(b, 0, 1500000000123456ull, 60, 60, 0, NULL);
    ng_isb(b, 0, 1500000000500000ull);
    ng_epb(b, 0, 1500000001000000ull, 61, 1500, 1, "first packet comment");
    ng_dsb(b, "CLIENT_RANDOM 00 11\n");
    if (custom) {
        ng_custom(b, 0x0BAD, "copiable");
        ng_custom(b, 0x40000BAD, "not copiable");
    }
    ng_opaque(b, 0x12345, 7);      /* unknown type */
    ng_epb(b, 0, 1500000002999999ull, 3, 3, 2, NULL);
}

static void test_basic(void **state)
{
    (void)state;
    for (int be = 0; be <= 1; be++) {
        buf_t b = {0};
        build_basic(&b, be, true);
        nmx_cap_t *cap = open_ok(&b, "basic.pcapng");
        assert_int_equal(nmx__cap_format(cap), NMX_CAPFMT_PCAPNG);
        assert_int_equal(nmx__cap_count(cap), 3);
        check_frame(cap, 0, 60, 60, NS(1500000000, 123456000), 0);
        check_frame(cap, 1, 61, 1500, NS(1500000001, 0), 1);
        check_frame(cap, 2, 3, 3, NS(1500000002, 999999000), 2);
        assert_null(nmx__cap_damage(cap));
        assert_int_equal(nmx__cap_time_digits(cap), 6);
        assert_string_equal(nmx__cap_comment(cap), "section comment");
        assert_null(nmx__cap_frame_comment(cap, 0));
        assert_string_equal(nmx__cap_frame_comment(cap, 1), "first packet comment");
        assert_true(nmx__cap_frame(cap, 1)->flags & NMX_FRAME_HAS_COMMENT);
        assert_non_null(strstr(nmx__cap_format_detail(cap), be ? "big-endian" : "little-endian"));
        assert_non_null(strstr(nmx__cap_format_detail(cap), "1 section"));
        nmx_capture_info_t in;
        nmx__cap_get_info(cap, &in);
        assert_int_equal(in.n_comments, 2);
        assert_int_equal(in.comment_frames[0], 0);
        assert_string_equal(in.comments[0], "section comment");
        assert_int_equal(in.comment_frames[1], 2);
        assert_string_equal(in.comments[1], "first packet comment");
        assert_int_equal(nmx__cap_mactype(cap), 1);
        nmx__cap_close(cap);
        buf_free(&b);
    }
}

/* Interfaces with different link types, snap lengths, resolutions and offsets. */
static void build_multi(buf_t *b)
{
    ng_shb(b, NULL);
    ng_idb(b, NMX_LINK_ETHERNET, 65535, 9, false, 0);            /* nanoseconds */
    ng_idb(b, NMX_LINK_LINUX_SLL, 2048, 0x83, false, 0);         /* 1/8 s */
    ng_idb(b, NMX_LINK_RAW, 0, 3, true, 100);                    /* ms, +100 s */
    ng_idb(b, NMX_LINK_IPV6, 262144, 0x94, false, 0);            /* 2^-20 s */
    ng_epb(b, 0, 1600000000123456789ull, 10, 10, 0, NULL);
    ng_epb(b, 1, 1600000000ull * 8 + 5, 11, 11, 1, NULL);
    ng_epb(b, 2, 1600000000250ull, 12, 12, 2, NULL);
    ng_epb(b, 3, (1600000000ull << 20) + 3, 13, 13, 3, NULL);
    ng_epb(b, 0, 1600000001000000001ull, 14, 14, 4, "two");
}

static void test_interfaces(void **state)
{
    (void)state;
    buf_t b = {0};
    build_multi(&b);
    nmx_cap_t *cap = open_ok(&b, "multi.pcapng");
    assert_int_equal(nmx__cap_count(cap), 5);
    assert_int_equal(nmx__cap_iface_count(cap), 4);
    check_frame(cap, 0, 10, 10, NS(1600000000, 123456789), 0);
    check_frame(cap, 1, 11, 11, NS(1600000000, 625000000), 1);
    check_frame(cap, 2, 12, 12, NS(1600000100, 250000000), 2);
    check_frame(cap, 3, 13, 13, NS(1600000000, 2861), 3); /* 3 / 2^20 s = 2861.02 ns */
    check_frame(cap, 4, 14, 14, NS(1600000001, 1), 4);
    static const uint32_t lt[] = {NMX_LINK_ETHERNET, NMX_LINK_LINUX_SLL, NMX_LINK_RAW, NMX_LINK_IPV6,
                                  NMX_LINK_ETHERNET};
    for (uint32_t i = 0; i < 5; i++) {
        assert_int_equal(nmx__cap_frame(cap, i)->linktype, lt[i]);
        assert_int_equal(nmx__cap_frame(cap, i)->iface, i % 4);
    }
    assert_int_equal(nmx__cap_iface(cap, 1)->snaplen, 2048);
    assert_int_equal(nmx__cap_iface(cap, 0)->time_digits, 9);
    assert_int_equal(nmx__cap_iface(cap, 1)->time_digits, 1);
    assert_int_equal(nmx__cap_iface(cap, 2)->time_digits, 3);
    assert_int_equal(nmx__cap_iface(cap, 3)->time_digits, 7);
    assert_int_equal(nmx__cap_time_digits(cap), 9);
    nmx_capture_info_t in;
    nmx__cap_get_info(cap, &in);
    assert_int_equal(in.n_link_types, 4);
    assert_string_equal(in.link_types[0], "ether");
    assert_string_equal(in.link_types[1], "linux-sll");
    assert_string_equal(in.link_types[2], "rawip");
    assert_string_equal(in.link_types[3], "rawip6");
    assert_int_equal(in.interfaces, 4);
    nmx__cap_close(cap);
    buf_free(&b);
}

/* Two sections, the second big-endian: interface numbers restart per section. */
static void build_sections(buf_t *b)
{
    b->be = false;
    ng_shb(b, "one");
    ng_idb(b, NMX_LINK_ETHERNET, 0, -1, false, 0);
    ng_epb(b, 0, 1000000, 20, 20, 0, NULL);
    b->be = true;
    ng_shb(b, "two");
    ng_idb(b, NMX_LINK_LINUX_SLL2, 0, -1, false, 0);
    ng_idb(b, NMX_LINK_NULL, 0, 9, false, 0);
    ng_epb(b, 1, 3000000000ull, 21, 21, 1, NULL);
    ng_epb(b, 0, 4000000, 22, 22, 2, NULL);
}

static void test_sections(void **state)
{
    (void)state;
    buf_t b = {0};
    build_sections(&b);
    nmx_cap_t *cap = open_ok(&b, "sections.pcapng");
    assert_int_equal(nmx__cap_count(cap), 3);
    check_frame(cap, 0, 20, 20, NS(1, 0), 0);
    check_frame(cap, 1, 21, 21, NS(3, 0), 1);
    check_frame(cap, 2, 22, 22, NS(4, 0), 2);
    assert_int_equal(nmx__cap_frame(cap, 0)->iface, 0);
    assert_int_equal(nmx__cap_frame(cap, 1)->iface, 2);
    assert_int_equal(nmx__cap_frame(cap, 1)->linktype, NMX_LINK_NULL);
    assert_int_equal(nmx__cap_frame(cap, 2)->iface, 1);
    assert_int_equal(nmx__cap_frame(cap, 2)->linktype, NMX_LINK_LINUX_SLL2);
    assert_int_equal(nmx__cap_iface(cap, 2)->section, 1);
    assert_string_equal(nmx__cap_comment(cap), "one\ntwo");
    assert_non_null(strstr(nmx__cap_format_detail(cap), "2 sections"));
    assert_non_null(strstr(nmx__cap_format_detail(cap), "mixed byte order"));
    nmx__cap_close(cap);
    buf_free(&b);
}

/* Simple packet blocks (no time, snap length applies) and the obsolete packet block. */
static void test_spb_and_pb(void **state)
{
    (void)state;
    buf_t b = {0};
    ng_shb(&b, NULL);
    ng_idb(&b, NMX_LINK_ETHERNET, 64, -1, false, 0);
    ng_idb(&b, NMX_LINK_RAW, 0, -1, false, 0);
    ng_spb(&b, 100, 64, 0);   /* truncated to the snap length */
    ng_spb(&b, 30, 30, 1);
    ng_pb(&b, 1, 2000000, 40, 44, 2);
    nmx_cap_t *cap = open_ok(&b, "spb.pcapng");
    assert_int_equal(nmx__cap_count(cap), 3);
    check_frame(cap, 0, 64, 100, 0, 0);
    check_frame(cap, 1, 30, 30, 0, 1);
    check_frame(cap, 2, 40, 44, NS(2, 0), 2);
    assert_true(nmx__cap_frame(cap, 0)->flags & NMX_FRAME_NO_TS);
    assert_false(nmx__cap_frame(cap, 2)->flags & NMX_FRAME_NO_TS);
    assert_int_equal(nmx__cap_frame(cap, 2)->linktype, NMX_LINK_RAW);
    nmx_capture_info_t in;
    nmx__cap_get_info(cap, &in);
    /* Frames without a time do not count for first/last. */
    assert_true(in.first_ns == NS(2, 0) && in.last_ns == NS(2, 0));
    assert_int_equal(nmx__cap_warning_count(cap), 1);
    assert_non_null(strstr(nmx__cap_warning(cap, 0), "no time stamp"));
    nmx__cap_close(cap);
    buf_free(&b);
}

static void test_empty(void **state)
{
    (void)state;
    buf_t b = {0};
    ng_shb(&b, NULL);
    nmx_cap_t *cap = open_ok(&b, "shb-only.pcapng");
    assert_int_equal(nmx__cap_count(cap), 0);
    assert_int_equal(nmx__cap_iface_count(cap), 0);
    assert_null(nmx__cap_damage(cap));
    nmx__cap_close(cap);
    ng_idb(&b, NMX_LINK_ETHERNET, 0, -1, false, 0);
    cap = open_ok(&b, "empty.pcapng");
    assert_int_equal(nmx__cap_count(cap), 0);
    assert_int_equal(nmx__cap_iface_count(cap), 1);
    nmx__cap_close(cap);
    buf_free(&b);
}

/* A good section, one good packet, then `bad` appended by the caller. */
static size_t good_prefix(buf_t *b)
{
    ng_shb(b, NULL);
    ng_idb(b, NMX_LINK_ETHERNET, 0, -1, false, 0);
    ng_epb(b, 0, 5000000, 16, 16, 0, NULL);
    return b->n;
}

static void test_damage(void **state)
{
    (void)state;
    buf_t b = {0};
    size_t at = good_prefix(&b);
    nmx_cap_t *cap;

    /* Packet on an interface the section does not have. */
    ng_epb(&b, 5, 6000000, 16, 16, 1, NULL);
    cap = open_ok(&b, "ifc.pcapng");
    expect_damage(cap, 1, at + 8, "interface 5, but its section has 1 interface");
    check_frame(cap, 0, 16, 16, NS(5, 0), 0);
    nmx__cap_close(cap);

    /* Block length not a multiple of 4, too small, too large, trailer mismatch. */
    b.n = at;
    ng_epb(&b, 0, 6000000, 16, 16, 1, NULL);
    size_t len = b.n - at;
    buf_put32(&b, at + 4, (uint32_t)len + 2);
    char why[128];
    snprintf(why, sizeof why, "block length %zu is not a multiple of 4", len + 2);
    cap = open_ok(&b, "mul4.pcapng");
    expect_damage(cap, 1, at + 4, why);
    nmx__cap_close(cap);
    buf_put32(&b, at + 4, 8);
    cap = open_ok(&b, "small.pcapng");
    expect_damage(cap, 1, at + 4, "less than the minimum of 12");
    nmx__cap_close(cap);
    buf_put32(&b, at + 4, 0x7FFFFFF0u);
    cap = open_ok(&b, "big.pcapng");
    expect_damage(cap, 1, at + 4, "larger than the maximum of 16777216");
    nmx__cap_close(cap);
    buf_put32(&b, at + 4, (uint32_t)len);
    buf_put32(&b, b.n - 4, (uint32_t)len + 4);
    cap = open_ok(&b, "trailer.pcapng");
    snprintf(why, sizeof why, "block lengths do not match: %zu at the start, %zu at the end", len,
             len + 4);
    expect_damage(cap, 1, b.n - 4, why);
    nmx__cap_close(cap);

    /* Cut in the middle of the block, and right after a partial block header. */
    buf_put32(&b, b.n - 4, (uint32_t)len);
    size_t full = b.n;
    b.n = full - 10;
    cap = open_ok(&b, "cut.pcapng");
    snprintf(why, sizeof why, "truncated block: type 0x00000006, %zu bytes long, only %zu left", len,
             len - 10);
    expect_damage(cap, 1, at, why);
    nmx__cap_close(cap);
    b.n = at + 5;
    cap = open_ok(&b, "cut2.pcapng");
    expect_damage(cap, 1, at, "truncated block header: 5 of at least 12 bytes");
    nmx__cap_close(cap);

    /* Captured length beyond the block. */
    b.n = at;
    ng_epb(&b, 0, 6000000, 16, 16, 1, NULL);
    buf_put32(&b, at + 8 + 12, 17);
    cap = open_ok(&b, "caplen.pcapng");
    expect_damage(cap, 1, at + 8 + 12, "captured length 17 runs past the end of the block");
    nmx__cap_close(cap);

    /* An option that runs past its block. */
    b.n = at;
    ng_epb(&b, 0, 6000000, 16, 16, 1, "abcd");
    size_t opt = at + 8 + 20 + 16;
    b.p[opt + 2] = 200; /* option length 200 */
    cap = open_ok(&b, "option.pcapng");
    expect_damage(cap, 1, opt, "option 1 of length 200 runs past the end of its block");
    nmx__cap_close(cap);

    /* A simple packet block in a new section before any interface. */
    b.n = at;
    ng_shb(&b, NULL);
    size_t spb = b.n;
    ng_spb(&b, 10, 10, 1);
    cap = open_ok(&b, "spb.pcapng");
    expect_damage(cap, 1, spb + 8, "simple packet block before any interface description block");
    nmx__cap_close(cap);

    /* An interface with an unusable time resolution (10^-100). */
    b.n = at;
    size_t idb = b.n;
    ng_idb(&b, NMX_LINK_ETHERNET, 0, 100, false, 0);
    cap = open_ok(&b, "tsresol.pcapng");
    expect_damage(cap, 1, idb + 16 + 4, "unsupported if_tsresol 0x64 (10^-100)");
    nmx__cap_close(cap);

    /* A later section header with a bad version, or a bad byte-order magic. */
    b.n = at;
    size_t shb = b.n;
    ng_shb(&b, NULL);
    b.p[shb + 12] = 2;
    cap = open_ok(&b, "shb2.pcapng");
    expect_damage(cap, 1, shb + 12, "unsupported pcapng version 2.0");
    nmx__cap_close(cap);
    b.p[shb + 12] = 1;
    b.p[shb + 8] = 0x55;
    cap = open_ok(&b, "bom2.pcapng");
    expect_damage(cap, 1, shb + 8, "bad byte-order magic");
    nmx__cap_close(cap);
    buf_free(&b);
}

/* Problems in the first section header fail the open. */
static void test_rejected(void **state)
{
    (void)state;
    buf_t b = {0};
    ng_shb(&b, "comment");
    ng_idb(&b, NMX_LINK_ETHERNET, 0, -1, false, 0);
    b.p[12] = 0;
    b.p[14] = 1; /* version 0.1 */
    open_fails(&b, "vers.pcapng", NMERR_INVALID_FILE_FORMAT, 12, "unsupported pcapng version 0.1");
    b.p[12] = 1;
    b.p[14] = 0;
    b.p[8] = 0;
    open_fails(&b, "bom.pcapng", NMERR_INVALID_FILE_FORMAT, 8, "bad byte-order magic");
    b.p[8] = 0x4D;
    b.p[24 + 2] = 0x30; /* the comment option claims 0x3007 bytes */
    b.p[24 + 3] = 0x30;
    open_fails(&b, "opt.pcapng", NMERR_INVALID_FILE_FORMAT, 24, "runs past the end of its block");
    buf_t short_b = {0};
    buf_bytes(&short_b, b.p, 10);
    open_fails(&short_b, "short.pcapng", NMERR_INVALID_FILE_FORMAT, 0, "truncated block header");
    buf_free(&short_b);
    /* An IDB first (no section header) is not a pcapng file at all. */
    buf_t noshb = {0};
    ng_idb(&noshb, NMX_LINK_ETHERNET, 0, -1, false, 0);
    open_fails(&noshb, "noshb.pcapng", NMERR_INVALID_FILE_FORMAT, 0, "not a pcap, pcapng or NetMon capture");
    buf_free(&noshb);
    buf_free(&b);
}

/* tshark reads the same lengths and times from the same bytes. */
static void compare_with_tshark(const buf_t *b, const char *name)
{
    const char *path = scratch(name);
    assert_non_null(path);
    assert_true(write_file(path, b->p, b->n));
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "TZ=UTC tshark -r '%s' -T fields -e frame.len -e frame.cap_len -e frame.time_epoch "
             "2>/dev/null",
             path);
    char *out = run_output(cmd);
    assert_non_null(out);
    nmx_cap_t *cap = open_ok(b, name);
    uint32_t i = 0;
    for (char *line = strtok(out, "\n"); line != NULL; line = strtok(NULL, "\n"), i++) {
        unsigned len, caplen;
        long long sec;
        char frac[32];
        assert_int_equal(sscanf(line, "%u\t%u\t%lld.%31s", &len, &caplen, &sec, frac), 4);
        const nmx_frame_rec_t *r = nmx__cap_frame(cap, i);
        assert_non_null(r);
        assert_int_equal(r->wirelen, len);
        assert_int_equal(r->caplen, caplen);
        int64_t ns = NS(sec, strtoll(frac, NULL, 10));
        if (r->ts_ns != ns)
            print_error("%s frame %u: tshark %s, ours %lld\n", name, i, line, (long long)r->ts_ns);
        assert_true(r->ts_ns == ns);
    }
    assert_int_equal(i, nmx__cap_count(cap));
    free(out);
    nmx__cap_close(cap);
}

static void test_tshark_peer(void **state)
{
    (void)state;
    if (!have_tool("tshark")) {
        NMX_SKIP();
        return;
    }
    buf_t b = {0};
    build_basic(&b, false, false);
    compare_with_tshark(&b, "basic.pcapng");
    buf_free(&b);
    build_basic(&b, true, false);
    compare_with_tshark(&b, "basic-be.pcapng");
    buf_free(&b);
    build_multi(&b);
    compare_with_tshark(&b, "multi.pcapng");
    buf_free(&b);
    build_sections(&b);
    compare_with_tshark(&b, "sections.pcapng");
    buf_free(&b);
}

/* libpcap reads a single-interface file the same way. */
static void test_libpcap_peer(void **state)
{
    (void)state;
    buf_t b = {0};
    build_basic(&b, false, true);
    FILE *f = fmemopen(b.p, b.n, "rb");
    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, eb);
    assert_non_null(p);
    nmx_cap_t *cap = open_ok(&b, "peer.pcapng");
    struct pcap_pkthdr *h;
    const u_char *d;
    uint32_t i = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        const nmx_frame_rec_t *r = nmx__cap_frame(cap, i);
        assert_non_null(r);
        assert_int_equal(r->caplen, h->caplen);
        assert_int_equal(r->wirelen, h->len);
        assert_true(r->ts_ns == NS(h->ts.tv_sec, h->ts.tv_usec));
        assert_memory_equal(nmx__cap_data(cap, i), d, h->caplen);
        i++;
    }
    assert_int_equal(i, 3);
    pcap_close(p);
    nmx__cap_close(cap);
    buf_free(&b);
}

static int teardown_all(void **state)
{
    (void)state;
    scratch_remove();
    return 0;
}

/*
 * Times far apart but inside the range of int64 nanoseconds are exact (their
 * difference does not fit in an int64: the duration and FRAME.TimeStamp
 * must not overflow); a time outside it is clamped and damages the capture.
 */
static void test_time_out_of_range(void **state)
{
    (void)state;
    buf_t b = {0};
    ng_shb(&b, NULL);
    ng_idb(&b, NMX_LINK_ETHERNET, 65535, 0, true, -9000000000LL); /* seconds, -9e9 s */
    ng_idb(&b, NMX_LINK_ETHERNET, 65535, 0, true, 9000000000LL);
    ng_epb(&b, 0, 0, 10, 10, 0, NULL);
    ng_epb(&b, 1, 0, 11, 11, 1, NULL);
    nmx_cap_t *cap = open_ok(&b, "far.pcapng");
    check_frame(cap, 0, 10, 10, -9000000000000000000LL, 0);
    check_frame(cap, 1, 11, 11, 9000000000000000000LL, 1);
    assert_null(nmx__cap_damage(cap));
    nmx_capture_info_t in;
    nmx__cap_get_info(cap, &in);
    assert_true(in.first_ns == -9000000000000000000LL && in.last_ns == 9000000000000000000LL);
    assert_true(nmx__cap_us_between(in.first_ns, in.last_ns) == 18000000000000000LL);
    nmx__cap_close(cap);

    ng_epb(&b, 1, UINT64_MAX, 12, 12, 2, NULL); /* 1.8e19 s after 1970 */
    ng_epb(&b, 0, 5, 13, 13, 3, NULL);
    cap = open_ok(&b, "far.pcapng");
    assert_int_equal(nmx__cap_count(cap), 4);
    assert_true(nmx__cap_frame(cap, 2)->ts_ns == INT64_MAX);
    assert_true(nmx__cap_frame(cap, 2)->flags & NMX_FRAME_TS_CLAMPED);
    check_frame(cap, 3, 13, 13, -8999999995000000000LL, 3);
    expect_damage(cap, 4, nmx__cap_frame(cap, 2)->data_off,
                  "frame 3: time outside the representable range");
    assert_non_null(strstr(nmx__cap_damage(cap)->reason, "1 frame"));
    nmx__cap_close(cap);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),         cmocka_unit_test(test_interfaces),
        cmocka_unit_test(test_sections),      cmocka_unit_test(test_spb_and_pb),
        cmocka_unit_test(test_empty),         cmocka_unit_test(test_damage),
        cmocka_unit_test(test_rejected),      cmocka_unit_test(test_tshark_peer),
        cmocka_unit_test(test_libpcap_peer),  cmocka_unit_test(test_time_out_of_range),
    };
    return NMX_TEST_STATUS(cmocka_run_group_tests(tests, NULL, teardown_all));
}
