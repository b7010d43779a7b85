/*
 * options.c - the option-value parsers of the embedding API (host.h,
 * "Option values"): sizes, counts and seconds, written as `nmexpert` and
 * the experts' settings write them.  A front end parses its options with
 * these, so its "64M" and "1.5" mean what they mean to the host.  The
 * parsing itself is common's (strutil.c); this file gives it the API's
 * error convention.
 */
#include <nmexpert/host.h>

#include <stdio.h>

#include "common/strutil.h"

/* The message for a value that is not of the wanted kind. */
static int refuse(const char *s, const char *kind, char *errbuf, size_t errlen)
{
    if (errbuf != NULL && errlen > 0)
        snprintf(errbuf, errlen, "'%s' is not %s", s != NULL ? s : "(null)", kind);
    return -1;
}

NMX_EXPORT int nmx_parse_u64(const char *s, uint64_t *out, char *errbuf, size_t errlen)
{
    if (nmx__parse_u64(s, out))
        return 0;
    return refuse(s, "a whole number (decimal digits only)", errbuf, errlen);
}

NMX_EXPORT int nmx_parse_size(const char *s, uint64_t *out, char *errbuf, size_t errlen)
{
    if (nmx__parse_size(s, out))
        return 0;
    return refuse(s, "a size (a whole number with an optional K, M, G or T suffix, such as 64M)", errbuf,
                  errlen);
}

NMX_EXPORT int nmx_parse_seconds(const char *s, double *out, char *errbuf, size_t errlen)
{
    if (nmx__parse_seconds(s, out))
        return 0;
    return refuse(s, "a number of seconds from 0 to 1e9 (such as 1.5)", errbuf, errlen);
}
