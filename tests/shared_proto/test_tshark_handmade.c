/*
 * test_tshark_handmade.c - hand-built frames on points where nmexpert once
 * disagreed with tshark 4.0, checked against tshark itself: DNS names whose
 * compression pointers loop, UDP payloads too short for DNS, HTTP request
 * lines (CCM_POST, a bare OPTIONS, methods tshark does not know), SSH on
 * a TLS port, and the hand-off by port (the lower port first; a port whose
 * dissector turns the payload down leaves it to the heuristics).
 *
 * The frames are written to a pcap in a fresh directory under $TMPDIR
 * (removed afterwards) and read by `tshark -T fields` with the options of
 * test_tshark_fields.c.  For every frame, the protocols tshark put in its
 * tree (`-e dns` is empty when the DNS dissector added none, which is what
 * io,phs counts) must be those of our recognize table, and a few fields
 * must have the same values.  Skipped, visibly, when tshark is missing.
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

#include "common/linktype.h"
#include "proto/proto.h"
#include "tshark_util.h"
#include "../nmx_skip.h"

/* One frame: Ethernet + IPv4 + UDP or TCP from sport to dport, carrying
 * `hex` (hex digits, spaces ignored) or, if hex is NULL, `text`. */
static const struct frame_spec {
    bool tcp;
    unsigned sport, dport;
    const char *hex, *text;
} frames[] = {
    /* DNS: a question whose name points to itself; a CNAME loop through two
     * pointers; 70 chained pointers (finite); the loop via the heuristic. */
    {false, 5000, 53, "0001 0100 0001 0000 0000 0000 03777777 c00c 0001 0001", NULL},
    {false, 53, 5001, "0004 8180 0000 0001 0000 0000 00 0005 0001 00000001 0008 0161 c01b 0162 c017", NULL},
    {false, 5002, 53, "chain", NULL},
    {false, 40000, 40001, "0001 0100 0001 0000 0000 0000 03777777 c00c 0001 0001", NULL},
    /* DNS ports with 1 to 6 bytes. */
    {false, 5003, 53, "00", NULL},
    {false, 5004, 53, "0001", NULL},
    {false, 53, 5005, "000101", NULL},
    {false, 5006, 53, "00010100", NULL},
    {false, 5007, 53, "000101000001", NULL},
    {false, 5353, 5353, "0001", NULL},
    {false, 5355, 40002, "000101", NULL},
    /* HTTP request lines on port 80 (each in a conversation of its own). */
    {true, 40010, 80, NULL, "CCM_POST /x HTTP/1.1\r\n\r\n"},
    {true, 40011, 80, NULL, "OPTIONS * HTTP/1.1\r\n\r\n"},
    {true, 40012, 80, NULL, "OPTIONS\r\n\r\n"},
    {true, 40013, 80, NULL, "OPTIONS /x\r\n\r\n"},
    {true, 40014, 80, NULL, "VERSION-CONTROL /x HTTP/1.1\r\n\r\n"},
    {true, 40015, 80, NULL, "SSTP_DUPLEX_POST /x HTTP/1.1\r\n\r\n"},
    {true, 40016, 80, NULL, "M-POST /x HTTP/1.1\r\n\r\n"},
    {true, 40017, 80, NULL, "GET  /x HTTP/1.1\r\n\r\n"},
    /* The HTTP heuristic on an unregistered port. */
    {true, 40020, 4444, NULL, "CCM_POST /x HTTP/1.1\r\n\r\n"},
    {true, 40021, 4444, NULL, "ACL /x HTTP/1.1\r\n\r\n"},
    {true, 40022, 4444, NULL, "MKCALENDAR /x HTTP/1.1\r\n\r\n"},
    {true, 40023, 4444, NULL, "get /x HTTP/1.1\r\n\r\n"},
    {true, 40024, 4444, NULL, "M-M-GET /x HTTP/1.1\r\n\r\n"},
    {true, 40025, 4444, NULL, "http/1.1 200 OK\r\n\r\n"},
    /* SSH on a TLS port, and TLS there. */
    {true, 40030, 443, NULL, "SSH-2.0-OpenSSH_8.9\r\n"},
    {true, 443, 40031, NULL, "SSH-2"},
    {true, 40032, 443, NULL, "SSH-"},
    {true, 40033, 443, "1703030005 68656c6c6f", NULL},
    /* The middle of a record on a TLS port: four printable characters first
     * (part of a certificate's names) is turned down, anything else is
     * continuation data; a space and '~' are printable, 0x7f and a tab not;
     * with 4 bytes tshark cannot judge. */
    {true, 443, 40034, "6572742e636f6d30460608", NULL},
    {true, 443, 40035, "2065727e", NULL},
    {true, 443, 40036, "20657e7e00", NULL},
    {true, 443, 40037, "2065727f00", NULL},
    {true, 443, 40038, "0965727400", NULL},
    {true, 443, 40039, "aedc5c7e55310ce839", NULL},
    /* Hand-off by port (handoff.c): TCP 5000's dissector (GSM over IP)
     * turns HTTP and TLS down, so the heuristics get them; FTP's (21) and
     * Telnet's (23) take anything; UDP 123 (NTP) is the lower port and takes
     * an NBNS query before NBNS's 137 is tried; NBNS itself on 137. */
    {true, 40040, 5000, NULL, "GET /x HTTP/1.1\r\n\r\n"},
    {true, 5000, 40041, "160301002d 01000029 0303 0000000000000000000000000000000000000000000000000000000000000000 00 0002 0100 0100", NULL},
    {true, 40042, 21, NULL, "GET /x HTTP/1.1\r\n\r\n"},
    {true, 23, 40043, "1703030005 68656c6c6f", NULL},
    {false, 123, 137, "81c0 0110 0001 0000 0000 0000 20 434b414141414141414141414141414141414141414141414141414141414141 00 0020 0001", NULL},
    {false, 40044, 137, "81c0 0110 0001 0000 0000 0000 20 434b414141414141414141414141414141414141414141414141414141414141 00 0020 0001", NULL},
};
#define NFRAMES (sizeof(frames) / sizeof(frames[0]))

static const struct {
    const char *name;
    unsigned id;
} protos[] = {
    {"dns", NMX_PROTO_DNS}, {"mdns", NMX_PROTO_MDNS}, {"llmnr", NMX_PROTO_LLMNR},
    {"http", NMX_PROTO_HTTP}, {"tls", NMX_PROTO_TLS}, {"nbns", NMX_PROTO_NBNS},
};
#define NPROTOS (sizeof(protos) / sizeof(protos[0]))

static const char *const fields[] = {
    "dns.id", "dns.qry.name", "dns.qry.type", "dns.cname", "dns.flags", "http.request.method",
    "http.request.uri", "http.request.version", "http.response.code", "tls.record.content_type",
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static size_t hex_bytes(uint8_t *b, const char *hex)
{
    size_t n = 0;
    int hi = -1;
    for (; *hex; hex++) {
        char c = *hex;
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0)
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            b[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return n;
}

/* The payload of a spec: 12 header bytes, 70 pointers each to the next,
 * then the name "x" and the type and class, for "chain". */
static size_t payload(const struct frame_spec *s, uint8_t *b)
{
    if (s->text) {
        memcpy(b, s->text, strlen(s->text));
        return strlen(s->text);
    }
    if (strcmp(s->hex, "chain") != 0)
        return hex_bytes(b, s->hex);
    size_t n = hex_bytes(b, "0005 0100 0001 0000 0000 0000");
    for (unsigned i = 0; i < 70; i++) {
        size_t next = n + 2;
        b[n++] = (uint8_t)(0xC0 | next >> 8);
        b[n++] = (uint8_t)next;
    }
    return n + hex_bytes(b + n, "0178 00 0001 0001");
}

static void put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Ethernet + IPv4 + UDP/TCP + payload into b; returns the frame length. */
static size_t build(const struct frame_spec *s, uint8_t *b)
{
    uint8_t pl[512];
    size_t plen = payload(s, pl);
    size_t n = hex_bytes(b, "001122334455 66778899aabb 0800");
    size_t l4 = s->tcp ? 20 : 8;
    static const uint8_t ip[20] = {0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, 0, 0, 0, 192, 168, 0, 1, 192, 168, 0, 2};
    memcpy(b + n, ip, 20);
    put16(b + n + 2, 20 + l4 + plen);
    b[n + 9] = s->tcp ? 6 : 17;
    n += 20;
    memset(b + n, 0, l4);
    put16(b + n, s->sport);
    put16(b + n + 2, s->dport);
    if (s->tcp) {
        b[n + 7] = 1;     /* sequence number 1 */
        b[n + 12] = 0x50; /* header length 20 */
        b[n + 13] = 0x18; /* PSH, ACK */
        b[n + 14] = 0x20; /* window */
    } else {
        put16(b + n + 4, 8 + plen);
    }
    n += l4;
    memcpy(b + n, pl, plen);
    return n + plen;
}

static void put32le(FILE *f, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    fwrite(b, 1, 4, f);
}

static bool write_pcap(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    put32le(f, 0xa1b2c3d4);
    put32le(f, 2 | 4u << 16); /* version 2.4 */
    put32le(f, 0);
    put32le(f, 0);
    put32le(f, 65535);
    put32le(f, NMX_LINK_ETHERNET);
    for (size_t i = 0; i < NFRAMES; i++) {
        uint8_t b[1024];
        size_t n = build(&frames[i], b);
        put32le(f, (uint32_t)(1000 + i));
        put32le(f, 0);
        put32le(f, (uint32_t)n);
        put32le(f, (uint32_t)n);
        fwrite(b, 1, n, f);
    }
    return fclose(f) == 0;
}

static void test_handmade_frames_agree(void **state)
{
    (void)state;
    if (!tsu_have_tshark()) {
        NMX_SKIP();
        return;
    }
    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/nmx-handmade-XXXXXX", tmp && *tmp ? tmp : "/tmp" /* TMPDIR unset */);
    assert_non_null(mkdtemp(dir));
    char path[4200], cmd[8192];
    snprintf(path, sizeof(path), "%s/frames.pcap", dir);
    assert_true(write_pcap(path));
    size_t n = (size_t)snprintf(cmd, sizeof(cmd),
                                "tshark -n -r '%s' " NMX_TSHARK_REF_OPTS " "
                                "-T fields -E occurrence=a",
                                path);
    for (size_t i = 0; i < NPROTOS; i++)
        n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " -e %s", protos[i].name);
    for (size_t i = 0; i < NFIELDS; i++)
        n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " -e %s", fields[i]);
    snprintf(cmd + n, sizeof(cmd) - n, " 2>/dev/null");
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char *line = NULL;
    size_t lcap = 0;
    size_t frame = 0, mismatches = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, p)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (frame >= NFRAMES) {
            frame++;
            break;
        }
        char *col[NPROTOS + NFIELDS];
        size_t nc = tsu_split(line, col, NPROTOS + NFIELDS);
        uint8_t b[1024];
        size_t fl = build(&frames[frame], b);
        nmx_dissection_t *d = nmx__dissect(NULL, b, (uint32_t)fl, (uint32_t)fl, NMX_LINK_ETHERNET);
        assert_non_null(d);
        for (size_t i = 0; i < NPROTOS; i++) {
            bool theirs = i < nc && col[i][0] != '\0';
            bool ours = nmx__proto_offset(d->recog, protos[i].id) != (DWORD)-1;
            if (theirs != ours) {
                printf("frame %zu: %s: tshark %s, nmexpert %s\n", frame + 1, protos[i].name,
                       theirs ? "yes" : "no", ours ? "yes" : "no");
                mismatches++;
            }
        }
        for (size_t i = 0; i < NFIELDS; i++) {
            char v[4096];
            tsu_render_all(d, nmx__field_by_key(fields[i]), v, sizeof(v));
            const char *t = NPROTOS + i < nc ? col[NPROTOS + i] : "";
            if (strcmp(v, t) != 0) {
                printf("frame %zu: %s: tshark '%s', nmexpert '%s'\n", frame + 1, fields[i], t, v);
                mismatches++;
            }
        }
        nmx__dissection_free(d);
        frame++;
    }
    free(line);
    pclose(p);
    unlink(path);
    rmdir(dir);
    printf("%zu hand-built frames compared with tshark, %zu differences\n", frame, mismatches);
    assert_int_equal(frame, NFRAMES);
    assert_int_equal(mismatches, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handmade_frames_agree),
    };
    return NMX_TEST_STATUS(cmocka_run_group_tests(tests, NULL, NULL));
}
