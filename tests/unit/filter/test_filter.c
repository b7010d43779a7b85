/*
 * test_filter.c - NetMon display filters: handles (NULL, stale, made-up),
 * objects copied by value with deep copies, each FILTERACTION the evaluator
 * supports, malformed programs (error 57), and the text syntax of -Y with
 * its error positions: frame.* fields and tcp.stream from a frame context,
 * sets with ranges, matches / ~, slices, '&', len(), lower(), upper() and
 * times written as in Wireshark.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/linktype.h"
#include "filter/filter.h"
#include "filter/filter_int.h"
#include "frames.h"

/* An HTTP GET from 192.168.0.1:40000 to 192.168.0.2:80, TTL 64, DF. */
static uint8_t http_frame[256];
static size_t http_len;
static nmx_dissection_t *http_d;
/* An ARP request. */
static uint8_t arp_frame[64];
static size_t arp_len;
static nmx_dissection_t *arp_d;
/* The same two frames with a frame context: the HTTP one is frame 7 of its
 * capture, at 2004-05-13 10:17:07.5 UTC, 2.5 s after the first frame and
 * 0.25 s after frame 6, with a comment, in TCP stream 3; the ARP one is
 * frame 8, one second later, without comment or stream. */
static nmx_dissection_t *http_cd, *arp_cd;
#define T7 1084443427500000000ll

static int setup(void **state)
{
    (void)state;
    const char req[] = "GET /index.html HTTP/1.1\r\nHost: www.Example.com\r\n\r\n";
    size_t n = fr_hex(http_frame, 0, "001122334455 66778899aabb 0800");
    size_t tot = 20 + 20 + strlen(req);
    char ip[128];
    snprintf(ip, sizeof(ip), "4500%04zx12344000 4006 0000 c0a80001 c0a80002", tot);
    n = fr_hex(http_frame, n, ip);
    n = fr_hex(http_frame, n, "9c40 0050 00000001 00000000 5018 2000 0000 0000");
    memcpy(http_frame + n, req, strlen(req));
    http_len = n + strlen(req);
    http_d = nmx__dissect(NULL, http_frame, (uint32_t)http_len, (uint32_t)http_len, NMX_LINK_ETHERNET);
    arp_len = fr_hex(arp_frame, 0, "ffffffffffff 001122334455 0806 0001 0800 06 04 0001 001122334455 0a000001 000000000000 0a000002");
    arp_d = nmx__dissect(NULL, arp_frame, (uint32_t)arp_len, (uint32_t)arp_len, NMX_LINK_ETHERNET);
    nmx_frame_ctx_t c7 = {.number = 7, .has_time = true, .ts_ns = T7, .first_ns = T7 - 2500000000ll,
                          .prev_ns = T7 - 250000000ll, .comment = "Hello\tWorld: GET",
                          .tcp_stream = {3, NMX_STREAM_NONE}, .udp_stream = {NMX_STREAM_NONE, NMX_STREAM_NONE}};
    nmx_frame_ctx_t c8 = {.number = 8, .has_time = true, .ts_ns = T7 + 1000000000ll,
                          .first_ns = T7 - 2500000000ll, .prev_ns = T7,
                          .tcp_stream = {NMX_STREAM_NONE, NMX_STREAM_NONE},
                          .udp_stream = {NMX_STREAM_NONE, NMX_STREAM_NONE}};
    http_cd = nmx__dissect_ctx(NULL, http_frame, (uint32_t)http_len, (uint32_t)http_len, NMX_LINK_ETHERNET, &c7);
    arp_cd = nmx__dissect_ctx(NULL, arp_frame, (uint32_t)arp_len, (uint32_t)arp_len, NMX_LINK_ETHERNET, &c8);
    return http_d && arp_d && http_cd && arp_cd ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    nmx__dissection_free(http_d);
    nmx__dissection_free(arp_d);
    nmx__dissection_free(http_cd);
    nmx__dissection_free(arp_cd);
    return 0;
}

static int eval_h(HFILTER h, const nmx_dissection_t *d, DWORD *err)
{
    return nmx__filter_eval(nmx__filter_from_handle(h), d, err);
}

static HPROPERTY prop(const char *key)
{
    return GetProperty(NULL, (LPSTR)key);
}

static void add(HFILTER h, DWORD action, HPROPERTY p, DWORD value)
{
    FILTEROBJECT2 o;
    memset(&o, 0, sizeof(o));
    o.Action = action;
    o.hProperty = p;
    o.Value = value;
    assert_int_equal(FilterAddObject(h, &o), NMERR_SUCCESS);
}

static void test_handles(void **state)
{
    (void)state;
    HFILTER h = CreateFilter();
    assert_non_null(h);
    assert_true(nmx__filter_from_handle(h) != NULL);
    assert_false(FilterAttachesProperties(h));
    HFILTER dup = FilterDuplicate(h);
    assert_non_null(dup);
    assert_true(dup != h);
    assert_int_equal(DestroyFilter(h), NMERR_SUCCESS);
    /* Stale, NULL and made-up handles: never dereferenced. */
    assert_int_equal(DestroyFilter(h), NMERR_INVALID_HFILTER);
    assert_int_equal(DestroyFilter(NULL), NMERR_INVALID_HFILTER);
    assert_int_equal(DestroyFilter((HFILTER)(uintptr_t)0x1234), NMERR_INVALID_HFILTER);
    assert_int_equal(DestroyFilter((HFILTER)(uintptr_t)0xdeadbeefdeadbeefull), NMERR_INVALID_HFILTER);
    assert_int_equal(DestroyFilter((HFILTER)((uintptr_t)dup + 1)), NMERR_INVALID_HFILTER);
    assert_null(nmx__filter_from_handle(h));
    FILTEROBJECT2 o = {.Action = FILTERACTION_BOOL, .Value = 1};
    assert_int_equal(FilterAddObject(h, &o), NMERR_INVALID_PARAMETER);
    assert_int_equal(FilterAddObject(dup, (LPFILTEROBJECT2)NULL), NMERR_INVALID_PARAMETER);
    assert_null(FilterDuplicate(h));
    assert_int_equal(BhGetLastError(), NMERR_INVALID_HFILTER);
    assert_false(FilterAttachesProperties(h));
    FilterFlushBits(h);
    assert_int_equal(BhGetLastError(), NMERR_INVALID_HFILTER);
    FilterFlushBits(dup);
    assert_int_equal(BhGetLastError(), NMERR_SUCCESS);
    DWORD err = 0;
    assert_int_equal(nmx__filter_eval(NULL, http_d, &err), FILTER_FAIL_WITH_ERROR);
    assert_int_equal(err, NMERR_INVALID_HFILTER);
    /* A slot reused by a new filter does not revive the old handle. */
    HFILTER h2 = CreateFilter();
    assert_null(nmx__filter_from_handle(h));
    assert_int_equal(EnableParserFilter(h2, NULL), NMERR_SUCCESS);
    assert_int_equal(DisableParserFilter(h2, NULL), NMERR_SUCCESS);
    assert_int_equal(EnableParserFilter(h, NULL), NMERR_INVALID_HFILTER);
    assert_int_equal(DisableParserFilter(NULL, NULL), NMERR_INVALID_HFILTER);
    /* The current (UI) filter. */
    SetCurrentFilter(h2);
    assert_ptr_equal(GetCurrentFilter(), h2);
    SetCurrentFilter(h);
    assert_int_equal(BhGetLastError(), NMERR_INVALID_HFILTER);
    assert_ptr_equal(GetCurrentFilter(), h2);
    assert_int_equal(DestroyFilter(h2), NMERR_SUCCESS);
    assert_null(GetCurrentFilter());
    SetCurrentFilter(NULL);
    assert_null(GetCurrentFilter());
    assert_int_equal(DestroyFilter(dup), NMERR_SUCCESS);
    /* Many filters at once. */
    HFILTER many[200];
    for (int i = 0; i < 200; i++)
        assert_non_null(many[i] = CreateFilter());
    for (int i = 0; i < 200; i++)
        assert_int_equal(DestroyFilter(many[i]), NMERR_SUCCESS);
}

static void test_empty_and_malformed(void **state)
{
    (void)state;
    DWORD err = 0;
    HFILTER h = CreateFilter();
    assert_int_equal(eval_h(h, http_d, &err), FILTER_PASSED);
    assert_int_equal(eval_h(h, arp_d, &err), FILTER_PASSED);
    /* An operator without operands. */
    add(h, FILTERACTION_AND, 0, 0);
    err = 0;
    assert_int_equal(eval_h(h, http_d, &err), FILTER_FAIL_WITH_ERROR);
    assert_int_equal(err, NMERR_FILTER_INVALID_EXPRESSION);
    DestroyFilter(h);
    /* Two values left. */
    h = CreateFilter();
    add(h, FILTERACTION_BOOL, 0, 1);
    add(h, FILTERACTION_BOOL, 0, 1);
    err = 0;
    assert_int_equal(eval_h(h, http_d, &err), FILTER_FAIL_WITH_ERROR);
    assert_int_equal(err, NMERR_FILTER_INVALID_EXPRESSION);
    add(h, FILTERACTION_OR, 0, 0);
    assert_int_equal(eval_h(h, http_d, &err), FILTER_PASSED);
    DestroyFilter(h);
    /* Unknown and unsupported actions; PROPERTYEXIST on a non-property. */
    static const DWORD bad[] = {FILTERACTION_INVALID, FILTERACTION_EXPRESSION, FILTERACTION_NOEVAL,
                                FILTERACTION_DEREFPROPERTY, 1234};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        h = CreateFilter();
        add(h, bad[i], 0, 0);
        err = 0;
        assert_int_equal(eval_h(h, http_d, &err), FILTER_FAIL_WITH_ERROR);
        assert_int_equal(err, NMERR_FILTER_INVALID_EXPRESSION);
        DestroyFilter(h);
    }
    h = CreateFilter();
    add(h, FILTERACTION_VALUE, 0, 3);
    add(h, FILTERACTION_PROPERTYEXIST, 0, 0);
    assert_int_equal(eval_h(h, http_d, &err), FILTER_FAIL_WITH_ERROR);
    DestroyFilter(h);
    /* Invalid handles inside objects are refused when added. */
    h = CreateFilter();
    FILTEROBJECT2 o = {.Action = FILTERACTION_PROPERTY, .hProperty = 42};
    assert_int_equal(FilterAddObject(h, &o), NMERR_INVALID_HPROPERTY);
    o = (FILTEROBJECT2){.Action = FILTERACTION_PROTOCOLEXIST, .hProtocol = (HPROTOCOL)(uintptr_t)8};
    assert_int_equal(FilterAddObject(h, &o), NMERR_INVALID_HPROTOCOL);
    o = (FILTEROBJECT2){.Action = FILTERACTION_STRING};
    assert_int_equal(FilterAddObject(h, &o), NMERR_INVALID_PARAMETER);
    assert_int_equal(nmx__filter_size(nmx__filter_from_handle(h)), 0);
    DestroyFilter(h);
}

static void test_copy_by_value(void **state)
{
    (void)state;
    /* The SDK sample reuses one object and changes only Action. */
    HFILTER h = CreateFilter();
    FILTEROBJECT o;
    memset(&o, 0, sizeof(o));
    o.Action = FILTERACTION_PROPERTY;
    o.hProperty = prop("http.request.method");
    assert_int_equal(FilterAddObject(h, &o), NMERR_SUCCESS);
    o.Action = FILTERACTION_PROPERTYEXIST;
    assert_int_equal(FilterAddObject(h, &o), NMERR_SUCCESS);
    o.Action = 0; /* later changes do not reach the filter */
    assert_true(FilterAttachesProperties(h));
    assert_int_equal(eval_h(h, http_d, NULL), FILTER_PASSED);
    assert_int_equal(eval_h(h, arp_d, NULL), FILTER_FAILED);
    DestroyFilter(h);

    /* Strings, arrays and addresses are deep-copied. */
    char text[8] = "GET";
    h = CreateFilter();
    add(h, FILTERACTION_PROPERTY, prop("http.request.method"), 0);
    FILTEROBJECT2 s = {.Action = FILTERACTION_STRING, .lpArray = text};
    assert_int_equal(FilterAddObject(h, &s), NMERR_SUCCESS);
    add(h, FILTERACTION_EQUAL, 0, 0);
    memcpy(text, "PUT", 4);
    assert_int_equal(eval_h(h, http_d, NULL), FILTER_PASSED);
    HFILTER dup = FilterDuplicate(h);
    DestroyFilter(h);
    assert_int_equal(eval_h(dup, http_d, NULL), FILTER_PASSED); /* the duplicate owns its copies */
    DestroyFilter(dup);

    ADDRESS2 a;
    memset(&a, 0, sizeof(a));
    a.Type = ADDRESS_TYPE_IP;
    memcpy(a.IPAddress, "\xc0\xa8\x00\x02", 4);
    h = CreateFilter();
    add(h, FILTERACTION_PROPERTY, prop("ip.dst"), 0);
    FILTEROBJECT2 ad = {.Action = FILTERACTION_ADDR_IP, .lpAddress = &a};
    assert_int_equal(FilterAddObject(h, &ad), NMERR_SUCCESS);
    add(h, FILTERACTION_EQUAL, 0, 0);
    memset(&a, 0, sizeof(a));
    assert_int_equal(eval_h(h, http_d, NULL), FILTER_PASSED);
    DestroyFilter(h);

    /* An old-style FILTEROBJECT with a 16-byte ADDRESS is read safely. */
    ADDRESS small;
    memset(&small, 0, sizeof(small));
    small.Type = ADDRESS_TYPE_ETHERNET;
    memcpy(small.MACAddress, "\x66\x77\x88\x99\xaa\xbb", 6);
    h = CreateFilter();
    FILTEROBJECT old = {.Action = FILTERACTION_ADDRESS, .lpAddress = &small};
    assert_int_equal(FilterAddObject(h, &old), NMERR_SUCCESS);
    add(h, FILTERACTION_FROM, 0, 0);
    assert_int_equal(eval_h(h, http_d, NULL), FILTER_PASSED);
    assert_int_equal(eval_h(h, arp_d, NULL), FILTER_FAILED);
    DestroyFilter(h);
}

static void test_actions(void **state)
{
    (void)state;
    HPROTOCOL tcp = GetProtocolFromName("TCP"), arp = GetProtocolFromName("ARP");
    HFILTER h = CreateFilter();
    FILTEROBJECT2 pe = {.Action = FILTERACTION_PROTOCOLEXIST, .hProtocol = tcp};
    FilterAddObject(h, &pe);
    assert_false(FilterAttachesProperties(h));
    assert_int_equal(eval_h(h, http_d, NULL), FILTER_PASSED);
    assert_int_equal(eval_h(h, arp_d, NULL), FILTER_FAILED);
    /* No properties needed: a recognize-only dissection will do. */
    nmx_dissection_t lite = *http_d;
    lite.props = NULL;
    assert_int_equal(eval_h(h, &lite, NULL), FILTER_PASSED);
    add(h, FILTERACTION_NOT, 0, 0);
    assert_int_equal(eval_h(h, arp_d, NULL), FILTER_PASSED);
    DestroyFilter(h);

    /* PROTOCOLSEXIST: all listed. */
    struct {
        DWORD n;
        HPROTOCOL p[2];
    } tab = {2, {tcp, GetProtocolFromName("http")}};
    h = CreateFilter();
    FILTEROBJECT2 ps = {.Action = FILTERACTION_PROTOCOLSEXIST, .lpProtocolTable = (LPPROTOCOLTABLETYPE)(void *)&tab};
    assert_int_equal(FilterAddObject(h, &ps), NMERR_SUCCESS);
    tab.p[1] = arp;
    assert_int_equal(eval_h(h, http_d, NULL), FILTER_PASSED);
    DestroyFilter(h);

    /* Relations, both operand orders, any-instance semantics. */
    struct {
        const char *key;
        DWORD value;
        DWORD action;
        bool value_first;
        int want;
    } rel[] = {
        {"ip.ttl", 64, FILTERACTION_EQUAL, false, FILTER_PASSED},
        {"ip.ttl", 64, FILTERACTION_NOTEQUAL, false, FILTER_FAILED},
        {"ip.ttl", 63, FILTERACTION_GREATER, false, FILTER_PASSED},
        {"ip.ttl", 64, FILTERACTION_GREATEREQUAL, false, FILTER_PASSED},
        {"ip.ttl", 64, FILTERACTION_LESS, false, FILTER_FAILED},
        {"ip.ttl", 65, FILTERACTION_LESSEQUAL, false, FILTER_PASSED},
        {"ip.ttl", 100, FILTERACTION_GREATER, true, FILTER_PASSED}, /* 100 > ttl */
        {"tcp.dstport", 80, FILTERACTION_EQUAL, false, FILTER_PASSED},
        {"tcp.port", 40000, FILTERACTION_EQUAL, false, FILTER_PASSED}, /* second instance */
        {"tcp.flags.push", 1, FILTERACTION_EQUAL, false, FILTER_PASSED},
        {"ip.dst", 0xc0a80002, FILTERACTION_EQUAL, false, FILTER_PASSED},
    };
    for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
        h = CreateFilter();
        if (rel[i].value_first)
            add(h, FILTERACTION_VALUE, 0, rel[i].value);
        add(h, FILTERACTION_PROPERTY, prop(rel[i].key), 0);
        if (!rel[i].value_first)
            add(h, FILTERACTION_VALUE, 0, rel[i].value);
        add(h, rel[i].action, 0, 0);
        assert_int_equal(eval_h(h, http_d, NULL), rel[i].want);
        assert_int_equal(eval_h(h, arp_d, NULL), FILTER_FAILED);
        DestroyFilter(h);
    }
    /* Strings: case-insensitive variants and contains. */
    struct {
        const char *s;
        DWORD action;
        int want;
    } str[] = {
        {"www.Example.com", FILTERACTION_EQUAL, FILTER_PASSED},
        {"www.example.com", FILTERACTION_EQUAL, FILTER_FAILED},
        {"www.example.com", FILTERACTION_EQUALNC, FILTER_PASSED},
        {"Example", FILTERACTION_CONTAINS, FILTER_PASSED},
        {"example", FILTERACTION_CONTAINS, FILTER_FAILED},
        {"EXAMPLE", FILTERACTION_CONTAINSNC, FILTER_PASSED},
        {"www.Z", FILTERACTION_LESS, FILTER_PASSED},
    };
    for (size_t i = 0; i < sizeof(str) / sizeof(str[0]); i++) {
        h = CreateFilter();
        add(h, FILTERACTION_PROPERTY, prop("http.host"), 0);
        FILTEROBJECT2 so = {.Action = FILTERACTION_STRING, .lpArray = (void *)str[i].s};
        FilterAddObject(h, &so);
        add(h, str[i].action, 0, 0);
        assert_int_equal(eval_h(h, http_d, NULL), str[i].want);
        DestroyFilter(h);
    }
    /* Bits, arrays, logic, arithmetic. */
    h = CreateFilter();
    add(h, FILTERACTION_PROPERTY, prop("tcp.flags"), 0);
    add(h, FILTERACTION_VALUE, 0, 0x18);
    add(h, FILTERACTION_AREBITSON, 0, 0);
    add(h, FILTERACTION_PROPERTY, prop("tcp.flags"), 0);
    add(h, FILTERACTION_VALUE, 0, 0x03);
    add(h, FILTERACTION_AREBITSOFF, 0, 0);
    add(h, FILTERACTION_AND, 0, 0);
    assert_int_equal(eval_h(h, http_d, NULL), FILTER_PASSED);
    add(h, FILTERACTION_BOOL, 0, 1);
    add(h, FILTERACTION_XOR, 0, 0);
    assert_int_equal(eval_h(h, http_d, NULL), FILTER_FAILED);
    DestroyFilter(h);
    h = CreateFilter();
    add(h, FILTERACTION_PROPERTY, prop("eth.src"), 0);
    uint8_t arr[] = {0x88, 0x99};
    FILTEROBJECT2 ao = {.Action = FILTERACTION_ARRAY, .lpArray = arr, .ByteCount = 2};
    FilterAddObject(h, &ao);
    FILTEROBJECT2 ae = {.Action = FILTERACTION_ARRAYEQUAL, .ByteOffset = 2};
    FilterAddObject(h, &ae);
    assert_int_equal(eval_h(h, http_d, NULL), FILTER_PASSED);
    DestroyFilter(h);
    h = CreateFilter();
    add(h, FILTERACTION_PROPERTY, prop("ip.ttl"), 0);
    add(h, FILTERACTION_VALUE, 0, 60);
    add(h, FILTERACTION_VALUE, 0, 4);
    add(h, FILTERACTION_PLUS, 0, 0);
    add(h, FILTERACTION_EQUAL, 0, 0);
    assert_int_equal(eval_h(h, http_d, NULL), FILTER_PASSED);
    DestroyFilter(h);
    /* Addresses: FROM, TO, ADDRESSANY, FROMTO. */
    ADDRESS2 src, dst;
    memset(&src, 0, sizeof(src));
    memset(&dst, 0, sizeof(dst));
    src.Type = dst.Type = ADDRESS_TYPE_IP;
    memcpy(src.IPAddress, "\xc0\xa8\x00\x01", 4);
    memcpy(dst.IPAddress, "\xc0\xa8\x00\x02", 4);
    struct {
        DWORD action;
        ADDRESS2 *a;
        ADDRESS2 *b;
        int want;
    } ad[] = {
        {FILTERACTION_FROM, &src, NULL, FILTER_PASSED},
        {FILTERACTION_FROM, &dst, NULL, FILTER_FAILED},
        {FILTERACTION_TO, &dst, NULL, FILTER_PASSED},
        {FILTERACTION_ADDRESSANY, &dst, NULL, FILTER_PASSED},
        {FILTERACTION_FROMTO, &dst, &src, FILTER_PASSED},
        {FILTERACTION_FROMTO, &dst, &dst, FILTER_FAILED},
    };
    for (size_t i = 0; i < sizeof(ad) / sizeof(ad[0]); i++) {
        h = CreateFilter();
        FILTEROBJECT2 x = {.Action = FILTERACTION_ADDRESS, .lpAddress = ad[i].a};
        FilterAddObject(h, &x);
        if (ad[i].b) {
            x.lpAddress = ad[i].b;
            FilterAddObject(h, &x);
        }
        add(h, ad[i].action, 0, 0);
        assert_int_equal(eval_h(h, http_d, NULL), ad[i].want);
        DestroyFilter(h);
    }
}

/* Compiles and evaluates text on both frames: "PF" = passes http, fails arp. */
static void check_text(const char *text, const char *want)
{
    char err[256];
    size_t pos = 99;
    nmx_filter_t *f = nmx__dfilter_compile_ex(text, err, sizeof(err), &pos);
    if (!f)
        fail_msg("%s: %s", text, err);
    char got[3] = {nmx__filter_eval(f, http_d, NULL) == FILTER_PASSED ? 'P' : 'F',
                   nmx__filter_eval(f, arp_d, NULL) == FILTER_PASSED ? 'P' : 'F', 0};
    if (strcmp(got, want) != 0)
        fail_msg("%s: got %s, want %s", text, got, want);
    nmx__filter_free(f);
}

static void test_text_syntax(void **state)
{
    (void)state;
    check_text("", "PP");
    check_text("   ", "PP");
    check_text("tcp", "PF");
    check_text("arp", "FP");
    check_text("frame", "PP");
    check_text("TCP", "PF");
    check_text("ip.src", "PF");
    check_text("ip.src == 192.168.0.1", "PF");
    check_text("ip.src eq 192.168.0.0/24", "PF");
    check_text("ip.src == 192.168.1.0/24", "FF");
    check_text("ip.addr == 192.168.0.2", "PF");
    check_text("ip.addr != 192.168.0.2", "FF");
    check_text("ip.addr != 10.0.0.1", "PF");
    check_text("ip.src ne 192.168.0.1", "FF");
    check_text("!ip.src", "FP");
    check_text("not tcp", "FP");
    check_text("ip.ttl > 63 && ip.ttl < 65", "PF");
    check_text("ip.ttl gt 63 and ip.ttl lt 65", "PF");
    check_text("ip.ttl >= 64 and ip.ttl <= 64", "PF");
    check_text("ip.ttl ge 65 or arp", "FP");
    check_text("tcp.dstport == 0x50", "PF");
    check_text("tcp.flags.push == 1", "PF");
    check_text("tcp.flags.syn == True", "FF");
    check_text("tcp.flags.syn == false", "PF");
    check_text("eth.src == 66:77:88:99:aa:bb", "PF");
    check_text("eth.src == 66-77-88-99-AA-BB", "PF");
    check_text("eth.dst == ff:ff:ff:ff:ff:ff", "FP");
    check_text("http.request.method == \"GET\"", "PF");
    check_text("http.request.method == GET", "PF");
    check_text("http.host contains \"Example\"", "PF");
    check_text("http.host contains \"nope\"", "FF");
    check_text("tcp or udp and arp", "PF");
    check_text("(tcp or udp) and arp", "FF");
    check_text("arp or tcp and http", "PP");
    check_text("tcp xor ip", "FF");
    check_text("tcp ^^ arp", "PP");
    check_text("arp.opcode == 1 || ip.ttl == 64", "PP");
    check_text("ipv6.src == ::1", "FF");
    check_text("ipv6.src == fe80::/10", "FF");
    check_text("arp.src.proto_ipv4 == 10.0.0.1", "FP");
    check_text("!(tcp.port == 80)", "FP");
    check_text("eth.type == 0x0800", "PF");
}

static void check_error(const char *text, size_t want_pos, const char *want_text)
{
    char err[256];
    size_t pos = 9999;
    nmx_filter_t *f = nmx__dfilter_compile_ex(text, err, sizeof(err), &pos);
    if (f)
        fail_msg("%s: compiled, an error was expected", text);
    if (pos != want_pos)
        fail_msg("%s: error at %zu (%s), want %zu", text, pos, err, want_pos);
    if (!strstr(err, want_text))
        fail_msg("%s: message \"%s\" lacks \"%s\"", text, err, want_text);
    char col[32];
    snprintf(col, sizeof(col), "column %zu:", want_pos + 1);
    assert_non_null(strstr(err, col));
}

static void test_text_errors(void **state)
{
    (void)state;
    check_error("ip.src == 1.2.3", 10, "IPv4");
    check_error("ip.foo", 0, "neither a field nor a protocol");
    check_error("tcp and", 7, "expected");
    check_error("(tcp", 0, "never closed");
    check_error("tcp)", 3, "without");
    check_error("tcp == 1", 4, "protocol");
    check_error("ip.ttl == abc", 10, "not a valid number");
    check_error("eth.src == 00:11", 11, "Ethernet");
    check_error("ip.src == \"1.2.3.4", 10, "not terminated");
    check_error("ip.ttl ==", 9, "value");
    check_error("ip.ttl contains 3", 7, "contains");
    check_error("tcp $ udp", 4, "unexpected character");
    check_error("tcp udp", 4, "unexpected text");
    check_error("== 3", 0, "expected");
    check_error("ipv6.src == 1.2.3.4", 12, "IPv6");
    check_error("ip.src == 10.0.0.0/33", 10, "IPv4");
    check_error("http.host == \"a\\qb\"", 15, "escape");
    check_error("http.host == \"a\\", 15, "escape");
    /* Before 1678: no int64 count of nanoseconds holds it. */
    check_error("frame.time == \"0200-01-01 00:00:00\"", 14, "not a valid time");
    assert_null(nmx__dfilter_compile(NULL, NULL, 0));
}

/* As check_text, on the two frames dissected with their context. */
static void check_ctx(const char *text, const char *want)
{
    char err[256];
    nmx_filter_t *f = nmx__dfilter_compile(text, err, sizeof(err));
    if (!f)
        fail_msg("%s: %s", text, err);
    DWORD e1 = 0, e2 = 0;
    int r1 = nmx__filter_eval(f, http_cd, &e1), r2 = nmx__filter_eval(f, arp_cd, &e2);
    if (r1 == FILTER_FAIL_WITH_ERROR || r2 == FILTER_FAIL_WITH_ERROR)
        fail_msg("%s: evaluation failed (%lu, %lu)", text, (unsigned long)e1, (unsigned long)e2);
    char got[3] = {r1 == FILTER_PASSED ? 'P' : 'F', r2 == FILTER_PASSED ? 'P' : 'F', 0};
    if (strcmp(got, want) != 0)
        fail_msg("%s: got %s, want %s", text, got, want);
    nmx__filter_free(f);
}

/* The value of field `key` in d as tshark -T fields prints it. */
static const char *ctx_value(const nmx_dissection_t *d, const char *key)
{
    static char buf[256];
    const PROPERTYINST *pi = nmx__dissection_find(d, nmx__field_by_key(key), NULL);
    buf[0] = '\0';
    if (pi)
        nmx__prop_render(pi, buf, sizeof buf);
    return pi ? buf : NULL;
}

/* frame.* and tcp.stream come from the frame context, rendered as tshark does. */
static void test_frame_fields(void **state)
{
    (void)state;
    assert_string_equal(ctx_value(http_cd, "frame.number"), "7");
    assert_string_equal(ctx_value(http_cd, "frame.time"), "May 13, 2004 10:17:07.500000000 UTC");
    assert_string_equal(ctx_value(http_cd, "frame.time_epoch"), "1084443427.500000000");
    assert_string_equal(ctx_value(http_cd, "frame.time_relative"), "2.500000000");
    assert_string_equal(ctx_value(http_cd, "frame.time_delta"), "0.250000000");
    assert_string_equal(ctx_value(http_cd, "frame.protocols"), "eth:ethertype:ip:tcp:http");
    assert_string_equal(ctx_value(arp_cd, "frame.protocols"), "eth:ethertype:arp");
    /* frame.protocols is the last instance of the frame's slice, before the
     * first layer's, though it is known only after every layer. */
    long k = nmx__dissection_index(http_cd, nmx__dissection_find(http_cd, nmx__field_by_key("frame.protocols"), NULL));
    const PROPERTYINSTTABLE *slice0 = &http_cd->props->PropertyInstTable[0];
    assert_int_equal(k, (long)slice0->nPropertyInstIndex + slice0->nPropertyInsts - 1);
    assert_int_equal(http_cd->props->PropertyInstTable[1].nPropertyInstIndex, (WORD)(k + 1));
    assert_ptr_equal(http_cd->props->lpFirstPropertyInst[k + 1].lpPropertyInfo,
                     nmx__field_info(nmx__field_by_key("eth.dst")));
    assert_string_equal(ctx_value(http_cd, "frame.comment"), "Hello\\tWorld: GET");
    assert_string_equal(ctx_value(http_cd, "tcp.stream"), "3");
    assert_null(ctx_value(arp_cd, "frame.comment"));
    assert_null(ctx_value(http_cd, "udp.stream"));
    /* Without a context, only frame.len and frame.cap_len. */
    assert_null(ctx_value(http_d, "frame.number"));
    assert_null(ctx_value(http_d, "frame.time"));
    assert_null(ctx_value(http_d, "tcp.stream"));
    assert_string_equal(ctx_value(http_d, "frame.len"), ctx_value(http_cd, "frame.len"));
    char t[64];
    nmx__format_time(-1500000000ll, 0, t, sizeof t);
    assert_string_equal(t, "-1.500000000");
    nmx__format_time(-1, 2, t, sizeof t);
    assert_string_equal(t, "Dec 31, 1969 23:59:59.999999999 UTC");
    /* A stream filter says it needs the stream numbers; others do not. */
    nmx_filter_t *f = nmx__dfilter_compile("tcp.stream == 3 or udp", NULL, 0);
    assert_true(nmx__filter_needs_streams(f));
    nmx__filter_free(f);
    f = nmx__dfilter_compile("frame.number == 3", NULL, 0);
    assert_false(nmx__filter_needs_streams(f));
    nmx__filter_free(f);
}

static void test_text_operators(void **state)
{
    (void)state;
    /* frame.number, lengths */
    check_ctx("frame.number == 7", "PF");
    check_ctx("frame.number >= 7 and frame.number <= 8", "PP");
    check_ctx("frame.number in {1, 5..7}", "PF");
    check_ctx("frame.number in {1 2 8}", "FP");
    check_ctx("frame.number in {1,2, 8}", "FP");
    check_ctx("frame.number in {1 .. 7}", "PF");
    check_ctx("frame.number in {1 ..7}", "PF");
    check_ctx("frame.len in {40..50}", "FP");
    check_ctx("frame.cap_len > 60", "PF");
    /* times */
    check_ctx("frame.time >= \"2004-05-13 10:17:07.5\"", "PP");
    check_ctx("frame.time > \"2004-05-13 10:17:07.5\"", "FP");
    check_ctx("frame.time == \"May 13, 2004 10:17:07.5\"", "PF");
    check_ctx("frame.time < \"2004-05-13T10:17:08Z\"", "PF");
    check_ctx("frame.time < \"2004-05-13 10:18\"", "PP");
    check_ctx("frame.time >= \"2004-05-14\"", "FF");
    check_ctx("frame.time_epoch < 1084443428", "PF");
    check_ctx("frame.time_epoch == 1084443427.5", "PF");
    check_ctx("frame.time_epoch in {1084443427..1084443428}", "PF");
    check_ctx("frame.time_relative > 3", "FP");
    check_ctx("frame.time_relative == 2.5", "PF");
    check_ctx("frame.time_relative in {3..3.6}", "FP");
    check_ctx("frame.time_delta < 0.5", "PF");
    check_ctx("frame.time_delta >= 1", "FP");
    check_ctx("frame.time_delta > -1", "PP");
    /* strings: frame.protocols, frame.comment */
    check_ctx("frame.protocols contains \"tcp\"", "PF");
    check_ctx("frame.protocols == \"eth:ethertype:arp\"", "FP");
    check_ctx("frame.comment", "PF");
    check_ctx("frame.comment contains \"World\"", "PF");
    check_ctx("tcp.stream == 3", "PF");
    check_ctx("tcp.stream in {0..2}", "FF");
    check_ctx("udp.stream", "FF");
    /* matches and ~: case-insensitive as Wireshark's, unless (?-i) */
    check_ctx("http.host matches \"^www\\\\.example\"", "PF");
    check_ctx("http.host ~ \"EXAMPLE\\\\.com$\"", "PF");
    check_ctx("http.host matches \"(?-i)example\"", "FF");
    check_ctx("http.host matches \"(?-i)Example\"", "PF");
    check_ctx("frame.protocols ~ \"ip:(tcp|udp):\"", "PF");
    check_ctx("not http.host matches \"x{2}\"", "PP");
    /* slices */
    check_ctx("eth.src[0:3] == 66:77:88", "PF");
    check_ctx("eth.src[1-2] == 77:88", "PF");
    check_ctx("eth.src[0] == 0x66", "PF");
    check_ctx("eth.src[0] == 66", "PF");
    check_ctx("eth.src[:2] == 00:11", "FP");
    check_ctx("eth.src[4:] == aa:bb", "PF");
    check_ctx("eth.src[-2:] == aa:bb", "PF");
    check_ctx("eth.src[-1] == 55", "FP");
    check_ctx("eth.dst[0:2] != ff:ff", "PF");
    check_ctx("eth[12:2] == 08:06", "FP");
    check_ctx("frame[0:6] == ff:ff:ff:ff:ff:ff", "FP");
    check_ctx("ip[9] == 06", "PF");
    check_ctx("http.host[0:4] == \"www.\"", "PF");
    check_ctx("http.host[4:7] == \"Example\"", "PF");
    check_ctx("eth.src[10:2] == 00:00", "FF");
    check_ctx("tcp[20:3] == \"GET\"", "PF");
    /* & */
    check_ctx("tcp.flags & 0x08", "PF");
    check_ctx("tcp.flags & 0x02", "FF");
    check_ctx("tcp.flags & 0x18 == 0x18", "PF");
    check_ctx("tcp.flags & 0x02 != 2", "PF");
    check_ctx("!(tcp.flags & 0x02)", "PP");
    check_ctx("tcp.dstport & 0x40 in {64}", "PF");
    /* functions */
    check_ctx("len(http.host) == 15", "PF");
    check_ctx("len(http.host) > 15", "FF");
    check_ctx("len(eth.src) == 6", "PP");
    check_ctx("len(eth.src[1:2]) == 2", "PP");
    check_ctx("len(frame) > 60", "PF");
    check_ctx("lower(http.host) == \"www.example.com\"", "PF");
    check_ctx("upper(http.host) contains \"EXAMPLE\"", "PF");
    check_ctx("upper(http.request.method) in {\"GET\", \"POST\"}", "PF");
    check_ctx("lower(http.host) matches \"^www\"", "PF");
    /* != with transforms: present, and no instance equal */
    check_ctx("len(http.host) != 15", "FF");
    check_ctx("len(http.host) != 3", "PF");
}

static void test_text_new_errors(void **state)
{
    (void)state;
    check_error("bogus(http.host)", 0, "not a function");
    check_error("len(http.host", 13, "')' expected");
    check_error("len()", 4, "field name");
    check_error("len(len(http.host))", 4, "nested");
    check_error("len(ip.ttl) > 1", 4, "len() needs");
    check_error("lower(ip.src) == \"a\"", 6, "lower() needs a string");
    check_error("len(nosuch.field)", 4, "neither a field nor a protocol");
    check_error("tcp.port in 80", 12, "'{' expected");
    check_error("tcp.port in {80, 443", 12, "never closed");
    check_error("tcp.port in {}", 12, "empty");
    check_error("tcp.port in {80, abc}", 17, "not a valid number");
    check_error("tcp.port in {80..x}", 17, "not a valid number");
    check_error("http.host in {\"a\"..\"b\"}", 14, "a range needs");
    check_error("tcp.port in {80 ..}", 18, "end of the range");
    check_error("http.host matches \"(\"", 18, "invalid regular expression");
    check_error("http.host matches abc", 18, "quoted regular expression");
    check_error("ip.ttl matches \"1\"", 7, "'matches' needs");
    check_error("ip.ttl ~ \"1\"", 7, "'matches' needs");
    check_error("eth.src[1:", 7, "never closed");
    check_error("eth.src[a] == 00", 7, "invalid slice");
    check_error("eth.src[3-1] == 00", 7, "invalid slice");
    check_error("ip.ttl[0] == 1", 6, "cannot be sliced");
    check_error("ip.src & 1", 7, "'&' needs an integer field");
    check_error("tcp.flags & x", 12, "number is expected after '&'");
    check_error("frame.time > \"yesterday\"", 13, "not a valid time");
    check_error("frame.time > \"2004-13-01 00:00:00\"", 13, "not a valid time");
    check_error("frame.time_relative > 1.5.2", 22, "seconds");
    check_error("tcp in {1}", 4, "protocol");
    check_error("eth[0:2] contains 01 and tcp ~ \"x\"", 29, "protocol");
}

/* The text compiler's own actions cannot come from FilterAddObject, and a
 * filter with a regular expression is duplicated with its own copy. */
static void test_private_actions(void **state)
{
    (void)state;
    HFILTER h = CreateFilter();
    add(h, FILTERACTION_PROPERTY, prop("http.host"), 0);
    FILTEROBJECT2 o;
    memset(&o, 0, sizeof o);
    o.Action = NMX_FA_REGEX;
    assert_int_equal(FilterAddObject(h, &o), NMERR_SUCCESS);
    o.Action = NMX_FA_MATCHES;
    assert_int_equal(FilterAddObject(h, &o), NMERR_SUCCESS);
    DWORD err = 0;
    assert_int_equal(eval_h(h, http_d, &err), FILTER_FAIL_WITH_ERROR);
    assert_int_equal(err, NMERR_FILTER_INVALID_EXPRESSION);
    DestroyFilter(h);

    nmx_filter_t *f = nmx__dfilter_compile("http.host matches \"example\\\\.com\" and tcp.port in {80..81}", NULL, 0);
    assert_non_null(f);
    HFILTER dup = FilterDuplicate(nmx__filter_handle(f));
    assert_non_null(dup);
    nmx__filter_free(f); /* the duplicate has its own copy of the expression */
    assert_int_equal(eval_h(dup, http_d, NULL), FILTER_PASSED);
    assert_int_equal(eval_h(dup, arp_d, NULL), FILTER_FAILED);
    DestroyFilter(dup);
}

/* A text of `n` copies of `unit` around `middle` and `n` copies of `close`. */
static char *nested(const char *unit, size_t n, const char *middle, const char *close)
{
    size_t u = strlen(unit), m = strlen(middle), c = strlen(close);
    char *t = malloc(n * (u + c) + m + 1);
    assert_non_null(t);
    size_t k = 0;
    for (size_t i = 0; i < n; i++, k += u)
        memcpy(t + k, unit, u);
    memcpy(t + k, middle, m);
    k += m;
    for (size_t i = 0; i < n; i++, k += c)
        memcpy(t + k, close, c);
    t[k] = '\0';
    return t;
}

/* Deep nesting is refused with the column of the first level too many, without
 * recursing once per level (40,000 '(' used to overflow the stack). */
static void test_text_nesting(void **state)
{
    (void)state;
    char *t = nested("(", 40000, "tcp", ")");
    check_error(t, NMX_DFILTER_MAX_DEPTH, "nested");
    free(t);
    t = nested("!", 200000, "tcp", "");
    check_error(t, NMX_DFILTER_MAX_DEPTH, "nested");
    free(t);
    t = nested("not ", 100000, "tcp", "");
    check_error(t, 4 * NMX_DFILTER_MAX_DEPTH, "nested");
    free(t);
    t = nested("( !", 50000, "tcp", ")");
    check_error(t, 3 * (NMX_DFILTER_MAX_DEPTH / 2), "nested");
    free(t);
    /* Up to the limit compiles and evaluates. */
    t = nested("(", NMX_DFILTER_MAX_DEPTH, "tcp", ")");
    check_text(t, "PF");
    free(t);
    t = nested("!", NMX_DFILTER_MAX_DEPTH, "tcp", "");
    check_text(t, "PF");
    free(t);
    t = nested("(!", NMX_DFILTER_MAX_DEPTH / 2, "tcp", ")");
    check_text(t, "PF");
    free(t);
    /* Long flat texts are not nesting: 20,000 alternatives compile. */
    t = nested("arp or ", 20000, "tcp", "");
    check_text(t, "PP");
    free(t);
}

/* An expert's program is evaluated without recursion however deep, and its
 * length is bounded: past NMX_FILTER_MAX_OBJECTS FilterAddObject refuses. */
static void test_program_bounds(void **state)
{
    (void)state;
    HFILTER h = CreateFilter();
    FILTEROBJECT2 o = {.Action = FILTERACTION_BOOL, .Value = 1};
    assert_int_equal(FilterAddObject(h, &o), NMERR_SUCCESS);
    /* BOOL NOT NOT ... (an even number): true, as deep as the cap allows. */
    o = (FILTEROBJECT2){.Action = FILTERACTION_NOT};
    size_t n = 1;
    while (n + 2 <= NMX_FILTER_MAX_OBJECTS) {
        assert_int_equal(FilterAddObject(h, &o), NMERR_SUCCESS);
        assert_int_equal(FilterAddObject(h, &o), NMERR_SUCCESS);
        n += 2;
    }
    DWORD err = 0;
    assert_int_equal(eval_h(h, http_d, &err), FILTER_PASSED);
    while (n < NMX_FILTER_MAX_OBJECTS) {
        assert_int_equal(FilterAddObject(h, &o), NMERR_SUCCESS);
        n++;
    }
    assert_int_equal(nmx__filter_size(nmx__filter_from_handle(h)), NMX_FILTER_MAX_OBJECTS);
    assert_int_equal(FilterAddObject(h, &o), NMERR_OUT_OF_MEMORY);
    assert_int_equal(nmx__filter_size(nmx__filter_from_handle(h)), NMX_FILTER_MAX_OBJECTS);
    /* A duplicate is bounded the same way. */
    HFILTER d = FilterDuplicate(h);
    assert_non_null(d);
    assert_int_equal(FilterAddObject(d, &o), NMERR_OUT_OF_MEMORY);
    DestroyFilter(d);
    DestroyFilter(h);
    /* So is a compiled text: its error names the column where it got too long. */
    char *t = nested("tcp and ", NMX_FILTER_MAX_OBJECTS, "tcp", "");
    char msg[256];
    size_t pos = 0;
    assert_null(nmx__dfilter_compile_ex(t, msg, sizeof msg, &pos));
    assert_non_null(strstr(msg, "too long"));
    assert_true(pos > 0 && pos < strlen(t));
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handles),
        cmocka_unit_test(test_empty_and_malformed),
        cmocka_unit_test(test_copy_by_value),
        cmocka_unit_test(test_actions),
        cmocka_unit_test(test_text_syntax),
        cmocka_unit_test(test_text_errors),
        cmocka_unit_test(test_text_nesting),
        cmocka_unit_test(test_frame_fields),
        cmocka_unit_test(test_text_operators),
        cmocka_unit_test(test_text_new_errors),
        cmocka_unit_test(test_private_actions),
        cmocka_unit_test(test_program_bounds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
