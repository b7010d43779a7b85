/*
 * nmexpert/host.h - the embedding API of the nmexpert host (prefix nmx_).
 *
 * This header is for programs that host experts: the nmexpert command, the
 * tests and third-party front ends.  Experts never include it; they see only
 * <netmon.h>.  All handles are opaque, and no third-party library's type
 * appears here (only C and libc types: FILE, the <stdint.h> integers).
 * It includes the parts that lower layers of the library implement on
 * their own: <nmexpert/capture.h> (captures), <nmexpert/protocols.h>
 * (protocol and field descriptions) and <nmexpert/export.h> (NMX_EXPORT).
 * Include this header; the convention below holds for all of them.
 *
 * Errors: one convention for every function.
 *
 *  - A function that can fail takes `char *errbuf, size_t errlen` as its
 *    last two parameters (nmx_report_merge_files alone has a note buffer
 *    after them).  It reports failure by its result alone:
 *      pointer results: NULL;
 *      int results:     a negative value (-1; nmx_expert_check_setting
 *                       tells two failures apart as -1 and -2).  A
 *                       non-negative int may carry a result: 1/0 for
 *                       "changed/unchanged" (nmx_host_configure), a count
 *                       (nmx_host_discover) or a descriptor
 *                       (nmx_config_lock).
 *    On failure it writes into errbuf a one-line message (no newline) that
 *    names what failed (a file, a module, a setting) and why, cut to errlen
 *    bytes and always NUL-terminated (when errlen > 0).  Pass errbuf NULL
 *    and errlen 0 to ignore the message.  On success errbuf's content is
 *    unspecified.  errno carries nothing unless a function's comment says
 *    so.
 *  - A function without errbuf/errlen cannot fail: its comment, or the
 *    comment of its group, says what it returns.
 *  - The exceptions are pure look-ups whose only failure is an index out
 *    of range: nmx_protocol_describe and nmx_field_describe (-1),
 *    nmx_host_expert and nmx_run_result (NULL).  They write no message.
 *
 * scripts/check-host-errors.py (the host_errors test) holds this header to
 * it: a function that returns a value has an errbuf/errlen pair, or is on
 * the script's short, commented list of functions that cannot fail.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef NMEXPERT_HOST_H
#define NMEXPERT_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <nmexpert/capture.h>
#include <nmexpert/export.h>
#include <nmexpert/protocols.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NMX_VERSION_MAJOR 0
#define NMX_VERSION_MINOR 4
#define NMX_VERSION_PATCH 0
#define NMX_VERSION_STRING "0.4.0"
/* 0.4.0 changed signatures for the one error convention (errbuf/errlen on
 * nmx_host_new, nmx_host_add_experts_dir, nmx_host_discover, nmx_config_*,
 * nmx_capture_json and nmx_report_write, which took over
 * nmx_report_write_width) and added the option-value parsers. */

/* The library's version string, e.g. "0.4.0".  Cannot fail. */
NMX_EXPORT const char *nmx_version(void);

/* Captures: <nmexpert/capture.h>.  Protocols and fields: <nmexpert/protocols.h>. */

/* ===================================================================== */
/* Captures as reports describe them (src/report)                         */
/* ===================================================================== */

/* The capture as the JSON report's "capture" object describes it, as JSON
 * text (malloc'd: free() it); NULL with a message when out of memory. */
NMX_EXPORT char *nmx_capture_json(const nmx_capture_t *cap, char *errbuf, size_t errlen);
/* An absolute time (ns since 1970, UTC) as ISO 8601 text with `digits`
 * decimals (at most 9), "2024-01-31T12:00:00.123456Z", cut to n bytes. */
NMX_EXPORT void nmx_iso_time(int64_t ns, unsigned digits, char *buf, size_t n);

/* ===================================================================== */
/* Experts and runs (src/runtime, src/report)                             */
/* ===================================================================== */

typedef struct nmx_host nmx_host_t;
typedef struct nmx_run nmx_run_t;

/* A discovered expert module, as `nmexpert list` shows it. */
typedef struct nmx_expert_info {
    const char *module;      /* file base name without "lib" and ".so": "protdist" */
    const char *path;        /* full path of the shared object */
    const char *name;        /* EXPERTENUMINFO.szName from Register ("" if not loaded) */
    const char *vendor;
    const char *description;
    uint32_t version;        /* EXPERTENUMINFO.Version */
    uint32_t flags;          /* EXPERT_ENUM_FLAG_* */
    int configurable;        /* exports Configure and sets the CONFIGURABLE flag */
    int not_default;         /* NmxExpertOptions has NMX_EXPERT_OPTION_NOT_DEFAULT */
    const char *load_error;  /* NULL, or why the module could not be loaded/registered */
    /* Added with declared settings (0.2.0): the expert's NmxExpertSettings (netmon.h). */
    size_t nsettings;        /* 0 when it declares none (its settings are not checked) */
    const struct nmx_setting_desc *settings;
    /* Added with shards (0.3.0): its NmxExpertMerge text (netmon.h), or NULL. */
    const char *merge;
} nmx_expert_info_t;

/* One setting an expert declares (NMX_EXPERT_SETTING in netmon.h). */
typedef struct nmx_setting_desc {
    const char *key;
    const char *default_value; /* "" when none */
    const char *values;        /* "a|b|c", "N..M" or "" (anything) */
    const char *help;
} nmx_setting_desc_t;

/*
 * Checks one KEY=VALUE setting against what the expert declares: 0 when it
 * is acceptable (always, for an expert that declares no settings), -1 for
 * an unknown key, -2 for a value outside the declared values; errbuf then
 * holds the message ("topuser: unknown setting 'cont' (known: address,
 * count, sort)", "topuser.sort: 'byts' is not one of frames, bytes").
 * `run --set` and `configure --set` both use it, before anything runs.
 */
NMX_EXPORT int nmx_expert_check_setting(const nmx_expert_info_t *ei, const char *key, const char *value,
                                        char *errbuf, size_t errlen);

/*
 * The module name of an expert's shared object (spec 1.2): the base name
 * without a "lib" prefix and without ".so" (and any version suffix after
 * it): "/opt/x/libprotdist.so" -> "protdist".  It names the expert in
 * `--set NAME.KEY=VALUE` and in the stored configurations.  Cut to outlen
 * bytes; cannot fail.
 */
NMX_EXPORT void nmx_module_name(const char *path, char *out, size_t outlen);

/* Creates a host (NULL with a message when out of memory).  Experts are
 * looked up in the directories added with nmx_host_add_experts_dir(), then
 * in the installed experts directory. */
NMX_EXPORT nmx_host_t *nmx_host_new(char *errbuf, size_t errlen);
NMX_EXPORT void nmx_host_free(nmx_host_t *host);
/* Adds a directory to look for experts in.  0, or -1 with a message naming
 * the directory when it is not one (missing, not a directory) or out of
 * memory. */
NMX_EXPORT int nmx_host_add_experts_dir(nmx_host_t *host, const char *dir, char *errbuf, size_t errlen);
/* The installed experts directory (NMEXPERT_EXPERTS_DIR, else found next
 * to the library, else compiled in).  Cannot fail; it may not exist. */
NMX_EXPORT const char *nmx_host_installed_experts_dir(void);
/* The installed data directory holding sample.pcap (NMEXPERT_DATA_DIR, else
 * found next to the library, else compiled in).  Cannot fail. */
NMX_EXPORT const char *nmx_host_installed_data_dir(void);

/*
 * Scans the experts directories and registers every module found there
 * (each module is loaded and its Register called in a throw-away contained
 * child process, so a broken module cannot crash the host).  A module that
 * cannot be loaded or registered is listed with its load_error; an
 * installed experts directory that does not exist is skipped.  Returns the
 * number of modules known to the host, or -1 with a message when an added
 * directory cannot be read or memory runs out.
 */
NMX_EXPORT int nmx_host_discover(nmx_host_t *host, char *errbuf, size_t errlen);
/* Experts known to the host; cannot fail. */
NMX_EXPORT size_t nmx_host_expert_count(const nmx_host_t *host);
/* Expert i: a pure look-up, NULL (no message) past the end.  The pointer
 * stays valid until nmx_host_free(); a later nmx_host_discover() adds
 * experts after it. */
NMX_EXPORT const nmx_expert_info_t *nmx_host_expert(const nmx_host_t *host, size_t i);

/* Isolation modes of a run. */
enum { NMX_ISOLATION_PROCESS = 0, NMX_ISOLATION_NONE = 1 };

/* Options of a run.  Zero-initialise, then set what you need. */
typedef struct nmx_run_opts {
    int isolation;            /* NMX_ISOLATION_PROCESS (default) or NMX_ISOLATION_NONE */
    unsigned jobs;            /* experts run in parallel; 0 = 1 */
    double timeout_s;         /* per expert; 0 = none.  Then termination is requested */
    double grace_s;           /* time allowed after termination before a kill; 0 = 10 s */
    uint64_t mem_limit;       /* per-session quota in bytes; 0 = none */
    int debug_heap;           /* red zones in the expert heap */
    const char *ui_filter;    /* display filter for FLAGS_DEFER_TO_UI_FILTER, or NULL */
    uint32_t start_frame;     /* startup info: focused frame, 1-based as displayed; 0 = none */
    const char *start_protocol; /* startup info: focused protocol name, or NULL */
    const char *start_property; /* startup info: focused property name, or NULL */
    int has_start_bit;        /* startup info: start_bit is given */
    unsigned start_bit;       /* bit number for flag properties (sBitfield.BitNumber) */
    /* Called about every 100 ms while experts run, from the calling thread. */
    void (*progress)(void *ctx, const nmx_run_t *run);
    void *progress_ctx;
    /* Added with the trust boundary (0.1.0); appended so that existing code keeps compiling. */
    uint64_t event_limit;     /* bytes of events kept per expert; 0 = mem_limit if set, else 2 GiB */
    /* Added with ranges (0.2.0): experts that defer to the UI filter
     * (FLAGS_DEFER_TO_UI_FILTER, as the built-in ones do) see only the frames
     * in these bounds that the display filter also passes. */
    uint32_t first_frame;     /* 1-based, inclusive; 0 = from the first */
    uint32_t last_frame;      /* 1-based, inclusive; 0 = to the last */
    int has_start_time;       /* start_ns is a bound */
    int has_end_time;         /* end_ns is a bound */
    int64_t start_ns;         /* absolute UTC ns, inclusive (frames without a time are outside) */
    int64_t end_ns;           /* absolute UTC ns, inclusive */
    /* Added with shards (0.3.0): with shard_count > 1, the experts that defer
     * to the UI filter see only the frames of shard shard_index (1-based) of
     * shard_count, a hash of its connection (docs/scale.md).  Frames keep their numbers,
     * and the experts are told (NMX_EXPERT_STARTUP_FLAG_SHARD, netmon.h). */
    uint32_t shard_index;     /* 1..shard_count */
    uint32_t shard_count;     /* 0 or 1 = no sharding */
} nmx_run_opts_t;

/*
 * Parser plug-ins, NetMon 2 parser DLLs (docs/writing-a-parser.md).  Each
 * is probed in a contained child process (the calling process never runs
 * parser code) and its protocols, properties and hand-offs are entered into
 * the process's protocol registry; the expert processes of every later run
 * load them.  Call before creating a run.  0, or -1 with a message naming
 * the DLL (it crashed or hung while loading, or declared something
 * unusable); the DLLs entered before the failing one stay.
 */
NMX_EXPORT int nmx_parsers_load(const char *const *paths, size_t n, char *errbuf, size_t errlen);
/* The *.so files of a parsers directory in name order, malloc'd (free each
 * and the array); 0, or -1 with a message. */
NMX_EXPORT int nmx_parsers_list_dir(const char *dir, char ***paths, size_t *n, char *errbuf,
                                    size_t errlen);
/* The installed parsers directory ($NMEXPERT_PARSERS_DIR, else
 * <libdir>/nmexpert/parsers), or NULL when there is none. */
NMX_EXPORT const char *nmx_host_installed_parsers_dir(void);

/* Creates a run of experts over an open capture.  NULL with a message on
 * error (e.g. a display filter that does not compile). */
NMX_EXPORT nmx_run_t *nmx_run_new(nmx_host_t *host, nmx_capture_t *cap, const nmx_run_opts_t *opts,
                                  char *errbuf, size_t errlen);
NMX_EXPORT void nmx_run_free(nmx_run_t *run);

/*
 * Adds an expert to the run: `which` is a module name known to the host or
 * a path to a shared object.  `config` (may be NULL) is the RawConfigData to
 * pass to Run, `config_len` bytes.  Returns 0, or -1 with a message.
 */
NMX_EXPORT int nmx_run_add_expert(nmx_run_t *run, const char *which, const void *config,
                                  size_t config_len, char *errbuf, size_t errlen);

/* Runs every added expert to the end.  Returns the number that completed.
 * Cannot fail as a whole: each expert's failure is its result's outcome
 * and message (nmx_run_result). */
NMX_EXPORT size_t nmx_run_execute(nmx_run_t *run);

/* Asks every running expert to stop (NMERR_EXPERT_TERMINATE); safe to call
 * from a signal handler. */
NMX_EXPORT void nmx_run_terminate(nmx_run_t *run);

/* 1 when an in-process expert never returned after its time limit (the
 * caller should write its report and exit without freeing the run), else
 * 0.  Cannot fail. */
NMX_EXPORT int nmx_run_abandoned(const nmx_run_t *run);

/* Outcome of one expert (DESIGN.md JSON contract). */
typedef enum {
    NMX_OUTCOME_PENDING = 0,
    NMX_OUTCOME_COMPLETED,
    NMX_OUTCOME_FAILED,
    NMX_OUTCOME_CRASHED,
    NMX_OUTCOME_TIMED_OUT,
    NMX_OUTCOME_TERMINATED,
    NMX_OUTCOME_OUT_OF_MEMORY,
    NMX_OUTCOME_LOAD_FAILED
} nmx_outcome_t;
/* "completed", "timed_out", ...; "unknown" for a value outside the enum. */
NMX_EXPORT const char *nmx_outcome_name(nmx_outcome_t outcome);

/* One column of an event, deep-copied from the expert's NMEVENTDATA. */
typedef struct nmx_column {
    const char *name;   /* column heading ("" if the expert gave none) */
    uint32_t type;      /* NMCOLUMNTYPE_* (netmon.h) */
    union {
        uint64_t u;     /* UINT8/16/32, FRAME (0-based), IPADDR (network order in memory) */
        int64_t i;      /* SINT8/16/32 */
        double f;       /* FLOAT64, VARTIME */
        int b;          /* YESNO, ONOFF, TRUEFALSE */
        uint8_t bytes[16]; /* MACADDR (6), IPXADDR (10), IPADDR (4) */
    } v;
    const char *s;      /* STRING ("" for NULL) */
} nmx_column_t;

typedef struct nmx_event {
    uint32_t ident;
    uint32_t flags;
    uint32_t severity;
    const char *source;
    const char *name;
    const char *description;
    const char *machine;
    const char *justification; /* NULL if none */
    uint16_t systime[8];       /* SYSTEMTIME; all zero = not set */
    uint32_t ncolumns;
    const nmx_column_t *columns;
} nmx_event_t;

typedef struct nmx_mem_figures {
    uint64_t allocations, frees, peak_bytes, live_bytes_at_end;
    uint64_t reclaimed_bytes, reclaimed_blocks, limit_bytes;
} nmx_mem_figures_t;

/* The result of one expert of a run; valid until nmx_run_free(). */
typedef struct nmx_result {
    const char *module;
    const char *name;           /* from Register, or the module name */
    uint32_t version;
    nmx_outcome_t outcome;
    uint32_t status;            /* final EXPERTSTATUSENUMERATION (spec 1.8) */
    uint32_t substatus;
    uint32_t percent_done;
    const char *message;        /* status text or the reason for the outcome */
    uint64_t elapsed_ms;
    nmx_mem_figures_t memory;
    size_t nevents;
    const nmx_event_t *events;
    uint64_t events_dropped;    /* events refused (invalid, after termination, ...) */
    /* Added with the trust boundary (0.1.0). */
    uint64_t events_over_limit; /* ... of which refused because the event log was full */
    uint64_t event_limit_bytes; /* the run's event limit */
    uint64_t peak_rss_bytes;    /* the expert process's peak resident memory; 0 if unknown */
    const char *containment;    /* how its processes were contained: "user and PID namespace",
                                   "PID namespace", "process group and subreaper" or "none" */
    /* Added with SDK 1.1. */
    uint32_t frame;             /* EXPERTSTATUS.Frame: the last frame ExpertGetFrame delivered
                                   (0-based), or 0xFFFFFFFF (INVALID_FRAME_NUMBER) if none */
    /* Added with JSON report v2 (0.2.0). */
    uint64_t frames_read;       /* distinct frames ExpertGetFrame delivered to it: with
                                   FLAGS_DEFER_TO_UI_FILTER, those -Y selected */
    const void *config;         /* the configuration it ran with (RawConfigData), or NULL */
    size_t config_len;
    /* Added with the HTML report (0.3.0). */
    uint32_t register_flags;    /* EXPERTENUMINFO.Flags from Register (EXPERT_ENUM_FLAG_*:
                                   which viewer its events go to, spec 1.8) */
    const char *path;           /* the module's file, where its Event Reference Pages are
                                   looked up first; NULL for a loaded report */
    /* Added with shards (0.3.0): how its report merges (NmxExpertMerge), or NULL. */
    const char *merge;
    /* Added with the progress bars' rates (0.4.0): while it runs, how long its frames
       read and its status have not moved (past 2 s it has lent its --jobs slot). */
    uint64_t idle_ms;
} nmx_result_t;

/* The results (one per added expert; cannot fail), and result i: a pure
 * look-up, NULL (no message) past the end.  The run's capture cannot fail. */
NMX_EXPORT size_t nmx_run_result_count(const nmx_run_t *run);
NMX_EXPORT const nmx_result_t *nmx_run_result(const nmx_run_t *run, size_t i);
NMX_EXPORT const nmx_capture_t *nmx_run_capture(const nmx_run_t *run);
/* The options the run was made with (its copy; strings are the caller's). */
NMX_EXPORT const nmx_run_opts_t *nmx_run_options(const nmx_run_t *run);

/*
 * Persistent per-expert configuration (spec 3.3), under
 * $XDG_CONFIG_HOME/nmexpert/experts/<module>.cfg (else ~/.config/...).
 *
 * Load sets *data to a malloc'd copy of the stored RawConfigData (the
 * caller frees it) and *len to its length, and returns 0; when none is
 * stored it returns 0 with *data NULL and *len 0.  It returns -1, *data
 * NULL, with a message naming the file when the stored file is unreadable,
 * corrupt (its RawConfigLength does not match its size) or not a regular
 * file (a FIFO or a device: refused without waiting or reading), or when
 * `module` is not a valid module name.
 * Save replaces the stored configuration atomically; reset forgets it (no
 * stored configuration is not an error).  Both return 0, or -1 with a
 * message naming the file.
 */
NMX_EXPORT int nmx_config_load(const char *module, void **data, size_t *len, char *errbuf, size_t errlen);
NMX_EXPORT int nmx_config_save(const char *module, const void *data, size_t len, char *errbuf,
                               size_t errlen);
NMX_EXPORT int nmx_config_reset(const char *module, char *errbuf, size_t errlen);
/* An exclusive advisory lock (flock) on a module's stored configuration,
 * for a load-change-save sequence: two `nmexpert configure` runs of one
 * expert then take turns instead of losing one's change.  Waits for the
 * lock; returns a descriptor for nmx_config_unlock, or -1 with a message.
 * Saves are atomic with or without it (a unique temporary file renamed
 * into place).  Unlock (of -1 too) cannot fail. */
NMX_EXPORT int nmx_config_lock(const char *module, char *errbuf, size_t errlen);
NMX_EXPORT void nmx_config_unlock(int lock);

/*
 * Calls the expert's Configure (spec 3.3) with `config` (may be NULL) and
 * stores what it returns.  Returns 1 when a new configuration was stored,
 * 0 when Configure returned FALSE or no configuration (nothing changed),
 * -1 with a message (the expert is unknown or cannot be loaded, Configure
 * crashed, timed out or returned a configuration shorter than 4 bytes, the
 * store cannot be written).
 */
NMX_EXPORT int nmx_host_configure(nmx_host_t *host, const char *which, nmx_capture_t *cap,
                                  const void *config, size_t config_len, char *errbuf,
                                  size_t errlen);

/*
 * Output files for the user (src/report/output.c).  The text goes to a
 * temporary file in the target's directory, renamed over the target by
 * nmx_output_close(commit = true): an interrupted run leaves the previous
 * file whole.  Open refuses a target that is not a regular file (a device,
 * a FIFO, a directory) and any capture this process is reading, compared by
 * device and inode.  Returns NULL with a message (naming the path) in
 * errbuf.  Close returns 0, or -1 with a message; commit = false abandons
 * the output.  The stream and the temporary file's name cannot fail.
 */
typedef struct nmx_output nmx_output_t;
NMX_EXPORT nmx_output_t *nmx_output_open(const char *path, char *errbuf, size_t errlen);
NMX_EXPORT FILE *nmx_output_stream(nmx_output_t *o);
/* The temporary file's name, for a signal handler to unlink (the string
 * lives until close). */
NMX_EXPORT const char *nmx_output_temp_path(const nmx_output_t *o);
NMX_EXPORT int nmx_output_close(nmx_output_t *o, bool commit, char *errbuf, size_t errlen);

/* Report writers (src/report). */
enum { NMX_REPORT_TEXT = 0, NMX_REPORT_CSV = 1, NMX_REPORT_JSON = 2,
       /* One self-contained page: the JSON report, the experts' Event
        * Reference Pages and a viewer with charts and sortable tables. */
       NMX_REPORT_HTML = 3 };
/*
 * Writes the report of a run in `format` to out.  Text tables are fitted to
 * `width` columns (0: no limit): a table wider than that is written one
 * record per block ("Heading: value" lines); CSV, JSON and HTML are the
 * same whatever the width.  0, or -1 with a message (the write failed, with
 * the system's reason, or memory ran out); errno is then left as the failed
 * write set it.  out is neither flushed nor closed.
 */
NMX_EXPORT int nmx_report_write(const nmx_run_t *run, int format, FILE *out, unsigned width, char *errbuf,
                                size_t errlen);
/* Writes a JSON report of version 2 saved earlier (path; "/dev/stdin" for
 * standard input) again in `format` (text tables fitted to `width`, as
 * above), as nmx_report_write wrote it for its run.  0, or -1 with a
 * message saying what is wrong with the file or the write. */
NMX_EXPORT int nmx_report_rewrite(const char *path, int format, FILE *out, unsigned width, char *errbuf,
                                  size_t errlen);
/*
 * `nmexpert merge`: reads the JSON reports of the shards of a capture set
 * (`run --shard K/N`), merges them into the report of the whole (each
 * expert by its NmxExpertMerge rules, or once per shard when it declares
 * none; docs/scale.md) and writes it in `format`.  0, or -1 with a
 * message.  note (may be NULL, notelen 0) gets a warning when the reports
 * are not shards 1..N, once each; it is not an error.
 */
NMX_EXPORT int nmx_report_merge_files(const char *const *paths, size_t n, int format, FILE *out, unsigned width,
                                      char *errbuf, size_t errlen, char *note, size_t notelen);

/* ===================================================================== */
/* Option values (src/api/options.c)                                      */
/* ===================================================================== */

/*
 * The parsers `nmexpert` uses for its option values, so that a front end
 * reads them the same way.  Each returns 0 and stores the value, or -1 with
 * a message in errbuf when the whole string is not one value of its kind:
 *  - nmx_parse_u64: decimal digits only ("1500");
 *  - nmx_parse_size: a whole number with an optional K, M, G or T suffix,
 *    powers of 1024, optionally followed by "iB" or "B" ("64M", "1GiB");
 *  - nmx_parse_seconds: a decimal number of seconds from 0 to 1e9 ("1.5").
 * A value out of the caller's range is the caller's to refuse.
 */
NMX_EXPORT int nmx_parse_u64(const char *s, uint64_t *out, char *errbuf, size_t errlen);
NMX_EXPORT int nmx_parse_size(const char *s, uint64_t *out, char *errbuf, size_t errlen);
NMX_EXPORT int nmx_parse_seconds(const char *s, double *out, char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* NMEXPERT_HOST_H */
