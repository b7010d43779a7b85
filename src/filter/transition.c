/*
 * transition.c - a link-time stand-in for the runtime's nmx_session_filter()
 * (src/runtime/runtime.h), which evaluates a filter on a frame of a session
 * with nmx_filter_eval().  The runtime's own definition replaces this weak
 * one; until the runtime provides it, every filter evaluation reports an
 * error rather than leaving libnmapi.so unlinkable.
 */
#include <stdint.h>

#include "filter/filter.h"

__attribute__((weak)) int nmx_session_filter(void *s, const nmx_filter_t *f, uint32_t n);

__attribute__((weak)) int nmx_session_filter(void *s, const nmx_filter_t *f, uint32_t n)
{
    (void)s;
    (void)f;
    (void)n;
    return FILTER_FAIL_WITH_ERROR;
}
