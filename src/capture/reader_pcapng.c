/*
 * reader_pcapng.c - a bounded pcapng block reader.
 *
 * libpcap refuses valid files whose interfaces have different snapshot
 * lengths (the shared set's 126-interface file), so this reader walks the
 * blocks itself:
 *
 *   block: type u32 | total length u32 | body ... | total length u32
 *
 * Every block's length is checked before its body is touched: at least 12,
 * a multiple of 4, at most NMX_CAP_MAX_PCAPNG_BLOCK, inside the file, and
 * equal to the trailing copy.  Bodies are then read through a cursor bounded
 * by the block.  Handled: any number of sections (each with its own byte
 * order; interface numbers restart), interface description blocks with
 * if_tsresol (powers of 10 and of 2) and if_tsoffset, enhanced, simple and
 * obsolete packet blocks, opt_comment on sections and packets.  Name
 * resolution, statistics, decryption secrets, custom and unknown blocks are
 * checked for length and skipped.
 *
 * The first section header must be good, or the open fails; anything wrong
 * after it stops reading with the frames so far kept (damage).
 */
#include "capture/cap_internal.h"

#include <stdio.h>
#include <stdlib.h>

#include <netmon.h>

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_PB 0x00000002u  /* obsolete packet block */
#define BT_SPB 0x00000003u
#define BT_EPB 0x00000006u
#define BOM 0x1A2B3C4Du

#define OPT_END 0
#define OPT_COMMENT 1
#define IF_NAME 2
#define IF_DESCRIPTION 3
#define IF_TSRESOL 9
#define IF_TSOFFSET 14

/* Time conversion of one interface (parallel to cap->ifaces). */
typedef struct ng_clock {
    uint64_t units;    /* ticks per second */
    int64_t offset_s;  /* if_tsoffset, seconds */
} ng_clock_t;

typedef struct ng_state {
    bool big_endian;
    size_t off;                /* next block */
    uint32_t sections;         /* sections seen */
    bool first_big_endian;     /* byte order of the first section */
    bool mixed_order;          /* sections differ in byte order */
    uint32_t sec_first_iface;  /* global number of the current section's interface 0 */
    uint32_t sec_n_ifaces;     /* interfaces in the current section */
    ng_clock_t *clocks;
    uint32_t n_clocks;
    uint32_t clocks_cap;
    unsigned major;
    unsigned minor;
    nmx_cap_window_t win;      /* blocks, read ahead */
    const uint8_t *blk;        /* the block being parsed (in win, or in the image) */
    uint64_t blk_off;          /* and its image offset */
} ng_state_t;

/* The image offset of the next byte of a cursor over the current block. */
static uint64_t at(const ng_state_t *s, const nmx_cursor_t *c)
{
    return s->blk_off + nmx__cur_offset(c);
}

/* A problem found while parsing a block: where and why. */
typedef struct ng_problem {
    uint64_t off;
    char why[NMX_ERROR_MSG_MAX];
} ng_problem_t;

static bool problem(ng_problem_t *p, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool problem(ng_problem_t *p, uint64_t off, const char *fmt, ...)
{
    p->off = off;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->why, sizeof p->why, fmt, ap);
    va_end(ap);
    return false;
}

static uint16_t ld16(const ng_state_t *s, const uint8_t *p)
{
    return s->big_endian ? nmx__load_u16be(p) : nmx__load_u16le(p);
}

static uint32_t ld32(const ng_state_t *s, const uint8_t *p)
{
    return s->big_endian ? nmx__load_u32be(p) : nmx__load_u32le(p);
}

static uint64_t ld64(const ng_state_t *s, const uint8_t *p)
{
    return s->big_endian ? nmx__load_u64be(p) : nmx__load_u64le(p);
}

static nmx_probe_t ng_probe(const nmx_cap_t *cap, const uint8_t *head, size_t len, nmx_error_t *err)
{
    (void)cap;
    (void)err;
    if (len >= 4 && nmx__load_u32le(head) == BT_SHB)
        return NMX_PROBE_MINE;
    return NMX_PROBE_NOT_MINE;
}

/*
 * Checks the block at s->off and returns its type, total length and a cursor
 * over its body (whose base is the block's start: see at()).  A section
 * header sets the byte order for itself and what follows, so its byte-order
 * magic is read before its length.
 */
static bool read_block(const nmx_cap_t *cap, ng_state_t *s, uint32_t *type, uint32_t *len,
                       nmx_cursor_t *body, ng_problem_t *p)
{
    size_t off = s->off;
    size_t left = cap->size - off;
    if (left < 12)
        return problem(p, off, "truncated block header: %zu of at least 12 bytes", left);
    const uint8_t *b = nmx__cap_view(cap, &s->win, off, 12);
    if (b == NULL)
        return problem(p, off, "cannot read 12 bytes at offset %zu: %s", off, NMX_CAP_SHRANK_REASON);
    if (nmx__load_u32le(b) == BT_SHB) {
        if (nmx__load_u32le(b + 8) == BOM)
            s->big_endian = false;
        else if (nmx__load_u32be(b + 8) == BOM)
            s->big_endian = true;
        else
            return problem(p, off + 8, "section header with a bad byte-order magic (%02x %02x %02x %02x)",
                           b[8], b[9], b[10], b[11]);
    }
    *type = ld32(s, b);
    *len = ld32(s, b + 4);
    if (*len < 12)
        return problem(p, off + 4, "block length %u is less than the minimum of 12", *len);
    if (*len % 4 != 0)
        return problem(p, off + 4, "block length %u is not a multiple of 4", *len);
    if (*len > NMX_CAP_MAX_PCAPNG_BLOCK)
        return problem(p, off + 4, "block length %u is larger than the maximum of %u", *len,
                       (unsigned)NMX_CAP_MAX_PCAPNG_BLOCK);
    if (*len > left)
        return problem(p, off, "truncated block: type 0x%08x, %u bytes long, only %zu left in the file",
                       *type, *len, left);
    b = nmx__cap_view(cap, &s->win, off, *len);
    if (b == NULL)
        return problem(p, off, "cannot read %u bytes at offset %zu: %s", *len, off, NMX_CAP_SHRANK_REASON);
    s->blk = b;
    s->blk_off = off;
    uint32_t trailer = ld32(s, b + *len - 4);
    if (trailer != *len)
        return problem(p, off + *len - 4,
                       "block lengths do not match: %u at the start, %u at the end", *len, trailer);
    body->p = b + 8;
    body->left = *len - 12;
    body->base = b;
    return true;
}

/* Calls `fn` for every option in c (code, value, length) until opt_endofopt or the end. */
typedef bool (*option_fn)(nmx_cap_t *cap, ng_state_t *s, uint16_t code, const uint8_t *val,
                          uint16_t len, void *ctx, ng_problem_t *p);

static bool walk_options(nmx_cap_t *cap, ng_state_t *s, nmx_cursor_t *c, option_fn fn, void *ctx,
                         ng_problem_t *p)
{
    while (c->left > 0) {
        uint64_t where = at(s, c);
        if (c->left < 4)
            return problem(p, where, "truncated option header: %zu of 4 bytes", c->left);
        uint16_t code = ld16(s, c->p);
        uint16_t len = ld16(s, c->p + 2);
        nmx__cur_skip(c, 4);
        if (code == OPT_END)
            return true;
        size_t padded = ((size_t)len + 3) & ~(size_t)3;
        const uint8_t *val = c->p;
        if (!nmx__cur_skip(c, padded) && !(len <= c->left && nmx__cur_skip(c, c->left)))
            return problem(p, where, "option %u of length %u runs past the end of its block (%zu left)",
                           code, len, c->left);
        if (fn != NULL && !fn(cap, s, code, val, len, ctx, p))
            return false;
    }
    return true;
}

static bool shb_option(nmx_cap_t *cap, ng_state_t *s, uint16_t code, const uint8_t *val,
                       uint16_t len, void *ctx, ng_problem_t *p)
{
    (void)s;
    (void)ctx;
    (void)p;
    if (code == OPT_COMMENT)
        nmx__cap_capture_comment(cap, nmx__cap_strdup(cap, val, len));
    return true;
}

/* Parses a section header (its length and byte order already checked). */
static bool parse_shb(nmx_cap_t *cap, ng_state_t *s, nmx_cursor_t *body, ng_problem_t *p)
{
    uint64_t where = at(s, body);
    if (body->left < 16)
        return problem(p, where, "section header block too short: %zu body bytes, need 16", body->left);
    unsigned major = ld16(s, body->p + 4);
    unsigned minor = ld16(s, body->p + 6);
    /* 1.0 is the format; 1.2 was written by some libpcap versions and means the same. */
    if (major != 1 || (minor != 0 && minor != 2))
        return problem(p, where + 4, "unsupported pcapng version %u.%u", major, minor);
    nmx__cur_skip(body, 16); /* byte-order magic, version, section length (may be -1) */
    if (!walk_options(cap, s, body, shb_option, NULL, p))
        return false;
    if (s->sections == 0) {
        s->major = major;
        s->minor = minor;
        s->first_big_endian = s->big_endian;
    } else if (s->big_endian != s->first_big_endian) {
        s->mixed_order = true;
    }
    s->sections++;
    s->sec_first_iface = cap->n_ifaces;
    s->sec_n_ifaces = 0;
    return true;
}

typedef struct idb_ctx {
    nmx_cap_iface_t *iface;
    ng_clock_t *clock;
} idb_ctx_t;

static bool idb_option(nmx_cap_t *cap, ng_state_t *s, uint16_t code, const uint8_t *val,
                       uint16_t len, void *vctx, ng_problem_t *p)
{
    idb_ctx_t *ctx = vctx;
    switch (code) {
    case IF_NAME:
    case IF_DESCRIPTION:
        if (ctx->iface->name == NULL || code == IF_NAME)
            ctx->iface->name = nmx__cap_strdup(cap, val, len);
        break;
    case IF_TSRESOL: {
        if (len < 1)
            break;
        unsigned exp = val[0] & 0x7Fu;
        bool pow2 = (val[0] & 0x80u) != 0;
        if ((pow2 && exp > 63) || (!pow2 && exp > 19))
            return problem(p, s->blk_off + (uint64_t)(val - s->blk), "unsupported if_tsresol 0x%02x (%s^-%u)",
                           val[0], pow2 ? "2" : "10", exp);
        uint64_t units = 1;
        for (unsigned k = 0; k < exp; k++)
            units *= pow2 ? 2u : 10u;
        ctx->clock->units = units;
        /* Decimal digits needed to show one tick: ceil(exp * log10(2)) for powers of 2. */
        unsigned digits = pow2 ? (exp * 30103u + 99999u) / 100000u : exp;
        ctx->iface->time_digits = (uint8_t)(digits > 9 ? 9 : digits);
        break;
    }
    case IF_TSOFFSET:
        if (len >= 8)
            ctx->clock->offset_s = (int64_t)ld64(s, val);
        break;
    default:
        break;
    }
    return true;
}

static bool parse_idb(nmx_cap_t *cap, ng_state_t *s, nmx_cursor_t *body, uint64_t block_off,
                      ng_problem_t *p)
{
    uint64_t where = at(s, body);
    if (body->left < 8)
        return problem(p, where, "interface description block too short: %zu body bytes, need 8",
                       body->left);
    nmx_cap_iface_t iface = {
        .linktype = ld16(s, body->p),
        .snaplen = ld32(s, body->p + 4),
        .section = s->sections - 1,
        .time_digits = 6,
    };
    ng_clock_t clock = {.units = 1000000, .offset_s = 0};
    nmx__cur_skip(body, 8);
    idb_ctx_t ctx = {&iface, &clock};
    if (!walk_options(cap, s, body, idb_option, &ctx, p))
        return false;
    if (s->n_clocks == s->clocks_cap) {
        uint32_t n = s->clocks_cap ? s->clocks_cap * 2 : 8;
        if (n > NMX_CAP_MAX_IFACES)
            n = NMX_CAP_MAX_IFACES;
        ng_clock_t *c = n > s->n_clocks ? realloc(s->clocks, (size_t)n * sizeof *c) : NULL;
        if (c == NULL)
            return problem(p, block_off, "more than %u interfaces, or out of memory",
                           (unsigned)NMX_CAP_MAX_IFACES);
        s->clocks = c;
        s->clocks_cap = n;
    }
    nmx_error_t e;
    if (nmx__cap_add_iface(cap, &iface, block_off, &e) < 0)
        return problem(p, block_off, "more than %u interfaces, or out of memory",
                       (unsigned)NMX_CAP_MAX_IFACES);
    s->clocks[s->n_clocks++] = clock;
    s->sec_n_ifaces++;
    return true;
}

static bool packet_option(nmx_cap_t *cap, ng_state_t *s, uint16_t code, const uint8_t *val,
                          uint16_t len, void *ctx, ng_problem_t *p)
{
    (void)s;
    (void)ctx;
    (void)p;
    if (code == OPT_COMMENT)
        nmx__cap_add_frame_comment(cap, nmx__cap_strdup(cap, val, len), NULL);
    return true;
}

/* Ticks since 1970 on interface `g` to nanoseconds. */
static int64_t ticks_to_ns(const ng_state_t *s, uint32_t g, uint64_t ticks, uint16_t *flags)
{
    const ng_clock_t *c = &s->clocks[g];
    uint64_t sec = ticks / c->units;
    int64_t ns;
    if (sec > (uint64_t)INT64_MAX) {
        *flags |= NMX_FRAME_TS_CLAMPED;
        ns = INT64_MAX;
    } else {
        ns = nmx__ts_from_parts((int64_t)sec, ticks % c->units, c->units, flags);
    }
    if (c->offset_s != 0) {
        int64_t off_ns;
        if (__builtin_mul_overflow(c->offset_s, (int64_t)1000000000, &off_ns)) {
            *flags |= NMX_FRAME_TS_CLAMPED;
            return c->offset_s < 0 ? INT64_MIN : INT64_MAX;
        }
        ns = nmx__ts_add(ns, off_ns, flags);
    }
    return ns;
}

/*
 * Enhanced (EPB) and obsolete (PB) packet blocks:
 *   EPB: interface u32 | ts high u32 | ts low u32 | caplen u32 | len u32 | data | options
 *   PB:  interface u16 | drops u16 | ts high | ts low | caplen | len | data | options
 */
static bool parse_packet(nmx_cap_t *cap, ng_state_t *s, uint32_t type, nmx_cursor_t *body,
                         nmx_frame_rec_t *rec, ng_problem_t *p)
{
    uint64_t where = at(s, body);
    const char *what = type == BT_EPB ? "enhanced packet block" : "packet block";
    if (body->left < 20)
        return problem(p, where, "%s too short: %zu body bytes, need 20", what, body->left);
    const uint8_t *b = body->p;
    uint32_t ifc = type == BT_EPB ? ld32(s, b) : ld16(s, b);
    uint64_t ticks = (uint64_t)ld32(s, b + 4) << 32 | ld32(s, b + 8);
    uint32_t caplen = ld32(s, b + 12);
    uint32_t wirelen = ld32(s, b + 16);
    if (ifc >= s->sec_n_ifaces)
        return problem(p, where, "%s for interface %u, but its section has %u interface%s", what, ifc,
                       s->sec_n_ifaces, s->sec_n_ifaces == 1 ? "" : "s");
    nmx__cur_skip(body, 20);
    if (caplen > body->left)
        return problem(p, where + 12, "%s captured length %u runs past the end of the block (%zu left)",
                       what, caplen, body->left);
    uint32_t g = s->sec_first_iface + ifc;
    rec->data_off = at(s, body);
    rec->caplen = caplen;
    rec->wirelen = wirelen;
    rec->iface = (uint16_t)g;
    rec->linktype = cap->ifaces[g].linktype;
    rec->ts_ns = ticks_to_ns(s, g, ticks, &rec->flags);
    size_t padded = ((size_t)caplen + 3) & ~(size_t)3;
    nmx__cur_skip(body, padded <= body->left ? padded : body->left);
    return walk_options(cap, s, body, packet_option, NULL, p);
}

/* Simple packet block: original length u32 | data; interface 0 of the section, no time. */
static bool parse_spb(nmx_cap_t *cap, ng_state_t *s, nmx_cursor_t *body, nmx_frame_rec_t *rec,
                      ng_problem_t *p)
{
    uint64_t where = at(s, body);
    if (s->sec_n_ifaces == 0)
        return problem(p, where, "simple packet block before any interface description block");
    if (body->left < 4)
        return problem(p, where, "simple packet block too short: %zu body bytes, need 4", body->left);
    uint32_t wirelen = ld32(s, body->p);
    nmx__cur_skip(body, 4);
    uint32_t g = s->sec_first_iface;
    uint32_t caplen = wirelen;
    if (cap->ifaces[g].snaplen != 0 && caplen > cap->ifaces[g].snaplen)
        caplen = cap->ifaces[g].snaplen;
    if (caplen > body->left)
        caplen = (uint32_t)body->left;
    rec->data_off = at(s, body);
    rec->caplen = caplen;
    rec->wirelen = wirelen;
    rec->iface = (uint16_t)g;
    rec->linktype = cap->ifaces[g].linktype;
    rec->ts_ns = 0;
    rec->flags |= NMX_FRAME_NO_TS;
    return true;
}

static void finish_detail(nmx_cap_t *cap, const ng_state_t *s)
{
    snprintf(cap->format_detail, sizeof cap->format_detail,
             "pcapng %u.%u, %s, %u section%s, %u interface%s", s->major, s->minor,
             s->mixed_order ? "mixed byte order"
                            : (s->first_big_endian ? "big-endian" : "little-endian"),
             s->sections, s->sections == 1 ? "" : "s", cap->n_ifaces, cap->n_ifaces == 1 ? "" : "s");
}

static unsigned ng_open(nmx_cap_t *cap, void **priv, nmx_error_t *err)
{
    ng_state_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return nmx__cap_fail(cap, err, NMERR_OUT_OF_MEMORY, 0, "out of memory");
    *priv = s;
    cap->format = NMX_CAPFMT_PCAPNG;
    ng_problem_t p;
    uint32_t type = 0, len = 0;
    nmx_cursor_t body;
    if (!read_block(cap, s, &type, &len, &body, &p) || !parse_shb(cap, s, &body, &p))
        return nmx__cap_fail(cap, err, NMERR_INVALID_FILE_FORMAT, p.off, "%s", p.why);
    s->off = len;
    finish_detail(cap, s);
    return 0;
}

static nmx_next_t ng_next(nmx_cap_t *cap, void *priv, nmx_frame_rec_t *rec, nmx_error_t *err)
{
    ng_state_t *s = priv;
    ng_problem_t p;
    for (;;) {
        if (s->off == cap->size) {
            finish_detail(cap, s);
            return NMX_NEXT_EOF;
        }
        uint32_t type = 0, len = 0;
        nmx_cursor_t body;
        bool ok = read_block(cap, s, &type, &len, &body, &p);
        bool frame = false;
        if (ok) {
            switch (type) {
            case BT_SHB:
                ok = parse_shb(cap, s, &body, &p);
                break;
            case BT_IDB:
                ok = parse_idb(cap, s, &body, s->off, &p);
                break;
            case BT_EPB:
            case BT_PB:
                ok = frame = parse_packet(cap, s, type, &body, rec, &p);
                break;
            case BT_SPB:
                ok = frame = parse_spb(cap, s, &body, rec, &p);
                break;
            default: /* NRB, ISB, DSB, custom, unknown: length-checked, skipped */
                break;
            }
        }
        if (!ok) {
            finish_detail(cap, s);
            return nmx__cap_set_damage(cap, err, p.off, "%s", p.why);
        }
        s->off += len;
        if (frame)
            return NMX_NEXT_FRAME;
    }
}

static void ng_close(void *priv)
{
    ng_state_t *s = priv;
    if (s != NULL) {
        free(s->clocks);
        nmx__cap_window_free(&s->win);
    }
    free(s);
}

const nmx_cap_reader_t nmx__pcapng_reader = {
    .name = "pcapng",
    .probe = ng_probe,
    .open = ng_open,
    .next = ng_next,
    .close = ng_close,
};
