/*
 * entry_msgs.h - the messages an entry's expert side sends the host over
 * its channel (supervise.h frames them), in the order the host accepts
 * them:
 *
 *   LOADED (Register's answer) | LOAD_FAILED
 *   RUNNING                    Run is being called
 *   RETURNED                   Run's value, the session's status, heap figures
 *   DONE                       session destroyed and module unloaded: figures
 *
 * The host checks each message's size and place (run.c); anything else
 * marks the channel broken.  Only the runtime and a hostile test fixture
 * (tests/fixtures) include this header.
 */
#ifndef NMX_RUNTIME_ENTRY_MSGS_H
#define NMX_RUNTIME_ENTRY_MSGS_H

#include <stdint.h>

#include <netmon.h>

#include "mem/nmx_mem.h"

enum { MSG_LOADED = 1, MSG_LOAD_FAILED, MSG_RUNNING, MSG_RETURNED, MSG_DONE };

typedef struct msg_loaded {
    char name[EXPERTSTRINGLENGTH];
    uint32_t version;
    uint32_t flags;
} msg_loaded_t;

typedef struct msg_load_failed {
    uint32_t code;
    uint32_t substatus;
    char text[512];
} msg_load_failed_t;

typedef struct msg_returned {
    int32_t result;
    EXPERTSTATUS status;
    uint64_t live_bytes, live_blocks;
    nmx_mem_stats_t mem;
} msg_returned_t;

typedef struct msg_done {
    nmx_mem_stats_t mem;
} msg_done_t;

#endif /* NMX_RUNTIME_ENTRY_MSGS_H */
