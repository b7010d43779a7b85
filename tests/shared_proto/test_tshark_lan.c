/*
 * test_tshark_lan.c - hand-built frames of NetMon's own era against
 * tshark: Token Ring (link type 6: source routing with RIFs of 2 to 18
 * bytes, LLC, IPX over LLC, MAC frames with their subvectors, frames cut
 * short) and Novell IPX over Ethernet II, 802.3 with LLC, SNAP and "raw"
 * 802.3, with SPX and SPX II on top, each also cut short.  Every property
 * of tr, trmac, ipx, spx, llc, eth, ip and udp, frame by frame, and the
 * io,phs counts (what protdist counts) must be tshark's; the counts of the
 * new protocols are asserted, so that a protocol neither side recognises
 * cannot pass unnoticed.  The sockets are ones tshark has no dissector for
 * (docs/protocols.md: SAP, RIP, NetBIOS, NCP... are not parsed).
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

static const char *const tr_frames[] = {
    /* LLC SNAP IPv4/UDP, no RIF */
    "1040c00000000001000011223344aaaa0300000008004500001c000100004011000008080808c0a800013039303a0008"
    "0000",
    /* RIF of 8 bytes: three rings, two bridges */
    "1040c000000000018000112233440830001100220030aaaa0300000008004500001c000100004011000008080808c0a8"
    "00013039303a00080000",
    /* RIF of 2 bytes, all-routes broadcast, direction set */
    "f541c0000000000280aabbccddee82b0aaaa0300000008004500001c000100004011000008080808c0a800013039303a"
    "00080000",
    /* RIF of 18 bytes (eight rings) */
    "1040c00000000003800011223344727000110022003300440055006600770080aaaa0300000008004500001c00010000"
    "4011000008080808c0a800013039303a00080000",
    /* LLC SAP E0: IPX */
    "1040c00000000004000011223344e0e003ffff0022000400000001ffffffffffff5000000000020000c0a80101500301"
    "020304",
    /* MAC frame: a subvector */
    "1000c00000000005000011223344000a0305060600020000",
    /* MAC frame: two subvectors, the second cut short */
    "1000c00000000006000011223344001000020402aabb0802",
    /* MAC frame cut at 3 bytes */
    "1000c00000000007000011223344000a03",
    /* header cut at 10 bytes */
    "1040c0000000000800001122",
    /* RIF of 10 bytes, frame ends after 4 */
    "1040c000000000098000112233440a300011",
    /* frame type 2 (reserved): nothing after */
    "1080c0000000000a000011223344aaaa0300000008004500001c000100004011000008080808c0a800013039303a0008"
    "0000",
};

static const char *const ipx_frames[] = {
    /* Ethernet II: IPX, packet type 4 */
    "ffffffffffff0000112233018137ffff0022000400000001ffffffffffff5000000000020000c0a80101500301020304",
    /* 802.3 LLC SAP E0: IPX */
    "ffffffffffff0000112233020025e0e003ffff0022000400000001ffffffffffff5000000000020000c0a80101500301"
    "020304",
    /* SNAP 0x8137: IPX */
    "ffffffffffff000011223303002aaaaa030000008137ffff0022000400000001ffffffffffff5000000000020000c0a8"
    "0101500301020304",
    /* raw 802.3: IPX with checksum 0xFFFF and no LLC */
    "ffffffffffff0000112233040022ffff0022000400000001ffffffffffff5000000000020000c0a80101500301020304",
    /* raw 802.3 padded: the 802.3 length bounds IPX */
    "ffffffffffff0000112233050022ffff0022000400000001ffffffffffff5000000000020000c0a80101500301020304"
    "000000000000000000000000",
    /* IPX length shorter than the payload, 3 hops, another network */
    "ffffffffffff0000112233068137ffff00200300abcdef010123456789ab5004000000020000c0a801015005aabbccdd",
    /* SPX: system packet */
    "ffffffffffff0000112233078137ffff002a000500000001ffffffffffff5001000000020000c0a80101500280001134"
    "567800010002000a",
    /* SPX with data, send-ack */
    "ffffffffffff0000112233088137ffff002c000500000001ffffffffffff5001000000020000c0a801015002c0001234"
    "567800010002000aabcd",
    /* SPX cut at 8 bytes */
    "ffffffffffff0000112233098137ffff0026000500000001ffffffffffff5001000000020000c0a80101500280001334"
    "56780001",
    /* SPX II negotiating a size */
    "ffffffffffff00001122330a8137ffff002c000500000001ffffffffffff5001000000020000c0a8010150020c001434"
    "567800010002000a0240",
    /* SPX II without negotiation, end of message and attention */
    "ffffffffffff00001122330b8137ffff002a000500000001ffffffffffff5001000000020000c0a80101500239001534"
    "56780001000200ff",
    /* IPX cut at 20 bytes */
    "ffffffffffff00001122330c8137ffff0022000400000001ffffffffffff50000000",
};

#define N_TR (sizeof(tr_frames) / sizeof(tr_frames[0]))
#define N_IPX (sizeof(ipx_frames) / sizeof(ipx_frames[0]))

static const char *const protos[] = {"tr", "trmac", "ipx", "spx", "llc", "eth", "ip", "udp"};
#define NPROTOS (sizeof(protos) / sizeof(protos[0]))

static size_t tr_bytes(size_t i, uint8_t *b, size_t cap)
{
    return cap >= 1024 ? fr_hex(b, 0, tr_frames[i]) : 0;
}

static size_t ipx_bytes(size_t i, uint8_t *b, size_t cap)
{
    return cap >= 1024 ? fr_hex(b, 0, ipx_frames[i]) : 0;
}

static void test_token_ring(void **state)
{
    (void)state;
    if (!tsu_have_tshark()) {
        NMX_SKIP();
        return;
    }
    /* Every frame but the one cut in its header; MAC frames in three, LLC
     * in the five whose RIF (if any) is whole and whose type is 1. */
    static const tsu_count_t want[] = {{"tr", 10}, {"trmac", 3}, {"ipx", 1}, {"llc", 5}};
    assert_int_equal(tsu_check_built_lt("Token Ring", 6, N_TR, tr_bytes, protos, NPROTOS, want,
                                        sizeof want / sizeof want[0]),
                     0);
}

static void test_ipx_spx(void **state)
{
    (void)state;
    if (!tsu_have_tshark()) {
        NMX_SKIP();
        return;
    }
    /* IPX in all but the frame cut at 20 bytes, SPX in five, LLC in the two
     * framings that have it (802.3 with LLC, SNAP). */
    static const tsu_count_t want[] = {{"ipx", 11}, {"spx", 5}, {"llc", 2}};
    assert_int_equal(tsu_check_built_lt("IPX and SPX", 1, N_IPX, ipx_bytes, protos, NPROTOS, want,
                                        sizeof want / sizeof want[0]),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_token_ring, tsu_tmp_remove),
        cmocka_unit_test_teardown(test_ipx_spx, tsu_tmp_remove),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
