/*
 * ctlpage.c - the control page of an entry (runtime.h): the status the
 * expert side writes under a sequence lock, and what the host collects
 * from the page and the event-log file when the expert is over, copied
 * out and bounded by the host's own figures.
 */
#include <string.h>
#include <sys/stat.h>

#include "runtime/runtime.h"

void nmx__ctlpage_set_status(nmx_ctlpage_t *pg, const EXPERTSTATUS *st)
{
    uint32_t seq = atomic_load_explicit(&pg->status_seq, memory_order_relaxed);
    atomic_store_explicit(&pg->status_seq, seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    memcpy(&pg->status, st, sizeof *st);
    atomic_store_explicit(&pg->status_seq, seq + 2, memory_order_release);
}

void nmx__status_sanitise(EXPERTSTATUS *st)
{
    st->szStatusText[EXPERTSTRINGLENGTH - 1] = '\0';
    if ((unsigned)st->Status > EXPERTSTATUS_DONE)
        st->Status = EXPERTSTATUS_PROBLEM;
    if (st->PercentDone > 100)
        st->PercentDone = 100;
}

void nmx__ctlpage_get_status(const nmx_ctlpage_t *pg, EXPERTSTATUS *st)
{
    /* A writer that died mid-update leaves an odd sequence: take the copy
     * anyway after a few tries; the host only displays it. */
    for (int tries = 0; tries < 100; tries++) {
        uint32_t a = atomic_load_explicit(&pg->status_seq, memory_order_acquire);
        memcpy(st, (const void *)&pg->status, sizeof *st);
        atomic_thread_fence(memory_order_acquire);
        uint32_t b = atomic_load_explicit(&pg->status_seq, memory_order_relaxed);
        if (a == b && (a & 1) == 0)
            break;
    }
    nmx__status_sanitise(st);
}

int nmx__ctlpage_collect(const nmx_ctlpage_t *page, int fd, uint64_t limit, nmx_ctl_figures_t *f)
{
    memset(f, 0, sizeof *f);
    nmx__ctlpage_get_status(page, &f->status);
    memcpy(&f->mem, (const void *)&page->mem, sizeof f->mem);
    f->committed = atomic_load(&page->log.committed);
    f->count = atomic_load(&page->log.count);
    f->dropped = atomic_load(&page->log.dropped);
    f->over_limit = atomic_load(&page->log.over_limit);
    f->frames_read = atomic_load(&page->frames_read);
    /* What the log really holds: the claim within the limit and the file. */
    struct stat st;
    f->log_bytes = f->committed < limit ? f->committed : limit;
    if (fstat(fd, &st) != 0 || (uint64_t)st.st_size < NMX_CTLPAGE_SIZE)
        f->log_bytes = 0;
    else if (f->log_bytes > (uint64_t)st.st_size - NMX_CTLPAGE_SIZE)
        f->log_bytes = (uint64_t)st.st_size - NMX_CTLPAGE_SIZE;
    /* "Full" only when the host can see it: no room left for a record. */
    f->log_full = limit - f->log_bytes < NMX_EVENT_RECORD_MAX && f->over_limit > 0;
    if (f->over_limit > f->dropped)
        f->over_limit = f->dropped;
    return nmx__eventlog_read(fd, NMX_CTLPAGE_SIZE, f->committed, limit, &f->events, &f->nevents,
                              &f->storage);
}
