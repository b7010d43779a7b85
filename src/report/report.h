/*
 * report.h - internals of the report writers (report.c, capture_json.c).
 */
#ifndef NMX_REPORT_REPORT_H
#define NMX_REPORT_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include <nmexpert/host.h>

/* A cell as the NetMon viewer shows it (spec 4.7). */
void nmx_report_format_value(const nmx_column_t *c, char *buf, size_t n);

/* A JSON string of text that need not be valid UTF-8 (bad bytes -> U+FFFD). */
json_t *nmx_report_json_text(const char *s);

/* "done", "problem", "aborted", ... for an EXPERTSTATUSENUMERATION value. */
const char *nmx_report_status_name(uint32_t status);

/* "uint32", "ipaddr", ... for an NMCOLUMNTYPE value. */
const char *nmx_report_column_type_name(uint32_t type);

/* The "capture" object of the JSON contract (DESIGN.md); NULL on error. */
json_t *nmx_report_capture_json(const nmx_capture_t *cap);

/* An absolute time in ns as ISO 8601 UTC with `digits` decimals. */
void nmx_report_iso_time(int64_t ns, unsigned digits, char *buf, size_t n);

#endif /* NMX_REPORT_REPORT_H */
