/*
 * settings.c - configuration text for the built-in experts.
 *
 * Built-in experts read their configuration as text lines "KEY=VALUE" in
 * RawConfigData.  The command line composes it: the stored configuration
 * (or a --config file) first, then every --set NAME.KEY=VALUE for that
 * expert, a later value of a key replacing an earlier one.
 *
 * `run --set NAME.KEY=VALUE` and `configure NAME --set [NAME.]KEY=VALUE`
 * parse and check settings here, with the same messages: a key or value
 * the expert does not declare (NmxExpertSettings) is refused before
 * anything runs.  The settings tables of `list --settings` and
 * `configure --show` are printed here too.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"

bool nmx__cli_is_text(const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = data[i];
        if (c == 0 && i + 1 == len)
            continue; /* a trailing NUL is fine */
        if (c < 0x20 && c != '\n' && c != '\r' && c != '\t')
            return false;
    }
    return true;
}

/* Appends bytes to a growable buffer; false when out of memory. */
static bool append(nmx_cli_config_t *c, const char *s, size_t n)
{
    if (c->len + n + 1 > c->cap) {
        size_t cap = c->cap > 0 ? c->cap : 256;
        while (cap < c->len + n + 1)
            cap *= 2;
        char *p = realloc(c->data, cap);
        if (p == NULL)
            return false;
        c->data = p;
        c->cap = cap;
    }
    memcpy(c->data + c->len, s, n);
    c->len += n;
    c->data[c->len] = '\0';
    return true;
}

bool nmx__cli_config_set(nmx_cli_config_t *c, const char *key, const char *value)
{
    /* Drop earlier lines with the same key, then append.  A terminating
     * NUL of stored text goes: the text grows past it. */
    if (c->len > 0 && c->data[c->len - 1] == '\0')
        c->len--;
    size_t klen = strlen(key);
    char *out = malloc(c->len + 2); /* room for a newline added below, and the NUL */
    if (out == NULL)
        return false;
    size_t o = 0;
    const char *p = c->data != NULL ? c->data : "";
    const char *end = p + c->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        bool same = l > klen && strncmp(p, key, klen) == 0 && p[klen] == '=';
        if (!same && !(l == 1 && *p == '\0')) {
            memcpy(out + o, p, l);
            o += l;
        }
        p += l;
    }
    if (o > 0 && out[o - 1] != '\n')
        out[o++] = '\n';
    free(c->data);
    c->data = out;
    c->len = o;
    c->cap = o + 1;
    c->data[c->len] = '\0';
    return append(c, key, klen) && append(c, "=", 1) && append(c, value, strlen(value)) &&
           append(c, "\n", 1);
}

bool nmx__cli_config_assign(nmx_cli_config_t *c, const uint8_t *data, size_t len)
{
    free(c->data);
    c->data = NULL;
    c->len = c->cap = 0;
    c->present = true;
    /* Exactly these bytes: RawConfigLength is 4 + len (spec 3.3), no
     * terminator added, so a binary configuration keeps its size. */
    return append(c, (const char *)data, len);
}

void nmx__cli_config_free(nmx_cli_config_t *c)
{
    free(c->data);
    memset(c, 0, sizeof *c);
}

/* Reads a whole file (at most `max` bytes); NULL with a message on error. */
uint8_t *nmx__cli_read_file(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        nmx__cli_error("%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        if (n == cap) {
            if (cap >= max)
                break;
            cap *= 2;
            uint8_t *g = realloc(buf, cap);
            if (g == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = g;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
    }
    bool err = ferror(f);
    fclose(f);
    if (buf == NULL || err) {
        nmx__cli_error("%s: cannot read", path);
        free(buf);
        return NULL;
    }
    if (n > max) {
        nmx__cli_error("%s: larger than %zu bytes", path, max);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/*
 * A --config file may hold the raw data, or a whole EXPERTCONFIG as stored
 * (its first 4 bytes, little-endian, equal to the file size): strip that.
 */
void nmx__cli_unwrap_config(uint8_t **data, size_t *len)
{
    if (*len >= 4) {
        const uint8_t *p = *data;
        uint32_t total = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        if (total == *len) {
            memmove(*data, *data + 4, *len - 4);
            *len -= 4;
        }
    }
}

/* ---- one --set syntax for run and configure ------------------------------ */

int nmx__cli_parse_set(const char *arg, const char *module, nmx_cli_set_t *out)
{
    memset(out, 0, sizeof *out);
    const char *eq = strchr(arg, '=');
    const char *dot = eq != NULL ? memchr(arg, '.', (size_t)(eq - arg)) : NULL;
    const char *key = dot != NULL ? dot + 1 : arg;
    if (eq == NULL || key == eq || (dot == NULL && module == NULL) || dot == arg) {
        nmx__cli_error(module != NULL ? "--set wants KEY=VALUE or %s.KEY=VALUE, not '%s'"
                                     : "--set wants NAME.KEY=VALUE%s, not '%s'",
                      module != NULL ? module : "", arg);
        return -1;
    }
    if (strpbrk(eq + 1, "\r\n") != NULL) {
        nmx__cli_error("--set %.*s: a value cannot hold a line break", (int)(eq - arg), arg);
        return -1;
    }
    if (dot != NULL && module != NULL &&
        (strlen(module) != (size_t)(dot - arg) || strncasecmp(arg, module, (size_t)(dot - arg)) != 0)) {
        nmx__cli_error("--set %s: the setting names '%.*s', not %s", arg, (int)(dot - arg), arg, module);
        return -1;
    }
    out->module = dot != NULL ? strndup(arg, (size_t)(dot - arg)) : strdup(module);
    out->key = strndup(key, (size_t)(eq - key));
    out->value = strdup(eq + 1);
    if (out->module == NULL || out->key == NULL || out->value == NULL) {
        nmx__cli_set_free(out);
        nmx__cli_error("out of memory");
        return -1;
    }
    return 0;
}

void nmx__cli_set_free(nmx_cli_set_t *s)
{
    free(s->module);
    free(s->key);
    free(s->value);
    memset(s, 0, sizeof *s);
}

const nmx_expert_info_t *nmx__cli_find_expert(nmx_host_t *host, const char *module)
{
    for (size_t i = 0; i < nmx_host_expert_count(host); i++) {
        const nmx_expert_info_t *ei = nmx_host_expert(host, i);
        if (strcasecmp(ei->module, module) == 0)
            return ei;
    }
    return NULL;
}

bool nmx__cli_check_set(nmx_host_t *host, const nmx_cli_set_t *s)
{
    char err[1024];
    if (nmx_expert_check_setting(nmx__cli_find_expert(host, s->module), s->key, s->value, err, sizeof err) == 0)
        return true;
    nmx__cli_error("%s", err);
    return false;
}

/* ---- showing settings ----------------------------------------------------- */

/* The value of KEY in KEY=VALUE text (the last line wins), copied into
 * buf; false when the text does not set it. */
static bool config_get(const char *text, size_t len, const char *key, char *buf, size_t size)
{
    bool found = false;
    size_t klen = strlen(key);
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
        if (l > klen && strncasecmp(p, key, klen) == 0 && p[klen] == '=') {
            size_t vl = l - klen - 1;
            while (vl > 0 && (p[klen + 1 + vl - 1] == '\r' || p[klen + 1 + vl - 1] == '\0'))
                vl--;
            snprintf(buf, size, "%.*s", (int)vl, p + klen + 1);
            found = true;
        }
        p += l + 1;
    }
    return found;
}

void nmx__cli_print_settings(FILE *out, const nmx_expert_info_t *ei, const char *indent)
{
    size_t len;
    void *data; /* an unreadable stored configuration shows as none: `configure --show` says why */
    uint8_t *stored = nmx_config_load(ei->module, &data, &len, NULL, 0) == 0 ? data : NULL;
    bool text = stored != NULL && nmx__cli_is_text(stored, len);
    if (ei->nsettings == 0) {
        fprintf(out, "%s(declares no settings%s)\n", indent,
                ei->configurable ? "; its Configure takes a configuration of its own" : "");
        free(stored);
        return;
    }
    int wk = 3, wd = 7, ws = 6; /* KEY, DEFAULT, STORED */
    char buf[256];
    for (size_t i = 0; i < ei->nsettings; i++) {
        const nmx_setting_desc_t *d = &ei->settings[i];
        int k = (int)strlen(d->key), dl = (int)strlen(d->default_value);
        wk = k > wk ? k : wk;
        wd = dl > wd ? dl : wd;
        if (text && config_get((const char *)stored, len, d->key, buf, sizeof buf))
            ws = (int)strlen(buf) > ws ? (int)strlen(buf) : ws;
    }
    fprintf(out, "%s%-*s  %-*s  %-*s  %s\n", indent, wk, "KEY", wd, "DEFAULT", ws, "STORED", "VALUES - MEANING");
    for (size_t i = 0; i < ei->nsettings; i++) {
        const nmx_setting_desc_t *d = &ei->settings[i];
        const char *sv = "-";
        if (text && config_get((const char *)stored, len, d->key, buf, sizeof buf))
            sv = buf;
        fprintf(out, "%s%-*s  %-*s  %-*s  %s%s%s\n", indent, wk, d->key, wd,
                d->default_value[0] != '\0' ? d->default_value : "-", ws, sv,
                d->values[0] != '\0' ? d->values : "any", d->help[0] != '\0' ? " - " : "", d->help);
    }
    free(stored);
}

json_t *nmx__cli_settings_json(const nmx_expert_info_t *ei)
{
    size_t len;
    void *data; /* an unreadable stored configuration shows as none: `configure --show` says why */
    uint8_t *stored = nmx_config_load(ei->module, &data, &len, NULL, 0) == 0 ? data : NULL;
    bool text = stored != NULL && nmx__cli_is_text(stored, len);
    json_t *arr = json_array();
    char buf[256];
    for (size_t i = 0; i < ei->nsettings; i++) {
        const nmx_setting_desc_t *d = &ei->settings[i];
        json_t *o = json_object();
        json_object_set_new(o, "key", json_string(d->key));
        json_object_set_new(o, "default", d->default_value[0] != '\0' ? json_string(d->default_value) : json_null());
        json_object_set_new(o, "values", json_string(d->values));
        json_object_set_new(o, "help", json_string(d->help));
        bool have = text && config_get((const char *)stored, len, d->key, buf, sizeof buf);
        json_t *sv = have ? json_string(buf) : json_null();
        json_object_set_new(o, "stored", sv != NULL ? sv : json_null());
        json_array_append_new(arr, o);
    }
    free(stored);
    return arr;
}

/* ---- times and frame ranges (run --start, --end, --frames) ------------- */

/* Digits of s as a number of nanoseconds: "12.5" -> 12500000000; false if
 * it is not a plain decimal (or overflows). */
static bool seconds_ns(const char *s, int64_t *out)
{
    int64_t whole = 0, frac = 0;
    int fd = 0;
    const char *p = s;
    if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
        return false;
    for (; isdigit((unsigned char)*p); p++) {
        if (whole > (INT64_MAX / 1000000000 - 9) / 10)
            return false;
        whole = whole * 10 + (*p - '0');
    }
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++)
            if (fd < 9) {
                frac = frac * 10 + (*p - '0');
                fd++;
            }
    if (*p != '\0')
        return false;
    while (fd++ < 9)
        frac *= 10;
    *out = whole * 1000000000 + frac;
    return true;
}

bool nmx__cli_parse_time(const char *s, int64_t origin_ns, int64_t *out)
{
    int64_t ns;
    if (s[0] == '+' && seconds_ns(s + 1, &ns)) {
        *out = origin_ns + ns;
        return true;
    }
    if (s[0] == '@')
        return seconds_ns(s + 1, out);
    if (seconds_ns(s, &ns)) {
        *out = origin_ns + ns;
        return true;
    }
    /* YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z|+HH:MM|-HH:MM], UTC unless an offset is given. */
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3 || n != 10)
        return false;
    const char *p = s + 10;
    if (*p == 'T' || *p == ' ') {
        int m = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &m) != 2 || m != 5)
            return false;
        p += 1 + m;
        if (*p == ':') {
            if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
                return false;
            tm.tm_sec = (p[1] - '0') * 10 + (p[2] - '0');
            p += 3;
        }
    }
    int64_t frac = 0;
    if (*p == '.') {
        int fd = 0;
        for (p++; isdigit((unsigned char)*p); p++)
            if (fd < 9) {
                frac = frac * 10 + (*p - '0');
                fd++;
            }
        if (fd == 0)
            return false;
        while (fd++ < 9)
            frac *= 10;
    }
    int64_t offset = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om, k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k != 5 || oh > 23 || om > 59)
            return false;
        offset = (int64_t)(oh * 3600 + om * 60) * (*p == '+' ? 1 : -1);
        p += 1 + k;
    }
    if (*p != '\0' || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
        tm.tm_min > 59 || tm.tm_sec > 60)
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    int mday = tm.tm_mday;
    time_t t = timegm(&tm);
    if (tm.tm_mday != mday) /* 2024-02-30 normalised into March */
        return false;
    *out = ((int64_t)t - offset) * 1000000000 + frac;
    return true;
}

bool nmx__cli_parse_frames(const char *s, uint32_t *first, uint32_t *last)
{
    const char *dash = strchr(s, '-');
    uint64_t a = 0, b = 0;
    char lo[32];
    if (dash == NULL) {
        if (nmx_parse_u64(s, &a, NULL, 0) < 0 || a == 0 || a > UINT32_MAX)
            return false;
        *first = *last = (uint32_t)a;
        return true;
    }
    if ((size_t)(dash - s) >= sizeof lo)
        return false;
    memcpy(lo, s, (size_t)(dash - s));
    lo[dash - s] = '\0';
    if ((lo[0] != '\0' && (nmx_parse_u64(lo, &a, NULL, 0) < 0 || a == 0 || a > UINT32_MAX)) ||
        (dash[1] != '\0' && (nmx_parse_u64(dash + 1, &b, NULL, 0) < 0 || b == 0 || b > UINT32_MAX)) ||
        (lo[0] == '\0' && dash[1] == '\0') || (a != 0 && b != 0 && a > b))
        return false;
    *first = (uint32_t)a;
    *last = (uint32_t)b;
    return true;
}

const char *nmx__cli_option_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    *missing = false;
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return "";
    }
    return argv[++*i];
}
