/*
 * runtime.h - internals of the expert runtime shared by its files.
 *
 * Vocabulary:
 *  - a *module* is one expert shared object (loader.h);
 *  - a *run* executes several experts over one capture (run.c);
 *  - each expert of a run gets an *entry*; its code runs in a contained
 *    child process (supervise.h) or on a thread, and reports through a
 *    channel (phases, Register's answer, Run's result), a control page
 *    (progress, heap statistics, termination requests) and an event-log
 *    file (eventlog.h), so that what it did reaches the host even when its
 *    process dies;
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

/*
 * The control page of an entry: the first page of its event-log file,
 * mapped by the host and by the expert's process.  The host writes only
 * `terminate`; everything else is the expert side's, so the host copies it
 * out and treats it as figures for display, never as sizes, offsets or
 * outcomes.  Outcomes come through the entry's channel and from the reaper
 * (supervise.h); events from the rest of the file, read under the host's
 * own bounds (eventlog.h).
 */
typedef struct nmx_ctlpage {
    _Atomic uint32_t terminate;   /* host -> expert: termination requested (spec 1.6) */
    _Atomic uint32_t status_seq;  /* odd while `status` is being written */
    EXPERTSTATUS status;          /* last status the expert indicated (progress display) */
    nmx_mem_stats_t mem;          /* the session heap keeps its statistics here */
    nmx_eventlog_counters_t log;  /* the event log's counters */
    _Atomic uint64_t frames_read; /* distinct frames ExpertGetFrame delivered */
    _Atomic int32_t parser_running; /* parser DLL whose code runs (1-based index), 0 = none */
} nmx_ctlpage_t;
#define NMX_CTLPAGE_SIZE 4096u
_Static_assert(sizeof(nmx_ctlpage_t) <= NMX_CTLPAGE_SIZE, "the control page is one page");

/* Status writes/reads under the seqlock; reads are sanitised (the text is
 * terminated, the status a known value, the percentage at most 100). */
void nmx__ctlpage_set_status(nmx_ctlpage_t *pg, const EXPERTSTATUS *st);
void nmx__ctlpage_get_status(const nmx_ctlpage_t *pg, EXPERTSTATUS *st);
void nmx__status_sanitise(EXPERTSTATUS *st);

/* What the host takes from an entry's control page and event-log file `fd`
 * when the expert is over: copies, with the events parsed under `limit`. */
typedef struct nmx_ctl_figures {
    EXPERTSTATUS status;
    nmx_mem_stats_t mem;
    uint64_t committed, count, dropped, over_limit;
    uint64_t log_bytes;       /* bytes of records the file really holds, within the limit */
    uint64_t frames_read;     /* the expert side's claim: bound it by the capture */
    bool log_full;            /* the log had no room left for another record */
    nmx_event_t *events;      /* in *storage (free it) */
    size_t nevents;
    void *storage;
} nmx_ctl_figures_t;
int nmx__ctlpage_collect(const nmx_ctlpage_t *page, int fd, uint64_t limit, nmx_ctl_figures_t *f);

/*
 * What connects a running expert (its process, or its thread) to the host;
 * private to the expert side.
 */
typedef struct nmx_link {
    nmx_ctlpage_t *page;          /* the control page */
    nmx_eventlog_t log;           /* the event log (writer side) */
    DWORD flags;                  /* Register's flags (EXPERT_ENUM_FLAG_NO_VIEWER) */
    int chan;                     /* write end of the channel to the host */
} nmx_link_t;

/* ---- captures as experts see them (HCAPTURE) ---------------------------- */

/* The object behind an HCAPTURE (struct _CAPTURE is opaque in netmon.h). */
struct _CAPTURE {
    uint32_t magic;               /* NMX_CAPTURE_MAGIC while live */
    nmx_capture_t *pub;           /* the host.h handle */
    nmx_cap_t *cap;               /* the indexed frames */
    int64_t first_ns;             /* FRAME.TimeStamp origin (nmx__cap_time_origin_ns) */
    SYSTEMTIME start;             /* GetCaptureTimeStamp */
    uint32_t mactype;             /* GetCaptureMacType */
    char *comment;                /* GetCaptureComment, or NULL */
    LPPROTOCOLTABLE enabled;      /* GetEnabledProtocols */
    struct nmx_session *default_session; /* for HFRAMEs made without a session context */
};
#define NMX_CAPTURE_MAGIC 0x43505243u

/* Wraps an open capture for the NetMon API; registered so that HCAPTURE
 * values can be validated without dereferencing them. */
struct _CAPTURE *nmx__capobj_new(nmx_capture_t *pub);
void nmx__capobj_free(struct _CAPTURE *co);
/* Validates an HCAPTURE: the object, or NULL for a stale or wild value. */
struct _CAPTURE *nmx__capobj_get(HCAPTURE h);

/* ---- sessions ----------------------------------------------------------- */

typedef struct nmx_session nmx_session_t;

/* How far a forward walk in an expert's own process has released what it
 * walked past (nmx__session_release_behind). */
typedef struct nmx_walk_mark {
    uint64_t bytes;  /* capture bytes before this are released */
    uint32_t frames; /* index entries of the frames before this are released */
} nmx_walk_mark_t;

/* The frames a run's experts see through the UI filter (nmx_run_opts_t). */
typedef struct nmx_frame_range {
    bool active;
    uint32_t first, last;     /* 0-based, inclusive */
    bool has_start, has_end;
    int64_t start_ns, end_ns; /* inclusive */
    uint32_t shard_index, shard_count; /* 1-based of count; count 0 = none */
    const uint8_t *shard_bits;         /* bit n set: frame n is in the shard (the run's, computed
                                          once before the experts start), or NULL */
} nmx_frame_range_t;

typedef struct nmx_session_opts {
    struct _CAPTURE *capture;
    nmx_link_t *link;              /* status, statistics and events go here (NULL: Configure) */
    uint64_t mem_limit;
    bool debug_heap;
    const nmx_filter_t *ui_filter; /* FLAGS_DEFER_TO_UI_FILTER, or NULL */
    nmx_frame_range_t range;       /* ... and the frames it is limited to */
    EXPERTSTARTUPINFO startup;     /* copied */
    DWORD startup_flags;
    bool release_behind;           /* drop capture pages walked past (own address space) */
} nmx_session_opts_t;

/* Creates a session and its key; NULL on failure (out of memory). */
nmx_session_t *nmx__session_new(const nmx_session_opts_t *opts);
HEXPERTKEY nmx__session_key(const nmx_session_t *s);
/* Requests termination (sticky); safe from another thread. */
void nmx__session_terminate(nmx_session_t *s);
/* Destroys the session: reclaims its heap, invalidates key and HFRAMEs. */
void nmx__session_free(nmx_session_t *s);

/* The live session of a key, or NULL (bad, stale or wild key). */
nmx_session_t *nmx__session_from_key(HEXPERTKEY key);

/* Checks the shared termination flag and propagates it to the heap; true
 * when the session is terminating. */
bool nmx__session_terminating(nmx_session_t *s);

/* The pieces of a session the API files need. */
struct nmx_session {
    HEXPERTKEY key;
    uint32_t slot;                /* index in the session table (HFRAME encoding) */
    uint32_t gen;                 /* generation of that slot */
    struct _CAPTURE *capture;
    nmx_cap_t *cap;
    nmx_link_t *link;
    const nmx_filter_t *ui_filter;
    nmx_frame_range_t range;      /* applies with ui_filter */
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
    bool release_behind;          /* keep only a window of the capture and index resident */
    nmx_walk_mark_t released;     /* what the frame delivery has released */
    uint64_t prefetched;          /* capture bytes before this were mapped in ahead */
    nmx_proto_ws_t *ws;           /* dissection scratch */
    struct nmx_dcache *dcache;    /* dissections cached per frame (session.c) */
    struct nmx_stream_tab *streams; /* tcp.stream and udp.stream of every frame, numbered
                                     when a filter first needs them (session.c), or NULL */
    struct nmx_frame_mod *mods;   /* frames replaced with ModifyFrame: this session's own
                                     copy-on-write view of the capture */
    size_t nmods;
    uint64_t wants[2];            /* protocols (ids < 128) whose properties the helpers were
                                     asked for: what partial dissections keep */
    nmx_learned_t *learned;       /* conversations the frames before learned_upto announced
                                     (learn.c), or NULL (out of memory: none are learned) */
    uint32_t learned_upto;
    nmx_walk_mark_t learn_mark;   /* what a learning walk ahead of the delivery released */
    uint8_t *seen;                /* a bit per frame ExpertGetFrame delivered, or NULL */
    uint64_t nseen;               /* bits set: published as the page's frames_read */
    nmx_recog_buf_t recog;        /* recognize table of frame recog_frame (last: it holds a
                                     flexible array) */
};

/* Frame n as this session sees it: its record and bytes (the capture's, or
 * the session's private copy after ModifyFrame). */
const nmx_frame_rec_t *nmx__session_rec(const nmx_session_t *s, uint32_t n);

/*
 * A forward walk has reached frame n.  In an expert's own process
 * (release_behind) this keeps only a window of the capture
 * (NMX_CAP_RESIDENT_WINDOW bytes) and of the frame index
 * (NMX_INDEX_RESIDENT_FRAMES entries) resident behind it, and moves *mark;
 * what is released reads back when touched again.  No effect otherwise.
 */
#define NMX_INDEX_RESIDENT_FRAMES 32768u /* 1 MiB of index */
void nmx__session_release_behind(const nmx_session_t *s, nmx_walk_mark_t *mark, uint32_t n);
const uint8_t *nmx__session_data(const nmx_session_t *s, uint32_t n);
/* Replaces frame n in this session's view (ModifyFrame); 0 or an NMERR code. */
DWORD nmx__session_modify(nmx_session_t *s, uint32_t n, const uint8_t *data, uint32_t len, int64_t ts_ns);

/* Per-thread current session, set by the runtime around Configure/Run, so
 * that handle-free calls (GetFrame(hCapture, n)) know their session. */
nmx_session_t *nmx__session_current(void);
void nmx__session_set_current(nmx_session_t *s);

/* HFRAME handles encode (session slot, generation, frame number). */
HFRAME nmx__hframe_make(const nmx_session_t *s, uint32_t frame);
/* Decodes and validates an HFRAME; NULL for a bad handle. */
nmx_session_t *nmx__hframe_session(HFRAME h, uint32_t *frame);

/*
 * The dissection of a frame, computed on demand and cached per session.
 * Valid until the session ends or at least until the next call that asks
 * for the same session's dissection of another 64 frames.
 */
const nmx_dissection_t *nmx__session_dissect(nmx_session_t *s, uint32_t frame);
/*
 * A dissection of the frame that holds every instance of f's properties
 * (the property helpers): partial when the frame's later layers cannot
 * carry them, which spares parsing what nobody asked for.  A deeper
 * dissection of the same frame keeps the shallower ones alive (->older),
 * so instances handed out stay valid as long as nmx__session_dissect's.
 */
const nmx_dissection_t *nmx__session_dissect_for(nmx_session_t *s, uint32_t frame, const nmx_field_t *f);
/* The cached dissection of `frame` (or an older one kept with it) that
 * holds instance pi; NULL when none does. */
const nmx_dissection_t *nmx__session_dissection_of(nmx_session_t *s, uint32_t frame, const PROPERTYINST *pi);
void nmx__dcache_free(struct nmx_dcache *c);

/* Frame n's place in the session's capture (frame.number, its times, its
 * comment, its stream numbers when computed), for nmx__dissect_ctx. */
void nmx__session_frame_ctx(const nmx_session_t *s, uint32_t frame, nmx_frame_ctx_t *ctx);

/* Numbers the capture's TCP and UDP conversations (tcp.stream, udp.stream)
 * once per session, with one recognize pass over the frames, and drops the
 * dissections cached before; false when out of memory. */
bool nmx__session_need_streams(nmx_session_t *s);

/* Copies frame `n` into the session's FRAME buffer and returns it; valid
 * until the next call.  The aux variant uses a second buffer (for
 * GetFrameFromFrameHandle, which must not clobber ExpertGetFrame's). */
ULPFRAME nmx__session_frame(nmx_session_t *s, uint32_t n);
ULPFRAME nmx__session_aux_frame(nmx_session_t *s, uint32_t n);

/* Recognizes frame n (cached for the last frame): its recognize table and
 * address locations.  Call with the session lock held. */
const RECOGNIZEDATATABLE *nmx__session_recognize(nmx_session_t *s, uint32_t n,
                                                 const nmx_frame_addrs_t **addrs);

/* The shard (1..count) of a frame of `caplen` bytes recognized as t: a
 * symmetric hash of its connection (shard.c); 1 when count <= 1. */
uint32_t nmx__shard_of(const uint8_t *data, uint32_t caplen, const RECOGNIZEDATATABLE *t, uint32_t count);

/* Evaluates filter f on frame n: FILTER_PASSED, FILTER_FAILED or
 * FILTER_FAIL_WITH_ERROR.  Call with the session lock held. */
int nmx__session_filter(nmx_session_t *s, const nmx_filter_t *f, uint32_t n);

/* Parser plug-ins (parsers.c): how many nmx_parsers_load entered, the
 * path of one; in an expert process, loading them (DllMain, Register) with
 * `slot` noting which one runs, and DllMain(DLL_PROCESS_DETACH) at its end. */
size_t nmx__parsers_count(void);
const char *nmx__parsers_path(int index);
void nmx__parsers_attach(_Atomic int32_t *slot);
void nmx__parsers_detach(void);

#endif /* NMX_RUNTIME_RUNTIME_H */
