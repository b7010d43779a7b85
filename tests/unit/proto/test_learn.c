/*
 * test_learn.c - the table of learned conversations (src/proto/learn.c)
 * with many announcements: FTP PASV replies on hand-built frames announce
 * thousands of data endpoints, and a data connection to any of them is
 * ftp-data with its own setup frame; the newest announcement of an
 * endpoint wins, an exact conversation beats a newer wildcard one, and an
 * endpoint never announced is not ftp-data.  The facts of many connections
 * (HTTP's "a request was seen", a SYN's sequence number) are all kept.
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

/* More announcements than the old tables' limits of 4,096 and 32,768. */
#define N_PASV 40000u
#define FIRST_PORT 10000u

/* An Ethernet/IPv4/TCP segment from address src port sport to address dst
 * port dport, with TCP flags `flags`, carrying text. */
static size_t segment(uint8_t *b, uint32_t src, unsigned sport, uint32_t dst, unsigned dport, uint8_t flags,
                      const char *text)
{
    size_t n = fr_hex(b, 0, "001122334455 66778899aabb 0800");
    size_t pl = strlen(text), tot = 40 + pl;
    uint8_t ip[20] = {0x45, 0, (uint8_t)(tot >> 8), (uint8_t)tot, 0, 1, 0x40, 0, 64, 6, 0, 0,
                      (uint8_t)(src >> 24), (uint8_t)(src >> 16), (uint8_t)(src >> 8), (uint8_t)src,
                      (uint8_t)(dst >> 24), (uint8_t)(dst >> 16), (uint8_t)(dst >> 8), (uint8_t)dst};
    uint8_t tcp[20] = {(uint8_t)(sport >> 8), (uint8_t)sport, (uint8_t)(dport >> 8), (uint8_t)dport,
                       0, 0, 0, 1, 0, 0, 0, 1, 0x50, flags, 0x20, 0, 0, 0, 0, 0};
    memcpy(b + n, ip, 20);
    memcpy(b + n + 20, tcp, 20);
    memcpy(b + n + 40, text, pl);
    return n + 40 + pl;
}

/* A PSH/ACK segment from 192.168.0.<src> port sport to 192.168.0.<dst> port
 * dport carrying text. */
static size_t tcp_frame(uint8_t *b, unsigned src, unsigned sport, unsigned dst, unsigned dport, const char *text)
{
    return segment(b, 0xC0A80000u | src, sport, 0xC0A80000u | dst, dport, 0x18, text);
}

typedef struct walk {
    nmx_learned_t *learned;
    nmx_proto_ws_t *ws;
    uint32_t number;
} walk_t;

/* Dissects the next frame of the walk, learning from it (the caller frees
 * the result). */
static nmx_dissection_t *walk_next(walk_t *w, const uint8_t *b, size_t n)
{
    nmx_frame_ctx_t ctx = {.number = ++w->number, .learned = w->learned, .learn = true};
    for (unsigned k = 0; k < NMX_STREAM_LAYERS; k++)
        ctx.tcp_stream[k] = ctx.udp_stream[k] = NMX_STREAM_NONE;
    nmx_dissection_t *d = nmx__dissect_ctx(w->ws, b, (uint32_t)n, (uint32_t)n, NMX_LINK_ETHERNET, &ctx);
    assert_non_null(d);
    return d;
}

/* walk_next; the values of ftp-data.setup-frame ("" when it is not
 * ftp-data). */
static const char *next_frame(walk_t *w, const uint8_t *b, size_t n, char *out, size_t outlen)
{
    nmx_dissection_t *d = walk_next(w, b, n);
    snprintf(out, outlen, "%s", fr_values(d, "ftp-data.setup-frame"));
    nmx__dissection_free(d);
    return out;
}

/* The server (.2) announces its port `port` to the client (.1). */
static uint32_t pasv(walk_t *w, unsigned port)
{
    char text[96], v[64];
    uint8_t b[256];
    snprintf(text, sizeof text, "227 Entering Passive Mode (192,168,0,2,%u,%u).\r\n", port >> 8, port & 0xFF);
    next_frame(w, b, tcp_frame(b, 2, 21, 1, 40000, text), v, sizeof v);
    return w->number;
}

/* The same by EPSV: another announcement of the endpoint, not a repeat. */
static uint32_t epsv(walk_t *w, unsigned port)
{
    char text[96], v[64];
    uint8_t b[256];
    snprintf(text, sizeof text, "229 Entering Extended Passive Mode (|||%u|)\r\n", port);
    next_frame(w, b, tcp_frame(b, 2, 21, 1, 40000, text), v, sizeof v);
    return w->number;
}

/* A data segment from the client's port cport to the server's port. */
static const char *data(walk_t *w, unsigned cport, unsigned port, char *v, size_t vlen)
{
    uint8_t b[256];
    return next_frame(w, b, tcp_frame(b, 1, cport, 2, port, "hello"), v, vlen);
}

static void test_many_announcements(void **state)
{
    (void)state;
    walk_t w = {nmx__learned_new(), nmx__proto_ws_new(), 0};
    assert_non_null(w.learned);
    assert_non_null(w.ws);
    char v[64], want[32];
    for (unsigned i = 0; i < N_PASV; i++)
        assert_int_equal(pasv(&w, FIRST_PORT + i), i + 1);
    /* The last, the first and one in the middle are each ftp-data, set
     * up by their own announcement. */
    unsigned ports[] = {FIRST_PORT + N_PASV - 1, FIRST_PORT, FIRST_PORT + 4321};
    for (unsigned k = 0; k < 3; k++) {
        snprintf(want, sizeof want, "%u", ports[k] - FIRST_PORT + 1);
        assert_string_equal(data(&w, 50000 + k, ports[k], v, sizeof v), want);
    }
    /* Never announced: not ftp-data. */
    assert_string_equal(data(&w, 50010, FIRST_PORT - 1, v, sizeof v), "");
    assert_string_equal(data(&w, 50011, FIRST_PORT + N_PASV, v, sizeof v), "");
    nmx__learned_free(w.learned);
    nmx__proto_ws_free(w.ws);
}

static void test_newest_and_exact(void **state)
{
    (void)state;
    walk_t w = {nmx__learned_new(), nmx__proto_ws_new(), 0};
    char v[64], want[32];
    /* Fill the table so that its buckets hold many entries each. */
    for (unsigned i = 0; i < 3000; i++)
        pasv(&w, FIRST_PORT + i);
    uint32_t first = pasv(&w, 7000);
    snprintf(want, sizeof want, "%u", first);
    assert_string_equal(data(&w, 50001, 7000, v, sizeof v), want); /* takes the wildcard port */
    uint32_t second = pasv(&w, 7000); /* the same endpoint again, for a new connection */
    /* The new connection is the second transfer ... */
    snprintf(want, sizeof want, "%u", second);
    assert_string_equal(data(&w, 50002, 7000, v, sizeof v), want);
    /* ... and the first connection stays the first one: an exact match
     * beats the newer announcement. */
    snprintf(want, sizeof want, "%u", first);
    assert_string_equal(data(&w, 50001, 7000, v, sizeof v), want);
    /* A third connection to the endpoint: both announcements are taken. */
    assert_string_equal(data(&w, 50003, 7000, v, sizeof v), "");
    /* Two pending announcements of one endpoint, by PASV then EPSV: the
     * newer one is the transfer. */
    pasv(&w, 7100);
    uint32_t newer = epsv(&w, 7100);
    snprintf(want, sizeof want, "%u", newer);
    assert_string_equal(data(&w, 50004, 7100, v, sizeof v), want);
    nmx__learned_free(w.learned);
    nmx__proto_ws_free(w.ws);
}

/* A segment between client 10.<c> (24 bits) port cport and server 10.9.9.9
 * port 80, either way; a SYN without ACK when syn. */
static size_t conn_segment(uint8_t *b, uint32_t c, unsigned cport, bool to_server, bool syn, const char *text)
{
    uint32_t cl = 0x0A000000u | c, sv = 0x0A090909u;
    uint8_t flags = syn ? 0x02 : 0x18;
    return to_server ? segment(b, cl, cport, sv, 80, flags, text) : segment(b, sv, 80, cl, cport, flags, text);
}

/* walk_next; how many http layers the frame has. */
static unsigned http_layers(walk_t *w, const uint8_t *b, size_t n)
{
    nmx_dissection_t *d = walk_next(w, b, n);
    unsigned http = nmx__proto_id(nmx__proto_by_name("http")), k = 0;
    for (unsigned i = 0; i < d->recog->nRecognizeDatas; i++)
        k += d->recog->RecognizeData[i].ProtocolID == http;
    nmx__dissection_free(d);
    return k;
}

/*
 * 100,000 HTTP connections, each a SYN, a request and a response's body
 * (a continuation: an http item because a request was seen on it, a fact
 * of the connection).  Every connection's facts are kept, so the last
 * body is http as the first is; a table of 65,536 facts (SYNs taking half)
 * lost them from the 32,769th connection on.
 */
#define N_CONNS 100000u
static void test_many_connections(void **state)
{
    (void)state;
    walk_t w = {nmx__learned_new(), nmx__proto_ws_new(), 0};
    assert_non_null(w.learned);
    uint8_t b[256];
    unsigned shown = 0;
    for (uint32_t c = 0; c < N_CONNS; c++) {
        unsigned port = 1024 + c % 60000;
        assert_int_equal(http_layers(&w, b, conn_segment(b, c, port, true, true, "")), 0);
        assert_int_equal(http_layers(&w, b, conn_segment(b, c, port, true, false, "GET / HTTP/1.1\r\n\r\n")), 1);
        shown += http_layers(&w, b, conn_segment(b, c, port, false, false, "\x01\x02 body"));
    }
    assert_int_equal(shown, N_CONNS);
    nmx__learned_free(w.learned);
    nmx__proto_ws_free(w.ws);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_announcements),
        cmocka_unit_test(test_newest_and_exact),
        cmocka_unit_test(test_many_connections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
