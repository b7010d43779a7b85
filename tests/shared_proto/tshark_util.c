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
        char tmp[4300], cmd[16384];
        snprintf(tmp, sizeof(tmp), "%s.tmp%d", out, (int)getpid());
        snprintf(cmd, sizeof(cmd), "tshark -n -r '%s/%s' %s > '%s' 2>/dev/null", dir, rel, args, tmp);
        int rc = system(cmd);
        (void)rc; /* tshark exits non-zero on damaged files after printing what it read */
        if (rename(tmp, out) != 0)
            return NULL;
    }
    FILE *fp = fopen(out, "r");
    if (!fp)
        return NULL;
    char **lines = NULL;
    size_t cnt = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, fp)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (cnt == cap) {
            cap = cap ? cap * 2 : 1024;
            lines = realloc(lines, cap * sizeof(*lines));
        }
        lines[cnt++] = strdup(line);
    }
    free(line);
    fclose(fp);
    *nlines = cnt;
    if (!lines)
        lines = calloc(1, sizeof(*lines));
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

nmx_dissection_t *tsu_dissect_frame(nmx_proto_ws_t *ws, nmx_streams_t *conv, const nmx_cap_t *cap, uint32_t i)
{
    const nmx_frame_rec_t *fr = nmx__cap_frame(cap, i);
    nmx_frame_ctx_t ctx = {
        .number = i + 1,
        .has_time = !(fr->flags & NMX_FRAME_NO_TS),
        .ts_ns = fr->ts_ns,
        .first_ns = nmx__cap_frame(cap, 0)->ts_ns,
        .prev_ns = i > 0 ? nmx__cap_frame(cap, i - 1)->ts_ns : fr->ts_ns,
        .comment = nmx__cap_format(cap) == NMX_CAPFMT_PCAPNG ? nmx__cap_frame_comment(cap, i) : NULL,
    };
    if (!nmx__streams_next(conv, nmx__cap_data(cap, i), fr->caplen, fr->wirelen, fr->linktype, ctx.tcp_stream,
                           ctx.udp_stream))
        return NULL;
    return nmx__dissect_ctx(ws, nmx__cap_data(cap, i), fr->caplen, fr->wirelen, fr->linktype, &ctx);
}

void tsu_render_all(const nmx_dissection_t *d, const nmx_field_t *f, char *out, size_t outlen)
{
    size_t n = 0;
    out[0] = '\0';
    const PROPERTYINST *pi = NULL;
    while ((pi = nmx__dissection_find(d, f, pi)) != NULL) {
        char v[4096];
        nmx_value_t val;
        if (!nmx__prop_value(pi, &val))
            continue; /* an IFLAG_ERROR marker */
        nmx__prop_render(pi, v, sizeof(v));
        int w = snprintf(out + n, outlen - n, "%s%s", n ? "," : "", v);
        if (w < 0 || (size_t)w >= outlen - n)
            return;
        n += (size_t)w;
    }
}
