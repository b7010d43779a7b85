/*
 * cmd_run.c - `nmexpert run`: run experts over a capture and report.
 *
 *   nmexpert run CAPTURE... [-r CAPTURE]... [-e NAME|PATH]... [--set NAME.KEY=VALUE]...
 *                [--config NAME=FILE]... [-Y FILTER] [--format text|csv|json]
 *                [--start T] [--end T] [--frames A-B]
 *                [-o FILE] [--isolation process|none] [--jobs N]
 *                [--timeout S] [--grace S] [--mem-limit SIZE]
 *                [--event-limit SIZE] [--debug-heap]
 *                [--experts-dir DIR]... [--frame N] [--protocol P]
 *                [--property Q] [--bit B] [--no-progress]
 *
 * Exit status (DESIGN.md): 0 every expert completed, 1 some did not, 2 usage
 * error or an unreadable or damaged capture, 130 interrupted by Ctrl-C.
 * Without -e, every discovered expert runs except those that ask not to be
 * part of a default run (tools such as coalesce, which writes a file).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/strutil.h"

/* The run Ctrl-C should stop (one at a time). */
static nmx_run_t *volatile interrupt_target;
static volatile sig_atomic_t interrupted;

static const char *volatile interrupt_temp; /* the report's temporary file, if any */
static const char *volatile interrupt_caller_file; /* the caller's (demo's) temporary */
static const char *volatile interrupt_caller_dir;  /* file and directory, if any */

/* SIGINT and SIGTERM: the first asks every expert to stop (the partial
 * results are still reported); the second ends the program at once,
 * removing the unfinished report (the previous file at -o stays whole). */
static void on_sigint(int sig)
{
    if (interrupted) {
        if (interrupt_temp != NULL)
            unlink(interrupt_temp);
        if (interrupt_caller_file != NULL)
            unlink(interrupt_caller_file);
        if (interrupt_caller_dir != NULL)
            rmdir(interrupt_caller_dir);
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    interrupted = 1;
    if (interrupt_target != NULL)
        nmx_run_terminate(interrupt_target);
}

int nmx_cli_parse_format(const char *s, bool allow_csv)
{
    if (strcmp(s, "text") == 0)
        return NMX_REPORT_TEXT;
    if (strcmp(s, "json") == 0)
        return NMX_REPORT_JSON;
    if (allow_csv && strcmp(s, "csv") == 0)
        return NMX_REPORT_CSV;
    return -1;
}

/* ---- expert list and configurations ------------------------------------ */

typedef struct selected {
    char *which;              /* as given to -e, or a module name */
    char module[256];
    nmx_cli_config_t config;
} selected_t;

typedef struct pending_set {
    char *module;             /* NAME of --set NAME.KEY=VALUE / --config NAME=FILE */
    char *key;                /* NULL for --config */
    char *value;              /* value, or the file name */
} pending_set_t;

/* Builds the configuration of one selected expert: --config or stored
 * configuration, then the --set values. */
static int build_config(selected_t *sel, const pending_set_t *sets, size_t nsets)
{
    bool explicit_file = false;
    for (size_t i = 0; i < nsets; i++) {
        if (sets[i].key != NULL || strcasecmp(sets[i].module, sel->module) != 0)
            continue;
        size_t len;
        uint8_t *data = nmx_cli_read_file(sets[i].value, 1024 * 1024, &len);
        if (data == NULL)
            return -1;
        nmx_cli_unwrap_config(&data, &len);
        nmx_cli_config_assign(&sel->config, data, len);
        free(data);
        explicit_file = true;
    }
    if (!explicit_file) {
        size_t len;
        uint8_t *stored = nmx_config_load(sel->module, &len);
        if (stored != NULL) {
            nmx_cli_config_assign(&sel->config, stored, len);
            free(stored);
        } else if (len == (size_t)-1) {
            nmx_cli_error("%s: the stored configuration is unreadable or corrupt; using the defaults "
                          "(see 'nmexpert configure %s --reset')",
                          sel->module, sel->module);
        }
    }
    for (size_t i = 0; i < nsets; i++) {
        if (sets[i].key == NULL || strcasecmp(sets[i].module, sel->module) != 0)
            continue;
        if (sel->config.present && !nmx_cli_is_text((const uint8_t *)sel->config.data, sel->config.len)) {
            nmx_cli_error("--set %s.%s: the configuration of %s is binary, not KEY=VALUE text",
                          sets[i].module, sets[i].key, sel->module);
            return -1;
        }
        sel->config.present = true;
        if (!nmx_cli_config_set(&sel->config, sets[i].key, sets[i].value)) {
            nmx_cli_error("out of memory");
            return -1;
        }
    }
    return 0;
}

/* ---- progress ----------------------------------------------------------- */

typedef struct progress {
    bool enabled;
    unsigned lines;  /* lines drawn last time */
} progress_t;

/* A progress line never wraps: in a terminal narrower than the full line
 * the bar shrinks, then the line is cut one column short of the width (a
 * line that fills the last column wraps on some terminals). */
static void draw_progress(void *ctx, const nmx_run_t *run)
{
    progress_t *p = ctx;
    size_t n = nmx_run_result_count(run);
    unsigned cols = nmx_cli_term_width(STDERR_FILENO);
    if (p->lines > 0)
        fprintf(stderr, "\033[%uA", p->lines);
    for (size_t i = 0; i < n; i++) {
        const nmx_result_t *r = nmx_run_result(run, i);
        unsigned pct = r->outcome == NMX_OUTCOME_COMPLETED ? 100 : r->percent_done;
        if (pct > 100)
            pct = 100;
        const char *state = r->outcome != NMX_OUTCOME_PENDING ? nmx_outcome_name(r->outcome)
                            : r->status >= 1                   ? "running"
                                                               : "waiting";
        /* "  NAME [BAR] PCT%  STATE": 24 columns and the state around the bar */
        unsigned barlen = 30;
        size_t rest = 24 + strlen(state);
        if (cols > 0)
            barlen = cols > rest + 1 + 30 ? 30 : cols > rest + 1 ? (unsigned)(cols - rest - 1) : 0;
        char bar[31];
        unsigned fill = pct * barlen / 100;
        for (unsigned k = 0; k < barlen; k++)
            bar[k] = k < fill ? '#' : '.';
        bar[barlen] = '\0';
        char line[128];
        snprintf(line, sizeof line, "  %-12.12s [%s] %3u%%  %s", r->module, bar, pct, state);
        if (cols > 0 && strlen(line) >= cols)
            line[cols > 1 ? cols - 1 : 0] = '\0';
        fprintf(stderr, "\r\033[K%s\n", line);
    }
    p->lines = (unsigned)n;
    fflush(stderr);
}

static void clear_progress(progress_t *p)
{
    if (p->lines == 0)
        return;
    fprintf(stderr, "\033[%uA", p->lines);
    for (unsigned i = 0; i < p->lines; i++)
        fprintf(stderr, "\r\033[K\n");
    fprintf(stderr, "\033[%uA", p->lines);
    fflush(stderr);
    p->lines = 0;
}

/* ---- the command ----------------------------------------------------------- */

/*
 * NMEXPERT_REPORT_COPY_DIR=DIR: a copy of every JSON report goes to
 * DIR/report-PID-N.json as well (the test suite validates each against the
 * installed schema).  Only a directory the user names this way is written;
 * a failure is a warning, never the run's.
 */
static void keep_report_copy(const nmx_run_t *run)
{
    static unsigned seq;
    const char *dir = getenv("NMEXPERT_REPORT_COPY_DIR");
    if (dir == NULL || dir[0] == '\0')
        return;
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/report-%ld-%u.json", dir, (long)getpid(), seq++);
    nmx_output_t *o = nmx_output_open(path, err, sizeof err);
    if (o == NULL || nmx_report_write(run, NMX_REPORT_JSON, nmx_output_stream(o)) != 0 ||
        nmx_output_close(o, true, err, sizeof err) != 0) {
        nmx_output_close(o, false, err, sizeof err);
        nmx_cli_error("warning: NMEXPERT_REPORT_COPY_DIR: cannot keep a copy of the report in %s", path);
    }
}

/* "topuser.count:5": tshark's "-o PREF:VALUE", which here would name a
 * report file; a name with a directory part is taken as a file. */
static bool looks_like_preference(const char *s)
{
    const char *colon = strchr(s, ':');
    if (colon == NULL || strchr(s, '/') != NULL || !isalpha((unsigned char)s[0]))
        return false;
    const char *dot = memchr(s, '.', (size_t)(colon - s));
    if (dot == NULL || dot + 1 == colon)
        return false;
    for (const char *p = s; p < colon; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
            return false;
    return true;
}

static void run_usage(FILE *out)
{
    fputs("usage: nmexpert run CAPTURE... [options]\n"
          "  CAPTURE                    pcap, pcapng or NetMon file, also gzip/zstd/lz4 compressed;\n"
          "                             '-' reads standard input; several are merged in time order\n"
          "  -r, --read-file CAPTURE    the same as a CAPTURE argument (repeatable)\n"
          "  -e, --expert NAME|PATH     run this expert (repeatable; default: all)\n"
          "      --set NAME.KEY=VALUE   a setting for expert NAME (repeatable)\n"
          "      --config NAME=FILE     raw configuration for expert NAME\n"
          "  -Y, --display-filter F     the UI filter experts may defer to\n"
          "      --start T, --end T     only frames from/to time T (seconds from the first frame,\n"
          "                             @EPOCH, or ISO 8601 such as 2013-06-17T21:58:30Z)\n"
          "      --frames A-B           only frames A to B (1-based; A-, -B and N also work)\n"
          "      --format text|csv|json output format (default text)\n"
          "  -o, --output FILE          write the report to FILE\n"
          "      --isolation process|none   run experts in child processes (default) or in-process\n"
          "      --jobs N               experts run in parallel (default: one per CPU)\n"
          "      --timeout SECONDS      ask experts to stop after this long\n"
          "      --grace SECONDS        then kill them after this long (default 10)\n"
          "      --mem-limit SIZE       memory quota per expert (e.g. 64M)\n"
          "      --event-limit SIZE     events kept per expert (default: --mem-limit, else 2G)\n"
          "      --debug-heap           red zones in the expert heap\n"
          "      --experts-dir DIR      look for experts in DIR first (repeatable)\n"
          "      --frame N --protocol P --property Q --bit B   startup focus (1-based frame)\n"
          "      --no-progress          no progress bars on a terminal\n",
          out);
}

int nmx_cmd_run_common(int argc, char **argv, const nmx_cli_run_defaults_t *defaults)
{
    static const struct option longopts[] = {
        {"expert", required_argument, NULL, 'e'},
        {"read-file", required_argument, NULL, 'r'},
        {"set", required_argument, NULL, 's'},
        {"config", required_argument, NULL, 'c'},
        {"display-filter", required_argument, NULL, 'Y'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"isolation", required_argument, NULL, 'I'},
        {"jobs", required_argument, NULL, 'j'},
        {"timeout", required_argument, NULL, 't'},
        {"grace", required_argument, NULL, 'g'},
        {"mem-limit", required_argument, NULL, 'm'},
        {"event-limit", required_argument, NULL, 'L'},
        {"debug-heap", no_argument, NULL, 'D'},
        {"experts-dir", required_argument, NULL, 'd'},
        {"frame", required_argument, NULL, 'F'},
        {"protocol", required_argument, NULL, 'P'},
        {"property", required_argument, NULL, 'Q'},
        {"bit", required_argument, NULL, 'B'},
        {"no-progress", no_argument, NULL, 'N'},
        {"start", required_argument, NULL, 'S'},
        {"end", required_argument, NULL, 'E'},
        {"frames", required_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int status = NMX_EXIT_USAGE;
    selected_t *sel = NULL;
    size_t nsel = 0;
    pending_set_t *sets = NULL;
    size_t nsets = 0;
    char **dirs = NULL;
    size_t ndirs = 0;
    const char *start_text = NULL, *end_text = NULL; /* --start, --end: read once the capture is open */
    const char **captures = NULL; /* -r FILE and the positional names, in order */
    size_t ncaptures = 0;
    int format = NMX_REPORT_TEXT;
    const char *output = NULL;
    bool progress_on = true;
    nmx_run_opts_t opts;
    memset(&opts, 0, sizeof opts);
    /* Experts are independent processes: by default use every CPU. */
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    opts.jobs = ncpu > 0 && ncpu <= 256 ? (unsigned)ncpu : 1;
    nmx_host_t *host = NULL;
    nmx_capture_t *cap = NULL;
    nmx_run_t *run = NULL;
    nmx_output_t *report = NULL;
    FILE *out = stdout;
    char errbuf[1024];

    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":e:r:Y:o:h", longopts, NULL)) != -1) {
        uint64_t u;
        double d;
        switch (c) {
        case 'r': {
            const char **g = realloc(captures, (ncaptures + 1) * sizeof *g);
            if (g == NULL)
                goto oom;
            captures = g;
            captures[ncaptures++] = optarg;
            break;
        }
        case 'e': {
            selected_t *g = realloc(sel, (nsel + 1) * sizeof *g);
            if (g == NULL)
                goto oom;
            sel = g;
            memset(&sel[nsel], 0, sizeof sel[nsel]);
            sel[nsel].which = optarg;
            nmx_module_name(optarg, sel[nsel].module, sizeof sel[nsel].module);
            nsel++;
            break;
        }
        case 's':
        case 'c': {
            nmx_cli_set_t one;
            if (c == 's') {
                if (nmx_cli_parse_set(optarg, NULL, &one) != 0)
                    goto out;
            } else {
                const char *eq = strchr(optarg, '=');
                if (eq == NULL || eq == optarg || eq[1] == '\0') {
                    nmx_cli_error("--config wants NAME=FILE, not '%s'", optarg);
                    goto out;
                }
                one.module = strndup(optarg, (size_t)(eq - optarg));
                one.key = NULL;
                one.value = strdup(eq + 1);
            }
            pending_set_t *g = realloc(sets, (nsets + 1) * sizeof *g);
            if (g == NULL) {
                nmx_cli_set_free(&one);
                goto oom;
            }
            sets = g;
            pending_set_t *ps = &sets[nsets++];
            ps->module = one.module;
            ps->key = one.key;
            ps->value = one.value;
            break;
        }
        case 'Y': opts.ui_filter = optarg; break;
        case 'f':
            format = nmx_cli_parse_format(optarg, true);
            if (format < 0) {
                nmx_cli_error("--format must be text, csv or json, not '%s'", optarg);
                goto out;
            }
            break;
        case 'o':
            if (looks_like_preference(optarg)) {
                const char *colon = strchr(optarg, ':');
                nmx_cli_error("-o names the report file; '%s' looks like a tshark preference (for a "
                              "setting use --set %.*s=%s)",
                              optarg, (int)(colon - optarg), optarg, colon + 1);
                goto out;
            }
            output = optarg;
            break;
        case 'I':
            if (strcmp(optarg, "process") == 0)
                opts.isolation = NMX_ISOLATION_PROCESS;
            else if (strcmp(optarg, "none") == 0)
                opts.isolation = NMX_ISOLATION_NONE;
            else {
                nmx_cli_error("--isolation must be process or none, not '%s'", optarg);
                goto out;
            }
            break;
        case 'j':
            if (!nmx_parse_u64(optarg, &u) || u < 1 || u > 256) {
                nmx_cli_error("--jobs wants a number from 1 to 256, not '%s'", optarg);
                goto out;
            }
            opts.jobs = (unsigned)u;
            break;
        case 't':
        case 'g':
            if (!nmx_parse_seconds(optarg, &d) || d <= 0) {
                nmx_cli_error("--%s wants a positive number of seconds, not '%s'",
                              c == 't' ? "timeout" : "grace", optarg);
                goto out;
            }
            if (c == 't')
                opts.timeout_s = d;
            else
                opts.grace_s = d;
            break;
        case 'm':
            if (!nmx_parse_size(optarg, &u) || u == 0) {
                nmx_cli_error("--mem-limit wants a size such as 65536, 64K, 16M or 1G, not '%s'", optarg);
                goto out;
            }
            opts.mem_limit = u;
            break;
        case 'L':
            if (!nmx_parse_size(optarg, &u) || u < 4096) {
                nmx_cli_error("--event-limit wants a size of at least 4K, such as 64M or 4G, not '%s'",
                              optarg);
                goto out;
            }
            opts.event_limit = u;
            break;
        case 'D': opts.debug_heap = 1; break;
        case 'd': {
            char **g = realloc(dirs, (ndirs + 1) * sizeof *g);
            if (g == NULL)
                goto oom;
            dirs = g;
            dirs[ndirs++] = optarg;
            break;
        }
        case 'F':
            if (!nmx_parse_u64(optarg, &u) || u < 1 || u > UINT32_MAX) {
                nmx_cli_error("--frame wants a frame number from 1, not '%s'", optarg);
                goto out;
            }
            opts.start_frame = (uint32_t)u;
            break;
        case 'P': opts.start_protocol = optarg; break;
        case 'Q': opts.start_property = optarg; break;
        case 'B':
            if (!nmx_parse_u64(optarg, &u) || u > 255) {
                nmx_cli_error("--bit wants a bit number from 0 to 255, not '%s'", optarg);
                goto out;
            }
            opts.has_start_bit = 1;
            opts.start_bit = (unsigned)u;
            break;
        case 'N': progress_on = false; break;
        case 'S': start_text = optarg; break;
        case 'E': end_text = optarg; break;
        case 'R':
            if (!nmx_cli_parse_frames(optarg, &opts.first_frame, &opts.last_frame)) {
                nmx_cli_error("--frames wants a 1-based range such as 100-200, 100-, -200 or 150, not '%s'",
                              optarg);
                goto out;
            }
            break;
        case 'h':
            run_usage(stdout);
            status = NMX_EXIT_OK;
            goto out;
        case ':':
            nmx_cli_error("option '%s' needs a value", argv[optind - 1]);
            goto out;
        default:
            nmx_cli_error("unknown option '%s' (see 'nmexpert run --help')", argv[optind - 1]);
            goto out;
        }
    }
    if (defaults != NULL && defaults->capture != NULL && ncaptures == 0 && optind == argc) {
        const char **g = realloc(captures, sizeof *g);
        if (g == NULL)
            goto oom;
        captures = g;
        captures[ncaptures++] = defaults->capture;
    }
    for (; optind < argc; optind++) {
        const char **g = realloc(captures, (ncaptures + 1) * sizeof *g);
        if (g == NULL)
            goto oom;
        captures = g;
        captures[ncaptures++] = argv[optind];
    }
    if (ncaptures == 0) {
        nmx_cli_error("run: which capture? (nmexpert run CAPTURE... or -r CAPTURE)");
        run_usage(stderr);
        goto out;
    }
    if (defaults != NULL) {
        for (size_t i = 0; i < defaults->nsets; i++) {
            pending_set_t *g = realloc(sets, (nsets + 1) * sizeof *g);
            if (g == NULL)
                goto oom;
            sets = g;
            sets[nsets].module = strdup(defaults->sets[i].module);
            sets[nsets].key = strdup(defaults->sets[i].key);
            sets[nsets].value = strdup(defaults->sets[i].value);
            nsets++;
        }
    }

    cap = nmx_capture_open_files(captures, ncaptures, errbuf, sizeof errbuf);
    if (cap == NULL) {
        nmx_cli_error("%s", errbuf);
        goto out;
    }
    nmx_capture_info_t info;
    nmx_capture_get_info(cap, &info);
    /* Relative times count from frame 1, as tshark's frame.time_relative. */
    const char *tt[2] = {start_text, end_text};
    for (int k = 0; k < 2; k++) {
        if (tt[k] == NULL)
            continue;
        if (!nmx_cli_parse_time(tt[k], info.frame1_ns, k == 0 ? &opts.start_ns : &opts.end_ns)) {
            nmx_cli_error("--%s wants seconds from the first frame (30, +30.5), an epoch time "
                          "(@1371506299) or an ISO 8601 time (2013-06-17T21:58:30Z), not '%s'",
                          k == 0 ? "start" : "end", tt[k]);
            goto out;
        }
        if (k == 0)
            opts.has_start_time = 1;
        else
            opts.has_end_time = 1;
    }
    if (info.damage != NULL)
        nmx_cli_error("warning: %s; reporting on the %u usable frame%s", info.damage,
                      info.frames, info.frames == 1 ? "" : "s");

    host = nmx_host_new();
    if (host == NULL)
        goto oom;
    for (size_t i = 0; i < ndirs; i++)
        nmx_host_add_experts_dir(host, dirs[i]);
    nmx_host_discover(host, opts.isolation == NMX_ISOLATION_PROCESS);
    if (nsel == 0) {
        /* Default: every discovered expert that is part of default runs. */
        for (size_t i = 0; i < nmx_host_expert_count(host); i++) {
            const nmx_expert_info_t *ei = nmx_host_expert(host, i);
            if (ei->not_default)
                continue;
            selected_t *g = realloc(sel, (nsel + 1) * sizeof *g);
            if (g == NULL)
                goto oom;
            sel = g;
            memset(&sel[nsel], 0, sizeof sel[nsel]);
            sel[nsel].which = (char *)ei->module;
            nmx_strlcpy(sel[nsel].module, ei->module, sizeof sel[nsel].module);
            nsel++;
        }
        if (nsel == 0) {
            nmx_cli_error("no experts found, NMERR_NO_DLLS_FOUND (121) (looked in %s%s); use -e PATH or "
                          "--experts-dir DIR",
                          ndirs > 0 ? "the --experts-dir directories and " : "",
                          nmx_host_installed_experts_dir());
            goto out;
        }
    }
    /* Every --set/--config must name an expert of the run. */
    for (size_t i = 0; i < nsets; i++) {
        bool known = false;
        for (size_t k = 0; k < nsel && !known; k++)
            known = strcasecmp(sets[i].module, sel[k].module) == 0;
        if (!known && (defaults == NULL || i < nsets - defaults->nsets)) {
            nmx_cli_error("%s: '%s' is not one of the experts of this run", sets[i].key != NULL ? "--set" : "--config",
                          sets[i].module);
            goto out;
        }
    }
    progress_t prog = {.enabled = progress_on && isatty(STDERR_FILENO)};
    if (prog.enabled) {
        opts.progress = draw_progress;
        opts.progress_ctx = &prog;
    }
    run = nmx_run_new(host, cap, &opts, errbuf, sizeof errbuf);
    if (run == NULL) {
        nmx_cli_error("%s", errbuf);
        goto out;
    }
    for (size_t i = 0; i < nsel; i++) {
        if (build_config(&sel[i], sets, nsets) != 0)
            goto out;
        if (nmx_run_add_expert(run, sel[i].which, sel[i].config.present ? sel[i].config.data : NULL,
                               sel[i].config.present ? sel[i].config.len : 0, errbuf,
                               sizeof errbuf) != 0) {
            nmx_cli_error("%s", errbuf);
            goto out;
        }
    }
    /* Every --set against what its expert declares: a mistyped key or value
     * is a usage error before anything runs. */
    for (size_t i = 0; i < nsets; i++) {
        nmx_cli_set_t one = {sets[i].module, sets[i].key, sets[i].value};
        if (sets[i].key != NULL && !nmx_cli_check_set(host, &one))
            goto out;
    }
    /* "-o -" is standard output, whatever it is; any other name is a
     * regular file written whole or not at all (nmx_output_open). */
    if (output != NULL && strcmp(output, "-") != 0) {
        if ((report = nmx_output_open(output, errbuf, sizeof errbuf)) == NULL) {
            nmx_cli_error("%s", errbuf);
            goto out;
        }
        out = nmx_output_stream(report);
        interrupt_temp = nmx_output_temp_path(report);
    }

    interrupt_target = run;
    interrupted = 0;
    if (defaults != NULL) {
        interrupt_caller_file = defaults->temp_file;
        interrupt_caller_dir = defaults->temp_dir;
    }
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    size_t completed = nmx_run_execute(run);
    interrupt_target = NULL;
    if (prog.enabled)
        clear_progress(&prog);

    /* Text on standard output fits the terminal (or COLUMNS); files keep
     * full-width tables. */
    unsigned width = report == NULL ? nmx_cli_term_width(STDOUT_FILENO) : 0;
    int wrote = nmx_report_write_width(run, format, out, width);
    if (wrote == 0 && report != NULL) {
        wrote = nmx_output_close(report, true, errbuf, sizeof errbuf);
        report = NULL;
        if (wrote != 0)
            nmx_cli_error("cannot write the report: %s", errbuf);
    } else if (report == NULL && (wrote != 0 || fflush(stdout) != 0)) {
        wrote = -1;
        nmx_cli_stdout_error(errno);
    } else if (wrote != 0) {
        nmx_cli_error("cannot write the report to %s: %s", output, strerror(errno));
    }
    if (wrote == 0 && format == NMX_REPORT_JSON)
        keep_report_copy(run);
    nmx_cli_summarise_failures(run);
    if (interrupted)
        nmx_cli_error("interrupted: the report holds the results so far (exit status 130)");
    interrupt_temp = NULL;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (wrote != 0) {
        status = NMX_EXIT_USAGE; /* a write error: exit 2, as every I/O error */
        goto out;
    }
    if (interrupted)
        status = NMX_EXIT_INTERRUPTED;
    else if (info.damage != NULL)
        status = NMX_EXIT_USAGE;
    else
        status = completed == nmx_run_result_count(run) ? NMX_EXIT_OK : NMX_EXIT_INCOMPLETE;
    goto out;

oom:
    nmx_cli_error("out of memory");
out:
    interrupt_temp = NULL;
    interrupt_caller_file = NULL;
    interrupt_caller_dir = NULL;
    nmx_output_close(report, false, errbuf, sizeof errbuf); /* no-op once committed */
    for (size_t i = 0; i < nsel; i++)
        nmx_cli_config_free(&sel[i].config);
    free(sel);
    for (size_t i = 0; i < nsets; i++) {
        free(sets[i].module);
        free(sets[i].key);
        free(sets[i].value);
    }
    free(sets);
    free(dirs);
    free(captures);
    if (run != NULL && nmx_run_abandoned(run)) {
        /* An in-process expert never came back: leave without waiting for it. */
        fflush(NULL);
        _exit(status);
    }
    nmx_run_free(run);
    nmx_host_free(host);
    nmx_capture_close(cap);
    return status;
}

int nmx_cmd_run(int argc, char **argv)
{
    return nmx_cmd_run_common(argc, argv, NULL);
}
