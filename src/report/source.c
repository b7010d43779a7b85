/*
 * source.c - what the report writers write from (nmx_report_source_t): a
 * finished run, or a JSON report (version 2) saved earlier, which `nmexpert
 * report FILE --format text|csv|json` renders again.
 *
 * From a run, the source points into the run and its capture.  From a file,
 * every value is rebuilt from the JSON into memory the source owns: the
 * capture's description (nmx_capture_info_t), each expert's result, its
 * events and their typed columns (by each event kind's declared netmon_type,
 * so that the text and CSV renderings are those of the original run).  A
 * document that is not a version 2 report is refused with the reason and
 * the JSON path of the first thing wrong.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netmon.h>

#include "capture/capture.h"
#include "common/strutil.h"
#include "report/report.h"

/* ---- from a run ------------------------------------------------------------ */

int nmx__report_source_from_run(const nmx_run_t *run, nmx_report_source_t *src)
{
    memset(src, 0, sizeof *src);
    const nmx_capture_t *cap = nmx_run_capture(run);
    const nmx_run_opts_t *o = nmx_run_options(run);
    nmx_capture_get_info(cap, &src->info);
    src->version = nmx_version();
    src->captures = src->info.files;
    src->ncaptures = src->info.n_files;
    src->display_filter = o->ui_filter != NULL && o->ui_filter[0] != '\0' ? o->ui_filter : NULL;
    nmx_report_range_t *g = &src->range;
    g->active = o->first_frame != 0 || o->last_frame != 0 || o->has_start_time || o->has_end_time;
    g->first_frame = o->first_frame;
    g->last_frame = o->last_frame;
    g->has_start = o->has_start_time != 0;
    g->has_end = o->has_end_time != 0;
    g->start_ns = o->start_ns;
    g->end_ns = o->end_ns;
    if (o->shard_count > 1) {
        src->shard_index = o->shard_index;
        src->shard_count = o->shard_count;
    }
    src->capture_json = nmx__report_capture_json(cap);
    src->cap = cap;
    src->nresults = nmx_run_result_count(run);
    src->results = calloc(src->nresults + 1, sizeof *src->results);
    if (src->capture_json == NULL || src->results == NULL) {
        nmx__report_source_free(src);
        return -1;
    }
    for (size_t i = 0; i < src->nresults; i++)
        src->results[i] = nmx_run_result(run, i);
    return 0;
}

bool nmx__report_frame_file(const nmx_report_source_t *src, const nmx_column_t *c, char *buf, size_t n)
{
    if (c->type != NMCOLUMNTYPE_FRAME)
        return false;
    if (src->cap == NULL) {
        if (c->s == NULL || c->s[0] == '\0')
            return false;
        snprintf(buf, n, "%s", c->s);
        return true;
    }
    if (src->info.n_files < 2 || c->v.u >= src->info.frames)
        return false;
    uint32_t local;
    uint32_t k = nmx_capture_frame_file(src->cap, (uint32_t)c->v.u, &local);
    if (k >= src->info.n_files)
        return false;
    snprintf(buf, n, "%s:%u", src->info.files[k], local + 1);
    return true;
}

/* ---- from a saved report ---------------------------------------------------- */

/* Everything a loaded source owns, freed together. */
typedef struct loaded {
    void **blocks;
    size_t n, cap;
    json_t *doc;
    json_t *frame_times; /* "N" (1-based frame) -> seconds, from the events' frame_times */
} loaded_t;

bool nmx__report_frame_time(const nmx_report_source_t *src, const nmx_column_t *c, double *secs)
{
    if (c->type != NMCOLUMNTYPE_FRAME)
        return false;
    if (src->cap == NULL) {
        const loaded_t *l = src->owned;
        char key[24];
        snprintf(key, sizeof key, "%" PRIu64, c->v.u + 1);
        json_t *t = l != NULL ? json_object_get(l->frame_times, key) : NULL;
        if (!json_is_number(t))
            return false;
        *secs = json_number_value(t);
        return true;
    }
    if (c->v.u >= src->info.frames)
        return false;
    const nmx_frame_rec_t *rec = nmx__cap_frame((const nmx_cap_t *)src->cap, (uint32_t)c->v.u);
    if (rec == NULL || (rec->flags & NMX_FRAME_NO_TS))
        return false;
    *secs = (double)(rec->ts_ns - src->info.frame1_ns) / 1e9;
    return true;
}

static void *keep(loaded_t *l, void *p)
{
    if (p == NULL)
        return NULL;
    if (l->n == l->cap) {
        size_t c = l->cap ? l->cap * 2 : 64;
        void **b = realloc(l->blocks, c * sizeof *b);
        if (b == NULL) {
            free(p);
            return NULL;
        }
        l->blocks = b;
        l->cap = c;
    }
    l->blocks[l->n++] = p;
    return p;
}

typedef struct loader {
    loaded_t *l;
    char *err;
    size_t errlen;
    bool failed;
} loader_t;

static void fail(loader_t *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(loader_t *ld, const char *fmt, ...)
{
    if (ld->failed)
        return;
    ld->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ld->err, ld->errlen, fmt, ap);
    va_end(ap);
}

/* A string member (the doc owns it); "" and a failure when it is missing. */
static const char *str_at(loader_t *ld, json_t *o, const char *key, const char *where, bool nullable)
{
    json_t *v = json_object_get(o, key);
    if (nullable && (v == NULL || json_is_null(v)))
        return NULL;
    if (!json_is_string(v)) {
        fail(ld, "%s.%s: not a string", where, key);
        return "";
    }
    return json_string_value(v);
}

static uint64_t uint_at(loader_t *ld, json_t *o, const char *key, const char *where)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        fail(ld, "%s.%s: not a whole number", where, key);
        return 0;
    }
    return (uint64_t)json_integer_value(v);
}

/* "2013-06-17T21:58:19.036212Z" -> ns; false if it is not one. */
static bool iso_ns(const char *s, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int n = 0;
    if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                            &tm.tm_min, &tm.tm_sec, &n) != 6)
        return false;
    int64_t frac = 0;
    int digits = 0;
    const char *p = s + n;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            if (digits < 9) {
                frac = frac * 10 + (*p - '0');
                digits++;
            }
    while (digits++ < 9)
        frac *= 10;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = (int64_t)timegm(&tm) * 1000000000 + frac;
    return *p == 'Z';
}

static void load_capture(loader_t *ld, json_t *c, nmx_capture_info_t *in)
{
    if (!json_is_object(c)) {
        fail(ld, "capture: not an object");
        return;
    }
    memset(in, 0, sizeof *in);
    in->path = str_at(ld, c, "path", "capture", false);
    in->format = str_at(ld, c, "format", "capture", false);
    in->format_detail = str_at(ld, c, "format_detail", "capture", false);
    in->frames = (uint32_t)uint_at(ld, c, "frames", "capture");
    in->wire_bytes = uint_at(ld, c, "bytes", "capture");
    in->captured_bytes = uint_at(ld, c, "captured_bytes", "capture");
    in->compression = str_at(ld, c, "compression", "capture", true);
    (void)iso_ns(str_at(ld, c, "first_time", "capture", true), &in->first_ns);
    (void)iso_ns(str_at(ld, c, "last_time", "capture", true), &in->last_ns);
    json_t *files = json_object_get(c, "files");
    size_t nf = json_array_size(files);
    const char **names = keep(ld->l, calloc(nf + 1, sizeof *names));
    uint32_t *frames = keep(ld->l, calloc(nf + 1, sizeof *frames));
    if (names == NULL || frames == NULL) {
        fail(ld, "out of memory");
        return;
    }
    for (size_t k = 0; k < nf; k++) {
        names[k] = str_at(ld, json_array_get(files, k), "path", "capture.files[]", false);
        frames[k] = (uint32_t)uint_at(ld, json_array_get(files, k), "frames", "capture.files[]");
    }
    in->n_files = (uint32_t)nf;
    in->files = names;
    in->file_frames = frames;
    json_t *lt = json_object_get(c, "link_types");
    size_t nlt = json_array_size(lt);
    const char **lts = keep(ld->l, calloc(nlt + 1, sizeof *lts));
    for (size_t k = 0; lts != NULL && k < nlt; k++)
        lts[k] = json_is_string(json_array_get(lt, k)) ? json_string_value(json_array_get(lt, k)) : "";
    in->n_link_types = lts != NULL ? nlt : 0;
    in->link_types = lts;
    json_t *dmg = json_object_get(c, "damage");
    if (json_is_object(dmg)) {
        in->damage = str_at(ld, dmg, "message", "capture.damage", false);
        in->damage_offset = uint_at(ld, dmg, "offset", "capture.damage");
    }
}

/* NMCOLUMNTYPE of a "netmon_type" name; -1 when unknown, MIXED_TYPE for "mixed". */
#define MIXED_TYPE 1000
static int netmon_type(const char *name)
{
    if (name != NULL && strcmp(name, "mixed") == 0)
        return MIXED_TYPE;
    for (int t = 0; t <= NMX_COLUMNTYPE_UINT64; t++)
        if (name != NULL && strcmp(nmx__report_column_type_name((uint32_t)t), name) == 0)
            return t;
    return -1;
}

/* Converts an OLE automation date from ISO text (see format_vartime). */
static bool vartime_days(const char *s, double *out)
{
    int64_t ns;
    char buf[48];
    /* VARTIME text has milliseconds and no Z. */
    snprintf(buf, sizeof buf, "%sZ", s);
    if (!iso_ns(buf, &ns))
        return false;
    *out = (double)ns / 86400e9 + 25569.0;
    return true;
}

/* One cell from its JSON value and the kind's declared NetMon type. */
static void load_cell(loader_t *ld, json_t *v, int type, nmx_column_t *c)
{
    memset(&c->v, 0, sizeof c->v);
    c->s = "";
    if (json_is_null(v)) {
        c->type = NMCOLUMNTYPE_STRING;
        return;
    }
    if (type == MIXED_TYPE || type < 0 || (json_is_string(v) && type != NMCOLUMNTYPE_STRING &&
                                           type != NMCOLUMNTYPE_MACADDR && type != NMCOLUMNTYPE_IPADDR &&
                                           type != NMCOLUMNTYPE_IPXADDR && type != NMCOLUMNTYPE_VARTIME)) {
        /* Written as text (or as a number of a mixed column): keep it so. */
        if (json_is_string(v)) {
            c->type = NMCOLUMNTYPE_STRING;
            c->s = json_string_value(v);
        } else if (json_is_integer(v)) {
            c->type = json_integer_value(v) < 0 ? NMCOLUMNTYPE_SINT32 : NMX_COLUMNTYPE_UINT64;
            c->v.i = json_integer_value(v);
        } else {
            c->type = NMCOLUMNTYPE_FLOAT64;
            c->v.f = json_number_value(v);
        }
        return;
    }
    c->type = (uint32_t)type;
    switch (type) {
    case NMCOLUMNTYPE_UINT8:
    case NMCOLUMNTYPE_UINT16:
    case NMCOLUMNTYPE_UINT32:
    case NMX_COLUMNTYPE_UINT64: c->v.u = (uint64_t)json_integer_value(v); break;
    case NMCOLUMNTYPE_SINT8:
    case NMCOLUMNTYPE_SINT16:
    case NMCOLUMNTYPE_SINT32: c->v.i = json_integer_value(v); break;
    case NMCOLUMNTYPE_FLOAT64: c->v.f = json_number_value(v); break;
    case NMCOLUMNTYPE_FRAME: c->v.u = (uint64_t)(json_integer_value(v) - 1); break;
    case NMCOLUMNTYPE_YESNO:
    case NMCOLUMNTYPE_ONOFF:
    case NMCOLUMNTYPE_TRUEFALSE: c->v.b = json_is_true(v); break;
    case NMCOLUMNTYPE_IPADDR:
        if (!json_is_string(v) || inet_pton(AF_INET, json_string_value(v), c->v.bytes) != 1)
            fail(ld, "an ipaddr value is not an IPv4 address");
        break;
    case NMCOLUMNTYPE_MACADDR: {
        unsigned b[6];
        if (!json_is_string(v) || sscanf(json_string_value(v), "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2],
                                         &b[3], &b[4], &b[5]) != 6)
            fail(ld, "a macaddr value is not a MAC address");
        else
            for (int k = 0; k < 6; k++)
                c->v.bytes[k] = (uint8_t)b[k];
        break;
    }
    case NMCOLUMNTYPE_IPXADDR: {
        const char *s = json_is_string(v) ? json_string_value(v) : "";
        for (int k = 0, pos = 0; k < 10 && s[pos] != '\0'; k++) {
            if (s[pos] == '.')
                pos++;
            unsigned byte;
            if (sscanf(s + pos, "%2x", &byte) != 1)
                break;
            c->v.bytes[k] = (uint8_t)byte;
            pos += 2;
        }
        break;
    }
    case NMCOLUMNTYPE_VARTIME:
        if (!json_is_string(v) || !vartime_days(json_string_value(v), &c->v.f))
            fail(ld, "a vartime value is not a time");
        break;
    default:
        c->type = NMCOLUMNTYPE_STRING;
        c->s = json_is_string(v) ? json_string_value(v) : "";
        break;
    }
}

/* An event's columns, in its kind's order. */
static void load_event(loader_t *ld, json_t *je, json_t *kinds, nmx_event_t *e)
{
    memset(e, 0, sizeof *e);
    e->ident = (uint32_t)uint_at(ld, je, "ident", "event");
    e->severity = (uint32_t)uint_at(ld, je, "severity", "event");
    e->source = str_at(ld, je, "source", "event", false);
    e->name = str_at(ld, je, "name", "event", false);
    e->description = str_at(ld, je, "description", "event", false);
    const char *machine = str_at(ld, je, "machine", "event", true);
    e->machine = machine != NULL ? machine : "";
    e->justification = str_at(ld, je, "justification", "event", true);
    e->flags = (uint32_t)uint_at(ld, je, "flags", "event");
    const char *t = str_at(ld, je, "time", "event", true);
    unsigned st[7];
    if (t != NULL && sscanf(t, "%4u-%2u-%2uT%2u:%2u:%2u.%3u", &st[0], &st[1], &st[2], &st[3], &st[4], &st[5],
                            &st[6]) == 7) {
        uint16_t sys[8] = {(uint16_t)st[0], (uint16_t)st[1], 0, (uint16_t)st[2],
                           (uint16_t)st[3], (uint16_t)st[4], (uint16_t)st[5], (uint16_t)st[6]};
        memcpy(e->systime, sys, sizeof sys);
    }
    json_t *vals = json_object_get(je, "values");
    json_t *cols = NULL;
    for (size_t k = 0; k < json_array_size(kinds); k++)
        if (json_integer_value(json_object_get(json_array_get(kinds, k), "ident")) == (json_int_t)e->ident)
            cols = json_object_get(json_array_get(kinds, k), "columns");
    if (!json_is_object(vals) || !json_is_array(cols)) {
        fail(ld, "event (ident %u): no values, or no event kind declaring its columns", e->ident);
        return;
    }
    nmx_column_t *out = keep(ld->l, calloc(json_array_size(cols) + 1, sizeof *out));
    if (out == NULL) {
        fail(ld, "out of memory");
        return;
    }
    for (size_t k = 0; k < json_array_size(cols); k++) {
        json_t *col = json_array_get(cols, k);
        const char *name = str_at(ld, col, "name", "event_kinds[].columns[]", false);
        json_t *v = json_object_get(vals, name);
        if (v == NULL)
            continue; /* the event did not have this column */
        out[e->ncolumns].name = name;
        load_cell(ld, v, netmon_type(json_string_value(json_object_get(col, "netmon_type"))), &out[e->ncolumns]);
        json_t *ff = json_object_get(json_object_get(je, "frame_files"), name);
        if (out[e->ncolumns].type == NMCOLUMNTYPE_FRAME && json_is_string(ff))
            out[e->ncolumns].s = json_string_value(ff);
        json_t *ft = json_object_get(json_object_get(je, "frame_times"), name);
        if (out[e->ncolumns].type == NMCOLUMNTYPE_FRAME && json_is_number(ft)) {
            char key[24];
            snprintf(key, sizeof key, "%" PRIu64, out[e->ncolumns].v.u + 1);
            json_object_set(ld->l->frame_times, key, ft);
        }
        e->ncolumns++;
    }
    e->columns = out;
}

static int outcome_of(const char *s)
{
    for (int o = NMX_OUTCOME_PENDING; o <= NMX_OUTCOME_LOAD_FAILED; o++)
        if (strcmp(nmx_outcome_name((nmx_outcome_t)o), s) == 0)
            return o;
    return -1;
}

static void load_result(loader_t *ld, json_t *je, nmx_result_t *r)
{
    memset(r, 0, sizeof *r);
    r->name = str_at(ld, je, "name", "expert", false);
    r->module = str_at(ld, je, "module", "expert", false);
    r->version = (uint32_t)uint_at(ld, je, "version", "expert");
    int oc = outcome_of(str_at(ld, je, "outcome", "expert", false));
    if (oc < 0)
        fail(ld, "expert %s: unknown outcome", r->module);
    r->outcome = oc < 0 ? NMX_OUTCOME_FAILED : (nmx_outcome_t)oc;
    const char *status = str_at(ld, je, "status", "expert", false);
    for (uint32_t s = 0; s <= EXPERTSTATUS_DONE; s++)
        if (strcmp(nmx__report_status_name(s), status) == 0)
            r->status = s;
    r->substatus = (uint32_t)uint_at(ld, je, "substatus", "expert");
    r->message = str_at(ld, je, "message", "expert", false);
    r->elapsed_ms = uint_at(ld, je, "elapsed_ms", "expert");
    r->percent_done = (uint32_t)uint_at(ld, je, "percent_done", "expert");
    json_t *f = json_object_get(je, "frame");
    r->frame = json_is_integer(f) ? (uint32_t)json_integer_value(f) : INVALID_FRAME_NUMBER;
    r->frames_read = uint_at(ld, je, "frames_read", "expert");
    r->register_flags = nmx__report_viewer_flags(str_at(ld, je, "viewer", "expert", true));
    r->containment = str_at(ld, je, "containment", "expert", false);
    r->peak_rss_bytes = uint_at(ld, je, "peak_rss_bytes", "expert");
    r->events_dropped = uint_at(ld, je, "events_refused", "expert");
    r->events_over_limit = uint_at(ld, je, "events_over_limit", "expert");
    r->event_limit_bytes = uint_at(ld, je, "event_limit_bytes", "expert");
    r->merge = str_at(ld, je, "merge", "expert", true);
    json_t *m = json_object_get(je, "memory");
    r->memory.allocations = uint_at(ld, m, "allocations", "expert.memory");
    r->memory.frees = uint_at(ld, m, "frees", "expert.memory");
    r->memory.peak_bytes = uint_at(ld, m, "peak_bytes", "expert.memory");
    r->memory.live_bytes_at_end = uint_at(ld, m, "live_bytes_at_end", "expert.memory");
    r->memory.reclaimed_bytes = uint_at(ld, m, "reclaimed_bytes", "expert.memory");
    r->memory.reclaimed_blocks = uint_at(ld, m, "reclaimed_blocks", "expert.memory");
    r->memory.limit_bytes = uint_at(ld, m, "limit_bytes", "expert.memory");
    /* The settings as KEY=VALUE text again (raw configurations are gone). */
    json_t *set = json_object_get(je, "settings");
    if (json_is_object(set) && json_object_get(set, "raw_bytes") == NULL) {
        size_t len = 0;
        const char *k;
        json_t *v;
        json_object_foreach(set, k, v) len += strlen(k) + strlen(json_string_value(v) ? json_string_value(v) : "") + 2;
        char *text = keep(ld->l, calloc(len + 1, 1));
        if (text != NULL) {
            size_t n = 0;
            json_object_foreach(set, k, v) n += (size_t)snprintf(text + n, len + 1 - n, "%s=%s\n", k,
                                                                 json_string_value(v) ? json_string_value(v) : "");
            r->config = text;
            r->config_len = n;
        }
    }
    json_t *kinds = json_object_get(je, "event_kinds");
    json_t *events = json_object_get(je, "events");
    if (!json_is_array(kinds) || !json_is_array(events)) {
        fail(ld, "expert %s: no event_kinds or events array", r->module);
        return;
    }
    nmx_event_t *ev = keep(ld->l, calloc(json_array_size(events) + 1, sizeof *ev));
    if (ev == NULL) {
        fail(ld, "out of memory");
        return;
    }
    for (size_t i = 0; i < json_array_size(events) && !ld->failed; i++)
        load_event(ld, json_array_get(events, i), kinds, &ev[i]);
    r->events = ev;
    r->nevents = json_array_size(events);
}

int nmx__report_source_load(const char *path, nmx_report_source_t *src, char *err, size_t errlen)
{
    json_error_t je;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (doc == NULL) {
        memset(src, 0, sizeof *src);
        snprintf(err, errlen, "%s: not JSON (line %d, column %d: %s)", path, je.line, je.column, je.text);
        return -1;
    }
    return nmx__report_source_from_doc(doc, path, src, err, errlen);
}

int nmx__report_source_from_doc(json_t *doc, const char *path, nmx_report_source_t *src, char *err, size_t errlen)
{
    memset(src, 0, sizeof *src);
    loaded_t *l = calloc(1, sizeof *l);
    if (l == NULL) {
        json_decref(doc);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    src->owned = l;
    l->frame_times = json_object();
    l->doc = doc;
    loader_t ld = {l, err, errlen, false};
    json_t *d = l->doc;
    json_t *ver = json_object_get(d, "report_version");
    if (!json_is_integer(ver) || json_integer_value(ver) != 2) {
        snprintf(err, errlen, "%s: not an nmexpert report of version 2 (report_version is %s)", path,
                 ver == NULL ? "missing" : "not 2");
        nmx__report_source_free(src);
        return -1;
    }
    src->version = str_at(&ld, d, "nmexpert_version", "report", false);
    json_t *run = json_object_get(d, "run");
    json_t *caps = json_object_get(run, "captures");
    src->ncaptures = json_array_size(caps);
    const char **names = keep(l, calloc(src->ncaptures + 1, sizeof *names));
    for (size_t k = 0; names != NULL && k < src->ncaptures; k++)
        names[k] = json_is_string(json_array_get(caps, k)) ? json_string_value(json_array_get(caps, k)) : "";
    src->captures = names;
    src->display_filter = str_at(&ld, run, "display_filter", "run", true);
    json_t *rg = json_object_get(run, "range");
    if (json_is_object(rg)) {
        src->range.active = true;
        json_t *a = json_object_get(rg, "first_frame"), *b = json_object_get(rg, "last_frame");
        src->range.first_frame = json_is_integer(a) ? (uint32_t)json_integer_value(a) : 0;
        src->range.last_frame = json_is_integer(b) ? (uint32_t)json_integer_value(b) : 0;
        src->range.has_start = iso_ns(str_at(&ld, rg, "start", "run.range", true), &src->range.start_ns);
        src->range.has_end = iso_ns(str_at(&ld, rg, "end", "run.range", true), &src->range.end_ns);
    }
    json_t *sh = json_object_get(run, "shard");
    if (json_is_object(sh)) {
        json_t *k = json_object_get(sh, "index"), *n = json_object_get(sh, "count");
        if (!json_is_integer(k) || !json_is_integer(n) || json_integer_value(n) < 2 ||
            json_integer_value(n) > 65536 || json_integer_value(k) < 1 || json_integer_value(k) > json_integer_value(n))
            fail(&ld, "run.shard: not {\"index\": K, \"count\": N} with 1 <= K <= N");
        else {
            src->shard_index = (uint32_t)json_integer_value(k);
            src->shard_count = (uint32_t)json_integer_value(n);
        }
    }
    json_t *ms = json_object_get(run, "merged_shards");
    if (json_is_integer(ms) && json_integer_value(ms) > 0 && json_integer_value(ms) <= 65536)
        src->merged_shards = (uint32_t)json_integer_value(ms);
    src->capture_json = json_incref(json_object_get(d, "capture"));
    load_capture(&ld, src->capture_json, &src->info);
    json_t *experts = json_object_get(d, "experts");
    if (!json_is_array(experts))
        fail(&ld, "experts: not an array");
    src->nresults = json_array_size(experts);
    nmx_result_t *res = keep(l, calloc(src->nresults + 1, sizeof *res));
    src->results = calloc(src->nresults + 1, sizeof *src->results);
    if (res == NULL || src->results == NULL)
        fail(&ld, "out of memory");
    for (size_t i = 0; !ld.failed && i < src->nresults; i++) {
        load_result(&ld, json_array_get(experts, i), &res[i]);
        src->results[i] = &res[i];
    }
    if (ld.failed) {
        char why[512];
        nmx__strlcpy(why, err, sizeof why);
        snprintf(err, errlen, "%s: %s", path, why);
        nmx__report_source_free(src);
        return -1;
    }
    return 0;
}

void nmx__report_source_free(nmx_report_source_t *src)
{
    json_decref(src->capture_json);
    free((void *)src->results);
    loaded_t *l = src->owned;
    if (l != NULL) {
        for (size_t i = 0; i < l->n; i++)
            free(l->blocks[i]);
        free(l->blocks);
        json_decref(l->doc);
        json_decref(l->frame_times);
        free(l);
    }
    memset(src, 0, sizeof *src);
}
