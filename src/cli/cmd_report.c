/*
 * cmd_report.c - `nmexpert report FILE.json [--format text|csv|json|html]
 * [-o FILE]`: renders a JSON report (version 2) saved by `run --format
 * json` again, as the text tables, the CSV or the JSON that run would
 * have written.  "-" reads the report from standard input.
 *
 * Exit status 0, or 2 when the file is not a version 2 report (the message
 * names what is wrong) or the output cannot be written.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void usage(FILE *out)
{
    fputs("usage: nmexpert report REPORT.json [--format text|csv|json|html] [-o FILE]\n"
          "\n"
          "Writes a JSON report saved by 'nmexpert run --format json' again, as text\n"
          "tables (default), CSV, JSON or one self-contained HTML page.  '-' reads it\n"
          "from standard input.\n",
          out);
}

static int rewrite_json(FILE *out, const void *path, char *errbuf, size_t errlen)
{
    return nmx_report_rewrite(path, NMX_REPORT_JSON, out, 0, errbuf, errlen);
}

int nmx__cli_write_file(const char *path, nmx_cli_writer_t write, const void *ctx, char *errbuf,
                        size_t errlen)
{
    nmx_output_t *o = nmx_output_open(path, errbuf, errlen);
    if (o == NULL)
        return -1;
    if (write(nmx_output_stream(o), ctx, errbuf, errlen) != 0) {
        char ignored[8];
        nmx_output_close(o, false, ignored, sizeof ignored);
        return -1;
    }
    return nmx_output_close(o, true, errbuf, errlen);
}

void nmx__cli_keep_report_copy(nmx_cli_writer_t write, const void *ctx)
{
    static unsigned seq;
    const char *dir = getenv("NMEXPERT_REPORT_COPY_DIR");
    if (dir == NULL || dir[0] == '\0')
        return;
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/report-%ld-%u.json", dir, (long)getpid(), seq++);
    if (nmx__cli_write_file(path, write, ctx, err, sizeof err) != 0)
        nmx__cli_error("warning: NMEXPERT_REPORT_COPY_DIR: cannot keep a copy of the report in %s: %s", path,
                       err);
}

int nmx__cli_report_options(int argc, char **argv, const char *command, void (*print_usage)(FILE *out),
                            int *format, const char **output)
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
        case 'h': print_usage(stdout); return 1;
        case ':': nmx__cli_error("option '%s' needs a value", argv[optind - 1]); return -1;
        default:
            nmx__cli_error("unknown option '%s' (see 'nmexpert %s --help')", argv[optind - 1], command);
            return -1;
        }
    }
    return 0;
}

int nmx__cli_write_output(const char *output, nmx_cli_fit_writer_t write, const void *ctx, char *errbuf,
                          size_t errlen)
{
    if (output == NULL || strcmp(output, "-") == 0)
        return write(stdout, nmx__cli_term_width(STDOUT_FILENO), ctx, errbuf, errlen);
    nmx_output_t *o = nmx_output_open(output, errbuf, errlen);
    if (o == NULL)
        return -1;
    if (write(nmx_output_stream(o), 0, ctx, errbuf, errlen) != 0) {
        char ignored[8];
        nmx_output_close(o, false, ignored, sizeof ignored);
        return -1;
    }
    return nmx_output_close(o, true, errbuf, errlen);
}

/* A saved report written again (nmexpert report). */
typedef struct rewrite {
    const char *path;
    int format;
} rewrite_t;

static int rewrite(FILE *out, unsigned width, const void *ctx, char *errbuf, size_t errlen)
{
    const rewrite_t *r = ctx;
    return nmx_report_rewrite(r->path, r->format, out, width, errbuf, errlen);
}

int nmx__cmd_report(int argc, char **argv)
{
    int format = NMX_REPORT_TEXT;
    const char *output = NULL;
    int p = nmx__cli_report_options(argc, argv, "report", usage, &format, &output);
    if (p != 0)
        return p > 0 ? NMX_EXIT_OK : NMX_EXIT_USAGE;
    if (optind + 1 != argc) {
        nmx__cli_error(optind >= argc ? "report: which report? (nmexpert report REPORT.json)"
                                      : "report: one report at a time");
        usage(stderr);
        return NMX_EXIT_USAGE;
    }
    rewrite_t r = {strcmp(argv[optind], "-") == 0 ? "/dev/stdin" : argv[optind], format};
    char errbuf[1024];
    if (nmx__cli_write_output(output, rewrite, &r, errbuf, sizeof errbuf) != 0) {
        nmx__cli_error("%s", errbuf);
        return NMX_EXIT_USAGE;
    }
    /* Standard input cannot be read twice. */
    if (format == NMX_REPORT_JSON && strcmp(r.path, "/dev/stdin") != 0)
        nmx__cli_keep_report_copy(rewrite_json, r.path);
    return NMX_EXIT_OK;
}
