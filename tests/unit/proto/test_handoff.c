/*
 * test_handoff.c - the hand-off tables (src/proto/handoff.c) and run-time
 * registration (nmx__registry_add), on hand-built frames: a protocol added
 * after the built-ins gets the next id and is reached through a UDP port;
 * a newer registration on a port is tried first and, when it turns the
 * payload down, the built-in one still gets it; a port whose Wireshark
 * dissector takes anything ends the hand-off at the lower port; a name
 * already taken, or a property without a name, is refused with a message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/linktype.h"
#include "frames.h"
#include "proto/proto_int.h"

/* A protocol of our own: takes a payload that starts with "HB". */
static unsigned hb_calls;
static bool hb_dissect(nmx_dctx_t *d, nmx_cursor_t c, unsigned proto)
{
    hb_calls++;
    uint8_t a, b;
    if (!nmx__cur_peek_u8(&c, 0, &a) || !nmx__cur_peek_u8(&c, 1, &b) || a != 'H' || b != 'B')
        return false;
    return nmx__push_layer(d, proto, nmx__off(&c));
}

static nmx_field_t hb_fields[] = {
    NMX_F_UINT("hb.seq", "Sequence", NMX_BASE_DEC, 2, 0),
};
static NMX_PROTOCOL(hb_proto, 0, "hb", "HEARTBEAT", NULL, "Heartbeat", hb_fields, .dissect = hb_dissect,
                    NMX_HANDOFFS({NMX_HO_UDP_PORT, 40000}, {NMX_HO_UDP_PORT, 137}));

/* Ethernet + IPv4 + UDP sport -> dport carrying the bytes of `hex`. */
static size_t udp_frame(uint8_t *b, unsigned sport, unsigned dport, const char *hex)
{
    uint8_t pl[256];
    size_t plen = fr_hex(pl, 0, hex);
    size_t n = fr_hex(b, 0, "001122334455 66778899aabb 0800");
    size_t tot = 28 + plen;
    uint8_t ip[20] = {0x45, 0, (uint8_t)(tot >> 8), (uint8_t)tot, 0, 1, 0, 0, 64, 17, 0, 0,
                      192, 168, 0, 1, 192, 168, 0, 2};
    memcpy(b + n, ip, 20);
    n += 20;
    uint8_t u[8] = {(uint8_t)(sport >> 8), (uint8_t)sport, (uint8_t)(dport >> 8), (uint8_t)dport,
                    (uint8_t)((8 + plen) >> 8), (uint8_t)(8 + plen), 0, 0};
    memcpy(b + n, u, 8);
    n += 8;
    memcpy(b + n, pl, plen);
    return n + plen;
}

static const char *protos_of(unsigned sport, unsigned dport, const char *hex)
{
    static nmx_recog_buf_t rb;
    uint8_t b[512];
    size_t n = udp_frame(b, sport, dport, hex);
    nmx__recognize(b, (uint32_t)n, (uint32_t)n, NMX_LINK_ETHERNET, &rb, NULL);
    return fr_protos(&rb.table);
}

/* An NBNS name query for "*" (the payload of both tests below). */
#define NBNS_QUERY "81c0 0110 0001 0000 0000 0000 20 434b414141414141414141414141414141414141414141414141414141414141 00 0020 0001"

static void test_builtin_order(void **state)
{
    (void)state;
    /* NBNS on its port; UDP 111 (ONC RPC, a Wireshark dissector we do not
     * parse that takes anything) is the lower port and ends the hand-off,
     * as our NTP on 123 does; a port without a dissector does not. */
    assert_string_equal(protos_of(40001, 137, NBNS_QUERY), "eth ip udp nbns");
    assert_string_equal(protos_of(111, 137, NBNS_QUERY), "eth ip udp");
    assert_string_equal(protos_of(123, 137, NBNS_QUERY), "eth ip udp ntp");
    assert_string_equal(protos_of(40002, 137, NBNS_QUERY), "eth ip udp nbns");
}

static void test_registered_at_run_time(void **state)
{
    (void)state;
    unsigned before = nmx__proto_count();
    char err[128] = "";
    assert_int_equal(nmx__registry_add(&hb_proto, err, sizeof err), 0);
    assert_int_equal(nmx__proto_count(), before + 1);
    assert_int_equal(hb_proto.info.ProtocolID, before);
    assert_ptr_equal(nmx__proto_by_name("hb"), &hb_proto);
    assert_ptr_equal(nmx__proto_by_name("HEARTBEAT"), &hb_proto);
    const nmx_field_t *f = nmx__field_by_key("hb.seq");
    assert_non_null(f);
    assert_ptr_equal(nmx__field_proto(f), &hb_proto);
    assert_ptr_equal(nmx__field_from_handle(nmx__field_handle(f)), f);

    /* Its port; anything else there is turned down and left as UDP. */
    assert_string_equal(protos_of(50000, 40000, "4842 0001"), "eth ip udp hb");
    assert_string_equal(protos_of(50000, 40000, "0000 0001"), "eth ip udp");

    /* On NBNS's port it comes first (the newest registration), and NBNS
     * still gets what it turns down. */
    hb_calls = 0;
    assert_string_equal(protos_of(50001, 137, "4842 0001"), "eth ip udp hb");
    assert_string_equal(protos_of(50001, 137, NBNS_QUERY), "eth ip udp nbns");
    assert_int_equal(hb_calls, 2);

    /* One more hand-off, added afterwards, as a parser's handoff set does. */
    assert_int_equal(nmx__handoff_add(hb_proto.info.ProtocolID, NMX_HO_UDP_PORT, 40100), 0);
    assert_string_equal(protos_of(50002, 40100, "4842"), "eth ip udp hb");
    assert_int_equal(nmx__handoff_add(nmx__proto_count(), NMX_HO_UDP_PORT, 1), -1);
    assert_int_equal(nmx__handoff_add(hb_proto.info.ProtocolID, NMX_HO_TABLES, 1), -1);
}

static void test_bad_registrations(void **state)
{
    (void)state;
    static nmx_field_t nameless[] = {NMX_F_UINT("", "x", NMX_BASE_DEC, 1, 0)};
    static NMX_PROTOCOL(dup, 0, "udp", NULL, NULL, "another udp", hb_fields);
    static NMX_PROTOCOL(bad, 0, "nameless", NULL, NULL, "no field name", nameless);
    static NMX_PROTOCOL_NOFIELDS(anon, 0, "", NULL, NULL, "no name");
    unsigned before = nmx__proto_count();
    char err[128] = "";
    assert_int_equal(nmx__registry_add(&dup, err, sizeof err), -1);
    assert_non_null(strstr(err, "already registered"));
    assert_int_equal(nmx__registry_add(&bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "no name"));
    assert_int_equal(nmx__registry_add(&anon, err, sizeof err), -1);
    assert_int_equal(nmx__registry_add(NULL, NULL, 0), -1);
    assert_int_equal(nmx__proto_count(), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_order),
        cmocka_unit_test(test_registered_at_run_time),
        cmocka_unit_test(test_bad_registrations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
