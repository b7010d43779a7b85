/*
 * eu_packet.h - frames for the built-in experts that read TCP and UDP
 * (tcpretrans, resptime, coalesce): big- and little-endian loads of
 * payload bytes, property values, the IPv4/IPv6 + TCP/UDP segment of a
 * frame as the parser's properties give it, connection keys (the same for
 * both directions), the table of an expert's connections, and 32-bit
 * sequence numbers unwrapped to 64-bit stream positions.
 *
 * Part of libnmx_expert_util.a (experts/common/).  The loads and the
 * unwrap are inline: they run for every byte or segment.
 */
#ifndef NMX_EU_PACKET_H
#define NMX_EU_PACKET_H

#include <stdint.h>

#include <netmon.h>

#include "eu_containers.h"

/* ---- loads from frame bytes (frames carry no alignment) ------------------- */

static inline uint16_t eu_be16(const BYTE *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t eu_be32(const BYTE *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t eu_le16(const BYTE *p)
{
    return (uint16_t)(p[1] << 8 | p[0]);
}

static inline uint32_t eu_le32(const BYTE *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static inline uint64_t eu_le64(const BYTE *p)
{
    return (uint64_t)eu_le32(p + 4) << 32 | eu_le32(p);
}

/* ---- property values ------------------------------------------------------- */

/* The integer value of an instance, by the NetMon rules (spec 4.10): the
 * bytes at lpData, or the copy in PROPERTYINSTEX when DataLength is
 * 0xFFFF; multi-byte values in the frame are byte-swapped (network order)
 * when IFLAG_SWAPPED is set; copies are in host order.  0 when the
 * instance has no integer value, else 1 with *out set. */
int eu_inst_uint(const PROPERTYINST *pi, uint64_t *out);

/* The next instance of property h in frame f after *at (the first when
 * *at is NULL; *at is moved to it), leaving out malformed ones
 * (IFLAG_ERROR); NULL when there is none, with *err 0, or on an error,
 * with *err its code. */
LPPROPERTYINST eu_next_instance(HFRAME f, HPROPERTY h, LPPROPERTYINST *at, DWORD *err);

/* Instance n (from 0) of property h in frame f, leaving out malformed ones
 * (IFLAG_ERROR); NULL when there are fewer. */
LPPROPERTYINST eu_instance(HFRAME f, HPROPERTY h, unsigned n);

/* ---- TCP and UDP segments ---------------------------------------------------- */

#define EU_TCP_FIN 0x01
#define EU_TCP_SYN 0x02
#define EU_TCP_RST 0x04
#define EU_TCP_PSH 0x08
#define EU_TCP_ACK 0x10

/* The protocol ids and properties the segment decoder needs, resolved
 * once per run (0xFFFF or 0: the parsers do not know it). */
typedef struct eu_tcp_ids {
    WORD ip, ipv6, tcp, udp, icmp, icmpv6;
    HPROPERTY ip_src, ip_dst, ip_mf, ip_frag, ip_ttl;
    HPROPERTY ipv6_src, ipv6_dst, ipv6_frag, ipv6_hlim;
    HPROPERTY tcp_sport, tcp_dport, tcp_seq, tcp_ack, tcp_flags, tcp_window, tcp_hdr_len, tcp_len;
    HPROPERTY udp_sport, udp_dport, udp_length;
} eu_tcp_ids_t;

void eu_tcp_ids_init(eu_tcp_ids_t *ids);

/* One TCP (or UDP) segment, decoded from the frame bytes.  Addresses are
 * in network order; an IPv4 address fills the first 4 bytes of 16. */
typedef struct eu_tcpseg {
    BYTE src[16];
    BYTE dst[16];
    uint8_t family;        /* 4 or 6 */
    uint8_t flags;         /* EU_TCP_* (TCP only) */
    uint8_t ttl;           /* IPv4 Time to Live or IPv6 Hop Limit */
    uint16_t sport;
    uint16_t dport;
    uint16_t window;       /* raw window field (TCP only) */
    uint32_t seq;          /* TCP only */
    uint32_t ack;          /* TCP only */
    uint32_t len;          /* payload bytes, from the IP lengths (on the wire) */
    uint32_t avail;        /* payload bytes captured (<= len) */
    const BYTE *payload;   /* the captured payload bytes */
    uint32_t l3_off;       /* offset of the IP header in the frame */
    uint32_t l4_off;       /* offset of the TCP/UDP header */
    uint32_t l4_hdr;       /* TCP/UDP header length */
} eu_tcpseg_t;

/*
 * The first TCP (proto = ids->tcp) or UDP (ids->udp) segment of a frame
 * and the IPv4/IPv6 header nearest before it, from the parser's properties
 * of those headers (ip.src, tcp.seq_raw, tcp.len, ...) and the offsets of
 * the recognize table: the expert parses no header itself, so it can never
 * disagree with the parser.  Returns 1 and fills *s, or 0 when the frame
 * has no such segment or it cannot be used: carried inside an ICMP error,
 * an IP fragment (the payload would be partial), or a header that is
 * malformed or not captured whole.
 */
int eu_l4_segment(const eu_tcp_ids_t *ids, const EXPERTFRAMEDESCRIPTOR *fd, WORD proto, eu_tcpseg_t *s);

/* A 32-bit sequence number as a 64-bit stream position: the one nearest
 * `ref`, a position whose low 32 bits are a sequence number.  Start a
 * direction at (1 << 32) + seq so that positions never go below zero. */
static inline uint64_t eu_seq_unwrap(uint64_t ref, uint32_t seq)
{
    return ref + (uint64_t)(int64_t)(int32_t)(seq - (uint32_t)ref);
}

/* ---- connections --------------------------------------------------------------- */

/* A TCP or UDP connection as a hash key, the same for both directions: the
 * lower (address, port) first. */
typedef struct eu_conn_key {
    BYTE a[16];
    BYTE b[16];
    uint16_t pa;
    uint16_t pb;
    uint8_t family;
    uint8_t pad[3];
} eu_conn_key_t;

/* An eu_map entry from a connection key to the connection's number. */
typedef struct eu_conn_entry {
    eu_conn_key_t k;
    uint8_t used;          /* eu_map's in-use byte */
    uint8_t pad[3];
    uint32_t index;        /* 1-based index in the expert's records; 0: none yet */
} eu_conn_entry_t;

/* Copies the two ends of a key to an expert's record: side 0 is the lower
 * (address, port). */
void eu_conn_ends(const eu_conn_key_t *k, BYTE addr[2][16], uint16_t port[2], uint8_t *family);

/* An expert's connections: records of its own type, in order of
 * creation, found by key. */
typedef struct eu_conns {
    eu_map_t map;          /* eu_conn_key_t -> eu_conn_entry_t */
    eu_vec_t recs;         /* the records */
} eu_conns_t;

/* An empty table of `size`-byte records (the first allocation holds 256,
 * then it doubles); 0 or an NMERR code. */
DWORD eu_conns_init(HEXPERTKEY key, eu_conns_t *t, size_t size);

/* The map entry of segment s's connection (created when new: index 0),
 * with *side the side of the key its source is (0 = a/pa, 1 = b/pb);
 * NULL with *err set. */
eu_conn_entry_t *eu_conns_find(HEXPERTKEY key, eu_conns_t *t, const eu_tcpseg_t *s, int *side, DWORD *err);

/* The record of a map entry (index != 0). */
static inline void *eu_conns_rec(const eu_conns_t *t, const eu_conn_entry_t *e)
{
    return eu_vec_at(&t->recs, e->index - 1);
}

/* Appends a new zeroed record for the connection of entry e, which then
 * names it (e->index); NULL with *err set.  Records may move when one is
 * added: hold indexes, not pointers, across calls. */
void *eu_conns_add(HEXPERTKEY key, eu_conns_t *t, eu_conn_entry_t *e, DWORD *err);

void eu_conns_free(HEXPERTKEY key, eu_conns_t *t);

#endif /* NMX_EU_PACKET_H */
