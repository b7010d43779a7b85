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

/* ===================================================================== */
/* Checked accessors at an offset                                         */
/* ===================================================================== */
/*
 * These read or look at the cursor's bytes `off` bytes ahead of its next
 * byte without consuming anything.  Each checks that [off, off + n) lies
 * inside the window, with arithmetic that cannot wrap (off near SIZE_MAX is
 * simply out of range), so no caller can read past the window its parent
 * gave it.  The dissectors (src/proto/dis_*.c) read frame bytes only
 * through these and the consuming readers above; scripts/check-checked-reads.py
 * enforces that.
 */

/* Whether the n bytes at off lie inside the window. */
static inline bool nmx__cur_in(const nmx_cursor_t *c, size_t off, size_t n)
{
    return off <= c->left && n <= c->left - off;
}

/* Peek at byte i ahead without consuming; false if it is not there. */
static inline bool nmx__cur_peek_u8(const nmx_cursor_t *c, size_t i, uint8_t *out)
{
    if (!nmx__cur_in(c, i, 1))
        return false;
    *out = c->p[i];
    return true;
}

#define NMX_CUR_PEEKER(name, type, n, load)                                  \
    static inline bool name(const nmx_cursor_t *c, size_t off, type *out)    \
    {                                                                        \
        if (!nmx__cur_in(c, off, (n)))                                       \
            return false;                                                    \
        *out = load(c->p + off);                                             \
        return true;                                                         \
    }
static inline uint32_t nmx__load_u24be(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}
NMX_CUR_PEEKER(nmx__cur_peek_u16be, uint16_t, 2, nmx__load_u16be)
NMX_CUR_PEEKER(nmx__cur_peek_u16le, uint16_t, 2, nmx__load_u16le)
NMX_CUR_PEEKER(nmx__cur_peek_u24be, uint32_t, 3, nmx__load_u24be)
NMX_CUR_PEEKER(nmx__cur_peek_u32be, uint32_t, 4, nmx__load_u32be)
NMX_CUR_PEEKER(nmx__cur_peek_u32le, uint32_t, 4, nmx__load_u32le)
NMX_CUR_PEEKER(nmx__cur_peek_u64be, uint64_t, 8, nmx__load_u64be)
NMX_CUR_PEEKER(nmx__cur_peek_u64le, uint64_t, 8, nmx__load_u64le)
#undef NMX_CUR_PEEKER

/*
 * The same reads as values, for code that has already checked the length
 * (or for which a missing byte and a zero byte mean the same): 0 when the
 * bytes are not inside the window, never a read outside it.
 */
#define NMX_CUR_GETTER(name, peek, type)                                   \
    static inline type name(const nmx_cursor_t *c, size_t off)             \
    {                                                                      \
        type v;                                                            \
        return peek(c, off, &v) ? v : 0;                                   \
    }
NMX_CUR_GETTER(nmx__cur_get_u8, nmx__cur_peek_u8, uint8_t)
NMX_CUR_GETTER(nmx__cur_get_u16be, nmx__cur_peek_u16be, uint16_t)
NMX_CUR_GETTER(nmx__cur_get_u16le, nmx__cur_peek_u16le, uint16_t)
NMX_CUR_GETTER(nmx__cur_get_u24be, nmx__cur_peek_u24be, uint32_t)
NMX_CUR_GETTER(nmx__cur_get_u32be, nmx__cur_peek_u32be, uint32_t)
NMX_CUR_GETTER(nmx__cur_get_u32le, nmx__cur_peek_u32le, uint32_t)
NMX_CUR_GETTER(nmx__cur_get_u64be, nmx__cur_peek_u64be, uint64_t)
NMX_CUR_GETTER(nmx__cur_get_u64le, nmx__cur_peek_u64le, uint64_t)
#undef NMX_CUR_GETTER

/* Copies the n bytes at off into dst without consuming them. */
static inline bool nmx__cur_peek_copy(const nmx_cursor_t *c, size_t off, void *dst, size_t n)
{
    if (!nmx__cur_in(c, off, n))
        return false;
    if (n)
        memcpy(dst, c->p + off, n);
    return true;
}

/* *sub = the n bytes at off, as a cursor of their own (same base). */
static inline bool nmx__cur_window(const nmx_cursor_t *c, size_t off, size_t n, nmx_cursor_t *sub)
{
    if (!nmx__cur_in(c, off, n))
        return false;
    sub->p = c->p + off;
    sub->left = n;
    sub->base = c->base;
    return true;
}

/* *sub = everything from off to the end of the window. */
static inline bool nmx__cur_from(const nmx_cursor_t *c, size_t off, nmx_cursor_t *sub)
{
    if (off > c->left)
        return false;
    return nmx__cur_window(c, off, c->left - off, sub);
}

/* Whether the n bytes at off equal s (false when they are not all there). */
static inline bool nmx__cur_match(const nmx_cursor_t *c, size_t off, const void *s, size_t n)
{
    return nmx__cur_in(c, off, n) && (n == 0 || memcmp(c->p + off, s, n) == 0);
}

/* The same, ASCII letters compared without regard to case. */
static inline bool nmx__cur_match_ci(const nmx_cursor_t *c, size_t off, const char *s, size_t n)
{
    if (!nmx__cur_in(c, off, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t a = c->p[off + i], b = (uint8_t)s[i];
        if (a >= 'A' && a <= 'Z')
            a = (uint8_t)(a + 32);
        if (b >= 'A' && b <= 'Z')
            b = (uint8_t)(b + 32);
        if (a != b)
            return false;
    }
    return true;
}

/* The offset of the first byte at or after `from` that equals a or b
 * (pass a == b for one byte); c->left when there is none (or from is past
 * the end). */
static inline size_t nmx__cur_find2(const nmx_cursor_t *c, size_t from, uint8_t a, uint8_t b)
{
    /* memchr, not a byte loop: the text parsers look for line ends in
     * every payload on their ports, binary ones (a download) included, and
     * libc's memchr reads a vector at a time.  b is looked for only before
     * the first a. */
    if (from >= c->left)
        return c->left;
    const uint8_t *pa = memchr(c->p + from, a, c->left - from);
    size_t end = pa != NULL ? (size_t)(pa - c->p) : c->left;
    const uint8_t *pb = a == b || end == from ? NULL : memchr(c->p + from, b, end - from);
    return pb != NULL ? (size_t)(pb - c->p) : end;
}

/* The offset of the first byte at or after `from` that equals a. */
static inline size_t nmx__cur_find(const nmx_cursor_t *c, size_t from, uint8_t a)
{
    return nmx__cur_find2(c, from, a, a);
}

/* Wireshark's tvb_find_line_end: where the line starting at `at` ends (its
 * first CR or LF; c->left when it has none), and in *next where the line
 * after it starts (past CR, LF or CRLF; c->left when it has no end). */
static inline size_t nmx__cur_line_end(const nmx_cursor_t *c, size_t at, size_t *next)
{
    size_t e = nmx__cur_find2(c, at, '\r', '\n');
    *next = e >= c->left ? c->left : e + (nmx__cur_match(c, e, "\r\n", 2) ? 2 : 1);
    return e;
}

/* FNV-1a (64-bit) over the bytes [at, at + n) of c that are there: a key
 * for a name or id found in a frame (SIP's Call-ID, SMB2's file id). */
static inline uint64_t nmx__cur_fnv1a(const nmx_cursor_t *c, size_t at, size_t n)
{
    uint64_t h = 14695981039346656037u;
    uint8_t b;
    for (size_t i = at; i - at < n && nmx__cur_peek_u8(c, i, &b); i++)
        h = (h ^ b) * 1099511628211u;
    return h;
}

#endif /* NMX_COMMON_CURSOR_H */
