/*
 * report_html.c - the HTML report: one self-contained page that an analyst
 * can mail or attach to a ticket (`--format html`).
 *
 * The page is the JSON report of version 2 (report_json.c), the Event
 * Reference Pages of the experts that ran (spec 1.9) and the viewer that
 * draws them (html/report.js and html/report.css, compiled in by
 * cmake/embed.cmake).  Nothing is fetched from anywhere:
 *  - the data sit in <script type="application/json"> blocks, written so
 *    that no text from a capture or an expert can end the block ("<", ">"
 *    and "&" are \u escapes inside JSON strings);
 *  - the viewer builds the page with textContent only, never with markup
 *    made of data;
 *  - a Content-Security-Policy allows no network access at all and only the
 *    viewer's own script (by a nonce drawn for each report);
 *  - an ERP is shown in a sandboxed frame without scripts.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include <nmexpert/host.h>

#include "common/strutil.h"
#include "report/report.h"

/* The viewer, compiled in from src/report/html/ (embed.cmake). */
extern const char nmx__html_report_js[];
extern const char nmx__html_report_css[];

/* An ERP larger than this is not embedded (a page is a few kB). */
#define ERP_MAX_BYTES (1u << 20)

/* ---- Event Reference Pages --------------------------------------------------- */

/* The entry of `dir` whose name equals `name` ignoring case, into out. */
static bool find_nocase(const char *dir, const char *name, char *out, size_t n)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return false;
    bool found = false;
    struct dirent *de;
    while (!found && (de = readdir(d)) != NULL)
        if (strcasecmp(de->d_name, name) == 0)
            found = (size_t)snprintf(out, n, "%s/%s", dir, de->d_name) < n;
    closedir(d);
    return found;
}

/* A regular file of at most ERP_MAX_BYTES, whole, NUL-terminated; NULL if not. */
static char *read_page(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    struct stat st;
    char *buf = NULL;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= (off_t)ERP_MAX_BYTES) {
        buf = malloc((size_t)st.st_size + 1);
        if (buf != NULL && fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
            free(buf);
            buf = NULL;
        }
        if (buf != NULL)
            buf[st.st_size] = '\0';
    }
    fclose(f);
    return buf;
}

/*
 * The page of event `ident` of expert `module` under `root`
 * (root/bok/experts/<module>/<module><ident>.htm, every name compared
 * ignoring case), as a JSON string; NULL if there is none.
 */
static json_t *erp_under(const char *root, const char *module, uint32_t ident)
{
    char bok[4096], dir[4096], file[4096], name[300];
    snprintf(bok, sizeof bok, "%s/bok", root);
    if (!find_nocase(bok, "experts", dir, sizeof dir) || !find_nocase(dir, module, bok, sizeof bok))
        return NULL;
    snprintf(name, sizeof name, "%s%u.htm", module, ident);
    if (!find_nocase(bok, name, file, sizeof file))
        return NULL;
    char *text = read_page(file);
    json_t *page = text != NULL ? nmx__report_json_text(text) : NULL;
    free(text);
    return page;
}

/*
 * The Event Reference Pages of one expert: {"IDENT": "<html...>"} for each
 * event kind it submitted that has a page.  Looked up next to the expert's
 * module (a third-party expert ships its pages with it), then in the data
 * directory (the built-in experts' pages), then in the installed experts
 * directory.
 */
static json_t *expert_erps(const nmx_result_t *r)
{
    json_t *pages = json_object();
    char roots[3][4096];
    size_t nroots = 0;
    if (r->path != NULL) {
        const char *slash = strrchr(r->path, '/');
        if (slash != NULL)
            snprintf(roots[nroots++], sizeof roots[0], "%.*s", (int)(slash - r->path), r->path);
    }
    snprintf(roots[nroots++], sizeof roots[0], "%s", nmx_host_installed_data_dir());
    snprintf(roots[nroots++], sizeof roots[0], "%s", nmx_host_installed_experts_dir());
    /* A module name with a '/' or that starts with '.' names no page. */
    if (r->module == NULL || r->module[0] == '\0' || r->module[0] == '.' || strchr(r->module, '/') != NULL)
        return pages;
    for (size_t i = 0; i < r->nevents; i++) {
        char key[16];
        snprintf(key, sizeof key, "%u", r->events[i].ident);
        if (json_object_get(pages, key) != NULL)
            continue;
        json_t *page = NULL;
        for (size_t k = 0; page == NULL && k < nroots; k++)
            page = erp_under(roots[k], r->module, r->events[i].ident);
        json_object_set_new(pages, key, page != NULL ? page : json_null());
    }
    return pages;
}

/* ---- writing ------------------------------------------------------------------- */

/* Text as HTML character data or an attribute value. */
static void put_escaped(const char *s, FILE *out)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(*s, out); break;
        }
    }
}

/* JSON text inside <script type="application/json">: "<", ">" and "&" occur
 * in JSON only inside strings, where \u escapes mean the same; the
 * indentation outside strings is left out (a third of a large report). */
static void put_script_json(const char *json, size_t len, FILE *out)
{
    bool in_string = false, escaped = false;
    for (size_t i = 0; i < len; i++) {
        char c = json[i];
        if (!in_string && (c == ' ' || c == '\n' || c == '\r' || c == '\t'))
            continue;
        if (in_string && !escaped && c == '"')
            in_string = false;
        else if (!in_string && c == '"')
            in_string = true;
        escaped = in_string && !escaped && c == '\\';
        switch (c) {
        case '<': fputs("\\u003c", out); break;
        case '>': fputs("\\u003e", out); break;
        case '&': fputs("\\u0026", out); break;
        default: fputc(c, out); break;
        }
    }
}

/* A fresh nonce for the page's Content-Security-Policy. */
static void make_nonce(char out[33])
{
    unsigned char b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n <= 0 && errno != EINTR)
            break;
        if (n > 0)
            got += (size_t)n;
    }
    if (got < sizeof b) {
        /* No entropy at all: the time and an address, still not guessable
         * from the report's data. */
        uint64_t x[2] = {(uint64_t)time(NULL), (uint64_t)(uintptr_t)out};
        memcpy(b, x, sizeof b);
    }
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void put_title(const nmx_report_source_t *src, FILE *out)
{
    fputs("nmexpert report", out);
    for (size_t i = 0; i < src->ncaptures && i < 3; i++) {
        const char *name = strrchr(src->captures[i], '/');
        fputs(i == 0 ? ": " : ", ", out);
        put_escaped(name != NULL ? name + 1 : src->captures[i], out);
    }
    if (src->ncaptures > 3)
        fputs(", ...", out);
}

int nmx__report_html(const nmx_report_source_t *src, FILE *out)
{
    char *json = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&json, &len);
    if (mem == NULL)
        return -1;
    int rc = nmx__report_json_v2(src, mem);
    if (fclose(mem) != 0 || rc != 0) {
        free(json);
        return -1;
    }
    json_t *erps = json_array();
    for (size_t i = 0; i < src->nresults; i++)
        json_array_append_new(erps, expert_erps(src->results[i]));
    char *erp_text = json_dumps(erps, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(erps);
    if (erp_text == NULL) {
        free(json);
        return -1;
    }
    char nonce[33];
    make_nonce(nonce);

    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", out);
    fprintf(out,
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'nonce-%s'; "
            "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n",
            nonce);
    fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"nmexpert ",
          out);
    put_escaped(src->version != NULL ? src->version : "", out);
    fputs("\">\n<title>", out);
    put_title(src, out);
    fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", nmx__html_report_css);
    fputs("<noscript><p>This report draws its tables and charts with JavaScript; the data are in the "
          "nmx-report block of this file, as a JSON report of version 2.</p></noscript>\n"
          "<main id=\"app\"></main>\n<script type=\"application/json\" id=\"nmx-report\">\n",
          out);
    put_script_json(json, len, out);
    fputs("</script>\n<script type=\"application/json\" id=\"nmx-erp\">\n", out);
    put_script_json(erp_text, strlen(erp_text), out);
    fprintf(out, "\n</script>\n<script nonce=\"%s\">\n%s</script>\n</body>\n</html>\n", nonce, nmx__html_report_js);
    free(json);
    free(erp_text);
    return ferror(out) ? -1 : 0;
}
