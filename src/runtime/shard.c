/*
 * shard.c - which shard of `nmexpert run --shard K/N` a frame belongs to.
 *
 * A frame's shard is a hash of its connection, the same in both directions,
 * so that every frame of a TCP connection or UDP conversation lands in one
 * shard whole, and experts whose state spans frames (tcpretrans, resptime,
 * coalesce) see the connection as a run over the whole set would.
 *
 *   - The outermost IPv4 or IPv6 header names the connection: its two
 *     addresses, and the two ports of the TCP or UDP header right after it
 *     (none for other protocols, and none for an IPv4 fragment, first or
 *     not, so that all fragments of a datagram go together).
 *   - The two (address, port) ends are put in byte order, then hashed
 *     (FNV-1a, 64 bits, with a final mix): shard = hash mod N, plus 1.
 *   - A frame without an IP header (ARP, STP, LLDP, 802.11 management...)
 *     belongs to shard 1.
 *
 * Frames keep their numbers in every shard: a shard only filters them out.
 */
#include <string.h>

#include "runtime/runtime.h"

typedef struct shard_end {
    uint8_t addr[16];
    uint8_t port[2];
} shard_end_t;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

uint32_t nmx__shard_of(const uint8_t *data, uint32_t caplen, const RECOGNIZEDATATABLE *t, uint32_t count)
{
    if (count <= 1)
        return 1;
    unsigned n = t != NULL ? t->nRecognizeDatas : 0;
    for (unsigned i = 0; i < n; i++) {
        WORD id = t->RecognizeData[i].ProtocolID;
        if (id != NMX_PROTO_IP && id != NMX_PROTO_IPV6)
            continue;
        size_t off = t->RecognizeData[i].nProtocolOffset;
        size_t alen = id == NMX_PROTO_IP ? 4 : 16, src = id == NMX_PROTO_IP ? 12 : 8;
        if (off + src + 2 * alen > caplen)
            return 1; /* a truncated header: shard 1, as for frames without IP */
        shard_end_t a, b;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        memcpy(a.addr, data + off + src, alen);
        memcpy(b.addr, data + off + src + alen, alen);
        bool fragment = id == NMX_PROTO_IP && ((data[off + 6] & 0x20) != 0 || ((data[off + 6] & 0x1f) | data[off + 7]) != 0);
        if (!fragment && i + 1 < n) {
            WORD l4 = t->RecognizeData[i + 1].ProtocolID;
            size_t po = t->RecognizeData[i + 1].nProtocolOffset;
            if ((l4 == NMX_PROTO_TCP || l4 == NMX_PROTO_UDP) && po + 4 <= caplen) {
                memcpy(a.port, data + po, 2);
                memcpy(b.port, data + po + 2, 2);
            }
        }
        if (memcmp(&a, &b, sizeof a) > 0) {
            shard_end_t x = a;
            a = b;
            b = x;
        }
        uint8_t fam = (uint8_t)alen;
        uint64_t h = fnv(1469598103934665603ull, &fam, 1);
        h = fnv(h, &a, sizeof a);
        h = fnv(h, &b, sizeof b);
        h ^= h >> 33; /* murmur3's final mix: the low bits depend on every bit */
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53ull;
        h ^= h >> 33;
        return (uint32_t)(h % count) + 1;
    }
    return 1;
}
