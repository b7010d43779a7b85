/*
 * protdist.c - the Protocol Distribution expert (Protdist.dll, spec 8.2).
 *
 * One event per protocol: how many protocol headers of that kind the
 * capture's frames carry and how many bytes (on-the-wire frame lengths)
 * those frames add up to.  A frame counts once for every header it carries,
 * as in tshark -z io,phs summed per protocol name: a QinQ frame counts twice
 * for vlan, an IP-in-IP frame twice for ip.  Nothing is reassembled.
 *
 * It reads only the recognize table ExpertGetFrame returns with every frame
 * (no property attachment), which makes it the speed reference of the
 * experts.  README.md describes its settings, columns and the comparison
 * with tshark.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netmon.h>

#include "eu_containers.h"
#include "eu_event.h"
#include "eu_run.h"
#include "eu_settings.h"

#define EXPERT_NAME "Protocol Distribution"

enum sort_key { SORT_FRAMES = 0, SORT_BYTES, SORT_NAME };
static const char *const sort_names[] = {"frames", "bytes", "name"};

/* Settings (KEY=VALUE lines). */
typedef struct settings {
    int sort;          /* enum sort_key */
    int sort_set;      /* sort= was given */
    char error[200];   /* the first bad setting, for the status text */
} settings_t;

/* Counts of one protocol, indexed by ProtocolID. */
typedef struct tally {
    uint64_t frames;   /* headers of the protocol seen */
    uint64_t bytes;    /* on-the-wire length of their frames, once per header */
} tally_t;

/* One report row, for sorting. */
typedef struct row {
    const char *name;  /* protocol name (host-owned, or in the report's scratch) */
    uint64_t frames;
    uint64_t bytes;
} row_t;

/*
 * The ProtocolIDs of the network and transport protocols.  An ICMP error
 * quotes the start of the packet that caused it (IP header, then 8 bytes of
 * TCP, UDP or ICMP); the parsers recognize those quoted headers, but tshark
 * puts them inside the ICMP tree, so -z io,phs does not count them, while it
 * does count an application protocol found in the quoted payload (a DNS
 * query quoted by a port-unreachable counts as dns).  Run does the same.
 */
typedef struct ids {
    WORD icmp, icmpv6; /* after these, what follows is quoted */
    WORD net[5];       /* ip, ipv6, tcp, udp, igmp (0xFFFF if unknown) */
} ids_t;

static void ids_init(ids_t *ids)
{
    ids->icmp = eu_protocol_id("icmp");
    ids->icmpv6 = eu_protocol_id("icmpv6");
    ids->net[0] = eu_protocol_id("ip");
    ids->net[1] = eu_protocol_id("ipv6");
    ids->net[2] = eu_protocol_id("tcp");
    ids->net[3] = eu_protocol_id("udp");
    ids->net[4] = eu_protocol_id("igmp");
}

/* Is `id` a network or transport protocol (not counted when quoted)? */
static int is_net_or_transport(const ids_t *ids, WORD id)
{
    for (size_t i = 0; i < sizeof ids->net / sizeof ids->net[0]; i++)
        if (ids->net[i] == id && id != 0xFFFF)
            return 1;
    return 0;
}

/* One KEY=VALUE setting (eu_parse_settings callback); non-zero when bad. */
static int set_one(void *ctx, const char *key, const char *value)
{
    settings_t *s = ctx;
    if (eu_streq_nocase(key, "sort")) {
        s->sort = eu_choice(value, sort_names, 3);
        if (s->sort < 0) {
            snprintf(s->error, sizeof s->error, "protdist: bad value '%s' for sort (frames, bytes or name)",
                     value);
            return 1;
        }
        s->sort_set = 1;
        return 0;
    }
    snprintf(s->error, sizeof s->error, "protdist: unknown setting '%s' (known: sort)", key);
    return 1;
}

/* Parses the configuration; -1 with s->error set when it is not valid. */
static int read_settings(const EXPERTCONFIG *cfg, settings_t *s)
{
    memset(s, 0, sizeof *s);
    return eu_read_settings(cfg, set_one, s, s->error, sizeof s->error, "protdist: settings are KEY=VALUE lines");
}

/* The settings, declared for `nmexpert list --settings` and checked before a run. */
NMX_EXPERT_EXPORT const NMX_EXPERT_SETTING NmxExpertSettings[] = {
    {"sort", "frames", "frames|bytes|name", "the order of the rows"},
    {NULL, NULL, NULL, NULL},
};

/* Register: the display name and a one-line description. */
EU_REGISTER_AS(EXPERT_NAME,
               "Frames and bytes per protocol found in the capture's frames")

/* The normalised text of a configuration (eu_configure); none is refused. */
static int config_text(const EXPERTCONFIG *cfg, char *text, size_t cap)
{
    settings_t s;
    if (cfg == NULL || read_settings(cfg, &s) != 0)
        return -1;
    if (s.sort_set)
        eu_config_line(text, cap, "sort", sort_names[s.sort]);
    return 0;
}

/* Configure validates the settings and hands back their normalised text. */
EU_CONFIGURE_WITH(config_text)

/* Report order (ctx: the sort setting): frames, then bytes, then name;
 * bytes, then frames, then name; or name alone. */
static int row_cmp(const void *a, const void *b, void *ctx)
{
    const row_t *x = a, *y = b;
    int sort_by = *(const int *)ctx;
    if (sort_by != SORT_NAME) {
        int bytes_first = sort_by == SORT_BYTES;
        uint64_t kx[2] = {bytes_first ? x->bytes : x->frames, bytes_first ? x->frames : x->bytes};
        uint64_t ky[2] = {bytes_first ? y->bytes : y->frames, bytes_first ? y->frames : y->bytes};
        for (int i = 0; i < 2; i++)
            if (kx[i] != ky[i])
                return kx[i] > ky[i] ? -1 : 1;
    }
    return strcmp(x->name, y->name);
}

/* Submits one event per protocol seen, in the configured order. */
static DWORD report(HEXPERTKEY key, const tally_t *t, size_t n, const char *const *names,
                    uint64_t frames, uint64_t bytes, int sort)
{
    DWORD err = 0;
    size_t nrows = 0;
    for (size_t id = 0; id < n; id++)
        nrows += t[id].frames > 0;
    if (nrows == 0)
        return 0;
    row_t *rows = ExpertAllocMemory(key, nrows * sizeof *rows, &err);
    if (rows == NULL)
        return err;
    char *unnamed = ExpertAllocMemory(key, nrows * 16, &err);
    if (unnamed == NULL) {
        ExpertFreeMemory(key, rows);
        return err;
    }
    size_t k = 0;
    for (size_t id = 0; id < n; id++) {
        if (t[id].frames == 0)
            continue;
        const char *name = id < n ? names[id] : NULL;
        if (name == NULL) {
            snprintf(unnamed + 16 * k, 16, "protocol %u", (unsigned)id);
            name = unnamed + 16 * k;
        }
        rows[k].name = name;
        rows[k].frames = t[id].frames;
        rows[k].bytes = t[id].bytes;
        k++;
    }
    eu_sort(rows, nrows, sizeof *rows, row_cmp, &sort);

    eu_event_t ev = {0};
    err = eu_event_init(key, &ev, EXPERT_NAME, 1);
    for (size_t i = 0; i < nrows && err == 0; i++) {
        eu_event_row(&ev, 1);
        eu_col_str(&ev, "Protocol", rows[i].name);
        eu_col_u64(&ev, "Frames", rows[i].frames);
        eu_col_f64(&ev, "% Frames", frames > 0 ? 100.0 * (double)rows[i].frames / (double)frames : 0.0);
        eu_col_u64(&ev, "Bytes", rows[i].bytes);
        eu_col_f64(&ev, "% Bytes", bytes > 0 ? 100.0 * (double)rows[i].bytes / (double)bytes : 0.0);
        err = eu_event_submit(key, &ev);
    }
    eu_event_free(key, &ev);
    ExpertFreeMemory(key, unnamed);
    ExpertFreeMemory(key, rows);
    return err;
}

/* How the reports of shards merge (netmon.h, docs/scale.md): the counts
 * add up, the shares are taken again of the shards' totals (event 999,
 * sent in shard runs only), and the rows are sorted again. */
NMX_EXPERT_EXPORT const char NmxExpertMerge[] = "1:Protocol=key\n"
                                                "1:Frames=sum\n"
                                                "1:% Frames=share Frames,999:Frames\n"
                                                "1:Bytes=sum\n"
                                                "1:% Bytes=share Bytes,999:Bytes\n"
                                                "999:=totals\n"
                                                "1:=order sort=frames*,-Frames,-Bytes,+Protocol\n"
                                                "1:=order sort=bytes,-Bytes,-Frames,+Protocol\n"
                                                "1:=order sort=name,+Protocol\n";

/* What Run gathers over the frames. */
typedef struct run {
    HEXPERTKEY key;
    ids_t ids;
    const char **names;  /* by ProtocolID (eu_protocol_names) */
    tally_t *t;          /* by ProtocolID, n of each */
    size_t n;
    uint64_t frames, bytes;
} run_t;

/* Makes room for protocol `id`, one the enabled table did not list. */
static DWORD make_room(run_t *r, WORD id)
{
    DWORD err = 0;
    size_t nn = (size_t)id + 1;
    tally_t *g = ExpertReallocMemory(r->key, r->t, nn * sizeof *r->t, &err);
    if (g == NULL)
        return err;
    r->t = g;
    const char **gn = ExpertReallocMemory(r->key, r->names, nn * sizeof *r->names, &err);
    if (gn == NULL)
        return err;
    r->names = gn;
    r->n = nn;
    return 0;
}

/* Counts the headers of one frame (eu_walk callback). */
static DWORD count_frame(void *ctx, EXPERTFRAMEDESCRIPTOR *fd)
{
    run_t *r = ctx;
    DWORD len = fd->pFrame->FrameLength;
    r->frames++;
    r->bytes += len;
    const RECOGNIZEDATATABLE *rt = fd->lpRecognizeDataTable;
    if (rt == NULL)
        return 0;
    int quoted = 0; /* past an ICMP header: what follows is quoted */
    for (WORD i = 0; i < rt->nRecognizeDatas; i++) {
        WORD id = rt->RecognizeData[i].ProtocolID;
        if (id == r->ids.icmp || id == r->ids.icmpv6) {
            if (quoted)
                continue;
            quoted = 1;
        } else if (quoted && is_net_or_transport(&r->ids, id)) {
            continue;
        }
        DWORD err = id >= r->n ? make_room(r, id) : 0;
        if (err != 0)
            return err;
        r->t[id].frames++;
        r->t[id].bytes += len;
    }
    return 0;
}

BOOL WINAPI Run(HEXPERTKEY hExpertKey, PEXPERTCONFIG pConfig, PEXPERTSTARTUPINFO pExpertStartupInfo,
                DWORD StartupFlags, HWND hWndParent)
{
    (void)hWndParent;
    HEXPERTKEY key = hExpertKey;
    settings_t s;
    if (!eu_run_begin(key, "counting protocols", read_settings(pConfig, &s) == 0 ? NULL : s.error))
        return FALSE;
    if (!eu_need_capture(key, pExpertStartupInfo, "protdist"))
        return FALSE;

    run_t r = {.key = key};
    eu_walk_t walk;
    eu_walk_init(&walk, key, pExpertStartupInfo);
    DWORD err = eu_protocol_names(key, pExpertStartupInfo->hCapture, &r.names, &r.n);
    if (err != 0)
        goto out;
    ids_init(&r.ids);
    r.t = ExpertAllocMemory(key, r.n * sizeof *r.t, &err);
    if (r.t == NULL)
        goto out;
    err = eu_walk(&walk, count_frame, &r);
    if (err == 0)
        err = report(key, r.t, r.n, r.names, r.frames, r.bytes, s.sort);
    if (err == 0 && (StartupFlags & NMX_EXPERT_STARTUP_FLAG_SHARD)) {
        static const char *const tn[] = {"Frames", "Bytes"};
        uint64_t tv[] = {r.frames, r.bytes};
        err = eu_submit_totals(key, EXPERT_NAME, tn, tv, 2);
    }

out:
    eu_walk_stopped(&walk, err, "protdist");
    ExpertFreeMemory(key, r.t);
    ExpertFreeMemory(key, r.names);
    return err == 0;
}
