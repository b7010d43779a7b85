/*
 * test_capture_pcap.c - the pcap reader: every variant (byte orders,
 * microsecond, nanosecond and modified magic, pre-2.3 length order), the
 * frame index and random access, timestamps, the summary, every kind of
 * damage, and libpcap as a peer over the same bytes.
 */
#include <pcap/pcap.h>

#include "captest.h"
#include "capture/cap_internal.h"

#include <netmon.h>

enum { V_USEC, V_NSEC, V_MODIFIED };

static const uint32_t magics[] = {0xA1B2C3D4u, 0xA1B23C4Du, 0xA1B2CD34u};

/* Three frames: 60/60, 1514/1514 at +0.25 s, 8 of 78 at +1.999999 s. */
static void build_three(buf_t *b, int variant, bool be, uint32_t linktype)
{
    b->be = be;
    pcap_header(b, magics[variant], 2, 4, 65535, linktype);
    bool extra = variant == V_MODIFIED;
    uint32_t scale = variant == V_NSEC ? 1000 : 1;
    pcap_record(b, 1000000000u, 500000 * scale, 60, 60, 0, extra);
    pcap_record(b, 1000000000u, 750000 * scale, 1514, 1514, 1, extra);
    pcap_record(b, 1000000001u, 999999 * scale + (variant == V_NSEC ? 123 : 0), 8, 78, 2, extra);
}

static void check_three(const nmx_cap_t *cap, int variant, uint32_t linktype)
{
    assert_int_equal(nmx__cap_count(cap), 3);
    assert_int_equal(nmx__cap_format(cap), NMX_CAPFMT_PCAP);
    assert_string_equal(nmx__cap_format_name(cap), "pcap");
    assert_int_equal(nmx__cap_time_digits(cap), variant == V_NSEC ? 9 : 6);
    check_frame(cap, 0, 60, 60, NS(1000000000, 500000000), 0);
    check_frame(cap, 1, 1514, 1514, NS(1000000000, 750000000), 1);
    check_frame(cap, 2, 8, 78, NS(1000000001, 999999000 + (variant == V_NSEC ? 123 : 0)), 2);
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(nmx__cap_frame(cap, i)->linktype, linktype);
        assert_int_equal(nmx__cap_frame(cap, i)->iface, 0);
        assert_int_equal(nmx__cap_frame(cap, i)->flags, 0);
    }
    assert_null(nmx__cap_damage(cap));
    assert_int_equal(nmx__cap_warning_count(cap), 0);
}

static void test_variants(void **state)
{
    (void)state;
    for (int variant = V_USEC; variant <= V_MODIFIED; variant++) {
        for (int be = 0; be <= 1; be++) {
            buf_t b = {0};
            build_three(&b, variant, be, NMX_LINK_ETHERNET);
            nmx_cap_t *cap = open_ok(&b, "three.pcap");
            check_three(cap, variant, NMX_LINK_ETHERNET);
            const char *detail = nmx__cap_format_detail(cap);
            assert_non_null(strstr(detail, be ? "big-endian" : "little-endian"));
            assert_non_null(strstr(detail, variant == V_NSEC ? "nanoseconds" : "microseconds"));
            assert_true((strstr(detail, "modified") != NULL) == (variant == V_MODIFIED));
            nmx__cap_close(cap);
            buf_free(&b);
        }
    }
}

/* Every link type of the brief comes through unchanged, with its name. */
static void test_link_types(void **state)
{
    (void)state;
    static const struct {
        uint32_t lt;
        const char *name;
        uint32_t mactype;
    } types[] = {
        {NMX_LINK_ETHERNET, "ether", 1},           {NMX_LINK_LINUX_SLL, "linux-sll", 0},
        {NMX_LINK_LINUX_SLL2, "linux-sll2", 0},     {NMX_LINK_RAW, "rawip", 0},
        {NMX_LINK_IPV4, "rawip4", 0},               {NMX_LINK_IPV6, "rawip6", 0},
        {NMX_LINK_NULL, "null", 0},                 {NMX_LINK_IEEE802_11_RADIOTAP, "ieee-802-11-radiotap", 0},
        {NMX_LINK_FDDI, "fddi-swapped", 3},         {NMX_LINK_IEEE802_11, "ieee-802-11", 0},
        {NMX_LINK_TOKEN_RING, "tr", 2},
    };
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
        buf_t b = {0};
        build_three(&b, V_USEC, false, types[k].lt);
        nmx_cap_t *cap = open_ok(&b, "lt.pcap");
        check_three(cap, V_USEC, types[k].lt);
        nmx_capture_info_t in;
        nmx__cap_get_info(cap, &in);
        assert_int_equal(in.n_link_types, 1);
        assert_int_equal(in.link_type_values[0], types[k].lt);
        assert_string_equal(in.link_types[0], types[k].name);
        assert_non_null(in.link_type_descriptions[0]);
        assert_int_equal(nmx__cap_mactype(cap), types[k].mactype);
        nmx__cap_close(cap);
        buf_free(&b);
    }
    /* A type outside the table still gets a name and libpcap's description. */
    buf_t b = {0};
    build_three(&b, V_USEC, false, 192); /* LINKTYPE_PPI */
    nmx_cap_t *cap = open_ok(&b, "ppi.pcap");
    nmx_capture_info_t in;
    nmx__cap_get_info(cap, &in);
    assert_string_equal(in.link_types[0], "linktype-192");
    assert_non_null(in.link_type_descriptions[0]);
    assert_true(strlen(in.link_type_descriptions[0]) > 0);
    nmx__cap_close(cap);
    buf_free(&b);
}

/* Versions before 2.3 store the lengths the other way round; 2.3 maybe. */
static void test_length_order(void **state)
{
    (void)state;
    for (int minor = 0; minor <= 4; minor++) {
        buf_t b = {0};
        pcap_header(&b, magics[V_USEC], 2, (uint16_t)minor, 65535, 1);
        /* Stored as (wire, captured) for < 2.3. */
        bool swapped = minor < 3;
        pcap_record(&b, 10, 0, swapped ? 100 : 40, swapped ? 40 : 100, 0, false);
        /* The data that follows is 40 bytes; rebuild the record body accordingly. */
        b.n -= swapped ? 100 : 40;
        buf_reserve(&b, 40);
        payload(b.p + b.n, 40, 0);
        b.n += 40;
        if (minor == 3) {
            /* 2.3: swapped only when the stored value exceeds the wire value. */
            pcap_record(&b, 11, 0, 50, 20, 1, false);
            b.n -= 50;
            buf_reserve(&b, 20);
            payload(b.p + b.n, 20, 1);
            b.n += 20;
        }
        nmx_cap_t *cap = open_ok(&b, "order.pcap");
        assert_int_equal(nmx__cap_count(cap), minor == 3 ? 2 : 1);
        check_frame(cap, 0, 40, 100, NS(10, 0), 0);
        if (minor == 3)
            check_frame(cap, 1, 20, 50, NS(11, 0), 1);
        nmx__cap_close(cap);
        buf_free(&b);
    }
}

/* Sub-second fields out of range are carried into the seconds and reported. */
static void test_invalid_subsecond(void **state)
{
    (void)state;
    buf_t b = {0};
    pcap_header(&b, magics[V_USEC], 2, 4, 65535, 1);
    pcap_record(&b, 100, 999999, 10, 10, 0, false);
    pcap_record(&b, 100, 1000000, 10, 10, 1, false);
    pcap_record(&b, 100, 2147483648u, 10, 10, 2, false);
    nmx_cap_t *cap = open_ok(&b, "usec.pcap");
    check_frame(cap, 0, 10, 10, NS(100, 999999000), 0);
    check_frame(cap, 1, 10, 10, NS(101, 0), 1);
    check_frame(cap, 2, 10, 10, NS(100 + 2147, 483648000), 2);
    assert_int_equal(nmx__cap_frame(cap, 0)->flags, 0);
    assert_int_equal(nmx__cap_frame(cap, 1)->flags, NMX_FRAME_TS_FIXED);
    assert_int_equal(nmx__cap_frame(cap, 2)->flags, NMX_FRAME_TS_FIXED);
    assert_null(nmx__cap_damage(cap));
    assert_int_equal(nmx__cap_warning_count(cap), 1);
    assert_non_null(strstr(nmx__cap_warning(cap, 0), "2 frames"));
    assert_non_null(strstr(nmx__cap_warning(cap, 0), "first: frame 2"));
    nmx__cap_close(cap);
    buf_free(&b);
}

/* Random access in both directions, bounds, and the summary. */
static void test_index_and_info(void **state)
{
    (void)state;
    buf_t b = {0};
    pcap_header(&b, magics[V_USEC], 2, 4, 262144, 1);
    const uint32_t secs[] = {50, 40, 60, 55, 45};
    for (unsigned f = 0; f < 5; f++)
        pcap_record(&b, secs[f], f, 20 + f, 100 + f, f, false);
    nmx_cap_t *cap = open_ok(&b, "order.pcap");
    for (int i = 4; i >= 0; i--)
        check_frame(cap, (uint32_t)i, 20 + (uint32_t)i, 100 + (uint32_t)i, NS(secs[i], i * 1000), (unsigned)i);
    assert_null(nmx__cap_frame(cap, 5));
    assert_null(nmx__cap_data(cap, 5));
    assert_null(nmx__cap_frame(cap, UINT32_MAX));
    assert_non_null(nmx__cap_frames(cap));
    size_t len;
    assert_ptr_equal(nmx__cap_image(cap, &len), b.p);
    assert_int_equal(len, b.n);
    /* Zero copy: frame bytes are inside the caller's image. */
    assert_ptr_equal(nmx__cap_data(cap, 0), b.p + 24 + 16);
    assert_int_equal(nmx__cap_first_frame_ns(cap), NS(50, 0));
    nmx_capture_info_t in;
    nmx__cap_get_info(cap, &in);
    assert_int_equal(in.frames, 5);
    assert_int_equal(in.captured_bytes, 20 + 21 + 22 + 23 + 24);
    assert_int_equal(in.wire_bytes, 500 + 10);
    assert_true(in.first_ns == NS(40, 1000));
    assert_true(in.last_ns == NS(60, 2000));
    assert_int_equal(in.time_digits, 6);
    assert_int_equal(in.file_size, b.n);
    assert_int_equal(in.interfaces, 1);
    assert_int_equal(in.n_comments, 0);
    assert_null(in.damage);
    assert_string_equal(in.format, "pcap");
    assert_string_equal(in.path, "order.pcap");
    /* Frame 0's time as a UTC SYSTEMTIME: 1970-01-01 00:00:50, a Thursday. */
    const nmx_systemtime_t *st = nmx__cap_systemtime(cap);
    assert_int_equal(st->year, 1970);
    assert_int_equal(st->month, 1);
    assert_int_equal(st->day, 1);
    assert_int_equal(st->day_of_week, 4);
    assert_int_equal(st->second, 50);
    assert_null(nmx__cap_comment(cap));
    assert_null(nmx__cap_frame_comment(cap, 0));
    nmx__cap_close(cap);
    buf_free(&b);
}

static void test_empty_capture(void **state)
{
    (void)state;
    buf_t b = {0};
    pcap_header(&b, magics[V_NSEC], 2, 4, 65535, 113);
    nmx_cap_t *cap = open_ok(&b, "empty.pcap");
    assert_int_equal(nmx__cap_count(cap), 0);
    assert_null(nmx__cap_damage(cap));
    assert_null(nmx__cap_frame(cap, 0));
    assert_int_equal(nmx__cap_mactype(cap), 0);
    assert_int_equal(nmx__cap_iface(cap, 0)->linktype, 113);
    nmx_capture_info_t in;
    nmx__cap_get_info(cap, &in);
    assert_int_equal(in.n_link_types, 0);
    assert_int_equal(in.frames, 0);
    nmx__cap_close(cap);
    buf_free(&b);
}

/* Damage after the header: the frames before it stay usable. */
static void test_damage(void **state)
{
    (void)state;
    buf_t good = {0};
    build_three(&good, V_USEC, false, 1);
    const size_t r1 = 24 + 16 + 60, r2 = r1 + 16 + 1514;

    /* Cut inside the third record header, then inside its data. */
    buf_t b = good;
    b.n = r2 + 7;
    nmx_cap_t *cap = open_ok(&b, "cut.pcap");
    expect_damage(cap, 2, r2, "truncated record header: 7 of 16 bytes");
    check_frame(cap, 1, 1514, 1514, NS(1000000000, 750000000), 1);
    nmx__cap_close(cap);
    b.n = r2 + 16 + 3;
    cap = open_ok(&b, "cut.pcap");
    expect_damage(cap, 2, r2, "truncated record: 8 bytes of packet data, only 3 left");
    nmx__cap_close(cap);

    /* A huge length, and an empty record, in the second record. */
    buf_t c = {0};
    buf_bytes(&c, good.p, good.n);
    buf_put32(&c, r1 + 8, 0x7FFFFFF0u);
    cap = open_ok(&c, "huge.pcap");
    expect_damage(cap, 1, r1, "record length 2147483632 is larger than the maximum of 262144");
    nmx__cap_close(cap);
    buf_put32(&c, r1 + 8, 0);
    buf_put32(&c, r1 + 12, 0);
    cap = open_ok(&c, "zero.pcap");
    expect_damage(cap, 1, r1, "captured and original length 0");
    nmx__cap_close(cap);
    /* A record of zero stored bytes but a wire length is a valid frame. */
    buf_free(&c);
    pcap_header(&c, magics[V_USEC], 2, 4, 65535, 1);
    pcap_record(&c, 5, 0, 0, 64, 0, false);
    cap = open_ok(&c, "nodata.pcap");
    assert_null(nmx__cap_damage(cap));
    check_frame(cap, 0, 0, 64, NS(5, 0), 0);
    nmx__cap_close(cap);
    buf_free(&c);
    buf_free(&good);
}

/* Problems in the file header fail the open, naming file, offset and reason. */
static void test_rejected(void **state)
{
    (void)state;
    buf_t good = {0};
    build_three(&good, V_USEC, false, 1);
    buf_t b = {0};

    buf_bytes(&b, good.p, 12);
    open_fails(&b, "short.pcap", NMERR_INVALID_FILE_FORMAT, 12, "truncated pcap file header");
    buf_free(&b);

    buf_bytes(&b, good.p, good.n);
    b.p[4] = 1; /* version 1.4 */
    open_fails(&b, "v1.pcap", NMERR_INVALID_FILE_FORMAT, 4, "unsupported pcap version 1.4");
    b.p[4] = 2;
    b.p[6] = 5; /* version 2.5 */
    open_fails(&b, "v25.pcap", NMERR_INVALID_FILE_FORMAT, 4, "unsupported pcap version 2.5");
    b.p[6] = 4;
    b.p[22] = 0x30; /* reserved link-type bits */
    open_fails(&b, "lt.pcap", NMERR_INVALID_FILE_FORMAT, 20, "reserved bits");
    b.p[22] = 0;
    memcpy(b.p, "\xde\xad\xbe\xef", 4);
    open_fails(&b, "magic.pcap", NMERR_INVALID_FILE_FORMAT, 0, "not a pcap, pcapng or NetMon capture (magic de ad be ef)");
    buf_free(&b);

    buf_t empty = {0};
    uint8_t one = 0;
    empty.p = &one;
    open_fails(&empty, "zero.pcap", NMERR_INVALID_FILE_FORMAT, 0, "empty file (0 bytes)");
    empty.n = 1;
    open_fails(&empty, "one.pcap", NMERR_INVALID_FILE_FORMAT, 0, "only 1 byte");
    buf_free(&good);
}

/* libpcap, reading the same bytes, sees the same frames. */
static void compare_with_libpcap(const buf_t *b, const char *name)
{
    FILE *f = fmemopen(b->p, b->n, "rb");
    assert_non_null(f);
    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, eb);
    if (p == NULL)
        print_error("libpcap: %s\n", eb);
    assert_non_null(p);
    nmx_cap_t *cap = open_ok(b, name);
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
    assert_int_equal(i, nmx__cap_count(cap));
    pcap_close(p); /* closes f */
    nmx__cap_close(cap);
}

static void test_libpcap_peer(void **state)
{
    (void)state;
    for (int variant = V_USEC; variant <= V_MODIFIED; variant++) {
        for (int be = 0; be <= 1; be++) {
            buf_t b = {0};
            build_three(&b, variant, be, NMX_LINK_ETHERNET);
            compare_with_libpcap(&b, "peer.pcap");
            buf_free(&b);
        }
    }
    buf_t b = {0};
    pcap_header(&b, magics[V_USEC], 2, 2, 65535, 1);
    pcap_record(&b, 7, 8, 30, 30, 4, false);
    compare_with_libpcap(&b, "v22.pcap");
    buf_free(&b);
}

/* The extremes of the pcap time fields fit: exact, not damage. */
static void test_extreme_times(void **state)
{
    (void)state;
    buf_t b = {0};
    pcap_header(&b, 0xA1B23C4Du, 2, 4, 65535, 1);
    pcap_record(&b, 0, 0, 20, 20, 0, false);
    pcap_record(&b, 0xFFFFFFFFu, 999999999u, 21, 21, 1, false);
    pcap_record(&b, 0xFFFFFFFFu, 0xFFFFFFFFu, 22, 22, 2, false); /* carried: 4 s more */
    nmx_cap_t *cap = open_ok(&b, "extreme.pcap");
    check_frame(cap, 0, 20, 20, 0, 0);
    check_frame(cap, 1, 21, 21, NS(4294967295LL, 999999999), 1);
    check_frame(cap, 2, 22, 22, NS(4294967299LL, 294967295), 2);
    assert_null(nmx__cap_damage(cap));
    nmx_capture_info_t in;
    nmx__cap_get_info(cap, &in);
    assert_true(in.last_ns == NS(4294967299LL, 294967295));
    nmx__cap_close(cap);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_variants),
        cmocka_unit_test(test_link_types),
        cmocka_unit_test(test_length_order),
        cmocka_unit_test(test_invalid_subsecond),
        cmocka_unit_test(test_index_and_info),
        cmocka_unit_test(test_empty_capture),
        cmocka_unit_test(test_damage),
        cmocka_unit_test(test_rejected),
        cmocka_unit_test(test_libpcap_peer),
        cmocka_unit_test(test_extreme_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
