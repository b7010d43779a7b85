/*
 * test_shard.c - nmx__shard_of() (src/runtime/shard.c): the same shard in
 * both directions of a connection, every fragment of a datagram together,
 * frames without IP in shard 1, and connections spread over the shards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "runtime/runtime.h"

/* An Ethernet + IPv4 + TCP (or UDP) frame; returns its length. */
static uint32_t ipv4_frame(uint8_t *f, const uint8_t src[4], const uint8_t dst[4], uint8_t proto, uint16_t sport,
                           uint16_t dport, uint16_t frag)
{
    memset(f, 0, 128);
    memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[3] = 60;
    ip[6] = (uint8_t)(frag >> 8);
    ip[7] = (uint8_t)frag;
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    uint8_t *l4 = ip + 20;
    l4[0] = (uint8_t)(sport >> 8);
    l4[1] = (uint8_t)sport;
    l4[2] = (uint8_t)(dport >> 8);
    l4[3] = (uint8_t)dport;
    if (proto == 6)
        l4[12] = 0x50;
    else
        l4[5] = 20;
    return 14 + 60;
}

static uint32_t shard(const uint8_t *f, uint32_t len, uint32_t n)
{
    nmx_recog_buf_t rb;
    nmx__recognize(f, len, len, 1 /* Ethernet */, &rb, NULL);
    return nmx__shard_of(f, len, &rb.table, n);
}

static void test_both_directions(void **state)
{
    (void)state;
    uint8_t f[128], g[128];
    const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {192, 168, 7, 9};
    for (uint32_t n = 2; n <= 16; n++) {
        for (uint16_t p = 1000; p < 1040; p++) {
            uint32_t l1 = ipv4_frame(f, a, b, 6, p, 80, 0), l2 = ipv4_frame(g, b, a, 6, 80, p, 0);
            uint32_t k = shard(f, l1, n);
            assert_true(k >= 1 && k <= n);
            assert_int_equal(k, shard(g, l2, n));
        }
    }
}

static void test_fragments_and_non_ip(void **state)
{
    (void)state;
    uint8_t f[128];
    const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
    /* first fragment (MF, offset 0) with ports, later fragment without: the same shard */
    uint32_t l = ipv4_frame(f, a, b, 17, 5353, 53, 0x2000);
    uint32_t first = shard(f, l, 7);
    l = ipv4_frame(f, a, b, 17, 0x1234, 0x5678, 0x00b9);
    assert_int_equal(first, shard(f, l, 7));
    l = ipv4_frame(f, b, a, 17, 1, 2, 0x2010);
    assert_int_equal(first, shard(f, l, 7));
    /* ARP: shard 1 */
    uint8_t arp[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1};
    for (uint32_t n = 1; n <= 9; n++)
        assert_int_equal(shard(arp, sizeof arp, n), 1);
    /* one shard: everything in it */
    l = ipv4_frame(f, a, b, 6, 1, 2, 0);
    assert_int_equal(shard(f, l, 1), 1);
    assert_int_equal(shard(f, l, 0), 1);
}

static void test_spread(void **state)
{
    (void)state;
    uint8_t f[128];
    unsigned count[4] = {0};
    for (unsigned i = 0; i < 4000; i++) {
        const uint8_t a[4] = {10, 1, (uint8_t)(i >> 8), (uint8_t)i}, b[4] = {10, 2, 0, 1};
        uint32_t l = ipv4_frame(f, a, b, 6, (uint16_t)(40000 + i % 7), 443, 0);
        count[shard(f, l, 4) - 1]++;
    }
    for (unsigned k = 0; k < 4; k++)
        assert_in_range(count[k], 800, 1200); /* 1000 each, give or take */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_both_directions),
        cmocka_unit_test(test_fragments_and_non_ip),
        cmocka_unit_test(test_spread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
