/*
 * cmd_demo.c - `nmexpert demo [run options]`: every built-in expert over the
 * sample capture installed with the program (recorded on a private loopback
 * by scripts/record-traffic.sh), in text unless --format says otherwise.
 * Protocol Coalesce writes its output capture to a temporary directory.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int nmx_cmd_demo(int argc, char **argv)
{
    char sample[PATH_MAX];
    snprintf(sample, sizeof sample, "%s/sample.pcap", nmx_host_installed_data_dir());
    if (access(sample, R_OK) != 0) {
        nmx_cli_error("the sample capture %s is missing (install nmexpert, or set NMEXPERT_DATA_DIR)",
                      sample);
        return NMX_EXIT_USAGE;
    }
    char dir[] = "/tmp/nmexpert-demo-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        nmx_cli_error("cannot create a temporary directory: %s", strerror(errno));
        return NMX_EXIT_USAGE;
    }
    char coalesced[PATH_MAX];
    snprintf(coalesced, sizeof coalesced, "%s/coalesced.pcap", dir);
    static const char *const experts[] = {"protdist", "topuser", "tcpretrans",
                                          "resptime", "propdist", "coalesce"};
    const size_t nexp = sizeof experts / sizeof experts[0];
    nmx_cli_setting_t sets[] = {{"coalesce", "output", coalesced},
                                {"propdist", "property", "dns.qry.name"}};
    nmx_cli_run_defaults_t d = {.capture = sample, .sets = sets, .nsets = sizeof sets / sizeof sets[0]};

    /* argv for the run command: "-e X" for each expert, then the user's options. */
    char **args = calloc((size_t)argc + 2 * nexp + 2, sizeof *args);
    if (args == NULL) {
        nmx_cli_error("out of memory");
        return NMX_EXIT_USAGE;
    }
    int n = 0;
    args[n++] = "demo";
    for (size_t i = 0; i < nexp; i++) {
        args[n++] = "-e";
        args[n++] = (char *)experts[i];
    }
    for (int i = 1; i < argc; i++)
        args[n++] = argv[i];
    printf("nmexpert demo: the six classic experts over %s\n\n", sample);
    fflush(stdout);
    int status = nmx_cmd_run_common(n, args, &d);
    free(args);
    struct stat st;
    if (stat(coalesced, &st) == 0)
        printf("Protocol Coalesce wrote %s (%lld bytes).\n", coalesced, (long long)st.st_size);
    else
        rmdir(dir);
    return status;
}
