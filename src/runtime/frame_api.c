/*
 * frame_api.c - the frame, address, property and offset helpers that take an
 * HFRAME (spec 6.2, 6.3, 6.5), and the frame-based filter helpers (6.1).
 *
 * An HFRAME names (session, frame number) (session.c).  Helpers that need
 * the frame's properties use the session's dissection cache, which parses a
 * frame on first use (spec 6.3: properties are attached on demand).  Every
 * helper validates its handles and fails with the documented value and a
 * BhGetLastError() code instead of crashing.
 */
/* The address helpers are defined here under their SDK names. */
#define NMX_NO_ADDRESS2_GENERIC
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/strutil.h"
#include "proto/plugin.h"
#include "runtime/runtime.h"

/* Decodes an HFRAME; sets NMERR_INVALID_HFRAME when it is not valid. */
static nmx_session_t *frame_session(HFRAME h, uint32_t *n)
{
    nmx_session_t *s = nmx__hframe_session(h, n);
    if (s == NULL)
        BhSetLastError(NMERR_INVALID_HFRAME);
    return s;
}

/* The dissection behind an HFRAME, under the session lock. */
static const nmx_dissection_t *frame_dissection(nmx_session_t *s, uint32_t n)
{
    pthread_mutex_lock(&s->lock);
    const nmx_dissection_t *d = nmx__session_dissect(s, n);
    pthread_mutex_unlock(&s->lock);
    if (d == NULL)
        BhSetLastError(NMERR_OUT_OF_MEMORY);
    return d;
}

/* The session a handle-free call on capture `co` belongs to: the calling
 * thread's, else the capture's latest (threads an expert created have no
 * current session).  NULL with NMERR_INVALID_EXPERT_HANDLE outside any. */
static nmx_session_t *capture_session(struct _CAPTURE *co)
{
    nmx_session_t *s = nmx__session_current();
    if (s == NULL || s->capture != co)
        s = co->default_session;
    if (s == NULL)
        BhSetLastError(NMERR_INVALID_EXPERT_HANDLE);
    return s;
}

/* ---- frames (6.5) ---------------------------------------------------------- */

NMAPI HFRAME WINAPI GetFrame(HCAPTURE hCapture, DWORD FrameNumber)
{
    struct _CAPTURE *co = nmx__capobj_get(hCapture);
    if (co == NULL) {
        BhSetLastError(NMERR_INVALID_HCAPTURE);
        return NULL;
    }
    if (FrameNumber >= nmx__cap_count(co->cap)) {
        BhSetLastError(NMERR_OUT_OF_RANGE);
        return NULL;
    }
    nmx_session_t *s = capture_session(co);
    return s != NULL ? nmx__hframe_make(s, FrameNumber) : NULL;
}

NMAPI HCAPTURE WINAPI GetFrameCaptureHandle(HFRAME hFrame)
{
    nmx_session_t *s = frame_session(hFrame, NULL);
    return s != NULL ? (HCAPTURE)s->capture : NULL;
}

NMAPI DWORD WINAPI GetFrameNumber(HFRAME hFrame)
{
    uint32_t n;
    return frame_session(hFrame, &n) != NULL ? n : (DWORD)-1;
}

NMAPI DWORD WINAPI GetFrameLength(HFRAME hFrame)
{
    uint32_t n;
    nmx_session_t *s = frame_session(hFrame, &n);
    return s != NULL ? nmx__session_rec(s, n)->wirelen : 0;
}

NMAPI DWORD WINAPI GetFrameStoredLength(HFRAME hFrame)
{
    uint32_t n;
    nmx_session_t *s = frame_session(hFrame, &n);
    return s != NULL ? nmx__session_rec(s, n)->caplen : 0;
}

NMAPI DWORD WINAPI GetFrameMacType(HFRAME hFrame)
{
    uint32_t n;
    nmx_session_t *s = frame_session(hFrame, &n);
    return s != NULL ? nmx__linktype_to_mactype(nmx__session_rec(s, n)->linktype) : MAC_TYPE_UNKNOWN;
}

NMAPI DWORD WINAPI GetFrameMacHeaderLength(HFRAME hFrame)
{
    uint32_t n;
    nmx_session_t *s = frame_session(hFrame, &n);
    if (s == NULL)
        return 0;
    const nmx_frame_rec_t *rec = nmx__session_rec(s, n);
    DWORD mactype = nmx__linktype_to_mactype(rec->linktype);
    if (mactype == MAC_TYPE_UNKNOWN || rec->caplen < 14)
        return 0;
    return GetMacHeaderLength((LPVOID)nmx__session_data(s, n), mactype);
}

NMAPI __int64 WINAPI GetFrameTimeStamp(HFRAME hFrame)
{
    uint32_t n;
    nmx_session_t *s = frame_session(hFrame, &n);
    if (s == NULL)
        return -1;
    return nmx__cap_us_between(s->capture->first_ns, nmx__session_rec(s, n)->ts_ns);
}

NMAPI ULPFRAME WINAPI GetFrameFromFrameHandle(HFRAME hFrame)
{
    uint32_t n;
    nmx_session_t *s = frame_session(hFrame, &n);
    if (s == NULL)
        return NULL;
    pthread_mutex_lock(&s->lock);
    ULPFRAME f = nmx__session_aux_frame(s, n);
    pthread_mutex_unlock(&s->lock);
    if (f == NULL)
        BhSetLastError(NMERR_OUT_OF_MEMORY);
    return f;
}

NMAPI LPRECOGNIZEDATATABLE WINAPI GetFrameRecognizeData(HFRAME hFrame)
{
    uint32_t n;
    nmx_session_t *s = frame_session(hFrame, &n);
    if (s == NULL)
        return NULL;
    const nmx_dissection_t *d = frame_dissection(s, n);
    return d != NULL ? d->recog : NULL;
}

NMAPI ULPBYTE WINAPI ParserTemporaryLockFrame(HFRAME hFrame)
{
    uint32_t n;
    nmx_session_t *s = frame_session(hFrame, &n);
    return s != NULL ? (ULPBYTE)nmx__session_data(s, n) : NULL;
}

/* Replaces frame N in the calling session's own view of the capture: the
 * capture is shared (mapped read-only, other experts read it), so each
 * session keeps a private copy-on-write copy of the frames it modified, and
 * every helper of that session sees the new bytes.  The new frame's stored
 * and wire lengths are FrameLength; its TimeStamp (us from the capture
 * start) is TimeStamp.  Returns its handle; the old handle names the same
 * frame number, so it sees the new frame too. */
NMAPI HFRAME WINAPI ModifyFrame(HCAPTURE hCapture, DWORD FrameNumber, LPBYTE FrameData,
                                DWORD FrameLength, __int64 TimeStamp)
{
    struct _CAPTURE *co = nmx__capobj_get(hCapture);
    if (co == NULL) {
        BhSetLastError(NMERR_INVALID_HCAPTURE);
        return NULL;
    }
    nmx_session_t *s = capture_session(co);
    if (s == NULL)
        return NULL;
    /* TimeStamp is relative to the origin FRAME.TimeStamp uses. */
    int64_t ts_ns = co->first_ns;
    if (TimeStamp > INT64_MAX / 1000 || TimeStamp < INT64_MIN / 1000 ||
        __builtin_add_overflow(ts_ns, (int64_t)TimeStamp * 1000, &ts_ns)) {
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return NULL;
    }
    pthread_mutex_lock(&s->lock);
    DWORD rc = nmx__session_modify(s, FrameNumber, FrameData, FrameLength, ts_ns);
    pthread_mutex_unlock(&s->lock);
    if (rc != NMERR_SUCCESS) {
        BhSetLastError(rc);
        return NULL;
    }
    return nmx__hframe_make(s, FrameNumber);
}

/* ---- addresses (6.5) ------------------------------------------------------- */

static DWORD frame_address(HFRAME hFrame, bool dst, DWORD type, DWORD flags, ADDRESS2 *out,
                           DWORD *offset, DWORD *length)
{
    uint32_t n;
    nmx_session_t *s = frame_session(hFrame, &n);
    if (s == NULL)
        return NMERR_INVALID_HFRAME;
    /* Address locations come from the recognize pass: no full dissection. */
    pthread_mutex_lock(&s->lock);
    const nmx_frame_addrs_t *addrs;
    nmx__session_recognize(s, n, &addrs);
    nmx_frame_addrs_t a = *addrs;
    pthread_mutex_unlock(&s->lock);
    const nmx_frame_rec_t *rec = nmx__session_rec(s, n);
    return nmx__frame_address(nmx__session_data(s, n), rec->caplen, &a, dst, type, flags, out, offset,
                              length);
}

static DWORD address_offset(HFRAME hFrame, bool dst, DWORD type, LPDWORD len)
{
    ADDRESS2 a;
    DWORD off = 0, l = 0;
    DWORD rc = frame_address(hFrame, dst, type, 0, &a, &off, &l);
    if (rc != NMERR_SUCCESS) {
        BhSetLastError(rc);
        return (DWORD)-1;
    }
    if (len != NULL)
        *len = l;
    return off;
}

NMAPI DWORD WINAPI GetFrameDstAddressOffset(HFRAME hFrame, DWORD AddressType, LPDWORD AddressLength)
{
    return address_offset(hFrame, true, AddressType, AddressLength);
}

NMAPI DWORD WINAPI GetFrameSrcAddressOffset(HFRAME hFrame, DWORD AddressType, LPDWORD AddressLength)
{
    return address_offset(hFrame, false, AddressType, AddressLength);
}

/* An ADDRESS2 in the 16 bytes of an ADDRESS: Type, the first 10 bytes of the
 * union, Flags.  Nothing is written past sizeof(ADDRESS). */
static void address_narrow(LPADDRESS out, const ADDRESS2 *in)
{
    ADDRESS a;
    memset(&a, 0, sizeof a);
    a.Type = in->Type;
    memcpy(a.IPXRawAddress, in->IP6Address, sizeof a.IPXRawAddress);
    a.Flags = in->Flags;
    memcpy(out, &a, sizeof a);
}

/* An ADDRESS read as an ADDRESS2 (only sizeof(ADDRESS) bytes are read). */
static void address_widen(ADDRESS2 *out, const ADDRESS *in)
{
    ADDRESS a;
    memcpy(&a, in, sizeof a);
    memset(out, 0, sizeof *out);
    out->Type = a.Type;
    memcpy(out->IP6Address, a.IPXRawAddress, sizeof a.IPXRawAddress);
    out->Flags = a.Flags;
}

static DWORD get_address2(HFRAME hFrame, bool dst, LPADDRESS2 lpAddress, DWORD type, DWORD flags)
{
    if (lpAddress == NULL)
        return NMERR_INVALID_PARAMETER;
    ADDRESS2 a;
    DWORD rc = frame_address(hFrame, dst, type, flags, &a, NULL, NULL);
    if (rc == NMERR_SUCCESS)
        *lpAddress = a;
    return rc;
}

/* The ADDRESS form: no IPv6 (an ADDRESS cannot hold one), so FIND_HIGHEST
 * falls back to the MAC address of an IPv6 frame. */
static DWORD get_address(HFRAME hFrame, bool dst, LPADDRESS lpAddress, DWORD type, DWORD flags)
{
    if (lpAddress == NULL)
        return NMERR_INVALID_PARAMETER;
    if (type == ADDRESS_TYPE_IP6)
        return NMERR_BUFFER_TOO_SMALL;
    ADDRESS2 a;
    DWORD rc = frame_address(hFrame, dst, type, flags, &a, NULL, NULL);
    if (rc == NMERR_SUCCESS && a.Type == ADDRESS_TYPE_IP6)
        rc = frame_address(hFrame, dst, ADDRESS_TYPE_ETHERNET, flags, &a, NULL, NULL);
    if (rc == NMERR_SUCCESS)
        address_narrow(lpAddress, &a);
    return rc;
}

NMAPI DWORD WINAPI GetFrameDestAddress(HFRAME hFrame, LPADDRESS lpAddress, DWORD AddressType, DWORD Flags)
{
    return get_address(hFrame, true, lpAddress, AddressType, Flags);
}

NMAPI DWORD WINAPI GetFrameSourceAddress(HFRAME hFrame, LPADDRESS lpAddress, DWORD AddressType,
                                         DWORD Flags)
{
    return get_address(hFrame, false, lpAddress, AddressType, Flags);
}

NMAPI DWORD WINAPI NmxGetFrameDestAddress2(HFRAME hFrame, LPADDRESS2 lpAddress, DWORD AddressType,
                                           DWORD Flags)
{
    return get_address2(hFrame, true, lpAddress, AddressType, Flags);
}

NMAPI DWORD WINAPI NmxGetFrameSourceAddress2(HFRAME hFrame, LPADDRESS2 lpAddress, DWORD AddressType,
                                             DWORD Flags)
{
    return get_address2(hFrame, false, lpAddress, AddressType, Flags);
}

/* Bytes compared for an address type. */
static size_t address_size(DWORD type)
{
    switch (type) {
    case ADDRESS_TYPE_IP: return IP_ADDRESS_SIZE;
    case ADDRESS_TYPE_IP6: return IP6_ADDRESS_SIZE;
    case ADDRESS_TYPE_IPX: return IPX_ADDR_SIZE;
    case ADDRESS_TYPE_VINES_IP: return VINES_IP_ADDRESS_SIZE;
    default: return MAC_ADDRESS_SIZE;
    }
}

static BOOL compare_frame_address(HFRAME hFrame, bool dst, const ADDRESS2 *lpAddress)
{
    if (lpAddress == NULL)
        return FALSE;
    ADDRESS2 mine;
    if (frame_address(hFrame, dst, lpAddress->Type, 0, &mine, NULL, NULL) != NMERR_SUCCESS)
        return FALSE;
    return mine.Type == lpAddress->Type &&
           memcmp(mine.IP6Address, lpAddress->IP6Address, address_size(lpAddress->Type)) == 0;
}

/* The ADDRESS form of a comparison: read as an ADDRESS2, never IPv6. */
static BOOL compare_frame_address1(HFRAME hFrame, bool dst, const ADDRESS *lpAddress)
{
    if (lpAddress == NULL)
        return FALSE;
    ADDRESS2 a;
    address_widen(&a, lpAddress);
    return a.Type != ADDRESS_TYPE_IP6 && compare_frame_address(hFrame, dst, &a);
}

NMAPI BOOL WINAPI CompareFrameDestAddress(HFRAME hFrame, LPADDRESS lpAddress)
{
    return compare_frame_address1(hFrame, true, lpAddress);
}

NMAPI BOOL WINAPI CompareFrameSourceAddress(HFRAME hFrame, LPADDRESS lpAddress)
{
    return compare_frame_address1(hFrame, false, lpAddress);
}

NMAPI BOOL WINAPI NmxCompareFrameDestAddress2(HFRAME hFrame, LPADDRESS2 lpAddress)
{
    return compare_frame_address(hFrame, true, lpAddress);
}

NMAPI BOOL WINAPI NmxCompareFrameSourceAddress2(HFRAME hFrame, LPADDRESS2 lpAddress)
{
    return compare_frame_address(hFrame, false, lpAddress);
}

/* FindNextFrame / FindPreviousFrame: look at most this far from the origin. */
#define NMX_MAX_LOOKBACK 1000u

static HFRAME find_frame(HFRAME hCurrent, LPCSTR name, const ADDRESS2 *dst, const ADDRESS2 *src,
                         LPWORD offset, DWORD origin, DWORD limit, bool forward)
{
    uint32_t n;
    nmx_session_t *s = frame_session(hCurrent, &n);
    if (s == NULL)
        return NULL;
    const nmx_protocol_t *p = name != NULL ? nmx__proto_by_name(name) : NULL;
    if (p == NULL) {
        BhSetLastError(NMERR_PROTOCOL_NOT_FOUND);
        return NULL;
    }
    uint32_t total = nmx__cap_count(s->cap);
    for (uint64_t k = 1; k <= NMX_MAX_LOOKBACK + 1; k++) {
        int64_t i = forward ? (int64_t)n + (int64_t)k : (int64_t)n - (int64_t)k;
        if (i < 0 || i >= total)
            break;
        if (forward ? (limit != 0 && (uint64_t)i > limit) : (uint64_t)i < limit)
            break;
        uint64_t dist = forward ? (uint64_t)i - (origin < (uint64_t)i ? origin : (uint64_t)i)
                                : (origin > (uint64_t)i ? origin - (uint64_t)i : 0);
        if (dist > NMX_MAX_LOOKBACK)
            break;
        const nmx_dissection_t *d = frame_dissection(s, (uint32_t)i);
        if (d == NULL)
            return NULL;
        DWORD off = nmx__proto_offset(d->recog, nmx__proto_id(p));
        if (off == (DWORD)-1)
            continue;
        HFRAME h = nmx__hframe_make(s, (uint32_t)i);
        if (dst != NULL && !compare_frame_address(h, true, dst))
            continue;
        if (src != NULL && !compare_frame_address(h, false, src))
            continue;
        if (offset != NULL)
            *offset = (WORD)off;
        return h;
    }
    BhSetLastError(NMERR_FRAME_NOT_FOUND);
    return NULL;
}

/* find_frame with ADDRESS operands (no IPv6 type possible: none matches). */
static HFRAME find_frame1(HFRAME hCurrent, LPCSTR name, const ADDRESS *dst, const ADDRESS *src,
                          LPWORD offset, DWORD origin, DWORD limit, bool forward)
{
    ADDRESS2 d2, s2;
    if (dst != NULL)
        address_widen(&d2, dst);
    if (src != NULL)
        address_widen(&s2, src);
    return find_frame(hCurrent, name, dst != NULL ? &d2 : NULL, src != NULL ? &s2 : NULL, offset, origin,
                      limit, forward);
}

NMAPI HFRAME WINAPI FindNextFrame(HFRAME hCurrentFrame, LPCSTR ProtocolName, LPADDRESS lpDestAddress,
                                  LPADDRESS lpSrcAddress, LPWORD ProtocolOffset,
                                  DWORD OriginalFrameNumber, DWORD nHighestFrame)
{
    return find_frame1(hCurrentFrame, ProtocolName, lpDestAddress, lpSrcAddress, ProtocolOffset,
                       OriginalFrameNumber, nHighestFrame, true);
}

NMAPI HFRAME WINAPI FindPreviousFrame(HFRAME hCurrentFrame, LPCSTR ProtocolName, LPADDRESS lpDstAddress,
                                      LPADDRESS lpSrcAddress, LPWORD ProtocolOffset,
                                      DWORD OriginalFrameNumber, DWORD nLowestFrame)
{
    return find_frame1(hCurrentFrame, ProtocolName, lpDstAddress, lpSrcAddress, ProtocolOffset,
                       OriginalFrameNumber, nLowestFrame, false);
}

NMAPI HFRAME WINAPI NmxFindNextFrame2(HFRAME hCurrentFrame, LPCSTR ProtocolName, LPADDRESS2 lpDestAddress,
                                      LPADDRESS2 lpSrcAddress, LPWORD ProtocolOffset,
                                      DWORD OriginalFrameNumber, DWORD nHighestFrame)
{
    return find_frame(hCurrentFrame, ProtocolName, lpDestAddress, lpSrcAddress, ProtocolOffset,
                      OriginalFrameNumber, nHighestFrame, true);
}

NMAPI HFRAME WINAPI NmxFindPreviousFrame2(HFRAME hCurrentFrame, LPCSTR ProtocolName,
                                          LPADDRESS2 lpDstAddress, LPADDRESS2 lpSrcAddress,
                                          LPWORD ProtocolOffset, DWORD OriginalFrameNumber,
                                          DWORD nLowestFrame)
{
    return find_frame(hCurrentFrame, ProtocolName, lpDstAddress, lpSrcAddress, ProtocolOffset,
                      OriginalFrameNumber, nLowestFrame, false);
}

/* ---- protocols in a frame (6.2) -------------------------------------------- */

static DWORD protocol_offset(HFRAME hFrame, const nmx_protocol_t *p)
{
    uint32_t n;
    nmx_session_t *s = frame_session(hFrame, &n);
    if (s == NULL)
        return (DWORD)-1;
    if (p == NULL) {
        BhSetLastError(NMERR_INVALID_HPROTOCOL);
        return (DWORD)-1;
    }
    const nmx_dissection_t *d = frame_dissection(s, n);
    if (d == NULL)
        return (DWORD)-1;
    DWORD off = nmx__proto_offset(d->recog, nmx__proto_id(p));
    if (off == (DWORD)-1)
        BhSetLastError(NMERR_PROTOCOL_NOT_FOUND);
    return off;
}

NMAPI DWORD WINAPI GetProtocolStartOffset(HFRAME hFrame, LPCSTR ProtocolName)
{
    return protocol_offset(hFrame, ProtocolName != NULL ? nmx__proto_by_name(ProtocolName) : NULL);
}

NMAPI DWORD WINAPI GetProtocolStartOffsetHandle(HFRAME hFrame, HPROTOCOL hProtocol)
{
    return protocol_offset(hFrame, nmx__proto_from_handle(hProtocol));
}

NMAPI DWORD WINAPI GetPreviousProtocolOffsetByName(HFRAME hFrame, DWORD dwStartOffset,
                                                   LPCSTR szProtocolName, DWORD *pdwPreviousOffset)
{
    uint32_t n;
    nmx_session_t *s = frame_session(hFrame, &n);
    if (s == NULL)
        return NMERR_INVALID_HFRAME;
    if (szProtocolName == NULL || pdwPreviousOffset == NULL)
        return NMERR_INVALID_PARAMETER;
    const nmx_protocol_t *p = nmx__proto_by_name(szProtocolName);
    if (p == NULL)
        return NMERR_PROTOCOL_NOT_FOUND;
    const nmx_dissection_t *d = frame_dissection(s, n);
    if (d == NULL)
        return NMERR_OUT_OF_MEMORY;
    return nmx__proto_prev_offset(d->recog, nmx__proto_id(p), dwStartOffset, pdwPreviousOffset);
}

/* ---- properties (6.3) ---------------------------------------------------------- */

/* The frame bytes an instance covers, and how many. */
static const void *inst_bytes(const PROPERTYINST *p, WORD *len)
{
    if (p->DataLength != (WORD)-1) {
        *len = p->DataLength;
        return p->lpData;
    }
    *len = p->lpPropertyInstEx->Length; /* the EX block is the dissection's own */
    return p->lpPropertyInstEx->lpData;
}

/*
 * A restart key from a shallower dissection of the frame (old, kept alive
 * with the deeper one d that replaced it), found again in d: the instance
 * of the same property at the same place.  NULL, to start at an end, when
 * the key is no instance of this frame.
 */
static const PROPERTYINST *same_instance(const nmx_dissection_t *d, const nmx_dissection_t *old,
                                         const PROPERTYINST *key)
{
    if (old == NULL)
        return NULL;
    WORD klen, plen;
    const void *kat = inst_bytes(key, &klen);
    for (DWORD i = 0; i < d->props->nTotalPropertyInsts; i++) {
        const PROPERTYINST *p = &d->props->lpFirstPropertyInst[i];
        if (p->lpPropertyInfo == key->lpPropertyInfo && p->Level == key->Level &&
            (p->DataLength == (WORD)-1) == (key->DataLength == (WORD)-1) && inst_bytes(p, &plen) == kat &&
            plen == klen)
            return p;
    }
    return NULL;
}

NMAPI LPPROPERTYINST WINAPI FindPropertyInstance(HFRAME hFrame, HPROPERTY hProperty)
{
    return FindPropertyInstanceRestart(hFrame, hProperty, NULL, TRUE);
}

NMAPI LPPROPERTYINST WINAPI FindPropertyInstanceRestart(HFRAME hFrame, HPROPERTY hProperty,
                                                        LPPROPERTYINST *lpRestartKey, BOOL DirForward)
{
    uint32_t n;
    nmx_session_t *s = frame_session(hFrame, &n);
    if (s == NULL)
        return NULL;
    const nmx_field_t *f = nmx__field_from_handle(hProperty);
    if (f == NULL) {
        BhSetLastError(NMERR_INVALID_HPROPERTY);
        return NULL;
    }
    /* Forward look-ups need the layers that can hold f (a partial
     * dissection); the backward one, rare, takes the whole frame. */
    pthread_mutex_lock(&s->lock);
    const nmx_dissection_t *d = DirForward ? nmx__session_dissect_for(s, n, f) : nmx__session_dissect(s, n);
    const PROPERTYINST *start = lpRestartKey != NULL ? *lpRestartKey : NULL;
    if (start != NULL && d != NULL && nmx__dissection_index(d, start) < 0)
        start = same_instance(d, nmx__session_dissection_of(s, n, start), start);
    pthread_mutex_unlock(&s->lock);
    if (d == NULL) {
        BhSetLastError(NMERR_OUT_OF_MEMORY);
        return NULL;
    }
    LPPROPERTYINST found = NULL;
    if (DirForward) {
        found = nmx__dissection_find(d, f, start);
    } else {
        /* The last instance before `start` (or the last one of all). */
        for (LPPROPERTYINST p = nmx__dissection_find(d, f, NULL); p != NULL;
             p = nmx__dissection_find(d, f, p)) {
            if (start != NULL && p >= start)
                break;
            found = p;
        }
    }
    if (lpRestartKey != NULL)
        *lpRestartKey = found;
    if (found == NULL)
        BhSetLastError(NMERR_PROPERTY_NOT_FOUND);
    return found;
}

NMAPI LPSTR WINAPI GetPropertyText(HFRAME hFrame, LPPROPERTYINST lpPI, LPSTR szBuffer, DWORD BufferSize)
{
    uint32_t n;
    nmx_session_t *s = frame_session(hFrame, &n);
    if (s == NULL)
        return NULL;
    if (lpPI == NULL || szBuffer == NULL || BufferSize == 0) {
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return NULL;
    }
    pthread_mutex_lock(&s->lock);
    const nmx_dissection_t *d = nmx__session_dissection_of(s, n, lpPI);
    pthread_mutex_unlock(&s->lock);
    if (d == NULL) {
        BhSetLastError(NMERR_INVALID_PARAMETER);
        return NULL;
    }
    /* A parser plug-in's property: what its FormatProperties says. */
    if (nmx__plugin_format(d, hFrame, lpPI, szBuffer, BufferSize))
        return szBuffer;
    /* "Label: value", the value rendered straight into the caller's buffer
     * (truncated there, as snprintf would). */
    const nmx_field_t *f = nmx__field_from_info(lpPI->lpPropertyInfo);
    int k = snprintf(szBuffer, BufferSize, "%s: ", f != NULL ? nmx__field_label(f) : "?");
    size_t used = k < 0 ? 0 : ((size_t)k < BufferSize ? (size_t)k : BufferSize - 1);
    if (used < BufferSize - 1)
        nmx__prop_render(lpPI, szBuffer + used, BufferSize - used);
    return szBuffer;
}

/* ---- frame-based filters (6.1) ---------------------------------------------- */

NMAPI DWORD WINAPI FilterFrame(HFRAME hFrame, HFILTER hFilter, HCAPTURE hCapture)
{
    uint32_t n;
    nmx_session_t *s = frame_session(hFrame, &n);
    if (s == NULL)
        return (DWORD)FILTER_FAIL_WITH_ERROR;
    if (hCapture != NULL && nmx__capobj_get(hCapture) != s->capture) {
        BhSetLastError(NMERR_INVALID_HCAPTURE);
        return (DWORD)FILTER_FAIL_WITH_ERROR;
    }
    const nmx_filter_t *f = nmx__filter_from_handle(hFilter);
    if (f == NULL) {
        BhSetLastError(NMERR_INVALID_HFILTER);
        return (DWORD)FILTER_FAIL_WITH_ERROR;
    }
    pthread_mutex_lock(&s->lock);
    int r = nmx__session_filter(s, f, n);
    pthread_mutex_unlock(&s->lock);
    if (r == FILTER_FAIL_WITH_ERROR)
        BhSetLastError(NMERR_FILTER_INVALID_EXPRESSION);
    return (DWORD)r;
}

NMAPI DWORD WINAPI FilterFindFrame(HFILTER hFilter, HCAPTURE hCapture, DWORD nFrame,
                                   STATUSPROC StatusProc, LPVOID UIInstance, DWORD TimeDelta,
                                   BOOL FilterDirection)
{
    (void)TimeDelta;
    struct _CAPTURE *co = nmx__capobj_get(hCapture);
    const nmx_filter_t *f = nmx__filter_from_handle(hFilter);
    if (co == NULL || f == NULL) {
        BhSetLastError(co == NULL ? NMERR_INVALID_HCAPTURE : NMERR_INVALID_HFILTER);
        return FILTER_NO_MORE_FRAMES;
    }
    nmx_session_t *s = capture_session(co);
    if (s == NULL)
        return FILTER_NO_MORE_FRAMES;
    uint32_t total = nmx__cap_count(s->cap);
    int64_t i = FilterDirection ? (int64_t)nFrame + 1 : (int64_t)nFrame - 1;
    for (uint64_t k = 0; i >= 0 && i < total; k++) {
        if (StatusProc != NULL && k % 1000 == 999 &&
            !StatusProc((DWORD)i, hCapture, hFilter, UIInstance))
            return FILTER_CANCELED;
        pthread_mutex_lock(&s->lock);
        int r = nmx__session_filter(s, f, (uint32_t)i);
        pthread_mutex_unlock(&s->lock);
        if (r == FILTER_PASSED)
            return (DWORD)i;
        if (r == FILTER_FAIL_WITH_ERROR) {
            BhSetLastError(NMERR_FILTER_INVALID_EXPRESSION);
            return FILTER_NO_MORE_FRAMES;
        }
        i += FilterDirection ? 1 : -1;
    }
    return FILTER_NO_MORE_FRAMES;
}

NMAPI HFRAME WINAPI FilterFindPropertyInstance(HFRAME hFrame, HFILTER hMasterFilter, HCAPTURE hCapture,
                                               HFILTER hInstanceFilter, LPPROPERTYINST *lpPropRestartKey,
                                               STATUSPROC StatusProc, LPVOID UIInstance,
                                               DWORD TimeDelta, BOOL FilterForward)
{
    (void)hFrame;
    (void)hMasterFilter;
    (void)hCapture;
    (void)hInstanceFilter;
    (void)lpPropRestartKey;
    (void)StatusProc;
    (void)UIInstance;
    (void)TimeDelta;
    (void)FilterForward;
    /* Per-instance filtering has no specification to follow (spec App. B). */
    BhSetLastError(NMERR_NOT_SUPPORTED);
    return NULL;
}

/* ---- time helpers (6.5, 6.6) ------------------------------------------------------- */

NMAPI LPSYSTEMTIME WINAPI AdjustSystemTime(LPSYSTEMTIME SystemTime, __int64 TimeDelta)
{
    if (SystemTime == NULL)
        return NULL;
    struct tm tm = {0};
    tm.tm_year = SystemTime->wYear - 1900;
    tm.tm_mon = SystemTime->wMonth - 1;
    tm.tm_mday = SystemTime->wDay;
    tm.tm_hour = SystemTime->wHour;
    tm.tm_min = SystemTime->wMinute;
    tm.tm_sec = SystemTime->wSecond;
    time_t t = timegm(&tm);
    int64_t us = (int64_t)t * 1000000 + (int64_t)SystemTime->wMilliseconds * 1000 + TimeDelta;
    int64_t secs = us / 1000000, rem = us % 1000000;
    if (rem < 0) {
        rem += 1000000;
        secs--;
    }
    time_t nt = (time_t)secs;
    struct tm out;
    if (gmtime_r(&nt, &out) == NULL)
        return NULL;
    SystemTime->wYear = (WORD)(out.tm_year + 1900);
    SystemTime->wMonth = (WORD)(out.tm_mon + 1);
    SystemTime->wDayOfWeek = (WORD)out.tm_wday;
    SystemTime->wDay = (WORD)out.tm_mday;
    SystemTime->wHour = (WORD)out.tm_hour;
    SystemTime->wMinute = (WORD)out.tm_min;
    SystemTime->wSecond = (WORD)out.tm_sec;
    SystemTime->wMilliseconds = (WORD)(rem / 1000);
    return SystemTime;
}

NMAPI LPSTR WINAPI FormatTimeAsString(SYSTEMTIME *time, LPSTR String)
{
    if (time == NULL || String == NULL)
        return NULL;
    /* The buffer size is not passed; this form always fits in 24 bytes. */
    snprintf(String, 24, "%04u-%02u-%02u %02u:%02u:%02u.%03u", time->wYear % 10000u,
             time->wMonth % 100u, time->wDay % 100u, time->wHour % 100u, time->wMinute % 100u,
             time->wSecond % 100u, time->wMilliseconds % 1000u);
    return String;
}
