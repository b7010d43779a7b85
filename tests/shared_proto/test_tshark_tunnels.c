/*
 * test_tshark_tunnels.c - hand-built GRE and VXLAN frames against tshark:
 * GRE without options, with checksum, key and sequence number, with an
 * Ethernet payload (0x6558), cut short, and with a protocol type nobody
 * takes; VXLAN on UDP 4789 with an Ethernet frame inside.  Every property
 * of gre, vxlan, eth, ip, ipv6, udp and tcp, frame by frame, and the
 * io,phs counts (what protdist counts) must be tshark's.
 *
 * Skipped when tshark is not installed.  The temporary directory is removed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../nmx_skip.h"
#include "../unit/proto/frames.h"
#include "proto/proto.h"
#include "tshark_util.h"

static const char *const frames[] = {
    /* 1: IPv4, GRE (no options, 0x0800), IPv4, UDP 40000 -> 40001. */
    "00112233440102000000000208004500003600010000402f00000a0000010a000002000008004500001e00010000"
    "40110000c0a80101c0a801029c409c41000a00006162",
    /* 2: GRE with checksum, key 0x1234 and sequence number 7, then IPv6/UDP. */
    "00112233440102000000000208004500005600010000402f00000a0000010a000002b00086ddbeef000000001234"
    "0000000760000000000a114020010db800000000000000000000000120010db80000000000000000000000029c42"
    "9c43000a00006364",
    /* 3: GRE with key 99, transparent Ethernet bridging: Ethernet, IPv4, TCP. */
    "00112233440102000000000208004500005200010000402f00000a0000010a000002200065580000006300112233"
    "44030200000000040800450000280001000040060000ac100001ac1000029c441f90000000010000000050182000"
    "00000000",
    /* 4: VXLAN (VNI 42) on UDP 4789: Ethernet, IPv4, UDP. */
    "00112233440102000000000208004500005000010000401100000a0000010a0000029c4512b5003c000008000000"
    "00002a0000112233440502000000000608004500001e0001000040110000ac100101ac1001029c469c47000a0000"
    "6566",
    /* 5: a GRE header cut short (2 bytes). */
    "00112233440102000000000208004500001600010000402f00000a0000010a0000020000",
    /* 6: GRE carrying a protocol type nobody takes (0x1234). */
    "00112233440102000000000208004500001b00010000402f00000a0000010a0000020000123478797a",
};
#define NFRAMES (sizeof(frames) / sizeof(frames[0]))

static const char *const protos[] = {"gre", "vxlan", "eth", "ip", "ipv6", "udp", "tcp"};
#define NPROTOS (sizeof(protos) / sizeof(protos[0]))

/* Frame i (tsu_write_pcap callback). */
static size_t frame_bytes(size_t i, uint8_t *b, size_t cap)
{
    return cap >= 512 ? fr_hex(b, 0, frames[i]) : 0;
}

static void test_tunnels_agree(void **state)
{
    (void)state;
    if (!tsu_have_tshark()) {
        NMX_SKIP();
        return;
    }
    const char *path = tsu_tmp_file("tunnels.pcap");
    assert_non_null(path);
    assert_true(tsu_write_pcap(path, NFRAMES, frame_bytes));
    unsigned theirs[256] = {0};
    size_t nf = 0;
    size_t differ = tsu_compare_built(path, NFRAMES, protos, NPROTOS, false, NULL, theirs, &nf);
    assert_true(differ != (size_t)-1);
    /* The tunnels are really there: four GRE headers (the one cut short is
     * not counted), one VXLAN, and the inner Ethernet frames of 3 and 4. */
    assert_int_equal(theirs[nmx__proto_id(nmx__proto_by_name("gre"))], 4);
    assert_int_equal(theirs[nmx__proto_id(nmx__proto_by_name("vxlan"))], 1);
    assert_int_equal(theirs[NMX_PROTO_ETH], NFRAMES + 2);
    printf("tshark agreement (hand-built GRE and VXLAN frames): %zu frames x %zu fields, %zu differences\n",
           NFRAMES, nf, differ);
    assert_int_equal(differ, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_tunnels_agree, tsu_tmp_remove),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
