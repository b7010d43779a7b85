/*
 * supervise.h - the processes that run expert code, and the channel they
 * report through (supervise.c).
 *
 * Every piece of expert code the host runs out of its own process (Run,
 * Configure, and the Register call of discovery) runs in a *contained
 * child*:
 *
 *   host ── warden ──[new user+PID namespace]── init ── expert
 *                 └─[no namespaces: subreaper]─────────── expert
 *
 * The warden is a fork of the host that runs only host code.  Where the
 * kernel allows it, the warden enters a new user and PID namespace and forks
 * the namespace's init, which forks the expert process: whatever the expert
 * starts lives in that namespace, cannot see or signal the host or other
 * experts, and is killed by the kernel when init ends.  Elsewhere the warden
 * is a child subreaper: the expert runs in its own process group, and the
 * warden kills that group and every orphan the expert left when it ends.
 *
 * The expert process keeps only standard input (/dev/null), standard output
 * and error (the host's standard error), the write end of its channel and
 * the descriptors the caller names; it is not dumpable, so processes of the
 * same user cannot read or write its memory, and with a memory limit its
 * data segment (RLIMIT_DATA) is bounded.
 *
 * The channel is a pipe carrying framed messages from the expert process to
 * the host: u32 type, u32 length, payload.  The host reads it without ever
 * trusting it: the total is bounded, each message is bounded, and a
 * malformed stream marks the channel broken.  The expert's real end (exit
 * status or signal) comes from whoever reaped it (init or the warden) on a
 * second pipe the expert never holds.
 */
#ifndef NMX_RUNTIME_SUPERVISE_H
#define NMX_RUNTIME_SUPERVISE_H

#include <stdbool.h>
#include <stddef.h>
#include <poll.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/clock.h"

/* How a child's processes are contained (nmx_child_t.containment). */
enum {
    NMX_CONTAIN_NONE = 0,       /* not started, or no process at all (isolation none) */
    NMX_CONTAIN_NAMESPACE,      /* user + PID namespace */
    NMX_CONTAIN_PID_NAMESPACE,  /* PID namespace only (privileged host, no user namespaces) */
    NMX_CONTAIN_SUBREAPER       /* own process group + warden as child subreaper */
};

/* The largest payload of one channel message. */
#define NMX_CHAN_MSG_MAX (2u * 1024u * 1024u)

/* What to run, and how. */
typedef struct nmx_spawn {
    /* Runs in the expert process; the process ends with status 0 when it
     * returns.  chan is the write end of the channel. */
    void (*fn)(void *arg, int chan);
    void *arg;
    /* Runs in the expert process before its memory is limited; may be NULL. */
    void (*prepare)(void *arg);
    const int *keep_fds;    /* descriptors the expert process keeps open */
    size_t nkeep;
    uint64_t mem_limit;     /* bytes of data segment allowed beyond what the process
                               had when it started; 0 = no limit */
    size_t chan_max;        /* bytes the channel may carry in all (0: 64 KiB) */
} nmx_spawn_t;

/* One contained child, seen from the host. */
typedef struct nmx_child {
    pid_t warden;           /* -1 when none */
    int chan;               /* read end of the channel, -1 once closed */
    int report;             /* read end of the reaper's report, -1 once closed */
    int containment;        /* NMX_CONTAIN_* the child achieved (known once reported) */
    /* channel bytes received and not yet consumed */
    uint8_t *buf;
    size_t len, cap, max, consumed, total;
    bool chan_broken;       /* over its bound or malformed: further bytes are ignored */
    /* the expert process's end, as its reaper saw it */
    bool have_status;
    int status;             /* wait status of the expert process */
    long maxrss_kb;         /* its peak resident set */
    uint8_t report_buf[32];
    size_t report_len;
    /* the warden */
    bool finished;          /* reaped: every process of the child is gone */
    int warden_status;
    double stop_at;         /* when nmx__child_stop was first called, 0 = never */
} nmx_child_t;

/*
 * Starts a contained child.  Returns 0, or -1 with errno set (no process
 * could be started).  The caller must call nmx__child_poll until it returns
 * true, then nmx__child_release.
 */
int nmx__child_spawn(nmx_child_t *c, const nmx_spawn_t *s);

/* Reads what the child sent and reaps it when it is over.  True once every
 * process of the child is gone (and the channel is drained). */
bool nmx__child_poll(nmx_child_t *c);

/*
 * The next complete message of the channel: true with its type, payload
 * and length (valid until the next poll), false when none is complete.
 */
bool nmx__child_next(nmx_child_t *c, uint32_t *type, const uint8_t **payload, uint32_t *len);

/* Ends the child and everything it started (the warden kills the expert's
 * namespace or group); escalates to SIGKILL of the warden when called again
 * after a second. */
void nmx__child_stop(nmx_child_t *c);

/* Closes what is left; the child must be finished (or never started). */
void nmx__child_release(nmx_child_t *c);

/* One step of waiting for a child started at `start` (nmx__now_s): true once
 * it is over; from timeout_s seconds on it is being stopped (*stopped = 1,
 * nmx__child_stop escalating at each step).  Between steps the caller polls
 * the two descriptors nmx__child_fds gives. */
bool nmx__child_step(nmx_child_t *c, double start, double timeout_s, int *stopped);
void nmx__child_fds(const nmx_child_t *c, struct pollfd pf[2]);

/* Starts `s` and waits for it at most timeout_s seconds, stopping it then;
 * the messages stay readable with nmx__child_next.  0 when it ended in time,
 * 1 when it was stopped, -1 when it could not start (errno). */
int nmx__child_run(nmx_child_t *c, const nmx_spawn_t *s, double timeout_s);

/* A channel without a process (isolation none: the expert's thread writes
 * the other end of `fd`, a non-blocking pipe), and reading what arrived. */
void nmx__child_attach(nmx_child_t *c, int fd, size_t chan_max);
void nmx__child_read(nmx_child_t *c);

/* Expert side: sends one message; 0 or -1 (channel gone, too long). */
int nmx__chan_send(int chan, uint32_t type, const void *payload, uint32_t len);

/* Monotonic seconds: nmx__now_s (common/clock.h). */

/*
 * The name of a containment mode for messages ("user and PID namespace",
 * "process group and subreaper", ...).
 */
const char *nmx__containment_name(int containment);

/* ---- isolation none -------------------------------------------------- */

/*
 * With isolation none, expert code runs on threads of the host, and any
 * process it starts is a child of the host.  nmx__orphans_begin makes the
 * calling process a child subreaper (so daemonised descendants come back to
 * it) and notes the time; nmx__orphans_end kills and reaps every child of
 * the calling process started since then, except `spare` (-1: none), and
 * restores the subreaper setting.
 */
typedef struct nmx_orphans {
    unsigned long long since;  /* start time in clock ticks since boot */
    int was_subreaper;
} nmx_orphans_t;
void nmx__orphans_begin(nmx_orphans_t *o);
void nmx__orphans_end(nmx_orphans_t *o);

/* Makes the host's memory and descriptors unreadable to other processes of
 * the same user (not dumpable) for the time experts run; returns the
 * previous setting for nmx__host_guard_end. */
int nmx__host_guard_begin(void);
void nmx__host_guard_end(int previous);

#endif /* NMX_RUNTIME_SUPERVISE_H */
