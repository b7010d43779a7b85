/*
 * test_dissect.c - dissectors and the property model on hand-built frames:
 * protocol stacks and offsets, rendered values, PROPERTYINST fields
 * (DataType, DataQualifier, IFlags, PROPERTYINSTEX, Level, slices), errors
 * on malformed data, and the recognize-only pass agreeing with dissection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/linktype.h"
#include "frames.h"
#include "ipv6_frames.h"

/* ---- frame builders ---------------------------------------------------- */

static const char ETH_IP[] = "001122334455 66778899aabb 0800";

static size_t ipv4(uint8_t *b, size_t n, unsigned proto, size_t payload)
{
    size_t tot = 20 + payload;
    uint8_t h[20] = {0x45, 0, (uint8_t)(tot >> 8), (uint8_t)tot, 0x12, 0x34, 0x40, 0, 64, (uint8_t)proto,
                     0, 0, 192, 168, 0, 1, 192, 168, 0, 2};
    memcpy(b + n, h, 20);
    return n + 20;
}

static size_t tcp(uint8_t *b, size_t n, unsigned sport, unsigned dport, unsigned flags)
{
    uint8_t h[20] = {(uint8_t)(sport >> 8), (uint8_t)sport, (uint8_t)(dport >> 8), (uint8_t)dport,
                     0, 0, 0, 1, 0, 0, 0, 0, 0x50, (uint8_t)flags, 0x20, 0, 0, 0, 0, 0};
    memcpy(b + n, h, 20);
    return n + 20;
}

static size_t udp(uint8_t *b, size_t n, unsigned sport, unsigned dport, size_t payload)
{
    size_t len = 8 + payload;
    uint8_t h[8] = {(uint8_t)(sport >> 8), (uint8_t)sport, (uint8_t)(dport >> 8), (uint8_t)dport,
                    (uint8_t)(len >> 8), (uint8_t)len, 0, 0};
    memcpy(b + n, h, 8);
    return n + 8;
}

/* Ethernet + IPv4 + TCP carrying `payload`. */
static size_t tcp_frame(uint8_t *b, unsigned sport, unsigned dport, const void *payload, size_t plen)
{
    size_t n = fr_hex(b, 0, ETH_IP);
    n = ipv4(b, n, 6, 20 + plen);
    n = tcp(b, n, sport, dport, 0x18);
    memcpy(b + n, payload, plen);
    return n + plen;
}

static size_t udp_frame(uint8_t *b, unsigned sport, unsigned dport, const void *payload, size_t plen)
{
    size_t n = fr_hex(b, 0, ETH_IP);
    n = ipv4(b, n, 17, 8 + plen);
    n = udp(b, n, sport, dport, plen);
    memcpy(b + n, payload, plen);
    return n + plen;
}

static nmx_dissection_t *dis(const uint8_t *b, size_t n, uint32_t lt)
{
    nmx_dissection_t *d = nmx__dissect(NULL, b, (uint32_t)n, (uint32_t)n, lt);
    assert_non_null(d);
    /* The recognize-only pass must find the same protocols at the same places. */
    nmx_recog_buf_t rb;
    nmx_frame_addrs_t a;
    unsigned k = nmx__recognize(b, (uint32_t)n, (uint32_t)n, lt, &rb, &a);
    assert_int_equal(k, d->recog->nRecognizeDatas);
    for (unsigned i = 0; i < k; i++) {
        assert_int_equal(rb.table.RecognizeData[i].ProtocolID, d->recog->RecognizeData[i].ProtocolID);
        assert_int_equal(rb.table.RecognizeData[i].nProtocolOffset, d->recog->RecognizeData[i].nProtocolOffset);
    }
    assert_memory_equal(&a, &d->addrs, sizeof(a));
    return d;
}

/* ---- tests ------------------------------------------------------------- */

static void test_tcp_syn_property_model(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = fr_hex(b, 0, ETH_IP);
    n = ipv4(b, n, 6, 24);
    n = fr_hex(b, n, "04d2 0050 00000001 00000000 6002 2000 0000 0000 020405b4");
    nmx_dissection_t *d = dis(b, n, NMX_LINK_ETHERNET);

    assert_string_equal(fr_protos(d->recog), "eth ip tcp");
    assert_int_equal(d->recog->RecognizeData[1].nProtocolOffset, 14);
    assert_int_equal(d->recog->RecognizeData[2].nProtocolOffset, 34);
    assert_string_equal(fr_values(d, "eth.src"), "66:77:88:99:aa:bb");
    assert_string_equal(fr_values(d, "eth.type"), "0x0800");
    assert_string_equal(fr_values(d, "ip.ttl"), "64");
    assert_string_equal(fr_values(d, "ip.flags"), "0x02");
    assert_string_equal(fr_values(d, "ip.flags.df"), "1");
    assert_string_equal(fr_values(d, "ip.flags.mf"), "0");
    assert_string_equal(fr_values(d, "ip.id"), "0x1234");
    assert_string_equal(fr_values(d, "ip.addr"), "192.168.0.1,192.168.0.2");
    assert_string_equal(fr_values(d, "tcp.flags"), "0x0002");
    assert_string_equal(fr_values(d, "tcp.flags.syn"), "1");
    assert_string_equal(fr_values(d, "tcp.flags.ack"), "0");
    assert_string_equal(fr_values(d, "tcp.hdr_len"), "24");
    assert_string_equal(fr_values(d, "tcp.len"), "0");
    assert_string_equal(fr_values(d, "tcp.options.mss_val"), "1460");
    assert_string_equal(fr_values(d, "tcp.seq_raw"), "1");
    assert_string_equal(fr_values(d, "frame.len"), "58");

    /* A raw byte: in the frame, no flags. */
    const PROPERTYINST *ttl = fr_inst(d, "ip.ttl");
    assert_non_null(ttl);
    assert_int_equal(ttl->lpPropertyInfo->DataType, PROP_TYPE_BYTE);
    assert_int_equal(ttl->lpPropertyInfo->DataQualifier, PROP_QUAL_NONE);
    assert_string_equal(ttl->lpPropertyInfo->Label, "Time to Live");
    assert_ptr_equal(ttl->lpByte, b + 22);
    assert_int_equal(ttl->DataLength, 1);
    assert_int_equal(ttl->IFlags, 0);
    assert_null(ttl->szPropertyText);
    /* A network-order WORD: swapped relative to a little-endian host. */
    const PROPERTYINST *sp = fr_inst(d, "tcp.srcport");
    assert_int_equal(sp->lpPropertyInfo->DataType, PROP_TYPE_WORD);
    assert_int_equal(sp->DataLength, 2);
    const uint16_t one = 1;
    assert_int_equal(sp->IFlags & IFLAG_SWAPPED, *(const uint8_t *)&one ? IFLAG_SWAPPED : 0);
    /* A flag: the container with a one-bit labeled set. */
    const PROPERTYINST *syn = fr_inst(d, "tcp.flags.syn");
    assert_int_equal(syn->lpPropertyInfo->DataQualifier, PROP_QUAL_FLAGS);
    assert_int_equal(syn->lpPropertyInfo->lpSet->nEntries, 1);
    assert_int_equal(syn->lpPropertyInfo->lpSet->lpLabeledBit[0].BitNumber, 1);
    assert_int_equal(syn->Level, 2);
    assert_int_equal(fr_inst(d, "ip.flags.df")->Level, 2);
    assert_int_equal(ttl->Level, 1);
    /* A derived value: PROPERTYINSTEX, host order, pointing at its source. */
    const PROPERTYINST *len = fr_inst(d, "tcp.len");
    assert_int_equal(len->DataLength, PROPERTYINST_EX_LENGTH);
    assert_int_equal(len->lpPropertyInstEx->LengthEx, 4);
    assert_int_equal(len->lpPropertyInstEx->Dword[0], 0);
    assert_ptr_equal(len->lpPropertyInstEx->lpData, b + 46);
    assert_int_equal(len->lpPropertyInfo->DataType, PROP_TYPE_DWORD);
    const PROPERTYINST *hl = fr_inst(d, "ip.version");
    assert_int_equal(hl->DataLength, PROPERTYINST_EX_LENGTH); /* masked: extracted value */
    assert_int_equal(hl->lpPropertyInstEx->Byte[0], 4);

    /* Slices: frame, eth, ip, tcp; each holds only its protocol's keys. */
    const PROPERTYTABLE *pt = d->props;
    assert_int_equal(pt->nPropertyInstTables, 4);
    const char *pre[] = {"frame.", "eth.", "ip.", "tcp."};
    DWORD total = 0;
    for (int s = 0; s < 4; s++) {
        const PROPERTYINSTTABLE *sl = &pt->PropertyInstTable[s];
        assert_true(sl->nPropertyInsts > 0);
        assert_int_equal(sl->nPropertyInstIndex, total);
        for (WORD i = 0; i < sl->nPropertyInsts; i++) {
            const PROPERTYINST *pi = &pt->lpFirstPropertyInst[sl->nPropertyInstIndex + i];
            const char *key = nmx__field_key(nmx__field_from_info(pi->lpPropertyInfo));
            assert_int_equal(strncmp(key, pre[s], strlen(pre[s])), 0);
        }
        total += sl->nPropertyInsts;
    }
    assert_int_equal(total, pt->nTotalPropertyInsts);
    assert_int_equal(fr_errors(d), 0);

    /* Addresses and offsets. */
    ADDRESS2 a;
    DWORD off, alen;
    assert_int_equal(nmx__frame_address(b, (uint32_t)n, &d->addrs, false, ADDRESS_TYPE_FIND_HIGHEST, 0, &a, &off, &alen), 0);
    assert_int_equal(a.Type, ADDRESS_TYPE_IP);
    assert_int_equal(off, 26);
    assert_int_equal(alen, 4);
    assert_int_equal(a.IPAddress[3], 1);
    assert_int_equal(nmx__frame_address(b, (uint32_t)n, &d->addrs, true, ADDRESS_TYPE_ETHERNET, 0, &a, &off, NULL), 0);
    assert_int_equal(off, 0);
    assert_int_equal(a.MACAddress[5], 0x55);
    assert_int_equal(nmx__frame_address(b, (uint32_t)n, &d->addrs, true, ADDRESS_TYPE_IP6, 0, &a, NULL, NULL),
                     NMERR_PROTOCOL_NOT_FOUND);
    assert_int_equal(nmx__proto_offset(d->recog, NMX_PROTO_TCP), 34);
    assert_int_equal(nmx__proto_offset(d->recog, NMX_PROTO_FRAME), 0);
    assert_int_equal(nmx__proto_offset(d->recog, NMX_PROTO_UDP), (DWORD)-1);
    DWORD prev = 99;
    assert_int_equal(nmx__proto_prev_offset(d->recog, NMX_PROTO_IP, 34, &prev), 0);
    assert_int_equal(prev, 14);
    assert_int_equal(nmx__proto_prev_offset(d->recog, NMX_PROTO_IP, 14, &prev), NMERR_PROTOCOL_NOT_FOUND);
    nmx__dissection_free(d);
}

static void test_http_request_and_response(void **state)
{
    (void)state;
    uint8_t b[512];
    const char req[] = "GET /x HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t/1\r\n\r\n";
    size_t n = tcp_frame(b, 40000, 80, req, strlen(req));
    nmx_dissection_t *d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip tcp http");
    assert_string_equal(fr_values(d, "http.request.method"), "GET");
    assert_string_equal(fr_values(d, "http.request.uri"), "/x");
    assert_string_equal(fr_values(d, "http.request.version"), "HTTP/1.1");
    assert_string_equal(fr_values(d, "http.host"), "example.com");
    assert_string_equal(fr_values(d, "http.user_agent"), "t/1");
    assert_string_equal(fr_values(d, "tcp.len"), "55");
    nmx__dissection_free(d);

    const char resp[] = "HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\n";
    n = tcp_frame(b, 8080, 50000, resp, strlen(resp));
    d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_values(d, "http.response.code"), "404");
    assert_string_equal(fr_values(d, "http.response.phrase"), "Not Found");
    assert_string_equal(fr_values(d, "http.server"), "x");
    nmx__dissection_free(d);

    /* A continuation segment still counts as HTTP, without fields. */
    n = tcp_frame(b, 80, 50000, "<html>", 6);
    d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip tcp http");
    assert_string_equal(fr_values(d, "http.request.method"), "");
    nmx__dissection_free(d);

    /* On another port: the HTTP heuristic needs HTTP/1.x on the first line. */
    n = tcp_frame(b, 40000, 4444, req, strlen(req));
    d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_values(d, "http.request.method"), "GET");
    nmx__dissection_free(d);
    n = tcp_frame(b, 40000, 4444, "GET /x\r\n", 8);
    d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip tcp");
    nmx__dissection_free(d);
}

static void test_qinq_ipv6_dns(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = fr_hex(b, 0, "001122334455 66778899aabb 8100 0064 8100 2005 86dd");
    n = fr_hex(b, n, "60000000 0029 11 40 20010db8000000000000000000000001 20010db8000000000000000000000002");
    n = fr_hex(b, n, "04d2 0035 0029 0000");
    n = fr_hex(b, n, "abcd 0100 0001 0000 0000 0000 03777777 076578616d706c65 03636f6d 00 0001 0001");
    nmx_dissection_t *d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth vlan vlan ipv6 udp dns");
    assert_string_equal(fr_values(d, "vlan.id"), "100,5");
    assert_string_equal(fr_values(d, "vlan.priority"), "0,1");
    assert_string_equal(fr_values(d, "ipv6.src"), "2001:db8::1");
    assert_string_equal(fr_values(d, "udp.dstport"), "53");
    assert_string_equal(fr_values(d, "dns.id"), "0xabcd");
    assert_string_equal(fr_values(d, "dns.flags.response"), "0");
    assert_string_equal(fr_values(d, "dns.qry.name"), "www.example.com");
    assert_string_equal(fr_values(d, "dns.qry.type"), "1");
    /* The decompressed name is owned by the result, not in the frame. */
    const PROPERTYINST *qn = fr_inst(d, "dns.qry.name");
    assert_int_equal(qn->DataLength, PROPERTYINST_EX_LENGTH);
    assert_int_equal(qn->lpPropertyInstEx->LengthEx, 15);
    assert_ptr_equal(qn->lpPropertyInstEx->lpData, b + 70 + 12);
    ADDRESS2 a;
    assert_int_equal(nmx__frame_address(b, (uint32_t)n, &d->addrs, true, ADDRESS_TYPE_FIND_HIGHEST, 0, &a, NULL, NULL), 0);
    assert_int_equal(a.Type, ADDRESS_TYPE_IP6);
    assert_int_equal(a.IP6Address[15], 2);
    nmx__dissection_free(d);
}

static void test_dns_compression_loop_and_answers(void **state)
{
    (void)state;
    uint8_t msg[128];
    /* Question name "www" + pointer to itself: a loop. */
    size_t m = fr_hex(msg, 0, "0001 0100 0001 0000 0000 0000 03777777 c00c 0001 0001");
    uint8_t b[256];
    size_t n = udp_frame(b, 5000, 53, msg, m);
    nmx_dissection_t *d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_values(d, "dns.id"), "0x0001");
    /* tshark 4.0 names the loop and goes on with the type and class. */
    assert_string_equal(fr_values(d, "dns.qry.name"), "<Name contains a pointer that loops>");
    assert_string_equal(fr_values(d, "dns.qry.type"), "1");
    assert_int_equal(fr_errors(d), 0);
    const PROPERTYINST *qn = fr_inst(d, "dns.qry.name");
    assert_non_null(qn);
    assert_int_equal(qn->lpPropertyInstEx->Length, 6); /* the label and the pointer */
    nmx__dissection_free(d);
    /* The DNS heuristic (ports no dissector claims) takes it too, as tshark's. */
    n = udp_frame(b, 40000, 40001, msg, m);
    d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip udp dns");
    assert_string_equal(fr_values(d, "dns.qry.name"), "<Name contains a pointer that loops>");
    nmx__dissection_free(d);

    /* A loop through two pointers in an answer's CNAME: "a" -> "b" -> "a"... */
    m = fr_hex(msg, 0, "0004 8180 0000 0001 0000 0000 00 0005 0001 00000001 0008 0161 c01b 0162 c017");
    n = udp_frame(b, 53, 5000, msg, m);
    d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_values(d, "dns.resp.name"), "<Root>");
    assert_string_equal(fr_values(d, "dns.cname"), "<Name contains a pointer that loops>");
    assert_int_equal(fr_errors(d), 0);
    nmx__dissection_free(d);

    /* A chain of 70 pointers, each to the next, ending at "x": not a loop
     * (tshark follows pointers until it has read as many bytes as the
     * message holds). */
    m = fr_hex(msg, 0, "0005 0100 0001 0000 0000 0000");
    uint8_t big[512];
    memcpy(big, msg, m);
    for (unsigned i = 0; i < 70; i++) {
        size_t next = m + 2;
        big[m++] = (uint8_t)(0xC0 | next >> 8);
        big[m++] = (uint8_t)next;
    }
    m = fr_hex(big, m, "0178 00 0001 0001");
    uint8_t bb[600];
    n = udp_frame(bb, 5000, 53, big, m);
    d = dis(bb, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_values(d, "dns.qry.name"), "x");
    assert_int_equal(fr_errors(d), 0);
    nmx__dissection_free(d);

    /* A response: compressed answer name, A record, root query. */
    m = fr_hex(msg, 0, "0002 8180 0001 0001 0000 0000 016100 0001 0001 c00c 0001 0001 00000e10 0004 0a000001");
    n = udp_frame(b, 53, 5000, msg, m);
    d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_values(d, "dns.flags.response"), "1");
    assert_string_equal(fr_values(d, "dns.qry.name"), "a");
    assert_string_equal(fr_values(d, "dns.resp.name"), "a");
    assert_string_equal(fr_values(d, "dns.a"), "10.0.0.1");
    assert_string_equal(fr_values(d, "dns.resp.ttl"), "3600");
    nmx__dissection_free(d);
    m = fr_hex(msg, 0, "0003 0100 0001 0000 0000 0000 00 0002 0001");
    n = udp_frame(b, 5353, 5353, msg, m);
    d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip udp mdns");
    assert_string_equal(fr_values(d, "dns.qry.name"), "<Root>");
    nmx__dissection_free(d);
}

/* A UDP payload on a DNS port too short for the ID and flags is not DNS for
 * tshark's io,phs (the dissector fails before adding its tree); from 4
 * bytes on it is DNS (malformed when under 12). */
/* NTLMSSP in an HTTP Authorization header: decoded from base64, its
 * properties are stored by value, located at the base64 text. */
static void test_http_auth_token(void **state)
{
    (void)state;
    static uint8_t b[24576];
    static char req[24000];
    const char *tok = "TlRMTVNTUAABAAAAl4II4gAAAAAAAAAAAAAAAAAAAAA=";
    int len = snprintf(req, sizeof req, "GET / HTTP/1.1\r\nAuthorization: NTLM %s\r\n\r\n", tok);
    size_t n = tcp_frame(b, 40000, 80, req, (size_t)len);
    nmx_dissection_t *d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip tcp http");
    assert_string_equal(fr_values(d, "ntlmssp.identifier"), "NTLMSSP");
    assert_string_equal(fr_values(d, "ntlmssp.messagetype"), "0x00000001");
    assert_string_equal(fr_values(d, "ntlmssp.negotiateflags"), "0xe2088297");
    const PROPERTYINST *mt = fr_inst(d, "ntlmssp.messagetype");
    assert_non_null(mt);
    assert_int_equal(mt->DataLength, PROPERTYINST_EX_LENGTH);
    assert_int_equal(mt->lpPropertyInstEx->LengthEx, 4);
    assert_int_equal(mt->lpPropertyInstEx->Dword[0], 1);
    assert_ptr_equal(mt->lpPropertyInstEx->lpData, b + n - 4 - strlen(tok));
    assert_int_equal(mt->lpPropertyInstEx->Length, strlen(tok));
    nmx__dissection_free(d);

    /* A token followed by text that takes the decoded bytes past the
     * scratch buffer (NMX_DECODED_MAX): refused, nothing recorded. */
    size_t pad = 22000, at = (size_t)len - 4;
    memset(req + at, 'A', pad);
    memcpy(req + at + pad, "\r\n\r\n", 4);
    n = tcp_frame(b, 40000, 80, req, at + pad + 4);
    d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_values(d, "http.request.method"), "GET");
    assert_string_equal(fr_values(d, "ntlmssp.identifier"), "");
    nmx__dissection_free(d);
}

static void test_dns_short_payloads(void **state)
{
    (void)state;
    static const unsigned ports[][2] = {{5000, 53}, {53, 5000}, {5353, 5353}, {5355, 40000}};
    uint8_t b[128];
    const uint8_t pl[] = {0x00, 0x01, 0x01, 0x00, 0x00, 0x01};
    for (size_t k = 0; k < sizeof(ports) / sizeof(ports[0]); k++) {
        for (size_t len = 1; len < 4; len++) {
            size_t n = udp_frame(b, ports[k][0], ports[k][1], pl, len);
            nmx_dissection_t *d = dis(b, n, NMX_LINK_ETHERNET);
            assert_string_equal(fr_protos(d->recog), "eth ip udp");
            assert_string_equal(fr_values(d, "dns.id"), "");
            nmx__dissection_free(d);
        }
    }
    size_t n = udp_frame(b, 5000, 53, pl, 4);
    nmx_dissection_t *d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip udp dns");
    assert_string_equal(fr_values(d, "dns.id"), "0x0001");
    assert_string_equal(fr_values(d, "dns.flags"), "0x0100");
    nmx__dissection_free(d);
    n = udp_frame(b, 5353, 5353, pl, 6);
    d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip udp mdns");
    assert_string_equal(fr_values(d, "dns.count.queries"), "1");
    nmx__dissection_free(d);
}

/* Request lines as tshark 4.0 recognises them: the text up to the first
 * space (or the whole line), after an optional "M-", must be one of its
 * methods, exactly. */
static void test_http_methods(void **state)
{
    (void)state;
    static const struct {
        const char *payload, *method, *uri, *version;
    } ok[] = {
        {"CCM_POST /x HTTP/1.1\r\n\r\n", "CCM_POST", "/x", "HTTP/1.1"},
        {"OPTIONS * HTTP/1.1\r\n\r\n", "OPTIONS", "*", "HTTP/1.1"},
        {"OPTIONS\r\n\r\n", "OPTIONS", "", ""},
        {"OPTIONS /x\r\n\r\n", "OPTIONS", "/x", ""},
        {"VERSION-CONTROL /x HTTP/1.1\r\n\r\n", "VERSION-CONTROL", "/x", "HTTP/1.1"},
        {"SSTP_DUPLEX_POST /x HTTP/1.1\r\n\r\n", "SSTP_DUPLEX_POST", "/x", "HTTP/1.1"},
        {"M-POST /x HTTP/1.1\r\n\r\n", "M-POST", "/x", "HTTP/1.1"},
        {"M-SEARCH * HTTP/1.1\r\n\r\n", "M-SEARCH", "*", "HTTP/1.1"},
        {"GET  /x HTTP/1.1\r\n\r\n", "GET", "", "/x HTTP/1.1"},
    };
    uint8_t b[512];
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        size_t n = tcp_frame(b, 40000, 80, ok[i].payload, strlen(ok[i].payload));
        nmx_dissection_t *d = dis(b, n, NMX_LINK_ETHERNET);
        assert_string_equal(fr_protos(d->recog), "eth ip tcp http");
        assert_string_equal(fr_values(d, "http.request.method"), ok[i].method);
        /* tshark adds the URI and the version even when they are empty */
        assert_non_null(fr_inst(d, "http.request.uri"));
        assert_string_equal(fr_values(d, "http.request.uri"), ok[i].uri);
        assert_non_null(fr_inst(d, "http.request.version"));
        assert_string_equal(fr_values(d, "http.request.version"), ok[i].version);
        nmx__dissection_free(d);
    }
    /* Not methods of tshark's: no request (a continuation on port 80). */
    static const char *const not_requests[] = {
        "ACL /x HTTP/1.1\r\n\r\n", "MKCALENDAR /x HTTP/1.1\r\n\r\n", "ORDERPATCH /x HTTP/1.1\r\n\r\n",
        "get /x HTTP/1.1\r\n\r\n",  "M-M-GET /x HTTP/1.1\r\n\r\n",   "GETX /x HTTP/1.1\r\n\r\n",
        "M- /x HTTP/1.1\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(not_requests) / sizeof(not_requests[0]); i++) {
        size_t n = tcp_frame(b, 40000, 80, not_requests[i], strlen(not_requests[i]));
        nmx_dissection_t *d = dis(b, n, NMX_LINK_ETHERNET);
        assert_string_equal(fr_protos(d->recog), "eth ip tcp http");
        assert_null(fr_inst(d, "http.request.method"));
        nmx__dissection_free(d);
        /* On another port the heuristic hands it over, but tshark's HTTP
         * dissector then rejects it: no HTTP at all. */
        n = tcp_frame(b, 40000, 4444, not_requests[i], strlen(not_requests[i]));
        d = dis(b, n, NMX_LINK_ETHERNET);
        assert_string_equal(fr_protos(d->recog), "eth ip tcp");
        nmx__dissection_free(d);
    }
    /* The heuristic still takes known methods ending in HTTP/1.x. */
    const char *h = "CCM_POST /x HTTP/1.1\r\n\r\n";
    size_t n = tcp_frame(b, 40000, 4444, h, strlen(h));
    nmx_dissection_t *d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_values(d, "http.request.method"), "CCM_POST");
    nmx__dissection_free(d);
}

/* SSH multiplexed on a TLS port: tshark's TLS dissector turns the
 * identification string down, and nothing else takes it. */
static void test_tls_port_ssh(void **state)
{
    (void)state;
    uint8_t b[256];
    const char *ssh = "SSH-2.0-OpenSSH_8.9\r\n";
    size_t n = tcp_frame(b, 40000, 443, ssh, strlen(ssh));
    nmx_dissection_t *d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip tcp");
    nmx__dissection_free(d);
    n = tcp_frame(b, 443, 40001, "SSH-2", 5);
    d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip tcp");
    nmx__dissection_free(d);
    /* 4 bytes are too few for tshark to judge: still TLS. */
    n = tcp_frame(b, 40000, 443, "SSH-", 4);
    d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip tcp tls");
    nmx__dissection_free(d);
    /* After the turn-down the heuristics run, as in tshark. */
    const char *req = "SSH- /x HTTP/1.1\r\n\r\n";
    n = tcp_frame(b, 40000, 443, req, strlen(req));
    d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip tcp");
    nmx__dissection_free(d);
    /* A TLS record on 443 is still TLS. */
    n = tcp_frame(b, 40000, 443, "\x17\x03\x03\x00\x05hello", 10);
    d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip tcp tls");
    assert_string_equal(fr_values(d, "tls.record.content_type"), "23");
    nmx__dissection_free(d);
}

static void test_arp_and_truncation(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = fr_hex(b, 0, "ffffffffffff 001122334455 0806 0001 0800 06 04 0001 001122334455 0a000001 000000000000 0a000002");
    nmx_dissection_t *d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth arp");
    assert_string_equal(fr_values(d, "arp.opcode"), "1");
    assert_string_equal(fr_values(d, "arp.src.proto_ipv4"), "10.0.0.1");
    assert_string_equal(fr_values(d, "arp.dst.hw_mac"), "00:00:00:00:00:00");
    nmx__dissection_free(d);

    /* Every prefix of a full frame dissects without reading past it. */
    const char req[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    size_t full = tcp_frame(b, 1234, 80, req, strlen(req));
    for (size_t cut = 0; cut <= full; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, b, cut);
        nmx_dissection_t *t = nmx__dissect(NULL, copy, (uint32_t)cut, (uint32_t)full, NMX_LINK_ETHERNET);
        assert_non_null(t);
        if (cut > 14 && cut < 34)
            assert_true(fr_errors(t) >= 1); /* a cut IPv4 header is flagged */
        nmx__dissection_free(t);
        free(copy);
    }
    /* A header length below 20 is an error, and nothing above IP is parsed. */
    n = fr_hex(b, 0, ETH_IP);
    n = fr_hex(b, n, "43000028000000004006000001020304050607080000");
    d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip");
    assert_true(fr_errors(d) >= 1);
    assert_true(d->n_errors >= 1);
    nmx__dissection_free(d);
}

static void test_smb_andx_chain_and_smb2_compound(void **state)
{
    (void)state;
    uint8_t p[256];
    size_t m = fr_hex(p, 0, "0000002e ff534d42 73 00000000 18 07c8 0000 0000000000000000 0000 0000 feff 0000 4000");
    m = fr_hex(p, m, "02 7500 2700 0000");
    m = fr_hex(p, m, "02 ff00 0000 0000");
    uint8_t b[512];
    size_t n = tcp_frame(b, 40000, 139, p, m);
    nmx_dissection_t *d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip tcp nbss smb");
    assert_string_equal(fr_values(d, "smb.cmd"), "0x73,0x75,0xff");
    assert_string_equal(fr_values(d, "smb.mid"), "64");
    assert_string_equal(fr_values(d, "smb.nt_status"), "0x00000000");
    assert_string_equal(fr_values(d, "smb.flags.response"), "0");
    assert_string_equal(fr_values(d, "nbss.length"), "46");
    const PROPERTYINST *mid = fr_inst(d, "smb.mid");
    assert_int_equal(mid->IFlags & IFLAG_SWAPPED, 0); /* little-endian in the frame */
    nmx__dissection_free(d);

    /* SMB2 over 445: two chained headers. */
    m = fr_hex(p, 0, "00000090");
    for (int k = 0; k < 2; k++) {
        m = fr_hex(p, m, "fe534d42 4000 0000 00000000");
        m = fr_hex(p, m, k == 0 ? "0500 0100 01000000 48000000 0100000000000000"
                                : "0600 0100 01000000 00000000 0200000000000000");
        m = fr_hex(p, m, "00000000 07000000 1100000000000000 00000000000000000000000000000000 0000000000000000");
    }
    n = tcp_frame(b, 445, 50000, p, m);
    d = dis(b, n, NMX_LINK_ETHERNET);
    /* One smb2 layer per chained header, as tshark's io,phs counts them. */
    assert_string_equal(fr_protos(d->recog), "eth ip tcp nbss smb2 smb2");
    assert_int_equal(d->recog->RecognizeData[5].nProtocolOffset, 14 + 20 + 20 + 4 + 0x48);
    assert_string_equal(fr_values(d, "smb2.cmd"), "5,6");
    assert_string_equal(fr_values(d, "smb2.msg_id"), "1,2");
    assert_string_equal(fr_values(d, "smb2.flags.response"), "1,1");
    assert_string_equal(fr_values(d, "smb2.tid"), "0x00000007,0x00000007");
    assert_string_equal(fr_values(d, "smb2.sesid"), "0x0000000000000011,0x0000000000000011");
    nmx__dissection_free(d);

    /* The odd chains, as tshark 4.0 counts them (test_tshark_smb2.c checks
     * them against tshark itself): NextCommand 32 points into the header,
     * at bytes that are no SMB2 header: an empty second layer; NextCommand
     * past the message: no second layer, the offset marked malformed. */
    static const char *const first[] = {"0d00 0100 00000000 20000000 0100000000000000",
                                        "0d00 0100 00000000 00100000 0100000000000000"};
    static const char *const want[] = {"eth ip tcp nbss smb2 smb2", "eth ip tcp nbss smb2"};
    for (int v = 0; v < 2; v++) {
        m = fr_hex(p, 0, "00000048 fe534d42 4000 0000 00000000");
        m = fr_hex(p, m, first[v]);
        m = fr_hex(p, m, "00000000 07000000 1100000000000000 00000000000000000000000000000000 0400 0000");
        n = tcp_frame(b, 50000, 445, p, m);
        d = dis(b, n, NMX_LINK_ETHERNET);
        assert_string_equal(fr_protos(d->recog), want[v]);
        assert_string_equal(fr_values(d, "smb2.cmd"), "13");
        assert_int_equal(fr_errors(d), (unsigned)v);
        nmx__dissection_free(d);
    }
}

/* First-level encoding of a 16-byte NetBIOS name. */
static size_t nb_name(uint8_t *b, size_t n, const char *name, uint8_t type)
{
    uint8_t raw[16];
    memset(raw, ' ', 15);
    memcpy(raw, name, strlen(name));
    raw[15] = type;
    b[n++] = 32;
    for (int i = 0; i < 16; i++) {
        b[n++] = (uint8_t)('A' + (raw[i] >> 4));
        b[n++] = (uint8_t)('A' + (raw[i] & 15));
    }
    b[n++] = 0;
    return n;
}

static void test_netbios_dhcp_tls(void **state)
{
    (void)state;
    uint8_t p[512], b[1024];
    /* NBNS registration: question + NB additional record. */
    size_t m = fr_hex(p, 0, "1234 2910 0001 0000 0000 0001");
    m = nb_name(p, m, "WORKGROUP", 0x1e);
    m = fr_hex(p, m, "0020 0001 c00c 0020 0001 000493e0 0006 6000 0a000001");
    size_t n = udp_frame(b, 137, 137, p, m);
    nmx_dissection_t *d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip udp nbns");
    assert_string_equal(fr_values(d, "nbns.name"),
                        "WORKGROUP<1e>,WORKGROUP<1e> (Browser Election Service)");
    assert_string_equal(fr_values(d, "nbns.addr"), "10.0.0.1");
    nmx__dissection_free(d);

    /* NBDGM direct group datagram carrying SMB. */
    m = fr_hex(p, 0, "11 0a 0001 0a000001 008a 0000 0000");
    m = nb_name(p, m, "HOST", 0x00);
    m = nb_name(p, m, "\x01\x02__MSBROWSE__\x02", 0x01);
    m = fr_hex(p, m, "ff534d42 25 00000000 00 0000 0000 0000000000000000 0000 0000 0000 0000 0000 00 0000");
    n = udp_frame(b, 138, 138, p, m);
    d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip udp nbdgm smb");
    assert_string_equal(fr_values(d, "nbdgm.source_name"), "HOST<00>");
    assert_string_equal(fr_values(d, "nbdgm.destination_name"), "<01><02>__MSBROWSE__<02><01>");
    assert_string_equal(fr_values(d, "smb.cmd"), "0x25");
    nmx__dissection_free(d);

    /* DHCP discover. */
    memset(p, 0, 300);
    fr_hex(p, 0, "01 01 06 00 39030f3a");
    fr_hex(p, 28, "001122334455");
    m = fr_hex(p, 236, "63825363 350101 3204c0a80005 ff");
    n = udp_frame(b, 68, 67, p, m);
    d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip udp dhcp");
    assert_string_equal(fr_values(d, "dhcp.option.dhcp"), "1");
    assert_string_equal(fr_values(d, "dhcp.id"), "0x39030f3a");
    assert_string_equal(fr_values(d, "dhcp.hw.mac_addr"), "00:11:22:33:44:55");
    assert_string_equal(fr_values(d, "dhcp.option.requested_ip_address"), "192.168.0.5");
    nmx__dissection_free(d);

    /* TLS ClientHello with SNI, on a port TLS is not registered for (heuristic). */
    m = fr_hex(p, 0, "16 0301 0041 01 00003d 0303");
    memset(p + m, 0x11, 32);
    m += 32;
    m = fr_hex(p, m, "00 0002 c02f 01 00 0014 0000 0010 000e 00 000b 6578616d706c652e6f7267");
    p[5 + 1] = 0;
    /* fix lengths: record = m - 5, handshake = m - 9 */
    p[3] = (uint8_t)((m - 5) >> 8);
    p[4] = (uint8_t)(m - 5);
    p[6] = 0;
    p[7] = (uint8_t)((m - 9) >> 8);
    p[8] = (uint8_t)(m - 9);
    n = tcp_frame(b, 50000, 8443, p, m);
    d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip tcp tls");
    assert_string_equal(fr_values(d, "tls.handshake.type"), "1");
    assert_string_equal(fr_values(d, "tls.handshake.extensions_server_name"), "example.org");
    assert_string_equal(fr_values(d, "tls.record.version"), "0x0301");
    nmx__dissection_free(d);
}

static void test_link_types(void **state)
{
    (void)state;
    uint8_t b[256];
    uint8_t ip[64];
    size_t il = ipv4(ip, 0, 17, 8);
    il = udp(ip, il, 1, 2, 0);

    size_t n = fr_hex(b, 0, "02000000");
    memcpy(b + n, ip, il);
    nmx_dissection_t *d = dis(b, n + il, NMX_LINK_NULL);
    assert_string_equal(fr_protos(d->recog), "null ip udp");
    assert_string_equal(fr_values(d, "null.family"), "2");
    nmx__dissection_free(d);

    d = dis(ip, il, NMX_LINK_RAW);
    assert_string_equal(fr_protos(d->recog), "raw ip udp");
    nmx__dissection_free(d);
    d = dis(ip, il, NMX_LINK_IPV4);
    assert_string_equal(fr_protos(d->recog), "ip udp");
    nmx__dissection_free(d);

    n = fr_hex(b, 0, "0000 0001 0006 001122334455 0000 0800");
    memcpy(b + n, ip, il);
    d = dis(b, n + il, NMX_LINK_LINUX_SLL);
    assert_string_equal(fr_protos(d->recog), "sll ip udp");
    assert_string_equal(fr_values(d, "sll.src.eth"), "00:11:22:33:44:55");
    nmx__dissection_free(d);

    n = fr_hex(b, 0, "0800 0000 00000002 0001 00 06 0011223344550000");
    memcpy(b + n, ip, il);
    d = dis(b, n + il, NMX_LINK_LINUX_SLL2);
    assert_string_equal(fr_protos(d->recog), "sll ip udp");
    assert_string_equal(fr_values(d, "sll.ifindex"), "2");
    nmx__dissection_free(d);

    /* radiotap (8 bytes, no fields) + 802.11 data to the AP + LLC/SNAP + IPv4. */
    n = fr_hex(b, 0, "00 00 0800 00000000");
    n = fr_hex(b, n, "0801 0000 aaaaaaaaaaaa 001122334455 bbbbbbbbbbbb 1000");
    n = fr_hex(b, n, "aaaa03 000000 0800");
    memcpy(b + n, ip, il);
    d = dis(b, n + il, NMX_LINK_IEEE802_11_RADIOTAP);
    assert_string_equal(fr_protos(d->recog), "radiotap wlan llc ip udp");
    assert_string_equal(fr_values(d, "wlan.bssid"), "aa:aa:aa:aa:aa:aa");
    assert_string_equal(fr_values(d, "wlan.sa"), "00:11:22:33:44:55");
    assert_string_equal(fr_values(d, "wlan.da"), "bb:bb:bb:bb:bb:bb");
    assert_string_equal(fr_values(d, "wlan.fc.tods"), "1");
    assert_string_equal(fr_values(d, "wlan.seq"), "1");
    assert_string_equal(fr_values(d, "llc.type"), "0x0800");
    ADDRESS2 a;
    DWORD off;
    assert_int_equal(nmx__frame_address(b, (uint32_t)(n + il), &d->addrs, false, ADDRESS_TYPE_ETHERNET, 0, &a, &off, NULL), 0);
    assert_int_equal(off, 8 + 10);
    nmx__dissection_free(d);

    /* 802.3 + LLC: SAP 0x42 is spanning tree (35 zero bytes, a
     * configuration BPDU). */
    n = fr_hex(b, 0, "001122334455 66778899aabb 0026 424203");
    memset(b + n, 0, 35);
    d = dis(b, n + 35, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth llc stp");
    assert_string_equal(fr_values(d, "eth.len"), "38");
    assert_string_equal(fr_values(d, "llc.dsap"), "0x42");
    assert_string_equal(fr_values(d, "llc.control"), "0x0003");
    nmx__dissection_free(d);

    /* NetMon special frames are recognised and named. */
    memset(b, 0, 32);
    d = dis(b, 32, NMX_LINK_NETMON_EVENT);
    assert_string_equal(fr_protos(d->recog), "netmon_event");
    nmx__dissection_free(d);
    d = dis(b, 32, NMX_LINK_NETMON_FILTER);
    assert_string_equal(fr_protos(d->recog), "netmon_filter");
    nmx__dissection_free(d);
    /* An unknown link type: nothing recognised, still a frame slice. */
    d = dis(b, 32, 9999);
    assert_int_equal(d->recog->nRecognizeDatas, 0);
    assert_int_equal(d->props->nPropertyInstTables, 1);
    nmx__dissection_free(d);
    /* No bytes at all, or fewer than an Ethernet header: no eth layer
     * (tshark adds no eth item either). */
    d = nmx__dissect(NULL, NULL, 0, 0, NMX_LINK_ETHERNET);
    assert_non_null(d);
    assert_string_equal(fr_protos(d->recog), "");
    nmx__dissection_free(d);
    d = dis(b, 13, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "");
    nmx__dissection_free(d);
    d = dis(b, 14, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth");
    nmx__dissection_free(d);
}

static void test_icmp_error_and_tunnels(void **state)
{
    (void)state;
    uint8_t b[256], inner[64];
    size_t il = ipv4(inner, 0, 17, 8);
    il = udp(inner, il, 3000, 53, 0);
    size_t n = fr_hex(b, 0, ETH_IP);
    n = ipv4(b, n, 1, 8 + il);
    n = fr_hex(b, n, "0303 0000 00000000");
    memcpy(b + n, inner, il);
    nmx_dissection_t *d = dis(b, n + il, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip icmp ip udp");
    assert_string_equal(fr_values(d, "ip.proto"), "1,17");
    assert_string_equal(fr_values(d, "udp.dstport"), "53");
    /* Addresses are the outermost ones. */
    assert_int_equal(d->addrs.ip.src, 26);
    nmx__dissection_free(d);

    /* GTP-U G-PDU carrying IPv4. */
    uint8_t g[64];
    size_t gl = fr_hex(g, 0, "30ff 001c 00000001");
    memcpy(g + gl, inner, il);
    gl += il;
    n = udp_frame(b, 2152, 2152, g, gl);
    d = dis(b, n, NMX_LINK_ETHERNET);
    assert_string_equal(fr_protos(d->recog), "eth ip udp gtp ip udp");
    nmx__dissection_free(d);
}

/* Frame i (1-based) of ipv6_frames.h, dissected; *len gets its length. */
static nmx_dissection_t *v6_frame(uint8_t *b, unsigned i, size_t *len)
{
    *len = fr_hex(b, 0, ipv6_frames[i - 1]);
    return dis(b, *len, NMX_LINK_ETHERNET);
}

/* The udp.stream numbers nmx__streams_next gives frames 1..n of
 * ipv6_frames.h, in order ("-" for none). */
static const char *v6_udp_streams(unsigned n)
{
    static char out[256];
    size_t k = 0;
    nmx_streams_t *st = nmx__streams_new();
    assert_non_null(st);
    for (unsigned i = 1; i <= n; i++) {
        uint8_t b[256];
        size_t len = fr_hex(b, 0, ipv6_frames[i - 1]);
        uint32_t ts[NMX_STREAM_LAYERS], us[NMX_STREAM_LAYERS];
        assert_true(nmx__streams_next(st, b, (uint32_t)len, (uint32_t)len, NMX_LINK_ETHERNET, ts, us));
        if (us[0] == NMX_STREAM_NONE)
            k += (size_t)snprintf(out + k, sizeof(out) - k, "%s-", i > 1 ? " " : "");
        else
            k += (size_t)snprintf(out + k, sizeof(out) - k, "%s%u", i > 1 ? " " : "", (unsigned)us[0]);
    }
    nmx__streams_free(st);
    return out;
}

/* IPv6 Payload Length bounds what is handed on: padding and trailers after
 * the datagram are not taken for a UDP header (values as tshark -T fields
 * shows them, protocols as tshark -z io,phs counts them). */
static void test_ipv6_payload_length(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n;
    /* Payload Length 0 with padding: IPv6 only; the padding gives no ports. */
    nmx_dissection_t *d = v6_frame(b, 1, &n);
    assert_int_equal(n, 60);
    assert_string_equal(fr_protos(d->recog), "eth ipv6");
    assert_string_equal(fr_values(d, "ipv6.plen"), "0");
    assert_string_equal(fr_values(d, "ipv6.nxt"), "17");
    assert_string_equal(fr_values(d, "udp.port"), "");
    nmx__dissection_free(d);
    /* A 2-byte datagram: no room for the ports, the padding is not read. */
    d = v6_frame(b, 2, &n);
    assert_string_equal(fr_protos(d->recog), "eth ipv6");
    assert_string_equal(fr_values(d, "udp.srcport"), "");
    nmx__dissection_free(d);
    /* UDP with a trailer shaped like another UDP header. */
    d = v6_frame(b, 3, &n);
    assert_string_equal(fr_protos(d->recog), "eth ipv6 udp");
    assert_int_equal(d->recog->RecognizeData[2].nProtocolOffset, 54);
    assert_string_equal(fr_values(d, "udp.port"), "40000,40001");
    assert_string_equal(fr_values(d, "udp.length"), "10");
    assert_int_equal(fr_errors(d), 0);
    nmx__dissection_free(d);
    /* Payload Length beyond the captured bytes: what is there is dissected. */
    d = v6_frame(b, 4, &n);
    assert_string_equal(fr_protos(d->recog), "eth ipv6 udp");
    assert_string_equal(fr_values(d, "ipv6.plen"), "100");
    assert_string_equal(fr_values(d, "udp.srcport"), "40000");
    assert_string_equal(fr_values(d, "udp.length"), "100");
    nmx__dissection_free(d);
    /* No conversation comes from the padding of frames 1 and 2, so the
     * first real one is udp.stream 0, as in tshark. */
    assert_string_equal(v6_udp_streams(4), "- - 0 0");
}

/* The Authentication Header is (Payload Len + 2) * 4 bytes long and is
 * skipped like the other extension headers; it is no protocol of its own
 * (tshark -z io,phs does not count it). */
static void test_ipv6_auth_header(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n;
    nmx_dissection_t *d = v6_frame(b, 5, &n);
    assert_string_equal(fr_protos(d->recog), "eth ipv6 udp");
    assert_int_equal(d->recog->RecognizeData[2].nProtocolOffset, 14 + 40 + 24);
    assert_string_equal(fr_values(d, "ipv6.nxt"), "51");
    assert_string_equal(fr_values(d, "udp.port"), "40000,40001");
    assert_string_equal(fr_values(d, "udp.length"), "10");
    assert_int_equal(fr_errors(d), 0);
    nmx__dissection_free(d);

    d = v6_frame(b, 6, &n);
    assert_string_equal(fr_protos(d->recog), "eth ipv6 icmpv6");
    assert_int_equal(d->recog->RecognizeData[2].nProtocolOffset, 78);
    assert_string_equal(fr_values(d, "icmpv6.type"), "128");
    assert_string_equal(fr_values(d, "icmpv6.echo.identifier"), "0x1234");
    assert_string_equal(fr_values(d, "icmpv6.echo.sequence_number"), "1");
    nmx__dissection_free(d);

    /* AH, UDP, then a trailer: bounded by Payload Length as well. */
    d = v6_frame(b, 7, &n);
    assert_string_equal(fr_protos(d->recog), "eth ipv6 udp");
    assert_string_equal(fr_values(d, "udp.port"), "40000,40001");
    assert_string_equal(fr_values(d, "udp.length"), "10");
    assert_int_equal(fr_errors(d), 0);
    nmx__dissection_free(d);

    /* An AH longer than the payload: nothing above IPv6. */
    d = v6_frame(b, 8, &n);
    assert_string_equal(fr_protos(d->recog), "eth ipv6");
    nmx__dissection_free(d);
    /* Every prefix of an AH frame dissects without reading past it. */
    n = fr_hex(b, 0, ipv6_frames[6]);
    for (size_t cut = 0; cut <= n; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, b, cut);
        nmx_dissection_t *t = nmx__dissect(NULL, copy, (uint32_t)cut, (uint32_t)n, NMX_LINK_ETHERNET);
        assert_non_null(t);
        nmx__dissection_free(t);
        free(copy);
    }
}

/*
 * A freed result's block is kept for the thread's next dissection
 * (dissect.c, spare_keep; not under AddressSanitizer, which is to see a use
 * after free).  A small frame dissected in the block a large one left
 * behind must come out as it does in a block of its own, and within the
 * block's size.
 */
static void test_spare_block(void **state)
{
    (void)state;
    uint8_t small[256], big[2048];
    const char req[] = "GET / HTTP/1.1\r\n\r\n";
    size_t ns = tcp_frame(small, 1234, 80, req, strlen(req));
    char hdrs[1400] = "GET /big HTTP/1.1\r\n";
    for (int i = 0; i < 60; i++)
        strcat(hdrs, "Host: h\r\n");
    size_t nb = tcp_frame(big, 1234, 80, hdrs, strlen(hdrs));
    nmx_dissection_t *a = nmx__dissect(NULL, small, (uint32_t)ns, (uint32_t)ns, NMX_LINK_ETHERNET);
    assert_non_null(a);
    char want[512];
    snprintf(want, sizeof want, "%u %s %s %s", a->props->nTotalPropertyInsts, fr_values(a, "tcp.len"),
             fr_values(a, "http.request.method"), fr_values(a, "ip.flags.df"));
    nmx__dissection_free(a);
    nmx_dissection_t *b = nmx__dissect(NULL, big, (uint32_t)nb, (uint32_t)nb, NMX_LINK_ETHERNET);
    assert_non_null(b);
    assert_string_equal(fr_values(b, "http.host"), "h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,"
                                                   "h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h,h");
    size_t big_size = b->block_size;
    nmx__dissection_free(b);
    nmx_dissection_t *c = nmx__dissect(NULL, small, (uint32_t)ns, (uint32_t)ns, NMX_LINK_ETHERNET);
    assert_non_null(c);
    if (NMX_DISSECTION_SPARE)
        assert_int_equal(c->block_size, big_size); /* the large frame's block, reused whole */
    char got[512];
    snprintf(got, sizeof got, "%u %s %s %s", c->props->nTotalPropertyInsts, fr_values(c, "tcp.len"),
             fr_values(c, "http.request.method"), fr_values(c, "ip.flags.df"));
    assert_string_equal(got, want);
    const PROPERTYTABLE *pt = c->props;
    uintptr_t end = (uintptr_t)&pt->PropertyInstTable[pt->nPropertyInstTables];
    assert_true(end - (uintptr_t)c <= c->block_size);
    nmx__dissection_free(c);
}

static void test_workspace_reuse(void **state)
{
    (void)state;
    nmx_proto_ws_t *ws = nmx__proto_ws_new();
    assert_non_null(ws);
    uint8_t b[256];
    const char req[] = "GET / HTTP/1.1\r\n\r\n";
    size_t n = tcp_frame(b, 1234, 80, req, strlen(req));
    nmx_dissection_t *keep[8];
    for (int i = 0; i < 8; i++) {
        keep[i] = nmx__dissect(ws, b, (uint32_t)n, (uint32_t)n, NMX_LINK_ETHERNET);
        assert_non_null(keep[i]);
    }
    /* Results stay valid after the workspace moved on, and after it is freed. */
    nmx__proto_ws_free(ws);
    for (int i = 0; i < 8; i++) {
        assert_string_equal(fr_values(keep[i], "http.request.method"), "GET");
        assert_true(nmx__dissection_index(keep[i], fr_inst(keep[i], "tcp.len")) >= 0);
        assert_int_equal(nmx__dissection_index(keep[i], fr_inst(keep[(i + 1) % 8], "tcp.len")), -1);
    }
    for (int i = 0; i < 8; i++)
        nmx__dissection_free(keep[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_syn_property_model),
        cmocka_unit_test(test_spare_block),
        cmocka_unit_test(test_http_request_and_response),
        cmocka_unit_test(test_qinq_ipv6_dns),
        cmocka_unit_test(test_dns_compression_loop_and_answers),
        cmocka_unit_test(test_dns_short_payloads),
        cmocka_unit_test(test_http_auth_token),
        cmocka_unit_test(test_http_methods),
        cmocka_unit_test(test_tls_port_ssh),
        cmocka_unit_test(test_arp_and_truncation),
        cmocka_unit_test(test_smb_andx_chain_and_smb2_compound),
        cmocka_unit_test(test_netbios_dhcp_tls),
        cmocka_unit_test(test_link_types),
        cmocka_unit_test(test_icmp_error_and_tunnels),
        cmocka_unit_test(test_ipv6_payload_length),
        cmocka_unit_test(test_ipv6_auth_header),
        cmocka_unit_test(test_workspace_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
