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

#include "expert_util.h"

#define EXPERT_NAME "Protocol Distribution"

enum sort_key { SORT_FRAMES = 0, SORT_BYTES, SORT_NAME };

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
        if (eu_streq_nocase(value, "frames"))
            s->sort = SORT_FRAMES;
        else if (eu_streq_nocase(value, "bytes"))
            s->sort = SORT_BYTES;
        else if (eu_streq_nocase(value, "name"))
            s->sort = SORT_NAME;
        else {
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

/* Parses the configuration; FALSE with s->error set when it is not valid. */
static BOOL parse_settings(const EXPERTCONFIG *cfg, settings_t *s)
{
    memset(s, 0, sizeof *s);
    int rc = eu_parse_settings(cfg, set_one, s);
    if (rc == -1)
        snprintf(s->error, sizeof s->error, "protdist: settings are KEY=VALUE lines");
    return rc == 0;
}

/* The settings, declared for `nmexpert list --settings` and checked before a run. */
NMX_EXPERT_EXPORT const NMX_EXPERT_SETTING NmxExpertSettings[] = {
    {"sort", "frames", "frames|bytes|name", "the order of the rows"},
    {NULL, NULL, NULL, NULL},
};

BOOL WINAPI Register(PEXPERTENUMINFO pExpertInfo)
{
    return eu_register(pExpertInfo, EXPERT_NAME,
                       "Frames and bytes per protocol found in the capture's frames");
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
    static const char *const names[] = {"frames", "bytes", "name"};
    char text[64] = "";
    if (s.sort_set)
        eu_config_line(text, sizeof text, "sort", names[s.sort]);
    return eu_config_store(hExpertKey, ppConfig, text) == 0;
}

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
    uint64_t max_bytes = 0, max_frames = 0;
    for (size_t id = 0; id < n; id++)
        if (t[id].frames > 0) {
            nrows++;
            if (t[id].bytes > max_bytes)
                max_bytes = t[id].bytes;
            if (t[id].frames > max_frames)
                max_frames = t[id].frames;
        }
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
    /* A column is FLOAT64 in every row when one row needs more than 32 bits. */
    int wide = max_bytes > UINT32_MAX, wide_frames = max_frames > UINT32_MAX;
    for (size_t i = 0; i < nrows && err == 0; i++) {
        eu_event_row(&ev, 1);
        eu_col_str(&ev, "Protocol", rows[i].name);
        eu_col_count(&ev, "Frames", rows[i].frames, wide_frames);
        eu_col_f64(&ev, "% Frames", frames > 0 ? 100.0 * (double)rows[i].frames / (double)frames : 0.0);
        eu_col_count(&ev, "Bytes", rows[i].bytes, wide);
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

BOOL WINAPI Run(HEXPERTKEY hExpertKey, PEXPERTCONFIG pConfig, PEXPERTSTARTUPINFO pExpertStartupInfo,
                DWORD StartupFlags, HWND hWndParent)
{
    (void)hWndParent;
    HEXPERTKEY key = hExpertKey;
    DWORD err = ExpertIndicateStatus(key, EXPERTSTATUS_STARTING, 0, "counting protocols", 0);
    if (err != 0)
        return FALSE;

    settings_t s;
    if (!parse_settings(pConfig, &s)) {
        eu_problem(key, NMERR_INVALID_PARAMETER, 0, "%s", s.error);
        return FALSE;
    }
    if (pExpertStartupInfo == NULL || pExpertStartupInfo->hCapture == NULL) {
        eu_problem(key, NMERR_INVALID_HCAPTURE, 0, "protdist: no capture");
        return FALSE;
    }

    const char **names = NULL;
    size_t n = 0;
    tally_t *t = NULL;
    uint64_t frames = 0, bytes = 0;
    eu_progress_t prog = {GetCaptureTotalFrames(pExpertStartupInfo->hCapture), -1};

    err = eu_protocol_names(key, pExpertStartupInfo->hCapture, &names, &n);
    if (err != 0)
        goto out;
    ids_t ids;
    ids_init(&ids);
    t = ExpertAllocMemory(key, n * sizeof *t, &err);
    if (t == NULL)
        goto out;
    err = ExpertIndicateStatus(key, EXPERTSTATUS_RUNNING, 0, "", 0);
    if (err != 0)
        goto out;
    prog.last = 0;

    EXPERTFRAMEDESCRIPTOR fd;
    DWORD last = (DWORD)-1;
    while ((err = eu_next_frame(key, &prog, &last, &fd)) == NMERR_SUCCESS) {
        DWORD len = fd.pFrame->FrameLength;
        frames++;
        bytes += len;
        const RECOGNIZEDATATABLE *rt = fd.lpRecognizeDataTable;
        if (rt != NULL) {
            int quoted = 0; /* past an ICMP header: what follows is quoted */
            for (WORD i = 0; i < rt->nRecognizeDatas; i++) {
                WORD id = rt->RecognizeData[i].ProtocolID;
                if (id == ids.icmp || id == ids.icmpv6) {
                    if (quoted)
                        continue;
                    quoted = 1;
                } else if (quoted && is_net_or_transport(&ids, id)) {
                    continue;
                }
                if (id >= n) {
                    /* A protocol the enabled table did not list: make room. */
                    size_t nn = (size_t)id + 1;
                    tally_t *g = ExpertReallocMemory(key, t, nn * sizeof *t, &err);
                    if (g == NULL)
                        goto out;
                    const char **gn = ExpertReallocMemory(key, names, nn * sizeof *names, &err);
                    if (gn == NULL) {
                        t = g;
                        goto out;
                    }
                    t = g;
                    names = gn;
                    n = nn;
                }
                t[id].frames++;
                t[id].bytes += len;
            }
        }
    }
    if (err == NMERR_OUT_OF_RANGE)
        err = report(key, t, n, names, frames, bytes, s.sort);
    if (err == 0 && (StartupFlags & NMX_EXPERT_STARTUP_FLAG_SHARD)) {
        static const char *const tn[] = {"Frames", "Bytes"};
        uint64_t tv[] = {frames, bytes};
        err = eu_submit_totals(key, EXPERT_NAME, tn, tv, 2);
    }

out:
    if (err != 0 && err != NMERR_EXPERT_TERMINATE)
        eu_problem(key, err, prog.last, "protdist: stopped: %s [NMERR %lu]", eu_nmerr_text(err), (unsigned long)err);
    ExpertFreeMemory(key, t);
    ExpertFreeMemory(key, names);
    return err == 0;
}
