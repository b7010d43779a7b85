/*
 * runtime.h - internals of the expert runtime shared by its files.
 *
 * Vocabulary:
 *  - a *module* is one expert shared object (loader.h);
 *  - a *run* executes several experts over one capture (run.c);
 *  - each expert of a run gets an *entry*, and each entry a *shared region*
 *    (nmx_shared_t) through which the expert's status, memory statistics
 *    and events reach the host, even when the expert's process dies;
 *  - the expert's Run (or Configure) call is a *session* with its own key
 *    and heap (session.c); the Expert* helpers (expert_api.c) and the frame
 *    and property helpers (frame_api.c) find the session through the key or
 *    through the HFRAME handle.
 */
#ifndef NMX_RUNTIME_RUNTIME_H
#define NMX_RUNTIME_RUNTIME_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <netmon.h>
#include <nmexpert/host.h>

#include "capture/capture.h"
#include "mem/nmx_mem.h"
#include "proto/proto.h"
#include "runtime/eventlog.h"

/* Filters (src/filter): NetMon filter objects and the -Y display filter. */
#include "filter/filter.h"

/* Phases of an entry, written by the expert side, read by the host. */
enum {
    NMX_PHASE_NEW = 0,
    NMX_PHASE_LOADING,   /* dlopen/DllMain/Register in progress */
    NMX_PHASE_LOAD_FAILED,
    NMX_PHASE_RUNNING,   /* Run has been called */
    NMX_PHASE_RETURNED,  /* Run returned; the session is being torn down */
    NMX_PHASE_DONE       /* session destroyed, module unloaded */
};

/* Memory shared between the host and the process running one expert. */
typedef struct nmx_shared {
    _Atomic uint32_t terminate;   /* host -> expert: termination requested (spec 1.6) */
    _Atomic uint32_t phase;       /* NMX_PHASE_* */
    DWORD load_error_code;        /* NMERR_LOAD_EXPERT_FAILED / _REPORT_FAILED */
    DWORD load_substatus;         /* EXPERTSUBSTATUS_ABORTED_* */
    char load_error[512];
    char name[EXPERTSTRINGLENGTH]; /* from Register */
    DWORD version;
    DWORD flags;
    int32_t run_result;           /* what Run returned */
    _Atomic uint32_t status_seq;  /* odd while `status` is being written */
    EXPERTSTATUS status;          /* last status the expert indicated */
    nmx_mem_stats_t mem;          /* the session heap keeps its statistics here */
    uint64_t live_bytes_at_end;   /* when Run returned */
    uint64_t live_blocks_at_end;
    uint64_t log_offset;          /* where the event log starts in the region */
} nmx_shared_t;

/* Creates a shared region with room for `log_capacity` bytes of events. */
nmx_shared_t *nmx_shared_new(uint64_t log_capacity);
void nmx_shared_free(nmx_shared_t *sh);
nmx_eventlog_t *nmx_shared_log(nmx_shared_t *sh);

/* Status writes/reads under the seqlock. */
void nmx_shared_set_status(nmx_shared_t *sh, const EXPERTSTATUS *st);
void nmx_shared_get_status(const nmx_shared_t *sh, EXPERTSTATUS *st);

/* ---- captures as experts see them (HCAPTURE) ---------------------------- */

/* The object behind an HCAPTURE (struct _CAPTURE is opaque in netmon.h). */
struct _CAPTURE {
    uint32_t magic;               /* NMX_CAPTURE_MAGIC while live */
    nmx_capture_t *pub;           /* the host.h handle */
    nmx_cap_t *cap;               /* the indexed frames */
    int64_t first_ns;             /* time of frame 0: FRAME.TimeStamp origin */
    SYSTEMTIME start;             /* GetCaptureTimeStamp */
    uint32_t mactype;             /* GetCaptureMacType */
    char *comment;                /* GetCaptureComment, or NULL */
    LPPROTOCOLTABLE enabled;      /* GetEnabledProtocols */
    struct nmx_session *default_session; /* for HFRAMEs made without a session context */
};
#define NMX_CAPTURE_MAGIC 0x43505243u

/* Wraps an open capture for the NetMon API; registered so that HCAPTURE
 * values can be validated without dereferencing them. */
struct _CAPTURE *nmx_capobj_new(nmx_capture_t *pub);
void nmx_capobj_free(struct _CAPTURE *co);
/* Validates an HCAPTURE: the object, or NULL for a stale or wild value. */
struct _CAPTURE *nmx_capobj_get(HCAPTURE h);

/* ---- sessions ----------------------------------------------------------- */

typedef struct nmx_session nmx_session_t;

typedef struct nmx_session_opts {
    struct _CAPTURE *capture;
    nmx_shared_t *shared;          /* status, statistics and events go here */
    uint64_t mem_limit;
    bool debug_heap;
    const nmx_filter_t *ui_filter; /* FLAGS_DEFER_TO_UI_FILTER, or NULL */
    EXPERTSTARTUPINFO startup;     /* copied */
    DWORD startup_flags;
    bool release_behind;           /* drop capture pages walked past (own address space) */
} nmx_session_opts_t;

/* Creates a session and its key; NULL on failure (out of memory). */
nmx_session_t *nmx_session_new(const nmx_session_opts_t *opts);
HEXPERTKEY nmx_session_key(const nmx_session_t *s);
/* Requests termination (sticky); safe from another thread. */
void nmx_session_terminate(nmx_session_t *s);
/* Destroys the session: reclaims its heap, invalidates key and HFRAMEs. */
void nmx_session_free(nmx_session_t *s);

/* The live session of a key, or NULL (bad, stale or wild key). */
nmx_session_t *nmx_session_from_key(HEXPERTKEY key);

/* Checks the shared termination flag and propagates it to the heap; true
 * when the session is terminating. */
bool nmx_session_terminating(nmx_session_t *s);

/* The pieces of a session the API files need. */
struct nmx_session {
    HEXPERTKEY key;
    uint32_t slot;                /* index in the session table (HFRAME encoding) */
    uint32_t gen;                 /* generation of that slot */
    struct _CAPTURE *capture;
    nmx_cap_t *cap;
    nmx_shared_t *shared;
    const nmx_filter_t *ui_filter;
    EXPERTSTARTUPINFO startup;
    DWORD startup_flags;
    pthread_mutex_t lock;         /* serialises helpers called from expert threads */
    EXPERTSTATUS status;          /* the host's copy (spec 4.6) */
    /* frame delivery */
    uint8_t *framebuf;            /* FRAME header + bytes of the last frame delivered */
    size_t framebuf_cap;
    uint8_t *auxbuf;              /* the same for GetFrameFromFrameHandle */
    size_t auxbuf_cap;
    nmx_frame_addrs_t addrs;      /* address locations of frame recog_frame */
    uint32_t recog_frame;         /* frame recognized last, UINT32_MAX = none */
    bool release_behind;          /* keep only a window of the capture resident */
    uint64_t released;            /* capture bytes before this were released from memory */
    uint64_t prefetched;          /* ... and bytes before this were mapped in ahead */
    nmx_proto_ws_t *ws;           /* dissection scratch */
    struct nmx_dcache *dcache;    /* dissections cached per frame (session.c) */
    nmx_recog_buf_t recog;        /* recognize table of frame recog_frame (last: it holds a
                                     flexible array) */
};

/* Per-thread current session, set by the runtime around Configure/Run, so
 * that handle-free calls (GetFrame(hCapture, n)) know their session. */
nmx_session_t *nmx_session_current(void);
void nmx_session_set_current(nmx_session_t *s);

/* HFRAME handles encode (session slot, generation, frame number). */
HFRAME nmx_hframe_make(const nmx_session_t *s, uint32_t frame);
/* Decodes and validates an HFRAME; NULL for a bad handle. */
nmx_session_t *nmx_hframe_session(HFRAME h, uint32_t *frame);

/*
 * The dissection of a frame, computed on demand and cached per session.
 * Valid until the session ends or at least until the next call that asks
 * for the same session's dissection of another 64 frames.
 */
const nmx_dissection_t *nmx_session_dissect(nmx_session_t *s, uint32_t frame);
void nmx_dcache_free(struct nmx_dcache *c);

/* Copies frame `n` into the session's FRAME buffer and returns it; valid
 * until the next call.  The aux variant uses a second buffer (for
 * GetFrameFromFrameHandle, which must not clobber ExpertGetFrame's). */
ULPFRAME nmx_session_frame(nmx_session_t *s, uint32_t n);
ULPFRAME nmx_session_aux_frame(nmx_session_t *s, uint32_t n);

/* Recognizes frame n (cached for the last frame): its recognize table and
 * address locations.  Call with the session lock held. */
const RECOGNIZEDATATABLE *nmx_session_recognize(nmx_session_t *s, uint32_t n,
                                                const nmx_frame_addrs_t **addrs);

/* Evaluates filter f on frame n: FILTER_PASSED, FILTER_FAILED or
 * FILTER_FAIL_WITH_ERROR.  Call with the session lock held. */
int nmx_session_filter(nmx_session_t *s, const nmx_filter_t *f, uint32_t n);

#endif /* NMX_RUNTIME_RUNTIME_H */
