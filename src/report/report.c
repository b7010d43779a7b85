/*
 * report.c - writes a report as text tables or CSV, and dispatches JSON to
 * report_json.c (DESIGN.md "Contracts"; spec 1.8, 2.8, 4.7).  A report is
 * written from a source (source.c): a finished run, or a saved JSON report
 * read back by `nmexpert report`.
 *
 * Events of one expert are grouped by EventIdent; each group becomes one
 * table whose columns are the union of its events' columns by name, in the
 * order first seen (spec 2.8), preceded by the fixed viewer columns that the
 * events do not hide with NMEVENTFLAG_DO_NOT_DISPLAY_*.  Text and CSV render
 * cells as the NetMon viewer does (spec 4.7), except FLOAT64, which is
 * written by column kind (values.c) and never in scientific notation.  In a
 * capture merged from several files, a frame cell also names its file.
 */
#include <errno.h>
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
    numfmt_t *fmt;       /* how each column writes FLOAT64 cells */
    size_t ncols;
    bool fixed[NFIX];    /* fixed columns shown */
    const nmx_report_source_t *src; /* for the file of a frame (merged captures) */
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
        free(t[i].fmt);
    }
    free(t);
}

/* The number format of each column of a table (see "numbers" above). */
static void column_formats(const nmx_result_t *r, table_t *tb)
{
    tb->fmt = calloc(tb->ncols > 0 ? tb->ncols : 1, sizeof *tb->fmt);
    if (tb->fmt == NULL)
        return;
    for (size_t c = 0; c < tb->ncols; c++) {
        numfmt_t *f = &tb->fmt[c];
        f->kind = nmx__report_name_kind(tb->cols[c]);
        if (f->kind != NUM_REAL)
            continue;
        bool whole = true;
        for (size_t i = 0; i < tb->nrows; i++) {
            const nmx_event_t *e = &r->events[tb->rows[i]];
            for (uint32_t j = 0; j < e->ncolumns; j++) {
                const nmx_column_t *col = &e->columns[j];
                if (col->type != NMCOLUMNTYPE_FLOAT64 || strcmp(col->name, tb->cols[c]) != 0 ||
                    !isfinite(col->v.f))
                    continue;
                if (col->v.f != floor(col->v.f) || fabs(col->v.f) >= 9007199254740992.0)
                    whole = false;
                int d = nmx__report_decimals_needed(col->v.f);
                if (d > f->decimals)
                    f->decimals = d;
            }
        }
        if (whole)
            f->kind = NUM_INTEGER;
    }
}

/* Groups a result's events into tables; NULL with *n = 0 when no events. */
static table_t *tables_build(const nmx_report_source_t *src, const nmx_result_t *r, size_t *n)
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
            t[k].src = src;
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
    for (size_t k = 0; k < *n; k++)
        column_formats(r, &t[k]);
    return t;
}

/* The cell of expert column k of table tb in event e ("" when e has none);
 * `csv` keeps numbers at full precision. */
static void column_cell(const table_t *tb, size_t k, const nmx_event_t *e, bool csv, char *buf, size_t n)
{
    buf[0] = '\0';
    for (uint32_t c = 0; c < e->ncolumns; c++) {
        const nmx_column_t *col = &e->columns[c];
        if (strcmp(col->name, tb->cols[k]) != 0)
            continue;
        static const numfmt_t fallback = {NUM_REAL, 6};
        if (col->type == NMCOLUMNTYPE_FLOAT64)
            nmx__report_format_number(col->v.f, tb->fmt != NULL ? &tb->fmt[k] : &fallback, csv, buf, n);
        else
            nmx__report_format_value(col, buf, n);
        /* A merged capture: which file the frame is in, and where. */
        char where[1024];
        size_t used = strlen(buf);
        if (tb->src != NULL && used < n && nmx__report_frame_file(tb->src, col, where, sizeof where))
            snprintf(buf + used, n - used, " (%s)", where);
        return;
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
            return ty <= NMCOLUMNTYPE_FRAME || ty == NMX_COLUMNTYPE_UINT64;
        }
    }
    return false;
}

#define CELL_MAX 4096

/* "-- NAME (event N) --": the event names of the table's rows, each once in
 * first-seen order ("A / B"), so that a table is titled for all it holds. */
static void table_title(const nmx_result_t *r, const table_t *tb, FILE *out)
{
    enum { MAX_NAMES = 4 };
    const char *names[MAX_NAMES];
    size_t nn = 0;
    bool more = false;
    for (size_t i = 0; i < tb->nrows; i++) {
        const char *nm = r->events[tb->rows[i]].name;
        if (nm == NULL || nm[0] == '\0')
            continue;
        size_t k = 0;
        while (k < nn && strcmp(names[k], nm) != 0)
            k++;
        if (k < nn)
            continue;
        if (nn == MAX_NAMES) {
            more = true;
            break;
        }
        names[nn++] = nm;
    }
    fputs("-- ", out);
    for (size_t k = 0; k < nn; k++)
        fprintf(out, "%s%s", k > 0 ? " / " : "", names[k]);
    if (more)
        fputs(" / ...", out);
    fprintf(out, nn > 0 ? " (event %u) --\n" : "event %u --\n", tb->ident);
}

/* ---- text --------------------------------------------------------------- */

/* One record per block: "Heading: value" lines, the headings aligned, a
 * blank line between records (a table wider than the terminal). */
static void text_records(const nmx_result_t *r, const table_t *tb, FILE *out, char *cell)
{
    size_t key = 0;
    for (size_t c = 0; c < tb->ncols + NFIX; c++) {
        if (c < NFIX && !tb->fixed[c])
            continue;
        size_t l = strlen(c < NFIX ? fixed_names[c] : tb->cols[c - NFIX]);
        if (l > key)
            key = l;
    }
    for (size_t i = 0; i < tb->nrows; i++) {
        const nmx_event_t *e = &r->events[tb->rows[i]];
        if (i > 0)
            fputc('\n', out);
        for (size_t c = 0; c < tb->ncols + NFIX; c++) {
            if (c < NFIX && !tb->fixed[c])
                continue;
            const char *h = c < NFIX ? fixed_names[c] : tb->cols[c - NFIX];
            if (c < NFIX)
                fixed_cell(e, (int)c, cell, CELL_MAX);
            else
                column_cell(tb, c - NFIX, e, false, cell, CELL_MAX);
            if (cell[0] == '\0')
                continue;
            fprintf(out, "%s:%*s %s\n", h, (int)(key - strlen(h)), "", cell);
        }
    }
}

/* The heading line of an expert's section: outcome, time, progress, events. */
static void text_heading(const nmx_result_t *r, FILE *out)
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
}

/* Each shown column's width (its heading or widest cell) and whether it is
 * numeric (right-aligned); fixed columns first, NFIX of them. */
static void column_widths(const nmx_result_t *r, const table_t *tb, size_t *width, bool *numeric, char *cell)
{
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
            column_cell(tb, c, e, false, cell, CELL_MAX);
            size_t l = strlen(cell);
            if (l > width[NFIX + c])
                width[NFIX + c] = l;
        }
    }
}

/* A table in aligned columns: its heading, then one line per event. */
static void text_table(const nmx_result_t *r, const table_t *tb, const size_t *width, const bool *numeric,
                       FILE *out, char *cell)
{
    size_t ncol = tb->ncols + NFIX;
    bool first = true;
    for (size_t c = 0; c < ncol; c++) {
        if (c < NFIX && !tb->fixed[c])
            continue;
        const char *h = c < NFIX ? fixed_names[c] : tb->cols[c - NFIX];
        fprintf(out, "%s%*s%s", first ? "" : "  ", numeric[c] ? (int)(width[c] - strlen(h)) : 0, "", h);
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
                column_cell(tb, c - NFIX, e, false, cell, CELL_MAX);
            int pad = (int)(width[c] - strlen(cell));
            if (numeric[c])
                fprintf(out, "%s%*s%s", first ? "" : "  ", pad, "", cell);
            else
                fprintf(out, "%s%s%*s", first ? "" : "  ", cell, c + 1 < ncol ? pad : 0, "");
            first = false;
        }
        fputc('\n', out);
    }
}

static void text_result(const nmx_report_source_t *src, const nmx_result_t *r, FILE *out, unsigned max_width)
{
    text_heading(r, out);
    size_t ntab;
    table_t *t = tables_build(src, r, &ntab);
    char *cell = malloc(CELL_MAX);
    for (size_t k = 0; cell != NULL && k < ntab; k++) {
        table_t *tb = &t[k];
        size_t ncol = tb->ncols + NFIX;
        size_t *width = calloc(ncol, sizeof *width);
        bool *numeric = calloc(ncol, sizeof *numeric);
        if (width != NULL && numeric != NULL) {
            column_widths(r, tb, width, numeric, cell);
            if (ntab > 1)
                table_title(r, tb, out);
            size_t total = 0;
            for (size_t c = 0; c < ncol; c++)
                if (c >= NFIX || tb->fixed[c])
                    total += width[c] + (total > 0 ? 2 : 0);
            /* Wider than the terminal: one record per block instead. */
            if (max_width > 0 && total > max_width) {
                text_records(r, tb, out, cell);
                if (k + 1 < ntab)
                    fputc('\n', out);
            } else {
                text_table(r, tb, width, numeric, out, cell);
            }
        }
        free(width);
        free(numeric);
    }
    if (cell == NULL) {
        tables_free(t, ntab);
        return;
    }
    free(cell);
    tables_free(t, ntab);
    fputc('\n', out);
}

/* The capture a text report is about, and where it is damaged. */
static void text_capture(const nmx_capture_info_t *info, FILE *out)
{
    if (info->n_files > 1)
        fprintf(out, "Captures %s and %u more, merged in time order: %s, %u frame%s",
                info->path != NULL ? info->path : "", info->n_files - 1,
                info->format != NULL ? info->format : "", info->frames, info->frames == 1 ? "" : "s");
    else
        fprintf(out, "Capture %s: %s, %u frame%s", info->path != NULL ? info->path : "",
                info->format != NULL ? info->format : "", info->frames, info->frames == 1 ? "" : "s");
    if (info->frames > 0) {
        char a[64], b[64];
        nmx__report_iso_time(info->first_ns, 6, a, sizeof a);
        nmx__report_iso_time(info->last_ns, 6, b, sizeof b);
        fprintf(out, ", %s to %s", a, b);
    }
    fputc('\n', out);
    /* Several files merged: which frames each holds. */
    for (uint32_t k = 0; info->n_files > 1 && k < info->n_files; k++)
        fprintf(out, "  file %u of %u: %s, %u frame%s\n", k + 1, info->n_files, info->files[k],
                info->file_frames[k], info->file_frames[k] == 1 ? "" : "s");
    if (info->damage != NULL)
        fprintf(out, "Damaged: %s; the report covers the %u usable frame%s\n", info->damage,
                info->frames, info->frames == 1 ? "" : "s");
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

/*
 * CSV is one table that a CSV reader loads as it is: a header, then one row
 * per event of every expert.  The first columns say whose row it is
 * (Expert, Module, Outcome, Event: the event kind's ident); then come the
 * fixed columns any event shows and every expert column, by name, in the
 * order first seen over the whole report.  A row leaves empty what its
 * event does not have.  An expert without events has one row with its
 * outcome and message (Event empty).
 */
typedef struct csv_cols {
    const char **names;
    size_t n;
    bool fixed[NFIX];
} csv_cols_t;

static void csv_add_col(csv_cols_t *u, const char *name)
{
    for (size_t i = 0; i < u->n; i++)
        if (strcmp(u->names[i], name) == 0)
            return;
    const char **g = realloc(u->names, (u->n + 1) * sizeof *g);
    if (g == NULL)
        return;
    u->names = g;
    u->names[u->n++] = name;
}

/* One expert's rows: each table's events, every union column looked up
 * once per table rather than once per cell. */
static void csv_rows(const nmx_result_t *r, const table_t *t, size_t ntab, const csv_cols_t *u, bool any_message,
                     char *cell, FILE *out)
{
    if (ntab == 0) {
        csv_field(out, r->name, true);
        csv_field(out, r->module, false);
        csv_field(out, nmx_outcome_name(r->outcome), false);
        csv_field(out, "", false);
        csv_field(out, r->message != NULL ? r->message : "", false);
        for (size_t c = 0; c < NFIX + u->n; c++)
            if (c >= NFIX || u->fixed[c])
                fputc(',', out);
        fputc('\n', out);
    }
    size_t *col_of = calloc(u->n + 1, sizeof *col_of);
    for (size_t k = 0; col_of != NULL && k < ntab; k++) {
        const table_t *tb = &t[k];
        for (size_t c = 0; c < u->n; c++) {
            col_of[c] = 0;
            while (col_of[c] < tb->ncols && strcmp(tb->cols[col_of[c]], u->names[c]) != 0)
                col_of[c]++;
        }
        for (size_t j = 0; j < tb->nrows; j++) {
            const nmx_event_t *e = &r->events[tb->rows[j]];
            char num[16];
            snprintf(num, sizeof num, "%u", e->ident);
            csv_field(out, r->name, true);
            csv_field(out, r->module, false);
            csv_field(out, nmx_outcome_name(r->outcome), false);
            csv_field(out, num, false);
            if (any_message)
                csv_field(out, "", false);
            for (int f = 0; f < NFIX; f++) {
                if (!u->fixed[f])
                    continue;
                cell[0] = '\0';
                if (tb->fixed[f])
                    fixed_cell(e, f, cell, CELL_MAX);
                csv_field(out, cell, false);
            }
            for (size_t c = 0; c < u->n; c++) {
                cell[0] = '\0';
                if (col_of[c] < tb->ncols)
                    column_cell(tb, col_of[c], e, true, cell, CELL_MAX);
                csv_field(out, cell, false);
            }
            fputc('\n', out);
        }
    }
    free(col_of);
}

static void csv_report(const nmx_report_source_t *src, FILE *out)
{
    /* Every expert's tables, built once: first for the union of the
     * columns (the header), then for the rows. */
    table_t **tabs = calloc(src->nresults + 1, sizeof *tabs);
    size_t *ntabs = calloc(src->nresults + 1, sizeof *ntabs);
    char *cell = malloc(CELL_MAX);
    csv_cols_t u = {0};
    bool any_message = false;
    for (size_t i = 0; tabs != NULL && ntabs != NULL && i < src->nresults; i++) {
        tabs[i] = tables_build(src, src->results[i], &ntabs[i]);
        any_message = any_message || ntabs[i] == 0;
        for (size_t k = 0; k < ntabs[i]; k++) {
            for (int f = 0; f < NFIX; f++)
                u.fixed[f] = u.fixed[f] || tabs[i][k].fixed[f];
            for (size_t c = 0; c < tabs[i][k].ncols; c++)
                csv_add_col(&u, tabs[i][k].cols[c]);
        }
    }
    fputs("Expert,Module,Outcome,Event", out);
    if (any_message)
        csv_field(out, "Message", false);
    for (int f = 0; f < NFIX; f++)
        if (u.fixed[f])
            csv_field(out, fixed_names[f], false);
    for (size_t c = 0; c < u.n; c++)
        csv_field(out, u.names[c], false);
    fputc('\n', out);
    for (size_t i = 0; cell != NULL && tabs != NULL && ntabs != NULL && i < src->nresults; i++)
        csv_rows(src->results[i], tabs[i], ntabs[i], &u, any_message, cell, out);
    for (size_t i = 0; tabs != NULL && ntabs != NULL && i < src->nresults; i++)
        tables_free(tabs[i], ntabs[i]);
    free(tabs);
    free(ntabs);
    free(cell);
    free(u.names);
}

/* Writes a report from its source in `format`. */
static int write_source(const nmx_report_source_t *src, int format, FILE *out, unsigned width)
{
    if (format == NMX_REPORT_JSON)
        return nmx__report_json_v2(src, out);
    if (format == NMX_REPORT_HTML)
        return nmx__report_html(src, out);
    if (format == NMX_REPORT_CSV) {
        csv_report(src, out);
    } else {
        text_capture(&src->info, out);
        if (src->shard_count > 1)
            fprintf(out, "Shard %u of %u (the experts saw the connections that hash to it; 'nmexpert merge' "
                         "combines the %u JSON reports)\n\n",
                    src->shard_index, src->shard_count, src->shard_count);
        for (size_t i = 0; i < src->nresults; i++)
            text_result(src, src->results[i], out, width);
    }
    return ferror(out) ? -1 : 0;
}

NMX_EXPORT int nmx_report_write(const nmx_run_t *run, int format, FILE *out, unsigned width, char *errbuf,
                                size_t errlen)
{
    if (run == NULL || out == NULL) {
        snprintf(errbuf, errlen, "cannot write the report: no run or no output");
        return -1;
    }
    nmx_report_source_t src;
    if (nmx__report_source_from_run(run, &src) != 0) {
        snprintf(errbuf, errlen, "cannot write the report: out of memory");
        return -1;
    }
    errno = 0;
    int rc = write_source(&src, format, out, width);
    int saved = errno;
    nmx__report_source_free(&src);
    if (rc != 0) {
        snprintf(errbuf, errlen, "cannot write the report: %s",
                 saved != 0 ? strerror(saved) : "out of memory or write error");
        errno = saved; /* for a caller that tells a closed pipe apart */
    }
    return rc;
}

NMX_EXPORT int nmx_report_merge_files(const char *const *paths, size_t n, int format, FILE *out, unsigned width,
                                      char *errbuf, size_t errlen, char *note, size_t notelen)
{
    if (paths == NULL || out == NULL || n == 0) {
        snprintf(errbuf, errlen, "merging reports: no reports or no output");
        return -1;
    }
    json_t **docs = calloc(n, sizeof *docs);
    if (docs == NULL) {
        snprintf(errbuf, errlen, "merging reports: out of memory");
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        json_error_t je;
        docs[i] = json_load_file(paths[i], JSON_REJECT_DUPLICATES, &je);
        if (docs[i] == NULL) {
            snprintf(errbuf, errlen, "%s: not JSON (line %d, column %d: %s)", paths[i], je.line, je.column, je.text);
            rc = -1;
        }
    }
    json_t *merged = rc == 0 ? nmx__report_merge(docs, n, errbuf, errlen, note, notelen) : NULL;
    for (size_t i = 0; i < n; i++)
        json_decref(docs[i]);
    free(docs);
    if (merged == NULL)
        return -1;
    /* Read back as any saved report is, so that a shard report that is not
     * a valid report is refused with the loader's message. */
    nmx_report_source_t src;
    json_incref(merged);
    if (nmx__report_source_from_doc(merged, "merged report", &src, errbuf, errlen) != 0) {
        json_decref(merged);
        return -1;
    }
    /* JSON as merged: a report read back types a column of mixed types by
     * its text, while the merge keeps the types each cell was written with. */
    if (format == NMX_REPORT_JSON)
        rc = json_dumpf(merged, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII |
                                         JSON_REAL_PRECISION(17)) != 0 || fputc('\n', out) == EOF ? -1 : 0;
    else
        rc = write_source(&src, format, out, width);
    json_decref(merged);
    nmx__report_source_free(&src);
    if (rc != 0)
        snprintf(errbuf, errlen, "cannot write the report: %s", strerror(errno));
    return rc;
}

NMX_EXPORT int nmx_report_rewrite(const char *path, int format, FILE *out, unsigned width, char *errbuf,
                                  size_t errlen)
{
    nmx_report_source_t src;
    if (path == NULL || out == NULL) {
        snprintf(errbuf, errlen, "no report or no output");
        return -1;
    }
    if (nmx__report_source_load(path, &src, errbuf, errlen) != 0)
        return -1;
    int rc = write_source(&src, format, out, width);
    nmx__report_source_free(&src);
    if (rc != 0)
        snprintf(errbuf, errlen, "cannot write the report: %s", strerror(errno));
    return rc;
}
