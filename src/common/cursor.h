/*
 * cursor.h - the bounded byte cursor every parser of untrusted input uses.
 *
 * A cursor is a window {p, left} over bytes someone else owns.  Every read
 * checks `left` first and returns false, without moving, when the bytes are
 * not there; so a parser can never read out of bounds, and truncation is an
 * ordinary return value (STYLE.md 13).  `base` remembers where the window
 * started, so errors can name an absolute offset.
 */
#ifndef NMX_COMMON_CURSOR_H
#define NMX_COMMON_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct nmx__cursor {
    const uint8_t *p;    /* next unread byte */
    size_t left;         /* bytes that may still be read */
    const uint8_t *base; /* start of the whole buffer, for offsets */
} nmx_cursor_t;

static inline nmx_cursor_t nmx__cursor(const void *data, size_t len)
{
    nmx_cursor_t c = {(const uint8_t *)data, len, (const uint8_t *)data};
    return c;
}

/* Offset of the next unread byte from the start of the buffer. */
static inline size_t nmx__cur_offset(const nmx_cursor_t *c)
{
    return (size_t)(c->p - c->base);
}

static inline bool nmx__cur_has(const nmx_cursor_t *c, size_t n)
{
    return c->left >= n;
}

static inline bool nmx__cur_skip(nmx_cursor_t *c, size_t n)
{
    if (c->left < n)
        return false;
    c->p += n;
    c->left -= n;
    return true;
}

/* Points *out at the next n bytes and consumes them. */
static inline bool nmx__cur_bytes(nmx_cursor_t *c, size_t n, const uint8_t **out)
{
    if (c->left < n)
        return false;
    *out = c->p;
    c->p += n;
    c->left -= n;
    return true;
}

static inline bool nmx__cur_copy(nmx_cursor_t *c, void *dst, size_t n)
{
    if (c->left < n)
        return false;
    memcpy(dst, c->p, n);
    c->p += n;
    c->left -= n;
    return true;
}

/* Splits off the next n bytes as a cursor of their own (same base). */
static inline bool nmx__cur_sub(nmx_cursor_t *c, size_t n, nmx_cursor_t *sub)
{
    if (c->left < n)
        return false;
    sub->p = c->p;
    sub->left = n;
    sub->base = c->base;
    c->p += n;
    c->left -= n;
    return true;
}

/* Unchecked loads; call only after a bounds check. */
static inline uint16_t nmx__load_u16be(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}
static inline uint16_t nmx__load_u16le(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[1] << 8 | p[0]);
}
static inline uint32_t nmx__load_u32be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint32_t nmx__load_u32le(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}
static inline uint64_t nmx__load_u64be(const uint8_t *p)
{
    return (uint64_t)nmx__load_u32be(p) << 32 | nmx__load_u32be(p + 4);
}
static inline uint64_t nmx__load_u64le(const uint8_t *p)
{
    return (uint64_t)nmx__load_u32le(p + 4) << 32 | nmx__load_u32le(p);
}

static inline void nmx__store_u16le(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void nmx__store_u32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void nmx__store_u64le(uint8_t *p, uint64_t v)
{
    nmx__store_u32le(p, (uint32_t)v);
    nmx__store_u32le(p + 4, (uint32_t)(v >> 32));
}
static inline void nmx__store_u16be(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void nmx__store_u32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Checked reads: false (and no movement) when the bytes are missing. */
#define NMX_CUR_READER(name, type, n, load)                    \
    static inline bool name(nmx_cursor_t *c, type *out)        \
    {                                                          \
        if (c->left < (n))                                     \
            return false;                                      \
        *out = load(c->p);                                     \
        c->p += (n);                                           \
        c->left -= (n);                                        \
        return true;                                           \
    }

/* An unsigned integer of n bytes (the first 8 when n > 8), little-endian
 * when `le`, else in network order. */
static inline uint64_t nmx__load_uint(const uint8_t *p, size_t n, bool le)
{
    uint64_t v = 0;
    if (n > 8)
        n = 8;
    if (le)
        for (size_t i = n; i-- > 0;)
            v = v << 8 | p[i];
    else
        for (size_t i = 0; i < n; i++)
            v = v << 8 | p[i];
    return v;
}

static inline uint8_t nmx__load_u8(const uint8_t *p)
{
    return p[0];
}
NMX_CUR_READER(nmx__cur_u8, uint8_t, 1, nmx__load_u8)
NMX_CUR_READER(nmx__cur_u16be, uint16_t, 2, nmx__load_u16be)
NMX_CUR_READER(nmx__cur_u16le, uint16_t, 2, nmx__load_u16le)
NMX_CUR_READER(nmx__cur_u32be, uint32_t, 4, nmx__load_u32be)
NMX_CUR_READER(nmx__cur_u32le, uint32_t, 4, nmx__load_u32le)
NMX_CUR_READER(nmx__cur_u64be, uint64_t, 8, nmx__load_u64be)
NMX_CUR_READER(nmx__cur_u64le, uint64_t, 8, nmx__load_u64le)
#undef NMX_CUR_READER

/* Peek at byte i ahead without consuming; false if it is not there. */
static inline bool nmx__cur_peek_u8(const nmx_cursor_t *c, size_t i, uint8_t *out)
{
    if (c->left <= i)
        return false;
    *out = c->p[i];
    return true;
}

#endif /* NMX_COMMON_CURSOR_H */
