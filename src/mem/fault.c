/*
 * fault.c - the fault-injection back end (tests only).
 *
 * Wraps another back end and refuses the Nth request it is asked to admit,
 * so that a test can replay a scenario with N = 1, 2, 3... and check that
 * every allocation failure is reported cleanly and leaks nothing (SQLite's
 * test_malloc.c and curl's torture mode work the same way).  The counters
 * are atomic, so one fault back end may serve several arenas and threads.
 */
#include "mem/mem_internal.h"

static bool fault_admit(const nmx_mem_backend_t *be, size_t nbytes)
{
    nmx_mem_fault_t *f = be->ctx;
    uint64_t n = __atomic_add_fetch(&f->requests, 1, __ATOMIC_RELAXED);
    bool refuse = f->fail_at != 0 && (n == f->fail_at || (f->persist && n > f->fail_at));
    if (refuse) {
        __atomic_add_fetch(&f->failures, 1, __ATOMIC_RELAXED);
        return false;
    }
    if (f->base->admit)
        return f->base->admit(f->base, nbytes);
    return true;
}

static void *fault_map(const nmx_mem_backend_t *be, size_t len)
{
    const nmx_mem_fault_t *f = be->ctx;
    return (f->base->map ? f->base->map : nmx__mem_os_backend.map)(f->base, len);
}

static void fault_unmap(const nmx_mem_backend_t *be, void *p, size_t len)
{
    const nmx_mem_fault_t *f = be->ctx;
    (f->base->unmap ? f->base->unmap : nmx__mem_os_backend.unmap)(f->base, p, len);
}

static void *fault_remap(const nmx_mem_backend_t *be, void *p, size_t old_len, size_t new_len)
{
    const nmx_mem_fault_t *f = be->ctx;
    return (f->base->remap ? f->base->remap : nmx__mem_os_backend.remap)(f->base, p, old_len,
                                                                         new_len);
}

void nmx__mem_fault_init(nmx_mem_fault_t *f, const nmx_mem_backend_t *base, uint64_t fail_at,
                         bool persist)
{
    memset(f, 0, sizeof(*f));
    f->base = base ? base : &nmx__mem_os_backend;
    f->fail_at = fail_at;
    f->persist = persist;
    f->backend.admit = fault_admit;
    f->backend.map = fault_map;
    f->backend.unmap = fault_unmap;
    f->backend.remap = fault_remap;
    f->backend.ctx = f;
}
