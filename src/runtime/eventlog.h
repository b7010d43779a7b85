/*
 * eventlog.h - the event channel between a running expert and the host.
 *
 * ExpertSubmitEvent validates the expert's NMEVENTDATA and deep-copies it
 * (spec 2.8) into an append-only log of self-describing records.  The log
 * lives in memory shared with the host (process isolation), so events
 * submitted before a crash still reach the report: a record becomes visible
 * only when the committed length is advanced past it.  The host parses the
 * log defensively, since a misbehaving expert can scribble on it.
 */
#ifndef NMX_RUNTIME_EVENTLOG_H
#define NMX_RUNTIME_EVENTLOG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <netmon.h>
#include <nmexpert/host.h>

/* Caps that make an event "oversized" (ExpertSubmitEvent returns 76). */
#define NMX_EVENT_STRING_MAX (64u * 1024u)  /* any one string, bytes */
#define NMX_EVENT_RECORD_MAX (1024u * 1024u) /* one whole event record */

typedef struct nmx_eventlog {
    _Atomic uint64_t committed; /* bytes of complete records in data[] */
    _Atomic uint64_t count;     /* complete records */
    _Atomic uint64_t dropped;   /* events refused (invalid, full, terminating) */
    uint64_t capacity;          /* size of data[] */
    uint8_t data[];
} nmx_eventlog_t;

/*
 * Validates an event and appends a deep copy.  Returns NMERR_SUCCESS,
 * NMERR_INVALID_PARAMETER (NULL, column type > 15, oversized),
 * NMERR_BAD_VERSION (Version != 0) or NMERR_OUT_OF_MEMORY (log full).
 * Not thread-safe: the caller serialises appends to one log.
 */
DWORD nmx_eventlog_append(nmx_eventlog_t *log, const NMEVENTDATA *ev);

/*
 * Parses the committed records into an array of events whose strings and
 * columns live in one allocation (*storage, free it with free()).
 * Corrupt records end the parse; the number parsed is returned in *n.
 */
int nmx_eventlog_parse(const nmx_eventlog_t *log, nmx_event_t **events, size_t *n, void **storage);

#endif /* NMX_RUNTIME_EVENTLOG_H */
