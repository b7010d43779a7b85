/*
 * values.c - cells and strings as the reports write them: a column value as
 * the NetMon viewer shows it (spec 4.7), FLOAT64 cells by column kind
 * (seconds, percentages, plain numbers), VARTIME and status names, and JSON
 * strings of text that need not be UTF-8.  Every writer (report.c,
 * report_json.c, capture_json.c) and the report loader (source.c) use
 * these; they use nothing of theirs.
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
json_t *nmx__report_json_text(const char *s)
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
    "yesno", "onoff", "truefalse", "macaddr", "ipxaddr", "ipaddr", "vartime", "string", "uint64"};

const char *nmx__report_column_type_name(uint32_t type)
{
    return type < sizeof column_type_names / sizeof column_type_names[0] ? column_type_names[type]
                                                                         : "unknown";
}

/* OLE automation date (days since 1899-12-30) as "YYYY-MM-DDTHH:MM:SS.mmm". */
void nmx__report_format_vartime(double days, char *buf, size_t n, char sep)
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

/* ---- numbers: FLOAT64 cells by column kind ------------------------------------
 *
 * NMCOLUMNTYPE_FLOAT64 says nothing of the unit, so the column name does,
 * as the built-in experts name their columns (docs/writing-an-expert.md):
 *   - a name ending in "(s)" is seconds: 6 decimals in text (microseconds);
 *   - a name starting with "%" or ending in "(%)" is a percentage: 2 decimals;
 *   - otherwise a column whose values are all whole numbers is integers (a
 *     count too wide for UINT32), and any other gets the fewest decimals
 *     (at most 6) that show every value of the column, the same for all.
 * CSV keeps full precision: the shortest decimal text that reads back as
 * the same double, positional (0.000099, never 9.9e-05). */



static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* The kind a column name declares, or NUM_REAL when it declares none. */
num_kind_t nmx__report_name_kind(const char *name)
{
    while (*name == ' ')
        name++;
    if (ends_with(name, "(s)"))
        return NUM_SECONDS;
    if (name[0] == '%' || ends_with(name, "(%)"))
        return NUM_PERCENT;
    return NUM_REAL;
}

/* Decimals (0-6) needed to show v exactly at microsecond-like precision. */
int nmx__report_decimals_needed(double v)
{
    char b[400];
    snprintf(b, sizeof b, "%.6f", fabs(v));
    char *dot = strchr(b, '.');
    if (dot == NULL)
        return 0;
    int d = 6;
    while (d > 0 && dot[d] == '0')
        d--;
    return d;
}

/* "-0.00" -> "0.00": a value that rounds to zero has no sign. */
static void drop_negative_zero(char *buf)
{
    if (buf[0] != '-')
        return;
    for (const char *p = buf + 1; *p != '\0'; p++)
        if (*p != '0' && *p != '.')
            return;
    memmove(buf, buf + 1, strlen(buf));
}

/* The shortest decimal text of v that strtod reads back as v, positional. */
static void shortest_plain(double v, char *buf, size_t n)
{
    char e[48];
    for (int p = 1; p <= 17; p++) {
        snprintf(e, sizeof e, "%.*e", p - 1, v);
        if (strtod(e, NULL) == v)
            break;
    }
    /* e is [-]D[.DDD]e(+|-)XX: gather the digits and the exponent. */
    char digits[24];
    size_t nd = 0;
    const char *q = e;
    bool neg = *q == '-';
    if (neg)
        q++;
    for (; *q != 'e' && *q != '\0'; q++)
        if (*q >= '0' && *q <= '9' && nd + 1 < sizeof digits)
            digits[nd++] = *q;
    int x = *q == 'e' ? atoi(q + 1) : 0;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    size_t o = 0;
#define PUT(ch)                                                                                    \
    do {                                                                                           \
        if (o + 1 < n)                                                                             \
            buf[o++] = (ch);                                                                       \
    } while (0)
    if (neg && !(nd == 1 && digits[0] == '0'))
        PUT('-');
    if (x < 0) {
        PUT('0');
        PUT('.');
        for (int i = 0; i < -x - 1; i++)
            PUT('0');
        for (size_t i = 0; i < nd; i++)
            PUT(digits[i]);
    } else {
        for (int i = 0; i <= x; i++)
            PUT((size_t)i < nd ? digits[i] : '0');
        if (nd > (size_t)x + 1) {
            PUT('.');
            for (size_t i = (size_t)x + 1; i < nd; i++)
                PUT(digits[i]);
        }
    }
#undef PUT
    if (n > 0)
        buf[o] = '\0';
}

/* A FLOAT64 cell of a column of format f; `csv` for full precision. */
void nmx__report_format_number(double v, const numfmt_t *f, bool csv, char *buf, size_t n)
{
    if (!isfinite(v)) {
        snprintf(buf, n, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
        return;
    }
    if (f->kind == NUM_INTEGER)
        snprintf(buf, n, "%.0f", v);
    else if (csv)
        shortest_plain(v, buf, n);
    else
        snprintf(buf, n, "%.*f", f->kind == NUM_SECONDS ? 6 : f->kind == NUM_PERCENT ? 2 : f->decimals, v);
    drop_negative_zero(buf);
}

void nmx__report_format_value(const nmx_column_t *c, char *buf, size_t n)
{
    switch (c->type) {
    case NMCOLUMNTYPE_UINT8:
    case NMCOLUMNTYPE_UINT16:
    case NMCOLUMNTYPE_UINT32:
    case NMX_COLUMNTYPE_UINT64:
        snprintf(buf, n, "%" PRIu64, c->v.u);
        break;
    case NMCOLUMNTYPE_SINT8:
    case NMCOLUMNTYPE_SINT16:
    case NMCOLUMNTYPE_SINT32:
        snprintf(buf, n, "%" PRId64, c->v.i);
        break;
    case NMCOLUMNTYPE_FLOAT64: {
        static const numfmt_t plain = {NUM_REAL, 6};
        nmx__report_format_number(c->v.f, &plain, true, buf, n);
        break;
    }
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
            nmx__format_mac(c->v.bytes, buf);
        break;
    case NMCOLUMNTYPE_IPXADDR: {
        const uint8_t *b = c->v.bytes;
        snprintf(buf, n, "%02X%02X%02X%02X.%02X%02X%02X%02X%02X%02X", b[0], b[1], b[2], b[3], b[4],
                 b[5], b[6], b[7], b[8], b[9]);
        break;
    }
    case NMCOLUMNTYPE_IPADDR:
        if (n >= 16)
            nmx__format_ipv4(c->v.bytes, buf);
        break;
    case NMCOLUMNTYPE_VARTIME:
        nmx__report_format_vartime(c->v.f, buf, n, ' ');
        break;
    case NMCOLUMNTYPE_STRING:
        snprintf(buf, n, "%s", c->s != NULL ? c->s : "");
        break;
    default:
        snprintf(buf, n, "?");
        break;
    }
}

/* ---- status names --------------------------------------------------------- */

const char *nmx__report_status_name(uint32_t status)
{
    static const char *const names[] = {"inactive", "starting", "running",
                                        "problem",  "aborted",  "done"};
    return status < sizeof names / sizeof names[0] ? names[status] : "unknown";
}


const char *nmx__report_viewer_name(uint32_t register_flags)
{
    if (register_flags & EXPERT_ENUM_FLAG_NO_VIEWER)
        return "none";
    return (register_flags & EXPERT_ENUM_FLAG_VIEWER_PRIVATE) ? "private" : "shared";
}

uint32_t nmx__report_viewer_flags(const char *viewer)
{
    if (viewer != NULL && strcmp(viewer, "none") == 0)
        return EXPERT_ENUM_FLAG_NO_VIEWER;
    if (viewer != NULL && strcmp(viewer, "private") == 0)
        return EXPERT_ENUM_FLAG_VIEWER_PRIVATE;
    return 0;
}
