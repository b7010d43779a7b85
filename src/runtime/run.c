/*
 * run.c - running experts over a capture: isolation, parallelism, time
 * limits, termination and outcomes (spec 1.3-1.8, docs/runtime.md).
 *
 * Each expert of a run is an *entry*.  Its code executes either in a
 * contained child process (NMX_ISOLATION_PROCESS, the default; see
 * supervise.h: the capture mapping is shared read-only, a crash ends only
 * that process, and whatever it starts ends with it) or on a thread of this
 * process (NMX_ISOLATION_NONE).  Either way the expert side (entry_exec)
 * reports through three things:
 *  - a channel of framed messages, checked in order as they arrive:
 *    Register's answer or the load failure, Run called, Run's result and
 *    status, clean-up done;
 *  - the control page (progress, heap statistics; the host's termination
 *    flag the other way);
 *  - the event-log file (eventlog.h), read after the end under the host's
 *    own bounds.
 * The host side (nmx_run_execute) starts entries up to `jobs` at a time,
 * enforces timeouts (termination request, then the end of the child after
 * the grace period), handles Ctrl-C (nmx_run_terminate) and turns what it
 * observed into an outcome and the final status of spec 1.8.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/strutil.h"
#include "runtime/host_internal.h"
#include "runtime/loader.h"
#include "runtime/entry_msgs.h"
#include "runtime/run_internal.h"
#include "runtime/runtime.h"

/* Events per expert when neither --event-limit nor --mem-limit says. */
#define NMX_DEFAULT_EVENT_LIMIT (2ull << 30)
#define NMX_DEFAULT_GRACE_S 10.0
#define NMX_POLL_NS (5 * 1000 * 1000)
#define NMX_PROGRESS_NS (100 * 1000 * 1000)
/* Room beyond --mem-limit for the runtime's own memory in the expert's
 * process (frame buffers, dissection cache, watcher thread): see
 * docs/runtime.md. */
#define NMX_RUNTIME_HEADROOM (64ull << 20)
/* Bytes an entry's channel may carry in all (a few small messages). */
#define NMX_ENTRY_CHAN_MAX (64u * 1024u)

/* ---- the expert side --------------------------------------------------- */

typedef struct watcher {
    nmx_ctlpage_t *page;
    nmx_session_t *session;
    _Atomic int stop;
} watcher_t;

/* Propagates a host termination request to the session heap, so that even
 * an expert that only allocates sees NMERR_EXPERT_TERMINATE. */
static void *watch_termination(void *arg)
{
    watcher_t *w = arg;
    while (!atomic_load(&w->stop)) {
        if (atomic_load(&w->page->terminate)) {
            nmx__session_terminate(w->session);
            break;
        }
        struct timespec ms = {0, 2 * 1000 * 1000};
        nanosleep(&ms, NULL);
    }
    return NULL;
}

/* Allocates the Run copy of the configuration in the session heap (1.7). */
static PEXPERTCONFIG config_copy(nmx_session_t *s, const uint8_t *data, size_t len)
{
    if (data == NULL)
        return NULL;
    DWORD err = 0;
    PEXPERTCONFIG cfg = ExpertAllocMemory(nmx__session_key(s), sizeof(DWORD) + len, &err);
    if (cfg == NULL)
        return NULL;
    cfg->RawConfigLength = (DWORD)(sizeof(DWORD) + len);
    memcpy(cfg->RawConfigData, data, len);
    return cfg;
}

static void send_load_failed(int chan, DWORD code, DWORD sub, const char *text)
{
    msg_load_failed_t m;
    memset(&m, 0, sizeof m);
    m.code = code;
    m.substatus = sub;
    nmx__strlcpy(m.text, text, sizeof m.text);
    nmx__chan_send(chan, MSG_LOAD_FAILED, &m, sizeof m);
}

/*
 * Loads the entry's module, runs it in a fresh session and tears both down,
 * reporting through the link.  Runs in the expert's process (process
 * isolation) or on a worker thread (none).
 */
/* A session for one expert of the run, reporting through link; NULL out of memory. */
static nmx_session_t *session_for(const nmx_run_t *run, nmx_link_t *link)
{
    nmx_session_opts_t so;
    memset(&so, 0, sizeof so);
    so.capture = run->capobj;
    so.link = link;
    so.mem_limit = run->opts.mem_limit;
    so.debug_heap = run->opts.debug_heap != 0;
    so.ui_filter = run->ui_filter;
    so.range = run->range;
    so.startup = run->startup;
    so.startup_flags = run->startup_flags;
    /* A child process has page tables of its own: it can drop what it has
     * walked past.  Threads share them, and one expert's release would
     * make the next one fault the pages in again. */
    so.release_behind = run->opts.isolation == NMX_ISOLATION_PROCESS;
    return nmx__session_new(&so);
}

/* Calls the expert's Run in session s and says on the channel that it runs
 * and what it returned, with its final status and heap figures. */
static void call_run(const nmx_module_t *m, nmx_session_t *s, PEXPERTCONFIG cfg, nmx_link_t *link)
{
    nmx__session_set_current(s);
    nmx__chan_send(link->chan, MSG_RUNNING, NULL, 0);
    EXPERTSTARTUPINFO startup = s->startup;
    BOOL ok = m->run(nmx__session_key(s), cfg, &startup, s->startup_flags, NULL);
    msg_returned_t rm;
    memset(&rm, 0, sizeof rm);
    rm.result = ok;
    pthread_mutex_lock(&s->lock);
    rm.status = s->status;
    /* The last frame delivered reaches the report (EXPERTSTATUS.Frame is
     * kept per ExpertGetFrame, published here and at each status). */
    nmx__ctlpage_set_status(link->page, &s->status);
    pthread_mutex_unlock(&s->lock);
    rm.mem = link->page->mem;
    rm.live_bytes = rm.mem.live_bytes;
    rm.live_blocks = rm.mem.live_blocks;
    nmx__chan_send(link->chan, MSG_RETURNED, &rm, sizeof rm);
    nmx__session_set_current(NULL);
}

static void entry_exec(nmx_run_t *run, nmx_entry_t *e, nmx_link_t *link, bool watch)
{
    nmx_module_t m;
    DWORD sub = 0;
    char err[512];
    DWORD rc = nmx__module_load(e->path, &m, &sub, err, sizeof err);
    if (rc != NMERR_SUCCESS) {
        send_load_failed(link->chan, rc, sub, err);
        return;
    }
    msg_loaded_t lm;
    memset(&lm, 0, sizeof lm);
    memcpy(lm.name, m.info.szName, sizeof lm.name);
    lm.version = m.info.Version;
    lm.flags = m.info.Flags;
    link->flags = m.info.Flags;
    nmx__chan_send(link->chan, MSG_LOADED, &lm, sizeof lm);

    nmx_session_t *s = session_for(run, link);
    if (s == NULL) {
        send_load_failed(link->chan, NMERR_OUT_OF_MEMORY, EXPERTSUBSTATUS_ABORTED_THREAD_FAIL,
                         "cannot create the expert's session");
        nmx__module_unload(&m);
        return;
    }
    pthread_mutex_lock(&e->session_lock);
    e->session = s;
    pthread_mutex_unlock(&e->session_lock);
    PEXPERTCONFIG cfg = config_copy(s, e->config, e->config_len);
    watcher_t w = {.page = link->page, .session = s};
    pthread_t wt;
    pthread_attr_t wa;
    pthread_attr_init(&wa);
    pthread_attr_setstacksize(&wa, 64u << 10); /* counts against the data limit */
    bool watching = watch && pthread_create(&wt, &wa, watch_termination, &w) == 0;
    pthread_attr_destroy(&wa);

    call_run(&m, s, cfg, link);

    if (watching) {
        atomic_store(&w.stop, 1);
        pthread_join(wt, NULL);
    }
    pthread_mutex_lock(&e->session_lock);
    e->session = NULL;
    pthread_mutex_unlock(&e->session_lock);
    nmx__session_free(s);
    nmx__module_unload(&m);
    msg_done_t dm;
    dm.mem = link->page->mem;
    nmx__chan_send(link->chan, MSG_DONE, &dm, sizeof dm);
}

/* The link of an entry, over the control page at `page`. */
static void link_init(nmx_link_t *link, const nmx_run_t *run, const nmx_entry_t *e,
                      nmx_ctlpage_t *page, int chan)
{
    memset(link, 0, sizeof *link);
    link->page = page;
    link->chan = chan;
    link->log.ctr = &page->log;
    link->log.fd = e->logfd;
    link->log.data_off = NMX_CTLPAGE_SIZE;
    link->log.limit = run->event_limit;
}

/* In the expert's process, before its memory is limited: the heap's
 * address-space reservations. */
static void entry_prepare(void *arg)
{
    (void)arg;
    nmx__mem_init();
}

/* What the expert's process runs (process isolation). */
static void entry_process(void *arg, int chan)
{
    nmx_entry_t *e = arg;
    nmx_ctlpage_t *page = mmap(NULL, NMX_CTLPAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
                               e->logfd, 0);
    if (page == MAP_FAILED) {
        send_load_failed(chan, NMERR_OUT_OF_MEMORY, EXPERTSUBSTATUS_ABORTED_THREAD_FAIL,
                         "cannot map the expert's control page");
        return;
    }
    nmx_link_t link;
    link_init(&link, e->run, e, page, chan);
    /* The parser plug-ins run here, never in the host (runtime/parsers.c). */
    nmx__parsers_attach(&page->parser_running);
    entry_exec(e->run, e, &link, true);
    nmx__parsers_detach();
}

/* ---- run objects ----------------------------------------------------------- */

NMX_EXPORT const char *nmx_outcome_name(nmx_outcome_t outcome)
{
    static const char *const names[] = {"pending", "completed", "failed", "crashed", "timed_out",
                                        "terminated", "out_of_memory", "load_failed"};
    return (unsigned)outcome < sizeof names / sizeof names[0] ? names[outcome] : "unknown";
}

NMX_EXPORT nmx_run_t *nmx_run_new(nmx_host_t *host, nmx_capture_t *cap, const nmx_run_opts_t *opts,
                                  char *errbuf, size_t errlen)
{
    if (errlen > 0)
        errbuf[0] = '\0';
    if (host == NULL || cap == NULL) {
        snprintf(errbuf, errlen, "cannot create a run: no host or no capture");
        return NULL;
    }
    nmx_run_t *run = calloc(1, sizeof *run);
    if (run == NULL) {
        snprintf(errbuf, errlen, "cannot create a run: out of memory");
        return NULL;
    }
    run->host = host;
    run->pub = cap;
    if (opts != NULL)
        run->opts = *opts;
    if (run->opts.isolation == NMX_ISOLATION_NONE && nmx__parsers_count() > 0) {
        /* With isolation none the experts run in the host, and a parser
         * never does. */
        snprintf(errbuf, errlen, "parser plug-ins need process isolation: with --isolation none "
                 "they would run in the host process");
        free(run);
        return NULL;
    }
    if (run->opts.jobs == 0)
        run->opts.jobs = 1;
    if (!(run->opts.grace_s > 0))
        run->opts.grace_s = NMX_DEFAULT_GRACE_S;
    run->event_limit = run->opts.event_limit > 0 ? run->opts.event_limit
                       : run->opts.mem_limit > 0 ? run->opts.mem_limit
                                                 : NMX_DEFAULT_EVENT_LIMIT;
    run->capobj = nmx__capobj_new(cap);
    if (run->capobj == NULL) {
        snprintf(errbuf, errlen, "cannot create a run: out of memory");
        free(run);
        return NULL;
    }
    if (nmx__run_prepare_startup(run, errbuf, errlen) != 0) {
        nmx_run_free(run);
        return NULL;
    }
    return run;
}

/* Closes what an entry's start opened (its process must be gone). */
static void entry_release(nmx_entry_t *e)
{
    nmx__child_release(&e->child);
    if (e->chan_w >= 0)
        close(e->chan_w);
    e->chan_w = -1;
    if (e->page != NULL)
        munmap(e->page, NMX_CTLPAGE_SIZE);
    e->page = NULL;
    if (e->logfd >= 0)
        close(e->logfd);
    e->logfd = -1;
}

NMX_EXPORT void nmx_run_free(nmx_run_t *run)
{
    if (run == NULL)
        return;
    if (run->abandoned) {
        /* A thread of an expert that never came back may still use the run
         * (isolation none): leave it alone; the process is about to exit. */
        return;
    }
    for (size_t i = 0; i < run->n; i++) {
        nmx_entry_t *e = &run->entries[i];
        free(e->path);
        free(e->module);
        free(e->merge);
        free(e->config);
        free(e->event_storage);
        free(e->message);
        pthread_mutex_destroy(&e->session_lock);
        entry_release(e);
    }
    free(run->entries);
    nmx__run_release_startup(run);
    nmx__capobj_free(run->capobj);
    free(run);
}

NMX_EXPORT int nmx_run_add_expert(nmx_run_t *run, const char *which, const void *config,
                                  size_t config_len, char *errbuf, size_t errlen)
{
    if (errlen > 0)
        errbuf[0] = '\0';
    if (run == NULL || which == NULL) {
        snprintf(errbuf, errlen, "cannot add an expert: no run or no expert");
        return -1;
    }
    nmx_host_expert_t *he = nmx__host_find(run->host, which,
                                           run->opts.isolation == NMX_ISOLATION_PROCESS);
    if (he == NULL) {
        snprintf(errbuf, errlen, "no expert named '%s' (see 'nmexpert list'; a path must contain '/')",
                 which);
        return -1;
    }
    if (config_len > NMX_CONFIG_MAX) {
        snprintf(errbuf, errlen, "the configuration of '%s' is larger than %u bytes", which,
                 NMX_CONFIG_MAX);
        return -1;
    }
    nmx_entry_t *grown = realloc(run->entries, (run->n + 1) * sizeof *grown);
    if (grown == NULL) {
        snprintf(errbuf, errlen, "%s: cannot add it to the run: out of memory", which);
        return -1;
    }
    run->entries = grown;
    nmx_entry_t *e = &run->entries[run->n];
    memset(e, 0, sizeof *e);
    e->path = strdup(he->path);
    e->module = strdup(he->module);
    e->merge = he->merge != NULL ? strdup(he->merge) : NULL;
    e->logfd = -1;
    e->chan_w = -1;
    e->child.warden = -1;
    e->child.chan = e->child.report = -1;
    if (config != NULL) {
        e->config = malloc(config_len > 0 ? config_len : 1);
        if (e->config != NULL)
            memcpy(e->config, config, config_len);
        e->config_len = config_len;
    }
    if (e->path == NULL || e->module == NULL || (config != NULL && e->config == NULL) ||
        (he->merge != NULL && e->merge == NULL)) {
        free(e->path);
        free(e->module);
        free(e->merge);
        free(e->config);
        snprintf(errbuf, errlen, "%s: cannot add it to the run: out of memory", which);
        return -1;
    }
    pthread_mutex_init(&e->session_lock, NULL);
    e->result.module = e->module;
    e->result.name = e->module;
    e->result.path = e->path;
    e->result.message = "";
    e->result.frame = INVALID_FRAME_NUMBER;
    e->result.config = e->config;
    e->result.config_len = e->config_len;
    e->result.merge = e->merge;
    run->n++;
    return 0;
}

NMX_EXPORT void nmx_run_terminate(nmx_run_t *run)
{
    if (run != NULL)
        atomic_store(&run->interrupted, 1);
}

NMX_EXPORT int nmx_run_abandoned(const nmx_run_t *run)
{
    return run != NULL && run->abandoned;
}

NMX_EXPORT size_t nmx_run_result_count(const nmx_run_t *run)
{
    return run != NULL ? run->n : 0;
}

NMX_EXPORT const nmx_result_t *nmx_run_result(const nmx_run_t *run, size_t i)
{
    if (run == NULL || i >= run->n)
        return NULL;
    return &run->entries[i].result;
}

NMX_EXPORT const nmx_capture_t *nmx_run_capture(const nmx_run_t *run)
{
    return run != NULL ? run->pub : NULL;
}

NMX_EXPORT const nmx_run_opts_t *nmx_run_options(const nmx_run_t *run)
{
    return run != NULL ? &run->opts : NULL;
}

/* ---- the host side ------------------------------------------------------ */

static void *entry_thread(void *arg)
{
    nmx_entry_t *e = arg;
    nmx_link_t link;
    link_init(&link, e->run, e, e->page, e->chan_w);
    entry_exec(e->run, e, &link, false);
    nmx__eventlog_unmap(&link.log);
    atomic_store(&e->thread_done, 1);
    return NULL;
}

/* Creates the entry's event-log file and maps its control page for the
 * host (not inherited by any later child). */
static bool entry_open_log(nmx_run_t *run, nmx_entry_t *e)
{
    (void)run;
    e->logfd = nmx__eventlog_file(NMX_CTLPAGE_SIZE);
    if (e->logfd < 0)
        return false;
    void *p = mmap(NULL, NMX_CTLPAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, e->logfd, 0);
    if (p == MAP_FAILED)
        return false;
    madvise(p, NMX_CTLPAGE_SIZE, MADV_DONTFORK);
    e->page = p;
    /* No frame delivered yet (EXPERTSTATUS.Frame). */
    EXPERTSTATUS st;
    memset(&st, 0, sizeof st);
    st.Frame = INVALID_FRAME_NUMBER;
    nmx__ctlpage_set_status(e->page, &st);
    return true;
}

/* Starts an entry; false when no process or thread could be started. */
static bool entry_start(nmx_run_t *run, nmx_entry_t *e)
{
    e->run = run;
    e->t_start = nmx__now_s();
    e->state = NMX_ENTRY_RUNNING;
    if (!entry_open_log(run, e)) {
        e->start_errno = errno;
        return false;
    }
    if (run->opts.isolation == NMX_ISOLATION_NONE) {
        int p[2];
        if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) {
            e->start_errno = errno;
            return false;
        }
        /* The thread's writes block when the pipe is full; only the
         * host's end is non-blocking. */
        fcntl(p[1], F_SETFL, 0);
        nmx__child_attach(&e->child, p[0], NMX_ENTRY_CHAN_MAX);
        e->chan_w = p[1];
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 8u << 20);
        int rc = pthread_create(&e->thread, &attr, entry_thread, e);
        pthread_attr_destroy(&attr);
        if (rc != 0) {
            e->start_errno = rc;
            return false;
        }
        return true;
    }
    int keep[1] = {e->logfd};
    nmx_spawn_t sp = {
        .fn = entry_process,
        .arg = e,
        .prepare = entry_prepare,
        .keep_fds = keep,
        .nkeep = 1,
        .mem_limit = run->opts.mem_limit > 0 ? run->opts.mem_limit + NMX_RUNTIME_HEADROOM : 0,
        .chan_max = NMX_ENTRY_CHAN_MAX,
    };
    if (nmx__child_spawn(&e->child, &sp) != 0) {
        e->start_errno = errno;
        return false;
    }
    return true;
}

/* Asks a running entry to stop (sets the control page's flag; none mode
 * also tells the session directly). */
static void entry_request_termination(nmx_entry_t *e, double now)
{
    if (e->term_requested)
        return;
    e->term_requested = true;
    e->t_term = now;
    atomic_store(&e->page->terminate, 1);
    pthread_mutex_lock(&e->session_lock);
    if (e->session != NULL)
        nmx__session_terminate(e->session);
    pthread_mutex_unlock(&e->session_lock);
}

/* Takes one message of the entry's channel; false when it is not valid
 * where it comes (wrong size, out of order). */
static bool entry_message(nmx_entry_t *e, uint32_t type, const uint8_t *p, uint32_t len)
{
    switch (type) {
    case MSG_LOADED: {
        msg_loaded_t m;
        if (len != sizeof m || e->phase != NMX_PHASE_NEW)
            return false;
        memcpy(&m, p, sizeof m);
        m.name[sizeof m.name - 1] = '\0';
        nmx__strlcpy(e->name, m.name, sizeof e->name);
        e->version = m.version;
        e->flags = m.flags;
        e->phase = NMX_PHASE_LOADED;
        return true;
    }
    case MSG_LOAD_FAILED: {
        msg_load_failed_t m;
        if (len != sizeof m || (e->phase != NMX_PHASE_NEW && e->phase != NMX_PHASE_LOADED))
            return false;
        memcpy(&m, p, sizeof m);
        m.text[sizeof m.text - 1] = '\0';
        e->load_code = m.code;
        e->load_substatus = m.substatus;
        nmx__strlcpy(e->load_error, m.text, sizeof e->load_error);
        e->phase = NMX_PHASE_LOAD_FAILED;
        return true;
    }
    case MSG_RUNNING:
        if (len != 0 || e->phase != NMX_PHASE_LOADED)
            return false;
        e->phase = NMX_PHASE_RUNNING;
        return true;
    case MSG_RETURNED: {
        msg_returned_t m;
        if (len != sizeof m || e->phase != NMX_PHASE_RUNNING)
            return false;
        memcpy(&m, p, sizeof m);
        nmx__status_sanitise(&m.status);
        e->run_result = m.result;
        e->final_status = m.status;
        e->live_bytes_at_end = m.live_bytes;
        e->live_blocks_at_end = m.live_blocks;
        e->mem = m.mem;
        e->phase = NMX_PHASE_RETURNED;
        return true;
    }
    case MSG_DONE: {
        msg_done_t m;
        if (len != sizeof m || e->phase != NMX_PHASE_RETURNED)
            return false;
        memcpy(&m, p, sizeof m);
        e->mem = m.mem;
        e->phase = NMX_PHASE_DONE;
        return true;
    }
    default:
        return false;
    }
}

static void entry_read_messages(nmx_entry_t *e)
{
    uint32_t type, len;
    const uint8_t *p;
    while (!e->protocol_error && nmx__child_next(&e->child, &type, &p, &len))
        if (!entry_message(e, type, p, len))
            e->protocol_error = true;
    if (e->child.chan_broken)
        e->protocol_error = true;
}

/* Has the entry finished (its thread, or every process it had)? */
static bool entry_poll(nmx_run_t *run, nmx_entry_t *e)
{
    if (run->opts.isolation == NMX_ISOLATION_NONE) {
        bool done = atomic_load(&e->thread_done) != 0;
        nmx__child_read(&e->child);
        entry_read_messages(e);
        if (!done)
            return false;
        pthread_join(e->thread, NULL);
        nmx__child_read(&e->child);
        entry_read_messages(e);
        return true;
    }
    bool done = nmx__child_poll(&e->child);
    entry_read_messages(e);
    return done;
}

static void set_message(nmx_entry_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_message(nmx_entry_t *e, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    free(e->message);
    e->message = strdup(buf);
    e->result.message = e->message != NULL ? e->message : "";
}

static void set_outcome(nmx_result_t *r, nmx_outcome_t outcome, uint32_t status, uint32_t substatus)
{
    r->outcome = outcome;
    r->status = status;
    r->substatus = substatus;
}

/* How the expert's process ended, in words ("signal 11 (Segmentation
 * fault)", "exit status 3"). */
static void describe_end(int status, char *buf, size_t n)
{
    if (WIFSIGNALED(status))
        snprintf(buf, n, "signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status))
        snprintf(buf, n, "exit status %d", WEXITSTATUS(status));
    else
        snprintf(buf, n, "wait status %#x", (unsigned)status);
}

/*
 * Turns what was observed about a finished entry into its result (1.8).
 * Only what the host saw for itself or checked decides: the phase its
 * channel reached (messages in order), how the expert's process ended (from
 * its reaper), and the host's own timers.
 */
/* The outcome, status and message of an expert that ended: killed, broke
 * its channel, failed to load, died in Run or its clean-up, stopped when
 * asked, or returned TRUE or FALSE.  `how` says how its process ended. */
static void decide_outcome(const nmx_run_t *run, nmx_entry_t *e, bool seen, int status, bool clean, const char *how)
{
    nmx_result_t *r = &e->result;
    const char *why_term = e->timed_out ? "time limit reached" : "interrupted";

    if (e->killed) {
        set_outcome(r, e->timed_out ? NMX_OUTCOME_TIMED_OUT : NMX_OUTCOME_TERMINATED,
                    EXPERTSTATUS_ABORTED, EXPERTSUBSTATUS_ABORTED_USER);
        set_message(e, "%s; did not return within %.1f s of the termination request, killed",
                    why_term, run->opts.grace_s);
    } else if (e->protocol_error) {
        set_outcome(r, NMX_OUTCOME_CRASHED, EXPERTSTATUS_PROBLEM, NMERR_INTERNAL_EXCEPTION);
        set_message(e, "the expert wrote into its control channel (a malformed or out-of-order "
                       "message); its process ended with %s",
                    how);
    } else if (e->phase == NMX_PHASE_LOAD_FAILED) {
        set_outcome(r, NMX_OUTCOME_LOAD_FAILED, EXPERTSTATUS_ABORTED, e->load_substatus);
        r->percent_done = 0;
        set_message(e, "%s", e->load_error);
    } else if (e->phase < NMX_PHASE_RUNNING) {
        set_outcome(r, NMX_OUTCOME_LOAD_FAILED, EXPERTSTATUS_ABORTED,
                    EXPERTSUBSTATUS_ABORTED_LOAD_FAIL);
        r->percent_done = 0;
        if (seen && WIFSIGNALED(status))
            set_message(e, "crashed while loading (%s)", how);
        else
            set_message(e, "ended its process while loading (%s)", how);
    } else if (e->phase < NMX_PHASE_RETURNED) {
        set_outcome(r, NMX_OUTCOME_CRASHED, EXPERTSTATUS_PROBLEM, NMERR_INTERNAL_EXCEPTION);
        if (seen && WIFSIGNALED(status))
            set_message(e, "%s", how); /* the outcome already says "crashed" */
        else if (seen)
            set_message(e, "the expert ended its process (%s) inside Run", how);
        else
            set_message(e, "the expert's process disappeared");
    } else if (e->phase < NMX_PHASE_DONE || !clean) {
        /* Run returned, but the process did not end as the runtime ends it:
         * a crash in the clean-up (DllMain, destructors) or an expert that
         * claimed more than it did.  Its events are kept. */
        set_outcome(r, NMX_OUTCOME_CRASHED, EXPERTSTATUS_PROBLEM, NMERR_INTERNAL_EXCEPTION);
        set_message(e, "ended with %s during clean-up, after its channel said Run returned %s "
                       "(its events are kept)",
                    how, e->run_result ? "TRUE" : "FALSE");
    } else if (e->term_requested) {
        /* Run returned after a termination request: its value is ignored (1.6). */
        set_outcome(r, NMX_OUTCOME_TERMINATED, EXPERTSTATUS_ABORTED, EXPERTSUBSTATUS_ABORTED_USER);
        set_message(e, "%s; the expert stopped when asked", why_term);
    } else if (e->run_result != 0) {
        set_outcome(r, NMX_OUTCOME_COMPLETED, EXPERTSTATUS_DONE, 0);
        r->percent_done = 100;
        set_message(e, "%s", e->final_status.szStatusText);
    } else {
        const EXPERTSTATUS *fs = &e->final_status;
        bool oom = e->mem.failed != 0;
        set_outcome(r, oom ? NMX_OUTCOME_OUT_OF_MEMORY : NMX_OUTCOME_FAILED, EXPERTSTATUS_PROBLEM,
                    fs->Status == EXPERTSTATUS_PROBLEM ? fs->SubStatus : 0);
        if (fs->szStatusText[0] != '\0')
            set_message(e, "%s", fs->szStatusText);
        else if (oom)
            set_message(e, "out of memory (limit %llu bytes)",
                        (unsigned long long)run->opts.mem_limit);
        else
            set_message(e, "Run returned FALSE");
    }
}

/* The memory figures of the result: from the last message that carried
 * them, else (a process that died in Run) from the control page
 * (page_mem); a dead process's heap was reclaimed by its end. */
static void memory_figures(const nmx_run_t *run, nmx_entry_t *e, const nmx_mem_stats_t *page_mem)
{
    nmx_mem_stats_t mem = e->phase >= NMX_PHASE_RETURNED ? e->mem : *page_mem;
    nmx_mem_figures_t *mf = &e->result.memory;
    mf->allocations = mem.allocations;
    mf->frees = mem.frees;
    mf->peak_bytes = mem.peak_bytes;
    mf->limit_bytes = run->opts.mem_limit;
    mf->live_bytes_at_end = e->phase >= NMX_PHASE_RETURNED ? e->live_bytes_at_end : mem.live_bytes;
    if (e->phase == NMX_PHASE_DONE) {
        mf->reclaimed_bytes = mem.reclaimed_bytes;
        mf->reclaimed_blocks = mem.reclaimed_blocks;
    } else {
        mf->reclaimed_bytes = mem.live_bytes;
        mf->reclaimed_blocks = mem.live_blocks;
    }
}

static void entry_conclude(nmx_run_t *run, nmx_entry_t *e, double now)
{
    nmx_result_t *r = &e->result;
    /* The page's figures and the events, read under the host's bounds,
     * once nothing of the expert can write them any more (none mode: the
     * thread is done, or abandoned and only ever appends). */
    nmx_ctl_figures_t fig;
    if (nmx__ctlpage_collect(e->page, e->logfd, run->event_limit, &fig) == 0) {
        r->events = fig.events;
        r->nevents = fig.nevents;
        e->event_storage = fig.storage;
    }
    const EXPERTSTATUS st = fig.status;
    r->elapsed_ms = (uint64_t)((now - e->t_start) * 1000.0 + 0.5);
    if (e->name[0] != '\0')
        r->name = e->name;
    r->version = e->version;
    r->register_flags = e->flags;
    r->percent_done = st.PercentDone;
    r->frame = st.Frame;
    uint32_t nframes = nmx__cap_count(run->capobj->cap);
    r->frames_read = fig.frames_read < nframes ? fig.frames_read : nframes;

    bool process = run->opts.isolation == NMX_ISOLATION_PROCESS;
    /* A clean end: the process exited with status 0 (the runtime's own
     * _exit after DONE); a thread always ends cleanly. */
    bool seen = !process || e->child.have_status;
    int status = process ? e->child.status : 0;
    bool clean = !process || (seen && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char how[96] = "no report of its end";
    if (process && seen)
        describe_end(status, how, sizeof how);
    decide_outcome(run, e, seen, status, clean, how);
    int32_t parser = atomic_load(&e->page->parser_running);
    if (process && parser > 0 && r->outcome != NMX_OUTCOME_COMPLETED)
        set_message(e, "%s (in parser %s)", r->message, nmx__parsers_path(parser - 1));

    memory_figures(run, e, &fig.mem);
    r->peak_rss_bytes = process && seen && e->child.maxrss_kb > 0
                            ? (uint64_t)e->child.maxrss_kb * 1024u : 0;

    r->events_dropped = fig.dropped;
    r->events_over_limit = fig.log_full ? fig.over_limit : 0;
    r->event_limit_bytes = run->event_limit;
    if (r->events_over_limit > 0)
        set_message(e, "%s%s%llu event%s not recorded: the event log reached its limit of %llu bytes "
                       "(raise it with --event-limit)",
                    r->message, r->message[0] != '\0' ? "; " : "",
                    (unsigned long long)r->events_over_limit, r->events_over_limit == 1 ? "" : "s",
                    (unsigned long long)run->event_limit);
    r->containment = process ? nmx__containment_name(e->child.containment) : "none";
    e->state = NMX_ENTRY_FINISHED;
    if (process || !run->abandoned)
        entry_release(e);
}

/* Entries of the same module never run at the same time (spec 1.4). */
static bool module_busy(const nmx_run_t *run, const nmx_entry_t *e)
{
    for (size_t i = 0; i < run->n; i++) {
        const nmx_entry_t *o = &run->entries[i];
        if (o != e && o->state == NMX_ENTRY_RUNNING && strcmp(o->path, e->path) == 0)
            return true;
    }
    return false;
}

/*
 * Running entries that hold one of the `jobs` slots: those whose frames read
 * or status moved within NMX_STALL_S.  A stuck expert (one that never
 * returns from Run, holding a frame) or an idle one lends its slot to the
 * next waiting expert, so it delays nobody's results; it still runs until
 * it ends, its --timeout or Ctrl-C.  The figures come from the expert's
 * control page, which it can write: lying only changes when the run's other
 * experts start.
 */
#define NMX_STALL_S 2.0
static size_t busy_slots(nmx_run_t *run, double now)
{
    size_t busy = 0;
    for (size_t i = 0; i < run->n; i++) {
        nmx_entry_t *e = &run->entries[i];
        if (e->state != NMX_ENTRY_RUNNING || e->page == NULL)
            continue;
        uint64_t fr = atomic_load(&e->page->frames_read);
        EXPERTSTATUS st;
        nmx__ctlpage_get_status(e->page, &st);
        if (e->moved_at == 0 || fr != e->moved_frames || memcmp(&st, &e->moved_status, sizeof st) != 0) {
            e->moved_at = now;
            e->moved_frames = fr;
            e->moved_status = st;
        }
        if (now - e->moved_at < NMX_STALL_S)
            busy++;
    }
    return busy;
}

/* Starts waiting entries while there is a free slot, counting those that
 * start and those that end at once. */
static void start_entries(nmx_run_t *run, size_t *running, size_t *finished, bool interrupted)
{
    size_t busy = busy_slots(run, nmx__now_s());
    for (size_t i = 0; i < run->n && busy < run->opts.jobs; i++) {
        nmx_entry_t *e = &run->entries[i];
        if (e->state != NMX_ENTRY_WAITING)
            continue;
        if (interrupted) {
            e->state = NMX_ENTRY_FINISHED;
            set_outcome(&e->result, NMX_OUTCOME_TERMINATED, EXPERTSTATUS_ABORTED,
                        EXPERTSUBSTATUS_ABORTED_USER);
            set_message(e, "interrupted before it started");
            (*finished)++;
            continue;
        }
        if (module_busy(run, e))
            continue;
        if (!entry_start(run, e)) {
            e->state = NMX_ENTRY_FINISHED;
            set_outcome(&e->result, NMX_OUTCOME_LOAD_FAILED, EXPERTSTATUS_ABORTED,
                        EXPERTSUBSTATUS_ABORTED_THREAD_FAIL);
            set_message(e, "cannot start the expert's %s: %s",
                        run->opts.isolation == NMX_ISOLATION_NONE ? "thread" : "process",
                        strerror(e->start_errno));
            if (run->opts.isolation == NMX_ISOLATION_PROCESS)
                entry_release(e);
            (*finished)++;
            continue;
        }
        (*running)++;
        busy++;
    }
}

/* Time limits and termination for one running entry. */
static void supervise_entry(nmx_run_t *run, nmx_entry_t *e, double now, bool interrupted,
                            size_t *running, size_t *finished)
{
    if (interrupted)
        entry_request_termination(e, now);
    if (run->opts.timeout_s > 0 && !e->term_requested && now - e->t_start >= run->opts.timeout_s) {
        e->timed_out = true;
        entry_request_termination(e, now);
    }
    if (!e->term_requested || now - e->t_term < run->opts.grace_s)
        return;
    if (run->opts.isolation == NMX_ISOLATION_PROCESS) {
        e->killed = true;
        nmx__child_stop(&e->child); /* the warden ends everything; escalates if need be */
        return;
    }
    /* A thread cannot be killed: give up on it. */
    e->killed = true;
    pthread_detach(e->thread);
    run->abandoned = true;
    atomic_store(&e->thread_done, 1);
    entry_conclude(run, e, now);
    (*running)--;
    (*finished)++;
}

static void report_progress(nmx_run_t *run)
{
    uint32_t nframes = nmx__cap_count(run->capobj->cap);
    double now = nmx__now_s();
    for (size_t i = 0; i < run->n; i++) {
        nmx_entry_t *e = &run->entries[i];
        if (e->state != NMX_ENTRY_RUNNING)
            continue;
        EXPERTSTATUS st;
        nmx__ctlpage_get_status(e->page, &st);
        e->result.percent_done = st.PercentDone;
        e->result.status = st.Status;
        /* Live figures for the bars (frames/s, ETA): the expert side can
         * write the page, so its count is bounded by the capture. */
        uint64_t fr = atomic_load(&e->page->frames_read);
        e->result.frames_read = fr < nframes ? fr : nframes;
        e->result.elapsed_ms = (uint64_t)((now - e->t_start) * 1000.0 + 0.5);
        e->result.idle_ms = e->moved_at > 0 && now > e->moved_at ? (uint64_t)((now - e->moved_at) * 1000.0) : 0;
    }
    run->opts.progress(run->opts.progress_ctx, run);
}

NMX_EXPORT size_t nmx_run_execute(nmx_run_t *run)
{
    if (run == NULL)
        return 0;
    double last_progress = 0;
    size_t finished = 0, running = 0;
    for (size_t i = 0; i < run->n; i++)
        if (run->entries[i].state == NMX_ENTRY_FINISHED)
            finished++;
    int guard = nmx__host_guard_begin();
    nmx_orphans_t orphans;
    bool threads = run->opts.isolation == NMX_ISOLATION_NONE;
    if (threads)
        nmx__orphans_begin(&orphans);

    while (finished < run->n) {
        double now = nmx__now_s();
        bool interrupted = atomic_load(&run->interrupted) != 0;
        start_entries(run, &running, &finished, interrupted);
        for (size_t i = 0; i < run->n; i++) {
            nmx_entry_t *e = &run->entries[i];
            if (e->state != NMX_ENTRY_RUNNING)
                continue;
            if (entry_poll(run, e)) {
                entry_conclude(run, e, nmx__now_s());
                running--;
                finished++;
                continue;
            }
            supervise_entry(run, e, now, interrupted, &running, &finished);
        }
        if (run->opts.progress != NULL && now - last_progress >= NMX_PROGRESS_NS / 1e9) {
            last_progress = now;
            report_progress(run);
        }
        if (finished < run->n) {
            struct timespec ts = {0, NMX_POLL_NS};
            nanosleep(&ts, NULL);
        }
    }
    if (run->opts.progress != NULL)
        run->opts.progress(run->opts.progress_ctx, run);
    /* Every process an in-process expert started ends with the run. */
    if (threads)
        nmx__orphans_end(&orphans);
    nmx__host_guard_end(guard);
    /* In-process sessions left their segments in the heap's cache: give
     * that memory back now that no expert runs. */
    if (threads && !run->abandoned)
        nmx__mem_trim(0);
    size_t completed = 0;
    for (size_t i = 0; i < run->n; i++)
        if (run->entries[i].result.outcome == NMX_OUTCOME_COMPLETED)
            completed++;
    return completed;
}
