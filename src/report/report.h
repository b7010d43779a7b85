/*
 * report.h - internals of the report writers (report.c, capture_json.c).
 */
#ifndef NMX_REPORT_REPORT_H
#define NMX_REPORT_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include <nmexpert/host.h>

/* ---- values (values.c) ------------------------------------------------------ */

/* How a FLOAT64 column is written: its kind, from its name (values.c). */
typedef enum { NUM_INTEGER, NUM_SECONDS, NUM_PERCENT, NUM_REAL } num_kind_t;

typedef struct numfmt {
    num_kind_t kind;
    int decimals; /* text decimals */
} numfmt_t;
/* The kind a column name declares ("(s)" seconds, "%" percent), or NUM_REAL. */
num_kind_t nmx__report_name_kind(const char *name);
/* Decimals (0-6) needed to show v exactly at microsecond-like precision. */
int nmx__report_decimals_needed(double v);
/* A FLOAT64 cell by its column's format: fixed decimals in text, the
 * shortest exact positional text in CSV (csv). */
void nmx__report_format_number(double v, const numfmt_t *f, bool csv, char *buf, size_t n);

/* A cell as the NetMon viewer shows it (spec 4.7). */
void nmx__report_format_value(const nmx_column_t *c, char *buf, size_t n);

/* A JSON string of text that need not be valid UTF-8 (bad bytes -> U+FFFD). */
json_t *nmx__report_json_text(const char *s);

/* "done", "problem", "aborted", ... for an EXPERTSTATUSENUMERATION value. */
const char *nmx__report_status_name(uint32_t status);

/* The viewer an expert's Register flags ask for (spec 1.8): "shared",
 * "private" or "none"; and the flags again from that name (NULL: shared). */
const char *nmx__report_viewer_name(uint32_t register_flags);
uint32_t nmx__report_viewer_flags(const char *viewer);

/* "uint32", "ipaddr", ... for an NMCOLUMNTYPE value. */
const char *nmx__report_column_type_name(uint32_t type);

/* The "capture" object of the JSON contract (DESIGN.md); NULL on error. */
json_t *nmx__report_capture_json(const nmx_capture_t *cap);

/* An absolute time in ns as ISO 8601 UTC with `digits` decimals. */
void nmx__report_iso_time(int64_t ns, unsigned digits, char *buf, size_t n);

/* An OLE automation date (VARTIME) as "YYYY-MM-DD<sep>HH:MM:SS.mmm". */
void nmx__report_format_vartime(double days, char *buf, size_t n, char sep);

/* ---- what a report is written from (source.c) ----------------------------- */

typedef struct nmx_report_range {
    bool active;
    uint32_t first_frame, last_frame; /* 1-based; 0 = open */
    bool has_start, has_end;
    int64_t start_ns, end_ns;
} nmx_report_range_t;

typedef struct nmx_report_source {
    const char *version;              /* nmexpert's, of the run */
    const char *const *captures;      /* as named on the command line */
    size_t ncaptures;
    const char *display_filter;       /* NULL for none */
    nmx_report_range_t range;
    uint32_t shard_index, shard_count; /* `run --shard K/N`; count 0 = not a shard */
    uint32_t merged_shards;           /* a report made by `nmexpert merge` of this many; 0 = not */
    nmx_capture_info_t info;          /* the capture, as the text report describes it */
    json_t *capture_json;             /* ... and as the JSON report does (a reference) */
    const nmx_result_t **results;     /* one per expert, in run order */
    size_t nresults;
    const nmx_capture_t *cap;         /* the run's capture; NULL for a loaded report */
    void *owned;                      /* a loaded report's memory (source.c) */
} nmx_report_source_t;

/*
 * Where frame column `c` (a FRAME cell) comes from when the capture was
 * merged from several files: "FILE:N" (N 1-based in that file) in buf, true;
 * false for a single file.  A loaded report keeps the text in c->s.
 */
bool nmx__report_frame_file(const nmx_report_source_t *src, const nmx_column_t *c, char *buf, size_t n);

/*
 * The time of the frame FRAME column `c` names, in seconds since the first
 * frame of the capture, in *secs: true; false when the frame has no time or
 * (a loaded report) the report did not record it.
 */
bool nmx__report_frame_time(const nmx_report_source_t *src, const nmx_column_t *c, double *secs);

/* The source of a finished run (it points into the run); -1 out of memory. */
int nmx__report_source_from_run(const nmx_run_t *run, nmx_report_source_t *src);
/* A JSON report of version 2 read back; -1 with err ("FILE: what is wrong"). */
int nmx__report_source_load(const char *path, nmx_report_source_t *src, char *err, size_t errlen);
/* The same from a parsed document (stolen); path names it in messages. */
int nmx__report_source_from_doc(json_t *doc, const char *path, nmx_report_source_t *src, char *err, size_t errlen);
void nmx__report_source_free(nmx_report_source_t *src);

/* ---- merging the reports of shards (merge.c) -------------------------------- */

/*
 * The report of the whole from the JSON reports of its shards (`run --shard
 * K/N`), each expert merged by its declared rules (NmxExpertMerge) or, when
 * it declares none, reported once per shard.  A new document, or NULL with
 * err.  note (may be NULL) gets a warning when the reports are not shards
 * 1..N once each (the merge is still made: merging a shard with itself
 * doubles every count).
 */
json_t *nmx__report_merge(json_t *const *docs, size_t n, char *err, size_t errlen, char *note, size_t notelen);

/* The JSON report, version 2 (report_json.c); 0 or -1 on a write error. */
int nmx__report_json_v2(const nmx_report_source_t *src, FILE *out);

/* The HTML report (report_html.c): the JSON report and the experts' Event
 * Reference Pages inside one self-contained page; 0 or -1 on a write error. */
int nmx__report_html(const nmx_report_source_t *src, FILE *out);

#endif /* NMX_REPORT_REPORT_H */
