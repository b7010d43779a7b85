/*
 * handoff.c - the hand-off tables: which protocol a parent gives its payload
 * to, by value (ethertype, IP protocol, port, SAP) or by heuristic.
 *
 * Each protocol declares its hand-offs in data next to its registry entry
 * (NMX_HANDOFFS in its dis_*.c file); the registry enters them here when it
 * numbers the protocol, and a parser plug-in adds its own the same way.  A
 * parent calls nmx__handoff() with its table and value, or, for TCP and UDP,
 * nmx__handoff_ports(), which follows tshark's order: the lower port, the
 * higher port, then the heuristics (docs/protocols.md, "Hand-off").
 *
 * Each table is an array sorted by value, and, for one value, by
 * registration, the newest first, with a hash of where each value starts:
 * a plug-in that registers a port we already parse is tried before the
 * built-in dissector, as a "Decode As" would.  The tables are written
 * only while protocols are registered (single-threaded, before dissection
 * starts) and read-only afterwards; a dissection has initialised the
 * registry before any parent calls nmx__handoff().
 */
#include <stdlib.h>
#include <string.h>

#include "proto/proto_int.h"

typedef struct ho_entry {
    uint32_t value;
    uint16_t proto;
    uint32_t seq;                /* registration order */
    const nmx_protocol_t *p;     /* the registry entry (stable) */
} ho_entry_t;

typedef struct ho_table {
    ho_entry_t *e;
    uint32_t n;
    uint32_t cap;
    /* Which values below 65536 have an entry: most look-ups (a connection's
     * ephemeral port, an EtherType nobody parses) miss, and one bit answers
     * them without the hash. */
    uint64_t has[65536 / 64];
    /* The first entry of each value, by hash (open addressing, 1 << bits
     * slots, at most half of them used; NO_SLOT when empty): the look-up of
     * a value that has entries (IPv4's EtherType, TCP's protocol number)
     * is a probe or two rather than a binary search.  Rebuilt after every
     * insertion, which happens only while protocols register. */
    uint32_t *slot;
    unsigned bits;
} ho_table_t;

#define NO_SLOT UINT32_MAX

static ho_table_t tables[NMX_HO_TABLES];
static uint32_t next_seq;

/* Whether a sorts before b: by value, then the newest registration first. */
static bool before(const ho_entry_t *a, const ho_entry_t *b)
{
    return a->value != b->value ? a->value < b->value : a->seq > b->seq;
}

/* Where the look-up of v starts among 1 << bits slots (Fibonacci hashing). */
static inline uint32_t slot_of(uint32_t v, unsigned bits)
{
    return (uint32_t)(v * 2654435761u) >> (32 - bits);
}

/* Rebuilds tb->slot for the sorted entries; -1 when memory runs out. */
static int rehash(ho_table_t *tb)
{
    unsigned bits = 4;
    while ((1u << bits) < 2 * tb->n)
        bits++;
    uint32_t *slot = realloc(tb->slot, ((size_t)1 << bits) * sizeof *slot);
    if (!slot)
        return -1;
    memset(slot, 0xff, ((size_t)1 << bits) * sizeof *slot);
    for (uint32_t i = 0; i < tb->n; i++) {
        if (i > 0 && tb->e[i - 1].value == tb->e[i].value)
            continue; /* only the first entry of a value */
        uint32_t h = slot_of(tb->e[i].value, bits);
        while (slot[h] != NO_SLOT)
            h = (h + 1) & ((1u << bits) - 1);
        slot[h] = i;
    }
    tb->slot = slot;
    tb->bits = bits;
    return 0;
}

static int insert(enum nmx__ho_table t, uint32_t value, unsigned proto, const nmx_protocol_t *p)
{
    ho_table_t *tb = &tables[t];
    if (tb->n == tb->cap) {
        uint32_t n = tb->cap ? tb->cap * 2 : 64;
        ho_entry_t *g = realloc(tb->e, (size_t)n * sizeof(*g));
        if (!g)
            return -1;
        tb->e = g;
        tb->cap = n;
    }
    ho_entry_t ne = {.value = value, .proto = (uint16_t)proto, .seq = next_seq++, .p = p};
    if (value < 65536)
        tb->has[value / 64] |= (uint64_t)1 << (value % 64);
    uint32_t i = tb->n++;
    while (i > 0 && before(&ne, &tb->e[i - 1])) {
        tb->e[i] = tb->e[i - 1];
        i--;
    }
    tb->e[i] = ne;
    return rehash(tb);
}

int nmx__handoff_enter(const nmx_protocol_t *p, unsigned id)
{
    for (uint32_t i = 0; i < p->nhandoffs; i++) {
        if (p->handoffs[i].table >= NMX_HO_TABLES)
            continue; /* not a table we have: nothing hands off on it */
        if (insert((enum nmx__ho_table)p->handoffs[i].table, p->handoffs[i].value, id, p) < 0)
            return -1;
    }
    return 0;
}

int nmx__handoff_add(unsigned id, enum nmx__ho_table table, uint32_t value)
{
    const nmx_protocol_t *p = nmx__proto_by_id(id);
    if ((unsigned)table >= NMX_HO_TABLES || p == NULL)
        return -1;
    return insert(table, value, id, p);
}

/* The first entry of table t with value v (tb->n if there is none). */
static uint32_t first_entry(const ho_table_t *tb, uint32_t v)
{
    if (tb->slot == NULL)
        return tb->n;
    uint32_t mask = (1u << tb->bits) - 1;
    for (uint32_t h = slot_of(v, tb->bits);; h = (h + 1) & mask) {
        uint32_t i = tb->slot[h];
        if (i == NO_SLOT || tb->e[i].value == v)
            return i == NO_SLOT ? tb->n : i; /* at most half the slots are used: an empty one ends it */
    }
}

/* Offers c to entry e's protocol, telling it which hand-off this is. */
static bool offer(nmx_dctx_t *d, nmx_cursor_t c, const ho_entry_t *e, enum nmx__ho_table t,
                  uint32_t value)
{
    const nmx_protocol_t *p = e->p;
    if (p->dissect == NULL)
        return false;
    /* A partial dissection with every layer it wants: what follows is not
     * parsed, not even tried (the heuristics cost as much as a header). */
    if (d->partial && d->rt->nRecognizeDatas >= d->max_layers)
        return true;
    uint8_t saved_table = d->ho_table;
    uint32_t saved_value = d->ho_value;
    d->ho_table = (uint8_t)t;
    d->ho_value = value;
    bool ok = p->dissect(d, c, e->proto);
    d->ho_table = saved_table;
    d->ho_value = saved_value;
    return ok;
}

/* Offers c to the protocols of table t for `value`; *any tells whether
 * there were any. */
static bool handoff_value(nmx_dctx_t *d, nmx_cursor_t c, enum nmx__ho_table t, uint32_t value, bool *any)
{
    const ho_table_t *tb = &tables[t];
    if (value < 65536 && !(tb->has[value / 64] >> (value % 64) & 1)) {
        *any = false;
        return false;
    }
    uint32_t i = first_entry(tb, value);
    *any = i < tb->n && tb->e[i].value == value;
    for (; i < tb->n && tb->e[i].value == value; i++)
        if (offer(d, c, &tb->e[i], t, value))
            return true;
    return false;
}

bool nmx__handoff(nmx_dctx_t *d, nmx_cursor_t c, enum nmx__ho_table t, uint32_t value)
{
    bool any;
    return handoff_value(d, c, t, value, &any);
}

/* Outcome of offering a payload to the dissectors of one port. */
enum port_result {
    PORT_NONE,  /* no dissector took it: the next port or the heuristics may */
    PORT_TAKEN, /* one of ours took it */
    PORT_OTHER  /* a Wireshark dissector we do not parse takes it (ports.c) */
};

/* What the dissector of `port` takes (NMX_PROBE_*), 0 if it is not listed. */
static unsigned port_takes(const nmx_ws_port_t *list, size_t n, unsigned port)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (list[mid].port == port)
            return list[mid].takes;
        if (list[mid].port < port)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static enum port_result try_port(nmx_dctx_t *d, nmx_cursor_t c, bool tcp, unsigned port)
{
    bool ours;
    if (handoff_value(d, c, tcp ? NMX_HO_TCP_PORT : NMX_HO_UDP_PORT, port, &ours))
        return PORT_TAKEN;
    if (ours)
        return PORT_NONE; /* ours turned it down: as when no dissector has the port */
    unsigned takes = tcp ? port_takes(nmx__tcp_ws_ports, nmx__tcp_ws_ports_count, port)
                         : port_takes(nmx__udp_ws_ports, nmx__udp_ws_ports_count, port);
    if (takes == 0 || takes == NMX_PROBE_ALL)
        return takes ? PORT_OTHER : PORT_NONE;
    /* A payload of a kind the probes tried goes by what that dissector did
     * with it; any other payload only to a dissector that took them all
     * (above). */
    unsigned kind = tcp ? (nmx__tls_heur(c) ? NMX_PROBE_TLS : nmx__http_heur(c) ? NMX_PROBE_HTTP : 0)
                        : (nmx__dns_heur(c) ? NMX_PROBE_DNS : 0);
    return (takes & kind) != 0 ? PORT_OTHER : PORT_NONE;
}

void nmx__handoff_ports(nmx_dctx_t *d, nmx_cursor_t c, bool tcp, unsigned sport, unsigned dport)
{
    unsigned lo = sport < dport ? sport : dport;
    unsigned hi = sport < dport ? dport : sport;
    d->ho_sport = (uint16_t)sport;
    d->ho_dport = (uint16_t)dport;
    d->ho_tcp = tcp;
    /* A conversation an earlier frame announced comes first, as tshark's
     * conversation dissectors do (learn.c). */
    unsigned learned = nmx__learned_proto(d, tcp, sport, dport, &d->learned);
    const nmx_protocol_t *lp = learned != 0 ? nmx__proto_by_id(learned) : NULL;
    if (lp != NULL) {
        ho_entry_t e = {.value = 0, .proto = (uint16_t)learned, .seq = 0, .p = lp};
        if (offer(d, c, &e, NMX_HO_LEARNED, 0))
            return;
    }
    enum port_result r = try_port(d, c, tcp, lo);
    if (r == PORT_TAKEN || (r == PORT_OTHER && !tcp))
        return;
    /* TCP: tshark tries first the server port it saw in the conversation's
     * SYN.  Frames are dissected here one by one, so after a lower port of
     * a protocol we do not parse, our own higher port still gets its turn
     * (it is nearly always the server's); nothing else does. */
    enum port_result r2 = hi != lo ? try_port(d, c, tcp, hi) : PORT_NONE;
    if (r2 != PORT_NONE || r == PORT_OTHER)
        return;
    enum nmx__ho_table t = tcp ? NMX_HO_TCP_HEUR : NMX_HO_UDP_HEUR;
    const ho_table_t *tb = &tables[t];
    for (uint32_t i = 0; i < tb->n; i++)
        if (offer(d, c, &tb->e[i], t, tb->e[i].value))
            return;
}
