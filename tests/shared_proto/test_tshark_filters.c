/*
 * test_tshark_filters.c - display filters (-Y) agree with tshark: for a set
 * of expressions over several shared captures, the frames that pass are the
 * frames tshark -Y selects (with ip.defragment and tcp desegmentation off).
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
};
#define NEXPR (sizeof(exprs) / sizeof(exprs[0]))

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
    const char *opts = "-o ip.defragment:FALSE -o tcp.desegment_tcp_streams:FALSE";
    size_t compared = 0, failed = 0;
    nmx_proto_ws_t *ws = nmx_proto_ws_new();
    for (size_t ci = 0; ci < sizeof(captures) / sizeof(captures[0]); ci++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, captures[ci]);
        nmx_cap_t *cap = NULL;
        nmx_error_t err;
        if (nmx_cap_open_file(path, &cap, &err) != 0) {
            printf("  %s: not readable: %s\n", captures[ci], err.msg);
            failed++;
            continue;
        }
        uint32_t nf = nmx_cap_count(cap);
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
        for (uint32_t i = 0; i < nf; i++) {
            const nmx_frame_rec_t *fr = nmx_cap_frame(cap, i);
            ds[i] = nmx_dissect(ws, nmx_cap_data(cap, i), fr->caplen, fr->wirelen, fr->linktype);
            assert_non_null(ds[i]);
        }
        for (size_t e = 0; e < NEXPR; e++) {
            char errbuf[256];
            nmx_filter_t *f = nmx_dfilter_compile(exprs[e], errbuf, sizeof(errbuf));
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
                bool got = nmx_filter_eval(f, ds[i], NULL) == FILTER_PASSED;
                if (got != want[i]) {
                    if (!bad)
                        first_bad = i + 1;
                    bad++;
                }
            }
            compared++;
            if (bad) {
                failed++;
                printf("  %s: \"%s\": %zu frames differ (first: frame %u)\n", captures[ci], exprs[e], bad,
                       first_bad);
            }
            free(want);
            nmx_filter_free(f);
        }
        for (uint32_t i = 0; i < nf; i++)
            nmx_dissection_free(ds[i]);
        free(ds);
        free(resent);
        nmx_cap_close(cap);
    }
    nmx_proto_ws_free(ws);
    printf("tshark -Y agreement: %zu capture x expression pairs, %zu differ\n", compared, failed);
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters_agree),
    };
    return NMX_TEST_STATUS(cmocka_run_group_tests(tests, NULL, NULL));
}
