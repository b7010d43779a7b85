/*
 * eu_settings.c - the KEY=VALUE settings parser and the configuration text
 * of eu_settings.h.  The parser reads untrusted bytes (any --config file):
 * it never reads past RawConfigLength and never writes past its buffers
 * (fuzz/fuzz_settings.c exercises it).
 */
#include "eu_settings.h"

#include <stdio.h>
#include <string.h>

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Splits the trimmed line [a, b) at its '=' and calls fn; -1 when it is not
 * KEY=VALUE or a part is too long. */
static int setting_line(const char *a, const char *b, eu_setting_fn fn, void *ctx)
{
    const char *eq = memchr(a, '=', (size_t)(b - a));
    char key[256], value[256];
    if (eq == NULL)
        return -1;
    const char *ke = eq, *vs = eq + 1;
    while (ke > a && is_blank(ke[-1]))
        ke--;
    while (vs < b && is_blank(*vs))
        vs++;
    if ((size_t)(ke - a) >= sizeof key || (size_t)(b - vs) >= sizeof value || ke == a)
        return -1;
    memcpy(key, a, (size_t)(ke - a));
    key[ke - a] = '\0';
    memcpy(value, vs, (size_t)(b - vs));
    value[b - vs] = '\0';
    return fn(ctx, key, value);
}

int eu_parse_settings(const EXPERTCONFIG *cfg, eu_setting_fn fn, void *ctx)
{
    if (cfg == NULL || cfg->RawConfigLength <= sizeof(DWORD))
        return 0;
    const char *p = (const char *)cfg->RawConfigData;
    const char *end = p + (cfg->RawConfigLength - sizeof(DWORD));
    while (p < end && *p != '\0') {
        const char *nl = p;
        while (nl < end && *nl != '\n' && *nl != '\0')
            nl++;
        const char *a = p, *b = nl;
        while (a < b && (is_blank(*a) || *a == '\r'))
            a++;
        while (b > a && (is_blank(b[-1]) || b[-1] == '\r'))
            b--;
        if (a < b && *a != '#') {
            int rc = setting_line(a, b, fn, ctx);
            if (rc != 0)
                return rc;
        }
        p = nl < end ? nl + 1 : end;
    }
    return 0;
}

int eu_read_settings(const EXPERTCONFIG *cfg, eu_setting_fn fn, void *ctx, char *error, size_t errlen,
                     const char *syntax)
{
    int rc = eu_parse_settings(cfg, fn, ctx);
    if (rc == -1)
        snprintf(error, errlen, "%s", syntax);
    return rc == 0 ? 0 : -1;
}

int eu_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (s == NULL || *s == '\0')
        return 0;
    uint64_t v = 0;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > (max - (uint64_t)(*s - '0')) / 10)
            return 0;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 1;
}

int eu_streq_nocase(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        char x = (char)(*a >= 'A' && *a <= 'Z' ? *a + 32 : *a);
        char y = (char)(*b >= 'A' && *b <= 'Z' ? *b + 32 : *b);
        if (x != y)
            return 0;
    }
    return *a == *b;
}

int eu_choice(const char *value, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (eu_streq_nocase(value, names[i]))
            return i;
    return -1;
}

void eu_config_line(char *buf, size_t cap, const char *k, const char *v)
{
    size_t len = strlen(buf);
    if (len < cap)
        snprintf(buf + len, cap - len, "%s=%s\n", k, v);
}

DWORD eu_config_store(HEXPERTKEY key, PEXPERTCONFIG *ppConfig, const char *text)
{
    DWORD err = 0;
    size_t n = strlen(text) + 1;
    size_t total = sizeof(DWORD) + n;
    PEXPERTCONFIG c = *ppConfig == NULL ? ExpertAllocMemory(key, total, &err)
                                        : ExpertReallocMemory(key, *ppConfig, total, &err);
    if (c == NULL)
        return err != 0 ? err : NMERR_OUT_OF_MEMORY;
    c->RawConfigLength = (DWORD)total;
    memcpy(c->RawConfigData, text, n);
    *ppConfig = c;
    return 0;
}

BOOL eu_configure(HEXPERTKEY key, PEXPERTCONFIG *ppConfig, eu_config_text_fn fn)
{
    char text[512] = "";
    if (ppConfig == NULL || fn(*ppConfig, text, sizeof text) != 0)
        return FALSE;
    return eu_config_store(key, ppConfig, text) == 0;
}
