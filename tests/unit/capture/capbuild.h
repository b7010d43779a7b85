/*
 * capbuild.h - byte-level builders for the capture tests: a growable buffer
 * with little- and big-endian appends, and helpers that lay out pcap,
 * pcapng and NetMon structures exactly as the formats define them, so that
 * the tests do not depend on the writer they also test.
 */
#ifndef NMX_TESTS_CAPBUILD_H
#define NMX_TESTS_CAPBUILD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct buf {
    uint8_t *p;
    size_t n;
    size_t cap;
    bool be; /* append multi-byte values big-endian */
} buf_t;

static inline void buf_reserve(buf_t *b, size_t more)
{
    if (b->n + more <= b->cap)
        return;
    size_t c = b->cap ? b->cap : 256;
    while (c < b->n + more)
        c *= 2;
    uint8_t *p = realloc(b->p, c);
    if (p == NULL)
        abort();
    b->p = p;
    b->cap = c;
}

static inline void buf_bytes(buf_t *b, const void *d, size_t n)
{
    buf_reserve(b, n);
    if (n > 0)
        memcpy(b->p + b->n, d, n);
    b->n += n;
}

static inline void buf_u8(buf_t *b, uint8_t v)
{
    buf_bytes(b, &v, 1);
}

static inline void buf_u16(buf_t *b, uint16_t v)
{
    uint8_t t[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    if (b->be) {
        t[0] = (uint8_t)(v >> 8);
        t[1] = (uint8_t)v;
    }
    buf_bytes(b, t, 2);
}

static inline void buf_u32(buf_t *b, uint32_t v)
{
    uint8_t t[4];
    for (int k = 0; k < 4; k++)
        t[b->be ? 3 - k : k] = (uint8_t)(v >> (8 * k));
    buf_bytes(b, t, 4);
}

static inline void buf_u64(buf_t *b, uint64_t v)
{
    uint8_t t[8];
    for (int k = 0; k < 8; k++)
        t[b->be ? 7 - k : k] = (uint8_t)(v >> (8 * k));
    buf_bytes(b, t, 8);
}

static inline void buf_zero(buf_t *b, size_t n)
{
    buf_reserve(b, n);
    memset(b->p + b->n, 0, n);
    b->n += n;
}

/* Overwrites a 32-bit value at `at` in the buffer's byte order. */
static inline void buf_put32(buf_t *b, size_t at, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        b->p[at + (b->be ? 3 - k : k)] = (uint8_t)(v >> (8 * k));
}

static inline void buf_free(buf_t *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* A recognisable payload: byte k of frame f is (f * 31 + k) & 0xFF. */
static inline void payload(uint8_t *d, size_t n, unsigned f)
{
    for (size_t k = 0; k < n; k++)
        d[k] = (uint8_t)(f * 31u + k);
}

/* ---- pcap ----------------------------------------------------------------- */

static inline void pcap_header(buf_t *b, uint32_t magic, uint16_t major, uint16_t minor,
                               uint32_t snaplen, uint32_t linktype)
{
    buf_u32(b, magic);
    buf_u16(b, major);
    buf_u16(b, minor);
    buf_u32(b, 0);
    buf_u32(b, 0);
    buf_u32(b, snaplen);
    buf_u32(b, linktype);
}

/* A record with caplen bytes of payload(f); `extra` adds the modified format's 8 bytes. */
static inline void pcap_record(buf_t *b, uint32_t sec, uint32_t sub, uint32_t caplen,
                               uint32_t wirelen, unsigned f, bool extra)
{
    buf_u32(b, sec);
    buf_u32(b, sub);
    buf_u32(b, caplen);
    buf_u32(b, wirelen);
    if (extra) {
        buf_u32(b, 3); /* ifindex */
        buf_u16(b, 0x0800);
        buf_u8(b, 0);
        buf_u8(b, 0);
    }
    buf_reserve(b, caplen);
    payload(b->p + b->n, caplen, f);
    b->n += caplen;
}

/* ---- pcapng --------------------------------------------------------------- */

/* Starts a block; returns its offset for ng_end. */
static inline size_t ng_begin(buf_t *b, uint32_t type)
{
    size_t at = b->n;
    buf_u32(b, type);
    buf_u32(b, 0); /* length, patched by ng_end */
    return at;
}

static inline void ng_pad(buf_t *b)
{
    while (b->n % 4 != 0)
        buf_u8(b, 0);
}

static inline void ng_option(buf_t *b, uint16_t code, const void *val, uint16_t len)
{
    buf_u16(b, code);
    buf_u16(b, len);
    buf_bytes(b, val, len);
    ng_pad(b);
}

static inline void ng_end_options(buf_t *b)
{
    buf_u16(b, 0);
    buf_u16(b, 0);
}

static inline void ng_end(buf_t *b, size_t at)
{
    uint32_t len = (uint32_t)(b->n - at + 4);
    buf_u32(b, len);
    buf_put32(b, at + 4, len);
}

static inline void ng_shb(buf_t *b, const char *comment)
{
    size_t at = ng_begin(b, 0x0A0D0D0A);
    buf_u32(b, 0x1A2B3C4D);
    buf_u16(b, 1);
    buf_u16(b, 0);
    buf_u64(b, UINT64_MAX); /* section length unknown */
    if (comment != NULL) {
        ng_option(b, 1, comment, (uint16_t)strlen(comment));
        ng_end_options(b);
    }
    ng_end(b, at);
}

/* tsresol < 0: no if_tsresol option. */
static inline void ng_idb(buf_t *b, uint16_t linktype, uint32_t snaplen, int tsresol,
                          bool with_offset, int64_t tsoffset)
{
    size_t at = ng_begin(b, 1);
    buf_u16(b, linktype);
    buf_u16(b, 0);
    buf_u32(b, snaplen);
    if (tsresol >= 0 || with_offset) {
        if (tsresol >= 0) {
            uint8_t r = (uint8_t)tsresol;
            ng_option(b, 9, &r, 1);
        }
        if (with_offset) {
            buf_u16(b, 14);
            buf_u16(b, 8);
            buf_u64(b, (uint64_t)tsoffset);
        }
        ng_end_options(b);
    }
    ng_end(b, at);
}

static inline void ng_epb(buf_t *b, uint32_t iface, uint64_t ticks, uint32_t caplen,
                          uint32_t wirelen, unsigned f, const char *comment)
{
    size_t at = ng_begin(b, 6);
    buf_u32(b, iface);
    buf_u32(b, (uint32_t)(ticks >> 32));
    buf_u32(b, (uint32_t)ticks);
    buf_u32(b, caplen);
    buf_u32(b, wirelen);
    buf_reserve(b, caplen);
    payload(b->p + b->n, caplen, f);
    b->n += caplen;
    ng_pad(b);
    if (comment != NULL) {
        ng_option(b, 1, comment, (uint16_t)strlen(comment));
        ng_end_options(b);
    }
    ng_end(b, at);
}

static inline void ng_pb(buf_t *b, uint16_t iface, uint64_t ticks, uint32_t caplen,
                         uint32_t wirelen, unsigned f)
{
    size_t at = ng_begin(b, 2);
    buf_u16(b, iface);
    buf_u16(b, 0); /* drops */
    buf_u32(b, (uint32_t)(ticks >> 32));
    buf_u32(b, (uint32_t)ticks);
    buf_u32(b, caplen);
    buf_u32(b, wirelen);
    buf_reserve(b, caplen);
    payload(b->p + b->n, caplen, f);
    b->n += caplen;
    ng_pad(b);
    ng_end(b, at);
}

static inline void ng_spb(buf_t *b, uint32_t wirelen, uint32_t stored, unsigned f)
{
    size_t at = ng_begin(b, 3);
    buf_u32(b, wirelen);
    buf_reserve(b, stored);
    payload(b->p + b->n, stored, f);
    b->n += stored;
    ng_pad(b);
    ng_end(b, at);
}

/* A block of any type with n opaque body bytes (NRB, ISB, DSB, custom, unknown). */
static inline void ng_opaque(buf_t *b, uint32_t type, size_t n)
{
    size_t at = ng_begin(b, type);
    for (size_t k = 0; k < n; k++)
        buf_u8(b, (uint8_t)(0xA5 ^ k));
    ng_pad(b);
    ng_end(b, at);
}

/* Name resolution block with one IPv4 record. */
static inline void ng_nrb(buf_t *b, const uint8_t ip[4], const char *name)
{
    size_t at = ng_begin(b, 4);
    size_t n = strlen(name) + 1;
    buf_u16(b, 1); /* nrb_record_ipv4 */
    buf_u16(b, (uint16_t)(4 + n));
    buf_bytes(b, ip, 4);
    buf_bytes(b, name, n);
    ng_pad(b);
    buf_u16(b, 0); /* nrb_record_end */
    buf_u16(b, 0);
    ng_end(b, at);
}

/* Interface statistics block without options. */
static inline void ng_isb(buf_t *b, uint32_t iface, uint64_t ticks)
{
    size_t at = ng_begin(b, 5);
    buf_u32(b, iface);
    buf_u32(b, (uint32_t)(ticks >> 32));
    buf_u32(b, (uint32_t)ticks);
    ng_end(b, at);
}

/* Decryption secrets block (TLS key log) with n bytes of text. */
static inline void ng_dsb(buf_t *b, const char *secrets)
{
    size_t at = ng_begin(b, 0x0A);
    size_t n = strlen(secrets);
    buf_u32(b, 0x544c534b); /* TLS key log */
    buf_u32(b, (uint32_t)n);
    buf_bytes(b, secrets, n);
    ng_pad(b);
    ng_end(b, at);
}

/* Custom block (type 0xBAD or 0x40000BAD) with a private enterprise number. */
static inline void ng_custom(buf_t *b, uint32_t type, const char *data)
{
    size_t at = ng_begin(b, type);
    buf_u32(b, 32473); /* the example PEN */
    buf_bytes(b, data, strlen(data));
    ng_pad(b);
    ng_end(b, at);
}

/* ---- NetMon ------------------------------------------------------------------- */

/* A 128-byte NetMon header; table and comment fields are patched later with buf_put32. */
static inline void nm_header(buf_t *b, const char *sig, uint8_t major, uint8_t minor,
                             uint16_t mactype, const uint16_t st[8])
{
    buf_bytes(b, sig, 4);
    buf_u8(b, minor);
    buf_u8(b, major);
    buf_u16(b, mactype);
    for (int k = 0; k < 8; k++)
        buf_u16(b, st[k]);
    buf_zero(b, 128 - 24);
}

/* A 2.x record; trailer_len 0, 2, 6 or 15; returns its offset. */
static inline size_t nm_record2(buf_t *b, int64_t delta_us, uint32_t caplen, uint32_t wirelen,
                                unsigned f, unsigned trailer_len, uint16_t media, uint64_t filetime)
{
    size_t at = b->n;
    buf_u64(b, (uint64_t)delta_us);
    buf_u32(b, wirelen);
    buf_u32(b, caplen);
    buf_reserve(b, caplen);
    payload(b->p + b->n, caplen, f);
    b->n += caplen;
    if (trailer_len >= 2)
        buf_u16(b, media);
    if (trailer_len >= 6)
        buf_u32(b, 0); /* process info index */
    if (trailer_len >= 15) {
        buf_u64(b, filetime);
        buf_u8(b, 0); /* time zone index */
    }
    return at;
}

/* A 1.x record; returns its offset. */
static inline size_t nm_record1(buf_t *b, uint32_t delta_ms, uint16_t caplen, uint16_t wirelen,
                                unsigned f)
{
    size_t at = b->n;
    buf_u32(b, delta_ms);
    buf_u16(b, wirelen);
    buf_u16(b, caplen);
    buf_reserve(b, caplen);
    payload(b->p + b->n, caplen, f);
    b->n += caplen;
    return at;
}

/* Appends the frame table and points the header at it. */
static inline void nm_table(buf_t *b, const size_t *offs, size_t n)
{
    size_t at = b->n;
    for (size_t k = 0; k < n; k++)
        buf_u32(b, (uint32_t)offs[k]);
    buf_put32(b, 24, (uint32_t)at);
    buf_put32(b, 28, (uint32_t)(4 * n));
}

/* Writes bytes to a temporary file; returns its path (static buffer per call site). */
static inline bool write_file(const char *path, const uint8_t *d, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return false;
    bool ok = fwrite(d, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

#endif /* NMX_TESTS_CAPBUILD_H */
