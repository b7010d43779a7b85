/*
 * test_api.c - the exported handle-free NetMon functions of the parser
 * layer: protocol and property look-ups (Wireshark and NetMon names, case,
 * labels), handle validation (NULL, wild, stale values never crash), the
 * protocol description table, the unsupported parser-registration calls,
 * and the pure helpers of spec 6.5/6.6.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/proto.h"

static void test_protocol_names(void **state)
{
    (void)state;
    HPROTOCOL tcp = GetProtocolFromName("tcp");
    assert_non_null(tcp);
    assert_ptr_equal(GetProtocolFromName("TCP"), tcp);
    assert_ptr_equal(GetProtocolFromName((LPSTR) "Tcp"), tcp);
    HPROTOCOL eth = GetProtocolFromName("ETHERNET");
    assert_non_null(eth);
    assert_ptr_equal(GetProtocolFromName("eth"), eth);
    assert_non_null(GetProtocolFromName("FRAME"));
    assert_non_null(GetProtocolFromName("smb"));
    assert_non_null(GetProtocolFromName("SMB2"));
    assert_non_null(GetProtocolFromName("nbss"));
    assert_non_null(GetProtocolFromName("IPv6"));
    assert_null(GetProtocolFromName("nosuchproto"));
    assert_int_equal(BhGetLastError(), NMERR_PROTOCOL_NOT_FOUND);
    assert_null(GetProtocolFromName(NULL));
    assert_null(GetProtocolFromName(""));

    LPPROTOCOLINFO pi = GetProtocolInfo(tcp);
    assert_non_null(pi);
    assert_int_equal(pi->ProtocolID, NMX_PROTO_TCP);
    assert_string_equal((char *)pi->ProtocolName, "tcp");
    assert_non_null(pi->PropertyDatabase);
    assert_true(pi->PropertyDatabase->nProperties > 10);
    /* Every property of the database is reachable and names its handle. */
    for (DWORD i = 0; i < pi->PropertyDatabase->nProperties; i++) {
        LPPROPERTYINFO info = pi->PropertyDatabase->PropertyInfo[i];
        assert_ptr_equal(GetPropertyInfo(info->hProperty), info);
        assert_non_null(info->Label);
    }
    /* Bad handles fail cleanly without being dereferenced. */
    assert_null(GetProtocolInfo(NULL));
    assert_int_equal(BhGetLastError(), NMERR_INVALID_HPROTOCOL);
    assert_null(GetProtocolInfo((HPROTOCOL)(uintptr_t)0x10));
    assert_null(GetProtocolInfo((HPROTOCOL)(uintptr_t)0xdeadbeefcafe));
    assert_null(GetProtocolInfo((HPROTOCOL)((char *)tcp + 1)));
}

/* NmxProtocolMayHold: own properties, borrowed ones (ntlmssp.* in SMB2 and
 * HTTP), anyone's for a protocol without properties (mDNS), nothing else;
 * bad handles fail cleanly. */
static void test_protocol_may_hold(void **state)
{
    (void)state;
    HPROTOCOL tcp = GetProtocolFromName("tcp"), smb2 = GetProtocolFromName("smb2"),
              http = GetProtocolFromName("http"), ntlmssp = GetProtocolFromName("ntlmssp"),
              kerberos = GetProtocolFromName("kerberos"), mdns = GetProtocolFromName("mdns"),
              dns = GetProtocolFromName("dns");
    assert_true(tcp && smb2 && http && ntlmssp && kerberos && mdns && dns);
    assert_true(NmxProtocolMayHold(tcp, tcp));
    assert_int_equal(BhGetLastError(), NMERR_SUCCESS);
    assert_true(NmxProtocolMayHold(smb2, ntlmssp));
    assert_true(NmxProtocolMayHold(http, kerberos));
    assert_true(NmxProtocolMayHold(mdns, dns));
    assert_false(NmxProtocolMayHold(tcp, ntlmssp));
    assert_false(NmxProtocolMayHold(ntlmssp, smb2));
    assert_false(NmxProtocolMayHold(dns, mdns));
    assert_int_equal(BhGetLastError(), NMERR_SUCCESS);
    assert_false(NmxProtocolMayHold(NULL, tcp));
    assert_int_equal(BhGetLastError(), NMERR_INVALID_HPROTOCOL);
    assert_false(NmxProtocolMayHold(tcp, (HPROTOCOL)(uintptr_t)0xdeadbeefcafe));
    assert_int_equal(BhGetLastError(), NMERR_INVALID_HPROTOCOL);
}

static void test_property_names(void **state)
{
    (void)state;
    HPROTOCOL ip = GetProtocolFromName("IP");
    HPROPERTY ttl = GetProperty(ip, "ip.ttl");
    assert_true(ttl != 0);
    assert_int_equal(GetProperty(ip, "IP.TTL"), ttl);
    assert_int_equal(GetProperty(ip, "Time to Live"), ttl);
    assert_int_equal(GetProperty(ip, "time to live"), ttl);
    assert_int_equal(GetProperty(ip, "IP.Time to Live"), ttl);
    assert_int_equal(GetProperty(NULL, "ip.ttl"), ttl);
    LPPROPERTYINFO info = GetPropertyInfo(ttl);
    assert_non_null(info);
    assert_string_equal(info->Label, "Time to Live");
    assert_string_equal(info->Comment, "ip.ttl");
    assert_int_equal(info->hProperty, ttl);
    assert_int_equal(info->DataType, PROP_TYPE_BYTE);
    /* Wrong protocol, unknown names, bad handles. */
    assert_int_equal(GetProperty(GetProtocolFromName("tcp"), "ip.ttl"), 0);
    assert_int_equal(BhGetLastError(), NMERR_PROPERTY_NOT_FOUND);
    assert_int_equal(GetProperty(ip, "nope"), 0);
    assert_int_equal(GetProperty(ip, NULL), 0);
    assert_int_equal(GetProperty((HPROTOCOL)(uintptr_t)0x1234, "ip.ttl"), 0);
    assert_int_equal(BhGetLastError(), NMERR_INVALID_HPROTOCOL);
    assert_null(GetPropertyInfo(0));
    assert_int_equal(BhGetLastError(), NMERR_INVALID_HPROPERTY);
    assert_null(GetPropertyInfo((HPROPERTY)0xffffffffffffull));
    assert_null(GetPropertyInfo(ttl + 100000));
    /* Types of a few properties (spec 4.10). */
    assert_int_equal(GetPropertyInfo(GetProperty(NULL, "ip.src"))->DataType, PROP_TYPE_IP_ADDRESS);
    assert_int_equal(GetPropertyInfo(GetProperty(NULL, "ipv6.src"))->DataType, PROP_TYPE_IP6_ADDRESS);
    assert_int_equal(GetPropertyInfo(GetProperty(NULL, "eth.src"))->DataType, PROP_TYPE_ETHERNET_ADDRESS);
    assert_int_equal(GetPropertyInfo(GetProperty(NULL, "dns.qry.name"))->DataType, PROP_TYPE_STRING);
    assert_int_equal(GetPropertyInfo(GetProperty(NULL, "tcp.seq_raw"))->DataType, PROP_TYPE_DWORD);
    assert_int_equal(GetPropertyInfo(GetProperty(NULL, "smb2.msg_id"))->DataType, PROP_TYPE_LARGEINT);
    assert_int_equal(GetPropertyInfo(GetProperty(NULL, "ip.flags.mf"))->DataQualifier, PROP_QUAL_FLAGS);
    /* Every key is unique and its protocol prefix names its protocol. */
    uint32_t n = nmx__field_count();
    assert_true(n > 150);
    for (uint32_t i = 0; i < n; i++) {
        const nmx_field_t *f = nmx__field_by_index(i);
        assert_ptr_equal(nmx__field_by_key(nmx__field_key(f)), f);
        assert_ptr_equal(nmx__field_from_handle(nmx__field_handle(f)), f);
        assert_ptr_equal(nmx__field_from_info(nmx__field_info(f)), f);
    }
    assert_null(nmx__field_from_info((const PROPERTYINFO *)(uintptr_t)0x1000));
}

static void test_description_table(void **state)
{
    (void)state;
    DWORD n = 0;
    LPLABELED_WORD t = GetProtocolDescriptionTable(&n);
    assert_non_null(t);
    assert_int_equal(n, NMX_PROTO_COUNT - 1);
    LPLABELED_WORD e = GetProtocolDescription(NMX_PROTO_TCP);
    assert_non_null(e);
    assert_int_equal(e->Value, NMX_PROTO_TCP);
    assert_string_equal(e->Label, "Transmission Control Protocol");
    assert_null(GetProtocolDescription(60000));
}

/* The parser calls outside a parser load (no probe, no expert process
 * binding parsers): each fails with its reason, and none follows a bad
 * pointer. */
static void test_parser_calls_outside_a_parser(void **state)
{
    (void)state;
    ENTRYPOINTS ep;
    memset(&ep, 0, sizeof ep);
    BhSetLastError(0);
    assert_null(CreateProtocol("X", &ep, ENTRYPOINTS_SIZE));
    assert_int_equal(BhGetLastError(), NMERR_NOT_SUPPORTED);
    DestroyProtocol(NULL);
    assert_int_equal(BhGetLastError(), NMERR_INVALID_HPROTOCOL);
    assert_int_equal(CreatePropertyDatabase(NULL, 3), NMERR_INVALID_HPROTOCOL);
    assert_int_equal(DestroyPropertyDatabase((HPROTOCOL)(uintptr_t)0x1234), NMERR_INVALID_HPROTOCOL);
    assert_int_equal(AddProperty(NULL, NULL), 0);
    assert_false(AttachPropertyInstance(NULL, 0, 0, NULL, 0, 0, 0));
    assert_int_equal(BhGetLastError(), NMERR_INVALID_HFRAME);
    assert_false(AttachPropertyInstanceEx((HFRAME)(uintptr_t)8, 0, 0, NULL, 0, NULL, 0, 0, 0));
    assert_int_equal(BhGetLastError(), NMERR_INVALID_HFRAME);
    assert_int_equal(ResetPropertyInstanceLength(NULL, 1, 2), NMERR_NOT_SUPPORTED);
    assert_int_equal(FormatPropertyInstance(NULL, "x"), NMERR_INVALID_PARAMETER);
    assert_int_equal(FormatPropertyInstance((LPPROPERTYINST)(uintptr_t)16), NMERR_INVALID_PARAMETER);
    /* The generic formatter on a real property instance. */
    const nmx_protocol_t *ip = nmx__proto_by_name("ip");
    const nmx_field_t *ttl = nmx__field_lookup(ip, "ip.ttl");
    BYTE v = 64;
    char text[300] = "";
    PROPERTYINST pi;
    memset(&pi, 0, sizeof pi);
    pi.lpPropertyInfo = nmx__field_info(ttl);
    pi.szPropertyText = text;
    pi.lpData = &v;
    pi.DataLength = 1;
    assert_int_equal(FormatPropertyInstance(&pi), NMERR_SUCCESS);
    assert_string_equal(text, "Time to Live: 64");
    pi.lpPropertyInfo = (LPPROPERTYINFO)(uintptr_t)0x10;
    assert_int_equal(FormatPropertyInstance(&pi), NMERR_INVALID_HPROPERTY);
    /* Hand-off tables: nothing declared, so an empty table. */
    LPHANDOFFTABLE t = NULL;
    assert_int_equal(CreateHandoffTable(NULL, "X.INI", &t, 8, 10), 0);
    assert_int_equal(CreateHandoffTable("S", "X.INI", (LPHANDOFFTABLE *)(uintptr_t)24, 8, 10), 0);
    assert_int_equal(BhGetLastError(), NMERR_INVALID_PARAMETER);
    assert_int_equal(CreateHandoffTable("S", "X.INI", &t, 8, 10), 0);
    assert_non_null(t);
    DWORD_PTR inst = 5;
    assert_null(GetProtocolFromTable(t, 80, &inst));
    assert_int_equal(BhGetLastError(), NMERR_PROTOCOL_NOT_FOUND);
    assert_null(GetProtocolFromTable((LPHANDOFFTABLE)(uintptr_t)0x40, 80, &inst));
    assert_int_equal(BhGetLastError(), NMERR_INVALID_PARAMETER);
    DestroyHandoffTable(t);
    assert_null(GetProtocolFromTable(t, 80, &inst));
    assert_int_equal(BhGetLastError(), NMERR_INVALID_PARAMETER);
}

static void test_address_helpers(void **state)
{
    (void)state;
    BYTE mac[6] = {0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0xfe};
    char s[32];
    assert_ptr_equal(AddressToString(s, mac), s);
    assert_string_equal(s, "001A2B3C4DFE");
    BYTE back[6];
    assert_ptr_equal(StringToAddress(back, s), back);
    assert_memory_equal(back, mac, 6);
    assert_non_null(StringToAddress(back, "00:1a:2b:3c:4d:fe"));
    assert_memory_equal(back, mac, 6);
    assert_null(StringToAddress(back, "00:1a:2b"));
    assert_null(StringToAddress(back, "zz1a2b3c4dfe"));
    assert_null(AddressToString(NULL, mac));

    ADDRESS2 a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.Type = b.Type = ADDRESS_TYPE_IP;
    memcpy(a.IPAddress, "\x0a\x00\x00\x01", 4);
    memcpy(b.IPAddress, "\x0a\x00\x00\x02", 4);
    a.IP6Address[10] = 7; /* beyond the IPv4 bytes: ignored */
    assert_true(CompareAddresses(&a, &b) < 0);
    assert_true(CompareAddresses(&b, &a) > 0);
    b.IPAddress[3] = 1;
    assert_int_equal(CompareAddresses(&a, &b), 0);
    b.Type = ADDRESS_TYPE_IP6;
    assert_true(CompareAddresses(&a, &b) < 0);
    assert_int_equal(CompareAddresses(NULL, NULL), 0);

    assert_int_equal(MacTypeToAddressType(MAC_TYPE_ETHERNET), ADDRESS_TYPE_ETHERNET);
    assert_int_equal(MacTypeToAddressType(MAC_TYPE_FDDI), ADDRESS_TYPE_FDDI);
    assert_int_equal(MacTypeToAddressType(77), (DWORD)-1);
    assert_int_equal(AddressTypeToMacType(ADDRESS_TYPE_TOKENRING), MAC_TYPE_TOKENRING);
    assert_int_equal(AddressTypeToMacType(ADDRESS_TYPE_IP), MAC_TYPE_UNKNOWN);
}

static void test_mac_helpers(void **state)
{
    (void)state;
    BYTE eth2[20] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00};
    BYTE snap[24] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x00, 0x20, 0xAA, 0xAA, 0x03, 0, 0, 0, 0x86, 0xDD};
    assert_int_equal(GetMacHeaderLength(eth2, MAC_TYPE_ETHERNET), 14);
    assert_int_equal(GetMacHeaderLength(eth2, MAC_TYPE_FDDI), 13);
    assert_int_equal(GetMacHeaderLength(eth2, 99), 0);
    assert_int_equal(GetMacHeaderLength(NULL, MAC_TYPE_ETHERNET), 0);
    assert_int_equal(GetEtype(eth2, MAC_TYPE_ETHERNET), 0x0800);
    assert_int_equal(GetEtype(snap, MAC_TYPE_ETHERNET), 0x86DD);
    assert_false(IsLLCPresent(eth2, MAC_TYPE_ETHERNET));
    assert_true(IsLLCPresent(snap, MAC_TYPE_ETHERNET));
    assert_int_equal(GetSaps(snap, MAC_TYPE_ETHERNET), 0xAAAA);
    assert_int_equal(GetSaps(eth2, MAC_TYPE_ETHERNET), (DWORD)-1);
    LLC u = {0x42, 0x42, {{0x03}, {0}}};
    LLC i = {0x42, 0x42, {{0x00}, {0}}};
    assert_int_equal(GetLLCHeaderLength(&u), 3);
    assert_int_equal(GetLLCHeaderLength(&i), 4);
}

static void test_value_helpers(void **state)
{
    (void)state;
    BYTE v[4] = {0x01, 0x02, 0x03, 0x04};
    DWORD out;
    assert_ptr_equal(VarLenSmallIntToDword(v, 2, TRUE, &out), &out);
    assert_int_equal(out, 0x0102);
    VarLenSmallIntToDword(v, 3, FALSE, &out);
    assert_int_equal(out, 0x030201);
    assert_null(VarLenSmallIntToDword(v, 0, TRUE, &out));
    assert_null(VarLenSmallIntToDword(v, 9, TRUE, &out));

    LABELED_BYTE lb[2] = {{1, "one"}, {2, "two"}};
    SET set = {2, {.lpLabeledByteTable = lb}};
    assert_string_equal((char *)LookupByteSetString(&set, 2), "two");
    assert_null(LookupByteSetString(&set, 3));
    assert_null(LookupByteSetString(NULL, 1));
    LABELED_WORD lw[1] = {{0x800, "IPv4"}};
    SET sw = {1, {.lpLabeledWordTable = lw}};
    assert_string_equal((char *)LookupWordSetString(&sw, 0x800), "IPv4");
    LABELED_DWORD ld[1] = {{70000, "big"}};
    SET sd = {1, {.lpLabeledDwordTable = ld}};
    assert_string_equal((char *)LookupDwordSetString(&sd, 70000), "big");

    char txt[MAX_PATH];
    const BYTE u16[] = {'H', 0, 'i', 0, 0xE9, 0, 0x3D, 0xD8, 0x00, 0xDE};
    assert_int_equal(HelperFormatUnicodeString(txt, (LPCWSTR)(const void *)u16, sizeof(u16)), 8);
    assert_string_equal(txt, "Hi\xC3\xA9\xF0\x9F\x98\x80");

    /* 1.3.6.1.2.1 */
    BYTE oid[] = {0x2B, 0x06, 0x01, 0x02, 0x01};
    DWORD arcs[8];
    OBJECT_IDENTIFIER o = {sizeof(arcs), arcs};
    assert_int_equal(DecodeSNMPObjectIdentifier(oid, sizeof(oid), &o), NMERR_SUCCESS);
    assert_int_equal(o.Length, 6);
    assert_int_equal(arcs[0], 1);
    assert_int_equal(arcs[1], 3);
    assert_int_equal(arcs[5], 1);
    OBJECT_IDENTIFIER small = {2 * sizeof(DWORD), arcs};
    assert_int_equal(DecodeSNMPObjectIdentifier(oid, sizeof(oid), &small), NMERR_BUFFER_TOO_SMALL);
    BYTE bad[] = {0x2B, 0x86};
    OBJECT_IDENTIFIER o2 = {sizeof(arcs), arcs};
    assert_int_equal(DecodeSNMPObjectIdentifier(bad, sizeof(bad), &o2), NMERR_INVALID_DATA);
    assert_int_equal(DecodeSNMPObjectIdentifier(NULL, 1, &o2), NMERR_INVALID_PARAMETER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protocol_names),
        cmocka_unit_test(test_protocol_may_hold),
        cmocka_unit_test(test_property_names),
        cmocka_unit_test(test_description_table),
        cmocka_unit_test(test_parser_calls_outside_a_parser),
        cmocka_unit_test(test_address_helpers),
        cmocka_unit_test(test_mac_helpers),
        cmocka_unit_test(test_value_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
