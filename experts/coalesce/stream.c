/*
 * stream.c - the Protocol Coalesce expert's TCP half: each direction's
 * segments are put in sequence order (out-of-order ones wait in a queue,
 * repeated bytes are dropped, bytes the capture missed become gaps), and
 * the ordered bytes are cut into transactions:
 *
 *  - HTTP/1.x messages: headers up to the empty line, then a body by
 *    Content-Length, chunked transfer coding, none (HEAD, 1xx, 204, 304,
 *    requests without a length) or up to the connection's end;
 *  - NetBIOS session messages (ports 139 and 445: SMB, SMB2), by their
 *    length field;
 *  - anything else: each run of data in one direction, which ends when
 *    the other direction sends data, or at FIN, RST or the capture's end.
 *
 * A transaction becomes one output frame (or several of CO_MAX_PAYLOAD
 * bytes when longer, or when a gap splits it), written through
 * co_write_tcp() with the time of the frame that delivered its last byte.
 * A gap is the end of the bytes known: data the capture missed is skipped
 * when the peer acknowledges beyond it, when the out-of-order queue grows
 * past CO_MAX_QUEUE, or at the connection's end.
 */
#include <string.h>

#include "coalesce.h"

/* Out-of-order bytes kept per direction before the hole is given up. */
#define CO_MAX_QUEUE (16u << 20)
/* HTTP headers longer than this are not HTTP to us. */
#define CO_MAX_HEADER 32768u

static DWORD oom(DWORD err)
{
    return err != 0 ? err : NMERR_OUT_OF_MEMORY;
}

/* ---- the transaction buffer --------------------------------------------------- */

/* Readies a new (zeroed) connection: its transaction buffers start at
 * 2 KiB of payload and double as needed. */
void co_init_conn(co_conn_t *c)
{
    for (int k = 0; k < 2; k++)
        eu_vec_init(&c->d[k].buf, 1, CO_HEADROOM + 2048);
}

/* The payload of the transaction being built. */
static BYTE *tx_bytes(const co_dir_t *d)
{
    return (BYTE *)d->buf.data + CO_HEADROOM;
}

/* Writes the bytes gathered so far as one frame; the transaction goes on. */
static DWORD tx_piece(struct co_run *r, co_conn_t *c, int side)
{
    co_dir_t *d = &c->d[side];
    if (d->len == 0)
        return 0;
    DWORD rc = co_write_tcp(r, c, side, tx_bytes(d), d->len, d->buf_pos, EU_TCP_PSH, d->last_ns);
    d->buf_pos += d->len;
    d->len = 0;
    return rc;
}

/* Ends the current transaction. */
static DWORD tx_complete(struct co_run *r, co_conn_t *c, int side)
{
    co_dir_t *d = &c->d[side];
    DWORD rc = tx_piece(r, c, side);
    if (d->open)
        co_stats(r)->transactions++;
    d->open = 0;
    return rc;
}

static DWORD tx_append(struct co_run *r, co_conn_t *c, int side, const BYTE *p, uint32_t n, int64_t t)
{
    co_dir_t *d = &c->d[side];
    d->open = 1;
    d->last_ns = t;
    while (n > 0) {
        if (d->len == CO_MAX_PAYLOAD) {
            DWORD rc = tx_piece(r, c, side);
            if (rc != 0)
                return rc;
        }
        uint32_t room = CO_MAX_PAYLOAD - d->len;
        uint32_t k = n < room ? n : room;
        DWORD rc = eu_vec_reserve(co_key(r), &d->buf, CO_HEADROOM + (size_t)d->len + k);
        if (rc != 0)
            return rc;
        memcpy(tx_bytes(d) + d->len, p, k);
        d->len += k;
        p += k;
        n -= k;
    }
    return 0;
}

/* ---- HTTP ------------------------------------------------------------------------ */

static int lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

/* Does the header block h[0..n) hold a header `name` (lower case, with
 * ':')?  Sets *val / *vlen to its value (trimmed); the last one wins. */
static int http_header(const BYTE *h, uint32_t n, const char *name, const BYTE **val, uint32_t *vlen)
{
    size_t nl = strlen(name);
    int found = 0;
    uint32_t i = 0;
    while (i < n) {
        uint32_t e = i;
        while (e < n && h[e] != '\n')
            e++;
        if (e - i > nl) {
            size_t k = 0;
            while (k < nl && lower(h[i + k]) == name[k])
                k++;
            if (k == nl) {
                uint32_t a = i + (uint32_t)nl, b = e;
                while (a < b && (h[a] == ' ' || h[a] == '\t'))
                    a++;
                while (b > a && (h[b - 1] == '\r' || h[b - 1] == ' ' || h[b - 1] == '\t'))
                    b--;
                *val = h + a;
                *vlen = b - a;
                found = 1;
            }
        }
        i = e + 1;
    }
    return found;
}

static int starts_with(const BYTE *p, uint32_t n, const char *s)
{
    size_t k = strlen(s);
    return n >= k && memcmp(p, s, k) == 0;
}

/* Could p[0..n) start an HTTP request (a method token and a space)? */
static int http_request_start(const BYTE *p, uint32_t n)
{
    uint32_t i = 0;
    while (i < n && i < 16 && p[i] >= 'A' && p[i] <= 'Z')
        i++;
    if (i == 0)
        return 0;
    return i == n ? i < 16 : p[i] == ' ';
}

static int http_response_start(const BYTE *p, uint32_t n)
{
    return starts_with(p, n, "HTTP/") || (n < 5 && memcmp(p, "HTTP/", n) == 0);
}

/* Parses the message head in buf[0..n): sets the body state.  Returns 0,
 * or -1 when it is not an HTTP message. */
static int http_head(co_conn_t *c, co_dir_t *d, const BYTE *h, uint32_t n)
{
    const BYTE *v;
    uint32_t vl;
    int chunked = 0, has_len = 0;
    uint64_t clen = 0;
    if (http_header(h, n, "transfer-encoding:", &v, &vl)) {
        /* chunked when it is the last coding */
        chunked = vl >= 7;
        for (uint32_t k = 0; chunked && k < 7; k++)
            chunked = lower(v[vl - 7 + k]) == "chunked"[k];
    }
    if (!chunked && http_header(h, n, "content-length:", &v, &vl)) {
        has_len = vl > 0;
        for (uint32_t k = 0; k < vl && has_len; k++) {
            if (v[k] < '0' || v[k] > '9' || clen > (UINT64_MAX - 9) / 10)
                has_len = 0;
            else
                clen = clen * 10 + (uint64_t)(v[k] - '0');
        }
    }
    if (d->is_request) {
        uint8_t m = METHOD_OTHER;
        if (starts_with(h, n, "HEAD "))
            m = METHOD_HEAD;
        else if (starts_with(h, n, "CONNECT "))
            m = METHOD_CONNECT;
        if (c->mcount < sizeof c->methods) {
            c->methods[(c->mhead + c->mcount) % sizeof c->methods] = m;
            c->mcount++;
        }
        if (chunked)
            d->hstate = H_CHUNK_SIZE;
        else if (has_len && clen > 0)
            d->hstate = H_BODY;
        else
            d->hstate = H_HDR; /* no body: complete */
        d->remain = clen;
        return 0;
    }
    /* a response: "HTTP/x.y NNN" */
    uint32_t i = 5;
    while (i < n && h[i] != ' ')
        i++;
    if (i + 4 > n || h[i + 1] < '0' || h[i + 1] > '9')
        return -1;
    unsigned code = (unsigned)(h[i + 1] - '0') * 100 + (unsigned)(h[i + 2] - '0') * 10 + (unsigned)(h[i + 3] - '0');
    uint8_t m = c->mcount > 0 ? c->methods[c->mhead] : METHOD_OTHER;
    if (code >= 100 && code < 200) {
        if (code == 101)
            c->upgraded = 1;
        d->hstate = H_HDR; /* interim: no body, the request still waits */
        return 0;
    }
    if (c->mcount > 0) {
        c->mhead = (uint8_t)((c->mhead + 1) % sizeof c->methods);
        c->mcount--;
    }
    if (m == METHOD_CONNECT && code >= 200 && code < 300) {
        c->upgraded = 1;
        d->hstate = H_HDR;
    } else if (m == METHOD_HEAD || code == 204 || code == 304) {
        d->hstate = H_HDR;
    } else if (chunked) {
        d->hstate = H_CHUNK_SIZE;
    } else if (has_len) {
        d->hstate = clen > 0 ? H_BODY : H_HDR;
    } else {
        d->hstate = H_UNTIL_CLOSE;
    }
    d->remain = clen;
    return 0;
}

/* Ends an HTTP message; after an upgrade both directions go on as runs. */
static DWORD http_done(struct co_run *r, co_conn_t *c, int side)
{
    co_dir_t *d = &c->d[side];
    DWORD rc = tx_complete(r, c, side);
    d->hstate = H_HDR;
    d->hdr_scan = 0;
    d->line_len = 0;
    if (c->upgraded)
        d->mode = M_RUNS;
    return rc;
}

/* Parses a chunk-size line (hex digits, maybe extensions). */
static int chunk_size(const char *s, uint32_t n, uint64_t *out)
{
    uint64_t v = 0;
    uint32_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    uint32_t digits = 0;
    for (; i < n; i++) {
        int ch = lower((unsigned char)s[i]);
        int x = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (x < 0)
            break;
        if (v >> 60)
            return -1;
        v = v << 4 | (uint64_t)x;
        digits++;
    }
    if (digits == 0)
        return -1;
    *out = v;
    return 0;
}

/* The offset just past the "\r\n\r\n" that ends the head in the d->len bytes
 * of b, looking from a little before where the last look stopped; 0 if the
 * head is not whole yet. */
static uint32_t http_head_end(const co_dir_t *d, const BYTE *b)
{
    uint32_t from = d->hdr_scan >= 3 ? d->hdr_scan - 3 : 0;
    for (uint32_t i = from; i + 4 <= d->len; i++)
        if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n')
            return i + 4;
    return 0;
}

/* H_HDR: gathers a message's head from the n bytes at p and, once it is
 * whole, reads it.  *take comes in as n and goes out as the bytes used (0
 * when the direction turns out not to be HTTP and goes on as runs). */
static DWORD http_feed_head(struct co_run *r, co_conn_t *c, int side, const BYTE *p, uint32_t n, int64_t t,
                            uint32_t *take)
{
    co_dir_t *d = &c->d[side];
    DWORD rc;
    if (d->len == 0 && !(d->is_request ? http_request_start(p, n) : http_response_start(p, n))) {
        d->mode = M_RUNS; /* not (or no longer) HTTP */
        *take = 0;
        return 0;
    }
    uint32_t room = CO_MAX_HEADER - d->len;
    if (*take > room)
        *take = room;
    if ((rc = tx_append(r, c, side, p, *take, t)) != 0)
        return rc;
    const BYTE *b = tx_bytes(d);
    uint32_t end = http_head_end(d, b);
    if (end == 0) {
        d->hdr_scan = d->len;
        if (d->len >= CO_MAX_HEADER)
            d->mode = M_RUNS;
        return 0;
    }
    if (http_head(c, d, b, end) != 0) {
        d->mode = M_RUNS; /* what was taken stays, as the start of a run */
        return 0;
    }
    uint32_t excess = d->len - end; /* body bytes appended with the head: give back */
    d->len = end;
    *take -= excess;
    if (d->hstate == H_HDR)
        return http_done(r, c, side);
    return 0;
}

/* H_BODY, H_CHUNK_DATA, H_CHUNK_CRLF: takes up to d->remain bytes of a part
 * whose length is known, then moves on to what follows it. */
static DWORD http_feed_counted(struct co_run *r, co_conn_t *c, int side, const BYTE *p, int64_t t, uint32_t *take)
{
    co_dir_t *d = &c->d[side];
    DWORD rc;
    if (*take > d->remain)
        *take = (uint32_t)d->remain;
    if ((rc = tx_append(r, c, side, p, *take, t)) != 0)
        return rc;
    d->remain -= *take;
    if (d->remain != 0)
        return 0;
    if (d->hstate == H_BODY)
        return http_done(r, c, side);
    if (d->hstate == H_CHUNK_DATA) {
        d->hstate = H_CHUNK_CRLF;
        d->remain = 2;
    } else {
        d->hstate = H_CHUNK_SIZE;
        d->line_len = 0;
    }
    return 0;
}

/* H_CHUNK_SIZE, H_TRAILER: takes bytes up to the end of a line (a chunk's
 * size, or a trailer line, the empty one ending the message). */
static DWORD http_feed_line(struct co_run *r, co_conn_t *c, int side, const BYTE *p, uint32_t n, int64_t t,
                            uint32_t *take)
{
    co_dir_t *d = &c->d[side];
    DWORD rc;
    const BYTE *nl = memchr(p, '\n', n);
    *take = nl != NULL ? (uint32_t)(nl - p) + 1 : n;
    for (uint32_t k = 0; k < *take && d->hstate == H_CHUNK_SIZE; k++)
        if (d->line_len + k < sizeof d->line)
            d->line[d->line_len + k] = (char)p[k];
    if ((rc = tx_append(r, c, side, p, *take, t)) != 0)
        return rc;
    uint32_t linelen = d->line_len + *take;
    if (nl == NULL) {
        d->line_len = (uint16_t)(linelen > 4096 ? 4096 : linelen);
        if (linelen > 4096)
            d->mode = M_RUNS;
        return 0;
    }
    if (d->hstate == H_CHUNK_SIZE) {
        uint64_t size;
        uint32_t sl = linelen < sizeof d->line ? linelen : sizeof d->line;
        if (chunk_size(d->line, sl, &size) != 0) {
            d->mode = M_RUNS;
        } else if (size == 0) {
            d->hstate = H_TRAILER;
        } else {
            d->hstate = H_CHUNK_DATA;
            d->remain = size;
        }
    } else if (linelen <= 2) { /* "\r\n" or "\n": the empty line */
        if ((rc = http_done(r, c, side)) != 0)
            return rc;
    }
    d->line_len = 0;
    return 0;
}

/* Feeds in-order bytes to an HTTP direction; returns the bytes it took
 * (it may switch the direction to runs and leave the rest). */
static DWORD http_feed(struct co_run *r, co_conn_t *c, int side, const BYTE *p, uint32_t n, int64_t t,
                       uint32_t *used)
{
    co_dir_t *d = &c->d[side];
    DWORD rc;
    *used = 0;
    while (n > 0 && d->mode == M_HTTP) {
        uint32_t take = n;
        switch (d->hstate) {
        case H_HDR:
            rc = http_feed_head(r, c, side, p, n, t, &take);
            break;
        case H_BODY:
        case H_CHUNK_DATA:
        case H_CHUNK_CRLF:
            rc = http_feed_counted(r, c, side, p, t, &take);
            break;
        case H_CHUNK_SIZE:
        case H_TRAILER:
            rc = http_feed_line(r, c, side, p, n, t, &take);
            break;
        default: /* H_UNTIL_CLOSE */
            rc = tx_append(r, c, side, p, take, t);
            break;
        }
        if (rc != 0)
            return rc;
        p += take;
        n -= take;
        *used += take;
    }
    return 0;
}

/* ---- NetBIOS session messages ------------------------------------------------------ */

static DWORD nbss_feed(struct co_run *r, co_conn_t *c, int side, const BYTE *p, uint32_t n, int64_t t,
                       uint32_t *used)
{
    co_dir_t *d = &c->d[side];
    DWORD rc;
    int p445 = c->port[0] == 445 || c->port[1] == 445;
    *used = 0;
    while (n > 0 && d->mode == M_NBSS) {
        uint32_t take;
        if (d->nb_have < 4) {
            take = 4u - d->nb_have < n ? 4u - d->nb_have : n;
            memcpy(d->nb_hdr + d->nb_have, p, take);
            d->nb_have = (uint8_t)(d->nb_have + take);
            if (d->nb_have == 4) {
                BYTE ty = d->nb_hdr[0];
                if (!(ty == 0x00 || (ty >= 0x81 && ty <= 0x85))) {
                    d->mode = M_RUNS; /* not NetBIOS: the bytes so far start a run */
                    d->nb_have = 0;
                    if ((rc = tx_append(r, c, side, p, take, t)) != 0)
                        return rc;
                    *used += take;
                    return 0;
                }
                d->nb_left = p445 ? (uint32_t)d->nb_hdr[1] << 16 | (uint32_t)d->nb_hdr[2] << 8 | d->nb_hdr[3]
                                  : (uint32_t)(d->nb_hdr[1] & 1) << 16 | (uint32_t)d->nb_hdr[2] << 8 | d->nb_hdr[3];
            }
        } else {
            take = d->nb_left < n ? d->nb_left : n;
            d->nb_left -= take;
        }
        if ((rc = tx_append(r, c, side, p, take, t)) != 0)
            return rc;
        if (d->nb_have == 4 && d->nb_left == 0) {
            d->nb_have = 0;
            if ((rc = tx_complete(r, c, side)) != 0)
                return rc;
        }
        p += take;
        n -= take;
        *used += take;
    }
    return 0;
}

/* ---- delivery ------------------------------------------------------------------------- */

static void choose_mode(co_conn_t *c, co_dir_t *d, const BYTE *p, uint32_t n)
{
    if (c->upgraded)
        d->mode = M_RUNS;
    else if ((c->port[0] == 139 || c->port[0] == 445 || c->port[1] == 139 || c->port[1] == 445) &&
             (p[0] == 0x00 || (p[0] >= 0x81 && p[0] <= 0x85)))
        d->mode = M_NBSS;
    else if (http_response_start(p, n))
        d->mode = M_HTTP, d->is_request = 0;
    else if (http_request_start(p, n))
        d->mode = M_HTTP, d->is_request = 1;
    else
        d->mode = M_RUNS;
}

/* Delivers n in-order bytes of `side` (at d->next), first seen at time t. */
static DWORD deliver(struct co_run *r, co_conn_t *c, int side, const BYTE *p, uint32_t n, int64_t t)
{
    co_dir_t *d = &c->d[side];
    co_dir_t *o = &c->d[!side];
    DWORD rc;
    if (n == 0)
        return 0;
    if (d->mode == M_UNKNOWN)
        choose_mode(c, d, p, n);
    /* Data this way ends the other way's run. */
    if (o->mode == M_RUNS && o->open && (rc = tx_complete(r, c, !side)) != 0)
        return rc;
    d->next += n;
    d->delivered = 1;
    while (n > 0) {
        uint32_t used = n;
        if (d->mode == M_HTTP)
            rc = http_feed(r, c, side, p, n, t, &used);
        else if (d->mode == M_NBSS)
            rc = nbss_feed(r, c, side, p, n, t, &used);
        else
            rc = tx_append(r, c, side, p, n, t);
        if (rc != 0)
            return rc;
        p += used;
        n -= used;
    }
    return 0;
}

/* n bytes at d->next that the capture does not have. */
static DWORD gap(struct co_run *r, co_conn_t *c, int side, uint64_t n)
{
    co_dir_t *d = &c->d[side];
    DWORD rc = tx_piece(r, c, side);
    if (rc != 0)
        return rc;
    co_stats(r)->gap_bytes += n;
    d->buf_pos += n;
    d->next += n;
    d->delivered = 1;
    if (d->mode == M_HTTP) {
        if ((d->hstate == H_BODY || d->hstate == H_CHUNK_DATA) && n <= d->remain) {
            d->remain -= n;
            if (d->remain == 0 && d->hstate == H_BODY)
                return http_done(r, c, side);
            if (d->remain == 0) {
                d->hstate = H_CHUNK_CRLF;
                d->remain = 2;
            }
        } else if (d->hstate != H_UNTIL_CLOSE) {
            d->mode = M_RUNS;
        }
    } else if (d->mode == M_NBSS) {
        if (d->nb_have == 4 && n <= d->nb_left) {
            d->nb_left -= (uint32_t)n;
            if (d->nb_left == 0) {
                d->nb_have = 0;
                return tx_complete(r, c, side);
            }
        } else {
            d->mode = M_RUNS;
        }
    } else if (d->mode == M_UNKNOWN) {
        d->mode = M_RUNS;
    }
    if (d->mode == M_RUNS)
        d->open = 1;
    return 0;
}

/* Delivers a segment's bytes [pos, pos + wire), `avail` of them captured. */
static DWORD deliver_seg(struct co_run *r, co_conn_t *c, int side, uint64_t pos, const BYTE *p, uint32_t avail,
                         uint32_t wire, int64_t t)
{
    co_dir_t *d = &c->d[side];
    uint64_t end = pos + wire;
    if (end <= d->next)
        return 0;
    uint64_t off = d->next - pos;
    DWORD rc = 0;
    if (off < avail)
        rc = deliver(r, c, side, p + off, (uint32_t)(avail - off), t);
    if (rc == 0 && d->next < end)
        rc = gap(r, c, side, end - d->next);
    return rc;
}

/* Delivers the queued segments that the bytes delivered have reached. */
static DWORD drain(struct co_run *r, co_conn_t *c, int side, int64_t t)
{
    co_dir_t *d = &c->d[side];
    while (d->ooo != NULL && d->ooo->pos <= d->next) {
        co_seg_t *s = d->ooo;
        d->ooo = s->next;
        d->ooo_bytes -= s->len;
        DWORD rc = deliver_seg(r, c, side, s->pos, s->data, s->len, s->wire, t);
        ExpertFreeMemory(co_key(r), s);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Gives up the hole in front of the queue (or up to `limit`). */
static DWORD skip_hole(struct co_run *r, co_conn_t *c, int side, uint64_t limit, int64_t t)
{
    co_dir_t *d = &c->d[side];
    uint64_t to = d->ooo != NULL && d->ooo->pos < limit ? d->ooo->pos : limit;
    DWORD rc = 0;
    if (to > d->next)
        rc = gap(r, c, side, to - d->next);
    return rc != 0 ? rc : drain(r, c, side, t);
}

static DWORD queue(struct co_run *r, co_dir_t *d, uint64_t pos, const BYTE *p, uint32_t avail, uint32_t wire)
{
    co_seg_t **at = &d->ooo;
    while (*at != NULL && (*at)->pos < pos)
        at = &(*at)->next;
    if (*at != NULL && (*at)->pos == pos && (*at)->wire >= wire)
        return 0; /* the same bytes again */
    DWORD err = 0;
    co_seg_t *s = ExpertAllocMemory(co_key(r), sizeof *s + avail, &err);
    if (s == NULL)
        return oom(err);
    s->pos = pos;
    s->len = avail;
    s->wire = wire;
    memcpy(s->data, p, avail);
    s->next = *at;
    *at = s;
    d->ooo_bytes += avail;
    return 0;
}

/* Writes the FIN frame of a direction once its bytes are all delivered. */
static DWORD maybe_fin(struct co_run *r, co_conn_t *c, int side, int64_t t, int force)
{
    co_dir_t *d = &c->d[side];
    if (!d->fin || d->fin_written || (!force && d->next < d->fin_pos))
        return 0;
    DWORD rc = tx_complete(r, c, side);
    if (rc == 0)
        rc = co_write_tcp(r, c, side, co_scratch(r), 0, d->fin_pos, EU_TCP_FIN, t);
    d->fin_written = 1;
    return rc;
}

DWORD co_segment(struct co_run *r, co_conn_t *c, int side, const eu_tcpseg_t *s, int64_t t)
{
    co_dir_t *d = &c->d[side];
    co_dir_t *o = &c->d[!side];
    uint8_t f = s->flags;
    uint32_t syn = (f & EU_TCP_SYN) ? 1 : 0;
    DWORD rc;
    if (!d->seen) {
        d->seen = 1;
        d->hi = ((uint64_t)1 << 32) + s->seq;
        d->next = d->hi + syn;
        d->buf_pos = d->next;
        d->ip_ttl = 64;
    }
    uint64_t pos = eu_seq_unwrap(d->hi, s->seq);
    if (syn && !d->syn) {
        d->syn = 1;
        d->isn = s->seq;
        if (!d->delivered && d->ooo == NULL) {
            /* Nothing delivered yet: the data starts after the SYN, even if an
             * earlier segment (a stray ACK of an older connection) said otherwise. */
            d->next = pos + 1;
            d->buf_pos = d->next;
            d->hi = pos + 1;
        }
    }
    d->window = s->window;
    uint64_t data = pos + syn;
    uint64_t end = data + s->len;
    uint64_t top = end + ((f & EU_TCP_FIN) ? 1 : 0);
    if (top > d->hi)
        d->hi = top;

    if (f & EU_TCP_RST) {
        if ((rc = co_flush_conn(r, c, t)) != 0)
            return rc;
        rc = co_write_tcp(r, c, side, co_scratch(r), 0, pos, EU_TCP_RST, t);
        c->closed = 1;
        return rc;
    }
    if ((f & EU_TCP_FIN) && !d->fin) {
        d->fin = 1;
        d->fin_pos = end;
    }
    /* The peer acknowledges bytes of ours the capture never had: skip them. */
    if ((f & EU_TCP_ACK) && o->seen) {
        uint64_t ack = eu_seq_unwrap(o->next, s->ack);
        uint64_t limit = ack < o->hi ? ack : o->hi;
        if (o->fin && limit > o->fin_pos)
            limit = o->fin_pos;
        if (limit > o->next && (o->ooo == NULL || o->ooo->pos > o->next)) {
            if ((rc = skip_hole(r, c, !side, limit, t)) != 0)
                return rc;
            if ((rc = maybe_fin(r, c, !side, t, 0)) != 0)
                return rc;
        }
    }
    if (s->len > 0 && end > d->next) {
        if (data <= d->next) {
            rc = deliver_seg(r, c, side, data, s->payload, s->avail, s->len, t);
            if (rc == 0)
                rc = drain(r, c, side, t);
        } else {
            rc = queue(r, d, data, s->payload, s->avail, s->len);
            if (rc == 0 && d->ooo_bytes > CO_MAX_QUEUE)
                rc = skip_hole(r, c, side, d->ooo->pos, t);
        }
        if (rc != 0)
            return rc;
    }
    return maybe_fin(r, c, side, t, 0);
}

DWORD co_flush_conn(struct co_run *r, co_conn_t *c, int64_t t)
{
    DWORD rc = 0;
    /* The direction that waited longest first, to keep times in order. */
    int first = c->d[0].last_ns <= c->d[1].last_ns ? 0 : 1;
    for (int k = 0; k < 2 && rc == 0; k++) {
        int side = k == 0 ? first : !first;
        co_dir_t *d = &c->d[side];
        while (rc == 0 && d->ooo != NULL)
            rc = skip_hole(r, c, side, d->ooo->pos, d->last_ns > 0 ? d->last_ns : t);
        if (rc == 0 && d->fin && d->next < d->fin_pos)
            rc = gap(r, c, side, d->fin_pos - d->next);
        if (rc == 0 && (d->open || d->len > 0))
            rc = tx_complete(r, c, side);
        if (rc == 0)
            rc = maybe_fin(r, c, side, d->last_ns > 0 ? d->last_ns : t, 1);
    }
    return rc;
}

void co_free_conn(struct co_run *r, co_conn_t *c)
{
    for (int k = 0; k < 2; k++) {
        co_dir_t *d = &c->d[k];
        while (d->ooo != NULL) {
            co_seg_t *s = d->ooo;
            d->ooo = s->next;
            ExpertFreeMemory(co_key(r), s);
        }
        d->ooo_bytes = 0;
        eu_vec_free(co_key(r), &d->buf);
        d->len = 0;
    }
}
