/*
 * main.c - the nmexpert command: dispatches to one subcommand per file.
 *
 *   nmexpert list | info | fields | run | demo | configure | version | help
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void nmx__cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("nmexpert: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void usage(FILE *out)
{
    fputs("usage: nmexpert COMMAND [ARGS]\n"
          "\n"
          "commands:\n"
          "  run CAPTURE [options]               run experts over a capture (see run --help)\n"
          "  demo [run options]                  every built-in expert on the bundled sample\n"
          "  list [--format text|json]           the experts found and what they report\n"
          "  info CAPTURE... [--format text|json]  describe capture files\n"
          "  fields [PROTOCOL...]                the protocols and fields -Y and propdist know\n"
          "  report REPORT.json [--format F]     write a saved JSON report again as text, csv, json or html\n"
          "  merge SHARD.json... [-o FILE]       merge the reports of run --shard K/N into one\n"
          "  configure NAME [options]            set, show or reset an expert's configuration\n"
          "  version                             print the version\n"
          "  help                                this text\n"
          "\n"
          "See nmexpert(1).\n",
          out);
}

void nmx__cli_stdout_error(int err)
{
    static bool said;
    if (said)
        return;
    said = true;
    nmx__cli_error("cannot write to standard output: %s", strerror(err != 0 ? err : EIO));
}

static int dispatch(int argc, char **argv);

/* Whatever the command, output that did not reach standard output (a full
 * disk, a closed pipe, /dev/full) is an error: exit status 2. */
int main(int argc, char **argv)
{
    int status = dispatch(argc, argv);
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        nmx__cli_stdout_error(errno);
        return NMX_EXIT_USAGE;
    }
    return status;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return NMX_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") == 0)
        return nmx__cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "demo") == 0)
        return nmx__cmd_demo(argc - 1, argv + 1);
    if (strcmp(cmd, "list") == 0)
        return nmx__cmd_list(argc - 1, argv + 1);
    if (strcmp(cmd, "configure") == 0)
        return nmx__cmd_configure(argc - 1, argv + 1);
    if (strcmp(cmd, "report") == 0)
        return nmx__cmd_report(argc - 1, argv + 1);
    if (strcmp(cmd, "merge") == 0)
        return nmx__cmd_merge(argc - 1, argv + 1);
    if (strcmp(cmd, "fields") == 0)
        return nmx__cmd_fields(argc - 2, argv + 2);
    if (strcmp(cmd, "info") == 0)
        return nmx__cmd_info(argc - 2, argv + 2);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("nmexpert %s\n", nmx_version());
        return NMX_EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return NMX_EXIT_OK;
    }
    nmx__cli_error("unknown command '%s' (try 'nmexpert help')", cmd);
    return NMX_EXIT_USAGE;
}
