/*
 * output.c - the embedding API's output files (nmexpert/host.h): reports
 * written through common/outfile.c, so that a report never replaces the
 * capture, a device or a FIFO, and is renamed into place only when whole.
 */
#include <stdlib.h>

#include <nmexpert/host.h>

#include "common/outfile.h"

struct nmx_output {
    nmx_outfile_t file;
};

NMX_EXPORT nmx_output_t *nmx_output_open(const char *path, char *errbuf, size_t errlen)
{
    nmx_output_t *o = calloc(1, sizeof *o);
    char why[512];
    if (o == NULL) {
        snprintf(errbuf, errlen, "%s: out of memory", path != NULL ? path : "");
        return NULL;
    }
    if (nmx__outfile_open(&o->file, path, why, sizeof why) != 0) {
        snprintf(errbuf, errlen, "%s: %s", path != NULL ? path : "", why);
        free(o);
        return NULL;
    }
    return o;
}

NMX_EXPORT FILE *nmx_output_stream(nmx_output_t *o)
{
    return o != NULL ? o->file.f : NULL;
}

NMX_EXPORT const char *nmx_output_temp_path(const nmx_output_t *o)
{
    return o != NULL ? o->file.tmp : NULL;
}

NMX_EXPORT int nmx_output_close(nmx_output_t *o, bool commit, char *errbuf, size_t errlen)
{
    if (o == NULL)
        return 0;
    int rc = 0;
    if (commit) {
        char why[512];
        char path[4096];
        snprintf(path, sizeof path, "%s", o->file.path);
        if (nmx__outfile_commit(&o->file, why, sizeof why) != 0) {
            snprintf(errbuf, errlen, "%s: %s", path, why);
            rc = -1;
        }
    } else {
        nmx__outfile_discard(&o->file);
    }
    free(o);
    return rc;
}
