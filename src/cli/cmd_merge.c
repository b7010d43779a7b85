/*
 * cmd_merge.c - `nmexpert merge REPORT.json... [-o FILE] [--format
 * text|csv|json|html]`: the JSON reports of the shards of a capture set (`run
 * --shard K/N`) merged into the report of the whole (docs/scale.md).  "-"
 * reads a report from standard input.
 *
 * Exit status 0, or 2 when a file is not a version 2 report, the reports
 * are not shards of one run, or the output cannot be written.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void usage(FILE *out)
{
    fputs("usage: nmexpert merge REPORT.json... [--format text|csv|json|html] [-o FILE]\n"
          "\n"
          "Merges the JSON reports of 'nmexpert run --shard K/N --format json' into the\n"
          "report of the whole capture set, written as text tables (default), CSV, JSON\n"
          "or HTML.  Experts that declare no merge rules are reported once per shard.\n",
          out);
}

typedef struct merge_set {
    const char *const *paths;
    size_t n;
    int format;
    char note[512]; /* a warning when the reports are not shards 1..N */
} merge_set_t;

static int merge_json(FILE *out, const void *ctx, char *errbuf, size_t errlen)
{
    const merge_set_t *m = ctx;
    return nmx_report_merge_files(m->paths, m->n, NMX_REPORT_JSON, out, 0, errbuf, errlen, NULL, 0);
}

static int merge(FILE *out, unsigned width, const void *ctx, char *errbuf, size_t errlen)
{
    merge_set_t *m = (merge_set_t *)ctx;
    return nmx_report_merge_files(m->paths, m->n, m->format, out, width, errbuf, errlen, m->note,
                                  sizeof m->note);
}

int nmx__cmd_merge(int argc, char **argv)
{
    int format = NMX_REPORT_TEXT;
    const char *output = NULL;
    int p = nmx__cli_report_options(argc, argv, "merge", usage, &format, &output);
    if (p != 0)
        return p > 0 ? NMX_EXIT_OK : NMX_EXIT_USAGE;
    if (optind >= argc) {
        nmx__cli_error("merge: which reports? (nmexpert merge SHARD.json...)");
        usage(stderr);
        return NMX_EXIT_USAGE;
    }
    size_t n = (size_t)(argc - optind);
    const char **paths = calloc(n, sizeof *paths);
    if (paths == NULL) {
        nmx__cli_error("out of memory");
        return NMX_EXIT_USAGE;
    }
    size_t stdin_uses = 0;
    for (size_t i = 0; i < n; i++) {
        const char *a = argv[optind + (int)i];
        stdin_uses += strcmp(a, "-") == 0;
        paths[i] = strcmp(a, "-") == 0 ? "/dev/stdin" : a;
    }
    if (stdin_uses > 1) {
        free(paths);
        nmx__cli_error("merge: standard input ('-') can be read once only");
        return NMX_EXIT_USAGE;
    }
    merge_set_t set = {.paths = paths, .n = n, .format = format};
    char errbuf[1024];
    if (nmx__cli_write_output(output, merge, &set, errbuf, sizeof errbuf) != 0) {
        free(paths);
        nmx__cli_error("merge: %s", errbuf);
        return NMX_EXIT_USAGE;
    }
    if (set.note[0] != '\0')
        nmx__cli_error("warning: %s", set.note);
    /* Standard input cannot be read twice. */
    if (format == NMX_REPORT_JSON && stdin_uses == 0)
        nmx__cli_keep_report_copy(merge_json, &set);
    free(paths);
    return NMX_EXIT_OK;
}
