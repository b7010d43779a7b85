/*
 * cmd_configure.c - `nmexpert configure NAME [options] [CAPTURE]`: set,
 * show or reset an expert's stored configuration (spec 3.3).
 *
 *   --set KEY=VALUE   change a setting (built-in experts: KEY=VALUE text);
 *                     NAME.KEY=VALUE as run takes it works too, and both
 *                     are checked against the settings NAME declares
 *   --config FILE     start from the raw configuration in FILE
 *   --reset           forget the stored configuration (defaults next time)
 *   --show            the declared settings (key, default, stored value,
 *                     values), then the stored configuration
 *
 * With --set or --config the expert's own Configure validates and returns
 * the new configuration, which the host stores for later runs.  With none
 * of the options, a configurable expert's Configure is called with the
 * stored configuration, or NULL when none is stored (spec 3.3 step 1), and
 * what it returns is stored and shown.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The configuration to pass to Configure: --config FILE, or the stored
 * one, then each --set; false with the message printed. */
static bool compose(const nmx_expert_info_t *ei, const char *config_file, const nmx_cli_set_t *sets,
                    size_t nsets, nmx_cli_config_t *cfg)
{
    size_t len;
    uint8_t *data = NULL;
    if (config_file != NULL) {
        data = nmx_cli_read_file(config_file, 1024 * 1024, &len);
        if (data == NULL)
            return false;
        nmx_cli_unwrap_config(&data, &len);
    } else {
        data = nmx_config_load(ei->module, &len);
    }
    if (data != NULL) {
        nmx_cli_config_assign(cfg, data, len);
        free(data);
    }
    for (size_t i = 0; i < nsets; i++) {
        if (cfg->present && !nmx_cli_is_text((const uint8_t *)cfg->data, cfg->len)) {
            nmx_cli_error("--set: the configuration of %s is binary, not KEY=VALUE text", ei->module);
            return false;
        }
        cfg->present = true;
        if (!nmx_cli_config_set(cfg, sets[i].key, sets[i].value)) {
            nmx_cli_error("out of memory");
            return false;
        }
    }
    return true;
}

/* Prints the stored configuration (with --show, after the table of the
 * declared settings); false, with the message, when it is unreadable. */
static bool show_configuration(const nmx_expert_info_t *ei, bool show)
{
    if (show && ei->nsettings > 0) {
        printf("%s settings:\n", ei->module);
        nmx_cli_print_settings(stdout, ei, "  ");
        printf("stored configuration:\n");
    }
    size_t len;
    uint8_t *data = nmx_config_load(ei->module, &len);
    if (data == NULL && len == (size_t)-1) {
        nmx_cli_error("%s: the stored configuration is unreadable or corrupt (--reset forgets it)", ei->module);
        return false;
    }
    if (data == NULL) {
        printf("%s: no stored configuration (defaults)\n", ei->module);
    } else if (nmx_cli_is_text(data, len)) {
        fwrite(data, 1, len > 0 && data[len - 1] == '\0' ? len - 1 : len, stdout);
        if (len > 0 && data[len - 1] != '\n' && !(len > 1 && data[len - 2] == '\n'))
            putchar('\n');
    } else {
        printf("%s: %zu bytes of binary configuration\n", ei->module, len);
    }
    free(data);
    return true;
}

/* (Over 80 lines: the options, then one short step per option in the
 * order they apply: lock, reset, Configure, show.  compose() and
 * show_configuration() hold the longer steps.) */
int nmx_cmd_configure(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"set", required_argument, NULL, 's'},
        {"config", required_argument, NULL, 'c'},
        {"reset", no_argument, NULL, 'r'},
        {"show", no_argument, NULL, 'S'},
        {"experts-dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int status = NMX_EXIT_USAGE;
    nmx_host_t *host = nmx_host_new();
    nmx_capture_t *cap = NULL;
    nmx_cli_config_t cfg = {0};
    bool reset = false, show = false, changed = false;
    int lock = -1; /* nmx_config_lock, while changing the stored configuration */
    const char *config_file = NULL;
    char **sets = NULL;
    size_t nsets = 0;
    nmx_cli_set_t *parsed = NULL; /* sets[], parsed once the expert is known */
    if (host == NULL)
        goto oom;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 's': {
            char **g = realloc(sets, (nsets + 1) * sizeof *g);
            if (g == NULL)
                goto oom;
            sets = g;
            sets[nsets++] = optarg;
            break;
        }
        case 'c': config_file = optarg; break;
        case 'r': reset = true; break;
        case 'S': show = true; break;
        case 'd': nmx_host_add_experts_dir(host, optarg); break;
        case 'h':
            puts("usage: nmexpert configure NAME [--set [NAME.]KEY=VALUE]... [--config FILE] [--reset] "
                 "[--show] [--experts-dir DIR] [CAPTURE]\n"
                 "  --show lists the settings NAME declares: key, default, stored value, values");
            status = NMX_EXIT_OK;
            goto out;
        case ':':
            nmx_cli_error("option '%s' needs a value", argv[optind - 1]);
            goto out;
        default:
            nmx_cli_error("unknown option '%s'", argv[optind - 1]);
            goto out;
        }
    }
    if (optind >= argc) {
        nmx_cli_error("configure: which expert? (nmexpert configure NAME ...)");
        goto out;
    }
    const char *name = argv[optind++];
    const char *capture_path = optind < argc ? argv[optind++] : NULL;
    if (optind < argc) {
        nmx_cli_error("unexpected argument '%s'", argv[optind]);
        goto out;
    }
    nmx_host_discover(host, 1);
    const nmx_expert_info_t *ei = NULL;
    for (size_t i = 0; i < nmx_host_expert_count(host); i++)
        if (strcasecmp(nmx_host_expert(host, i)->module, name) == 0)
            ei = nmx_host_expert(host, i);
    if (ei == NULL) {
        nmx_cli_error("no expert named '%s' (see 'nmexpert list')", name);
        goto out;
    }
    /* The settings as run takes them, checked the same way, before the
     * stored configuration is touched. */
    parsed = calloc(nsets + 1, sizeof *parsed);
    if (parsed == NULL)
        goto oom;
    for (size_t i = 0; i < nsets; i++)
        if (nmx_cli_parse_set(sets[i], ei->module, &parsed[i]) != 0 || !nmx_cli_check_set(host, &parsed[i]))
            goto out;
    if (reset || config_file != NULL || nsets > 0) {
        /* Held until the command ends: a concurrent configure of the same
         * expert waits, so neither change is lost. */
        char lockerr[512];
        if ((lock = nmx_config_lock(ei->module, lockerr, sizeof lockerr)) < 0) {
            nmx_cli_error("%s", lockerr);
            goto out;
        }
    }
    if (reset) {
        if (nmx_config_reset(ei->module) != 0) {
            nmx_cli_error("%s: cannot remove the stored configuration", ei->module);
            goto out;
        }
        changed = true;
    }
    bool plain = config_file == NULL && nsets == 0 && !reset && !show;
    if (config_file != NULL || nsets > 0 || (plain && ei->configurable)) {
        if (!compose(ei, config_file, parsed, nsets, &cfg))
            goto out;
        char errbuf[1024];
        if (capture_path != NULL) {
            cap = nmx_capture_open(capture_path, errbuf, sizeof errbuf);
            if (cap == NULL) {
                nmx_cli_error("%s", errbuf);
                goto out;
            }
        }
        int rc = nmx_host_configure(host, ei->module, cap, cfg.present ? cfg.data : NULL,
                                    cfg.present ? cfg.len : 0, errbuf, sizeof errbuf);
        if (rc < 0) {
            nmx_cli_error("%s", errbuf);
            goto out;
        }
        if (rc == 0) {
            nmx_cli_error("%s: Configure refused the settings; the stored configuration is unchanged",
                          ei->module);
            status = NMX_EXIT_INCOMPLETE;
            goto out;
        }
        changed = true;
    }
    if ((show || !changed || plain) && !show_configuration(ei, show))
        goto out;
    status = NMX_EXIT_OK;
    goto out;
oom:
    nmx_cli_error("out of memory");
out:
    nmx_config_unlock(lock);
    nmx_cli_config_free(&cfg);
    for (size_t i = 0; parsed != NULL && i < nsets; i++)
        nmx_cli_set_free(&parsed[i]);
    free(parsed);
    free(sets);
    nmx_capture_close(cap);
    nmx_host_free(host);
    return status;
}
