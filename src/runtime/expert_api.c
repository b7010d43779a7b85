/*
 * expert_api.c - the Expert* helpers that are not about memory (spec 2.5-2.8):
 * ExpertGetFrame, ExpertGetStartupInfo, ExpertIndicateStatus and
 * ExpertSubmitEvent.  (The memory helpers live in src/mem.)
 *
 * Every helper checks the key first (130), then termination (125) where the
 * spec says it reports it, then its arguments (76) - spec 2.0.
 */
#include <string.h>

#include "common/strutil.h"
#include "runtime/runtime.h"

/* ---- ExpertGetFrame ------------------------------------------------------ */

/* Is frame n inside the run's frame and time bounds, and in its shard? */
static bool in_range(const nmx_session_t *s, uint32_t n)
{
    const nmx_frame_range_t *r = &s->range;
    if (n < r->first || n > r->last)
        return false;
    if (r->has_start || r->has_end) {
        const nmx_frame_rec_t *rec = nmx__session_rec(s, n);
        if (rec == NULL || (rec->flags & NMX_FRAME_NO_TS))
            return false;
        if ((r->has_start && rec->ts_ns < r->start_ns) || (r->has_end && rec->ts_ns > r->end_ns))
            return false;
    }
    /* the shard's frames, marked once for the run (startup.c) */
    if (r->shard_bits != NULL && !((r->shard_bits[n >> 3] >> (n & 7)) & 1))
        return false;
    return true;
}

/*
 * Does frame n pass the filters in force (with the UI view: the run's range
 * too)?  FILTER_PASSED, FILTER_FAILED or FILTER_FAIL_WITH_ERROR (malformed
 * filter).
 */
static int frame_passes(nmx_session_t *s, uint32_t n, bool ui_view, const nmx_filter_t *ui,
                        const nmx_filter_t *f)
{
    if (ui_view && s->range.active && !in_range(s, n))
        return FILTER_FAILED;
    const nmx_filter_t *fs[2] = {ui, f};
    for (int k = 0; k < 2; k++) {
        if (fs[k] == NULL)
            continue;
        int r = nmx__session_filter(s, fs[k], n);
        if (r != FILTER_PASSED)
            return r;
    }
    return FILTER_PASSED;
}

/* Scans from RequestedFrameNumber for the next frame (GET_FRAME_NEXT_*)
 * that passes, polling termination at every frame (spec 2.5): its number in
 * *found, or the error. */
static DWORD scan_frames(nmx_session_t *s, DWORD Direction, DWORD RequestedFrameNumber, bool ui_view,
                         const nmx_filter_t *ui, const nmx_filter_t *f, uint32_t *found)
{
    uint32_t total = nmx__cap_count(s->cap);
    bool forward = Direction == GET_FRAME_NEXT_FORWARD;
    uint64_t i;
    if (forward)
        i = (uint64_t)(uint32_t)(RequestedFrameNumber + 1u); /* (DWORD)-1 + 1 = 0 */
    else
        i = RequestedFrameNumber == 0
                ? UINT64_MAX
                : (uint64_t)(RequestedFrameNumber < total ? RequestedFrameNumber : total) - 1;
    if (forward && RequestedFrameNumber != (DWORD)-1 && RequestedFrameNumber >= total)
        i = total;
    while (i < total) {
        if ((ui != NULL || f != NULL || (ui_view && s->range.active)) && nmx__session_terminating(s))
            return NMERR_EXPERT_TERMINATE;
        int r = frame_passes(s, (uint32_t)i, ui_view, ui, f);
        if (r == FILTER_PASSED) {
            *found = (uint32_t)i;
            return NMERR_SUCCESS;
        }
        if (r != FILTER_FAILED)
            return NMERR_FILTER_INVALID_EXPRESSION;
        if (forward)
            i++;
        else if (i-- == 0)
            break;
    }
    return NMERR_OUT_OF_RANGE;
}

/* Fills the descriptor of frame `found` (dissected when the expert asks for
 * properties), counts it as read, and keeps only a window of the capture
 * resident around it. */
static DWORD deliver_frame(nmx_session_t *s, uint32_t found, DWORD RequestFlags, LPEXPERTFRAMEDESCRIPTOR desc)
{
    ULPFRAME pf = nmx__session_frame(s, found);
    const nmx_dissection_t *d = NULL;
    if (pf == NULL || ((RequestFlags & FLAGS_ATTACH_PROPERTIES) && (d = nmx__session_dissect(s, found)) == NULL))
        return NMERR_OUT_OF_MEMORY;
    LPRECOGNIZEDATATABLE rt = d != NULL ? d->recog : (LPRECOGNIZEDATATABLE)nmx__session_recognize(s, found, NULL);
    desc->FrameNumber = found;
    desc->hFrame = nmx__hframe_make(s, found);
    desc->pFrame = pf;
    desc->lpRecognizeDataTable = rt->nRecognizeDatas > 0 ? rt : NULL;
    desc->lpPropertyTable = d != NULL ? d->props : NULL;
    s->status.Frame = found;
    if (s->seen != NULL && !(s->seen[found / 8] & (1u << (found % 8)))) {
        s->seen[found / 8] |= (uint8_t)(1u << (found % 8));
        s->nseen++;
        if (s->link != NULL)
            atomic_store(&s->link->page->frames_read, s->nseen);
    }
    /* Walking forward: map the next window in one call, and (in a process
     * of its own) keep only a window of the capture resident. */
    uint64_t off = nmx__cap_frame(s->cap, found)->data_off;
    if (off >= s->prefetched || off + NMX_CAP_RESIDENT_WINDOW < s->prefetched) {
        nmx__cap_prefetch(s->cap, off, off + NMX_CAP_RESIDENT_WINDOW);
        s->prefetched = off + NMX_CAP_RESIDENT_WINDOW;
    }
    nmx__session_release_behind(s, &s->released, found);
    return NMERR_SUCCESS;
}

NMAPI DWORD WINAPI ExpertGetFrame(HEXPERTKEY hExpertKey, DWORD Direction, DWORD RequestFlags,
                                  DWORD RequestedFrameNumber, HFILTER hFilter,
                                  LPEXPERTFRAMEDESCRIPTOR pEFrameDescriptor)
{
    nmx_session_t *s = nmx__session_from_key(hExpertKey);
    if (s == NULL)
        return NMERR_INVALID_EXPERT_HANDLE;
    if (nmx__session_terminating(s))
        return NMERR_EXPERT_TERMINATE;
    if (Direction > GET_FRAME_NEXT_BACKWARD || pEFrameDescriptor == NULL)
        return NMERR_INVALID_PARAMETER;
    const nmx_filter_t *f = NULL;
    if (hFilter != NULL) {
        f = nmx__filter_from_handle(hFilter);
        if (f == NULL)
            return NMERR_INVALID_HFILTER;
    }
    bool ui_view = (RequestFlags & FLAGS_DEFER_TO_UI_FILTER) != 0;
    const nmx_filter_t *ui = ui_view ? s->ui_filter : NULL;

    pthread_mutex_lock(&s->lock);
    DWORD rc = NMERR_SUCCESS;
    uint32_t total = nmx__cap_count(s->cap);
    uint32_t found = UINT32_MAX;
    if (total == 0) {
        rc = NMERR_OUT_OF_RANGE;
    } else if (Direction == GET_SPECIFIED_FRAME) {
        if (RequestedFrameNumber >= total) {
            rc = NMERR_OUT_OF_RANGE;
        } else {
            int r = frame_passes(s, RequestedFrameNumber, ui_view, ui, f);
            if (r == FILTER_PASSED)
                found = RequestedFrameNumber;
            else
                rc = r == FILTER_FAILED ? NMERR_FRAME_FAILED_FILTER : NMERR_FILTER_INVALID_EXPRESSION;
        }
    } else {
        rc = scan_frames(s, Direction, RequestedFrameNumber, ui_view, ui, f, &found);
    }
    if (rc == NMERR_SUCCESS)
        rc = deliver_frame(s, found, RequestFlags, pEFrameDescriptor);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* ---- ExpertGetStartupInfo -------------------------------------------------- */

NMAPI DWORD WINAPI ExpertGetStartupInfo(HEXPERTKEY hExpertKey, PEXPERTSTARTUPINFO pExpertStartupInfo)
{
    nmx_session_t *s = nmx__session_from_key(hExpertKey);
    if (s == NULL)
        return NMERR_INVALID_EXPERT_HANDLE;
    if (pExpertStartupInfo == NULL)
        return NMERR_INVALID_PARAMETER;
    *pExpertStartupInfo = s->startup;
    return NMERR_SUCCESS;
}

/* ---- ExpertIndicateStatus ---------------------------------------------------- */

NMAPI DWORD WINAPI ExpertIndicateStatus(HEXPERTKEY hExpertKey, EXPERTSTATUSENUMERATION Status,
                                        DWORD SubStatus, const char *szText, LONG PercentDone)
{
    nmx_session_t *s = nmx__session_from_key(hExpertKey);
    if (s == NULL)
        return NMERR_INVALID_EXPERT_HANDLE;
    if (nmx__session_terminating(s))
        return NMERR_EXPERT_TERMINATE;
    if ((unsigned)Status > EXPERTSTATUS_DONE)
        return NMERR_INVALID_PARAMETER;
    pthread_mutex_lock(&s->lock);
    s->status.Status = Status;
    s->status.SubStatus = SubStatus;
    if (szText != NULL)
        nmx__strlcpy(s->status.szStatusText, szText, sizeof s->status.szStatusText);
    if (PercentDone >= 0 && PercentDone <= 99)
        s->status.PercentDone = (DWORD)PercentDone;
    if (s->link != NULL)
        nmx__ctlpage_set_status(s->link->page, &s->status);
    pthread_mutex_unlock(&s->lock);
    return NMERR_SUCCESS;
}

/* ---- ExpertSubmitEvent -------------------------------------------------------- */

NMAPI DWORD WINAPI ExpertSubmitEvent(HEXPERTKEY hExpertKey, PNMEVENTDATA pExpertEvent)
{
    nmx_session_t *s = nmx__session_from_key(hExpertKey);
    if (s == NULL)
        return NMERR_INVALID_EXPERT_HANDLE;
    nmx_link_t *link = s->link;
    if (nmx__session_terminating(s)) {
        if (link != NULL)
            atomic_fetch_add(&link->page->log.dropped, 1);
        return NMERR_EXPERT_TERMINATE;
    }
    if (pExpertEvent == NULL)
        return NMERR_INVALID_PARAMETER;
    if (link == NULL)
        return NMERR_SUCCESS; /* a Configure session has no viewer */
    if (link->flags & EXPERT_ENUM_FLAG_NO_VIEWER)
        return NMERR_SUCCESS;
    pthread_mutex_lock(&s->lock);
    DWORD rc = nmx__eventlog_append(&link->log, pExpertEvent);
    if (rc != NMERR_SUCCESS)
        atomic_fetch_add(&link->page->log.dropped, 1);
    pthread_mutex_unlock(&s->lock);
    return rc;
}
