/*
 * coalesce.c - the Protocol Coalesce expert (NetMon's Coalesce.dll):
 * writes a new capture in which each TCP transaction - an HTTP message, a
 * NetBIOS session message (SMB, SMB2), or else a run of data in one
 * direction - is one frame, rebuilt from the segments that carried it, in
 * sequence order and without the retransmitted duplicates.  Every other
 * frame is copied unchanged.
 *
 * This half: the settings, the walk over the frames, connections, the
 * output file (through the nmexpert capture writer, which writes a
 * temporary file renamed over the output when complete, and refuses the
 * capture being read or anything but a regular file) and the synthetic link, IP
 * and TCP headers of the coalesced frames.  stream.c reassembles and cuts
 * transactions.
 *
 * The output has one link type, that of the capture's first frame when it
 * is Ethernet, Linux cooked (SLL) or raw IP, else Ethernet.  Frames of
 * another link type that carry a network layer we can find (Ethernet, SLL,
 * SLL2, BSD loopback, raw IPv4/IPv6) are given the output's link header;
 * the others (802.11, NetMon event records...) are dropped and counted.
 * README.md has the details and the comparison with tshark.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <netmon.h>

#include "coalesce.h"
#include "eu_event.h"
#include "eu_run.h"
#include "eu_settings.h"

#define EXPERT_NAME "Protocol Coalesce"

NMX_EXPERT_EXPORT const DWORD NmxExpertOptions = NMX_EXPERT_OPTION_NOT_DEFAULT;

/* The settings, declared for `nmexpert list --settings` and checked before a run. */
NMX_EXPERT_EXPORT const NMX_EXPERT_SETTING NmxExpertSettings[] = {
    {"output", "", "", "the capture file to write (required; never the capture being read)"},
    {"format", "", "pcap|netmon2", "the output's format; default from the name: .cap is netmon2, else pcap"},
    {NULL, NULL, NULL, NULL},
};

/* Register: the display name and a one-line description. */
EU_REGISTER_AS(EXPERT_NAME,
               "Writes a capture with one frame per TCP transaction (HTTP, SMB, runs of data)")

/* ---- settings --------------------------------------------------------------- */

typedef struct settings {
    char output[256];
    int format;        /* NMX_WRITER_PCAP / NMX_WRITER_NETMON2; 0: from the extension */
    char error[200];
} settings_t;

static int setting(void *ctx, const char *key, const char *value)
{
    settings_t *s = ctx;
    if (eu_streq_nocase(key, "output")) {
        if (value[0] != '\0') {
            snprintf(s->output, sizeof s->output, "%s", value);
            return 0;
        }
        snprintf(s->error, sizeof s->error, "setting 'output' is empty (give the file to write)");
        return 1;
    }
    if (eu_streq_nocase(key, "format")) {
        if (eu_streq_nocase(value, "pcap")) {
            s->format = NMX_WRITER_PCAP;
            return 0;
        }
        if (eu_streq_nocase(value, "netmon2")) {
            s->format = NMX_WRITER_NETMON2;
            return 0;
        }
        snprintf(s->error, sizeof s->error, "bad value '%s' for setting 'format' (pcap or netmon2)", value);
        return 1;
    }
    snprintf(s->error, sizeof s->error, "unknown setting '%s' (known: output, format)", key);
    return 1;
}

static int read_settings(const EXPERTCONFIG *cfg, settings_t *s)
{
    memset(s, 0, sizeof *s);
    return eu_read_settings(cfg, setting, s, s->error, sizeof s->error,
                            "a setting line is not KEY=VALUE or is too long (at most 255 bytes)");
}

/* The format for an output file: explicit, else .cap means NetMon 2. */
static int output_format(const settings_t *s)
{
    if (s->format != 0)
        return s->format;
    size_t n = strlen(s->output);
    return n >= 4 && eu_streq_nocase(s->output + n - 4, ".cap") ? NMX_WRITER_NETMON2 : NMX_WRITER_PCAP;
}

/* The normalised text of a configuration (eu_configure). */
static int config_text(const EXPERTCONFIG *cfg, char *text, size_t cap)
{
    settings_t s;
    if (read_settings(cfg, &s) != 0)
        return -1;
    if (s.output[0] != '\0')
        eu_config_line(text, cap, "output", s.output);
    if (s.output[0] != '\0' || s.format != 0)
        eu_config_line(text, cap, "format", output_format(&s) == NMX_WRITER_NETMON2 ? "netmon2" : "pcap");
    return 0;
}

/* Configure validates the settings and hands back their normalised text. */
EU_CONFIGURE_WITH(config_text)

/* ---- the run ------------------------------------------------------------------- */


struct co_run {
    HEXPERTKEY key;
    settings_t set;
    char configured[256]; /* output as set (a shard writes NAME.shard-K-of-N.EXT) */
    int format;
    eu_tcp_ids_t ids;
    WORD arp;
    uint32_t linktype;     /* of the output */
    HNMXWRITER w;
    eu_conns_t conns;      /* co_conn_t */
    BYTE *scratch;         /* CO_HEADROOM + a little: control frames */
    eu_vec_t conv;         /* bytes: a frame given another link header */
    int64_t t;             /* time of the latest frame */
    eu_walk_t walk;
    co_stats_t st;
    char error[1024];      /* a write error's text */
};

HEXPERTKEY co_key(struct co_run *r)
{
    return r->key;
}

co_stats_t *co_stats(struct co_run *r)
{
    return &r->st;
}

BYTE *co_scratch(struct co_run *r)
{
    return r->scratch + CO_HEADROOM;
}

/* ---- link headers ----------------------------------------------------------------- */

#define LT_NULL 0u
#define LT_ETHERNET 1u
#define LT_RAW 101u
#define LT_LOOP 108u
#define LT_SLL 113u
#define LT_IPV4 228u
#define LT_IPV6 229u
#define LT_SLL2 276u

static uint32_t output_linktype(uint32_t lt)
{
    switch (lt) {
    case LT_ETHERNET:
    case LT_SLL: return lt;
    case LT_RAW:
    case 12: /* raw IP on some BSDs */
    case 14:
    case LT_IPV4:
    case LT_IPV6: return LT_RAW;
    default: return LT_ETHERNET;
    }
}

static uint32_t link_header_len(uint32_t lt)
{
    return lt == LT_ETHERNET ? 14 : lt == LT_SLL ? 16 : 0;
}

static uint16_t ip_ethertype(const BYTE *p, uint32_t n)
{
    return n > 0 && (p[0] >> 4) == 6 ? 0x86DD : 0x0800;
}

/* Where the network layer of a frame starts, and its ethertype; 0 when the
 * link type is not one we can convert. */
static int link_l3(uint32_t lt, const BYTE *f, uint32_t cap, uint32_t *off, uint16_t *etype)
{
    uint32_t af;
    switch (lt) {
    case LT_ETHERNET: {
        uint32_t o = 12;
        if (cap < 14)
            return 0;
        uint16_t et = eu_be16(f + o);
        while ((et == 0x8100 || et == 0x88A8 || et == 0x9100) && o + 6 <= cap) {
            o += 4;
            et = eu_be16(f + o);
        }
        if (et < 0x0600)
            return 0; /* 802.3 length: LLC, not converted */
        *off = o + 2;
        *etype = et;
        return 1;
    }
    case LT_SLL:
        if (cap < 16)
            return 0;
        *off = 16;
        *etype = eu_be16(f + 14);
        return 1;
    case LT_SLL2:
        if (cap < 20)
            return 0;
        *off = 20;
        *etype = eu_be16(f);
        return 1;
    case LT_NULL:
    case LT_LOOP:
        if (cap < 4)
            return 0;
        af = lt == LT_LOOP ? eu_be32(f) : (f[0] != 0 ? eu_le32(f) : eu_be32(f));
        if (af == 2)
            *etype = 0x0800;
        else if (af == 10 || af == 24 || af == 28 || af == 30)
            *etype = 0x86DD;
        else
            return 0;
        *off = 4;
        return 1;
    case LT_RAW:
    case 12:
    case 14:
    case LT_IPV4:
    case LT_IPV6:
        *off = 0;
        *etype = lt == LT_IPV4 ? 0x0800 : lt == LT_IPV6 ? 0x86DD : ip_ethertype(f, cap);
        return 1;
    default:
        return 0;
    }
}

/* Writes the output's link header (addresses from `tmpl` when given, else
 * made up from `side`) in front of a network-layer packet; returns its length. */
static uint32_t put_link(uint32_t lt, BYTE *out, const BYTE *tmpl, int side, uint16_t etype)
{
    static const BYTE mac[2][6] = {{0x02, 0, 0, 0, 0, 0x01}, {0x02, 0, 0, 0, 0, 0x02}};
    if (lt == LT_ETHERNET) {
        if (tmpl != NULL) {
            memcpy(out, tmpl, 12);
        } else {
            memcpy(out, mac[!side], 6);
            memcpy(out + 6, mac[side], 6);
        }
        out[12] = (BYTE)(etype >> 8);
        out[13] = (BYTE)etype;
        return 14;
    }
    if (lt == LT_SLL) {
        if (tmpl != NULL) {
            memcpy(out, tmpl, 14);
        } else {
            static const BYTE sll[6] = {0, 0, 0, 1, 0, 6}; /* to us, ARPHRD_ETHER, 6-byte address */
            memcpy(out, sll, 6);
            memcpy(out + 6, mac[side], 6);
            out[12] = out[13] = 0;
        }
        out[14] = (BYTE)(etype >> 8);
        out[15] = (BYTE)etype;
        return 16;
    }
    return 0;
}

/* ---- writing ------------------------------------------------------------------------ */

static DWORD write_frame(struct co_run *r, int64_t t, const BYTE *data, uint32_t len, uint32_t wire)
{
    DWORD rc = NmxCaptureWriterWrite(r->w, t, data, len, wire);
    if (rc != 0) {
        snprintf(r->error, sizeof r->error, "writing %s failed (NMERR %lu: %s)", r->set.output, (unsigned long)rc,
                 rc == NMERR_FILE_WRITE_ERROR ? "the disk is full or the file cannot be written"
                                              : eu_nmerr_text(rc));
        return rc;
    }
    r->st.written++;
    return 0;
}

/* Copies a frame that is not part of a coalesced stream: unchanged when it
 * has the output's link type, else with the output's link header, or
 * dropped when it has no network layer we can find. */
static DWORD copy_frame(struct co_run *r, const EXPERTFRAMEDESCRIPTOR *fd, int64_t t)
{
    const BYTE *f = (const BYTE *)fd->pFrame->MacFrame;
    uint32_t cap = fd->pFrame->nBytesAvail, wire = fd->pFrame->FrameLength;
    uint32_t lt = NmxGetFrameLinkType(fd->hFrame);
    if (lt == r->linktype) {
        r->st.copied++;
        return write_frame(r, t, f, cap, wire);
    }
    uint32_t off;
    uint16_t etype;
    int found = link_l3(lt, f, cap, &off, &etype);
    /* Other link types (FDDI, 802.11, Token Ring...): where the parsers
     * found the network layer. */
    const RECOGNIZEDATATABLE *rt = fd->lpRecognizeDataTable;
    for (WORD i = 0; !found && rt != NULL && i < rt->nRecognizeDatas; i++) {
        WORD id = rt->RecognizeData[i].ProtocolID;
        if (id == r->ids.ip || id == r->ids.ipv6 || id == r->arp) {
            off = rt->RecognizeData[i].nProtocolOffset;
            etype = id == r->ids.ip ? 0x0800 : id == r->ids.ipv6 ? 0x86DD : 0x0806;
            found = 1;
        }
    }
    if (!found || off > cap || (r->linktype == LT_RAW && etype != 0x0800 && etype != 0x86DD)) {
        r->st.dropped++;
        return 0;
    }
    DWORD err = eu_vec_reserve(r->key, &r->conv, 16 + (size_t)(cap - off));
    if (err != 0)
        return err;
    BYTE *conv = r->conv.data;
    uint32_t h = put_link(r->linktype, conv, NULL, 0, etype);
    memcpy(conv + h, f + off, cap - off);
    r->st.converted++;
    return write_frame(r, t, conv, h + cap - off, h + (wire > off ? wire - off : 0));
}

/* The Internet checksum's running sum (RFC 1071), in native byte order. */
static uint64_t csum_add(uint64_t sum, const BYTE *p, size_t n)
{
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        sum += (v & 0xFFFFFFFFu) + (v >> 32);
        p += 8;
        n -= 8;
    }
    while (n >= 2) {
        uint16_t v;
        memcpy(&v, p, 2);
        sum += v;
        p += 2;
        n -= 2;
    }
    if (n == 1) {
        BYTE last[2] = {p[0], 0};
        uint16_t v;
        memcpy(&v, last, 2);
        sum += v;
    }
    return sum;
}

/* Folds a sum and stores its complement (network order) at out. */
static void csum_store(uint64_t sum, BYTE *out)
{
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    uint16_t v = (uint16_t)~sum;
    memcpy(out, &v, 2);
}

static void put16(BYTE *p, uint32_t v)
{
    p[0] = (BYTE)(v >> 8);
    p[1] = (BYTE)v;
}

static void put32(BYTE *p, uint32_t v)
{
    p[0] = (BYTE)(v >> 24);
    p[1] = (BYTE)(v >> 16);
    p[2] = (BYTE)(v >> 8);
    p[3] = (BYTE)v;
}

DWORD co_write_tcp(struct co_run *r, co_conn_t *c, int side, BYTE *payload, uint32_t len, uint64_t pos,
                   uint8_t flags, int64_t t)
{
    co_dir_t *d = &c->d[side];
    const co_dir_t *o = &c->d[!side];
    int v4 = c->family == 4;
    uint32_t iplen = v4 ? 20 : 40;
    BYTE *tcp = payload - 20;
    BYTE *ip = tcp - iplen;

    /* TCP */
    put16(tcp, c->port[side]);
    put16(tcp + 2, c->port[!side]);
    put32(tcp + 4, (uint32_t)pos);
    put32(tcp + 8, o->seen ? (uint32_t)o->next : 0);
    tcp[12] = 0x50;
    tcp[13] = (BYTE)(flags | (o->seen ? EU_TCP_ACK : 0));
    put16(tcp + 14, d->window);
    tcp[16] = tcp[17] = 0;
    tcp[18] = tcp[19] = 0;
    uint32_t seglen = 20 + len;

    /* IP, and the TCP pseudo-header sum */
    uint64_t sum;
    if (v4) {
        ip[0] = 0x45;
        ip[1] = 0;
        put16(ip + 2, iplen + seglen);
        put16(ip + 4, d->ip_id++);
        put16(ip + 6, 0x4000); /* don't fragment */
        ip[8] = d->ip_ttl;
        ip[9] = 6;
        ip[10] = ip[11] = 0;
        memcpy(ip + 12, c->addr[side], 4);
        memcpy(ip + 16, c->addr[!side], 4);
        csum_store(csum_add(0, ip, 20), ip + 10);
        BYTE ph[4] = {0, 6, (BYTE)(seglen >> 8), (BYTE)seglen};
        sum = csum_add(csum_add(0, ip + 12, 8), ph, 4);
    } else {
        put32(ip, 0x60000000u);
        put16(ip + 4, seglen);
        ip[6] = 6;
        ip[7] = d->ip_ttl;
        memcpy(ip + 8, c->addr[side], 16);
        memcpy(ip + 24, c->addr[!side], 16);
        BYTE ph[8] = {0, 0, (BYTE)(seglen >> 8), (BYTE)seglen, 0, 0, 0, 6};
        sum = csum_add(csum_add(0, ip + 8, 32), ph, 8);
    }
    csum_store(csum_add(sum, tcp, seglen), tcp + 16);

    uint32_t lh = link_header_len(r->linktype);
    BYTE *start = ip - lh;
    put_link(r->linktype, start, d->have_link ? d->link : NULL, side, v4 ? 0x0800 : 0x86DD);
    uint32_t total = lh + iplen + seglen;
    return write_frame(r, t, start, total, total);
}

/* ---- connections -------------------------------------------------------------------- */

/* The connection of a segment, or NULL (*err set, or 0: a bare segment of
 * a connection already closed, to be ignored). */
static co_conn_t *conn_of(struct co_run *r, const eu_tcpseg_t *s, int64_t t, int *side, DWORD *err)
{
    eu_conn_entry_t *e = eu_conns_find(r->key, &r->conns, s, side, err);
    if (e == NULL)
        return NULL;
    if (e->index != 0) {
        co_conn_t *c = eu_conns_rec(&r->conns, e);
        const co_dir_t *d = &c->d[*side];
        int syn = (s->flags & (EU_TCP_SYN | EU_TCP_ACK)) == EU_TCP_SYN;
        int new_isn = syn && d->seen && !(d->syn && d->isn == s->seq);
        if (!new_isn && !c->closed)
            return c;
        if (c->closed && !(s->flags & EU_TCP_SYN) && s->len == 0)
            return NULL; /* an ACK or RST after the end: nothing to coalesce */
        if (!c->closed && (*err = co_flush_conn(r, c, t)) != 0)
            return NULL;
        co_free_conn(r, c);
        c->closed = 1;
    }
    co_conn_t *c = eu_conns_add(r->key, &r->conns, e, err);
    if (c == NULL)
        return NULL;
    c->index = e->index;
    eu_conn_ends(&e->k, c->addr, c->port, &c->family);
    co_init_conn(c);
    r->st.connections++;
    return c;
}

static DWORD tcp_frame(struct co_run *r, const EXPERTFRAMEDESCRIPTOR *fd, const eu_tcpseg_t *s, int64_t t)
{
    DWORD err = 0;
    int side;
    co_conn_t *c = conn_of(r, s, t, &side, &err);
    if (c == NULL)
        return err;
    r->st.tcp++;
    co_dir_t *d = &c->d[side];
    /* This side's link addresses, for the frames we build. */
    uint32_t lt = NmxGetFrameLinkType(fd->hFrame);
    if (lt == r->linktype && (lt == LT_ETHERNET || lt == LT_SLL) && fd->pFrame->nBytesAvail >= 16) {
        memcpy(d->link, (const BYTE *)fd->pFrame->MacFrame, lt == LT_ETHERNET ? 12 : 14);
        d->have_link = 1;
    }
    d->ip_ttl = s->ttl;
    /* A connection's first SYN of each side is copied as it is. */
    int syn_copy = (s->flags & EU_TCP_SYN) && s->len == 0 && !d->syn_written;
    DWORD rc = co_segment(r, c, side, s, t);
    if (rc == 0 && syn_copy) {
        d->syn_written = 1;
        rc = copy_frame(r, fd, t);
    }
    if (rc == 0 && (c->closed || (c->d[0].fin_written && c->d[1].fin_written)))
        co_free_conn(r, c); /* buffers only: late segments find an empty connection */
    return rc;
}

/* Connection i, in order of creation. */
static co_conn_t *conn_at(struct co_run *r, uint32_t i)
{
    return eu_vec_at(&r->conns.recs, i);
}

static void free_all(struct co_run *r)
{
    for (uint32_t i = 0; i < r->conns.recs.len; i++)
        co_free_conn(r, conn_at(r, i));
    eu_conns_free(r->key, &r->conns);
    if (r->scratch != NULL)
        ExpertFreeMemory(r->key, r->scratch);
    eu_vec_free(r->key, &r->conv);
    r->scratch = NULL;
}

/* Puts the output in place when `keep`, else abandons it (the output path
 * is then untouched). */
static DWORD finish_file(struct co_run *r, int keep)
{
    if (r->w == NULL)
        return 0;
    DWORD rc = keep ? NmxCaptureWriterClose(r->w) : NmxCaptureWriterDiscard(r->w);
    r->w = NULL;
    if (keep && rc != 0)
        snprintf(r->error, sizeof r->error, "finishing %s failed (NMERR %lu: %s)", r->set.output,
                 (unsigned long)rc, NmxCaptureWriterError());
    return rc;
}

static DWORD open_file(struct co_run *r, uint32_t first_linktype)
{
    r->linktype = output_linktype(first_linktype);
    DWORD rc = NmxCaptureWriterOpen(r->set.output, (DWORD)r->format, r->linktype, &r->w);
    if (rc != 0) {
        r->w = NULL;
        snprintf(r->error, sizeof r->error, "cannot write the output file %s (NMERR %lu): %s",
                 r->set.output, (unsigned long)rc, NmxCaptureWriterError());
    }
    return rc;
}

static DWORD report(struct co_run *r)
{
    eu_event_t ev = {NULL};
    DWORD rc = eu_event_init(r->key, &ev, EXPERT_NAME, 1);
    if (rc != 0)
        return rc;
    eu_event_row(&ev, 1);
    ev.ev->szEventName = (LPSTR) "Coalesce summary";
    eu_col_u64(&ev, "Frames Read", r->st.frames);
    eu_col_u64(&ev, "Transactions Coalesced", r->st.transactions);
    eu_col_u64(&ev, "Frames Written", r->st.written);
    eu_col_str(&ev, "Output File", r->configured);
    eu_col_str(&ev, "Format", r->format == NMX_WRITER_NETMON2 ? "netmon2" : "pcap");
    eu_col_u64(&ev, "TCP Segments", r->st.tcp);
    eu_col_u64(&ev, "Connections", r->st.connections);
    eu_col_u64(&ev, "Frames Copied", r->st.copied);
    eu_col_u64(&ev, "Frames Converted", r->st.converted);
    eu_col_u64(&ev, "Frames Dropped", r->st.dropped);
    eu_col_u64(&ev, "Bytes Missing", r->st.gap_bytes);
    rc = eu_event_submit(r->key, &ev);
    eu_event_free(r->key, &ev);
    return rc;
}

/* How the reports of shards merge (netmon.h, docs/scale.md): one summary,
 * its counts added up.  (Each shard writes its own capture, OUTPUT with
 * .shard-K-of-N before the extension; the summary names OUTPUT as set.) */
NMX_EXPERT_EXPORT const char NmxExpertMerge[] = "1:Frames Read=sum\n"
                                                "1:Transactions Coalesced=sum\n"
                                                "1:Frames Written=sum\n"
                                                "1:Output File=same\n"
                                                "1:Format=same\n"
                                                "1:TCP Segments=sum\n"
                                                "1:Connections=sum\n"
                                                "1:Frames Copied=sum\n"
                                                "1:Frames Converted=sum\n"
                                                "1:Frames Dropped=sum\n"
                                                "1:Bytes Missing=sum\n";

/* One frame (eu_walk callback): opens the output at the first frame, then
 * coalesces a TCP segment or copies the frame. */
static DWORD run_frame(void *ctx, EXPERTFRAMEDESCRIPTOR *fd)
{
    struct co_run *r = ctx;
    DWORD rc;
    if (r->w == NULL && (rc = open_file(r, NmxGetFrameLinkType(fd->hFrame))) != 0)
        return rc;
    r->st.frames++;
    r->t = NmxGetFrameTime(fd->hFrame);
    eu_tcpseg_t s;
    if (eu_l4_segment(&r->ids, fd, r->ids.tcp, &s))
        return tcp_frame(r, fd, &s, r->t);
    return copy_frame(r, fd, r->t);
}

/* The output name of a shard ("out.pcap" -> "out.shard-2-of-8.pcap"), in
 * r->set.output; FALSE (reported) when it does not fit. */
static BOOL shard_output(struct co_run *r, DWORD flags)
{
    DWORD shard_k = 1, shard_n = 1;
    if (!(flags & NMX_EXPERT_STARTUP_FLAG_SHARD) || NmxExpertGetShard(r->key, &shard_k, &shard_n) != 0 ||
        shard_n <= 1)
        return TRUE;
    const char *slash = strrchr(r->configured, '/'), *dot = strrchr(r->configured, '.');
    size_t stem = dot != NULL && (slash == NULL || dot > slash + 1) ? (size_t)(dot - r->configured)
                                                                    : strlen(r->configured);
    int n = snprintf(r->set.output, sizeof r->set.output, "%.*s.shard-%lu-of-%lu%s", (int)stem, r->configured,
                     (unsigned long)shard_k, (unsigned long)shard_n, r->configured + stem);
    if (n < 0 || (size_t)n >= sizeof r->set.output) {
        eu_problem(r->key, NMERR_INVALID_PARAMETER, 0, "coalesce: the output name is too long for a shard's name");
        return FALSE;
    }
    return TRUE;
}

/* The start of a run: the settings read and checked, then the run state
 * made; NULL after reporting why not. */
static struct co_run *run_new(HEXPERTKEY key, const EXPERTCONFIG *cfg, DWORD flags, PEXPERTSTARTUPINFO si)
{
    settings_t set;
    if (!eu_run_begin(key, "reading the settings", read_settings(cfg, &set) == 0 ? NULL : set.error))
        return NULL;
    struct co_run *r = eu_run_alloc(key, sizeof *r);
    if (r == NULL)
        return NULL;
    r->key = key;
    r->set = set;
    eu_walk_init(&r->walk, key, si);
    eu_vec_init(&r->conv, 1, 2048);
    if (r->set.output[0] == '\0') {
        eu_problem(key, NMERR_INVALID_PARAMETER, 0,
                   "no output file: set one with --set coalesce.output=FILE (.cap: NetMon 2, else pcap)");
        ExpertFreeMemory(key, r);
        return NULL;
    }
    r->format = output_format(&r->set);
    memcpy(r->configured, r->set.output, sizeof r->configured);
    if (!shard_output(r, flags)) {
        ExpertFreeMemory(key, r);
        return NULL;
    }
    eu_tcp_ids_init(&r->ids);
    r->arp = eu_protocol_id("arp");
    return r;
}

/* The walk, the connections' last transactions, the file and the summary. */
static DWORD run_all(struct co_run *r)
{
    DWORD err = 0;
    DWORD rc = eu_conns_init(r->key, &r->conns, sizeof(co_conn_t));
    if (rc != 0)
        return rc;
    if ((r->scratch = ExpertAllocMemory(r->key, CO_HEADROOM + 16, &err)) == NULL)
        return err != 0 ? err : NMERR_OUT_OF_MEMORY;
    if ((rc = eu_walk(&r->walk, run_frame, r)) != 0)
        return rc;
    if (r->w == NULL && (rc = open_file(r, LT_ETHERNET)) != 0)
        return rc;
    for (uint32_t i = 0; i < r->conns.recs.len; i++) {
        co_conn_t *c = conn_at(r, i);
        if (!c->closed && (rc = co_flush_conn(r, c, r->t)) != 0)
            return rc;
        co_free_conn(r, c);
    }
    if ((rc = finish_file(r, 1)) != 0)
        return rc;
    return report(r);
}

NMX_EXPERT_EXPORT BOOL WINAPI Run(HEXPERTKEY key, PEXPERTCONFIG pConfig, PEXPERTSTARTUPINFO si,
                                  DWORD flags, HWND hwnd)
{
    (void)hwnd;
    struct co_run *r = run_new(key, pConfig, flags, si);
    if (r == NULL)
        return FALSE;
    DWORD rc = run_all(r);
    if (rc != 0)
        finish_file(r, 0);
    if (rc != 0 && rc != NMERR_EXPERT_TERMINATE) {
        if (r->error[0] != '\0')
            eu_problem(key, rc, r->walk.pct, "%s; %s not written", r->error, r->set.output);
        else
            eu_problem(key, rc, r->walk.pct, "stopped at frame %lu: %s (NMERR %lu); %s not written",
                       (unsigned long)r->walk.last + 1, eu_nmerr_text(rc), (unsigned long)rc, r->set.output);
    }
    free_all(r);
    ExpertFreeMemory(key, r);
    return rc == 0;
}
