/*
 * run_internal.h - the run object behind nmx_run_t and its entries (run.c),
 * and the startup information every expert of a run receives (startup.c).
 */
#ifndef NMX_RUNTIME_RUN_INTERNAL_H
#define NMX_RUNTIME_RUN_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>

#include "runtime/runtime.h"

/* Largest configuration the host stores or passes (spec 3.3: 1 MiB). */
#define NMX_CONFIG_MAX (1024u * 1024u)

enum { NMX_ENTRY_WAITING = 0, NMX_ENTRY_RUNNING, NMX_ENTRY_FINISHED };

typedef struct nmx_entry {
    struct nmx_run *run;
    char *path;                 /* the module's shared object */
    char *module;
    char name[EXPERTSTRINGLENGTH];
    uint8_t *config;            /* RawConfigData for Run, or NULL */
    size_t config_len;
    nmx_shared_t *sh;
    int state;                  /* NMX_ENTRY_* */
    pid_t pid;                  /* process isolation */
    pthread_t thread;           /* isolation none */
    _Atomic int thread_done;
    int start_errno;
    int wait_status;
    double t_start, t_term;
    bool term_requested, timed_out, killed;
    pthread_mutex_t session_lock; /* guards `session` against the supervisor */
    nmx_session_t *session;     /* while Run executes (none mode: visible to the host) */
    nmx_result_t result;
    char *message;
    void *event_storage;
} nmx_entry_t;

struct nmx_run {
    nmx_host_t *host;
    nmx_capture_t *pub;
    struct _CAPTURE *capobj;
    nmx_run_opts_t opts;
    nmx_filter_t *ui_filter;      /* compiled opts.ui_filter */
    EXPERTSTARTUPINFO startup;
    DWORD startup_flags;
    const nmx_dissection_t *startup_dissection; /* owns startup.lpPropertyInst */
    nmx_entry_t *entries;
    size_t n;
    _Atomic int interrupted;
    bool abandoned;               /* an in-process expert never returned */
};

/* Sets up a freshly forked process that will run expert code: killed with
 * the host, default signal dispositions (SIGINT ignored: Ctrl-C is the
 * host's), stdin from /dev/null, stdout to stderr. */
void nmx_child_setup(void);

/* Runs fn(arg) in such a child process and waits for it at most timeout_s
 * seconds.  NMX_CHILD_EXITED: it ended, *status as waitpid gives it (-1 if
 * it could not be waited for); NMX_CHILD_TIMED_OUT: it was killed;
 * NMX_CHILD_NO_PROCESS: fork failed (errno says why). */
enum { NMX_CHILD_EXITED = 0, NMX_CHILD_TIMED_OUT, NMX_CHILD_NO_PROCESS };
int nmx_call_isolated(void (*fn)(void *), void *arg, double timeout_s, int *status);

/* Runs one entry's expert to the end (expert side). */
void nmx_entry_exec(struct nmx_run *run, nmx_entry_t *e, bool watch);

/* Compiles the UI filter and fills the startup information (startup.c). */
int nmx_run_prepare_startup(struct nmx_run *run, char *errbuf, size_t errlen);
void nmx_run_release_startup(struct nmx_run *run);

#endif /* NMX_RUNTIME_RUN_INTERNAL_H */
