/*
 * fuzz_eventlog.c - the host's parser of the event log an expert process
 * writes (src/runtime/eventlog.c).  The log lives in memory the expert can
 * scribble on, so the parser must survive any bytes: the input becomes the
 * log's data with a committed length taken from the first 4 bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/eventlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    uint32_t claimed;
    memcpy(&claimed, data, 4);
    size_t n = size - 4;
    nmx_eventlog_t *log = malloc(sizeof *log + n);
    if (log == NULL)
        return 0;
    memcpy(log->data, data + 4, n);
    log->capacity = n;
    atomic_store(&log->committed, claimed);
    atomic_store(&log->count, 0);
    atomic_store(&log->dropped, 0);
    nmx_event_t *events;
    size_t count;
    void *storage;
    if (nmx_eventlog_parse(log, &events, &count, &storage) == 0) {
        /* Touch everything the parser handed out. */
        size_t sum = 0;
        for (size_t i = 0; i < count; i++) {
            sum += strlen(events[i].source) + strlen(events[i].name) + strlen(events[i].description);
            for (uint32_t c = 0; c < events[i].ncolumns; c++)
                sum += strlen(events[i].columns[c].name) + strlen(events[i].columns[c].s);
        }
        (void)sum;
        free(storage);
    }
    free(log);
    return 0;
}
