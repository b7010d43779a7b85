/*
 * settings_decl.c - the settings experts declare (NmxExpertSettings,
 * netmon.h): read in the discovery child, sent to the host as bytes, parsed
 * and checked there.
 *
 * The table lives in the expert's memory, so it is read only in the
 * discovery child (a bad pointer there ends that child, which is reported as
 * a load failure).  On the wire each setting is one record: key, default,
 * values and help, each ended by 0x1f, the record by 0x1e; strings are cut
 * at NMX_SETTING_STRING_MAX bytes and at the separators, and records that do
 * not fit whole are left out.  The host trusts none of it: it parses what
 * it can, bounded by the length it received, and ignores the rest.
 *
 * Checking (nmx_expert_check_setting): keys compare without case, as the
 * built-in experts read them; "a|b|c" values compare without case; "N..M"
 * takes a decimal unsigned integer in range ("N.." has no upper bound).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strutil.h"
#include "runtime/host_internal.h"

#define NMX_SETTING_STRING_MAX 255u
#define FIELD_END '\x1f'
#define RECORD_END '\x1e'

/* Appends s (cut at the limit and at control characters) and FIELD_END. */
static bool put_field(const char *s, char *buf, size_t size, size_t *n)
{
    size_t len = 0;
    while (s != NULL && len < NMX_SETTING_STRING_MAX && s[len] != '\0' && (unsigned char)s[len] >= 0x20)
        len++;
    if (len + 1 > size - *n)
        return false;
    memcpy(buf + *n, s, len);
    *n += len;
    buf[(*n)++] = FIELD_END;
    return true;
}

size_t nmx__settings_encode(const NMX_EXPERT_SETTING *table, char *buf, size_t size)
{
    size_t n = 0;
    for (unsigned i = 0; table != NULL && i < NMX_EXPERT_MAX_SETTINGS && table[i].Key != NULL; i++) {
        size_t start = n;
        const NMX_EXPERT_SETTING *s = &table[i];
        if (!put_field(s->Key, buf, size, &n) || !put_field(s->Default, buf, size, &n) ||
            !put_field(s->Values, buf, size, &n) || !put_field(s->Help, buf, size, &n) || n >= size) {
            n = start; /* a record that does not fit is left out, with all after it */
            break;
        }
        buf[n++] = RECORD_END;
    }
    return n;
}

bool nmx__settings_decode(nmx_host_expert_t *e, const char *buf, size_t len)
{
    e->settings = NULL;
    e->nsettings = 0;
    e->settings_text = NULL;
    size_t records = 0;
    for (size_t i = 0; i < len; i++)
        records += buf[i] == RECORD_END;
    if (records == 0)
        return true;
    e->settings_text = malloc(len + 1);
    e->settings = calloc(records, sizeof *e->settings);
    if (e->settings_text == NULL || e->settings == NULL)
        return false;
    memcpy(e->settings_text, buf, len);
    e->settings_text[len] = '\0';
    char *p = e->settings_text, *end = e->settings_text + len;
    while (p < end && e->nsettings < records) {
        char *rec_end = memchr(p, RECORD_END, (size_t)(end - p));
        if (rec_end == NULL)
            break;
        *rec_end = '\0';
        const char *fields[4] = {"", "", "", ""};
        int nf = 0;
        for (char *f = p; nf < 4 && f < rec_end;) {
            char *fe = memchr(f, FIELD_END, (size_t)(rec_end - f));
            if (fe == NULL)
                break;
            *fe = '\0';
            fields[nf++] = f;
            f = fe + 1;
        }
        if (nf == 4 && fields[0][0] != '\0') {
            nmx_setting_desc_t *d = &e->settings[e->nsettings++];
            d->key = fields[0];
            d->default_value = fields[1];
            d->values = fields[2];
            d->help = fields[3];
        }
        p = rec_end + 1;
    }
    return true;
}

/* Whether value is one of the words of "a|b|c" (without case). */
static bool one_of(const char *values, const char *value)
{
    size_t vl = strlen(value);
    for (const char *w = values; *w != '\0';) {
        const char *bar = strchr(w, '|');
        size_t wl = bar != NULL ? (size_t)(bar - w) : strlen(w);
        if (wl == vl && strncasecmp(w, value, vl) == 0)
            return true;
        if (bar == NULL)
            break;
        w = bar + 1;
    }
    return false;
}

/* "N..M" / "N..": whether value is a decimal integer in range; false, with
 * *is_range false, when `values` is not a range at all. */
static bool in_range(const char *values, const char *value, bool *is_range)
{
    const char *dots = strstr(values, "..");
    uint64_t lo, hi = UINT64_MAX, v;
    char lo_text[32];
    *is_range = false;
    if (dots == NULL || (size_t)(dots - values) >= sizeof lo_text)
        return false;
    memcpy(lo_text, values, (size_t)(dots - values));
    lo_text[dots - values] = '\0';
    if (!nmx__parse_u64(lo_text, &lo) || (dots[2] != '\0' && !nmx__parse_u64(dots + 2, &hi)))
        return false;
    *is_range = true;
    for (const char *c = value; *c != '\0'; c++)
        if (*c < '0' || *c > '9')
            return false;
    return value[0] != '\0' && nmx__parse_u64(value, &v) && v >= lo && v <= hi;
}

NMX_EXPORT int nmx_expert_check_setting(const nmx_expert_info_t *ei, const char *key, const char *value,
                                        char *errbuf, size_t errlen)
{
    if (errbuf != NULL && errlen > 0)
        errbuf[0] = '\0';
    if (ei == NULL || key == NULL || value == NULL || ei->nsettings == 0)
        return 0;
    const nmx_setting_desc_t *d = NULL;
    for (size_t i = 0; i < ei->nsettings && d == NULL; i++)
        if (strcasecmp(ei->settings[i].key, key) == 0)
            d = &ei->settings[i];
    if (d == NULL) {
        size_t n = errbuf != NULL ? (size_t)snprintf(errbuf, errlen, "%s: unknown setting '%s' (known:", ei->module, key) : 0;
        for (size_t i = 0; errbuf != NULL && i < ei->nsettings && n < errlen; i++)
            n += (size_t)snprintf(errbuf + n, errlen - n, "%s %s", i > 0 ? "," : "", ei->settings[i].key);
        if (errbuf != NULL && n < errlen)
            snprintf(errbuf + n, errlen - n, ")");
        return -1;
    }
    if (d->values[0] == '\0')
        return 0;
    bool is_range;
    if (in_range(d->values, value, &is_range))
        return 0;
    if (is_range) {
        if (errbuf != NULL)
            snprintf(errbuf, errlen, "%s.%s: '%s' is not a whole number in %s", ei->module, d->key, value,
                     d->values);
        return -2;
    }
    if (one_of(d->values, value))
        return 0;
    if (errbuf != NULL && errlen > 0) {
        size_t n = (size_t)snprintf(errbuf, errlen, "%s.%s: '%s' is not one of ", ei->module, d->key, value);
        for (const char *c = d->values; *c != '\0' && n + 2 < errlen; c++) {
            if (*c == '|') {
                errbuf[n++] = ',';
                errbuf[n++] = ' ';
            } else {
                errbuf[n++] = *c;
            }
        }
        errbuf[n < errlen ? n : errlen - 1] = '\0';
    }
    return -2;
}
