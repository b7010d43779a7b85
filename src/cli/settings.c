/*
 * settings.c - configuration text for the built-in experts.
 *
 * Built-in experts read their configuration as text lines "KEY=VALUE" in
 * RawConfigData.  The command line composes it: the stored configuration
 * (or a --config file) first, then every --set NAME.KEY=VALUE for that
 * expert, a later value of a key replacing an earlier one.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

bool nmx_cli_is_text(const uint8_t *data, size_t len)
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

bool nmx_cli_config_set(nmx_cli_config_t *c, const char *key, const char *value)
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

bool nmx_cli_config_assign(nmx_cli_config_t *c, const uint8_t *data, size_t len)
{
    free(c->data);
    c->data = NULL;
    c->len = c->cap = 0;
    c->present = true;
    /* Exactly these bytes: RawConfigLength is 4 + len (spec 3.3), no
     * terminator added, so a binary configuration keeps its size. */
    return append(c, (const char *)data, len);
}

void nmx_cli_config_free(nmx_cli_config_t *c)
{
    free(c->data);
    memset(c, 0, sizeof *c);
}

/* Reads a whole file (at most `max` bytes); NULL with a message on error. */
uint8_t *nmx_cli_read_file(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        nmx_cli_error("%s: %s", path, strerror(errno));
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
        nmx_cli_error("%s: cannot read", path);
        free(buf);
        return NULL;
    }
    if (n > max) {
        nmx_cli_error("%s: larger than %zu bytes", path, max);
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
void nmx_cli_unwrap_config(uint8_t **data, size_t *len)
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
