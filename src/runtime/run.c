/*
 * run.c - running experts over a capture: isolation, parallelism, time
 * limits, termination and outcomes (spec 1.3-1.8, issue "runtime").
 *
 * Each expert of a run is an *entry*.  Its code executes either in a child
 * process forked after the capture is open (NMX_ISOLATION_PROCESS, the
 * default: the capture mapping is shared read-only and a crash kills only
 * the child) or on a thread of this process (NMX_ISOLATION_NONE).  Either way
 * the expert side (entry_exec) reports through a shared region: phase,
 * Register's answer, status, memory statistics and the event log.  The host
 * side (nmx_run_execute) starts entries up to `jobs` at a time, enforces
 * timeouts (termination request, then SIGKILL after the grace period),
 * handles Ctrl-C (nmx_run_terminate) and turns what it observed into an
 * outcome and the final status of spec 1.8.
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
#include "runtime/run_internal.h"
#include "runtime/runtime.h"

/* Room for events per expert: virtual address space only, touched on use. */
#define NMX_EVENTLOG_CAPACITY (256ull << 20)
#define NMX_DEFAULT_GRACE_S 10.0
#define NMX_POLL_NS (5 * 1000 * 1000)
#define NMX_PROGRESS_NS (100 * 1000 * 1000)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- shared regions ------------------------------------------------------ */

nmx_shared_t *nmx_shared_new(uint64_t log_capacity)
{
    size_t head = (sizeof(nmx_shared_t) + 63) & ~(size_t)63;
    size_t total = head + sizeof(nmx_eventlog_t) + (size_t)log_capacity;
    void *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    nmx_shared_t *sh = p;
    sh->log_offset = head;
    nmx_eventlog_t *log = nmx_shared_log(sh);
    log->capacity = log_capacity;
    return sh;
}

nmx_eventlog_t *nmx_shared_log(nmx_shared_t *sh)
{
    return (nmx_eventlog_t *)((uint8_t *)sh + sh->log_offset);
}

void nmx_shared_free(nmx_shared_t *sh)
{
    if (sh == NULL)
        return;
    nmx_eventlog_t *log = nmx_shared_log(sh);
    munmap(sh, sh->log_offset + sizeof(nmx_eventlog_t) + log->capacity);
}

void nmx_shared_set_status(nmx_shared_t *sh, const EXPERTSTATUS *st)
{
    uint32_t seq = atomic_load_explicit(&sh->status_seq, memory_order_relaxed);
    atomic_store_explicit(&sh->status_seq, seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    memcpy(&sh->status, st, sizeof *st);
    atomic_store_explicit(&sh->status_seq, seq + 2, memory_order_release);
}

void nmx_shared_get_status(const nmx_shared_t *sh, EXPERTSTATUS *st)
{
    /* A writer that died mid-update leaves an odd sequence: take the copy
     * anyway after a few tries; the host only displays it. */
    for (int tries = 0; tries < 100; tries++) {
        uint32_t a = atomic_load_explicit(&sh->status_seq, memory_order_acquire);
        memcpy(st, &sh->status, sizeof *st);
        atomic_thread_fence(memory_order_acquire);
        uint32_t b = atomic_load_explicit(&sh->status_seq, memory_order_relaxed);
        if (a == b && (a & 1) == 0)
            break;
    }
    st->szStatusText[EXPERTSTRINGLENGTH - 1] = '\0';
}

/* ---- the expert side --------------------------------------------------- */

typedef struct watcher {
    nmx_shared_t *sh;
    nmx_session_t *session;
    _Atomic int stop;
} watcher_t;

/* Propagates a host termination request to the session heap, so that even
 * an expert that only allocates sees NMERR_EXPERT_TERMINATE. */
static void *watch_termination(void *arg)
{
    watcher_t *w = arg;
    while (!atomic_load(&w->stop)) {
        if (atomic_load(&w->sh->terminate)) {
            nmx_session_terminate(w->session);
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
    PEXPERTCONFIG cfg = ExpertAllocMemory(nmx_session_key(s), sizeof(DWORD) + len, &err);
    if (cfg == NULL)
        return NULL;
    cfg->RawConfigLength = (DWORD)(sizeof(DWORD) + len);
    memcpy(cfg->RawConfigData, data, len);
    return cfg;
}

/*
 * Loads the entry's module, runs it in a fresh session and tears both down,
 * reporting everything through the entry's shared region.  Runs in the child
 * process (process isolation) or on a worker thread (none).
 */
void nmx_entry_exec(nmx_run_t *run, nmx_entry_t *e, bool watch)
{
    nmx_shared_t *sh = e->sh;
    atomic_store(&sh->phase, NMX_PHASE_LOADING);
    nmx_module_t m;
    DWORD sub = 0;
    DWORD rc = nmx_module_load(e->path, &m, &sub, sh->load_error, sizeof sh->load_error);
    if (rc != NMERR_SUCCESS) {
        sh->load_error_code = rc;
        sh->load_substatus = sub;
        atomic_store(&sh->phase, NMX_PHASE_LOAD_FAILED);
        return;
    }
    memcpy(sh->name, m.info.szName, sizeof sh->name);
    sh->version = m.info.Version;
    sh->flags = m.info.Flags;

    nmx_session_opts_t so;
    memset(&so, 0, sizeof so);
    so.capture = run->capobj;
    so.shared = sh;
    so.mem_limit = run->opts.mem_limit;
    so.debug_heap = run->opts.debug_heap != 0;
    so.ui_filter = run->ui_filter;
    so.startup = run->startup;
    so.startup_flags = run->startup_flags;
    /* A child process has page tables of its own: it can drop what it has
     * walked past.  Threads share them, and one expert's release would
     * make the next one fault the pages in again. */
    so.release_behind = run->opts.isolation == NMX_ISOLATION_PROCESS;
    nmx_session_t *s = nmx_session_new(&so);
    if (s == NULL) {
        snprintf(sh->load_error, sizeof sh->load_error, "cannot create the expert's session");
        sh->load_error_code = NMERR_OUT_OF_MEMORY;
        sh->load_substatus = EXPERTSUBSTATUS_ABORTED_THREAD_FAIL;
        atomic_store(&sh->phase, NMX_PHASE_LOAD_FAILED);
        nmx_module_unload(&m);
        return;
    }
    e->session = s;
    PEXPERTCONFIG cfg = config_copy(s, e->config, e->config_len);
    watcher_t w = {.sh = sh, .session = s};
    pthread_t wt;
    bool watching = watch && pthread_create(&wt, NULL, watch_termination, &w) == 0;

    nmx_session_set_current(s);
    atomic_store(&sh->phase, NMX_PHASE_RUNNING);
    EXPERTSTARTUPINFO startup = s->startup;
    BOOL ok = m.run(nmx_session_key(s), cfg, &startup, s->startup_flags, NULL);
    sh->run_result = ok;
    sh->live_bytes_at_end = sh->mem.live_bytes;
    sh->live_blocks_at_end = sh->mem.live_blocks;
    atomic_store(&sh->phase, NMX_PHASE_RETURNED);
    nmx_session_set_current(NULL);

    if (watching) {
        atomic_store(&w.stop, 1);
        pthread_join(wt, NULL);
    }
    pthread_mutex_lock(&e->session_lock);
    e->session = NULL;
    pthread_mutex_unlock(&e->session_lock);
    nmx_session_free(s);
    nmx_module_unload(&m);
    atomic_store(&sh->phase, NMX_PHASE_DONE);
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
        snprintf(errbuf, errlen, "no host or no capture");
        return NULL;
    }
    nmx_run_t *run = calloc(1, sizeof *run);
    if (run == NULL) {
        snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }
    run->host = host;
    run->pub = cap;
    if (opts != NULL)
        run->opts = *opts;
    if (run->opts.jobs == 0)
        run->opts.jobs = 1;
    if (!(run->opts.grace_s > 0))
        run->opts.grace_s = NMX_DEFAULT_GRACE_S;
    run->capobj = nmx_capobj_new(cap);
    if (run->capobj == NULL) {
        snprintf(errbuf, errlen, "out of memory");
        free(run);
        return NULL;
    }
    if (nmx_run_prepare_startup(run, errbuf, errlen) != 0) {
        nmx_run_free(run);
        return NULL;
    }
    return run;
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
        free(e->config);
        free(e->event_storage);
        free(e->message);
        pthread_mutex_destroy(&e->session_lock);
        nmx_shared_free(e->sh);
    }
    free(run->entries);
    nmx_run_release_startup(run);
    nmx_capobj_free(run->capobj);
    free(run);
}

NMX_EXPORT int nmx_run_add_expert(nmx_run_t *run, const char *which, const void *config,
                                  size_t config_len, char *errbuf, size_t errlen)
{
    if (errlen > 0)
        errbuf[0] = '\0';
    if (run == NULL || which == NULL) {
        snprintf(errbuf, errlen, "no run or no expert");
        return -1;
    }
    nmx_host_expert_t *he = nmx_host_find(run->host, which,
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
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }
    run->entries = grown;
    nmx_entry_t *e = &run->entries[run->n];
    memset(e, 0, sizeof *e);
    e->path = strdup(he->path);
    e->module = strdup(he->module);
    e->sh = nmx_shared_new(NMX_EVENTLOG_CAPACITY);
    if (config != NULL) {
        e->config = malloc(config_len > 0 ? config_len : 1);
        if (e->config != NULL)
            memcpy(e->config, config, config_len);
        e->config_len = config_len;
    }
    if (e->path == NULL || e->module == NULL || e->sh == NULL || (config != NULL && e->config == NULL)) {
        free(e->path);
        free(e->module);
        free(e->config);
        nmx_shared_free(e->sh);
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }
    pthread_mutex_init(&e->session_lock, NULL);
    e->result.module = e->module;
    e->result.name = e->module;
    e->result.message = "";
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

/* ---- the host side ------------------------------------------------------ */

void nmx_child_setup(void)
{
    /* Die with the host. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* Whatever the host installed (a test harness's crash handlers, say)
     * must not run in the expert's process: a crash has to end it. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &dfl, NULL);
    signal(SIGINT, SIG_IGN); /* Ctrl-C is for the host, which terminates politely */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Nothing to read, and the host's stdout (the report) stays clean. */
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        close(devnull);
    }
    dup2(STDERR_FILENO, STDOUT_FILENO);
}

int nmx_call_isolated(void (*fn)(void *), void *arg, double timeout_s, int *status)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return NMX_CHILD_NO_PROCESS;
    if (pid == 0) {
        nmx_child_setup();
        fn(arg);
        _exit(0);
    }
    double start = now_s();
    for (;;) {
        pid_t w = waitpid(pid, status, WNOHANG);
        if (w == pid)
            return NMX_CHILD_EXITED;
        if (w < 0 && errno != EINTR) {
            *status = -1;
            return NMX_CHILD_EXITED;
        }
        if (now_s() - start >= timeout_s) {
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
            return NMX_CHILD_TIMED_OUT;
        }
        struct timespec ms = {0, 5 * 1000 * 1000};
        nanosleep(&ms, NULL);
    }
}

static void *entry_thread(void *arg)
{
    nmx_entry_t *e = arg;
    nmx_entry_exec(e->run, e, false);
    atomic_store(&e->thread_done, 1);
    return NULL;
}

/* Starts an entry; false when no process or thread could be started. */
static bool entry_start(nmx_run_t *run, nmx_entry_t *e)
{
    e->run = run;
    e->t_start = now_s();
    e->state = NMX_ENTRY_RUNNING;
    if (run->opts.isolation == NMX_ISOLATION_NONE) {
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
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        e->start_errno = errno;
        return false;
    }
    if (pid == 0) {
        nmx_child_setup();
        nmx_entry_exec(run, e, true);
        _exit(0);
    }
    e->pid = pid;
    return true;
}

/* Asks a running entry to stop (sets the shared flag; none mode also tells
 * the session directly). */
static void entry_request_termination(nmx_entry_t *e, double now)
{
    if (e->term_requested)
        return;
    e->term_requested = true;
    e->t_term = now;
    atomic_store(&e->sh->terminate, 1);
    pthread_mutex_lock(&e->session_lock);
    if (e->session != NULL)
        nmx_session_terminate(e->session);
    pthread_mutex_unlock(&e->session_lock);
}

/* Has the entry finished?  Reaps the child or joins the thread. */
static bool entry_poll(nmx_run_t *run, nmx_entry_t *e)
{
    if (run->opts.isolation == NMX_ISOLATION_NONE) {
        if (!atomic_load(&e->thread_done))
            return false;
        pthread_join(e->thread, NULL);
        return true;
    }
    int status;
    pid_t w = waitpid(e->pid, &status, WNOHANG);
    if (w == e->pid) {
        e->wait_status = status;
        return true;
    }
    if (w < 0 && errno != EINTR) {
        e->wait_status = -1;
        return true;
    }
    return false;
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

/* Turns what was observed about a finished entry into its result (1.8). */
static void entry_conclude(nmx_run_t *run, nmx_entry_t *e, double now)
{
    nmx_shared_t *sh = e->sh;
    nmx_result_t *r = &e->result;
    uint32_t phase = atomic_load(&sh->phase);
    EXPERTSTATUS st;
    nmx_shared_get_status(sh, &st);
    r->elapsed_ms = (uint64_t)((now - e->t_start) * 1000.0 + 0.5);
    if (sh->name[0] != '\0') {
        sh->name[EXPERTSTRINGLENGTH - 1] = '\0';
        nmx_strlcpy(e->name, sh->name, sizeof e->name);
        r->name = e->name;
    }
    r->version = sh->version;
    r->percent_done = st.PercentDone;

    bool signaled = run->opts.isolation == NMX_ISOLATION_PROCESS && e->wait_status != -1 &&
                    WIFSIGNALED(e->wait_status);
    bool exited_early = run->opts.isolation == NMX_ISOLATION_PROCESS && e->wait_status != -1 &&
                        WIFEXITED(e->wait_status) && phase < NMX_PHASE_RETURNED &&
                        phase != NMX_PHASE_LOAD_FAILED;
    const char *why_term = e->timed_out ? "time limit reached" : "interrupted";

    if (phase == NMX_PHASE_LOAD_FAILED) {
        r->outcome = NMX_OUTCOME_LOAD_FAILED;
        r->status = EXPERTSTATUS_ABORTED;
        r->substatus = sh->load_substatus;
        r->percent_done = 0;
        sh->load_error[sizeof sh->load_error - 1] = '\0';
        set_message(e, "%s", sh->load_error);
    } else if (phase < NMX_PHASE_RUNNING && (signaled || exited_early)) {
        r->outcome = NMX_OUTCOME_LOAD_FAILED;
        r->status = EXPERTSTATUS_ABORTED;
        r->substatus = EXPERTSUBSTATUS_ABORTED_LOAD_FAIL;
        r->percent_done = 0;
        if (signaled)
            set_message(e, "crashed while loading (signal %d, %s)", WTERMSIG(e->wait_status),
                        strsignal(WTERMSIG(e->wait_status)));
        else
            set_message(e, "exited with status %d while loading", WEXITSTATUS(e->wait_status));
    } else if (e->killed) {
        r->outcome = e->timed_out ? NMX_OUTCOME_TIMED_OUT : NMX_OUTCOME_TERMINATED;
        r->status = EXPERTSTATUS_ABORTED;
        r->substatus = EXPERTSUBSTATUS_ABORTED_USER;
        set_message(e, "%s; did not return within %.1f s of the termination request, killed",
                    why_term, run->opts.grace_s);
    } else if (phase < NMX_PHASE_RETURNED) {
        r->outcome = NMX_OUTCOME_CRASHED;
        r->status = EXPERTSTATUS_PROBLEM;
        r->substatus = NMERR_INTERNAL_EXCEPTION;
        if (signaled)
            set_message(e, "crashed: signal %d (%s)", WTERMSIG(e->wait_status),
                        strsignal(WTERMSIG(e->wait_status)));
        else if (exited_early)
            set_message(e, "the expert ended its process (exit status %d) inside Run",
                        WEXITSTATUS(e->wait_status));
        else
            set_message(e, "the expert's process disappeared");
    } else if (e->term_requested) {
        /* Run returned after a termination request: its value is ignored (1.6). */
        r->outcome = NMX_OUTCOME_TERMINATED;
        r->status = EXPERTSTATUS_ABORTED;
        r->substatus = EXPERTSUBSTATUS_ABORTED_USER;
        set_message(e, "%s; the expert stopped when asked", why_term);
    } else if (sh->run_result != 0) {
        r->outcome = NMX_OUTCOME_COMPLETED;
        r->status = EXPERTSTATUS_DONE;
        r->substatus = 0;
        r->percent_done = 100;
        set_message(e, "%s", st.szStatusText);
    } else {
        bool oom = sh->mem.failed != 0;
        r->outcome = oom ? NMX_OUTCOME_OUT_OF_MEMORY : NMX_OUTCOME_FAILED;
        r->status = EXPERTSTATUS_PROBLEM;
        r->substatus = st.Status == EXPERTSTATUS_PROBLEM ? st.SubStatus : 0;
        if (st.szStatusText[0] != '\0')
            set_message(e, "%s", st.szStatusText);
        else if (oom)
            set_message(e, "out of memory (limit %llu bytes)",
                        (unsigned long long)run->opts.mem_limit);
        else
            set_message(e, "Run returned FALSE");
    }
    if (signaled && phase >= NMX_PHASE_RETURNED && phase < NMX_PHASE_DONE && !e->killed)
        set_message(e, "%s (then crashed during clean-up: signal %d)", r->message,
                    WTERMSIG(e->wait_status));

    /* Memory figures: a dead child's heap was reclaimed by its exit. */
    nmx_mem_figures_t *mf = &r->memory;
    mf->allocations = sh->mem.allocations;
    mf->frees = sh->mem.frees;
    mf->peak_bytes = sh->mem.peak_bytes;
    mf->limit_bytes = run->opts.mem_limit;
    if (phase >= NMX_PHASE_RETURNED)
        mf->live_bytes_at_end = sh->live_bytes_at_end;
    else
        mf->live_bytes_at_end = sh->mem.live_bytes;
    if (phase == NMX_PHASE_DONE) {
        mf->reclaimed_bytes = sh->mem.reclaimed_bytes;
        mf->reclaimed_blocks = sh->mem.reclaimed_blocks;
    } else {
        mf->reclaimed_bytes = sh->mem.live_bytes;
        mf->reclaimed_blocks = sh->mem.live_blocks;
    }

    nmx_eventlog_t *log = nmx_shared_log(sh);
    nmx_event_t *events = NULL;
    size_t nev = 0;
    if (nmx_eventlog_parse(log, &events, &nev, &e->event_storage) == 0) {
        r->events = events;
        r->nevents = nev;
    }
    r->events_dropped = atomic_load(&log->dropped);
    e->state = NMX_ENTRY_FINISHED;
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

NMX_EXPORT size_t nmx_run_execute(nmx_run_t *run)
{
    if (run == NULL)
        return 0;
    double last_progress = 0;
    size_t finished = 0, running = 0;
    for (size_t i = 0; i < run->n; i++)
        if (run->entries[i].state == NMX_ENTRY_FINISHED)
            finished++;

    while (finished < run->n) {
        double now = now_s();
        bool interrupted = atomic_load(&run->interrupted) != 0;
        for (size_t i = 0; i < run->n && running < run->opts.jobs; i++) {
            nmx_entry_t *e = &run->entries[i];
            if (e->state != NMX_ENTRY_WAITING)
                continue;
            if (interrupted) {
                e->state = NMX_ENTRY_FINISHED;
                e->result.outcome = NMX_OUTCOME_TERMINATED;
                e->result.status = EXPERTSTATUS_ABORTED;
                e->result.substatus = EXPERTSUBSTATUS_ABORTED_USER;
                set_message(e, "interrupted before it started");
                finished++;
                continue;
            }
            if (module_busy(run, e))
                continue;
            if (!entry_start(run, e)) {
                e->state = NMX_ENTRY_FINISHED;
                e->result.outcome = NMX_OUTCOME_LOAD_FAILED;
                e->result.status = EXPERTSTATUS_ABORTED;
                e->result.substatus = EXPERTSUBSTATUS_ABORTED_THREAD_FAIL;
                set_message(e, "cannot start the expert's %s: %s",
                            run->opts.isolation == NMX_ISOLATION_NONE ? "thread" : "process",
                            strerror(e->start_errno));
                finished++;
                continue;
            }
            running++;
        }
        for (size_t i = 0; i < run->n; i++) {
            nmx_entry_t *e = &run->entries[i];
            if (e->state != NMX_ENTRY_RUNNING)
                continue;
            if (entry_poll(run, e)) {
                entry_conclude(run, e, now_s());
                running--;
                finished++;
                continue;
            }
            if (interrupted)
                entry_request_termination(e, now);
            if (run->opts.timeout_s > 0 && !e->term_requested &&
                now - e->t_start >= run->opts.timeout_s) {
                e->timed_out = true;
                entry_request_termination(e, now);
            }
            if (e->term_requested && !e->killed && now - e->t_term >= run->opts.grace_s) {
                e->killed = true;
                if (run->opts.isolation == NMX_ISOLATION_PROCESS) {
                    kill(e->pid, SIGKILL);
                } else {
                    /* A thread cannot be killed: give up on it. */
                    pthread_detach(e->thread);
                    run->abandoned = true;
                    atomic_store(&e->thread_done, 1);
                    entry_conclude(run, e, now);
                    running--;
                    finished++;
                }
            }
        }
        if (run->opts.progress != NULL && now - last_progress >= NMX_PROGRESS_NS / 1e9) {
            last_progress = now;
            for (size_t i = 0; i < run->n; i++) {
                nmx_entry_t *e = &run->entries[i];
                if (e->state != NMX_ENTRY_RUNNING)
                    continue;
                EXPERTSTATUS st;
                nmx_shared_get_status(e->sh, &st);
                e->result.percent_done = st.PercentDone;
                e->result.status = st.Status;
            }
            run->opts.progress(run->opts.progress_ctx, run);
        }
        if (finished < run->n) {
            struct timespec ts = {0, NMX_POLL_NS};
            nanosleep(&ts, NULL);
        }
    }
    if (run->opts.progress != NULL)
        run->opts.progress(run->opts.progress_ctx, run);
    /* In-process sessions left their segments in the heap's cache: give
     * that memory back now that no expert runs. */
    if (run->opts.isolation == NMX_ISOLATION_NONE && !run->abandoned)
        nmx_mem_trim(0);
    size_t completed = 0;
    for (size_t i = 0; i < run->n; i++)
        if (run->entries[i].result.outcome == NMX_OUTCOME_COMPLETED)
            completed++;
    return completed;
}
