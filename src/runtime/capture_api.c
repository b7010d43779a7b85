/*
 * capture_api.c - the capture as experts see it: HCAPTURE objects and the
 * capture helpers of spec 6.4 (GetCaptureTotalFrames, GetCaptureTimeStamp,
 * GetCaptureMacType, GetCaptureComment, GetCaptureCommentFromFilename) plus
 * GetEnabledProtocols (6.2).
 *
 * HCAPTURE values are checked against a small registry of live capture
 * objects by address comparison, so a stale or wild handle is refused
 * without being dereferenced.
 */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "runtime/runtime.h"

#define NMX_MAX_CAPOBJS 64

static struct _CAPTURE *registry[NMX_MAX_CAPOBJS];
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

struct _CAPTURE *nmx__capobj_new(nmx_capture_t *pub)
{
    struct _CAPTURE *co = calloc(1, sizeof *co);
    if (co == NULL)
        return NULL;
    co->magic = NMX_CAPTURE_MAGIC;
    co->pub = pub;
    co->cap = (nmx_cap_t *)pub;
    co->first_ns = nmx__cap_time_origin_ns(co->cap);
    memcpy(&co->start, nmx__cap_systemtime(co->cap), sizeof co->start);
    co->mactype = nmx__cap_mactype(co->cap);
    const char *comment = nmx__cap_comment(co->cap);
    if (comment != NULL)
        co->comment = strdup(comment);

    /* The enabled protocols: every protocol the parsers know. */
    unsigned n = 0;
    for (unsigned id = 1; id < nmx__proto_count(); id++)
        if (nmx__proto_by_id(id) != NULL)
            n++;
    co->enabled = calloc(1, PROTOCOLTABLE_SIZE + (n > 0 ? n : 1) * sizeof(HPROTOCOL));
    if (co->enabled != NULL) {
        for (unsigned id = 1; id < nmx__proto_count(); id++) {
            const nmx_protocol_t *p = nmx__proto_by_id(id);
            if (p != NULL)
                co->enabled->hProtocol[co->enabled->nProtocols++] = nmx__proto_handle(p);
        }
    }
    pthread_mutex_lock(&registry_lock);
    bool placed = false;
    for (unsigned i = 0; i < NMX_MAX_CAPOBJS && !placed; i++) {
        if (registry[i] == NULL) {
            registry[i] = co;
            placed = true;
        }
    }
    pthread_mutex_unlock(&registry_lock);
    if (!placed || co->enabled == NULL) {
        nmx__capobj_free(co);
        return NULL;
    }
    return co;
}

void nmx__capobj_free(struct _CAPTURE *co)
{
    if (co == NULL)
        return;
    pthread_mutex_lock(&registry_lock);
    for (unsigned i = 0; i < NMX_MAX_CAPOBJS; i++)
        if (registry[i] == co)
            registry[i] = NULL;
    pthread_mutex_unlock(&registry_lock);
    co->magic = 0;
    free(co->comment);
    free(co->enabled);
    free(co);
}

struct _CAPTURE *nmx__capobj_get(HCAPTURE h)
{
    if (h == NULL)
        return NULL;
    struct _CAPTURE *found = NULL;
    pthread_mutex_lock(&registry_lock);
    for (unsigned i = 0; i < NMX_MAX_CAPOBJS; i++)
        if (registry[i] == (struct _CAPTURE *)h)
            found = registry[i];
    pthread_mutex_unlock(&registry_lock);
    return found;
}

NMAPI DWORD WINAPI GetCaptureTotalFrames(HCAPTURE hCapture)
{
    struct _CAPTURE *co = nmx__capobj_get(hCapture);
    if (co == NULL) {
        BhSetLastError(NMERR_INVALID_HCAPTURE);
        return 0;
    }
    return nmx__cap_count(co->cap);
}

NMAPI LPSYSTEMTIME WINAPI GetCaptureTimeStamp(HCAPTURE hCapture)
{
    struct _CAPTURE *co = nmx__capobj_get(hCapture);
    if (co == NULL) {
        BhSetLastError(NMERR_INVALID_HCAPTURE);
        return NULL;
    }
    return &co->start;
}

NMAPI DWORD WINAPI GetCaptureMacType(HCAPTURE hCapture)
{
    struct _CAPTURE *co = nmx__capobj_get(hCapture);
    if (co == NULL) {
        BhSetLastError(NMERR_INVALID_HCAPTURE);
        return NMERR_UNKNOWN_MACTYPE;
    }
    return co->mactype;
}

NMAPI LPSTR WINAPI GetCaptureComment(HCAPTURE hCapture)
{
    struct _CAPTURE *co = nmx__capobj_get(hCapture);
    if (co == NULL) {
        BhSetLastError(NMERR_INVALID_HCAPTURE);
        return NULL;
    }
    return co->comment;
}

NMAPI DWORD WINAPI GetCaptureCommentFromFilename(LPCSTR lpFilename, LPSTR lpComment, DWORD BufferSize)
{
    if (lpFilename == NULL || lpComment == NULL || BufferSize == 0)
        return NMERR_INVALID_PARAMETER;
    nmx_error_t err;
    nmx__error_clear(&err);
    return nmx__cap_read_comment(lpFilename, lpComment, BufferSize, &err);
}

NMAPI LPPROTOCOLTABLE WINAPI GetEnabledProtocols(HCAPTURE hCapture)
{
    struct _CAPTURE *co = nmx__capobj_get(hCapture);
    if (co == NULL) {
        BhSetLastError(NMERR_INVALID_HCAPTURE);
        return NULL;
    }
    return co->enabled;
}
