/*
 * report_json.c - the JSON report, version 2 (man nmexpert, JSON OUTPUT;
 * data/report-v2.schema.json validates it).
 *
 *   {"report_version": 2, "nmexpert_version", "run": {captures,
 *    display_filter, range}, "capture": {...}, "experts": [{... "settings",
 *    "frames_read", "event_kinds": [{ident, title, columns: [{name, type,
 *    netmon_type}]}], "events": [{ident, severity, source, name,
 *    description, [justification], [time], values: {COLUMN: value}}]}]}
 *
 * Columns are declared once per event kind (EventIdent), in first-seen
 * order, and each event's values are keyed by column name.  A column's
 * declared type depends on the types the expert used for it, never on its
 * values: NetMon integers are "integer", FLOAT64 "number", FRAME "frame"
 * (1-based), the flags "boolean", addresses "mac"/"ipv4"/"ipx" and VARTIME
 * "time" (ISO 8601 text).  When an expert mixes types in one column of one
 * kind, integers and numbers are declared "number"; any other mix is
 * "string" (netmon_type "mixed"), with every value written as the text
 * report shows it.
 *
 * The document is streamed: the head, then each expert's fields, kinds and
 * events one at a time, so that memory does not grow with the number of
 * events.  Every piece is dumped by jansson and indented to its depth.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netmon.h>

#include "common/strutil.h"
#include "report/report.h"

/* 17 significant digits: every double reads back as itself (`report` renders
 * a saved report exactly as the run did). */
#define JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(17))

/* ---- indented streaming ------------------------------------------------- */

typedef struct indent_ctx {
    FILE *out;
    int depth; /* spaces after each newline */
} indent_ctx_t;

static int indented(const char *buf, size_t size, void *data)
{
    indent_ctx_t *c = data;
    for (size_t i = 0; i < size; i++) {
        if (fputc(buf[i], c->out) == EOF)
            return -1;
        if (buf[i] == '\n' && fprintf(c->out, "%*s", c->depth, "") < 0)
            return -1;
    }
    return 0;
}

/* Writes `v` (stolen) as JSON at `depth` spaces of indentation. */
static int dump_at(json_t *v, FILE *out, int depth)
{
    indent_ctx_t c = {out, depth};
    int rc = v != NULL ? json_dump_callback(v, indented, &c, JSON_FLAGS) : -1;
    json_decref(v);
    return rc;
}

/* Writes object `o` (stolen) at `depth` without its closing "\n}", so that
 * more members can follow. */
static int open_object(json_t *o, FILE *out, int depth)
{
    char *text = o != NULL ? json_dumps(o, JSON_FLAGS) : NULL;
    json_decref(o);
    size_t n = text != NULL ? strlen(text) : 0;
    indent_ctx_t c = {out, depth};
    int rc = -1;
    if (n >= 2 && text[n - 1] == '}' && text[n - 2] == '\n')
        rc = indented(text, n - 2, &c);
    else if (n == 2 && strcmp(text, "{}") == 0)
        rc = fputc('{', out) == EOF ? -1 : 0;
    free(text);
    return rc;
}

/* ---- column types ------------------------------------------------------- */

/* The declared (JSON) type of a NetMon column type. */
static const char *declared_type(uint32_t t)
{
    switch (t) {
    case NMCOLUMNTYPE_UINT8:
    case NMCOLUMNTYPE_SINT8:
    case NMCOLUMNTYPE_UINT16:
    case NMCOLUMNTYPE_SINT16:
    case NMCOLUMNTYPE_UINT32:
    case NMCOLUMNTYPE_SINT32:
    case NMX_COLUMNTYPE_UINT64: return "integer";
    case NMCOLUMNTYPE_FLOAT64: return "number";
    case NMCOLUMNTYPE_FRAME: return "frame";
    case NMCOLUMNTYPE_YESNO:
    case NMCOLUMNTYPE_ONOFF:
    case NMCOLUMNTYPE_TRUEFALSE: return "boolean";
    case NMCOLUMNTYPE_MACADDR: return "mac";
    case NMCOLUMNTYPE_IPADDR: return "ipv4";
    case NMCOLUMNTYPE_IPXADDR: return "ipx";
    case NMCOLUMNTYPE_VARTIME: return "time";
    default: return "string";
    }
}

/* One column of an event kind: its NetMon type, or MIXED. */
#define MIXED UINT32_MAX

typedef struct kind_col {
    const char *name;
    uint32_t type;      /* NMCOLUMNTYPE_*, or MIXED */
    const char *jtype;  /* declared type */
} kind_col_t;

typedef struct kind {
    uint32_t ident;
    const char *title;  /* the first event's name */
    kind_col_t *cols;
    size_t ncols;
} kind_t;

static void kinds_free(kind_t *k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(k[i].cols);
    free(k);
}

/* A column met again with type t: keep one declared type for all values. */
static void widen(kind_col_t *c, uint32_t t)
{
    if (c->type == t)
        return;
    bool both_numeric = strcmp(c->jtype, "integer") == 0 || strcmp(c->jtype, "number") == 0;
    const char *jt = declared_type(t);
    both_numeric = both_numeric && (strcmp(jt, "integer") == 0 || strcmp(jt, "number") == 0);
    c->type = MIXED;
    c->jtype = both_numeric ? "number" : "string";
}

/* The event kinds of a result, columns unioned in first-seen order; NULL
 * with *n = 0 when there are no events (or no memory). */
static kind_t *kinds_build(const nmx_result_t *r, size_t *n)
{
    *n = 0;
    kind_t *k = NULL;
    for (size_t i = 0; i < r->nevents; i++) {
        const nmx_event_t *e = &r->events[i];
        size_t j = 0;
        while (j < *n && k[j].ident != e->ident)
            j++;
        if (j == *n) {
            kind_t *g = realloc(k, (*n + 1) * sizeof *g);
            if (g == NULL)
                break;
            k = g;
            memset(&k[j], 0, sizeof k[j]);
            k[j].ident = e->ident;
            k[j].title = e->name != NULL ? e->name : "";
            (*n)++;
        }
        kind_t *kd = &k[j];
        for (uint32_t c = 0; c < e->ncolumns; c++) {
            const nmx_column_t *col = &e->columns[c];
            size_t m = 0;
            while (m < kd->ncols && strcmp(kd->cols[m].name, col->name) != 0)
                m++;
            if (m < kd->ncols) {
                widen(&kd->cols[m], col->type);
                continue;
            }
            kind_col_t *g = realloc(kd->cols, (kd->ncols + 1) * sizeof *g);
            if (g == NULL)
                continue;
            kd->cols = g;
            kd->cols[kd->ncols++] = (kind_col_t){col->name, col->type, declared_type(col->type)};
        }
    }
    return k;
}

static const kind_col_t *kind_col(const kind_t *k, size_t n, uint32_t ident, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (k[i].ident != ident)
            continue;
        for (size_t c = 0; c < k[i].ncols; c++)
            if (strcmp(k[i].cols[c].name, name) == 0)
                return &k[i].cols[c];
    }
    return NULL;
}

static json_t *kinds_json(const kind_t *k, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object(), *cols = json_array();
        json_object_set_new(o, "ident", json_integer(k[i].ident));
        json_object_set_new(o, "title", nmx__report_json_text(k[i].title));
        for (size_t c = 0; c < k[i].ncols; c++) {
            json_t *jc = json_object();
            json_object_set_new(jc, "name", nmx__report_json_text(k[i].cols[c].name));
            json_object_set_new(jc, "type", json_string(k[i].cols[c].jtype));
            json_object_set_new(jc, "netmon_type", json_string(k[i].cols[c].type == MIXED
                                                                   ? "mixed"
                                                                   : nmx__report_column_type_name(k[i].cols[c].type)));
            json_array_append_new(cols, jc);
        }
        json_object_set_new(o, "columns", cols);
        json_array_append_new(arr, o);
    }
    return arr;
}

/* ---- values --------------------------------------------------------------- */

/* A cell as its kind declares it. */
static json_t *value_json(const nmx_column_t *c, const char *jtype)
{
    char buf[256];
    if (strcmp(jtype, "string") == 0 && c->type != NMCOLUMNTYPE_STRING) {
        nmx__report_format_value(c, buf, sizeof buf);
        return nmx__report_json_text(buf);
    }
    switch (c->type) {
    case NMCOLUMNTYPE_UINT8:
    case NMCOLUMNTYPE_UINT16:
    case NMCOLUMNTYPE_UINT32:
    case NMX_COLUMNTYPE_UINT64:
        if (strcmp(jtype, "number") == 0)
            return json_real((double)c->v.u);
        return json_integer(c->v.u > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)c->v.u);
    case NMCOLUMNTYPE_SINT8:
    case NMCOLUMNTYPE_SINT16:
    case NMCOLUMNTYPE_SINT32:
        if (strcmp(jtype, "number") == 0)
            return json_real((double)c->v.i);
        return json_integer((json_int_t)c->v.i);
    case NMCOLUMNTYPE_FLOAT64:
        return isfinite(c->v.f) ? json_real(c->v.f) : json_null();
    case NMCOLUMNTYPE_FRAME:
        return json_integer((json_int_t)c->v.u + 1);
    case NMCOLUMNTYPE_YESNO:
    case NMCOLUMNTYPE_ONOFF:
    case NMCOLUMNTYPE_TRUEFALSE:
        return json_boolean(c->v.b);
    case NMCOLUMNTYPE_VARTIME:
        nmx__report_format_vartime(c->v.f, buf, sizeof buf, 'T');
        return json_string(buf);
    case NMCOLUMNTYPE_STRING:
        return nmx__report_json_text(c->s);
    default:
        nmx__report_format_value(c, buf, sizeof buf);
        return nmx__report_json_text(buf);
    }
}

static bool systime_set(const nmx_event_t *e)
{
    for (int i = 0; i < 8; i++)
        if (e->systime[i] != 0)
            return true;
    return false;
}

/* Sets v under column `name` (as JSON text) in *o, made on first use. */
static void set_by_column(json_t **o, const char *name, json_t *v)
{
    if (*o == NULL)
        *o = json_object();
    json_t *key_text = nmx__report_json_text(name);
    json_object_set_new(*o, json_string_value(key_text), v);
    json_decref(key_text);
}

static json_t *event_json(const nmx_report_source_t *src, const nmx_event_t *e, const kind_t *k, size_t nk)
{
    json_t *ev = json_object();
    json_object_set_new(ev, "ident", json_integer(e->ident));
    json_object_set_new(ev, "severity", json_integer(e->severity));
    json_object_set_new(ev, "source", nmx__report_json_text(e->source));
    json_object_set_new(ev, "name", nmx__report_json_text(e->name));
    json_object_set_new(ev, "description", nmx__report_json_text(e->description));
    json_object_set_new(ev, "flags", json_integer(e->flags));
    if (e->machine != NULL && e->machine[0] != '\0')
        json_object_set_new(ev, "machine", nmx__report_json_text(e->machine));
    if (e->justification != NULL)
        json_object_set_new(ev, "justification", nmx__report_json_text(e->justification));
    if (systime_set(e)) {
        char ts[80];
        snprintf(ts, sizeof ts, "%04u-%02u-%02uT%02u:%02u:%02u.%03u", e->systime[0], e->systime[1],
                 e->systime[3], e->systime[4], e->systime[5], e->systime[6], e->systime[7]);
        json_object_set_new(ev, "time", json_string(ts));
    }
    json_t *vals = json_object();
    for (uint32_t c = 0; c < e->ncolumns; c++) {
        const nmx_column_t *col = &e->columns[c];
        const kind_col_t *kc = kind_col(k, nk, e->ident, col->name);
        set_by_column(&vals, col->name, value_json(col, kc != NULL ? kc->jtype : "string"));
    }
    json_object_set_new(ev, "values", vals);
    /* For each frame the event names: its file in a merged capture, and its
     * capture time (for time lines). */
    json_t *ff = NULL, *ft = NULL;
    for (uint32_t c = 0; c < e->ncolumns; c++) {
        char where[4200];
        double secs;
        if (nmx__report_frame_file(src, &e->columns[c], where, sizeof where))
            set_by_column(&ff, e->columns[c].name, nmx__report_json_text(where));
        if (nmx__report_frame_time(src, &e->columns[c], &secs))
            set_by_column(&ft, e->columns[c].name, json_real(secs));
    }
    if (ff != NULL)
        json_object_set_new(ev, "frame_files", ff);
    if (ft != NULL)
        json_object_set_new(ev, "frame_times", ft);
    return ev;
}

/* ---- an expert --------------------------------------------------------------- */

/* The configuration as the report states it: KEY=VALUE text as an object
 * (later lines win), {"raw_bytes": N} for anything else, null for none. */
static json_t *settings_json(const nmx_result_t *r)
{
    if (r->config == NULL)
        return json_null();
    const char *p = r->config, *end = p + r->config_len;
    json_t *o = json_object();
    bool text = true;
    for (const char *q = p; q < end && text; q++)
        text = (unsigned char)*q >= 0x20 || *q == '\n' || *q == '\r' || *q == '\t' || (*q == '\0' && q + 1 == end);
    while (text && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
        while (l > 0 && (p[l - 1] == '\r' || p[l - 1] == '\0'))
            l--;
        const char *eq = memchr(p, '=', l);
        if (eq != NULL && eq > p) {
            char *key = strndup(p, (size_t)(eq - p)), *val = strndup(eq + 1, l - (size_t)(eq - p) - 1);
            json_t *jk = key != NULL ? nmx__report_json_text(key) : NULL;
            if (jk != NULL && val != NULL)
                json_object_set_new(o, json_string_value(jk), nmx__report_json_text(val));
            json_decref(jk);
            free(key);
            free(val);
        } else if (l > 0 && p[0] != '#' && p[0] != ';') {
            text = false; /* not KEY=VALUE lines */
        }
        p += l;
        while (p < end && (*p == '\n' || *p == '\r' || *p == '\0'))
            p++;
    }
    if (!text) {
        json_object_clear(o);
        json_object_set_new(o, "raw_bytes", json_integer((json_int_t)r->config_len));
    }
    return o;
}

/* A count as JSON.  Figures the expert's process keeps (memory statistics,
 * refused events) come from memory it can write: a scribbled value past
 * 2^63 - 1 is written as that, never as a negative number. */
static json_t *count_json(uint64_t v)
{
    return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static json_t *memory_json(const nmx_mem_figures_t *mf)
{
    json_t *m = json_object();
    json_object_set_new(m, "allocations", count_json(mf->allocations));
    json_object_set_new(m, "frees", count_json(mf->frees));
    json_object_set_new(m, "peak_bytes", count_json(mf->peak_bytes));
    json_object_set_new(m, "live_bytes_at_end", count_json(mf->live_bytes_at_end));
    json_object_set_new(m, "reclaimed_bytes", count_json(mf->reclaimed_bytes));
    json_object_set_new(m, "reclaimed_blocks", count_json(mf->reclaimed_blocks));
    json_object_set_new(m, "limit_bytes", count_json(mf->limit_bytes));
    return m;
}

/* An expert's fields, without its event kinds and events. */
static json_t *result_head_json(const nmx_result_t *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", nmx__report_json_text(r->name));
    json_object_set_new(o, "module", nmx__report_json_text(r->module));
    json_object_set_new(o, "viewer", json_string(nmx__report_viewer_name(r->register_flags)));
    json_object_set_new(o, "version", json_integer(r->version));
    json_object_set_new(o, "outcome", json_string(nmx_outcome_name(r->outcome)));
    json_object_set_new(o, "status", json_string(nmx__report_status_name(r->status)));
    json_object_set_new(o, "substatus", json_integer(r->substatus));
    json_object_set_new(o, "message", nmx__report_json_text(r->message));
    json_object_set_new(o, "elapsed_ms", count_json(r->elapsed_ms));
    json_object_set_new(o, "percent_done", json_integer(r->percent_done > 100 ? 100 : r->percent_done));
    /* EXPERTSTATUS.Frame, 0-based as the expert saw it; null when none. */
    json_object_set_new(o, "frame", r->frame != INVALID_FRAME_NUMBER ? json_integer(r->frame) : json_null());
    json_object_set_new(o, "frames_read", count_json(r->frames_read));
    json_object_set_new(o, "settings", settings_json(r));
    json_object_set_new(o, "containment", json_string(r->containment != NULL ? r->containment : "none"));
    json_object_set_new(o, "peak_rss_bytes", count_json(r->peak_rss_bytes));
    json_object_set_new(o, "memory", memory_json(&r->memory));
    json_object_set_new(o, "events_refused", count_json(r->events_dropped));
    json_object_set_new(o, "events_over_limit", count_json(r->events_over_limit));
    json_object_set_new(o, "event_limit_bytes", count_json(r->event_limit_bytes));
    if (r->merge != NULL)
        json_object_set_new(o, "merge", nmx__report_json_text(r->merge));
    return o;
}

/* One element of "experts", at depth 4. */
static int result_stream(const nmx_report_source_t *src, const nmx_result_t *r, FILE *out)
{
    size_t nk;
    kind_t *k = kinds_build(r, &nk);
    int rc = open_object(result_head_json(r), out, 4);
    if (rc == 0 && fputs(",\n      \"event_kinds\": ", out) == EOF)
        rc = -1;
    if (rc == 0)
        rc = dump_at(kinds_json(k, nk), out, 6);
    if (rc == 0 && fputs(",\n      \"events\": [", out) == EOF)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < r->nevents; i++) {
        if (fputs(i > 0 ? ",\n        " : "\n        ", out) == EOF)
            rc = -1;
        else
            rc = dump_at(event_json(src, &r->events[i], k, nk), out, 8);
    }
    if (rc == 0 && fputs(r->nevents > 0 ? "\n      ]\n    }" : "]\n    }", out) == EOF)
        rc = -1;
    kinds_free(k, nk);
    return rc;
}

/* ---- the run ----------------------------------------------------------------- */

static json_t *range_json(const nmx_report_source_t *src)
{
    const nmx_report_range_t *g = &src->range;
    if (!g->active)
        return json_null();
    json_t *o = json_object();
    char buf[64];
    json_object_set_new(o, "first_frame", g->first_frame ? json_integer(g->first_frame) : json_null());
    json_object_set_new(o, "last_frame", g->last_frame ? json_integer(g->last_frame) : json_null());
    if (g->has_start) {
        nmx__report_iso_time(g->start_ns, 9, buf, sizeof buf);
        json_object_set_new(o, "start", json_string(buf));
    } else {
        json_object_set_new(o, "start", json_null());
    }
    if (g->has_end) {
        nmx__report_iso_time(g->end_ns, 9, buf, sizeof buf);
        json_object_set_new(o, "end", json_string(buf));
    } else {
        json_object_set_new(o, "end", json_null());
    }
    return o;
}

static json_t *head_json(const nmx_report_source_t *src)
{
    json_t *o = json_object(), *run = json_object(), *caps = json_array();
    json_object_set_new(o, "report_version", json_integer(2));
    json_object_set_new(o, "nmexpert_version", json_string(src->version));
    for (size_t i = 0; i < src->ncaptures; i++)
        json_array_append_new(caps, nmx__report_json_text(src->captures[i]));
    json_object_set_new(run, "captures", caps);
    json_object_set_new(run, "display_filter",
                        src->display_filter != NULL ? nmx__report_json_text(src->display_filter) : json_null());
    json_object_set_new(run, "range", range_json(src));
    if (src->shard_count > 1) {
        json_t *sh = json_object();
        json_object_set_new(sh, "index", json_integer(src->shard_index));
        json_object_set_new(sh, "count", json_integer(src->shard_count));
        json_object_set_new(sh, "hash", json_string("connection"));
        json_object_set_new(run, "shard", sh);
    }
    if (src->merged_shards > 0)
        json_object_set_new(run, "merged_shards", json_integer(src->merged_shards));
    json_object_set_new(o, "run", run);
    json_object_set_new(o, "capture", src->capture_json != NULL ? json_incref(src->capture_json) : json_object());
    return o;
}

int nmx__report_json_v2(const nmx_report_source_t *src, FILE *out)
{
    int rc = open_object(head_json(src), out, 0);
    if (rc == 0 && fputs(",\n  \"experts\": [", out) == EOF)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < src->nresults; i++) {
        if (fputs(i > 0 ? ",\n    " : "\n    ", out) == EOF)
            rc = -1;
        else
            rc = result_stream(src, src->results[i], out);
    }
    if (rc == 0 && fputs(src->nresults > 0 ? "\n  ]\n}\n" : "]\n}\n", out) == EOF)
        rc = -1;
    return rc == 0 && !ferror(out) ? 0 : -1;
}
