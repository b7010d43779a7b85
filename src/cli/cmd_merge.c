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
} merge_set_t;

static int merge_json(FILE *out, const void *ctx, char *errbuf, size_t errlen)
{
    const merge_set_t *m = ctx;
    return nmx_report_merge_files(m->paths, m->n, NMX_REPORT_JSON, out, 0, errbuf, errlen, NULL, 0);
}

/* The options: 0 to go on, 1 done (--help), -1 a usage error. */
static int parse_options(int argc, char **argv, int *format, const char **output)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            *format = nmx__cli_parse_format(optarg, true);
            if (*format < 0) {
                nmx__cli_error("--format must be text, csv, json or html, not '%s'", optarg);
                return -1;
            }
            break;
        case 'o': *output = optarg; break;
        case 'h': usage(stdout); return 1;
        case ':': nmx__cli_error("option '%s' needs a value", argv[optind - 1]); return -1;
        default:
            nmx__cli_error("unknown option '%s' (see 'nmexpert merge --help')", argv[optind - 1]);
            return -1;
        }
    }
    return 0;
}

int nmx__cmd_merge(int argc, char **argv)
{
    int format = NMX_REPORT_TEXT;
    const char *output = NULL;
    int p = parse_options(argc, argv, &format, &output);
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
    char errbuf[1024], note[512];
    nmx_output_t *o = NULL;
    FILE *out = stdout;
    if (output != NULL && strcmp(output, "-") != 0) {
        if ((o = nmx_output_open(output, errbuf, sizeof errbuf)) == NULL) {
            free(paths);
            nmx__cli_error("%s", errbuf);
            return NMX_EXIT_USAGE;
        }
        out = nmx_output_stream(o);
    }
    int rc = nmx_report_merge_files(paths, n, format, out, o == NULL ? nmx__cli_term_width(STDOUT_FILENO) : 0,
                                    errbuf, sizeof errbuf, note, sizeof note);
    if (rc != 0) {
        free(paths);
        nmx__cli_error("merge: %s", errbuf);
        nmx_output_close(o, false, errbuf, sizeof errbuf);
        return NMX_EXIT_USAGE;
    }
    if (note[0] != '\0')
        nmx__cli_error("warning: %s", note);
    if (o != NULL && nmx_output_close(o, true, errbuf, sizeof errbuf) != 0) {
        free(paths);
        nmx__cli_error("cannot write the report: %s", errbuf);
        return NMX_EXIT_USAGE;
    }
    /* Standard input cannot be read twice. */
    merge_set_t set = {paths, n};
    if (format == NMX_REPORT_JSON && stdin_uses == 0)
        nmx__cli_keep_report_copy(merge_json, &set);
    free(paths);
    return NMX_EXIT_OK;
}
