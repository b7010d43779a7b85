/*
 * cmd_demo.c - `nmexpert demo [run options]`: every built-in expert over the
 * sample capture installed with the program (recorded on a private loopback
 * by scripts/record-traffic.sh), in text unless --format says otherwise.
 * Protocol Coalesce writes its output capture to a temporary directory
 * (under $TMPDIR, else /tmp) that the demo removes when it ends, whether the
 * run succeeded or not.  The banner goes to standard error, so that
 * standard output is the report alone (`nmexpert demo --format json | jq`).
 *
 * Next to its report the demo writes the HTML report, nmexpert-demo.html in
 * the current directory (--html FILE elsewhere, --no-html not at all), and
 * says where: the one file it writes that no -o named, announced in the
 * README and the man page.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Removes the demo's directory and whatever the run left in it (it has no
 * subdirectories). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *de;
        char path[PATH_MAX];
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

int nmx__cmd_demo(int argc, char **argv)
{
    char sample[PATH_MAX];
    snprintf(sample, sizeof sample, "%s/sample.pcap", nmx_host_installed_data_dir());
    if (access(sample, R_OK) != 0) {
        nmx__cli_error("the sample capture %s is missing (install nmexpert, or set NMEXPERT_DATA_DIR)",
                       sample);
        return NMX_EXIT_USAGE;
    }
    const char *tmpdir = getenv("TMPDIR");
    if (tmpdir == NULL || tmpdir[0] != '/')
        tmpdir = "/tmp";
    char dir[PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s/nmexpert-demo-XXXXXX", tmpdir) >= (int)sizeof dir - 16 ||
        mkdtemp(dir) == NULL) {
        nmx__cli_error("cannot create a temporary directory in %s: %s", tmpdir, strerror(errno));
        return NMX_EXIT_USAGE;
    }
    char coalesced[PATH_MAX + 32];
    snprintf(coalesced, sizeof coalesced, "%s/coalesced.pcap", dir);
    static const char *const experts[] = {"protdist", "topuser", "tcpretrans",
                                          "resptime", "propdist", "coalesce"};
    const size_t nexp = sizeof experts / sizeof experts[0];
    nmx_cli_setting_t sets[] = {{"coalesce", "output", coalesced},
                                {"propdist", "property", "dns.qry.name"}};
    nmx_cli_run_defaults_t d = {.capture = sample,
                                .sets = sets,
                                .nsets = sizeof sets / sizeof sets[0],
                                .temp_file = coalesced,
                                .temp_dir = dir,
                                .html_copy = "nmexpert-demo.html"};

    /* argv for the run command: "-e X" for each expert, then the user's
     * options but the demo's own (--html FILE, --no-html). */
    char **args = calloc((size_t)argc + 2 * nexp + 2, sizeof *args);
    if (args == NULL) {
        nmx__cli_error("out of memory");
        remove_dir(dir);
        return NMX_EXIT_USAGE;
    }
    int n = 0;
    args[n++] = "demo";
    for (size_t i = 0; i < nexp; i++) {
        args[n++] = "-e";
        args[n++] = (char *)experts[i];
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-html") == 0) {
            d.html_copy = NULL;
        } else if (strcmp(argv[i], "--html") == 0 || strncmp(argv[i], "--html=", 7) == 0) {
            const char *v = argv[i][6] == '=' ? argv[i] + 7 : (i + 1 < argc ? argv[++i] : NULL);
            if (v == NULL || v[0] == '\0') {
                nmx__cli_error("option '--html' needs a file name");
                free(args);
                remove_dir(dir);
                return NMX_EXIT_USAGE;
            }
            d.html_copy = v;
        } else {
            args[n++] = argv[i];
        }
    }
    fprintf(stderr, "nmexpert demo: the six classic experts over %s\n", sample);
    int status = nmx__cmd_run_common(n, args, &d);
    free(args);
    struct stat st;
    if (stat(coalesced, &st) == 0)
        fprintf(stderr,
                "nmexpert demo: Protocol Coalesce wrote %lld bytes to a temporary file, now removed "
                "(to keep its output: nmexpert run CAPTURE -e coalesce --set coalesce.output=FILE)\n",
                (long long)st.st_size);
    remove_dir(dir);
    return status;
}
