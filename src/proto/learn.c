/*
 * learn.c - conversations one frame announces for later ones: tshark's
 * conversation dissectors (docs/protocols.md, "Learned conversations").
 *
 * A dissector that reads an announcement (FTP's PASV reply, PORT, EPRT and
 * EPSV; SDP's media ports; an HTTP/2 preface) calls nmx__learn(), and TCP
 * and UDP ask nmx__learned_proto() before their port tables.  tshark keeps
 * a conversation per announcement, found by the frames after it:
 *  - an exact one (both addresses and ports) first;
 *  - then one that knows the peer's address but not its port: TCP fills
 *    the port in from the first connection that matches (so a second
 *    connection to the same endpoint is not the announced protocol);
 *  - then one that knows only the announced endpoint (SDP's RTP), for any
 *    peer.
 * Within each kind the latest announcement wins.  An announcement equal to
 * one still pending (no connection has taken it) is not recorded again:
 * it is nearly always a TCP retransmission, whose payload tshark does not
 * dissect, so tshark's setup frame is the first one (and a note the
 * retransmitted announcement made on it, as a message of its connection,
 * is taken back).  The table is filled only
 * by a dissection that learns (nmx_frame_ctx_t.learn): a caller feeds it
 * every frame in capture order once, and later dissections of a frame see
 * the same table with what frames after it announced, which cannot match
 * it (an announcement applies from the next frame on, and a port is filled
 * in by the first frame that matches).
 *
 * The table is an array searched from its newest end: announcements are
 * few (one per FTP transfer or SDP media line).  At most NMX_LEARN_MAX are
 * kept; later ones are dropped, so that a hostile capture cannot make every
 * TCP payload scan a huge table.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/proto_int.h"

#define NMX_LEARN_MAX 4096u

/* A TCP or UDP connection: the two (address, port) ends, lower first. */
typedef struct conn {
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
} learned_ep_t;

struct nmx_learned {
    learned_ep_t *e;
    size_t n, cap;
};

nmx_learned_t *nmx__learned_new(void)
{
    return calloc(1, sizeof(nmx_learned_t));
}

void nmx__learned_free(nmx_learned_t *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->e[i].note);
    free(l->e);
    free(l);
}

/* The connection of the current frame's TCP or UDP payload (the nearest IP
 * header and the ports being handed off on); false when there is none. */
static bool current_conn(const nmx_dctx_t *d, conn_t *c)
{
    uint8_t src[16], dst[16];
    memset(c, 0, sizeof *c);
    if (!nmx__learn_ip(d, &c->alen, src, dst))
        return false;
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

/* Whether two announcements say the same (a filled-in port differs). */
static bool same_ep(const nmx_learn_ep_t *a, const nmx_learn_ep_t *b)
{
    return a->l4 == b->l4 && a->alen == b->alen && a->port == b->port && a->has_peer == b->has_peer &&
           a->has_peer_port == b->has_peer_port && a->peer_port == b->peer_port && a->tag == b->tag &&
           memcmp(a->addr, b->addr, a->alen) == 0 && (!a->has_peer || memcmp(a->peer, b->peer, a->alen) == 0);
}

void nmx__learn(nmx_dctx_t *d, const nmx_learn_ep_t *ep, unsigned proto)
{
    if (!nmx__learning(d) || (ep->alen != 4 && ep->alen != 16))
        return;
    nmx_learned_t *l = d->fctx->learned;
    for (size_t i = l->n; i-- > 0;) {
        learned_ep_t *e = &l->e[i];
        if (e->proto != proto || !same_ep(&e->ep, ep))
            continue;
        /* Still pending: a retransmission repeats it (tshark does not see
         * those), and the note this frame made on it goes too. */
        if (e->note != NULL && e->note_frame == d->fctx->number) {
            free(e->note);
            e->note = NULL;
        }
        return;
    }
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 16;
        if (nc > NMX_LEARN_MAX)
            return;
        learned_ep_t *g = realloc(l->e, nc * sizeof *g);
        if (g == NULL)
            return;
        l->e = g;
        l->cap = nc;
    }
    learned_ep_t *e = &l->e[l->n++];
    memset(e, 0, sizeof *e);
    e->ep = *ep;
    e->setup = d->fctx->number;
    e->proto = (uint16_t)proto;
    (void)current_conn(d, &e->owner);
}

void nmx__learn_note(nmx_dctx_t *d, const char *text, size_t len)
{
    conn_t c;
    if (!nmx__learning(d) || !current_conn(d, &c))
        return;
    nmx_learned_t *l = d->fctx->learned;
    for (size_t i = l->n; i-- > 0;) {
        learned_ep_t *e = &l->e[i];
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

unsigned nmx__learned_proto(nmx_dctx_t *d, bool tcp, unsigned sport, unsigned dport, nmx_learned_hit_t *found)
{
    const nmx_frame_ctx_t *x = d->fctx;
    if (x == NULL || x->learned == NULL || x->learned->n == 0 || d->in_error)
        return 0;
    uint8_t alen, src[16], dst[16];
    if (!nmx__learn_ip(d, &alen, src, dst))
        return 0;
    nmx_learned_t *l = x->learned;
    uint8_t l4 = tcp ? NMX_PROTO_TCP : NMX_PROTO_UDP;
    side_t a = {src, (uint16_t)sport}, b = {dst, (uint16_t)dport};
    learned_ep_t *best = NULL;
    int best_kind = 0;
    for (size_t i = l->n; i-- > 0;) {
        learned_ep_t *e = &l->e[i];
        if (e->setup >= x->number || e->ep.l4 != l4 || e->ep.alen != alen)
            continue;
        int k = match_kind(&e->ep, a, b);
        int k2 = match_kind(&e->ep, b, a);
        if (k2 > k)
            k = k2;
        if (k > best_kind) {
            best = e;
            best_kind = k;
        }
    }
    if (best == NULL)
        return 0;
    if (best_kind == 2 && tcp && x->learn) {
        /* The first connection that matches takes the wildcard port. */
        bool fwd = memcmp(best->ep.addr, src, alen) == 0 && best->ep.port == sport;
        best->ep.has_peer_port = true;
        best->ep.peer_port = (uint16_t)(fwd ? dport : sport);
    }
    if (found != NULL) {
        found->setup = best->setup;
        found->tag = best->ep.tag;
        /* A note made after this frame must not change it (a frame seen
         * again later is dissected as it was the first time). */
        bool noted = best->note != NULL && best->note_frame < x->number;
        found->note = noted ? best->note : NULL;
        found->note_frame = noted ? best->note_frame : 0;
    }
    return best->proto;
}
