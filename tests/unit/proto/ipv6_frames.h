/*
 * ipv6_frames.h - hand-built Ethernet/IPv6 frames on how the IPv6 dissector
 * bounds and hands on its payload: padding and trailers after the datagram,
 * a Payload Length beyond the captured bytes, and the Authentication Header;
 * then a few IPv4 frames on the same points (AH, which tshark shows as a
 * protocol after IPv4, and a Total Length that leaves no room for ports).
 * Used by tests/unit/proto/test_dissect.c (protocols, offsets, values) and
 * tests/shared_proto/test_tshark_ipv6.c (the same frames against tshark).
 *
 * Each frame is a hex string for fr_hex() (spaces are ignored); in capture
 * order, captured whole (wire length = captured length).
 */
#ifndef NMX_TESTS_IPV6_FRAMES_H
#define NMX_TESTS_IPV6_FRAMES_H

/* Ethernet II to 86dd, then an IPv6 header up to Payload Length. */
#define V6_ETH "001122334455 66778899aabb 86dd 60000000 "
/* Ethernet II to 0800 (an IPv4 header follows). */
#define V4_ETH "001122334455 66778899aabb 0800 "
/* Hop Limit 64 and the addresses 2001:db8::1 -> 2001:db8::2. */
#define V6_HL_ADDRS " 40 20010db8000000000000000000000001 20010db8000000000000000000000002 "

static const char *const ipv6_frames[] = {
    /* 1: Payload Length 0, Next Header UDP, 6 bytes of Ethernet padding
     * that look like ports 53 -> 53: no UDP header here. */
    V6_ETH "0000 11" V6_HL_ADDRS "0035 0035 0008",
    /* 2: a 2-byte "UDP" datagram (source port only) and 4 bytes of
     * padding: no UDP header either. */
    V6_ETH "0002 11" V6_HL_ADDRS "9c40" "0035 0035",
    /* 3: UDP 40000 -> 40001 with 2 bytes of data, then an 8-byte trailer
     * shaped like a UDP header (53 -> 53, length 16). */
    V6_ETH "000a 11" V6_HL_ADDRS "9c40 9c41 000a 0000 abcd" "0035 0035 0010 0000",
    /* 4: Payload Length 100, only 10 bytes captured: what is there is
     * dissected (UDP length 100, like the IPv6 Payload Length). */
    V6_ETH "0064 11" V6_HL_ADDRS "9c40 9c41 0064 0000 abcd",
    /* 5: AH (Next Header UDP, Payload Len 4: (4 + 2) * 4 = 24 bytes, SPI
     * 0x1000, sequence 1, a 12-byte ICV) then UDP 40000 -> 40001. */
    V6_ETH "0022 33" V6_HL_ADDRS "11 04 0000 00001000 00000001 000000000000000000000000"
           "9c40 9c41 000a 0000 abcd",
    /* 6: AH then an ICMPv6 echo request (identifier 0x1234, sequence 1). */
    V6_ETH "0020 33" V6_HL_ADDRS "3a 04 0000 00001000 00000002 000000000000000000000000"
           "8000 0000 1234 0001",
    /* 7: AH then UDP, then a trailer shaped like a UDP header. */
    V6_ETH "0022 33" V6_HL_ADDRS "11 04 0000 00001000 00000003 000000000000000000000000"
           "9c40 9c41 000a 0000 abcd" "0035 0035 0010 0000",
    /* 8: AH whose length (Payload Len 10: 48 bytes) runs past the Payload
     * Length (34): nothing above IPv6. */
    V6_ETH "0022 33" V6_HL_ADDRS "11 0a 0000 00001000 00000004 000000000000000000000000"
           "9c40 9c41 000a 0000 abcd",
    /* 9: a first fragment (offset 0, more fragments) of a UDP datagram
     * 40000 -> 40001: the UDP header is dissected, the fragment header's
     * offset and flag are properties. */
    V6_ETH "0018 2c" V6_HL_ADDRS "11 00 0001 00001234" "9c40 9c41 0010 0000 0102030405060708",
    /* 10: its second fragment (offset 1, the last): nothing above IPv6. */
    V6_ETH "0010 2c" V6_HL_ADDRS "11 00 0008 00001234" "090a0b0c0d0e0f10",
    /* 11: IPv4 (Total Length 54), AH (Payload Len 4: 24 bytes), then UDP
     * 40000 -> 40001 with 2 bytes of data. */
    V4_ETH "45000036 0001 0000 40 33 0000 c0a80001 c0a80002"
           "11 04 0000 00001000 00000005 000000000000000000000000" "9c40 9c41 000a 0000 abcd",
    /* 12: IPv4 AH then an ICMP echo request. */
    V4_ETH "45000034 0002 0000 40 33 0000 c0a80001 c0a80002"
           "01 04 0000 00001000 00000006 000000000000000000000000" "0800 0000 1234 0001",
    /* 13: IPv4 Total Length 20 (no payload), protocol UDP, 6 bytes of
     * padding shaped like ports 53 -> 53: no UDP header. */
    V4_ETH "45000014 0003 0000 40 11 0000 c0a80001 c0a80002" "0035 0035 0008",
    /* 14: IPv4 Total Length 22, protocol TCP: 2 bytes, then padding. */
    V4_ETH "45000016 0004 0000 40 06 0000 c0a80001 c0a80002" "9c40" "0035 0035",
};
/* The IPv6 frames come first. */
#define IPV6_ONLY_NFRAMES 10
#define IPV6_NFRAMES (sizeof(ipv6_frames) / sizeof(ipv6_frames[0]))

#endif
