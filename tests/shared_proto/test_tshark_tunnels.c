/*
 * test_tshark_tunnels.c - hand-built tunnel and encapsulation frames
 * against tshark: GRE (without options, with checksum, key and sequence
 * number, with an Ethernet payload, cut short, with a protocol type nobody
 * takes) and VXLAN; MPLS label stacks and the ACH; PPPoE discovery and
 * sessions with PPP; 802.1ad, 802.1ah and VN-Tag; Geneve and L2TP; ERSPAN
 * types I to III; the NFLOG and SLL2 link types; AYIYA.  Each group is
 * written to a pcap of its own and every property of its protocols and of
 * the layers inside, frame by frame, and the io,phs counts (what protdist
 * counts) must be tshark's; each group also checks that its protocols are
 * really counted.
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

/* The frames being written (tsu_write_pcap callback). */
static const char *const *cur_frames;

static size_t frame_bytes(size_t i, uint8_t *b, size_t cap)
{
    return cap >= 512 ? fr_hex(b, 0, cur_frames[i]) : 0;
}

/*
 * Writes n hand-built frames of link type lt to a pcap and compares every
 * property of the protocols named (and io,phs) with tshark; theirs[] gets io,phs's
 * counts by protocol id.  Returns the number of differences.
 */
static size_t agree(const char *what, uint32_t lt, const char *const *fr, size_t n, const char *const *names,
                    size_t np, unsigned *theirs)
{
    const char *path = tsu_tmp_file("tunnels.pcap");
    assert_non_null(path);
    cur_frames = fr;
    assert_true(tsu_write_pcap_lt(path, lt, n, frame_bytes));
    size_t nf = 0;
    size_t differ = tsu_compare_built(path, (uint32_t)n, names, np, false, NULL, theirs, &nf);
    assert_true(differ != (size_t)-1);
    printf("tshark agreement (hand-built %s frames): %zu frames x %zu fields, %zu differences\n", what, n, nf,
           differ);
    tsu_tmp_remove(NULL);
    return differ;
}

/* Frames of protocol `name` that io,phs counted. */
static unsigned counted(const unsigned *theirs, const char *name)
{
    const nmx_protocol_t *p = nmx__proto_by_name(name);
    assert_non_null(p);
    return theirs[nmx__proto_id(p)];
}

/* MPLS: label stacks, what follows the bottom of the stack, the ACH, and
 * MPLS inside GRE, IP and UDP. */
static const char *const mpls_frames[] = {
    /* 1: one label (100, bottom of stack), IPv4, UDP. */
    "0011223344010200000000028847000641404500001e00010000401100000a0000010a0000029c409c41000a0000"
    "6162",
    /* 2: two labels (1000 with EXP 5 and TTL 254, then 16), IPv4, UDP. */
    "0011223344010200000000028847003e8afe000101404500001e00010000401100000a0000010a0000029c409c41"
    "000a00006162",
    /* 3: multicast MPLS (0x8848), IPv6, UDP. */
    "0011223344010200000000028848000c870160000000000a114020010db800000000000000000000000120010db8"
    "0000000000000000000000029c429c43000a00006364",
    /* 4: the GAL (13) at the bottom: an ACH (BFD, 0x0007) whatever its nibble. */
    "00112233440102000000000288470000d1401000000720400018",
    /* 5: an ACH by the first nibble (channel 0x0021): IPv4, UDP. */
    "001122334401020000000002884700064140100000214500001e00010000401100000a0000010a0000029c409c41"
    "000a00006162",
    /* 6: an ACH of version 10, reserved 0x7b, channel 0x0057: IPv6, UDP. */
    "0011223344010200000000028847000641401a7b005760000000000a114020010db8000000000000000000000001"
    "20010db80000000000000000000000029c429c43000a00006364",
    /* 7: an ACH cut short (3 bytes). */
    "001122334401020000000002884700064140100000",
    /* 8: label 14 (OAM alert) at the bottom: Y.1711, not parsed. */
    "00112233440102000000000288470000e1404500001e00010000401100000a0000010a0000029c409c41000a0000"
    "6162",
    /* 9: a payload of first nibble 0 cut short. */
    "0011223344010200000000028847000641400000000111223344",
    /* 10: a payload of first nibble 5: data. */
    "0011223344010200000000028847000641405000000000",
    /* 11: an entry cut short (2 bytes). */
    "00112233440102000000000288470006",
    /* 12: the second entry cut short (3 bytes). */
    "001122334401020000000002884700064040000641",
    /* 13: a stack that never ends: every 4 bytes a label. */
    "0011223344010200000000028847000640404500001e00010000401100000a0000010a0000029c409c41000a0000",
    /* 14: the bottom of the stack with nothing after it. */
    "001122334401020000000002884700064140",
    /* 15: GRE (protocol type 0x8847), MPLS, IPv4, UDP. */
    "00112233440102000000000208004500003a00010000402f00000a0000010a000002000088470012c1404500001e"
    "00010000401100000a0000010a0000029c409c41000a00006162",
    /* 16: MPLS in IP (protocol 137), IPv4, UDP. */
    "0011223344010200000000020800450000360001000040890000c0a80001c0a80002001901404500001e00010000"
    "401100000a0000010a0000029c409c41000a00006162",
    /* 17: MPLS over UDP 6635, IPv4, UDP. */
    "00112233440102000000000208004500003e00010000401100000a0000010a000002303919eb002a0000001f4140"
    "4500001e00010000401100000a0000010a0000029c409c41000a00006162",
    /* 18: IPv4 in MPLS followed by Ethernet padding. */
    "0011223344010200000000028847000641404500001e00010000401100000a0000010a0000029c409c41000a0000"
    "6162000000000000000000000000",
    /* 19: GAL not at the bottom, then a label, IPv4, UDP. */
    "00112233440102000000000288470000d040000641404500001e00010000401100000a0000010a0000029c409c41"
    "000a00006162",
};
static const char *const mpls_protos[] = {"mpls", "pwach", "eth", "ip", "ipv6", "udp", "gre"};

/* PPPoE discovery tags, sessions carrying PPP, and headers cut short. */
static const char *const pppoe_frames[] = {
    /* 1: PADI: Service-Name (empty), Host-Uniq, then Ethernet padding. */
    "00112233440102000000000288631109000000100101000001030008aabbccdd1122334400000000000000000000"
    "0000000000000000",
    /* 2: PADO: AC-Name, Service-Name, AC-Cookie, Vendor-Specific, Relay-Session-Id, End-Of-List. */
    "001122334401020000000002886311070000003301020005414331323301010008696e7465726e65740104000412"
    "34567801050008000000de0102030401100002cafe00000000",
    /* 3: PADS with an unknown tag and the error tags. */
    "0011223344010200000000028863116512340018019900020102020100026e6f0202000261630203000267650000",
    /* 4: PADT without tags. */
    "001122334401020000000002886311a7123400000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000",
    /* 5: a discovery header cut short (4 bytes). */
    "001122334401020000000002886311090000",
    /* 6: session: PPP, IPv4, UDP. */
    "001122334401020000000002886411001234002000214500001e00010000401100000a0000010a0000029c409c41"
    "000a00006162",
    /* 7: session: PPP, IPv6, UDP. */
    "0011223344010200000000028864110012340034005760000000000a114020010db8000000000000000000000001"
    "20010db80000000000000000000000029c429c43000a00006364",
    /* 8: session: PPP with its protocol field compressed (0x21), IPv4. */
    "001122334401020000000002886411001234001f214500001e00010000401100000a0000010a0000029c409c4100"
    "0a00006162",
    /* 9: session: PPP LCP (0xc021), not parsed. */
    "001122334401020000000002886411001234000ac021010100084d4b4c4d",
    /* 10: session: PPP, MPLS (0x0281), IPv4. */
    "00112233440102000000000288641100123400240281000641404500001e00010000401100000a0000010a000002"
    "9c409c41000a00006162",
    /* 11: session: a payload length that cuts the UDP header (24). */
    "001122334401020000000002886411001234001800214500001e00010000401100000a0000010a0000029c409c41"
    "000a00006162",
    /* 12: session: PPP (IPv4) with nothing after its protocol, then padding. */
    "0011223344010200000000028864110012340002002100000000",
    /* 13: session: a payload length beyond the frame. */
    "00112233440102000000000288641100123400c800214500001e00010000401100000a0000010a0000029c409c41"
    "000a00006162",
    /* 14: session: IPv4 followed by Ethernet padding. */
    "001122334401020000000002886411001234002000214500001e00010000401100000a0000010a0000029c409c41"
    "000a0000616200000000000000000000",
    /* 15: session: a header cut short (5 bytes). */
    "00112233440102000000000288641100123400",
    /* 16: session: PPP cut short (1 byte, even). */
    "001122334401020000000002886411001234000100",
    /* 17: session: no PPP at all (payload length 0). */
    "001122334401020000000002886411001234000000000000",

};
static const char *const pppoe_protos[] = {"pppoe", "pppoed", "pppoes", "ppp", "mpls", "eth", "ip", "ipv6", "udp"};

/* 802.1ad (alone, twice, before 802.1ah), 802.1ah and VN-Tag, whole and cut. */
static const char *const tag_frames[] = {
    /* 1: 802.1ad S-tag (PCP 5, VID 100), an 802.1Q C-tag, IPv4, UDP. */
    "00112233440102000000000288a8a0648100206508004500001e00010000401100000a0000010a0000029c409c41"
    "000a00006162",
    /* 2: 802.1ad S-tag, IPv4, UDP. */
    "00112233440102000000000288a8b06408004500001e00010000401100000a0000010a0000029c409c41000a0000"
    "6162",
    /* 3: 802.1ad twice (S-VID 100, C-VID 101) in one layer, IPv4, UDP. */
    "00112233440102000000000288a8a06488a8206508004500001e00010000401100000a0000010a0000029c409c41"
    "000a00006162",
    /* 4: 802.1ad, then an 802.1ah I-tag inside the same layer, IPv4, UDP. */
    "00112233440102000000000288a8a06488e7e001234500aabbccddee00aabbccddef08004500001e000100004011"
    "00000a0000010a0000029c409c41000a00006162",
    /* 5: 802.1ad with a length (0x0010): data, not LLC. */
    "00112233440102000000000288a8a0640010aaaa03000000123400000000000000000000",
    /* 6: 802.1ad cut short (1 byte): no layer. */
    "00112233440102000000000288a8a0",
    /* 7: 802.1ad cut short (2 bytes). */
    "00112233440102000000000288a8a064",
    /* 8: 802.1ad twice, cut in the C-tag. */
    "00112233440102000000000288a8a06488a820",
    /* 9: 802.1ad twice, cut before the EtherType. */
    "00112233440102000000000288a8a06488a82065",
    /* 10: 802.1ad, 802.1ah cut in the C-DA. */
    "00112233440102000000000288a8a06488e7e001234500aabb",
    /* 11: 802.1ad with nothing after its EtherType. */
    "00112233440102000000000288a8a0640800",
    /* 12: 802.1Q, then 802.1ad, IPv4, UDP. */
    "0011223344010200000000028100a06488a8206508004500001e00010000401100000a0000010a0000029c409c41"
    "000a00006162",
    /* 13: 802.1ah I-tag (I-SID 74565), IPv4, UDP. */
    "00112233440102000000000288e7e701234500aabbccddee00aabbccddef08004500001e00010000401100000a00"
    "00010a0000029c409c41000a00006162",
    /* 14: 802.1ah, an 802.1Q tag, IPv4, UDP. */
    "00112233440102000000000288e7e001234500aabbccddee00aabbccddef8100006408004500001e000100004011"
    "00000a0000010a0000029c409c41000a00006162",
    /* 15: 802.1ah with a length: data. */
    "00112233440102000000000288e7e001234500aabbccddee00aabbccddef0010aaaa030000001234000000000000"
    "00000000",
    /* 16: 802.1ah cut short (3 bytes): no layer. */
    "00112233440102000000000288e7e00123",
    /* 17: 802.1ah cut in the C-SA. */
    "00112233440102000000000288e7e001234500aabbccddee00aa",
    /* 18: 802.1ah cut before its EtherType. */
    "00112233440102000000000288e7e001234500aabbccddee00aabbccddef",
    /* 19: VN-Tag, IPv4, UDP. */
    "00112233440102000000000289268012345608004500001e00010000401100000a0000010a0000029c409c41000a"
    "00006162",
    /* 20: VN-Tag (every bit of the tag set), IPv6, UDP. */
    "0011223344010200000000028926ffffffff86dd60000000000a114020010db80000000000000000000000012001"
    "0db80000000000000000000000029c429c43000a00006364",
    /* 21: VN-Tag with a length (16): LLC, SNAP (type 0x1234). */
    "0011223344010200000000028926401234560010aaaa03000000123400000000000000000000",
    /* 22: VN-Tag with a length beyond the frame. */
    "0011223344010200000000028926801234560100aaaa03000000123400000000000000000000",
    /* 23: VN-Tag cut short (2 bytes). */
    "00112233440102000000000289268012",
    /* 24: VN-Tag with no EtherType. */
    "001122334401020000000002892680123456",
    /* 25: VN-Tag with nothing at all. */
    "0011223344010200000000028926",

};
static const char *const tag_protos[] = {"ieee8021ad", "ieee8021ah", "vntag", "vlan", "llc", "eth", "ip", "ipv6", "udp"};

/* Geneve with and without options, L2TP versions 2 and 3 (over UDP and IP), whole and cut. */
static const char *const udp_tunnel_frames[] = {
    /* 1: Geneve (VNI 42), Ethernet, IPv4, UDP. */
    "00112233440102000000000208004500005000010000401100000a0000010a0000029c4017c1003c000000006558"
    "00002a0000112233440502000000000608004500001e0001000040110000ac100101ac1001029c469c47000a0000"
    "6566",
    /* 2: Geneve with OAM and critical flags, reserved 0x07, 8 bytes of options whose one option is too long, IPv4. */
    "00112233440102000000000208004500004a00010000401100000a0000010a0000029c4017c10036000002c00800"
    "00012c0701020304000000014500001e00010000401100000a0000010a0000029c409c41000a00006162",
    /* 3: Geneve with a critical option (class 0x0102, type 0x80, 8 data bytes) and a 4-byte one with flags, IPv4. */
    "00112233440102000000000208004500005200010000401100000a0000010a0000029c4017c1003e000004000800"
    "ffffff000102800200000001aaaabbbb010301e04500001e00010000401100000a0000010a0000029c409c41000a"
    "00006162",
    /* 4: Geneve version 1, cut after the protocol type. */
    "00112233440102000000000208004500002000010000401100000a0000010a0000029c4017c1000c000041000800",
    /* 5: Geneve cut after the flags. */
    "00112233440102000000000208004500001e00010000401100000a0000010a0000029c4017c1000a00000000",
    /* 6: Geneve with options beyond the datagram. */
    "00112233440102000000000208004500002800010000401100000a0000010a0000029c4017c10014000008000800"
    "00002a0001020301",
    /* 7: Geneve, IPv6, UDP. */
    "00112233440102000000000208004500005600010000401100000a0000010a0000029c4017c100420000000086dd"
    "000001ff60000000000a114020010db800000000000000000000000120010db80000000000000000000000029c42"
    "9c43000a00006364",
    /* 8: Geneve with a protocol type nobody takes. */
    "00112233440102000000000208004500002700010000401100000a0000010a0000029c4017c10013000000001234"
    "0000010078797a",
    /* 9: Geneve with Google's option class (0x0132): its fields are not recorded. */
    "00112233440102000000000208004500004a00010000401100000a0000010a0000029c4017c10036000002000800"
    "0000010001320101000000114500001e00010000401100000a0000010a0000029c409c41000a00006162",
    /* 10: L2TPv2 data, HDLC-like PPP, IPv4, UDP. */
    "00112233440102000000000208004500004400010000401100000a0000010a00000206a506a50030000000020001"
    "0002ff0300214500001e00010000401100000a0000010a0000029c409c41000a00006162",
    /* 11: L2TPv2 data with Length, Ns/Nr and priority. */
    "00112233440102000000000208004500004a00010000401100000a0000010a00000206a506a5003600004902002e"
    "0001000200030004ff0300214500001e00010000401100000a0000010a0000029c409c41000a00006162",
    /* 12: L2TPv2 data with an offset of 4, PPP without address and control, IPv6. */
    "00112233440102000000000208004500005c00010000401100000a0000010a00000206a506a50048000002020005"
    "00060004aabbccdd005760000000000a114020010db800000000000000000000000120010db80000000000000000"
    "000000029c429c43000a00006364",
    /* 13: L2TPv2 data whose Length ends inside PPP's protocol field. */
    "00112233440102000000000208004500004600010000401100000a0000010a00000206a506a5003200004002000b"
    "00010002ff0300214500001e00010000401100000a0000010a0000029c409c41000a00006162",
    /* 14: L2TPv2 data with PPP of one byte (0xff). */
    "00112233440102000000000208004500002300010000401100000a0000010a00000206a506a5000f000000020001"
    "0002ff",
    /* 15: L2TPv2 ZLB control message. */
    "00112233440102000000000208004500002800010000401100000a0000010a00000206a506a500140000c802000c"
    "0001000200030004",
    /* 16: L2TPv2 control message with a Message Type AVP (SCCRQ). */
    "00112233440102000000000208004500003000010000401100000a0000010a00000206a506a5001c0000c8020014"
    "00000000000000008008000000000001",
    /* 17: L2TPv2 control message cut before its first AVP: no layer. */
    "00112233440102000000000208004500002800010000401100000a0000010a00000206a506a500140000c8020014"
    "0001000200030004",
    /* 18: L2TPv2 data cut in the session ID: no layer. */
    "00112233440102000000000208004500002100010000401100000a0000010a00000206a506a5000d000000020001"
    "00",
    /* 19: L2TPv2 data, Ns/Nr cut short. */
    "00112233440102000000000208004500002400010000401100000a0000010a00000206a506a50010000008020001"
    "00020003",
    /* 20: L2TPv3 data over UDP (session 0x1234): the payload is not parsed. */
    "00112233440102000000000208004500004600010000401100000a0000010a00000206a506a50032000000030000"
    "00001234ff0300214500001e00010000401100000a0000010a0000029c409c41000a00006162",
    /* 21: L2TPv3 data cut in the session ID. */
    "00112233440102000000000208004500002200010000401100000a0000010a00000206a506a5000e000000030000"
    "0000",
    /* 22: L2TPv3 ZLB control message. */
    "00112233440102000000000208004500002800010000401100000a0000010a00000206a506a500140000c803000c"
    "0000000100030004",
    /* 23: L2TPv3 control message with an AVP. */
    "00112233440102000000000208004500003000010000401100000a0000010a00000206a506a5001c0000c8030014"
    "00000001000300048008000000000001",
    /* 24: L2TPv3 control message without sequence numbers. */
    "00112233440102000000000208004500002400010000401100000a0000010a00000206a506a500100000c003000c"
    "00000001",
    /* 25: Version 0 on port 1701: not L2TP. */
    "00112233440102000000000208004500004400010000401100000a0000010a00000206a506a50030000000000001"
    "0002ff0300214500001e00010000401100000a0000010a0000029c409c41000a00006162",
    /* 26: One byte on port 1701: not L2TP. */
    "00112233440102000000000208004500001d00010000401100000a0000010a00000206a506a50009000000",
    /* 27: L2TPv3 over IP: a data message (session 0x1234), not parsed further. */
    "00112233440102000000000208004500003a00010000407300000a0000010a00000200001234ff0300214500001e"
    "00010000401100000a0000010a0000029c409c41000a00006162",
    /* 28: L2TPv3 over IP: a ZLB control message. */
    "00112233440102000000000208004500002400010000407300000a0000010a00000200000000c803000c00000001"
    "00030004",
    /* 29: L2TPv3 over IP: a control message with an AVP. */
    "00112233440102000000000208004500002e00010000407300000a0000010a00000200000000c803001400000001"
    "0003000480080000000000010001",
    /* 30: L2TPv3 over IP: the session ID cut short. */
    "00112233440102000000000208004500001700010000407300000a0000010a000002000012",
    /* 31: L2TPv3 over IP: a control message cut short. */
    "00112233440102000000000208004500001a00010000407300000a0000010a00000200000000c803",

};
static const char *const udp_tunnel_protos[] = {"geneve", "l2tp", "ppp", "eth", "ip", "ipv6", "udp"};

/* ERSPAN types I, II and III (every platform subheader), whole and cut. */
static const char *const erspan_frames[] = {
    /* 1: ERSPAN type I: GRE without flags (0x88be), the Ethernet frame at once. */
    "00112233440102000000000208004500004400010000402f00000a0000010a000002000088be0011223344050200"
    "0000000608004500001e0001000040110000ac100101ac1001029c469c47000a00006566",
    /* 2: ERSPAN type II: GRE with a sequence number, version 1 header (VLAN 100, COS 5, encap 3, T, session 1000, index 0x12345). */
    "00112233440102000000000208004500005000010000402f00000a0000010a000002100088be000000071064bbe8"
    "0001234500112233440502000000000608004500001e0001000040110000ac100101ac1001029c469c47000a0000"
    "6566",
    /* 3: ERSPAN type III (0x22eb): timestamp, SGT, P, FT, HW ID, D, granularity, no subheader. */
    "00112233440102000000000208004500005400010000402f00000a0000010a000002100022eb000000082064a3e8"
    "11223344abcd800e00112233440502000000000608004500001e0001000040110000ac100101ac1001029c469c47"
    "000a00006566",
    /* 4: ERSPAN type III with platform subheader 1. */
    "00112233440102000000000208004500005c00010000402f00000a0000010a000002100022eb000000092064a3e8"
    "11223344abcd8001040123450000abcd00112233440502000000000608004500001e0001000040110000ac100101"
    "ac1001029c469c47000a00006566",
    /* 5: ERSPAN type III with platform subheader 3. */
    "00112233440102000000000208004500005c00010000402f00000a0000010a000002100022eb0000000a2064a3e8"
    "11223344abcd80010c00c1235566778800112233440502000000000608004500001e0001000040110000ac100101"
    "ac1001029c469c47000a00006566",
    /* 6: ERSPAN type III with platform subheader 5. */
    "00112233440102000000000208004500005c00010000402f00000a0000010a000002100022eb0000000b2064a3e8"
    "11223344abcd800114abcdef5566778800112233440502000000000608004500001e0001000040110000ac100101"
    "ac1001029c469c47000a00006566",
    /* 7: ERSPAN type III with platform subheader 7. */
    "00112233440102000000000208004500005c00010000402f00000a0000010a000002100022eb0000000c2064a3e8"
    "11223344abcd80011c1234565566778800112233440502000000000608004500001e0001000040110000ac100101"
    "ac1001029c469c47000a00006566",
    /* 8: ERSPAN type III with platform subheader 4. */
    "00112233440102000000000208004500005c00010000402f00000a0000010a000002100022eb0000000d2064a3e8"
    "11223344abcd8001101234565566778800112233440502000000000608004500001e0001000040110000ac100101"
    "ac1001029c469c47000a00006566",
    /* 9: ERSPAN type III with a reserved platform ID (9). */
    "00112233440102000000000208004500005c00010000402f00000a0000010a000002100022eb0000000e2064a3e8"
    "11223344abcd8001241234565566778800112233440502000000000608004500001e0001000040110000ac100101"
    "ac1001029c469c47000a00006566",
    /* 10: ERSPAN with an unknown version (3): nothing follows. */
    "00112233440102000000000208004500005000010000402f00000a0000010a000002100088be0000000f3064bbe8"
    "0001234500112233440502000000000608004500001e0001000040110000ac100101ac1001029c469c47000a0000"
    "6566",
    /* 11: ERSPAN type II cut in the index. */
    "00112233440102000000000208004500002200010000402f00000a0000010a000002100088be000000101064bbe8"
    "0001",
    /* 12: ERSPAN type III cut in its platform subheader. */
    "00112233440102000000000208004500002a00010000402f00000a0000010a000002100022eb000000112064a3e8"
    "11223344abcd80010401",
    /* 13: ERSPAN (GRE flags set) with one byte: no layer. */
    "00112233440102000000000208004500001d00010000402f00000a0000010a000002100088be0000001210",
    /* 14: EtherType 0x88be on Ethernet: not ERSPAN (tshark registers it only in GRE). */
    "00112233440102000000000288be1064bbe80001234500112233440502000000000608004500001e000100004011"
    "0000ac100101ac1001029c469c47000a00006566",

};
static const char *const erspan_protos[] = {"erspan", "gre", "eth", "ip", "udp"};

/* The NFLOG link type (239): TLVs of every kind tshark names, the payload
 * by hardware protocol or family, TLVs cut short. */
static const char *const nflog_frames[] = {
    /* 1: NFLOG (IPv4): packet header (0x0800, hook 1), prefix, in/out interfaces, UID, GID, a mark, a timestamp, the payload: IPv4, UDP. */
    "02000000080001000800010009000a0061626300000000000800040000000002080005000000000308000b000000"
    "03e808000e00000003e908000200000000071400030000000000650000000000000000001234220009004500001e"
    "00010000401100000a0000010a0000029c409c41000a000061620000",
    /* 2: NFLOG (IPv6) without a packet header: the family picks IPv6. */
    "0a000000080006000000000408000700000000053600090060000000000a114020010db800000000000000000000"
    "000120010db80000000000000000000000029c429c43000a000063640000",
    /* 3: NFLOG with a packet header of protocol 0x86dd and family 2: the protocol picks IPv6. */
    "020000000800010086dd03003600090060000000000a114020010db800000000000000000000000120010db80000"
    "000000000000000000029c429c43000a000063640000",
    /* 4: NFLOG with an unknown family (7) and no packet header: data. */
    "07000000220009004500001e00010000401100000a0000010a0000029c409c41000a000061620000",
    /* 5: NFLOG with a TLV shorter than 4 bytes: the TLVs end. */
    "02000000080004000000000202000900220009004500001e00010000401100000a0000010a0000029c409c41000a"
    "000061620000",
    /* 6: NFLOG whose payload TLV is cut by the frame end. */
    "02000000220009004500001e00010000401100000a000001",
    /* 7: NFLOG header only (3 bytes). */
    "020000",
    /* 8: NFLOG with a 2-byte prefix and odd TLVs. */
    "0200000005000a004100000004000a0006000b000001000006000100080000000600630001020000220009004500"
    "001e00010000401100000a0000010a0000029c409c41000a000061620000",

};
static const char *const nflog_protos[] = {"nflog", "ip", "ipv6", "udp"};

/* Linux cooked capture v2 (276) carrying IP and the new encapsulations. */
static const char *const sll2_frames[] = {
    /* 1: SLL2 (received, interface 3), IPv4, UDP. */
    "08000000000000030001000602000000000200004500001e00010000401100000a0000010a0000029c409c41000a"
    "00006162",
    /* 2: SLL2 (outgoing), IPv6, UDP. */
    "86dd00000000000300010406020000000002000060000000000a114020010db80000000000000000000000012001"
    "0db80000000000000000000000029c429c43000a00006364",
    /* 3: SLL2, MPLS, IPv4, UDP. */
    "8847000000000003000100060200000000020000000641404500001e00010000401100000a0000010a0000029c40"
    "9c41000a00006162",
    /* 4: SLL2, PPPoE session, PPP, IPv4, UDP. */
    "886400000000000300010006020000000002000011001234002000214500001e00010000401100000a0000010a00"
    "00029c409c41000a00006162",

};
static const char *const sll2_protos[] = {"sll", "mpls", "pppoe", "pppoes", "ppp", "ip", "ipv6", "udp"};

/* AYIYA forwarding IPv6, IPv4 and UDP, an echo request, and cut short. */
static const char *const ayiya_frames[] = {
    /* 1: AYIYA forwarding IPv6 (16-byte IPv6 identity, SHA-1 signature of 20 bytes). */
    "00112233440102000000000208004500007a00010000401100000a0000010a0000029c4013d00066000041521129"
    "5f5e100020010db8000000000000000000000042111111111111111111111111111111111111111160000000000a"
    "114020010db800000000000000000000000120010db80000000000000000000000029c429c43000a00006364",
    /* 2: AYIYA forwarding IPv4 (next header 4), no signature. */
    "00112233440102000000000208004500005200010000401100000a0000010a0000029c4013d0003e000041000104"
    "5f5e100020010db80000000000000000000000424500001e00010000401100000a0000010a0000029c409c41000a"
    "00006162",
    /* 3: AYIYA echo request (opcode 2): no payload. */
    "00112233440102000000000208004500007a00010000401100000a0000010a0000029c4013d00066000041521229"
    "5f5e100020010db8000000000000000000000042111111111111111111111111111111111111111160000000000a"
    "114020010db800000000000000000000000120010db80000000000000000000000029c429c43000a00006364",
    /* 4: AYIYA with a 4-byte identity forwarding UDP (next header 17): not parsed. */
    "00112233440102000000000208004500003100010000401100000a0000010a0000029c4013d0001d000022000111"
    "5f5e1000010203040001000200090000ab",
    /* 5: AYIYA cut in the identity. */
    "00112233440102000000000208004500002900010000401100000a0000010a0000029c4013d00015000041521129"
    "5f5e100020010db800",
    /* 6: AYIYA cut before the epoch. */
    "00112233440102000000000208004500002200010000401100000a0000010a0000029c4013d0000e000041521129"
    "5f5e",
    /* 7: AYIYA of 3 bytes. */
    "00112233440102000000000208004500001f00010000401100000a0000010a0000029c4013d0000b0000415211",

};
static const char *const ayiya_protos[] = {"ayiya", "ip", "ipv6", "udp"};

/* PPTP's enhanced GRE (version 1) carrying PPP, and PPP in version 0. */
static const char *const pptp_frames[] = {
    /* 1: Enhanced GRE (PPTP): key (payload length 32, call ID 1), sequence 5, acknowledgment 4; PPP with address and control, IPv4, UDP. */
    "00112233440102000000000208004500004600010000402f00000a0000010a0000023081880b0020000100000005"
    "00000004ff0300214500001e00010000401100000a0000010a0000029c409c41000a00006162",
    /* 2: Enhanced GRE without sequence or acknowledgment: PPP without address and control, IPv4. */
    "00112233440102000000000208004500003c00010000402f00000a0000010a0000022001880b001e000100214500"
    "001e00010000401100000a0000010a0000029c409c41000a00006162",
    /* 3: Enhanced GRE with sequence only: PPP with a compressed protocol field, IPv4. */
    "00112233440102000000000208004500003f00010000402f00000a0000010a0000023001880b0022000100000005"
    "214500001e00010000401100000a0000010a0000029c409c41000a00006162",
    /* 4: Enhanced GRE with an acknowledgment only (no payload). */
    "00112233440102000000000208004500002000010000402f00000a0000010a0000022081880b0000000100000009",
    /* 5: Enhanced GRE with reserved flag bits set, PPP LCP. */
    "00112233440102000000000208004500002600010000402f00000a0000010a0000022079880b000a0001ff03c021"
    "010100084d4b",
    /* 6: Enhanced GRE cut in the acknowledgment number. */
    "00112233440102000000000208004500002200010000402f00000a0000010a0000023081880b0020000100000005"
    "0000",
    /* 7: Enhanced GRE, PPP of one byte (0xff). */
    "00112233440102000000000208004500001d00010000402f00000a0000010a0000022001880b00010001ff",
    /* 8: GRE version 0 carrying PPP (0x880b), IPv6. */
    "00112233440102000000000208004500004c00010000402f00000a0000010a0000020000880b005760000000000a"
    "114020010db800000000000000000000000120010db80000000000000000000000029c429c43000a00006364",
    /* 9: GRE version 2: read as enhanced GRE, as tshark reads it. */
    "00112233440102000000000208004500003c00010000402f00000a0000010a0000022002880b0020000100214500"
    "001e00010000401100000a0000010a0000029c409c41000a00006162",

};
static const char *const pptp_protos[] = {"gre", "ppp", "ip", "ipv6", "udp"};

/* EtherIP over IPv4 and IPv6, whole and cut. */
static const char *const etherip_frames[] = {
    /* 1: EtherIP (version 3) over IPv4: Ethernet, IPv4, UDP. */
    "00112233440102000000000208004500004200010000406100000a0000010a000002300000112233440502000000"
    "000608004500001e0001000040110000ac100101ac1001029c469c47000a00006566",
    /* 2: EtherIP over IPv6 with a wrong version (2) and reserved bits set. */
    "00112233440102000000000286dd60000000002e614020010db800000000000000000000000120010db800000000"
    "00000000000000022abc00112233440502000000000608004500001e0001000040110000ac100101ac1001029c46"
    "9c47000a00006566",
    /* 3: EtherIP cut short (1 byte). */
    "00112233440102000000000208004500001500010000406100000a0000010a00000230",
    /* 4: EtherIP with nothing after its header. */
    "00112233440102000000000208004500001600010000406100000a0000010a0000023000",

};
static const char *const etherip_protos[] = {"etherip", "eth", "ip", "ipv6", "udp"};

/* SOCKS on TCP 1080: a layer for every payload, as io,phs counts it. */
static const char *const socks_frames[] = {
    /* 1: SOCKS 5 greeting to port 1080. */
    "00112233440102000000000208004500002b00010000400600000a0000010a0000029c4004380000000100000000"
    "5018ffff00000000050100",
    /* 2: SOCKS 4 CONNECT request. */
    "00112233440102000000000208004500003600010000400600000a0000010a0000029c4104380000000100000000"
    "5018ffff0000000004010050c0a80001757365720000",
    /* 3: An HTTP request on port 1080: SOCKS all the same, as in tshark. */
    "00112233440102000000000208004500003a00010000400600000a0000010a0000029c4204380000000100000000"
    "5018ffff00000000474554202f20485454502f312e310d0a0d0a",
    /* 4: A TLS record between ports 443 and 1080: the lower port, TLS, has it. */
    "00112233440102000000000208004500005a00010000400600000a0000010a00000201bb04380000000100000000"
    "5018ffff00000000160301002d010000290303000000000000000000000000000000000000000000000000000000"
    "000000000000000201000100",

};
static const char *const socks_protos[] = {"socks", "tcp", "tls"};

/* Cisco FabricPath (Ethernet type 0x8903): the whole frame is cfp, with no
 * outer eth layer; the last 4 bytes are the FCS. */
static const char *const cfp_frames[] = {
    /* 1: FabricPath: unicast outer addresses, FTAG 17, TTL 1, then Ethernet, IPv4, UDP. */
    "0200640000010200650000028903044100112233445500aabbccddee08004500001c000100004011000008080808c0a8"
    "00013039303a00080000deadbeef",
    /* 2: a multicast outer destination; a source with OOO/DL, switch 4095, sub-switch 18. */
    "010000000001023fff1200038903ffff00112233445500aabbccddee08004500001c000100004011000008080808c0a8"
    "00013039303a0008000000000000",
    /* 3: the inner frame cut to 6 bytes (not counted). */
    "0200640000010200650000028903044100112233445500aabbcc",
    /* 4: cut in the FP tag. */
    "020064000001020065000002890304",
    /* 5: an inner 802.1ad tag. */
    "0200640000010200650000028903044100112233445500aabbccddee88a8200508004500001c00010000401100000808"
    "0808c0a800013039303a0008000000000000",
    /* 6: inside VXLAN: the inner Ethernet frame is FabricPath too. */
    "00112233440102000000000208004500006200010000401100000a0000010a0000029c4012b5004e0000080000000000"
    "7b000200640000010200650000028903044100112233445500aabbccddee08004500001c000100004011000008080808"
    "c0a800013039303a00080000deadbeef",
};
static const char *const cfp_protos[] = {"cfp", "eth", "ieee8021ad", "ip", "udp", "vxlan"};

/* One group of frames: its link type, the protocols whose properties are
 * compared, and io,phs counts that show the new protocols are really there
 * (so that the comparison cannot pass by finding nothing). */
typedef struct want {
    const char *proto;
    unsigned frames;
} want_t;

typedef struct group {
    const char *what;
    uint32_t linktype;
    const char *const *frames;
    size_t nframes;
    const char *const *protos;
    size_t nprotos;
    want_t want[4];
} group_t;

#define ARRAY(a) (a), (sizeof(a) / sizeof((a)[0]))

static const group_t groups[] = {
    /* Four GRE headers (the one cut short is not counted), one VXLAN, and
     * the inner Ethernet frames of 3 and 4. */
    {"GRE and VXLAN", 1, ARRAY(frames), ARRAY(protos), {{"gre", 4}, {"vxlan", 1}, {"eth", NFRAMES + 2}}},
    /* A layer per label: 18 frames with a whole first entry, two of them
     * with two labels, one with eight; three ACHs (not the one cut short);
     * IPv4 outside in 3 frames and inside in 8. */
    {"MPLS", 1, ARRAY(mpls_frames), ARRAY(mpls_protos), {{"mpls", 18 + 2 + 7}, {"pwach", 3}, {"ip", 3 + 8}}},
    /* Four discovery and eleven session headers (not the two cut short),
     * PPP in ten of them (not where one byte follows the header); pppoe
     * itself is never a layer. */
    {"PPPoE", 1, ARRAY(pppoe_frames), ARRAY(pppoe_protos),
     {{"pppoed", 4}, {"pppoes", 11}, {"ppp", 10}, {"pppoe", 0}}},
    /* 802.1ad in 11 frames (not the 1-byte one), 802.1ah as a layer of its
     * own in 5 (not the 3-byte one, nor after 802.1ad), VN-Tag in 7. */
    {"802.1ad, 802.1ah and VN-Tag", 1, ARRAY(tag_frames), ARRAY(tag_protos),
     {{"ieee8021ad", 11}, {"ieee8021ah", 5}, {"vntag", 7}}},
    /* Nine Geneve headers; L2TP in 13 of its 17 UDP frames (not the control
     * message cut before its AVP, nor the data message cut in the session
     * ID, and not version 0 or one byte) and in 3 of its 5 over IP; PPP in
     * five. */
    {"Geneve and L2TP", 1, ARRAY(udp_tunnel_frames), ARRAY(udp_tunnel_protos),
     {{"geneve", 9}, {"l2tp", 13 + 3}, {"ppp", 5}}},
    /* ERSPAN behind each of the 13 GRE headers (not on Ethernet), the
     * mirrored frame in nine. */
    {"ERSPAN", 1, ARRAY(erspan_frames), ARRAY(erspan_protos), {{"erspan", 13}, {"eth", 14 + 9}}},
    /* Every frame is NFLOG; IPv4 in two, IPv6 in two. */
    {"NFLOG", 239, ARRAY(nflog_frames), ARRAY(nflog_protos), {{"nflog", 8}, {"ipv6", 2}}},
    {"SLL2", 276, ARRAY(sll2_frames), ARRAY(sll2_protos), {{"sll", 4}, {"mpls", 1}, {"pppoes", 1}}},
    /* AYIYA in all but the 3-byte payload; inside it IPv6 once, IPv4 once
     * and UDP (as well as the outer one) once. */
    {"AYIYA", 1, ARRAY(ayiya_frames), ARRAY(ayiya_protos), {{"ayiya", 6}, {"udp", 7 + 3}}},
    /* GRE in every frame, PPP in seven (not without payload, nor cut
     * short). */
    {"enhanced GRE", 1, ARRAY(pptp_frames), ARRAY(pptp_protos), {{"gre", 9}, {"ppp", 7}}},
    /* EtherIP in three frames (not the 1-byte one), an inner Ethernet
     * frame in two. */
    {"EtherIP", 1, ARRAY(etherip_frames), ARRAY(etherip_protos), {{"etherip", 3}, {"eth", 4 + 2}}},
    {"SOCKS", 1, ARRAY(socks_frames), ARRAY(socks_protos), {{"socks", 3}, {"tls", 1}}},
    /* FabricPath in every frame (one inside VXLAN); an inner Ethernet frame
     * in four (not the 6-byte one, nor the one cut in the FP tag), plus the
     * VXLAN frame's outer one; 802.1ad in one. */
    {"FabricPath", 1, ARRAY(cfp_frames), ARRAY(cfp_protos), {{"cfp", 6}, {"eth", 4 + 1}, {"ieee8021ad", 1}}},
};

static void test_group_agrees(void **state)
{
    const group_t *g = *state;
    if (!tsu_have_tshark()) {
        NMX_SKIP();
        return;
    }
    unsigned theirs[256] = {0};
    size_t differ = agree(g->what, g->linktype, g->frames, g->nframes, g->protos, g->nprotos, theirs);
    for (size_t i = 0; i < 4 && g->want[i].proto != NULL; i++) {
        if (counted(theirs, g->want[i].proto) != g->want[i].frames)
            printf("  %s: io,phs counts %s in %u frames, expected %u\n", g->what, g->want[i].proto,
                   counted(theirs, g->want[i].proto), g->want[i].frames);
        assert_int_equal(counted(theirs, g->want[i].proto), g->want[i].frames);
    }
    assert_int_equal(differ, 0);
}

int main(void)
{
    /* ayiya.epoch is a local time in tshark, an UTC one here. */
    setenv("TZ", "UTC", 1);
    struct CMUnitTest tests[sizeof groups / sizeof groups[0]];
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
        struct CMUnitTest t = cmocka_unit_test_prestate_setup_teardown(test_group_agrees, NULL, tsu_tmp_remove,
                                                                       (void *)&groups[i]);
        t.name = groups[i].what;
        tests[i] = t;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
