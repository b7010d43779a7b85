/*
 * test_capture_netmon.c - the NetMon 1.x / 2.0-2.3 reader: the frame table
 * (out of order, with gaps), timestamps (header start + offset, negative
 * offsets, 2.3 UTC stamps), per-frame media types and the special frames,
 * comments of every version, damage and rejection, and tshark as a peer.
 */
#include "captest.h"
#include "capture/cap_internal.h"

#include <netmon.h>
#include "../../nmx_skip.h"

/* 2016-08-08 (a Monday) 09:43:59.059 */
static const uint16_t start_st[8] = {2016, 8, 1, 8, 9, 43, 59, 59};
#define START_NS NS(1470649439, 59000000)

/* NetMon 2.0, Ethernet: three contiguous frames and a capture comment. */
static void build_v20(buf_t *b)
{
    nm_header(b, "GMBU", 2, 0, 1, start_st);
    size_t offs[3];
    offs[0] = nm_record2(b, 0, 60, 60, 0, 0, 0, 0);
    offs[1] = nm_record2(b, 1234567, 1514, 1514, 1, 0, 0, 0);
    offs[2] = nm_record2(b, -5, 10, 64, 2, 0, 0, 0); /* before the nominal start */
    nm_table(b, offs, 3);
    size_t c = b->n;
    buf_bytes(b, "capture comment", 15);
    buf_put32(b, 40, (uint32_t)c);
    buf_put32(b, 44, 15);
}

static void test_v20(void **state)
{
    (void)state;
    buf_t b = {0};
    build_v20(&b);
    nmx_cap_t *cap = open_ok(&b, "v20.cap");
    assert_int_equal(nmx__cap_format(cap), NMX_CAPFMT_NETMON2);
    assert_string_equal(nmx__cap_format_name(cap), "netmon2");
    assert_non_null(strstr(nmx__cap_format_detail(cap), "NetMon 2.0"));
    assert_int_equal(nmx__cap_count(cap), 3);
    check_frame(cap, 0, 60, 60, START_NS, 0);
    check_frame(cap, 1, 1514, 1514, START_NS + 1234567000LL, 1);
    check_frame(cap, 2, 10, 64, START_NS - 5000, 2);
    for (uint32_t i = 0; i < 3; i++)
        assert_int_equal(nmx__cap_frame(cap, i)->linktype, NMX_LINK_ETHERNET);
    assert_int_equal(nmx__cap_time_digits(cap), 6);
    assert_int_equal(nmx__cap_mactype(cap), MAC_TYPE_ETHERNET);
    assert_string_equal(nmx__cap_comment(cap), "capture comment");
    const nmx_systemtime_t *st = nmx__cap_systemtime(cap);
    assert_memory_equal(st, start_st, sizeof start_st);
    assert_null(nmx__cap_damage(cap));
    nmx_capture_info_t in;
    nmx__cap_get_info(cap, &in);
    assert_true(in.first_ns == START_NS - 5000);
    assert_true(in.last_ns == START_NS + 1234567000LL);
    nmx__cap_close(cap);
    buf_free(&b);
}

static void test_v1(void **state)
{
    (void)state;
    buf_t b = {0};
    nm_header(&b, "RTSS", 1, 1, 2, start_st); /* Token Ring */
    size_t offs[2];
    offs[0] = nm_record1(&b, 0, 40, 40, 0);
    offs[1] = nm_record1(&b, 1500, 20, 1500, 1);
    nm_table(&b, offs, 2);
    nmx_cap_t *cap = open_ok(&b, "v1.cap");
    assert_int_equal(nmx__cap_format(cap), NMX_CAPFMT_NETMON1);
    assert_string_equal(nmx__cap_format_name(cap), "netmon1");
    assert_int_equal(nmx__cap_time_digits(cap), 3);
    check_frame(cap, 0, 40, 40, START_NS, 0);
    check_frame(cap, 1, 20, 1500, START_NS + 1500000000LL, 1);
    assert_int_equal(nmx__cap_frame(cap, 0)->linktype, NMX_LINK_TOKEN_RING);
    assert_int_equal(nmx__cap_mactype(cap), MAC_TYPE_TOKENRING);
    nmx__cap_close(cap);
    buf_free(&b);
}

/* 2.1: per-frame media types, special frames, records out of order with gaps, 72-byte header. */
static const struct {
    uint16_t media;
    uint32_t linktype;
    const char *name;
} media[] = {
    {1, NMX_LINK_ETHERNET, "ether"},
    {0xFFE0, NMX_LINK_NETMON_EVENT, "netmon_event"},
    {0xFFFF, NMX_LINK_NETMON_FILTER, "netmon_filter"},
    {0xE000 | 113, NMX_LINK_LINUX_SLL, "linux-sll"},
    {0xFFFD, NMX_LINK_NETMON_NETINFO, "netmon_network_info"},
    {0xFFFE, NMX_LINK_NETMON_DNS_CACHE, "netmon_dns_cache"},
    {0xFFFB, NMX_LINK_NETMON_NETINFO_EX, "netmon_network_info_ex"},
    {0xFFFC, NMX_LINK_NETMON_REASSEMBLY, "netmon_payload_header"},
    {6, NMX_LINK_NETMON_80211, "ieee-802-11-netmon"},
    {9, NMX_LINK_RAW, "rawip"},
    {0, NMX_LINK_ETHERNET, "ether"},
    {2, NMX_LINK_TOKEN_RING, "tr"},
    {3, NMX_LINK_FDDI, "fddi-swapped"},
    {4, NMX_LINK_NETMON_ATM, "atm-pdus"},
    {0xE080, NMX_LINK_NETMON_MSGANALYZER, "netmon-media-0xe080"},
    {0x1234, NMX_LINK_NETMON_BASE | 0x1234, "netmon-media-0x1234"},
};
#define N_MEDIA (sizeof media / sizeof media[0])

static void build_v21(buf_t *b)
{
    nm_header(b, "GMBU", 2, 1, 1, start_st);
    b->n = 72; /* the header proper is 72 bytes; Network Monitor 3 starts frames there */
    size_t offs[N_MEDIA];
    /* Stored back to front, with 3 bytes of gap between records. */
    for (size_t k = N_MEDIA; k-- > 0;) {
        offs[k] = nm_record2(b, (int64_t)k * 1000, 20 + (uint32_t)k, 100 + (uint32_t)k, (unsigned)k, 2,
                             media[k].media, 0);
        buf_zero(b, 3);
    }
    nm_table(b, offs, N_MEDIA);
}

static void test_v21_media(void **state)
{
    (void)state;
    buf_t b = {0};
    build_v21(&b);
    nmx_cap_t *cap = open_ok(&b, "v21.cap");
    assert_int_equal(nmx__cap_count(cap), N_MEDIA);
    for (uint32_t k = 0; k < N_MEDIA; k++) {
        check_frame(cap, k, 20 + k, 100 + k, START_NS + k * 1000000LL, k);
        assert_int_equal(nmx__cap_frame(cap, k)->linktype, media[k].linktype);
    }
    nmx_capture_info_t in;
    nmx__cap_get_info(cap, &in);
    /* Distinct link types in order of first use. */
    size_t n = 0;
    for (size_t k = 0; k < N_MEDIA; k++) {
        bool seen = false;
        for (size_t j = 0; j < k; j++)
            seen = seen || media[j].linktype == media[k].linktype;
        if (seen)
            continue;
        assert_true(n < in.n_link_types);
        assert_int_equal(in.link_type_values[n], media[k].linktype);
        assert_string_equal(in.link_types[n], media[k].name);
        n++;
    }
    assert_int_equal(n, in.n_link_types);
    assert_int_equal(nmx__cap_mactype(cap), MAC_TYPE_ETHERNET);
    assert_int_equal(nmx__linktype_to_mactype(nmx__cap_frame(cap, 1)->linktype), MAC_TYPE_UNKNOWN);
    nmx__cap_close(cap);
    buf_free(&b);
}

/* Appends a 2.2+ comment entry: UTF-16LE title (from UTF-16 units), raw description. */
static void comment_entry(buf_t *b, uint32_t frame_off, const uint16_t *title, size_t units,
                          const char *desc)
{
    buf_u32(b, 1);
    buf_u32(b, frame_off);
    buf_u32(b, (uint32_t)(2 * units));
    for (size_t k = 0; k < units; k++)
        buf_u16(b, title[k]);
    buf_u32(b, (uint32_t)strlen(desc));
    buf_bytes(b, desc, strlen(desc));
}

/* 2.2 (6-byte trailer) or 2.3 (15-byte trailer, UTC stamps) with frame comments. */
static void build_v22plus(buf_t *b, uint8_t minor)
{
    unsigned trl = minor == 2 ? 6 : 15;
    /* The header's start is local time (UTC-8 here); 2.3 stamps are UTC. */
    static const uint16_t local[8] = {2016, 8, 1, 8, 1, 43, 59, 59};
    nm_header(b, "GMBU", 2, minor, 1, minor == 3 ? local : start_st);
    size_t offs[3];
    const uint64_t ft0 = 131151230390596839ull; /* 2016-08-08 09:43:59.0596839 UTC */
    offs[0] = nm_record2(b, 0, 30, 30, 0, trl, 1, ft0);
    offs[1] = nm_record2(b, 1000, 31, 31, 1, trl, 0xFFE0, ft0 + 10000);
    offs[2] = nm_record2(b, 2000, 32, 32, 2, trl, 1, ft0 + 20001);
    nm_table(b, offs, 3);
    size_t c = b->n;
    static const uint16_t t0[] = {'S', 't', 'e', 'p', ' ', '1', 0};
    static const uint16_t t2[] = {'E', 0x00FC, 'r', 'o', ' ', 0xD83D, 0xDE00, 0}; /* "Eüro 😀" */
    comment_entry(b, (uint32_t)offs[2], t2, 8, "{\\rtf1 second}");
    comment_entry(b, (uint32_t)offs[0], t0, 7, "{\\rtf1 first}");
    comment_entry(b, 999999, t0, 6, ""); /* for no frame: ignored */
    buf_put32(b, 40, (uint32_t)c);
    buf_put32(b, 44, (uint32_t)(b->n - c));
}

static void test_v22_v23(void **state)
{
    (void)state;
    for (uint8_t minor = 2; minor <= 3; minor++) {
        buf_t b = {0};
        build_v22plus(&b, minor);
        nmx_cap_t *cap = open_ok(&b, "v2x.cap");
        assert_int_equal(nmx__cap_count(cap), 3);
        if (minor == 2) {
            check_frame(cap, 0, 30, 30, START_NS, 0);
            check_frame(cap, 2, 32, 32, START_NS + 2000000, 2);
            assert_int_equal(nmx__cap_time_digits(cap), 6);
        } else {
            check_frame(cap, 0, 30, 30, NS(1470649439, 59683900), 0);
            check_frame(cap, 1, 31, 31, NS(1470649439, 60683900), 1);
            check_frame(cap, 2, 32, 32, NS(1470649439, 61684000), 2);
            assert_int_equal(nmx__cap_time_digits(cap), 7);
            assert_int_equal(nmx__cap_systemtime(cap)->hour, 1); /* local time, as stored */
        }
        assert_int_equal(nmx__cap_frame(cap, 1)->linktype, NMX_LINK_NETMON_EVENT);
        assert_string_equal(nmx__cap_frame_comment(cap, 0), "Step 1");
        assert_string_equal(nmx__cap_frame_comment_detail(cap, 0), "{\\rtf1 first}");
        assert_null(nmx__cap_frame_comment(cap, 1));
        assert_string_equal(nmx__cap_frame_comment(cap, 2), "E\xc3\xbcro \xf0\x9f\x98\x80");
        assert_null(nmx__cap_comment(cap)); /* 2.2+: offset 40 is the frame comment table */
        nmx_capture_info_t in;
        nmx__cap_get_info(cap, &in);
        assert_int_equal(in.n_comments, 2);
        assert_int_equal(in.comment_frames[0], 1);
        assert_int_equal(in.comment_frames[1], 3);
        assert_null(nmx__cap_damage(cap));
        nmx__cap_close(cap);
        buf_free(&b);
    }
}

/*
 * A header start time outside the range of int64 nanoseconds (1677-09-21 to
 * 2262-04-11) used to wrap silently (year 10198 read as 2015-03-16): the
 * frames are kept with their times clamped to the nearest end, and the
 * capture is damaged, naming the header's time.
 */
static void test_time_out_of_range(void **state)
{
    (void)state;
    static const uint16_t late[8] = {10198, 3, 0, 16, 12, 0, 0, 0};
    static const uint16_t early[8] = {1601, 1, 1, 1, 0, 0, 0, 0};
    for (int k = 0; k < 2; k++) {
        buf_t b = {0};
        nm_header(&b, "GMBU", 2, 0, 1, k == 0 ? late : early);
        size_t offs[2];
        offs[0] = nm_record2(&b, 0, 60, 60, 0, 0, 0, 0);
        offs[1] = nm_record2(&b, -1000, 60, 60, 1, 0, 0, 0);
        nm_table(&b, offs, 2);
        nmx_cap_t *cap = open_ok(&b, "far.cap");
        int64_t want = k == 0 ? INT64_MAX : INT64_MIN;
        assert_int_equal(nmx__cap_count(cap), 2);
        for (uint32_t i = 0; i < 2; i++) {
            assert_true(nmx__cap_frame(cap, i)->ts_ns == want);
            assert_true(nmx__cap_frame(cap, i)->flags & NMX_FRAME_TS_CLAMPED);
        }
        expect_damage(cap, 2, 8, k == 0 ? "start time 10198-03-16 12:00:00.000" : "start time 1601-01-01");
        assert_non_null(strstr(nmx__cap_damage(cap)->reason, "representable range"));
        assert_memory_equal(nmx__cap_systemtime(cap), k == 0 ? late : early, sizeof late);
        nmx_capture_info_t in;
        nmx__cap_get_info(cap, &in);
        assert_non_null(in.damage);
        assert_true(in.first_ns == want && in.last_ns == want);
        nmx__cap_close(cap);
        buf_free(&b);
    }
    /* 2.3 frames carry their own UTC times: the header's start is not used. */
    buf_t b = {0};
    build_v22plus(&b, 3);
    b.p[8] = (uint8_t)(10198 & 0xFF);
    b.p[9] = (uint8_t)(10198 >> 8);
    nmx_cap_t *cap = open_ok(&b, "v23.cap");
    check_frame(cap, 0, 30, 30, NS(1470649439, 59683900), 0);
    assert_null(nmx__cap_damage(cap));
    nmx__cap_close(cap);
    buf_free(&b);
    /* A 2.x offset that overflows the range is damage too, at the frame. */
    b = (buf_t){0};
    nm_header(&b, "GMBU", 2, 0, 1, start_st);
    size_t offs[2];
    offs[0] = nm_record2(&b, 0, 60, 60, 0, 0, 0, 0);
    offs[1] = nm_record2(&b, INT64_MAX / 10, 60, 60, 1, 0, 0, 0);
    nm_table(&b, offs, 2);
    cap = open_ok(&b, "far2.cap");
    check_frame(cap, 0, 60, 60, START_NS, 0);
    assert_true(nmx__cap_frame(cap, 1)->ts_ns == INT64_MAX);
    expect_damage(cap, 2, offs[1] + 16, "frame 2: time outside the representable range");
    nmx__cap_close(cap);
    buf_free(&b);
}

static void test_empty_and_odd_header(void **state)
{
    (void)state;
    buf_t b = {0};
    nm_header(&b, "GMBU", 2, 0, 1, start_st);
    nm_table(&b, NULL, 0);
    nmx_cap_t *cap = open_ok(&b, "empty.cap");
    assert_int_equal(nmx__cap_count(cap), 0);
    assert_null(nmx__cap_damage(cap));
    nmx__cap_close(cap);
    buf_free(&b);

    /* An impossible start date: frames are placed relative to 1970, with a warning. */
    static const uint16_t bad[8] = {2016, 13, 0, 40, 25, 0, 0, 0};
    nm_header(&b, "GMBU", 2, 0, 1, bad);
    size_t off = nm_record2(&b, 7, 4, 4, 0, 0, 0, 0);
    nm_table(&b, &off, 1);
    cap = open_ok(&b, "badstart.cap");
    check_frame(cap, 0, 4, 4, 7000, 0);
    assert_int_equal(nmx__cap_warning_count(cap), 1);
    assert_non_null(strstr(nmx__cap_warning(cap, 0), "not a valid date"));
    nmx__cap_close(cap);
    buf_free(&b);
}

/* More comment entries than frames: all are checked, one per frame is kept, with a warning. */
static void test_comment_excess(void **state)
{
    (void)state;
    buf_t b = {0};
    nm_header(&b, "GMBU", 2, 2, 1, start_st);
    size_t off = nm_record2(&b, 0, 30, 30, 0, 6, 1, 0);
    nm_table(&b, &off, 1);
    size_t c = b.n;
    static const uint16_t t[] = {'a', 0};
    for (int k = 0; k < 3; k++)
        comment_entry(&b, (uint32_t)off, t, 2, "d");
    buf_put32(&b, 40, (uint32_t)c);
    buf_put32(&b, 44, (uint32_t)(b.n - c));
    nmx_cap_t *cap = open_ok(&b, "excess.cap");
    assert_int_equal(nmx__cap_count(cap), 1);
    assert_null(nmx__cap_damage(cap));
    assert_string_equal(nmx__cap_frame_comment(cap, 0), "a");
    assert_int_equal(nmx__cap_warning_count(cap), 1);
    assert_non_null(strstr(nmx__cap_warning(cap, 0), "3 frame comments for 1 frames"));
    nmx__cap_close(cap);
    buf_free(&b);
}

static void test_damage(void **state)
{
    (void)state;
    buf_t b = {0};
    nm_header(&b, "GMBU", 2, 1, 1, start_st);
    size_t offs[3];
    offs[0] = nm_record2(&b, 0, 30, 30, 0, 2, 1, 0);
    offs[1] = nm_record2(&b, 1, 31, 31, 1, 2, 1, 0);
    offs[2] = nm_record2(&b, 2, 32, 32, 2, 2, 1, 0);
    size_t table = b.n;
    nm_table(&b, offs, 3);
    nmx_cap_t *cap;

    /* A table entry beyond the end of the file: the frames before it stay. */
    buf_put32(&b, table + 8, (uint32_t)b.n + 100000);
    cap = open_ok(&b, "entry.cap");
    expect_damage(cap, 2, table + 8, "frame table entry 2 points to offset");
    check_frame(cap, 1, 31, 31, START_NS + 1000, 1);
    nmx__cap_close(cap);
    /* A record header cut by the end of the file. */
    buf_put32(&b, table + 8, (uint32_t)b.n - 6);
    cap = open_ok(&b, "hdr.cap");
    expect_damage(cap, 2, b.n - 6, "frame 2: truncated record header: 6 of 16 bytes");
    nmx__cap_close(cap);
    /* Data or trailer running past the end (the record starts 20 bytes before the end). */
    buf_put32(&b, table + 8, (uint32_t)b.n - 20);
    cap = open_ok(&b, "data.cap");
    expect_damage(cap, 2, b.n - 20, "runs past the end of the file");
    nmx__cap_close(cap);
    buf_put32(&b, table + 8, (uint32_t)offs[2]);
    buf_put32(&b, offs[2] + 12, 32 + 11); /* 43 stored bytes: the trailer would end 1 past the table */
    cap = open_ok(&b, "trailer.cap");
    assert_int_equal(nmx__cap_count(cap), 3); /* still inside the file: a frame, not damage */
    nmx__cap_close(cap);
    buf_put32(&b, offs[2] + 12, 32);

    /* A comment section beyond the file (2.2): damage reported, every frame kept. */
    buf_t c = {0};
    nm_header(&c, "GMBU", 2, 2, 1, start_st);
    offs[0] = nm_record2(&c, 0, 30, 30, 0, 6, 1, 0);
    offs[1] = nm_record2(&c, 1, 31, 31, 1, 6, 1, 0);
    nm_table(&c, offs, 2);
    buf_put32(&c, 40, 100);
    buf_put32(&c, 44, 0x10000);
    cap = open_ok(&c, "comments.cap");
    expect_damage(cap, 2, 40, "comment section (offset 100, 65536 bytes) extends beyond the end");
    nmx__cap_close(cap);
    /* A comment entry whose title is longer than the section. */
    size_t cs = c.n;
    static const uint16_t t[] = {'x', 0};
    comment_entry(&c, (uint32_t)offs[0], t, 2, "d");
    buf_put32(&c, cs + 8, 500);
    buf_put32(&c, 40, (uint32_t)cs);
    buf_put32(&c, 44, (uint32_t)(c.n - cs));
    cap = open_ok(&c, "title.cap");
    expect_damage(cap, 2, cs, "comment title of 500 bytes is larger than what is left");
    nmx__cap_close(cap);
    buf_free(&c);
    buf_free(&b);
}

static void test_rejected(void **state)
{
    (void)state;
    buf_t b = {0};
    build_v20(&b);
    uint32_t table_off = (uint32_t)b.p[24] | (uint32_t)b.p[25] << 8 | (uint32_t)b.p[26] << 16;
    buf_put32(&b, 28, 13);
    open_fails(&b, "len.cap", NMERR_INVALID_FILE_FORMAT, 28, "frame table length 13 is not a multiple of 4");
    buf_put32(&b, 28, 12);
    buf_put32(&b, 24, 0x7FFFFFF0u);
    open_fails(&b, "off.cap", NMERR_INVALID_FILE_FORMAT, 24, "frame table (offset 2147483632, 12 bytes) extends beyond");
    buf_put32(&b, 24, table_off);
    buf_t cut = {0};
    buf_bytes(&cut, b.p, table_off + 6);
    open_fails(&cut, "cut.cap", NMERR_INVALID_FILE_FORMAT, 24, "extends beyond the end of the file");
    buf_free(&cut);
    b.p[5] = 3;
    b.p[4] = 0;
    open_fails(&b, "v30.cap", NMERR_UPLEVEL_CAPTURE_FILE, 4, "NetMon file version 3.0 is newer than 2.3");
    b.p[5] = 2;
    b.p[4] = 4;
    open_fails(&b, "v24.cap", NMERR_UPLEVEL_CAPTURE_FILE, 4, "version 2.4 is newer");
    b.p[4] = 0;
    memcpy(b.p, "RTSS", 4);
    open_fails(&b, "sig.cap", NMERR_INVALID_FILE_FORMAT, 4, "does not match its signature");
    buf_t shortb = {0};
    buf_bytes(&shortb, b.p, 60);
    open_fails(&shortb, "short.cap", NMERR_INVALID_FILE_FORMAT, 60, "truncated NetMon file header: 60 of 72 bytes");
    buf_free(&shortb);
    buf_free(&b);
}

/* tshark (TZ=UTC) sees the same lengths and times. */
static void compare_with_tshark(const buf_t *b, const char *name)
{
    const char *path = scratch(name);
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
        if (r->ts_ns != NS(sec, strtoll(frac, NULL, 10)))
            print_error("%s frame %u: tshark %s, ours %lld\n", name, i, line, (long long)r->ts_ns);
        assert_true(r->ts_ns == NS(sec, strtoll(frac, NULL, 10)));
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
    build_v20(&b);
    compare_with_tshark(&b, "v20.cap");
    buf_free(&b);
    build_v22plus(&b, 2);
    compare_with_tshark(&b, "v22.cap");
    buf_free(&b);
    build_v22plus(&b, 3);
    compare_with_tshark(&b, "v23.cap");
    buf_free(&b);
    nm_header(&b, "RTSS", 1, 1, 1, start_st);
    size_t offs[2];
    offs[0] = nm_record1(&b, 0, 40, 40, 0);
    offs[1] = nm_record1(&b, 1500, 20, 1500, 1);
    nm_table(&b, offs, 2);
    compare_with_tshark(&b, "v1.cap");
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
        cmocka_unit_test(test_v20),       cmocka_unit_test(test_v1),
        cmocka_unit_test(test_v21_media), cmocka_unit_test(test_v22_v23),
        cmocka_unit_test(test_empty_and_odd_header), cmocka_unit_test(test_comment_excess),
        cmocka_unit_test(test_damage),    cmocka_unit_test(test_time_out_of_range),
        cmocka_unit_test(test_rejected),  cmocka_unit_test(test_tshark_peer),
    };
    return NMX_TEST_STATUS(cmocka_run_group_tests(tests, NULL, teardown_all));
}
