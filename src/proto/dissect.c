/*
 * dissect.c - the two entry points of the parser layer (recognize and full
 * dissection), the recording of protocols and property instances, the
 * packing of a dissection into one self-contained block, and the protocol
 * offset and frame address look-ups built on their results.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/linktype.h"
#include "proto/proto_int.h"

/* Upper bound of instances per frame: PROPERTYINSTTABLE indices are WORDs. */
#define NMX_MAX_INSTS 65535u
/* PROPERTYINSTEX header before its data (Length, LengthEx, lpData). */
#define NMX_EX_HDR offsetof(PROPERTYINSTEX, Byte)

/* ===================================================================== */
/* Workspace                                                              */
/* ===================================================================== */

nmx_proto_ws_t *nmx__proto_ws_new(void)
{
    nmx__registry_init();
    return calloc(1, sizeof(nmx_proto_ws_t));
}

void nmx__proto_ws_free(nmx_proto_ws_t *ws)
{
    if (!ws)
        return;
    free(ws->blk);
    free(ws->exi);
    free(ws->ex);
    free(ws->scratch);
    free(ws);
}

/*
 * The result block (pack()).  The instances are recorded in place, after
 * the block's header, so that packing copies only the smaller parts (the
 * Ex records, the recognize table, the slice table) behind them:
 *   nmx_dissection_t | inst[cap] | room for the Ex records and the tables
 * and the block is then cut to what it holds.  BLK_INST is where the
 * instances start; BLK_TAIL the most the two tables take.
 */
#define BLK_ALIGN(n) (((n) + 15) & ~(size_t)15)
#define BLK_INST BLK_ALIGN(sizeof(nmx_dissection_t))
#define BLK_TAIL                                                                                         \
    (BLK_ALIGN(sizeof(RECOGNIZEDATATABLE) + NMX_MAX_LAYERS * sizeof(RECOGNIZEDATA)) +                  \
     sizeof(PROPERTYTABLE) + (NMX_MAX_LAYERS + 1) * sizeof(PROPERTYINSTTABLE))

/*
 * A result block freed by nmx__dissection_free is kept, one per thread, for
 * the thread's next dissection: a walk that dissects frame after frame then
 * reuses one block (hot in the cache) instead of a malloc and a free of a
 * few KiB every frame (5 % of the attach pass).  The thread's key frees it
 * when the thread ends.  Not under AddressSanitizer, which is to see a
 * dissection used after its free.
 */
#define NMX_SPARE_MAX (64u << 10) /* larger blocks go back to malloc */

static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static bool spare_ok;
static _Thread_local nmx_dissection_t *spare;
static _Thread_local bool spare_armed; /* the key is set: its destructor frees `spare` */

static void spare_free(void *unused)
{
    (void)unused;
    free(spare);
    spare = NULL;
}

static void spare_init(void)
{
    spare_ok = pthread_key_create(&spare_key, spare_free) == 0;
}

/* The thread's spare block, made to hold `size` bytes (*got: what it
 * holds), or NULL. */
static uint8_t *spare_take(size_t size, size_t *got)
{
    nmx_dissection_t *b = spare;
    if (b == NULL)
        return NULL;
    spare = NULL;
    if (b->block_size >= size) {
        *got = b->block_size;
        return (uint8_t *)b;
    }
    uint8_t *g = realloc(b, size);
    if (g == NULL)
        free(b);
    return g;
}

/* Keeps d's block as the thread's spare if there is none; true if kept. */
static bool spare_keep(nmx_dissection_t *d)
{
    if (!NMX_DISSECTION_SPARE || spare != NULL || d->block_size > NMX_SPARE_MAX)
        return false;
    if (!spare_armed) {
        if (pthread_once(&spare_once, spare_init) != 0 || !spare_ok ||
            pthread_setspecific(spare_key, &spare_armed) != 0)
            return false;
        spare_armed = true;
    }
    spare = d;
    return true;
}

/* Makes ws->blk hold ncap instances (and ws->exi their indexes) and
 * ex_room bytes of Ex records, keeping what is recorded. */
static bool ws_size_blk(nmx_proto_ws_t *ws, uint32_t ncap, size_t ex_room)
{
    if (ncap > ws->exi_cap) {
        uint16_t *x = realloc(ws->exi, ncap * sizeof(*x));
        if (!x) {
            ws->oom = true;
            return false;
        }
        ws->exi = x;
        ws->exi_cap = ncap;
    }
    size_t size = BLK_INST + (size_t)ncap * sizeof(PROPERTYINST) + BLK_ALIGN(ex_room) + BLK_TAIL;
    size_t got = size;
    uint8_t *b = NULL;
    if (ws->blk != NULL && ws->blk_size >= size) { /* a spare block had the room */
        b = ws->blk;
        got = ws->blk_size;
    } else if (ws->blk == NULL) {
        b = spare_take(size, &got);
    }
    if (b == NULL)
        b = realloc(ws->blk, size);
    if (!b) {
        ws->oom = true;
        return false;
    }
    size = got > size ? got : size;
    ws->blk = b;
    ws->blk_size = size;
    ws->ex_room = ex_room;
    ws->inst = (PROPERTYINST *)(void *)(b + BLK_INST);
    ws->cap = ncap;
    return true;
}

static void ws_reset(nmx_proto_ws_t *ws)
{
    ws->ninst = 0;
    ws->nexi = 0;
    ws->exlen = 0;
    ws->nslices = 1; /* slice 0: frame */
    ws->slice_start[0] = 0;
    ws->n_errors = 0;
    ws->oom = false;
    if (ws->blk != NULL)
        return; /* the last dissection's, not handed out */
    /* A new block the size of the last result and a quarter: frames of a
     * capture are alike, and one that needs more grows it. */
    uint32_t ncap = ws->last_ninst + ws->last_ninst / 4 + 16;
    if (ncap > NMX_MAX_INSTS)
        ncap = NMX_MAX_INSTS;
    if (!ws_size_blk(ws, ncap, ws->last_exlen + ws->last_exlen / 4 + 256))
        ws->cap = 0; /* nothing recorded: ws->oom says why */
}

/* ws_new_inst's way out when the array is full: grows it (up to
 * NMX_MAX_INSTS), kept out of line so that the common case stays a leaf. */
static __attribute__((noinline, cold)) PROPERTYINST *ws_grow_inst(nmx_proto_ws_t *ws)
{
    if (ws->ninst >= NMX_MAX_INSTS || ws->oom)
        return NULL;
    uint32_t ncap = ws->cap ? ws->cap * 2 : 64;
    if (ncap > NMX_MAX_INSTS)
        ncap = NMX_MAX_INSTS;
    if (!ws_size_blk(ws, ncap, ws->ex_room))
        return NULL;
    return &ws->inst[ws->ninst++];
}

/* A new instance slot (every field is set by the caller); NULL when the
 * workspace is full.  cap never exceeds NMX_MAX_INSTS. */
static inline PROPERTYINST *ws_new_inst(nmx_proto_ws_t *ws)
{
    if (__builtin_expect(ws->ninst < ws->cap, 1))
        return &ws->inst[ws->ninst++];
    return ws_grow_inst(ws);
}

/* Room for `need` more bytes of Ex records (out of line: rare). */
static __attribute__((noinline, cold)) bool ws_grow_ex(nmx_proto_ws_t *ws, size_t need)
{
    size_t ncap = ws->excap ? ws->excap * 2 : 1024;
    while (ncap < ws->exlen + need)
        ncap *= 2;
    uint8_t *e = realloc(ws->ex, ncap);
    if (!e) {
        ws->oom = true;
        return false;
    }
    ws->ex = e;
    ws->excap = ncap;
    return true;
}

/*
 * Reserves an Ex record with `n` data bytes and fills its header; returns
 * its offset or SIZE_MAX.  The byte after the data is a NUL (strings).
 */
/* The bytes an Ex record with n data bytes takes (8-aligned). */
static inline size_t ex_need(size_t n)
{
    return (NMX_EX_HDR + n + 1 + 7) & ~(size_t)7;
}

/* Writes the header of an Ex record with n data bytes at the end of the
 * records, whose room the caller has made, and returns it. */
static inline PROPERTYINSTEX *ex_write(nmx_proto_ws_t *ws, size_t n, const uint8_t *src, size_t srclen)
{
    /* Records start 8-aligned in a malloc'd buffer: the header can be written in place. */
    PROPERTYINSTEX *x = (PROPERTYINSTEX *)(void *)(ws->ex + ws->exlen);
    x->Length = (WORD)(srclen > 0xFFFE ? 0xFFFE : srclen);
    x->LengthEx = (WORD)n;
    x->lpData = (void *)(uintptr_t)src;
    x->Byte[n] = 0;
    ws->exlen += ex_need(n);
    return x;
}

static inline size_t ws_new_ex(nmx_proto_ws_t *ws, size_t n, const uint8_t *src, size_t srclen)
{
    size_t need = ex_need(n);
    if (__builtin_expect(ws->exlen + need > ws->excap, 0) && !ws_grow_ex(ws, need))
        return SIZE_MAX;
    size_t off = ws->exlen;
    ex_write(ws, n, src, srclen);
    return off;
}

/* ===================================================================== */
/* Recording                                                              */
/* ===================================================================== */

bool nmx__push_layer(nmx_dctx_t *d, unsigned id, size_t off)
{
    RECOGNIZEDATATABLE *rt = d->rt;
    if (rt->nRecognizeDatas >= (d->partial ? d->max_layers : NMX_MAX_LAYERS) || off > 0xFFFF || d->decoded.on)
        return false;
    RECOGNIZEDATA *r = &rt->RecognizeData[rt->nRecognizeDatas++];
    r->ProtocolID = (WORD)id;
    r->nProtocolOffset = (WORD)off;
    r->InstData = NULL;
    if (d->ws) {
        nmx_proto_ws_t *ws = d->ws;
        ws->slice_start[ws->nslices++] = (uint16_t)(ws->ninst > 0xFFFF ? 0xFFFF : ws->ninst);
    }
    return true;
}

unsigned nmx__layer_index(const nmx_dctx_t *d, unsigned id)
{
    const RECOGNIZEDATATABLE *rt = d->rt;
    unsigned k = 0;
    for (unsigned i = 0; i + 1 < rt->nRecognizeDatas; i++)
        k += rt->RecognizeData[i].ProtocolID == id;
    return k;
}

/* Where the source address of the innermost IPv4 or IPv6 header recorded
 * so far starts in the frame, and its length (4 or 16: the destination
 * follows it in both); false when there is none. */
static bool net_src_at(const nmx_dctx_t *d, size_t *at, size_t *len)
{
    const RECOGNIZEDATATABLE *rt = d->rt;
    for (unsigned i = rt->nRecognizeDatas; i-- > 0;) {
        unsigned id = rt->RecognizeData[i].ProtocolID;
        size_t off = rt->RecognizeData[i].nProtocolOffset;
        if (id == NMX_PROTO_IP || id == NMX_PROTO_IPV6) {
            *at = off + (id == NMX_PROTO_IP ? 12 : 8);
            *len = id == NMX_PROTO_IP ? 4 : 16;
            return true;
        }
    }
    return false;
}

bool nmx__net_src(const nmx_dctx_t *d, nmx_cursor_t *out)
{
    size_t at, len;
    nmx_cursor_t fr = nmx__cursor(d->frame, d->caplen);
    return net_src_at(d, &at, &len) && nmx__cur_window(&fr, at, len, out);
}

bool nmx__learn_ip(const nmx_dctx_t *d, uint8_t *alen, uint8_t src[16], uint8_t dst[16])
{
    size_t at, len;
    nmx_cursor_t fr = nmx__cursor(d->frame, d->caplen);
    if (!net_src_at(d, &at, &len))
        return false;
    *alen = (uint8_t)len;
    return nmx__cur_peek_copy(&fr, at, src, len) && nmx__cur_peek_copy(&fr, at + len, dst, len);
}

/* Width of the value a numeric field stores, in bytes (DWORD or LARGEINT). */
static size_t uint_store_width(const nmx_field_t *f)
{
    return f->store_width;
}

/* A new instance of f for the frame bytes [off, off+len) whose value, of
 * `size` bytes, is kept beside them (PROPERTYINSTEX); NULL when the
 * workspace is full. */
static PROPERTYINSTEX *new_ex_instance(nmx_dctx_t *d, const nmx_field_t *f, size_t off, size_t len,
                                       size_t size)
{
    nmx_proto_ws_t *ws = d->ws;
    if (d->decoded.on) { /* a place in decoded bytes: the text they came from */
        off = d->decoded.off;
        len = d->decoded.span;
    }
    size_t exo = ws_new_ex(ws, size, d->frame + (off <= d->caplen ? off : d->caplen), len);
    if (exo == SIZE_MAX)
        return NULL;
    PROPERTYINST *pi = ws_new_inst(ws);
    if (!pi)
        return NULL;
    ws->exi[ws->nexi++] = (uint16_t)(ws->ninst - 1); /* ninst <= cap <= NMX_MAX_INSTS */
    nmx__inst_write(pi, f, (const void *)(uintptr_t)exo, PROPERTYINST_EX_LENGTH, 0); /* fixed up when packed */
    return (PROPERTYINSTEX *)(void *)(ws->ex + exo);
}

/* Stores v in the w bytes of x (w from uint_store_width). */
static inline void store_uint(PROPERTYINSTEX *x, size_t w, uint64_t v)
{
    switch (w) {
    case 1:
        x->Byte[0] = (BYTE)v;
        break;
    case 2:
        x->Word[0] = (WORD)v;
        break;
    case 4:
        x->Dword[0] = (DWORD)v;
        break;
    default:
        x->LargeInt[0].QuadPart = (int64_t)v;
        break;
    }
}

/* nmx__record_uint's uncommon cases: decoded bytes, or an array to grow. */
static __attribute__((noinline)) void record_uint_slow(nmx_dctx_t *d, const nmx_field_t *f, size_t off,
                                                        size_t len, uint64_t v)
{
    size_t w = uint_store_width(f);
    PROPERTYINSTEX *x = new_ex_instance(d, f, off, len, w);
    if (x != NULL)
        store_uint(x, w, v);
}

void nmx__record_uint(nmx_dctx_t *d, const nmx_field_t *f, size_t off, size_t len, uint64_t v)
{
    /* About one property in five is a number stored by value (a flag bit,
     * a length, a stream number): the common case, where the record and the
     * instance have room, skips new_ex_instance's checks. */
    nmx_proto_ws_t *ws = d->ws;
    size_t w = uint_store_width(f);
    if (__builtin_expect(d->decoded.on || ws->ninst >= ws->cap || ws->exlen + ex_need(w) > ws->excap, 0)) {
        record_uint_slow(d, f, off, len, v);
        return;
    }
    size_t exo = ws->exlen;
    store_uint(ex_write(ws, w, d->frame + (off <= d->caplen ? off : d->caplen), len), w, v);
    uint32_t i = ws->ninst++;
    ws->exi[ws->nexi++] = (uint16_t)i; /* i < cap <= NMX_MAX_INSTS */
    /* The record's offset, fixed up when packed. */
    nmx__inst_write(&ws->inst[i], f, (const void *)(uintptr_t)exo, PROPERTYINST_EX_LENGTH, 0);
}

void nmx__record_bytes(nmx_dctx_t *d, const nmx_field_t *f, size_t off, size_t len, const void *src,
                       size_t n)
{
    if (n > 0xFFFE)
        n = 0xFFFE;
    PROPERTYINSTEX *x = new_ex_instance(d, f, off, len, n);
    if (x != NULL && n > 0)
        memcpy(x->Byte, src, n);
}

/* An instance of f pointing at the frame bytes [off, off+len), which the
 * caller has clamped to the capture. */
static inline void record_raw_inst(nmx_dctx_t *d, const nmx_field_t *f, size_t off, size_t len,
                                   uint32_t iflags)
{
    PROPERTYINST *pi = ws_new_inst(d->ws);
    if (!pi)
        return;
    if (len > 0xFFFE)
        len = 0xFFFE;
    if (len == f->width)
        iflags |= f->raw_iflags;
    nmx__inst_write(pi, f, d->frame + off, (WORD)len, iflags);
    if (iflags & IFLAG_ERROR)
        d->ws->n_errors++;
}

/* nmx__record_raw of decoded bytes [off, off+len): the value as the
 * frame bytes would give it, stored beside the encoded text. */
static void record_decoded(nmx_dctx_t *d, const nmx_field_t *f, size_t off, size_t len, uint32_t iflags)
{
    const uint8_t *b = d->decoded.bytes;
    if (off > d->decoded.len || len > d->decoded.len - off || (iflags & IFLAG_ERROR)) {
        record_raw_inst(d, f, d->decoded.off, d->decoded.span, iflags | IFLAG_ERROR); /* no value */
        return;
    }
    switch (f->ftype) {
    case NMX_FT_UINT:
    case NMX_FT_INT:
    case NMX_FT_BOOL: {
        uint64_t v = len > 0 && len <= 8 ? nmx__load_uint(b + off, len, f->flags & NMX_FF_LE) : 0;
        if (f->mask)
            v = (v & f->mask) >> __builtin_ctzll(f->mask);
        nmx__record_uint(d, f, off, len, v);
        break;
    }
    case NMX_FT_STRING: { /* derived strings are stored as shown */
        char text[1024];
        nmx_value_t v = {.type = NMX_FT_STRING, .bytes = b + off, .len = len};
        size_t n = nmx__value_render(f, &v, text, sizeof text);
        nmx__record_bytes(d, f, off, len, text, n < sizeof text ? n : sizeof text - 1);
        break;
    }
    default:
        nmx__record_bytes(d, f, off, len, b + off, len);
        break;
    }
}

/* nmx__record_raw's uncommon cases: bytes beyond the capture (clamped and
 * flagged), values stored beside the instance, and decoded bytes. */
static __attribute__((noinline)) void record_raw_slow(nmx_dctx_t *d, const nmx_field_t *f, size_t off,
                                                       size_t len, uint32_t iflags)
{
    if (d->decoded.on) {
        record_decoded(d, f, off, len, iflags);
        return;
    }
    /* Clamp to the captured bytes: an instance never points past them. */
    if (off > d->caplen) {
        off = d->caplen;
        len = 0;
        iflags |= IFLAG_ERROR;
    } else if (len > d->caplen - off) {
        len = d->caplen - off;
        iflags |= IFLAG_ERROR;
    }
    if (f->ex_value && !(iflags & IFLAG_ERROR)) {
        nmx__record_extracted(d, f, off, len);
        return;
    }
    record_raw_inst(d, f, off, len, iflags);
}

/* A multi-bit field within its container, or a 3-byte number: the
 * extracted value is stored, so that a reader of the DWORD gets it right. */
void nmx__record_extracted(nmx_dctx_t *d, const nmx_field_t *f, size_t off, size_t len)
{
    /* Most are flag bits of one byte (TCP's, IP's, Ethernet's address bits). */
    uint64_t v = len == 1 ? d->frame[off] : nmx__load_uint(d->frame + off, len, f->flags & NMX_FF_LE);
    if (f->mask)
        v = (v & f->mask) >> __builtin_ctzll(f->mask);
    nmx__record_uint(d, f, off, len, v);
}

void nmx__record_raw(nmx_dctx_t *d, const nmx_field_t *f, size_t off, size_t len, uint32_t iflags)
{
    /* This runs for nearly every property of every frame: the common case
     * (in the capture, no stored value) is a leaf function. */
    if (__builtin_expect(off > d->caplen || len > d->caplen - off || f->ex_value || d->decoded.on, 0)) {
        record_raw_slow(d, f, off, len, iflags);
        return;
    }
    record_raw_inst(d, f, off, len, iflags);
}

/* GLib's base64 alphabet: a character's 6 bits, or -1 (skipped). */
static int b64_rank(uint8_t ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    return ch == '+' ? 62 : ch == '/' ? 63 : ch == '=' ? 0 : -1;
}

bool nmx__decoded_begin(nmx_dctx_t *d, const nmx_cursor_t *c, size_t pos, size_t len, nmx_cursor_t *out)
{
    nmx_cursor_t text;
    if (!d->ws || d->decoded.on || !nmx__cur_window(c, pos, len, &text))
        return false;
    nmx_proto_ws_t *ws = d->ws;
    if (ws->scratch == NULL) {
        ws->scratch = malloc(NMX_DECODED_MAX);
        if (ws->scratch == NULL)
            return false;
        ws->scratch_cap = NMX_DECODED_MAX;
    }
    size_t n = 0;
    unsigned got = 0;
    uint32_t v = 0;
    uint8_t last[2] = {0, 0};
    for (size_t i = 0; i < text.left; i++) {
        uint8_t ch = nmx__cur_get_u8(&text, i);
        int r = b64_rank(ch);
        if (r < 0)
            continue;
        last[1] = last[0];
        last[0] = ch;
        v = v << 6 | (uint32_t)r;
        if (++got < 4)
            continue;
        if (n + 3 > ws->scratch_cap)
            return false;
        ws->scratch[n++] = (uint8_t)(v >> 16);
        if (last[1] != '=')
            ws->scratch[n++] = (uint8_t)(v >> 8);
        if (last[0] != '=')
            ws->scratch[n++] = (uint8_t)v;
        got = 0;
        v = 0;
    }
    if (n == 0)
        return false;
    d->decoded.on = true;
    d->decoded.bytes = ws->scratch;
    d->decoded.len = n;
    d->decoded.off = nmx__off(c) + pos;
    d->decoded.span = len;
    *out = nmx__cursor(ws->scratch, n);
    return true;
}

void nmx__decoded_end(nmx_dctx_t *d)
{
    d->decoded.on = false;
}

/* ===================================================================== */
/* Entry points                                                           */
/* ===================================================================== */

/* The link types with a parser of their own, and the first parser of each
 * frame (the NetMon-only kinds above NMX_LINK_NETMON_BASE go to dis_netmon). */
static void dis_null_host(nmx_dctx_t *d, nmx_cursor_t c) { nmx__dis_null(d, c, false); }
static void dis_null_net(nmx_dctx_t *d, nmx_cursor_t c) { nmx__dis_null(d, c, true); }
static void dis_raw(nmx_dctx_t *d, nmx_cursor_t c) { nmx__dis_raw(d, c, 0); }

static const struct {
    uint32_t linktype;
    void (*dissect)(nmx_dctx_t *d, nmx_cursor_t c);
} link_parsers[] = {
    {NMX_LINK_ETHERNET, nmx__dis_eth},
    {NMX_LINK_NULL, dis_null_host},
    {NMX_LINK_LOOP, dis_null_net},
    {NMX_LINK_RAW, dis_raw},
    {NMX_LINK_IPV4, nmx__dis_ip},
    {NMX_LINK_IPV6, nmx__dis_ipv6},
    {NMX_LINK_LINUX_SLL, nmx__dis_sll},
    {NMX_LINK_LINUX_SLL2, nmx__dis_sll2},
    {NMX_LINK_IEEE802_11_RADIOTAP, nmx__dis_radiotap},
    {NMX_LINK_IEEE802_11, nmx__dis_wlan},
    {NMX_LINK_FDDI, nmx__dis_fddi},
    {NMX_LINK_TOKEN_RING, nmx__dis_tr},
    {NMX_LINK_NFLOG, nmx__dis_nflog},
};

static void dissect_from_link(nmx_dctx_t *d, uint32_t linktype)
{
    nmx_cursor_t c = nmx__cursor(d->frame, d->caplen);
    nmx__dis_frame(d, linktype);
    if (d->fctx != NULL && d->fctx->netmon_comment)
        nmx__push_layer(d, NMX_PROTO_NETMON_HEADER, 0); /* the comment's wrapper: no bytes of the frame */
    for (size_t i = 0; i < sizeof link_parsers / sizeof link_parsers[0]; i++)
        if (link_parsers[i].linktype == linktype) {
            link_parsers[i].dissect(d, c);
            return;
        }
    if (linktype >= NMX_LINK_NETMON_BASE)
        nmx__dis_netmon(d, c, linktype);
}

/* A context with every member zero, copied to start one: an initializer
 * `= {0}` compiles to a string store whose start-up took a third of
 * nmx__dissect_ctx's own time; a copy is a few vector moves. */
static const nmx_dctx_t dctx_zero;

unsigned nmx__recognize(const uint8_t *data, uint32_t caplen, uint32_t wirelen, uint32_t linktype,
                        nmx_recog_buf_t *out, nmx_frame_addrs_t *addrs)
{
    return nmx__recognize_ctx(data, caplen, wirelen, linktype, out, addrs, NULL);
}

unsigned nmx__recognize_ctx(const uint8_t *data, uint32_t caplen, uint32_t wirelen, uint32_t linktype,
                            nmx_recog_buf_t *out, nmx_frame_addrs_t *addrs, const nmx_frame_ctx_t *ctx)
{
    nmx_frame_addrs_t scratch;
    nmx_dctx_t d = dctx_zero; /* the members not set here (the hand-off state) start zero */
    nmx__registry_init(); /* the hand-off tables */
    d.frame = data;
    d.caplen = data ? caplen : 0;
    d.wirelen = wirelen;
    d.rt = &out->table;
    d.addrs = addrs ? addrs : &scratch;
    d.ws = NULL;
    d.depth = 0;
    d.in_error = false;
    d.l4_reported = 0;
    d.fctx = ctx; /* with no workspace, only its number and learned table count */
    out->table.nRecognizeDatas = 0;
    memset(d.addrs, 0, sizeof(*d.addrs));
    dissect_from_link(&d, linktype);
    return out->table.nRecognizeDatas;
}

/* Packs the workspace into one block owned by the caller: ws->blk, whose
 * instances are in place, with the Ex records and the two tables copied
 * behind them, cut to size.  The workspace makes a new block for the next
 * frame. */
static nmx_dissection_t *pack(nmx_proto_ws_t *ws, const nmx_dctx_t *d, uint32_t linktype,
                              const nmx_recog_buf_t *rb)
{
    unsigned nrec = rb->table.nRecognizeDatas;
    unsigned nsl = ws->nslices;
    size_t o_ex = BLK_ALIGN(BLK_INST + ws->ninst * sizeof(PROPERTYINST));
    size_t o_rec = BLK_ALIGN(o_ex + ws->exlen);
    size_t rec_size = sizeof(RECOGNIZEDATATABLE) + nrec * sizeof(RECOGNIZEDATA);
    size_t o_pt = BLK_ALIGN(o_rec + rec_size);
    size_t total = o_pt + sizeof(PROPERTYTABLE) + nsl * sizeof(PROPERTYINSTTABLE);

    /* The Ex records may have outgrown the room the block was made with;
     * a block grown for a large frame is cut to size (in place, as a rule). */
    if (ws->blk == NULL || (total > ws->blk_size && !ws_size_blk(ws, ws->cap, ws->exlen)))
        return NULL;
    if (ws->exlen)
        memcpy(ws->blk + o_ex, ws->ex, ws->exlen);
    uint8_t *blk = ws->blk;
    size_t block_size = ws->blk_size;
    if (ws->blk_size - total > 4096) {
        uint8_t *cut = realloc(blk, total);
        blk = cut != NULL ? cut : blk;
        block_size = cut != NULL ? total : block_size;
    }
    ws->blk = NULL; /* the caller's now */
    ws->inst = NULL;
    ws->last_ninst = ws->ninst;
    ws->last_exlen = ws->exlen;

    nmx_dissection_t *res = (nmx_dissection_t *)(void *)blk;
    RECOGNIZEDATATABLE *rec = (RECOGNIZEDATATABLE *)(void *)(blk + o_rec);
    PROPERTYTABLE *pt = (PROPERTYTABLE *)(void *)(blk + o_pt);
    PROPERTYINST *inst = (PROPERTYINST *)(void *)(blk + BLK_INST);
    uint8_t *ex = blk + o_ex;

    memcpy(rec, &rb->table, rec_size);
    /* Only the Ex instances need their records' addresses (a fifth of
     * them, typically): their list saves a look at every instance. */
    for (uint32_t k = 0; k < ws->nexi; k++) {
        PROPERTYINST *pi = &inst[ws->exi[k]];
        pi->lpPropertyInstEx = (LPPROPERTYINSTEX)(void *)(ex + (uintptr_t)pi->lpData);
    }

    memset(pt, 0, sizeof(PROPERTYTABLE));
    pt->lpFormatBuffer = NULL;
    pt->FormatBufferLength = 0;
    pt->nTotalPropertyInsts = ws->ninst;
    pt->lpFirstPropertyInst = ws->ninst ? inst : NULL;
    pt->nPropertyInstTables = (BYTE)nsl;
    for (unsigned s = 0; s < nsl; s++) {
        uint32_t start = ws->slice_start[s];
        uint32_t end = s + 1 < nsl ? ws->slice_start[s + 1] : ws->ninst;
        pt->PropertyInstTable[s].nPropertyInstIndex = (WORD)start;
        pt->PropertyInstTable[s].nPropertyInsts = (WORD)(end - start);
    }

    res->data = d->frame;
    res->caplen = d->caplen;
    res->wirelen = d->wirelen;
    res->linktype = linktype;
    res->recog = rec;
    res->props = pt;
    res->addrs = *d->addrs;
    res->n_errors = ws->n_errors;
    res->block_size = block_size;
    return res;
}

/*
 * frame.protocols as tshark writes it: the layers' names joined by ':', with
 * "ethertype" after each layer that hands off by EtherType (Ethernet II,
 * VLAN tags, Linux cooked captures), as Wireshark's ethertype dissector
 * shows itself there.  The parts of a chained protocol's message (.chain:
 * an SMB2 compound, say) are layers of their own, as tshark's io,phs
 * counts them, but one dissector call, so one name, as in tshark; so are
 * NBSS's messages in one TCP payload (.per_payload, each message's SMB
 * between them) and the DCE/RPC PDUs of a named pipe's data (one heuristic call; over TCP
 * each PDU is a call of its own, so dcerpc is no .chain).  A DCE/RPC
 * interface's layer (.unlisted) is not named at all, as tshark's
 * frame.protocols does not name it, and does not part such runs.
 */
/* Whether a layer of protocol id is among layers [from, to). */
static bool named_since(const RECOGNIZEDATATABLE *t, unsigned from, unsigned to, unsigned id)
{
    for (unsigned k = from; k < to; k++)
        if (t->RecognizeData[k].ProtocolID == id)
            return true;
    return false;
}

static void protocols_text(const RECOGNIZEDATATABLE *t, char *buf, size_t len)
{
    unsigned n = t->nRecognizeDatas;
    size_t at = 0;
    bool pipe_run = false; /* a run of DCE/RPC PDUs of one SMB or SMB2 pipe's data */
    unsigned payload = 0;  /* the first layer after the latest TCP or UDP layer */
    unsigned prev = 0;     /* the previous layer's id, leaving out the unlisted ones */
    for (unsigned i = 0; i < n; i++) {
        unsigned id = t->RecognizeData[i].ProtocolID, before = prev;
        const nmx_protocol_t *p = nmx__proto_by_id(id);
        if (p != NULL && p->unlisted)
            continue;
        prev = id;
        if (id != NMX_PROTO_DCERPC || before != id)
            pipe_run = id == NMX_PROTO_DCERPC && (before == NMX_PROTO_SMB2 || before == NMX_PROTO_SMB);
        if (id == NMX_PROTO_TCP || id == NMX_PROTO_UDP)
            payload = i + 1;
        if (!p || ((p->chain || (id == NMX_PROTO_DCERPC && pipe_run)) && before == id))
            continue;
        if (p->per_payload && named_since(t, payload, i, id))
            continue;
        bool ethertype = (id == NMX_PROTO_ETH || id == NMX_PROTO_VLAN || id == NMX_PROTO_SLL) &&
                         !(i + 1 < n && t->RecognizeData[i + 1].ProtocolID == NMX_PROTO_LLC);
        /* Pieces are copied, not printed: this runs for every dissected
         * frame, and snprintf cost 8 % of a property-reading run. */
        const char *parts[3] = {at ? ":" : "", nmx__proto_name(p), ethertype && i + 1 < n ? ":ethertype" : ""};
        size_t start = at;
        for (unsigned k = 0; k < 3; k++) {
            size_t l = strlen(parts[k]);
            if (l >= len - at) {
                buf[start] = '\0';
                return;
            }
            memcpy(buf + at, parts[k], l);
            at += l;
        }
    }
    buf[at] = '\0';
}

/*
 * Adds frame.protocols, known only once every layer is recorded, at the end
 * of the frame's slice (where tshark shows it): appended, then moved before
 * the first layer's instances.
 */
static void add_protocols(nmx_dctx_t *d)
{
    nmx_proto_ws_t *ws = d->ws;
    char text[NMX_MAX_LAYERS * 24];
    protocols_text(d->rt, text, sizeof text);
    uint32_t before = ws->ninst;
    if (before >= 0xFFFE)
        return; /* slice starts are WORDs */
    nmx__dis_frame_protocols(d, text);
    if (ws->ninst != before + 1 || ws->nslices < 2)
        return;
    uint32_t at = ws->slice_start[1];
    PROPERTYINST pi = ws->inst[before];
    memmove(&ws->inst[at + 1], &ws->inst[at], (before - at) * sizeof(PROPERTYINST));
    ws->inst[at] = pi;
    /* The Ex list follows the move: frame.protocols (the newest entry, when
     * it is one) to `at`, the instances it passed one place on. */
    for (uint32_t k = 0; k < ws->nexi; k++)
        ws->exi[k] = ws->exi[k] == before ? (uint16_t)at : ws->exi[k] >= at ? (uint16_t)(ws->exi[k] + 1) : ws->exi[k];
    for (unsigned s = 1; s < ws->nslices; s++)
        ws->slice_start[s]++;
}

nmx_dissection_t *nmx__dissect(nmx_proto_ws_t *ws, const uint8_t *data, uint32_t caplen,
                               uint32_t wirelen, uint32_t linktype)
{
    return nmx__dissect_ctx(ws, data, caplen, wirelen, linktype, NULL);
}

nmx_dissection_t *nmx__dissect_ctx(nmx_proto_ws_t *ws, const uint8_t *data, uint32_t caplen,
                                   uint32_t wirelen, uint32_t linktype, const nmx_frame_ctx_t *ctx)
{
    nmx_proto_ws_t *tmp = NULL;
    if (!ws) {
        tmp = nmx__proto_ws_new();
        if (!tmp)
            return NULL;
        ws = tmp;
    }
    nmx__registry_init();
    ws_reset(ws);
    nmx_recog_buf_t rb;
    nmx_frame_addrs_t addrs;
    memset(&addrs, 0, sizeof(addrs));
    nmx_dctx_t d = dctx_zero; /* the members not set here (the hand-off state) start zero */
    d.frame = data;
    d.caplen = data ? caplen : 0;
    d.wirelen = wirelen;
    d.rt = &rb.table;
    d.addrs = &addrs;
    d.ws = ws;
    d.depth = 0;
    d.in_error = false;
    d.l4_reported = 0;
    d.fctx = ctx;
    d.partial = ctx && ctx->partial && ctx->max_layers < NMX_MAX_LAYERS;
    d.max_layers = d.partial ? ctx->max_layers : NMX_MAX_LAYERS;
    rb.table.nRecognizeDatas = 0;
    dissect_from_link(&d, linktype);
    if (ctx && !ws->oom && !d.partial)
        add_protocols(&d); /* a partial dissection does not know every layer */
    nmx_dissection_t *res = ws->oom ? NULL : pack(ws, &d, linktype, &rb);
    if (res != NULL)
        res->older = NULL;
    nmx__proto_ws_free(tmp);
    return res;
}

uint32_t nmx__layers_for(const RECOGNIZEDATATABLE *rt, const uint64_t wants[2], bool *all)
{
    uint32_t keep = 0;
    for (uint32_t k = 0; k < rt->nRecognizeDatas; k++) {
        unsigned id = rt->RecognizeData[k].ProtocolID;
        const nmx_protocol_t *p = nmx__proto_by_id(id);
        bool wanted = nmx__wants_has(wants, id);
        for (unsigned b = 0; p != NULL && b < NMX_MAX_BORROWS && p->borrows[b] != 0; b++)
            wanted = wanted || nmx__wants_has(wants, p->borrows[b]);
        if (wanted || p == NULL || p->nfields == 0)
            keep = k + 1;
    }
    *all = keep >= rt->nRecognizeDatas;
    return keep;
}

void nmx__dissection_free(nmx_dissection_t *d)
{
    while (d != NULL) {
        nmx_dissection_t *next = d->older;
        if (!spare_keep(d))
            free(d);
        d = next;
    }
}

long nmx__dissection_index(const nmx_dissection_t *d, const PROPERTYINST *inst)
{
    if (!d || !inst || !d->props || !d->props->lpFirstPropertyInst)
        return -1;
    uintptr_t a = (uintptr_t)inst;
    uintptr_t lo = (uintptr_t)d->props->lpFirstPropertyInst;
    uintptr_t hi = lo + d->props->nTotalPropertyInsts * sizeof(PROPERTYINST);
    if (a < lo || a >= hi || (a - lo) % sizeof(PROPERTYINST) != 0)
        return -1;
    return (long)((a - lo) / sizeof(PROPERTYINST));
}

LPPROPERTYINST nmx__dissection_find(const nmx_dissection_t *d, const nmx_field_t *f,
                                    const PROPERTYINST *after)
{
    if (!d || !f || !d->props)
        return NULL;
    uint32_t i = 0;
    if (after) {
        long k = nmx__dissection_index(d, after);
        if (k < 0)
            return NULL;
        i = (uint32_t)k + 1;
    }
    for (; i < d->props->nTotalPropertyInsts; i++)
        if (d->props->lpFirstPropertyInst[i].lpPropertyInfo == &f->info)
            return &d->props->lpFirstPropertyInst[i];
    return NULL;
}

/* ===================================================================== */
/* Offsets and addresses                                                  */
/* ===================================================================== */

DWORD nmx__proto_offset(const RECOGNIZEDATATABLE *t, unsigned id)
{
    if (id == NMX_PROTO_FRAME)
        return 0;
    if (!t)
        return (DWORD)-1;
    for (unsigned i = 0; i < t->nRecognizeDatas && i < NMX_MAX_LAYERS; i++)
        if (t->RecognizeData[i].ProtocolID == id)
            return t->RecognizeData[i].nProtocolOffset;
    return (DWORD)-1;
}

DWORD nmx__proto_prev_offset(const RECOGNIZEDATATABLE *t, unsigned id, DWORD start, DWORD *out)
{
    bool found = false;
    DWORD best = 0;
    if (id == NMX_PROTO_FRAME && start > 0) {
        found = true;
        best = 0;
    }
    if (t)
        for (unsigned i = 0; i < t->nRecognizeDatas && i < NMX_MAX_LAYERS; i++) {
            const RECOGNIZEDATA *r = &t->RecognizeData[i];
            if (r->ProtocolID == id && r->nProtocolOffset < start &&
                (!found || r->nProtocolOffset >= best)) {
                best = r->nProtocolOffset;
                found = true;
            }
        }
    if (!found)
        return NMERR_PROTOCOL_NOT_FOUND;
    if (out)
        *out = best;
    return NMERR_SUCCESS;
}

DWORD nmx__frame_address(const uint8_t *data, uint32_t caplen, const nmx_frame_addrs_t *addrs,
                         bool dst, DWORD type, DWORD flags, ADDRESS2 *out, DWORD *offset,
                         DWORD *length)
{
    if (!addrs)
        return NMERR_INVALID_PARAMETER;
    const nmx_addr_loc_t *loc = NULL;
    DWORD len = 0;
    DWORD atype = type;
    switch (type) {
    case ADDRESS_TYPE_ETHERNET:
        loc = &addrs->mac;
        len = 6;
        break;
    case ADDRESS_TYPE_IP:
        loc = &addrs->ip;
        len = 4;
        break;
    case ADDRESS_TYPE_IP6:
        loc = &addrs->ip6;
        len = 16;
        break;
    case ADDRESS_TYPE_FIND_HIGHEST:
        if (addrs->ip.present) {
            loc = &addrs->ip;
            len = 4;
            atype = ADDRESS_TYPE_IP;
        } else if (addrs->ip6.present) {
            loc = &addrs->ip6;
            len = 16;
            atype = ADDRESS_TYPE_IP6;
        } else {
            loc = &addrs->mac;
            len = 6;
            atype = ADDRESS_TYPE_ETHERNET;
        }
        break;
    default:
        return NMERR_PROTOCOL_NOT_FOUND;
    }
    if (!loc->present)
        return NMERR_PROTOCOL_NOT_FOUND;
    DWORD off = dst ? loc->dst : loc->src;
    nmx_cursor_t fr = nmx__cursor(data, data ? caplen : 0);
    uint8_t a[16];
    if (!data || !nmx__cur_peek_copy(&fr, off, a, len))
        return NMERR_PROTOCOL_NOT_FOUND;
    if (out) {
        memset(out, 0, sizeof(*out));
        out->Type = atype;
        memcpy(out->IP6Address, a, len);
        if (atype == ADDRESS_TYPE_ETHERNET && (flags & ADDRESSTYPE_FLAGS_NORMALIZE))
            out->MACAddress[0] &= (BYTE)~0x03u;
    }
    if (offset)
        *offset = off;
    if (length)
        *length = len;
    return NMERR_SUCCESS;
}
