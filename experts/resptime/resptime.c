/*
 * resptime.c - the Average Server Response Time expert (NetMon's
 * Resptime.dll): how long servers take to answer, per server, port and
 * protocol.
 *
 * A response time is the time from the first frame of a request to the
 * first frame of its response, each as the capture saw it first (resent
 * data does not move either end).  Requests and responses are paired:
 *
 *  - DNS (port 53, UDP and TCP) by transaction id, per client address and
 *    port;
 *  - SMB and SMB2 (ports 139 and 445, in NetBIOS session messages) by
 *    multiplex id (SMB, with the process id) or message id (SMB2); an
 *    interim SMB2 STATUS_PENDING response is skipped, the final response
 *    pairs; CANCEL requests and unsolicited notifications are not timed;
 *  - any other TCP port of the list by turns: a request is client data that
 *    follows server data (or the connection's first client data), and its
 *    response is the first server data after it.
 *
 * Only new data counts (data beyond the highest sequence number seen in
 * that direction); NetBIOS and DNS-over-TCP messages are framed from the
 * in-order byte stream, resynchronising on a plausible message start after
 * a gap.  Every response time is kept (16 bytes each, in the expert heap)
 * so that the median, 95th and 99th percentiles are exact: nearest rank,
 * i.e. a time that was measured.  README.md has the settings, columns and
 * the comparison with tshark.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netmon.h>

#include "eu_containers.h"
#include "eu_event.h"
#include "eu_packet.h"
#include "eu_run.h"
#include "eu_settings.h"

#define EXPERT_NAME "Average Server Response Time"
/* Response times per event in a shard's report: 21 bytes each at most,
 * 10.5 MB, under the 16 MiB an event string may hold. */
#define SAMPLES_PER_EVENT 500000u
#define MAX_PORTS 64
#define DEFAULT_PORTS "21,53,80,139,443,445,8080"

/* The settings, declared for `nmexpert list --settings` and checked before a run. */
NMX_EXPERT_EXPORT const NMX_EXPERT_SETTING NmxExpertSettings[] = {
    {"ports", DEFAULT_PORTS, "", "server TCP ports to time, comma-separated (53 also times DNS over UDP)"},
    {"sort", "server", "server|requests|average|median|p95|p99|max",
     "row order: by server, or by that figure, largest first"},
    {"count", "0", "0..4294967295", "rows reported, the first of the order; 0 for all"},
    {NULL, NULL, NULL, NULL},
};

/* Register: the display name and a one-line description. */
EU_REGISTER_AS(EXPERT_NAME,
               "How long servers take to answer: DNS, SMB/SMB2 and TCP ports of your choice")

/* ---- settings --------------------------------------------------------------- */

/* Row orders: by server, or by a figure, largest first. */
enum sort_key { SORT_SERVER = 0, SORT_REQUESTS, SORT_AVERAGE, SORT_MEDIAN, SORT_P95, SORT_P99, SORT_MAX };
static const char *const sort_names[] = {"server", "requests", "average", "median", "p95", "p99", "max"};
#define NSORT (sizeof sort_names / sizeof sort_names[0])

typedef struct settings {
    uint16_t ports[MAX_PORTS]; /* sorted, distinct */
    uint32_t nports;
    uint32_t count;            /* rows to report, 0 = all */
    int sort;                  /* enum sort_key */
    char error[160];
} settings_t;

/* Parses "80, 8080,445" into s->ports; 0 or -1 with s->error set. */
static int parse_ports(settings_t *s, const char *v)
{
    s->nports = 0;
    const char *p = v;
    while (*p != '\0') {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == '\0')
            break;
        char num[8];
        size_t n = 0;
        while (p[n] >= '0' && p[n] <= '9' && n < sizeof num - 1) {
            num[n] = p[n];
            n++;
        }
        num[n] = '\0';
        uint64_t port;
        if (n == 0 || (p[n] != '\0' && p[n] != ',' && p[n] != ' ') || !eu_parse_uint(num, 65535, &port) ||
            port == 0) {
            snprintf(s->error, sizeof s->error,
                     "bad value '%s' for setting 'ports' (a list of TCP ports 1-65535, such as %s)", v,
                     DEFAULT_PORTS);
            return -1;
        }
        uint32_t i = 0;
        while (i < s->nports && s->ports[i] < port)
            i++;
        if (i == s->nports || s->ports[i] != port) {
            if (s->nports == MAX_PORTS) {
                snprintf(s->error, sizeof s->error, "setting 'ports': more than %d ports", MAX_PORTS);
                return -1;
            }
            memmove(&s->ports[i + 1], &s->ports[i], (s->nports - i) * sizeof s->ports[0]);
            s->ports[i] = (uint16_t)port;
            s->nports++;
        }
        p += n;
    }
    if (s->nports == 0) {
        snprintf(s->error, sizeof s->error, "setting 'ports' is empty (give at least one TCP port)");
        return -1;
    }
    return 0;
}

static int setting(void *ctx, const char *key, const char *value)
{
    settings_t *s = ctx;
    if (eu_streq_nocase(key, "ports"))
        return parse_ports(s, value) == 0 ? 0 : 1;
    if (eu_streq_nocase(key, "sort")) {
        s->sort = eu_choice(value, sort_names, (int)NSORT);
        if (s->sort >= 0)
            return 0;
        snprintf(s->error, sizeof s->error,
                 "bad value '%s' for setting 'sort' (server, requests, average, median, p95, p99 or max)", value);
        return 1;
    }
    if (eu_streq_nocase(key, "count")) {
        uint64_t v;
        if (!eu_parse_uint(value, UINT32_MAX, &v)) {
            snprintf(s->error, sizeof s->error, "bad value '%s' for setting 'count' (a number of rows, 0 for all)",
                     value);
            return 1;
        }
        s->count = (uint32_t)v;
        return 0;
    }
    snprintf(s->error, sizeof s->error, "unknown setting '%s' (known: ports, sort, count)", key);
    return 1;
}

static int read_settings(const EXPERTCONFIG *cfg, settings_t *s)
{
    memset(s, 0, sizeof *s);
    parse_ports(s, DEFAULT_PORTS);
    return eu_read_settings(cfg, setting, s, s->error, sizeof s->error,
                            "a setting line is not KEY=VALUE or is too long");
}

/* The normalised text of a configuration, every setting (eu_configure). */
static int config_text(const EXPERTCONFIG *cfg, char *buf, size_t cap)
{
    settings_t s;
    if (read_settings(cfg, &s) != 0)
        return -1;
    size_t n = (size_t)snprintf(buf, cap, "ports=");
    for (uint32_t i = 0; i < s.nports && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%u", i ? "," : "", (unsigned)s.ports[i]);
    if (n < cap)
        snprintf(buf + n, cap - n, "\nsort=%s\ncount=%lu\n", sort_names[s.sort], (unsigned long)s.count);
    return 0;
}

/* Configure validates the settings and hands back their normalised text. */
EU_CONFIGURE_WITH(config_text)

/* ---- statistics -------------------------------------------------------------- */

enum proto { P_TURNS = 0, P_DNS, P_SMB, P_SMB2 };

/* One row of the report: a server, a port and a protocol. */
typedef struct stat_key {
    BYTE addr[16];
    uint16_t port;
    uint8_t family;
    uint8_t proto;   /* enum proto */
} stat_key_t;

typedef struct stat_entry {
    stat_key_t k;
    uint8_t used;
    uint8_t pad[3];
    uint32_t count;
    int64_t sum_ns;
    int64_t min_ns;
    int64_t max_ns;
    uint32_t id;       /* 1-based, in order of the first sample */
    uint32_t first;    /* index of its first sample once sorted (set by report()) */
    int64_t pct_ns[3]; /* median, 95th, 99th percentile (set by report()) */
} stat_entry_t;

/* One response time of the row `id`. */
typedef struct sample {
    uint32_t id;
    uint32_t pad;
    int64_t ns;
} sample_t;

/* An outstanding request, keyed by what pairs it with its response. */
typedef struct pend_key {
    uint32_t conn;     /* TCP: connection index; UDP: UINT32_MAX */
    uint8_t kind;      /* enum proto */
    uint8_t family;
    uint16_t cport;    /* UDP only (as the addresses) */
    uint64_t id;
    BYTE caddr[16];
    BYTE saddr[16];
} pend_key_t;

typedef struct pend_entry {
    pend_key_t k;
    uint8_t used;
    uint8_t pad[7];
    int64_t t_ns;      /* request time (an answered request's entry is removed) */
} pend_entry_t;

/* ---- TCP connections ------------------------------------------------------------ */

enum kind { K_TURNS, K_NBSS, K_DNS };
enum fstate { FR_HDR, FR_INNER, FR_SKIP };

/* One direction: sequence tracking and the message framer. */
typedef struct pdir {
    uint64_t hi;           /* highest position seen + 1 (the unwrap reference) */
    uint64_t next;         /* next stream position the framer expects */
    uint64_t syn_pos;      /* position of the SYN, when syn */
    int64_t hdr_time;      /* time of the first byte of the header being collected */
    uint32_t syn_seq;
    uint32_t msg_left;     /* bytes of the current message still to come */
    uint32_t skip;         /* bytes to skip (FR_SKIP) */
    uint8_t seen;
    uint8_t sent;
    uint8_t syn;
    uint8_t synced;        /* the framer knows where messages start */
    uint8_t state;         /* enum fstate */
    uint8_t after_skip;    /* FR_HDR or FR_INNER */
    uint8_t hdr_have;
    uint8_t hdr_need;
    BYTE hdr[64];
} pdir_t;

typedef struct conn {
    BYTE addr[2][16];
    uint16_t port[2];
    uint8_t family;
    uint8_t server;        /* side of the server */
    uint8_t kind;          /* enum kind */
    uint8_t turn;          /* side that sent new data last, 2: none yet */
    uint8_t req_pending;
    int64_t req_time;
    pdir_t d[2];
} conn_t;


typedef struct state {
    HEXPERTKEY key;
    settings_t set;
    eu_tcp_ids_t ids;
    uint8_t portmap[65536 / 8];
    eu_conns_t conns;      /* conn_t */
    eu_map_t pend;
    eu_map_t stats;
    eu_vec_t samples;      /* sample_t: every response time */
    uint32_t nstats;
    DWORD err;             /* first allocation failure inside the framer */
    int shard;             /* a shard run: every row, with its samples */
} state_t;

/* Connection ci (an index: records move as connections are added). */
static conn_t *conn_at(const state_t *st, uint32_t ci)
{
    return eu_vec_at(&st->conns.recs, ci);
}

static int port_listed(const state_t *st, uint16_t p)
{
    return (st->portmap[p >> 3] >> (p & 7)) & 1;
}

static void sample(state_t *st, uint8_t family, const BYTE *server, uint16_t port, uint8_t proto, int64_t dt)
{
    stat_key_t k;
    memset(&k, 0, sizeof k);
    memcpy(k.addr, server, family == 4 ? 4 : 16);
    k.port = port;
    k.family = family;
    k.proto = proto;
    DWORD err;
    stat_entry_t *e = eu_map_get(st->key, &st->stats, &k, 1, &err);
    if (e == NULL) {
        if (st->err == 0)
            st->err = err != 0 ? err : NMERR_OUT_OF_MEMORY;
        return;
    }
    if (e->id == 0)
        e->id = ++st->nstats;
    sample_t *sp = eu_vec_push(st->key, &st->samples, &err);
    if (sp == NULL) {
        if (st->err == 0)
            st->err = err != 0 ? err : NMERR_OUT_OF_MEMORY;
        return;
    }
    sp->id = e->id;
    sp->ns = dt;
    if (e->count == 0 || dt < e->min_ns)
        e->min_ns = dt;
    if (e->count == 0 || dt > e->max_ns)
        e->max_ns = dt;
    e->count++;
    e->sum_ns += dt;
}

/* A DNS query repeated more than this long after the outstanding one is a
 * new question, not a retransmission (tshark's dns.retransmission_timer). */
#define DNS_RETRANSMISSION_NS 5000000000LL

/* Records a request (keeping the first one while it is outstanding). */
static void request(state_t *st, const pend_key_t *k, int64_t t)
{
    DWORD err;
    pend_entry_t *e = eu_map_get(st->key, &st->pend, k, 1, &err);
    if (e == NULL) {
        if (st->err == 0)
            st->err = err != 0 ? err : NMERR_OUT_OF_MEMORY;
        return;
    }
    if (e->t_ns == 0 ||
        (k->kind == P_DNS && t - e->t_ns > DNS_RETRANSMISSION_NS))
        e->t_ns = t;
}

/* The outstanding request a response answers, which is then forgotten (a
 * repeated response finds none, and the same key may ask again): its time,
 * or INT64_MIN.  Only requests still unanswered take memory. */
static int64_t response(state_t *st, const pend_key_t *k)
{
    DWORD err;
    pend_entry_t *e = eu_map_get(st->key, &st->pend, k, 0, &err);
    if (e == NULL || e->t_ns == 0)
        return INT64_MIN;
    int64_t t = e->t_ns;
    eu_map_del(&st->pend, e);
    return t;
}

static void tcp_pend_key(pend_key_t *k, uint32_t conn, uint8_t kind, uint64_t id)
{
    memset(k, 0, sizeof *k);
    k->conn = conn;
    k->kind = kind;
    k->id = id;
}

/* ---- message headers ------------------------------------------------------------------ */

static void dns_header(state_t *st, uint32_t ci, int side, const BYTE *h, int64_t t)
{
    conn_t *c = conn_at(st, ci);
    int query = !(h[2] & 0x80);
    pend_key_t k;
    tcp_pend_key(&k, ci, P_DNS, eu_be16(h));
    if (query && side != c->server) {
        request(st, &k, t);
    } else if (!query && side == c->server) {
        int64_t t0 = response(st, &k);
        if (t0 != INT64_MIN)
            sample(st, c->family, c->addr[c->server], c->port[c->server], P_DNS, t - t0);
    }
}

static void smb1_header(state_t *st, uint32_t ci, int side, const BYTE *h, int64_t t)
{
    conn_t *c = conn_at(st, ci);
    uint8_t cmd = h[4];
    int reply = (h[9] & 0x80) != 0;
    uint64_t id = (uint64_t)eu_le16(h + 26) << 16 | eu_le16(h + 30); /* PID, MID */
    pend_key_t k;
    tcp_pend_key(&k, ci, P_SMB, id);
    if (!reply && side != c->server) {
        if (cmd != 0xA4) /* NT_CANCEL has no response */
            request(st, &k, t);
    } else if (reply && side == c->server) {
        int64_t t0 = response(st, &k);
        if (t0 != INT64_MIN)
            sample(st, c->family, c->addr[c->server], c->port[c->server], P_SMB, t - t0);
    }
}

static void smb2_header(state_t *st, uint32_t ci, int side, const BYTE *h, int64_t t)
{
    conn_t *c = conn_at(st, ci);
    uint32_t status = eu_le32(h + 8);
    uint16_t cmd = eu_le16(h + 12);
    uint32_t flags = eu_le32(h + 16);
    uint64_t id = eu_le64(h + 24);
    int reply = (flags & 0x1) != 0;
    if (id == UINT64_MAX) /* unsolicited (oplock/lease break) */
        return;
    pend_key_t k;
    tcp_pend_key(&k, ci, P_SMB2, id);
    if (!reply && side != c->server) {
        if (cmd != 0x000C) /* CANCEL has no response */
            request(st, &k, t);
    } else if (reply && side == c->server) {
        if ((flags & 0x2) && status == 0x00000103) /* interim STATUS_PENDING */
            return;
        int64_t t0 = response(st, &k);
        if (t0 != INT64_MIN)
            sample(st, c->family, c->addr[c->server], c->port[c->server], P_SMB2, t - t0);
    }
}

/* ---- the framer: NetBIOS session messages (SMB) and DNS over TCP --------------------- */

static int nbss_type_ok(BYTE t)
{
    return t == 0x00 || (t >= 0x81 && t <= 0x85);
}

/* Does a segment look like it starts a message? */
static int plausible_start(const conn_t *c, const BYTE *p, uint32_t n)
{
    if (c->kind == K_DNS)
        return n >= 6 && eu_be16(p) >= 12;
    if (n < 4 || !nbss_type_ok(p[0]))
        return 0;
    if (p[0] != 0x00)
        return 1;
    return n >= 8 && (p[4] == 0xFF || p[4] == 0xFE) && p[5] == 'S' && p[6] == 'M' && p[7] == 'B';
}

/* FR_HDR: gathers a message's length prefix (DNS's 2 bytes, NetBIOS's 4)
 * from the n bytes at p; returns the bytes it took.  Once it is whole, the
 * message's header is read next (DNS, NetBIOS session message) or the
 * message skipped (other NetBIOS types); a bad type loses the sync. */
static uint32_t frame_length(pdir_t *d, const BYTE *p, uint32_t n, int64_t t, int dns, int p445)
{
    uint32_t need = dns ? 2 : 4;
    if (d->hdr_have == 0)
        d->hdr_time = t;
    uint32_t take = need - d->hdr_have < n ? need - d->hdr_have : n;
    memcpy(d->hdr + d->hdr_have, p, take);
    d->hdr_have = (uint8_t)(d->hdr_have + take);
    if (d->hdr_have < need)
        return take;
    d->hdr_have = 0;
    uint32_t len;
    if (dns) {
        len = eu_be16(d->hdr);
    } else {
        if (!nbss_type_ok(d->hdr[0])) {
            d->synced = 0;
            return take;
        }
        len = p445 ? (uint32_t)d->hdr[1] << 16 | (uint32_t)d->hdr[2] << 8 | d->hdr[3]
                   : (uint32_t)(d->hdr[1] & 1) << 16 | (uint32_t)d->hdr[2] << 8 | d->hdr[3];
    }
    d->msg_left = len;
    if (len == 0)
        return take;
    if (dns || d->hdr[0] == 0x00) {
        d->state = FR_INNER;
        d->hdr_need = 4;
    } else {
        d->state = FR_SKIP;
        d->skip = len;
        d->after_skip = FR_HDR;
    }
    return take;
}

/* A whole DNS, SMB or SMB2 header is in d->hdr: hands it on, then skips the
 * rest of the message, or up to the next header of an SMB2 compound. */
static void frame_header_done(state_t *st, uint32_t ci, int side, pdir_t *d, int dns)
{
    uint32_t next = 0; /* SMB2 compound: offset of the next header from this one */
    if (dns)
        dns_header(st, ci, side, d->hdr, d->hdr_time);
    else if (d->hdr_need == 32)
        smb1_header(st, ci, side, d->hdr, d->hdr_time);
    else if (d->hdr_need == 64) {
        smb2_header(st, ci, side, d->hdr, d->hdr_time);
        next = eu_le32(d->hdr + 20);
    }
    d->hdr_have = 0;
    if (next >= 64 && next - 64 <= d->msg_left) {
        d->skip = next - 64;
        d->after_skip = FR_INNER;
        d->hdr_need = 4;
    } else {
        d->skip = d->msg_left;
        d->after_skip = FR_HDR;
    }
    d->state = FR_SKIP;
    if (d->skip == 0)
        d->state = d->after_skip;
}

/* FR_INNER: gathers the header inside a message from the n bytes at p (a
 * DNS message's first 4 bytes; an SMB header, 32 bytes or 64 for SMB2, as
 * its first 4 say); returns the bytes it took. */
static uint32_t frame_inner(state_t *st, uint32_t ci, int side, pdir_t *d, const BYTE *p, uint32_t n, int64_t t,
                            int dns)
{
    int first = d->hdr_have == 0;
    if (first && !dns)
        d->hdr_time = t; /* the SMB header's own frame; DNS keeps the length's */
    uint32_t take = (uint32_t)(d->hdr_need - d->hdr_have);
    if (take > n)
        take = n;
    if (take > d->msg_left)
        take = d->msg_left;
    memcpy(d->hdr + d->hdr_have, p, take);
    d->hdr_have = (uint8_t)(d->hdr_have + take);
    d->msg_left -= take;
    if (d->hdr_have == 4 && d->hdr_need == 4 && !dns) {
        if (d->hdr[0] == 0xFF && d->hdr[1] == 'S' && d->hdr[2] == 'M' && d->hdr[3] == 'B')
            d->hdr_need = 32;
        else if (d->hdr[0] == 0xFE && d->hdr[1] == 'S' && d->hdr[2] == 'M' && d->hdr[3] == 'B')
            d->hdr_need = 64;
    }
    if (d->hdr_have == d->hdr_need) {
        frame_header_done(st, ci, side, d, dns);
    } else if (d->msg_left == 0) {
        d->hdr_have = 0; /* a message shorter than a header */
        d->state = FR_HDR;
    }
    return take;
}

/* FR_SKIP: passes over up to d->skip of the n bytes; returns the bytes it
 * took. */
static uint32_t frame_skip(pdir_t *d, uint32_t n)
{
    uint32_t take = d->skip < n ? d->skip : n;
    d->skip -= take;
    if (d->after_skip == FR_INNER)
        d->msg_left -= take;
    else
        d->msg_left = d->skip;
    if (d->skip == 0) {
        d->state = d->after_skip;
        d->hdr_have = 0;
        if (d->state == FR_INNER && d->msg_left == 0)
            d->state = FR_HDR;
    }
    return take;
}

/* Feeds n in-order stream bytes, first seen at time t, to side's framer. */
static void frame_bytes(state_t *st, uint32_t ci, int side, const BYTE *p, uint32_t n, int64_t t)
{
    conn_t *c = conn_at(st, ci);
    pdir_t *d = &c->d[side];
    int dns = c->kind == K_DNS;
    int p445 = c->port[c->server] == 445;
    while (n > 0 && d->synced) {
        uint32_t take;
        switch (d->state) {
        case FR_HDR:
            take = frame_length(d, p, n, t, dns, p445);
            break;
        case FR_INNER:
            take = frame_inner(st, ci, side, d, p, n, t, dns);
            break;
        default: /* FR_SKIP */
            take = frame_skip(d, n);
            break;
        }
        p += take;
        n -= take;
    }
}

/* ---- segments ------------------------------------------------------------------------ */

/* The connection of a segment (index), creating it; UINT32_MAX on failure. */
static uint32_t conn_of(state_t *st, const eu_tcpseg_t *s, int *side)
{
    DWORD err;
    eu_conn_entry_t *e = eu_conns_find(st->key, &st->conns, s, side, &err);
    if (e == NULL) {
        st->err = err != 0 ? err : NMERR_OUT_OF_MEMORY;
        return UINT32_MAX;
    }
    if (e->index != 0) {
        const pdir_t *d = &conn_at(st, e->index - 1)->d[*side];
        int new_isn = (s->flags & (EU_TCP_SYN | EU_TCP_ACK)) == EU_TCP_SYN && d->seen &&
                      !(d->syn && d->syn_seq == s->seq);
        if (!new_isn)
            return e->index - 1;
    }
    conn_t *c = eu_conns_add(st->key, &st->conns, e, &err);
    if (c == NULL) {
        st->err = err != 0 ? err : NMERR_OUT_OF_MEMORY;
        return UINT32_MAX;
    }
    uint32_t ci = e->index - 1;
    const eu_conn_key_t k = e->k;
    eu_conn_ends(&k, c->addr, c->port, &c->family);
    c->turn = 2;
    /* The server: the side whose port is listed; both listed: the receiver
     * of a SYN (sender of a SYN-ACK), else the lower port. */
    int l0 = port_listed(st, k.pa), l1 = port_listed(st, k.pb);
    int srv;
    if (l0 && !l1)
        srv = 0;
    else if (l1 && !l0)
        srv = 1;
    else if (s->flags & EU_TCP_SYN)
        srv = (s->flags & EU_TCP_ACK) ? *side : !*side;
    else
        srv = k.pa <= k.pb ? 0 : 1;
    c->server = (uint8_t)srv;
    uint16_t sp = c->port[srv];
    c->kind = sp == 53 ? K_DNS : (sp == 139 || sp == 445) ? K_NBSS : K_TURNS;
    return ci;
}

static void tcp_segment(state_t *st, const EXPERTFRAMEDESCRIPTOR *fd, const eu_tcpseg_t *s)
{
    int side;
    uint32_t ci = conn_of(st, s, &side);
    if (ci == UINT32_MAX)
        return;
    conn_t *c = conn_at(st, ci);
    pdir_t *d = &c->d[side];
    uint32_t syn = (s->flags & EU_TCP_SYN) ? 1 : 0;
    if (syn && d->syn && d->syn_seq != s->seq && (s->flags & EU_TCP_ACK))
        memset(d, 0, sizeof *d); /* a SYN-ACK with a new ISN: that side starts over */
    if (!d->seen) {
        d->seen = 1;
        d->hi = ((uint64_t)1 << 32) + s->seq;
    }
    uint64_t pos = eu_seq_unwrap(d->hi, s->seq);
    if (syn && !d->syn) {
        d->syn = 1;
        d->syn_seq = s->seq;
        d->syn_pos = pos;
    }
    if (s->flags & EU_TCP_RST)
        return;
    uint64_t data = pos + syn;
    uint64_t end = data + s->len;
    uint64_t hi_before = d->sent ? d->hi : 0;
    uint64_t top = end + ((s->flags & EU_TCP_FIN) ? 1 : 0);
    if (top > pos && (!d->sent || top > d->hi)) {
        d->hi = top;
        d->sent = 1;
    }
    if (s->len == 0 || end <= hi_before)
        return; /* no new data */
    int64_t t = NmxGetFrameTime(fd->hFrame);
    int client = side != c->server;

    if (c->kind == K_TURNS) {
        if (client) {
            if (c->turn != side) {
                c->req_time = t;
                c->req_pending = 1;
            }
        } else if (c->turn == !side && c->req_pending) {
            sample(st, c->family, c->addr[side], c->port[side], P_TURNS, t - c->req_time);
            c->req_pending = 0;
        }
        c->turn = (uint8_t)side;
        return;
    }

    /* Framed: feed the new bytes [start, end). */
    uint64_t start = data > hi_before ? data : hi_before;
    uint64_t off = start - data;
    uint32_t have = off < s->avail ? (uint32_t)(s->avail - off) : 0;
    uint32_t newlen = (uint32_t)(end - start);
    if (have > newlen)
        have = newlen;
    const BYTE *p = s->payload + off;
    if (d->synced && d->next != start)
        d->synced = 0; /* a gap in what the capture saw */
    if (!d->synced) {
        /* The first byte after the SYN starts a message; otherwise wait
         * for a segment that looks like a message start. */
        if ((d->syn && start == d->syn_pos + 1) || (start == data && plausible_start(c, p, have))) {
            d->synced = 1;
            d->state = FR_HDR;
            d->hdr_have = 0;
        }
    }
    frame_bytes(st, ci, side, p, have, t);
    if (have < newlen)
        d->synced = 0; /* not all captured */
    d->next = end;
}

static void udp_segment(state_t *st, const EXPERTFRAMEDESCRIPTOR *fd, const eu_tcpseg_t *s)
{
    if (s->avail < 4 || (s->dport != 53 && s->sport != 53))
        return;
    const BYTE *h = s->payload;
    int query = !(h[2] & 0x80);
    int to_server = s->dport == 53 && (query || s->sport != 53);
    pend_key_t k;
    memset(&k, 0, sizeof k);
    k.conn = UINT32_MAX;
    k.kind = P_DNS;
    k.family = s->family;
    k.id = eu_be16(h);
    int64_t t = NmxGetFrameTime(fd->hFrame);
    if (query && s->dport == 53 && to_server) {
        memcpy(k.caddr, s->src, 16);
        memcpy(k.saddr, s->dst, 16);
        k.cport = s->sport;
        request(st, &k, t);
    } else if (!query && s->sport == 53) {
        memcpy(k.caddr, s->dst, 16);
        memcpy(k.saddr, s->src, 16);
        k.cport = s->dport;
        int64_t t0 = response(st, &k);
        if (t0 != INT64_MIN)
            sample(st, s->family, s->src, 53, P_DNS, t - t0);
    }
}

/* ---- the report ------------------------------------------------------------------ */

static const char *port_protocol(uint16_t port)
{
    switch (port) {
    case 20:
    case 21: return "FTP";
    case 22: return "SSH";
    case 23: return "Telnet";
    case 25: return "SMTP";
    case 80:
    case 3128:
    case 8000:
    case 8080: return "HTTP";
    case 110: return "POP3";
    case 143: return "IMAP";
    case 389: return "LDAP";
    case 443:
    case 8443: return "HTTPS";
    case 1433: return "TDS";
    case 3306: return "MySQL";
    default: return "TCP";
    }
}

static const char *row_protocol(const stat_entry_t *e)
{
    switch (e->k.proto) {
    case P_DNS: return "DNS";
    case P_SMB: return "SMB";
    case P_SMB2: return "SMB2";
    default: return port_protocol(e->k.port);
    }
}

/* The rows of the report: the entries of the stats map. */
typedef struct rows {
    void **v;          /* stat_entry_t */
    size_t n;
} rows_t;

/* The figure a row is sorted by (enum sort_key other than SORT_SERVER). */
static int64_t sort_value(const stat_entry_t *e, int key)
{
    switch (key) {
    case SORT_REQUESTS: return e->count;
    case SORT_AVERAGE: return e->sum_ns / e->count;
    case SORT_MEDIAN: return e->pct_ns[0];
    case SORT_P95: return e->pct_ns[1];
    case SORT_P99: return e->pct_ns[2];
    default: return e->max_ns;
    }
}

/* Report order (ctx: the sort setting): the figure, largest first, then
 * address family, address, port and protocol. */
static int row_cmp(const void *a, const void *b, void *ctx)
{
    const stat_entry_t *x = *(void *const *)a, *y = *(void *const *)b;
    int key = *(const int *)ctx;
    if (key != SORT_SERVER) {
        if (key == SORT_AVERAGE) {
            /* exact: sum_x / count_x vs sum_y / count_y */
            long double vx = (long double)x->sum_ns / x->count, vy = (long double)y->sum_ns / y->count;
            if (vx != vy)
                return vx > vy ? -1 : 1;
        } else {
            int64_t vx = sort_value(x, key), vy = sort_value(y, key);
            if (vx != vy)
                return vx > vy ? -1 : 1;
        }
    }
    if (x->k.family != y->k.family)
        return x->k.family < y->k.family ? -1 : 1;
    int c = memcmp(x->k.addr, y->k.addr, 16);
    if (c != 0)
        return c;
    if (x->k.port != y->k.port)
        return x->k.port < y->k.port ? -1 : 1;
    return strcmp(row_protocol(x), row_protocol(y));
}

/* Samples by row, then by time. */
static int sample_cmp(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    const sample_t *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->ns < y->ns ? -1 : x->ns > y->ns;
}

/* The p-th percentile of n sorted times by nearest rank: the smallest time
 * with at least p% of the times at or below it. */
static int64_t nearest_rank(const sample_t *v, size_t n, unsigned p)
{
    size_t k = ((size_t)p * n + 99) / 100;
    return v[(k > 0 ? k : 1) - 1].ns;
}

/* Sets the percentiles of every row from the kept samples. */
static void percentiles(state_t *st, rows_t *r)
{
    sample_t *v = st->samples.data;
    size_t n = st->samples.len;
    eu_sort(v, n, sizeof *v, sample_cmp, NULL);
    /* rows by id: r->v holds every row; ids are 1..nstats, one row each */
    for (size_t i = 0; i < r->n; i++) {
        stat_entry_t *e = r->v[i];
        /* the samples of row e->id: binary search for the first one */
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (v[mid].id < e->id)
                lo = mid + 1;
            else
                hi = mid;
        }
        e->first = (uint32_t)lo;
        e->pct_ns[0] = nearest_rank(v + lo, e->count, 50);
        e->pct_ns[1] = nearest_rank(v + lo, e->count, 95);
        e->pct_ns[2] = nearest_rank(v + lo, e->count, 99);
    }
}

static DWORD report(state_t *st)
{
    DWORD err = 0;
    rows_t r = {NULL, 0};
    if (st->stats.len == 0)
        return 0;
    r.v = eu_map_list(st->key, &st->stats, &err);
    if (r.v == NULL)
        return err != 0 ? err : NMERR_OUT_OF_MEMORY;
    r.n = st->stats.len;
    percentiles(st, &r);
    int sort_by = st->set.sort;
    eu_sort(r.v, r.n, sizeof *r.v, row_cmp, &sort_by);
    size_t nrows = st->set.count == 0 || st->set.count > r.n ? r.n : st->set.count;
    eu_event_t ev = {NULL};
    if ((err = eu_event_init(st->key, &ev, EXPERT_NAME, 1)) != 0)
        goto out;
    for (size_t i = 0; i < nrows; i++) {
        const stat_entry_t *e = r.v[i];
        char text[46];
        eu_event_row(&ev, 1);
        ev.ev->szEventName = (LPSTR) "Server response time";
        eu_col_addr(&ev, "Server", e->k.family, e->k.addr, text);
        eu_col_u16(&ev, "Port", e->k.port);
        eu_col_str(&ev, "Protocol", row_protocol(e));
        eu_col_u32(&ev, "Requests", e->count);
        eu_col_f64(&ev, "Average Response Time (s)", (double)e->sum_ns / e->count / 1e9);
        eu_col_f64(&ev, "Min (s)", (double)e->min_ns / 1e9);
        eu_col_f64(&ev, "Median (s)", (double)e->pct_ns[0] / 1e9);
        eu_col_f64(&ev, "P95 (s)", (double)e->pct_ns[1] / 1e9);
        eu_col_f64(&ev, "P99 (s)", (double)e->pct_ns[2] / 1e9);
        eu_col_f64(&ev, "Max (s)", (double)e->max_ns / 1e9);
        if (!st->shard) {
            if ((err = eu_event_submit(st->key, &ev)) != 0)
                break;
            continue;
        }
        /* A shard: the row with every response time in ns (column Samples),
         * for `nmexpert merge` to compute the figures exactly.  A row with
         * many is sent as several events of SAMPLES_PER_EVENT times each (an
         * event string holds at most 16 MiB); the merge joins them by key. */
        const sample_t *v = (const sample_t *)st->samples.data + e->first;
        size_t cap = (size_t)(e->count < SAMPLES_PER_EVENT ? e->count : SAMPLES_PER_EVENT) * 21 + 1;
        char *samples = ExpertAllocMemory(st->key, cap, &err);
        if (samples == NULL)
            break;
        for (uint32_t j0 = 0; j0 < e->count && err == 0; j0 += SAMPLES_PER_EVENT) {
            uint32_t j1 = e->count - j0 > SAMPLES_PER_EVENT ? j0 + SAMPLES_PER_EVENT : e->count;
            size_t len = 0;
            samples[0] = '\0';
            for (uint32_t j = j0; j < j1; j++)
                len += (size_t)snprintf(samples + len, cap - len, j > j0 ? " %lld" : "%lld", (long long)v[j].ns);
            if (j0 > 0)
                ev.ev->NumColumns--; /* the previous chunk's Samples */
            eu_col_str(&ev, "Samples", samples);
            err = eu_event_submit(st->key, &ev);
        }
        ExpertFreeMemory(st->key, samples);
        if (err != 0)
            break;
    }
out:
    eu_event_free(st->key, &ev);
    ExpertFreeMemory(st->key, r.v);
    return err;
}

static void free_all(state_t *st)
{
    eu_conns_free(st->key, &st->conns);
    eu_map_free(st->key, &st->pend);
    eu_map_free(st->key, &st->stats);
    eu_vec_free(st->key, &st->samples);
}

/* How the reports of shards merge (netmon.h, docs/scale.md): a shard sends
 * every row with all its response times (column Samples, in ns), from which
 * the merge takes the count, mean, minimum, percentiles and maximum exactly
 * as one run would. */
NMX_EXPERT_EXPORT const char NmxExpertMerge[] =
    "1:Server=key\n"
    "1:Port=key\n"
    "1:Protocol=key\n"
    "1:Samples=samples\n"
    "1:Requests=ns-count Samples\n"
    "1:Average Response Time (s)=ns-mean Samples\n"
    "1:Min (s)=ns-min Samples\n"
    "1:Median (s)=ns-pct 50,Samples\n"
    "1:P95 (s)=ns-pct 95,Samples\n"
    "1:P99 (s)=ns-pct 99,Samples\n"
    "1:Max (s)=ns-max Samples\n"
    "1:=order sort=server*,+Server,+Port,+Protocol\n"
    "1:=order sort=requests,-Requests,+Server,+Port,+Protocol\n"
    "1:=order sort=average,-Average Response Time (s),+Server,+Port,+Protocol\n"
    "1:=order sort=median,-Median (s),+Server,+Port,+Protocol\n"
    "1:=order sort=p95,-P95 (s),+Server,+Port,+Protocol\n"
    "1:=order sort=p99,-P99 (s),+Server,+Port,+Protocol\n"
    "1:=order sort=max,-Max (s),+Server,+Port,+Protocol\n"
    "1:=limit count,0\n";

/* One frame (eu_walk callback): a TCP segment of a listed port, or DNS
 * over UDP; the first allocation failure stops the walk. */
static DWORD run_frame(void *ctx, EXPERTFRAMEDESCRIPTOR *fd)
{
    state_t *st = ctx;
    eu_tcpseg_t s;
    if (eu_l4_segment(&st->ids, fd, st->ids.tcp, &s)) {
        if (port_listed(st, s.sport) || port_listed(st, s.dport))
            tcp_segment(st, fd, &s);
    } else if (port_listed(st, 53) && eu_l4_segment(&st->ids, fd, st->ids.udp, &s)) {
        udp_segment(st, fd, &s);
    }
    return st->err;
}

/* The start of a run: the settings read, then the state made; NULL after
 * reporting why not. */
static state_t *state_new(HEXPERTKEY key, const EXPERTCONFIG *cfg, DWORD flags)
{
    settings_t set;
    if (!eu_run_begin(key, "reading the settings", read_settings(cfg, &set) == 0 ? NULL : set.error))
        return NULL;
    state_t *st = eu_run_alloc(key, sizeof *st);
    if (st == NULL)
        return NULL;
    st->key = key;
    st->set = set;
    eu_vec_init(&st->samples, sizeof(sample_t), 64);
    st->shard = (flags & NMX_EXPERT_STARTUP_FLAG_SHARD) != 0;
    if (st->shard)
        st->set.count = 0; /* every row: `nmexpert merge` cuts */
    for (uint32_t i = 0; i < st->set.nports; i++)
        st->portmap[st->set.ports[i] >> 3] |= (uint8_t)(1u << (st->set.ports[i] & 7));
    eu_tcp_ids_init(&st->ids);
    return st;
}

NMX_EXPERT_EXPORT BOOL WINAPI Run(HEXPERTKEY key, PEXPERTCONFIG pConfig, PEXPERTSTARTUPINFO si,
                                  DWORD flags, HWND hwnd)
{
    (void)hwnd;
    state_t *st = state_new(key, pConfig, flags);
    if (st == NULL)
        return FALSE;
    eu_walk_t walk;
    eu_walk_init(&walk, key, si);
    DWORD rc = eu_conns_init(key, &st->conns, sizeof(conn_t));
    if (rc == 0)
        rc = eu_map_init(key, &st->pend, sizeof(pend_key_t), sizeof(pend_entry_t));
    if (rc == 0)
        rc = eu_map_init(key, &st->stats, sizeof(stat_key_t), sizeof(stat_entry_t));
    if (rc == 0)
        rc = eu_walk(&walk, run_frame, st);
    if (rc == 0)
        rc = report(st);
    if (rc != 0 && rc != NMERR_EXPERT_TERMINATE)
        eu_problem(key, rc, walk.pct, "stopped at frame %lu: %s (NMERR %lu)", (unsigned long)walk.last + 1,
                   eu_nmerr_text(rc), (unsigned long)rc);
    free_all(st);
    ExpertFreeMemory(key, st);
    return rc == 0;
}
