/*
 * cmd_run.c - `nmexpert run`: run experts over a capture and report.
 *
 *   nmexpert run CAPTURE... [-r CAPTURE]... [-e NAME|PATH]... [--set NAME.KEY=VALUE]...
 *                [--config NAME=FILE]... [-Y FILTER] [--format text|csv|json|html]
 *                [--start T] [--end T] [--frames A-B] [--shard K/N]
 *                [-o FILE] [--isolation process|none] [--jobs N]
 *                [--timeout S] [--grace S] [--mem-limit SIZE]
 *                [--event-limit SIZE] [--debug-heap]
 *                [--experts-dir DIR]... [--frame N] [--protocol P]
 *                [--property Q] [--bit B] [--no-progress]
 *                [--parser PATH]... [--parsers-dir DIR]...
 *
 * Exit status (DESIGN.md): 0 every expert completed, 1 some did not, 2 usage
 * error or an unreadable or damaged capture, 130 interrupted by Ctrl-C.
 * Without -e, every discovered expert runs except those that ask not to be
 * part of a default run (tools such as coalesce, which writes a file).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

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

int nmx__cli_parse_format(const char *s, bool all_formats)
{
    if (strcmp(s, "text") == 0)
        return NMX_REPORT_TEXT;
    if (strcmp(s, "json") == 0)
        return NMX_REPORT_JSON;
    if (all_formats && strcmp(s, "csv") == 0)
        return NMX_REPORT_CSV;
    if (all_formats && strcmp(s, "html") == 0)
        return NMX_REPORT_HTML;
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
        uint8_t *data = nmx__cli_read_file(sets[i].value, 1024 * 1024, &len);
        if (data == NULL)
            return -1;
        nmx__cli_unwrap_config(&data, &len);
        nmx__cli_config_assign(&sel->config, data, len);
        free(data);
        explicit_file = true;
    }
    if (!explicit_file) {
        size_t len;
        void *stored;
        char errbuf[1024];
        if (nmx_config_load(sel->module, &stored, &len, errbuf, sizeof errbuf) != 0) {
            nmx__cli_error("%s; %s runs with its defaults (see 'nmexpert configure %s --reset')", errbuf,
                           sel->module, sel->module);
        } else if (stored != NULL) {
            nmx__cli_config_assign(&sel->config, stored, len);
            free(stored);
        }
    }
    for (size_t i = 0; i < nsets; i++) {
        if (sets[i].key == NULL || strcasecmp(sets[i].module, sel->module) != 0)
            continue;
        if (sel->config.present && !nmx__cli_is_text((const uint8_t *)sel->config.data, sel->config.len)) {
            nmx__cli_error("--set %s.%s: the configuration of %s is binary, not KEY=VALUE text",
                           sets[i].module, sets[i].key, sel->module);
            return -1;
        }
        sel->config.present = true;
        if (!nmx__cli_config_set(&sel->config, sets[i].key, sets[i].value)) {
            nmx__cli_error("out of memory");
            return -1;
        }
    }
    return 0;
}

/* ---- progress ----------------------------------------------------------- */

/* Seconds between two lines of the indexing progress (the first comes after as long). */
#define NMX_OPEN_PROGRESS_S 0.25

/* Milliseconds after which a running expert whose frames and status have not
 * moved says "idle" (the run lends its slot then: NMX_STALL_S in run.c). */
#define NMX_IDLE_MS 2000

typedef struct progress {
    bool enabled;
    unsigned lines;  /* lines drawn last time */
} progress_t;

/* v with a k, M or G multiplier and its unit: "160 k frames", "950 frames"
 * for a word (unit starting with a space), "1.1 GB", "950 B" for a symbol. */
static void human(char *buf, size_t n, double v, const char *unit)
{
    const char *mult = v >= 1e9 ? "G" : v >= 1e6 ? "M" : v >= 1e4 ? "k" : "";
    double x = v >= 1e9 ? v / 1e9 : v >= 1e6 ? v / 1e6 : v >= 1e4 ? v / 1e3 : v;
    char num[32];
    snprintf(num, sizeof num, x < 100 && mult[0] != '\0' ? "%.1f" : "%.0f", x);
    if (unit[0] == ' ')
        snprintf(buf, n, "%s%s%s%s", num, mult[0] != '\0' ? " " : "", mult, unit);
    else
        snprintf(buf, n, "%s %s%s", num, mult, unit);
}

/* "  RATE/s  ETA": the rate of `done` units over elapsed_s, and the time
 * left to reach `total` at that rate (nothing while the rate is unknown). */
static void rate_text(char *buf, size_t n, double done, double total, double elapsed_s, const char *unit)
{
    buf[0] = '\0';
    if (elapsed_s < 0.2 || done <= 0)
        return;
    double rate = done / elapsed_s;
    char r[48];
    human(r, sizeof r, rate, unit);
    int k = snprintf(buf, n, "  %s/s", r);
    if (total > done && k > 0 && (size_t)k < n) {
        double left = (total - done) / rate;
        if (left < 90)
            snprintf(buf + k, n - (size_t)k, "  ETA %.0f s", left < 1 ? 1 : left);
        else
            snprintf(buf + k, n - (size_t)k, "  ETA %.0f min", left / 60);
    }
}

/*
 * One progress line, "  NAME [BAR] PCT%  STATE  RATE  ETA", written over the
 * line the cursor is on.  A progress line never wraps: in a terminal
 * narrower than the full line the bar shrinks, then the line is cut one
 * column short of the width (a line that fills the last column wraps on
 * some terminals).
 */
static void draw_line(const char *name, unsigned pct, const char *state, const char *extra, unsigned cols)
{
    if (pct > 100)
        pct = 100;
    /* 24 columns and the state around the bar */
    unsigned barlen = 30;
    size_t rest = 24 + strlen(state);
    if (cols > 0)
        barlen = cols > rest + 1 + 30 ? 30 : cols > rest + 1 ? (unsigned)(cols - rest - 1) : 0;
    char bar[31];
    unsigned fill = pct * barlen / 100;
    for (unsigned k = 0; k < barlen; k++)
        bar[k] = k < fill ? '#' : '.';
    bar[barlen] = '\0';
    char line[192];
    snprintf(line, sizeof line, "  %-12.12s [%s] %3u%%  %s%s", name, bar, pct, state, extra);
    if (cols > 0 && strlen(line) >= cols)
        line[cols > 1 ? cols - 1 : 0] = '\0';
    fprintf(stderr, "\r\033[K%s\n", line);
}

static void draw_progress(void *ctx, const nmx_run_t *run)
{
    progress_t *p = ctx;
    size_t n = nmx_run_result_count(run);
    unsigned cols = nmx__cli_term_width(STDERR_FILENO);
    double total = (double)nmx_capture_frame_count(nmx_run_capture(run));
    if (p->lines > 0)
        fprintf(stderr, "\033[%uA", p->lines);
    for (size_t i = 0; i < n; i++) {
        const nmx_result_t *r = nmx_run_result(run, i);
        unsigned pct = r->outcome == NMX_OUTCOME_COMPLETED ? 100 : r->percent_done;
        bool running = r->outcome == NMX_OUTCOME_PENDING && r->status >= 1;
        bool still = running && r->idle_ms >= NMX_IDLE_MS;
        const char *state = r->outcome != NMX_OUTCOME_PENDING ? nmx_outcome_name(r->outcome)
                            : still                             ? "idle"
                            : running                           ? "running"
                                                                : "waiting";
        char extra[64] = "";
        if (running && !still)
            rate_text(extra, sizeof extra, (double)r->frames_read, total, (double)r->elapsed_ms / 1000.0,
                      " frames");
        draw_line(r->module, pct, state, extra, cols);
    }
    p->lines = (unsigned)n;
    fflush(stderr);
}

/* While the capture is indexed: one line, replaced by the experts' bars. */
static void draw_open_progress(void *ctx, const nmx_open_progress_t *o)
{
    progress_t *p = ctx;
    if (p->lines > 0)
        fprintf(stderr, "\033[%uA", p->lines);
    char frames[48], extra[112];
    human(frames, sizeof frames, (double)o->frames, " frames");
    int k = snprintf(extra, sizeof extra, "  %s", frames);
    /* the rate in bytes, and the ETA from the share done */
    double total = o->fraction > 0 ? (double)o->bytes / o->fraction : 0;
    if (k > 0 && (size_t)k < sizeof extra)
        rate_text(extra + k, sizeof extra - (size_t)k, (double)o->bytes, total, o->elapsed_s, "B");
    char state[48] = "reading";
    if (o->files > 1)
        snprintf(state, sizeof state, "file %zu of %zu", o->file + 1, o->files);
    draw_line("indexing", (unsigned)(o->fraction * 100), state, extra, nmx__cli_term_width(STDERR_FILENO));
    p->lines = 1;
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

static int write_run_json(FILE *out, const void *run, char *errbuf, size_t errlen)
{
    return nmx_report_write(run, NMX_REPORT_JSON, out, 0, errbuf, errlen);
}

static int write_run_html(FILE *out, const void *run, char *errbuf, size_t errlen)
{
    return nmx_report_write(run, NMX_REPORT_HTML, out, 0, errbuf, errlen);
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
          "      --shard K/N            only the connections of shard K of N (a hash of the\n"
          "                             connection; merge the N reports with 'nmexpert merge')\n"
          "      --format text|csv|json|html  output format (default text)\n"
          "  -o, --output FILE          write the report to FILE\n"
          "      --isolation process|none   run experts in child processes (default) or in-process\n"
          "      --jobs N               experts run in parallel (default: one per CPU)\n"
          "      --timeout SECONDS      ask experts to stop after this long\n"
          "      --grace SECONDS        then kill them after this long (default 10)\n"
          "      --mem-limit SIZE       memory quota per expert (e.g. 64M)\n"
          "      --event-limit SIZE     events kept per expert (default: --mem-limit, else 2G)\n"
          "      --debug-heap           red zones in the expert heap\n"
          "      --experts-dir DIR      look for experts in DIR first (repeatable)\n"
          "      --parser PATH          load a NetMon parser DLL (repeatable; it runs only in\n"
          "                             the experts' processes, never in nmexpert's own)\n"
          "      --parsers-dir DIR      load every *.so parser in DIR (repeatable; then the\n"
          "                             installed parsers directory)\n"
          "      --frame N --protocol P --property Q --bit B   startup focus (1-based frame)\n"
          "      --no-progress          no progress bars on a terminal\n",
          out);
}

/* Everything one `nmexpert run` holds, freed by cmd_free(). */
typedef struct run_cmd {
    const nmx_cli_run_defaults_t *defaults; /* the demo's, or NULL */
    int status;                  /* the exit status so far */
    selected_t *sel;             /* -e, or every default expert */
    size_t nsel;
    pending_set_t *sets;         /* --set and --config, then the defaults' */
    size_t nsets;
    const char **dirs;           /* --experts-dir */
    size_t ndirs;
    const char **parsers;        /* --parser */
    size_t nparsers;
    const char **parser_dirs;    /* --parsers-dir */
    size_t nparser_dirs;
    const char **captures;       /* -r FILE and the positional names, in order */
    size_t ncaptures;
    const char *start_text, *end_text; /* --start, --end: read once the capture is open */
    int format;
    const char *output;          /* -o, or NULL */
    bool progress_on;
    nmx_run_opts_t opts;
    nmx_capture_info_t info;
    nmx_host_t *host;
    nmx_capture_t *cap;
    nmx_run_t *run;
    nmx_output_t *report;        /* the -o file while it is written */
    FILE *out;
    progress_t prog;
    char errbuf[1024];
} run_cmd_t;

/* Appends one item of `size` bytes to a growing array; false out of memory. */
static bool push(void *arr, size_t *n, size_t size, const void *item)
{
    void **a = arr;
    void *g = realloc(*a, (*n + 1) * size);
    if (g == NULL) {
        nmx__cli_error("out of memory");
        return false;
    }
    memcpy((char *)g + *n * size, item, size);
    *a = g;
    (*n)++;
    return true;
}

static bool add_selected(run_cmd_t *rc, const char *which, const char *module)
{
    selected_t one;
    memset(&one, 0, sizeof one);
    one.which = (char *)which;
    if (module != NULL)
        snprintf(one.module, sizeof one.module, "%s", module);
    else
        nmx_module_name(which, one.module, sizeof one.module);
    return push(&rc->sel, &rc->nsel, sizeof one, &one);
}

/* --set NAME.KEY=VALUE ('s') or --config NAME=FILE ('c'). */
static bool add_setting(run_cmd_t *rc, int c, const char *arg)
{
    nmx_cli_set_t one;
    if (c == 's') {
        if (nmx__cli_parse_set(arg, NULL, &one) != 0)
            return false;
    } else {
        const char *eq = strchr(arg, '=');
        if (eq == NULL || eq == arg || eq[1] == '\0') {
            nmx__cli_error("--config wants NAME=FILE, not '%s'", arg);
            return false;
        }
        one.module = strndup(arg, (size_t)(eq - arg));
        one.key = NULL;
        one.value = strdup(eq + 1);
    }
    pending_set_t ps = {one.module, one.key, one.value};
    if ((c == 'c' && (ps.module == NULL || ps.value == NULL)) || !push(&rc->sets, &rc->nsets, sizeof ps, &ps)) {
        nmx__cli_set_free(&one);
        return false;
    }
    return true;
}

/* The options that take a number, a size or a word; false with the message
 * printed.  (Over 80 lines: one short case per option, each with its own
 * message; split, they would only be harder to compare.) */
/* The options that contain the experts (--isolation, --jobs, --timeout,
 * --grace, --mem-limit, --event-limit); false after saying what is wrong. */
static bool parse_limit_option(nmx_run_opts_t *o, int c, const char *arg)
{
    uint64_t u;
    double d;
    switch (c) {
    case 'I':
        if (strcmp(arg, "process") != 0 && strcmp(arg, "none") != 0) {
            nmx__cli_error("--isolation must be process or none, not '%s'", arg);
            return false;
        }
        o->isolation = strcmp(arg, "process") == 0 ? NMX_ISOLATION_PROCESS : NMX_ISOLATION_NONE;
        return true;
    case 'j':
        if (nmx_parse_u64(arg, &u, NULL, 0) < 0 || u < 1 || u > 256) {
            nmx__cli_error("--jobs wants a number from 1 to 256, not '%s'", arg);
            return false;
        }
        o->jobs = (unsigned)u;
        return true;
    case 't':
    case 'g':
        if (nmx_parse_seconds(arg, &d, NULL, 0) < 0 || d <= 0) {
            nmx__cli_error("--%s wants a positive number of seconds, not '%s'", c == 't' ? "timeout" : "grace",
                           arg);
            return false;
        }
        *(c == 't' ? &o->timeout_s : &o->grace_s) = d;
        return true;
    case 'm':
        if (nmx_parse_size(arg, &u, NULL, 0) < 0 || u == 0) {
            nmx__cli_error("--mem-limit wants a size such as 65536, 64K, 16M or 1G, not '%s'", arg);
            return false;
        }
        o->mem_limit = u;
        return true;
    case 'L':
        if (nmx_parse_size(arg, &u, NULL, 0) < 0 || u < 4096) {
            nmx__cli_error("--event-limit wants a size of at least 4K, such as 64M or 4G, not '%s'", arg);
            return false;
        }
        o->event_limit = u;
        return true;
    default:
        return false;
    }
}

static bool parse_value_option(run_cmd_t *rc, int c, const char *arg)
{
    nmx_run_opts_t *o = &rc->opts;
    uint64_t u;
    switch (c) {
    case 'f':
        rc->format = nmx__cli_parse_format(arg, true);
        if (rc->format < 0)
            nmx__cli_error("--format must be text, csv, json or html, not '%s'", arg);
        return rc->format >= 0;
    case 'o':
        if (looks_like_preference(arg)) {
            const char *colon = strchr(arg, ':');
            nmx__cli_error("-o names the report file; '%s' looks like a tshark preference (for a "
                           "setting use --set %.*s=%s)",
                          arg, (int)(colon - arg), arg, colon + 1);
            return false;
        }
        rc->output = arg;
        return true;
    case 'F':
        if (nmx_parse_u64(arg, &u, NULL, 0) < 0 || u < 1 || u > UINT32_MAX) {
            nmx__cli_error("--frame wants a frame number from 1, not '%s'", arg);
            return false;
        }
        o->start_frame = (uint32_t)u;
        return true;
    case 'B':
        if (nmx_parse_u64(arg, &u, NULL, 0) < 0 || u > 255) {
            nmx__cli_error("--bit wants a bit number from 0 to 255, not '%s'", arg);
            return false;
        }
        o->has_start_bit = 1;
        o->start_bit = (unsigned)u;
        return true;
    case 'H': {
        unsigned long k = 0, n = 0;
        char *end = NULL;
        errno = 0;
        if (arg[0] >= '0' && arg[0] <= '9')
            k = strtoul(arg, &end, 10);
        if (end != NULL && *end == '/' && end[1] >= '0' && end[1] <= '9')
            n = strtoul(end + 1, &end, 10);
        if (errno != 0 || end == NULL || *end != '\0' || n < 1 || n > 65536 || k < 1 || k > n) {
            nmx__cli_error("--shard wants K/N with 1 <= K <= N <= 65536, such as 2/8, not '%s'", arg);
            return false;
        }
        o->shard_index = (uint32_t)k;
        o->shard_count = (uint32_t)n;
        return true;
    }
    case 'R':
        if (!nmx__cli_parse_frames(arg, &o->first_frame, &o->last_frame)) {
            nmx__cli_error("--frames wants a 1-based range such as 100-200, 100-, -200 or 150, not '%s'", arg);
            return false;
        }
        return true;
    default:
        return parse_limit_option(o, c, arg);
    }
}

/* getopt over argv: 0 to go on, 1 when done (--help), -1 on an error. */
static int parse_options(run_cmd_t *rc, int argc, char **argv)
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
        {"parser", required_argument, NULL, 0x100},
        {"parsers-dir", required_argument, NULL, 0x101},
        {"frame", required_argument, NULL, 'F'},
        {"protocol", required_argument, NULL, 'P'},
        {"property", required_argument, NULL, 'Q'},
        {"bit", required_argument, NULL, 'B'},
        {"no-progress", no_argument, NULL, 'N'},
        {"start", required_argument, NULL, 'S'},
        {"end", required_argument, NULL, 'E'},
        {"frames", required_argument, NULL, 'R'},
        {"shard", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":e:r:Y:o:h", longopts, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'r': ok = push(&rc->captures, &rc->ncaptures, sizeof optarg, &optarg); break;
        case 'e': ok = add_selected(rc, optarg, NULL); break;
        case 's':
        case 'c': ok = add_setting(rc, c, optarg); break;
        case 'd': ok = push(&rc->dirs, &rc->ndirs, sizeof optarg, &optarg); break;
        case 0x100: ok = push(&rc->parsers, &rc->nparsers, sizeof optarg, &optarg); break;
        case 0x101: ok = push(&rc->parser_dirs, &rc->nparser_dirs, sizeof optarg, &optarg); break;
        case 'Y': rc->opts.ui_filter = optarg; break;
        case 'D': rc->opts.debug_heap = 1; break;
        case 'P': rc->opts.start_protocol = optarg; break;
        case 'Q': rc->opts.start_property = optarg; break;
        case 'N': rc->progress_on = false; break;
        case 'S': rc->start_text = optarg; break;
        case 'E': rc->end_text = optarg; break;
        case 'h':
            run_usage(stdout);
            rc->status = NMX_EXIT_OK;
            return 1;
        case ':': nmx__cli_error("option '%s' needs a value", argv[optind - 1]); return -1;
        case '?': nmx__cli_error("unknown option '%s' (see 'nmexpert run --help')", argv[optind - 1]); return -1;
        default: ok = parse_value_option(rc, c, optarg); break;
        }
        if (!ok)
            return -1;
    }
    return 0;
}

/* The captures (arguments after the options, or the demo's) and the demo's settings. */
static bool collect_inputs(run_cmd_t *rc, int argc, char **argv)
{
    const nmx_cli_run_defaults_t *df = rc->defaults;
    if (df != NULL && df->capture != NULL && rc->ncaptures == 0 && optind == argc &&
        !push(&rc->captures, &rc->ncaptures, sizeof df->capture, &df->capture))
        return false;
    for (; optind < argc; optind++)
        if (!push(&rc->captures, &rc->ncaptures, sizeof argv[optind], &argv[optind]))
            return false;
    if (rc->ncaptures == 0) {
        nmx__cli_error("run: which capture? (nmexpert run CAPTURE... or -r CAPTURE)");
        run_usage(stderr);
        return false;
    }
    for (size_t i = 0; df != NULL && i < df->nsets; i++) {
        pending_set_t ps = {strdup(df->sets[i].module), strdup(df->sets[i].key), strdup(df->sets[i].value)};
        if (ps.module == NULL || ps.key == NULL || ps.value == NULL || !push(&rc->sets, &rc->nsets, sizeof ps, &ps)) {
            free(ps.module);
            free(ps.key);
            free(ps.value);
            return false;
        }
    }
    return true;
}

/* Opens the capture(s) and reads --start and --end against frame 1. */
static bool open_capture(run_cmd_t *rc)
{
    rc->prog.enabled = rc->progress_on && isatty(STDERR_FILENO);
    rc->cap = nmx_capture_open_files_progress(rc->captures, rc->ncaptures,
                                              rc->prog.enabled ? draw_open_progress : NULL, &rc->prog,
                                              NMX_OPEN_PROGRESS_S, rc->errbuf, sizeof rc->errbuf);
    if (rc->prog.enabled)
        clear_progress(&rc->prog);
    if (rc->cap == NULL) {
        nmx__cli_error("%s", rc->errbuf);
        return false;
    }
    nmx_capture_get_info(rc->cap, &rc->info);
    /* Relative times count from frame 1, as tshark's frame.time_relative. */
    const char *tt[2] = {rc->start_text, rc->end_text};
    for (int k = 0; k < 2; k++) {
        if (tt[k] == NULL)
            continue;
        if (!nmx__cli_parse_time(tt[k], rc->info.frame1_ns, k == 0 ? &rc->opts.start_ns : &rc->opts.end_ns)) {
            nmx__cli_error("--%s wants seconds from the first frame (30, +30.5), an epoch time "
                           "(@1371506299) or an ISO 8601 time (2013-06-17T21:58:30Z), not '%s'",
                           k == 0 ? "start" : "end", tt[k]);
            return false;
        }
        *(k == 0 ? &rc->opts.has_start_time : &rc->opts.has_end_time) = 1;
    }
    if (rc->info.damage != NULL)
        nmx__cli_error("warning: %s; reporting on the %u usable frame%s", rc->info.damage, rc->info.frames,
                       rc->info.frames == 1 ? "" : "s");
    return true;
}

/* Discovers experts; without -e, selects every default one.  Every
 * --set/--config must name an expert of the run. */
static bool select_experts(run_cmd_t *rc)
{
    if ((rc->host = nmx_host_new(rc->errbuf, sizeof rc->errbuf)) == NULL) {
        nmx__cli_error("%s", rc->errbuf);
        return false;
    }
    for (size_t i = 0; i < rc->ndirs; i++) {
        if (nmx_host_add_experts_dir(rc->host, rc->dirs[i], rc->errbuf, sizeof rc->errbuf) != 0) {
            nmx__cli_error("%s", rc->errbuf);
            return false;
        }
    }
    if (nmx_host_discover(rc->host, rc->errbuf, sizeof rc->errbuf) < 0) {
        nmx__cli_error("%s", rc->errbuf);
        return false;
    }
    if (rc->nsel == 0) {
        for (size_t i = 0; i < nmx_host_expert_count(rc->host); i++) {
            const nmx_expert_info_t *ei = nmx_host_expert(rc->host, i);
            if (!ei->not_default && !add_selected(rc, ei->module, ei->module))
                return false;
        }
        if (rc->nsel == 0) {
            nmx__cli_error("no experts found, NMERR_NO_DLLS_FOUND (121) (looked in %s%s); use -e PATH or "
                           "--experts-dir DIR",
                           rc->ndirs > 0 ? "the --experts-dir directories and " : "",
                           nmx_host_installed_experts_dir());
            return false;
        }
    }
    size_t own = rc->nsets - (rc->defaults != NULL ? rc->defaults->nsets : 0);
    for (size_t i = 0; i < own; i++) {
        bool known = false;
        for (size_t k = 0; k < rc->nsel && !known; k++)
            known = strcasecmp(rc->sets[i].module, rc->sel[k].module) == 0;
        if (!known) {
            nmx__cli_error("%s: '%s' is not one of the experts of this run",
                           rc->sets[i].key != NULL ? "--set" : "--config", rc->sets[i].module);
            return false;
        }
    }
    return true;
}

/* Loads the parser plug-ins: --parser PATHs, then the *.so of each
 * --parsers-dir, then of the installed parsers directory.  A parser that
 * crashes, hangs or declares nonsense while it is probed ends the command
 * (exit status 2) with a message naming it. */
static bool load_parsers(run_cmd_t *rc)
{
    const char **all = NULL;
    size_t n = 0;
    char **owned = NULL;
    size_t nowned = 0;
    bool ok = true;
    for (size_t i = 0; ok && i < rc->nparsers; i++)
        ok = push(&all, &n, sizeof *all, &rc->parsers[i]);
    const char *installed = nmx_host_installed_parsers_dir();
    size_t ndirs = rc->nparser_dirs + (installed != NULL ? 1 : 0);
    for (size_t d = 0; ok && d < ndirs; d++) {
        const char *dir = d < rc->nparser_dirs ? rc->parser_dirs[d] : installed;
        char **list = NULL;
        size_t k = 0;
        if (nmx_parsers_list_dir(dir, &list, &k, rc->errbuf, sizeof rc->errbuf) != 0) {
            nmx__cli_error("%s", rc->errbuf);
            ok = false;
            break;
        }
        for (size_t i = 0; i < k; i++) {
            const char *p = list[i];
            if (ok)
                ok = push(&all, &n, sizeof *all, &p);
            char *q = list[i];
            if (!push(&owned, &nowned, sizeof q, &q))
                free(q), ok = false;
        }
        free(list);
    }
    if (ok && nmx_parsers_load(all, n, rc->errbuf, sizeof rc->errbuf) != 0) {
        nmx__cli_error("%s", rc->errbuf);
        ok = false;
    }
    for (size_t i = 0; i < nowned; i++)
        free(owned[i]);
    free(owned);
    free(all);
    return ok;
}

/* Creates the run with each expert's configuration, checks every --set
 * against what its expert declares (a mistyped key or value is a usage
 * error before anything runs) and opens -o. */
static bool prepare_run(run_cmd_t *rc)
{
    if (rc->prog.enabled) {
        rc->opts.progress = draw_progress;
        rc->opts.progress_ctx = &rc->prog;
    }
    rc->run = nmx_run_new(rc->host, rc->cap, &rc->opts, rc->errbuf, sizeof rc->errbuf);
    if (rc->run == NULL) {
        nmx__cli_error("%s", rc->errbuf);
        return false;
    }
    for (size_t i = 0; i < rc->nsel; i++) {
        selected_t *s = &rc->sel[i];
        if (build_config(s, rc->sets, rc->nsets) != 0)
            return false;
        if (nmx_run_add_expert(rc->run, s->which, s->config.present ? s->config.data : NULL,
                               s->config.present ? s->config.len : 0, rc->errbuf, sizeof rc->errbuf) != 0) {
            nmx__cli_error("%s", rc->errbuf);
            return false;
        }
    }
    for (size_t i = 0; i < rc->nsets; i++) {
        nmx_cli_set_t one = {rc->sets[i].module, rc->sets[i].key, rc->sets[i].value};
        if (rc->sets[i].key != NULL && !nmx__cli_check_set(rc->host, &one))
            return false;
    }
    /* "-o -" is standard output, whatever it is; any other name is a
     * regular file written whole or not at all (nmx_output_open). */
    if (rc->output != NULL && strcmp(rc->output, "-") != 0) {
        if ((rc->report = nmx_output_open(rc->output, rc->errbuf, sizeof rc->errbuf)) == NULL) {
            nmx__cli_error("%s", rc->errbuf);
            return false;
        }
        rc->out = nmx_output_stream(rc->report);
        interrupt_temp = nmx_output_temp_path(rc->report);
    }
    return true;
}

/* The HTML report as well, in `path` (the demo's); says where on stderr. */
static int write_html_copy(run_cmd_t *rc, const char *path)
{
    if (nmx__cli_write_file(path, write_run_html, rc->run, rc->errbuf, sizeof rc->errbuf) != 0) {
        nmx__cli_error("cannot write the HTML report %s: %s", path, rc->errbuf);
        return -1;
    }
    char real[PATH_MAX];
    fprintf(stderr, "nmexpert demo: the HTML report is in %s (open it in a web browser)\n",
            realpath(path, real) != NULL ? real : path);
    return 0;
}

/* Writes the report; 0, or -1 after saying what could not be written. */
static int write_report(run_cmd_t *rc)
{
    /* Text on standard output fits the terminal (or COLUMNS); files keep
     * full-width tables. */
    unsigned width = rc->report == NULL ? nmx__cli_term_width(STDOUT_FILENO) : 0;
    int wrote = nmx_report_write(rc->run, rc->format, rc->out, width, rc->errbuf, sizeof rc->errbuf);
    if (wrote == 0 && rc->report != NULL) {
        wrote = nmx_output_close(rc->report, true, rc->errbuf, sizeof rc->errbuf);
        rc->report = NULL;
        if (wrote != 0)
            nmx__cli_error("cannot write the report: %s", rc->errbuf);
    } else if (rc->report == NULL && (wrote != 0 || fflush(stdout) != 0)) {
        wrote = -1;
        nmx__cli_stdout_error(errno);
    } else if (wrote != 0) {
        nmx__cli_error("%s: %s", rc->output, rc->errbuf);
    }
    if (wrote == 0 && rc->format == NMX_REPORT_JSON)
        nmx__cli_keep_report_copy(write_run_json, rc->run);
    if (wrote == 0 && rc->defaults != NULL && rc->defaults->html_copy != NULL)
        wrote = write_html_copy(rc, rc->defaults->html_copy);
    return wrote;
}

/* Runs the experts (Ctrl-C and SIGTERM stop them), reports, and sets the
 * exit status: 2 for a write error or a damaged capture, 130 interrupted,
 * 1 when some expert did not complete. */
static void execute(run_cmd_t *rc)
{
    interrupt_target = rc->run;
    interrupted = 0;
    if (rc->defaults != NULL) {
        interrupt_caller_file = rc->defaults->temp_file;
        interrupt_caller_dir = rc->defaults->temp_dir;
    }
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    size_t completed = nmx_run_execute(rc->run);
    interrupt_target = NULL;
    if (rc->prog.enabled)
        clear_progress(&rc->prog);
    int wrote = write_report(rc);
    nmx__cli_summarise_failures(rc->run);
    if (interrupted)
        nmx__cli_error("interrupted: the report holds the results so far (exit status 130)");
    interrupt_temp = NULL;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (wrote != 0)
        rc->status = NMX_EXIT_USAGE; /* a write error: exit 2, as every I/O error */
    else if (interrupted)
        rc->status = NMX_EXIT_INTERRUPTED;
    else if (rc->info.damage != NULL)
        rc->status = NMX_EXIT_USAGE;
    else
        rc->status = completed == nmx_run_result_count(rc->run) ? NMX_EXIT_OK : NMX_EXIT_INCOMPLETE;
}

static int cmd_free(run_cmd_t *rc)
{
    interrupt_temp = NULL;
    interrupt_caller_file = NULL;
    interrupt_caller_dir = NULL;
    nmx_output_close(rc->report, false, rc->errbuf, sizeof rc->errbuf); /* no-op once committed */
    for (size_t i = 0; i < rc->nsel; i++)
        nmx__cli_config_free(&rc->sel[i].config);
    free(rc->sel);
    for (size_t i = 0; i < rc->nsets; i++) {
        free(rc->sets[i].module);
        free(rc->sets[i].key);
        free(rc->sets[i].value);
    }
    free(rc->sets);
    free(rc->dirs);
    free(rc->parsers);
    free(rc->parser_dirs);
    free(rc->captures);
    if (rc->run != NULL && nmx_run_abandoned(rc->run)) {
        /* An in-process expert never came back: leave without waiting for it. */
        fflush(NULL);
        _exit(rc->status);
    }
    nmx_run_free(rc->run);
    nmx_host_free(rc->host);
    nmx_capture_close(rc->cap);
    return rc->status;
}

int nmx__cmd_run_common(int argc, char **argv, const nmx_cli_run_defaults_t *defaults)
{
    static run_cmd_t zero;
    run_cmd_t *rc = malloc(sizeof *rc);
    if (rc == NULL) {
        nmx__cli_error("out of memory");
        return NMX_EXIT_USAGE;
    }
    *rc = zero;
    rc->defaults = defaults;
    rc->status = NMX_EXIT_USAGE;
    rc->format = NMX_REPORT_TEXT;
    rc->progress_on = true;
    rc->out = stdout;
    /* Experts are independent processes: by default use every CPU. */
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    rc->opts.jobs = ncpu > 0 && ncpu <= 256 ? (unsigned)ncpu : 1;
    if (parse_options(rc, argc, argv) == 0 && collect_inputs(rc, argc, argv) && open_capture(rc) &&
        select_experts(rc) && load_parsers(rc) && prepare_run(rc))
        execute(rc);
    int status = cmd_free(rc);
    free(rc);
    return status;
}

int nmx__cmd_run(int argc, char **argv)
{
    return nmx__cmd_run_common(argc, argv, NULL);
}
