/*
 * summary.c - what the run command says on standard error after a run:
 * one line per expert that did not complete, so that every failure that
 * makes the exit status non-zero is named there, whether the report went
 * to standard output or to a file (-o).
 *
 *   nmexpert: expert tcpretrans crashed: signal 11 (Segmentation fault)
 */
#include <stdio.h>

#include "cli.h"

/* The outcome as the verb of a sentence about the expert. */
static const char *outcome_phrase(nmx_outcome_t o)
{
    switch (o) {
    case NMX_OUTCOME_FAILED: return "failed";
    case NMX_OUTCOME_CRASHED: return "crashed";
    case NMX_OUTCOME_TIMED_OUT: return "timed out";
    case NMX_OUTCOME_TERMINATED: return "was stopped";
    case NMX_OUTCOME_OUT_OF_MEMORY: return "ran out of memory";
    case NMX_OUTCOME_LOAD_FAILED: return "could not be loaded";
    case NMX_OUTCOME_PENDING: return "did not run";
    default: return nmx_outcome_name(o);
    }
}

void nmx__cli_summarise_failures(const nmx_run_t *run)
{
    size_t n = nmx_run_result_count(run);
    for (size_t i = 0; i < n; i++) {
        const nmx_result_t *r = nmx_run_result(run, i);
        if (r->outcome == NMX_OUTCOME_COMPLETED)
            continue;
        bool said = r->message != NULL && r->message[0] != '\0';
        nmx__cli_error("expert %s %s%s%s", r->module, outcome_phrase(r->outcome), said ? ": " : "",
                       said ? r->message : "");
    }
}
