/*
 * learn.c - conversations one frame announces for later ones: tshark's
 * conversation dissectors (docs/protocols.md, "Learned conversations").
 *
 * A dissector that reads an announcement (FTP's PASV reply, PORT, EPRT and
 * EPSV; SDP's media ports; an HTTP/2 preface; a message HTTP's heuristic
 * found) calls nmx__learn(), and TCP
 * and UDP ask nmx__learned_proto() before their port tables.  tshark keeps
 * a conversation per announcement, found by the frames after it:
 *  - an exact one (both addresses and ports) first;
 *  - then one that knows the peer's address but not its port: TCP fills
 *    the port in from the first connection that matches (so a second
 *    connection to the same endpoint is not the announced protocol);
 *  - then one that knows only the announced endpoint (SDP's RTP), for any
 *    peer: the destination's first (tshark's RTP and RTCP look their
 *    conversation up so), then the source's.
 * Within each kind the one with the latest setup frame wins (tshark finds
 * the conversation with the latest setup frame), then the latest
 * announcement.  The setup frame is the announcing frame's number unless
 * the announcer names another (nmx_learn_ep_t.setup_frame: SDP in a SIP
 * answer names the request's, dis_sip.c).  An announcement equal to
 * one still pending (no connection has taken it) is not recorded again:
 * it is nearly always a TCP retransmission, whose payload tshark does not
 * dissect, so tshark's setup frame is the first one (and a note the
 * retransmitted announcement made on it, as a message of its connection,
 * is taken back), unless it names another setup frame (a re-INVITE over
 * UDP announcing the same ports again).  The table is filled only
 * by a dissection that learns (nmx_frame_ctx_t.learn): a caller feeds it
 * every frame in capture order once, and later dissections of a frame see
 * the same table with what frames after it announced, which cannot match
 * it (an announcement applies from the next frame on, and a port is filled
 * in by the first frame that matches).
 *
 * The announcements are kept in an array, oldest first, with two hash
 * indexes: by the announced endpoint (which a payload looks up with each of
 * its two ends) and by the announcing connection (notes).  Each bucket
 * chains its entries newest first, so a look-up reads only the entries of
 * its own endpoints, however many a capture announces (a long VoIP trace
 * announces one per SDP media line).  At most NMX_LEARN_MAX are kept (about
 * 17 MiB: a day of SIP calls offers and answers a media line or two each)
 * and later ones are dropped, which bounds the memory a hostile capture
 * can make a dissection hold.
 *
 * The same table keeps facts a dissector learns about its connection
 * (nmx__fact_set, nmx__fact_get: SMB's pipe trees and requests): values by
 * connection, kind and id, chained in hash buckets newest first (a bucket
 * for every two facts at most: their number doubles as the facts grow),
 * each with the frame that set it, so that a lookup from frame n finds the
 * newest value set before n (a frame dissected again sees what it saw the
 * first time).  At most NMX_FACT_MAX are kept (32 MiB): a capture of
 * 100,000 HTTP connections sets two each (a SYN, "a request was seen").
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "proto/proto_int.h"

#define NMX_LEARN_MAX 131072u

/* A TCP or UDP connection: the transport and the two (address, port) ends,
 * lower first.  The transport keeps a TCP connection's facts apart from
 * those of UDP datagrams between the same ends, as tshark's conversations
 * are (a SYN that starts a new TCP conversation leaves SIP over UDP alone). */
typedef struct conn {
    uint8_t l4;          /* NMX_PROTO_TCP or NMX_PROTO_UDP */
    uint8_t alen;
    uint8_t a[16], b[16];
    uint16_t pa, pb;
} conn_t;

typedef struct learned_ep {
    nmx_learn_ep_t ep;
    uint32_t setup;      /* number (1-based) of the announcing frame */
    uint16_t proto;
    conn_t owner;        /* the connection that announced it */
    char *note;          /* nmx__learn_note, or NULL */
    uint32_t note_frame;
    uint32_t next_ep;    /* 1 + the index of the next older entry of its endpoint bucket, or 0 */
    uint32_t next_owner; /* ... of its owner bucket */
} learned_ep_t;

/* A fact about a connection (nmx__fact_set): entries chained per hash
 * bucket, newest first. */
typedef struct fact {
    conn_t conn;
    uint64_t id;
    uint32_t value;
    uint32_t frame;      /* number of the frame that set it */
    uint32_t next;       /* next entry of the bucket (older), or NO_FACT */
    uint8_t kind;
} fact_t;

#define NMX_FACT_MAX (1u << 19)
#define NMX_FACT_BUCKETS_MIN 8192u
#define NO_FACT UINT32_MAX

struct nmx_learned {
    learned_ep_t *e;
    size_t n, cap;
    uint32_t *by_ep;     /* per bucket, 1 + the index of its newest entry, or 0 */
    uint32_t *by_owner;
    size_t mask;         /* buckets - 1 (a power of two, twice the capacity) */
    fact_t *f;           /* facts, in the order they were set */
    uint32_t nf, fcap;
    uint32_t *bucket;    /* nbuckets heads (allocated with the first fact) */
    uint32_t nbuckets;   /* a power of two */
    uint32_t epochs;     /* SYNs that started a new conversation on a connection (nmx__fact_syn) */
    uint32_t seed;       /* the hashes' start, random per table: a capture cannot be made
                            to put every entry in one bucket (what is found does not
                            depend on it) */
};

/* FNV-1a over n bytes, continuing from h. */
static uint32_t fnv(uint32_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

/* The endpoint bucket of (l4, address, port). */
static size_t ep_bucket(const nmx_learned_t *l, uint8_t l4, uint8_t alen, const uint8_t *addr, uint16_t port)
{
    uint32_t h = fnv(l->seed, &l4, 1);
    h = fnv(h, addr, alen);
    h = fnv(h, &port, sizeof port);
    return h & l->mask;
}

/* One step of a word-at-a-time hash (a multiply and a fold). */
static inline uint64_t mix64(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
}

/* The hash of a connection: all its bytes (a conn_t is always zeroed
 * before it is filled, padding included), eight at a time: it is taken for
 * every TCP or UDP payload a walk recognizes (the learned protocol, HTTP's
 * facts), and FNV-1a's byte loop over 38 bytes was most of fact_find. */
static uint32_t conn_hash(const nmx_learned_t *l, const conn_t *c)
{
    uint64_t w[(sizeof(conn_t) + 7) / 8] = {0};
    memcpy(w, c, sizeof *c);
    uint64_t h = l->seed;
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        h = mix64(h, w[i]);
    return (uint32_t)(h ^ (h >> 32));
}

/* The owner bucket of a connection. */
static size_t owner_bucket(const nmx_learned_t *l, const conn_t *c)
{
    return conn_hash(l, c) & l->mask;
}

/* Chains entry i into both indexes, as the newest of its buckets. */
static void index_entry(nmx_learned_t *l, uint32_t i)
{
    learned_ep_t *e = &l->e[i];
    size_t b = ep_bucket(l, e->ep.l4, e->ep.alen, e->ep.addr, e->ep.port);
    e->next_ep = l->by_ep[b];
    l->by_ep[b] = i + 1;
    b = owner_bucket(l, &e->owner);
    e->next_owner = l->by_owner[b];
    l->by_owner[b] = i + 1;
}

/* Room for one more entry; false at NMX_LEARN_MAX or out of memory. */
static bool reserve(nmx_learned_t *l)
{
    if (l->n < l->cap)
        return true;
    size_t nc = l->cap ? 2 * l->cap : 16;
    if (nc > NMX_LEARN_MAX)
        return false;
    learned_ep_t *g = realloc(l->e, nc * sizeof *g);
    uint32_t *be = calloc(2 * nc, sizeof *be), *bo = calloc(2 * nc, sizeof *bo);
    if (g != NULL)
        l->e = g;
    if (g == NULL || be == NULL || bo == NULL) {
        free(be);
        free(bo);
        return false;
    }
    free(l->by_ep);
    free(l->by_owner);
    l->by_ep = be;
    l->by_owner = bo;
    l->cap = nc;
    l->mask = 2 * nc - 1;
    for (uint32_t i = 0; i < l->n; i++) /* oldest first: each chain ends newest first */
        index_entry(l, i);
    return true;
}

nmx_learned_t *nmx__learned_new(void)
{
    nmx_learned_t *l = calloc(1, sizeof(nmx_learned_t));
    uint32_t r = 0;
    if (l == NULL)
        return NULL;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
        r = (uint32_t)(uintptr_t)l ^ (uint32_t)time(NULL); /* no entropy yet: still varies */
    l->seed = 2166136261u ^ r;
    return l;
}

void nmx__learned_free(nmx_learned_t *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->e[i].note);
    free(l->e);
    free(l->by_ep);
    free(l->by_owner);
    free(l->f);
    free(l->bucket);
    free(l);
}

/* The connection of the current frame's TCP or UDP payload (the nearest IP
 * header, and the transport and ports being handed off on); false when there
 * is none. */
static bool current_conn(const nmx_dctx_t *d, conn_t *c)
{
    uint8_t src[16], dst[16];
    memset(c, 0, sizeof *c);
    if (!nmx__learn_ip(d, &c->alen, src, dst))
        return false;
    c->l4 = d->ho_tcp ? NMX_PROTO_TCP : NMX_PROTO_UDP;
    int order = memcmp(src, dst, c->alen);
    bool fwd = order < 0 || (order == 0 && d->ho_sport <= d->ho_dport);
    memcpy(c->a, fwd ? src : dst, c->alen);
    memcpy(c->b, fwd ? dst : src, c->alen);
    c->pa = fwd ? d->ho_sport : d->ho_dport;
    c->pb = fwd ? d->ho_dport : d->ho_sport;
    return true;
}

bool nmx__learning(const nmx_dctx_t *d)
{
    return d->fctx != NULL && d->fctx->learn && d->fctx->learned != NULL && !d->in_error;
}

/* The setup frame an entry shows: the one its announcer named, or its own. */
static uint32_t shown(const learned_ep_t *e)
{
    return e->ep.setup_frame != 0 ? e->ep.setup_frame : e->setup;
}

/* Whether two announcements say the same (a filled-in port differs; the
 * setup frame named is compared by the caller). */
static bool same_ep(const nmx_learn_ep_t *a, const nmx_learn_ep_t *b)
{
    return a->l4 == b->l4 && a->alen == b->alen && a->port == b->port && a->has_peer == b->has_peer &&
           a->has_peer_port == b->has_peer_port && a->peer_port == b->peer_port && a->tag == b->tag &&
           a->to_only == b->to_only &&
           memcmp(a->addr, b->addr, a->alen) == 0 && (!a->has_peer || memcmp(a->peer, b->peer, a->alen) == 0);
}

void nmx__learn(nmx_dctx_t *d, const nmx_learn_ep_t *ep, unsigned proto)
{
    if (!nmx__learning(d) || (ep->alen != 4 && ep->alen != 16))
        return;
    nmx_learned_t *l = d->fctx->learned;
    size_t b = l->cap ? ep_bucket(l, ep->l4, ep->alen, ep->addr, ep->port) : 0;
    for (uint32_t i = l->cap ? l->by_ep[b] : 0; i != 0; i = l->e[i - 1].next_ep) {
        learned_ep_t *e = &l->e[i - 1];
        if (e->proto != proto || !same_ep(&e->ep, ep) || (ep->setup_frame != 0 && shown(e) != ep->setup_frame))
            continue;
        /* Still pending: a retransmission repeats it (tshark does not see
         * those), and the note this frame made on it goes too. */
        if (e->note != NULL && e->note_frame == d->fctx->number) {
            free(e->note);
            e->note = NULL;
        }
        return;
    }
    if (!reserve(l))
        return;
    learned_ep_t *e = &l->e[l->n];
    memset(e, 0, sizeof *e);
    e->ep = *ep;
    e->setup = d->fctx->number;
    e->proto = (uint16_t)proto;
    (void)current_conn(d, &e->owner);
    index_entry(l, (uint32_t)l->n++);
}

void nmx__learn_connection(nmx_dctx_t *d, unsigned proto)
{
    nmx_learn_ep_t ep = {.l4 = NMX_PROTO_TCP, .port = d->ho_sport, .has_peer = true, .has_peer_port = true,
                         .peer_port = d->ho_dport};
    if (nmx__learning(d) && nmx__learn_ip(d, &ep.alen, ep.addr, ep.peer))
        nmx__learn(d, &ep, proto);
}

void nmx__learn_note(nmx_dctx_t *d, const char *text, size_t len)
{
    conn_t c;
    if (!nmx__learning(d) || !current_conn(d, &c))
        return;
    nmx_learned_t *l = d->fctx->learned;
    if (l->n == 0)
        return;
    for (uint32_t i = l->by_owner[owner_bucket(l, &c)]; i != 0; i = l->e[i - 1].next_owner) {
        learned_ep_t *e = &l->e[i - 1];
        if (memcmp(&e->owner, &c, sizeof c) != 0)
            continue;
        if (e->note == NULL && (e->note = malloc(len < 255 ? len + 1 : 256)) != NULL) {
            size_t n = len < 255 ? len : 255;
            memcpy(e->note, text, n);
            e->note[n] = '\0';
            e->note_frame = d->fctx->number;
        }
        return;
    }
}

/* The frame's side of a match: an address and port. */
typedef struct side {
    const uint8_t *addr;
    uint16_t port;
} side_t;

/* How well e matches a frame from s to t: 0 not at all, 3 exactly, 2 by
 * the peer's address (TCP fills the port in), 1 by the endpoint alone. */
static int match_kind(const nmx_learn_ep_t *e, side_t s, side_t t)
{
    if (memcmp(e->addr, s.addr, e->alen) != 0 || e->port != s.port)
        return 0;
    if (!e->has_peer)
        return 1;
    if (memcmp(e->peer, t.addr, e->alen) != 0)
        return 0;
    if (!e->has_peer_port)
        return 2;
    return e->peer_port == t.port ? 3 : 0;
}

/* Whether entry i (1-based) ranks above entry j (0: none) among matches of
 * the same kind: the later setup frame shown (tshark finds the conversation
 * with the latest setup frame), then the newer announcement. */
static bool ranks_above(const nmx_learned_t *l, uint32_t i, uint32_t j)
{
    if (j == 0)
        return true;
    uint32_t si = shown(&l->e[i - 1]), sj = shown(&l->e[j - 1]);
    return si > sj || (si == sj && i > j);
}

/* The best entry visible from frame `number` for the frame's side s (0 the
 * source, 1 the destination): its index + 1 (0: none) and *kind. */
static uint32_t best_of_side(const nmx_learned_t *l, uint8_t l4, uint8_t alen, const side_t *sides, int s,
                             uint32_t number, int *kind)
{
    side_t me = sides[s], peer = sides[1 - s];
    size_t bk = ep_bucket(l, l4, alen, me.addr, me.port);
    uint32_t best_i = 0;
    int best_kind = 0;
    for (uint32_t i = l->by_ep[bk]; i != 0; i = l->e[i - 1].next_ep) {
        const learned_ep_t *e = &l->e[i - 1];
        if (e->setup >= number || e->ep.l4 != l4 || e->ep.alen != alen || (e->ep.to_only && s == 0))
            continue;
        int k = match_kind(&e->ep, me, peer);
        if (k > best_kind || (k == best_kind && k > 0 && ranks_above(l, i, best_i))) {
            best_i = i;
            best_kind = k;
        }
    }
    *kind = best_kind;
    return best_i;
}

unsigned nmx__learned_proto(nmx_dctx_t *d, bool tcp, unsigned sport, unsigned dport, nmx_learned_hit_t *found)
{
    const nmx_frame_ctx_t *x = d->fctx;
    if (x == NULL || x->learned == NULL || x->learned->n == 0)
        return 0;
    uint8_t alen, src[16], dst[16];
    if (!nmx__learn_ip(d, &alen, src, dst))
        return 0;
    nmx_learned_t *l = x->learned;
    uint8_t l4 = tcp ? NMX_PROTO_TCP : NMX_PROTO_UDP;
    side_t sides[2] = {{src, (uint16_t)sport}, {dst, (uint16_t)dport}};
    /* The best kind of match, then the best ranked of that kind: the
     * announcements of either end of the payload, each bucket newest first.
     * Of endpoints announced alone (SDP's RTP and RTCP), the destination's
     * comes first, as in tshark: a datagram from an RTP endpoint to an RTCP
     * one is RTCP's (or nothing's, if not RTCP), the setup frame the
     * destination's. */
    int ks, kd;
    uint32_t is = best_of_side(l, l4, alen, sides, 0, x->number, &ks);
    uint32_t id = best_of_side(l, l4, alen, sides, 1, x->number, &kd);
    bool dst_best = kd > ks || (kd == ks && kd > 0 && (kd == 1 || ranks_above(l, id, is)));
    uint32_t best_i = dst_best ? id : is;
    int best_kind = dst_best ? kd : ks;
    if (best_i == 0)
        return 0;
    learned_ep_t *best = &l->e[best_i - 1];
    if (best_kind == 2 && tcp && x->learn && !d->in_error) {
        /* The first connection that matches takes the wildcard port. */
        bool fwd = memcmp(best->ep.addr, src, alen) == 0 && best->ep.port == sport;
        best->ep.has_peer_port = true;
        best->ep.peer_port = (uint16_t)(fwd ? dport : sport);
    }
    if (found != NULL) {
        found->setup = shown(best);
        found->tag = best->ep.tag;
        /* A note made after this frame must not change it (a frame seen
         * again later is dissected as it was the first time). */
        bool noted = best->note != NULL && best->note_frame < x->number;
        found->note = noted ? best->note : NULL;
        found->note_frame = noted ? best->note_frame : 0;
    }
    return best->proto;
}

/* ===================================================================== */
/* Facts about a connection                                               */
/* ===================================================================== */

/* The bucket of (connection, kind, id). */
static uint32_t fact_hash(const nmx_learned_t *l, const conn_t *c, unsigned kind, uint64_t id)
{
    uint64_t h = mix64(mix64(conn_hash(l, c), kind), id);
    return (uint32_t)(h ^ (h >> 32)) & (l->nbuckets - 1);
}

/* Chains every fact into `n` new buckets, newest first; false (the old
 * buckets kept) without the memory. */
static bool fact_rehash(nmx_learned_t *l, uint32_t n)
{
    uint32_t *b = malloc((size_t)n * sizeof *b);
    if (b == NULL)
        return false;
    memset(b, 0xff, (size_t)n * sizeof *b);
    free(l->bucket);
    l->bucket = b;
    l->nbuckets = n;
    for (uint32_t i = 0; i < l->nf; i++) {
        fact_t *f = &l->f[i];
        uint32_t h = fact_hash(l, &f->conn, f->kind, f->id);
        f->next = b[h];
        b[h] = i;
    }
    return true;
}

/* The newest entry of (c, kind, id) set by a frame before `before`, or NULL. */
static const fact_t *fact_find(const nmx_learned_t *l, const conn_t *c, unsigned kind, uint64_t id,
                               uint32_t before)
{
    if (l->bucket == NULL)
        return NULL;
    for (uint32_t i = l->bucket[fact_hash(l, c, kind, id)]; i != NO_FACT; i = l->f[i].next) {
        const fact_t *f = &l->f[i];
        if (f->frame < before && f->kind == kind && f->id == id && memcmp(&f->conn, c, sizeof *c) == 0)
            return f;
    }
    return NULL;
}

/* The first frame whose facts of connection c frame `number` sees: that of
 * the latest SYN up to it that started a new conversation on c
 * (nmx__fact_syn); 0 when none did (nothing is looked up while no SYN of
 * the run has). */
static uint32_t epoch_of(const nmx_learned_t *l, const conn_t *c, uint32_t number)
{
    if (l->epochs == 0)
        return 0;
    const fact_t *s = fact_find(l, c, NMX_FACT_TCP_EPOCH, 0, number + 1);
    return s != NULL ? s->frame : 0;
}

/* nmx__fact_set of connection c by frame `number`; old is the newest
 * entry of (c, kind, id) (fact_find). */
static void fact_put(nmx_learned_t *l, const conn_t *c, const fact_t *old, unsigned kind, uint64_t id,
                     uint32_t value, uint32_t number)
{
    if ((old != NULL && old->value == value && old->frame < number && old->frame >= epoch_of(l, c, number)) ||
        l->nf >= NMX_FACT_MAX)
        return; /* nothing new, or the table is full */
    if (l->bucket == NULL && !fact_rehash(l, NMX_FACT_BUCKETS_MIN))
        return;
    if (l->nf >= 2 * l->nbuckets)
        (void)fact_rehash(l, 2 * l->nbuckets); /* without the memory: longer chains */
    if (l->nf == l->fcap) {
        uint32_t nc = l->fcap ? 2 * l->fcap : 64;
        fact_t *g = realloc(l->f, nc * sizeof *g);
        if (g == NULL)
            return;
        l->f = g;
        l->fcap = nc;
    }
    uint32_t b = fact_hash(l, c, kind, id);
    l->f[l->nf] = (fact_t){.conn = *c, .id = id, .value = value, .frame = number, .next = l->bucket[b],
                           .kind = (uint8_t)kind};
    l->bucket[b] = l->nf++;
}

void nmx__fact_set(nmx_dctx_t *d, unsigned kind, uint64_t id, uint32_t value)
{
    conn_t c;
    if (!nmx__learning(d) || !current_conn(d, &c))
        return;
    nmx_learned_t *l = d->fctx->learned;
    fact_put(l, &c, fact_find(l, &c, kind, id, UINT32_MAX), kind, id, value, d->fctx->number);
}

bool nmx__fact_get(const nmx_dctx_t *d, unsigned kind, uint64_t id, uint32_t *value)
{
    conn_t c;
    const nmx_frame_ctx_t *x = d->fctx;
    if (x == NULL || x->learned == NULL || x->learned->nf == 0 || d->in_error || !current_conn(d, &c))
        return false;
    const fact_t *f = fact_find(x->learned, &c, kind, id, x->number);
    if (f != NULL && f->frame < epoch_of(x->learned, &c, x->number))
        f = NULL; /* set before a SYN that began a new conversation */
    if (f != NULL)
        *value = f->value;
    return f != NULL;
}

void nmx__fact_syn(nmx_dctx_t *d, unsigned sport, unsigned dport, uint32_t seq)
{
    conn_t c;
    if (!nmx__learning(d))
        return;
    d->ho_sport = (uint16_t)sport; /* the connection's ports (the hand-off sets them again) */
    d->ho_dport = (uint16_t)dport;
    d->ho_tcp = true;
    if (!current_conn(d, &c))
        return;
    nmx_learned_t *l = d->fctx->learned;
    uint32_t number = d->fctx->number;
    const fact_t *old = fact_find(l, &c, NMX_FACT_TCP_SYN, 0, UINT32_MAX);
    if ((old != NULL && old->value == seq) || l->nf >= NMX_FACT_MAX / 2)
        return; /* a retransmission, or SYNs have their half of the table */
    bool first = old == NULL;
    fact_put(l, &c, old, NMX_FACT_TCP_SYN, 0, seq, number);
    if (first)
        return; /* the connection's first SYN: nothing was learned before it */
    uint32_t nf = l->nf;
    fact_put(l, &c, fact_find(l, &c, NMX_FACT_TCP_EPOCH, 0, UINT32_MAX), NMX_FACT_TCP_EPOCH, 0, number, number);
    if (l->nf > nf)
        l->epochs++;
}
