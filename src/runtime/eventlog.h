/*
 * eventlog.h - the event channel between a running expert and the host.
 *
 * ExpertSubmitEvent validates the expert's NMEVENTDATA and deep-copies it
 * (spec 2.8) into an append-only log of self-describing records.  The log
 * is a memory file (memfd) the expert's process maps and grows as it needs,
 * up to the run's event limit, so events submitted before a crash still
 * reach the report: a record becomes visible only when the committed length
 * (in the entry's control page) is advanced past it.
 *
 * The host never trusts the log.  It reads it only after every process of
 * the expert has ended, from the file, with bounds it keeps itself (where
 * the data starts, the limit); the committed length the expert wrote is
 * clamped to them, and a record that does not check out ends the parse.
 * The file is sealed against shrinking, so the host's reads cannot fault.
 */
#ifndef NMX_RUNTIME_EVENTLOG_H
#define NMX_RUNTIME_EVENTLOG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <netmon.h>
#include <nmexpert/host.h>

/*
 * Caps that make an event "oversized" (ExpertSubmitEvent returns 76).  The
 * spec sets no limit; these are far above any report line (a string of 16
 * MiB is a capture's worth of text) and exist so that an unterminated
 * string is found by a bounded scan instead of a walk through the whole
 * address space, and so that one record's length fits the log's 32-bit
 * fields with room to spare.  Below them, the expert's event limit
 * (--event-limit, else --mem-limit) bounds what it may submit: beyond it
 * ExpertSubmitEvent returns NMERR_OUT_OF_MEMORY (19).  docs/runtime.md.
 */
#define NMX_EVENT_STRING_MAX (16u * 1024u * 1024u) /* any one string, bytes */
#define NMX_EVENT_RECORD_MAX (64u * 1024u * 1024u) /* one whole event record */

/* Counters of a log, in the entry's control page (written by the expert's
 * process, read by the host as figures only). */
typedef struct nmx_eventlog_counters {
    _Atomic uint64_t committed;  /* bytes of complete records */
    _Atomic uint64_t count;      /* complete records */
    _Atomic uint64_t dropped;    /* events refused (invalid, terminating, over the limit) */
    _Atomic uint64_t over_limit; /* ... of which refused because the log was full */
} nmx_eventlog_counters_t;

/* The writing side of a log (the expert's process or thread). */
typedef struct nmx_eventlog {
    nmx_eventlog_counters_t *ctr;
    int fd;            /* the memory file */
    uint64_t data_off; /* where the records start in it (page-aligned) */
    uint64_t limit;    /* most bytes of records */
    uint8_t *map;      /* mapping of [data_off, data_off + mapped) */
    uint64_t mapped;
} nmx_eventlog_t;

/* Creates the memory file of a log whose records start at data_off, sized
 * for the first data_off bytes and sealed against shrinking; -1 on error. */
int nmx__eventlog_file(uint64_t data_off);

/*
 * Validates an event and appends a deep copy, growing the file as needed.
 * Returns NMERR_SUCCESS, NMERR_INVALID_PARAMETER (NULL, column type > 15,
 * oversized), NMERR_BAD_VERSION (Version != 0) or NMERR_OUT_OF_MEMORY (the
 * log reached its limit, or no memory).  Not thread-safe: the caller
 * serialises appends to one log.
 */
DWORD nmx__eventlog_append(nmx_eventlog_t *log, const NMEVENTDATA *ev);

/* Unmaps the writer's view (the file stays). */
void nmx__eventlog_unmap(nmx_eventlog_t *log);

/*
 * Host side: reads the records of the log file `fd` (records from data_off,
 * `committed` bytes as the expert claims, at most `limit`) into an array of
 * events whose strings and columns live in one allocation (*storage, free
 * it with free()).  Corrupt records end the parse.  0, or -1 when out of
 * memory.
 */
int nmx__eventlog_read(int fd, uint64_t data_off, uint64_t committed, uint64_t limit,
                       nmx_event_t **events, size_t *n, void **storage);

/* The same over bytes in memory (what nmx__eventlog_read maps). */
int nmx__eventlog_parse(const uint8_t *data, size_t len, nmx_event_t **events, size_t *n,
                        void **storage);

#endif /* NMX_RUNTIME_EVENTLOG_H */
