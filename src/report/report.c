/*
 * report.c - writes the results of a run as text tables, CSV or JSON
 * (DESIGN.md "Contracts"; spec 1.8, 2.8, 4.7).
 *
 * Events of one expert are grouped by EventIdent; each group becomes one
 * table whose columns are the union of its events' columns by name, in the
 * order first seen (spec 2.8), preceded by the fixed viewer columns that the
 * events do not hide with NMEVENTFLAG_DO_NOT_DISPLAY_*.  Text and CSV render
 * cells as the NetMon viewer does (spec 4.7); JSON keeps typed values:
 * numbers as numbers, addresses in standard notation, FRAME 1-based,
 * booleans as booleans, VARTIME as ISO 8601 text.
 */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netmon.h>
#include <nmexpert/host.h>

#include "common/strutil.h"
#include "report/report.h"

/* ---- values ---------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if it is not one. */
static size_t utf8_seq(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

/*
 * A JSON string of expert-supplied text, which need not be valid UTF-8:
 * invalid bytes become U+FFFD, so the value is never dropped (jansson
 * refuses invalid UTF-8).
 */
json_t *nmx_report_json_text(const char *s)
{
    if (s == NULL)
        return json_string("");
    json_t *j = json_string(s);
    if (j != NULL)
        return j;
    size_t len = strlen(s);
    char *fixed = malloc(len * 3 + 1);
    if (fixed == NULL)
        return json_string("");
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0';) {
        size_t n = utf8_seq(p);
        if (n == 0) {
            memcpy(fixed + o, "\xEF\xBF\xBD", 3);
            o += 3;
            p++;
        } else {
            memcpy(fixed + o, p, n);
            o += n;
            p += n;
        }
    }
    fixed[o] = '\0';
    j = json_string(fixed);
    free(fixed);
    return j != NULL ? j : json_string("");
}

static const char *const column_type_names[] = {
    "uint8", "sint8",  "uint16",    "sint16",  "uint32",  "sint32", "float64", "frame",
    "yesno", "onoff", "truefalse", "macaddr", "ipxaddr", "ipaddr", "vartime", "string"};

const char *nmx_report_column_type_name(uint32_t type)
{
    return type < sizeof column_type_names / sizeof column_type_names[0] ? column_type_names[type]
                                                                         : "unknown";
}

/* OLE automation date (days since 1899-12-30) as "YYYY-MM-DDTHH:MM:SS.mmm". */
static void format_vartime(double days, char *buf, size_t n, char sep)
{
    if (!isfinite(days) || days < -657434.0 || days > 2958465.0) {
        snprintf(buf, n, "invalid");
        return;
    }
    double secs = (days - 25569.0) * 86400.0;
    double whole = floor(secs);
    long ms = lround((secs - whole) * 1000.0);
    time_t t = (time_t)whole;
    if (ms >= 1000) {
        ms -= 1000;
        t++;
    }
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL) {
        snprintf(buf, n, "invalid");
        return;
    }
    snprintf(buf, n, "%04d-%02d-%02d%c%02d:%02d:%02d.%03ld", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, sep, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

void nmx_report_format_value(const nmx_column_t *c, char *buf, size_t n)
{
    switch (c->type) {
    case NMCOLUMNTYPE_UINT8:
    case NMCOLUMNTYPE_UINT16:
    case NMCOLUMNTYPE_UINT32:
        snprintf(buf, n, "%" PRIu64, c->v.u);
        break;
    case NMCOLUMNTYPE_SINT8:
    case NMCOLUMNTYPE_SINT16:
    case NMCOLUMNTYPE_SINT32:
        snprintf(buf, n, "%" PRId64, c->v.i);
        break;
    case NMCOLUMNTYPE_FLOAT64:
        snprintf(buf, n, "%g", c->v.f);
        break;
    case NMCOLUMNTYPE_FRAME:
        snprintf(buf, n, "%" PRIu64, c->v.u + 1);
        break;
    case NMCOLUMNTYPE_YESNO:
        snprintf(buf, n, "%s", c->v.b ? "Yes" : "No");
        break;
    case NMCOLUMNTYPE_ONOFF:
        snprintf(buf, n, "%s", c->v.b ? "On" : "Off");
        break;
    case NMCOLUMNTYPE_TRUEFALSE:
        snprintf(buf, n, "%s", c->v.b ? "True" : "False");
        break;
    case NMCOLUMNTYPE_MACADDR:
        if (n >= 18)
            nmx_format_mac(c->v.bytes, buf);
        break;
    case NMCOLUMNTYPE_IPXADDR: {
        const uint8_t *b = c->v.bytes;
        snprintf(buf, n, "%02X%02X%02X%02X.%02X%02X%02X%02X%02X%02X", b[0], b[1], b[2], b[3], b[4],
                 b[5], b[6], b[7], b[8], b[9]);
        break;
    }
    case NMCOLUMNTYPE_IPADDR:
        if (n >= 16)
            nmx_format_ipv4(c->v.bytes, buf);
        break;
    case NMCOLUMNTYPE_VARTIME:
        format_vartime(c->v.f, buf, n, ' ');
        break;
    case NMCOLUMNTYPE_STRING:
        snprintf(buf, n, "%s", c->s != NULL ? c->s : "");
        break;
    default:
        snprintf(buf, n, "?");
        break;
    }
}

static json_t *value_json(const nmx_column_t *c)
{
    char buf[64];
    switch (c->type) {
    case NMCOLUMNTYPE_UINT8:
    case NMCOLUMNTYPE_UINT16:
    case NMCOLUMNTYPE_UINT32:
        return json_integer((json_int_t)c->v.u);
    case NMCOLUMNTYPE_SINT8:
    case NMCOLUMNTYPE_SINT16:
    case NMCOLUMNTYPE_SINT32:
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
        format_vartime(c->v.f, buf, sizeof buf, 'T');
        return json_string(buf);
    case NMCOLUMNTYPE_STRING:
        return nmx_report_json_text(c->s);
    default:
        nmx_report_format_value(c, buf, sizeof buf);
        return json_string(buf);
    }
}

/* ---- status names --------------------------------------------------------- */

const char *nmx_report_status_name(uint32_t status)
{
    static const char *const names[] = {"inactive", "starting", "running",
                                        "problem",  "aborted",  "done"};
    return status < sizeof names / sizeof names[0] ? names[status] : "unknown";
}

static const char *severity_name(uint32_t sev)
{
    static const char *const names[] = {"Informational", "Warning",      "Strong warning",
                                        "Error",         "Severe error", "Critical error"};
    return sev < sizeof names / sizeof names[0] ? names[sev] : NULL;
}

/* ---- tables: events grouped by ident, columns unioned by name ------------- */

enum { FIX_SEVERITY, FIX_SOURCE, FIX_NAME, FIX_DESCRIPTION, FIX_MACHINE, FIX_DATE, FIX_TIME, NFIX };
static const char *const fixed_names[NFIX] = {"Severity", "Source", "Event Name", "Description",
                                              "Machine",  "Date",   "Time"};
static const uint32_t fixed_hide[NFIX] = {
    NMEVENTFLAG_DO_NOT_DISPLAY_SEVERITY,    NMEVENTFLAG_DO_NOT_DISPLAY_SOURCE,
    NMEVENTFLAG_DO_NOT_DISPLAY_EVENT_NAME,  NMEVENTFLAG_DO_NOT_DISPLAY_DESCRIPTION,
    NMEVENTFLAG_DO_NOT_DISPLAY_MACHINE,     NMEVENTFLAG_DO_NOT_DISPLAY_DATE,
    NMEVENTFLAG_DO_NOT_DISPLAY_TIME};

typedef struct table {
    uint32_t ident;
    size_t *rows;        /* indexes of the events */
    size_t nrows;
    const char **cols;   /* expert column names, union in first-seen order */
    size_t ncols;
    bool fixed[NFIX];    /* fixed columns shown */
} table_t;

static bool systime_set(const nmx_event_t *e)
{
    for (int i = 0; i < 8; i++)
        if (e->systime[i] != 0)
            return true;
    return false;
}

/* The text of fixed column k for event e. */
static void fixed_cell(const nmx_event_t *e, int k, char *buf, size_t n)
{
    buf[0] = '\0';
    switch (k) {
    case FIX_SEVERITY: {
        const char *s = severity_name(e->severity);
        if (s != NULL)
            snprintf(buf, n, "%s", s);
        else
            snprintf(buf, n, "%u", e->severity);
        break;
    }
    case FIX_SOURCE: snprintf(buf, n, "%s", e->source); break;
    case FIX_NAME: snprintf(buf, n, "%s", e->name); break;
    case FIX_DESCRIPTION: snprintf(buf, n, "%s", e->description); break;
    case FIX_MACHINE: snprintf(buf, n, "%s", e->machine); break;
    case FIX_DATE:
        if (systime_set(e))
            snprintf(buf, n, "%04u-%02u-%02u", e->systime[0], e->systime[1], e->systime[3]);
        break;
    case FIX_TIME:
        if (systime_set(e))
            snprintf(buf, n, "%02u:%02u:%02u.%03u", e->systime[4], e->systime[5], e->systime[6],
                     e->systime[7]);
        break;
    default: break;
    }
}

static void tables_free(table_t *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(t[i].rows);
        free(t[i].cols);
    }
    free(t);
}

/* Groups a result's events into tables; NULL with *n = 0 when no events. */
static table_t *tables_build(const nmx_result_t *r, size_t *n)
{
    *n = 0;
    table_t *t = NULL;
    for (size_t i = 0; i < r->nevents; i++) {
        const nmx_event_t *e = &r->events[i];
        size_t k = 0;
        while (k < *n && t[k].ident != e->ident)
            k++;
        if (k == *n) {
            table_t *g = realloc(t, (*n + 1) * sizeof *g);
            if (g == NULL)
                break;
            t = g;
            memset(&t[k], 0, sizeof t[k]);
            t[k].ident = e->ident;
            (*n)++;
        }
        table_t *tb = &t[k];
        size_t *rows = realloc(tb->rows, (tb->nrows + 1) * sizeof *rows);
        if (rows == NULL)
            continue;
        tb->rows = rows;
        tb->rows[tb->nrows++] = i;
        for (int f = 0; f < NFIX; f++) {
            if (e->flags & fixed_hide[f])
                continue;
            char cell[64];
            fixed_cell(e, f, cell, sizeof cell);
            if (f == FIX_SEVERITY || f == FIX_SOURCE || cell[0] != '\0')
                tb->fixed[f] = true;
        }
        for (uint32_t c = 0; c < e->ncolumns; c++) {
            const char *name = e->columns[c].name;
            size_t j = 0;
            while (j < tb->ncols && strcmp(tb->cols[j], name) != 0)
                j++;
            if (j == tb->ncols) {
                const char **cols = realloc(tb->cols, (tb->ncols + 1) * sizeof *cols);
                if (cols == NULL)
                    continue;
                tb->cols = cols;
                tb->cols[tb->ncols++] = name;
            }
        }
    }
    return t;
}

/* The cell of expert column `name` in event e ("" when e has none). */
static void column_cell(const nmx_event_t *e, const char *name, char *buf, size_t n)
{
    buf[0] = '\0';
    for (uint32_t c = 0; c < e->ncolumns; c++) {
        if (strcmp(e->columns[c].name, name) == 0) {
            nmx_report_format_value(&e->columns[c], buf, n);
            return;
        }
    }
}

/* Numbers are right-aligned in text tables. */
static bool column_numeric(const nmx_result_t *r, const table_t *tb, const char *name)
{
    for (size_t i = 0; i < tb->nrows; i++) {
        const nmx_event_t *e = &r->events[tb->rows[i]];
        for (uint32_t c = 0; c < e->ncolumns; c++) {
            if (strcmp(e->columns[c].name, name) != 0)
                continue;
            uint32_t ty = e->columns[c].type;
            return ty <= NMCOLUMNTYPE_FRAME;
        }
    }
    return false;
}

#define CELL_MAX 4096

/* ---- text --------------------------------------------------------------- */

static void text_result(const nmx_result_t *r, FILE *out)
{
    fprintf(out, "== %s (%s) - %s", r->name, r->module, nmx_outcome_name(r->outcome));
    if (r->outcome != NMX_OUTCOME_COMPLETED && r->message != NULL && r->message[0] != '\0')
        fprintf(out, ": %s", r->message);
    fprintf(out, " - %" PRIu64 " ms, %u%% done", r->elapsed_ms,
            r->outcome == NMX_OUTCOME_COMPLETED ? 100u : r->percent_done);
    if (r->frame != INVALID_FRAME_NUMBER)
        fprintf(out, ", last frame %u", r->frame + 1);
    fprintf(out, ", %zu event%s", r->nevents, r->nevents == 1 ? "" : "s");
    if (r->events_over_limit > 0)
        fprintf(out, " (%" PRIu64 " refused, %" PRIu64 " of them past the event limit of %" PRIu64
                     " MiB: --event-limit raises it)",
                r->events_dropped, r->events_over_limit, r->event_limit_bytes >> 20);
    else if (r->events_dropped > 0)
        fprintf(out, " (%" PRIu64 " refused)", r->events_dropped);
    fprintf(out, " ==\n");
    if (r->outcome == NMX_OUTCOME_COMPLETED && r->message != NULL && r->message[0] != '\0')
        fprintf(out, "%s\n", r->message);

    size_t ntab;
    table_t *t = tables_build(r, &ntab);
    char *cell = malloc(CELL_MAX);
    if (cell == NULL) {
        tables_free(t, ntab);
        return;
    }
    for (size_t k = 0; k < ntab; k++) {
        table_t *tb = &t[k];
        size_t ncol = tb->ncols + NFIX;
        size_t *width = calloc(ncol, sizeof *width);
        bool *numeric = calloc(ncol, sizeof *numeric);
        if (width == NULL || numeric == NULL) {
            free(width);
            free(numeric);
            continue;
        }
        for (int f = 0; f < NFIX; f++)
            if (tb->fixed[f])
                width[f] = strlen(fixed_names[f]);
        for (size_t c = 0; c < tb->ncols; c++) {
            width[NFIX + c] = strlen(tb->cols[c]);
            numeric[NFIX + c] = column_numeric(r, tb, tb->cols[c]);
        }
        for (size_t i = 0; i < tb->nrows; i++) {
            const nmx_event_t *e = &r->events[tb->rows[i]];
            for (int f = 0; f < NFIX; f++) {
                if (!tb->fixed[f])
                    continue;
                fixed_cell(e, f, cell, CELL_MAX);
                size_t l = strlen(cell);
                if (l > width[f])
                    width[f] = l;
            }
            for (size_t c = 0; c < tb->ncols; c++) {
                column_cell(e, tb->cols[c], cell, CELL_MAX);
                size_t l = strlen(cell);
                if (l > width[NFIX + c])
                    width[NFIX + c] = l;
            }
        }
        if (ntab > 1) {
            const char *title = r->events[tb->rows[0]].name;
            if (title != NULL && title[0] != '\0')
                fprintf(out, "-- %s (event %u) --\n", title, tb->ident);
            else
                fprintf(out, "-- event %u --\n", tb->ident);
        }
        /* heading */
        bool first = true;
        for (size_t c = 0; c < ncol; c++) {
            if (c < NFIX && !tb->fixed[c])
                continue;
            const char *h = c < NFIX ? fixed_names[c] : tb->cols[c - NFIX];
            fprintf(out, "%s%*s%s", first ? "" : "  ", numeric[c] ? (int)(width[c] - strlen(h)) : 0,
                    "", h);
            if (!numeric[c] && c + 1 < ncol)
                fprintf(out, "%*s", (int)(width[c] - strlen(h)), "");
            first = false;
        }
        fputc('\n', out);
        for (size_t i = 0; i < tb->nrows; i++) {
            const nmx_event_t *e = &r->events[tb->rows[i]];
            first = true;
            for (size_t c = 0; c < ncol; c++) {
                if (c < NFIX && !tb->fixed[c])
                    continue;
                if (c < NFIX)
                    fixed_cell(e, (int)c, cell, CELL_MAX);
                else
                    column_cell(e, tb->cols[c - NFIX], cell, CELL_MAX);
                int pad = (int)(width[c] - strlen(cell));
                if (numeric[c])
                    fprintf(out, "%s%*s%s", first ? "" : "  ", pad, "", cell);
                else
                    fprintf(out, "%s%s%*s", first ? "" : "  ", cell, c + 1 < ncol ? pad : 0, "");
                first = false;
            }
            fputc('\n', out);
        }
        free(width);
        free(numeric);
    }
    free(cell);
    tables_free(t, ntab);
    fputc('\n', out);
}

/* The capture a text report is about, and where it is damaged. */
static void text_capture(const nmx_capture_t *cap, FILE *out)
{
    if (cap == NULL)
        return;
    nmx_capture_info_t info;
    nmx_capture_get_info(cap, &info);
    if (info.n_files > 1)
        fprintf(out, "Captures %s and %u more, merged in time order: %s, %u frame%s",
                info.path != NULL ? info.path : "", info.n_files - 1,
                info.format != NULL ? info.format : "", info.frames, info.frames == 1 ? "" : "s");
    else
        fprintf(out, "Capture %s: %s, %u frame%s", info.path != NULL ? info.path : "",
                info.format != NULL ? info.format : "", info.frames, info.frames == 1 ? "" : "s");
    if (info.frames > 0) {
        char a[64], b[64];
        nmx_report_iso_time(info.first_ns, 6, a, sizeof a);
        nmx_report_iso_time(info.last_ns, 6, b, sizeof b);
        fprintf(out, ", %s to %s", a, b);
    }
    fputc('\n', out);
    /* Several files merged: which frames each holds. */
    for (uint32_t k = 0; info.n_files > 1 && k < info.n_files; k++)
        fprintf(out, "  file %u of %u: %s, %u frame%s\n", k + 1, info.n_files, info.files[k],
                info.file_frames[k], info.file_frames[k] == 1 ? "" : "s");
    if (info.damage != NULL)
        fprintf(out, "Damaged: %s; the report covers the %u usable frames\n", info.damage,
                info.frames);
    fputc('\n', out);
}

/* ---- CSV ----------------------------------------------------------------- */

static void csv_field(FILE *out, const char *s, bool first)
{
    if (!first)
        fputc(',', out);
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s != '\0'; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void csv_result(const nmx_result_t *r, FILE *out, bool *first_table)
{
    size_t ntab;
    table_t *t = tables_build(r, &ntab);
    char *cell = malloc(CELL_MAX);
    char num[32];
    if (cell == NULL) {
        tables_free(t, ntab);
        return;
    }
    if (ntab == 0) {
        /* An expert without events still gets a line with its outcome. */
        if (!*first_table)
            fputc('\n', out);
        *first_table = false;
        fputs("Expert,Module,Outcome,Message\n", out);
        csv_field(out, r->name, true);
        csv_field(out, r->module, false);
        csv_field(out, nmx_outcome_name(r->outcome), false);
        csv_field(out, r->message != NULL ? r->message : "", false);
        fputc('\n', out);
    }
    for (size_t k = 0; k < ntab; k++) {
        table_t *tb = &t[k];
        if (!*first_table)
            fputc('\n', out);
        *first_table = false;
        fputs("Expert,Module,Outcome,Event", out);
        for (int f = 0; f < NFIX; f++)
            if (tb->fixed[f])
                csv_field(out, fixed_names[f], false);
        for (size_t c = 0; c < tb->ncols; c++)
            csv_field(out, tb->cols[c], false);
        fputc('\n', out);
        for (size_t i = 0; i < tb->nrows; i++) {
            const nmx_event_t *e = &r->events[tb->rows[i]];
            csv_field(out, r->name, true);
            csv_field(out, r->module, false);
            csv_field(out, nmx_outcome_name(r->outcome), false);
            snprintf(num, sizeof num, "%u", e->ident);
            csv_field(out, num, false);
            for (int f = 0; f < NFIX; f++) {
                if (!tb->fixed[f])
                    continue;
                fixed_cell(e, f, cell, CELL_MAX);
                csv_field(out, cell, false);
            }
            for (size_t c = 0; c < tb->ncols; c++) {
                column_cell(e, tb->cols[c], cell, CELL_MAX);
                csv_field(out, cell, false);
            }
            fputc('\n', out);
        }
    }
    free(cell);
    tables_free(t, ntab);
}

/* ---- JSON ---------------------------------------------------------------- */

/*
 * The JSON report is streamed: the capture object, then each expert's
 * fields, then its events one at a time, so that memory does not grow with
 * the number of events (a tree of a million events took gigabytes).  Every
 * piece is dumped by jansson, indented to its depth by `indented`, so the
 * output is the document json_dumpf would give for the whole tree.
 */
#define JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(15))

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

static json_t *memory_json(const nmx_mem_figures_t *mf)
{
    json_t *m = json_object();
    json_object_set_new(m, "allocations", json_integer((json_int_t)mf->allocations));
    json_object_set_new(m, "frees", json_integer((json_int_t)mf->frees));
    json_object_set_new(m, "peak_bytes", json_integer((json_int_t)mf->peak_bytes));
    json_object_set_new(m, "live_bytes_at_end", json_integer((json_int_t)mf->live_bytes_at_end));
    json_object_set_new(m, "reclaimed_bytes", json_integer((json_int_t)mf->reclaimed_bytes));
    json_object_set_new(m, "reclaimed_blocks", json_integer((json_int_t)mf->reclaimed_blocks));
    json_object_set_new(m, "limit_bytes", json_integer((json_int_t)mf->limit_bytes));
    return m;
}

/* An expert's fields, without its events. */
static json_t *result_head_json(const nmx_result_t *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", nmx_report_json_text(r->name));
    json_object_set_new(o, "module", json_string(r->module));
    json_object_set_new(o, "version", json_integer(r->version));
    json_object_set_new(o, "outcome", json_string(nmx_outcome_name(r->outcome)));
    json_object_set_new(o, "status", json_string(nmx_report_status_name(r->status)));
    json_object_set_new(o, "substatus", json_integer(r->substatus));
    json_object_set_new(o, "message", nmx_report_json_text(r->message));
    json_object_set_new(o, "elapsed_ms", json_integer((json_int_t)r->elapsed_ms));
    json_object_set_new(o, "percent_done", json_integer(r->percent_done));
    /* EXPERTSTATUS.Frame, 0-based as the expert saw it; null when none. */
    json_object_set_new(o, "frame", r->frame != INVALID_FRAME_NUMBER ? json_integer(r->frame) : json_null());
    json_object_set_new(o, "frames_read", json_integer((json_int_t)r->frames_read));
    json_object_set_new(o, "containment", json_string(r->containment != NULL ? r->containment : "none"));
    json_object_set_new(o, "peak_rss_bytes", json_integer((json_int_t)r->peak_rss_bytes));
    json_object_set_new(o, "memory", memory_json(&r->memory));
    json_object_set_new(o, "events_refused", json_integer((json_int_t)r->events_dropped));
    json_object_set_new(o, "events_over_limit", json_integer((json_int_t)r->events_over_limit));
    json_object_set_new(o, "event_limit_bytes", json_integer((json_int_t)r->event_limit_bytes));
    return o;
}

static json_t *event_json(const nmx_event_t *e)
{
    json_t *ev = json_object();
    json_object_set_new(ev, "ident", json_integer(e->ident));
    json_object_set_new(ev, "severity", json_integer(e->severity));
    json_object_set_new(ev, "source", nmx_report_json_text(e->source));
    json_object_set_new(ev, "name", nmx_report_json_text(e->name));
    json_object_set_new(ev, "description", nmx_report_json_text(e->description));
    if (e->justification != NULL)
        json_object_set_new(ev, "justification", nmx_report_json_text(e->justification));
    if (systime_set(e)) {
        char ts[80];
        snprintf(ts, sizeof ts, "%04u-%02u-%02uT%02u:%02u:%02u.%03u", e->systime[0], e->systime[1],
                 e->systime[3], e->systime[4], e->systime[5], e->systime[6], e->systime[7]);
        json_object_set_new(ev, "time", json_string(ts));
    }
    json_t *cols = json_array();
    for (uint32_t c = 0; c < e->ncolumns; c++) {
        const nmx_column_t *col = &e->columns[c];
        json_t *jc = json_object();
        json_object_set_new(jc, "name", nmx_report_json_text(col->name));
        json_object_set_new(jc, "type", json_string(nmx_report_column_type_name(col->type)));
        json_object_set_new(jc, "value", value_json(col));
        json_array_append_new(cols, jc);
    }
    json_object_set_new(ev, "columns", cols);
    return ev;
}

/* One element of "experts", at depth 4: its fields, then "events". */
static int result_stream(const nmx_result_t *r, FILE *out)
{
    /* The head is dumped whole and its closing "\n}" cut off, to continue
     * the object with the events. */
    json_t *h = result_head_json(r);
    char *head = h != NULL ? json_dumps(h, JSON_FLAGS) : NULL;
    json_decref(h);
    size_t n = head != NULL ? strlen(head) : 0;
    indent_ctx_t c = {out, 4};
    int rc = n >= 2 && head[n - 1] == '}' && head[n - 2] == '\n' ? indented(head, n - 2, &c) : -1;
    free(head);
    if (rc == 0 && fputs(",\n      \"events\": [", out) == EOF)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < r->nevents; i++) {
        if (fputs(i > 0 ? ",\n        " : "\n        ", out) == EOF)
            rc = -1;
        else
            rc = dump_at(event_json(&r->events[i]), out, 8);
    }
    if (rc == 0 && fputs(r->nevents > 0 ? "\n      ]\n    }" : "]\n    }", out) == EOF)
        rc = -1;
    return rc;
}

static int json_stream(const nmx_run_t *run, FILE *out)
{
    json_t *cap = nmx_report_capture_json(nmx_run_capture(run));
    int rc = fputs("{\n  \"capture\": ", out) == EOF ? -1 : 0;
    if (rc == 0)
        rc = dump_at(cap != NULL ? cap : json_object(), out, 2);
    else
        json_decref(cap);
    if (rc == 0 && fputs(",\n  \"experts\": [", out) == EOF)
        rc = -1;
    size_t n = nmx_run_result_count(run);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (fputs(i > 0 ? ",\n    " : "\n    ", out) == EOF)
            rc = -1;
        else
            rc = result_stream(nmx_run_result(run, i), out);
    }
    if (rc == 0 && fputs(n > 0 ? "\n  ]\n}\n" : "]\n}\n", out) == EOF)
        rc = -1;
    return rc == 0 && !ferror(out) ? 0 : -1;
}

NMX_EXPORT int nmx_report_write(const nmx_run_t *run, int format, FILE *out)
{
    if (run == NULL || out == NULL)
        return -1;
    size_t n = nmx_run_result_count(run);
    if (format == NMX_REPORT_JSON)
        return json_stream(run, out);
    if (format == NMX_REPORT_TEXT)
        text_capture(nmx_run_capture(run), out);
    bool first_table = true;
    for (size_t i = 0; i < n; i++) {
        const nmx_result_t *r = nmx_run_result(run, i);
        if (format == NMX_REPORT_CSV)
            csv_result(r, out, &first_table);
        else
            text_result(r, out);
    }
    return ferror(out) ? -1 : 0;
}
