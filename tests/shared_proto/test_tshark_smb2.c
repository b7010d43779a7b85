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
 * with io,phs for the number of each protocol's layers.  Skipped when
 * tshark is not installed; the temporary directory is removed.
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_smb2_compound_agrees, tsu_tmp_remove),
    };
    return NMX_TEST_STATUS(cmocka_run_group_tests(tests, NULL, NULL));
}
