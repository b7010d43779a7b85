/*
 * eu_packet.c - TCP/UDP segments from frame bytes, connection keys and the
 * connection table of eu_packet.h.  The frame bytes are untrusted: every
 * read is checked against the captured length first.
 */
#include "eu_packet.h"

#include <string.h>

#include "eu_run.h"

void eu_tcp_ids_init(eu_tcp_ids_t *ids)
{
    ids->ip = eu_protocol_id("ip");
    ids->ipv6 = eu_protocol_id("ipv6");
    ids->tcp = eu_protocol_id("tcp");
    ids->udp = eu_protocol_id("udp");
    ids->icmp = eu_protocol_id("icmp");
    ids->icmpv6 = eu_protocol_id("icmpv6");
}

/* The IPv4 header at f + l3: addresses and the end of its payload (*end).
 * 0 when it is not captured whole or is a fragment. */
static int ipv4_header(const EXPERTFRAMEDESCRIPTOR *fd, const BYTE *f, uint32_t cap, uint32_t l3, uint32_t *end,
                       eu_tcpseg_t *s)
{
    if (l3 + 20 > cap)
        return 0;
    const BYTE *h = f + l3;
    if ((eu_be16(h + 6) & 0x3FFF) != 0) /* MF or a fragment offset */
        return 0;
    uint32_t tot = eu_be16(h + 2);
    uint32_t room = fd->pFrame->FrameLength > l3 ? fd->pFrame->FrameLength - l3 : 0;
    if (tot == 0) /* segmentation offload: the frame's length, as tshark takes it */
        tot = room > 0xFFFF ? 0xFFFF : room;
    if (tot > room) /* longer than the frame: trimmed, as tshark does */
        tot = room;
    *end = l3 + tot;
    s->family = 4;
    memset(s->src, 0, sizeof s->src);
    memset(s->dst, 0, sizeof s->dst);
    memcpy(s->src, h + 12, 4);
    memcpy(s->dst, h + 16, 4);
    return 1;
}

/* The IPv6 header at f + l3, its extension headers up to l4 (no fragment
 * header), addresses and the end of its payload.  0 when unusable. */
static int ipv6_header(const EXPERTFRAMEDESCRIPTOR *fd, const BYTE *f, uint32_t cap, uint32_t l3, uint32_t l4,
                       uint32_t *end, eu_tcpseg_t *s)
{
    if (l3 + 40 > cap)
        return 0;
    const BYTE *h = f + l3;
    uint32_t plen = eu_be16(h + 4);
    if (plen == 0) /* jumbogram */
        return 0;
    uint8_t nh = h[6];
    uint32_t p = l3 + 40;
    while (p < l4) {
        if (nh == 44 || p + 2 > cap)
            return 0;
        uint32_t hl = nh == 51 ? ((uint32_t)f[p + 1] + 2) * 4 : ((uint32_t)f[p + 1] + 1) * 8;
        nh = f[p];
        p += hl;
    }
    *end = l3 + 40 + plen;
    if (*end > fd->pFrame->FrameLength)
        *end = fd->pFrame->FrameLength;
    s->family = 6;
    memcpy(s->src, h + 8, 16);
    memcpy(s->dst, h + 24, 16);
    return 1;
}

/* The TCP or UDP header at f + l4: its length (*hl) and fields. */
static int l4_header(const BYTE *f, uint32_t cap, uint32_t l4, int tcp, uint32_t *hl, eu_tcpseg_t *s)
{
    const BYTE *h = f + l4;
    if (tcp) {
        if (l4 + 20 > cap)
            return 0;
        *hl = (uint32_t)(h[12] >> 4) * 4;
        if (*hl < 20 || l4 + *hl > cap)
            return 0;
        s->seq = eu_be32(h + 4);
        s->ack = eu_be32(h + 8);
        s->flags = h[13];
        s->window = eu_be16(h + 14);
    } else {
        if (l4 + 8 > cap)
            return 0;
        *hl = 8;
        s->seq = s->ack = 0;
        s->flags = 0;
        s->window = 0;
    }
    s->sport = eu_be16(h);
    s->dport = eu_be16(h + 2);
    return 1;
}

int eu_l4_segment(const eu_tcp_ids_t *ids, const EXPERTFRAMEDESCRIPTOR *fd, WORD proto, eu_tcpseg_t *s)
{
    const RECOGNIZEDATATABLE *t = fd->lpRecognizeDataTable;
    if (t == NULL || fd->pFrame == NULL)
        return 0;
    long l3 = -1, l4 = -1;
    WORD l3id = 0;
    for (WORD i = 0; i < t->nRecognizeDatas; i++) {
        WORD id = t->RecognizeData[i].ProtocolID;
        if (id == ids->icmp || id == ids->icmpv6)
            return 0;
        if (id == ids->ip || id == ids->ipv6) {
            l3 = t->RecognizeData[i].nProtocolOffset;
            l3id = id;
        } else if (id == proto) {
            l4 = t->RecognizeData[i].nProtocolOffset;
            break;
        }
    }
    if (l3 < 0 || l4 < 0 || l4 <= l3)
        return 0;
    const BYTE *f = (const BYTE *)fd->pFrame->MacFrame;
    uint32_t cap = fd->pFrame->nBytesAvail;
    uint32_t end, hl; /* end of the IP payload, per the IP header; transport header length */
    int ok = l3id == ids->ip ? ipv4_header(fd, f, cap, (uint32_t)l3, &end, s)
                             : ipv6_header(fd, f, cap, (uint32_t)l3, (uint32_t)l4, &end, s);
    if (!ok || !l4_header(f, cap, (uint32_t)l4, proto == ids->tcp, &hl, s) || end < (uint32_t)l4 + hl)
        return 0;
    s->l3_off = (uint32_t)l3;
    s->l4_off = (uint32_t)l4;
    s->l4_hdr = hl;
    s->len = end - (uint32_t)l4 - hl;
    uint32_t start = (uint32_t)l4 + hl;
    s->avail = cap > start ? cap - start : 0;
    if (s->avail > s->len)
        s->avail = s->len;
    s->payload = f + start;
    return 1;
}

/* ---- connections ------------------------------------------------------------- */

/* The key of s's connection, and the side of it s's source is. */
static void conn_key_of(const eu_tcpseg_t *s, eu_conn_key_t *k, int *side)
{
    memset(k, 0, sizeof *k);
    int c = memcmp(s->src, s->dst, 16);
    int src_low = c < 0 || (c == 0 && s->sport <= s->dport);
    memcpy(k->a, src_low ? s->src : s->dst, 16);
    memcpy(k->b, src_low ? s->dst : s->src, 16);
    k->pa = src_low ? s->sport : s->dport;
    k->pb = src_low ? s->dport : s->sport;
    k->family = s->family;
    *side = src_low ? 0 : 1;
}

void eu_conn_ends(const eu_conn_key_t *k, BYTE addr[2][16], uint16_t port[2], uint8_t *family)
{
    memcpy(addr[0], k->a, 16);
    memcpy(addr[1], k->b, 16);
    port[0] = k->pa;
    port[1] = k->pb;
    *family = k->family;
}

DWORD eu_conns_init(HEXPERTKEY key, eu_conns_t *t, size_t size)
{
    eu_vec_init(&t->recs, size, 256);
    return eu_map_init(key, &t->map, sizeof(eu_conn_key_t), sizeof(eu_conn_entry_t));
}

eu_conn_entry_t *eu_conns_find(HEXPERTKEY key, eu_conns_t *t, const eu_tcpseg_t *s, int *side, DWORD *err)
{
    eu_conn_key_t k;
    conn_key_of(s, &k, side);
    return eu_map_get(key, &t->map, &k, 1, err);
}

void *eu_conns_add(HEXPERTKEY key, eu_conns_t *t, eu_conn_entry_t *e, DWORD *err)
{
    void *r = eu_vec_push(key, &t->recs, err);
    if (r != NULL)
        e->index = t->recs.len;
    return r;
}

void eu_conns_free(HEXPERTKEY key, eu_conns_t *t)
{
    eu_map_free(key, &t->map);
    eu_vec_free(key, &t->recs);
}
