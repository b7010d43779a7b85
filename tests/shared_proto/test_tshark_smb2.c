/*
 * test_tshark_smb2.c - hand-built SMB2 compound messages against tshark 4.0:
 * chains of two and three headers (requests and responses, on 445 and on
 * 139), a single header, and the odd chains: a NextCommand past the
 * message or exactly at its end, one pointing at bytes that are not an SMB2
 * header, one below 64 (into the header itself), a chained header cut by
 * the segment end.
 *
 * tshark makes one smb2 protocol item per chained header, so `-z io,phs`
 * counts smb2 inside smb2; the Protocol Distribution expert counts our
 * recognize table's layers.  The frames are written to a pcap in $TMPDIR,
 * read back by the capture layer and dissected with their context as the
 * runtime does, then compared with `tshark -T fields -E occurrence=a` for
 * every nbss and smb2 property and frame.protocols, frame by frame, and
 * with io,phs for the number of each protocol's layers.  Then DCE/RPC in
 * SMB2 and SMB named pipes (below), and PDUs split over two pipe messages,
 * each message dissected on its own as tshark does with its pipe
 * reassembly off (the reference options, tests/tshark-reference.opts).
 * Skipped when tshark is not installed; the temporary directory is
 * removed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../nmx_skip.h"
#include "capture/capture.h"
#include "proto/proto.h"
#include "tshark_util.h"

/* One chained header of a frame: command, NextCommand, message id, and how
 * many of its 64 + 8 bytes (header and ECHO body with padding) are sent. */
struct hdr {
    uint16_t cmd;
    uint32_t next;
    uint64_t mid;
    size_t len;
};

/* A frame: TCP ports, response flag, the headers; garbage_after adds 72
 * bytes that are not an SMB2 header after the headers. */
static const struct spec {
    unsigned sport, dport;
    bool response;
    size_t nh;
    struct hdr h[3];
    bool garbage_after;
} frames[] = {
    {50001, 445, false, 3, {{13, 72, 1, 72}, {13, 72, 2, 72}, {13, 0, 3, 68}}, false},
    {445, 50001, true, 2, {{13, 72, 1, 72}, {13, 0, 2, 68}}, false},
    {50002, 445, false, 1, {{13, 0, 4, 68}}, false},
    {50003, 445, false, 2, {{13, 72, 5, 72}, {13, 4096, 6, 68}}, false},
    {50004, 445, false, 1, {{13, 72, 7, 72}}, true},
    {50005, 445, false, 2, {{13, 72, 8, 72}, {13, 0, 9, 40}}, false},
    {50006, 445, false, 2, {{13, 32, 10, 72}, {13, 0, 11, 68}}, false},
    {50007, 139, false, 2, {{13, 72, 12, 72}, {13, 0, 13, 68}}, false},
    {139, 50007, true, 3, {{13, 72, 12, 72}, {13, 72, 13, 72}, {13, 0, 14, 68}}, false},
    {50008, 445, false, 2, {{13, 72, 15, 72}, {13, 68, 16, 68}}, false},
};
#define NFRAMES (sizeof(frames) / sizeof(frames[0]))

static void le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void be(uint8_t *p, uint32_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* Ethernet + IPv4 + TCP + NBSS + the headers into b; returns the length. */
static size_t build(const struct spec *s, uint8_t *b)
{
    uint8_t m[512];
    size_t ml = 0;
    for (size_t i = 0; i < s->nh; i++) {
        uint8_t h[72] = {0xFE, 'S', 'M', 'B'};
        le(h + 4, 64, 2);
        le(h + 12, s->h[i].cmd, 2);
        le(h + 14, 1, 2);
        le(h + 16, s->response ? 1 : 0, 4);
        le(h + 20, s->h[i].next, 4);
        le(h + 24, s->h[i].mid, 8);
        le(h + 36, 7, 4);
        le(h + 40, 0x11, 8);
        le(h + 64, 4, 2); /* ECHO body: StructureSize 4, reserved */
        memcpy(m + ml, h, s->h[i].len);
        ml += s->h[i].len;
    }
    if (s->garbage_after)
        for (int i = 0; i < 72; i++)
            m[ml++] = (uint8_t)"garbage!"[i % 8];
    static const uint8_t eth_ip[34] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
                                       0x08, 0x00, 0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0,
                                       192, 168, 0, 1, 192, 168, 0, 2};
    size_t n = 0;
    memcpy(b, eth_ip, sizeof(eth_ip));
    n += sizeof(eth_ip);
    be(b + 16, (uint32_t)(20 + 20 + 4 + ml), 2);
    uint8_t tcp[20] = {0};
    be(tcp, s->sport, 2);
    be(tcp + 2, s->dport, 2);
    tcp[7] = 1;     /* sequence number 1 */
    tcp[12] = 0x50; /* header length 20 */
    tcp[13] = 0x18; /* PSH, ACK */
    tcp[14] = 0x20; /* window */
    memcpy(b + n, tcp, 20);
    n += 20;
    be(b + n, (uint32_t)ml, 4); /* NBSS session message */
    n += 4;
    memcpy(b + n, m, ml);
    return n + ml;
}

/* Frame i of the capture (tsu_write_pcap callback). */
static size_t frame_bytes(size_t i, uint8_t *b, size_t cap)
{
    return cap >= 1024 ? build(&frames[i], b) : 0;
}

static const char *const protos[] = {"nbss", "smb2"};
#define NPROTOS (sizeof(protos) / sizeof(protos[0]))

static void test_smb2_compound_agrees(void **state)
{
    (void)state;
    if (!tsu_have_tshark()) {
        NMX_SKIP();
        return;
    }
    const char *path = tsu_tmp_file("smb2.pcap");
    assert_non_null(path);
    assert_true(tsu_write_pcap(path, NFRAMES, frame_bytes));

    unsigned theirs[256] = {0};
    size_t nf = 0;
    size_t differ = tsu_compare_built(path, NFRAMES, protos, NPROTOS, true, NULL, theirs, &nf);
    assert_true(differ != (size_t)-1);
    /* io,phs counts every chained header: 3+2+1+2+2+2+2+2+3+2 layers. */
    assert_int_equal(theirs[NMX_PROTO_SMB2], 21);
    printf("tshark agreement (hand-built SMB2 compound frames): %zu frames x %zu fields, %zu differences\n",
           NFRAMES, nf, differ);
    assert_int_equal(differ, 0);
}

/* ===================================================================== */
/* DCE/RPC in named pipes                                                 */
/* ===================================================================== */

/*
 * A client (ports 50100 and up) opening \srv\IPC$ and the srvsvc pipe,
 * then DCE/RPC in the data of SMB2 WRITE requests, READ responses and
 * FSCTL_PIPE_TRANSCEIVE IOCTLs, and what is not DCE/RPC.  tshark 4.0 offers
 * every write's and read's data to its pipe heuristic, whatever the tree
 * (a disk share's write is DCE/RPC too) and the IOCTL's by its function
 * code, so nothing of the conversation is needed; each call after the
 * first connection is on a connection of its own, so that tshark does not
 * match a response to its request (difference 20).  The bound interface is
 * one tshark has no dissector for.  The pipe read whose PDU is longer than
 * its data (the first part of a PDU split over several messages) comes
 * last; tshark runs with its pipe reassembly off (the reference options),
 * and shows the PDU's header and the fields its data holds.
 */
struct pipe_msg {
    unsigned port;     /* the client's port */
    bool response;
    uint16_t cmd;
    uint32_t status;
    bool async;
    uint32_t tid;
    int body;          /* enum pipe_body */
    int pdus;          /* enum pipe_pdus */
};

enum pipe_body { B_TREE_REQ, B_TREE_RESP_PIPE, B_TREE_RESP_DISK, B_CREATE_REQ, B_CREATE_RESP, B_WRITE, B_WRITE_AT128,
                 B_READ, B_READ_AT96, B_IOCTL_REQ, B_IOCTL_RESP, B_IOCTL_OTHER, B_ERROR, B_READ_REQ };
enum pipe_pdus { P_NONE, P_BIND, P_REQUEST, P_RESPONSE, P_TWO, P_JUNK, P_LONG, P_TEXT };

static const struct pipe_msg pipe_msgs[] = {
    {50100, false, 3, 0, false, 0, B_TREE_REQ, P_NONE},
    {50100, true, 3, 0, false, 7, B_TREE_RESP_PIPE, P_NONE},
    {50100, false, 5, 0, false, 7, B_CREATE_REQ, P_NONE},
    {50100, true, 5, 0, false, 7, B_CREATE_RESP, P_NONE},
    {50100, false, 9, 0, false, 7, B_WRITE, P_BIND},                  /* 5: bind */
    {50100, true, 3, 0, false, 9, B_TREE_RESP_DISK, P_NONE},
    {50100, false, 9, 0, false, 9, B_WRITE, P_BIND},                  /* 7: on the disk share */
    {50101, true, 8, 0, false, 7, B_READ, P_RESPONSE},                /* 8 */
    {50102, false, 11, 0, false, 7, B_IOCTL_REQ, P_REQUEST},          /* 9 */
    {50103, true, 11, 0, false, 7, B_IOCTL_RESP, P_RESPONSE},         /* 10 */
    {50104, true, 11, 0, true, 0, B_IOCTL_RESP, P_RESPONSE},          /* 11: async */
    {50105, true, 11, 0xC0000001u, false, 7, B_IOCTL_RESP, P_RESPONSE}, /* 12: an error, whole body */
    {50106, true, 8, 0x80000005u, false, 7, B_READ, P_RESPONSE},     /* 13: buffer overflow */
    {50107, true, 8, 0, false, 7, B_READ, P_TWO},                     /* 14: two PDUs, 2 layers */
    {50108, true, 8, 0, false, 7, B_READ, P_JUNK},                    /* 15: a PDU, then junk */
    {50109, true, 8, 0, false, 7, B_READ_AT96, P_RESPONSE},           /* 16: by DataOffset */
    {50110, false, 9, 0, false, 7, B_WRITE_AT128, P_RESPONSE},        /* 17: after the body: data */
    {50111, false, 9, 0, false, 7, B_WRITE, P_TEXT},                  /* 18: data */
    {50112, true, 8, 0xC0000001u, false, 7, B_ERROR, P_RESPONSE},     /* 19: error response */
    {50113, false, 11, 0, false, 7, B_IOCTL_OTHER, P_REQUEST},        /* 20: another FSCTL */
    {50114, true, 8, 0x80000005u, false, 7, B_READ, P_LONG},          /* 21: more to come: a layer */
};
#define NPIPE (sizeof(pipe_msgs) / sizeof(pipe_msgs[0]))

/* The PDUs of a message into p; returns their length. */
static size_t pipe_pdus(int kind, uint8_t *p)
{
    static const uint8_t iface[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                      0x99, 0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    static const uint8_t ndr[16] = {0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
                                    0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60};
    size_t n = 0;
    switch (kind) {
    case P_BIND:
        memcpy(p, "\x05\x00\x0b\x03\x10\x00\x00\x00", 8);
        le(p + 8, 72, 2);
        le(p + 12, 1, 4);
        le(p + 16, 4280, 2);
        le(p + 18, 4280, 2);
        p[28] = 1;       /* one context: id 0, one transfer syntax */
        p[30 + 2] = 1;
        memcpy(p + 34, iface, 16);
        le(p + 50, 1, 2);
        memcpy(p + 54, ndr, 16);
        le(p + 70, 2, 2);
        memset(p + 20, 0, 8);
        return 72;
    case P_TEXT:
        memcpy(p, "plain file data, not a PDU at all", 33);
        return 33;
    default:
        break;
    }
    int count = kind == P_TWO ? 2 : 1;
    for (int k = 0; k < count; k++) {
        uint8_t *q = p + n;
        memset(q, 0, 32);
        memcpy(q, kind == P_REQUEST ? "\x05\x00\x00\x03\x10\x00\x00\x00" : "\x05\x00\x02\x03\x10\x00\x00\x00", 8);
        le(q + 8, kind == P_LONG ? 100 : 32, 2);
        le(q + 12, (kind == P_REQUEST ? 2u : 7u) + (unsigned)k, 4); /* no response answers a request */
        le(q + 16, 8, 4);
        if (kind == P_REQUEST)
            le(q + 22, 15, 2);
        n += 32;
    }
    if (kind == P_JUNK) {
        memcpy(p + n, "twenty bytes of junk", 20);
        n += 20;
    }
    return n;
}

/* The body of message s after its 64-byte header into m, with the pl
 * bytes of pipe data at pdu; returns its length. */
static size_t pipe_body(const struct pipe_msg *s, const uint8_t *pdu, size_t pl, uint8_t *m)
{
    static const uint8_t fid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    size_t n = 0;
    memset(m, 0, 160);
    switch (s->body) {
    case B_TREE_REQ:
        le(m, 9, 2);
        le(m + 4, 72, 2);
        le(m + 6, 22, 2);
        for (int i = 0; i < 11; i++)
            le(m + 8 + 2 * i, (uint8_t)"\\\\srv\\IPC$"[i], 2);
        return 30;
    case B_TREE_RESP_PIPE:
    case B_TREE_RESP_DISK:
        le(m, 16, 2);
        m[2] = s->body == B_TREE_RESP_PIPE ? 2 : 1;
        le(m + 12, 0x1f01ff, 4);
        return 16;
    case B_CREATE_REQ:
        le(m, 57, 2);
        le(m + 44, 120, 2);
        le(m + 46, 12, 2);
        for (int i = 0; i < 6; i++)
            le(m + 56 + 2 * i, (uint8_t)"srvsvc"[i], 2);
        return 68;
    case B_CREATE_RESP:
        le(m, 89, 2);
        memcpy(m + 64, fid, 16);
        return 88;
    case B_WRITE:
    case B_WRITE_AT128:
        le(m, 49, 2);
        le(m + 2, s->body == B_WRITE ? 112 : 128, 2);
        le(m + 4, (uint32_t)pl, 4);
        memcpy(m + 16, fid, 16);
        n = s->body == B_WRITE ? 48 : 64;
        break;
    case B_READ_REQ: /* 49 bytes: the file id at 16 */
        le(m, 49, 2);
        m[2] = 80;
        le(m + 4, 1024, 4);
        memcpy(m + 16, fid, 16);
        return 49;
    case B_READ:
    case B_READ_AT96:
        le(m, 17, 2);
        m[2] = s->body == B_READ ? 80 : 96;
        le(m + 4, (uint32_t)pl, 4);
        n = s->body == B_READ ? 16 : 32;
        break;
    case B_IOCTL_REQ:
    case B_IOCTL_OTHER:
        le(m, 57, 2);
        le(m + 4, s->body == B_IOCTL_REQ ? 0x0011c017u : 0x0011c018u, 4);
        memcpy(m + 8, fid, 16);
        le(m + 24, 120, 4);
        le(m + 28, (uint32_t)pl, 4);
        le(m + 36, 120, 4);
        le(m + 44, 4280, 4);
        le(m + 48, 1, 4);
        n = 56;
        break;
    case B_IOCTL_RESP:
        le(m, 49, 2);
        le(m + 4, 0x0011c017u, 4);
        memcpy(m + 8, fid, 16);
        le(m + 24, 112, 4);
        le(m + 32, 112, 4);
        le(m + 36, (uint32_t)pl, 4);
        n = 48;
        break;
    default: /* B_ERROR: an error response's 9-byte body, then the PDU */
        le(m, 9, 2);
        le(m + 4, (uint32_t)pl, 4);
        n = 8;
        break;
    }
    memcpy(m + n, pdu, pl);
    return n + pl;
}

/* The SMB2 message of s (message id mid, the pl bytes of pipe data at pdu)
 * into m; returns its length. */
static size_t pipe_message(const struct pipe_msg *s, uint64_t mid, const uint8_t *pdu, size_t pl, uint8_t *m)
{
    memset(m, 0, 64);
    memcpy(m, "\xFESMB", 4);
    le(m + 4, 64, 2);
    le(m + 8, s->status, 4);
    le(m + 12, s->cmd, 2);
    le(m + 14, 1, 2);
    le(m + 16, (s->response ? 1u : 0u) | (s->async ? 2u : 0u), 4);
    le(m + 24, mid, 8);
    if (s->async)
        le(m + 32, 0x55, 8);
    else
        le(m + 36, s->tid, 4);
    le(m + 40, 0x1234, 8);
    return 64 + pipe_body(s, pdu, pl, m + 64);
}

/* Ethernet, IPv4 (client 10.0.0.1, server 10.0.0.2), TCP between the
 * client's port and 445 with sequence number seq, NBSS and the message m
 * into b; returns the frame's length. */
static size_t pipe_wrap(uint8_t *b, unsigned port, bool response, uint32_t seq, const uint8_t *m, size_t ml)
{
    static const uint8_t eth_ip[34] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
                                       0x08, 0x00, 0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0,
                                       10, 0, 0, 1, 10, 0, 0, 2};
    memcpy(b, eth_ip, sizeof(eth_ip));
    if (response) {
        b[29] = 2;
        b[33] = 1;
    }
    be(b + 16, (uint32_t)(20 + 20 + 4 + ml), 2);
    uint8_t *t = b + 34;
    memset(t, 0, 20);
    be(t, response ? 445 : port, 2);
    be(t + 2, response ? port : 445, 2);
    be(t + 4, seq, 4);
    be(t + 8, 1, 4);
    t[12] = 0x50;
    t[13] = 0x18;
    t[14] = 0x20;
    be(b + 54, (uint32_t)ml, 4);
    memcpy(b + 58, m, ml);
    return 58 + ml;
}

/* A capture's message builder: message i into m, its client port into
 * *port and whether it is a response into *resp; returns its length. */
typedef size_t (*conv_msg_fn)(size_t i, uint8_t *m, unsigned *port, bool *resp);

/* Message i of the pipe capture. */
static size_t pipe_msg_bytes(size_t i, uint8_t *m, unsigned *port, bool *resp)
{
    uint8_t pdu[256];
    size_t pl = pipe_pdus(pipe_msgs[i].pdus, pdu);
    *port = pipe_msgs[i].port;
    *resp = pipe_msgs[i].response;
    return pipe_message(&pipe_msgs[i], i + 1, pdu, pl, m);
}

/* Frame i of a capture of one SMB or SMB2 message a frame (built by msg):
 * sequence numbers follow each direction of each connection. */
static size_t conv_frame(size_t i, uint8_t *b, size_t cap, conv_msg_fn msg)
{
    uint8_t m[512];
    unsigned port, pk;
    bool resp, rk;
    uint32_t seq = 1;
    (void)msg(i, m, &port, &resp);
    for (size_t k = 0; k < i; k++) {
        size_t kl = msg(k, m, &pk, &rk);
        if (pk == port && rk == resp)
            seq += (uint32_t)(4 + kl);
    }
    size_t ml = msg(i, m, &port, &resp);
    return cap < 1024 ? 0 : pipe_wrap(b, port, resp, seq, m, ml);
}

/* Frame i of the pipe capture. */
static size_t pipe_frame(size_t i, uint8_t *b, size_t cap)
{
    return conv_frame(i, b, cap, pipe_msg_bytes);
}

/* frame.protocols of frames 17 and 18 names tshark's data dissector,
 * which we do not have (docs/protocols.md, difference 7).  frame is
 * 0-based. */
static bool pipe_skip(uint32_t frame, const char *key)
{
    return (frame == 16 || frame == 17) && strcmp(key, "frame.protocols") == 0;
}

/* Writes the n frames of frame() as `file`, compares them with tshark for
 * nbss, `smb` (smb or smb2), dcerpc, srvsvc and the lower layers,
 * frame.protocols too (but what skip leaves out), and checks io,phs's
 * dcerpc and srvsvc counts. */
static void pipes_agree(const char *label, const char *file, size_t n, size_t (*frame)(size_t, uint8_t *, size_t),
                        const char *smb, bool (*skip)(uint32_t, const char *), unsigned dcerpc, unsigned srvsvc)
{
    if (!tsu_have_tshark()) {
        NMX_SKIP();
        return;
    }
    const char *const protos_[] = {"nbss", smb, "dcerpc", "srvsvc", "eth", "ip", "tcp"};
    const char *path = tsu_tmp_file(file);
    assert_non_null(path);
    assert_true(tsu_write_pcap(path, n, frame));
    unsigned theirs[256] = {0};
    size_t nf = 0;
    size_t differ = tsu_compare_built(path, (uint32_t)n, protos_, sizeof(protos_) / sizeof(protos_[0]), true, skip,
                                      theirs, &nf);
    assert_true(differ != (size_t)-1);
    printf("tshark agreement (hand-built %s frames): %zu frames x %zu fields, %zu differences; io,phs dcerpc %u, "
           "srvsvc %u\n",
           label, n, nf, differ, theirs[NMX_PROTO_DCERPC], theirs[NMX_PROTO_SRVSVC]);
    assert_int_equal(theirs[NMX_PROTO_DCERPC], dcerpc);
    assert_int_equal(theirs[NMX_PROTO_SRVSVC], srvsvc);
    assert_int_equal(differ, 0);
}

static void test_smb2_pipes_agree(void **state)
{
    (void)state;
    /* Frames 5, 7 to 11 (the error IOCTL's whole body too), 13, 15, 16
     * and 21 (the first part of a PDU) one PDU each, 14 two. */
    pipes_agree("SMB2 pipe", "pipes.pcap", NPIPE, pipe_frame, "smb2", pipe_skip, 13, 0);
}

/*
 * SMB (version 1) pipes, where tshark 4.0 needs the conversation: one
 * connection (port 50200; 50201 for a second one) with a TREE_CONNECT_ANDX
 * to IPC$ (tree 0x800) and one to a disk (0x801), then WRITE_ANDX requests
 * and READ_ANDX responses on them, TRANSACTION requests to \PIPE\
 * (TransactNmPipe) and their responses.  A response is the pipe's when its
 * request (same PID and MID) was on IPC's tree, whatever its own tree, and
 * only if its request was seen; a write that starts a pipe message
 * (WriteMode 0x0008) and a transaction to \PIPE\ make their tree IPC's.
 * Each frame says below whether it carries DCE/RPC.
 */
enum smb_kind { K_TREE_REQ, K_TREE_IPC, K_TREE_DISK, K_WRITE, K_WRITE_MSG, K_WRITE_RESP, K_READ_REQ, K_READ_RESP,
                K_TRANS_REQ, K_TRANS_RESP, K_TRANS_SEC };

static const struct smb_msg {
    unsigned port;
    int kind;
    uint16_t tid, mid;
} smb_msgs[] = {
    {50200, K_TREE_REQ, 0, 1},
    {50200, K_TREE_IPC, 0x800, 1},
    {50200, K_WRITE, 0x800, 10},      /* 3: yes (bind) */
    {50200, K_WRITE_RESP, 0x800, 10},
    {50200, K_READ_REQ, 0x800, 11},
    {50200, K_READ_RESP, 0x800, 11},  /* 6: yes */
    {50200, K_TRANS_REQ, 0x800, 12},  /* 7: yes */
    {50200, K_TRANS_RESP, 0x800, 12}, /* 8: yes */
    {50200, K_TREE_DISK, 0x801, 2},
    {50200, K_WRITE, 0x801, 13},      /* 10: no, a disk's tree */
    {50200, K_READ_RESP, 0x801, 13},  /* 11: no */
    {50200, K_READ_RESP, 0x800, 99},  /* 12: no, no request seen */
    {50200, K_WRITE_MSG, 0x900, 14},  /* 13: yes, and 0x900 is IPC's */
    {50200, K_WRITE, 0x900, 15},      /* 14: yes */
    {50200, K_TRANS_RESP, 0x800, 77}, /* 15: no, no request seen */
    {50200, K_TRANS_REQ, 0x901, 16},  /* 16: yes, whatever the tree */
    {50201, K_WRITE, 0x800, 17},      /* 17: no, another connection */
    {50200, K_READ_REQ, 0x800, 20},
    {50200, K_READ_RESP, 0x801, 20},  /* 19: yes, by its request */
    {50200, K_READ_REQ, 0x801, 21},
    {50200, K_READ_RESP, 0x800, 21},  /* 21: no, its request was not */
    {50200, K_TRANS_REQ, 0x700, 22},  /* 22: yes, and 0x700 is IPC's */
    {50200, K_WRITE, 0x700, 23},      /* 23: yes */
};
#define NSMB (sizeof(smb_msgs) / sizeof(smb_msgs[0]))

/* An SMB header (PID 0x100, Unicode and NT status flags) with WordCount
 * words w (n of them), ByteCount and bytes into m; returns the length. */
static size_t smb_build(uint8_t *m, uint8_t cmd, bool resp, uint16_t tid, uint16_t mid, const uint8_t *w, size_t n,
                        const uint8_t *bytes, size_t nb)
{
    memset(m, 0, 32);
    memcpy(m, "\xFFSMB", 4);
    m[4] = cmd;
    m[9] = resp ? 0x98 : 0x18;
    le(m + 10, 0xc807, 2);
    le(m + 24, tid, 2);
    le(m + 26, 0x100, 2);
    le(m + 28, 0x800, 2);
    le(m + 30, mid, 2);
    m[32] = (uint8_t)(n / 2);
    memcpy(m + 33, w, n);
    le(m + 33 + n, (uint32_t)nb, 2);
    memcpy(m + 35 + n, bytes, nb);
    return 35 + n + nb;
}

/* The SMB message of s into m, with the pl bytes of pipe data at pdu
 * (NULL: the kind's usual PDU); returns its length. */
static size_t smb_message(const struct smb_msg *s, const uint8_t *pdu, size_t pl, uint8_t *m)
{
    uint8_t w[40] = {0xff}, bytes[160] = {0}, def[128];
    size_t n = 0, nb = 0;
    if (pdu == NULL) {
        pl = pipe_pdus(s->kind == K_WRITE || s->kind == K_WRITE_MSG ? P_BIND
                       : s->kind == K_TRANS_REQ                     ? P_REQUEST
                                                                    : P_RESPONSE,
                       def);
        pdu = def;
    }
    switch (s->kind) {
    case K_TREE_REQ: /* password, path \\SRV\IPC$ in UTF-16 after a pad byte, service "?????" */
        le(w + 6, 1, 2);
        for (int i = 0; i < 10; i++)
            le(bytes + 2 + 2 * i, (uint8_t)"\\\\SRV\\IPC$"[i], 2);
        memcpy(bytes + 24, "?????", 6);
        return smb_build(m, 0x75, false, 0, s->mid, w, 8, bytes, 30);
    case K_TREE_IPC:
    case K_TREE_DISK:
        le(w + 4, 1, 2);
        memcpy(bytes, s->kind == K_TREE_IPC ? "IPC" : "A:", s->kind == K_TREE_IPC ? 4 : 3);
        return smb_build(m, 0x75, true, s->tid, s->mid, w, 6, bytes, 6);
    case K_WRITE:
    case K_WRITE_MSG: /* 14 words: data at 64, after a pad byte */
        memcpy(bytes + 1, pdu, pl);
        le(w + 4, 0x4000, 2);
        le(w + 14, s->kind == K_WRITE_MSG ? 8 : 0, 2);
        le(w + 16, (uint32_t)pl, 2);
        le(w + 20, (uint32_t)pl, 2);
        le(w + 22, 64, 2);
        return smb_build(m, 0x2F, false, s->tid, s->mid, w, 28, bytes, 1 + pl);
    case K_WRITE_RESP:
        le(w + 4, 72, 2);
        le(w + 6, 0xffff, 2);
        return smb_build(m, 0x2F, true, s->tid, s->mid, w, 12, bytes, 0);
    case K_READ_REQ:
        le(w + 4, 0x4000, 2);
        le(w + 10, 1024, 2);
        le(w + 12, 1024, 2);
        le(w + 18, 1024, 2);
        return smb_build(m, 0x2E, false, s->tid, s->mid, w, 24, bytes, 0);
    case K_READ_RESP: /* 12 words: data at 60, after a pad byte */
        memcpy(bytes + 1, pdu, pl);
        le(w + 4, 0xffff, 2);
        le(w + 10, (uint32_t)pl, 2);
        le(w + 12, 60, 2);
        return smb_build(m, 0x2E, true, s->tid, s->mid, w, 24, bytes, 1 + pl);
    case K_TRANS_REQ: /* 16 words, \PIPE\ in UTF-16 at 68, the data at 84 */
        le(w, 0, 2);
        le(w + 2, (uint32_t)pl, 2);
        le(w + 6, 1024, 2);
        le(w + 20, 84, 2);
        le(w + 22, (uint32_t)pl, 2);
        le(w + 24, 84, 2);
        w[26] = 2;
        le(w + 28, 0x26, 2);
        le(w + 30, 0x4000, 2);
        for (int i = 0; i < 6; i++)
            le(bytes + 1 + 2 * i, (uint8_t)"\\PIPE\\"[i], 2);
        n = 1 + 14 + 2; /* pad, name and its NUL, pad to 84 */
        memcpy(bytes + n, pdu, pl);
        return smb_build(m, 0x25, false, s->tid, s->mid, w, 32, bytes, n + pl);
    case K_TRANS_SEC: /* TRANSACTION_SECONDARY, 8 words: the data at 52, after a pad byte */
        le(w, 0, 2);
        le(w + 2, (uint32_t)pl, 2);
        le(w + 10, (uint32_t)pl, 2);
        le(w + 12, 52, 2);
        memcpy(bytes + 1, pdu, pl);
        return smb_build(m, 0x26, false, s->tid, s->mid, w, 16, bytes, 1 + pl);
    default: /* K_TRANS_RESP: 10 words, the data at 56 */
        le(w, 0, 2);
        le(w + 2, (uint32_t)pl, 2);
        le(w + 8, 56, 2);
        le(w + 12, (uint32_t)pl, 2);
        le(w + 14, 56, 2);
        nb = 1; /* pad to 56 */
        memcpy(bytes + nb, pdu, pl);
        return smb_build(m, 0x25, true, s->tid, s->mid, w, 20, bytes, nb + pl);
    }
}

static bool smb_is_response(int kind)
{
    return kind == K_TREE_IPC || kind == K_TREE_DISK || kind == K_WRITE_RESP || kind == K_READ_RESP ||
           kind == K_TRANS_RESP;
}

static size_t smb_msg_bytes(size_t i, uint8_t *m, unsigned *port, bool *resp)
{
    *port = smb_msgs[i].port;
    *resp = smb_is_response(smb_msgs[i].kind);
    return smb_message(&smb_msgs[i], NULL, 0, m);
}

/* Frame i of the SMB pipe capture. */
static size_t smb_frame(size_t i, uint8_t *b, size_t cap)
{
    return conv_frame(i, b, cap, smb_msg_bytes);
}

static void test_smb_pipes_agree(void **state)
{
    (void)state;
    /* Frames 3, 6, 7, 8, 13, 14, 16, 19, 22, 23. */
    pipes_agree("SMB pipe", "smbpipes.pcap", NSMB, smb_frame, "smb", NULL, 10, 0);
}

/* ===================================================================== */
/* DCE/RPC PDUs split over several pipe messages                          */
/* ===================================================================== */

/*
 * With tshark's pipe reassembly off (the reference options), each
 * message's pipe data is dissected on its own, SMB2's and SMB's alike: a
 * PDU longer than the data left is a dcerpc layer all the same, with its
 * common header and, when it is the data's first PDU, the fields of its
 * body the data holds (a later one: the header only); what those fields
 * tell of the connection counts (a bind's context items that are all
 * there, a request's call, which its response then names), but no
 * interface layer is shown for it; the messages holding the rest of it
 * are data.  The interface bound is srvsvc, whose layer tshark shows for
 * a whole request or response.  One connection for each version: the
 * pipe's binds and calls are those of one file.
 */
enum split_pdu { D_NONE, D_BIND, D_REQ2, D_RESP2, D_ALTER, D_REQ7, D_REQ8, D_REQ9, D_RESP9, D_TWO, D_REQ12,
                 D_REQ13, D_RESP13, D_REQ14, D_RESP14 };

/* A request (opnum 15 or 16, a 36-byte stub) or a response (a 40-byte
 * stub) of call `call` on context ctx into p; returns its length. */
static size_t split_call(uint8_t *p, bool response, uint32_t call, uint16_t ctx, uint16_t opnum)
{
    size_t stub = response ? 40 : 36;
    memset(p, 0, 24 + stub);
    memcpy(p, response ? "\x05\x00\x02\x03\x10\x00\x00\x00" : "\x05\x00\x00\x03\x10\x00\x00\x00", 8);
    le(p + 8, 24 + stub, 2);
    le(p + 12, call, 4);
    le(p + 16, stub, 4);
    le(p + 20, ctx, 2);
    if (!response)
        le(p + 22, opnum, 2);
    return 24 + stub;
}

/* A bind (call 1, context 0) or an alter_context (call 6, contexts 2 and
 * 3) of srvsvc 3.0 over NDR into p; returns its length. */
static size_t split_bind(uint8_t *p, bool alter)
{
    static const uint8_t srvsvc[16] = {0xc8, 0x4f, 0x32, 0x4b, 0x70, 0x16, 0xd3, 0x01,
                                       0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88};
    static const uint8_t ndr[16] = {0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
                                    0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60};
    unsigned nctx = alter ? 2 : 1;
    size_t n = 28 + 44 * nctx;
    memset(p, 0, n);
    memcpy(p, alter ? "\x05\x00\x0e\x03\x10\x00\x00\x00" : "\x05\x00\x0b\x03\x10\x00\x00\x00", 8);
    le(p + 8, n, 2);
    le(p + 12, alter ? 6 : 1, 4);
    le(p + 16, 4280, 2);
    le(p + 18, 4280, 2);
    p[24] = (uint8_t)nctx;
    for (unsigned i = 0; i < nctx; i++) {
        uint8_t *c = p + 28 + 44 * i;
        le(c, alter ? 2 + i : 0, 2);
        c[2] = 1;
        memcpy(c + 4, srvsvc, 16);
        le(c + 20, 3, 2);
        memcpy(c + 24, ndr, 16);
        le(c + 40, 2, 4);
    }
    return n;
}

/* The whole PDUs of kind k into p; returns their length. */
static size_t split_pdus(int k, uint8_t *p)
{
    switch (k) {
    case D_BIND:
    case D_ALTER:
        return split_bind(p, k == D_ALTER);
    case D_REQ2:
    case D_RESP2:
        return split_call(p, k == D_RESP2, 2, 0, 15);
    case D_REQ7:
    case D_REQ8:
        return split_call(p, false, k == D_REQ7 ? 7 : 8, k == D_REQ7 ? 2 : 3, 15);
    case D_REQ9:
    case D_RESP9:
        return split_call(p, k == D_RESP9, 9, 0, 16);
    case D_TWO: {
        size_t n = split_call(p, false, 10, 0, 15);
        return n + split_call(p + n, false, 11, 0, 15);
    }
    case D_REQ12:
        return split_call(p, false, 12, 0, 15);
    case D_REQ13:
    case D_RESP13:
    case D_REQ14:
    case D_RESP14:
        return split_call(p, k == D_RESP13 || k == D_RESP14, k <= D_RESP13 ? 13 : 14, 0, 15);
    default:
        return 0;
    }
}

/* A message's pipe data: bytes [from, to) of PDUs `pdu` (to 0: to their end). */
struct split_data {
    uint8_t pdu, from, to;
};

/* The data d into out; returns its length. */
static size_t split_slice(struct split_data d, uint8_t *out)
{
    uint8_t all[256];
    size_t n = split_pdus(d.pdu, all), to = d.to && d.to < n ? d.to : n;
    memcpy(out, all + d.from, to - d.from);
    return to - d.from;
}

/* SMB2 on port 50300: the tree connect to IPC$ and the create of srvsvc,
 * then writes, reads and their requests (for the file id). */
static const struct smb2_split {
    bool response;
    int body; /* enum pipe_body */
    struct split_data data;
} smb2_split[] = {
    {false, B_TREE_REQ, {D_NONE, 0, 0}},   {true, B_TREE_RESP_PIPE, {D_NONE, 0, 0}},
    {false, B_CREATE_REQ, {D_NONE, 0, 0}}, {true, B_CREATE_RESP, {D_NONE, 0, 0}},
    {false, B_WRITE, {D_BIND, 0, 0}},      /* 5: bind */
    {false, B_WRITE, {D_REQ2, 0, 30}},     /* 6: a request's first 30 bytes: body fields, its call */
    {false, B_WRITE, {D_REQ2, 30, 0}},     /* 7: the rest: data */
    {false, B_READ_REQ, {D_NONE, 0, 0}},   {true, B_READ, {D_RESP2, 0, 28}}, /* 9: its response, cut */
    {false, B_READ_REQ, {D_NONE, 0, 0}},   {true, B_READ, {D_RESP2, 28, 0}}, /* 11: data */
    {false, B_WRITE, {D_ALTER, 0, 80}},    /* 12: alter_context, its first context item whole */
    {false, B_WRITE, {D_ALTER, 80, 0}},    /* 13: data */
    {false, B_WRITE, {D_REQ7, 0, 0}},      /* 14: on context 2: srvsvc */
    {false, B_WRITE, {D_REQ8, 0, 0}},      /* 15: on context 3, never bound */
    {false, B_WRITE, {D_REQ9, 0, 40}},     /* 16: cut in the stub: no srvsvc layer */
    {false, B_WRITE, {D_REQ9, 40, 0}},     /* 17: data */
    {false, B_READ_REQ, {D_NONE, 0, 0}},   {true, B_READ, {D_RESP9, 0, 0}}, /* 19: its response: srvsvc */
    {false, B_WRITE, {D_TWO, 0, 90}},      /* 20: a whole request (srvsvc), then 30 bytes of one: its header */
    {false, B_WRITE, {D_REQ12, 0, 20}},    /* 21: cut before the context id */
};
#define NSMB2_SPLIT (sizeof(smb2_split) / sizeof(smb2_split[0]))

static size_t smb2_split_bytes(size_t i, uint8_t *m, unsigned *port, bool *resp)
{
    const struct smb2_split *s = &smb2_split[i];
    *port = 50300;
    *resp = s->response;
    uint16_t cmd = s->body == B_TREE_REQ || s->body == B_TREE_RESP_PIPE ? 3
                   : s->body == B_CREATE_REQ || s->body == B_CREATE_RESP ? 5
                   : s->body == B_WRITE                                  ? 9
                                                                         : 8;
    struct pipe_msg h = {50300, s->response, cmd, 0, false, s->body == B_TREE_REQ ? 0 : 7, s->body, P_NONE};
    uint8_t data[256];
    size_t n = split_slice(s->data, data);
    return pipe_message(&h, s->response ? i : i + 1, data, n, m); /* a response: its request's message id */
}

static size_t smb2_split_frame(size_t i, uint8_t *b, size_t cap)
{
    return conv_frame(i, b, cap, smb2_split_bytes);
}

/* frame.protocols of a message holding the rest of a PDU (data d) names
 * tshark's data dissector (difference 7). */
static bool split_rest(const struct split_data *d, const char *key)
{
    return d->from > 0 && strcmp(key, "frame.protocols") == 0;
}

/* split_rest for the 0-based frame. */
static bool smb2_split_skip(uint32_t frame, const char *key)
{
    return split_rest(&smb2_split[frame].data, key);
}

static void test_smb2_split_pdus_agree(void **state)
{
    (void)state;
    /* dcerpc: frames 5, 6, 9, 12, 14 to 16, 19, 21 and 20 twice;
     * srvsvc: 14, 19 and 20. */
    pipes_agree("SMB2 split PDU", "split2.pcap", NSMB2_SPLIT, smb2_split_frame, "smb2", smb2_split_skip, 11, 3);
}

/* SMB on port 50400: the tree connect to IPC$ (tree 0x800), then a write
 * starting a pipe message, transactions, reads and writes on the pipe.  A
 * transaction's data split over several messages (`trans`: TotalDataCount
 * is the PDU's length, DataDisplacement the part's start) is not
 * reassembled by tshark 4.0, smb.trans_reassembly on or off: its request
 * and its response's first part are dissected on their own, a
 * TRANSACTION_SECONDARY and a later response part not at all. */
static const struct smb_split {
    struct smb_msg msg;
    struct split_data data;
    bool trans;
} smb_split[] = {
    {{50400, K_TREE_REQ, 0, 1}, {D_NONE, 0, 0}},
    {{50400, K_TREE_IPC, 0x800, 1}, {D_NONE, 0, 0}},
    {{50400, K_WRITE_MSG, 0x800, 10}, {D_BIND, 0, 0}},  /* 3: bind */
    {{50400, K_TRANS_REQ, 0x800, 11}, {D_REQ2, 0, 0}},  /* 4: TransactNmPipe: srvsvc */
    {{50400, K_TRANS_RESP, 0x800, 11}, {D_RESP2, 0, 30}}, /* 5: the first 30 bytes of its response */
    {{50400, K_READ_REQ, 0x800, 12}, {D_NONE, 0, 0}},
    {{50400, K_READ_RESP, 0x800, 12}, {D_RESP2, 30, 0}}, /* 7: the rest, read: data */
    {{50400, K_WRITE, 0x800, 13}, {D_REQ9, 0, 40}},      /* 8: a request cut in the stub */
    {{50400, K_WRITE, 0x800, 14}, {D_REQ9, 40, 0}},      /* 9: data */
    {{50400, K_READ_REQ, 0x800, 15}, {D_NONE, 0, 0}},
    {{50400, K_READ_RESP, 0x800, 15}, {D_RESP9, 0, 0}},  /* 11: its response: srvsvc */
    {{50400, K_WRITE, 0x800, 16}, {D_TWO, 0, 90}},       /* 12: a whole request (srvsvc), then a header */
    {{50400, K_WRITE, 0x800, 17}, {D_ALTER, 0, 80}},     /* 13: alter_context, cut */
    {{50400, K_WRITE, 0x800, 18}, {D_ALTER, 80, 0}},     /* 14: data */
    {{50400, K_WRITE, 0x800, 19}, {D_REQ7, 0, 0}},       /* 15: on context 2: srvsvc */
    {{50400, K_WRITE, 0x800, 20}, {D_REQ8, 0, 0}},       /* 16: on context 3: none */
    {{50400, K_TRANS_REQ, 0x800, 21}, {D_REQ13, 0, 30}, true},   /* 17: a transaction's first part: cut */
    {{50400, K_TRANS_SEC, 0x800, 21}, {D_REQ13, 30, 0}, true},   /* 18: the rest: nothing */
    {{50400, K_TRANS_RESP, 0x800, 21}, {D_RESP13, 0, 0}},        /* 19: the transaction's response: srvsvc */
    {{50400, K_TRANS_REQ, 0x800, 22}, {D_REQ14, 0, 0}},          /* 20: srvsvc */
    {{50400, K_TRANS_RESP, 0x800, 22}, {D_RESP14, 0, 30}, true}, /* 21: its response's first part: cut */
    {{50400, K_TRANS_RESP, 0x800, 22}, {D_RESP14, 30, 0}, true}, /* 22: the rest: nothing */
};
#define NSMB_SPLIT (sizeof(smb_split) / sizeof(smb_split[0]))

static size_t smb_split_bytes(size_t i, uint8_t *m, unsigned *port, bool *resp)
{
    const struct smb_split *s = &smb_split[i];
    *port = s->msg.port;
    *resp = smb_is_response(s->msg.kind);
    uint8_t data[256];
    size_t n = split_slice(s->data, data), ml = smb_message(&s->msg, data, n, m);
    if (s->trans) { /* TotalDataCount (word 1 of all three); DataDisplacement */
        le(m + 35, split_pdus(s->data.pdu, data), 2);
        if (s->msg.kind != K_TRANS_REQ)
            le(m + 33 + (s->msg.kind == K_TRANS_SEC ? 14 : 16), s->data.from, 2);
    }
    return ml;
}

static size_t smb_split_frame(size_t i, uint8_t *b, size_t cap)
{
    return conv_frame(i, b, cap, smb_split_bytes);
}

/* split_rest for the 0-based frame. */
static bool smb_split_skip(uint32_t frame, const char *key)
{
    return split_rest(&smb_split[frame].data, key);
}

static void test_smb_split_pdus_agree(void **state)
{
    (void)state;
    /* dcerpc: frames 3, 4, 5, 8, 11, 13, 15 to 17, 19 to 21 and 12 twice;
     * srvsvc: 4, 11, 12, 15, 19 and 20. */
    pipes_agree("SMB split PDU", "split1.pcap", NSMB_SPLIT, smb_split_frame, "smb", smb_split_skip, 14, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_smb2_compound_agrees, tsu_tmp_remove),
        cmocka_unit_test_teardown(test_smb2_pipes_agree, tsu_tmp_remove),
        cmocka_unit_test_teardown(test_smb_pipes_agree, tsu_tmp_remove),
        cmocka_unit_test_teardown(test_smb2_split_pdus_agree, tsu_tmp_remove),
        cmocka_unit_test_teardown(test_smb_split_pdus_agree, tsu_tmp_remove),
    };
    return NMX_TEST_STATUS(cmocka_run_group_tests(tests, NULL, NULL));
}
