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
        data = nmx__cli_read_file(config_file, 1024 * 1024, &len);
        if (data == NULL)
            return false;
        nmx__cli_unwrap_config(&data, &len);
    } else {
        char errbuf[1024];
        void *stored;
        if (nmx_config_load(ei->module, &stored, &len, errbuf, sizeof errbuf) != 0) {
            nmx__cli_error("%s (--reset forgets it)", errbuf);
            return false;
        }
        data = stored;
    }
    if (data != NULL) {
        nmx__cli_config_assign(cfg, data, len);
        free(data);
    }
    for (size_t i = 0; i < nsets; i++) {
        if (cfg->present && !nmx__cli_is_text((const uint8_t *)cfg->data, cfg->len)) {
            nmx__cli_error("--set: the configuration of %s is binary, not KEY=VALUE text", ei->module);
            return false;
        }
        cfg->present = true;
        if (!nmx__cli_config_set(cfg, sets[i].key, sets[i].value)) {
            nmx__cli_error("out of memory");
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
        nmx__cli_print_settings(stdout, ei, "  ");
        printf("stored configuration:\n");
    }
    size_t len;
    void *stored;
    char errbuf[1024];
    if (nmx_config_load(ei->module, &stored, &len, errbuf, sizeof errbuf) != 0) {
        nmx__cli_error("%s (--reset forgets it)", errbuf);
        return false;
    }
    uint8_t *data = stored;
    if (data == NULL) {
        printf("%s: no stored configuration (defaults)\n", ei->module);
    } else if (nmx__cli_is_text(data, len)) {
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
/* What the command line of configure asks for. */
typedef struct configure_opts {
    const char *name, *capture_path, *config_file;
    bool reset, show;
    char **sets; /* the --set values, as given */
    size_t nsets;
} configure_opts_t;

/* Reads the command line into o (and --experts-dir into host): -1 to go
 * on, else the exit status (--help, a usage error, out of memory). */
static int configure_args(int argc, char **argv, nmx_host_t *host, configure_opts_t *o)
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
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 's': {
            char **g = realloc(o->sets, (o->nsets + 1) * sizeof *g);
            if (g == NULL) {
                nmx__cli_error("out of memory");
                return NMX_EXIT_USAGE;
            }
            o->sets = g;
            o->sets[o->nsets++] = optarg;
            break;
        }
        case 'c': o->config_file = optarg; break;
        case 'r': o->reset = true; break;
        case 'S': o->show = true; break;
        case 'd': {
            char errbuf[1024];
            if (nmx_host_add_experts_dir(host, optarg, errbuf, sizeof errbuf) != 0) {
                nmx__cli_error("%s", errbuf);
                return NMX_EXIT_USAGE;
            }
            break;
        }
        case 'h':
            puts("usage: nmexpert configure NAME [--set [NAME.]KEY=VALUE]... [--config FILE] [--reset] "
                 "[--show] [--experts-dir DIR] [CAPTURE]\n"
                 "  --show lists the settings NAME declares: key, default, stored value, values");
            return NMX_EXIT_OK;
        case ':': nmx__cli_error("option '%s' needs a value", argv[optind - 1]); return NMX_EXIT_USAGE;
        default: nmx__cli_error("unknown option '%s'", argv[optind - 1]); return NMX_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        nmx__cli_error("configure: which expert? (nmexpert configure NAME ...)");
        return NMX_EXIT_USAGE;
    }
    o->name = argv[optind++];
    o->capture_path = optind < argc ? argv[optind++] : NULL;
    if (optind < argc) {
        nmx__cli_error("unexpected argument '%s'", argv[optind]);
        return NMX_EXIT_USAGE;
    }
    return -1;
}

/* The discovered expert whose module is `name` (any case), or NULL after
 * saying so. */
static const nmx_expert_info_t *find_expert(nmx_host_t *host, const char *name)
{
    char errbuf[1024];
    if (nmx_host_discover(host, errbuf, sizeof errbuf) < 0) {
        nmx__cli_error("%s", errbuf);
        return NULL;
    }
    const nmx_expert_info_t *ei = NULL;
    for (size_t i = 0; i < nmx_host_expert_count(host); i++)
        if (strcasecmp(nmx_host_expert(host, i)->module, name) == 0)
            ei = nmx_host_expert(host, i);
    if (ei == NULL)
        nmx__cli_error("no expert named '%s' (see 'nmexpert list')", name);
    return ei;
}

/* Composes the configuration and passes it through the expert's Configure,
 * which stores what it returns: -1 when stored, else the exit status. */
static int configure_expert(nmx_host_t *host, const nmx_expert_info_t *ei, const configure_opts_t *o,
                            const nmx_cli_set_t *parsed, nmx_cli_config_t *cfg)
{
    if (!compose(ei, o->config_file, parsed, o->nsets, cfg))
        return NMX_EXIT_USAGE;
    char errbuf[1024];
    nmx_capture_t *cap = NULL;
    if (o->capture_path != NULL && (cap = nmx_capture_open(o->capture_path, errbuf, sizeof errbuf)) == NULL) {
        nmx__cli_error("%s", errbuf);
        return NMX_EXIT_USAGE;
    }
    int rc = nmx_host_configure(host, ei->module, cap, cfg->present ? cfg->data : NULL, cfg->present ? cfg->len : 0,
                                errbuf, sizeof errbuf);
    nmx_capture_close(cap);
    if (rc < 0) {
        nmx__cli_error("%s", errbuf);
        return NMX_EXIT_USAGE;
    }
    if (rc == 0) {
        nmx__cli_error("%s: Configure refused the settings; the stored configuration is unchanged", ei->module);
        return NMX_EXIT_INCOMPLETE;
    }
    return -1;
}

/* Checks the settings, then changes the stored configuration as asked
 * (under its lock) and shows it: the exit status. */
static int configure(nmx_host_t *host, const configure_opts_t *o, nmx_cli_set_t *parsed, nmx_cli_config_t *cfg,
                     int *lock)
{
    const nmx_expert_info_t *ei = find_expert(host, o->name);
    if (ei == NULL)
        return NMX_EXIT_USAGE;
    /* The settings as run takes them, checked the same way, before the
     * stored configuration is touched. */
    for (size_t i = 0; i < o->nsets; i++)
        if (nmx__cli_parse_set(o->sets[i], ei->module, &parsed[i]) != 0 || !nmx__cli_check_set(host, &parsed[i]))
            return NMX_EXIT_USAGE;
    if (o->reset || o->config_file != NULL || o->nsets > 0) {
        /* Held until the command ends: a concurrent configure of the same
         * expert waits, so neither change is lost. */
        char lockerr[512];
        if ((*lock = nmx_config_lock(ei->module, lockerr, sizeof lockerr)) < 0) {
            nmx__cli_error("%s", lockerr);
            return NMX_EXIT_USAGE;
        }
    }
    bool changed = false;
    if (o->reset) {
        char errbuf[1024];
        if (nmx_config_reset(ei->module, errbuf, sizeof errbuf) != 0) {
            nmx__cli_error("%s", errbuf);
            return NMX_EXIT_USAGE;
        }
        changed = true;
    }
    bool plain = o->config_file == NULL && o->nsets == 0 && !o->reset && !o->show;
    if (o->config_file != NULL || o->nsets > 0 || (plain && ei->configurable)) {
        int status = configure_expert(host, ei, o, parsed, cfg);
        if (status >= 0)
            return status;
        changed = true;
    }
    if ((o->show || !changed || plain) && !show_configuration(ei, o->show))
        return NMX_EXIT_USAGE;
    return NMX_EXIT_OK;
}

int nmx__cmd_configure(int argc, char **argv)
{
    configure_opts_t o = {0};
    nmx_cli_config_t cfg = {0};
    nmx_cli_set_t *parsed = NULL; /* o.sets, parsed once the expert is known */
    int lock = -1;                /* nmx_config_lock, while changing the stored configuration */
    char errbuf[256];
    nmx_host_t *host = nmx_host_new(errbuf, sizeof errbuf);
    int status = host != NULL ? configure_args(argc, argv, host, &o) : NMX_EXIT_USAGE;
    if (host == NULL) {
        nmx__cli_error("%s", errbuf);
    } else if (status < 0 && (parsed = calloc(o.nsets + 1, sizeof *parsed)) == NULL) {
        nmx__cli_error("out of memory");
        status = NMX_EXIT_USAGE;
    }
    if (status < 0)
        status = configure(host, &o, parsed, &cfg, &lock);
    nmx_config_unlock(lock);
    nmx__cli_config_free(&cfg);
    for (size_t i = 0; parsed != NULL && i < o.nsets; i++)
        nmx__cli_set_free(&parsed[i]);
    free(parsed);
    free(o.sets);
    nmx_host_free(host);
    return status;
}
