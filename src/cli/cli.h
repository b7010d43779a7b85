/*
 * cli.h - the subcommands of the nmexpert command, one file each, and the
 * helpers they share.
 *
 * Every subcommand takes the arguments after its name and returns the exit
 * status: 0 success, 1 some expert did not complete, 2 usage error or an
 * unreadable or damaged capture, 130 interrupted (DESIGN.md).
 */
#ifndef NMX_CLI_H
#define NMX_CLI_H

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <nmexpert/host.h>

enum { NMX_EXIT_OK = 0, NMX_EXIT_INCOMPLETE = 1, NMX_EXIT_USAGE = 2, NMX_EXIT_INTERRUPTED = 130 };

int nmx__cmd_info(int argc, char **argv);      /* cmd_info.c */
int nmx__cmd_run(int argc, char **argv);       /* cmd_run.c */
int nmx__cmd_list(int argc, char **argv);      /* cmd_list.c */
int nmx__cmd_demo(int argc, char **argv);      /* cmd_demo.c */
int nmx__cmd_configure(int argc, char **argv); /* cmd_configure.c */
int nmx__cmd_fields(int argc, char **argv);    /* cmd_fields.c */
int nmx__cmd_report(int argc, char **argv);    /* cmd_report.c */
int nmx__cmd_merge(int argc, char **argv);     /* cmd_merge.c */

/* Writes a report into `out` for nmx__cli_write_file and
 * nmx__cli_keep_report_copy: 0, or -1 with a message in errbuf. */
typedef int (*nmx_cli_writer_t)(FILE *out, const void *ctx, char *errbuf, size_t errlen);

/* Writes a report fitted to `width` columns (0: no limit) into `out`: 0, or
 * -1 with a message in errbuf. */
typedef int (*nmx_cli_fit_writer_t)(FILE *out, unsigned width, const void *ctx, char *errbuf,
                                    size_t errlen);

/* Writes a report to what --output names: NULL or "-" is standard output,
 * its text tables fitted to the terminal; a file is written whole or not at
 * all.  0, or -1 with a message in errbuf. */
int nmx__cli_write_output(const char *output, nmx_cli_fit_writer_t write, const void *ctx, char *errbuf,
                          size_t errlen);

/* The options of the commands that write saved reports again (report,
 * merge): --format, --output and --help, for `command`.  0 to go on, 1 when
 * done (--help), -1 after a usage error was said. */
int nmx__cli_report_options(int argc, char **argv, const char *command, void (*print_usage)(FILE *out),
                            int *format, const char **output);

/* Writes the file `path` the user named, whole or not at all (nmx_output_*:
 * a temporary file renamed into place): 0, or -1 with a message in errbuf. */
int nmx__cli_write_file(const char *path, nmx_cli_writer_t write, const void *ctx, char *errbuf,
                        size_t errlen);

/*
 * NMEXPERT_REPORT_COPY_DIR=DIR: a copy of every JSON report goes to
 * DIR/report-PID-N.json as well, written by `write` (the test suite
 * validates each against the installed schema).  Only a directory the user
 * names this way is written; a failure is a warning, never the command's.
 */
void nmx__cli_keep_report_copy(nmx_cli_writer_t write, const void *ctx);

/* Settings a caller of the run command adds (the demo). */
typedef struct nmx_cli_setting {
    const char *module, *key, *value;
} nmx_cli_setting_t;
typedef struct nmx_cli_run_defaults {
    const char *capture;             /* the capture to run on */
    const nmx_cli_setting_t *sets;   /* extra --set values */
    size_t nsets;
    const char *temp_file;           /* removed (then temp_dir) if a second */
    const char *temp_dir;            /* Ctrl-C ends the command at once */
    const char *html_copy;           /* also write the HTML report there, or NULL */
} nmx_cli_run_defaults_t;
int nmx__cmd_run_common(int argc, char **argv, const nmx_cli_run_defaults_t *defaults);

/* "text"/"json", and "csv"/"html" when all_formats -> NMX_REPORT_*; -1 if unknown. */
int nmx__cli_parse_format(const char *s, bool all_formats);

/* Prints "nmexpert: <message>" on stderr. */
void nmx__cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reports a failed write to standard output (errno `err`, 0 if unknown),
 * once per program: the command that meets it and main's final flush do
 * not both say so.  The exit status is then 2. */
void nmx__cli_stdout_error(int err);

/* The width to fit output to on descriptor fd: COLUMNS if set, else the
 * terminal's width if fd is one, else 0 (no limit; term.c). */
unsigned nmx__cli_term_width(int fd);

/* One line on stderr per expert of the run that did not complete
 * ("nmexpert: expert NAME crashed: ..."; summary.c). */
void nmx__cli_summarise_failures(const nmx_run_t *run);

/* ---- configuration text (settings.c) ----------------------------------- */

typedef struct nmx_cli_config {
    bool present;  /* a configuration is passed (even an empty one) */
    char *data;    /* NUL-terminated; len bytes without the NUL */
    size_t len;
    size_t cap;
} nmx_cli_config_t;

/* Sets KEY=VALUE, replacing earlier lines of the same key. */
bool nmx__cli_config_set(nmx_cli_config_t *c, const char *key, const char *value);
/* Replaces the whole configuration with raw bytes. */
bool nmx__cli_config_assign(nmx_cli_config_t *c, const uint8_t *data, size_t len);
void nmx__cli_config_free(nmx_cli_config_t *c);
/* True when the bytes are text (so --set may edit them). */
bool nmx__cli_is_text(const uint8_t *data, size_t len);
/* Reads a whole file, at most max bytes. */
uint8_t *nmx__cli_read_file(const char *path, size_t max, size_t *len);
/* Strips the RawConfigLength prefix of a stored-format configuration file. */
void nmx__cli_unwrap_config(uint8_t **data, size_t *len);

/* One --set: NAME.KEY=VALUE (run and configure) or KEY=VALUE (configure NAME). */
typedef struct nmx_cli_set {
    char *module, *key, *value;
} nmx_cli_set_t;
/* Parses arg; `module` is configure's NAME (NULL for run, where NAME. is
 * required).  -1 with the message printed when it is malformed. */
int nmx__cli_parse_set(const char *arg, const char *module, nmx_cli_set_t *out);
void nmx__cli_set_free(nmx_cli_set_t *s);
/* The discovered (or registered) expert of that module name, or NULL. */
const nmx_expert_info_t *nmx__cli_find_expert(nmx_host_t *host, const char *module);
/* Checks a setting against what its expert declares (nmx_expert_check_setting);
 * false, with the message printed, when it is refused. */
bool nmx__cli_check_set(nmx_host_t *host, const nmx_cli_set_t *s);
/* The expert's declared settings with defaults and stored values, as a table or JSON. */
void nmx__cli_print_settings(FILE *out, const nmx_expert_info_t *ei, const char *indent);
json_t *nmx__cli_settings_json(const nmx_expert_info_t *ei);

/*
 * A time for --start/--end: seconds from `origin_ns` ("12.5", "+12.5"), an
 * epoch time ("@1371506299.5"), or ISO 8601 "YYYY-MM-DD[T| ]HH:MM[:SS[.f]]"
 * in UTC unless it ends with Z or +HH:MM/-HH:MM.  False if it is none.
 */
bool nmx__cli_parse_time(const char *s, int64_t origin_ns, int64_t *out);
/*
 * For commands that read argv by hand: when argv[*i] is option `name`
 * ("--format") as "--format VALUE" or "--format=VALUE", its value
 * (advancing *i past a separate one); NULL otherwise.  A separate value
 * that is missing gives "" with *missing set.
 */
const char *nmx__cli_option_value(int argc, char **argv, int *i, const char *name, bool *missing);

/* A 1-based frame range "A-B", "A-", "-B" or "N"; 0 for an open end. */
bool nmx__cli_parse_frames(const char *s, uint32_t *first, uint32_t *last);

#endif /* NMX_CLI_H */
