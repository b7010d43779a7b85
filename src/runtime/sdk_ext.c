/*
 * sdk_ext.c - the nmexpert extensions of the expert SDK (netmon.h, "SDK 1.0"):
 * a frame's link type and absolute time, and a capture writer for experts
 * that build a new capture (Protocol Coalesce).
 *
 * Writer handles are checked against a registry of live writers by address
 * comparison, so a stale or wild handle gives NMERR_INVALID_PARAMETER.
 */
#include <stdlib.h>
#include <string.h>

#include "common/strutil.h"
#include "runtime/runtime.h"

NMAPI DWORD WINAPI NmxGetFrameLinkType(HFRAME hFrame)
{
    uint32_t n;
    nmx_session_t *s = nmx__hframe_session(hFrame, &n);
    if (s == NULL) {
        BhSetLastError(NMERR_INVALID_HFRAME);
        return (DWORD)-1;
    }
    return nmx__session_rec(s, n)->linktype;
}

NMAPI __int64 WINAPI NmxGetFrameTime(HFRAME hFrame)
{
    uint32_t n;
    nmx_session_t *s = nmx__hframe_session(hFrame, &n);
    if (s == NULL) {
        BhSetLastError(NMERR_INVALID_HFRAME);
        return -1;
    }
    return nmx__session_rec(s, n)->ts_ns;
}

NMAPI DWORD WINAPI NmxExpertGetShard(HEXPERTKEY hExpertKey, LPDWORD Index, LPDWORD Count)
{
    nmx_session_t *s = nmx__session_from_key(hExpertKey);
    if (s == NULL)
        return NMERR_INVALID_EXPERT_HANDLE;
    if (Index == NULL || Count == NULL)
        return NMERR_INVALID_PARAMETER;
    bool sharded = s->range.shard_count > 1;
    *Index = sharded ? s->range.shard_index : 1;
    *Count = sharded ? s->range.shard_count : 1;
    return NMERR_SUCCESS;
}

/* ---- the capture writer ---------------------------------------------------- */

#define NMX_MAX_WRITERS 64

struct _NMX_CAPTURE_WRITER {
    nmx_capwriter_t *w;
    bool per_frame;      /* opened with NMX_WRITER_LINK_PER_FRAME */
    DWORD linktype;      /* else: the one link type */
};

static struct _NMX_CAPTURE_WRITER *writers[NMX_MAX_WRITERS];
static _Thread_local char writer_error[NMX_ERROR_MSG_MAX];

/* Records a writer failure for NmxCaptureWriterError() and BhGetLastError(). */
static DWORD writer_failed(DWORD rc, const nmx_error_t *err)
{
    nmx__strlcpy(writer_error, err != NULL && err->msg[0] != '\0' ? err->msg : nmx__nmerr_text(rc),
                 sizeof writer_error);
    BhSetLastError(rc);
    return rc;
}

NMAPI LPCSTR WINAPI NmxCaptureWriterError(VOID)
{
    return writer_error;
}
static pthread_mutex_t writers_lock = PTHREAD_MUTEX_INITIALIZER;

/* Removes h from the registry; true when it was there. */
static bool writer_take(HNMXWRITER h)
{
    bool found = false;
    pthread_mutex_lock(&writers_lock);
    for (unsigned i = 0; i < NMX_MAX_WRITERS; i++) {
        if (h != NULL && writers[i] == h) {
            writers[i] = NULL;
            found = true;
        }
    }
    pthread_mutex_unlock(&writers_lock);
    return found;
}

static bool writer_live(HNMXWRITER h)
{
    bool found = false;
    pthread_mutex_lock(&writers_lock);
    for (unsigned i = 0; i < NMX_MAX_WRITERS; i++)
        if (h != NULL && writers[i] == h)
            found = true;
    pthread_mutex_unlock(&writers_lock);
    return found;
}

NMAPI DWORD WINAPI NmxCaptureWriterOpen(LPCSTR Path, DWORD Format, DWORD LinkType,
                                        HNMXWRITER *phWriter)
{
    if (Path == NULL || phWriter == NULL)
        return NMERR_INVALID_PARAMETER;
    int fmt;
    switch (Format) {
    case NMX_WRITER_PCAP: fmt = NMX_CAPW_PCAP; break;
    case NMX_WRITER_PCAP_NSEC: fmt = NMX_CAPW_PCAP_NS; break;
    case NMX_WRITER_NETMON2: fmt = NMX_CAPW_NETMON2; break;
    default: return NMERR_INVALID_PARAMETER;
    }
    HNMXWRITER h = calloc(1, sizeof *h);
    if (h == NULL)
        return writer_failed(NMERR_OUT_OF_MEMORY, NULL);
    nmx_error_t err;
    nmx__error_clear(&err);
    h->per_frame = LinkType == NMX_WRITER_LINK_PER_FRAME;
    h->linktype = LinkType;
    unsigned rc = nmx__capwriter_open(Path, fmt, h->per_frame ? NMX_LINK_PER_FRAME : LinkType, &h->w,
                                      &err);
    if (rc != 0) {
        free(h);
        return writer_failed(rc, &err);
    }
    bool placed = false;
    pthread_mutex_lock(&writers_lock);
    for (unsigned i = 0; i < NMX_MAX_WRITERS && !placed; i++) {
        if (writers[i] == NULL) {
            writers[i] = h;
            placed = true;
        }
    }
    pthread_mutex_unlock(&writers_lock);
    if (!placed) {
        nmx__capwriter_close(h->w, &err);
        free(h);
        return NMERR_NO_HANDLES;
    }
    *phWriter = h;
    return NMERR_SUCCESS;
}

NMAPI DWORD WINAPI NmxCaptureWriterWriteEx(HNMXWRITER hWriter, __int64 TimeNs, DWORD LinkType,
                                           const BYTE *Data, DWORD Length, DWORD WireLength)
{
    if (!writer_live(hWriter) || (Data == NULL && Length > 0))
        return NMERR_INVALID_PARAMETER;
    if (!hWriter->per_frame && LinkType != hWriter->linktype)
        return NMERR_INVALID_MEDIA_TYPE;
    nmx_frame_rec_t rec;
    memset(&rec, 0, sizeof rec);
    rec.ts_ns = TimeNs;
    rec.caplen = Length;
    rec.wirelen = WireLength;
    rec.linktype = LinkType;
    unsigned rc = hWriter->per_frame ? nmx__capwriter_write_frame(hWriter->w, &rec, Data)
                                     : nmx__capwriter_write(hWriter->w, TimeNs, Data, Length, WireLength);
    return rc != 0 ? writer_failed(rc, NULL) : 0;
}

NMAPI DWORD WINAPI NmxCaptureWriterWrite(HNMXWRITER hWriter, __int64 TimeNs, const BYTE *Data,
                                         DWORD Length, DWORD WireLength)
{
    if (!writer_live(hWriter))
        return NMERR_INVALID_PARAMETER;
    if (hWriter->per_frame)
        return NMERR_INVALID_MEDIA_TYPE; /* the frame's link type is needed: WriteEx */
    return NmxCaptureWriterWriteEx(hWriter, TimeNs, hWriter->linktype, Data, Length, WireLength);
}

NMAPI DWORD WINAPI NmxCaptureWriterClose(HNMXWRITER hWriter)
{
    if (!writer_take(hWriter))
        return NMERR_INVALID_PARAMETER;
    nmx_error_t err;
    nmx__error_clear(&err);
    DWORD rc = nmx__capwriter_close(hWriter->w, &err);
    free(hWriter);
    return rc != 0 ? writer_failed(rc, &err) : 0;
}

NMAPI DWORD WINAPI NmxCaptureWriterDiscard(HNMXWRITER hWriter)
{
    if (!writer_take(hWriter))
        return NMERR_INVALID_PARAMETER;
    nmx__capwriter_discard(hWriter->w);
    free(hWriter);
    return 0;
}
