/*
 * filter_glue.c - how the runtime evaluates a filter on a frame of a session:
 * with the recognize table when the filter only tests protocols, with the
 * frame's cached dissection when it looks at properties.
 */
#include <stdio.h>

#include "runtime/runtime.h"

#ifdef NMX_FILTER_STANDIN
const nmx_filter_t *nmx_filter_from_handle(HFILTER h)
{
    (void)h;
    return NULL;
}

nmx_filter_t *nmx_dfilter_compile(const char *text, char *err, size_t errlen)
{
    (void)text;
    if (errlen > 0)
        snprintf(err, errlen, "display filters are not available in this build");
    return NULL;
}

void nmx_filter_free(nmx_filter_t *f)
{
    (void)f;
}

int nmx_session_filter(nmx_session_t *s, const nmx_filter_t *f, uint32_t n)
{
    (void)s;
    (void)f;
    (void)n;
    return FILTER_FAIL_WITH_ERROR;
}
#endif
