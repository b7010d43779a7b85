/*
 * test_tshark_ipv6.c - the hand-built IPv6 frames of
 * tests/unit/proto/ipv6_frames.h (padding and trailers after the datagram,
 * a Payload Length beyond the frame, the Authentication Header, and the
 * IPv4 ones on the same points) against
 * tshark: written to a pcap in $TMPDIR, read back by the capture layer and
 * dissected with their context as the runtime does, then compared with
 * `tshark -T fields -E occurrence=a` for every property of ipv6, udp, tcp,
 * icmpv6, ip, ah and icmp, frame by frame, and with `tshark -z io,phs` for the number
 * of frames of each protocol (what the Protocol Distribution expert counts).
 *
 * Skipped when tshark is not installed.  The temporary directory is removed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../nmx_skip.h"
#include "../unit/proto/frames.h"
#include "../unit/proto/ipv6_frames.h"
#include "capture/capture.h"
#include "proto/proto.h"
#include "tshark_util.h"

static const char *const protos[] = {"ipv6", "udp", "tcp", "icmpv6", "ip", "ah", "icmp"};

/* The AH of IPv6 is skipped as an extension header, its fields not parsed
 * (docs/protocols.md); IPv4's is a protocol: compare ah.* there only. */
static bool ipv4_ah_only(uint32_t frame, const char *key)
{
    return frame < IPV6_ONLY_NFRAMES && strncmp(key, "ah.", 3) == 0;
}
#define NPROTOS (sizeof(protos) / sizeof(protos[0]))

/* Frame i of ipv6_frames.h (tsu_write_pcap callback). */
static size_t frame_bytes(size_t i, uint8_t *b, size_t cap)
{
    return cap >= 512 ? fr_hex(b, 0, ipv6_frames[i]) : 0;
}

static void test_ipv6_frames_agree(void **state)
{
    (void)state;
    if (!tsu_have_tshark()) {
        NMX_SKIP();
        return;
    }
    const char *path = tsu_tmp_file("ipv6.pcap");
    assert_non_null(path);
    assert_true(tsu_write_pcap(path, IPV6_NFRAMES, frame_bytes));

    unsigned theirs[256] = {0};
    size_t nf = 0;
    size_t differ = tsu_compare_built(path, IPV6_NFRAMES, protos, NPROTOS, false, ipv4_ah_only, theirs, &nf);
    assert_true(differ != (size_t)-1);
    assert_true(nmx__proto_count() <= 256);
    assert_true(theirs[nmx__proto_id(nmx__proto_by_name("ipv6"))] == IPV6_ONLY_NFRAMES);
    assert_true(theirs[nmx__proto_id(nmx__proto_by_name("ah"))] == 2);
    printf("tshark agreement (hand-built IPv6 frames): %zu frames x %zu fields, %zu differences\n",
           (size_t)IPV6_NFRAMES, nf, differ);
    assert_int_equal(differ, 0);
}

/*
 * IP version nibbles that do not match their hand-off, as tshark 4.0 shows
 * them (found in edge/made_editcap-E0.02, corrupted bytes): version 6 where
 * IPv4 was expected is an ip item with its version, then IPv6, when
 * reached by an EtherType (Ethernet, VLAN, SNAP), IPv6 alone by IP
 * protocol 4, GRE or PPP; an IPv6 header of another version shows its
 * versions and nothing above it; one cut short the fields it holds.
 */
static const char *const version_frames[] = {
    /* IPv6 behind EtherType 0x0800: an ip item (its version flagged), then ipv6 */
    "0011223344550066778899aa08006000000000083a400000000000000000000000000000000100000000000000000000"
    "0000000000028000f7ff00000000",
    /* ... cut to 10 bytes */
    "0011223344550066778899aa08006000000000083a400000",
    /* ... with a header length nibble of 5, cut to 10 bytes */
    "0011223344550066778899aa08006500000000083a400000",
    /* ... behind a VLAN tag */
    "0011223344550066778899aa8100000508006000000000083a4000000000000000000000000000000001000000000000"
    "000000000000000000028000f7ff00000000",
    /* ... behind SNAP */
    "0011223344550066778899aa0038aaaa0300000008006000000000083a40000000000000000000000000000000010000"
    "00000000000000000000000000028000f7ff00000000",
    /* IPv6 in GRE protocol 0x0800: ipv6 only */
    "0011223344550066778899aa08004500004800010000402f00000a0009020a0009c8000008006000000000083a400000"
    "0000000000000000000000000001000000000000000000000000000000028000f7ff00000000",
    /* IPv6 as IP protocol 4: ipv6 only */
    "0011223344550066778899aa08004500004400010000400400000a0009030a0009c86000000000083a40000000000000"
    "00000000000000000001000000000000000000000000000000028000f7ff00000000",
    /* IPv6 as PPP protocol 0x0021: ipv6 only */
    "0011223344550066778899aa886411000001003200216000000000083a40000000000000000000000000000000010000"
    "00000000000000000000000000028000f7ff00000000",
    /* IPv4 version 5: an ip item with its version only */
    "0011223344550066778899aa08005500001c00010000400100000a0000010a0000020800f7ff00000000",
    /* IPv6 headers of version 4 and 7: versions only, nothing above */
    "0011223344550066778899aa86dd4500000000083a400000000000000000000000000000000100000000000000000000"
    "0000000000028000f7ff00000000",
    /* ... */
    "0011223344550066778899aa86dd7000000000083a400000000000000000000000000000000100000000000000000000"
    "0000000000028000f7ff00000000",
    /* ... cut to 10 bytes */
    "0011223344550066778899aa86dd4500000000083a400000",
    /* IPv4 carrying IPv6 of version 4 */
    "0011223344550066778899aa08004500004400010000402900000a0009040a0009c84500000000083a40000000000000"
    "00000000000000000001000000000000000000000000000000028000f7ff00000000",
    /* IPv6 headers cut short: the fields they hold */
    "0011223344550066778899aa86dd60",
    /* ... */
    "0011223344550066778899aa86dd60000000",
    /* ... */
    "0011223344550066778899aa86dd6000000000083a",
    /* ... */
    "0011223344550066778899aa86dd6000000000083a40",
    /* ... */
    "0011223344550066778899aa86dd6000000000083a4000000000000000000000000000000001",
    /* ... */
    "0011223344550066778899aa86dd6000000000083a400000000000000000000000000000000100000000000000000000"
    "0000000000",
};
#define N_VERSION (sizeof(version_frames) / sizeof(version_frames[0]))

static void test_ip_versions(void **state)
{
    (void)state;
    if (!tsu_have_tshark()) {
        NMX_SKIP();
        return;
    }
    static const char *const version_protos[] = {"ipv6", "ip", "icmpv6", "gre", "ppp", "llc", "vlan", "eth"};
    static const tsu_count_t want[] = {{"ip", 9}, {"ipv6", 18}, {"icmpv6", 6}};
    assert_int_equal(tsu_check_hex("IP versions", version_frames, N_VERSION, version_protos, 8, want,
                                   sizeof want / sizeof want[0]),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_ipv6_frames_agree, tsu_tmp_remove),
        cmocka_unit_test_teardown(test_ip_versions, tsu_tmp_remove),
    };
    return NMX_TEST_STATUS(cmocka_run_group_tests(tests, NULL, NULL));
}
