/*
 * expert_util.h - small helpers shared by the built-in experts, header-only
 * so that every expert stays one module using only <netmon.h> and libc.
 *
 *  - settings: parse the "KEY=VALUE" lines of RawConfigData;
 *  - memory: growable arrays and an open-addressing hash table that live in
 *    the expert heap (ExpertAllocMemory/ExpertReallocMemory), so the host
 *    reclaims them if the expert fails;
 *  - events: build and submit NMEVENTDATA rows column by column;
 *  - progress: report the integer percentage when it changes;
 *  - frames: walk the capture with ExpertGetFrame, polling termination.
 *
 * Every function that can fail returns an NMERR code (0 = success); on
 * NMERR_EXPERT_TERMINATE the caller must clean up and return at once.
 */
#ifndef NMX_EXPERT_UTIL_H
#define NMX_EXPERT_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netmon.h>

#if defined(__GNUC__)
#define EU_UNUSED __attribute__((unused))
#else
#define EU_UNUSED
#endif

/* ---- registration ------------------------------------------------------ */

/* Fills EXPERTENUMINFO as every built-in expert does: its display name, the
 * vendor "nmexpert", a one-line description, version 1, configurable. */
EU_UNUSED static BOOL eu_register(PEXPERTENUMINFO info, const char *name, const char *description)
{
    snprintf(info->szName, sizeof info->szName, "%s", name);
    snprintf(info->szVendor, sizeof info->szVendor, "nmexpert");
    snprintf(info->szDescription, sizeof info->szDescription, "%s", description);
    info->Version = 1;
    info->Flags = EXPERT_ENUM_FLAG_CONFIGURABLE;
    return TRUE;
}

/* ---- settings --------------------------------------------------------- */

/* Calls fn(ctx, key, value) for each "KEY=VALUE" line of the configuration;
 * returns the first non-zero value fn returns, or 0.  Blank lines and lines
 * starting with '#' are skipped; spaces around keys and values are trimmed.
 * Keys and values are at most 255 bytes (longer lines are an error: -1). */
typedef int (*eu_setting_fn)(void *ctx, const char *key, const char *value);

EU_UNUSED static int eu_parse_settings(const EXPERTCONFIG *cfg, eu_setting_fn fn, void *ctx)
{
    if (cfg == NULL || cfg->RawConfigLength <= sizeof(DWORD))
        return 0;
    const char *p = (const char *)cfg->RawConfigData;
    const char *end = p + (cfg->RawConfigLength - sizeof(DWORD));
    while (p < end && *p != '\0') {
        const char *nl = p;
        while (nl < end && *nl != '\n' && *nl != '\0')
            nl++;
        const char *a = p, *b = nl;
        while (a < b && (*a == ' ' || *a == '\t' || *a == '\r'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r'))
            b--;
        if (a < b && *a != '#') {
            const char *eq = memchr(a, '=', (size_t)(b - a));
            char key[256], value[256];
            if (eq == NULL)
                return -1;
            const char *ke = eq, *vs = eq + 1;
            while (ke > a && (ke[-1] == ' ' || ke[-1] == '\t'))
                ke--;
            while (vs < b && (*vs == ' ' || *vs == '\t'))
                vs++;
            if ((size_t)(ke - a) >= sizeof key || (size_t)(b - vs) >= sizeof value || ke == a)
                return -1;
            memcpy(key, a, (size_t)(ke - a));
            key[ke - a] = '\0';
            memcpy(value, vs, (size_t)(b - vs));
            value[b - vs] = '\0';
            int rc = fn(ctx, key, value);
            if (rc != 0)
                return rc;
        }
        p = nl < end ? nl + 1 : end;
    }
    return 0;
}

/* Parses an unsigned decimal number that fills the whole string. */
EU_UNUSED static int eu_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (s == NULL || *s == '\0')
        return 0;
    uint64_t v = 0;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > (max - (uint64_t)(*s - '0')) / 10)
            return 0;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 1;
}

/* ---- memory ------------------------------------------------------------- */

/* A growable array of `size`-byte elements in the expert heap. */
typedef struct eu_vec {
    void *data;
    size_t len;   /* elements in use */
    size_t cap;   /* elements allocated */
    size_t size;  /* bytes per element */
} eu_vec_t;

/* Makes room for one more element and returns it (zero-filled), or NULL
 * with *err set (19 no memory, 125 terminate). */
EU_UNUSED static void *eu_vec_push(HEXPERTKEY key, eu_vec_t *v, DWORD *err)
{
    if (v->len == v->cap) {
        size_t cap = v->cap > 0 ? v->cap * 2 : 64;
        if (cap > SIZE_MAX / v->size) {
            *err = NMERR_OUT_OF_MEMORY;
            return NULL;
        }
        void *p = v->data == NULL ? ExpertAllocMemory(key, cap * v->size, err)
                                  : ExpertReallocMemory(key, v->data, cap * v->size, err);
        if (p == NULL)
            return NULL;
        v->data = p;
        v->cap = cap;
    }
    *err = 0;
    return (uint8_t *)v->data + v->size * v->len++;
}

EU_UNUSED static void eu_vec_free(HEXPERTKEY key, eu_vec_t *v)
{
    if (v->data != NULL)
        ExpertFreeMemory(key, v->data);
    v->data = NULL;
    v->len = v->cap = 0;
}

/*
 * An open-addressing hash table of fixed-size entries whose first
 * `keysize` bytes are the key, in the expert heap.  Entries are zero until
 * first inserted; an entry is in use when its `used` byte (the byte right
 * after the key) is non-zero - eu_map_get() sets it.
 */
typedef struct eu_map {
    uint8_t *slots;
    size_t cap;      /* slots, a power of two */
    size_t len;      /* slots in use */
    size_t keysize;  /* bytes of key at the start of an entry */
    size_t size;     /* bytes per entry (key + used byte + value) */
} eu_map_t;

/* FNV-1a over the key bytes. */
EU_UNUSED static uint64_t eu_hash(const void *key, size_t n)
{
    const uint8_t *p = key;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

EU_UNUSED static DWORD eu_map_init(HEXPERTKEY key, eu_map_t *m, size_t keysize, size_t size)
{
    DWORD err = 0;
    memset(m, 0, sizeof *m);
    m->keysize = keysize;
    m->size = size;
    m->cap = 256;
    m->slots = ExpertAllocMemory(key, m->cap * m->size, &err);
    return m->slots == NULL ? err : 0;
}

/* Looks the key up; with `create`, inserts a zeroed entry when absent.
 * Returns the entry, or NULL (absent, or *err set when growing failed). */
EU_UNUSED static void *eu_map_get(HEXPERTKEY key, eu_map_t *m, const void *k, int create, DWORD *err)
{
    *err = 0;
    if (create && (m->len + 1) * 4 > m->cap * 3) {
        size_t ncap = m->cap * 2;
        uint8_t *ns = ExpertAllocMemory(key, ncap * m->size, err);
        if (ns == NULL)
            return NULL;
        for (size_t i = 0; i < m->cap; i++) {
            uint8_t *e = m->slots + i * m->size;
            if (!e[m->keysize])
                continue;
            size_t j = (size_t)eu_hash(e, m->keysize) & (ncap - 1);
            while (ns[j * m->size + m->keysize])
                j = (j + 1) & (ncap - 1);
            memcpy(ns + j * m->size, e, m->size);
        }
        ExpertFreeMemory(key, m->slots);
        m->slots = ns;
        m->cap = ncap;
    }
    size_t i = (size_t)eu_hash(k, m->keysize) & (m->cap - 1);
    for (;;) {
        uint8_t *e = m->slots + i * m->size;
        if (!e[m->keysize]) {
            if (!create)
                return NULL;
            memcpy(e, k, m->keysize);
            e[m->keysize] = 1;
            m->len++;
            return e;
        }
        if (memcmp(e, k, m->keysize) == 0)
            return e;
        i = (i + 1) & (m->cap - 1);
    }
}

/* Calls fn(ctx, entry) for every entry in use. */
EU_UNUSED static void eu_map_each(eu_map_t *m, void (*fn)(void *ctx, void *entry), void *ctx)
{
    for (size_t i = 0; i < m->cap; i++) {
        uint8_t *e = m->slots + i * m->size;
        if (e[m->keysize])
            fn(ctx, e);
    }
}

EU_UNUSED static void eu_map_free(HEXPERTKEY key, eu_map_t *m)
{
    if (m->slots != NULL)
        ExpertFreeMemory(key, m->slots);
    memset(m, 0, sizeof *m);
}

/* ---- events ----------------------------------------------------------------- */

#define EU_MAX_COLUMNS 16

/* One event under construction; reuse it for many rows (the host copies). */
typedef struct eu_event {
    NMEVENTDATA *ev;   /* in the expert heap, room for EU_MAX_COLUMNS columns */
} eu_event_t;

EU_UNUSED static DWORD eu_event_init(HEXPERTKEY key, eu_event_t *e, const char *source, DWORD ident)
{
    DWORD err = 0;
    e->ev = ExpertAllocMemory(key, sizeof(NMEVENTDATA) + EU_MAX_COLUMNS * sizeof(NMCOLUMNINFO), &err);
    if (e->ev == NULL)
        return err;
    e->ev->EventIdent = ident;
    e->ev->Flags = NMEVENTFLAG_EXPERT | NMEVENTFLAG_DO_NOT_DISPLAY_FIXED_COLUMNS;
    e->ev->Severity = NMEVENT_SEVERITY_INFORMATIONAL;
    e->ev->szSourceName = (LPSTR)source;
    return 0;
}

/* Starts a new row: no columns, the given ident. */
EU_UNUSED static void eu_event_row(eu_event_t *e, DWORD ident)
{
    e->ev->EventIdent = ident;
    e->ev->NumColumns = 0;
}

/* Appends a column; returns its variant for the caller to fill. */
EU_UNUSED static NMCOLUMNVARIANT *eu_col(eu_event_t *e, const char *name, NMCOLUMNTYPE type)
{
    if (e->ev->NumColumns >= EU_MAX_COLUMNS)
        return &e->ev->Column[EU_MAX_COLUMNS - 1].VariantData; /* never: callers stay below */
    NMCOLUMNINFO *c = &e->ev->Column[e->ev->NumColumns++];
    memset(c, 0, sizeof *c);
    c->szColumnName = (LPSTR)name;
    c->VariantData.Type = type;
    return &c->VariantData;
}

EU_UNUSED static void eu_col_u32(eu_event_t *e, const char *name, DWORD v)
{
    eu_col(e, name, NMCOLUMNTYPE_UINT32)->Value.Uint32Val = v;
}
EU_UNUSED static void eu_col_u16(eu_event_t *e, const char *name, WORD v)
{
    eu_col(e, name, NMCOLUMNTYPE_UINT16)->Value.Uint16Val = v;
}
EU_UNUSED static void eu_col_f64(eu_event_t *e, const char *name, double v)
{
    eu_col(e, name, NMCOLUMNTYPE_FLOAT64)->Value.Float64Val = v;
}
EU_UNUSED static void eu_col_str(eu_event_t *e, const char *name, const char *v)
{
    eu_col(e, name, NMCOLUMNTYPE_STRING)->Value.pStringVal = v;
}
EU_UNUSED static void eu_col_frame(eu_event_t *e, const char *name, DWORD frame)
{
    eu_col(e, name, NMCOLUMNTYPE_FRAME)->Value.FrameVal = frame;
}
EU_UNUSED static void eu_col_ip(eu_event_t *e, const char *name, const BYTE ip[4])
{
    memcpy(&eu_col(e, name, NMCOLUMNTYPE_IPADDR)->Value.IPAddrVal, ip, 4);
}
EU_UNUSED static void eu_col_mac(eu_event_t *e, const char *name, const BYTE mac[6])
{
    memcpy(eu_col(e, name, NMCOLUMNTYPE_MACADDR)->Value.MACAddrVal, mac, 6);
}

EU_UNUSED static DWORD eu_event_submit(HEXPERTKEY key, eu_event_t *e)
{
    return ExpertSubmitEvent(key, e->ev);
}

EU_UNUSED static void eu_event_free(HEXPERTKEY key, eu_event_t *e)
{
    if (e->ev != NULL)
        ExpertFreeMemory(key, e->ev);
    e->ev = NULL;
}

/* ---- progress --------------------------------------------------------------- */

typedef struct eu_progress {
    DWORD total;   /* frames in the capture */
    LONG last;     /* last percentage reported */
} eu_progress_t;

/* Reports RUNNING with the percentage of frame `n` when it changed;
 * returns ExpertIndicateStatus's code (125: stop). */
EU_UNUSED static DWORD eu_progress(HEXPERTKEY key, eu_progress_t *p, DWORD n)
{
    LONG pct = p->total > 0 ? (LONG)((uint64_t)n * 100 / p->total) : 0;
    if (pct > 99)
        pct = 99;
    if (pct == p->last)
        return 0;
    p->last = pct;
    return ExpertIndicateStatus(key, EXPERTSTATUS_RUNNING, 0, "", pct);
}

/*
 * One step of the forward walk every expert makes: the next frame after
 * *last that passes the user's display filter, remembered in *last, with the
 * progress reported.  Returns 0 with *fd filled, NMERR_OUT_OF_RANGE after the
 * last frame, or the error (NMERR_EXPERT_TERMINATE: clean up and return).
 * Start with *last = (DWORD)-1.
 */
EU_UNUSED static DWORD eu_next_frame(HEXPERTKEY key, eu_progress_t *p, DWORD *last,
                                     LPEXPERTFRAMEDESCRIPTOR fd)
{
    DWORD rc = ExpertGetFrame(key, GET_FRAME_NEXT_FORWARD, FLAGS_DEFER_TO_UI_FILTER, *last, NULL, fd);
    if (rc != NMERR_SUCCESS)
        return rc;
    *last = fd->FrameNumber;
    return eu_progress(key, p, *last);
}

/* ---- protocols -------------------------------------------------------------- */

/* The ProtocolID (as in RECOGNIZEDATA) of a protocol name, or 0xFFFF. */
EU_UNUSED static WORD eu_protocol_id(const char *name)
{
    HPROTOCOL h = GetProtocolFromName((LPSTR)name);
    LPPROTOCOLINFO info = h != NULL ? GetProtocolInfo(h) : NULL;
    return info != NULL ? (WORD)info->ProtocolID : 0xFFFF;
}

/* Offset of the first instance of protocol `id` in a recognize table, or -1. */
EU_UNUSED static long eu_offset(const RECOGNIZEDATATABLE *t, WORD id)
{
    if (t == NULL)
        return -1;
    for (WORD i = 0; i < t->nRecognizeDatas; i++)
        if (t->RecognizeData[i].ProtocolID == id)
            return t->RecognizeData[i].nProtocolOffset;
    return -1;
}

/* Big-endian loads from frame bytes (frames carry no alignment). */
EU_UNUSED static uint16_t eu_be16(const BYTE *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}
EU_UNUSED static uint32_t eu_be32(const BYTE *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
EU_UNUSED static uint16_t eu_le16(const BYTE *p)
{
    return (uint16_t)(p[1] << 8 | p[0]);
}
EU_UNUSED static uint32_t eu_le32(const BYTE *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}
EU_UNUSED static uint64_t eu_le64(const BYTE *p)
{
    return (uint64_t)eu_le32(p + 4) << 32 | eu_le32(p);
}

/* ---- reporting problems ----------------------------------------------------- */

#include <stdarg.h>

/* Reports EXPERTSTATUS_PROBLEM with an NMERR sub-status and a formatted text
 * (what a Run does just before it returns FALSE).  Returns `code`. */
EU_UNUSED static DWORD eu_problem(HEXPERTKEY key, DWORD code, LONG pct, const char *fmt, ...)
{
    char text[EXPERTSTRINGLENGTH];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    ExpertIndicateStatus(key, EXPERTSTATUS_PROBLEM, code, text, pct >= 0 && pct <= 99 ? pct : 0);
    return code;
}

/* ---- configuration text ------------------------------------------------------ */

/* Replaces the configuration *ppConfig (NULL or an expert-heap block) with
 * `text` as RawConfigData, NUL included, as Configure hands it back to the
 * host.  Returns 0 or an NMERR code (19, 125); *ppConfig is unchanged on
 * failure. */
EU_UNUSED static DWORD eu_config_store(HEXPERTKEY key, PEXPERTCONFIG *ppConfig, const char *text)
{
    DWORD err = 0;
    size_t n = strlen(text) + 1;
    size_t total = sizeof(DWORD) + n;
    PEXPERTCONFIG c = *ppConfig == NULL ? ExpertAllocMemory(key, total, &err)
                                        : ExpertReallocMemory(key, *ppConfig, total, &err);
    if (c == NULL)
        return err != 0 ? err : NMERR_OUT_OF_MEMORY;
    c->RawConfigLength = (DWORD)total;
    memcpy(c->RawConfigData, text, n);
    *ppConfig = c;
    return 0;
}

/* Appends "key=value\n" to a text buffer of `cap` bytes (truncating). */
EU_UNUSED static void eu_config_line(char *buf, size_t cap, const char *k, const char *v)
{
    size_t len = strlen(buf);
    if (len < cap)
        snprintf(buf + len, cap - len, "%s=%s\n", k, v);
}

/* Case-insensitive ASCII comparison of two whole strings. */
EU_UNUSED static int eu_streq_nocase(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        char x = (char)(*a >= 'A' && *a <= 'Z' ? *a + 32 : *a);
        char y = (char)(*b >= 'A' && *b <= 'Z' ? *b + 32 : *b);
        if (x != y)
            return 0;
    }
    return *a == *b;
}

/* ---- more column kinds ------------------------------------------------------- */

/* A 64-bit unsigned column (nmexpert SDK 1.1). */
EU_UNUSED static void eu_col_u64(eu_event_t *e, const char *name, uint64_t v)
{
    eu_col(e, name, NMX_COLUMNTYPE_UINT64)->Value.Uint64Val = v;
}

/* A count or byte total: a UINT64 column (nmexpert SDK 1.1), whatever its
 * value, so that its type is the same in every report. */
EU_UNUSED static void eu_col_count(eu_event_t *e, const char *name, uint64_t v, int wide)
{
    /* Always 64-bit (nmexpert SDK 1.1): the column's type does not change
     * with its values.  `wide` is kept for source compatibility. */
    (void)wide;
    eu_col_u64(e, name, v);
}

EU_UNUSED static void eu_col_i32(eu_event_t *e, const char *name, int32_t v)
{
    eu_col(e, name, NMCOLUMNTYPE_SINT32)->Value.Sint32Val = v;
}

/* ---- address text --------------------------------------------------------------- */

/* An IPv6 address in RFC 5952 form (lower-case hex, leading zeros dropped,
 * the first longest run of two or more zero groups as "::", dotted IPv4 for
 * ::ffff:0:0/96 as tshark and inet_ntop print it).  out: 46 bytes. */
EU_UNUSED static void eu_format_ipv6(const BYTE a[16], char out[46])
{
    unsigned g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    int best = -1, bestlen = 1;
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > bestlen) {
            best = i;
            bestlen = j - i;
        }
        i = j;
    }
    size_t n = 0;
    const size_t cap = 46;
    int v4 = best == 0 && (bestlen == 6 || (bestlen == 5 && g[5] == 0xffff));
    int stop = v4 ? 6 : 8;
    for (int i = 0; i < stop; i++) {
        if (i == best) {
            n += (size_t)snprintf(out + n, cap - n, i == 0 ? "::" : ":");
            i += bestlen - 1;
            continue;
        }
        n += (size_t)snprintf(out + n, cap - n, "%x%s", g[i], i + 1 < stop ? ":" : "");
    }
    if (v4) {
        if (n > 0 && out[n - 1] != ':')
            n += (size_t)snprintf(out + n, cap - n, ":");
        snprintf(out + n, cap - n, "%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
    }
}

/* "00:11:22:33:44:55".  out: 18 bytes. */
EU_UNUSED static void eu_format_mac(const BYTE a[6], char out[18])
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* ---- the capture's protocols ------------------------------------------------------ */

/* The Wireshark-style name (PROTOCOLINFO.ProtocolName) of every protocol the
 * capture's parsers know, indexed by ProtocolID.  names[id] is NULL for an
 * id no protocol has.  *count = highest id + 1.  The strings belong to the
 * host (valid while the capture is open); the array is in the expert heap
 * (free it with ExpertFreeMemory).  Returns 0 or an NMERR code. */
EU_UNUSED static DWORD eu_protocol_names(HEXPERTKEY key, HCAPTURE cap, const char ***names, size_t *count)
{
    DWORD err = 0;
    *names = NULL;
    *count = 0;
    LPPROTOCOLTABLE t = GetEnabledProtocols(cap);
    if (t == NULL)
        return BhGetLastError() != 0 ? BhGetLastError() : NMERR_NO_PROTOCOLS_ENABLED;
    size_t n = 1;
    for (DWORD i = 0; i < t->nProtocols; i++) {
        LPPROTOCOLINFO pi = GetProtocolInfo(t->hProtocol[i]);
        if (pi != NULL && pi->ProtocolID + 1u > n)
            n = pi->ProtocolID + 1u;
    }
    if (n > 0x10000)
        n = 0x10000; /* RECOGNIZEDATA.ProtocolID is a WORD */
    const char **a = ExpertAllocMemory(key, n * sizeof *a, &err);
    if (a == NULL)
        return err;
    for (DWORD i = 0; i < t->nProtocols; i++) {
        LPPROTOCOLINFO pi = GetProtocolInfo(t->hProtocol[i]);
        if (pi != NULL && pi->ProtocolID < n)
            a[pi->ProtocolID] = (const char *)pi->ProtocolName;
    }
    *names = a;
    *count = n;
    return 0;
}

/* ---- TCP segments (tcpretrans, resptime, coalesce) ---------------------------- */

#define EU_TCP_FIN 0x01
#define EU_TCP_SYN 0x02
#define EU_TCP_RST 0x04
#define EU_TCP_PSH 0x08
#define EU_TCP_ACK 0x10

/* The protocol ids the TCP decoder needs, resolved once per run. */
typedef struct eu_tcp_ids {
    WORD ip, ipv6, tcp, udp, icmp, icmpv6;
} eu_tcp_ids_t;

EU_UNUSED static void eu_tcp_ids_init(eu_tcp_ids_t *ids)
{
    ids->ip = eu_protocol_id("ip");
    ids->ipv6 = eu_protocol_id("ipv6");
    ids->tcp = eu_protocol_id("tcp");
    ids->udp = eu_protocol_id("udp");
    ids->icmp = eu_protocol_id("icmp");
    ids->icmpv6 = eu_protocol_id("icmpv6");
}

/* One TCP (or UDP) segment, decoded from the frame bytes.  Addresses are
 * in network order; an IPv4 address fills the first 4 bytes of 16. */
typedef struct eu_tcpseg {
    BYTE src[16];
    BYTE dst[16];
    uint8_t family;        /* 4 or 6 */
    uint8_t flags;         /* EU_TCP_* (TCP only) */
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
 * A TCP or UDP connection as a hash key, the same for both directions: the
 * lower (address, port) first.  eu_conn_key_of() also tells which side of
 * the key the segment's source is (0 = a/pa, 1 = b/pb).
 */
typedef struct eu_conn_key {
    BYTE a[16];
    BYTE b[16];
    uint16_t pa;
    uint16_t pb;
    uint8_t family;
    uint8_t pad[3];
} eu_conn_key_t;

/* An eu_map entry from a connection key to an index the expert keeps. */
typedef struct eu_conn_entry {
    eu_conn_key_t k;
    uint8_t used;          /* eu_map's in-use byte */
    uint8_t pad[3];
    uint32_t index;        /* the expert's index for this connection (its own convention) */
} eu_conn_entry_t;

EU_UNUSED static void eu_conn_key_of(const eu_tcpseg_t *s, eu_conn_key_t *k, int *side)
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

/*
 * Decodes the innermost IPv4/IPv6 + TCP (proto = ids->tcp) or UDP
 * (ids->udp) headers of a frame, using the offsets of its recognize table.
 * Returns 1 and fills *s, or 0 when the frame has no such segment or it
 * cannot be used: carried inside an ICMP error, an IP fragment (the
 * payload would be partial), or a header that is malformed or not captured
 * whole.
 */
EU_UNUSED static int eu_l4_segment(const eu_tcp_ids_t *ids, const EXPERTFRAMEDESCRIPTOR *fd, WORD proto,
                                   eu_tcpseg_t *s)
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
    uint32_t end; /* end of the IP payload, per the IP header */
    if (l3id == ids->ip) {
        if ((uint32_t)l3 + 20 > cap)
            return 0;
        const BYTE *h = f + l3;
        if ((eu_be16(h + 6) & 0x3FFF) != 0) /* MF or a fragment offset */
            return 0;
        uint32_t tot = eu_be16(h + 2);
        uint32_t room = fd->pFrame->FrameLength > (uint32_t)l3 ? fd->pFrame->FrameLength - (uint32_t)l3 : 0;
        if (tot == 0) /* segmentation offload: the frame's length, as tshark takes it */
            tot = room > 0xFFFF ? 0xFFFF : room;
        if (tot > room) /* longer than the frame: trimmed, as tshark does */
            tot = room;
        end = (uint32_t)l3 + tot;
        s->family = 4;
        memset(s->src, 0, sizeof s->src);
        memset(s->dst, 0, sizeof s->dst);
        memcpy(s->src, h + 12, 4);
        memcpy(s->dst, h + 16, 4);
    } else {
        if ((uint32_t)l3 + 40 > cap)
            return 0;
        const BYTE *h = f + l3;
        uint32_t plen = eu_be16(h + 4);
        if (plen == 0) /* jumbogram */
            return 0;
        /* Extension headers between IPv6 and the transport: no fragments. */
        uint8_t nh = h[6];
        uint32_t p = (uint32_t)l3 + 40;
        while (p < (uint32_t)l4) {
            if (nh == 44 || p + 2 > cap)
                return 0;
            uint32_t hl = nh == 51 ? ((uint32_t)f[p + 1] + 2) * 4 : ((uint32_t)f[p + 1] + 1) * 8;
            nh = f[p];
            p += hl;
        }
        end = (uint32_t)l3 + 40 + plen;
        if (end > fd->pFrame->FrameLength)
            end = fd->pFrame->FrameLength;
        s->family = 6;
        memcpy(s->src, h + 8, 16);
        memcpy(s->dst, h + 24, 16);
    }
    const BYTE *h = f + l4;
    uint32_t hl;
    if (proto == ids->tcp) {
        if ((uint32_t)l4 + 20 > cap)
            return 0;
        hl = (uint32_t)(h[12] >> 4) * 4;
        if (hl < 20 || (uint32_t)l4 + hl > cap)
            return 0;
        s->seq = eu_be32(h + 4);
        s->ack = eu_be32(h + 8);
        s->flags = h[13];
        s->window = eu_be16(h + 14);
    } else {
        if ((uint32_t)l4 + 8 > cap)
            return 0;
        hl = 8;
        s->seq = s->ack = 0;
        s->flags = 0;
        s->window = 0;
    }
    if (end < (uint32_t)l4 + hl)
        return 0;
    s->sport = eu_be16(h);
    s->dport = eu_be16(h + 2);
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

/* A 32-bit sequence number as a 64-bit stream position: the one nearest
 * `ref`, a position whose low 32 bits are a sequence number.  Start a
 * direction at (1 << 32) + seq so that positions never go below zero. */
EU_UNUSED static uint64_t eu_seq_unwrap(uint64_t ref, uint32_t seq)
{
    return ref + (uint64_t)(int64_t)(int32_t)(seq - (uint32_t)ref);
}

/* A short text for the NMERR codes a Run loop can meet. */
EU_UNUSED static const char *eu_nmerr_text(DWORD rc)
{
    switch (rc) {
    case NMERR_OUT_OF_MEMORY: return "out of memory: the expert heap or the event log is full (NMERR_OUT_OF_MEMORY)";
    case NMERR_FILTER_INVALID_EXPRESSION: return "the display filter is invalid (NMERR_FILTER_INVALID_EXPRESSION)";
    case NMERR_INVALID_HFILTER: return "invalid filter handle (NMERR_INVALID_HFILTER)";
    case NMERR_INVALID_PARAMETER: return "invalid parameter (NMERR_INVALID_PARAMETER)";
    case NMERR_FILE_WRITE_ERROR: return "write error (NMERR_FILE_WRITE_ERROR)";
    case NMERR_EXPERT_TERMINATE: return "terminated (NMERR_EXPERT_TERMINATE)";
    default: return "unexpected error from the host";
    }
}

/* An address as text: dotted IPv4, or IPv6 in RFC 5952 form.  out: 46 bytes. */
EU_UNUSED static void eu_format_addr(uint8_t family, const BYTE a[16], char out[46])
{
    if (family == 4)
        snprintf(out, 46, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    else
        eu_format_ipv6(a, out);
}

/* An address column: IPADDR for IPv4, STRING (RFC 5952) for IPv6; `text`
 * (46 bytes) holds the string until the event is submitted. */
EU_UNUSED static void eu_col_addr(eu_event_t *e, const char *name, uint8_t family, const BYTE a[16],
                                  char text[46])
{
    if (family == 4) {
        eu_col_ip(e, name, a);
    } else {
        eu_format_ipv6(a, text);
        eu_col_str(e, name, text);
    }
}

/* ---- sorting ---------------------------------------------------------------- */

/* Compares two elements: < 0 when a goes first.  ctx is eu_sort's. */
typedef int (*eu_cmp_fn)(const void *a, const void *b, void *ctx);

EU_UNUSED static void eu_swap_bytes(uint8_t *a, uint8_t *b, size_t size)
{
    while (size-- > 0) {
        uint8_t t = *a;
        *a++ = *b;
        *b++ = t;
    }
}

EU_UNUSED static void eu_sift(uint8_t *base, size_t root, size_t end, size_t size, eu_cmp_fn cmp, void *ctx)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= end)
            return;
        if (child + 1 < end && cmp(base + child * size, base + (child + 1) * size, ctx) < 0)
            child++;
        if (cmp(base + root * size, base + child * size, ctx) >= 0)
            return;
        eu_swap_bytes(base + root * size, base + child * size, size);
        root = child;
    }
}

/* Sorts n elements of `size` bytes in place, in cmp's order (heapsort: not
 * stable, O(n log n), and no allocation - qsort may call malloc, which an
 * expert must not, and has no context argument). */
EU_UNUSED static void eu_sort(void *base, size_t n, size_t size, eu_cmp_fn cmp, void *ctx)
{
    uint8_t *b = base;
    if (n < 2)
        return;
    for (size_t i = n / 2; i-- > 0;)
        eu_sift(b, i, n, size, cmp, ctx);
    for (size_t end = n - 1; end > 0; end--) {
        eu_swap_bytes(b, b + end * size, size);
        eu_sift(b, 0, end, size, cmp, ctx);
    }
}

/* ---- shards (nmexpert SDK 1.2) ------------------------------------------------- */

/* The EventIdent of the built-in experts' per-shard totals (their
 * NmxExpertMerge declares it "totals"; `nmexpert merge` drops it). */
#define EU_TOTALS_IDENT 999

/* Submits one totals event: the counts named, for `nmexpert merge`. */
EU_UNUSED static DWORD eu_submit_totals(HEXPERTKEY key, const char *source, const char *const *names,
                                        const uint64_t *values, unsigned n)
{
    eu_event_t ev = {0};
    DWORD err = eu_event_init(key, &ev, source, EU_TOTALS_IDENT);
    if (err != 0)
        return err;
    eu_event_row(&ev, EU_TOTALS_IDENT);
    ev.ev->szEventName = (LPSTR) "Shard totals";
    for (unsigned i = 0; i < n && i < EU_MAX_COLUMNS; i++)
        eu_col_u64(&ev, names[i], values[i]);
    err = eu_event_submit(key, &ev);
    eu_event_free(key, &ev);
    return err;
}

#endif /* NMX_EXPERT_UTIL_H */
