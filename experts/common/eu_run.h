/*
 * eu_run.h - the parts of Register and Run every built-in expert shares:
 * the registration record, the start of a Run (status, refused settings),
 * the walk over the capture's frames with the progress reported, problem
 * reports, and the capture's protocols by name and id.
 *
 * Part of libnmx_expert_util.a (experts/common/).  Functions that can fail
 * return an NMERR code (0 = success); on NMERR_EXPERT_TERMINATE the caller
 * must clean up and return at once, without reporting a problem.
 */
#ifndef NMX_EU_RUN_H
#define NMX_EU_RUN_H

#include <stddef.h>

#include <netmon.h>

/* Fills EXPERTENUMINFO as every built-in expert does: its display name, the
 * vendor "nmexpert", a one-line description, version 1, configurable. */
BOOL eu_register(PEXPERTENUMINFO info, const char *name, const char *description);

/* Defines the expert's Register entry point as eu_register() with its
 * display name and one-line description. */
#define EU_REGISTER_AS(name, description)                                                                      \
    BOOL WINAPI Register(PEXPERTENUMINFO info)                                                                 \
    {                                                                                                          \
        return eu_register(info, name, description);                                                           \
    }

/* The start of a Run: reports STARTING with `status`, then, when the
 * settings were refused (settings_error != NULL), PROBLEM with
 * NMERR_INVALID_PARAMETER and that text.  TRUE when the run may go on. */
BOOL eu_run_begin(HEXPERTKEY key, const char *status, const char *settings_error);

/* TRUE when the startup information names a capture; else reports the
 * problem "WHO: no capture" (NMERR_INVALID_HCAPTURE). */
BOOL eu_need_capture(HEXPERTKEY key, const EXPERTSTARTUPINFO *si, const char *who);

/* A run's state: `size` zeroed bytes in the expert heap, or NULL after
 * reporting the problem (nothing when the host said stop). */
void *eu_run_alloc(HEXPERTKEY key, size_t size);

/* Reports EXPERTSTATUS_PROBLEM with an NMERR sub-status and a formatted text
 * (what a Run does just before it returns FALSE).  Returns `code`. */
DWORD eu_problem(HEXPERTKEY key, DWORD code, LONG pct, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A short text for the NMERR codes a Run loop can meet. */
const char *eu_nmerr_text(DWORD rc);

/* ---- the walk over the frames ------------------------------------------- */

/* Where a Run's walk is: for its progress and its problem reports. */
typedef struct eu_walk {
    HEXPERTKEY key;
    DWORD total;   /* frames in the capture */
    LONG pct;      /* last percentage reported: -1 before the walk */
    DWORD last;    /* number of the last frame handed out, (DWORD)-1 before */
} eu_walk_t;

/* Prepares a walk over the capture of `si` (none: no frames). */
void eu_walk_init(eu_walk_t *w, HEXPERTKEY key, const EXPERTSTARTUPINFO *si);

/* Called for each frame; a non-zero NMERR code stops the walk. */
typedef DWORD (*eu_frame_fn)(void *ctx, EXPERTFRAMEDESCRIPTOR *fd);

/*
 * Reports RUNNING at 0%, then calls fn(ctx, fd) for every frame that passes
 * the user's display filter, in order, reporting the percentage done as it
 * changes.  Returns 0 after the last frame, fn's first non-zero code, or
 * the host's error.
 */
DWORD eu_walk(eu_walk_t *w, eu_frame_fn fn, void *ctx);

/* After a failed walk (err != 0): the PROBLEM "WHO: stopped: TEXT [NMERR
 * n]" at the walk's percentage, unless err is NMERR_EXPERT_TERMINATE. */
void eu_walk_stopped(const eu_walk_t *w, DWORD err, const char *who);

/* ---- protocols ------------------------------------------------------------ */

/* The ProtocolID (as in RECOGNIZEDATA) of a protocol name, or 0xFFFF. */
WORD eu_protocol_id(const char *name);

/* The Wireshark-style name (PROTOCOLINFO.ProtocolName) of every protocol the
 * capture's parsers know, indexed by ProtocolID.  names[id] is NULL for an
 * id no protocol has.  *count = highest id + 1.  The strings belong to the
 * host (valid while the capture is open); the array is in the expert heap
 * (free it with ExpertFreeMemory).  Returns 0 or an NMERR code. */
DWORD eu_protocol_names(HEXPERTKEY key, HCAPTURE cap, const char ***names, size_t *count);

#endif /* NMX_EU_RUN_H */
