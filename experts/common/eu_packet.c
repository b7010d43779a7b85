/*
 * eu_packet.c - property values, TCP/UDP segments from the parser's
 * properties, connection keys and the connection table of eu_packet.h.
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
    struct {
        HPROPERTY *h;
        const char *key;
    } props[] = {
        {&ids->ip_src, "ip.src"}, {&ids->ip_dst, "ip.dst"}, {&ids->ip_mf, "ip.flags.mf"},
        {&ids->ip_frag, "ip.frag_offset"}, {&ids->ip_ttl, "ip.ttl"}, {&ids->ipv6_src, "ipv6.src"},
        {&ids->ipv6_dst, "ipv6.dst"}, {&ids->ipv6_frag, "ipv6.fraghdr.offset"},
        {&ids->ipv6_hlim, "ipv6.hlim"}, {&ids->tcp_sport, "tcp.srcport"}, {&ids->tcp_dport, "tcp.dstport"},
        {&ids->tcp_seq, "tcp.seq_raw"}, {&ids->tcp_ack, "tcp.ack_raw"}, {&ids->tcp_flags, "tcp.flags"},
        {&ids->tcp_window, "tcp.window_size_value"}, {&ids->tcp_hdr_len, "tcp.hdr_len"},
        {&ids->tcp_len, "tcp.len"}, {&ids->udp_sport, "udp.srcport"}, {&ids->udp_dport, "udp.dstport"},
        {&ids->udp_length, "udp.length"},
    };
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
        *props[i].h = GetProperty(NULL, (LPSTR)props[i].key);
}

int eu_inst_uint(const PROPERTYINST *pi, uint64_t *out)
{
    const BYTE *p;
    size_t n;
    int swapped = 0;
    if (pi->DataLength == 0xFFFF) {
        if (pi->lpPropertyInstEx == NULL)
            return 0;
        p = (const BYTE *)pi->lpPropertyInstEx->Byte;
        n = pi->lpPropertyInstEx->LengthEx;
    } else {
        p = (const BYTE *)pi->lpData;
        n = pi->DataLength;
        swapped = (pi->IFlags & IFLAG_SWAPPED) != 0;
    }
    if (p == NULL || n == 0 || n > 8)
        return 0;
    BYTE b[8];
    memcpy(b, p, n);
    if (swapped)
        for (size_t i = 0; i < n / 2; i++) {
            BYTE x = b[i];
            b[i] = b[n - 1 - i];
            b[n - 1 - i] = x;
        }
    uint64_t v = 0;
    if (n == 1) {
        v = b[0];
    } else if (n == 2) {
        uint16_t x;
        memcpy(&x, b, 2);
        v = x;
    } else if (n == 4) {
        uint32_t x;
        memcpy(&x, b, 4);
        v = x;
    } else if (n == 8) {
        memcpy(&v, b, 8);
    } else {
        /* An odd width: a small integer in network order (VAR_LEN_SMALL_INT). */
        for (size_t i = 0; i < n; i++)
            v = v << 8 | p[i];
    }
    *out = v;
    return 1;
}

LPPROPERTYINST eu_next_instance(HFRAME f, HPROPERTY h, LPPROPERTYINST *at, DWORD *err)
{
    for (;;) {
        BhSetLastError(0);
        LPPROPERTYINST pi = FindPropertyInstanceRestart(f, h, at, TRUE);
        if (pi == NULL) {
            DWORD e = BhGetLastError();
            *err = e == NMERR_PROPERTY_NOT_FOUND ? 0 : e;
            return NULL;
        }
        if (!(pi->IFlags & IFLAG_ERROR))
            return pi;
    }
}

LPPROPERTYINST eu_instance(HFRAME f, HPROPERTY h, unsigned n)
{
    LPPROPERTYINST at = NULL, pi;
    DWORD err;
    while ((pi = eu_next_instance(f, h, &at, &err)) != NULL && n-- > 0)
        ;
    return pi;
}

/* The integer value of instance n of property h in frame f; 0 when there
 * is none (a header the parser rejected) or it is no integer. */
static int inst_value(HFRAME f, HPROPERTY h, unsigned n, uint64_t *v)
{
    LPPROPERTYINST pi = h ? eu_instance(f, h, n) : NULL;
    return pi != NULL && eu_inst_uint(pi, v);
}

/* The flag of instance n of a one-bit flag property h (PROP_QUAL_FLAGS:
 * the value is its container, the labeled bit says which bit). */
static int inst_flag(HFRAME f, HPROPERTY h, unsigned n, uint64_t *v)
{
    LPPROPERTYINST pi = h ? eu_instance(f, h, n) : NULL;
    const PROPERTYINFO *info = pi != NULL ? pi->lpPropertyInfo : NULL;
    uint64_t c;
    if (info == NULL || info->DataQualifier != PROP_QUAL_FLAGS || info->lpSet == NULL ||
        info->lpSet->nEntries != 1 || info->lpSet->lpLabeledBit == NULL || !eu_inst_uint(pi, &c))
        return 0;
    *v = c >> info->lpSet->lpLabeledBit->BitNumber & 1;
    return 1;
}

/* Copies address instance n of property h (alen bytes) to out. */
static int inst_addr(HFRAME f, HPROPERTY h, unsigned n, BYTE *out, size_t alen)
{
    LPPROPERTYINST pi = h ? eu_instance(f, h, n) : NULL;
    if (pi == NULL || pi->DataLength != alen || pi->lpData == NULL)
        return 0;
    memset(out, 0, 16);
    memcpy(out, pi->lpData, alen);
    return 1;
}

/* The IP header before the segment: header n of its kind in the frame. */
static int ip_header(const eu_tcp_ids_t *ids, HFRAME f, int v6, unsigned n, eu_tcpseg_t *s)
{
    uint64_t v, ttl;
    if (!v6) {
        if (!inst_flag(f, ids->ip_mf, n, &v) || v != 0 || !inst_value(f, ids->ip_frag, n, &v) || v != 0)
            return 0; /* MF or a fragment offset */
        s->family = 4;
        if (!inst_addr(f, ids->ip_src, n, s->src, 4) || !inst_addr(f, ids->ip_dst, n, s->dst, 4) ||
            !inst_value(f, ids->ip_ttl, n, &ttl))
            return 0;
    } else {
        if (ids->ipv6_frag && eu_instance(f, ids->ipv6_frag, 0) != NULL)
            return 0; /* a fragment header */
        s->family = 6;
        if (!inst_addr(f, ids->ipv6_src, n, s->src, 16) || !inst_addr(f, ids->ipv6_dst, n, s->dst, 16) ||
            !inst_value(f, ids->ipv6_hlim, n, &ttl))
            return 0;
    }
    s->ttl = (uint8_t)ttl;
    return 1;
}

/* The TCP or UDP header: ports, TCP's fields, its length (*hl) and the
 * payload bytes on the wire (s->len). */
static int l4_header(const eu_tcp_ids_t *ids, HFRAME f, int tcp, uint32_t *hl, eu_tcpseg_t *s)
{
    uint64_t sport, dport, v[6];
    if (tcp) {
        if (!inst_value(f, ids->tcp_sport, 0, &sport) || !inst_value(f, ids->tcp_dport, 0, &dport) ||
            !inst_value(f, ids->tcp_seq, 0, &v[0]) || !inst_value(f, ids->tcp_ack, 0, &v[1]) ||
            !inst_value(f, ids->tcp_flags, 0, &v[2]) || !inst_value(f, ids->tcp_window, 0, &v[3]) ||
            !inst_value(f, ids->tcp_hdr_len, 0, &v[4]) || !inst_value(f, ids->tcp_len, 0, &v[5]))
            return 0;
        s->seq = (uint32_t)v[0];
        s->ack = (uint32_t)v[1];
        s->flags = (uint8_t)v[2];
        s->window = (uint16_t)v[3];
        *hl = (uint32_t)v[4];
        s->len = (uint32_t)v[5];
    } else {
        if (!inst_value(f, ids->udp_sport, 0, &sport) || !inst_value(f, ids->udp_dport, 0, &dport) ||
            !inst_value(f, ids->udp_length, 0, &v[0]) || v[0] < 8)
            return 0;
        s->seq = s->ack = 0;
        s->flags = 0;
        s->window = 0;
        *hl = 8;
        s->len = (uint32_t)v[0] - 8;
    }
    s->sport = (uint16_t)sport;
    s->dport = (uint16_t)dport;
    return 1;
}

int eu_l4_segment(const eu_tcp_ids_t *ids, const EXPERTFRAMEDESCRIPTOR *fd, WORD proto, eu_tcpseg_t *s)
{
    const RECOGNIZEDATATABLE *t = fd->lpRecognizeDataTable;
    if (t == NULL || fd->pFrame == NULL)
        return 0;
    long l3 = -1, l4 = -1;
    WORD l3id = 0;
    unsigned n_ip = 0, n_ipv6 = 0, l3n = 0; /* headers of each kind so far; which one is l3 */
    for (WORD i = 0; i < t->nRecognizeDatas; i++) {
        WORD id = t->RecognizeData[i].ProtocolID;
        if (id == ids->icmp || id == ids->icmpv6)
            return 0;
        if (id == ids->ip || id == ids->ipv6) {
            l3 = t->RecognizeData[i].nProtocolOffset;
            l3id = id;
            l3n = id == ids->ip ? n_ip++ : n_ipv6++;
        } else if (id == proto) {
            l4 = t->RecognizeData[i].nProtocolOffset;
            break;
        }
    }
    if (l3 < 0 || l4 < 0 || l4 <= l3)
        return 0;
    uint32_t hl;
    if (!ip_header(ids, fd->hFrame, l3id == ids->ipv6, l3n, s) || !l4_header(ids, fd->hFrame, proto == ids->tcp, &hl, s))
        return 0;
    uint32_t cap = fd->pFrame->nBytesAvail;
    uint32_t start = (uint32_t)l4 + hl;
    if (start > cap)
        return 0; /* the header is not captured whole */
    s->l3_off = (uint32_t)l3;
    s->l4_off = (uint32_t)l4;
    s->l4_hdr = hl;
    s->avail = cap - start;
    if (s->avail > s->len)
        s->avail = s->len;
    s->payload = (const BYTE *)fd->pFrame->MacFrame + start;
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
