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
#include "runtime/supervise.h"

/* Largest configuration the host stores or passes (spec 3.3: 1 MiB). */
#define NMX_CONFIG_MAX (1024u * 1024u)

enum { NMX_ENTRY_WAITING = 0, NMX_ENTRY_RUNNING, NMX_ENTRY_FINISHED };

/* How far an entry got, as its channel told the host (in order). */
enum {
    NMX_PHASE_NEW = 0,
    NMX_PHASE_LOAD_FAILED, /* dlopen/DllMain/Register failed */
    NMX_PHASE_LOADED,      /* registered */
    NMX_PHASE_RUNNING,     /* Run has been called */
    NMX_PHASE_RETURNED,    /* Run returned; the session is being torn down */
    NMX_PHASE_DONE         /* session destroyed, module unloaded */
};

typedef struct nmx_entry {
    struct nmx_run *run;
    char *path;                 /* the module's shared object */
    char *module;
    char *merge;                /* NmxExpertMerge text, or NULL */
    char name[EXPERTSTRINGLENGTH];
    uint8_t *config;            /* RawConfigData for Run, or NULL */
    size_t config_len;
    int state;                  /* NMX_ENTRY_* */
    /* the expert's side of things, once started */
    int logfd;                  /* the event-log file (control page first), -1 before */
    nmx_ctlpage_t *page;        /* the host's mapping of the control page */
    nmx_child_t child;          /* its process; with isolation none only the channel */
    int chan_w;                 /* isolation none: the channel's write end, -1 */
    pthread_t thread;           /* isolation none */
    _Atomic int thread_done;
    int start_errno;
    double t_start, t_term;
    bool term_requested, timed_out, killed;
    /* when its frames or status last moved (the page's figures at that time):
     * an expert idle for NMX_STALL_S lends its slot (run.c, busy_slots) */
    double moved_at;
    uint64_t moved_frames;
    EXPERTSTATUS moved_status;
    pthread_mutex_t session_lock; /* guards `session` against the supervisor */
    nmx_session_t *session;     /* while Run executes (none mode: visible to the host) */
    /* what the channel said, checked as it arrived */
    int phase;                  /* NMX_PHASE_* */
    bool protocol_error;        /* a message out of order or malformed */
    DWORD load_code, load_substatus;
    char load_error[512];
    DWORD version, flags;
    int32_t run_result;
    EXPERTSTATUS final_status;  /* the session's status when Run returned */
    nmx_mem_stats_t mem;        /* heap figures from the last message that had them */
    uint64_t live_bytes_at_end, live_blocks_at_end;
    /* the result */
    nmx_result_t result;
    char *message;
    void *event_storage;
} nmx_entry_t;

struct nmx_run {
    nmx_host_t *host;
    nmx_capture_t *pub;
    struct _CAPTURE *capobj;
    nmx_run_opts_t opts;
    uint64_t event_limit;         /* bytes of events per expert */
    nmx_filter_t *ui_filter;      /* compiled opts.ui_filter */
    nmx_frame_range_t range;      /* opts' frame and time bounds */
    size_t shard_bits_len;        /* bytes mapped at range.shard_bits */
    EXPERTSTARTUPINFO startup;
    DWORD startup_flags;
    const nmx_dissection_t *startup_dissection; /* owns startup.lpPropertyInst */
    nmx_entry_t *entries;
    size_t n;
    _Atomic int interrupted;
    bool abandoned;               /* an in-process expert never returned */
};

/* Compiles the UI filter and fills the startup information (startup.c). */
int nmx__run_prepare_startup(struct nmx_run *run, char *errbuf, size_t errlen);
void nmx__run_release_startup(struct nmx_run *run);

#endif /* NMX_RUNTIME_RUN_INTERNAL_H */
