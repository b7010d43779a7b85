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
 * The addresses are the parser's own properties (eth.src / eth.dst,
 * ip.src / ip.dst, ipv6.src / ipv6.dst), one pair per header, so that a
 * header the parser rejects is not counted; the README explains why
 * GetFrameSourceAddress is not used.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netmon.h>

#include "eu_containers.h"
#include "eu_event.h"
#include "eu_packet.h"
#include "eu_run.h"
#include "eu_settings.h"

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
        int k = eu_choice(value, kind_names, 3);
        if (k >= 0) {
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
        int k = eu_choice(value, sort_names, 2);
        if (k >= 0) {
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

/* Parses the configuration over the defaults; -1 with s->error set. */
static int read_settings(const EXPERTCONFIG *cfg, settings_t *s)
{
    memset(s, 0, sizeof *s);
    s->kind = ADDR_MAC;
    s->count = 20;
    s->sort = SORT_FRAMES;
    return eu_read_settings(cfg, set_one, s, s->error, sizeof s->error, "topuser: settings are KEY=VALUE lines");
}

/* The settings, declared for `nmexpert list --settings` and checked before a run. */
NMX_EXPERT_EXPORT const NMX_EXPERT_SETTING NmxExpertSettings[] = {
    {"address", "mac", "mac|ip|ipv6", "which addresses to count"},
    {"count", "20", "0..4294967295", "addresses reported, the busiest first; 0 for all"},
    {"sort", "frames", "frames|bytes", "what busiest means: frames or bytes sent plus received"},
    {NULL, NULL, NULL, NULL},
};

/* Register: the display name and a one-line description. */
EU_REGISTER_AS(EXPERT_NAME,
               "Frames and bytes each MAC, IPv4 or IPv6 address sent and received")

/* The normalised text of a configuration (eu_configure); none is refused. */
static int config_text(const EXPERTCONFIG *cfg, char *text, size_t cap)
{
    settings_t s;
    if (cfg == NULL || read_settings(cfg, &s) != 0)
        return -1;
    char num[16];
    if (s.given & 1)
        eu_config_line(text, cap, "address", kind_names[s.kind]);
    if (s.given & 2) {
        snprintf(num, sizeof num, "%lu", (unsigned long)s.count);
        eu_config_line(text, cap, "count", num);
    }
    if (s.given & 4)
        eu_config_line(text, cap, "sort", sort_names[s.sort]);
    return 0;
}

/* Configure validates the settings and hands back their normalised text. */
EU_CONFIGURE_WITH(config_text)

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

/* The protocols and properties Run looks for. */
typedef struct ids {
    WORD want;          /* eth, ip or ipv6 */
    WORD icmp, icmpv6;  /* what follows them is quoted by an ICMP error */
    HPROPERTY src, dst; /* the source and destination address properties of `want` */
    WORD alen;          /* bytes of an address: 6, 4 or 16 */
} ids_t;

/* What Run counts with. */
typedef struct run {
    HEXPERTKEY key;
    eu_map_t m;         /* address -> entry_t */
    ids_t ids;
} run_t;

/* Counts the addresses of one frame (eu_walk callback): the address
 * properties of each `want` header before any ICMP error's quoted one. */
static DWORD count_frame(void *ctx, EXPERTFRAMEDESCRIPTOR *fd)
{
    run_t *r = ctx;
    const ids_t *ids = &r->ids;
    const RECOGNIZEDATATABLE *rt = fd->lpRecognizeDataTable;
    if (rt == NULL)
        return 0;
    unsigned headers = 0;
    for (WORD i = 0; i < rt->nRecognizeDatas; i++) {
        WORD id = rt->RecognizeData[i].ProtocolID;
        if (id == ids->icmp || id == ids->icmpv6)
            break; /* tshark's endpoint tables skip ICMP-quoted headers */
        headers += id == ids->want;
    }
    LPPROPERTYINST at_src = NULL, at_dst = NULL;
    for (unsigned k = 0; k < headers; k++) {
        DWORD err = 0;
        LPPROPERTYINST s = eu_next_instance(fd->hFrame, ids->src, &at_src, &err);
        LPPROPERTYINST d = s != NULL ? eu_next_instance(fd->hFrame, ids->dst, &at_dst, &err) : NULL;
        if (s == NULL || d == NULL)
            return err; /* a header the parser rejected has none: not counted */
        if (s->DataLength != ids->alen || d->DataLength != ids->alen)
            continue;
        err = count_pair(r->key, &r->m, s->lpByte, d->lpByte, ids->alen, fd->pFrame->FrameLength);
        if (err != 0)
            return err;
    }
    return 0;
}

/* Report order (ctx: the sort setting): frames sent + received, then
 * bytes (or bytes, then frames), then address bytes. */
static int row_cmp(const void *a, const void *b, void *ctx)
{
    const entry_t *x = *(void *const *)a, *y = *(void *const *)b;
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
    void **rows = eu_map_list(key, m, &err);
    if (rows == NULL)
        return err;
    int sort_by = s->sort;
    eu_sort(rows, m->len, sizeof *rows, row_cmp, &sort_by);
    size_t nrows = s->count == 0 || s->count > m->len ? m->len : s->count;
    eu_event_t ev = {0};
    err = eu_event_init(key, &ev, EXPERT_NAME, 1);
    char text[46];
    for (size_t i = 0; i < nrows && err == 0; i++) {
        const entry_t *e = rows[i];
        eu_event_row(&ev, 1);
        if (s->kind == ADDR_MAC) {
            eu_col_mac(&ev, "Address", e->addr);
        } else if (s->kind == ADDR_IP) {
            eu_col_ip(&ev, "Address", e->addr);
        } else {
            eu_format_ipv6(e->addr, text);
            eu_col_str(&ev, "Address", text);
        }
        eu_col_u64(&ev, "Frames Sent", e->frames_tx);
        eu_col_u64(&ev, "Bytes Sent", e->bytes_tx);
        eu_col_u64(&ev, "Frames Received", e->frames_rx);
        eu_col_u64(&ev, "Bytes Received", e->bytes_rx);
        err = eu_event_submit(key, &ev);
    }
    eu_event_free(key, &ev);
    ExpertFreeMemory(key, rows);
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
    settings_t s;
    if (!eu_run_begin(key, "counting addresses", read_settings(pConfig, &s) == 0 ? NULL : s.error))
        return FALSE;
    if (StartupFlags & NMX_EXPERT_STARTUP_FLAG_SHARD)
        s.count = 0; /* every address: `nmexpert merge` cuts the top N */
    if (!eu_need_capture(key, pExpertStartupInfo, "topuser"))
        return FALSE;
    static const char *const proto_of[] = {"eth", "ip", "ipv6"};
    static const char *const src_of[] = {"eth.src", "ip.src", "ipv6.src"};
    static const char *const dst_of[] = {"eth.dst", "ip.dst", "ipv6.dst"};
    static const WORD alen_of[] = {6, 4, 16};
    run_t r = {.key = key};
    r.ids = (ids_t){eu_protocol_id(proto_of[s.kind]), eu_protocol_id("icmp"), eu_protocol_id("icmpv6"),
                    GetProperty(NULL, (LPSTR)src_of[s.kind]), GetProperty(NULL, (LPSTR)dst_of[s.kind]),
                    alen_of[s.kind]};
    if (r.ids.want == 0xFFFF || r.ids.src == 0 || r.ids.dst == 0) {
        eu_problem(key, NMERR_PROTOCOL_NOT_FOUND, 0, "topuser: the parsers do not know %s", proto_of[s.kind]);
        return FALSE;
    }

    eu_walk_t walk;
    eu_walk_init(&walk, key, pExpertStartupInfo);
    DWORD err = eu_map_init(key, &r.m, 16, sizeof(entry_t));
    if (err == 0)
        err = eu_walk(&walk, count_frame, &r);
    if (err == 0)
        err = report(key, &r.m, &s);
    eu_walk_stopped(&walk, err, "topuser");
    eu_map_free(key, &r.m);
    return err == 0;
}
