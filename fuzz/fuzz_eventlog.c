/*
 * fuzz_eventlog.c - what the host reads back from an expert: its control
 * page (status, heap figures, the event log's committed length and
 * counters) and its event-log file (src/runtime/ctlpage.c, eventlog.c).
 * An expert can write every byte of both, so the input is the whole file:
 * the first 4096 bytes are the control page (zero-filled when the input is
 * shorter), the rest the records.  The host's own limit stays fixed, as in
 * a run.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime/runtime.h"

#define LIMIT (64u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = nmx__eventlog_file(NMX_CTLPAGE_SIZE);
    if (fd < 0)
        return 0;
    /* The page as the expert left it, and records as far as the input goes. */
    if (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    nmx_ctlpage_t *page = mmap(NULL, NMX_CTLPAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
    if (page == MAP_FAILED) {
        close(fd);
        return 0;
    }
    nmx_ctl_figures_t f;
    if (nmx__ctlpage_collect(page, fd, LIMIT, &f) == 0) {
        /* Touch everything the host would hand to a report. */
        size_t sum = strlen(f.status.szStatusText) + f.status.PercentDone;
        if (f.status.PercentDone > 100 || f.status.Status > EXPERTSTATUS_DONE)
            abort();
        for (size_t i = 0; i < f.nevents; i++) {
            sum += strlen(f.events[i].source) + strlen(f.events[i].name) +
                   strlen(f.events[i].description) + strlen(f.events[i].machine);
            if (f.events[i].justification != NULL)
                sum += strlen(f.events[i].justification);
            for (uint32_t c = 0; c < f.events[i].ncolumns; c++)
                sum += strlen(f.events[i].columns[c].name) + strlen(f.events[i].columns[c].s);
        }
        (void)sum;
        free(f.storage);
    }
    munmap(page, NMX_CTLPAGE_SIZE);
    close(fd);
    return 0;
}
