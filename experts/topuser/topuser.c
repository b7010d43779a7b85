/*
 * topuser.c - the Top Users expert (Topuser.dll, spec 8.3).
 *
 * One event per address: the frames and bytes (on-the-wire frame lengths)
 * it sent and received, for Ethernet MAC, IPv4 or IPv6 addresses.  The
 * figures are those of tshark -z endpoints,eth / endpoints,ip /
 * endpoints,ipv6: every header of the chosen kind in a frame counts (a
 * tunnelled packet counts for its outer and its inner addresses), except
 * the headers an ICMP error quotes, which tshark does not count.
 *
 * Addresses are read straight from the frame bytes at the offsets of the
 * recognize table that ExpertGetFrame returns with every frame; the
 * README explains why GetFrameSourceAddress is not used.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netmon.h>

#include "expert_util.h"

#define EXPERT_NAME "Top Users"

enum addr_kind { ADDR_MAC = 0, ADDR_IP, ADDR_IPV6 };
enum sort_key { SORT_FRAMES = 0, SORT_BYTES };

static const char *const kind_names[] = {"mac", "ip", "ipv6"};
static const char *const sort_names[] = {"frames", "bytes"};

typedef struct settings {
    int kind;          /* enum addr_kind */
    uint32_t count;    /* rows to report, 0 = all */
    int sort;          /* enum sort_key */
    unsigned given;    /* bit per setting present: 1 address, 2 count, 4 sort */
    char error[200];
} settings_t;

/* One address's figures; the first 16 bytes are the key (the address,
 * zero-padded), then eu_map's "used" byte. */
typedef struct entry {
    BYTE addr[16];
    BYTE used;
    BYTE pad[7];
    uint64_t frames_tx, bytes_tx;
    uint64_t frames_rx, bytes_rx;
} entry_t;

/* One KEY=VALUE setting (eu_parse_settings callback); non-zero when bad. */
static int set_one(void *ctx, const char *key, const char *value)
{
    settings_t *s = ctx;
    if (eu_streq_nocase(key, "address")) {
        for (int k = 0; k < 3; k++)
            if (eu_streq_nocase(value, kind_names[k])) {
                s->kind = k;
                s->given |= 1;
                return 0;
            }
        snprintf(s->error, sizeof s->error, "topuser: bad value '%s' for address (mac, ip or ipv6)", value);
        return 1;
    }
    if (eu_streq_nocase(key, "count")) {
        uint64_t v;
        if (!eu_parse_uint(value, UINT32_MAX, &v)) {
            snprintf(s->error, sizeof s->error,
                     "topuser: bad value '%s' for count (a number of addresses, 0 for all)", value);
            return 1;
        }
        s->count = (uint32_t)v;
        s->given |= 2;
        return 0;
    }
    if (eu_streq_nocase(key, "sort")) {
        for (int k = 0; k < 2; k++)
            if (eu_streq_nocase(value, sort_names[k])) {
                s->sort = k;
                s->given |= 4;
                return 0;
            }
        snprintf(s->error, sizeof s->error, "topuser: bad value '%s' for sort (frames or bytes)", value);
        return 1;
    }
    snprintf(s->error, sizeof s->error, "topuser: unknown setting '%s' (known: address, count, sort)", key);
    return 1;
}

/* Parses the configuration over the defaults; FALSE with s->error set. */
static BOOL parse_settings(const EXPERTCONFIG *cfg, settings_t *s)
{
    memset(s, 0, sizeof *s);
    s->kind = ADDR_MAC;
    s->count = 20;
    s->sort = SORT_FRAMES;
    int rc = eu_parse_settings(cfg, set_one, s);
    if (rc == -1)
        snprintf(s->error, sizeof s->error, "topuser: settings are KEY=VALUE lines");
    return rc == 0;
}

/* The settings, declared for `nmexpert list --settings` and checked before a run. */
NMX_EXPERT_EXPORT const NMX_EXPERT_SETTING NmxExpertSettings[] = {
    {"address", "mac", "mac|ip|ipv6", "which addresses to count"},
    {"count", "20", "0..4294967295", "addresses reported, the busiest first; 0 for all"},
    {"sort", "frames", "frames|bytes", "what busiest means: frames or bytes sent plus received"},
    {NULL, NULL, NULL, NULL},
};

BOOL WINAPI Register(PEXPERTENUMINFO pExpertInfo)
{
    return eu_register(pExpertInfo, EXPERT_NAME,
                       "Frames and bytes each MAC, IPv4 or IPv6 address sent and received");
}

/* Validates the settings and hands back their normalised text. */
BOOL WINAPI Configure(HEXPERTKEY hExpertKey, PEXPERTCONFIG *ppConfig, PEXPERTSTARTUPINFO pExpertStartupInfo,
                      DWORD StartupFlags, HWND hWnd)
{
    (void)pExpertStartupInfo;
    (void)StartupFlags;
    (void)hWnd;
    settings_t s;
    if (ppConfig == NULL || *ppConfig == NULL || !parse_settings(*ppConfig, &s))
        return FALSE;
    char text[128] = "", num[16];
    if (s.given & 1)
        eu_config_line(text, sizeof text, "address", kind_names[s.kind]);
    if (s.given & 2) {
        snprintf(num, sizeof num, "%lu", (unsigned long)s.count);
        eu_config_line(text, sizeof text, "count", num);
    }
    if (s.given & 4)
        eu_config_line(text, sizeof text, "sort", sort_names[s.sort]);
    return eu_config_store(hExpertKey, ppConfig, text) == 0;
}

/* Adds one frame of `len` bytes sent by `src` to `dst`. */
static DWORD count_pair(HEXPERTKEY key, eu_map_t *m, const BYTE *src, const BYTE *dst, size_t n, DWORD len)
{
    DWORD err = 0;
    BYTE k[16] = {0};
    memcpy(k, src, n);
    entry_t *e = eu_map_get(key, m, k, 1, &err);
    if (e == NULL)
        return err;
    e->frames_tx++;
    e->bytes_tx += len;
    memset(k, 0, sizeof k);
    memcpy(k, dst, n);
    e = eu_map_get(key, m, k, 1, &err);
    if (e == NULL)
        return err;
    e->frames_rx++;
    e->bytes_rx += len;
    return 0;
}

/* The protocol ids Run looks for. */
typedef struct ids {
    WORD want;          /* eth, ip or ipv6 */
    WORD icmp, icmpv6;  /* what follows them is quoted by an ICMP error */
} ids_t;

/* Counts the addresses of one frame. */
static DWORD count_frame(HEXPERTKEY key, eu_map_t *m, const ids_t *ids, int kind,
                         const EXPERTFRAMEDESCRIPTOR *fd)
{
    const RECOGNIZEDATATABLE *rt = fd->lpRecognizeDataTable;
    if (rt == NULL)
        return 0;
    const BYTE *data = (const BYTE *)fd->pFrame->MacFrame;
    DWORD caplen = fd->pFrame->nBytesAvail;
    DWORD len = fd->pFrame->FrameLength;
    for (WORD i = 0; i < rt->nRecognizeDatas; i++) {
        WORD id = rt->RecognizeData[i].ProtocolID;
        if (id == ids->icmp || id == ids->icmpv6)
            break; /* tshark's endpoint tables skip ICMP-quoted headers */
        if (id != ids->want)
            continue;
        DWORD off = rt->RecognizeData[i].nProtocolOffset;
        DWORD err = 0;
        switch (kind) {
        case ADDR_MAC: /* destination, source, type */
            if ((uint64_t)off + 14 <= caplen)
                err = count_pair(key, m, data + off + 6, data + off, 6, len);
            break;
        case ADDR_IP: /* source at 12, destination at 16 */
            if ((uint64_t)off + 20 <= caplen && (data[off] >> 4) == 4)
                err = count_pair(key, m, data + off + 12, data + off + 16, 4, len);
            break;
        default: /* source at 8, destination at 24 */
            if ((uint64_t)off + 40 <= caplen && (data[off] >> 4) == 6)
                err = count_pair(key, m, data + off + 8, data + off + 24, 16, len);
            break;
        }
        if (err != 0)
            return err;
    }
    return 0;
}

/* Collecting the map's entries into an array, for sorting. */
typedef struct collect {
    entry_t **rows;
    size_t n;
} collect_t;

static void collect_one(void *ctx, void *entry)
{
    collect_t *c = ctx;
    c->rows[c->n++] = entry;
}

/* Report order (ctx: the sort setting): frames sent + received, then
 * bytes (or bytes, then frames), then address bytes. */
static int row_cmp(const void *a, const void *b, void *ctx)
{
    const entry_t *x = *(entry_t *const *)a, *y = *(entry_t *const *)b;
    int sort_by = *(const int *)ctx;
    uint64_t fx = x->frames_tx + x->frames_rx, fy = y->frames_tx + y->frames_rx;
    uint64_t bx = x->bytes_tx + x->bytes_rx, by = y->bytes_tx + y->bytes_rx;
    uint64_t kx = sort_by == SORT_BYTES ? bx : fx, ky = sort_by == SORT_BYTES ? by : fy;
    if (kx != ky)
        return kx > ky ? -1 : 1;
    kx = sort_by == SORT_BYTES ? fx : bx;
    ky = sort_by == SORT_BYTES ? fy : by;
    if (kx != ky)
        return kx > ky ? -1 : 1;
    return memcmp(x->addr, y->addr, sizeof x->addr);
}

/* Submits the first `count` addresses (all with count=0), busiest first. */
static DWORD report(HEXPERTKEY key, eu_map_t *m, const settings_t *s)
{
    DWORD err = 0;
    if (m->len == 0)
        return 0;
    collect_t c = {ExpertAllocMemory(key, m->len * sizeof(entry_t *), &err), 0};
    if (c.rows == NULL)
        return err;
    eu_map_each(m, collect_one, &c);
    int sort_by = s->sort;
    eu_sort(c.rows, c.n, sizeof *c.rows, row_cmp, &sort_by);
    size_t nrows = s->count == 0 || s->count > c.n ? c.n : s->count;
    /* A column is FLOAT64 in every row when one row needs more than 32 bits. */
    uint64_t max_bytes = 0, max_frames = 0;
    for (size_t i = 0; i < nrows; i++) {
        const entry_t *e = c.rows[i];
        max_bytes = e->bytes_tx > max_bytes ? e->bytes_tx : max_bytes;
        max_bytes = e->bytes_rx > max_bytes ? e->bytes_rx : max_bytes;
        max_frames = e->frames_tx > max_frames ? e->frames_tx : max_frames;
        max_frames = e->frames_rx > max_frames ? e->frames_rx : max_frames;
    }
    int wide = max_bytes > UINT32_MAX, wide_frames = max_frames > UINT32_MAX;
    eu_event_t ev = {0};
    err = eu_event_init(key, &ev, EXPERT_NAME, 1);
    char text[46];
    for (size_t i = 0; i < nrows && err == 0; i++) {
        const entry_t *e = c.rows[i];
        eu_event_row(&ev, 1);
        if (s->kind == ADDR_MAC) {
            eu_col_mac(&ev, "Address", e->addr);
        } else if (s->kind == ADDR_IP) {
            eu_col_ip(&ev, "Address", e->addr);
        } else {
            eu_format_ipv6(e->addr, text);
            eu_col_str(&ev, "Address", text);
        }
        eu_col_count(&ev, "Frames Sent", e->frames_tx, wide_frames);
        eu_col_count(&ev, "Bytes Sent", e->bytes_tx, wide);
        eu_col_count(&ev, "Frames Received", e->frames_rx, wide_frames);
        eu_col_count(&ev, "Bytes Received", e->bytes_rx, wide);
        err = eu_event_submit(key, &ev);
    }
    eu_event_free(key, &ev);
    ExpertFreeMemory(key, c.rows);
    return err;
}

/* How the reports of shards merge (netmon.h, docs/scale.md): counts add
 * up per address; the top `count` are cut after the merge, so a shard
 * reports every address. */
NMX_EXPERT_EXPORT const char NmxExpertMerge[] =
    "1:Address=key\n"
    "1:Frames Sent=sum\n"
    "1:Bytes Sent=sum\n"
    "1:Frames Received=sum\n"
    "1:Bytes Received=sum\n"
    "1:=order sort=frames*,-Frames Sent+Frames Received,-Bytes Sent+Bytes Received,+Address\n"
    "1:=order sort=bytes,-Bytes Sent+Bytes Received,-Frames Sent+Frames Received,+Address\n"
    "1:=limit count,20\n";

BOOL WINAPI Run(HEXPERTKEY hExpertKey, PEXPERTCONFIG pConfig, PEXPERTSTARTUPINFO pExpertStartupInfo,
                DWORD StartupFlags, HWND hWndParent)
{
    (void)hWndParent;
    HEXPERTKEY key = hExpertKey;
    DWORD err = ExpertIndicateStatus(key, EXPERTSTATUS_STARTING, 0, "counting addresses", 0);
    if (err != 0)
        return FALSE;
    settings_t s;
    if (!parse_settings(pConfig, &s)) {
        eu_problem(key, NMERR_INVALID_PARAMETER, 0, "%s", s.error);
        return FALSE;
    }
    if (StartupFlags & NMX_EXPERT_STARTUP_FLAG_SHARD)
        s.count = 0; /* every address: `nmexpert merge` cuts the top N */
    if (pExpertStartupInfo == NULL || pExpertStartupInfo->hCapture == NULL) {
        eu_problem(key, NMERR_INVALID_HCAPTURE, 0, "topuser: no capture");
        return FALSE;
    }
    static const char *const proto_of[] = {"eth", "ip", "ipv6"};
    ids_t ids = {eu_protocol_id(proto_of[s.kind]), eu_protocol_id("icmp"), eu_protocol_id("icmpv6")};
    if (ids.want == 0xFFFF) {
        eu_problem(key, NMERR_PROTOCOL_NOT_FOUND, 0, "topuser: the parsers do not know %s", proto_of[s.kind]);
        return FALSE;
    }

    eu_map_t m;
    eu_progress_t prog = {GetCaptureTotalFrames(pExpertStartupInfo->hCapture), -1};
    err = eu_map_init(key, &m, 16, sizeof(entry_t));
    if (err != 0)
        goto out;
    err = ExpertIndicateStatus(key, EXPERTSTATUS_RUNNING, 0, "", 0);
    if (err != 0)
        goto out;
    prog.last = 0;

    EXPERTFRAMEDESCRIPTOR fd;
    DWORD last = (DWORD)-1;
    while ((err = eu_next_frame(key, &prog, &last, &fd)) == NMERR_SUCCESS) {
        err = count_frame(key, &m, &ids, s.kind, &fd);
        if (err != 0)
            goto out;
    }
    if (err == NMERR_OUT_OF_RANGE)
        err = report(key, &m, &s);

out:
    if (err != 0 && err != NMERR_EXPERT_TERMINATE)
        eu_problem(key, err, prog.last, "topuser: stopped: %s [NMERR %lu]", eu_nmerr_text(err), (unsigned long)err);
    eu_map_free(key, &m);
    return err == 0;
}
