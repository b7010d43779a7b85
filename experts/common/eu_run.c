/*
 * eu_run.c - registration, the start of a Run, the frame walk and its
 * progress, problem reports and protocol look-ups of eu_run.h.
 */
#include "eu_run.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

BOOL eu_register(PEXPERTENUMINFO info, const char *name, const char *description)
{
    snprintf(info->szName, sizeof info->szName, "%s", name);
    snprintf(info->szVendor, sizeof info->szVendor, "nmexpert");
    snprintf(info->szDescription, sizeof info->szDescription, "%s", description);
    info->Version = 1;
    info->Flags = EXPERT_ENUM_FLAG_CONFIGURABLE;
    return TRUE;
}

BOOL eu_run_begin(HEXPERTKEY key, const char *status, const char *settings_error)
{
    if (ExpertIndicateStatus(key, EXPERTSTATUS_STARTING, 0, status, 0) != 0)
        return FALSE;
    if (settings_error != NULL) {
        eu_problem(key, NMERR_INVALID_PARAMETER, 0, "%s", settings_error);
        return FALSE;
    }
    return TRUE;
}

BOOL eu_need_capture(HEXPERTKEY key, const EXPERTSTARTUPINFO *si, const char *who)
{
    if (si != NULL && si->hCapture != NULL)
        return TRUE;
    eu_problem(key, NMERR_INVALID_HCAPTURE, 0, "%s: no capture", who);
    return FALSE;
}

void *eu_run_alloc(HEXPERTKEY key, size_t size)
{
    DWORD err = 0;
    void *p = ExpertAllocMemory(key, size, &err);
    if (p == NULL && err != NMERR_EXPERT_TERMINATE)
        eu_problem(key, err, 0, "%s", eu_nmerr_text(err));
    return p;
}

DWORD eu_problem(HEXPERTKEY key, DWORD code, LONG pct, const char *fmt, ...)
{
    char text[EXPERTSTRINGLENGTH];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    ExpertIndicateStatus(key, EXPERTSTATUS_PROBLEM, code, text, pct >= 0 && pct <= 99 ? pct : 0);
    return code;
}

const char *eu_nmerr_text(DWORD rc)
{
    switch (rc) {
    case NMERR_OUT_OF_MEMORY: return "out of memory: the expert heap or the event log is full (NMERR_OUT_OF_MEMORY)";
    case NMERR_FILTER_INVALID_EXPRESSION: return "the display filter is invalid (NMERR_FILTER_INVALID_EXPRESSION)";
    case NMERR_INVALID_HFILTER: return "invalid filter handle (NMERR_INVALID_HFILTER)";
    case NMERR_INVALID_PARAMETER: return "invalid parameter (NMERR_INVALID_PARAMETER)";
    case NMERR_FILE_WRITE_ERROR: return "write error (NMERR_FILE_WRITE_ERROR)";
    case NMERR_EXPERT_TERMINATE: return "terminated (NMERR_EXPERT_TERMINATE)";
    default: return "unexpected error from the host";
    }
}

/* ---- the walk ------------------------------------------------------------- */

void eu_walk_init(eu_walk_t *w, HEXPERTKEY key, const EXPERTSTARTUPINFO *si)
{
    w->key = key;
    w->total = si != NULL ? GetCaptureTotalFrames(si->hCapture) : 0;
    w->pct = -1;
    w->last = (DWORD)-1;
}

/* Reports RUNNING with the percentage of frame `n` when it changed;
 * returns ExpertIndicateStatus's code (NMERR_EXPERT_TERMINATE: stop). */
static DWORD progress(eu_walk_t *w, DWORD n)
{
    LONG pct = w->total > 0 ? (LONG)((uint64_t)n * 100 / w->total) : 0;
    if (pct > 99)
        pct = 99;
    if (pct == w->pct)
        return 0;
    w->pct = pct;
    return ExpertIndicateStatus(w->key, EXPERTSTATUS_RUNNING, 0, "", pct);
}

DWORD eu_walk(eu_walk_t *w, eu_frame_fn fn, void *ctx)
{
    DWORD rc = ExpertIndicateStatus(w->key, EXPERTSTATUS_RUNNING, 0, "", 0);
    if (rc != 0)
        return rc;
    w->pct = 0;
    EXPERTFRAMEDESCRIPTOR fd;
    for (;;) {
        rc = ExpertGetFrame(w->key, GET_FRAME_NEXT_FORWARD, FLAGS_DEFER_TO_UI_FILTER, w->last, NULL, &fd);
        if (rc == NMERR_OUT_OF_RANGE)
            return 0;
        if (rc != NMERR_SUCCESS)
            return rc;
        w->last = fd.FrameNumber;
        if ((rc = progress(w, w->last)) != 0 || (rc = fn(ctx, &fd)) != 0)
            return rc;
    }
}

void eu_walk_stopped(const eu_walk_t *w, DWORD err, const char *who)
{
    if (err != 0 && err != NMERR_EXPERT_TERMINATE)
        eu_problem(w->key, err, w->pct, "%s: stopped: %s [NMERR %lu]", who, eu_nmerr_text(err), (unsigned long)err);
}

/* ---- protocols -------------------------------------------------------------- */

WORD eu_protocol_id(const char *name)
{
    HPROTOCOL h = GetProtocolFromName((LPSTR)name);
    LPPROTOCOLINFO info = h != NULL ? GetProtocolInfo(h) : NULL;
    return info != NULL ? (WORD)info->ProtocolID : 0xFFFF;
}

DWORD eu_protocol_names(HEXPERTKEY key, HCAPTURE cap, const char ***names, size_t *count)
{
    DWORD err = 0;
    *names = NULL;
    *count = 0;
    LPPROTOCOLTABLE t = GetEnabledProtocols(cap);
    if (t == NULL)
        return BhGetLastError() != 0 ? BhGetLastError() : NMERR_NO_PROTOCOLS_ENABLED;
    size_t n = 1;
    for (DWORD i = 0; i < t->nProtocols; i++) {
        LPPROTOCOLINFO pi = GetProtocolInfo(t->hProtocol[i]);
        if (pi != NULL && pi->ProtocolID + 1u > n)
            n = pi->ProtocolID + 1u;
    }
    if (n > 0x10000)
        n = 0x10000; /* RECOGNIZEDATA.ProtocolID is a WORD */
    const char **a = ExpertAllocMemory(key, n * sizeof *a, &err);
    if (a == NULL)
        return err;
    for (DWORD i = 0; i < t->nProtocols; i++) {
        LPPROTOCOLINFO pi = GetProtocolInfo(t->hProtocol[i]);
        if (pi != NULL && pi->ProtocolID < n)
            a[pi->ProtocolID] = (const char *)pi->ProtocolName;
    }
    *names = a;
    *count = n;
    return 0;
}
