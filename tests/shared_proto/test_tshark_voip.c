/*
 * test_tshark_voip.c - hand-built SIP, SDP, RTP and RTCP frames against
 * tshark, as one coherent capture: SIP requests and responses over UDP and
 * TCP (port 5060 and elsewhere by the heuristic), To/From/Contact/Via in
 * their forms, compact header names, first lines tshark turns down, bodies
 * cut short; SDP offers and answers (session and media attributes,
 * rtpmap, fmtp, connection lines with TTL, several media); then RTP and
 * RTCP to the endpoints an SDP announced (learned conversations), a UDP
 * frame to such a port before the SDP that stays plain UDP, and RTCP by
 * tshark's heuristic elsewhere.  Every property of these protocols and of
 * eth, ip, udp and tcp, frame by frame, and the io,phs counts (what
 * protdist counts) must be tshark's; the counts of the new protocols are
 * asserted, so that a protocol neither side recognises cannot pass
 * unnoticed.  A capture of calls compares the setup frame RTP and RTCP
 * show (the request an SDP answer replies to, as tshark matches SIP
 * requests and responses over UDP: re-INVITEs, a late offer, early media,
 * a PRACK, a rejection, repetitions, other ports, TCP, several calls).
 * A SIP transaction over UDP beside a TCP connection on the same ports,
 * whose new SYN must leave it alone.  Two more captures: cleartext HTTP/2
 * (prefaces on HTTP ports, the frames after them, a connection learned
 * from its preface) and QUIC datagrams by tshark's heuristic (http2, http
 * and quic properties).
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
#include "proto/proto.h"
#include "tshark_util.h"

/* One datagram or segment: transport, addresses (10.0.0.x), ports, payload. */
typedef struct pkt {
    bool tcp;
    uint8_t src, dst;
    uint16_t sport, dport;
    const char *payload;
    size_t len;
    uint32_t seq; /* TCP: the sequence number, 0 for 1000 + the frame's index */
    uint8_t syn;  /* TCP: a SYN without ACK (else PSH, ACK) */
} pkt_t;

#define U(s, d, sp, dp, text) {false, s, d, sp, dp, text, sizeof(text) - 1}
#define B(s, d, sp, dp, bytes) U(s, d, sp, dp, bytes)
#define TB(s, d, sp, dp, bytes) T(s, d, sp, dp, bytes)
#define TS(s, d, sp, dp, seq, bytes) {true, s, d, sp, dp, bytes, sizeof(bytes) - 1, seq}
#define T(s, d, sp, dp, text) {true, s, d, sp, dp, text, sizeof(text) - 1}
#define TSYN(s, d, sp, dp, seq) {true, s, d, sp, dp, "", 0, seq, 1}

#define SDP_OFFER                                                                                   \
    "v=0\r\no=alice 2890844526 2890844527 IN IP4 10.0.0.1\r\ns=Talk\r\ni=A call\r\n"                 \
    "u=http://www.example.com/seminars/sdp.pdf\r\ne=j.doe@example.com (Jane Doe)\r\np=+1 617 555-6011\r\n" \
    "c=IN IP4 10.0.0.1\r\nb=CT:128\r\nt=0 0\r\na=tool:libfoo 1.0\r\na=recvonly\r\n"                  \
    "m=audio 49170 RTP/AVP 0 8 97 18\r\ni=voice\r\nb=AS:64\r\na=rtpmap:0 PCMU/8000\r\n"               \
    "a=rtpmap:97 iLBC/8000\r\na=fmtp:97 mode=30\r\na=ptime:20\r\na=sendrecv\r\n"                      \
    "m=video 51372 RTP/AVP 31 96\r\nc=IN IP4 10.0.0.5/127\r\na=rtpmap:96 H264/90000/2\r\n"            \
    "m=application 0 udp wb\r\nm=image 6000 udptl t38\r\n"

#define SDP_ANSWER                                                                                  \
    "v=0\r\no=bob 2808844564 2808844564 IN IP4 10.0.0.2\r\ns= \r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\n"   \
    "m=audio 20000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"

#define INVITE_HDRS                                                                                 \
    "INVITE sip:bob@example.com SIP/2.0\r\n"                                                          \
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds;rport\r\n"                                \
    "Max-Forwards: 70\r\n"                                                                            \
    "To: Bob <sip:bob@example.com>\r\n"                                                               \
    "From: \"Alice\" <sip:alice@atlanta.com>;tag=1928301774\r\n"                                      \
    "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n"                                                    \
    "CSeq: 314159 INVITE\r\n"                                                                         \
    "Contact: <sip:alice@10.0.0.1:5060;transport=udp>\r\n"                                            \
    "User-Agent: test/1.0\r\n"                                                                        \
    "Allow: INVITE, ACK, CANCEL, BYE\r\n"                                                             \
    "Supported: replaces, timer\r\n"                                                                  \
    "Content-Type: application/sdp\r\n"

static const pkt_t voip_pkts[] = {
    /* Before any SDP: UDP to the port the offer announces later stays data. */
    U(9, 1, 30000, 49170, "\x80\x00\x00\x01\x00\x00\x00\xa0\xde\xad\xbe\xef\xff\xff\xff\xff"),
    /* An INVITE with an SDP offer, its answer. */
    U(1, 2, 5060, 5060, INVITE_HDRS "Content-Length: 496\r\n\r\n" SDP_OFFER),
    U(2, 1, 5060, 5060,
      "SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds;received=10.0.0.1;rport=5060\r\n"
      "To: Bob <sip:bob@example.com>\r\nFrom: \"Alice\" <sip:alice@atlanta.com>;tag=1928301774\r\n"
      "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\nCSeq: 314159 INVITE\r\nContent-Length: 0\r\n\r\n"),
    U(2, 1, 5060, 5060,
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds\r\n"
      "To: Bob <sip:bob@example.com>;tag=a6c85cf\r\nFrom: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
      "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\nCSeq: 314159 INVITE\r\nContact: <sip:bob@10.0.0.2>\r\n"
      "Server: pbx/2\r\nContent-Type: application/sdp\r\nContent-Length: 128\r\n\r\n" SDP_ANSWER),
    U(1, 2, 5060, 5060,
      "ACK sip:bob@10.0.0.2 SIP/2.0\r\nv: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\nMax-Forwards: 70\r\n"
      "t: Bob <sip:bob@example.com>;tag=a6c85cf\r\nf: <sip:alice@atlanta.com>;tag=1928301774\r\n"
      "i: a84b4c76e66710@pc33.atlanta.com\r\nCSeq: 314159 ACK\r\nl: 0\r\n\r\n"),
    /* Registration over TCP, a response with several Vias, odd forms. */
    T(3, 2, 40000, 5060,
      "REGISTER sip:registrar.example.com SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.3:40000;branch=z9hG4bKnash\r\n"
      "Max-Forwards: 70\r\nTo: sip:carol@example.com\r\nFrom: sip:carol@example.com;tag=456248\r\n"
      "Call-ID: 843817637684230@998sdasdh09\r\nCSeq: 1826 REGISTER\r\nContact: *\r\nExpires: 7200\r\n"
      "Content-Length: 0\r\n\r\n"),
    T(2, 3, 5060, 40000,
      "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/TCP 10.0.0.3:40000;branch=z9hG4bKnash, SIP/2.0/UDP [2001:db8::1]:5062;branch=z9hG4bK2\r\n"
      "To: <sip:carol@example.com:5070>;tag=37GkEhwl6\r\nFrom: sip:carol@example.com;tag=456248\r\n"
      "Call-ID: 843817637684230@998sdasdh09\r\nCSeq: 1826 REGISTER\r\nContent-Length: 0\r\n\r\n"),
    U(4, 2, 5062, 5070, /* the heuristic: neither port is 5060 */
      "OPTIONS sip:[2001:db8::2]:5070 SIP/2.0\r\nVia: SIP/2.0/UDP host.example.com;branch=z9hG4bK3\r\n"
      "To: <sip:[2001:db8::2]:5070>\r\nFrom: \"A \\\"quoted\\\" name\" <sips:x@example.com>;tag=99\r\n"
      "Call-ID: opt1\r\nCSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n"),
    U(4, 2, 5062, 5070, "SIP/2.0 200 OK\r\nCall-ID: opt1\r\nCSeq: 7 OPTIONS\r\n\r\n"),
    /* First lines tshark turns down (on 5060 too), and one it takes. */
    U(4, 2, 5060, 5060, "hello\r\n"),
    U(4, 2, 5060, 5060, "SIP/2.0 200\r\n\r\n"),
    U(4, 2, 5060, 5060, "INVITE sip:x SIP/3.0\r\n\r\n"),
    U(4, 2, 5060, 5060, "IN(VITE sip:x SIP/2.0\r\n\r\n"),
    U(4, 2, 5060, 5060, "SIP/2.0 20x OK\r\n\r\n"),
    U(4, 2, 5060, 5060, "BYE sip:x SIP/2.0"),
    /* A body longer than Content-Length, and a body cut short. */
    U(1, 2, 5060, 5060,
      "MESSAGE sip:bob@example.com SIP/2.0\r\nCall-ID: m1\r\nCSeq: 2 MESSAGE\r\nContent-Type: text/plain\r\n"
      "Content-Length: 5\r\n\r\nhello world"),
    U(1, 2, 5060, 5060,
      "INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: m2\r\nCSeq: 3 INVITE\r\nContent-Type: application/sdp\r\n"
      "Content-Length: 300\r\n\r\nv=0\r\no=a 1 1 IN IP4 10.0.0.7\r\ns=x\r\nc=IN IP4 10.0.0.7\r\nm=audio 7000 RTP/AVP 0\r\n"),
    /* Over TCP: continuations on 5060, several messages in a segment, the
     * heuristic elsewhere, first lines without their end. */
    T(5, 2, 41001, 5060, "hello\r\n"),
    T(5, 2, 41002, 5060, "\x01" "abc\r\n"),
    T(5, 2, 41003, 5060, "abc"),
    T(5, 2, 41004, 5060, "OPTIONS sip:x@example.com SIP/2.0"),
    T(5, 2, 41005, 5060, "\r\nOPTIONS sip:x@example.com SIP/2.0\r\n\r\n"),
    T(5, 2, 41006, 5060,
      "OPTIONS sip:x@example.com SIP/2.0\r\nCall-ID: t1\r\nContent-Length: 2\r\n\r\nokOPTIONS sip:y@example.com SIP/2.0\r\n"
      "Call-ID: t2\r\nCSeq: 9 OPTIONS\r\n\r\n"),
    T(5, 2, 41007, 5060, "BYE sip:x@example.com SIP/2.0\r\nCall-ID: t3\r\nContent-Length: 0\r\n\r\ntrailing junk\r\n"),
    T(5, 2, 41008, 7001, "NOTIFY sip:x@example.com SIP/2.0\r\nCall-ID: t4\r\nContent-Length: 0\r\n\r\nmore\r\n"),
    T(5, 2, 41009, 7001, "more\r\nNOTIFY sip:x@example.com SIP/2.0\r\n\r\n"),
    U(4, 2, 5060, 5060, "\x01SIP/2.0 200 OK\r\n\r\n"),
    U(4, 2, 5060, 5060, "OPTIONS sip:x SIP/2.0\r\n\0\r\n"),
    /* RTCP by the heuristic: SR, SDES. */
    B(6, 1, 31000, 31001, "\x81\xc8\x00\x0c\x11\x22" "3D\xe5\xf1\xa2\xb3\x80\x00\x00\x00\x00\x00\x00\xa0\x00\x00\x00\x0a\x00\x00\x06@Ufw\x88\x10\xff\xff\xfe\x00\x01\x00\x05\x00\x00\x00\x14\x11\x11\x22\x22\x00\x01\x00\x00\x81\xca\x00\x08\x11\x22" "3D\x01\x0buser@host.x\x02\x03" "bob\x08\x07\x03" "abcdef\x00"),
    /* RTCP by the heuristic: RR, BYE. */
    B(6, 1, 31002, 31003, "\x80\xc9\x00\x01\x11\x22" "3D\x81\xcb\x00\x03\x11\x22" "3D\x04gone\x00\x00\x00"),
    /* RTCP by the heuristic: APP. */
    B(6, 1, 31004, 31005, "\x83\xcc\x00\x03\x11\x22" "3DTEST\x01\x02\x03\x04"),
    /* RTCP by the heuristic: RR. */
    B(6, 1, 31006, 31007, "\x80\xc9\x00\x01\x11\x22" "3D"),
    /* RTCP by the heuristic: BYE. */
    B(6, 1, 31008, 31009, "\x81\xcb\x00\x03\x11\x22" "3D\x04gone\x00\x00\x00"),
    /* RTCP by the heuristic: PSFB. */
    B(6, 1, 31010, 31011, "\x81\xce\x00\x02\x11\x22" "3DUfw\x88"),
    /* RTCP by the heuristic: SR cut short. */
    B(6, 1, 31012, 31013, "\x81\xc8\x00\x0c\x11\x22" "3D\xe5\xf1\xa2\xb3\x80\x00\x00\x00\x00\x00\x00\xa0"),
    /* RTCP by the heuristic: a Length beyond the payload. */
    B(6, 1, 31014, 31015, "\x80\xc9\x00\x05\x00\x00\x00\x01"),
    /* RTCP by the heuristic: an empty SDES. */
    B(6, 1, 31016, 31017, "\x80\xc9\x00\x01\x00\x00\x00\x01\x80\xca\x00\x00"),
    /* RTCP by the heuristic: padding. */
    B(6, 1, 31018, 31019, "\xa0\xc9\x00\x02\x00\x00\x00\x01\x00\x00\x00\x04"),
    /* RTCP by the heuristic: XR first: not RTCP. */
    B(6, 1, 31020, 31021, "\x80\xcf\x00\x01\x00\x00\x00\x00"),
    /* RTCP by the heuristic: RR with two blocks. */
    B(6, 1, 31022, 31023, "\x82\xc9\x00\x0d\x00\x00\x00\x99Ufw\x88\x10\xff\xff\xfe\x00\x01\x00\x05\x00\x00\x00\x14\x11\x11\x22\x22\x00\x01\x00\x00Ufw\x88\x10\xff\xff\xfe\x00\x01\x00\x05\x00\x00\x00\x14\x11\x11\x22\x22\x00\x01\x00\x00"),
    /* RTCP by the heuristic: not a multiple of 4. */
    B(6, 1, 31024, 31025, "\x80\xc9\x00\x01\x11\x22" "3D\x00"),
    /* RTCP by the heuristic: version 1. */
    B(6, 1, 31026, 31027, "@\xc9\x00\x01\x00\x00\x00\x01"),
    /* RTCP by the heuristic: SR with a report block cut. */
    B(6, 1, 31028, 31029, "\x81\xc8\x00\x0c\x11\x22" "3D\xe5\xf1\xa2\xb3\x80\x00\x00\x00\x00\x00\x00\xa0\x00\x00\x00\x0a\x00\x00\x06@Ufw\x88\x10\xff\xff\xfe\x00\x01\x00\x05"),
    /* RTP and RTCP to the endpoints the SDPs above announced. */
    /* RTP from the answer's endpoint to the offer's. */
    B(2, 1, 20000, 49170, "\x80\x00\x00\x01\x00\x00\x00\xa0\x11\x22" "3D\xff\xff\xff\xff\xff\xff\xff\xff"),
    /* RTP back, marker, two CSRCs, an extension and padding. */
    B(1, 2, 49170, 20000, "\xb2\x88\x00\x02\x00\x00\x01@Ufw\x88\x00\x00\x00\x05\x00\x00\x00\x06\x12" "4\x00\x02\xaa\xbb\xcc\xdd\x00\x00\x00\x11\x01\x02\x00\x03"),
    /* RTP from any peer to the learned endpoint (the frame before the SDP was data). */
    B(9, 1, 30000, 49170, "\x80\x00\x00\x03\x00\x00\x01\xe0\x00\x00\x00\x99\x01\x02\x03\x04"),
    /* RTP to the video endpoint, RFC 8285 one-byte extension. */
    B(3, 5, 31000, 51372, "\x90\x08\x00\x07\x00\x00\x00\xa0\x11\x22" "3D\xbe\xde\x00\x01\x10\xaa\x00\x00\x01\x02"),
    /* RTP, two-byte extension. */
    B(3, 5, 31000, 51372, "\x90\x08\x00\x08\x00\x00\x00\xa0\x11\x22" "3D\x10\x00\x00\x02\x01\x02\xaa\xbb\x00\x00\x00\x00\x01\x02"),
    /* RTP under 12 bytes. */
    B(2, 1, 20000, 49170, "\x80\x00\x00"),
    /* RTP: the header only. */
    B(2, 1, 20000, 49170, "\x80\x00\x00\x09\x00\x00\x00\xa0\x00\x00\x00\x01"),
    /* RTP with CSRCs cut short. */
    B(2, 1, 20000, 49170, "\x8f\x00\x00\x0a\x00\x00\x00\xa0\x00\x00\x00\x01\x01"),
    /* RTP, padding count beyond the payload. */
    B(2, 1, 20000, 49170, "\xa0\x00\x00\x0b\x00\x00\x00\xa0\x00\x00\x00\x01\x01\x02\x00\x09"),
    /* RTP, extension cut short. */
    B(2, 1, 20000, 49170, "\x90\x00\x00\x0c\x00\x00\x00\xa0\x00\x00\x00\x01\x12" "4\x00\x03\x01\x02\x03\x04"),
    /* RTCP on the learned port + 1: an SDES first (not the heuristic's). */
    B(2, 1, 20001, 49171, "\x81\xca\x00\x03\x11\x22" "3D\x01\x03" "bob\x00\x00\x00\x00"),
    /* RTCP on the learned port + 1: a length not a multiple of 4. */
    B(2, 1, 20001, 49171, "\x80\xc9\x00\x01\x00\x00\x00\x01\x00"),
    /* UDP to the port after RTCP's: data. */
    B(2, 1, 20002, 49172, "\x80\x00\x00\x01"),
    /* RTP to the answer's endpoint. */
    B(1, 2, 49170, 20000, "\x80\x08\x00\x0d\x00\x00\x00\xa0Ufw\x88\x00\x00\x00\x00"),
};
#define NVOIP (sizeof(voip_pkts) / sizeof(voip_pkts[0]))

/* Calls for the setup frame RTP and RTCP show (rtp.setup-frame,
 * rtcp.setup-frame): an SDP of 10.0.0.A on port P, a SIP message with it
 * (or without a body), and an RTP and an RTCP packet. */
#define CSDP(a, p) "v=0\r\no=x 1 1 IN IP4 10.0.0." a "\r\ns=-\r\nc=IN IP4 10.0.0." a "\r\nt=0 0\r\nm=audio " p " RTP/AVP 0\r\n"
#define CMSG(first, cid, cseq) first "\r\nVia: SIP/2.0/UDP x;branch=z9hG4bK" cid "\r\nCall-ID: " cid "\r\nCSeq: " cseq "\r\n"
#define CSIP(first, cid, cseq, a, p) CMSG(first, cid, cseq) "Content-Type: application/sdp\r\n\r\n" CSDP(a, p)
#define CNOSDP(first, cid, cseq) CMSG(first, cid, cseq) "Content-Length: 0\r\n\r\n"
#define INV "INVITE sip:b@x SIP/2.0"
#define OK200 "SIP/2.0 200 OK"
#define RTPV "\x80\x00\x00\x01\x00\x00\x00\xa0\x11\x22" "3D\xff\xff\xff\xff"
#define RTCPV "\x80\xc9\x00\x01\x11\x22" "3D"

static const pkt_t call_pkts[] = {
    /* 1-8: an offer in an INVITE, its answer in the 200 OK: the answer's
     * endpoints show the INVITE's frame too. */
    U(1, 2, 5060, 5060, CSIP(INV, "c1", "1 INVITE", "1", "40000")),
    U(2, 1, 5060, 5060, CNOSDP("SIP/2.0 100 Trying", "c1", "1 INVITE")),
    U(2, 1, 5060, 5060, CSIP(OK200, "c1", "1 INVITE", "2", "20000")),
    U(1, 2, 5060, 5060, CNOSDP("ACK sip:b@x SIP/2.0", "c1", "1 ACK")),
    B(2, 1, 20000, 40000, RTPV),
    B(1, 2, 40000, 20000, RTPV),
    B(2, 1, 20001, 40001, RTCPV),
    B(1, 2, 40001, 20001, RTCPV),
    /* 9-13: a re-INVITE of the call with other ports: its frame; the old
     * endpoints keep theirs. */
    U(1, 2, 5060, 5060, CSIP(INV, "c1", "2 INVITE", "1", "40010")),
    U(2, 1, 5060, 5060, CSIP(OK200, "c1", "2 INVITE", "2", "20010")),
    B(2, 1, 20010, 40010, RTPV),
    B(9, 2, 30000, 20010, RTPV),
    B(2, 1, 20000, 40000, RTPV),
    /* 14-17: a re-INVITE with the first ports again: its frame. */
    U(1, 2, 5060, 5060, CSIP(INV, "c1", "3 INVITE", "1", "40000")),
    U(2, 1, 5060, 5060, CSIP(OK200, "c1", "3 INVITE", "2", "20000")),
    B(2, 1, 20000, 40000, RTPV),
    B(9, 2, 30000, 20000, RTPV),
    /* 18-22: a late offer: the INVITE has none, the 200 OK offers (the
     * INVITE's frame), the ACK answers (its own). */
    U(3, 2, 5060, 5060, CNOSDP(INV, "c2", "1 INVITE")),
    U(2, 3, 5060, 5060, CSIP(OK200, "c2", "1 INVITE", "2", "20020")),
    U(3, 2, 5060, 5060, CSIP("ACK sip:b@x SIP/2.0", "c2", "1 ACK", "3", "30020")),
    B(3, 2, 30020, 20020, RTPV), /* the destination's announcement first */
    B(2, 3, 20020, 30020, RTPV),
    /* 23-29: two calls at once, answered in the other order. */
    U(4, 2, 5060, 5060, CSIP(INV, "c3", "1 INVITE", "4", "40030")),
    U(5, 2, 5060, 5060, CSIP(INV, "c4", "1 INVITE", "5", "40040")),
    U(2, 5, 5060, 5060, CSIP(OK200, "c4", "1 INVITE", "2", "20040")),
    U(2, 4, 5060, 5060, CSIP(OK200, "c3", "1 INVITE", "2", "20030")),
    B(2, 4, 20030, 40030, RTPV),
    B(9, 2, 30000, 20040, RTPV),
    B(9, 2, 30000, 20031, RTCPV),
    /* 30-37: early media in a 183 (its own frame); a PRACK between the
     * INVITE and its 200 OK: tshark no longer finds the INVITE (one
     * request per Call-ID and direction), the 200 OK shows its own. */
    U(1, 2, 5060, 5060, CSIP(INV, "a", "1 INVITE", "1", "40100")),
    U(2, 1, 5060, 5060, CSIP("SIP/2.0 183 Session Progress", "a", "1 INVITE", "2", "20100")),
    B(9, 2, 30000, 20100, RTPV),
    U(1, 2, 5060, 5060, CNOSDP("PRACK sip:b@x SIP/2.0", "a", "2 PRACK")),
    U(2, 1, 5060, 5060, CNOSDP(OK200, "a", "2 PRACK")),
    U(2, 1, 5060, 5060, CSIP(OK200, "a", "1 INVITE", "2", "20102")),
    B(9, 2, 30000, 20102, RTPV),
    B(1, 2, 40100, 20102, RTPV),
    /* 38-40: a rejection with SDP announces with the INVITE's frame. */
    U(3, 2, 5060, 5060, CSIP(INV, "b", "1 INVITE", "3", "40110")),
    U(2, 3, 5060, 5060, CSIP("SIP/2.0 486 Busy Here", "b", "1 INVITE", "2", "20110")),
    B(9, 2, 30000, 20110, RTPV),
    /* 41-46: a repeated INVITE announces nothing, a repeated 200 OK its
     * own frame. */
    U(4, 2, 5060, 5060, CSIP(INV, "c", "1 INVITE", "4", "40120")),
    U(4, 2, 5060, 5060, CSIP(INV, "c", "1 INVITE", "4", "40120")),
    U(2, 4, 5060, 5060, CSIP(OK200, "c", "1 INVITE", "2", "20120")),
    U(2, 4, 5060, 5060, CSIP(OK200, "c", "1 INVITE", "2", "20120")),
    B(4, 2, 40120, 20120, RTPV),
    B(2, 4, 20120, 40120, RTPV),
    /* 47-52: a 200 OK from another port, and one to another port than the
     * INVITE's: no request, their own frames. */
    U(5, 2, 5060, 5060, CSIP(INV, "d", "1 INVITE", "5", "40130")),
    U(2, 5, 5062, 5060, CSIP(OK200, "d", "1 INVITE", "2", "20130")),
    B(5, 2, 40130, 20130, RTPV),
    U(6, 2, 5070, 5060, CSIP(INV, "e", "1 INVITE", "6", "40140")),
    U(2, 6, 5060, 5080, CSIP(OK200, "e", "1 INVITE", "2", "20140")),
    B(6, 2, 40140, 20140, RTPV),
    /* 53-56: over TCP tshark matches no request: the 200 OK's own frame. */
    TS(7, 2, 41000, 5060, 1000, CSIP(INV, "f", "1 INVITE", "7", "40150")),
    TS(2, 7, 5060, 41000, 5000, CSIP(OK200, "f", "1 INVITE", "2", "20150")),
    B(9, 2, 30000, 20150, RTPV),
    B(9, 7, 30000, 40150, RTPV),
    /* 57-58: a 200 OK without its request. */
    U(8, 2, 5060, 5060, CSIP(OK200, "g", "1 INVITE", "2", "20160")),
    B(8, 2, 40160, 20160, RTPV),
    /* 59-61: an UPDATE in call "a" and its answer. */
    U(1, 2, 5060, 5060, CSIP("UPDATE sip:b@x SIP/2.0", "a", "3 UPDATE", "1", "40170")),
    U(2, 1, 5060, 5060, CSIP(OK200, "a", "3 UPDATE", "2", "20170")),
    B(2, 1, 20170, 40170, RTPV),
    /* 62-66: a re-INVITE of call "a" the other way. */
    U(2, 1, 5060, 5060, CSIP("INVITE sip:a@x SIP/2.0", "a", "1 INVITE", "2", "20180")),
    U(1, 2, 5060, 5060, CSIP(OK200, "a", "1 INVITE", "1", "40180")),
    B(1, 2, 40180, 20180, RTPV),
    B(2, 1, 20181, 40181, RTCPV),
    B(9, 1, 30000, 40181, RTCPV),
    /* 67-72: source and destination both announced, by frames 30 and 35
     * (2:20100 early, 2:20102 in the 200 OK) and 35's own: the
     * destination's. */
    B(2, 2, 20100, 20102, RTPV),
    B(2, 2, 20102, 20100, RTPV),
    B(2, 2, 20101, 20103, RTCPV),
    B(2, 2, 20103, 20101, RTCPV),
    B(2, 9, 20100, 30002, RTPV),
    B(2, 9, 20101, 30003, RTCPV),
    /* 73-75: an ACK with SDP after an answered offer: its own frame. */
    U(1, 2, 5060, 5060, CSIP("ACK sip:b@x SIP/2.0", "c1", "3 ACK", "1", "40190")),
    B(9, 1, 30000, 40190, RTPV),
    B(9, 1, 30000, 40191, RTCPV),
    /* 76-79: two media lines. */
    U(4, 2, 5060, 5060, CSIP(INV, "m", "1 INVITE", "4", "40200") "m=video 40202 RTP/AVP 31\r\n"),
    U(2, 4, 5060, 5060, CSIP(OK200, "m", "1 INVITE", "2", "20200") "m=video 20202 RTP/AVP 31\r\n"),
    B(9, 2, 30000, 20202, RTPV),
    B(9, 4, 30000, 40202, RTPV),
    /* 80-83: a second final answer (another code, so not a repetition) to
     * an answered INVITE announces nothing. */
    U(5, 2, 5060, 5060, CSIP(INV, "h", "1 INVITE", "5", "40210")),
    U(2, 5, 5060, 5060, CSIP(OK200, "h", "1 INVITE", "2", "20210")),
    U(2, 5, 5060, 5060, CSIP("SIP/2.0 202 Accepted", "h", "1 INVITE", "2", "20212")),
    B(9, 2, 30000, 20212, RTPV),
    /* 84-88: two answers announce one endpoint, the later one for the
     * earlier INVITE: tshark's conversation with the latest setup frame
     * (the INVITE of frame 85) wins, not the latest announcement. */
    U(6, 2, 5060, 5060, CSIP(INV, "x", "1 INVITE", "6", "40220")),
    U(7, 2, 5060, 5060, CSIP(INV, "y", "1 INVITE", "7", "40230")),
    U(2, 7, 5060, 5060, CSIP(OK200, "y", "1 INVITE", "2", "20220")),
    U(2, 6, 5060, 5060, CSIP(OK200, "x", "1 INVITE", "2", "20220")),
    B(9, 2, 30000, 20220, RTPV),
    /* 89-92: the destination's announcement decides between RTP and RTCP
     * too: RTP from 10.0.0.6's RTCP port to 10.0.0.7's RTP port is RTP,
     * RTCP the other way RTCP (the setup frame of 6's INVITE, though 7's
     * is later). */
    U(6, 2, 5060, 5060, CSIP(INV, "z1", "1 INVITE", "6", "6000")),
    U(7, 2, 5060, 5060, CSIP(INV, "z2", "1 INVITE", "7", "7000")),
    B(6, 7, 6001, 7000, RTPV),
    B(7, 6, 7000, 6001, RTCPV),
};
#define NCALLS (sizeof(call_pkts) / sizeof(call_pkts[0]))

/* SIP over UDP and a TCP connection between the same two endpoints: a TCP
 * SYN that starts a new conversation on the ports (learn.c, nmx__fact_syn)
 * must leave the UDP transaction alone, as tshark keeps the two transports
 * apart.  The repeated INVITE is then a repetition of the first, whose
 * offer stays the one the RTP shows (setup frame 1, not 4). */
static const pkt_t apart_pkts[] = {
    U(1, 2, 5060, 5060, CSIP(INV, "t1", "1 INVITE", "1", "40200")),
    TSYN(1, 2, 5060, 5060, 5000),
    TSYN(1, 2, 5060, 5060, 9000), /* a new TCP conversation */
    U(1, 2, 5060, 5060, CSIP(INV, "t1", "1 INVITE", "1", "40200")),
    B(2, 1, 30000, 40200, RTPV),
};
#define NAPART (sizeof(apart_pkts) / sizeof(apart_pkts[0]))

/* HTTP/2 in cleartext: connection prefaces on HTTP ports, with the frames
 * that follow in the segment; then later segments of the first connection,
 * both ways (learned), and another connection to the server (HTTP). */
static const pkt_t h2_pkts[] = {
    /* the preface and SETTINGS. */
    TB(7, 2, 40000, 80, "PRI * HTTP/2.0\x0d\x0a\x0d\x0aSM\x0d\x0a\x0d\x0a\x00\x00*\x04\x00\x00\x00\x00\x00\x00\x01\x00\x00\x10\x00\x00\x02\x00\x00\x00\x00\x00\x03\x00\x00\x00" "d\x00\x04\x00\x00\xff\xff\x00\x05\x00\x00@\x00\x00\x06\x00\x00 \x00\x00\x09\x00\x00\x00\x01"),
    /* the preface alone. */
    TB(7, 2, 40001, 80, "PRI * HTTP/2.0\x0d\x0a\x0d\x0aSM\x0d\x0a\x0d\x0a"),
    /* the preface, SETTINGS cut short. */
    TB(7, 2, 40002, 80, "PRI * HTTP/2.0\x0d\x0a\x0d\x0aSM\x0d\x0a\x0d\x0a\x00\x00*\x04\x00\x00\x00\x00\x00\x00\x01\x00\x00\x10\x00\x00\x02\x00\x00\x00"),
    /* the preface, a frame header cut short. */
    TB(7, 2, 40003, 80, "PRI * HTTP/2.0\x0d\x0a\x0d\x0aSM\x0d\x0a\x0d\x0a\x00\x00*\x04\x00"),
    /* the preface, HEADERS with priority, DATA, PING, PONG. */
    TB(7, 2, 40004, 80, "PRI * HTTP/2.0\x0d\x0a\x0d\x0aSM\x0d\x0a\x0d\x0a\x00\x00\x14\x01%\x00\x00\x00\x01\x80\x00\x00\x03\x10\x82\x86\x84" "A\x8a\x08\x9d\x5c\x0b\x81p\xdcx\x0f\x03\x00\x00\x05\x00\x01\x00\x00\x00\x03world\x00\x00\x08\x06\x00\x00\x00\x00\x00" "12345678\x00\x00\x08\x06\x01\x00\x00\x00\x00" "12345678"),
    /* the preface, HEADERS padded, WINDOW_UPDATE, RST_STREAM, GOAWAY, PRIORITY, an unknown type, SETTINGS ACK. */
    TB(7, 2, 40005, 8080, "PRI * HTTP/2.0\x0d\x0a\x0d\x0aSM\x0d\x0a\x0d\x0a\x00\x00\x06\x01\x0c\x00\x00\x00\x03\x02\x82\x86\x84\x00\x00\x00\x00\x04\x08\x00\x00\x00\x00\x00\x80\x00\x03\xe8\x00\x00\x04\x03\x00\x00\x00\x00\x01\x00\x00\x00\x08\x00\x00\x0b\x07\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x02" "bye\x00\x00\x05\x02\x00\x00\x00\x00\x05\x00\x00\x00\x01\x0f\x00\x00\x02 \xff\x00\x00\x00\x07xy\x00\x00\x00\x04\x01\x00\x00\x00\x00"),
    /* the preface on a port without HTTP: data. */
    TB(7, 2, 40006, 8081, "PRI * HTTP/2.0\x0d\x0a\x0d\x0aSM\x0d\x0a\x0d\x0a\x00\x00*\x04\x00\x00\x00\x00\x00\x00\x01\x00\x00\x10\x00\x00\x02\x00\x00\x00\x00\x00\x03\x00\x00\x00" "d\x00\x04\x00\x00\xff\xff\x00\x05\x00\x00@\x00\x00\x06\x00\x00 \x00\x00\x09\x00\x00\x00\x01"),
    /* not quite the preface: HTTP. */
    TB(7, 2, 40008, 80, "PRI * HTTP/2.0\x0d\x0a\x0d\x0aSM\x0d\x0a\x0d"),
    /* The first connection goes on, both ways: HTTP/2 (learned). */
    /* the server's SETTINGS and ACK (learned). */
    TS(2, 7, 80, 40000, 5000, "\x00\x00*\x04\x00\x00\x00\x00\x00\x00\x01\x00\x00\x10\x00\x00\x02\x00\x00\x00\x00\x00\x03\x00\x00\x00" "d\x00\x04\x00\x00\xff\xff\x00\x05\x00\x00@\x00\x00\x06\x00\x00 \x00\x00\x09\x00\x00\x00\x01\x00\x00\x00\x04\x01\x00\x00\x00\x00"),
    /* the client's HEADERS and WINDOW_UPDATE. */
    TS(7, 2, 40000, 80, 1075, "\x00\x00\x14\x01%\x00\x00\x00\x01\x80\x00\x00\x03\x10\x82\x86\x84" "A\x8a\x08\x9d\x5c\x0b\x81p\xdcx\x0f\x03\x00\x00\x04\x08\x00\x00\x00\x00\x00\x80\x00\x03\xe8"),
    /* the server's DATA and GOAWAY. */
    TS(2, 7, 80, 40000, 5060, "\x00\x00\x09\x00\x09\x00\x00\x00\x01\x03hello\x00\x00\x00\x00\x00\x0b\x07\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x02" "bye"),
    /* another connection to the same server: HTTP. */
    TS(7, 2, 40010, 80, 0, "GET / HTTP/1.1\x0d\x0aHost: x\x0d\x0a\x0d\x0a"),
};
#define NH2 (sizeof(h2_pkts) / sizeof(h2_pkts[0]))

/* QUIC datagrams by tshark's heuristic (to UDP 443, which tshark gives
 * no dissector of its own): every long-header type, coalesced packets
 * (a short header's DCID known from an Initial; padding, recognised by a
 * DCID that is not the first packet's), versions and lengths the
 * heuristic turns down, headers cut short. */
static const pkt_t quic_pkts[] = {
    /* an Initial without a token. */
    B(8, 2, 50000, 443, "\xc1\x00\x00\x00\x01\x08\x01\x02\x03\x04\x05\x06\x07\x08\x04\xa1\xa2\xa3\xa4\x00@P\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'"),
    /* an Initial with a token. */
    B(8, 2, 50001, 443, "\xc1\x00\x00\x00\x01\x08\x01\x02\x03\x04\x05\x06\x07\x08\x04\xa1\xa2\xa3\xa4\x04tok\x01(\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'"),
    /* a Handshake packet. */
    B(8, 2, 50002, 443, "\xe1\x00\x00\x00\x01\x08\x01\x02\x03\x04\x05\x06\x07\x08\x04\xa1\xa2\xa3\xa4(\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'"),
    /* a 0-RTT packet. */
    B(8, 2, 50003, 443, "\xd1\x00\x00\x00\x01\x08\x01\x02\x03\x04\x05\x06\x07\x08\x04\xa1\xa2\xa3\xa4(\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'"),
    /* a Retry. */
    B(8, 2, 50004, 443, "\xf0\x00\x00\x00\x01\x08\x01\x02\x03\x04\x05\x06\x07\x08\x04\xa1\xa2\xa3\xa4\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00rrrrrrrrrrrrrrrr"),
    /* Version Negotiation: not QUIC for the heuristic. */
    B(8, 2, 50005, 443, "\x80\x00\x00\x00\x00\x08\x01\x02\x03\x04\x05\x06\x07\x08\x04\xa1\xa2\xa3\xa4\x00\x00\x00\x01\xff\x00\x00\x1d"),
    /* a short header alone: not QUIC without the connection. */
    B(8, 2, 50006, 443, "@\x01\x02\x03\x04\x05\x06\x07\x08\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'"),
    /* Handshake and a short header coalesced. */
    B(8, 2, 50007, 443, "\xe1\x00\x00\x00\x01\x08\x01\x02\x03\x04\x05\x06\x07\x08\x04\xa1\xa2\xa3\xa4(\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'`\x01\x02\x03\x04\x05\x06\x07\x08\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'"),
    /* Initial and Handshake coalesced. */
    B(8, 2, 50008, 443, "\xc1\x00\x00\x00\x01\x08\x01\x02\x03\x04\x05\x06\x07\x08\x04\xa1\xa2\xa3\xa4\x00(\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'\xe1\x00\x00\x00\x01\x08\x01\x02\x03\x04\x05\x06\x07\x08\x04\xa1\xa2\xa3\xa4(\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'"),
    /* draft 29. */
    B(8, 2, 50009, 443, "\xe1\xff\x00\x00\x1d\x08\x01\x02\x03\x04\x05\x06\x07\x08\x04\xa1\xa2\xa3\xa4(\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'"),
    /* draft 10: not QUIC. */
    B(8, 2, 50010, 443, "\xe1\xff\x00\x00\x0a\x08\x01\x02\x03\x04\x05\x06\x07\x08\x04\xa1\xa2\xa3\xa4(\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'"),
    /* an unknown version: not QUIC. */
    B(8, 2, 50011, 443, "\xe1\x12" "4Vx\x08\x01\x02\x03\x04\x05\x06\x07\x08\x04\xa1\xa2\xa3\xa4(\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'"),
    /* QUIC v2. */
    B(8, 2, 50012, 443, "\xe1k3C\xcf\x08\x01\x02\x03\x04\x05\x06\x07\x08\x04\xa1\xa2\xa3\xa4(\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'"),
    /* a DCID of 21 bytes: not QUIC. */
    B(8, 2, 50013, 443, "\xe1\x00\x00\x00\x01\x15\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\xa1\xa2\xa3\xa4(\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'"),
    /* empty connection IDs. */
    B(8, 2, 50014, 443, "\xe1\x00\x00\x00\x01\x00\x00(\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'"),
    /* 12 bytes: not QUIC. */
    B(8, 2, 50015, 443, "\xe1\x00\x00\x00\x01\x08\x01\x02\x03\x04\x05\x06"),
    /* cut in the SCID. */
    B(8, 2, 50016, 443, "\xe1\x00\x00\x00\x01\x08\x01\x02\x03\x04\x05\x06\x07\x08\x04\xa1"),
    /* a Length beyond the datagram. */
    B(8, 2, 50017, 443, "\xe1\x00\x00\x00\x01\x08\x01\x02\x03\x04\x05\x06\x07\x08\x04\xa1\xa2\xa3\xa4(\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09"),
    /* a client's Initial (SCID a1a2a3a4) ... */
    B(8, 2, 50018, 443, "\xc1\x00\x00\x00\x01\x08\x01\x02\x03\x04\x05\x06\x07\x08\x04\xa1\xa2\xa3\xa4\x00@P\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'"),
    /* ... and the server's answer, an Initial and a short header with the
     * client's connection ID: tshark knows the connection and shows the
     * DCID (here, its length is the first packet's DCID's). */
    B(2, 8, 443, 50018, "\xc1\x00\x00\x00\x01\x04\xa1\xa2\xa3\xa4\x06\xb1\xb2\xb3\xb4\xb5\xb6\x00(" "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'" "`\xa1\xa2\xa3\xa4" "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'"),
    /* an Initial and zeros appended: padding, a QUIC item without fields. */
    B(8, 2, 50019, 443, "\xc1\x00\x00\x00\x01\x08\x01\x02\x03\x04\x05\x06\x07\x08\x04\xa1\xa2\xa3\xa4\x00@P\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'" "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"),
    /* an Initial and a short header with another DCID: padding. */
    B(8, 2, 50020, 443, "\xc1\x00\x00\x00\x01\x08\x01\x02\x03\x04\x05\x06\x07\x08\x04\xa1\xa2\xa3\xa4\x00@P\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'" "`\x11\x12\x13\x14\x15\x16\x17\x18" "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'"),
    /* a Handshake and another with a different DCID: padding. */
    B(8, 2, 50021, 443, "\xe1\x00\x00\x00\x01\x08\x01\x02\x03\x04\x05\x06\x07\x08\x04\xa1\xa2\xa3\xa4(\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'" "\xe1\x00\x00\x00\x01\x08\x11\x12\x13\x14\x15\x16\x17\x18\x04\xa1\xa2\xa3\xa4(" "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'"),
    /* Later datagrams of 50018's connection that start with a short
     * header: QUIC, with a DCID as long as the SCID its receiver sent (6
     * bytes to the server, 4 to the client). */
    B(8, 2, 50018, 443, "@\xb1\xb2\xb3\xb4\xb5\xb6" "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'"),
    B(2, 8, 443, 50018, "@\xa1\xa2\xa3\xa4" "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'"),
    /* 50019's server has not answered: QUIC, the DCID's length unknown. */
    B(8, 2, 50019, 443, "@\x01\x02\x03\x04\x05\x06\x07\x08" "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !\x22#$%&'"),
};
#define NQUIC (sizeof(quic_pkts) / sizeof(quic_pkts[0]))

/* The set being written. */
static const pkt_t *pkts;

/* Frame i: Ethernet, IPv4, UDP or TCP, payload. */
static size_t frame_bytes(size_t i, uint8_t *b, size_t cap)
{
    const pkt_t *p = &pkts[i];
    size_t l4 = (p->tcp ? 20 : 8) + p->len, tot = 20 + l4;
    if (14 + tot > cap)
        return 0;
    static const uint8_t eth[14] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x00};
    memcpy(b, eth, 14);
    const uint8_t ip[20] = {0x45, 0, (uint8_t)(tot >> 8), (uint8_t)tot, 0, 1, 0, 0, 64, p->tcp ? 6 : 17, 0, 0,
                            10, 0, 0, p->src, 10, 0, 0, p->dst};
    memcpy(b + 14, ip, 20);
    uint8_t *h = b + 34;
    h[0] = (uint8_t)(p->sport >> 8);
    h[1] = (uint8_t)p->sport;
    h[2] = (uint8_t)(p->dport >> 8);
    h[3] = (uint8_t)p->dport;
    if (p->tcp) {
        uint32_t seq = p->seq ? p->seq : 1000 + (uint32_t)i;
        uint8_t ack = p->syn ? 0 : 0x07;
        const uint8_t th[16] = {(uint8_t)(seq >> 24), (uint8_t)(seq >> 16), (uint8_t)(seq >> 8), (uint8_t)seq,
                                0, 0, ack, p->syn ? 0 : 0xd0, 0x50, p->syn ? 0x02 : 0x18, 0x20, 0x00, 0, 0, 0, 0};
        memcpy(h + 4, th, 16);
    } else {
        h[4] = (uint8_t)(l4 >> 8);
        h[5] = (uint8_t)l4;
        h[6] = h[7] = 0;
    }
    memcpy(h + (p->tcp ? 20 : 8), p->payload, p->len);
    return 34 + l4;
}

static const char *const protos[] = {"sip", "sdp", "rtp", "rtcp", "http2", "http", "quic", "eth", "ip", "udp", "tcp"};
#define NPROTOS (sizeof(protos) / sizeof(protos[0]))

/* The frames io,phs must count for each new protocol. */
static const tsu_count_t expect[] = {
    {"sip", 21},
    {"sdp", 0},
    {"rtcp", 17},
    {"rtp", 10}, /* not the one under 12 bytes */
};

/* Writes set (n frames) to a capture and compares it with tshark, each
 * segment on its own (tshark's TCP desegmentation off, as here). */
static void check_set(const char *label, const pkt_t *set, size_t n, const tsu_count_t *want, size_t nwant)
{
    if (!tsu_have_tshark()) {
        NMX_SKIP();
        return;
    }
    pkts = set;
    assert_int_equal(tsu_check_built(label, n, frame_bytes, protos, NPROTOS, want, nwant), 0);
}

static void test_voip_agree(void **state)
{
    (void)state;
    check_set("VoIP", voip_pkts, NVOIP, expect, sizeof(expect) / sizeof(expect[0]));
}

/* The frames io,phs must count in the calls. */
static const tsu_count_t call_expect[] = {
    {"sip", 49},
    {"rtp", 32},
    {"rtcp", 10},
};

/* udp.stream: tshark numbers a datagram to or from an endpoint an SDP
 * announced by the conversation the SDP made (the source's first, a new
 * one for each setup frame), which streams.c does not know (difference 21
 * in docs/protocols.md); the calls send to such endpoints from many peers. */
static bool learned_stream(uint32_t frame, const char *key)
{
    (void)frame;
    return strcmp(key, "udp.stream") == 0;
}

static void test_calls_agree(void **state)
{
    (void)state;
    tsu_skip = learned_stream;
    check_set("VoIP calls", call_pkts, NCALLS, call_expect, sizeof(call_expect) / sizeof(call_expect[0]));
    tsu_skip = NULL;
}

static const tsu_count_t apart_expect[] = {
    {"sip", 2},
    {"rtp", 1},
};

static void test_transports_apart(void **state)
{
    (void)state;
    check_set("SIP over UDP beside TCP", apart_pkts, NAPART, apart_expect,
              sizeof(apart_expect) / sizeof(apart_expect[0]));
}

/* The frames io,phs must count for HTTP/2 (a layer per frame). */
static const tsu_count_t h2_expect[] = {
    {"http2", 26},
    {"http", 1},
};

static void test_http2_agree(void **state)
{
    (void)state;
    check_set("HTTP/2", h2_pkts, NH2, h2_expect, sizeof(h2_expect) / sizeof(h2_expect[0]));
}

/* The QUIC packets io,phs must count (coalesced ones nested). */
static const tsu_count_t quic_expect[] = {
    {"quic", 26},
};

static void test_quic_agree(void **state)
{
    (void)state;
    check_set("QUIC", quic_pkts, NQUIC, quic_expect, sizeof(quic_expect) / sizeof(quic_expect[0]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_voip_agree, tsu_tmp_remove),
        cmocka_unit_test_teardown(test_calls_agree, tsu_tmp_remove),
        cmocka_unit_test_teardown(test_transports_apart, tsu_tmp_remove),
        cmocka_unit_test_teardown(test_http2_agree, tsu_tmp_remove),
        cmocka_unit_test_teardown(test_quic_agree, tsu_tmp_remove),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
