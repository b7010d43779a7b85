/*
 * session.c - expert sessions (spec 1.4): one per Configure or Run call.
 *
 * A session owns the expert's key and heap (src/mem), the host's copy of its
 * status, a buffer holding the last FRAME delivered, and a small cache of
 * dissections (frames with their properties attached), so that property
 * helpers called on an HFRAME find them without parsing the frame again.
 *
 * HFRAME handles encode (session slot, generation, frame number) with the
 * top bit set, so they are never valid user-space pointers and are checked
 * against the session table without being dereferenced.
 */
#include <stdlib.h>
#include <string.h>

#include "common/linktype.h"
#include "runtime/runtime.h"

/* ---- the session table (HFRAME decoding) -------------------------------- */

#define NMX_MAX_SESSIONS 1024u
#define HFRAME_TAG ((uint64_t)1 << 63)

typedef struct slot {
    _Atomic uint32_t gen;   /* odd: in use */
    nmx_session_t *session;
} slot_t;

static slot_t slots[NMX_MAX_SESSIONS];
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local nmx_session_t *current_session;

static bool slot_acquire(nmx_session_t *s)
{
    pthread_mutex_lock(&slots_lock);
    for (uint32_t i = 0; i < NMX_MAX_SESSIONS; i++) {
        uint32_t g = atomic_load(&slots[i].gen);
        if ((g & 1) == 0) {
            slots[i].session = s;
            atomic_store(&slots[i].gen, g + 1);
            s->slot = i;
            s->gen = g + 1;
            pthread_mutex_unlock(&slots_lock);
            return true;
        }
    }
    pthread_mutex_unlock(&slots_lock);
    return false;
}

static void slot_release(nmx_session_t *s)
{
    pthread_mutex_lock(&slots_lock);
    slots[s->slot].session = NULL;
    atomic_store(&slots[s->slot].gen, s->gen + 1);
    pthread_mutex_unlock(&slots_lock);
}

HFRAME nmx__hframe_make(const nmx_session_t *s, uint32_t frame)
{
    uint64_t v = HFRAME_TAG | ((uint64_t)s->slot << 48) | ((uint64_t)(s->gen & 0xFFFF) << 32) | frame;
    return (HFRAME)(uintptr_t)v;
}

nmx_session_t *nmx__hframe_session(HFRAME h, uint32_t *frame)
{
    uint64_t v = (uint64_t)(uintptr_t)h;
    if ((v & HFRAME_TAG) == 0)
        return NULL;
    uint32_t slot = (uint32_t)(v >> 48) & 0x7FFF;
    uint32_t gen = (uint32_t)(v >> 32) & 0xFFFF;
    if (slot >= NMX_MAX_SESSIONS)
        return NULL;
    uint32_t g = atomic_load(&slots[slot].gen);
    if ((g & 1) == 0 || (g & 0xFFFF) != gen)
        return NULL;
    nmx_session_t *s = slots[slot].session;
    if (s == NULL)
        return NULL;
    uint32_t n = (uint32_t)v;
    if (n >= nmx__cap_count(s->cap))
        return NULL;
    if (frame != NULL)
        *frame = n;
    return s;
}

nmx_session_t *nmx__session_current(void)
{
    return current_session;
}

void nmx__session_set_current(nmx_session_t *s)
{
    current_session = s;
}

/* ---- the dissection cache -------------------------------------------------- */

#define DCACHE_SLOTS 64

typedef struct nmx_dcache {
    uint32_t frame[DCACHE_SLOTS];
    nmx_dissection_t *d[DCACHE_SLOTS];
    bool partial[DCACHE_SLOTS];      /* cut for the protocols of wants[] */
    uint64_t wants[DCACHE_SLOTS][2];
    /* the slots from the most to the least recently used: a list through
     * newer[]/older_slot[], every slot always on it (empty ones at the old end) */
    uint8_t newer[DCACHE_SLOTS], older_slot[DCACHE_SLOTS];
    uint8_t mru, lru;
    unsigned last;               /* slot of the latest hit: the property helpers ask
                                    for the same frame many times in a row */
    nmx_recog_buf_t cut;         /* recognize table of a frame being cut (last) */
} nmx_dcache_t;

void nmx__dcache_free(nmx_dcache_t *c)
{
    if (c == NULL)
        return;
    for (unsigned i = 0; i < DCACHE_SLOTS; i++)
        nmx__dissection_free(c->d[i]);
    free(c);
}

/*
 * The stream numbers of a session's frames: the first TCP and the first UDP
 * number of each frame in one array (8 bytes a frame), and the second ones,
 * which only tunnels and ICMP errors have, in a short list sorted by frame.
 */
typedef struct nmx_stream_extra {
    uint32_t frame;
    uint32_t tcp, udp;
} nmx_stream_extra_t;

struct nmx_stream_tab {
    uint32_t *first;              /* 2 per frame: tcp, udp */
    nmx_stream_extra_t *extra;
    size_t nextra, capextra;
};

static void stream_tab_free(struct nmx_stream_tab *t)
{
    if (t == NULL)
        return;
    free(t->first);
    free(t->extra);
    free(t);
}

/* What every context of frame n (record rec) says: its number, time and
 * NetMon comment; the rest zero. */
static void frame_ctx_base(const nmx_session_t *s, const nmx_frame_rec_t *rec, uint32_t n, nmx_frame_ctx_t *ctx)
{
    static const nmx_frame_ctx_t zero; /* copied, not initialized: see dissect.c's dctx_zero */
    *ctx = zero;
    ctx->number = n + 1;
    ctx->has_time = !(rec->flags & NMX_FRAME_NO_TS);
    ctx->ts_ns = rec->ts_ns;
    ctx->netmon_comment = nmx__cap_netmon_comment(s->cap, rec);
}

/* Recognizes frame n into rb with the conversations earlier frames
 * announced; when n is the next frame to learn from, with its own.  The
 * frame's time goes with it: a fact may hold it (a DCE/RPC request's, for
 * its response's dcerpc.time). */
static void recognize_learning(nmx_session_t *s, uint32_t n, nmx_recog_buf_t *rb, nmx_frame_addrs_t *addrs)
{
    const nmx_frame_rec_t *rec = nmx__session_rec(s, n);
    nmx_frame_ctx_t ctx;
    frame_ctx_base(s, rec, n, &ctx);
    ctx.learned = s->learned;
    ctx.learn = s->learned_upto == n;
    nmx__recognize_ctx(nmx__session_data(s, n), rec->caplen, rec->wirelen, rec->linktype, rb, addrs, &ctx);
    if (ctx.learn)
        s->learned_upto = n + 1;
}

/*
 * Learns from every frame before n not yet learned from (learn.c), so that
 * what frame n is dissected as depends only on the frames before it,
 * whatever order an expert asks for frames in.  A forward walk learns as
 * it recognizes and finds nothing to do here; a jump ahead reads the
 * frames in between once, releasing them behind it as a walk does.
 */
static void learn_before(nmx_session_t *s, uint32_t n)
{
    if (s->learned == NULL)
        return;
    while (s->learned_upto < n) {
        nmx__session_release_behind(s, &s->learn_mark, s->learned_upto);
        recognize_learning(s, s->learned_upto, &s->dcache->cut, NULL);
    }
}

void nmx__session_frame_ctx(const nmx_session_t *s, uint32_t frame, nmx_frame_ctx_t *ctx)
{
    const nmx_frame_rec_t *rec = nmx__session_rec(s, frame);
    frame_ctx_base(s, rec, frame, ctx);
    ctx->first_ns = nmx__session_rec(s, 0)->ts_ns;
    ctx->prev_ns = frame > 0 ? nmx__session_rec(s, frame - 1)->ts_ns : rec->ts_ns;
    /* frame.comment is a pcapng comment, as in tshark (a NetMon comment
     * title is not: GetFrameComment-style APIs give those). */
    ctx->comment = nmx__cap_format(s->cap) == NMX_CAPFMT_PCAPNG ? nmx__cap_frame_comment(s->cap, frame) : NULL;
    for (unsigned k = 0; k < NMX_STREAM_LAYERS; k++)
        ctx->tcp_stream[k] = ctx->udp_stream[k] = NMX_STREAM_NONE;
    const struct nmx_stream_tab *t = s->streams;
    if (t == NULL)
        return;
    ctx->tcp_stream[0] = t->first[2 * (size_t)frame];
    ctx->udp_stream[0] = t->first[2 * (size_t)frame + 1];
    size_t lo = 0, hi = t->nextra;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->extra[mid].frame < frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < t->nextra && t->extra[lo].frame == frame) {
        ctx->tcp_stream[1] = t->extra[lo].tcp;
        ctx->udp_stream[1] = t->extra[lo].udp;
    }
}

#define SLOT_NONE 0xFF
_Static_assert(DCACHE_SLOTS < SLOT_NONE, "slots are bytes");

static void lru_unlink(nmx_dcache_t *c, unsigned i)
{
    unsigned a = c->newer[i], b = c->older_slot[i];
    if (a != SLOT_NONE)
        c->older_slot[a] = (uint8_t)b;
    else
        c->mru = (uint8_t)b;
    if (b != SLOT_NONE)
        c->newer[b] = (uint8_t)a;
    else
        c->lru = (uint8_t)a;
}

/* Slot i becomes the most recently used (old_end: the least, next to go). */
static void lru_put(nmx_dcache_t *c, unsigned i, bool old_end)
{
    lru_unlink(c, i);
    if (old_end) {
        c->newer[i] = c->lru;
        c->older_slot[i] = SLOT_NONE;
        c->older_slot[c->lru] = (uint8_t)i;
        c->lru = (uint8_t)i;
    } else {
        c->older_slot[i] = c->mru;
        c->newer[i] = SLOT_NONE;
        c->newer[c->mru] = (uint8_t)i;
        c->mru = (uint8_t)i;
    }
}

static nmx_dcache_t *dcache_new(void)
{
    nmx_dcache_t *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    for (unsigned i = 0; i < DCACHE_SLOTS; i++) {
        c->newer[i] = i > 0 ? (uint8_t)(i - 1) : SLOT_NONE;
        c->older_slot[i] = i + 1 < DCACHE_SLOTS ? (uint8_t)(i + 1) : SLOT_NONE;
    }
    c->mru = 0;
    c->lru = DCACHE_SLOTS - 1;
    return c;
}

/* Empties slot i, which goes to the old end: the next one reused. */
static void dcache_drop(nmx_dcache_t *c, unsigned i)
{
    nmx__dissection_free(c->d[i]);
    c->d[i] = NULL;
    if (c->lru != i)
        lru_put(c, i, true);
}

/* Drops every cached dissection. */
static void dcache_flush(nmx_dcache_t *c)
{
    for (unsigned i = 0; i < DCACHE_SLOTS; i++)
        dcache_drop(c, i);
}

void nmx__session_release_behind(const nmx_session_t *s, nmx_walk_mark_t *mark, uint32_t n)
{
    if (!s->release_behind)
        return;
    uint64_t off = nmx__session_rec(s, n)->data_off;
    if (off > mark->bytes + 2 * (uint64_t)NMX_CAP_RESIDENT_WINDOW) {
        nmx__cap_release(s->cap, mark->bytes, off - NMX_CAP_RESIDENT_WINDOW);
        mark->bytes = off - NMX_CAP_RESIDENT_WINDOW;
    }
    if (n > mark->frames + 2 * NMX_INDEX_RESIDENT_FRAMES) {
        nmx__cap_release_index(s->cap, mark->frames, n - NMX_INDEX_RESIDENT_FRAMES);
        mark->frames = n - NMX_INDEX_RESIDENT_FRAMES;
    }
}

bool nmx__session_need_streams(nmx_session_t *s)
{
    _Static_assert(NMX_STREAM_LAYERS == 2, "a first and a second stream number per frame");
    if (s->streams != NULL)
        return true;
    uint32_t n = nmx__cap_count(s->cap);
    struct nmx_stream_tab *t = calloc(1, sizeof *t);
    nmx_streams_t *conv = nmx__streams_new();
    if (t != NULL)
        t->first = malloc(2 * (size_t)(n > 0 ? n : 1) * sizeof *t->first);
    bool ok = t != NULL && t->first != NULL && conv != NULL;
    nmx_walk_mark_t dropped = {0, 0}; /* what this walk has released */
    for (uint32_t i = 0; ok && i < n; i++) {
        const nmx_frame_rec_t *rec = nmx__session_rec(s, i);
        /* As the frame delivery does (expert_api.c); the pages read back
         * when the expert reaches them. */
        nmx__session_release_behind(s, &dropped, i);
        uint32_t tcp[NMX_STREAM_LAYERS], udp[NMX_STREAM_LAYERS];
        ok = nmx__streams_next(conv, nmx__session_data(s, i), rec->caplen, rec->wirelen, rec->linktype, tcp, udp);
        t->first[2 * (size_t)i] = tcp[0];
        t->first[2 * (size_t)i + 1] = udp[0];
        if (ok && (tcp[1] != NMX_STREAM_NONE || udp[1] != NMX_STREAM_NONE)) {
            if (t->nextra == t->capextra) {
                size_t nc = t->capextra ? 2 * t->capextra : 64;
                nmx_stream_extra_t *ne = realloc(t->extra, nc * sizeof *ne);
                ok = ne != NULL;
                if (ok) {
                    t->extra = ne;
                    t->capextra = nc;
                }
            }
            if (ok)
                t->extra[t->nextra++] = (nmx_stream_extra_t){i, tcp[1], udp[1]};
        }
    }
    nmx__streams_free(conv);
    if (!ok) {
        stream_tab_free(t);
        return false;
    }
    s->streams = t;
    dcache_flush(s->dcache); /* they were made without the stream numbers */
    return true;
}

/* The slot caching `frame`, or -1. */
static int dcache_find(nmx_dcache_t *c, uint32_t frame)
{
    if (c->d[c->last] != NULL && c->frame[c->last] == frame)
        return (int)c->last;
    /* One plain scan (a walk misses once per frame); the least recently
     * used slot, the next to go, is the list's old end. */
    for (unsigned i = 0; i < DCACHE_SLOTS; i++) {
        if (c->frame[i] == frame && c->d[i] != NULL) {
            if (c->mru != i)
                lru_put(c, i, false);
            c->last = i;
            return (int)i;
        }
    }
    return -1;
}

/*
 * Dissects `frame` (partial: its first max_layers layers) into slot `at`
 * (-1: the least recently used slot), keeping the slot's dissection of the
 * same frame as an older one.
 */
static const nmx_dissection_t *dcache_put(nmx_session_t *s, uint32_t frame, int at, bool partial,
                                          uint32_t max_layers)
{
    nmx_dcache_t *c = s->dcache;
    unsigned victim = at >= 0 ? (unsigned)at : c->lru;
    const nmx_frame_rec_t *rec = nmx__session_rec(s, frame);
    /* A partial dissection may stop before an announcement: the frame is
     * learned from first.  A whole one learns itself. */
    learn_before(s, partial ? frame + 1 : frame);
    nmx_frame_ctx_t ctx;
    nmx__session_frame_ctx(s, frame, &ctx);
    ctx.partial = partial;
    ctx.max_layers = max_layers;
    ctx.learned = s->learned;
    ctx.learn = s->learned != NULL && s->learned_upto == frame;
    nmx_dissection_t *d = nmx__dissect_ctx(s->ws, nmx__session_data(s, frame), rec->caplen, rec->wirelen,
                                           rec->linktype, &ctx);
    if (d == NULL)
        return NULL;
    if (ctx.learn)
        s->learned_upto = frame + 1;
    if (at >= 0) {
        d->older = c->d[victim]; /* instances handed out from it stay valid */
    } else {
        nmx__dissection_free(c->d[victim]);
    }
    c->d[victim] = d;
    c->frame[victim] = frame;
    c->partial[victim] = partial;
    c->wants[victim][0] = s->wants[0];
    c->wants[victim][1] = s->wants[1];
    if (c->mru != victim)
        lru_put(c, victim, false);
    c->last = victim;
    return d;
}

const nmx_dissection_t *nmx__session_dissect(nmx_session_t *s, uint32_t frame)
{
    if (frame >= nmx__cap_count(s->cap))
        return NULL;
    nmx_dcache_t *c = s->dcache;
    int i = dcache_find(c, frame);
    if (i >= 0 && !c->partial[i])
        return c->d[i];
    return dcache_put(s, frame, i, false, 0);
}

/* ---- partial dissections ------------------------------------------------------ */

_Static_assert(NMX_PROTO_COUNT <= NMX_PARTIAL_IDS, "wants[] has a bit per built-in protocol");

/* The layers of `frame` a dissection needs for the protocols the session
 * wants (nmx__layers_for), from the recognize pass ExpertGetFrame made, or
 * one of its own. */
static uint32_t layers_wanted(nmx_session_t *s, uint32_t frame, bool *all)
{
    const RECOGNIZEDATATABLE *rt = &s->recog.table;
    if (s->recog_frame != frame) {
        learn_before(s, frame);
        recognize_learning(s, frame, &s->dcache->cut, NULL);
        rt = &s->dcache->cut.table;
    }
    return nmx__layers_for(rt, s->wants, all);
}

const nmx_dissection_t *nmx__session_dissect_for(nmx_session_t *s, uint32_t frame, const nmx_field_t *f)
{
    const nmx_protocol_t *p = nmx__field_proto(f);
    unsigned id = p != NULL ? nmx__proto_id(p) : 0;
    /* frame.* (frame.protocols knows every layer), a plug-in's property,
     * or plug-ins loaded at all: a full dissection. */
    if (frame >= nmx__cap_count(s->cap) || id == NMX_PROTO_FRAME || id >= NMX_PARTIAL_IDS ||
        nmx__proto_count() > NMX_PROTO_COUNT)
        return nmx__session_dissect(s, frame);
    nmx__wants_add(s->wants, id);
    nmx_dcache_t *c = s->dcache;
    int i = dcache_find(c, frame);
    if (i >= 0 && (!c->partial[i] || nmx__wants_has(c->wants[i], id)))
        return c->d[i];
    bool all;
    uint32_t keep = layers_wanted(s, frame, &all);
    return dcache_put(s, frame, i, !all, keep);
}

const nmx_dissection_t *nmx__session_dissection_of(nmx_session_t *s, uint32_t frame, const PROPERTYINST *pi)
{
    int i = dcache_find(s->dcache, frame);
    for (const nmx_dissection_t *d = i >= 0 ? s->dcache->d[i] : NULL; d != NULL; d = d->older)
        if (nmx__dissection_index(d, pi) >= 0)
            return d;
    return NULL;
}

/* ---- the session's view of the frames (ModifyFrame) ------------------------- */

typedef struct nmx_frame_mod {
    uint32_t frame;
    nmx_frame_rec_t rec;
    uint8_t *data;
} nmx_frame_mod_t;

/* Frames an expert may replace, and the largest replacement. */
#define NMX_MAX_MODS 65536u
#define NMX_MAX_MOD_LEN (16u * 1024u * 1024u)

static const nmx_frame_mod_t *find_mod(const nmx_session_t *s, uint32_t n)
{
    for (size_t i = 0; i < s->nmods; i++)
        if (s->mods[i].frame == n)
            return &s->mods[i];
    return NULL;
}

const nmx_frame_rec_t *nmx__session_rec(const nmx_session_t *s, uint32_t n)
{
    const nmx_frame_mod_t *m = s->nmods > 0 ? find_mod(s, n) : NULL;
    return m != NULL ? &m->rec : nmx__cap_frame(s->cap, n);
}

const uint8_t *nmx__session_data(const nmx_session_t *s, uint32_t n)
{
    const nmx_frame_mod_t *m = s->nmods > 0 ? find_mod(s, n) : NULL;
    return m != NULL ? m->data : nmx__cap_data(s->cap, n);
}

DWORD nmx__session_modify(nmx_session_t *s, uint32_t n, const uint8_t *data, uint32_t len, int64_t ts_ns)
{
    if (n >= nmx__cap_count(s->cap))
        return NMERR_OUT_OF_RANGE;
    if (len > NMX_MAX_MOD_LEN || (data == NULL && len > 0))
        return NMERR_INVALID_PARAMETER;
    nmx_frame_mod_t *m = (nmx_frame_mod_t *)find_mod(s, n);
    if (m == NULL) {
        if (s->nmods >= NMX_MAX_MODS)
            return NMERR_OUT_OF_MEMORY;
        nmx_frame_mod_t *g = realloc(s->mods, (s->nmods + 1) * sizeof *g);
        if (g == NULL)
            return NMERR_OUT_OF_MEMORY;
        s->mods = g;
        m = &s->mods[s->nmods];
        memset(m, 0, sizeof *m);
        m->frame = n;
        m->rec = *nmx__cap_frame(s->cap, n);
        s->nmods++;
    }
    uint8_t *copy = malloc(len > 0 ? len : 1);
    if (copy == NULL)
        return NMERR_OUT_OF_MEMORY;
    if (len > 0)
        memcpy(copy, data, len);
    free(m->data);
    m->data = copy;
    m->rec.caplen = len;
    m->rec.wirelen = len;
    m->rec.ts_ns = ts_ns;
    m->rec.data_off = 0;
    /* What was derived from the old bytes goes: its dissection, the next
     * frame's (frame.time_delta), and the stream numbers (recomputed when
     * a filter asks for them again). */
    if (s->recog_frame == n)
        s->recog_frame = UINT32_MAX;
    stream_tab_free(s->streams);
    s->streams = NULL;
    if (n < s->learned_upto && s->learned != NULL) {
        /* What the old bytes announced: learned again from the start. */
        nmx__learned_free(s->learned);
        s->learned = nmx__learned_new();
        s->learned_upto = 0;
        s->recog_frame = UINT32_MAX;
        dcache_flush(s->dcache);
    }
    nmx_dcache_t *c = s->dcache;
    for (unsigned i = 0; i < DCACHE_SLOTS; i++)
        if (c->d[i] != NULL && (c->frame[i] == n || c->frame[i] == n + 1))
            dcache_drop(c, i);
    return NMERR_SUCCESS;
}

/* ---- frames ---------------------------------------------------------------- */

/* Copies frame n as a FRAME record (header + bytes) into *buf. */
static ULPFRAME frame_into(nmx_session_t *s, uint32_t n, uint8_t **buf, size_t *cap)
{
    if (n >= nmx__cap_count(s->cap))
        return NULL;
    const nmx_frame_rec_t *rec = nmx__session_rec(s, n);
    size_t need = FRAME_SIZE + (size_t)rec->caplen;
    if (need > *cap) {
        size_t c = *cap > 0 ? *cap : 4096;
        while (c < need)
            c *= 2;
        uint8_t *p = realloc(*buf, c);
        if (p == NULL)
            return NULL;
        *buf = p;
        *cap = c;
    }
    FRAME *f = (FRAME *)*buf;
    f->TimeStamp = nmx__cap_us_between(s->capture->first_ns, rec->ts_ns);
    f->FrameLength = rec->wirelen;
    f->nBytesAvail = rec->caplen;
    memcpy(f->MacFrame, nmx__session_data(s, n), rec->caplen);
    return (ULPFRAME)f;
}

ULPFRAME nmx__session_frame(nmx_session_t *s, uint32_t n)
{
    return frame_into(s, n, &s->framebuf, &s->framebuf_cap);
}

ULPFRAME nmx__session_aux_frame(nmx_session_t *s, uint32_t n)
{
    return frame_into(s, n, &s->auxbuf, &s->auxbuf_cap);
}

const RECOGNIZEDATATABLE *nmx__session_recognize(nmx_session_t *s, uint32_t n,
                                                 const nmx_frame_addrs_t **addrs)
{
    if (s->recog_frame != n) {
        learn_before(s, n);
        recognize_learning(s, n, &s->recog, &s->addrs);
        s->recog_frame = n;
    }
    if (addrs != NULL)
        *addrs = &s->addrs;
    return &s->recog.table;
}

/* ---- life cycle ---------------------------------------------------------- */

/* Frees what nmx__session_new made before it failed; returns NULL. */
static nmx_session_t *session_unmake(nmx_session_t *s)
{
    free(s->seen);
    nmx__learned_free(s->learned);
    nmx__dcache_free(s->dcache);
    nmx__proto_ws_free(s->ws);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return NULL;
}

nmx_session_t *nmx__session_new(const nmx_session_opts_t *opts)
{
    nmx_session_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->capture = opts->capture;
    s->cap = opts->capture->cap;
    s->link = opts->link;
    s->ui_filter = opts->ui_filter;
    s->range = opts->range;
    s->startup = opts->startup;
    s->startup_flags = opts->startup_flags;
    s->release_behind = opts->release_behind;
    s->status.Status = EXPERTSTATUS_INACTIVE;
    s->status.Frame = INVALID_FRAME_NUMBER;
    /* Which frames were delivered, to count each once (a report of how
     * many frames the expert read after -Y and the range; none if this
     * fails). */
    s->seen = calloc((size_t)nmx__cap_count(s->cap) / 8 + 1, 1);
    s->recog_frame = UINT32_MAX;
    s->learned = nmx__learned_new(); /* none: nothing is learned, the rest works */
    pthread_mutex_init(&s->lock, NULL);
    s->dcache = dcache_new();
    s->ws = nmx__proto_ws_new();
    if (s->dcache == NULL || s->ws == NULL || !slot_acquire(s))
        return session_unmake(s);
    nmx_arena_opts_t ao;
    memset(&ao, 0, sizeof ao);
    ao.limit_bytes = opts->mem_limit;
    ao.debug = opts->debug_heap;
    ao.stats = opts->link != NULL ? &opts->link->page->mem : NULL;
    ao.user = s;
    if (nmx__key_create(&ao, &s->key) != 0) {
        slot_release(s);
        return session_unmake(s);
    }
    s->capture->default_session = s;
    return s;
}

HEXPERTKEY nmx__session_key(const nmx_session_t *s)
{
    return s->key;
}

void nmx__session_terminate(nmx_session_t *s)
{
    if (s->link != NULL)
        atomic_store(&s->link->page->terminate, 1);
    nmx__key_terminate(s->key);
}

bool nmx__session_terminating(nmx_session_t *s)
{
    if (s->link != NULL && atomic_load_explicit(&s->link->page->terminate, memory_order_relaxed)) {
        nmx__key_terminate(s->key);
        return true;
    }
    return nmx__key_terminating(s->key);
}

nmx_session_t *nmx__session_from_key(HEXPERTKEY key)
{
    return nmx__key_user(key);
}

void nmx__session_free(nmx_session_t *s)
{
    if (s == NULL)
        return;
    if (s->capture->default_session == s)
        s->capture->default_session = NULL;
    slot_release(s);
    nmx__key_destroy(s->key, NULL);
    nmx__dcache_free(s->dcache);
    nmx__proto_ws_free(s->ws);
    nmx__learned_free(s->learned);
    stream_tab_free(s->streams);
    free(s->seen);
    for (size_t i = 0; i < s->nmods; i++)
        free(s->mods[i].data);
    free(s->mods);
    free(s->framebuf);
    free(s->auxbuf);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
