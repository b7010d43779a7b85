/*
 * streams.c - tcp.stream and udp.stream: the conversations of a capture,
 * numbered as tshark numbers them.
 *
 * tshark keeps one conversation per address and port pair (either
 * direction), created on the first frame that names it, and numbers the
 * TCP and the UDP ones separately from 0 in that order.  The addresses are
 * those of the IP header that carries the TCP or UDP header (the nearest
 * before it).  Every TCP and UDP header counts: both of a tunnel (GTP,
 * Teredo), and the one an ICMP error quotes, as tshark's dissectors look
 * their conversation up wherever they are called.
 *
 * TCP port reuse: a SYN without ACK whose sequence number differs from the
 * base sequence number of its direction starts a new conversation on the
 * same pair (packet-tcp.c does so).  The base is the sequence number of the
 * direction's first SYN, or one less than that of its first segment when it
 * was not a SYN.  A retransmitted SYN keeps the stream.
 *
 * The table is open addressing over a power-of-two array, grown at half
 * full; memory is one entry per conversation.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/proto_int.h"

typedef struct conv_key {
    uint8_t l4;          /* NMX_PROTO_TCP or NMX_PROTO_UDP */
    uint8_t alen;        /* 4 or 16 */
    uint16_t pa, pb;     /* ports of side a and side b */
    uint8_t a[16], b[16]; /* addresses; (a, pa) <= (b, pb) */
} conv_key_t;

typedef struct conv {
    conv_key_t key;
    bool used;
    uint32_t stream;
    bool base_set[2];    /* TCP: direction 0 is a -> b */
    uint32_t base[2];
} conv_t;

struct nmx_streams {
    conv_t *tab;
    size_t cap;          /* power of two */
    size_t n;
    uint32_t next[2];    /* next tcp / udp stream number */
};

nmx_streams_t *nmx__streams_new(void)
{
    nmx__registry_init();
    nmx_streams_t *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->cap = 256;
    st->tab = calloc(st->cap, sizeof(conv_t));
    if (!st->tab) {
        free(st);
        return NULL;
    }
    return st;
}

void nmx__streams_free(nmx_streams_t *st)
{
    if (!st)
        return;
    free(st->tab);
    free(st);
}

static uint64_t key_hash(const conv_key_t *k)
{
    const uint8_t *p = (const uint8_t *)k;
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < sizeof(*k); i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static conv_t *slot_of(conv_t *tab, size_t cap, const conv_key_t *k)
{
    size_t i = (size_t)key_hash(k) & (cap - 1);
    while (tab[i].used && memcmp(&tab[i].key, k, sizeof(*k)) != 0)
        i = (i + 1) & (cap - 1);
    return &tab[i];
}

static bool grow(nmx_streams_t *st)
{
    size_t ncap = st->cap * 2;
    conv_t *nt = calloc(ncap, sizeof(conv_t));
    if (!nt)
        return false;
    for (size_t i = 0; i < st->cap; i++)
        if (st->tab[i].used)
            *slot_of(nt, ncap, &st->tab[i].key) = st->tab[i];
    free(st->tab);
    st->tab = nt;
    st->cap = ncap;
    return true;
}

/* The conversation of key k, created when new (*created set); NULL when out of memory. */
static conv_t *lookup(nmx_streams_t *st, const conv_key_t *k, bool *created)
{
    if ((st->n + 1) * 2 > st->cap && !grow(st))
        return NULL;
    conv_t *c = slot_of(st->tab, st->cap, k);
    *created = !c->used;
    if (!c->used) {
        memset(c, 0, sizeof(*c));
        c->key = *k;
        c->used = true;
        st->n++;
    }
    return c;
}

/*
 * The key of the layer at table index li (TCP or UDP): the addresses of
 * the nearest IP header before it, the ports from it.  *dir is 0 when the
 * frame goes from side a to side b.  False when the bytes are not there.
 */
static bool make_key(const nmx_cursor_t *fr, const RECOGNIZEDATATABLE *t, unsigned li, conv_key_t *k,
                     int *dir)
{
    unsigned l4 = t->RecognizeData[li].ProtocolID;
    size_t off = t->RecognizeData[li].nProtocolOffset;
    uint8_t src[16], dst[16];
    size_t alen = 0;
    for (unsigned j = li; j-- > 0;) {
        unsigned id = t->RecognizeData[j].ProtocolID;
        size_t ip = t->RecognizeData[j].nProtocolOffset;
        if (id == NMX_PROTO_IP && nmx__cur_in(fr, ip, 20)) {
            alen = 4;
            nmx__cur_peek_copy(fr, ip + 12, src, 4);
            nmx__cur_peek_copy(fr, ip + 16, dst, 4);
            break;
        }
        if (id == NMX_PROTO_IPV6 && nmx__cur_in(fr, ip, 40)) {
            alen = 16;
            nmx__cur_peek_copy(fr, ip + 8, src, 16);
            nmx__cur_peek_copy(fr, ip + 24, dst, 16);
            break;
        }
        if (id == NMX_PROTO_IP || id == NMX_PROTO_IPV6)
            return false;
    }
    uint16_t sp, dp;
    if (!alen || !nmx__cur_peek_u16be(fr, off, &sp) || !nmx__cur_peek_u16be(fr, off + 2, &dp))
        return false;
    memset(k, 0, sizeof(*k));
    k->l4 = (uint8_t)l4;
    k->alen = (uint8_t)alen;
    int c = memcmp(src, dst, alen);
    if (c == 0)
        c = sp < dp ? -1 : sp > dp;
    *dir = c <= 0 ? 0 : 1;
    memcpy(k->a, c <= 0 ? src : dst, alen);
    memcpy(k->b, c <= 0 ? dst : src, alen);
    k->pa = c <= 0 ? sp : dp;
    k->pb = c <= 0 ? dp : sp;
    return true;
}

bool nmx__streams_next(nmx_streams_t *st, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                       uint32_t linktype, uint32_t tcp_stream[NMX_STREAM_LAYERS],
                       uint32_t udp_stream[NMX_STREAM_LAYERS])
{
    for (unsigned i = 0; i < NMX_STREAM_LAYERS; i++)
        tcp_stream[i] = udp_stream[i] = NMX_STREAM_NONE;
    if (!st)
        return false;
    nmx_recog_buf_t rb;
    unsigned n = nmx__recognize(data, caplen, wirelen, linktype, &rb, NULL);
    const RECOGNIZEDATATABLE *t = &rb.table;
    nmx_cursor_t fr = nmx__cursor(data, data ? caplen : 0);
    unsigned seen[2] = {0, 0};
    for (unsigned i = 0; i < n; i++) {
        unsigned id = t->RecognizeData[i].ProtocolID;
        if (id != NMX_PROTO_TCP && id != NMX_PROTO_UDP)
            continue;
        int w = id == NMX_PROTO_UDP;
        unsigned layer = seen[w]++;
        if (layer >= NMX_STREAM_LAYERS)
            continue;
        conv_key_t k;
        int dir;
        if (!make_key(&fr, t, i, &k, &dir))
            continue;
        bool created;
        conv_t *c = lookup(st, &k, &created);
        if (!c)
            return false;
        if (created)
            c->stream = st->next[w]++;
        if (id == NMX_PROTO_TCP) {
            size_t off = t->RecognizeData[i].nProtocolOffset;
            uint32_t seq;
            uint8_t flags;
            if (nmx__cur_peek_u32be(&fr, off + 4, &seq) && nmx__cur_peek_u8(&fr, off + 13, &flags)) {
                bool syn = (flags & 0x12) == 0x02;
                if (!created && syn && c->base_set[dir] && c->base[dir] != seq) {
                    /* A new connection on a reused pair. */
                    c->stream = st->next[0]++;
                    c->base_set[0] = c->base_set[1] = false;
                }
                if (!c->base_set[dir]) {
                    c->base_set[dir] = true;
                    c->base[dir] = (flags & 0x02) ? seq : seq - 1;
                }
            }
            tcp_stream[layer] = c->stream;
        } else {
            udp_stream[layer] = c->stream;
        }
    }
    return true;
}
