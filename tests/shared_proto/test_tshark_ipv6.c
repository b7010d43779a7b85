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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_ipv6_frames_agree, tsu_tmp_remove),
    };
    return NMX_TEST_STATUS(cmocka_run_group_tests(tests, NULL, NULL));
}
