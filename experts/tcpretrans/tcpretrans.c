/*
 * tcpretrans.c - the TCP Retransmit expert (NetMon's Tcpipe.dll): reports
 * every TCP segment that carries sequence space already sent in the same
 * direction of the same connection, and one summary per affected
 * connection.
 *
 * Model.  Each direction of a connection keeps the sequence space it has
 * sent as a sorted list of disjoint spans, each tagged with the frame that
 * first sent it.  Sequence numbers are unwrapped to 64-bit positions, so
 * wrap-around needs no special case.  A SYN and a FIN each occupy one
 * position, as in TCP.  A segment is a retransmission when any position it
 * occupies is already in a span; its "Original Frame" is the frame that
 * first sent the lowest such position.  Positions it adds are recorded as
 * sent by it.  Not retransmissions, and not recorded (the rules tshark
 * applies): keep-alives (0 or 1 byte one position below the highest sent)
 * and zero-window probes (1 byte at the highest position while the peer's
 * last advertised window is 0); keep-alives are reported as such (Type
 * "keep-alive", event name "Keep-alive probe").  RST segments are ignored.  A SYN without
 * ACK carrying a new initial sequence number on a connection already seen
 * starts a new connection (port reuse).
 *
 * README.md has the settings, the columns, and how the figures compare with
 * tshark and tcptrace.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <netmon.h>

#include "eu_containers.h"
#include "eu_event.h"
#include "eu_packet.h"
#include "eu_run.h"
#include "eu_settings.h"

#define EXPERT_NAME "TCP Retransmit"

/* The settings, declared for `nmexpert list --settings` and checked before a run. */
NMX_EXPERT_EXPORT const NMX_EXPERT_SETTING NmxExpertSettings[] = {
    {"details", "yes", "yes|no|on|off|true|false|1|0", "one event per retransmitted frame; no: summaries only"},
    {"synfin", "yes", "yes|no|on|off|true|false|1|0", "count repeated SYN and FIN segments without data"},
    {"keepalive", "yes", "yes|no|on|off|true|false|1|0", "one event per keep-alive probe (with details=yes)"},
    {"port", "0", "0..65535", "only connections with this port at either end; 0 for all"},
    {NULL, NULL, NULL, NULL},
};

/* Register: the display name and a one-line description. */
EU_REGISTER_AS(EXPERT_NAME,
               "TCP segments that resend data (or a SYN/FIN) already sent on their connection")

/* ---- settings --------------------------------------------------------------- */

typedef struct settings {
    int details;      /* one event per retransmitted frame */
    int synfin;       /* count retransmitted SYN/FIN segments without data */
    int keepalive;    /* one event per keep-alive probe (with details) */
    uint16_t port;    /* only connections with this port (0: all) */
    char error[160];  /* why the settings were refused */
} settings_t;

static int parse_bool(const char *v, int *out)
{
    if (eu_streq_nocase(v, "yes") || eu_streq_nocase(v, "on") || eu_streq_nocase(v, "true") ||
        strcmp(v, "1") == 0)
        *out = 1;
    else if (eu_streq_nocase(v, "no") || eu_streq_nocase(v, "off") || eu_streq_nocase(v, "false") ||
             strcmp(v, "0") == 0)
        *out = 0;
    else
        return 0;
    return 1;
}

static int setting(void *ctx, const char *key, const char *value)
{
    settings_t *s = ctx;
    uint64_t n;
    if (eu_streq_nocase(key, "details")) {
        if (parse_bool(value, &s->details))
            return 0;
    } else if (eu_streq_nocase(key, "synfin")) {
        if (parse_bool(value, &s->synfin))
            return 0;
    } else if (eu_streq_nocase(key, "keepalive")) {
        if (parse_bool(value, &s->keepalive))
            return 0;
    } else if (eu_streq_nocase(key, "port")) {
        if (eu_parse_uint(value, 65535, &n)) {
            s->port = (uint16_t)n;
            return 0;
        }
    } else {
        snprintf(s->error, sizeof s->error, "unknown setting '%s' (known: details, synfin, keepalive, port)", key);
        return 1;
    }
    snprintf(s->error, sizeof s->error, "bad value '%s' for setting '%s' (%s)", value, key,
             eu_streq_nocase(key, "port") ? "a port number 0-65535" : "yes or no");
    return 1;
}

/* 0, or -1 with s->error set. */
static int read_settings(const EXPERTCONFIG *cfg, settings_t *s)
{
    memset(s, 0, sizeof *s);
    s->details = 1;
    s->synfin = 1;
    s->keepalive = 1;
    return eu_read_settings(cfg, setting, s, s->error, sizeof s->error,
                            "a setting line is not KEY=VALUE or is too long");
}

/* The normalised text of a configuration, every setting (eu_configure). */
static int config_text(const EXPERTCONFIG *cfg, char *text, size_t cap)
{
    settings_t s;
    if (read_settings(cfg, &s) != 0)
        return -1;
    snprintf(text, cap, "details=%s\nsynfin=%s\nkeepalive=%s\nport=%u\n", s.details ? "yes" : "no",
             s.synfin ? "yes" : "no", s.keepalive ? "yes" : "no", (unsigned)s.port);
    return 0;
}

/* Configure validates the settings and hands back their normalised text. */
EU_CONFIGURE_WITH(config_text)

/* ---- connections -------------------------------------------------------------- */

/* Sequence space first sent by one frame: [start, start + len). */
typedef struct span {
    uint64_t start;
    uint32_t len;
    uint32_t frame;
    int64_t time_ns;
} span_t;

/* One direction of a connection: what one side has sent. */
typedef struct dir {
    eu_vec_t spans;        /* span_t, sorted by start, disjoint */
    uint64_t hi;           /* highest position sent + 1 (the unwrap reference) */
    uint32_t syn_seq;      /* ISN of the SYN seen, when syn */
    uint16_t window;       /* last advertised window (for the peer's probes) */
    uint8_t seen;          /* a segment was seen in this direction */
    uint8_t sent;          /* hi is a real position (something was sent) */
    uint8_t syn;           /* a SYN was seen */
    uint8_t win_known;
    uint32_t compact_at;   /* spans.len at which old spans are next merged (0: SPAN_LIMIT) */
    uint8_t fin;           /* its FIN was sent */
    uint32_t retrans;      /* retransmitted frames */
    uint32_t synfin;       /* of which SYN/FIN without data */
    uint64_t bytes;        /* data bytes sent again */
    int64_t max_delay_ns;
} dir_t;

typedef struct conn {
    BYTE addr[2][16];      /* side 0 is the lower (address, port) */
    uint16_t port[2];
    uint8_t family;
    uint8_t client;        /* side of the client */
    uint8_t client_by_syn; /* client decided by a SYN */
    uint32_t first_frame;
    uint32_t frames;
    dir_t d[2];            /* d[i]: sent by side i */
} conn_t;

typedef struct state {
    HEXPERTKEY key;
    settings_t set;
    eu_tcp_ids_t ids;
    eu_conns_t conns;      /* conn_t */
    eu_event_t ev;
    uint32_t tcp_frames;
    uint32_t retrans;
} state_t;

/* Span i of d. */
static span_t *span_at(const dir_t *d, uint32_t i)
{
    return (span_t *)d->spans.data + i;
}

/* Index of the first span whose end is above pos. */
static uint32_t span_find(const dir_t *d, uint64_t pos)
{
    uint32_t lo = 0, hi = d->spans.len;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (span_at(d, mid)->start + span_at(d, mid)->len <= pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Positions of [a, b) covered by spans of d. */
static uint64_t covered(const dir_t *d, uint64_t a, uint64_t b)
{
    uint64_t n = 0;
    for (uint32_t i = span_find(d, a); i < d->spans.len && span_at(d, i)->start < b; i++) {
        const span_t *sp = span_at(d, i);
        uint64_t s = sp->start > a ? sp->start : a;
        uint64_t e = sp->start + sp->len;
        if (e > b)
            e = b;
        if (e > s)
            n += e - s;
    }
    return n;
}

/*
 * Memory stays bounded on long connections: once a direction holds
 * SPAN_LIMIT spans, all but the newest SPAN_KEEP are merged with their
 * contiguous neighbours.  A merged span keeps the frame and time of its
 * first part, so a segment that resends data first sent more than SPAN_KEEP
 * segments earlier is still a retransmission, but its "Original Frame" and
 * delay are those of the start of the run it falls in (README.md).  Real
 * senders resend within their window, far fewer segments than that.  Gaps
 * (data never seen) are not merged over; the next merge waits until
 * SPAN_KEEP more spans have come, so merging costs O(1) per segment.
 */
#define SPAN_LIMIT 8192u
#define SPAN_KEEP 4096u

/* Merges all spans but the newest `keep` with their contiguous neighbours. */
static void compact(dir_t *d, uint32_t keep)
{
    if (d->spans.len <= keep + 1)
        return;
    uint32_t old = d->spans.len - keep, out = 0;
    for (uint32_t i = 1; i < old; i++) {
        span_t *o = span_at(d, out), *sp = span_at(d, i);
        if (o->start + o->len == sp->start && (uint64_t)o->len + sp->len <= UINT32_MAX)
            o->len += sp->len;
        else
            *span_at(d, ++out) = *sp;
    }
    out++;
    memmove(span_at(d, out), span_at(d, old), (size_t)keep * sizeof(span_t));
    d->spans.len = out + keep;
    d->compact_at = d->spans.len + SPAN_KEEP;
}

/*
 * Once both sides of a connection have sent their FIN, or either has reset
 * it, it sends no new data: all but its newest SPAN_KEEP_CLOSED spans are
 * merged and the memory left over is given back, so a capture of many long
 * connections costs memory for the open ones only.
 */
#define SPAN_KEEP_CLOSED 8u

static void settle(HEXPERTKEY key, dir_t *d)
{
    compact(d, SPAN_KEEP_CLOSED);
    eu_vec_shrink(key, &d->spans);
}

/* Records the parts of [a, b) not yet covered as sent by `frame`. */
static DWORD record(HEXPERTKEY key, dir_t *d, uint64_t a, uint64_t b, uint32_t frame, int64_t t)
{
    uint32_t n = d->spans.len;
    /* Fast path: beyond everything sent so far. */
    if (n == 0 || span_at(d, n - 1)->start + span_at(d, n - 1)->len <= a) {
        DWORD rc = eu_vec_reserve(key, &d->spans, (size_t)n + 1);
        if (rc != 0)
            return rc;
        *span_at(d, d->spans.len++) = (span_t){a, (uint32_t)(b - a), frame, t};
        if (d->spans.len >= (d->compact_at ? d->compact_at : SPAN_LIMIT))
            compact(d, SPAN_KEEP);
        return 0;
    }
    uint64_t pos = a;
    uint32_t i = span_find(d, a);
    while (pos < b) {
        uint64_t gap_end = i < d->spans.len && span_at(d, i)->start < b ? span_at(d, i)->start : b;
        if (gap_end > pos) {
            DWORD rc = eu_vec_reserve(key, &d->spans, (size_t)d->spans.len + 1);
            if (rc != 0)
                return rc;
            memmove(span_at(d, i + 1), span_at(d, i), (size_t)(d->spans.len - i) * sizeof(span_t));
            *span_at(d, i) = (span_t){pos, (uint32_t)(gap_end - pos), frame, t};
            d->spans.len++;
            i++;
        }
        if (i >= d->spans.len || span_at(d, i)->start >= b)
            break;
        pos = span_at(d, i)->start + span_at(d, i)->len;
        i++;
    }
    return 0;
}

/* The connection of a segment; a new one for a first segment, or for a SYN
 * with a new initial sequence number on a connection already seen. */
static conn_t *conn_of(state_t *st, const eu_tcpseg_t *s, uint32_t frame, int *side, DWORD *err)
{
    eu_conn_entry_t *e = eu_conns_find(st->key, &st->conns, s, side, err);
    if (e == NULL)
        return NULL;
    if (e->index != 0) {
        conn_t *c = eu_conns_rec(&st->conns, e);
        const dir_t *d = &c->d[*side];
        int new_isn = (s->flags & (EU_TCP_SYN | EU_TCP_ACK)) == EU_TCP_SYN && d->seen &&
                      !(d->syn && d->syn_seq == s->seq);
        if (!new_isn)
            return c;
    }
    conn_t *c = eu_conns_add(st->key, &st->conns, e, err);
    if (c == NULL)
        return NULL;
    eu_conn_ends(&e->k, c->addr, c->port, &c->family);
    eu_vec_init(&c->d[0].spans, sizeof(span_t), 4);
    eu_vec_init(&c->d[1].spans, sizeof(span_t), 4);
    c->client = (uint8_t)*side;
    c->first_frame = frame;
    return c;
}

/* ---- events ------------------------------------------------------------------ */

/* One row of the per-frame table (EventIdent 1): `type` is "data", "SYN",
 * "FIN" (retransmissions) or "keep-alive" (a keep-alive probe). */
static DWORD report_frame(state_t *st, const eu_tcpseg_t *s, uint32_t frame, const span_t *orig,
                          int64_t now, const char *type)
{
    char a[46], b[46];
    eu_event_t *e = &st->ev;
    eu_event_row(e, 1);
    e->ev->szEventName = (LPSTR)(strcmp(type, "keep-alive") == 0 ? "Keep-alive probe" : "Retransmission");
    eu_col_frame(e, "Frame", frame);
    eu_col_frame(e, "Original Frame", orig->frame);
    eu_col_addr(e, "Source", s->family, s->src, a);
    eu_col_addr(e, "Destination", s->family, s->dst, b);
    eu_col_u16(e, "Source Port", s->sport);
    eu_col_u16(e, "Destination Port", s->dport);
    eu_col_u32(e, "Sequence", s->seq);
    eu_col_u32(e, "Length", s->len);
    eu_col_str(e, "Type", type);
    eu_col_f64(e, "Delay (s)", (double)(now - orig->time_ns) / 1e9);
    return eu_event_submit(st->key, e);
}

static DWORD report_conn(state_t *st, const conn_t *c)
{
    char a[46], b[46];
    int cl = c->client, sv = !cl;
    const dir_t *dc = &c->d[cl], *ds = &c->d[sv];
    eu_event_t *e = &st->ev;
    eu_event_row(e, 2);
    e->ev->szEventName = (LPSTR) "Connection summary";
    eu_col_addr(e, "Client", c->family, c->addr[cl], a);
    eu_col_u16(e, "Client Port", c->port[cl]);
    eu_col_addr(e, "Server", c->family, c->addr[sv], b);
    eu_col_u16(e, "Server Port", c->port[sv]);
    eu_col_u32(e, "Frames", c->frames);
    eu_col_u32(e, "Retransmissions", dc->retrans + ds->retrans);
    eu_col_u32(e, "Client Retransmissions", dc->retrans);
    eu_col_u32(e, "Server Retransmissions", ds->retrans);
    eu_col_u32(e, "SYN/FIN Retransmissions", dc->synfin + ds->synfin);
    eu_col_u64(e, "Bytes Retransmitted", dc->bytes + ds->bytes);
    int64_t md = dc->max_delay_ns > ds->max_delay_ns ? dc->max_delay_ns : ds->max_delay_ns;
    eu_col_f64(e, "Max Delay (s)", (double)md / 1e9);
    eu_col_frame(e, "First Frame", c->first_frame);
    return eu_event_submit(st->key, e);
}

/* ---- the analysis ---------------------------------------------------------------- */

/* Keeps what a segment says of its direction d (side of c): which side is
 * the client, the initial sequence number (a SYN-ACK with a new one starts
 * the direction over), the window it advertises. */
static void track_direction(conn_t *c, int side, const eu_tcpseg_t *s)
{
    dir_t *d = &c->d[side];
    uint8_t f = s->flags;
    int syn = (f & EU_TCP_SYN) != 0;
    if (syn && !c->client_by_syn) {
        c->client = (uint8_t)((f & EU_TCP_ACK) ? !side : side);
        c->client_by_syn = 1;
    }
    if (syn && d->syn && d->syn_seq != s->seq && (f & EU_TCP_ACK)) {
        /* A SYN-ACK with another ISN: that side restarted its sequence space. */
        d->spans.len = 0;
        d->sent = 0;
        d->seen = 0;
        d->fin = 0;
    }
    if (!d->seen) {
        d->seen = 1;
        d->hi = ((uint64_t)1 << 32) + s->seq;
    }
    if (syn && !d->syn) {
        d->syn = 1;
        d->syn_seq = s->seq;
    }
    d->window = s->window;
    d->win_known = 1;
}

/* A keep-alive (0 or 1 byte) at pos: not a retransmission; reported, when
 * the settings ask for it, as a probe of the position it repeats. */
static DWORD keepalive(state_t *st, const EXPERTFRAMEDESCRIPTOR *fd, const eu_tcpseg_t *s, const dir_t *d,
                       uint64_t pos)
{
    uint32_t k = span_find(d, pos); /* spans[k] first sent the position */
    if (!st->set.details || !st->set.keepalive || k >= d->spans.len || span_at(d, k)->start > pos)
        return 0;
    return report_frame(st, s, fd->FrameNumber, span_at(d, k), NmxGetFrameTime(fd->hFrame), "keep-alive");
}

/* A segment [pos, end) that repeats some of what d already sent: counts it
 * (unless it repeats only a SYN or FIN and the settings leave those out)
 * and reports it; sets *now, and *have_now, when it reads the frame's time. */
static DWORD count_retransmission(state_t *st, const EXPERTFRAMEDESCRIPTOR *fd, const eu_tcpseg_t *s, dir_t *d,
                                  uint64_t pos, int64_t *now, int *have_now)
{
    int syn = (s->flags & EU_TCP_SYN) != 0;
    uint64_t ds = pos + (uint64_t)syn;
    uint64_t dov = s->len > 0 ? covered(d, ds, ds + s->len) : 0;
    int synfin_only = dov == 0;
    if (synfin_only && !st->set.synfin)
        return 0;
    const span_t *o = span_at(d, span_find(d, pos));
    *now = NmxGetFrameTime(fd->hFrame);
    *have_now = 1;
    d->retrans++;
    st->retrans++;
    if (synfin_only)
        d->synfin++;
    d->bytes += dov;
    if (*now - o->time_ns > d->max_delay_ns)
        d->max_delay_ns = *now - o->time_ns;
    if (!st->set.details)
        return 0;
    const char *type = !synfin_only ? "data" : syn ? "SYN" : "FIN";
    return report_frame(st, s, fd->FrameNumber, o, *now, type);
}

static DWORD segment(state_t *st, const EXPERTFRAMEDESCRIPTOR *fd, const eu_tcpseg_t *s)
{
    DWORD err = 0;
    int side;
    uint32_t frame = fd->FrameNumber;
    conn_t *c = conn_of(st, s, frame, &side, &err);
    if (c == NULL)
        return err != 0 ? err : NMERR_OUT_OF_MEMORY;
    c->frames++;
    dir_t *d = &c->d[side];
    const dir_t *r = &c->d[!side];
    uint8_t f = s->flags;
    int syn = (f & EU_TCP_SYN) != 0, fin = (f & EU_TCP_FIN) != 0;

    int probe_window_zero = r->win_known && r->window == 0;
    track_direction(c, side, s);
    if (f & EU_TCP_RST) {
        settle(st->key, &c->d[0]); /* the connection is over */
        settle(st->key, &c->d[1]);
        return 0;
    }

    uint64_t pos = eu_seq_unwrap(d->hi, s->seq);
    uint64_t end = pos + (uint64_t)syn + s->len + (uint64_t)fin;
    if (!syn && !fin && d->sent && s->len <= 1 && pos + 1 == d->hi)
        return keepalive(st, fd, s, d, pos);
    if (end == pos)
        return 0; /* a bare ACK */
    if (!syn && !fin && d->sent) {
        if (s->len == 1 && pos == d->hi && probe_window_zero)
            return 0; /* zero-window probe */
    }

    int64_t now = 0;
    int have_now = 0;
    uint64_t ov = d->spans.len > 0 && pos < d->hi ? covered(d, pos, end) : 0;
    if (ov > 0) {
        DWORD rc = count_retransmission(st, fd, s, d, pos, &now, &have_now);
        if (rc != 0)
            return rc;
        if (ov == end - pos) {
            if (end > d->hi)
                d->hi = end;
            return 0;
        }
    }
    if (!have_now)
        now = NmxGetFrameTime(fd->hFrame);
    DWORD rc = record(st->key, d, pos, end, frame, now);
    if (rc != 0)
        return rc;
    if (end > d->hi || !d->sent)
        d->hi = end;
    d->sent = 1;
    if (fin && !d->fin) {
        d->fin = 1;
        if (c->d[!side].fin) {
            settle(st->key, &c->d[0]);
            settle(st->key, &c->d[1]);
        }
    }
    return 0;
}

static void free_all(state_t *st)
{
    for (uint32_t i = 0; i < st->conns.recs.len; i++) {
        conn_t *c = eu_vec_at(&st->conns.recs, i);
        eu_vec_free(st->key, &c->d[0].spans);
        eu_vec_free(st->key, &c->d[1].spans);
    }
    eu_conns_free(st->key, &st->conns);
    eu_event_free(st->key, &st->ev);
}

/* How the reports of shards merge (netmon.h, docs/scale.md): a connection
 * is whole in one shard, so every row is kept, in frame order. */
NMX_EXPERT_EXPORT const char NmxExpertMerge[] = "1:=concat\n"
                                                "1:=order +Frame\n"
                                                "2:=concat\n"
                                                "2:=order +First Frame\n";

/* One frame (eu_walk callback): its TCP segment, if any and wanted. */
static DWORD run_frame(void *ctx, EXPERTFRAMEDESCRIPTOR *fd)
{
    state_t *st = ctx;
    eu_tcpseg_t s;
    if (!eu_l4_segment(&st->ids, fd, st->ids.tcp, &s))
        return 0;
    if (st->set.port != 0 && s.sport != st->set.port && s.dport != st->set.port)
        return 0;
    st->tcp_frames++;
    return segment(st, fd, &s);
}

/* One summary per connection with retransmissions, in order of first frame. */
static DWORD report_conns(state_t *st)
{
    for (uint32_t i = 0; i < st->conns.recs.len; i++) {
        const conn_t *c = eu_vec_at(&st->conns.recs, i);
        if (c->d[0].retrans + c->d[1].retrans == 0)
            continue;
        DWORD rc = report_conn(st, c);
        if (rc != 0)
            return rc;
    }
    return 0;
}

NMX_EXPERT_EXPORT BOOL WINAPI Run(HEXPERTKEY key, PEXPERTCONFIG pConfig, PEXPERTSTARTUPINFO si,
                                  DWORD flags, HWND hwnd)
{
    (void)flags;
    (void)hwnd;
    state_t st;
    memset(&st, 0, sizeof st);
    st.key = key;
    eu_walk_t walk;
    eu_walk_init(&walk, key, si);
    if (!eu_run_begin(key, "reading the settings", read_settings(pConfig, &st.set) == 0 ? NULL : st.set.error))
        return FALSE;
    eu_tcp_ids_init(&st.ids);
    if (st.ids.tcp == 0xFFFF) {
        eu_problem(key, NMERR_PROTOCOL_NOT_FOUND, 0, "the host has no TCP parser");
        return FALSE;
    }
    DWORD rc = eu_conns_init(key, &st.conns, sizeof(conn_t));
    if (rc == 0)
        rc = eu_event_init(key, &st.ev, EXPERT_NAME, 1);
    if (rc == 0)
        rc = eu_walk(&walk, run_frame, &st);
    if (rc == 0)
        rc = report_conns(&st);
    if (rc != 0 && rc != NMERR_EXPERT_TERMINATE)
        eu_problem(key, rc, walk.pct, "stopped at frame %lu: %s", (unsigned long)walk.last + 1, eu_nmerr_text(rc));
    free_all(&st);
    return rc == 0;
}
