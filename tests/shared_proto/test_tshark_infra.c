/*
 * test_tshark_infra.c - hand-built frames of the infrastructure protocols
 * against tshark: NTP (modes 3, 4, 6 and 7, both timestamp eras, a zero
 * timestamp, cut short, over TCP, and on 123 -> 137 where the lower port
 * wins).  Every property of these protocols and of eth, ip, ipv6, udp and
 * tcp, frame by frame, and the io,phs counts (what protdist counts) must
 * be tshark's.
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
    /* NTPv4 client request (mode 3) to 123: timestamps of both eras, a zero one, the largest fraction. */
    "00112233440102000000000208004500004c00010000401100000a0000010a0000029c40007b00380000e30206e90001"
    "00000002000047505300e8f1a2b38000000000000000000000001234567800000001ffffffffffffffff",
    /* NTPv4 server reply (mode 4) 123 -> 123 (both ports NTP); a timestamp at the 1970 epoch. */
    "00112233440102000000000208004500004c00010000401100000a0000010a000002007b007b0038000024010ae90000"
    "000000000000c0a801017b00000040000000e8f1a2b31234567883aa7e800000000083aa7e8000000001",
    /* an NTP header cut at 20 bytes (malformed). */
    "00112233440102000000000208004500003000010000401100000a0000010a000002007b9c40001c0000e30206e90001"
    "00000002000047505300e8f1a2b3",
    /* an NTP header cut at 3 bytes (malformed). */
    "00112233440102000000000208004500001f00010000401100000a0000010a000002007b9c40000b0000e30206",
    /* NTP 123 -> 137: NTP, not NBNS (the lower port first); a control message (mode 6). */
    "00112233440102000000000208004500002800010000401100000a0000010a000002007b008900140000160100010000"
    "000000000000",
    /* an NTP private message (mode 7): no leap indicator. */
    "00112233440102000000000208004500002800010000401100000a0000010a000002007b03e8001400001700032a0000"
    "000000000000",
    /* NTP over TCP 123. */
    "00112233440102000000000208004500005800010000400600000a0000010a0000029c40007b00000001000000005018"
    "200000000000e30206e9000100000002000047505300e8f1a2b38000000000000000000000001234567800000001ffff"
    "ffffffffffff",
};
#define NFRAMES (sizeof(frames) / sizeof(frames[0]))

static const char *const protos[] = {"ntp", "eth", "ip", "ipv6", "udp", "tcp"};
#define NPROTOS (sizeof(protos) / sizeof(protos[0]))

/* Frame i (tsu_write_pcap callback). */
static size_t frame_bytes(size_t i, uint8_t *b, size_t cap)
{
    return cap >= 1024 ? fr_hex(b, 0, frames[i]) : 0;
}

/* io,phs's count of protocol `name`. */
static unsigned count(const unsigned *theirs, const char *name)
{
    const nmx_protocol_t *p = nmx__proto_by_name(name);
    assert_non_null(p);
    return theirs[nmx__proto_id(p)];
}

static void test_infra_agree(void **state)
{
    (void)state;
    if (!tsu_have_tshark()) {
        NMX_SKIP();
        return;
    }
    const char *path = tsu_tmp_file("infra.pcap");
    assert_non_null(path);
    assert_true(tsu_write_pcap(path, NFRAMES, frame_bytes));
    unsigned theirs[256] = {0};
    size_t nf = 0;
    size_t differ = tsu_compare_built(path, NFRAMES, protos, NPROTOS, false, NULL, theirs, &nf);
    assert_true(differ != (size_t)-1);
    /* The protocols are really there (and tshark agrees on each count). */
    assert_int_equal(count(theirs, "ntp"), 7);
    printf("tshark agreement (hand-built infrastructure frames): %zu frames x %zu fields, %zu differences\n",
           NFRAMES, nf, differ);
    assert_int_equal(differ, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_infra_agree, tsu_tmp_remove),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
