/*
 * cmd_list.c - `nmexpert list [--settings] [--experts-dir DIR]... [--format
 * text|json]`: the experts the host finds, with what their Register reports
 * and (--settings; always in JSON) the settings each declares, with
 * defaults and stored values.  Modules
 * are registered in throw-away child processes, so a broken one is listed
 * with its error instead of taking the command down.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The experts found as the JSON document of `list --format json`. */
static void list_json(nmx_host_t *host, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const nmx_expert_info_t *e = nmx_host_expert(host, i);
        json_t *o = json_object();
        json_object_set_new(o, "module", json_string(e->module));
        json_object_set_new(o, "name", json_string(e->name));
        json_object_set_new(o, "vendor", json_string(e->vendor));
        json_object_set_new(o, "description", json_string(e->description));
        json_object_set_new(o, "version", json_integer(e->version));
        json_object_set_new(o, "flags", json_integer(e->flags));
        json_object_set_new(o, "configurable", json_boolean(e->configurable));
        json_object_set_new(o, "default", json_boolean(!e->not_default));
        json_object_set_new(o, "path", json_string(e->path));
        json_object_set_new(o, "load_error", e->load_error != NULL ? json_string(e->load_error) : json_null());
        json_object_set_new(o, "settings", nmx__cli_settings_json(e));
        json_array_append_new(arr, o);
    }
    json_t *root = json_object();
    json_object_set_new(root, "experts", arr);
    json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    putchar('\n');
    json_decref(root);
}

/* The experts found, one or two lines each (and their settings). */
static void list_text(nmx_host_t *host, size_t n, bool settings)
{
    for (size_t i = 0; i < n; i++) {
        const nmx_expert_info_t *e = nmx_host_expert(host, i);
        if (e->load_error != NULL) {
            /* The loader's own messages may say so already. */
            static const char said[] = "cannot load: ";
            const char *why = e->load_error;
            if (strncmp(why, said, sizeof said - 1) == 0)
                why += sizeof said - 1;
            printf("%-12s  (cannot load: %s)\n              %s\n", e->module, why, e->path);
            continue;
        }
        printf("%-12s  %s%s%s\n", e->module, e->name, e->configurable ? "  [configurable]" : "",
               e->not_default ? "  [not run by default]" : "");
        if (e->description[0] != '\0')
            printf("              %s\n", e->description);
        if (settings)
            nmx__cli_print_settings(stdout, e, "              ");
    }
}

/* Reads the command line (--experts-dir into host): -1 to go on, else the
 * exit status (--help, a usage error, an experts directory that is not
 * one). */
static int list_args(int argc, char **argv, nmx_host_t *host, int *format, bool *settings)
{
    static const struct option longopts[] = {
        {"experts-dir", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {"settings", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char errbuf[1024];
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (nmx_host_add_experts_dir(host, optarg, errbuf, sizeof errbuf) != 0) {
                nmx__cli_error("%s", errbuf);
                return NMX_EXIT_USAGE;
            }
            break;
        case 's': *settings = true; break;
        case 'f':
            *format = nmx__cli_parse_format(optarg, false);
            if (*format < 0) {
                nmx__cli_error("--format must be text or json, not '%s'", optarg);
                return NMX_EXIT_USAGE;
            }
            break;
        case 'h':
            puts("usage: nmexpert list [--settings] [--experts-dir DIR]... [--format text|json]\n"
                 "  --settings  each expert's settings: key, default, stored value, values");
            return NMX_EXIT_OK;
        case ':': nmx__cli_error("option '%s' needs a value", argv[optind - 1]); return NMX_EXIT_USAGE;
        default: nmx__cli_error("unknown option '%s'", argv[optind - 1]); return NMX_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        nmx__cli_error("unexpected argument '%s'", argv[optind]);
        return NMX_EXIT_USAGE;
    }
    return -1;
}

int nmx__cmd_list(int argc, char **argv)
{
    char errbuf[1024];
    nmx_host_t *host = nmx_host_new(errbuf, sizeof errbuf);
    if (host == NULL) {
        nmx__cli_error("%s", errbuf);
        return NMX_EXIT_USAGE;
    }
    int format = NMX_REPORT_TEXT;
    bool settings = false;
    int status = list_args(argc, argv, host, &format, &settings);
    int found = status < 0 ? nmx_host_discover(host, errbuf, sizeof errbuf) : 0;
    if (status < 0 && found < 0) {
        nmx__cli_error("%s", errbuf);
        status = NMX_EXIT_USAGE;
    }
    if (status >= 0) {
        nmx_host_free(host);
        return status;
    }
    size_t n = (size_t)found;
    if (format == NMX_REPORT_JSON)
        list_json(host, n);
    else
        list_text(host, n, settings);
    status = NMX_EXIT_OK;
    if (n == 0) {
        /* Spec 1.2: an empty directory is NMERR_NO_DLLS_FOUND for "list experts". */
        nmx__cli_error("no experts found, NMERR_NO_DLLS_FOUND (121) (looked in %s and the --experts-dir "
                       "directories)",
                      nmx_host_installed_experts_dir());
        status = NMX_EXIT_INCOMPLETE;
    }
    for (size_t i = 0; i < n; i++)
        if (nmx_host_expert(host, i)->load_error != NULL)
            status = NMX_EXIT_INCOMPLETE;
    nmx_host_free(host);
    return status;
}
