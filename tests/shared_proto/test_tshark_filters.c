/*
 * test_tshark_filters.c - display filters (-Y) agree with tshark: for a set
 * of expressions over several shared captures, the frames that pass are the
 * frames tshark -Y selects (with the reference options: no reassembly).
 * The frames are dissected with their context (frame number, times, comment,
 * stream numbers), as the runtime does, and tshark runs with TZ=UTC, the
 * zone nmexpert reads frame.time values in.
 *
 * The list covers every operator (==, !=, <, >, <=, >=, their word forms,
 * and/or/xor/not, contains, matches and ~, in {} with ranges, slices, &,
 * len(), lower(), upper()), every frame.* field, tcp.stream and udp.stream.
 * Every expression must select at least one frame somewhere (so an
 * expression tshark refuses, which selects nothing, cannot pass unseen).
 *
 * Expressions that name fields above TCP are not compared on the frames
 * tshark judges TCP retransmissions or out-of-order segments, which it does
 * not hand to application dissectors (see test_tshark_fields.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture/capture.h"
#include "filter/filter.h"
#include "proto/proto.h"
#include "tshark_util.h"
#include "../nmx_skip.h"

static const char *const captures[] = {
    "real/suricata_lan-mix-ftp-data.pcap", "real/suricata_smb2-peter.pcap",
    "real/ndpi_zoom_qinq-vlan-mixed.pcap", "real/honeynet_suspicious-time.pcap",
    "pcapng/ms_ADOD_Ex1_3_2019_comments.pcapng", "real/ppa_ipfragments.pcap",
};

/*
 * Captures whose tcp.stream and udp.stream values are compared frame by
 * frame: port reuse by a scanner (evidence04), two UDP headers per frame
 * (GTP in zoom_qinq), UDP quoted by ICMP errors (tracert), SYN
 * retransmissions, IPv6, Linux cooked capture.  Not evilfingers_xscan: its
 * SNMP dissector opens conversations of its own in tshark, which shifts the
 * UDP numbers after it (nmexpert has no SNMP parser).
 */
static const char *const stream_captures[] = {
    "real/netforensics_evidence04_scan.pcap", "real/ndpi_zoom_qinq-vlan-mixed.pcap",
    "real/ppa_icmp-tracert-slow.pcap", "real/suricata_syn-retransmit-vlan-mixed.pcap",
    "real/honeynet_suspicious-time.pcap", "real/suricata_lan-mix-ftp-data.pcap",
    "real/ndpi_reddit_ipv6.pcap", "linktypes/ndpi_KakaoTalk_sll.pcap",
};

static const char *const exprs[] = {
    "tcp", "arp", "ipv6", "icmp or igmp", "vlan", "dns", "nbns or nbdgm", "smb2", "dhcp",
    "ip.src == 192.168.0.0/16",
    "ip.addr != 192.168.0.1",
    "tcp.flags.syn == 1 and tcp.flags.ack == 0",
    "!(ip.ttl < 64)",
    "ip.ttl ge 128 or arp and eth.src",
    "eth.dst == ff:ff:ff:ff:ff:ff",
    "dns.flags.response == 1",
    "dns.qry.name contains \"google\"",
    "http.request.method == \"GET\"",
    "http.response.code >= 300",
    "tcp.len > 100 && tcp.dstport != 80",
    "vlan.id == 113",
    "ipv6.src == fe80::/10",
    "smb2.cmd == 5",
    "udp.dstport >= 1024 and not dns",
    "ip.flags.mf == 1 or ip.frag_offset > 0",
    "not ip.src == 10.0.0.0/8 and ip",
    /* frame.* */
    "frame.number >= 10 and frame.number <= 20",
    "frame.number in {1, 5, 100..120}",
    "frame.number == 1 || frame.number == 745",
    "frame.len > 1000",
    "frame.cap_len < 64",
    "frame.len in {60..70, 1514}",
    "frame.time >= \"2010-01-01 00:02:00\" and frame.time < \"2010-01-01 00:03:00.5\"",
    "frame.time < \"Jun 17, 2013 21:59:00\"",
    "frame.time >= \"2020-04-21T12:11:30Z\"",
    "frame.time_epoch < 1262304100",
    "frame.time_epoch >= 1371506300.5 and frame.time_epoch <= 1371506340",
    "frame.time_relative > 1.5",
    "frame.time_relative <= 0.25",
    "frame.time_relative in {1..2.5, 30..31}",
    "frame.time_delta > 0.5",
    "frame.time_delta == 0",
    "frame.time_delta < 0.0001 and frame.number > 1",
    "frame.protocols contains \"ip:tcp\"",
    "frame.protocols contains \"udp:dns\" or frame.protocols contains \":arp\"",
    "frame.comment",
    "frame.comment contains \"LDAP\"",
    "frame.comment matches \"Step 1[0-9] \"",
    /* streams */
    "tcp.stream == 3",
    "tcp.stream in {0..2, 7}",
    "tcp.stream > 10 and tcp.stream < 40",
    "udp.stream == 0",
    "udp.stream >= 5 and udp.stream < 9",
    "tcp.stream == 1 and frame.time_delta > 0.001",
    /* sets */
    "tcp.port in {80, 443, 8000..8100}",
    "udp.port in {53, 137, 138}",
    "ip.src in {192.168.0.0/16, 10.0.0.0/8}",
    "eth.dst in {ff:ff:ff:ff:ff:ff, 01:00:5e:00:00:16}",
    "ip.ttl in {64, 128, 255}",
    "tcp and not tcp.port in {80, 443}",
    "http.request.method in {\"GET\", \"POST\"}",
    "smb2.cmd in {3..6}",
    "vlan.id in {113, 114}",
    /* matches, ~, contains */
    "http.host matches \"^www\\\\.\"",
    "http.user_agent ~ \"(?i)mozilla\"",
    "http.user_agent matches \"mozilla\"",
    "dns.qry.name matches \"\\\\.(com|net)$\"",
    "http.request.uri contains \".jpg\"",
    /* slices */
    "eth.src[0:3] == 08:00:27",
    "eth.dst[0] == 0xff",
    "eth.src[:2] == 52:54",
    "eth.dst[4:] == 00:16",
    "eth.src[1-2] == 00:27",
    "eth[12:2] == 81:00",
    "ip[0] == 45",
    "frame[0:6] == ff:ff:ff:ff:ff:ff",
    "ipv6.src[0:2] == fe:80",
    "http.host[0:4] == \"www.\"",
    /* & */
    "tcp.flags & 0x02",
    "tcp.flags & 0x12 == 0x12",
    "tcp and !(tcp.flags & 0x10)",
    "udp.srcport & 1",
    /* functions */
    "len(http.host) > 15",
    "len(dns.qry.name) < 10",
    "lower(http.host) contains \"google\"",
    "upper(http.request.method) == \"GET\"",
    "upper(dns.qry.name) contains \"WPAD\"",
    /* word forms and xor */
    "ip.len > 1000 and not tcp",
    "tcp.window_size_value lt 1000 and tcp.window_size_value gt 0",
    "udp.length le 100 && udp.length ge 50",
    "ip.src ne 192.168.1.1 and ip.dst eq 10.0.0.1 or arp",
};
#define NEXPR (sizeof(exprs) / sizeof(exprs[0]))
_Static_assert(NEXPR >= 60, "the list holds at least 60 expressions");

static bool above_tcp(const char *e)
{
    static const char *const app[] = {"dns", "http", "smb", "nbns", "dhcp", "tls"};
    for (size_t i = 0; i < sizeof(app) / sizeof(app[0]); i++)
        if (strstr(e, app[i]))
            return true;
    return false;
}

static void test_filters_agree(void **state)
{
    (void)state;
    const char *dir = tsu_captures_dir();
    if (!dir || !tsu_have_tshark()) {
        NMX_SKIP();
        return;
    }
    const char *opts = NMX_TSHARK_REF_OPTS;
    size_t compared = 0, failed = 0;
    size_t selected[NEXPR] = {0};
    nmx_proto_ws_t *ws = nmx__proto_ws_new();
    for (size_t ci = 0; ci < sizeof(captures) / sizeof(captures[0]); ci++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, captures[ci]);
        nmx_cap_t *cap = NULL;
        nmx_error_t err;
        if (nmx__cap_open_file(path, &cap, &err) != 0) {
            printf("  %s: not readable: %s\n", captures[ci], err.msg);
            failed++;
            continue;
        }
        uint32_t nf = nmx__cap_count(cap);
        /* Frames tshark does not dissect above TCP. */
        char args[1024];
        snprintf(args, sizeof(args),
                 "%s -T fields -e tcp.analysis.retransmission -e tcp.analysis.out_of_order "
                 "-e tcp.analysis.spurious_retransmission -e tcp.analysis.fast_retransmission",
                 opts);
        size_t nl = 0;
        char **lines = tsu_run(dir, captures[ci], args, &nl);
        assert_non_null(lines);
        assert_int_equal(nl, nf);
        bool *resent = calloc(nf + 1, sizeof(bool));
        for (size_t i = 0; i < nl; i++)
            resent[i] = strspn(lines[i], "\t") != strlen(lines[i]);
        tsu_free_list(lines, nl);

        nmx_dissection_t **ds = calloc(nf + 1, sizeof(*ds));
        tsu_walk_t walk;
        assert_true(tsu_walk_init(&walk));
        for (uint32_t i = 0; i < nf; i++) {
            ds[i] = tsu_dissect_frame(ws, &walk, cap, i);
            assert_non_null(ds[i]);
        }
        tsu_walk_free(&walk);
        for (size_t e = 0; e < NEXPR; e++) {
            char errbuf[256];
            nmx_filter_t *f = nmx__dfilter_compile(exprs[e], errbuf, sizeof(errbuf));
            if (!f)
                fail_msg("%s: %s", exprs[e], errbuf);
            snprintf(args, sizeof(args), "%s -Y '%s' -T fields -e frame.number", opts, exprs[e]);
            lines = tsu_run(dir, captures[ci], args, &nl);
            assert_non_null(lines);
            bool *want = calloc(nf + 1, sizeof(bool));
            for (size_t i = 0; i < nl; i++) {
                long k = atol(lines[i]);
                if (k >= 1 && (uint32_t)k <= nf)
                    want[k - 1] = true;
            }
            tsu_free_list(lines, nl);
            size_t bad = 0;
            uint32_t first_bad = 0;
            for (uint32_t i = 0; i < nf; i++) {
                if (resent[i] && above_tcp(exprs[e]))
                    continue;
                bool got = nmx__filter_eval(f, ds[i], NULL) == FILTER_PASSED;
                if (got != want[i]) {
                    if (!bad)
                        first_bad = i + 1;
                    bad++;
                }
            }
            compared++;
            for (uint32_t i = 0; i < nf; i++)
                selected[e] += want[i];
            if (bad) {
                failed++;
                printf("  %s: \"%s\": %zu frames differ (first: frame %u)\n", captures[ci], exprs[e], bad,
                       first_bad);
            }
            free(want);
            nmx__filter_free(f);
        }
        for (uint32_t i = 0; i < nf; i++)
            nmx__dissection_free(ds[i]);
        free(ds);
        free(resent);
        nmx__cap_close(cap);
    }
    nmx__proto_ws_free(ws);
    for (size_t e = 0; e < NEXPR; e++)
        if (selected[e] == 0) {
            printf("  \"%s\": tshark selects no frame in any capture (refused?)\n", exprs[e]);
            failed++;
        }
    printf("tshark -Y agreement: %zu capture x expression pairs, %zu differ\n", compared, failed);
    assert_int_equal(failed, 0);
}

/* tcp.stream and udp.stream of every frame are tshark's. */
static void test_streams_agree(void **state)
{
    (void)state;
    const char *dir = tsu_captures_dir();
    if (!dir || !tsu_have_tshark()) {
        skip();
        return;
    }
    const nmx_field_t *tcp_stream = nmx__field_by_key("tcp.stream");
    const nmx_field_t *udp_stream = nmx__field_by_key("udp.stream");
    assert_non_null(tcp_stream);
    assert_non_null(udp_stream);
    size_t failed = 0, frames = 0;
    nmx_proto_ws_t *ws = nmx__proto_ws_new();
    for (size_t ci = 0; ci < sizeof(stream_captures) / sizeof(stream_captures[0]); ci++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, stream_captures[ci]);
        nmx_cap_t *cap = NULL;
        nmx_error_t err;
        if (nmx__cap_open_file(path, &cap, &err) != 0) {
            printf("  %s: not readable: %s\n", stream_captures[ci], err.msg);
            failed++;
            continue;
        }
        uint32_t nf = nmx__cap_count(cap);
        size_t nl = 0;
        char **lines = tsu_run(dir, stream_captures[ci],
                               NMX_TSHARK_REF_OPTS " -T fields "
                               "-e tcp.stream -e udp.stream",
                               &nl);
        assert_non_null(lines);
        assert_int_equal(nl, nf);
        nmx_streams_t *conv = nmx__streams_new();
        size_t bad = 0;
        for (uint32_t i = 0; i < nf; i++) {
            const nmx_frame_rec_t *fr = nmx__cap_frame(cap, i);
            nmx_frame_ctx_t ctx = {.number = i + 1, .ts_ns = fr->ts_ns, .first_ns = fr->ts_ns, .prev_ns = fr->ts_ns};
            assert_true(nmx__streams_next(conv, nmx__cap_data(cap, i), fr->caplen, fr->wirelen, fr->linktype,
                                          ctx.tcp_stream, ctx.udp_stream));
            nmx_dissection_t *d =
                nmx__dissect_ctx(ws, nmx__cap_data(cap, i), fr->caplen, fr->wirelen, fr->linktype, &ctx);
            assert_non_null(d);
            char got[256], want[256];
            char tv[128], uv[128];
            tsu_render_all(d, tcp_stream, tv, sizeof tv);
            tsu_render_all(d, udp_stream, uv, sizeof uv);
            snprintf(got, sizeof got, "%s\t%s", tv, uv);
            snprintf(want, sizeof want, "%s", lines[i]);
            if (strcmp(got, want) != 0) {
                if (bad++ < 3)
                    printf("  %s frame %u: tcp.stream, udp.stream \"%s\", tshark \"%s\"\n",
                           stream_captures[ci], i + 1, got, want);
            }
            nmx__dissection_free(d);
        }
        frames += nf;
        if (bad) {
            printf("  %s: %zu frames differ\n", stream_captures[ci], bad);
            failed++;
        }
        nmx__streams_free(conv);
        tsu_free_list(lines, nl);
        nmx__cap_close(cap);
    }
    nmx__proto_ws_free(ws);
    printf("tcp.stream / udp.stream: %zu frames compared, %zu captures differ\n", frames, failed);
    assert_int_equal(failed, 0);
}

int main(void)
{
    /* tshark reads frame.time values in local time; nmexpert in UTC. */
    setenv("TZ", "UTC", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_streams_agree),
        cmocka_unit_test(test_filters_agree),
    };
    return NMX_TEST_STATUS(cmocka_run_group_tests(tests, NULL, NULL));
}
