/*
 * tshark_util.c - see tshark_util.h.
 */
#include "tshark_util.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *tsu_captures_dir(void)
{
    const char *d = getenv("NMX_SHARED_CAPTURES");
    struct stat st;
    if (!d || !*d || stat(d, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("SKIPPED: shared captures not found (NMX_SHARED_CAPTURES=%s)\n", d ? d : "(unset)");
        return NULL;
    }
    return d;
}

bool tsu_have_tshark(void)
{
    if (system("tshark -v >/dev/null 2>&1") != 0) {
        printf("SKIPPED: tshark is not installed\n");
        return false;
    }
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **tsu_list_captures(const char *dir, size_t *n)
{
    static const char *const folders[] = {"real", "netmon", "pcapng", "linktypes", "edge"};
    char **list = NULL;
    size_t cnt = 0, cap = 0;
    for (size_t f = 0; f < sizeof(folders) / sizeof(folders[0]); f++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, folders[f]);
        DIR *dh = opendir(path);
        if (!dh)
            continue;
        struct dirent *e;
        while ((e = readdir(dh)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            if (cnt == cap) {
                cap = cap ? cap * 2 : 64;
                list = realloc(list, cap * sizeof(*list));
            }
            char rel[1024];
            snprintf(rel, sizeof(rel), "%s/%s", folders[f], e->d_name);
            list[cnt++] = strdup(rel);
        }
        closedir(dh);
    }
    if (cnt)
        qsort(list, cnt, sizeof(*list), cmp_str);
    *n = cnt;
    return list;
}

void tsu_free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

static uint64_t fnv(const char *s, uint64_t h)
{
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

/* The lines of f, without line ends (an empty list, not NULL, for none). */
static char **read_lines(FILE *f, size_t *nlines)
{
    char **lines = NULL;
    size_t cnt = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (cnt == cap) {
            cap = cap ? cap * 2 : 1024;
            char **g = realloc(lines, cap * sizeof(*lines));
            if (!g)
                break;
            lines = g;
        }
        lines[cnt++] = strdup(line);
    }
    free(line);
    *nlines = cnt;
    if (!lines)
        lines = calloc(1, sizeof(*lines));
    return lines;
}

char **tsu_run(const char *dir, const char *rel, const char *args, size_t *nlines)
{
    /* One cache for every build tree of the machine (plain, sanitizer...),
     * keyed by capture, size, modification time and arguments; kept in the
     * user's cache directory, never in the temporary one. */
    const char *dirv = getenv("NMX_TSHARK_CACHE");
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char cache[4096];
    if (dirv && *dirv)
        snprintf(cache, sizeof(cache), "%s", dirv);
    else if (xdg && *xdg)
        snprintf(cache, sizeof(cache), "%s/nmexpert-tests", xdg);
    else
        snprintf(cache, sizeof(cache), "%s/.cache/nmexpert-tests", home && *home ? home : ".");
    for (char *p = cache + 1; *p; p++) /* mkdir -p */
        if (*p == '/') {
            *p = '\0';
            mkdir(cache, 0700);
            *p = '/';
        }
    mkdir(cache, 0700);
    char full[4096], stamp[64];
    struct stat cst;
    snprintf(full, sizeof(full), "%s/%s", dir, rel);
    if (stat(full, &cst) != 0)
        return NULL;
    snprintf(stamp, sizeof(stamp), "%lld.%lld", (long long)cst.st_size, (long long)cst.st_mtime);
    uint64_t h = fnv(stamp, fnv(args, fnv(rel, 1469598103934665603ull)));
    char out[4200];
    snprintf(out, sizeof(out), "%s/%016llx.txt", cache, (unsigned long long)h);
    struct stat st;
    if (stat(out, &st) != 0) {
        char tmp[4300];
        snprintf(tmp, sizeof(tmp), "%s.tmp%d", out, (int)getpid());
        /* The command holds every property's -e: sized by its parts, never cut. */
        size_t cmdsz = strlen(dir) + strlen(rel) + strlen(args) + strlen(tmp) + 64;
        char *cmd = malloc(cmdsz);
        if (cmd == NULL)
            return NULL;
        snprintf(cmd, cmdsz, "tshark -n -r '%s/%s' %s > '%s' 2>/dev/null", dir, rel, args, tmp);
        int rc = system(cmd);
        (void)rc; /* tshark exits non-zero on damaged files after printing what it read */
        free(cmd);
        if (rename(tmp, out) != 0)
            return NULL;
    }
    FILE *fp = fopen(out, "r");
    if (!fp)
        return NULL;
    char **lines = read_lines(fp, nlines);
    fclose(fp);
    return lines;
}

char **tsu_run_path(const char *path, const char *args, size_t *nlines)
{
    char cmd[24576];
    snprintf(cmd, sizeof(cmd), "tshark -n -r '%.4200s' %.16384s 2>/dev/null", path, args);
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    char **lines = read_lines(p, nlines);
    pclose(p);
    return lines;
}

size_t tsu_split(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *t = strchr(p, '\t');
        if (!t)
            break;
        *t = '\0';
        p = t + 1;
    }
    return n;
}

size_t tsu_partial_differences;

/* Do instances a and b say the same: property, place, length, level and flags? */
static bool same_inst(const PROPERTYINST *a, const PROPERTYINST *b)
{
    if (a->lpPropertyInfo != b->lpPropertyInfo || a->Level != b->Level || a->IFlags != b->IFlags ||
        (a->DataLength == (WORD)-1) != (b->DataLength == (WORD)-1))
        return false;
    if (a->DataLength != (WORD)-1)
        return a->lpData == b->lpData && a->DataLength == b->DataLength;
    const PROPERTYINSTEX *x = a->lpPropertyInstEx, *y = b->lpPropertyInstEx;
    return x->lpData == y->lpData && x->Length == y->Length && x->LengthEx == y->LengthEx &&
           memcmp(x->Byte, y->Byte, x->LengthEx) == 0;
}

/* The next instance of protocol id's properties in d after index *k. */
static const PROPERTYINST *next_of(const nmx_dissection_t *d, unsigned id, DWORD *k)
{
    for (; *k < d->props->nTotalPropertyInsts; (*k)++) {
        const PROPERTYINST *pi = &d->props->lpFirstPropertyInst[*k];
        const nmx_field_t *f = nmx__field_from_info(pi->lpPropertyInfo);
        if (f != NULL && nmx__proto_id(nmx__field_proto(f)) == id)
            return &d->props->lpFirstPropertyInst[(*k)++];
    }
    return NULL;
}

/*
 * The partial dissections the property helpers make (session.c): for every
 * protocol whose properties the full dissection d holds, one cut for that
 * protocol alone (nmx__layers_for over the recognize pass, as the session
 * cuts) must hold exactly the same instances of them.  Counts each frame
 * and protocol that differs in tsu_partial_differences, printing it.
 */
static void check_partial(nmx_proto_ws_t *ws, const nmx_dissection_t *d, const nmx_frame_ctx_t *ctx)
{
    nmx_recog_buf_t rb;
    nmx__recognize_ctx(d->data, d->caplen, d->wirelen, d->linktype, &rb, NULL, ctx);
    bool layers_same = rb.table.nRecognizeDatas == d->recog->nRecognizeDatas;
    for (WORD k = 0; layers_same && k < rb.table.nRecognizeDatas; k++)
        layers_same = rb.table.RecognizeData[k].ProtocolID == d->recog->RecognizeData[k].ProtocolID;
    if (!layers_same) {
        printf("partial: frame %u: the recognize pass and the dissection see different layers\n", ctx->number);
        tsu_partial_differences++;
        return;
    }
    uint64_t done[2] = {0, 0};
    for (DWORD i = 0; i < d->props->nTotalPropertyInsts; i++) {
        const nmx_field_t *f = nmx__field_from_info(d->props->lpFirstPropertyInst[i].lpPropertyInfo);
        unsigned id = f != NULL ? nmx__proto_id(nmx__field_proto(f)) : 0;
        if (id == NMX_PROTO_FRAME || id >= NMX_PARTIAL_IDS || nmx__wants_has(done, id))
            continue;
        nmx__wants_add(done, id);
        uint64_t want[2] = {0, 0};
        nmx__wants_add(want, id);
        bool all;
        nmx_frame_ctx_t pc = *ctx;
        pc.max_layers = nmx__layers_for(&rb.table, want, &all);
        pc.partial = true;
        if (all)
            continue; /* the session dissects it whole */
        nmx_dissection_t *part = nmx__dissect_ctx(ws, d->data, d->caplen, d->wirelen, d->linktype, &pc);
        if (part == NULL) {
            tsu_partial_differences++;
            continue;
        }
        DWORD a = 0, b = 0;
        const PROPERTYINST *x, *y;
        do {
            x = next_of(d, id, &a);
            y = next_of(part, id, &b);
        } while (x != NULL && y != NULL && same_inst(x, y));
        if (x != NULL || y != NULL) {
            printf("partial: frame %u: %s cut after %u of %u layers: %s where the full dissection has %s\n",
                   ctx->number, nmx__proto_name(nmx__proto_by_id(id)), pc.max_layers, rb.table.nRecognizeDatas,
                   y ? nmx__field_key(nmx__field_from_info(y->lpPropertyInfo)) : "nothing",
                   x ? nmx__field_key(nmx__field_from_info(x->lpPropertyInfo)) : "nothing");
            tsu_partial_differences++;
        }
        nmx__dissection_free(part);
    }
}

bool tsu_walk_init(tsu_walk_t *w)
{
    w->conv = nmx__streams_new();
    w->learned = nmx__learned_new();
    if (w->conv != NULL && w->learned != NULL)
        return true;
    tsu_walk_free(w);
    return false;
}

void tsu_walk_free(tsu_walk_t *w)
{
    nmx__streams_free(w->conv);
    nmx__learned_free(w->learned);
    w->conv = NULL;
    w->learned = NULL;
}

nmx_dissection_t *tsu_dissect_frame(nmx_proto_ws_t *ws, tsu_walk_t *w, const nmx_cap_t *cap, uint32_t i)
{
    const nmx_frame_rec_t *fr = nmx__cap_frame(cap, i);
    nmx_frame_ctx_t ctx = {
        .number = i + 1,
        .has_time = !(fr->flags & NMX_FRAME_NO_TS),
        .ts_ns = fr->ts_ns,
        .first_ns = nmx__cap_frame(cap, 0)->ts_ns,
        .prev_ns = i > 0 ? nmx__cap_frame(cap, i - 1)->ts_ns : fr->ts_ns,
        .comment = nmx__cap_format(cap) == NMX_CAPFMT_PCAPNG ? nmx__cap_frame_comment(cap, i) : NULL,
        .netmon_comment = nmx__cap_netmon_comment(cap, fr),
    };
    if (!nmx__streams_next(w->conv, nmx__cap_data(cap, i), fr->caplen, fr->wirelen, fr->linktype, ctx.tcp_stream,
                           ctx.udp_stream))
        return NULL;
    ctx.learned = w->learned;
    ctx.learn = true;
    nmx_dissection_t *d = nmx__dissect_ctx(ws, nmx__cap_data(cap, i), fr->caplen, fr->wirelen, fr->linktype, &ctx);
    ctx.learn = false; /* the partial dissections see the frame again */
    if (d != NULL)
        check_partial(ws, d, &ctx);
    return d;
}

void tsu_render_all(const nmx_dissection_t *d, const nmx_field_t *f, char *out, size_t outlen)
{
    size_t n = 0, count = 0;
    out[0] = '\0';
    const PROPERTYINST *pi = NULL;
    while ((pi = nmx__dissection_find(d, f, pi)) != NULL) {
        char v[4096];
        nmx_value_t val;
        if (!nmx__prop_value(pi, &val))
            continue; /* an IFLAG_ERROR marker */
        nmx__prop_render(pi, v, sizeof(v));
        /* a comma between occurrences, also around empty ones (",," is three) */
        int w = snprintf(out + n, outlen - n, "%s%s", count++ ? "," : "", v);
        if (w < 0 || (size_t)w >= outlen - n)
            return;
        n += (size_t)w;
    }
}

size_t tsu_compare_built(const char *path, uint32_t nframes, const char *const *protos, size_t nprotos,
                         bool with_frame_protocols, bool (*skip)(uint32_t frame, const char *key),
                         unsigned *theirs, size_t *nfields)
{
    /* The fields: every property of the protocols named. */
    enum { MAXF = 1024 };
    const nmx_field_t *fields[MAXF];
    size_t nf = 0, differ = 0, partial_before = tsu_partial_differences;
    char args[65536];
    size_t al = (size_t)snprintf(args, sizeof(args), "%s -T fields -E occurrence=a -z io,phs", NMX_TSHARK_REF_OPTS);
    if (with_frame_protocols) {
        fields[nf++] = nmx__field_by_key("frame.protocols");
        al += (size_t)snprintf(args + al, sizeof(args) - al, " -e frame.protocols");
    }
    for (size_t p = 0; p < nprotos; p++) {
        const nmx_protocol_t *pr = nmx__proto_by_name(protos[p]);
        if (pr == NULL)
            return (size_t)-1;
        for (uint32_t i = 0; i < nmx__proto_field_count(pr); i++) {
            if (nf == MAXF || al >= sizeof(args) - 128)
                return (size_t)-1; /* more fields than compared: no silent truncation */
            fields[nf++] = nmx__proto_field(pr, i);
            al += (size_t)snprintf(args + al, sizeof(args) - al, " -e %s", nmx__field_key(fields[nf - 1]));
        }
    }
    *nfields = nf;
    size_t nl = 0;
    char **lines = tsu_run_path(path, args, &nl);
    nmx_cap_t *cap = NULL;
    nmx_error_t err;
    nmx_proto_ws_t *ws = nmx__proto_ws_new();
    tsu_walk_t walk = {NULL, NULL};
    bool walking = tsu_walk_init(&walk);
    unsigned *ours = calloc(nmx__proto_count(), sizeof(*ours));
    if (lines == NULL || nl <= nframes || nmx__cap_open_file(path, &cap, &err) != 0 ||
        nmx__cap_count(cap) != nframes || ws == NULL || !walking || ours == NULL) {
        differ = (size_t)-1;
        goto out;
    }
    for (uint32_t i = 0; i < nframes; i++) {
        nmx_dissection_t *d = tsu_dissect_frame(ws, &walk, cap, i);
        if (d == NULL) {
            differ = (size_t)-1;
            goto out;
        }
        for (DWORD k = 0; k < d->recog->nRecognizeDatas; k++)
            ours[d->recog->RecognizeData[k].ProtocolID]++;
        char *cols[MAXF];
        size_t nc = tsu_split(lines[i], cols, nf);
        for (size_t k = 0; k < nf; k++) {
            if (skip != NULL && skip(i, nmx__field_key(fields[k])))
                continue;
            char got[4096];
            tsu_render_all(d, fields[k], got, sizeof(got));
            const char *want = k < nc ? cols[k] : "";
            if (strcmp(want, got) != 0) {
                printf("  frame %u %s: tshark [%s] nmexpert [%s]\n", i + 1, nmx__field_key(fields[k]), want, got);
                differ++;
            }
        }
        nmx__dissection_free(d);
    }
    /* io,phs: frames per protocol, summed over the tree, for the protocols
     * we have ("frame" is not in our recognize tables; "data" and "_ws.*"
     * are not ours). */
    for (size_t i = nframes; i < nl; i++) {
        char name[128];
        unsigned frames;
        if (sscanf(lines[i], " %127s frames:%u", name, &frames) != 2)
            continue;
        const nmx_protocol_t *pr = nmx__proto_by_name(name);
        if (pr && strcmp(name, nmx__proto_name(pr)) == 0 && nmx__proto_id(pr) != NMX_PROTO_FRAME)
            theirs[nmx__proto_id(pr)] += frames;
    }
    for (unsigned id = 1; id < nmx__proto_count(); id++)
        if (ours[id] != theirs[id]) {
            printf("  io,phs %s: tshark %u frames, nmexpert %u\n", nmx__proto_name(nmx__proto_by_id(id)),
                   theirs[id], ours[id]);
            differ++;
        }
    /* and the property helpers' partial dissections of these frames */
    differ += tsu_partial_differences - partial_before;
out:
    free(ours);
    tsu_walk_free(&walk);
    if (ws)
        nmx__proto_ws_free(ws);
    if (cap)
        nmx__cap_close(cap);
    if (lines)
        tsu_free_list(lines, nl);
    return differ;
}

bool tsu_write_pcap(const char *path, size_t n, size_t (*frame)(size_t i, uint8_t *buf, size_t cap))
{
    return tsu_write_pcap_lt(path, 1, n, frame);
}

bool tsu_write_pcap_lt(const char *path, uint32_t linktype, size_t n,
                       size_t (*frame)(size_t i, uint8_t *buf, size_t cap))
{
    FILE *fp = fopen(path, "wb");
    if (fp == NULL)
        return false;
    uint8_t gh[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0};
    for (int j = 0; j < 4; j++)
        gh[20 + j] = (uint8_t)(linktype >> (8 * j));
    bool ok = fwrite(gh, 1, sizeof gh, fp) == sizeof gh;
    for (size_t i = 0; ok && i < n; i++) {
        uint8_t b[2048];
        size_t len = frame(i, b, sizeof b);
        uint32_t rh[4] = {(uint32_t)i, 0, (uint32_t)len, (uint32_t)len};
        uint8_t rb[16];
        for (int k = 0; k < 4; k++)
            for (int j = 0; j < 4; j++)
                rb[k * 4 + j] = (uint8_t)(rh[k] >> (8 * j));
        ok = len <= sizeof b && fwrite(rb, 1, sizeof rb, fp) == sizeof rb && fwrite(b, 1, len, fp) == len;
    }
    return fclose(fp) == 0 && ok;
}

static char tmp_dir[4096], tmp_path[4200];

const char *tsu_tmp_file(const char *name)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/nmx-tshark-XXXXXX", tmp && *tmp ? tmp : "/tmp" /* TMPDIR unset */);
    if (mkdtemp(tmp_dir) == NULL) {
        tmp_dir[0] = '\0';
        return NULL;
    }
    snprintf(tmp_path, sizeof tmp_path, "%s/%s", tmp_dir, name);
    return tmp_path;
}

int tsu_tmp_remove(void **state)
{
    (void)state;
    if (tmp_path[0])
        unlink(tmp_path);
    if (tmp_dir[0])
        rmdir(tmp_dir);
    tmp_path[0] = tmp_dir[0] = '\0';
    return 0;
}

bool (*tsu_skip)(uint32_t frame, const char *key);

size_t tsu_check_built(const char *label, size_t n, size_t (*frame)(size_t i, uint8_t *buf, size_t cap),
                       const char *const *protos, size_t nprotos, const tsu_count_t *expect, size_t nexpect)
{
    return tsu_check_built_lt(label, 1, n, frame, protos, nprotos, expect, nexpect);
}

size_t tsu_check_built_lt(const char *label, uint32_t linktype, size_t n,
                          size_t (*frame)(size_t i, uint8_t *buf, size_t cap), const char *const *protos,
                          size_t nprotos, const tsu_count_t *expect, size_t nexpect)
{
    const char *path = tsu_tmp_file("built.pcap");
    if (path == NULL || !tsu_write_pcap_lt(path, linktype, n, frame))
        return (size_t)-1;
    unsigned theirs[256] = {0};
    size_t nf = 0;
    size_t differ = tsu_compare_built(path, (uint32_t)n, protos, nprotos, false, tsu_skip, theirs, &nf);
    if (differ == (size_t)-1)
        return differ;
    for (size_t i = 0; i < nexpect; i++) {
        const nmx_protocol_t *p = nmx__proto_by_name(expect[i].name);
        unsigned got = p ? theirs[nmx__proto_id(p)] : 0;
        if (p == NULL || got != expect[i].frames) {
            printf("  io,phs %s: %u frames, expected %u\n", expect[i].name, got, expect[i].frames);
            differ++;
        }
    }
    printf("tshark agreement (hand-built %s frames): %zu frames x %zu fields, %zu differences\n", label, n, nf,
           differ);
    return differ;
}
