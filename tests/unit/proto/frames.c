/*
 * frames.c - see frames.h.
 */
#include "frames.h"

#include <stdio.h>
#include <string.h>

static int hv(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t fr_hex(uint8_t *buf, size_t len, const char *hex)
{
    int hi = -1;
    for (; *hex; hex++) {
        int v = hv(*hex);
        if (v < 0)
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            buf[len++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return len;
}

const char *fr_values(const nmx_dissection_t *d, const char *key)
{
    static char out[8192];
    size_t n = 0;
    out[0] = '\0';
    const nmx_field_t *f = nmx__field_by_key(key);
    if (!f)
        return "<no such field>";
    const PROPERTYINST *pi = NULL;
    while ((pi = nmx__dissection_find(d, f, pi)) != NULL) {
        nmx_value_t v;
        if (!nmx__prop_value(pi, &v))
            continue;
        char buf[2048];
        nmx__prop_render(pi, buf, sizeof(buf));
        n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", n ? "," : "", buf);
    }
    return out;
}

const char *fr_protos(const RECOGNIZEDATATABLE *t)
{
    static char out[1024];
    size_t n = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < t->nRecognizeDatas; i++)
        n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", i ? " " : "",
                              nmx__proto_name(nmx__proto_by_id(t->RecognizeData[i].ProtocolID)));
    return out;
}

const PROPERTYINST *fr_inst(const nmx_dissection_t *d, const char *key)
{
    return nmx__dissection_find(d, nmx__field_by_key(key), NULL);
}

unsigned fr_errors(const nmx_dissection_t *d)
{
    unsigned n = 0;
    for (DWORD i = 0; i < d->props->nTotalPropertyInsts; i++)
        n += (d->props->lpFirstPropertyInst[i].IFlags & IFLAG_ERROR) != 0;
    return n;
}
