/*
 * supervise.c - contained child processes for expert code: spawn, set up,
 * report, wait with limits, and end everything the expert started
 * (supervise.h has the picture).
 *
 * Three pieces of code run outside the host here, all of them host code:
 *  - the warden, a fork of the host and the only process the host waits
 *    for.  It enters the namespaces (or becomes a subreaper) and obeys the
 *    host's SIGTERM by ending the expert's processes;
 *  - the reaper (the namespace's init, or the warden itself without
 *    namespaces), parent of the expert process: it reaps every process
 *    that ends up its child and reports how the expert process ended;
 *  - the start of the expert process, up to the caller's function.
 * None of them trusts anything the expert can write.
 */
#include "runtime/supervise.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHAN_DEFAULT_MAX (64u * 1024u)
#define REPORT_MAGIC 0x5250584Eu /* "NXPR" */
#define STOP_ESCALATE_S 1.0

/* What the reaper tells the host when the expert process has ended. */
typedef struct reaper_report {
    uint32_t magic;
    uint32_t containment;
    int32_t status;
    uint32_t pad;
    int64_t maxrss_kb;
} reaper_report_t;

const char *nmx__containment_name(int containment)
{
    switch (containment) {
    case NMX_CONTAIN_NAMESPACE: return "user and PID namespace";
    case NMX_CONTAIN_PID_NAMESPACE: return "PID namespace";
    case NMX_CONTAIN_SUBREAPER: return "process group and subreaper";
    default: return "none";
    }
}

/* ---- small process helpers ------------------------------------------------ */

static void write_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        b += w;
        n -= (size_t)w;
    }
}

static bool write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    size_t n = strlen(text);
    bool ok = write(fd, text, n) == (ssize_t)n;
    return close(fd) == 0 && ok;
}

/* Default dispositions, nothing blocked, SIGINT ignored (Ctrl-C is the
 * host's), stdin from /dev/null, stdout to stderr (the host's stdout may be
 * the report). */
static void reset_process(void)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &dfl, NULL);
    signal(SIGINT, SIG_IGN);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        if (devnull != STDIN_FILENO)
            close(devnull);
    }
    dup2(STDERR_FILENO, STDOUT_FILENO);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Closes every descriptor above 2 except those in keep[]. */
static void close_other_fds(const int *keep, size_t nkeep)
{
    int sorted[16];
    size_t n = 0;
    for (size_t i = 0; i < nkeep && n < sizeof sorted / sizeof sorted[0]; i++)
        if (keep[i] > 2)
            sorted[n++] = keep[i];
    qsort(sorted, n, sizeof sorted[0], cmp_int);
    unsigned lo = 3;
    for (size_t i = 0; i <= n; i++) {
        unsigned hi = i < n ? (unsigned)sorted[i] : ~0u;
        if (hi > lo) {
            if (syscall(SYS_close_range, lo, hi - 1, 0) != 0) {
                long max = sysconf(_SC_OPEN_MAX);
                unsigned end = hi - 1 < (unsigned)(max > 0 ? max : 1024) ? hi - 1 : (unsigned)max;
                for (unsigned fd = lo; fd <= end; fd++)
                    close((int)fd);
            }
        }
        if (i < n)
            lo = (unsigned)sorted[i] + 1;
    }
}

/* The parent pid and start time (clock ticks since boot) of a process. */
static bool proc_stat(pid_t pid, pid_t *ppid, unsigned long long *start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    /* "pid (comm) state ppid ... starttime(22nd field)": comm may hold ')' */
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return false;
    p += 2; /* state */
    int field = 3;
    long long pp = -1;
    unsigned long long st = 0;
    while (*p != '\0' && field <= 22) {
        if (field == 4)
            pp = strtoll(p, NULL, 10);
        if (field == 22)
            st = strtoull(p, NULL, 10);
        while (*p != '\0' && *p != ' ')
            p++;
        while (*p == ' ')
            p++;
        field++;
    }
    if (pp < 0)
        return false;
    *ppid = (pid_t)pp;
    *start = st;
    return true;
}

/* Children of the calling process started at or after `since` (ticks),
 * into out[] (at most n); returns how many were found. */
static size_t list_children(unsigned long long since, pid_t *out, size_t n)
{
    size_t k = 0;
    pid_t self = getpid();
    DIR *d = opendir("/proc");
    if (d == NULL)
        return 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && k < n) {
        char *end;
        long v = strtol(de->d_name, &end, 10);
        if (*end != '\0' || v <= 0)
            continue;
        pid_t ppid;
        unsigned long long st;
        if (proc_stat((pid_t)v, &ppid, &st) && ppid == self && st >= since)
            out[k++] = (pid_t)v;
    }
    closedir(d);
    return k;
}

/*
 * Kills and reaps every child of this process started since `since`
 * (every child, for a warden), again and again, since each death may hand
 * its own children to us (we are a subreaper).  `any` reaps with
 * waitpid(-1): only for processes whose children are all the expert's.
 */
static void kill_children(unsigned long long since, bool any)
{
    for (int round = 0; round < 10000; round++) {
        pid_t kids[256];
        size_t n = list_children(since, kids, sizeof kids / sizeof kids[0]);
        for (size_t i = 0; i < n; i++)
            kill(kids[i], SIGKILL);
        if (any) {
            int st;
            if (waitpid(-1, &st, 0) < 0 && errno == ECHILD)
                return;
            continue;
        }
        if (n == 0)
            return;
        for (size_t i = 0; i < n; i++)
            while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
                ;
    }
}

/* ---- namespaces ------------------------------------------------------------ */

/* Enters new namespaces as `how` says; true on success.  Must run in a
 * single-threaded process.  The process must be dumpable while it writes
 * its own uid and gid maps. */
static bool enter_namespaces(int how)
{
    if (how == NMX_CONTAIN_PID_NAMESPACE)
        return unshare(CLONE_NEWPID) == 0;
    if (how != NMX_CONTAIN_NAMESPACE)
        return false;
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWPID) != 0)
        return false;
    char map[64];
    write_file("/proc/self/setgroups", "deny"); /* absent before Linux 3.19 */
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    if (!write_file("/proc/self/uid_map", map))
        return false;
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    return write_file("/proc/self/gid_map", map);
}

/*
 * The best containment this system allows, found once by trying it in a
 * throw-away child.  NMEXPERT_CONTAINMENT=namespace|pid|subreaper forces a
 * mode (the tests use it to cover each one).
 */
static int containment_available(void)
{
    static int cached = -1;
    const char *force = getenv("NMEXPERT_CONTAINMENT");
    if (force != NULL && strcmp(force, "subreaper") == 0)
        return NMX_CONTAIN_SUBREAPER;
    if (force != NULL && strcmp(force, "pid") == 0)
        return NMX_CONTAIN_PID_NAMESPACE;
    if (cached >= 0)
        return cached;
    static const int modes[] = {NMX_CONTAIN_NAMESPACE, NMX_CONTAIN_PID_NAMESPACE};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0)
            break;
        if (pid == 0) {
            prctl(PR_SET_DUMPABLE, 1);
            if (!enter_namespaces(modes[i]))
                _exit(1);
            /* The first child of a new PID namespace is its init. */
            pid_t init = fork();
            if (init < 0)
                _exit(1);
            if (init == 0)
                _exit(getpid() == 1 ? 0 : 1);
            int st;
            _exit(waitpid(init, &st, 0) == init && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1);
        }
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
            return cached = modes[i];
    }
    return cached = NMX_CONTAIN_SUBREAPER;
}

/* ---- the child side ---------------------------------------------------------- */

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* Installs on_stop for SIGTERM without SA_RESTART, so that waitpid returns. */
static void catch_stop(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* Bytes of the data segment the process uses now (VmData), or 0. */
static uint64_t data_segment_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (f == NULL)
        return 0;
    char line[256];
    unsigned long kb = 0;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "VmData: %lu kB", &kb) == 1)
            break;
    fclose(f);
    return (uint64_t)kb * 1024;
}

/*
 * Gives up every capability, for good: a host run as root must not hand
 * root's powers (ptrace of any process, for one) to expert code.  In a user
 * namespace the capabilities only ever applied inside it; they go as well.
 */
static void drop_capabilities(void)
{
    int last = 40;
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    if (f != NULL) {
        if (fscanf(f, "%d", &last) != 1)
            last = 40;
        fclose(f);
    }
    for (int cap = 0; cap <= last && cap < 64; cap++)
        prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    struct {
        uint32_t version;
        int pid;
    } head = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
    struct {
        uint32_t effective, permitted, inheritable;
    } data[2];
    memset(data, 0, sizeof data);
    syscall(SYS_capset, &head, data);
}

/* The expert process, from fork to the caller's function and _exit. */
static _Noreturn void expert_main(const nmx_spawn_t *s, int chan)
{
    reset_process();
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* its reaper is its parent */
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    drop_capabilities();
    prctl(PR_SET_DUMPABLE, 0);
    if (s->prepare != NULL)
        s->prepare(s->arg);
    if (s->mem_limit > 0) {
        uint64_t base = data_segment_bytes();
        struct rlimit rl;
        rl.rlim_cur = rl.rlim_max = (rlim_t)(base + s->mem_limit);
        setrlimit(RLIMIT_DATA, &rl);
    }
    s->fn(s->arg, chan);
    _exit(0);
}

/*
 * The reaper: forks the expert process, reaps whatever becomes its child,
 * and reports how the expert process ended.  Without a namespace it then
 * kills everything the expert left.  Ends the process.
 */
static _Noreturn void reaper_main(const nmx_spawn_t *s, int chan, int report, int containment)
{
    pid_t expert = fork();
    if (expert < 0)
        _exit(3);
    if (expert == 0) {
        close(report);
        expert_main(s, chan);
    }
    close(chan);
    setpgid(expert, expert); /* also done by the child: whichever runs first */
    reaper_report_t r = {REPORT_MAGIC, (uint32_t)containment, 0, 0, -1};
    bool ended = false;
    while (!ended) {
        int st;
        struct rusage ru;
        pid_t pid = wait4(-1, &st, 0, &ru);
        if (pid == expert) {
            r.status = st;
            r.maxrss_kb = ru.ru_maxrss;
            ended = true;
        } else if (pid < 0 && errno == ECHILD) {
            r.status = -1;
            ended = true;
        } else if (pid < 0 && errno == EINTR && stop_requested) {
            kill(-expert, SIGKILL);
            kill(expert, SIGKILL);
        }
    }
    /* Everything the expert started goes with it. */
    if (containment == NMX_CONTAIN_SUBREAPER) {
        kill(-expert, SIGKILL);
        kill_children(0, true);
    }
    write_all(report, &r, sizeof r);
    /* As init of a PID namespace, this exit makes the kernel kill every
     * process left in it. */
    _exit(0);
}

/* The warden: contained set-up, then either the namespace's init or the
 * reaper itself.  Ends the process. */
static _Noreturn void warden_main(const nmx_spawn_t *s, int chan, int report, pid_t host,
                                  int containment)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != host)
        _exit(2);
    reset_process();
    signal(SIGPIPE, SIG_IGN);
    int keep[18];
    size_t nk = 0;
    keep[nk++] = chan;
    keep[nk++] = report;
    for (size_t i = 0; i < s->nkeep && nk < sizeof keep / sizeof keep[0]; i++)
        keep[nk++] = s->keep_fds[i];
    close_other_fds(keep, nk);

    if (containment != NMX_CONTAIN_SUBREAPER) {
        prctl(PR_SET_DUMPABLE, 1); /* to write its own uid and gid maps */
        bool ok = enter_namespaces(containment);
        prctl(PR_SET_DUMPABLE, 0);
        if (!ok)
            containment = NMX_CONTAIN_SUBREAPER;
    }
    if (containment == NMX_CONTAIN_SUBREAPER) {
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        catch_stop();
        reaper_main(s, chan, report, containment);
    }

    /* A lifeline: init checks it after arming its own death signal, so it
     * cannot outlive a warden killed in between. */
    int life[2];
    if (pipe(life) != 0)
        _exit(3);
    pid_t init = fork();
    if (init < 0)
        _exit(3);
    if (init == 0) {
        close(life[1]);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        struct pollfd pf = {life[0], POLLIN, 0};
        if (poll(&pf, 1, 0) > 0)
            _exit(2); /* the warden is gone already */
        close(life[0]);
        reaper_main(s, chan, report, containment);
    }
    close(life[0]);
    close(chan);
    close(report);
    catch_stop();
    for (;;) {
        int st;
        pid_t pid = waitpid(init, &st, 0);
        if (pid == init || (pid < 0 && errno == ECHILD))
            _exit(0);
        if (pid < 0 && errno == EINTR && stop_requested)
            kill(init, SIGKILL); /* the namespace dies with its init */
    }
}

/* ---- the host side ------------------------------------------------------------ */

int nmx__child_spawn(nmx_child_t *c, const nmx_spawn_t *s)
{
    memset(c, 0, sizeof *c);
    c->warden = -1;
    c->chan = c->report = -1;
    c->max = s->chan_max > 0 ? s->chan_max : CHAN_DEFAULT_MAX;
    int containment = containment_available();
    int chan[2], report[2];
    if (pipe2(chan, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(report, O_CLOEXEC) != 0) {
        int e = errno;
        close(chan[0]);
        close(chan[1]);
        errno = e;
        return -1;
    }
    /* SIGTERM stays blocked in the warden until it can handle it. */
    sigset_t term, old;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, &old);
    pid_t host = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(chan[0]);
        close(report[0]);
        warden_main(s, chan[1], report[1], host, containment);
    }
    int e = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(chan[1]);
    close(report[1]);
    if (pid < 0) {
        close(chan[0]);
        close(report[0]);
        errno = e;
        return -1;
    }
    fcntl(chan[0], F_SETFL, O_NONBLOCK);
    fcntl(report[0], F_SETFL, O_NONBLOCK);
    c->warden = pid;
    c->chan = chan[0];
    c->report = report[0];
    c->containment = containment;
    return 0;
}

/* One non-blocking read of *fd: bytes read, 0 when nothing is there now,
 * -1 at end of file (then *fd is closed and set to -1). */
static ssize_t read_some(int *fd, uint8_t *buf, size_t n)
{
    for (;;) {
        ssize_t r = read(*fd, buf, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r > 0)
            return r;
        if (r == 0) {
            close(*fd);
            *fd = -1;
            return -1;
        }
        return 0; /* EAGAIN: nothing more for now */
    }
}

/* Appends n bytes to the channel's buffer, dropping what was consumed. */
static bool chan_append(nmx_child_t *c, const uint8_t *p, size_t n)
{
    if (c->consumed > 0) {
        memmove(c->buf, c->buf + c->consumed, c->len - c->consumed);
        c->len -= c->consumed;
        c->consumed = 0;
    }
    if (c->len + n > c->cap) {
        size_t ncap = c->cap > 0 ? c->cap : 4096;
        while (ncap < c->len + n)
            ncap *= 2;
        uint8_t *g = realloc(c->buf, ncap);
        if (g == NULL)
            return false;
        c->buf = g;
        c->cap = ncap;
    }
    memcpy(c->buf + c->len, p, n);
    c->len += n;
    return true;
}

/* Reads what is available on the channel.  Past its bound the channel is
 * broken, but still drained so that the writer never blocks. */
static void read_channel(nmx_child_t *c)
{
    uint8_t tmp[16384];
    ssize_t n;
    while (c->chan >= 0 && (n = read_some(&c->chan, tmp, sizeof tmp)) > 0) {
        c->total += (size_t)n;
        if (c->chan_broken || c->total > c->max || !chan_append(c, tmp, (size_t)n))
            c->chan_broken = true;
    }
}

/* Reads the reaper's report: one fixed-size record. */
static void read_report(nmx_child_t *c)
{
    uint8_t tmp[64];
    ssize_t n;
    while (c->report >= 0 && (n = read_some(&c->report, tmp, sizeof tmp)) > 0) {
        size_t room = sizeof c->report_buf - c->report_len;
        size_t take = (size_t)n < room ? (size_t)n : room;
        memcpy(c->report_buf + c->report_len, tmp, take);
        c->report_len += take;
    }
    if (!c->have_status && c->report_len >= sizeof(reaper_report_t)) {
        reaper_report_t r;
        memcpy(&r, c->report_buf, sizeof r);
        if (r.magic == REPORT_MAGIC && r.status != -1) {
            c->have_status = true;
            c->status = r.status;
            c->maxrss_kb = (long)r.maxrss_kb;
            c->containment = (int)r.containment;
        }
    }
}

void nmx__child_attach(nmx_child_t *c, int fd, size_t chan_max)
{
    memset(c, 0, sizeof *c);
    c->warden = -1;
    c->chan = fd;
    c->report = -1;
    c->max = chan_max > 0 ? chan_max : CHAN_DEFAULT_MAX;
}

void nmx__child_read(nmx_child_t *c)
{
    read_channel(c);
}

bool nmx__child_poll(nmx_child_t *c)
{
    if (c->finished)
        return true;
    if (c->warden < 0) {
        c->finished = true;
        return true;
    }
    read_channel(c);
    read_report(c);
    int st;
    pid_t w = waitpid(c->warden, &st, WNOHANG);
    if (w == c->warden || (w < 0 && errno == ECHILD)) {
        c->warden_status = w == c->warden ? st : -1;
        c->warden = -1;
        c->finished = true;
        /* Every writer is gone: read the rest. */
        read_channel(c);
        read_report(c);
        return true;
    }
    if (c->stop_at > 0 && nmx__now_s() - c->stop_at >= STOP_ESCALATE_S)
        kill(c->warden, SIGKILL);
    return false;
}

bool nmx__child_next(nmx_child_t *c, uint32_t *type, const uint8_t **payload, uint32_t *len)
{
    if (c->chan_broken)
        return false;
    size_t avail = c->len - c->consumed;
    if (avail < 8)
        return false;
    const uint8_t *p = c->buf + c->consumed;
    uint32_t t, n;
    memcpy(&t, p, 4);
    memcpy(&n, p + 4, 4);
    if (n > NMX_CHAN_MSG_MAX || n > c->max) {
        c->chan_broken = true;
        return false;
    }
    if (avail - 8 < n)
        return false;
    *type = t;
    *payload = p + 8;
    *len = n;
    c->consumed += 8 + (size_t)n;
    return true;
}

void nmx__child_stop(nmx_child_t *c)
{
    if (c->warden < 0)
        return;
    if (c->stop_at == 0) {
        c->stop_at = nmx__now_s();
        kill(c->warden, SIGTERM);
    } else if (nmx__now_s() - c->stop_at >= STOP_ESCALATE_S) {
        kill(c->warden, SIGKILL);
    }
}

void nmx__child_release(nmx_child_t *c)
{
    if (c->warden > 0) {
        kill(c->warden, SIGKILL);
        while (waitpid(c->warden, NULL, 0) < 0 && errno == EINTR)
            ;
        c->warden = -1;
    }
    if (c->chan >= 0)
        close(c->chan);
    if (c->report >= 0)
        close(c->report);
    c->chan = c->report = -1;
    free(c->buf);
    c->buf = NULL;
    c->len = c->cap = c->consumed = 0;
}

bool nmx__child_step(nmx_child_t *c, double start, double timeout_s, int *stopped)
{
    if (nmx__child_poll(c))
        return true;
    if (nmx__now_s() - start >= timeout_s) {
        *stopped = 1;
        nmx__child_stop(c);
    }
    return false;
}

void nmx__child_fds(const nmx_child_t *c, struct pollfd pf[2])
{
    pf[0] = (struct pollfd){c->chan, POLLIN, 0};
    pf[1] = (struct pollfd){c->report, POLLIN, 0};
}

int nmx__child_run(nmx_child_t *c, const nmx_spawn_t *s, double timeout_s)
{
    if (nmx__child_spawn(c, s) != 0)
        return -1;
    double start = nmx__now_s();
    int stopped = 0;
    while (!nmx__child_step(c, start, timeout_s, &stopped)) {
        struct pollfd pf[2];
        nmx__child_fds(c, pf);
        poll(pf, 2, 5);
    }
    return stopped;
}

int nmx__chan_send(int chan, uint32_t type, const void *payload, uint32_t len)
{
    if (chan < 0 || len > NMX_CHAN_MSG_MAX)
        return -1;
    uint8_t head[8];
    memcpy(head, &type, 4);
    memcpy(head + 4, &len, 4);
    const uint8_t *parts[2] = {head, payload};
    size_t sizes[2] = {8, len};
    for (int k = 0; k < 2; k++) {
        const uint8_t *b = parts[k];
        size_t n = sizes[k];
        while (n > 0) {
            ssize_t w = write(chan, b, n);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return -1;
            b += w;
            n -= (size_t)w;
        }
    }
    return 0;
}

/* ---- isolation none and the host's own guard ------------------------------------ */

static unsigned long long ticks_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0)
        hz = 100;
    return (unsigned long long)ts.tv_sec * (unsigned long long)hz +
           (unsigned long long)ts.tv_nsec * (unsigned long long)hz / 1000000000ull;
}

void nmx__orphans_begin(nmx_orphans_t *o)
{
    o->was_subreaper = 0;
    prctl(PR_GET_CHILD_SUBREAPER, &o->was_subreaper);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    /* Start times have clock-tick resolution: a child started in this very
     * tick counts as the experts'. */
    o->since = ticks_now();
}

void nmx__orphans_end(nmx_orphans_t *o)
{
    kill_children(o->since, false);
    if (!o->was_subreaper)
        prctl(PR_SET_CHILD_SUBREAPER, 0);
}

int nmx__host_guard_begin(void)
{
    int prev = prctl(PR_GET_DUMPABLE);
    prctl(PR_SET_DUMPABLE, 0);
    return prev;
}

void nmx__host_guard_end(int previous)
{
    if (previous > 0)
        prctl(PR_SET_DUMPABLE, previous);
}
